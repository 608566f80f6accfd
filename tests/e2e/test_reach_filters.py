"""Reachability through the task's security groups and the subnet's network
ACL (issue 4: N40 "in every case", N41, N43): stateful egress, stateless
ACLs in both directions."""

import pytest

from ecs_support import setup_cluster
from reach_support import (AUTH, MANIFEST, Net, assert_fails, assert_starts, ecr_auth_reason, explain_task, hop,
                           launch, steps, taskdef, verdict)

ALL_TRAFFIC = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def nat_net(ec2):
    net = Net(ec2)
    nat = net.nat(net.public)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    return net, nat


def test_task_egress_revoked(fresh, aws):
    """Scenario 7: RevokeSecurityGroupEgress of the all-traffic rule."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net, _ = nat_net(ec2)
    sg = net.security_group("task")
    ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=ALL_TRAFFIC)
    assert ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissionsEgress"] == []
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private, sgs=[sg])
    e = explain_task(fresh, "c1", t["taskArn"])
    addr = verdict(e, AUTH)["address"]
    v = assert_fails(t, e, AUTH, "security-group-egress", sg, fix_mentions=f"--group-id {sg}",
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", addr))
    assert steps(v) == ["dns"]
    assert "authorize-security-group-egress" in v["blocked"]["fix"] and "FromPort=443" in v["blocked"]["fix"]
    assert e["network"]["security_groups"] == [sg]
    # a second group that allows the egress is enough (rules are a union)
    t = launch(ecs, "c1", td, net.private, sgs=[sg, net.sg])
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    assert hop(verdict(e, AUTH), "security-group-egress")["resource"] == net.sg
    # and a narrow 443-only egress rule on the group itself
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    t = launch(ecs, "c1", td, net.private, sgs=[sg])
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    assert hop(verdict(e, AUTH), "security-group-egress")["resource"] == sg


def custom_acl(ec2, net, subnet):
    """A new ACL (deny all) with allow-all entries at 100, on `subnet`."""
    acl = ec2.create_network_acl(VpcId=net.vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (True, False):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                     Egress=egress, CidrBlock="0.0.0.0/0")
    assoc = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])
             ["NetworkAcls"][0]["Associations"] if a["SubnetId"] == subnet][0]
    ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)
    return acl


@pytest.mark.parametrize("direction", ["out", "in"])
def test_network_acl_denies(fresh, aws, direction):
    """Scenario 8: the task subnet's ACL denies outbound 443, or (stateless)
    the inbound replies to ephemeral ports."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net, _ = nat_net(ec2)
    acl = custom_acl(ec2, net, net.private)
    if direction == "out":
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny", Egress=True,
                                     CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    else:
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny", Egress=False,
                                     CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    addr = verdict(e, AUTH)["address"]
    v = assert_fails(t, e, AUTH, f"network-acl-{direction}", acl,
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", addr))
    note, fix = v["blocked"]["hop"]["note"], v["blocked"]["fix"]
    if direction == "out":
        assert note == f"task subnet: outbound TCP port 443 with {addr} is denied (rule 50)"
        assert steps(v) == ["dns", "security-group-egress", "route"]
        assert fix.startswith(f"Add an outbound allow entry to network ACL {acl} for TCP 443 to {addr}")
    else:
        assert note == f"task subnet: inbound TCP port 32768 with {addr} is denied (rule 50)"
        assert steps(v) == ["dns", "security-group-egress", "route", "network-acl-out"]
        assert hop(v, "network-acl-out")["resource"] == acl
        assert fix.startswith(f"Add an inbound allow entry to network ACL {acl} for TCP 32768-60999 from {addr}")
    assert "below 50" in fix
    # following the fix (an allow entry numbered below the deny) makes it run
    if direction == "out":
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=40, Protocol="6", RuleAction="allow", Egress=True,
                                     CidrBlock="0.0.0.0/0", PortRange={"From": 443, "To": 443})
    else:
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=40, Protocol="6", RuleAction="allow", Egress=False,
                                     CidrBlock="0.0.0.0/0", PortRange={"From": 32768, "To": 60999})
    t = launch(ecs, "c1", td, net.private)
    assert_starts(t, explain_task(fresh, "c1", t["taskArn"]))


def test_network_acl_of_the_nat_subnet(fresh, aws):
    """The NAT gateway's subnet has its own ACL: denying the task's traffic
    there blocks it at that ACL."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net, _ = nat_net(ec2)
    acl = custom_acl(ec2, net, net.public)
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="-1", RuleAction="deny", Egress=False,
                                 CidrBlock="10.0.1.0/24")
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs, image="nginx"), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, MANIFEST, "network-acl-in", acl)
    assert v["blocked"]["hop"]["note"].startswith("NAT subnet from task: inbound TCP port 443 with 10.0.1.")
