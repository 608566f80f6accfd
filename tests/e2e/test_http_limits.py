"""HTTP hardening against the real binary: every early error in the envelope
of the protocol the request was addressed to, body limits and the global
body budget, header/body/idle timeouts, the connection limit, requests from
web pages (Origin, CORS preflight, Sec-Fetch-Site), JSON-only admin POSTs,
odd admin paths, and plain-text logs.

Each group runs against a dedicated server with small limits so that the
tests are fast. Timing assertions are generous upper bounds on something
that must happen (a timeout firing), never bands a busy machine could miss.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import subprocess
import time

import botocore.parsers
import pytest
from botocore.exceptions import ClientError

import strict
from harness import AwsClients, TasknetServer, tasknet_binary

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
ECS_TARGET = "AmazonEC2ContainerServiceV20141113"
MAX_BODY = 4096
PAGE_ORIGIN = "http://localhost:3000"
# Generous: a timeout that must have fired by now, on any machine.
FIRED_WITHIN_S = 20


def auth(service: str, region: str = "us-east-1") -> str:
    return (f"AWS4-HMAC-SHA256 Credential=test/20260101/{region}/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0")


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = TasknetServer(tmp_path_factory.mktemp("limits"), extra_args=(
        "--max-body-bytes", str(MAX_BODY),
        "--body-timeout-secs", "2",
        "--header-timeout-secs", "1",
        "--idle-timeout-secs", "30",
        "--allow-origin", PAGE_ORIGIN,
    ))
    s.start()
    yield s
    s.stop(check=True)


def request(server, method: str, path: str = "/", body: bytes = b"",
            headers: dict[str, str] | None = None, timeout: float = 30):
    """(status, headers with lower-case names, body) of one request on a
    fresh connection."""
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request(method, path, body=body if body or method == "POST" else None,
                     headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def parsed_error(protocol: str, status: int, headers: dict, body: bytes) -> tuple[str, str, str]:
    """(code, message, request id) as botocore's parser for `protocol`
    reads the error."""
    parser = botocore.parsers.create_parser(protocol)
    out = parser.parse({"status_code": status, "headers": headers, "body": body}, None)
    return out["Error"]["Code"], out["Error"]["Message"], out["ResponseMetadata"].get("RequestId", "")


def assert_ec2_error(status, headers, body, want_status, code, message=None):
    assert status == want_status, body
    assert body.startswith(b"<?xml") and b"<Response><Errors><Error>" in body, body
    strict.validate("ec2", "DescribeVpcs", body, status=status)
    got_code, got_message, rid = parsed_error("ec2", status, headers, body)
    assert got_code == code, body
    assert rid and rid == headers.get("x-amzn-requestid"), body
    if message is not None:
        assert got_message == message
    return got_message


def assert_json_error(status, headers, body, want_status, code, operation="ListClusters"):
    assert status == want_status, body
    assert headers["content-type"] == "application/x-amz-json-1.1"
    strict.validate("ecs", operation, body, status=status, headers=headers)
    got_code, got_message, _ = parsed_error("json", status, headers, body)
    assert got_code == code, body
    return got_message


def assert_query_error(status, headers, body, want_status, code, ns=IAM_NS, service="iam",
                       operation="ListRoles"):
    assert status == want_status, body
    assert body.startswith(f'<ErrorResponse xmlns="{ns}">'.encode()), body
    strict.validate(service, operation, body, status=status)
    got_code, got_message, rid = parsed_error("query", status, headers, body)
    assert got_code == code and rid, body
    return got_message


def stats(server) -> dict:
    status, _, body = request(server, "GET", "/_tasknet/stats")
    assert status == 200, body
    return json.loads(body)


def wait_for(predicate, what: str, within: float = FIRED_WITHIN_S):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"{what} did not happen within {within} s")


def raw_connect(server, timeout: float = 30) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def read_response(sock: socket.socket):
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


def closed_by_server(sock: socket.socket, within: float = FIRED_WITHIN_S) -> bytes:
    """Read until the server closes the connection; what it sent first."""
    sock.settimeout(within)
    got = b""
    try:
        while chunk := sock.recv(65536):
            got += chunk
    except ConnectionResetError:
        pass
    except socket.timeout:
        pytest.fail(f"the server did not close the connection within {within} s")
    return got


# ---------------------------------------------------------------------------
# The envelope of each early error
# ---------------------------------------------------------------------------


def test_ec2_request_without_action_gets_ec2_envelope(srv):
    form = {"content-type": "application/x-www-form-urlencoded"}
    # Unsigned, with and without a version; signed for EC2.
    for headers, body in [(form, b"Version=2016-11-15"), (form, b""),
                          ({**form, "authorization": auth("ec2")}, b"VpcId=vpc-1")]:
        assert_ec2_error(*request(srv, "POST", body=body, headers=headers), 400, "MissingAction",
                         "The request must contain the parameter Action")
    assert_ec2_error(*request(srv, "GET", "/"), 400, "MissingAction")


def test_ec2_request_with_another_method_gets_ec2_envelope(srv):
    message = assert_ec2_error(*request(srv, "PUT", "/?Version=2016-11-15", body=b"x"), 400,
                               "InvalidHttpRequest")
    assert message == "The HTTP request is invalid. Reason: Unsupported HTTP method PUT"
    assert_ec2_error(*request(srv, "DELETE", "/", headers={"authorization": auth("ec2")}), 400,
                     "InvalidHttpRequest")


def test_iam_request_without_action_keeps_its_own_envelope(srv):
    headers = {"content-type": "application/x-www-form-urlencoded", "authorization": auth("iam")}
    assert_query_error(*request(srv, "POST", body=b"Version=2010-05-08", headers=headers), 400,
                       "MissingAction")


def test_ec2_body_over_the_limit(srv):
    headers = {"content-type": "application/x-www-form-urlencoded", "authorization": auth("ec2")}
    body = b"Action=DescribeVpcs&Version=2016-11-15&X=" + b"a" * MAX_BODY
    status, h, out = request(srv, "POST", body=body, headers=headers)
    assert_ec2_error(status, h, out, 413, "RequestEntityTooLarge",
                     f"Request body is too large: the limit is {MAX_BODY} bytes.")
    assert h.get("connection") == "close"


def test_ecs_body_over_the_limit_gets_json(srv):
    headers = {"content-type": "application/x-amz-json-1.1", "authorization": auth("ecs"),
               "x-amz-target": f"{ECS_TARGET}.ListClusters"}
    body = json.dumps({"nextToken": "a" * MAX_BODY}).encode()
    message = assert_json_error(*request(srv, "POST", body=body, headers=headers), 413,
                                "RequestEntityTooLarge")
    assert message == f"Request body is too large: the limit is {MAX_BODY} bytes."


def test_iam_body_over_the_limit_gets_error_response(srv):
    headers = {"content-type": "application/x-www-form-urlencoded", "authorization": auth("iam")}
    body = b"Action=ListRoles&Version=2010-05-08&PathPrefix=" + b"a" * MAX_BODY
    assert_query_error(*request(srv, "POST", body=body, headers=headers), 413,
                       "RequestEntityTooLarge")


def test_sts_body_over_the_limit_by_version_only(srv):
    # Unsigned: the Version in the query string names the service.
    sts_ns = "https://sts.amazonaws.com/doc/2011-06-15/"
    body = b"Action=GetCallerIdentity&X=" + b"a" * MAX_BODY
    assert_query_error(*request(srv, "POST", "/?Version=2011-06-15", body=body,
                                headers={"content-type": "application/x-www-form-urlencoded"}),
                       413, "RequestEntityTooLarge", ns=sts_ns, service="sts",
                       operation="GetCallerIdentity")


def test_sdks_parse_the_over_limit_errors(srv):
    aws = AwsClients(srv.url)
    with pytest.raises(ClientError) as e:
        aws.ec2().describe_vpcs(Filters=[{"Name": "tag:x", "Values": ["v" * MAX_BODY]}])
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLarge"
    assert e.value.response["ResponseMetadata"]["HTTPStatusCode"] == 413
    with pytest.raises(ClientError) as e:
        aws.ecs().create_cluster(clusterName="c", tags=[{"key": "k", "value": "v" * MAX_BODY}])
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLarge"
    with pytest.raises(ClientError) as e:
        aws.iam().create_role(RoleName="r", AssumeRolePolicyDocument="{" + " " * MAX_BODY + "}")
    assert e.value.response["Error"]["Code"] == "RequestEntityTooLarge"
    # The same clients, within the limit, still work.
    assert aws.sts().get_caller_identity()["Account"] == srv.account_id


def test_chunked_body_over_the_limit(srv):
    def chunks():
        for _ in range(10):
            yield b"a" * 1000
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.request("POST", "/", body=chunks(), encode_chunked=True,
                     headers={"content-type": "application/x-www-form-urlencoded",
                              "authorization": auth("ec2")})
        resp = conn.getresponse()
        assert_ec2_error(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read(),
                         413, "RequestEntityTooLarge")
    finally:
        conn.close()


def test_content_length_over_the_limit_is_refused_without_reading_the_body(srv):
    sock = raw_connect(srv)
    try:
        # Only the head: the answer must come without the body ever being sent.
        sock.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-amz-json-1.1\r\n"
                     b"X-Amz-Target: " + ECS_TARGET.encode() + b".ListClusters\r\n"
                     b"Content-Length: 100000000\r\n\r\n")
        status, headers, body = read_response(sock)
        assert_json_error(status, headers, body, 413, "RequestEntityTooLarge")
        assert headers.get("connection") == "close"
        closed_by_server(sock)
    finally:
        sock.close()
    assert stats(srv)["bodyBytesInFlight"] == 0


def test_a_client_still_sending_its_body_reads_the_refusal(srv):
    # Most clients send the whole body before reading: the server must drain,
    # not reset the connection under them.
    sock = raw_connect(srv)
    try:
        size = 2_000_000
        sock.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Authorization: " + auth("ec2").encode() + b"\r\n"
                     + f"Content-Length: {size}\r\n\r\n".encode() + b"a" * size)
        assert_ec2_error(*read_response(sock), 413, "RequestEntityTooLarge")
    finally:
        sock.close()


def test_body_timeout(srv):
    sock = raw_connect(srv)
    try:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
                     b"Content-Length: 100\r\n\r\nAction=Desc")
        sock.settimeout(FIRED_WITHIN_S)
        message = assert_ec2_error(*read_response(sock), 408, "RequestTimeout")
        assert "2 seconds" in message
    finally:
        sock.close()


# ---------------------------------------------------------------------------
# Connections: header timeout, keep-alive, idle timeout, connection limit
# ---------------------------------------------------------------------------


def test_header_timeout_closes_a_slow_connection(srv):
    sock = raw_connect(srv)
    try:
        sock.sendall(b"POST / HTTP/1.1\r\nHost: t\r\n")  # and never the rest
        assert closed_by_server(sock) == b""
    finally:
        sock.close()
    # A connection that never sends a byte is closed too.
    sock = raw_connect(srv)
    try:
        assert closed_by_server(sock) == b""
    finally:
        sock.close()


def test_keep_alive_connection_reused_after_a_quiet_spell(srv):
    conn = http.client.HTTPConnection("127.0.0.1", srv.port, timeout=30)
    try:
        conn.request("GET", "/_tasknet/health")
        assert json.loads(conn.getresponse().read())["status"] == "ok"
        sock = conn.sock
        # Longer than the header timeout (1 s), shorter than the idle one.
        time.sleep(2.5)
        conn.request("POST", "/", body=b"Action=DescribeVpcs&Version=2016-11-15",
                     headers={"content-type": "application/x-www-form-urlencoded",
                              "authorization": auth("ec2")})
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        resp.read()
        assert conn.sock is sock, "the connection was not reused"
    finally:
        conn.close()


def test_sdk_pooled_connection_still_works_after_a_quiet_spell(srv):
    ec2 = AwsClients(srv.url).ec2()
    ec2.describe_vpcs()
    time.sleep(2.5)
    ec2.describe_vpcs()


HEALTH = b"GET /_tasknet/health HTTP/1.1\r\nHost: t\r\n\r\n"
STATS = b"GET /_tasknet/stats HTTP/1.1\r\nHost: t\r\n\r\n"


@pytest.fixture(scope="module")
def idle(tmp_path_factory):
    """A server that closes idle keep-alive connections after 2 s."""
    s = TasknetServer(tmp_path_factory.mktemp("idle"), extra_args=(
        "--header-timeout-secs", "1", "--idle-timeout-secs", "2"))
    s.start()
    yield s
    s.stop(check=True)


def test_idle_keep_alive_connection_is_closed(idle):
    sock = raw_connect(idle)
    try:
        sock.sendall(HEALTH)
        assert read_response(sock)[0] == 200
        assert closed_by_server(sock) == b""
    finally:
        sock.close()


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    """A server that serves 3 connections at once."""
    s = TasknetServer(tmp_path_factory.mktemp("limited"), extra_args=("--max-connections", "3"))
    s.start()
    yield s
    s.stop(check=True)


def test_connection_limit(limited):
    # The harness's health checks have closed their connections.
    wait_for(lambda: stats(limited)["connections"] == 1, "an idle server")
    held = []
    try:
        for _ in range(3):
            s = raw_connect(limited)
            s.sendall(HEALTH)
            assert read_response(s)[0] == 200
            held.append(s)
        # A fourth connection is not accepted while three are open: it
        # waits in the backlog, unanswered.
        extra = raw_connect(limited)
        extra.sendall(HEALTH)
        extra.settimeout(1.0)
        with pytest.raises(socket.timeout):
            extra.recv(1)
        held[0].sendall(STATS)
        assert json.loads(read_response(held[0])[2])["connections"] == 3
        # One closes: the fourth is served.
        held.pop(1).close()
        extra.settimeout(FIRED_WITHIN_S)
        assert read_response(extra)[0] == 200
        held.append(extra)
    finally:
        for s in held:
            s.close()


# ---------------------------------------------------------------------------
# The global body budget
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def budget(tmp_path_factory):
    s = TasknetServer(tmp_path_factory.mktemp("budget"), extra_args=(
        "--max-body-bytes", "400000", "--body-budget-bytes", "400000",
        "--body-budget-wait-secs", "1", "--body-timeout-secs", "60", "--allow-origin", "*"))
    s.start()
    yield s
    s.stop(check=True)


def test_body_budget_exhausted_gives_503_then_recovers(budget):
    head = ("POST / HTTP/1.1\r\nHost: t\r\nContent-Type: application/x-www-form-urlencoded\r\n"
            f"Authorization: {auth('ec2')}\r\nContent-Length: 400000\r\n\r\n").encode()
    body = b"Action=DescribeVpcs&Version=2016-11-15&X=" + b"a" * (400000 - 41)
    hog = raw_connect(budget)
    try:
        # Most of a body, then a pause: its bytes hold the budget.
        hog.sendall(head + body[:390000])
        wait_for(lambda: stats(budget)["bodyBytesInFlight"] >= 390000, "the budget filling")
        # A second large body finds no room within the wait: 503, retryable.
        other = raw_connect(budget)
        try:
            other.sendall(head + body)
            status, headers, out = read_response(other)
            message = assert_ec2_error(status, headers, out, 503, "Unavailable")
            assert "retry" in message
        finally:
            other.close()
        # A small request is not held up by the full budget.
        status, _, out = request(budget, "POST", body=b"Action=DescribeVpcs&Version=2016-11-15",
                                 headers={"content-type": "application/x-www-form-urlencoded",
                                          "authorization": auth("ec2")})
        assert status == 200, out
        # The first body completes normally.
        hog.sendall(body[390000:])
        assert read_response(hog)[0] == 200
    finally:
        hog.close()
    wait_for(lambda: stats(budget)["bodyBytesInFlight"] == 0, "the budget draining")


def test_stats_report_the_http_server(budget):
    s = stats(budget)
    assert s["connections"] >= 1
    assert s["bodyBytesInFlight"] == 0
    assert s["rssBytes"] > 0 and s["peakRssBytes"] >= s["rssBytes"]


def test_allow_any_origin(budget):
    status, headers, _ = request(budget, "GET", "/_tasknet/health",
                                 headers={"origin": "http://anything.example"})
    assert status == 200
    assert headers["access-control-allow-origin"] == "http://anything.example"
    status, _, _ = request(budget, "GET", "/_tasknet/health", headers={"sec-fetch-site": "cross-site"})
    assert status == 200


# ---------------------------------------------------------------------------
# Requests from web pages
# ---------------------------------------------------------------------------

DESCRIBE_VPCS = b"Action=DescribeVpcs&Version=2016-11-15"
FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_a_page_of_another_origin_is_refused(srv):
    status, headers, body = request(srv, "POST", body=DESCRIBE_VPCS,
                                    headers={**FORM, "origin": "http://evil.example"})
    assert_ec2_error(status, headers, body, 403, "UnauthorizedOperation",
                     "Requests from origin http://evil.example are not allowed; start tasknet "
                     "with --allow-origin http://evil.example to allow them.")
    assert "access-control-allow-origin" not in headers
    # ECS gets its JSON error, IAM its ErrorResponse.
    assert_json_error(*request(srv, "POST", body=b"{}", headers={
        "content-type": "application/x-amz-json-1.1", "x-amz-target": f"{ECS_TARGET}.ListClusters",
        "origin": "null"}), 403, "AccessDeniedException")
    assert_query_error(*request(srv, "POST", body=b"Action=ListRoles&Version=2010-05-08", headers={
        **FORM, "authorization": auth("iam"), "origin": "http://evil.example"}), 403, "AccessDenied")
    # Admin endpoints too.
    status, _, body = request(srv, "POST", "/_tasknet/reset", body=b"{}", headers={
        "content-type": "application/json", "origin": "http://evil.example"})
    assert status == 403 and json.loads(body)["__type"] == "AccessDeniedException"


def test_own_and_allowed_origins_get_cors_headers(srv):
    for origin in [f"http://127.0.0.1:{srv.port}", f"http://localhost:{srv.port}", PAGE_ORIGIN]:
        status, headers, body = request(srv, "POST", body=DESCRIBE_VPCS,
                                        headers={**FORM, "origin": origin})
        assert status == 200, body
        assert headers["access-control-allow-origin"] == origin
        assert "Origin" in headers["vary"]


def test_preflight(srv):
    status, headers, body = request(srv, "OPTIONS", "/", headers={
        "origin": PAGE_ORIGIN, "access-control-request-method": "POST",
        "access-control-request-headers": "x-amz-target, content-type, authorization"})
    assert status == 204, body
    assert headers["access-control-allow-origin"] == PAGE_ORIGIN
    assert "POST" in headers["access-control-allow-methods"]
    assert headers["access-control-allow-headers"] == "x-amz-target, content-type, authorization"
    assert int(headers["access-control-max-age"]) > 0
    status, headers, body = request(srv, "OPTIONS", "/", headers={
        "origin": "http://evil.example", "access-control-request-method": "POST",
        "x-amz-target": f"{ECS_TARGET}.ListClusters"})
    assert status == 403
    assert "access-control-allow-origin" not in headers


def test_cross_site_requests_without_origin_are_refused(srv):
    aws = AwsClients(srv.url)
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    # What <img src="http://127.0.0.1:4566/?Action=DeleteVpc&..."> sends.
    img = f"/?Action=DeleteVpc&VpcId={vpc}&Version=2016-11-15"
    for site in ["cross-site", "same-site"]:
        assert_ec2_error(*request(srv, "GET", img, headers={"sec-fetch-site": site}), 403,
                         "UnauthorizedOperation")
    assert ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"], "the refused request deleted the VPC"
    status, _, body = request(srv, "GET", "/_tasknet/health", headers={"sec-fetch-site": "cross-site"})
    assert status == 403 and json.loads(body)["__type"] == "AccessDeniedException"
    # Typed into the address bar, or from tasknet's own pages: fine.
    for site in ["none", "same-origin"]:
        status, _, _ = request(srv, "GET", "/_tasknet/health", headers={"sec-fetch-site": site})
        assert status == 200
    status, _, body = request(srv, "GET", img, headers={"sec-fetch-site": "cross-site",
                                                        "origin": PAGE_ORIGIN})
    assert status == 200, body
    # A link from another site to the console page is a plain navigation.
    nav = {"sec-fetch-site": "cross-site", "sec-fetch-mode": "navigate"}
    status, _, body = request(srv, "GET", "/_tasknet/console", headers=nav)
    assert status == 200 and b"<html" in body.lower(), body[:200]
    # Only the page: its API and the AWS endpoints stay refused, navigation or not.
    assert request(srv, "GET", "/_tasknet/console/api/vpcs", headers=nav)[0] == 403
    assert_ec2_error(*request(srv, "GET", img, headers=nav), 403, "UnauthorizedOperation")


# ---------------------------------------------------------------------------
# Admin endpoints
# ---------------------------------------------------------------------------


def test_admin_posts_take_json_only(srv):
    for headers in [{}, {"content-type": "text/plain"},
                    {"content-type": "application/x-www-form-urlencoded"}]:
        status, _, body = request(srv, "POST", "/_tasknet/reset", body=b"{}", headers=headers)
        assert status == 415, body
        assert json.loads(body)["__type"] == "UnsupportedMediaType"
    status, _, body = request(srv, "POST", "/_tasknet/explain", body=b"cluster=c",
                              headers={"content-type": "application/x-www-form-urlencoded"})
    assert status == 415, body
    for body, ct in [(b"{}", "application/json"), (b"", "application/json"),
                     (b"{}", "Application/JSON; charset=utf-8")]:
        status, _, out = request(srv, "POST", "/_tasknet/reset", body=body,
                                 headers={"content-type": ct})
        assert status == 200 and json.loads(out) == {"status": "reset"}, out


ODD_ADMIN_PATHS = [
    "tasks/metadata", "tasks//metadata", "tasks/", "tasks", "tasks/a/b/metadata",
    "tasks/%2F/metadata", "tasks/x/metadata/", "tasks/x/metadatas", "/metadata", "",
    "/", "stats/", "health/", "explain/", "..", "tasks/" + "x" * 5000 + "/metadata",
]


def test_odd_admin_paths(srv):
    for p in ODD_ADMIN_PATHS:
        for method in ["GET", "POST"]:
            status, headers, body = request(srv, method, f"/_tasknet/{p}",
                                            headers={"content-type": "application/json"})
            assert 400 <= status < 500, (method, p, status, body)
            assert "__type" in json.loads(body), (method, p, body)
    status, _, body = request(srv, "GET", "/_tasknet/tasks/metadata")
    assert status == 404 and json.loads(body)["__type"] == "NotFound"
    assert srv.health()[0] == 200


# ---------------------------------------------------------------------------
# Logs
# ---------------------------------------------------------------------------


def test_log_file_has_no_escape_codes(srv):
    request(srv, "GET", "/_tasknet/health")
    log = srv.log()
    assert "tasknet serving" in log
    assert "\x1b[" not in log


# ---------------------------------------------------------------------------
# tasknet-load's abuse modes run and report (figures are for the bench, not
# asserted here)
# ---------------------------------------------------------------------------


def run_load(server, *args: str) -> str:
    binary = tasknet_binary().with_name("tasknet-load")
    out = subprocess.run([str(binary), "--endpoint", server.url, "--settle-seconds", "0", *args],
                         capture_output=True, text=True, timeout=120, check=True)
    return out.stdout


def test_load_big_bodies_mode(srv):
    out = run_load(srv, "--op", "big-bodies", "--connections", "4", "--body-bytes", "200000")
    assert "big-bodies: 4 connections × 200000 bytes: answers 413 ×4 in " in out, out
    assert re.search(r"server: connections held at most \d+; body bytes in flight at most [\d.]+ MB; "
                     r"rss before [\d.]+ MB, peak [\d.]+ MB", out), out
    assert re.search(r"probe: \d+ of \d+ answered", out), out


def test_load_slow_clients_mode(srv):
    # The server's 1 s header timeout closes them while they dribble.
    out = run_load(srv, "--op", "slow-clients", "--connections", "3", "--seconds", "4",
                   "--slow-interval-ms", "300")
    m = re.search(r"slow-clients: 3 connections for 4 s, one byte every 300 ms: at most \d+ "
                  r"connected at once \(client side, backlog included\); the server closed (\d+)", out)
    assert m and int(m.group(1)) >= 3, out
