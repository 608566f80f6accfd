"""Internet gateways, egress-only internet gateways, Elastic IPs and NAT
gateways through boto3 and the AWS CLI (issue 2)."""

import datetime
import ipaddress

import botocore.exceptions
import pytest

from ecs_support import assert_pages


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def vpc_with_subnet(ec2, cidr="10.0.0.0/16", sub="10.0.1.0/24"):
    vid = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock=sub, AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    return vid, sid


def attached_igw(ec2, vid):
    gid = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=vid)
    return gid


# ---------------------------------------------------------------------------
# Internet gateways
# ---------------------------------------------------------------------------


def test_internet_gateway_lifecycle_and_errors(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway(
        TagSpecifications=[{"ResourceType": "internet-gateway", "Tags": [{"Key": "Name", "Value": "edge"}]}]
    )["InternetGateway"]
    gid = igw["InternetGatewayId"]
    assert gid.startswith("igw-")
    assert igw["Attachments"] == []
    assert igw["OwnerId"] == fresh.account_id
    assert igw["Tags"] == [{"Key": "Name", "Value": "edge"}]

    ec2.attach_internet_gateway(InternetGatewayId=gid, VpcId=vid)
    got = ec2.describe_internet_gateways(InternetGatewayIds=[gid])["InternetGateways"][0]
    # AWS says "available" here, not the botocore enum's "attached".
    assert got["Attachments"] == [{"State": "available", "VpcId": vid}]
    for f in [
        {"Name": "attachment.vpc-id", "Values": [vid]},
        {"Name": "attachment.state", "Values": ["available"]},
        {"Name": "tag:Name", "Values": ["ed*"]},
        {"Name": "internet-gateway-id", "Values": [gid]},
        {"Name": "owner-id", "Values": [fresh.account_id]},
    ]:
        found = ec2.describe_internet_gateways(Filters=[f, {"Name": "tag-key", "Values": ["Name"]}])
        assert [g["InternetGatewayId"] for g in found["InternetGateways"]] == [gid], f

    assert err(ec2.attach_internet_gateway, InternetGatewayId=gid, VpcId=vid) == {
        "Code": "Resource.AlreadyAssociated",
        "Message": f"resource {gid} is already attached to network {vid}",
    }
    other = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    assert err(ec2.attach_internet_gateway, InternetGatewayId=other, VpcId=vid) == {
        "Code": "InvalidParameterValue",
        "Message": f"Network {vid} already has an internet gateway attached",
    }
    assert err(ec2.delete_internet_gateway, InternetGatewayId=gid) == {
        "Code": "DependencyViolation",
        "Message": f"The internetGateway '{gid}' has dependencies and cannot be deleted.",
    }
    assert err(ec2.delete_vpc, VpcId=vid)["Code"] == "DependencyViolation"
    assert err(ec2.detach_internet_gateway, InternetGatewayId=other, VpcId=vid) == {
        "Code": "Gateway.NotAttached",
        "Message": f"resource {other} is not attached to network {vid}",
    }
    ec2.detach_internet_gateway(InternetGatewayId=gid, VpcId=vid)
    assert ec2.describe_internet_gateways(InternetGatewayIds=[gid])["InternetGateways"][0]["Attachments"] == []
    ec2.delete_internet_gateway(InternetGatewayId=gid)
    missing = {"Code": "InvalidInternetGatewayID.NotFound", "Message": f"The internetGateway ID '{gid}' does not exist"}
    assert err(ec2.describe_internet_gateways, InternetGatewayIds=[gid]) == missing
    assert err(ec2.delete_internet_gateway, InternetGatewayId=gid) == missing
    assert err(ec2.attach_internet_gateway, InternetGatewayId=gid, VpcId=vid) == missing
    assert err(ec2.attach_internet_gateway, InternetGatewayId=other, VpcId="vpc-0123456789abcdef0") == {
        "Code": "InvalidVpcID.NotFound",
        "Message": "The vpc ID 'vpc-0123456789abcdef0' does not exist",
    }
    e = err(ec2.create_internet_gateway, TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "a", "Value": "b"}]}])
    assert e["Code"] == "InvalidParameter"
    ec2.delete_internet_gateway(InternetGatewayId=other)
    ec2.delete_vpc(VpcId=vid)


