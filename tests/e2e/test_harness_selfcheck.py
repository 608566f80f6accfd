"""Self-checks of the harness itself; none of them needs the tasknet binary.

They prove the strict validator can fail (a validator that accepts
everything would make every e2e test meaningless), that it is really wired
into boto3 clients and the CLI, and that TasknetServer manages a process
correctly (using a tiny fake `tasknet` written in Python).
"""

from __future__ import annotations

import http.server
import json
import os
import signal
import stat
import sys
import textwrap
import threading

import pytest
from botocore.exceptions import ClientError

import harness
import strict
from harness import AwsClients, AwsCli, TasknetServer

pytestmark = pytest.mark.selfcheck

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"
IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/"
STS_NS = "https://sts.amazonaws.com/doc/2011-06-15/"


def problems(service, operation, body, status=200, headers=None):
    op = strict.service_model(service).operation_model(operation)
    return strict.check(op, status, body.encode() if isinstance(body, str) else body, headers)


def assert_rejected(service, operation, body, *fragments, status=200, headers=None):
    """validate() must raise, and the message must mention every fragment."""
    with pytest.raises(strict.StrictViolation) as info:
        strict.validate(service, operation, body, status=status, headers=headers)
    for fragment in fragments:
        assert fragment in str(info.value), str(info.value)
    return str(info.value)


# ---------------------------------------------------------------------------
# EC2 (ec2 query protocol)
# ---------------------------------------------------------------------------

DESCRIBE_VPCS = f"""<?xml version="1.0" encoding="UTF-8"?>
<DescribeVpcsResponse xmlns="{EC2_NS}">
    <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
    <vpcSet>
        <item>
            <vpcId>vpc-0a60eb65b4EXAMPLE</vpcId>
            <ownerId>123456789012</ownerId>
            <state>available</state>
            <cidrBlock>10.0.0.0/16</cidrBlock>
            <cidrBlockAssociationSet>
                <item>
                    <cidrBlock>10.0.0.0/16</cidrBlock>
                    <associationId>vpc-cidr-assoc-0a3e1bEXAMPLE</associationId>
                    <cidrBlockState><state>associated</state></cidrBlockState>
                </item>
            </cidrBlockAssociationSet>
            <ipv6CidrBlockAssociationSet/>
            <dhcpOptionsId>dopt-19edf471</dhcpOptionsId>
            <tagSet>
                <item><key>Name</key><value>main</value></item>
            </tagSet>
            <instanceTenancy>default</instanceTenancy>
            <isDefault>false</isDefault>
        </item>
    </vpcSet>
</DescribeVpcsResponse>"""


def test_ec2_describe_vpcs_correct_passes():
    strict.validate("ec2", "DescribeVpcs", DESCRIBE_VPCS)


def test_ec2_misspelled_element_fails_with_path():
    bad = DESCRIBE_VPCS.replace("<dhcpOptionsId>", "<dhcpOptionId>").replace(
        "</dhcpOptionsId>", "</dhcpOptionId>")
    message = assert_rejected("ec2", "DescribeVpcs", bad,
                              "/DescribeVpcsResponse/vpcSet/item[0]/dhcpOptionId",
                              "unknown element")
    assert "dhcpOptionsId" in message  # the allowed names are listed


def test_ec2_member_name_instead_of_location_name_fails():
    # botocore would silently drop <VpcId>; EC2 uses camelCase locationNames.
    bad = DESCRIBE_VPCS.replace("<vpcId>vpc-0a60eb65b4EXAMPLE</vpcId>",
                                "<VpcId>vpc-0a60eb65b4EXAMPLE</VpcId>")
    assert_rejected("ec2", "DescribeVpcs", bad, "item[0]/VpcId")


@pytest.mark.parametrize("old, new, fragment", [
    ("<isDefault>false</isDefault>", "<isDefault>False</isDefault>", "not a boolean"),
    ("<state>available</state>", "<state>Available</state>", "enum VpcState"),
    ("<item><key>Name</key><value>main</value></item>",
     "<member><key>Name</key><value>main</value></member>", "items must be <item>"),
    ("</vpcSet>", "</vpcSet><nextToken>a</nextToken><nextToken>b</nextToken>",
     "more than once"),
    ("<requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>", "",
     "missing required element <requestId>"),
    ("<cidrBlock>10.0.0.0/16</cidrBlock>\n            <cidrBlockAssociationSet>",
     "<cidrBlock><ip>10.0.0.0</ip></cidrBlock>\n            <cidrBlockAssociationSet>",
     "has child elements"),
    ("<vpcSet>", "<vpcSet>stray text", "unexpected text"),
    ('<vpcSet>', '<vpcSet foo="bar">', "unexpected attributes"),
])
def test_ec2_malformed_bodies_fail(old, new, fragment):
    assert old in DESCRIBE_VPCS
    assert_rejected("ec2", "DescribeVpcs", DESCRIBE_VPCS.replace(old, new, 1), fragment)


