#!/usr/bin/env python3
"""Capture seed inputs for the fuzz targets from real boto3 requests.

    scripts/fuzz-capture.py TASKNET_BINARY

Starts tasknet on a free port with a fresh data directory, makes a few
dozen EC2, ECS, IAM, STS and ELBv2 calls with boto3 (what the AWS CLI
uses too), and writes each request as botocore sent it (method, path and
query, headers, body) into fuzz/corpus/: whole requests in the text form
of crates/fuzz-targets/src/request.rs for `routing` and `sigv4_scope`,
form bodies for `query_params`, JSON bodies for `json_input`. The default
VPC's resource ids become the routing target's placeholders (`{vpc}`,
`{subnet}`, ...), so the seeds act on resources the harness has.
Failing calls are kept too: their requests are as good as seeds.
"""
import hashlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

import boto3
import botocore.config

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "fuzz" / "corpus"
captured = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def record(request, **_):
    url = urllib.parse.urlsplit(request.url)
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode()
    elif not isinstance(body, bytes):
        body = body.read() if hasattr(body, "read") else bytes(body)
    headers = {k.lower(): (v.decode() if isinstance(v, bytes) else v) for k, v in request.headers.items()}
    captured.append((request.method, url.path or "/", url.query, headers, body))


def main():
    binary = sys.argv[1]
    data = tempfile.mkdtemp(prefix="fuzz-capture-")
    port = free_port()
    proc = subprocess.Popen([binary, "serve", "--listen", f"127.0.0.1:{port}", "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(endpoint + "/_tasknet/health", timeout=1)
                break
            except Exception:
                time.sleep(0.1)
        calls(endpoint)
    finally:
        proc.terminate()
        proc.wait()
        shutil.rmtree(data, ignore_errors=True)


def calls(endpoint):
    session = boto3.session.Session(aws_access_key_id="test", aws_secret_access_key="test",
                                    region_name="us-east-1")
    cfg = botocore.config.Config(retries={"max_attempts": 1})
    client = lambda s: session.client(s, endpoint_url=endpoint, config=cfg)
    ec2, ecs, iam, sts, elb = (client(s) for s in ("ec2", "ecs", "iam", "sts", "elbv2"))
    # The default resources first, without recording, for the placeholders.
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["Subnets"]]
    sg = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["SecurityGroups"][0]["GroupId"]
    igw = ec2.describe_internet_gateways()["InternetGateways"][0]["InternetGatewayId"]
    rtb = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["RouteTables"][0]["RouteTableId"]
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [vpc]}])["NetworkAcls"][0]["NetworkAclId"]
    places = {vpc: "{vpc}", subnets[0]: "{subnet}", subnets[1]: "{subnet2}", sg: "{sg}", igw: "{igw}",
              rtb: "{rtb}", acl: "{acl}"}
    for c in (ec2, ecs, iam, sts, elb):
        c.meta.events.register("before-send", record)

    def attempt(f, *a, **k):
        try:
            return f(*a, **k)
        except Exception:
            return None

    # EC2
    attempt(ec2.describe_vpcs)
    attempt(ec2.describe_subnets, Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                           {"Name": "availability-zone", "Values": ["us-east-1a", "us-east-1b"]}])
    attempt(ec2.describe_availability_zones)
    attempt(ec2.describe_security_groups, GroupIds=[sg])
    v = attempt(ec2.create_vpc, CidrBlock="10.0.0.0/16",
                TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "fuzz"}]}])
    nv = v["Vpc"]["VpcId"] if v else vpc
    attempt(ec2.modify_vpc_attribute, VpcId=nv, EnableDnsHostnames={"Value": True})
    s = attempt(ec2.create_subnet, VpcId=nv, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")
    attempt(ec2.create_subnet, VpcId=vpc, CidrBlock="172.31.200.0/24", Ipv6Native=False)
    attempt(ec2.create_security_group, GroupName="web", Description="web", VpcId=vpc)
    attempt(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16", "Description": "x"}],
         "UserIdGroupPairs": [{"GroupId": sg}]}])
    attempt(ec2.authorize_security_group_egress, GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    attempt(ec2.create_tags, Resources=[vpc, sg], Tags=[{"Key": "env", "Value": "fuzz"}, {"Key": "aws:x", "Value": "y"}])
    attempt(ec2.describe_tags, Filters=[{"Name": "resource-id", "Values": [vpc]}])
    attempt(ec2.create_route_table, VpcId=vpc)
    attempt(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    attempt(ec2.create_route, RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    attempt(ec2.allocate_address, Domain="vpc")
    attempt(ec2.create_network_interface, SubnetId=subnets[0], Groups=[sg], SecondaryPrivateIpAddressCount=2)
    attempt(ec2.describe_network_interfaces, MaxResults=5)
    attempt(ec2.create_network_acl_entry, NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny",
            Egress=False, CidrBlock="0.0.0.0/0", PortRange={"From": 22, "To": 22})
    attempt(ec2.create_vpc_endpoint, VpcId=vpc, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.logs",
            SubnetIds=[subnets[0]], SecurityGroupIds=[sg], PrivateDnsEnabled=True)
    attempt(ec2.create_vpc_endpoint, VpcId=vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
            RouteTableIds=[rtb])
    attempt(ec2.describe_prefix_lists)
    attempt(ec2.create_nat_gateway, SubnetId=subnets[0], AllocationId="eipalloc-00000000000000000")
    attempt(ec2.describe_vpcs, DryRun=True)
    attempt(ec2.run_instances, ImageId="ami-1", MinCount=1, MaxCount=1)
    attempt(ec2.create_managed_prefix_list, PrefixListName="pl", MaxEntries=5, AddressFamily="IPv4",
            Entries=[{"Cidr": "10.1.0.0/16", "Description": "d"}])
    attempt(ec2.delete_vpc, VpcId=nv)

    # ECS
    attempt(ecs.create_cluster, clusterName="c1", tags=[{"key": "k", "value": "v"}],
            settings=[{"name": "containerInsights", "value": "enabled"}])
    td = attempt(ecs.register_task_definition, family="app", networkMode="awsvpc", requiresCompatibilities=["FARGATE"],
                 cpu="512", memory="1024", executionRoleArn="arn:aws:iam::123456789012:role/ecsTaskExecutionRole",
                 runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
                 containerDefinitions=[{
                     "name": "app", "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1", "essential": True,
                     "portMappings": [{"containerPort": 8080, "protocol": "tcp"}],
                     "environment": [{"name": "A", "value": "1"}],
                     "secrets": [{"name": "S", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/p"}],
                     "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g", "awslogs-region": "us-east-1",
                                                                               "awslogs-stream-prefix": "app"}},
                     "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30, "retries": 3},
                     "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
                     "dockerLabels": {"a": "b"}, "linuxParameters": {"initProcessEnabled": True}}],
                 volumes=[{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryption": "ENABLED"}}],
                 ephemeralStorage={"sizeInGiB": 30}, tags=[{"key": "t", "value": "v"}])
    attempt(ecs.register_task_definition, family="bad", containerDefinitions=[{"name": "x", "image": "x", "memory": 4}],
            cpu="3", memory="1")
    r = attempt(ecs.run_task, cluster="fuzz", taskDefinition="web", launchType="FARGATE", count=2,
                networkConfiguration={"awsvpcConfiguration": {"subnets": [subnets[0], subnets[1]], "securityGroups": [sg],
                                                              "assignPublicIp": "ENABLED"}},
                overrides={"containerOverrides": [{"name": "web", "command": ["sh"], "environment": [{"name": "X", "value": "y"}],
                                                   "cpu": 128}], "cpu": "512", "memory": "1024"},
                tags=[{"key": "k", "value": "v"}], enableECSManagedTags=True, propagateTags="TASK_DEFINITION",
                platformVersion="1.4.0", startedBy="fuzz")
    attempt(ecs.run_task, cluster="fuzz", taskDefinition="web", capacityProviderStrategy=[{"capacityProvider": "FARGATE_SPOT", "weight": 1}],
            networkConfiguration={"awsvpcConfiguration": {"subnets": ["subnet-bogus"]}})
    attempt(ecs.describe_tasks, cluster="fuzz", tasks=["{task}", "0123456789abcdef0123456789abcdef"], include=["TAGS"])
    attempt(ecs.list_tasks, cluster="fuzz", desiredStatus="RUNNING", maxResults=10)
    attempt(ecs.stop_task, cluster="fuzz", task="{task}", reason="fuzz")
    attempt(ecs.describe_clusters, clusters=["fuzz", "c1", "missing"], include=["SETTINGS", "TAGS"])
    attempt(ecs.list_clusters, maxResults=1)
    attempt(ecs.list_task_definitions, familyPrefix="web", sort="DESC")
    attempt(ecs.describe_task_definition, taskDefinition="web:1", include=["TAGS"])
    attempt(ecs.deregister_task_definition, taskDefinition="app:1")
    attempt(ecs.delete_task_definitions, taskDefinitions=["app:1"])
    attempt(ecs.put_account_setting, name="dualStackIPv6", value="enabled")
    attempt(ecs.put_account_setting_default, name="awsvpcTrunking", value="disabled")
    attempt(ecs.list_account_settings, effectiveSettings=True, name="dualStackIPv6")
    attempt(ecs.tag_resource, resourceArn="arn:aws:ecs:us-east-1:123456789012:cluster/fuzz", tags=[{"key": "a", "value": "b"}])
    attempt(ecs.untag_resource, resourceArn="arn:aws:ecs:us-east-1:123456789012:cluster/fuzz", tagKeys=["a"])
    attempt(ecs.list_tags_for_resource, resourceArn="arn:aws:ecs:us-east-1:123456789012:cluster/fuzz")
    attempt(ecs.update_cluster_settings, cluster="fuzz", settings=[{"name": "containerInsights", "value": "disabled"}])
    attempt(ecs.put_cluster_capacity_providers, cluster="fuzz", capacityProviders=["FARGATE"],
            defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 1}])
    attempt(ecs.create_service, cluster="fuzz", serviceName="s", taskDefinition="web")
    attempt(ecs.delete_cluster, cluster="c1")

    # IAM and STS
    attempt(iam.create_role, RoleName="r1", AssumeRolePolicyDocument='{"Version":"2012-10-17","Statement":[]}',
            Tags=[{"Key": "k", "Value": "v"}], MaxSessionDuration=3600, Path="/svc/")
    attempt(iam.get_role, RoleName="fuzz-role")
    attempt(iam.list_roles, PathPrefix="/", MaxItems=1)
    attempt(iam.create_service_linked_role, AWSServiceName="ecs.amazonaws.com")
    attempt(iam.create_user, UserName="u1")
    attempt(iam.create_access_key, UserName="u1")
    attempt(iam.list_users)
    attempt(iam.delete_role, RoleName="r1")
    attempt(sts.get_caller_identity)

    # ELBv2
    attempt(elb.create_target_group, Name="tg2", Protocol="HTTP", Port=8080, VpcId=vpc, TargetType="ip",
            HealthCheckPath="/health", HealthCheckIntervalSeconds=10, Matcher={"HttpCode": "200-299"})
    attempt(elb.create_load_balancer, Name="lb2", Subnets=[subnets[0], subnets[1]], SecurityGroups=[sg],
            Scheme="internet-facing", Type="application", IpAddressType="ipv4", Tags=[{"Key": "k", "Value": "v"}])
    attempt(elb.create_listener, LoadBalancerArn="{lb}", Protocol="HTTP", Port=8080,
            DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}])
    attempt(elb.create_rule, ListenerArn="{listener}", Priority=10,
            Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
            Actions=[{"Type": "forward", "TargetGroupArn": "{tg}"}])
    attempt(elb.register_targets, TargetGroupArn="{tg}", Targets=[{"Id": "172.31.0.10", "Port": 80}])
    attempt(elb.describe_target_health, TargetGroupArn="{tg}")
    attempt(elb.modify_target_group_attributes, TargetGroupArn="{tg}",
            Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    attempt(elb.describe_load_balancers, Names=["fuzz-lb"])
    attempt(elb.add_tags, ResourceArns=["{lb}"], Tags=[{"Key": "a", "Value": "b"}])
    attempt(elb.describe_tags, ResourceArns=["{lb}", "{tg}"])
    attempt(elb.describe_rules, ListenerArn="{listener}")
    attempt(elb.set_security_groups, LoadBalancerArn="{lb}", SecurityGroups=[sg])

    # A presigned URL (the credentials in the query string).
    url = sts.generate_presigned_url("get_caller_identity")
    u = urllib.parse.urlsplit(url)
    captured.append(("GET", u.path or "/", u.query, {"host": u.netloc}, b""))

    write(places)


def write(places):
    def sub(text: bytes) -> bytes:
        for real, ph in places.items():
            text = text.replace(real.encode(), ph.encode())
            text = text.replace(urllib.parse.quote(real, safe="").encode(), ph.encode())
        for ph in ("task", "lb", "tg", "listener"):
            text = text.replace(b"%7B" + ph.encode() + b"%7D", b"{" + ph.encode() + b"}")
        return text

    for t in ("routing", "sigv4_scope", "query_params", "json_input"):
        (CORPUS / t).mkdir(parents=True, exist_ok=True)
    for method, path, query, headers, body in captured:
        head = f"{method} {path}" + (f"?{query}" if query else "") + "\n"
        head += "".join(f"{k}: {v}\n" for k, v in headers.items())
        whole = sub(head.encode() + b"\n" + body)
        target = headers.get("x-amz-target", "")
        if target:
            name = target.split(".")[-1]
        else:
            form = urllib.parse.parse_qs(body.decode() if body else query)
            name = form.get("Action", ["request"])[0]
        h = hashlib.sha1(whole).hexdigest()[:8]
        (CORPUS / "routing" / f"{name}-{h}").write_bytes(whole)
        (CORPUS / "sigv4_scope" / f"{name}-{h}").write_bytes(sub(head.encode()))
        if target and body:
            (CORPUS / "json_input" / f"{name}-{h}").write_bytes(sub(body))
        elif body or query:
            (CORPUS / "query_params" / f"{name}-{h}").write_bytes(sub(body or query.encode()))
    print(f"captured {len(captured)} requests")


if __name__ == "__main__":
    main()
