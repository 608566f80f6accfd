"""Route tables, routes and associations through boto3 and the AWS CLI (issue 2)."""

import botocore.exceptions
import pytest

from ecs_support import assert_pages


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def new_vpc(ec2, cidr="10.0.0.0/16", **kw):
    return ec2.create_vpc(CidrBlock=cidr, **kw)["Vpc"]


def main_table(ec2, vid):
    return ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]


def route(rt, dest):
    return next(r for r in rt["Routes"] if dest in (r.get("DestinationCidrBlock"), r.get("DestinationIpv6CidrBlock")))


def table(ec2, rtb):
    return ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]


def test_main_route_table_of_a_new_vpc(fresh, aws):
    ec2 = aws.ec2()
    vid = new_vpc(ec2)["VpcId"]
    tables = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vid]}])["RouteTables"]
    assert len(tables) == 1
    rt = tables[0]
    assert rt["RouteTableId"].startswith("rtb-") and rt["VpcId"] == vid and rt["OwnerId"] == fresh.account_id
    assert rt["Routes"] == [
        {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "State": "active", "Origin": "CreateRouteTable"}
    ]
    [assoc] = rt["Associations"]
    assert assoc["Main"] is True and assoc["RouteTableId"] == rt["RouteTableId"]
    assert assoc["RouteTableAssociationId"].startswith("rtbassoc-")
    assert assoc["AssociationState"] == {"State": "associated"}
    assert "SubnetId" not in assoc
    assert rt["PropagatingVgws"] == [] and rt["Tags"] == []
    # The default VPC's main table routes to its internet gateway.
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [default]}])
    r = route(main_table(ec2, default), "0.0.0.0/0")
    assert r["GatewayId"] == igw["InternetGateways"][0]["InternetGatewayId"] and r["State"] == "active"
    assert r["Origin"] == "CreateRoute"


