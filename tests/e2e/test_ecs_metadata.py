"""Task metadata v4 through the admin endpoint (issue 3): N61 shape and
values against samples/tmds-v4-fargate-task-response.json, and N17 (DHCP
options are snapshotted at launch)."""

import ipaddress
import json
from pathlib import Path

import pytest

from ecs_support import (ACCOUNT, details, make_vpc, metadata, private_dns, register, run_one, setup_cluster,
                         wait_status)
from harness import http_request

SAMPLE = json.loads((Path(__file__).resolve().parents[2] / "crates/api/tests/samples/tmds-v4-fargate-task-response.json").read_text())
DOCS = SAMPLE["aws_docs_example_2023"]
# aws-behavior §5.1: fields the agent sends when set (omitempty)
TASK_OPTIONAL = {"DesiredStatus", "Limits", "PullStartedAt", "PullStoppedAt", "ExecutionStoppedAt",
                 "AvailabilityZone", "AvailabilityZoneID", "TaskTags", "ContainerInstanceTags", "LaunchType",
                 "Errors", "Containers", "VPCID", "ServiceName", "Group", "ClockDrift", "EphemeralStorageMetrics",
                 "FaultInjectionEnabled"}
CONTAINER_ALLOWED = {"DockerId", "Name", "DockerName", "Image", "ImageID", "Labels", "DesiredStatus", "KnownStatus",
                     "Limits", "Type", "CreatedAt", "StartedAt", "FinishedAt", "ExitCode", "Health", "RestartCount",
                     "Ports", "Volumes", "LogDriver", "LogOptions", "ContainerARN", "Snapshotter", "Networks"}


def suffix(region):
    return "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_n61_networks_and_shape(fresh, aws, server, region):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    vid, subs = make_vpc(ec2, cidr="172.31.0.0/16", subnets=("172.31.32.0/20",))
    setup_cluster(ecs)
    td = register(ecs, family="sample-fargate")
    t = wait_status(ecs, "c1", run_one(ecs, "c1", td["taskDefinitionArn"], subs)["taskArn"], "RUNNING")
    d = details(t)
    status, doc = metadata(server, t["taskArn"])
    assert status == 200
    # task level: every field of the docs example, plus only documented optional ones
    assert set(DOCS) <= set(doc), set(DOCS) - set(doc)
    assert set(doc) <= set(DOCS) | TASK_OPTIONAL | {"Cluster", "TaskARN", "Family", "Revision", "KnownStatus"}
    assert doc["Cluster"] == f"arn:aws:ecs:{region}:{ACCOUNT}:cluster/c1"
    assert doc["TaskARN"] == t["taskArn"]
    assert (doc["Family"], doc["Revision"]) == ("sample-fargate", "1")
    assert (doc["DesiredStatus"], doc["KnownStatus"]) == ("RUNNING", "RUNNING")
    assert doc["Limits"] == {"CPU": 0.25, "Memory": 512}
    assert doc["AvailabilityZone"] == t["availabilityZone"] and doc["LaunchType"] == "FARGATE"
    assert doc["ClockDrift"]["ClockSynchronizationStatus"] == "SYNCHRONIZED"
    assert set(doc["EphemeralStorageMetrics"]) == {"Utilized", "Reserved"}
    assert doc["VPCID"] == vid
    # container level
    [c] = doc["Containers"]
    assert set(DOCS["Containers"][0]) <= set(c), set(DOCS["Containers"][0]) - set(c)
    assert set(c) <= CONTAINER_ALLOWED
    assert c["DockerId"] == t["containers"][0]["runtimeId"]
    assert c["ContainerARN"] == t["containers"][0]["containerArn"]
    assert c["Labels"]["com.amazonaws.ecs.task-arn"] == t["taskArn"]
    assert c["Labels"]["com.amazonaws.ecs.task-definition-version"] == "1"
    assert c["Type"] == "NORMAL" and c["KnownStatus"] == "RUNNING"
    # Networks[]: exactly the docs example's fields for an IPv4 task
    [net] = c["Networks"]
    assert set(net) == set(DOCS["Containers"][0]["Networks"][0])
    assert net["NetworkMode"] == "awsvpc" and net["AttachmentIndex"] == 0
    assert net["IPv4Addresses"] == [d["privateIPv4Address"]]
    assert net["MACAddress"] == d["macAddress"]
    assert net["IPv4SubnetCIDRBlock"] == "172.31.32.0/20"
    assert net["SubnetGatewayIpv4Address"] == "172.31.32.1/20"
    assert net["DomainNameServers"] == ["172.31.0.2"]
    assert net["DomainNameSearchList"] == [suffix(region)]
    assert net["PrivateDNSName"] == d["privateDnsName"] == private_dns(d["privateIPv4Address"], region)


