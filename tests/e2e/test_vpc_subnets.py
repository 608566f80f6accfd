"""VPCs, subnets, Regions and AZs through boto3 and the AWS CLI (issue 2)."""

import ipaddress

import botocore.exceptions
import pytest

from ecs_support import assert_pages


def code(exc: botocore.exceptions.ClientError) -> str:
    return exc.response["Error"]["Code"]


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def test_every_region_of_the_partition_with_zones(fresh, aws):
    ec2 = aws.ec2()
    regions = {r["RegionName"] for r in ec2.describe_regions(AllRegions=True)["Regions"]}
    assert {"us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1"} <= regions
    assert len(regions) == 34  # every Region of the aws partition (ARCHITECTURE: all 34 bootstrapped)
    # the zones an account sees: six in us-east-1, three in eu-central-1, two in us-west-1
    for name, count in [("us-east-1", 6), ("eu-central-1", 3), ("us-west-1", 2)]:
        zones = aws.ec2(name).describe_availability_zones()["AvailabilityZones"]
        assert len(zones) == count, [z["ZoneName"] for z in zones]
        assert all(z["ZoneName"].startswith(name) and z["RegionName"] == name for z in zones)
        assert len({z["ZoneId"] for z in zones}) == len(zones)
        assert {z["State"] for z in zones} == {"available"}
    assert err(ec2.describe_availability_zones, ZoneNames=["us-east-1z"])["Code"] == "InvalidParameterValue"


def test_fresh_region_has_default_vpc(fresh, aws):
    ec2 = aws.ec2("eu-west-1")
    vpcs = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpcs) == 1
    vpc = vpcs[0]
    assert vpc["CidrBlock"] == "172.31.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["Subnets"]
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert len(subnets) == len(zones)
    assert sorted(s["AvailabilityZone"] for s in subnets) == sorted(z["ZoneName"] for z in zones)
    for s in subnets:
        assert s["DefaultForAz"] is True and s["MapPublicIpOnLaunch"] is True
        assert ipaddress.IPv4Network(s["CidrBlock"]).prefixlen == 20
        assert ipaddress.IPv4Network(s["CidrBlock"]).subnet_of(ipaddress.IPv4Network("172.31.0.0/16"))
        assert s["AvailableIpAddressCount"] == 4091
    assert len({s["CidrBlock"] for s in subnets}) == len(subnets)
    igws = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])
    assert len(igws["InternetGateways"]) == 1
    attrs = ec2.describe_vpc_attribute(VpcId=vpc["VpcId"], Attribute="enableDnsHostnames")
    assert attrs["EnableDnsHostnames"]["Value"] is True
    sgs = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["SecurityGroups"]
    assert [g["GroupName"] for g in sgs] == ["default"]


def test_vpc_lifecycle_with_ipv6_and_attributes(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(
        CidrBlock="10.0.0.0/16",
        AmazonProvidedIpv6CidrBlock=True,
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "app"}]}],
    )["Vpc"]
    assert vpc["Tags"] == [{"Key": "Name", "Value": "app"}]
    v6 = vpc["Ipv6CidrBlockAssociationSet"][0]
    assert v6["Ipv6CidrBlock"].endswith("/56") and v6["Ipv6Pool"] == "Amazon"
    vid = vpc["VpcId"]
    assert ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsSupport")["EnableDnsSupport"]["Value"] is True
    assert ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] is False
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    assert ec2.describe_vpc_attribute(VpcId=vid, Attribute="enableDnsHostnames")["EnableDnsHostnames"]["Value"] is True
    sec = ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock="10.1.0.0/16")["CidrBlockAssociation"]
    got = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]
    assert {b["CidrBlock"] for b in got["CidrBlockAssociationSet"]} == {"10.0.0.0/16", "10.1.0.0/16"}
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]
    local = {r.get("DestinationCidrBlock") or r.get("DestinationIpv6CidrBlock") for r in main["Routes"]}
    assert {"10.0.0.0/16", "10.1.0.0/16", v6["Ipv6CidrBlock"]} <= local
    out = ec2.disassociate_vpc_cidr_block(AssociationId=sec["AssociationId"])
    assert out["VpcId"] == vid and out["CidrBlockAssociation"]["CidrBlock"] == "10.1.0.0/16"
    got = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]
    assert [b["CidrBlock"] for b in got["CidrBlockAssociationSet"]
            if b["CidrBlockState"]["State"] == "associated"] == ["10.0.0.0/16"]
    ec2.delete_vpc(VpcId=vid)
    assert err(ec2.describe_vpcs, VpcIds=[vid]) == {
        "Code": "InvalidVpcID.NotFound",
        "Message": f"The vpc ID '{vid}' does not exist",
    }


def test_vpc_cidr_validation(fresh, aws):
    ec2 = aws.ec2()
    assert err(ec2.create_vpc, CidrBlock="10.0.0.0/8") == {
        "Code": "InvalidVpc.Range",
        "Message": "The CIDR '10.0.0.0/8' is invalid.",
    }
    e = err(ec2.create_vpc, CidrBlock="10.0.0.0/33")
    assert e["Code"] == "InvalidParameterValue"
    assert e["Message"] == "Value (10.0.0.0/33) for parameter cidrBlock is invalid. This is not a valid CIDR block."


