"""Reachability edge cases around the scenario matrix (issue 4: N40, N43):
DNS resolution off, blackhole routes, private NAT gateways, endpoints in
another subnet (ACLs crossed both ways), task security groups narrowed to
the VPC and the S3 prefix list, dual-stack endpoints for IPv6-only tasks."""

import ipaddress

from ecs_support import setup_cluster
from reach_support import (ASM, AUTH, LAYERS, MANIFEST, SECRET_ARN, Net, asm_reason, assert_fails, assert_starts,
                           ecr_auth_reason, explain_task, hop, launch, steps, taskdef, verdict)

ECR_API = "api.ecr.us-east-1.amazonaws.com"


def test_dns_support_off(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = net.nat(net.public)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    ec2.modify_vpc_attribute(VpcId=net.vpc, EnableDnsSupport={"Value": False})
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "dns", net.vpc, fix_mentions=f"--vpc-id {net.vpc} --enable-dns-support",
                     reason=ecr_auth_reason(ECR_API, verdict(e, AUTH)["address"]))
    assert v["path"] == []


def test_blackhole_routes(fresh, aws):
    """A deleted NAT gateway and a detached internet gateway leave blackholes."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = net.nat(net.public)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    setup_cluster(ecs)
    td = taskdef(ecs)
    assert launch(ecs, "c1", td, net.private)["lastStatus"] == "RUNNING"
    ec2.delete_nat_gateway(NatGatewayId=nat)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "route", net.private_rt)
    assert v["blocked"]["hop"]["note"] == f"0.0.0.0/0 → {nat} is a blackhole"
    # the public subnet's IGW route goes blackhole once the gateway is detached
    ec2.detach_internet_gateway(InternetGatewayId=net.igw, VpcId=net.vpc)
    t = launch(ecs, "c1", td, net.public, public="ENABLED")
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "route", net.public_rt)
    assert v["blocked"]["hop"]["note"] == f"0.0.0.0/0 → {net.igw} is a blackhole"


def test_private_nat_gateway(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = ec2.create_nat_gateway(SubnetId=net.public, ConnectivityType="private")["NatGateway"]["NatGatewayId"]
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "nat-gateway", nat, fix_mentions="public NAT gateway")
    assert v["blocked"]["hop"]["note"] == "a private NAT gateway cannot reach the internet"


def test_endpoints_in_another_subnet_cross_both_acls(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    ep_sub = net.subnet("10.0.9.0/24")
    sg = net.security_group("endpoints", ingress_443_from="10.0.0.0/16")
    api = net.interface_endpoint("ecr.api", sg, subnet_id=ep_sub)
    net.interface_endpoint("ecr.dkr", sg, subnet_id=ep_sub)
    net.s3_gateway(net.private_rt)
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    auth = verdict(e, AUTH)
    assert auth["address"] == api["ip"]
    assert steps(auth) == ["dns", "security-group-egress", "route", "network-acl-out", "network-acl-in",
                           "endpoint-security-group", "network-acl-out", "network-acl-in", "endpoint"]
    assert [h["note"].split(":")[0] for h in auth["path"] if h["step"].startswith("network-acl")] == [
        "task subnet to endpoint", "endpoint subnet from task", "endpoint subnet reply", "reply to task subnet"]
    # an ACL on the endpoints' subnet that drops the replies to the task
    acl = ec2.create_network_acl(VpcId=net.vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=False,
                                 CidrBlock="0.0.0.0/0")
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=True,
                                 CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    assoc = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [ep_sub]}])
             ["NetworkAcls"][0]["Associations"] if a["SubnetId"] == ep_sub][0]
    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    task_ip = e["network"]["private_ipv4"]
    v = assert_fails(t, e, AUTH, "network-acl-out", acl, reason=ecr_auth_reason(ECR_API, api["ip"]))
    assert v["blocked"]["hop"]["note"] == (
        f"endpoint subnet reply: outbound TCP port 32768 with {task_ip} is denied (rule 32767)")
    assert "endpoint-security-group" in steps(v)


def test_task_egress_to_the_vpc_and_the_s3_prefix_list(fresh, aws):
    """A task SG that only allows 443 to the VPC reaches the interface
    endpoints but not S3 through the gateway endpoint; adding the S3
    prefix list to its egress fixes it."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    net.ecr_endpoints()
    sg = net.security_group("task")
    ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=[{"IpProtocol": "-1",
                                                                 "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}])
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private, sgs=[sg])
    e = explain_task(fresh, "c1", t["taskArn"])
    assert verdict(e, AUTH)["status"] == verdict(e, MANIFEST)["status"] == "reachable"
    v = assert_fails(t, e, LAYERS, "security-group-egress", sg)
    pl = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                             "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"][0]
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pl["PrefixListId"]}]}])
    t = launch(ecs, "c1", td, net.private, sgs=[sg])
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    assert hop(verdict(e, LAYERS), "security-group-egress")["resource"] == sg


def test_ipv6_only_task_with_a_dual_stack_secrets_endpoint(fresh, aws):
    """N40: an IPv6-only task reaches an IPv4-only service through a
    dual-stack interface endpoint (no DNS64 needed); an IPv4-only endpoint
    does not help it."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2, ipv6=True)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=net.vpc)["EgressOnlyInternetGateway"][
        "EgressOnlyInternetGatewayId"]
    only = net.subnet(v6_index=5, ipv6_native=True)
    rt = net.route_table(only)
    net.route(rt, "::/0", EgressOnlyInternetGatewayId=eigw)
    ep_sub = net.subnet("10.0.9.0/24", v6_index=9)
    sg = net.security_group("endpoints", ingress_443_from="10.0.0.0/16")
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": net.v6}]}])
    setup_cluster(ecs)
    # The image by its dual-stack URI, as IPv6-only tasks must use (N40).
    td = taskdef(ecs, image="123456789012.dkr-ecr.us-east-1.on.aws/app/web:1.2",
                 secrets=[{"name": "DB", "valueFrom": SECRET_ARN}])
    # an IPv4-only endpoint: DNS answers with an address the task cannot use
    v4 = ec2.create_vpc_endpoint(VpcId=net.vpc, VpcEndpointType="Interface",
                                 ServiceName="com.amazonaws.us-east-1.secretsmanager", SubnetIds=[ep_sub],
                                 SecurityGroupIds=[sg], PrivateDnsEnabled=True)["VpcEndpoint"]["VpcEndpointId"]
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, ASM, "dns", v4, fix_mentions="dualstack", reason=asm_reason(SECRET_ARN))
    ec2.delete_vpc_endpoints(VpcEndpointIds=[v4])
    ds = ec2.create_vpc_endpoint(VpcId=net.vpc, VpcEndpointType="Interface",
                                 ServiceName="com.amazonaws.us-east-1.secretsmanager", SubnetIds=[ep_sub],
                                 SecurityGroupIds=[sg], PrivateDnsEnabled=True, IpAddressType="dualstack",
                                 DnsOptions={"DnsRecordIpType": "dualstack"})["VpcEndpoint"]
    ep_eni = ec2.describe_network_interfaces(NetworkInterfaceIds=ds["NetworkInterfaceIds"])["NetworkInterfaces"][0]
    t = launch(ecs, "c1", td, only)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    v = verdict(e, ASM)
    assert v["address"] == ep_eni["Ipv6Addresses"][0]["Ipv6Address"]
    assert ipaddress.IPv6Address(v["address"]) in ipaddress.IPv6Network(net.v6_block(9))
    assert hop(v, "endpoint")["resource"] == ep_eni["NetworkInterfaceId"]
    assert "dns64" not in steps(v)