def test_ec2_root_element_and_namespace_are_checked():
    wrong_root = DESCRIBE_VPCS.replace("DescribeVpcsResponse", "DescribeVpcResponse")
    assert_rejected("ec2", "DescribeVpcs", wrong_root, "root element must be <DescribeVpcsResponse>")
    no_ns = DESCRIBE_VPCS.replace(f' xmlns="{EC2_NS}"', "")
    assert_rejected("ec2", "DescribeVpcs", no_ns, "namespace")


def test_ec2_integer_and_timestamp_types():
    ok = f"""<DescribeVolumesResponse xmlns="{EC2_NS}"><requestId>r</requestId>
      <volumeSet><item><volumeId>vol-1</volumeId><size>8</size>
        <createTime>2024-05-01T12:00:00.000Z</createTime></item></volumeSet>
    </DescribeVolumesResponse>"""
    strict.validate("ec2", "DescribeVolumes", ok)
    assert_rejected("ec2", "DescribeVolumes", ok.replace("<size>8", "<size>8.5"), "is not an integer")
    assert_rejected("ec2", "DescribeVolumes",
                    ok.replace("2024-05-01T12:00:00.000Z", "2024-05-01 12:00:00"),
                    "is not an iso8601 timestamp")
    assert_rejected("ec2", "DescribeVolumes",
                    ok.replace("2024-05-01T12:00:00.000Z", "2024-13-01T12:00:00Z"),
                    "iso8601")


def test_ec2_operation_without_output_may_return_true():
    ok = f"""<DeleteVpcResponse xmlns="{EC2_NS}">
        <requestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</requestId>
        <return>true</return></DeleteVpcResponse>"""
    strict.validate("ec2", "DeleteVpc", ok)
    assert_rejected("ec2", "DeleteVpc", ok.replace("<return>true", "<return>yes"), "boolean")


EC2_ERROR = """<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidVpcID.NotFound</Code>
<Message>The vpc ID 'vpc-1' does not exist</Message></Error></Errors>
<RequestID>ab5e5b3c-4a2e-4f4e-9c1d-EXAMPLE</RequestID></Response>"""


def test_ec2_error_envelope():
    strict.validate("ec2", "DescribeVpcs", EC2_ERROR, status=400)
    assert_rejected("ec2", "DescribeVpcs", EC2_ERROR.replace("RequestID", "RequestId"),
                    "RequestId", status=400)
    assert_rejected("ec2", "DescribeVpcs", EC2_ERROR.replace("<Message>", "<Detail/><Message>"),
                    "/Response/Errors/Error/Detail", status=400)
    # A success-shaped body with an error status is an error too.
    assert_rejected("ec2", "DescribeVpcs", DESCRIBE_VPCS, "root element must be <Response>",
                    status=400)


def test_not_xml_at_all():
    assert_rejected("ec2", "DescribeVpcs", "<DescribeVpcsResponse>", "not well-formed XML")
    assert_rejected("ec2", "DescribeVpcs", "", "body is empty")


# ---------------------------------------------------------------------------
# ECS (JSON 1.1)
# ---------------------------------------------------------------------------

ARN = "arn:aws:ecs:us-east-1:123456789012"
DESCRIBE_TASKS = {
    "tasks": [{
        "taskArn": f"{ARN}:task/default/0123456789abcdef0123456789abcdef",
        "clusterArn": f"{ARN}:cluster/default",
        "taskDefinitionArn": f"{ARN}:task-definition/web:1",
        "lastStatus": "RUNNING",
        "desiredStatus": "RUNNING",
        "launchType": "FARGATE",
        "cpu": "256",
        "memory": "512",
        "version": 3,
        "createdAt": 1714564800.123,
        "startedAt": 1714564810,
        "connectivity": "CONNECTED",
        "enableExecuteCommand": False,
        "containers": [{
            "containerArn": f"{ARN}:container/default/0123/abcd",
            "name": "web",
            "image": "nginx:latest",
            "lastStatus": "RUNNING",
            "networkInterfaces": [{"attachmentId": "a-1", "privateIpv4Address": "10.0.1.5"}],
        }],
        "attachments": [{
            "id": "a-1", "type": "ElasticNetworkInterface", "status": "ATTACHED",
            "details": [{"name": "subnetId", "value": "subnet-1"}],
        }],
        "overrides": {"containerOverrides": [{"name": "web"}]},
        "tags": [{"key": "team", "value": "net"}],
    }],
    "failures": [],
}