def test_n61_secondary_cidr_subnet_and_lifecycle(fresh, aws, server):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, _ = make_vpc(ec2, cidr="10.0.0.0/16", subnets=())
    ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.1.0.0/16")
    sub = ec2.create_subnet(VpcId=vid, CidrBlock="10.1.5.0/24")["Subnet"]
    setup_cluster(ecs)
    td = register(ecs, cpu="1024", memory="3072")["taskDefinitionArn"]
    arn = run_one(ecs, "c1", td, [sub], tags=[{"key": "team", "value": "net"}])["taskArn"]
    # right after RunTask the document is already there (the task may have moved on by now)
    status, doc = metadata(server, arn)
    assert status == 200 and doc["TaskARN"] == arn and doc["DesiredStatus"] == "RUNNING"
    assert doc["KnownStatus"] in ("PENDING", "RUNNING")
    # no network until the ENI exists, then the ENI's
    assert len(doc["Containers"][0]["Networks"]) <= 1
    t = wait_status(ecs, "c1", arn, "RUNNING")
    status, doc = metadata(server, arn)
    assert status == 200 and doc["KnownStatus"] == "RUNNING"
    [net] = doc["Containers"][0]["Networks"]
    assert net["IPv4Addresses"] == [details(t)["privateIPv4Address"]]
    assert net["IPv4SubnetCIDRBlock"] == "10.1.5.0/24"
    assert net["SubnetGatewayIpv4Address"] == "10.1.5.1/24"
    assert net["DomainNameServers"] == ["10.0.0.2"]  # the primary CIDR's base + 2
    assert ipaddress.IPv4Address(net["IPv4Addresses"][0]) in ipaddress.IPv4Network("10.1.5.0/24")
    assert doc["Limits"] == {"CPU": 1.0, "Memory": 3072}
    assert doc["TaskTags"] == {"team": "net"}
    ecs.stop_task(cluster="c1", task=arn)
    wait_status(ecs, "c1", arn, "STOPPED")
    status, doc = metadata(server, arn)
    assert status == 200
    assert doc["KnownStatus"] == "STOPPED" and doc["DesiredStatus"] == "STOPPED"
    assert "ExecutionStoppedAt" in doc
    # unknown task
    status, _ = http_request(f"{server.url}/_tasknet/tasks/{'0' * 32}/metadata")
    assert status == 404


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_n17_dhcp_options_snapshot_at_launch(fresh, aws, server, region):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    vid, subs = make_vpc(ec2, cidr="10.20.0.0/16", subnets=("10.20.1.0/24",))
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    before = wait_status(ecs, "c1", run_one(ecs, "c1", td, subs)["taskArn"], "RUNNING")
    net0 = metadata(server, before["taskArn"])[1]["Containers"][0]["Networks"][0]
    assert net0["DomainNameServers"] == ["10.20.0.2"]
    assert net0["DomainNameSearchList"] == [suffix(region)]
    old_set = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["DhcpOptionsId"]
    new_set = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["10.20.0.53", "AmazonProvidedDNS"]},
        {"Key": "domain-name", "Values": ["corp.example.com"]},
    ])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=new_set, VpcId=vid)
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["DhcpOptionsId"] == new_set
    # the running task keeps what it got at launch
    net = metadata(server, before["taskArn"])[1]["Containers"][0]["Networks"][0]
    assert net["DomainNameServers"] == net0["DomainNameServers"]
    assert net["DomainNameSearchList"] == net0["DomainNameSearchList"]
    # a task launched after the change gets the new set
    after = wait_status(ecs, "c1", run_one(ecs, "c1", td, subs)["taskArn"], "RUNNING")
    net1 = metadata(server, after["taskArn"])[1]["Containers"][0]["Networks"][0]
    assert net1["DomainNameServers"] == ["10.20.0.53", "10.20.0.2"]
    assert net1["DomainNameSearchList"] == ["corp.example.com"]
    # replacing it again (and deleting the set the first task was launched with, if
    # it is a custom one) changes neither running task
    third = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["10.20.9.9"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=third, VpcId=vid)
    ec2.delete_dhcp_options(DhcpOptionsId=new_set)
    assert metadata(server, after["taskArn"])[1]["Containers"][0]["Networks"][0]["DomainNameServers"] == \
        ["10.20.0.53", "10.20.0.2"]
    assert metadata(server, before["taskArn"])[1]["Containers"][0]["Networks"][0]["DomainNameServers"] == \
        ["10.20.0.2"]
    # the VPC had the Region's default set before
    assert old_set.startswith("dopt-") and old_set not in (new_set, third)
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["DhcpOptionsId"] == third
