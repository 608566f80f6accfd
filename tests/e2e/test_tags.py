"""CreateTags / DeleteTags / DescribeTags across resource types (issue 2)."""

import botocore.exceptions
import pytest

from ecs_support import assert_pages


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def tags_of(ec2, rid):
    got = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [rid]}])["Tags"]
    return {t["Key"]: t["Value"] for t in got}


@pytest.fixture
def world(fresh, aws):
    """One resource of each gateway / route / address kind, keyed by resource type."""
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    eigw = ec2.create_egress_only_internet_gateway(VpcId=vid)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"]
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=sid, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    rtb = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    return ec2, {
        "vpc": vid,
        "subnet": sid,
        "internet-gateway": igw,
        "egress-only-internet-gateway": eigw,
        "elastic-ip": alloc,
        "natgateway": nat,
        "route-table": rtb,
    }


def test_tags_across_resource_types(world):
    ec2, ids = world
    ec2.create_tags(Resources=list(ids.values()), Tags=[{"Key": "Env", "Value": "dev"}, {"Key": "Team", "Value": "net"}])
    got = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["Env"]}])["Tags"]
    assert {(t["ResourceType"], t["ResourceId"]) for t in got} == {(k, v) for k, v in ids.items()}
    assert all(t["Value"] == "dev" for t in got)
    for rtype, rid in ids.items():
        only = ec2.describe_tags(Filters=[{"Name": "resource-type", "Values": [rtype]}])["Tags"]
        assert {(t["ResourceId"], t["Key"], t["Value"]) for t in only} == {(rid, "Env", "dev"), (rid, "Team", "net")}
    # The tags show on each resource's own Describe call.
    env = [{"Key": "Env", "Value": "dev"}, {"Key": "Team", "Value": "net"}]
    assert ec2.describe_internet_gateways(InternetGatewayIds=[ids["internet-gateway"]])["InternetGateways"][0]["Tags"] == env
    assert ec2.describe_route_tables(RouteTableIds=[ids["route-table"]])["RouteTables"][0]["Tags"] == env
    assert ec2.describe_addresses(AllocationIds=[ids["elastic-ip"]])["Addresses"][0]["Tags"] == env
    assert ec2.describe_nat_gateways(NatGatewayIds=[ids["natgateway"]])["NatGateways"][0]["Tags"] == env
    eg = ec2.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[ids["egress-only-internet-gateway"]])
    assert eg["EgressOnlyInternetGateways"][0]["Tags"] == env
    # Resource filters by tag.
    for f in [{"Name": "tag:Env", "Values": ["dev"]}, {"Name": "tag-key", "Values": ["Team"]}, {"Name": "tag-value", "Values": ["ne?"]}]:
        assert [n["NatGatewayId"] for n in ec2.describe_nat_gateways(Filter=[f])["NatGateways"]] == [ids["natgateway"]]
        assert [g["InternetGatewayId"] for g in ec2.describe_internet_gateways(Filters=[f])["InternetGateways"]] == [ids["internet-gateway"]]
    # Overwrite one value; others keep theirs.
    ec2.create_tags(Resources=[ids["vpc"]], Tags=[{"Key": "Env", "Value": "prod"}])
    assert tags_of(ec2, ids["vpc"]) == {"Env": "prod", "Team": "net"}
    assert tags_of(ec2, ids["subnet"]) == {"Env": "dev", "Team": "net"}
    # DescribeTags filters combine (AND) and take wildcards.
    got = ec2.describe_tags(Filters=[{"Name": "value", "Values": ["pr*"]}, {"Name": "key", "Values": ["Env"]}])["Tags"]
    assert got == [{"Key": "Env", "ResourceId": ids["vpc"], "ResourceType": "vpc", "Value": "prod"}]
    got = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [ids["vpc"], ids["subnet"]]}, {"Name": "key", "Values": ["Team"]}])
    assert sorted(t["ResourceId"] for t in got["Tags"]) == sorted([ids["vpc"], ids["subnet"]])