def test_routes_create_replace_delete_and_errors(fresh, aws):
    ec2 = aws.ec2()
    vpc = new_vpc(ec2, AmazonProvidedIpv6CidrBlock=True)
    vid = vpc["VpcId"]
    v6 = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    out = ec2.create_route_table(
        VpcId=vid,
        ClientToken="rt-1",
        TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "Name", "Value": "public"}]}],
    )
    assert out["ClientToken"] == "rt-1"
    rt = out["RouteTable"]
    rtb = rt["RouteTableId"]
    assert rt["Associations"] == [] and rt["Tags"] == [{"Key": "Name", "Value": "public"}]
    assert {r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") for r in rt["Routes"]} == {"10.0.0.0/16", v6}
    assert all(r["GatewayId"] == "local" and r["Origin"] == "CreateRouteTable" for r in rt["Routes"])

    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    e = err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    assert e == {"Code": "InvalidParameterValue", "Message": f"route table {rtb} and network gateway {igw} belong to different networks"}
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    assert ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)["Return"] is True
    r = route(table(ec2, rtb), "0.0.0.0/0")
    assert r == {"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": igw, "State": "active", "Origin": "CreateRoute"}
    assert err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw) == {
        "Code": "RouteAlreadyExists",
        "Message": "The route identified by 0.0.0.0/0 already exists.",
    }
    assert err(ec2.delete_route, RouteTableId=rtb, DestinationCidrBlock="10.9.0.0/16") == {
        "Code": "InvalidRoute.NotFound",
        "Message": f"no route with destination-cidr-block 10.9.0.0/16 in route table {rtb}",
    }
    assert err(ec2.delete_route, RouteTableId=rtb, DestinationCidrBlock="10.0.0.0/16") == {
        "Code": "InvalidParameterValue",
        "Message": f"cannot remove local route 10.0.0.0/16 in route table {rtb}",
    }
    assert err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/16", NatGatewayId="nat-0123456789abcdef0") == {
        "Code": "InvalidGatewayID.NotFound",
        "Message": "The gateway ID 'nat-0123456789abcdef0' does not exist",
    }
    e = err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.1.0.0/33", GatewayId=igw)
    assert e == {"Code": "InvalidParameterValue", "Message": "Value (10.1.0.0/33) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block."}
    assert err(ec2.create_route, RouteTableId=rtb, GatewayId=igw) == {
        "Code": "MissingParameter",
        "Message": "The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock",
    }
    assert err(ec2.create_route, RouteTableId="rtb-0123456789abcdef0", DestinationCidrBlock="0.0.0.0/0", GatewayId=igw) == {
        "Code": "InvalidRouteTableID.NotFound",
        "Message": "The routeTable ID 'rtb-0123456789abcdef0' does not exist",
    }
    e = err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.2.0.0/16", TransitGatewayId="tgw-0123456789abcdef0")
    assert e["Code"] == "InvalidParameter"

    # IPv6 default route through an egress-only gateway.
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vid)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    ec2.create_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
    r6 = route(table(ec2, rtb), "::/0")
    assert r6 == {"DestinationIpv6CidrBlock": "::/0", "EgressOnlyInternetGatewayId": eigw, "State": "active", "Origin": "CreateRoute"}
    e = err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.3.0.0/16", EgressOnlyInternetGatewayId=eigw)
    assert e["Code"] == "InvalidParameter"
    # ReplaceRoute switches the target; it needs an existing route.
    ec2.replace_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    assert route(table(ec2, rtb), "::/0")["GatewayId"] == igw
    e = err(ec2.replace_route, RouteTableId=rtb, DestinationCidrBlock="10.4.0.0/16", GatewayId=igw)
    assert e["Code"] == "InvalidParameterValue"
    ec2.delete_route(RouteTableId=rtb, DestinationIpv6CidrBlock="::/0")
    assert [r.get("DestinationIpv6CidrBlock") for r in table(ec2, rtb)["Routes"]].count("::/0") == 0

    # Filters over routes.
    for f in [
        {"Name": "route.gateway-id", "Values": [igw]},
        {"Name": "route.destination-cidr-block", "Values": ["0.0.0.0/0"]},
        {"Name": "route.origin", "Values": ["CreateRoute"]},
        {"Name": "route-table-id", "Values": [rtb]},
        {"Name": "tag:Name", "Values": ["pub*"]},
    ]:
        got = ec2.describe_route_tables(Filters=[f, {"Name": "vpc-id", "Values": [vid]}])["RouteTables"]
        assert [t["RouteTableId"] for t in got] == [rtb], f

    # Detaching the gateway leaves a blackhole route behind.
    ec2.detach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    assert route(table(ec2, rtb), "0.0.0.0/0")["State"] == "blackhole"
    got = ec2.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["blackhole"]}])["RouteTables"]
    assert [t["RouteTableId"] for t in got] == [rtb]
    ec2.delete_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0")
    assert [r.get("DestinationCidrBlock") for r in table(ec2, rtb)["Routes"]] == ["10.0.0.0/16", None]


