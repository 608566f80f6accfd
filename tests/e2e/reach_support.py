"""Shared helpers for the reachability e2e tests (issue 4: N30, N40–N43).

Not a test module: a small VPC builder (a public subnet behind an internet
gateway and a private subnet with its own route table), launch-and-settle,
the explain endpoints (GET for a task, POST for a plan), the `tasknet
explain` CLI, and AWS's stopped reasons (aws-behavior §3) filled in.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request

from ecs_support import ACCOUNT, EXEC_ROLE, container, describe, register, run_one, zones
from harness import tasknet_binary

ECR_IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/app/web:1.2"

# Traffic labels of the explain verdicts (N30).
AUTH = "ECR authorization token"
MANIFEST = "image pull (manifest)"
LAYERS = "image pull (layers)"
ASM = "secrets from Secrets Manager"
SSM = "secrets from SSM Parameter Store"
LOGS = "logs through a log driver (awslogs)"
APP = "application traffic"
LAUNCH_TRAFFIC = {AUTH, MANIFEST, LAYERS, ASM, SSM, LOGS}

TASK_ENI = "task ENI"
FARGATE_ENI = "Fargate-owned ENI"
EXEC = "task execution role"
TASK_ROLE = "task role"

SECRET_ARN = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-password-AbCdEf"
PARAM_ARN = f"arn:aws:ssm:us-east-1:{ACCOUNT}:parameter/app/db-url"


# ---------------------------------------------------------------------------
# AWS's stopped reasons (aws-behavior §3), byte for byte
# ---------------------------------------------------------------------------


def dial(addr: str) -> str:
    return f"[{addr}]:443" if ":" in addr else f"{addr}:443"


def ecr_auth_reason(host: str, addr: str) -> str:
    return ("ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry "
            "auth from Amazon ECR: There is a connection issue between the task and Amazon ECR. Check your task "
            "network configuration. operation error ECR: GetAuthorizationToken, exceeded maximum number of "
            "attempts, 3, https response error StatusCode: 0, RequestID: , request send failed, "
            f"Post \"https://{host}/\": dial tcp {dial(addr)}: i/o timeout")


def manifest_reason(full: str, registry: str, repo: str, tag: str, addr: str) -> str:
    return (f"CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
            f"{full}: failed to do request: Head \"https://{registry}/v2/{repo}/manifests/{tag}\": "
            f"dial tcp {dial(addr)}: i/o timeout")


def layers_reason_parts(image: str, layer_host: str, addr: str) -> tuple[str, str, str]:
    """(prefix, layer URL start, suffix): the layer URL itself is a digest path."""
    return (f"CannotPullContainerError: The task cannot pull {image} from the registry {image}. There is a "
            "connection issue between the task and the registry. Check your task network configuration. : "
            "failed to copy: httpReadSeeker: failed open: failed to do request: Get ",
            f"https://{layer_host}/",
            f": dial tcp {dial(addr)}: i/o timeout.")


def assert_layers_reason(reason: str, image: str, layer_host: str, addr: str):
    prefix, url, suffix = layers_reason_parts(image, layer_host, addr)
    assert reason.startswith(prefix + url), reason
    assert reason.endswith(suffix), reason
    assert " " not in reason[len(prefix):-len(suffix)], reason  # one URL between


def asm_reason(arn: str) -> str:
    return ("ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secret from "
            "asm: There is a connection issue between the task and AWS Secrets Manager. Check your task network "
            f"configuration. failed to fetch secret {arn} from secrets manager: operation error Secrets Manager: "
            "GetSecretValue, https response error StatusCode: 0, RequestID: , canceled, context deadline exceeded.")


SSM_REASON = ("ResourceInitializationError: unable to pull secrets or registry auth: unable to retrieve secrets "
              "from ssm: The task cannot pull secrets from AWS Systems Manager. There is a connection issue "
              "between the task and AWS Systems Manager Parameter Store. Check your task network configuration. "
              "RequestCanceled: request context canceled caused by: context deadline exceeded")

LOGS_REASON = ("ResourceInitializationError: failed to validate logger args: The task cannot find the Amazon "
               "CloudWatch log group defined in the task definition. There is a connection issue between the "
               "task and Amazon CloudWatch. Check your network configuration. : signal: killed")


# ---------------------------------------------------------------------------
# Networks
# ---------------------------------------------------------------------------


class Net:
    """VPC 10.0.0.0/16 with DNS hostnames and an attached internet gateway:
    `public` 10.0.0.0/24 (route table `public_rt`: 0.0.0.0/0 → IGW) and
    `private` 10.0.1.0/24 (route table `private_rt`: local only), both in the
    first AZ. `sg` is the VPC's default security group (all egress)."""

    def __init__(self, ec2, ipv6=False):
        self.ec2 = ec2
        self.az = zones(ec2)[0]
        vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=ipv6)["Vpc"]
        self.vpc = vpc["VpcId"]
        ec2.modify_vpc_attribute(VpcId=self.vpc, EnableDnsHostnames={"Value": True})
        self.v6 = None
        if ipv6:
            self.v6 = ec2.describe_vpcs(VpcIds=[self.vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        self.igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
        ec2.attach_internet_gateway(InternetGatewayId=self.igw, VpcId=self.vpc)
        self.public = self.subnet("10.0.0.0/24", v6_index=0 if ipv6 else None)
        self.public_rt = self.route_table(self.public)
        self.route(self.public_rt, "0.0.0.0/0", GatewayId=self.igw)
        if ipv6:
            self.route(self.public_rt, "::/0", GatewayId=self.igw)
        self.private = self.subnet("10.0.1.0/24")
        self.private_rt = self.route_table(self.private)
        self.sg = ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [self.vpc]}, {"Name": "group-name", "Values": ["default"]}],
        )["SecurityGroups"][0]["GroupId"]

    def v6_block(self, index: int) -> str:
        import ipaddress
        return str(list(ipaddress.IPv6Network(self.v6).subnets(new_prefix=64))[index])

    def subnet(self, cidr=None, v6_index=None, ipv6_native=False) -> str:
        kw = {"VpcId": self.vpc, "AvailabilityZone": self.az}
        if cidr:
            kw["CidrBlock"] = cidr
        if v6_index is not None:
            kw["Ipv6CidrBlock"] = self.v6_block(v6_index)
        if ipv6_native:
            kw["Ipv6Native"] = True
        return self.ec2.create_subnet(**kw)["Subnet"]["SubnetId"]

    def route_table(self, subnet_id: str) -> str:
        rt = self.ec2.create_route_table(VpcId=self.vpc)["RouteTable"]["RouteTableId"]
        self.ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet_id)
        return rt

    def route(self, rt: str, dest: str, **target):
        key = "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"
        self.ec2.create_route(RouteTableId=rt, **{key: dest}, **target)

    def nat(self, subnet_id: str) -> str:
        alloc = self.ec2.allocate_address(Domain="vpc")["AllocationId"]
        return self.ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=alloc)["NatGateway"]["NatGatewayId"]

    def security_group(self, name: str, ingress_443_from: str | None = None) -> str:
        g = self.ec2.create_security_group(GroupName=name, Description=name, VpcId=self.vpc)["GroupId"]
        if ingress_443_from:
            self.ec2.authorize_security_group_ingress(GroupId=g, IpPermissions=[
                {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": ingress_443_from}]}])
        return g

    def interface_endpoint(self, service: str, sg: str, subnet_id: str | None = None, private_dns=True) -> dict:
        """An interface endpoint com.amazonaws.us-east-1.<service>; returns
        {id, eni, ip} (its network interface in the subnet)."""
        ep = self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, VpcEndpointType="Interface", ServiceName=f"com.amazonaws.us-east-1.{service}",
            SubnetIds=[subnet_id or self.private], SecurityGroupIds=[sg], PrivateDnsEnabled=private_dns,
        )["VpcEndpoint"]
        eni_id = ep["NetworkInterfaceIds"][0]
        eni = self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
        return {"id": ep["VpcEndpointId"], "eni": eni_id, "ip": eni["PrivateIpAddress"], "sg": sg}

    def s3_gateway(self, rt: str) -> str:
        return self.ec2.create_vpc_endpoint(
            VpcId=self.vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
            RouteTableIds=[rt],
        )["VpcEndpoint"]["VpcEndpointId"]

    def ecr_endpoints(self, s3=True, api=True, dkr=True) -> dict:
        """ECR over PrivateLink (N40 item 3): ecr.api + ecr.dkr with an
        endpoint SG admitting 443 from the VPC, plus the S3 gateway endpoint
        on the private route table."""
        sg = self.security_group("endpoints", ingress_443_from="10.0.0.0/16")
        out = {"sg": sg}
        if api:
            out["api"] = self.interface_endpoint("ecr.api", sg)
        if dkr:
            out["dkr"] = self.interface_endpoint("ecr.dkr", sg)
        if s3:
            out["s3"] = self.s3_gateway(self.private_rt)
        return out


# ---------------------------------------------------------------------------
# ECS
# ---------------------------------------------------------------------------


def taskdef(ecs, image=ECR_IMAGE, family="app", **cextra) -> str:
    """A Fargate task definition of one container, with the execution role."""
    return register(ecs, family=family, containers=[container(name="app", image=image, **cextra)],
                    executionRoleArn=EXEC_ROLE)["taskDefinitionArn"]


def launch(ecs, cluster, td, subnets, sgs=None, public=None, pv="1.4.0", timeout=5.0) -> dict:
    """RunTask, then poll until the task is RUNNING or STOPPED; return it."""
    subnets = [subnets] if isinstance(subnets, str) else subnets
    arn = run_one(ecs, cluster, td, subnets, sgs=sgs, public=public, platformVersion=pv)["taskArn"]
    deadline = time.monotonic() + timeout
    while True:
        t = describe(ecs, cluster, arn)[0]
        if t["lastStatus"] in ("RUNNING", "STOPPED"):
            return t
        if time.monotonic() > deadline:
            raise AssertionError(f"task {arn} neither RUNNING nor STOPPED within {timeout}s: {t['lastStatus']}")
        time.sleep(0.02)


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _call(req) -> tuple[int, dict]:
    try:
        with _OPENER.open(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def explain_task(server, cluster, task, region=None, status=200) -> dict:
    q = {"cluster": cluster, "task": task}
    if region:
        q["region"] = region
    code, body = _call(urllib.request.Request(f"{server.url}/_tasknet/explain?{urllib.parse.urlencode(q)}"))
    assert code == status, body
    return body


def explain_plan(server, body: dict, status=200) -> dict:
    req = urllib.request.Request(f"{server.url}/_tasknet/explain", data=json.dumps(body).encode(),
                                 method="POST", headers={"content-type": "application/json"})
    code, out = _call(req)
    assert code == status, out
    return out


def plan_body(td, subnets, sgs=None, public=None, pv="1.4.0", cluster="c1") -> dict:
    cfg = {"subnets": [subnets] if isinstance(subnets, str) else list(subnets)}
    if sgs is not None:
        cfg["securityGroups"] = list(sgs)
    if public is not None:
        cfg["assignPublicIp"] = public
    return {"cluster": cluster, "taskDefinition": td, "launchType": "FARGATE", "platformVersion": pv,
            "networkConfiguration": {"awsvpcConfiguration": cfg}}


def tasknet_cli(*args: str, check=True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKNET_")}
    p = subprocess.run([str(tasknet_binary()), *args], capture_output=True, text=True, timeout=30, env=env)
    if check:
        assert p.returncode == 0, (p.returncode, p.stdout, p.stderr)
    return p


# ---------------------------------------------------------------------------
# Verdicts
# ---------------------------------------------------------------------------


def verdict(e: dict, traffic: str) -> dict:
    vs = [v for v in e["verdicts"] if v["traffic"] == traffic]
    assert len(vs) == 1, (traffic, [v["traffic"] for v in e["verdicts"]])
    return vs[0]


def steps(v: dict) -> list[str]:
    return [h["step"] for h in v["path"]]


def hop(v: dict, step: str) -> dict:
    hs = [h for h in v["path"] if h["step"] == step]
    assert hs, (step, v["path"])
    return hs[0]


def first_blocking(e: dict) -> dict | None:
    for v in e["verdicts"]:
        if v["traffic"] in LAUNCH_TRAFFIC and v["status"] == "unreachable":
            return v
    return None


def assert_fails(task: dict, e: dict, traffic: str, step: str, resource: str, fix_mentions: str | None = None,
                 reason: str | None = None, eni=TASK_ENI) -> dict:
    """The task failed to start (N21/N41) and explain (N43) agrees: the first
    blocking verdict is `traffic`, blocked at `step` on `resource`, with a fix
    naming `fix_mentions` (default: the resource) and AWS's reason."""
    assert task["lastStatus"] == "STOPPED", task["lastStatus"]
    assert task["stopCode"] == "TaskFailedToStart", task.get("stopCode")
    v = first_blocking(e)
    assert v is not None, e
    assert v["traffic"] == traffic, (v["traffic"], v.get("blocked"))
    assert v["eni"] == eni
    assert v["role"] == (EXEC if traffic in LAUNCH_TRAFFIC else TASK_ROLE)
    assert v["role_arn"] == EXEC_ROLE
    assert v["status"] == "unreachable"
    b = v["blocked"]
    assert b["hop"]["step"] == step, b
    assert b["hop"]["resource"] == resource, b
    assert (fix_mentions or resource) in b["fix"], b
    assert v["stopped_reason"] == task["stoppedReason"]
    assert e["outcome"] == "fails" and e["blocked"] is None  # the ENI exists; a traffic hop is missing
    assert e["stopped_reason"] == task["stoppedReason"]
    # a launched task's explanation carries its state (only a plan has none)
    assert e["task_arn"] == task["taskArn"]
    assert e["task"] == {"lastStatus": "STOPPED", "desiredStatus": "STOPPED", "stopCode": "TaskFailedToStart",
                         "stoppedReason": task["stoppedReason"]}
    if reason is not None:
        assert task["stoppedReason"] == reason
    # every verdict before the blocking one is reachable
    for w in e["verdicts"]:
        if w is v:
            break
        assert w["status"] in ("reachable", "not evaluated"), w
    return v


def assert_starts(task: dict, e: dict) -> None:
    assert task["lastStatus"] == "RUNNING", (task.get("stopCode"), task.get("stoppedReason"))
    assert "stoppedReason" not in task
    assert e["outcome"] == "starts" and e["blocked"] is None, first_blocking(e)
    assert e["stopped_reason"] is None
    launch_needs = [v for v in e["verdicts"] if v["traffic"] in LAUNCH_TRAFFIC]
    assert launch_needs, e["verdicts"]  # every task needs at least its image
    for v in launch_needs:
        assert v["status"] == "reachable", v
        assert v["blocked"] is None and v["stopped_reason"] is None
        assert v["path"], v  # the path it takes is shown
    # a launched task's explanation carries its state (only a plan has none)
    assert e["task_arn"] == task["taskArn"]
    assert e["task"] == {"lastStatus": "RUNNING", "desiredStatus": "RUNNING", "stopCode": None,
                         "stoppedReason": None}
