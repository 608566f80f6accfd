"""Elastic network interfaces through boto3 and the AWS CLI (issue 2)."""

import ipaddress
import re

import boto3
import botocore.exceptions
import pytest
from botocore.config import Config

import strict

from ecs_support import assert_pages
from harness import DEFAULT_ACCOUNT_ID as ACCOUNT


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def free(ec2, sid):
    return ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]["AvailableIpAddressCount"]


def vpc_with_subnet(ec2, sub="10.0.1.0/24", zone="us-east-1a"):
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock=sub, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    return vid, sid


def test_create_and_describe_user_eni(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    dflt = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]["GroupId"]
    out = ec2.create_network_interface(
        SubnetId=sid,
        Description="my eni",
        TagSpecifications=[{"ResourceType": "network-interface", "Tags": [{"Key": "Name", "Value": "eni1"}]}],
        ClientToken="c-1",
    )
    assert out["ClientToken"] == "c-1"
    e = out["NetworkInterface"]
    ip = e["PrivateIpAddress"]
    assert ipaddress.ip_address(ip) in ipaddress.ip_network("10.0.1.0/24")
    # Never one of the five reserved addresses (N11).
    assert ip not in {"10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"}
    dns = f"ip-{ip.replace('.', '-')}.ec2.internal"
    assert e == {
        "AvailabilityZone": "us-east-1a",
        "AvailabilityZoneId": e["AvailabilityZoneId"],
        "Description": "my eni",
        "Groups": [{"GroupId": dflt, "GroupName": "default"}],
        "InterfaceType": "interface",
        "Ipv6Addresses": [],
        "MacAddress": e["MacAddress"],
        "NetworkInterfaceId": e["NetworkInterfaceId"],
        "OwnerId": ACCOUNT,
        "PrivateDnsName": dns,
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": [{"Primary": True, "PrivateDnsName": dns, "PrivateIpAddress": ip}],
        "RequesterManaged": False,
        "SourceDestCheck": True,
        "Status": "available",
        "SubnetId": sid,
        "TagSet": [{"Key": "Name", "Value": "eni1"}],
        "VpcId": vid,
    }
    assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", e["MacAddress"])
    assert re.fullmatch(r"eni-[0-9a-f]{17}", e["NetworkInterfaceId"])
    got = ec2.describe_network_interfaces(NetworkInterfaceIds=[e["NetworkInterfaceId"]])["NetworkInterfaces"]
    assert got == [e]
    for name, value in [
        ("private-ip-address", ip), ("subnet-id", sid), ("status", "available"), ("group-name", "default"),
        ("requester-managed", "false"), ("tag:Name", "eni1"), ("description", "my*"), ("private-dns-name", dns),
    ]:
        hit = ec2.describe_network_interfaces(Filters=[{"Name": name, "Values": [value]}])["NetworkInterfaces"]
        assert [x["NetworkInterfaceId"] for x in hit] == [e["NetworkInterfaceId"]], name
    assert err(ec2.describe_network_interfaces, Filters=[{"Name": "nope", "Values": ["x"]}]) == {
        "Code": "InvalidParameterValue",
        "Message": "The filter 'nope' is invalid",
    }
    ec2.delete_network_interface(NetworkInterfaceId=e["NetworkInterfaceId"])
    assert err(ec2.describe_network_interfaces, NetworkInterfaceIds=[e["NetworkInterfaceId"]]) == {
        "Code": "InvalidNetworkInterfaceID.NotFound",
        "Message": f"The networkInterface ID '{e['NetworkInterfaceId']}' does not exist",
    }


def test_private_dns_name_outside_us_east_1(fresh, aws):
    ec2 = aws.ec2("eu-west-2")
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    e = ec2.create_network_interface(SubnetId=sid, PrivateIpAddress="10.0.1.243")["NetworkInterface"]
    assert e["PrivateDnsName"] == "ip-10-0-1-243.eu-west-2.compute.internal"
    assert e["AvailabilityZone"].startswith("eu-west-2")