def tasks_with(**changes):
    doc = json.loads(json.dumps(DESCRIBE_TASKS))
    doc["tasks"][0].update(changes)
    return json.dumps(doc)


def test_ecs_describe_tasks_correct_passes():
    strict.validate("ecs", "DescribeTasks", json.dumps(DESCRIBE_TASKS),
                    headers={"x-amzn-RequestId": "8d3b9c6e-EXAMPLE"})


def test_ecs_unknown_key_fails_with_path():
    assert_rejected("ecs", "DescribeTasks", tasks_with(taskArnn="x"),
                    "$.tasks[0].taskArnn: unknown key")
    doc = json.loads(json.dumps(DESCRIBE_TASKS))
    doc["tasks"][0]["containers"][0]["ipAddress"] = "10.0.1.5"
    assert_rejected("ecs", "DescribeTasks", json.dumps(doc),
                    "$.tasks[0].containers[0].ipAddress: unknown key")
    assert_rejected("ecs", "DescribeTasks", json.dumps({**DESCRIBE_TASKS, "Tasks": []}),
                    "$.Tasks: unknown key")


@pytest.mark.parametrize("change, fragment", [
    ({"createdAt": "2024-05-01T12:00:00Z"}, "epoch-second numbers"),
    ({"version": "3"}, "expected an long"),
    ({"version": 3.5}, "expected an long"),
    ({"enableExecuteCommand": "false"}, "expected a boolean"),
    ({"cpu": 256}, "expected a string"),
    ({"launchType": "fargate"}, "enum LaunchType"),
    ({"stoppedReason": None}, "null value"),
    ({"containers": {}}, "expected a JSON array"),
    ({"overrides": []}, "expected a JSON object"),
])
def test_ecs_wrong_types_fail(change, fragment):
    assert_rejected("ecs", "DescribeTasks", tasks_with(**change), fragment)


def test_ecs_envelope_rules():
    body = json.dumps(DESCRIBE_TASKS)
    assert_rejected("ecs", "DescribeTasks", body, "x-amzn-RequestId", headers={})
    assert_rejected("ecs", "DescribeTasks", '{"tasks": [], "tasks": []}', "duplicate key")
    assert_rejected("ecs", "DescribeTasks", "[]", "must be a JSON object")
    assert_rejected("ecs", "DescribeTasks", "<xml/>", "not valid JSON")


def test_ecs_error_envelope():
    ok = json.dumps({"__type": "ClusterNotFoundException", "message": "Cluster not found."})
    strict.validate("ecs", "DescribeTasks", ok, status=400)
    strict.validate("ecs", "DescribeTasks",
                    json.dumps({"__type": "com.amazonaws.ecs#ClientException", "message": "x"}),
                    status=400)
    assert_rejected("ecs", "DescribeTasks", json.dumps({"message": "no type"}), "__type",
                    status=400)
    assert_rejected("ecs", "DescribeTasks",
                    json.dumps({"__type": "ClientException", "Message": "x", "code": 1}),
                    "$.Message: unknown key", "$.code: unknown key", status=400)


# ---------------------------------------------------------------------------
# IAM and STS (awsQuery)
# ---------------------------------------------------------------------------

GET_ROLE = f"""<GetRoleResponse xmlns="{IAM_NS}">
  <GetRoleResult>
    <Role>
      <Path>/application_abc/component_xyz/</Path>
      <Arn>arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access</Arn>
      <RoleName>S3Access</RoleName>
      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument>
      <CreateDate>2012-05-08T23:34:01Z</CreateDate>
      <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <Tags><member><Key>team</Key><Value>net</Value></member></Tags>
      <RoleLastUsed/>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>
  </ResponseMetadata>
</GetRoleResponse>"""


def test_iam_get_role_correct_passes():
    strict.validate("iam", "GetRole", GET_ROLE)