def test_subnet_associations_and_delete(fresh, aws):
    ec2 = aws.ec2()
    vid = new_vpc(ec2)["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    a = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    b = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    out = ec2.associate_route_table(RouteTableId=a, SubnetId=sid)
    assoc = out["AssociationId"]
    assert assoc.startswith("rtbassoc-") and out["AssociationState"] == {"State": "associated"}
    got = table(ec2, a)["Associations"]
    assert got == [{
        "Main": False,
        "RouteTableAssociationId": assoc,
        "RouteTableId": a,
        "SubnetId": sid,
        "AssociationState": {"State": "associated"},
    }]
    for f in [
        {"Name": "association.subnet-id", "Values": [sid]},
        {"Name": "association.route-table-association-id", "Values": [assoc]},
    ]:
        assert [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=[f])["RouteTables"]] == [a]
    assert err(ec2.associate_route_table, RouteTableId=b, SubnetId=sid) == {
        "Code": "Resource.AlreadyAssociated",
        "Message": f"the specified association for route table {b} conflicts with an existing association",
    }
    assert err(ec2.delete_route_table, RouteTableId=a) == {
        "Code": "DependencyViolation",
        "Message": f"The routeTable '{a}' has dependencies and cannot be deleted.",
    }
    # Move the subnet to table b.
    new = ec2.replace_route_table_association(AssociationId=assoc, RouteTableId=b)
    assert new["AssociationState"] == {"State": "associated"} and new["NewAssociationId"] != assoc
    assert table(ec2, a)["Associations"] == []
    assert table(ec2, b)["Associations"][0]["SubnetId"] == sid
    ec2.disassociate_route_table(AssociationId=new["NewAssociationId"])
    assert err(ec2.disassociate_route_table, AssociationId=new["NewAssociationId"]) == {
        "Code": "InvalidAssociationID.NotFound",
        "Message": f"The association ID '{new['NewAssociationId']}' does not exist",
    }
    other = new_vpc(ec2, "10.1.0.0/16")["VpcId"]
    foreign = ec2.create_subnet(VpcId=other, CidrBlock="10.1.1.0/24")["Subnet"]["SubnetId"]
    e = err(ec2.associate_route_table, RouteTableId=a, SubnetId=foreign)
    assert e["Code"] == "InvalidParameterValue"
    assert err(ec2.associate_route_table, RouteTableId=a, SubnetId="subnet-0123456789abcdef0")["Code"] == "InvalidSubnetID.NotFound"
    assert err(ec2.associate_route_table, RouteTableId=a)["Code"] == "MissingParameter"
    ec2.delete_route_table(RouteTableId=a)
    ec2.delete_route_table(RouteTableId=b)
    assert err(ec2.describe_route_tables, RouteTableIds=[a]) == {
        "Code": "InvalidRouteTableID.NotFound",
        "Message": f"The routeTable ID '{a}' does not exist",
    }
    assert err(ec2.delete_route_table, RouteTableId=a)["Code"] == "InvalidRouteTableID.NotFound"


