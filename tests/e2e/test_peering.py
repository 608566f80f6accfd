"""VPC peering (issue 14): create, accept, reject, delete, describe; routes to
`pcx-`; security group rules naming groups across the peering; the
reachability engine follows the connection (and only into the peer VPC).
Texts and sources: docs/reference/ec2-iam-error-texts.md, section 7."""

import botocore.exceptions
import pytest

from ecs_support import setup_cluster
from reach_support import AUTH, Net, assert_fails, explain_task, launch, taskdef, verdict

ACCOUNT = "123456789012"


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def two_vpcs(ec2):
    a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    b = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    return a, b


def status(ec2, pcx):
    s = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]["Status"]
    return s["Code"], s["Message"]


def test_peering_lifecycle(fresh, aws):
    ec2 = aws.ec2()
    a, b = two_vpcs(ec2)
    made = ec2.create_vpc_peering_connection(
        VpcId=a, PeerVpcId=b,
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": "a-b"}]}],
    )["VpcPeeringConnection"]
    pcx = made["VpcPeeringConnectionId"]
    assert pcx.startswith("pcx-")
    assert made["Status"] == {"Code": "initiating-request", "Message": f"Initiating Request to {ACCOUNT}"}
    assert made["RequesterVpcInfo"]["VpcId"] == a and made["RequesterVpcInfo"]["CidrBlock"] == "10.0.0.0/16"
    assert made["AccepterVpcInfo"]["VpcId"] == b and "CidrBlock" not in made["AccepterVpcInfo"]
    assert "ExpirationTime" in made and made["Tags"] == [{"Key": "Name", "Value": "a-b"}]
    assert status(ec2, pcx) == ("pending-acceptance", f"Pending Acceptance by {ACCOUNT}")
    # The same request again answers with the same connection.
    assert ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"] == pcx
    acc = ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)["VpcPeeringConnection"]
    assert acc["Status"] == {"Code": "provisioning", "Message": "Provisioning"}
    got = ec2.describe_vpc_peering_connections(VpcPeeringConnectionIds=[pcx])["VpcPeeringConnections"][0]
    assert got["Status"] == {"Code": "active", "Message": "Active"}
    assert got["AccepterVpcInfo"]["CidrBlock"] == "10.1.0.0/16" and "ExpirationTime" not in got
    assert got["AccepterVpcInfo"]["Region"] == "us-east-1" and got["RequesterVpcInfo"]["OwnerId"] == ACCOUNT
    # Filters.
    for name, value in (("status-code", "active"), ("requester-vpc-info.vpc-id", a),
                        ("accepter-vpc-info.cidr-block", "10.1.0.0/16"), ("tag:Name", "a-b")):
        found = ec2.describe_vpc_peering_connections(Filters=[{"Name": name, "Values": [value]}])["VpcPeeringConnections"]
        assert [p["VpcPeeringConnectionId"] for p in found] == [pcx], name
    assert ec2.describe_vpc_peering_connections(
        Filters=[{"Name": "status-code", "Values": ["pending-acceptance"]}])["VpcPeeringConnections"] == []
    assert err(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx) == {
        "Code": "InvalidStateTransition",
        "Message": f"Invalid state transition for {pcx}, attempted to transition from active to provisioning"}
    # A VPC with a live connection cannot go.
    assert err(ec2.delete_vpc, VpcId=b)["Code"] == "DependencyViolation"
    # The other direction may be asked for, but not accepted while this one is active.
    back = ec2.create_vpc_peering_connection(VpcId=b, PeerVpcId=a)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    assert err(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=back) == {
        "Code": "VpcPeeringConnectionAlreadyExists",
        "Message": f"The vpc peering connection identified by {back} already exists."}
    assert ec2.reject_vpc_peering_connection(VpcPeeringConnectionId=back)["Return"] is True
    assert status(ec2, back) == ("rejected", f"Rejected by {ACCOUNT}")
    assert err(ec2.delete_vpc_peering_connection, VpcPeeringConnectionId=back) == {
        "Code": "InvalidStateTransition",
        "Message": f"Invalid state transition for {back}, attempted to transition from rejected to deleting"}
    assert ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)["Return"] is True
    assert status(ec2, pcx) == ("deleted", f"Deleted by {ACCOUNT}")
    ec2.delete_vpc(VpcId=b)
    missing = "pcx-0123456789abcdef0"
    assert err(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=missing) == {
        "Code": "InvalidVpcPeeringConnectionID.NotFound",
        "Message": f"The vpcPeeringConnection ID '{missing}' does not exist"}