@pytest.mark.parametrize("old, new, fragment", [
    ("<RoleName>S3Access</RoleName>", "<roleName>S3Access</roleName>",
     "/GetRoleResponse/GetRoleResult/Role/roleName: unknown element"),
    ("<CreateDate>2012-05-08T23:34:01Z", "<CreateDate>1336520041", "iso8601"),
    ("<MaxSessionDuration>3600", "<MaxSessionDuration>one hour", "is not an integer"),
    ("<member><Key>team</Key><Value>net</Value></member>",
     "<item><Key>team</Key><Value>net</Value></item>", "items must be <member>"),
    ("<RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>", "",
     "missing or empty <RequestId>"),
    ("<GetRoleResult>", "<GetRoleResult><Extra/>", "GetRoleResult/Extra"),
])
def test_iam_malformed_bodies_fail(old, new, fragment):
    assert old in GET_ROLE
    assert_rejected("iam", "GetRole", GET_ROLE.replace(old, new, 1), fragment)


def test_iam_result_wrapper_and_metadata_are_required():
    no_wrapper = GET_ROLE.replace("<GetRoleResult>", "").replace("</GetRoleResult>", "")
    assert_rejected("iam", "GetRole", no_wrapper, "/GetRoleResponse/Role: unknown element",
                    "missing required element <GetRoleResult>")
    start = GET_ROLE.index("<ResponseMetadata>")
    end = GET_ROLE.index("</ResponseMetadata>") + len("</ResponseMetadata>")
    assert_rejected("iam", "GetRole", GET_ROLE[:start] + GET_ROLE[end:],
                    "missing required element <ResponseMetadata>")


def test_iam_operation_without_output():
    ok = f"""<DeleteRoleResponse xmlns="{IAM_NS}"><ResponseMetadata>
      <RequestId>4a93ceee-9966-11e1-b624-b1aEXAMPLE7c</RequestId>
    </ResponseMetadata></DeleteRoleResponse>"""
    strict.validate("iam", "DeleteRole", ok)
    assert_rejected("iam", "DeleteRole", ok.replace("<ResponseMetadata>",
                    "<DeleteRoleResult/><ResponseMetadata>"), "DeleteRoleResult")


IAM_ERROR = f"""<ErrorResponse xmlns="{IAM_NS}">
  <Error><Type>Sender</Type><Code>NoSuchEntity</Code>
    <Message>The role with name x cannot be found.</Message></Error>
  <RequestId>4a93ceee-9966-11e1-b624-b1aEXAMPLE7c</RequestId>
</ErrorResponse>"""


def test_query_error_envelope():
    strict.validate("iam", "GetRole", IAM_ERROR, status=404)
    assert_rejected("iam", "GetRole", IAM_ERROR.replace("<Type>Sender</Type>", ""),
                    "missing required element <Type>", status=404)
    assert_rejected("iam", "GetRole", IAM_ERROR.replace("Sender", "Client"),
                    "enum", status=404)
    assert_rejected("iam", "GetRole", IAM_ERROR.replace("<RequestId>", "<RequestID>")
                    .replace("</RequestId>", "</RequestID>"), "RequestID", status=404)


GET_CALLER_IDENTITY = f"""<GetCallerIdentityResponse xmlns="{STS_NS}">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::123456789012:user/Alice</Arn>
    <UserId>AKIAI44QH8DHBEXAMPLE</UserId>
    <Account>123456789012</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>"""


def test_sts_get_caller_identity():
    strict.validate("sts", "GetCallerIdentity", GET_CALLER_IDENTITY)
    assert_rejected("sts", "GetCallerIdentity",
                    GET_CALLER_IDENTITY.replace("<Account>", "<AccountId>")
                    .replace("</Account>", "</AccountId>"), "AccountId: unknown element")
    assert_rejected("sts", "GetCallerIdentity",
                    GET_CALLER_IDENTITY.replace(STS_NS, IAM_NS), "namespace")


def test_unsupported_protocol_is_reported_not_ignored():
    assert problems("s3", "ListBuckets", "<ListAllMyBucketsResult/>") == [
        "strict.py has no validator for protocol 'rest-xml'; extend it"]


# ---------------------------------------------------------------------------
# Wiring: boto3 clients and the CLI against a canned-response HTTP stub
# ---------------------------------------------------------------------------