def test_subnets_ranges_conflicts_and_counts(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    assert s["AvailableIpAddressCount"] == 251
    zone_ids = {z["ZoneName"]: z["ZoneId"] for z in ec2.describe_availability_zones()["AvailabilityZones"]}
    assert s["AvailabilityZone"] == "us-east-1a" and s["AvailabilityZoneId"] == zone_ids["us-east-1a"]
    small = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.2.0/28")["Subnet"]
    assert small["AvailableIpAddressCount"] == 11
    assert err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.1.128/25") == {
        "Code": "InvalidSubnet.Conflict",
        "Message": "The CIDR '10.0.1.128/25' conflicts with another subnet",
    }
    assert err(ec2.create_subnet, VpcId=vid, CidrBlock="10.9.0.0/24") == {
        "Code": "InvalidSubnet.Range",
        "Message": "The CIDR '10.9.0.0/24' is invalid.",
    }
    assert err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.3.0/29")["Code"] == "InvalidSubnet.Range"
    e = err(ec2.create_subnet, VpcId=vid, CidrBlock="10.0.4.0/24", AvailabilityZone="us-east-1z")
    assert e["Code"] == "InvalidParameterValue" and "us-east-1a" in e["Message"]
    assert err(ec2.create_subnet, VpcId="vpc-0123456789abcdef0", CidrBlock="10.0.4.0/24")["Code"] == "InvalidVpcID.NotFound"
    ec2.modify_subnet_attribute(SubnetId=s["SubnetId"], MapPublicIpOnLaunch={"Value": True})
    got = ec2.describe_subnets(SubnetIds=[s["SubnetId"]])["Subnets"][0]
    assert got["MapPublicIpOnLaunch"] is True
    assert err(ec2.delete_vpc, VpcId=vid)["Code"] == "DependencyViolation"
    ec2.delete_subnet(SubnetId=s["SubnetId"])
    ec2.delete_subnet(SubnetId=small["SubnetId"])
    ec2.delete_vpc(VpcId=vid)


def test_ipv6_and_ipv6_only_subnets(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    prefix = block.split("::")[0]
    s64 = prefix[:-2] + "01::/64"
    dual = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=s64)["Subnet"]
    assert dual["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == s64
    ec2.modify_subnet_attribute(SubnetId=dual["SubnetId"], AssignIpv6AddressOnCreation={"Value": True})
    only = ec2.create_subnet(VpcId=vpc["VpcId"], Ipv6Native=True, Ipv6CidrBlock=prefix[:-2] + "02::/64")["Subnet"]
    assert only["Ipv6Native"] is True and "CidrBlock" not in only
    assert only["AssignIpv6AddressOnCreation"] is True
    assert only["PrivateDnsNameOptionsOnLaunch"]["HostnameType"] == "resource-name"
    ec2.modify_subnet_attribute(SubnetId=only["SubnetId"], EnableDns64={"Value": True})
    got = ec2.describe_subnets(Filters=[{"Name": "ipv6-native", "Values": ["true"]}])["Subnets"]
    assert [g["SubnetId"] for g in got] == [only["SubnetId"]] and got[0]["EnableDns64"] is True
    assert err(ec2.create_subnet, VpcId=vpc["VpcId"], Ipv6CidrBlock=s64, CidrBlock="10.0.9.0/24")["Code"] == "InvalidSubnet.Conflict"


def test_pagination_and_unknown_filter(fresh, aws):
    ec2 = aws.ec2()
    [default_vpc] = [v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]]
    made = [ec2.create_vpc(CidrBlock=f"10.{i}.0.0/16")["Vpc"]["VpcId"] for i in range(7)]
    # the default VPC and the seven: pages of 5 + 3, in creation order
    pages = assert_pages(ec2.describe_vpcs, "Vpcs", lambda v: v["VpcId"], 5, [default_vpc, *made], ordered=True)
    assert [len(p) for p in pages] == [5, 3]
    assert err(ec2.describe_vpcs, Filters=[{"Name": "no-such", "Values": ["x"]}]) == {
        "Code": "InvalidParameterValue",
        "Message": "The filter 'no-such' is invalid",
    }
    e = err(ec2.describe_vpcs, MaxResults=5, NextToken="not-a-token")
    assert e == {
        "Code": "InvalidParameterValue",
        "Message": "Value ( not-a-token ) for parameter NextToken is invalid. The token is invalid.",
    }


def test_dry_run_and_unimplemented_action(fresh, aws):
    ec2 = aws.ec2()
    e = err(ec2.create_vpc, CidrBlock="10.0.0.0/16", DryRun=True)
    assert e == {"Code": "DryRunOperation", "Message": "Request would have succeeded, but DryRun flag is set."}
    e = err(ec2.describe_instances)
    assert e["Code"] == "UnsupportedOperation" and "DescribeInstances" in e["Message"]


def test_cli_builds_and_describes(fresh, cli):
    vpc = cli.ok("ec2", "create-vpc", "--cidr-block", "10.20.0.0/16")["Vpc"]
    sub = cli.ok("ec2", "create-subnet", "--vpc-id", vpc["VpcId"], "--cidr-block", "10.20.1.0/24")["Subnet"]
    out = cli.ok("ec2", "describe-subnets", "--subnet-ids", sub["SubnetId"])
    assert out["Subnets"][0]["AvailableIpAddressCount"] == 251
    stderr = cli.err("ec2", "delete-vpc", "--vpc-id", vpc["VpcId"], code="DependencyViolation")
    assert "has dependencies and cannot be deleted" in stderr


def test_state_survives_restart(fresh, aws, server):
    ec2 = aws.ec2("ap-northeast-1")
    vid = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.50.0.0/24")["Subnet"]["SubnetId"]
    before = ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]
    server.restart()
    ec2 = aws.ec2("ap-northeast-1")
    after = ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]
    assert after == before