def test_addresses_exhaust_a_slash_28_and_come_back(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2, "10.0.0.0/28")
    assert free(ec2, sid) == 11
    first = ec2.create_network_interface(SubnetId=sid, PrivateIpAddress="10.0.0.4", SecondaryPrivateIpAddressCount=4)
    first = first["NetworkInterface"]
    assert first["PrivateIpAddress"] == "10.0.0.4"
    assert len(first["PrivateIpAddresses"]) == 5 and [p["Primary"] for p in first["PrivateIpAddresses"]].count(True) == 1
    assert free(ec2, sid) == 6
    assert err(ec2.create_network_interface, SubnetId=sid, PrivateIpAddress="10.0.0.4") == {
        "Code": "InvalidIPAddress.InUse",
        "Message": "The specified address is already in use.",
    }
    assert err(ec2.create_network_interface, SubnetId=sid, PrivateIpAddress="10.0.0.1")["Code"] == "InvalidParameter"
    assert free(ec2, sid) == 6
    others = [ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]["NetworkInterfaceId"] for _ in range(6)]
    assert free(ec2, sid) == 0
    assert err(ec2.create_network_interface, SubnetId=sid) == {
        "Code": "InsufficientFreeAddressesInSubnet",
        "Message": "The specified subnet does not have enough free addresses to satisfy the request.",
    }
    used = {p["PrivateIpAddress"] for e in ec2.describe_network_interfaces(Filters=[{"Name": "subnet-id", "Values": [sid]}])["NetworkInterfaces"] for p in e["PrivateIpAddresses"]}
    assert used == {f"10.0.0.{i}" for i in range(4, 15)}
    ec2.delete_network_interface(NetworkInterfaceId=first["NetworkInterfaceId"])
    assert free(ec2, sid) == 5
    for o in others:
        ec2.delete_network_interface(NetworkInterfaceId=o)
    assert free(ec2, sid) == 11
    # A request that cannot be met takes nothing.
    assert err(ec2.create_network_interface, SubnetId=sid, SecondaryPrivateIpAddressCount=11)["Code"] == (
        "InsufficientFreeAddressesInSubnet"
    )
    assert free(ec2, sid) == 11
    ec2.delete_subnet(SubnetId=sid)


def test_private_and_ipv6_address_assignment(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    block = vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    s64 = block.split("::")[0][:-2] + "01::/64"
    sid = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.1.0/24", Ipv6CidrBlock=s64)["Subnet"]["SubnetId"]
    e = ec2.create_network_interface(
        SubnetId=sid,
        PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.10", "Primary": True}, {"PrivateIpAddress": "10.0.1.11", "Primary": False}],
        Ipv6AddressCount=1,
    )["NetworkInterface"]
    eid = e["NetworkInterfaceId"]
    assert e["PrivateIpAddress"] == "10.0.1.10"
    assert [(p["PrivateIpAddress"], p["Primary"]) for p in e["PrivateIpAddresses"]] == [("10.0.1.10", True), ("10.0.1.11", False)]
    assert len(e["Ipv6Addresses"]) == 1
    v6 = e["Ipv6Addresses"][0]["Ipv6Address"]
    assert ipaddress.ip_address(v6) in ipaddress.ip_network(s64) and e["Ipv6Addresses"][0]["IsPrimaryIpv6"] is False
    assert free(ec2, sid) == 249

    out = ec2.assign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=["10.0.1.20"], )
    assert out["NetworkInterfaceId"] == eid
    assert out["AssignedPrivateIpAddresses"] == [{"PrivateIpAddress": "10.0.1.20"}]
    out = ec2.assign_private_ip_addresses(NetworkInterfaceId=eid, SecondaryPrivateIpAddressCount=2)
    assert len(out["AssignedPrivateIpAddresses"]) == 2
    assert free(ec2, sid) == 246
    other = ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]["NetworkInterfaceId"]
    assert err(ec2.assign_private_ip_addresses, NetworkInterfaceId=other, PrivateIpAddresses=["10.0.1.20"]) == {
        "Code": "InvalidIPAddress.InUse",
        "Message": "The specified address is already in use.",
    }
    # A request that fails moves nothing, even with AllowReassignment.
    e = err(ec2.assign_private_ip_addresses, NetworkInterfaceId=other, PrivateIpAddresses=["10.0.1.20", "10.0.1.1"], AllowReassignment=True)
    assert e["Code"] == "InvalidParameter"
    held = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]["PrivateIpAddresses"]
    assert "10.0.1.20" in {p["PrivateIpAddress"] for p in held}
    # AllowReassignment moves a secondary address.
    ec2.assign_private_ip_addresses(NetworkInterfaceId=other, PrivateIpAddresses=["10.0.1.20"], AllowReassignment=True)
    moved = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid, other])["NetworkInterfaces"]
    holders = {x["NetworkInterfaceId"]: {p["PrivateIpAddress"] for p in x["PrivateIpAddresses"]} for x in moved}
    assert "10.0.1.20" in holders[other] and "10.0.1.20" not in holders[eid]

    ec2.unassign_private_ip_addresses(NetworkInterfaceId=eid, PrivateIpAddresses=["10.0.1.11"])
    e = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert "10.0.1.11" not in {p["PrivateIpAddress"] for p in e["PrivateIpAddresses"]}
    assert err(ec2.unassign_private_ip_addresses, NetworkInterfaceId=eid, PrivateIpAddresses=["10.0.1.10"])["Code"] == "InvalidParameter"
    assert err(ec2.unassign_private_ip_addresses, NetworkInterfaceId=eid, PrivateIpAddresses=["10.0.1.99"])["Code"] == "InvalidParameter"

    out = ec2.assign_ipv6_addresses(NetworkInterfaceId=eid, Ipv6AddressCount=2)
    assert out["NetworkInterfaceId"] == eid and len(out["AssignedIpv6Addresses"]) == 2
    e = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert len(e["Ipv6Addresses"]) == 3
    hit = ec2.describe_network_interfaces(Filters=[{"Name": "ipv6-addresses.ipv6-address", "Values": [v6]}])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in hit] == [eid]
    out = ec2.unassign_ipv6_addresses(NetworkInterfaceId=eid, Ipv6Addresses=[v6])
    assert out["UnassignedIpv6Addresses"] == [v6]
    e = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert v6 not in {a["Ipv6Address"] for a in e["Ipv6Addresses"]}
    given = ec2.assign_ipv6_addresses(NetworkInterfaceId=eid, Ipv6Addresses=[v6])["AssignedIpv6Addresses"]
    assert given == [v6]
    assert err(ec2.assign_ipv6_addresses, NetworkInterfaceId=other, Ipv6Addresses=[v6])["Code"] == "InvalidIPAddress.InUse"

    # No IPv6 block on the subnet: no IPv6 addresses.
    plain = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    assert err(ec2.create_network_interface, SubnetId=plain, Ipv6AddressCount=1)["Code"] == "InvalidParameter"