def test_internet_gateway_pagination(fresh, aws):
    ec2 = aws.ec2("eu-west-1")
    [default_igw] = [g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]]
    made = [ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"] for _ in range(6)]
    # The default VPC's gateway and the six: pages of 5 + 2, in creation order.
    pages = assert_pages(ec2.describe_internet_gateways, "InternetGateways", lambda g: g["InternetGatewayId"], 5,
                         [default_igw, *made], ordered=True)
    assert [len(p) for p in pages] == [5, 2]
    e = err(ec2.describe_internet_gateways, InternetGatewayIds=[made[0]], MaxResults=5)
    assert e["Code"] == "InvalidParameterCombination"
    assert err(ec2.describe_internet_gateways, Filters=[{"Name": "bogus", "Values": ["x"]}]) == {
        "Code": "InvalidParameterValue",
        "Message": "The filter 'bogus' is invalid",
    }


def test_egress_only_internet_gateways(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vid = vpc["VpcId"]
    out = ec2.create_egress_only_internet_gateway(
        VpcId=vid,
        ClientToken="tok-1",
        TagSpecifications=[{"ResourceType": "egress-only-internet-gateway", "Tags": [{"Key": "Name", "Value": "v6"}]}],
    )
    assert out["ClientToken"] == "tok-1"
    eigw = out["EgressOnlyInternetGateway"]
    eid = eigw["EgressOnlyInternetGatewayId"]
    assert eid.startswith("eigw-")
    assert eigw["Attachments"] == [{"State": "attached", "VpcId": vid}]
    assert eigw["Tags"] == [{"Key": "Name", "Value": "v6"}]
    got = ec2.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=[eid])["EgressOnlyInternetGateways"]
    assert [g["EgressOnlyInternetGatewayId"] for g in got] == [eid]
    tagged = ec2.describe_egress_only_internet_gateways(Filters=[{"Name": "tag:Name", "Values": ["v6"]}])
    assert len(tagged["EgressOnlyInternetGateways"]) == 1
    # AWS answers unknown ids with an empty list.
    none = ec2.describe_egress_only_internet_gateways(EgressOnlyInternetGatewayIds=["eigw-0123456789abcdef0"])
    assert none["EgressOnlyInternetGateways"] == []
    assert err(ec2.delete_vpc, VpcId=vid)["Code"] == "DependencyViolation"
    assert ec2.delete_egress_only_internet_gateway(EgressOnlyInternetGatewayId=eid)["ReturnCode"] is True
    assert err(ec2.delete_egress_only_internet_gateway, EgressOnlyInternetGatewayId=eid) == {
        "Code": "InvalidEgressOnlyInternetGatewayId.NotFound",
        "Message": f"The egressOnlyInternetGateway ID '{eid}' does not exist",
    }
    assert err(ec2.create_egress_only_internet_gateway, VpcId="vpc-0123456789abcdef0")["Code"] == "InvalidVpcID.NotFound"
    ec2.delete_vpc(VpcId=vid)


# ---------------------------------------------------------------------------
# Elastic IPs
# ---------------------------------------------------------------------------


def test_elastic_ip_allocate_describe_release(fresh, aws):
    ec2 = aws.ec2()
    a = ec2.allocate_address(
        Domain="vpc",
        TagSpecifications=[{"ResourceType": "elastic-ip", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )
    assert a["Domain"] == "vpc" and a["PublicIpv4Pool"] == "amazon" and a["NetworkBorderGroup"] == "us-east-1"
    alloc, ip = a["AllocationId"], a["PublicIp"]
    assert alloc.startswith("eipalloc-")
    b = ec2.allocate_address()
    assert b["PublicIp"] != ip

    by_id = ec2.describe_addresses(AllocationIds=[alloc])["Addresses"]
    assert by_id == [{
        "PublicIp": ip,
        "AllocationId": alloc,
        "Domain": "vpc",
        "Tags": [{"Key": "Name", "Value": "web"}],
        "PublicIpv4Pool": "amazon",
        "NetworkBorderGroup": "us-east-1",
    }]
    assert ec2.describe_addresses(PublicIps=[ip])["Addresses"] == by_id
    assert len(ec2.describe_addresses()["Addresses"]) == 2
    for f in [
        {"Name": "public-ip", "Values": [ip]},
        {"Name": "allocation-id", "Values": [alloc]},
        {"Name": "tag:Name", "Values": ["web"]},
    ]:
        assert [x["AllocationId"] for x in ec2.describe_addresses(Filters=[f])["Addresses"]] == [alloc]
    assert len(ec2.describe_addresses(Filters=[{"Name": "domain", "Values": ["vpc"]}])["Addresses"]) == 2
    assert ec2.describe_addresses(Filters=[{"Name": "association-id", "Values": ["*"]}])["Addresses"] == []

    assert err(ec2.describe_addresses, PublicIps=["198.51.100.77"]) == {
        "Code": "InvalidAddress.NotFound",
        "Message": "Address '198.51.100.77' not found.",
    }
    e = err(ec2.allocate_address, NetworkBorderGroup="eu-west-1")
    assert e["Code"] == "InvalidParameter"

    ec2.release_address(PublicIp=ip)
    ec2.release_address(AllocationId=b["AllocationId"])
    missing = {"Code": "InvalidAllocationID.NotFound", "Message": f"The allocation ID '{alloc}' does not exist"}
    assert err(ec2.describe_addresses, AllocationIds=[alloc]) == missing
    assert err(ec2.release_address, AllocationId=alloc) == missing
    assert ec2.describe_addresses()["Addresses"] == []


def test_associate_address_to_network_interface(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    eni = ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]
    eid, private = eni["NetworkInterfaceId"], eni["PrivateIpAddress"]
    assert ipaddress.IPv4Address(private) in ipaddress.IPv4Network("10.0.1.0/24")
    a = ec2.allocate_address(Domain="vpc")
    alloc = a["AllocationId"]
    assert err(ec2.associate_address, AllocationId=alloc, NetworkInterfaceId=eid) == {
        "Code": "Gateway.NotAttached",
        "Message": f"Network {vid} is not attached to any internet gateway",
    }
    gid = attached_igw(ec2, vid)
    assoc = ec2.associate_address(AllocationId=alloc, NetworkInterfaceId=eid)["AssociationId"]
    assert assoc.startswith("eipassoc-")
    got = ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
    assert got == {
        "PublicIp": a["PublicIp"],
        "AllocationId": alloc,
        "AssociationId": assoc,
        "Domain": "vpc",
        "NetworkInterfaceId": eid,
        "NetworkInterfaceOwnerId": fresh.account_id,
        "PrivateIpAddress": private,
        "SubnetId": sid,
        "Tags": [],
        "PublicIpv4Pool": "amazon",
        "NetworkBorderGroup": "us-east-1",
    }
    # The ENI shows the association too.
    assoc_on_eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]["Association"]
    assert (assoc_on_eni["PublicIp"], assoc_on_eni["AllocationId"], assoc_on_eni["AssociationId"]) == (
        a["PublicIp"], alloc, assoc)
    assert [x["AllocationId"] for x in ec2.describe_addresses(
        Filters=[{"Name": "network-interface-id", "Values": [eid]}])["Addresses"]] == [alloc]
    e = err(ec2.associate_address, AllocationId=alloc, NetworkInterfaceId=eid)
    assert e["Code"] == "Resource.AlreadyAssociated"
    assert err(ec2.release_address, AllocationId=alloc) == {
        "Code": "InvalidIPAddress.InUse",
        "Message": f"Address {a['PublicIp']} is in use.",
    }
    assert err(ec2.detach_internet_gateway, InternetGatewayId=gid, VpcId=vid) == {
        "Code": "DependencyViolation",
        "Message": f"Network {vid} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.",
    }
    # A NAT gateway's address and ENI are off limits.
    nat_alloc = ec2.allocate_address()["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=sid, AllocationId=nat_alloc)["NatGateway"]["NatGatewayId"]
    nat_eni = ec2.describe_nat_gateways(NatGatewayIds=[nat])["NatGateways"][0]["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    e = err(ec2.associate_address, AllocationId=nat_alloc, NetworkInterfaceId=eid, AllowReassociation=True)
    assert e["Code"] == "AuthFailure"
    e = err(ec2.associate_address, AllocationId=alloc, NetworkInterfaceId=nat_eni, AllowReassociation=True)
    assert e["Code"] == "AuthFailure"
    ec2.delete_nat_gateway(NatGatewayId=nat)
    ec2.release_address(AllocationId=nat_alloc)
    ec2.disassociate_address(AssociationId=assoc)
    assert err(ec2.disassociate_address, AssociationId=assoc) == {
        "Code": "InvalidAssociationID.NotFound",
        "Message": f"The association ID '{assoc}' does not exist",
    }
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
    ec2.detach_internet_gateway(InternetGatewayId=gid, VpcId=vid)
    ec2.release_address(AllocationId=alloc)
    assert err(ec2.associate_address, AllocationId=alloc, NetworkInterfaceId=eid)["Code"] == "InvalidAllocationID.NotFound"
    spare = ec2.allocate_address()["AllocationId"]
    assert err(ec2.associate_address, AllocationId=spare, InstanceId="i-0123456789abcdef0") == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance ID 'i-0123456789abcdef0' does not exist",
    }


# ---------------------------------------------------------------------------
# NAT gateways
# ---------------------------------------------------------------------------


def test_public_nat_gateway_lifecycle(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    gid = attached_igw(ec2, vid)
    eip = ec2.allocate_address(Domain="vpc")
    alloc, public = eip["AllocationId"], eip["PublicIp"]
    out = ec2.create_nat_gateway(
        SubnetId=sid,
        AllocationId=alloc,
        ClientToken="nat-token",
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "egress"}]}],
    )
    assert out["ClientToken"] == "nat-token"
    nat = out["NatGateway"]
    nid = nat["NatGatewayId"]
    assert nid.startswith("nat-")
    assert nat["State"] == "pending"
    assert nat["ConnectivityType"] == "public"
    assert nat["SubnetId"] == sid and nat["VpcId"] == vid
    assert nat["NatGatewayAddresses"][0]["AllocationId"] == alloc
    assert nat["Tags"] == [{"Key": "Name", "Value": "egress"}]
    assert isinstance(nat["CreateTime"], datetime.datetime)

    got = ec2.describe_nat_gateways(NatGatewayIds=[nid])["NatGateways"][0]
    assert got["State"] == "available"
    assert "DeleteTime" not in got and "FailureCode" not in got
    addr = got["NatGatewayAddresses"][0]
    assert addr["AllocationId"] == alloc and addr["PublicIp"] == public
    assert addr["IsPrimary"] is True and addr["Status"] == "succeeded"
    assert addr["NetworkInterfaceId"].startswith("eni-") and addr["AssociationId"].startswith("eipassoc-")
    assert addr["PrivateIp"].startswith("10.0.1.")
    for f in [
        {"Name": "vpc-id", "Values": [vid]},
        {"Name": "subnet-id", "Values": [sid]},
        {"Name": "state", "Values": ["available"]},
        {"Name": "nat-gateway-id", "Values": [nid]},
        {"Name": "tag:Name", "Values": ["egress"]},
    ]:
        assert [n["NatGatewayId"] for n in ec2.describe_nat_gateways(Filter=[f])["NatGateways"]] == [nid], f

    # The gateway's address is an ordinary associated EIP that the user cannot take away.
    e = ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
    assert e["AssociationId"] == addr["AssociationId"]
    assert e["NetworkInterfaceId"] == addr["NetworkInterfaceId"] and e["PrivateIpAddress"] == addr["PrivateIp"]
    assert err(ec2.release_address, AllocationId=alloc) == {
        "Code": "InvalidIPAddress.InUse",
        "Message": f"Address {public} is in use.",
    }
    assert err(ec2.disassociate_address, AssociationId=addr["AssociationId"])["Code"] == "AuthFailure"
    assert err(ec2.detach_internet_gateway, InternetGatewayId=gid, VpcId=vid) == {
        "Code": "DependencyViolation",
        "Message": f"Network {vid} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.",
    }
    assert err(ec2.delete_subnet, SubnetId=sid)["Code"] == "DependencyViolation"
    assert err(ec2.create_nat_gateway, SubnetId=sid, AllocationId=alloc) == {
        "Code": "Resource.AlreadyAssociated",
        "Message": f"Elastic IP address [{alloc}] is already associated",
    }

    # Its ENI, requester-managed.
    [eni] = ec2.describe_network_interfaces(NetworkInterfaceIds=[addr["NetworkInterfaceId"]])["NetworkInterfaces"]
    assert eni["InterfaceType"] == "nat_gateway" and eni["RequesterManaged"] is True
    assert eni["SubnetId"] == sid and eni["PrivateIpAddress"] == addr["PrivateIp"]
    assert eni["Association"]["PublicIp"] == public
    assert eni["Association"]["AllocationId"] == alloc and eni["Association"]["AssociationId"] == addr["AssociationId"]
    assert eni["Description"] == f"Interface for NAT Gateway {nid}"
    assert eni["Status"] == "in-use"

    rtb = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rtb, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nid)

    def nat_route():
        rt = ec2.describe_route_tables(RouteTableIds=[rtb])["RouteTables"][0]
        return next(r for r in rt["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0")

    assert nat_route()["NatGatewayId"] == nid and nat_route()["State"] == "active"

    assert ec2.delete_nat_gateway(NatGatewayId=nid)["NatGatewayId"] == nid
    gone = ec2.describe_nat_gateways(NatGatewayIds=[nid])["NatGateways"][0]
    assert gone["State"] == "deleted"
    assert gone["DeleteTime"] >= gone["CreateTime"]
    assert nat_route()["State"] == "blackhole"
    found = ec2.describe_route_tables(Filters=[{"Name": "route.state", "Values": ["blackhole"]}])["RouteTables"]
    assert [t["RouteTableId"] for t in found] == [rtb]
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
    # A deleted gateway is no longer a route target, and is no longer in the way.
    e = err(ec2.create_route, RouteTableId=rtb, DestinationCidrBlock="10.8.0.0/16", NatGatewayId=nid)
    assert e == {"Code": "InvalidGatewayID.NotFound", "Message": f"The gateway ID '{nid}' does not exist"}
    ec2.detach_internet_gateway(InternetGatewayId=gid, VpcId=vid)
    ec2.release_address(AllocationId=alloc)
    ec2.delete_subnet(SubnetId=sid)

    missing = "nat-0123456789abcdef0"
    assert err(ec2.describe_nat_gateways, NatGatewayIds=[missing]) == {
        "Code": "NatGatewayNotFound",
        "Message": f"NAT gateway {missing} was not found",
    }
    assert err(ec2.delete_nat_gateway, NatGatewayId=missing)["Code"] == "NatGatewayNotFound"


def test_nat_gateway_in_vpc_without_internet_gateway_fails(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=sid, AllocationId=alloc)["NatGateway"]
    assert nat["State"] == "pending"
    got = ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]
    assert got["State"] == "failed"
    assert got["FailureCode"] == "Gateway.NotAttached"
    assert got["FailureMessage"] == f"Network {vid} has no Internet gateway attached"
    assert got["NatGatewayAddresses"][0]["AllocationId"] == alloc
    assert got["NatGatewayAddresses"][0]["Status"] == "failed"
    assert "NetworkInterfaceId" not in got["NatGatewayAddresses"][0]
    failed = ec2.describe_nat_gateways(Filter=[{"Name": "state", "Values": ["failed"]}])["NatGateways"]
    assert [n["NatGatewayId"] for n in failed] == [nat["NatGatewayId"]]
    # The address was never taken.
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[alloc])["Addresses"][0]
    ec2.release_address(AllocationId=alloc)
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])
    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "deleted"


