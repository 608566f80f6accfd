"""SigV4 verification (`tasknet serve --verify-signatures`): the configured
root key and keys made with IAM CreateAccessKey sign requests (header and
presigned URL); everything else is refused with each service's own code.
The caller's identity reaches STS GetCallerIdentity and ECS account
settings (N13: a user's own dualStackIPv6 setting).
"""

from __future__ import annotations

import datetime
import json
import time
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
from unittest import mock

import botocore.exceptions
import pytest

from ecs_support import details, err, make_vpc, register, run_one, setup_cluster, wait_status
from harness import AwsCli, AwsClients, TasknetServer

ACCOUNT = "123456789012"
ROOT_ARN = f"arn:aws:iam::{ACCOUNT}:root"
# AWS's documentation example key.
ROOT_KEY, ROOT_SECRET = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
FLAGS = ("--verify-signatures", "--root-access-key-id", ROOT_KEY, "--root-secret-access-key", ROOT_SECRET)
MISMATCH = ("The request signature we calculated does not match the signature you provided. Check your "
            "AWS Secret Access Key and signing method. Consult the service documentation for details.")
INVALID_TOKEN = "The security token included in the request is invalid."

# Per service: (code, HTTP status) of a wrong secret, an unknown key, no signature.
WRONG_SECRET = {"ec2": ("SignatureDoesNotMatch", 403), "ecs": ("InvalidSignatureException", 400),
                "iam": ("SignatureDoesNotMatch", 403), "sts": ("SignatureDoesNotMatch", 403)}
UNKNOWN_KEY = {"ec2": ("AuthFailure", 401), "ecs": ("UnrecognizedClientException", 400),
               "iam": ("InvalidClientTokenId", 403), "sts": ("InvalidClientTokenId", 403)}


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = TasknetServer(data_dir=tmp_path_factory.mktemp("sigv4"), extra_args=FLAGS)
    s.start()
    try:
        yield s
    finally:
        s.stop(check=True)


@pytest.fixture(scope="module")
def root(srv):
    return AwsClients(srv.url, access_key=ROOT_KEY, secret_key=ROOT_SECRET)


_users = iter(range(1, 1000))


@pytest.fixture
def user(srv, root):
    """A fresh IAM user with an access key: (user, key, clients signing as it)."""
    name = f"user{next(_users)}"
    u = root.iam().create_user(UserName=name)["User"]
    k = root.iam().create_access_key(UserName=name)["AccessKey"]
    return u, k, AwsClients(srv.url, access_key=k["AccessKeyId"], secret_key=k["SecretAccessKey"])


def calls(c: AwsClients):
    """One read per service, signed by `c`."""
    return {
        "ec2": lambda: c.ec2().describe_vpcs(),
        "ecs": lambda: c.ecs().list_clusters(),
        "iam": lambda: c.iam().list_users(),
        "sts": lambda: c.sts().get_caller_identity(),
    }


def refusals(c: AwsClients) -> dict[str, tuple[str, int, str]]:
    out = {}
    for service, call in calls(c).items():
        with pytest.raises(botocore.exceptions.ClientError) as e:
            call()
        r = e.value.response
        out[service] = (r["Error"]["Code"], r["ResponseMetadata"]["HTTPStatusCode"], r["Error"]["Message"])
    return out


def codes(c: AwsClients) -> dict[str, tuple[str, int]]:
    return {s: (code, status) for s, (code, status, _) in refusals(c).items()}