def test_attributes(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    sg = ec2.create_security_group(GroupName="g", Description="g", VpcId=vid)["GroupId"]
    eid = ec2.create_network_interface(SubnetId=sid, Description="before")["NetworkInterface"]["NetworkInterfaceId"]
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eid, Description={"Value": "after"})
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eid, SourceDestCheck={"Value": False})
    ec2.modify_network_interface_attribute(NetworkInterfaceId=eid, Groups=[sg])
    got = ec2.describe_network_interface_attribute(NetworkInterfaceId=eid, Attribute="description")
    assert got["Description"] == {"Value": "after"} and got["NetworkInterfaceId"] == eid
    got = ec2.describe_network_interface_attribute(NetworkInterfaceId=eid, Attribute="sourceDestCheck")
    assert got["SourceDestCheck"] == {"Value": False}
    got = ec2.describe_network_interface_attribute(NetworkInterfaceId=eid, Attribute="groupSet")
    assert got["Groups"] == [{"GroupId": sg, "GroupName": "g"}]
    got = ec2.describe_network_interface_attribute(NetworkInterfaceId=eid, Attribute="attachment")
    assert "Attachment" not in got
    got = ec2.describe_network_interface_attribute(NetworkInterfaceId=eid, Attribute="associatePublicIpAddress")
    assert got["AssociatePublicIpAddress"] is False
    e = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert e["Description"] == "after" and e["SourceDestCheck"] is False and e["Groups"][0]["GroupId"] == sg
    e = err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid, Description={"Value": "x"}, SourceDestCheck={"Value": True})
    assert e["Code"] == "InvalidParameterCombination"
    assert err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid, Groups=["sg-0123456789abcdef0"]) == {
        "Code": "InvalidGroup.NotFound",
        "Message": "The security group 'sg-0123456789abcdef0' does not exist",
    }
    foreign = ec2.create_security_group(GroupName="f", Description="f", VpcId=ec2.create_vpc(CidrBlock="10.8.0.0/16")["Vpc"]["VpcId"])["GroupId"]
    assert err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid, Groups=[foreign]) == {
        "Code": "InvalidParameter",
        "Message": f"Security group {foreign} and subnet {sid} belong to different networks.",
    }