class StubAws:
    """Answers every request with the canned (status, content_type, body)."""

    def __init__(self):
        self.status, self.content_type, self.body = 200, "text/xml", b""
        self.hits = 0
        stub = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stub.hits += 1
                self.send_response(stub.status)
                self.send_header("Content-Type", stub.content_type)
                self.send_header("Content-Length", str(len(stub.body)))
                self.send_header("x-amzn-RequestId", "stub-request-id")
                self.end_headers()
                self.wfile.write(stub.body)

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def respond(self, body, status=200, content_type="text/xml"):
        self.status, self.content_type = status, content_type
        self.body = body.encode() if isinstance(body, str) else body

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def stub():
    s = StubAws()
    yield s
    s.close()


def test_boto3_client_passes_valid_response(stub):
    stub.respond(DESCRIBE_VPCS)
    vpcs = AwsClients(stub.url).ec2().describe_vpcs()["Vpcs"]
    assert vpcs[0]["VpcId"] == "vpc-0a60eb65b4EXAMPLE"


def test_boto3_client_raises_on_violation_without_retrying(stub):
    stub.respond(DESCRIBE_VPCS.replace("cidrBlock>", "cidrBlok>"))
    with pytest.raises(strict.StrictViolation, match="cidrBlok"):
        AwsClients(stub.url).ec2("eu-west-1").describe_vpcs()
    assert stub.hits == 1


def test_boto3_error_responses_are_validated_too(stub):
    client = AwsClients(stub.url).ec2()
    stub.respond(EC2_ERROR, status=400)
    with pytest.raises(ClientError) as info:
        client.describe_vpcs()
    assert info.value.response["Error"]["Code"] == "InvalidVpcID.NotFound"
    # A malformed error must not pass as the ClientError a test expects.
    stub.respond(EC2_ERROR.replace("<Code>", "<code>").replace("</Code>", "</code>"), status=400)
    with pytest.raises(strict.StrictViolation):
        client.describe_vpcs()
    assert stub.hits == 2  # no retries


def test_boto3_json_and_query_clients(stub):
    aws = AwsClients(stub.url)
    stub.respond(json.dumps(DESCRIBE_TASKS), content_type="application/x-amz-json-1.1")
    assert aws.ecs().describe_tasks(tasks=["t"])["tasks"][0]["cpu"] == "256"
    stub.respond(tasks_with(cpu=256), content_type="application/x-amz-json-1.1")
    with pytest.raises(strict.StrictViolation):
        aws.ecs().describe_tasks(tasks=["t"])
    stub.respond(GET_CALLER_IDENTITY)
    assert aws.sts().get_caller_identity()["Account"] == "123456789012"
    stub.respond(GET_ROLE)
    assert aws.iam().get_role(RoleName="S3Access")["Role"]["MaxSessionDuration"] == 3600


def test_unvalidated_client_is_lenient(stub):
    # Demonstrates what the validator adds: botocore alone drops the typo.
    stub.respond(DESCRIBE_VPCS.replace("cidrBlock>", "cidrBlok>"))
    vpc = AwsClients(stub.url).client("ec2", validate=False).describe_vpcs()["Vpcs"][0]
    assert "CidrBlock" not in vpc


def test_cli_ok_and_err(stub):
    cli = AwsCli(stub.url)
    stub.respond(DESCRIBE_VPCS)
    assert cli.ok("ec2", "describe-vpcs")["Vpcs"][0]["State"] == "available"
    stub.respond(EC2_ERROR, status=400)
    stderr = cli.err("ec2", "describe-vpcs", code="InvalidVpcID.NotFound")
    assert "does not exist" in stderr


def test_cli_violation_fails_even_when_failure_expected(stub):
    cli = AwsCli(stub.url)
    stub.respond(EC2_ERROR.replace("<Message>", "<Msg>").replace("</Message>", "</Msg>"),
                 status=400)
    with pytest.raises(pytest.fail.Exception, match="/Response/Errors/Error/Msg"):
        cli.err("ec2", "describe-vpcs")
    # The plain CLI (validate=False) does not notice.
    assert cli("ec2", "describe-vpcs", validate=False).rc != 0


def test_cli_does_not_see_host_aws_config(monkeypatch):
    env = harness.isolated_aws_env({"AWS_PROFILE": "prod", "AWS_CA_BUNDLE": "/x",
                                    "AWS_ENDPOINT_URL": "https://real.example", "PATH": "/bin"})
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "test"
    assert not {"AWS_PROFILE", "AWS_CA_BUNDLE", "AWS_ENDPOINT_URL"} & set(env)
    assert not os.path.exists(env["AWS_CONFIG_FILE"])
    assert "127.0.0.1" in env["NO_PROXY"]


