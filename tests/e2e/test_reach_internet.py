"""Reachability over the internet paths (issue 4: N40 items 1–2, N41, N43):
private subnets without a way out, NAT gateways in public and private
subnets, public subnets with and without a public IP, Docker Hub images."""

import ipaddress

import pytest

from ecs_support import ACCOUNT, EXEC_ROLE, setup_cluster
from reach_support import (APP, AUTH, EXEC, LAYERS, MANIFEST, TASK_ENI, TASK_ROLE, Net, assert_fails, assert_starts,
                           ecr_auth_reason, explain_task, hop, launch, manifest_reason, steps, taskdef, verdict)

NGINX = "nginx"


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-3"])
def test_private_subnet_without_nat_fails_ecr_auth(fresh, aws, region):
    """Scenario 1: PV 1.4.0, ECR image, private subnet, nothing else →
    AWS's ECR authorization reason with the Region's endpoint and the
    emulated address explain shows."""
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    net = Net(ec2)
    setup_cluster(ecs)
    image = f"{ACCOUNT}.dkr.ecr.{region}.amazonaws.com/app/web:1.2"
    td = taskdef(ecs, image=image)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert e["region"] == region and e["platform_version"] == "1.4.0"
    assert e["task_arn"] == t["taskArn"]
    auth = verdict(e, AUTH)
    assert auth["destination"] == f"api.ecr.{region}.amazonaws.com"
    addr = auth["address"]
    assert not ipaddress.IPv4Address(addr).is_private  # a public AWS address, not one in the VPC
    reason = ecr_auth_reason(f"api.ecr.{region}.amazonaws.com", addr)
    assert f'Post "https://api.ecr.{region}.amazonaws.com/": dial tcp {addr}:443: i/o timeout' in reason
    v = assert_fails(t, e, AUTH, "route", net.private_rt, reason=reason)
    assert v["container"] is None and v["subject"] == image
    assert steps(v) == ["dns", "security-group-egress"]
    assert hop(v, "security-group-egress")["resource"] == net.sg
    assert v["blocked"]["hop"]["note"] == f"no route to {addr}"
    fix = v["blocked"]["fix"]
    assert "NAT gateway" in fix and f"com.amazonaws.{region}.ecr.api" in fix
    # the network view is the task's ENI as launched
    n = e["network"]
    assert (n["vpc_id"], n["subnet_id"], n["mode"]) == (net.vpc, net.private, "IPv4")
    assert n["security_groups"] == [net.sg] and n["public_ipv4"] is None
    assert n["private_ipv4"] == {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["privateIPv4Address"]
    # the other needs are just as blocked, and application traffic is the task role's
    for label in (MANIFEST, LAYERS):
        w = verdict(e, label)
        assert (w["status"], w["eni"], w["role"], w["container"]) == ("unreachable", TASK_ENI, EXEC, "app")
        assert w["blocked"]["hop"] == {**w["blocked"]["hop"], "step": "route", "resource": net.private_rt}
    app = verdict(e, APP)
    assert (app["role"], app["eni"], app["status"], app["role_arn"]) == (TASK_ROLE, TASK_ENI, "not evaluated", None)


def test_nat_gateway_in_a_public_subnet_runs(fresh, aws):
    """Scenario 2: 0.0.0.0/0 → NAT gateway in the public subnet → RUNNING;
    every launch need goes task SG → route → NAT → IGW."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = net.nat(net.public)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    acl = ec2.describe_network_acls(Filters=[{"Name": "vpc-id", "Values": [net.vpc]}])["NetworkAcls"][0]["NetworkAclId"]
    eip = ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["NatGatewayAddresses"][0]["PublicIp"]
    for label in (AUTH, MANIFEST, LAYERS):
        v = verdict(e, label)
        assert (v["eni"], v["role"], v["status"], v["blocked"]) == (TASK_ENI, EXEC, "reachable", None)
        # task subnet out/in, NAT subnet in/out from the task, NAT subnet out/in to the internet
        assert steps(v) == ["dns", "security-group-egress", "route", "network-acl-out", "network-acl-in",
                            "network-acl-in", "network-acl-out", "network-acl-out", "network-acl-in",
                            "nat-gateway", "internet-gateway", "service"], v["path"]
        assert [h["note"].split(":")[0] for h in v["path"][3:9]] == [
            "task subnet", "task subnet", "NAT subnet from task", "NAT subnet reply to task", "NAT subnet",
            "NAT subnet"]
        assert hop(v, "route")["resource"] == net.private_rt
        assert hop(v, "route")["note"] == f"0.0.0.0/0 → {nat}"
        assert hop(v, "network-acl-out")["resource"] == acl
        assert hop(v, "nat-gateway")["resource"] == nat
        assert hop(v, "nat-gateway")["note"].endswith(f"to {eip}")
        assert hop(v, "internet-gateway")["resource"] == net.igw
        assert hop(v, "service")["resource"] == v["destination"]


def test_nat_gateway_in_a_private_subnet_fails(fresh, aws):
    """Scenario 3: the NAT gateway itself has no internet route."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    other = net.subnet("10.0.2.0/24")
    net.ec2.associate_route_table(RouteTableId=net.private_rt, SubnetId=other)
    nat = net.nat(other)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    addr = verdict(e, AUTH)["address"]
    v = assert_fails(t, e, AUTH, "nat-gateway", nat, fix_mentions=other,
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", addr))
    assert other in v["blocked"]["hop"]["note"] and "internet gateway" in v["blocked"]["hop"]["note"]
    assert "public subnet" in v["blocked"]["fix"]
    # moving the default route to a NAT gateway in the public subnet fixes it
    good = net.nat(net.public)
    ec2.replace_route(RouteTableId=net.private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=good)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    assert_starts(t, explain_task(fresh, "c1", t["taskArn"]))


def test_public_subnet_needs_assign_public_ip(fresh, aws):
    """Scenario 4: Docker Hub image in a subnet routing 0.0.0.0/0 → IGW:
    without a public IP the manifest request dies at the internet gateway;
    with assignPublicIp it runs."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    td = taskdef(ecs, image=NGINX)
    t = launch(ecs, "c1", td, net.public, public="DISABLED")
    e = explain_task(fresh, "c1", t["taskArn"])
    # no ECR authorization for a Docker Hub image
    assert [v["traffic"] for v in e["verdicts"]] == [MANIFEST, LAYERS, APP]
    m = verdict(e, MANIFEST)
    assert (m["destination"], m["address"]) == ("registry-1.docker.io", "34.205.13.154")
    reason = manifest_reason("docker.io/library/nginx:latest", "registry-1.docker.io", "library/nginx", "latest",
                             "34.205.13.154")
    assert reason == ("CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve "
                      "ref docker.io/library/nginx:latest: failed to do request: Head "
                      "\"https://registry-1.docker.io/v2/library/nginx/manifests/latest\": dial tcp "
                      "34.205.13.154:443: i/o timeout")
    v = assert_fails(t, e, MANIFEST, "internet-gateway", net.igw, fix_mentions="assignPublicIp=ENABLED",
                     reason=reason)
    assert "no public IPv4 address" in v["blocked"]["hop"]["note"]
    assert e["network"]["public_ipv4"] is None
    # the same with a public IP
    t = launch(ecs, "c1", td, net.public, public="ENABLED")
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    pub = e["network"]["public_ipv4"]
    assert not ipaddress.IPv4Address(pub).is_private
    # it is the running task's public IP, on its ENI
    eni_id = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["networkInterfaceId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert eni["Association"]["PublicIp"] == pub
    for label in (MANIFEST, LAYERS):
        v = verdict(e, label)
        assert steps(v) == ["dns", "security-group-egress", "route", "network-acl-out", "network-acl-in",
                            "internet-gateway", "service"]
        assert hop(v, "route")["resource"] == net.public_rt
        assert hop(v, "internet-gateway") == {"step": "internet-gateway", "resource": net.igw,
                                              "note": f"to the internet as public IP {pub}"}
    assert verdict(e, LAYERS)["destination"] == "production.cloudflare.docker.com"


def test_public_ip_in_a_private_subnet_does_not_help(fresh, aws):
    """N12/N40: a public IP is given even where it is useless."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs, image=NGINX), net.private, public="ENABLED")
    e = explain_task(fresh, "c1", t["taskArn"])
    # the task had a public IP (N12) even though it could not use it
    assert not ipaddress.IPv4Address(e["network"]["public_ipv4"]).is_private
    assert_fails(t, e, MANIFEST, "route", net.private_rt, fix_mentions="NAT gateway",
                 reason=manifest_reason("docker.io/library/nginx:latest", "registry-1.docker.io", "library/nginx",
                                        "latest", "34.205.13.154"))


def test_docker_hub_through_nat_runs(fresh, aws):
    """Scenario 12: Docker Hub image from a private subnet through a NAT gateway."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = net.nat(net.public)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    setup_cluster(ecs)
    # a task definition without an execution role is fine for a public image
    td = ecs.register_task_definition(
        family="hub", requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512",
        containerDefinitions=[{"name": "app", "image": "nginx:1.27", "essential": True}],
    )["taskDefinition"]["taskDefinitionArn"]
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert t["lastStatus"] == "RUNNING" and e["outcome"] == "starts"
    m = verdict(e, MANIFEST)
    assert m["subject"] == "nginx:1.27" and m["role_arn"] is None and m["role"] == EXEC
    assert [h["resource"] for h in m["path"] if h["step"] in ("nat-gateway", "internet-gateway")] == [nat, net.igw]
    assert verdict(e, LAYERS)["status"] == "reachable"
    assert EXEC_ROLE not in str(e)
