"""Shared setup for the Elastic Load Balancing v2 end-to-end tests."""

from __future__ import annotations

import ipaddress
import time
from dataclasses import dataclass

import botocore.exceptions
import pytest


def err(call, *args, **kwargs) -> dict:
    """The `Error` of a call that must fail."""
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


@dataclass
class Net:
    vpc: str
    pub_a: str
    pub_b: str
    priv_a: str
    priv_b: str
    alb_sg: str
    task_sg: str


def network(ec2, cidr: str = "10.0.0.0/16", ipv6: bool = False, region: str = "us-east-1") -> Net:
    """A VPC with public subnets in zones a and b (internet gateway route),
    private subnets in a and b, an ALB security group open on 80 and a task
    security group admitting the ALB's group on 8080."""
    vpc = ec2.create_vpc(CidrBlock=cidr, AmazonProvidedIpv6CidrBlock=ipv6)["Vpc"]["VpcId"]
    block = None
    if ipv6:
        block = ec2.describe_vpcs(VpcIds=[vpc])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    base = cidr.split(".")[:2]

    def sub(third: int, zone: str, v6_index: int) -> str:
        args = dict(VpcId=vpc, CidrBlock=f"{base[0]}.{base[1]}.{third}.0/24", AvailabilityZone=f"{region}{zone}")
        if block:
            net6 = ipaddress.ip_network(block)
            args["Ipv6CidrBlock"] = str(
                ipaddress.IPv6Network((int(net6.network_address) + (v6_index << 64), 64))
            )
        return ec2.create_subnet(**args)["Subnet"]["SubnetId"]

    pub_a, pub_b = sub(0, "a", 1), sub(1, "b", 2)
    priv_a, priv_b = sub(10, "a", 10), sub(11, "b", 11)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for s in (pub_a, pub_b):
        ec2.associate_route_table(RouteTableId=rt, SubnetId=s)
    alb_sg = ec2.create_security_group(GroupName="alb", Description="web clients", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=alb_sg,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    task_sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=task_sg, IpPermissions=[from_alb(alb_sg)])
    return Net(vpc, pub_a, pub_b, priv_a, priv_b, alb_sg, task_sg)


def from_alb(alb_sg: str, port: int = 8080) -> dict:
    return {"IpProtocol": "tcp", "FromPort": port, "ToPort": port, "UserIdGroupPairs": [{"GroupId": alb_sg}]}


def task_ip(ec2, subnet: str, group: str, ipv6: bool = False) -> str:
    """A network interface standing in for a task; its address."""
    args = dict(SubnetId=subnet, Groups=[group])
    if ipv6:
        args["Ipv6AddressCount"] = 1
        e = ec2.create_network_interface(**args)["NetworkInterface"]
        return e["Ipv6Addresses"][0]["Ipv6Address"]
    return ec2.create_network_interface(**args)["NetworkInterface"]["PrivateIpAddress"]


def health(elb, tg: str, **kwargs) -> dict[str, dict]:
    out = elb.describe_target_health(TargetGroupArn=tg, **kwargs)["TargetHealthDescriptions"]
    return {d["Target"]["Id"]: d["TargetHealth"] for d in out}


def wait_for(pred, timeout: float = 10.0, step: float = 0.05):
    """Poll until `pred()` returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting; last value {v!r}")
        time.sleep(step)


def alb(elb, net: Net, name: str = "web", **kwargs) -> dict:
    return elb.create_load_balancer(
        Name=name, Subnets=[net.pub_a, net.pub_b], SecurityGroups=[net.alb_sg], **kwargs
    )["LoadBalancers"][0]


def ip_group(elb, net: Net, name: str = "tasks", **kwargs) -> dict:
    args = dict(Name=name, Protocol="HTTP", Port=8080, VpcId=net.vpc, TargetType="ip")
    args.update(kwargs)
    return elb.create_target_group(**args)["TargetGroups"][0]


def forward(tg: str) -> list[dict]:
    return [{"Type": "forward", "TargetGroupArn": tg}]