def test_gateway_edge_association(fresh, aws):
    ec2 = aws.ec2()
    vid = new_vpc(ec2)["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    rtb = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    e = err(ec2.associate_route_table, RouteTableId=rtb, GatewayId=igw)
    assert e["Code"] == "InvalidParameterValue"
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    assoc = ec2.associate_route_table(RouteTableId=rtb, GatewayId=igw)["AssociationId"]
    got = table(ec2, rtb)["Associations"][0]
    assert got["GatewayId"] == igw and got["Main"] is False and "SubnetId" not in got
    found = ec2.describe_route_tables(Filters=[{"Name": "association.gateway-id", "Values": [igw]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [rtb]
    assert found[0]["Associations"][0]["RouteTableAssociationId"] == assoc
    ec2.disassociate_route_table(AssociationId=assoc)
    assert table(ec2, rtb)["Associations"] == []
    assert ec2.describe_route_tables(
        Filters=[{"Name": "association.gateway-id", "Values": [igw]}])["RouteTables"] == []


def test_main_route_table_replacement(fresh, aws):
    ec2 = aws.ec2()
    vid = new_vpc(ec2)["VpcId"]
    old = main_table(ec2, vid)
    main_assoc = old["Associations"][0]["RouteTableAssociationId"]
    assert err(ec2.disassociate_route_table, AssociationId=main_assoc) == {
        "Code": "InvalidParameterValue",
        "Message": f"cannot disassociate the main route table association {main_assoc}",
    }
    assert err(ec2.delete_route_table, RouteTableId=old["RouteTableId"]) == {
        "Code": "DependencyViolation",
        "Message": f"The routeTable '{old['RouteTableId']}' has dependencies and cannot be deleted.",
    }
    new = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    out = ec2.replace_route_table_association(AssociationId=main_assoc, RouteTableId=new)
    new_assoc = out["NewAssociationId"]
    assert out["AssociationState"] == {"State": "associated"}
    now_main = main_table(ec2, vid)
    assert now_main["RouteTableId"] == new
    assert now_main["Associations"] == [{
        "Main": True,
        "RouteTableAssociationId": new_assoc,
        "RouteTableId": new,
        "AssociationState": {"State": "associated"},
    }]
    assert table(ec2, old["RouteTableId"])["Associations"] == []
    not_main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "association.main", "Values": ["false"]}]
    )["RouteTables"]
    assert [t["RouteTableId"] for t in not_main] == [old["RouteTableId"]]
    assert err(ec2.disassociate_route_table, AssociationId=new_assoc)["Code"] == "InvalidParameterValue"
    assert err(ec2.replace_route_table_association, AssociationId=main_assoc, RouteTableId=new) == {
        "Code": "InvalidAssociationID.NotFound",
        "Message": f"The association ID '{main_assoc}' does not exist",
    }
    # The old main table is an ordinary table now.
    ec2.delete_route_table(RouteTableId=old["RouteTableId"])
    ec2.delete_vpc(VpcId=vid)


def test_route_table_pagination(fresh, aws):
    ec2 = aws.ec2("eu-central-1")
    [default_main] = [t["RouteTableId"] for t in ec2.describe_route_tables()["RouteTables"]]
    vid = new_vpc(ec2)["VpcId"]
    new_main = main_table(ec2, vid)["RouteTableId"]
    made = [ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"] for _ in range(6)]
    # the default VPC's and the new VPC's main tables plus the six: pages of 5 + 3
    everything = [default_main, new_main, *made]
    pages = assert_pages(ec2.describe_route_tables, "RouteTables", lambda t: t["RouteTableId"], 5, everything,
                         ordered=True)
    assert [len(p) for p in pages] == [5, 3]
    # with a filter, the pages hold only what matches
    pages = assert_pages(ec2.describe_route_tables, "RouteTables", lambda t: t["RouteTableId"], 5, [new_main, *made],
                         Filters=[{"Name": "vpc-id", "Values": [vid]}])
    assert [len(p) for p in pages] == [5, 2]
    assert err(ec2.describe_route_tables, MaxResults=101)["Code"] == "InvalidParameterValue"
    assert err(ec2.describe_route_tables, RouteTableIds=made[:1], MaxResults=5)["Code"] == "InvalidParameterCombination"
    assert err(ec2.describe_route_tables, Filters=[{"Name": "route.nope", "Values": ["x"]}]) == {
        "Code": "InvalidParameterValue",
        "Message": "The filter 'route.nope' is invalid",
    }


def test_cli_route_tables(fresh, cli):
    vid = cli.ok("ec2", "create-vpc", "--cidr-block", "10.40.0.0/16")["Vpc"]["VpcId"]
    igw = cli.ok("ec2", "create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    cli.ok("ec2", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vid)
    rtb = cli.ok("ec2", "create-route-table", "--vpc-id", vid)["RouteTable"]["RouteTableId"]
    out = cli.ok("ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0", "--gateway-id", igw)
    assert out == {"Return": True}
    stderr = cli.err("ec2", "create-route", "--route-table-id", rtb, "--destination-cidr-block", "0.0.0.0/0",
                     "--gateway-id", igw, code="RouteAlreadyExists")
    assert "The route identified by 0.0.0.0/0 already exists." in stderr
    sid = cli.ok("ec2", "create-subnet", "--vpc-id", vid, "--cidr-block", "10.40.1.0/24")["Subnet"]["SubnetId"]
    assoc = cli.ok("ec2", "associate-route-table", "--route-table-id", rtb, "--subnet-id", sid)
    assert assoc["AssociationState"]["State"] == "associated"
    got = cli.ok("ec2", "describe-route-tables", "--filters", f"Name=association.subnet-id,Values={sid}")["RouteTables"]
    assert [t["RouteTableId"] for t in got] == [rtb]
    assert {r["GatewayId"] for r in got[0]["Routes"]} == {"local", igw}
    stderr = cli.err("ec2", "delete-route", "--route-table-id", rtb, "--destination-cidr-block", "10.99.0.0/16",
                     code="InvalidRoute.NotFound")
    assert f"no route with destination-cidr-block 10.99.0.0/16 in route table {rtb}" in stderr