def fetch(url: str, method: str = "GET", body: bytes | None = None,
          headers: dict | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def xml_error(body: bytes) -> tuple[str, str]:
    root = ET.fromstring(body)
    code = next(e.text for e in root.iter() if e.tag.endswith("Code"))
    message = next(e.text for e in root.iter() if e.tag.endswith("Message"))
    return code, message


def test_root_key_works_for_every_service(root):
    for service, call in calls(root).items():
        call()
    ident = root.sts().get_caller_identity()
    assert (ident["Arn"], ident["UserId"], ident["Account"]) == (ROOT_ARN, ACCOUNT, ACCOUNT)
    # Another Region signs with another scope.
    assert root.ec2("eu-west-1").describe_vpcs()["Vpcs"][0]["OwnerId"] == ACCOUNT


def test_root_key_works_with_the_aws_cli(srv):
    cli = AwsCli(srv.url, access_key=ROOT_KEY, secret_key=ROOT_SECRET)
    assert cli.ok("sts", "get-caller-identity") == {"UserId": ACCOUNT, "Account": ACCOUNT, "Arn": ROOT_ARN}
    assert cli.ok("ec2", "describe-vpcs")["Vpcs"][0]["OwnerId"] == ACCOUNT
    assert "clusterArns" in cli.ok("ecs", "list-clusters")
    assert "Users" in cli.ok("iam", "list-users")
    bad = AwsCli(srv.url, access_key=ROOT_KEY, secret_key="wrong")
    bad.err("sts", "get-caller-identity", code="SignatureDoesNotMatch")
    bad.err("ecs", "list-clusters", code="InvalidSignatureException")
    AwsCli(srv.url).err("ec2", "describe-vpcs", code="AuthFailure")


def test_a_users_key_works_and_says_who_it_is(srv, user):
    u, k, as_user = user
    assert k["AccessKeyId"].startswith("AKIA") and len(k["AccessKeyId"]) == 20
    assert len(k["SecretAccessKey"]) == 40 and k["Status"] == "Active"
    for call in calls(as_user).values():
        call()
    ident = as_user.sts().get_caller_identity()
    assert (ident["Arn"], ident["UserId"], ident["Account"]) == (u["Arn"], u["UserId"], ACCOUNT)
    assert u["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/{u['UserName']}"
    assert u["UserId"].startswith("AIDA") and len(u["UserId"]) == 21
    # Without UserName, IAM acts on the caller.
    assert as_user.iam().get_user()["User"]["UserId"] == u["UserId"]
    keys = as_user.iam().list_access_keys()["AccessKeyMetadata"]
    assert [(m["UserName"], m["AccessKeyId"], m["Status"]) for m in keys] == [
        (u["UserName"], k["AccessKeyId"], "Active")]
    cli = AwsCli(srv.url, access_key=k["AccessKeyId"], secret_key=k["SecretAccessKey"])
    assert cli.ok("sts", "get-caller-identity")["Arn"] == u["Arn"]
    assert cli.ok("ec2", "describe-vpcs")["Vpcs"]


def test_a_wrong_secret_gets_each_services_code(srv, user):
    _, k, _ = user
    for key in (ROOT_KEY, k["AccessKeyId"]):
        got = refusals(AwsClients(srv.url, access_key=key, secret_key="wrong-secret"))
        assert {s: (c, st) for s, (c, st, _) in got.items()} == WRONG_SECRET
        assert {m for _, _, m in got.values()} == {MISMATCH}


def test_unknown_keys_are_refused(srv):
    for key in ("AKIAAAAAAAAAAAAAAAAA", "test", ACCOUNT, "111111111111"):
        got = refusals(AwsClients(srv.url, access_key=key, secret_key="x"))
        assert {s: (c, st) for s, (c, st, _) in got.items()} == UNKNOWN_KEY, key
        assert got["ec2"][2] == "AWS was not able to validate the provided access credentials"
        assert got["ecs"][2] == got["iam"][2] == got["sts"][2] == INVALID_TOKEN


def test_inactive_and_deleted_keys_are_refused(srv, root, user):
    u, k, as_user = user
    iam = root.iam()
    iam.update_access_key(UserName=u["UserName"], AccessKeyId=k["AccessKeyId"], Status="Inactive")
    assert codes(as_user) == UNKNOWN_KEY
    assert iam.list_access_keys(UserName=u["UserName"])["AccessKeyMetadata"][0]["Status"] == "Inactive"
    iam.update_access_key(UserName=u["UserName"], AccessKeyId=k["AccessKeyId"], Status="Active")
    as_user.sts().get_caller_identity()
    iam.delete_access_key(UserName=u["UserName"], AccessKeyId=k["AccessKeyId"])
    assert codes(as_user) == UNKNOWN_KEY


def test_unsigned_requests_are_refused(srv):
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    status, body = fetch(srv.url, "POST", b"Action=DescribeVpcs&Version=2016-11-15", form)
    assert (status, xml_error(body)) == (
        400, ("MissingParameter", "The request must contain the parameter AWSAccessKeyId"))
    for action, version in (("GetCallerIdentity", "2011-06-15"), ("ListUsers", "2010-05-08")):
        status, body = fetch(srv.url, "POST", f"Action={action}&Version={version}".encode(), form)
        assert (status, xml_error(body)) == (
            403, ("MissingAuthenticationToken", "Request is missing Authentication Token"))
        assert b"<Type>Sender</Type>" in body
    status, body = fetch(srv.url, "POST", b"{}", {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"})
    assert (status, json.loads(body)) == (
        400, {"__type": "MissingAuthenticationTokenException", "message": "Missing Authentication Token"})
    # A GET with the parameters in the URL is no different.
    status, body = fetch(f"{srv.url}/?Action=GetCallerIdentity&Version=2011-06-15")
    assert status == 403 and xml_error(body)[0] == "MissingAuthenticationToken"


def test_malformed_authorization_is_an_incomplete_signature(srv):
    auth = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/sts/aws4_request",
            "X-Amz-Date": "20240101T000000Z", "Content-Type": "application/x-www-form-urlencoded"}
    status, body = fetch(srv.url, "POST", b"Action=GetCallerIdentity&Version=2011-06-15", auth)
    assert status == 400
    assert xml_error(body) == ("IncompleteSignature",
                               "Authorization header requires 'Signature' parameter. Authorization header "
                               f"requires 'SignedHeaders' parameter. Authorization={auth['Authorization']}")
    ecs_auth = dict(auth, **{"Authorization": auth["Authorization"].replace("/sts/", "/ecs/"),
                             "Content-Type": "application/x-amz-json-1.1",
                             "X-Amz-Target": "AmazonEC2ContainerServiceV20141113.ListClusters"})
    status, body = fetch(srv.url, "POST", b"{}", ecs_auth)
    assert status == 400 and json.loads(body)["__type"] == "IncompleteSignatureException"


def test_requests_signed_too_long_ago_are_refused(root):
    past = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - datetime.timedelta(minutes=20)
    with mock.patch("botocore.auth.get_current_datetime", return_value=past):
        got = refusals(root)
    assert got["ec2"] == ("RequestExpired", 400, "Request has expired.")
    assert got["ecs"][:2] == ("InvalidSignatureException", 400)
    stamp = past.strftime("%Y%m%dT%H%M%SZ")
    assert got["ecs"][2].startswith(f"Signature expired: {stamp} is now earlier than ")
    assert got["ecs"][2].endswith(" - 15 min.)")
    assert got["sts"][:2] == got["iam"][:2] == ("SignatureDoesNotMatch", 403)
    assert got["sts"][2].startswith(f"Signature expired: {stamp}")
    # Within the window, a slow clock is fine.
    with mock.patch("botocore.auth.get_current_datetime", return_value=past + datetime.timedelta(minutes=10)):
        root.sts().get_caller_identity()


def test_presigned_urls(srv, root, user):
    u, k, as_user = user
    url = as_user.sts().generate_presigned_url("get_caller_identity", ExpiresIn=60, HttpMethod="GET")
    assert "X-Amz-Signature=" in url and "X-Amz-Expires=60" in url
    status, body = fetch(url)
    assert status == 200, body
    ident = ET.fromstring(body)
    assert next(e.text for e in ident.iter() if e.tag.endswith("Arn")) == u["Arn"]
    # EC2 too.
    status, body = fetch(root.ec2().generate_presigned_url("describe_vpcs", HttpMethod="GET"))
    assert status == 200 and b"<DescribeVpcsResponse" in body
    # A changed parameter breaks the signature.
    status, body = fetch(url.replace("Version=2011-06-15", "Version=2011-06-16"))
    assert (status, xml_error(body)) == (403, ("SignatureDoesNotMatch", MISMATCH))
    # An expired URL is refused.
    short = as_user.sts().generate_presigned_url("get_caller_identity", ExpiresIn=1, HttpMethod="GET")
    short_ec2 = root.ec2().generate_presigned_url("describe_vpcs", ExpiresIn=1, HttpMethod="GET")
    time.sleep(2.2)
    status, body = fetch(short)
    code, message = xml_error(body)
    assert (status, code) == (403, "SignatureDoesNotMatch")
    assert message.startswith("Signature expired: ") and message.endswith(" - 1 sec.)"), message
    status, body = fetch(short_ec2)
    assert (status, xml_error(body)) == (400, ("RequestExpired", "Request has expired."))


def test_iam_users_and_keys(srv, root):
    iam = root.iam()
    u = iam.create_user(UserName="ops", Path="/team/", Tags=[{"Key": "k", "Value": "v"}])["User"]
    assert u["Path"] == "/team/" and u["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/team/ops"
    assert u["Tags"] == [{"Key": "k", "Value": "v"}]
    e = err(iam.create_user, UserName="ops")
    assert (e["Code"], e["Message"]) == ("EntityAlreadyExists", "User with name ops already exists.")
    assert iam.get_user(UserName="ops")["User"]["UserId"] == u["UserId"]
    assert "ops" in [x["UserName"] for x in iam.list_users(PathPrefix="/team/")["Users"]]
    assert iam.list_users(PathPrefix="/nobody/")["Users"] == []
    k1 = iam.create_access_key(UserName="ops")["AccessKey"]
    k2 = iam.create_access_key(UserName="ops")["AccessKey"]
    e = err(iam.create_access_key, UserName="ops")
    assert (e["Code"], e["Message"]) == ("LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2")
    page = iam.list_access_keys(UserName="ops", MaxItems=1)
    assert page["IsTruncated"] and [m["AccessKeyId"] for m in page["AccessKeyMetadata"]] == [k1["AccessKeyId"]]
    rest = iam.list_access_keys(UserName="ops", Marker=page["Marker"])
    assert [m["AccessKeyId"] for m in rest["AccessKeyMetadata"]] == [k2["AccessKeyId"]]
    e = err(iam.delete_user, UserName="ops")
    assert (e["Code"], e["Message"]) == ("DeleteConflict", "Cannot delete entity, must delete access keys first.")
    e = err(iam.update_access_key, UserName="ops", AccessKeyId="AKIAAAAAAAAAAAAAAAAA", Status="Inactive")
    assert (e["Code"], e["Message"]) == ("NoSuchEntity", "The Access Key with id AKIAAAAAAAAAAAAAAAAA cannot be found.")
    e = err(iam.create_access_key, UserName="ghost")
    assert (e["Code"], e["Message"]) == ("NoSuchEntity", "The user with name ghost cannot be found.")
    # A user acting on its own keys, without UserName.
    as_ops = AwsClients(srv.url, access_key=k1["AccessKeyId"], secret_key=k1["SecretAccessKey"])
    as_ops.iam().update_access_key(AccessKeyId=k2["AccessKeyId"], Status="Inactive")
    as_ops.iam().delete_access_key(AccessKeyId=k2["AccessKeyId"])
    iam.delete_access_key(UserName="ops", AccessKeyId=k1["AccessKeyId"])
    iam.delete_user(UserName="ops")
    assert err(iam.get_user, UserName="ops")["Code"] == "NoSuchEntity"


def test_root_keys_from_create_access_key(srv, root):
    """Without UserName, the root's CreateAccessKey makes a key of the root."""
    iam = root.iam()
    k = iam.create_access_key()["AccessKey"]
    assert "UserName" not in k
    as_root = AwsClients(srv.url, access_key=k["AccessKeyId"], secret_key=k["SecretAccessKey"])
    ident = as_root.sts().get_caller_identity()
    assert (ident["Arn"], ident["UserId"]) == (ROOT_ARN, ACCOUNT)
    me = as_root.iam().get_user()["User"]
    assert (me["UserId"], me["Arn"]) == (ACCOUNT, ROOT_ARN)
    assert [m["AccessKeyId"] for m in iam.list_access_keys()["AccessKeyMetadata"]] == [k["AccessKeyId"]]
    as_root.iam().delete_access_key(AccessKeyId=k["AccessKeyId"])
    assert codes(as_root) == UNKNOWN_KEY


def test_a_users_own_dual_stack_setting_decides_its_tasks(srv, root, user):
    """N13 with real principals: the user's own dualStackIPv6 setting gives
    its tasks an IPv6 address; the root's tasks stay IPv4-only."""
    u, _, as_user = user
    ec2, ecs = root.ec2(), root.ecs()
    vid, subs = make_vpc(ec2, cidr="10.9.0.0/16", subnets=("10.9.1.0/24",), ipv6=True)
    sub = subs[0]["SubnetId"]
    setup_cluster(ecs, "n13")
    td = register(ecs, family="n13")["taskDefinitionArn"]
    s = as_user.ecs().put_account_setting(name="dualStackIPv6", value="enabled")["setting"]
    assert s == {"name": "dualStackIPv6", "value": "enabled", "principalArn": u["Arn"], "type": "user"}
    mine = as_user.ecs().list_account_settings(name="dualStackIPv6", effectiveSettings=True)["settings"]
    assert [(x["value"], x["principalArn"]) for x in mine] == [("enabled", u["Arn"])]
    theirs = ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True)["settings"]
    assert [x["value"] for x in theirs] == ["disabled"]

    t_user = run_one(as_user.ecs(), "n13", td, [sub])
    t_user = wait_status(ecs, "n13", t_user["taskArn"], "RUNNING")
    t_root = wait_status(ecs, "n13", run_one(ecs, "n13", td, [sub])["taskArn"], "RUNNING")
    v6 = t_user["containers"][0]["networkInterfaces"][0].get("ipv6Address")
    assert v6, t_user["containers"][0]["networkInterfaces"]
    eni_user = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[details(t_user)["networkInterfaceId"]])["NetworkInterfaces"][0]
    assert [a["Ipv6Address"] for a in eni_user["Ipv6Addresses"]] == [v6]
    assert "ipv6Address" not in t_root["containers"][0]["networkInterfaces"][0]
    eni_root = ec2.describe_network_interfaces(
        NetworkInterfaceIds=[details(t_root)["networkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni_root["Ipv6Addresses"] == []


def test_keys_and_users_survive_a_restart(tmp_path_factory):
    s = TasknetServer(data_dir=tmp_path_factory.mktemp("sigv4-restart"), extra_args=FLAGS)
    s.start()
    try:
        root = AwsClients(s.url, access_key=ROOT_KEY, secret_key=ROOT_SECRET)
        u = root.iam().create_user(UserName="kept")["User"]
        k = root.iam().create_access_key(UserName="kept")["AccessKey"]
        s.restart()
        as_user = AwsClients(s.url, access_key=k["AccessKeyId"], secret_key=k["SecretAccessKey"])
        assert as_user.sts().get_caller_identity()["Arn"] == u["Arn"]
        assert root.iam().get_user(UserName="kept")["User"]["UserId"] == u["UserId"]
    finally:
        s.stop(check=True)