# ---------------------------------------------------------------------------
# TasknetServer process management, with a fake binary
# ---------------------------------------------------------------------------

FAKE_TASKNET = """\
import argparse, http.server, json, os, signal, sys
p = argparse.ArgumentParser()
p.add_argument("cmd"); p.add_argument("--listen"); p.add_argument("--data-dir")
p.add_argument("--account-id"); p.add_argument("--region"); p.add_argument("--dataplane")
a = p.parse_args()
MODE = os.environ.get("FAKE_MODE", "good")
if MODE == "crash":
    print("fatal: cannot open database", file=sys.stderr); sys.exit(3)
state = os.path.join(a.data_dir, "boots")
boots = int(open(state).read()) + 1 if os.path.exists(state) else 1
open(state, "w").write(str(boots))
class H(http.server.BaseHTTPRequestHandler):
    def reply(self, code, doc):
        body = json.dumps(doc).encode()
        self.send_response(code); self.send_header("Content-Length", str(len(body)))
        self.end_headers(); self.wfile.write(body)
    def do_GET(self):
        if MODE == "unhealthy": return self.reply(503, {"status": "starting"})
        self.reply(200, {"status": "ok", "boots": boots})
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.reply(200, {})
    def log_message(self, fmt, *args):
        print("request:", fmt % args, file=sys.stderr, flush=True)
host, port = a.listen.rsplit(":", 1)
httpd = http.server.HTTPServer((host, int(port)), H)
def on_term(*_):
    print("shutting down", file=sys.stderr, flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, signal.SIG_IGN if MODE == "stubborn" else on_term)
print(f"listening on {a.listen} account {a.account_id}", file=sys.stderr, flush=True)
httpd.serve_forever()
"""


@pytest.fixture
def fake_binary(tmp_path):
    path = tmp_path / "fake-tasknet"
    path.write_text(f"#!{sys.executable}\n" + FAKE_TASKNET)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def boots(srv):
    return json.loads(srv.health()[1])["boots"]


def test_server_lifecycle(fake_binary, tmp_path):
    srv = TasknetServer(tmp_path / "data", binary=fake_binary)
    srv.start()
    try:
        port, pid = srv.port, srv._proc.pid
        assert srv.url == f"http://127.0.0.1:{port}" and boots(srv) == 1
        srv.reset()
        srv.restart()
        assert srv.port == port and srv._proc.pid != pid
        assert boots(srv) == 2  # same data dir
        assert "listening on 127.0.0.1" in srv.log() and "account 123456789012" in srv.log()
        assert "shutting down" in srv.log()
        assert (tmp_path / "data" / "tasknet.log").exists()
    finally:
        assert srv.stop() == 0
    assert not srv.alive() and srv.stop() is None
    with pytest.raises(pytest.fail.Exception, match="not running"):
        srv.reset()


def test_server_crash_on_start_shows_log(fake_binary, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "crash")
    srv = TasknetServer(tmp_path / "data", binary=fake_binary)
    with pytest.raises(pytest.fail.Exception, match="(?s)exited with code 3.*cannot open database"):
        srv.start()
    assert not srv.alive()


def test_server_health_timeout_kills_process(fake_binary, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "unhealthy")
    monkeypatch.setattr(harness, "HEALTH_TIMEOUT_S", 1.0)
    srv = TasknetServer(tmp_path / "data", binary=fake_binary)
    with pytest.raises(pytest.fail.Exception, match="(?s)did not become healthy.*HTTP 503"):
        srv.start()
    assert not srv.alive()


def test_server_ignoring_sigterm_is_killed_and_reported(fake_binary, tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_MODE", "stubborn")
    monkeypatch.setattr(harness, "SHUTDOWN_TIMEOUT_S", 1.0)
    srv = TasknetServer(tmp_path / "data", binary=fake_binary)
    srv.start()
    proc = srv._proc
    with pytest.raises(pytest.fail.Exception, match="did not exit within"):
        srv.stop()
    # SIGKILLed after the (patched, 1 s) timeout and reaped: no zombie, nothing left running
    assert proc.returncode == -signal.SIGKILL
    assert not srv.alive() and srv._proc is None


def test_missing_binary_message(tmp_path):
    srv = TasknetServer(tmp_path / "data", binary=tmp_path / "nope")
    with pytest.raises(pytest.fail.Exception, match="TASKNET_BIN"):
        srv.start()