def test_private_nat_gateway_and_parameter_errors(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    nat = ec2.create_nat_gateway(SubnetId=sid, ConnectivityType="private", PrivateIpAddress="10.0.1.50")["NatGateway"]
    assert nat["ConnectivityType"] == "private" and nat["State"] == "pending"
    got = ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]
    assert got["State"] == "available"
    addr = got["NatGatewayAddresses"][0]
    assert addr["PrivateIp"] == "10.0.1.50" and "PublicIp" not in addr and "AllocationId" not in addr
    alloc = ec2.allocate_address()["AllocationId"]
    e = err(ec2.create_nat_gateway, SubnetId=sid, ConnectivityType="private", AllocationId=alloc)
    assert e["Code"] == "InvalidParameterCombination"
    assert err(ec2.create_nat_gateway, SubnetId=sid)["Code"] == "MissingParameter"
    assert err(ec2.create_nat_gateway, SubnetId="subnet-0123456789abcdef0", AllocationId=alloc) == {
        "Code": "InvalidSubnetID.NotFound",
        "Message": "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    }
    assert err(ec2.create_nat_gateway, SubnetId=sid, AllocationId="eipalloc-0123456789abcdef0") == {
        "Code": "InvalidAllocationID.NotFound",
        "Message": "The allocation ID 'eipalloc-0123456789abcdef0' does not exist",
    }
    e = err(ec2.describe_nat_gateways, NatGatewayIds=[nat["NatGatewayId"]], MaxResults=5)
    assert e["Code"] == "InvalidParameterCombination"


# ---------------------------------------------------------------------------
# AWS CLI
# ---------------------------------------------------------------------------


def test_cli_gateways_and_addresses(fresh, cli):
    vpc = cli.ok("ec2", "create-vpc", "--cidr-block", "10.30.0.0/16")["Vpc"]["VpcId"]
    sub = cli.ok("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.30.1.0/24")["Subnet"]["SubnetId"]
    igw = cli.ok("ec2", "create-internet-gateway")["InternetGateway"]["InternetGatewayId"]
    assert cli.ok("ec2", "attach-internet-gateway", "--internet-gateway-id", igw, "--vpc-id", vpc) is None
    stderr = cli.err("ec2", "delete-internet-gateway", "--internet-gateway-id", igw, code="DependencyViolation")
    assert f"The internetGateway '{igw}' has dependencies and cannot be deleted." in stderr
    eip = cli.ok("ec2", "allocate-address", "--domain", "vpc")
    nat = cli.ok("ec2", "create-nat-gateway", "--subnet-id", sub, "--allocation-id", eip["AllocationId"])["NatGateway"]
    assert nat["State"] == "pending"
    out = cli.ok("ec2", "describe-nat-gateways", "--nat-gateway-ids", nat["NatGatewayId"])["NatGateways"][0]
    assert out["State"] == "available" and out["NatGatewayAddresses"][0]["PublicIp"] == eip["PublicIp"]
    addrs = cli.ok("ec2", "describe-addresses", "--public-ips", eip["PublicIp"])["Addresses"]
    assert [a["AllocationId"] for a in addrs] == [eip["AllocationId"]]
    nat_addr = out["NatGatewayAddresses"][0]
    assert addrs[0]["NetworkInterfaceId"] == nat_addr["NetworkInterfaceId"]
    assert addrs[0]["AssociationId"] == nat_addr["AssociationId"]
    assert addrs[0]["PrivateIpAddress"] == nat_addr["PrivateIp"]
    stderr = cli.err("ec2", "release-address", "--allocation-id", eip["AllocationId"], code="InvalidIPAddress.InUse")
    assert f"Address {eip['PublicIp']} is in use." in stderr
    eigw = cli.ok("ec2", "create-egress-only-internet-gateway", "--vpc-id", vpc)["EgressOnlyInternetGateway"]
    listed = cli.ok("ec2", "describe-egress-only-internet-gateways")["EgressOnlyInternetGateways"]
    assert [g["EgressOnlyInternetGatewayId"] for g in listed] == [eigw["EgressOnlyInternetGatewayId"]]
    igws = cli.ok("ec2", "describe-internet-gateways", "--filters", f"Name=attachment.vpc-id,Values={vpc}")
    assert [g["InternetGatewayId"] for g in igws["InternetGateways"]] == [igw]
