"""Reachability for IPv6-only and dual-stack tasks (issue 4: N40 item 4 and
the IPv6 paragraph, N41, N43): dual-stack ECR endpoints through an
egress-only internet gateway, DNS64 + NAT64 for IPv4-only services, and the
IPv4 default route dual-stack tasks still need."""

import ipaddress

from ecs_support import setup_cluster
from reach_support import (APP, ASM, AUTH, LAYERS, MANIFEST, SECRET_ARN, Net, asm_reason, assert_fails,
                           assert_starts, ecr_auth_reason, explain_task, hop, launch, steps, taskdef, verdict)

ACCOUNT = "123456789012"
# The same repository by its dual-stack URI (N40: IPv6-only tasks must use it).
DUAL_IMAGE = f"{ACCOUNT}.dkr-ecr.us-east-1.on.aws/app/web:1.2"


def v6_net(ec2):
    """A dual-stack VPC whose private route table sends ::/0 to an
    egress-only internet gateway, plus an IPv6-only subnet on that table."""
    net = Net(ec2, ipv6=True)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=net.vpc)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"]
    net.route(net.private_rt, "::/0", EgressOnlyInternetGatewayId=eigw)
    only = net.subnet(v6_index=5, ipv6_native=True)
    ec2.associate_route_table(RouteTableId=net.private_rt, SubnetId=only)
    return net, eigw, only


