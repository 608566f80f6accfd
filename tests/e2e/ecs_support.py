"""Shared helpers for the ECS-on-Fargate e2e tests (issue 3).

Not a test module: networks, task definitions, RunTask shortcuts and a
poll helper (`wait_status`) so that no test sleeps blindly.
"""

from __future__ import annotations

import ipaddress
import json
import time

import botocore.exceptions
import pytest

from harness import http_request

ACCOUNT = "123456789012"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
IMAGE = "public.ecr.aws/nginx/nginx:latest"
EXEC_ROLE = f"arn:aws:iam::{ACCOUNT}:role/ecsTaskExecutionRole"

# N20: attachment details once the ENI exists, in this order.
ATTACHED_DETAIL_NAMES = ["subnetId", "networkInterfaceId", "macAddress", "privateDnsName", "privateIPv4Address"]


def err(call, *args, **kwargs) -> dict:
    """The Error dict of a call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def err_pair(call, *args, **kwargs) -> tuple[str, str]:
    e = err(call, *args, **kwargs)
    return e["Code"], e["Message"]


def assert_pages(call, items_key: str, ident, page_size: int, expected, *, token: str = "NextToken",
                 limit: str | None = "MaxResults", ordered: bool = False, **kwargs) -> list[list]:
    """Page through `call(**kwargs)` `page_size` items at a time (`limit`
    names the page-size parameter; None: the service's default page size)
    and check the pagination itself, not only what comes out of it:

    - every page but the last holds exactly `page_size` items, the last one
      the rest (an empty result is one empty page);
    - `token` is present and non-empty exactly when more items remain, and
      absent from the last page;
    - no item is on two pages, and together the pages hold exactly
      `expected` (in that order with `ordered`).

    `ident(item)` names an item. Returns the pages as lists of names."""
    expected = list(expected)
    assert len(set(expected)) == len(expected), f"expected names repeat: {expected}"
    n = len(expected)
    kw = dict(kwargs)
    if limit is not None:
        kw[limit] = page_size
    pages: list[list] = []
    while True:
        page = call(**kw)
        names = [ident(x) for x in page[items_key]]
        done = len(pages) * page_size
        want = min(page_size, n - done)
        assert len(names) == want, (
            f"page {len(pages) + 1} holds {len(names)} items, expected {want} "
            f"({n} in all, {page_size} per page): {names}")
        pages.append(names)
        more = done + len(names) < n
        if more:
            assert page.get(token), f"page {len(pages)} has no {token} but {n - done - len(names)} items remain"
            kw[token] = page[token]
        else:
            assert token not in page, f"last page {len(pages)} still carries {token}={page[token]!r}"
            break
    flat = [x for p in pages for x in p]
    assert len(flat) == len(set(flat)), f"an item is on two pages: {pages}"
    if ordered:
        assert flat == expected, (flat, expected)
    else:
        assert sorted(flat) == sorted(expected), (flat, expected)
    return pages


# ---------------------------------------------------------------------------
# EC2 networks
# ---------------------------------------------------------------------------


def zones(ec2) -> list[str]:
    return [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]


def make_vpc(ec2, cidr="10.0.0.0/16", subnets=("10.0.1.0/24",), ipv6=False, dns_hostnames=True,
             egress="nat", assign_ipv6=True):
    """A VPC with subnets (one per AZ, round robin). Returns (vpc_id, [subnet dicts]).

    Tasks must reach their image registry (N40), so by default the main route
    table sends 0.0.0.0/0 to a NAT gateway that sits in a public /28 at the top
    of the VPC range (route table tagged Name=public, 0.0.0.0/0 → IGW); with
    `ipv6` also ::/0 → IGW and 64:ff9b::/96 → NAT (NAT64). `egress="igw"`:
    the main route table goes straight to the IGW. `egress=None`: no way out.

    With `ipv6`, the VPC gets an Amazon /56 and each subnet a /64 that assigns
    IPv6 on creation (unless `assign_ipv6` is False)."""
    vpc = ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=ipv6)["Vpc"]
    vid = vpc["VpcId"]
    if dns_hostnames:
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    prefix6 = None
    if ipv6:
        block = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        prefix6 = ipaddress.IPv6Network(block)
    azs = zones(ec2)
    out = []
    for i, c in enumerate(subnets):
        kw = {"VpcId": vid, "CidrBlock": c, "AvailabilityZone": azs[i % len(azs)]}
        if prefix6 is not None:
            kw["Ipv6CidrBlock"] = str(list(prefix6.subnets(new_prefix=64))[i + 1])
        s = ec2.create_subnet(**kw)["Subnet"]
        if prefix6 is not None and assign_ipv6:
            ec2.modify_subnet_attribute(SubnetId=s["SubnetId"], AssignIpv6AddressOnCreation={"Value": True})
        out.append(s)
    if egress:
        add_egress(ec2, vid, cidr, egress, ipv6)
    return vid, out


def main_route_table(ec2, vid) -> str:
    return ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]


def public_route_table(ec2, vid) -> str:
    return ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "tag:Name", "Values": ["public"]}]
    )["RouteTables"][0]["RouteTableId"]


def add_egress(ec2, vid, cidr, egress, ipv6):
    gw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gw, VpcId=vid)
    main = main_route_table(ec2, vid)
    if ipv6:
        ec2.create_route(RouteTableId=main, DestinationIpv6CidrBlock="::/0", GatewayId=gw)
    if egress == "igw":
        ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", GatewayId=gw)
        return
    # a public /28 at the top of the VPC range for the NAT gateway
    top = list(ipaddress.IPv4Network(cidr).subnets(new_prefix=28))[-1]
    pub = ec2.create_subnet(VpcId=vid, CidrBlock=str(top), AvailabilityZone=zones(ec2)[0])["Subnet"]["SubnetId"]
    rt = ec2.create_route_table(VpcId=vid, TagSpecifications=[
        {"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}])["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=gw)
    if ipv6:
        ec2.create_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0", GatewayId=gw)
    ec2.associate_route_table(RouteTableId=rt, SubnetId=pub)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=pub, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    if ipv6:
        ec2.create_route(RouteTableId=main, DestinationIpv6CidrBlock="64:ff9b::/96", NatGatewayId=nat)


def make_public(ec2, vid, subnet_id):
    """Route `subnet_id` through the VPC's public route table (0.0.0.0/0 → IGW)."""
    ec2.associate_route_table(RouteTableId=public_route_table(ec2, vid), SubnetId=subnet_id)


def ipv6_only_subnet(ec2, vid, index=9, az=None):
    """An IPv6-only subnet with DNS64 (the main route table has NAT64)."""
    block = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    s64 = str(list(ipaddress.IPv6Network(block).subnets(new_prefix=64))[index])
    kw = {"VpcId": vid, "Ipv6Native": True, "Ipv6CidrBlock": s64}
    if az:
        kw["AvailabilityZone"] = az
    s = ec2.create_subnet(**kw)["Subnet"]
    ec2.modify_subnet_attribute(SubnetId=s["SubnetId"], EnableDns64={"Value": True})
    return s


def default_sg(ec2, vid) -> str:
    return ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]