def test_overlapping_vpcs_fail_and_other_checks(fresh, aws, cli):
    ec2 = aws.ec2()
    a = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    c = ec2.create_vpc(CidrBlock="10.0.128.0/17")["Vpc"]["VpcId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=c)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    assert status(ec2, pcx)[0] == "failed"
    assert err(ec2.accept_vpc_peering_connection, VpcPeeringConnectionId=pcx)["Code"] == "InvalidStateTransition"
    assert err(ec2.create_vpc_peering_connection, VpcId=a, PeerVpcId=a)["Code"] == "InvalidParameterValue"
    assert err(ec2.create_vpc_peering_connection, VpcId=a,
               PeerVpcId="vpc-0123456789abcdef0")["Code"] == "InvalidVpcID.NotFound"
    assert err(ec2.create_vpc_peering_connection, VpcId=a, PeerVpcId=c,
               PeerOwnerId="210987654321")["Code"] == "InvalidParameter"
    b = cli.ok("ec2", "create-vpc", "--cidr-block", "10.9.0.0/16")["Vpc"]["VpcId"]
    out = cli.ok("ec2", "create-vpc-peering-connection", "--vpc-id", a, "--peer-vpc-id", b)
    p2 = out["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    cli.ok("ec2", "accept-vpc-peering-connection", "--vpc-peering-connection-id", p2)
    got = cli.ok("ec2", "describe-vpc-peering-connections", "--filters", "Name=status-code,Values=active")
    assert [p["VpcPeeringConnectionId"] for p in got["VpcPeeringConnections"]] == [p2]


def test_routes_and_security_groups_across_a_peering(fresh, aws):
    ec2 = aws.ec2()
    a, b = two_vpcs(ec2)
    rt = ec2.create_route_table(VpcId=a)["RouteTable"]["RouteTableId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=a, PeerVpcId=b)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    app = ec2.create_security_group(GroupName="app", Description="app", VpcId=a)["GroupId"]
    db = ec2.create_security_group(GroupName="db", Description="db", VpcId=b)["GroupId"]
    cross = [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": app}]}]
    # Pending: a route may name it (a blackhole), a rule may not name the peer's group yet.
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="10.1.0.0/16", VpcPeeringConnectionId=pcx)
    route = lambda: [r for r in ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]["Routes"]
                     if r.get("VpcPeeringConnectionId") == pcx][0]
    assert route()["State"] == "blackhole"
    assert err(ec2.authorize_security_group_ingress, GroupId=db, IpPermissions=cross)["Code"] == "InvalidParameter"
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert route()["State"] == "active"
    found = ec2.describe_route_tables(Filters=[{"Name": "route.vpc-peering-connection-id", "Values": [pcx]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [rt]
    ec2.authorize_security_group_ingress(GroupId=db, IpPermissions=cross)
    pair = ec2.describe_security_groups(GroupIds=[db])["SecurityGroups"][0]["IpPermissions"][0]["UserIdGroupPairs"][0]
    assert pair["GroupId"] == app and pair["VpcId"] == a
    assert pair["VpcPeeringConnectionId"] == pcx and pair["PeeringStatus"] == "active"
    # A route to a connection of other VPCs is refused.
    other = ec2.create_vpc(CidrBlock="10.5.0.0/16")["Vpc"]["VpcId"]
    rt_other = ec2.create_route_table(VpcId=other)["RouteTable"]["RouteTableId"]
    assert err(ec2.create_route, RouteTableId=rt_other, DestinationCidrBlock="10.1.0.0/16",
               VpcPeeringConnectionId=pcx)["Code"] == "InvalidParameterValue"
    ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    assert route()["State"] == "blackhole"


def test_task_traffic_does_not_pass_through_a_peer_vpc(fresh, aws):
    """A default route to a peering connection does not reach the peer's NAT
    gateway: a connection leads only into the peer VPC (not transitive)."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    hub = ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=hub)
    hub_sub = ec2.create_subnet(VpcId=hub, CidrBlock="10.8.0.0/24", AvailabilityZone=net.az)["Subnet"]["SubnetId"]
    pcx = ec2.create_vpc_peering_connection(VpcId=net.vpc, PeerVpcId=hub)["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    ec2.create_nat_gateway(SubnetId=hub_sub, AllocationId=alloc)
    net.route(net.private_rt, "0.0.0.0/0", VpcPeeringConnectionId=pcx)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "vpc-peering", pcx, fix_mentions=f"instead of {pcx}")
    addr = verdict(e, AUTH)["address"]
    assert v["blocked"]["hop"]["note"] == (
        f"{addr} is not in {hub}; a peering connection reaches only the peer VPC's own addresses")


def test_task_routes_and_egress_through_customer_prefix_lists(fresh, aws):
    """The engine reads customer prefix lists: a private subnet whose only
    way out is a prefix-list route to a NAT gateway starts a task once the
    list holds the addresses the task dials; egress narrowed to the list too."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = net.nat(net.public)
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert t["lastStatus"] == "STOPPED"
    # Every address the task dials, as /32 entries.
    addrs = sorted({v["address"] for v in e["verdicts"] if v.get("address")})
    pl = ec2.create_managed_prefix_list(PrefixListName="deps", AddressFamily="IPv4", MaxEntries=20,
                                        Entries=[{"Cidr": f"{a}/32"} for a in addrs])["PrefixList"]["PrefixListId"]
    ec2.create_route(RouteTableId=net.private_rt, DestinationPrefixListId=pl, NatGatewayId=nat)
    sg = net.security_group("narrow")
    ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": pl}]}])
    t = launch(ecs, "c1", td, net.private, sgs=[sg])
    assert t["lastStatus"] == "RUNNING", t.get("stoppedReason")
    # Taking an address out of the list stops the next task at the route.
    ec2.modify_managed_prefix_list(PrefixListId=pl, RemoveEntries=[{"Cidr": f"{a}/32"} for a in addrs])
    ec2.modify_managed_prefix_list(PrefixListId=pl, AddEntries=[{"Cidr": "192.0.2.0/24"}])
    t = launch(ecs, "c1", td, net.private, sgs=[sg])
    assert t["lastStatus"] == "STOPPED"
