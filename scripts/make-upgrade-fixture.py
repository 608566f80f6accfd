#!/usr/bin/env python3
"""Build an upgrade fixture: a data directory written by a given tasknet
release, plus what that release answered about it.

    scripts/make-upgrade-fixture.py --binary path/to/old/tasknet --out tests/fixtures/upgrade/<name>

It starts the binary on a fresh data directory, builds a network with most
kinds of record tasknet stores (VPCs with IPv4 and IPv6 blocks, subnets, gateways,
Elastic IPs, a NAT gateway, route tables, security groups and rules, network
ACL entries, DHCP options, VPC endpoints, a user ENI, ECS clusters, task
definitions, running and stopped tasks, account settings, IAM roles, tags), records the Describe answers in `answers.json`, stops the
server (SIGTERM, so the state is flushed) and keeps `tasknet.db`. The
upgrade tests load the directory with the current build and check that
every recorded answer still holds (`tests/e2e/test_upgrade.py`,
`crates/control/tests/upgrade.rs`).
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import boto3
from botocore.config import Config


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_healthy(url: str) -> None:
    for _ in range(300):
        try:
            with urllib.request.urlopen(f"{url}/_tasknet/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit("tasknet did not become healthy")


def clients(url: str, key: str = "test"):
    cfg = Config(retries={"total_max_attempts": 1})
    kw = dict(endpoint_url=url, region_name="us-east-1", aws_access_key_id=key,
              aws_secret_access_key="test", config=cfg)
    return boto3.client("ec2", **kw), boto3.client("ecs", **kw), boto3.client("iam", **kw)


def strip_meta(d: dict) -> dict:
    d = dict(d)
    d.pop("ResponseMetadata", None)
    return d


def build(url: str) -> dict:
    ec2, ecs, iam = clients(url)
    ec2.modify_vpc_attribute  # noqa: B018 (client sanity)
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", AmazonProvidedIpv6CidrBlock=True,
                         TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "fixture"}]}])["Vpc"]
    vid = vpc["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.21.0.0/16")
    v6 = None
    for _ in range(50):
        v = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]
        blocks = v.get("Ipv6CidrBlockAssociationSet", [])
        if blocks:
            v6 = blocks[0]["Ipv6CidrBlock"]
            break
        time.sleep(0.05)
    first64 = str(next(ipaddress.ip_network(v6).subnets(new_prefix=64)))
    pub = ec2.create_subnet(VpcId=vid, CidrBlock="10.20.0.0/24", AvailabilityZone="us-east-1a",
                            Ipv6CidrBlock=first64)["Subnet"]["SubnetId"]
    priv = ec2.create_subnet(VpcId=vid, CidrBlock="10.20.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    ec2.modify_subnet_attribute(SubnetId=pub, AssignIpv6AddressOnCreation={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vid)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    pub_rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=pub_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.create_route(RouteTableId=pub_rt, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    ec2.associate_route_table(RouteTableId=pub_rt, SubnetId=pub)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=pub, AllocationId=eip)["NatGateway"]["NatGatewayId"]
    priv_rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=priv_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.associate_route_table(RouteTableId=priv_rt, SubnetId=priv)
    sg = ec2.create_security_group(VpcId=vid, GroupName="web", Description="web tier")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.20.0.0/16"}]},
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": sg}]}])
    acl = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow",
                                 Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name", "Values": ["corp.example"]},
        {"Key": "domain-name-servers", "Values": ["AmazonProvidedDNS"]}])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vid)
    ep_sg = ec2.create_security_group(VpcId=vid, GroupName="endpoints", Description="endpoints")["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=ep_sg, IpProtocol="tcp", FromPort=443, ToPort=443,
                                         CidrIp="10.20.0.0/16")
    vpce = ec2.create_vpc_endpoint(VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.logs",
                                   SubnetIds=[priv], SecurityGroupIds=[ep_sg], PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
    s3ep = ec2.create_vpc_endpoint(VpcId=vid, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
                                   RouteTableIds=[priv_rt])["VpcEndpoint"]["VpcEndpointId"]
    eni = ec2.create_network_interface(SubnetId=priv, Description="user eni", Groups=[sg])["NetworkInterface"]["NetworkInterfaceId"]
    ec2.create_tags(Resources=[eni, sg], Tags=[{"Key": "team", "Value": "net"}])

    iam.create_role(RoleName="ecsTaskExecutionRole", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
                                                "Action": "sts:AssumeRole"}]}))
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    ecs.create_cluster(clusterName="fixture", tags=[{"key": "env", "value": "test"}])
    td = ecs.register_task_definition(
        family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        executionRoleArn="arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
        containerDefinitions=[{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "essential": True,
                               "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                               "environment": [{"name": "MODE", "value": "fixture"}],
                               "logConfiguration": {"logDriver": "awslogs", "options": {
                                   "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1",
                                   "awslogs-stream-prefix": "web"}}}],
        tags=[{"key": "app", "value": "web"}])["taskDefinition"]["taskDefinitionArn"]
    ecs.register_task_definition(family="web", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                                 cpu="512", memory="1024",
                                 containerDefinitions=[{"name": "web", "image": "nginx:1.27"}])
    ecs.register_task_definition(family="batch", containerDefinitions=[{"name": "job", "image": "busybox", "memory": 128}])
    net = {"awsvpcConfiguration": {"subnets": [pub], "securityGroups": [sg], "assignPublicIp": "ENABLED"}}
    running = [t["taskArn"] for t in ecs.run_task(cluster="fixture", taskDefinition=td, launchType="FARGATE",
                                                    count=2, networkConfiguration=net,
                                                    tags=[{"key": "run", "value": "1"}])["tasks"]]
    stopped = ecs.run_task(cluster="fixture", taskDefinition="web:2", launchType="FARGATE",
                           networkConfiguration=net)["tasks"][0]["taskArn"]
    deadline = time.time() + 20
    while time.time() < deadline:
        ts = ecs.describe_tasks(cluster="fixture", tasks=running + [stopped])["tasks"]
        if all(t["lastStatus"] == "RUNNING" for t in ts):
            break
        time.sleep(0.1)
    ecs.stop_task(cluster="fixture", task=stopped, reason="fixture stop")
    while time.time() < deadline:
        if ecs.describe_tasks(cluster="fixture", tasks=[stopped])["tasks"][0]["lastStatus"] == "STOPPED":
            break
        time.sleep(0.1)

    answers = {
        "ids": {"vpc": vid, "public_subnet": pub, "private_subnet": priv, "igw": igw, "eigw": eigw,
                "nat": nat, "eip": eip, "public_route_table": pub_rt, "private_route_table": priv_rt,
                "sg": sg, "acl": acl, "dhcp": dopt, "interface_endpoint": vpce, "s3_endpoint": s3ep,
                "eni": eni, "running": running, "stopped": stopped},
        "ec2": {
            "describe_vpcs": strip_meta(ec2.describe_vpcs(VpcIds=[vid])),
            "describe_subnets": strip_meta(ec2.describe_subnets(SubnetIds=[pub, priv])),
            "describe_route_tables": strip_meta(ec2.describe_route_tables(RouteTableIds=[pub_rt, priv_rt])),
            "describe_security_groups": strip_meta(ec2.describe_security_groups(GroupIds=[sg, ep_sg])),
            "describe_network_acls": strip_meta(ec2.describe_network_acls(NetworkAclIds=[acl])),
            "describe_nat_gateways": strip_meta(ec2.describe_nat_gateways(NatGatewayIds=[nat])),
            "describe_addresses": strip_meta(ec2.describe_addresses(AllocationIds=[eip])),
            "describe_vpc_endpoints": strip_meta(ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce, s3ep])),
            "describe_dhcp_options": strip_meta(ec2.describe_dhcp_options(DhcpOptionsIds=[dopt])),
            "describe_network_interfaces": strip_meta(ec2.describe_network_interfaces(
                Filters=[{"Name": "vpc-id", "Values": [vid]}])),
            "describe_internet_gateways": strip_meta(ec2.describe_internet_gateways(InternetGatewayIds=[igw])),
            "describe_egress_only_internet_gateways": strip_meta(
                ec2.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[eigw])),
        },
        "ecs": {
            "describe_clusters": strip_meta(ecs.describe_clusters(clusters=["fixture"], include=["TAGS"])),
            "describe_task_definition_1": strip_meta(ecs.describe_task_definition(taskDefinition="web:1", include=["TAGS"])),
            "describe_task_definition_2": strip_meta(ecs.describe_task_definition(taskDefinition="web:2")),
            "describe_task_definition_batch": strip_meta(ecs.describe_task_definition(taskDefinition="batch:1")),
            "describe_tasks": strip_meta(ecs.describe_tasks(cluster="fixture", tasks=running + [stopped], include=["TAGS"])),
            "list_account_settings": strip_meta(ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True)),
        },
        "iam": {"get_role": strip_meta(iam.get_role(RoleName="ecsTaskExecutionRole"))},
    }
    return answers


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", required=True, help="the tasknet release that writes the fixture")
    ap.add_argument("--out", required=True, help="directory for tasknet.db and answers.json")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="tasknet-fixture-"))
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("TASKNET_")}
    proc = subprocess.Popen([args.binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", str(data)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(url)
        answers = build(url)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    version = subprocess.run([args.binary, "--version"], capture_output=True, text=True).stdout.strip()
    answers["written_by"] = version
    (out / "answers.json").write_text(json.dumps(answers, indent=1, sort_keys=True, default=str) + "\n")
    for name in os.listdir(data):
        if name.startswith("tasknet.db"):
            shutil.copy(data / name, out / name)
    print(f"fixture in {out}: {sorted(os.listdir(out))}", file=sys.stderr)
    shutil.rmtree(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