def available(ec2, subnet_id) -> int:
    return ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["AvailableIpAddressCount"]


def enis_in(ec2, vid) -> list[dict]:
    out, kw = [], {"Filters": [{"Name": "vpc-id", "Values": [vid]}]}
    while True:
        page = ec2.describe_network_interfaces(**kw)
        out += page["NetworkInterfaces"]
        if not page.get("NextToken"):
            return out
        kw["NextToken"] = page["NextToken"]


def task_enis(ec2, vid) -> list[dict]:
    """The Fargate task ENIs of a VPC (not the NAT gateway's)."""
    return [e for e in enis_in(ec2, vid) if e.get("Description", "").startswith("arn:aws:ecs:")]


def eni(ec2, eni_id) -> dict:
    return ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]


def eni_gone(ec2, eni_id) -> bool:
    try:
        ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"] == "InvalidNetworkInterfaceID.NotFound"
    return False


# ---------------------------------------------------------------------------
# ECS
# ---------------------------------------------------------------------------


def container(name="web", image=IMAGE, **extra) -> dict:
    c = {"name": name, "image": image, "essential": True}
    c.update(extra)
    return c


def register(ecs, family="web", cpu="256", memory="512", containers=None, **extra) -> dict:
    """A Fargate awsvpc task definition; returns the taskDefinition."""
    kw = {
        "family": family,
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": cpu,
        "memory": memory,
        "containerDefinitions": containers or [container()],
    }
    kw.update(extra)
    return ecs.register_task_definition(**kw)["taskDefinition"]


def netcfg(subnets, sgs=None, public=None) -> dict:
    c = {"subnets": [s if isinstance(s, str) else s["SubnetId"] for s in subnets]}
    if sgs is not None:
        c["securityGroups"] = list(sgs)
    if public is not None:
        c["assignPublicIp"] = public
    return {"awsvpcConfiguration": c}