def test_delete_tags_semantics(world):
    ec2, ids = world
    rtb, igw = ids["route-table"], ids["internet-gateway"]
    ec2.create_tags(Resources=[rtb, igw], Tags=[{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}, {"Key": "c", "Value": ""}])
    assert tags_of(ec2, rtb) == {"a": "1", "b": "2", "c": ""}
    # A value that does not match keeps the tag.
    ec2.delete_tags(Resources=[rtb], Tags=[{"Key": "a", "Value": "other"}])
    assert tags_of(ec2, rtb) == {"a": "1", "b": "2", "c": ""}
    ec2.delete_tags(Resources=[rtb], Tags=[{"Key": "a", "Value": "1"}])
    assert tags_of(ec2, rtb) == {"b": "2", "c": ""}
    # No value: whatever the value.
    ec2.delete_tags(Resources=[rtb], Tags=[{"Key": "b"}])
    assert tags_of(ec2, rtb) == {"c": ""}
    # An empty value matches only the empty value.
    ec2.delete_tags(Resources=[igw], Tags=[{"Key": "a", "Value": ""}, {"Key": "c", "Value": ""}])
    assert tags_of(ec2, igw) == {"a": "1", "b": "2"}
    # No tags at all: every tag goes.
    ec2.delete_tags(Resources=[igw])
    assert tags_of(ec2, igw) == {}
    assert tags_of(ec2, rtb) == {"c": ""}


def test_tag_errors(world):
    ec2, ids = world
    assert err(ec2.create_tags, Resources=["vpc-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}]) == {
        "Code": "InvalidVpcID.NotFound",
        "Message": "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    }
    assert err(ec2.create_tags, Resources=["rtb-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}]) == {
        "Code": "InvalidRouteTableID.NotFound",
        "Message": "The routeTable ID 'rtb-0123456789abcdef0' does not exist",
    }
    assert err(ec2.create_tags, Resources=["nat-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])["Code"] == "NatGatewayNotFound"
    assert err(ec2.delete_tags, Resources=["igw-0123456789abcdef0"])["Code"] == "InvalidInternetGatewayID.NotFound"
    assert err(ec2.create_tags, Resources=["eipassoc-0578b4e3415869944"], Tags=[{"Key": "k", "Value": "v"}]) == {
        "Code": "InvalidID",
        "Message": "The ID 'eipassoc-0578b4e3415869944' is not valid",
    }
    # Nothing is tagged when one of the resources fails.
    e = err(ec2.create_tags, Resources=[ids["vpc"], "subnet-0123456789abcdef0"], Tags=[{"Key": "k", "Value": "v"}])
    assert e["Code"] == "InvalidSubnetID.NotFound"
    assert tags_of(ec2, ids["vpc"]) == {}
    e = err(ec2.create_tags, Resources=[ids["vpc"]], Tags=[{"Key": "aws:reserved", "Value": "v"}])
    assert e["Code"] == "InvalidParameter"
    assert err(ec2.describe_tags, Filters=[{"Name": "colour", "Values": ["x"]}]) == {
        "Code": "InvalidParameterValue",
        "Message": "The filter 'colour' is invalid",
    }
    e = err(ec2.create_tags, Resources=[ids["vpc"]], Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(51)])
    assert e["Code"] == "TagLimitExceeded"
    e = err(ec2.create_route_table, VpcId=ids["vpc"], TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert e["Code"] == "InvalidParameter"


def test_describe_tags_pagination(world):
    ec2, ids = world
    ec2.create_tags(Resources=list(ids.values()), Tags=[{"Key": "Page", "Value": "x"}])
    # one tag on each of the 7 resources: pages of 5 + 2
    pages = assert_pages(ec2.describe_tags, "Tags", lambda t: t["ResourceId"], 5, list(ids.values()),
                         Filters=[{"Name": "key", "Values": ["Page"]}])
    assert [len(p) for p in pages] == [5, 2]
    # every tag of a page is the one asked for
    page = ec2.describe_tags(MaxResults=5, Filters=[{"Name": "key", "Values": ["Page"]}])
    assert {(t["Key"], t["Value"]) for t in page["Tags"]} == {("Page", "x")}
    assert err(ec2.describe_tags, MaxResults=4)["Code"] == "InvalidParameterValue"


def test_cli_tags(world, cli):
    _, ids = world
    assert cli.ok("ec2", "create-tags", "--resources", ids["natgateway"], ids["elastic-ip"], "--tags", "Key=Owner,Value=ops") is None
    got = cli.ok("ec2", "describe-tags", "--filters", "Name=key,Values=Owner")["Tags"]
    assert sorted((t["ResourceType"], t["ResourceId"]) for t in got) == sorted(
        [("natgateway", ids["natgateway"]), ("elastic-ip", ids["elastic-ip"])]
    )
    cli.ok("ec2", "delete-tags", "--resources", ids["natgateway"], "--tags", "Key=Owner")
    got = cli.ok("ec2", "describe-tags", "--filters", "Name=key,Values=Owner")["Tags"]
    assert [t["ResourceId"] for t in got] == [ids["elastic-ip"]]
    stderr = cli.err("ec2", "create-tags", "--resources", "vpc-0123456789abcdef0", "--tags", "Key=a,Value=b",
                     code="InvalidVpcID.NotFound")
    assert "The vpc ID 'vpc-0123456789abcdef0' does not exist" in stderr
