"""Helpers of the Linux data-plane tests: skip where they cannot run, a
server with `--dataplane linux`, a VPC with public subnets, tasks, and
`tasknet exec`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field

import pytest

from harness import AwsClients, TasknetServer, tasknet_binary


def why_not_runnable() -> str | None:
    """Why the data-plane tests cannot run here (None: they can)."""
    if not sys.platform.startswith("linux"):
        return "not Linux"
    if os.geteuid() != 0:
        return "not root"
    for b in ("nft", "ip"):
        if shutil.which(b) is None:
            return f"`{b}` is not installed (apt-get install nftables iproute2)"
    return None


REASON = why_not_runnable()
skip_unless_runnable = pytest.mark.skipif(REASON is not None, reason=f"data plane: {REASON}")


def run(*cmd: str, check: bool = True, timeout: float = 30, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(list(cmd), capture_output=True, text=True, check=check,
                          timeout=timeout, **kw)


def host_netns() -> list[str]:
    """tasknet namespaces on the host."""
    out = run("ip", "netns", "list").stdout
    return sorted(l.split()[0] for l in out.splitlines() if l.startswith("tasknet-"))


def host_snapshot() -> dict[str, str]:
    """The root namespace's interfaces, addresses, routes and nftables."""
    snap = {}
    for name, cmd in {
        "links": ["ip", "-o", "link", "show"],
        "addrs": ["ip", "-o", "addr", "show"],
        "routes4": ["ip", "route", "show", "table", "all"],
        "routes6": ["ip", "-6", "route", "show", "table", "all"],
        "rules": ["ip", "rule", "show"],
        "nft": ["nft", "list", "ruleset"],
    }.items():
        snap[name] = "\n".join(sorted(run(*cmd, check=False).stdout.splitlines()))
    return snap


def start_server(tmp_path, *extra: str) -> TasknetServer:
    srv = TasknetServer(data_dir=tmp_path, extra_args=("--dataplane", "linux", "--fault-injection", *extra))
    srv.start()
    return srv


@dataclass
class Vpc:
    vpc: str
    subnets: list[str]
    cidrs: list[str]
    igw: str | None
    rtb: str
    sg: str
    extra: dict = field(default_factory=dict)


def public_vpc(aws: AwsClients, cidr: str = "10.77.0.0/16", n: int = 2) -> Vpc:
    """A VPC whose subnets route 0.0.0.0/0 to an internet gateway; its
    default security group admits the VPC (as the issue's example)."""
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    base = cidr.split(".")
    subnets, cidrs = [], []
    for i in range(n):
        c = f"{base[0]}.{base[1]}.{i + 1}.0/24"
        subnets.append(ec2.create_subnet(VpcId=vpc, CidrBlock=c, AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"])
        cidrs.append(c)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    sg = ec2.create_security_group(VpcId=vpc, GroupName="app", Description="app")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": cidr}]}])
    return Vpc(vpc, subnets, cidrs, igw, rtb, sg)


def cluster_and_taskdef(aws: AwsClients, name: str = "dp", family: str = "web") -> None:
    ecs = aws.ecs()
    ecs.create_cluster(clusterName=name)
    ecs.register_task_definition(
        family=family, networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
        cpu="256", memory="512",
        taskRoleArn="arn:aws:iam::123456789012:role/app",
        containerDefinitions=[{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest"}])


def run_task(aws: AwsClients, subnet: str, sgs: list[str], public: bool = True,
             cluster: str = "dp", family: str = "web") -> dict:
    r = aws.ecs().run_task(
        cluster=cluster, taskDefinition=family, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {
            "subnets": [subnet], "securityGroups": sgs,
            "assignPublicIp": "ENABLED" if public else "DISABLED"}})
    assert not r.get("failures"), r
    return r["tasks"][0]


def wait_status(aws: AwsClients, arns: list[str], want: set[str], cluster: str = "dp",
                timeout: float = 20) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        tasks = aws.ecs().describe_tasks(cluster=cluster, tasks=arns)["tasks"]
        if all(t["lastStatus"] in want for t in tasks):
            return tasks
        if time.monotonic() > deadline:
            raise AssertionError(f"tasks not {want}: {[(t['lastStatus'], t.get('stoppedReason')) for t in tasks]}")
        time.sleep(0.05)


def details(task: dict) -> dict[str, str]:
    return {d["name"]: d["value"] for d in task["attachments"][0]["details"]}


def texec(srv: TasknetServer, task: str, *cmd: str, cluster: str = "dp", timeout: float = 30,
          input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(tasknet_binary()), "exec", "--endpoint", srv.url, "--cluster", cluster,
         "--task", task, "--", *cmd],
        capture_output=True, text=True, timeout=timeout, input=input)


def texec_bg(srv: TasknetServer, task: str, *cmd: str, cluster: str = "dp") -> subprocess.Popen:
    return subprocess.Popen(
        [str(tasknet_binary()), "exec", "--endpoint", srv.url, "--cluster", cluster,
         "--task", task, "--", *cmd],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def health(srv: TasknetServer) -> dict:
    import urllib.request
    with urllib.request.urlopen(f"{srv.url}/_tasknet/health", timeout=5) as r:
        return json.loads(r.read())


def wait_in_sync(srv: TasknetServer, timeout: float = 10) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        h = health(srv)
        if h["dataplane"]["inSync"]:
            return h
        if time.monotonic() > deadline:
            raise AssertionError(f"data plane not in sync: {h}")
        time.sleep(0.05)


def wait_http(srv: TasknetServer, task: str, url: str, timeout: float = 10) -> None:
    """Until a listener answers `url` from inside `task`."""
    deadline = time.monotonic() + timeout
    while True:
        r = texec(srv, task, "curl", "-s", "-m", "1", "-o", "/dev/null", "-w", "%{http_code}", url)
        if r.stdout.strip() == "200":
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{url} never answered from {task}: {r.stdout} {r.stderr}")
        time.sleep(0.1)


def explain_to(srv: TasknetServer, task: dict, to: str, port: int, protocol: str = "tcp") -> dict:
    """`tasknet explain --task … --to ADDRESS --port P --json` for a task of
    cluster `dp`."""
    r = subprocess.run([str(tasknet_binary()), "explain", "--endpoint", srv.url, "--cluster", "dp",
                        "--task", task["taskArn"], "--to", to, "--port", str(port),
                        "--protocol", protocol, "--json"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)