def test_ipv6_only_task_ecr_through_dual_stack_endpoints_and_secrets_through_nat64(fresh, aws):
    """Scenario 13."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net, eigw, only = v6_net(ec2)
    setup_cluster(ecs)
    # IPv6-only needs no dualStackIPv6 setting (N14): it stays disabled here
    eff = ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True)["settings"]
    assert [s["value"] for s in eff] == ["disabled"]
    # ECR alone, by its dual-stack image URI: the dual-stack ECR endpoints
    # over the egress-only gateway
    t = launch(ecs, "c1", taskdef(ecs, image=DUAL_IMAGE, family="plain"), only)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    n = e["network"]
    assert n["mode"] == "IPv6-only" and n["private_ipv4"] is None and n["public_ipv4"] is None
    assert ipaddress.IPv6Address(n["ipv6"]) in ipaddress.IPv6Network(net.v6_block(5))
    auth, man, layers = verdict(e, AUTH), verdict(e, MANIFEST), verdict(e, LAYERS)
    assert auth["destination"] == "ecr.us-east-1.api.aws"
    assert man["destination"] == f"{ACCOUNT}.dkr-ecr.us-east-1.on.aws"
    assert layers["destination"] == "prod-us-east-1-starport-layer-bucket.s3.dualstack.us-east-1.amazonaws.com"
    for v in (auth, man, layers):
        assert ipaddress.ip_address(v["address"]).version == 6
        assert steps(v) == ["dns", "security-group-egress", "route", "network-acl-out", "network-acl-in",
                            "egress-only-internet-gateway", "service"]
        assert hop(v, "route")["note"] == f"::/0 → {eigw}"
        assert hop(v, "egress-only-internet-gateway")["resource"] == eigw
    # a Secrets Manager secret: IPv4-only service, DNS64 off
    td = taskdef(ecs, image=DUAL_IMAGE, secrets=[{"name": "DB", "valueFrom": SECRET_ARN}])
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, ASM, "dns64", only, fix_mentions=f"--subnet-id {only} --enable-dns64",
                     reason=asm_reason(SECRET_ARN))
    assert "64:ff9b::/96" in v["blocked"]["fix"] and "NAT gateway" in v["blocked"]["fix"]
    assert v["destination"] == "secretsmanager.us-east-1.amazonaws.com"
    assert verdict(e, AUTH)["status"] == "reachable"
    # DNS64 on, but 64:ff9b::/96 still goes to the egress-only gateway (::/0)
    ec2.modify_subnet_attribute(SubnetId=only, EnableDns64={"Value": True})
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, ASM, "route", net.private_rt, fix_mentions="64:ff9b::/96", reason=asm_reason(SECRET_ARN))
    addr = ipaddress.IPv6Address(v["address"])
    assert addr in ipaddress.IPv6Network("64:ff9b::/96")
    assert hop(v, "dns64")["resource"] == only and "DNS64 answers" in hop(v, "dns64")["note"]
    assert "DNS64 address" in v["blocked"]["hop"]["note"]
    # 64:ff9b::/96 → a public NAT gateway in a public subnet (NAT64)
    nat = net.nat(net.public)
    net.route(net.private_rt, "64:ff9b::/96", NatGatewayId=nat)
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    v = verdict(e, ASM)
    assert hop(v, "route")["note"] == f"64:ff9b::/96 → {nat}"
    assert "NAT64" in hop(v, "nat-gateway")["note"] and hop(v, "nat-gateway")["resource"] == nat
    assert hop(v, "internet-gateway")["resource"] == net.igw
    # the NAT64 address embeds the service's IPv4 address
    v4 = ipaddress.IPv4Address(int(ipaddress.IPv6Address(v["address"])) & 0xffffffff)
    assert f"has only IPv4 {v4}" in hop(v, "dns64")["note"]
    assert verdict(e, APP)["status"] == "not evaluated"


def test_ipv6_only_task_with_a_classic_ecr_uri_needs_dns64_and_nat64(fresh, aws):
    """N40: classic ECR hosts (`<acct>.dkr.ecr.<region>.amazonaws.com`,
    `api.ecr.<region>.amazonaws.com`) are IPv4-only; an IPv6-only task reaches
    them only through DNS64 + NAT64, and explain names the dual-stack URI."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net, eigw, only = v6_net(ec2)
    setup_cluster(ecs)
    td = taskdef(ecs, family="classic")
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    auth = verdict(e, AUTH)
    assert auth["destination"] == "api.ecr.us-east-1.amazonaws.com"
    v = assert_fails(t, e, AUTH, "dns64", only,
                     fix_mentions=f"use the dual-stack image URI {DUAL_IMAGE}",
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", auth["address"]))
    assert "interface endpoint" not in v["blocked"]["fix"]
    assert "has no IPv6 address and DNS64 is off" in v["blocked"]["hop"]["note"]
    # DNS64 and NAT64 through a public NAT gateway: the classic URI works.
    ec2.modify_subnet_attribute(SubnetId=only, EnableDns64={"Value": True})
    nat = net.nat(net.public)
    net.route(net.private_rt, "64:ff9b::/96", NatGatewayId=nat)
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    for traffic in (AUTH, MANIFEST, LAYERS):
        v = verdict(e, traffic)
        assert ipaddress.IPv6Address(v["address"]) in ipaddress.IPv6Network("64:ff9b::/96"), v
        assert "NAT64" in hop(v, "nat-gateway")["note"]
    assert verdict(e, LAYERS)["destination"] == "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"


def test_dual_stack_task_needs_an_ipv4_default_route(fresh, aws):
    """Scenario 14: dual-stack task in a subnet routing only ::/0 → IGW fails
    on ECR auth even with a public IP; 0.0.0.0/0 → NAT fixes it."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2, ipv6=True)
    sub = net.subnet("10.0.2.0/24", v6_index=2)
    ec2.modify_subnet_attribute(SubnetId=sub, AssignIpv6AddressOnCreation={"Value": True})
    rt = net.route_table(sub)
    net.route(rt, "::/0", GatewayId=net.igw)
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, sub, public="ENABLED")
    e = explain_task(fresh, "c1", t["taskArn"])
    n = e["network"]
    assert n["mode"] == "dual-stack"
    assert ipaddress.IPv6Address(n["ipv6"]) in ipaddress.IPv6Network(net.v6_block(2))
    assert ipaddress.IPv4Address(n["private_ipv4"]) in ipaddress.IPv4Network("10.0.2.0/24")
    assert not ipaddress.IPv4Address(n["public_ipv4"]).is_private
    ni = t["containers"][0]["networkInterfaces"][0]
    assert (ni["ipv6Address"], ni["privateIpv4Address"]) == (n["ipv6"], n["private_ipv4"])
    auth = verdict(e, AUTH)
    assert auth["destination"] == "api.ecr.us-east-1.amazonaws.com"
    v = assert_fails(t, e, AUTH, "route", rt, fix_mentions="0.0.0.0/0",
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", auth["address"]))
    assert v["blocked"]["hop"]["note"] == f"no route to {auth['address']}"
    nat = net.nat(net.public)
    net.route(rt, "0.0.0.0/0", NatGatewayId=nat)
    t = launch(ecs, "c1", td, sub, public="ENABLED")
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    n = e["network"]
    assert n["mode"] == "dual-stack"
    # the running task's addresses are its ENI's
    eni_id = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["networkInterfaceId"]
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert [a["Ipv6Address"] for a in eni["Ipv6Addresses"]] == [n["ipv6"]]
    assert eni["PrivateIpAddress"] == n["private_ipv4"] and eni["Association"]["PublicIp"] == n["public_ipv4"]
    assert hop(verdict(e, AUTH), "nat-gateway")["resource"] == nat