def test_no_instances_to_attach_to(fresh, aws):
    ec2 = aws.ec2()
    _, sid = vpc_with_subnet(ec2)
    eid = ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]["NetworkInterfaceId"]
    assert err(ec2.attach_network_interface, NetworkInterfaceId=eid, InstanceId="i-0123456789abcdef0", DeviceIndex=1) == {
        "Code": "InvalidInstanceID.NotFound",
        "Message": "The instance ID 'i-0123456789abcdef0' does not exist",
    }
    assert err(ec2.detach_network_interface, AttachmentId="eni-attach-0123456789abcdef0") == {
        "Code": "InvalidAttachmentID.NotFound",
        "Message": "The attachment ID 'eni-attach-0123456789abcdef0' does not exist",
    }
    assert err(ec2.delete_network_interface, NetworkInterfaceId="eni-0123456789abcdef0") == {
        "Code": "InvalidNetworkInterfaceID.NotFound",
        "Message": "The networkInterface ID 'eni-0123456789abcdef0' does not exist",
    }
    assert err(ec2.create_network_interface, SubnetId="subnet-0123456789abcdef0") == {
        "Code": "InvalidSubnetID.NotFound",
        "Message": "The subnet ID 'subnet-0123456789abcdef0' does not exist",
    }


def test_requester_managed_endpoint_enis_are_not_yours(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    ep = ec2.create_vpc_endpoint(
        VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.ecs", SubnetIds=[sid]
    )["VpcEndpoint"]
    eid = ep["NetworkInterfaceIds"][0]
    e = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    att = e["Attachment"]
    assert e["RequesterManaged"] is True and e["RequesterId"] and e["RequesterId"] != ACCOUNT
    assert e["InterfaceType"] == "vpc_endpoint" and e["Status"] == "in-use"
    assert e["Description"] == f"VPC Endpoint Interface {ep['VpcEndpointId']}"
    assert set(att) == {"AttachTime", "AttachmentId", "DeleteOnTermination", "DeviceIndex", "NetworkCardIndex", "InstanceOwnerId", "Status"}
    assert (att["DeviceIndex"], att["NetworkCardIndex"], att["Status"], att["DeleteOnTermination"]) == (1, 0, "attached", False)
    not_yours = {"Code": "OperationNotPermitted", "Message": "You are not allowed to manage 'ela-attach' attachments."}
    assert err(ec2.delete_network_interface, NetworkInterfaceId=eid) == not_yours
    assert err(ec2.detach_network_interface, AttachmentId=att["AttachmentId"]) == not_yours
    assert err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid, Description={"Value": "x"}) == not_yours
    assert err(ec2.assign_private_ip_addresses, NetworkInterfaceId=eid, SecondaryPrivateIpAddressCount=1) == not_yours
    hit = ec2.describe_network_interfaces(Filters=[{"Name": "attachment.attachment-id", "Values": [att["AttachmentId"]]}])
    assert [x["NetworkInterfaceId"] for x in hit["NetworkInterfaces"]] == [eid]
    ec2.delete_vpc_endpoints(VpcEndpointIds=[ep["VpcEndpointId"]])
    assert err(ec2.describe_network_interfaces, NetworkInterfaceIds=[eid])["Code"] == "InvalidNetworkInterfaceID.NotFound"


def test_elastic_ip_association_shows_on_the_eni(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    eni = ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]
    eid = eni["NetworkInterfaceId"]
    assert "Association" not in eni
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    alloc = ec2.allocate_address(Domain="vpc")
    ip = alloc["PublicIp"]
    assert alloc["AllocationId"].startswith("eipalloc-") and not ipaddress.IPv4Address(ip).is_private
    assoc = ec2.associate_address(AllocationId=alloc["AllocationId"], NetworkInterfaceId=eid)["AssociationId"]
    assert re.fullmatch(r"eipassoc-[0-9a-f]{17}", assoc)
    e = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    expected = {
        "AllocationId": alloc["AllocationId"],
        "AssociationId": assoc,
        "IpOwnerId": ACCOUNT,
        "PublicDnsName": f"ec2-{ip.replace('.', '-')}.compute-1.amazonaws.com",
        "PublicIp": ip,
    }
    assert e["Association"] == expected
    assert e["PrivateIpAddresses"][0]["Association"] == expected
    hit = ec2.describe_network_interfaces(Filters=[{"Name": "association.public-ip", "Values": [ip]}])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in hit] == [eid]
    # EC2's view of the address names the ENI and its private address.
    addr = ec2.describe_addresses(AllocationIds=[alloc["AllocationId"]])["Addresses"][0]
    assert (addr["AssociationId"], addr["NetworkInterfaceId"], addr["PrivateIpAddress"]) == (
        assoc, eid, e["PrivateIpAddress"])
    ec2.disassociate_address(AssociationId=assoc)
    after = ec2.describe_network_interfaces(NetworkInterfaceIds=[eid])["NetworkInterfaces"][0]
    assert "Association" not in after and "Association" not in after["PrivateIpAddresses"][0]
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "association.public-ip", "Values": [ip]}])["NetworkInterfaces"] == []
    assert "AssociationId" not in ec2.describe_addresses(AllocationIds=[alloc["AllocationId"]])["Addresses"][0]