def run(ecs, cluster, td, subnets, sgs=None, public=None, **kw) -> dict:
    """RunTask on Fargate; returns the whole response."""
    args = {
        "cluster": cluster,
        "taskDefinition": td,
        "launchType": "FARGATE",
        "networkConfiguration": netcfg(subnets, sgs, public),
    }
    args.update(kw)
    return ecs.run_task(**args)


def run_one(ecs, cluster, td, subnets, **kw) -> dict:
    out = run(ecs, cluster, td, subnets, **kw)
    assert out["failures"] == [], out["failures"]
    assert len(out["tasks"]) == 1
    return out["tasks"][0]


def describe(ecs, cluster, arns, **kw) -> list[dict]:
    arns = [arns] if isinstance(arns, str) else list(arns)
    out = []
    for i in range(0, len(arns), 100):
        resp = ecs.describe_tasks(cluster=cluster, tasks=arns[i:i + 100], **kw)
        assert resp["failures"] == [], resp["failures"]
        out += resp["tasks"]
    return out


def wait_status(ecs, cluster, arn, status, timeout=5.0, interval=0.02) -> dict:
    """Poll DescribeTasks until the task's lastStatus is `status`; return it."""
    deadline = time.monotonic() + timeout
    seen = []
    while True:
        task = describe(ecs, cluster, arn)[0]
        if not seen or seen[-1] != task["lastStatus"]:
            seen.append(task["lastStatus"])
        if task["lastStatus"] == status:
            return task
        if time.monotonic() > deadline:
            raise AssertionError(f"task {arn} did not reach {status} within {timeout}s; seen {seen}")
        if status != "STOPPED" and task["lastStatus"] == "STOPPED":
            raise AssertionError(f"task {arn} stopped while waiting for {status}: "
                                 f"{task.get('stopCode')} {task.get('stoppedReason')}")
        time.sleep(interval)


def wait_all(ecs, cluster, arns, status, timeout=10.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        tasks = describe(ecs, cluster, arns)
        if all(t["lastStatus"] == status for t in tasks):
            return tasks
        if time.monotonic() > deadline:
            got = sorted({t["lastStatus"] for t in tasks})
            raise AssertionError(f"not all {len(arns)} tasks reached {status} within {timeout}s: {got}")
        time.sleep(0.03)


def wait_until(pred, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout}s")
        time.sleep(0.03)


def details(task) -> dict:
    att = task["attachments"][0]
    return {d["name"]: d["value"] for d in att["details"]}


def detail_names(task) -> list[str]:
    return [d["name"] for d in task["attachments"][0]["details"]]


def setup_cluster(ecs, name="c1"):
    return ecs.create_cluster(clusterName=name)["cluster"]["clusterArn"]


def metadata(server, task_arn_or_id) -> tuple[int, dict]:
    tid = task_arn_or_id.rsplit("/", 1)[-1]
    status, body = http_request(f"{server.url}/_tasknet/tasks/{tid}/metadata")
    return status, json.loads(body) if body else {}


def private_dns(ip: str, region: str) -> str:
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    return f"ip-{ip.replace('.', '-')}.{suffix}"


def public_dns(ip: str, region: str) -> str:
    if region == "us-east-1":
        return f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com"
    return f"ec2-{ip.replace('.', '-')}.{region}.compute.amazonaws.com"


def usable(cidr: str) -> int:
    return ipaddress.IPv4Network(cidr).num_addresses - 5


def reserved(cidr: str) -> set[str]:
    n = ipaddress.IPv4Network(cidr)
    base = int(n.network_address)
    return {str(ipaddress.IPv4Address(base + i)) for i in range(4)} | {str(n.broadcast_address)}


def extra_server(tmp_path_factory, name, *args, region="us-east-1"):
    """A second `tasknet serve` with its own data dir and flags (e.g. slower
    phases); the caller stops it."""
    from harness import TasknetServer
    srv = TasknetServer(data_dir=tmp_path_factory.mktemp(name), region=region, extra_args=tuple(args))
    srv.start()
    return srv


# Phase durations that make every transition observable by polling.
SLOW_PHASES = ("--provisioning-ms", "400", "--pending-ms", "400", "--activating-ms", "400",
               "--deactivating-ms", "400", "--stopping-ms", "400", "--deprovisioning-ms", "400")