def test_pagination_and_limits(fresh, aws):
    ec2 = aws.ec2()
    _, sid = vpc_with_subnet(ec2)
    made = [ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]["NetworkInterfaceId"] for _ in range(7)]
    ident = lambda x: x["NetworkInterfaceId"]  # noqa: E731
    pages = assert_pages(ec2.describe_network_interfaces, "NetworkInterfaces", ident, 5, made, ordered=True)
    assert [len(p) for p in pages] == [5, 2]
    # With a filter the pages count only what matches.
    in_subnet = [{"Name": "subnet-id", "Values": [sid]}]
    assert [len(p) for p in assert_pages(ec2.describe_network_interfaces, "NetworkInterfaces", ident, 6, made,
                                         Filters=in_subnet)] == [6, 1]
    # botocore itself refuses MaxResults below 5; ask without its validation.
    raw = strict.install(boto3.session.Session().client(
        "ec2", region_name="us-east-1", endpoint_url=fresh.url, aws_access_key_id="test",
        aws_secret_access_key="test", config=Config(parameter_validation=False, retries={"total_max_attempts": 1}),
    ))
    assert err(raw.describe_network_interfaces, MaxResults=4) == {
        "Code": "InvalidParameterValue",
        "Message": "Value ( 4 ) for parameter maxResults is invalid. Expecting a value greater than 5.",
    }
    assert err(raw.describe_network_interfaces, MaxResults=1001)["Code"] == "InvalidParameterValue"
    e = err(raw.describe_network_interfaces, MaxResults=5, NetworkInterfaceIds=made[:1])
    assert e["Code"] == "InvalidParameterCombination"


def test_cli_network_interfaces(fresh, cli):
    vpc = cli.ok("ec2", "create-vpc", "--cidr-block", "10.60.0.0/16")["Vpc"]["VpcId"]
    sub = cli.ok("ec2", "create-subnet", "--vpc-id", vpc, "--cidr-block", "10.60.1.0/28")["Subnet"]["SubnetId"]
    eni = cli.ok(
        "ec2", "create-network-interface", "--subnet-id", sub, "--private-ip-address", "10.60.1.5",
        "--secondary-private-ip-address-count", "2",
    )["NetworkInterface"]
    assert eni["PrivateIpAddress"] == "10.60.1.5" and len(eni["PrivateIpAddresses"]) == 3
    out = cli.ok("ec2", "describe-subnets", "--subnet-ids", sub)
    assert out["Subnets"][0]["AvailableIpAddressCount"] == 8
    stderr = cli.err("ec2", "create-network-interface", "--subnet-id", sub, "--private-ip-address", "10.60.1.5", code="InvalidIPAddress.InUse")
    assert "The specified address is already in use." in stderr
    got = cli.ok("ec2", "describe-network-interfaces", "--filters", f"Name=subnet-id,Values={sub}")["NetworkInterfaces"]
    assert [g["NetworkInterfaceId"] for g in got] == [eni["NetworkInterfaceId"]]
    assert cli.ok("ec2", "delete-network-interface", "--network-interface-id", eni["NetworkInterfaceId"]) is None
    stderr = cli.err("ec2", "describe-network-interfaces", "--network-interface-ids", eni["NetworkInterfaceId"],
                     code="InvalidNetworkInterfaceID.NotFound")
    assert f"The networkInterface ID '{eni['NetworkInterfaceId']}' does not exist" in stderr
