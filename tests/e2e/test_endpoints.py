"""DHCP options, VPC endpoints, endpoint services and prefix lists (issue 2)."""

import ipaddress
import json

import botocore.exceptions
import pytest

from ecs_support import assert_pages
from harness import DEFAULT_ACCOUNT_ID as ACCOUNT
S3_PL = "pl-63a5400a"


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def dns_vpc(ec2, hostnames=True):
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    if hostnames:
        ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    a = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    b = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.2.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    return vid, a, b


def free(ec2, sid):
    return ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]["AvailableIpAddressCount"]


# ---------------------------------------------------------------------------
# DHCP options
# ---------------------------------------------------------------------------


def test_dhcp_options_lifecycle(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]
    default_set = ec2.describe_dhcp_options(DhcpOptionsIds=[vpc["DhcpOptionsId"]])["DhcpOptions"][0]
    assert default_set["DhcpConfigurations"] == [
        {"Key": "domain-name", "Values": [{"Value": "ec2.internal"}]},
        {"Key": "domain-name-servers", "Values": [{"Value": "AmazonProvidedDNS"}]},
    ]
    made = ec2.create_dhcp_options(
        DhcpConfigurations=[
            {"Key": "domain-name", "Values": ["corp.example"]},
            {"Key": "domain-name-servers", "Values": ["10.0.0.2", "AmazonProvidedDNS"]},
        ],
        TagSpecifications=[{"ResourceType": "dhcp-options", "Tags": [{"Key": "Name", "Value": "corp"}]}],
    )["DhcpOptions"]
    did = made["DhcpOptionsId"]
    assert did.startswith("dopt-") and made["OwnerId"] == ACCOUNT
    assert made["Tags"] == [{"Key": "Name", "Value": "corp"}]
    assert made["DhcpConfigurations"][1] == {
        "Key": "domain-name-servers",
        "Values": [{"Value": "10.0.0.2"}, {"Value": "AmazonProvidedDNS"}],
    }
    hit = ec2.describe_dhcp_options(Filters=[{"Name": "value", "Values": ["corp.example"]}])["DhcpOptions"]
    assert [d["DhcpOptionsId"] for d in hit] == [did]
    ec2.associate_dhcp_options(DhcpOptionsId=did, VpcId=vpc["VpcId"])
    assert ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["DhcpOptionsId"] == did
    assert err(ec2.delete_dhcp_options, DhcpOptionsId=did) == {
        "Code": "DependencyViolation",
        "Message": f"The dhcpOptions '{did}' has dependencies and cannot be deleted.",
    }
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vpc["VpcId"])
    assert ec2.describe_vpcs(VpcIds=[vpc["VpcId"]])["Vpcs"][0]["DhcpOptionsId"] == "default"
    ec2.delete_dhcp_options(DhcpOptionsId=did)
    assert err(ec2.describe_dhcp_options, DhcpOptionsIds=[did]) == {
        "Code": "InvalidDhcpOptionID.NotFound",
        "Message": f"The dhcpOptions ID '{did}' does not exist",
    }
    assert err(ec2.associate_dhcp_options, DhcpOptionsId=did, VpcId=vpc["VpcId"])["Code"] == "InvalidDhcpOptionID.NotFound"
    e = err(ec2.create_dhcp_options, DhcpConfigurations=[{"Key": "no-such-key", "Values": ["x"]}])
    assert e["Code"] == "InvalidParameterValue"


def test_cli_dhcp_options(fresh, cli):
    out = cli.ok("ec2", "create-dhcp-options", "--dhcp-configurations", "Key=domain-name,Values=example.internal")
    did = out["DhcpOptions"]["DhcpOptionsId"]
    got = cli.ok("ec2", "describe-dhcp-options", "--dhcp-options-ids", did)["DhcpOptions"][0]
    assert got["DhcpConfigurations"] == [{"Key": "domain-name", "Values": [{"Value": "example.internal"}]}]
    assert cli.ok("ec2", "delete-dhcp-options", "--dhcp-options-id", did) is None
    stderr = cli.err("ec2", "describe-dhcp-options", "--dhcp-options-ids", did, code="InvalidDhcpOptionID.NotFound")
    assert f"The dhcpOptions ID '{did}' does not exist" in stderr


# ---------------------------------------------------------------------------
# Endpoint services and prefix lists
# ---------------------------------------------------------------------------


def test_endpoint_services_catalog(fresh, aws):
    ec2 = aws.ec2()
    out = ec2.describe_vpc_endpoint_services()
    names = out["ServiceNames"]
    for short in ["s3", "dynamodb", "ecr.api", "ecr.dkr", "ecs", "logs", "secretsmanager", "ssm", "sts"]:
        assert f"com.amazonaws.us-east-1.{short}" in names
    s3 = [d for d in out["ServiceDetails"] if d["ServiceName"] == "com.amazonaws.us-east-1.s3"]
    assert sorted(t["ServiceType"] for d in s3 for t in d["ServiceType"]) == ["Gateway", "Interface"]
    gw = [d for d in s3 if d["ServiceType"] == [{"ServiceType": "Gateway"}]][0]
    assert gw["BaseEndpointDnsNames"] == ["s3.us-east-1.amazonaws.com"] and "PrivateDnsName" not in gw
    gateways = ec2.describe_vpc_endpoint_services(Filters=[{"Name": "service-type", "Values": ["Gateway"]}])
    assert gateways["ServiceNames"] == ["com.amazonaws.us-east-1.dynamodb", "com.amazonaws.us-east-1.s3"]

    dkr = ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.us-east-1.ecr.dkr"])["ServiceDetails"]
    assert len(dkr) == 1
    d = dkr[0]
    zones = [z["ZoneName"] for z in ec2.describe_availability_zones()["AvailabilityZones"]]
    assert d["ServiceType"] == [{"ServiceType": "Interface"}]
    assert d["ServiceId"].startswith("vpce-svc-") and d["ServiceRegion"] == "us-east-1"
    assert d["AvailabilityZones"] == zones and d["Owner"] == "amazon"
    assert d["BaseEndpointDnsNames"] == ["dkr.ecr.us-east-1.vpce.amazonaws.com"]
    assert d["PrivateDnsName"] == "*.dkr.ecr.us-east-1.amazonaws.com"
    assert d["PrivateDnsNames"] == [{"PrivateDnsName": "*.dkr.ecr.us-east-1.amazonaws.com"}]
    assert d["VpcEndpointPolicySupported"] is True and d["AcceptanceRequired"] is False
    assert d["ManagesVpcEndpoints"] is False and d["PayerResponsibility"] == "ServiceOwner"
    assert d["PrivateDnsNameVerificationState"] == "verified"
    assert d["SupportedIpAddressTypes"] == ["ipv4"]  # ECR has no dual-stack interface endpoints (N40)
    ecs = ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.us-east-1.ecs"])["ServiceDetails"][0]
    assert ecs["SupportedIpAddressTypes"] == ["ipv4", "ipv6"]

    eu = aws.ec2("eu-west-1").describe_vpc_endpoint_services(
        Filters=[{"Name": "service-name", "Values": ["*.ecr.api"]}]
    )
    assert eu["ServiceNames"] == ["com.amazonaws.eu-west-1.ecr.api"]
    assert eu["ServiceDetails"][0]["BaseEndpointDnsNames"] == ["api.ecr.eu-west-1.vpce.amazonaws.com"]
    assert err(ec2.describe_vpc_endpoint_services, ServiceNames=["com.amazonaws.us-east-1.nope"]) == {
        "Code": "InvalidServiceName",
        "Message": "The Vpc Endpoint Service 'com.amazonaws.us-east-1.nope' does not exist",
    }
    # Pages of 5 service details: exact sizes, a token exactly while more remain, the catalog order.
    ident = lambda x: (x["ServiceName"], x["ServiceType"][0]["ServiceType"])  # noqa: E731
    catalog = [ident(x) for x in out["ServiceDetails"]]
    assert "NextToken" not in out and len(catalog) > 10
    pages = assert_pages(ec2.describe_vpc_endpoint_services, "ServiceDetails", ident, 5, catalog, ordered=True)
    assert len(pages) == -(-len(catalog) // 5)


def test_prefix_lists(fresh, aws):
    ec2 = aws.ec2()
    pls = {p["PrefixListName"]: p for p in ec2.describe_prefix_lists()["PrefixLists"]}
    assert set(pls) == {"com.amazonaws.us-east-1.s3", "com.amazonaws.us-east-1.dynamodb"}
    s3 = pls["com.amazonaws.us-east-1.s3"]
    assert s3["PrefixListId"] == S3_PL
    # Real, distinct public IPv4 blocks (S3's own ranges), not an empty list.
    nets = [ipaddress.IPv4Network(c) for c in s3["Cidrs"]]
    assert nets and len(set(nets)) == len(nets) and not any(n.is_private for n in nets)
    ddb = pls["com.amazonaws.us-east-1.dynamodb"]
    assert ddb["PrefixListId"] == "pl-02cd2c6b" and ddb["Cidrs"]
    assert not {ipaddress.IPv4Network(c) for c in ddb["Cidrs"]} & set(nets)
    managed = ec2.describe_managed_prefix_lists(PrefixListIds=[S3_PL])["PrefixLists"]
    assert managed == [
        {
            "PrefixListId": S3_PL,
            "AddressFamily": "IPv4",
            "State": "create-complete",
            "PrefixListArn": f"arn:aws:ec2:us-east-1:aws:prefix-list/{S3_PL}",
            "PrefixListName": "com.amazonaws.us-east-1.s3",
            "Tags": [],
            "OwnerId": "AWS",
        }
    ]
    by_name = ec2.describe_managed_prefix_lists(Filters=[{"Name": "prefix-list-name", "Values": ["*dynamodb"]}])
    assert [p["PrefixListId"] for p in by_name["PrefixLists"]] == ["pl-02cd2c6b"]
    entries = ec2.get_managed_prefix_list_entries(PrefixListId=S3_PL)["Entries"]
    assert [e["Cidr"] for e in entries] == s3["Cidrs"]
    assert err(ec2.get_managed_prefix_list_entries, PrefixListId="pl-00000000") == {
        "Code": "InvalidPrefixListID.NotFound",
        "Message": "The prefix list (pl-00000000) does not exist.",
    }
    assert err(ec2.describe_managed_prefix_lists, PrefixListIds=["pl-00000000"])["Code"] == "InvalidPrefixListID.NotFound"
    eu = aws.ec2("eu-west-1").describe_prefix_lists()["PrefixLists"]
    assert {p["PrefixListName"] for p in eu} == {"com.amazonaws.eu-west-1.s3", "com.amazonaws.eu-west-1.dynamodb"}
    assert all(p["PrefixListId"] != S3_PL for p in eu)


# ---------------------------------------------------------------------------
# Gateway endpoints
# ---------------------------------------------------------------------------


def main_route_table(ec2, vid):
    """The VPC's main route table (there is exactly one)."""
    tables = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    assert len(tables) == 1, tables
    return tables[0]


def test_gateway_endpoint_adds_prefix_list_route(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    main = main_route_table(ec2, vid)
    local = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable", "State": "active"}
    assert main["Routes"] == [local]
    rtb = [main["RouteTableId"]]
    ep = ec2.create_vpc_endpoint(
        VpcId=vid,
        ServiceName="com.amazonaws.us-east-1.s3",
        RouteTableIds=rtb,
        TagSpecifications=[{"ResourceType": "vpc-endpoint", "Tags": [{"Key": "Name", "Value": "s3"}]}],
        ClientToken="tok-1",
    )
    assert ep["ClientToken"] == "tok-1"
    ep = ep["VpcEndpoint"]
    vpce = ep["VpcEndpointId"]
    assert vpce.startswith("vpce-") and ep["VpcEndpointType"] == "Gateway" and ep["State"] == "available"
    assert ep["RouteTableIds"] == rtb and ep["SubnetIds"] == [] and ep["NetworkInterfaceIds"] == []
    assert ep["Groups"] == [] and ep["DnsEntries"] == [] and ep["PrivateDnsEnabled"] is False
    assert ep["RequesterManaged"] is False and ep["OwnerId"] == ACCOUNT and ep["Tags"] == [{"Key": "Name", "Value": "s3"}]
    policy = json.loads(ep["PolicyDocument"])
    assert policy["Statement"] == [{"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"}]
    # The endpoint puts a prefix-list route into the table, next to the local route, and nothing else.
    s3_route = {"DestinationPrefixListId": S3_PL, "GatewayId": vpce, "Origin": "CreateRoute", "State": "active"}
    assert main_route_table(ec2, vid)["Routes"] == [local, s3_route]
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]["RouteTableIds"] == rtb
    # DescribeRouteTables finds the table by the route's target.
    hit = ec2.describe_route_tables(Filters=[{"Name": "route.gateway-id", "Values": [vpce]}])["RouteTables"]
    assert [t["RouteTableId"] for t in hit] == rtb
    # The same route table cannot take a second S3 endpoint.
    e = err(ec2.create_vpc_endpoint, VpcId=vid, ServiceName="com.amazonaws.us-east-1.s3", RouteTableIds=rtb)
    assert e["Code"] == "RouteAlreadyExists"
    assert main_route_table(ec2, vid)["Routes"] == [local, s3_route]
    assert [x["VpcEndpointId"] for x in ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vid]}])["VpcEndpoints"]] == [vpce]
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, RemoveRouteTableIds=rtb)
    assert main_route_table(ec2, vid)["Routes"] == [local]
    assert ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]["RouteTableIds"] == []
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, AddRouteTableIds=rtb)
    assert main_route_table(ec2, vid)["Routes"] == [local, s3_route]
    assert ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce])["Unsuccessful"] == []
    assert main_route_table(ec2, vid)["Routes"] == [local]


def test_gateway_endpoint_rejects_interface_options(fresh, aws):
    ec2 = aws.ec2()
    vid, a, _ = dns_vpc(ec2)
    e = err(ec2.create_vpc_endpoint, VpcId=vid, ServiceName="com.amazonaws.us-east-1.dynamodb", SubnetIds=[a])
    assert e["Code"] == "InvalidParameter"
    e = err(ec2.create_vpc_endpoint, VpcId=vid, ServiceName="com.amazonaws.us-east-1.ecr.api", VpcEndpointType="Gateway")
    assert e["Code"] == "InvalidParameter"
    e = err(ec2.create_vpc_endpoint, VpcId=vid, ServiceName="com.amazonaws.us-east-1.s3", PolicyDocument="{not json")
    assert e["Code"] == "InvalidPolicyDocument"
    e = err(ec2.create_vpc_endpoint, VpcId=vid, ServiceName="com.amazonaws.eu-west-1.s3")
    assert e == {"Code": "InvalidServiceName", "Message": "The Vpc Endpoint Service 'com.amazonaws.eu-west-1.s3' does not exist"}
    gw = ec2.create_vpc_endpoint(VpcId=vid, ServiceName="com.amazonaws.us-east-1.dynamodb")["VpcEndpoint"]
    policy = json.dumps({"Statement": [{"Effect": "Deny", "Principal": "*", "Action": "dynamodb:DeleteTable", "Resource": "*"}]})
    ec2.modify_vpc_endpoint(VpcEndpointId=gw["VpcEndpointId"], PolicyDocument=policy)
    got = ec2.describe_vpc_endpoints(VpcEndpointIds=[gw["VpcEndpointId"]])["VpcEndpoints"][0]
    assert json.loads(got["PolicyDocument"])["Statement"][0]["Effect"] == "Deny"
    ec2.modify_vpc_endpoint(VpcEndpointId=gw["VpcEndpointId"], ResetPolicy=True)
    got = ec2.describe_vpc_endpoints(VpcEndpointIds=[gw["VpcEndpointId"]])["VpcEndpoints"][0]
    assert json.loads(got["PolicyDocument"])["Statement"][0]["Effect"] == "Allow"
    e = err(ec2.modify_vpc_endpoint, VpcEndpointId=gw["VpcEndpointId"], PrivateDnsEnabled=True)
    assert e["Code"] == "InvalidParameter"


# ---------------------------------------------------------------------------
# Interface endpoints
# ---------------------------------------------------------------------------


def test_private_dns_needs_the_vpc_dns_attributes(fresh, aws):
    ec2 = aws.ec2()
    vid, a, _ = dns_vpc(ec2, hostnames=False)
    e = err(
        ec2.create_vpc_endpoint, VpcId=vid, VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.ecr.api", SubnetIds=[a],
    )
    assert e == {
        "Code": "InvalidParameter",
        "Message": f"Enabling private DNS requires both enableDnsSupport and enableDnsHostnames VPC attributes set to true for {vid}",
    }
    # Without private DNS the attributes do not matter; nothing was left behind by the failure.
    assert free(ec2, a) == 251
    ep = ec2.create_vpc_endpoint(
        VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.ecr.api",
        SubnetIds=[a], PrivateDnsEnabled=False,
    )["VpcEndpoint"]
    assert ep["PrivateDnsEnabled"] is False
    # only the endpoint's own names (regional and the zone's), not the service's private name
    vpce = ep["VpcEndpointId"]
    names = [d["DnsName"] for d in ep["DnsEntries"]]
    assert len(names) == 2 and names[0].startswith(f"{vpce}-"), names
    assert names[0].endswith(".api.ecr.us-east-1.vpce.amazonaws.com")
    assert names[1].endswith("-us-east-1a.api.ecr.us-east-1.vpce.amazonaws.com")
    assert "api.ecr.us-east-1.amazonaws.com" not in names
    e = err(ec2.modify_vpc_endpoint, VpcEndpointId=ep["VpcEndpointId"], PrivateDnsEnabled=True)
    assert e["Message"].startswith("Enabling private DNS requires both enableDnsSupport and enableDnsHostnames")


def test_interface_endpoint_enis_dns_and_deletion(fresh, aws):
    ec2 = aws.ec2()
    vid, a, b = dns_vpc(ec2)
    sg = ec2.create_security_group(GroupName="vpce", Description="endpoints", VpcId=vid)["GroupId"]
    ep = ec2.create_vpc_endpoint(
        VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.ecr.api",
        SubnetIds=[a, b], SecurityGroupIds=[sg],
    )["VpcEndpoint"]
    vpce = ep["VpcEndpointId"]
    assert ep["State"] == "available" and ep["VpcEndpointType"] == "Interface"
    assert ep["PrivateDnsEnabled"] is True and ep["RequesterManaged"] is False
    assert ep["IpAddressType"] == "ipv4" and ep["DnsOptions"] == {"DnsRecordIpType": "ipv4"}
    assert ep["ServiceRegion"] == "us-east-1" and ep["SubnetIds"] == [a, b] and ep["RouteTableIds"] == []
    assert ep["Groups"] == [{"GroupId": sg, "GroupName": "vpce"}]
    names = [d["DnsName"] for d in ep["DnsEntries"]]
    assert len(names) == 4 and names[3] == "api.ecr.us-east-1.amazonaws.com"
    label = names[0].split(".")[0]
    assert label.startswith(f"{vpce}-")
    assert names[0] == f"{label}.api.ecr.us-east-1.vpce.amazonaws.com"
    assert names[1] == f"{label}-us-east-1a.api.ecr.us-east-1.vpce.amazonaws.com"
    assert names[2] == f"{label}-us-east-1b.api.ecr.us-east-1.vpce.amazonaws.com"
    assert ep["DnsEntries"][0]["HostedZoneId"] == "Z7HUB22UULQXV"
    assert ep["DnsEntries"][3]["HostedZoneId"].startswith("Z") and ep["DnsEntries"][3]["HostedZoneId"] != "Z7HUB22UULQXV"

    eni_ids = ep["NetworkInterfaceIds"]
    assert len(eni_ids) == 2
    enis = ec2.describe_network_interfaces(NetworkInterfaceIds=eni_ids)["NetworkInterfaces"]
    for e in enis:
        assert e["RequesterManaged"] is True and e["InterfaceType"] == "vpc_endpoint"
        assert e["Description"] == f"VPC Endpoint Interface {vpce}"
        assert e["Status"] == "in-use" and e["Groups"] == [{"GroupId": sg, "GroupName": "vpce"}]
        assert e["Attachment"]["AttachmentId"].startswith("ela-attach-") and "InstanceId" not in e["Attachment"]
    assert {e["SubnetId"] for e in enis} == {a, b}
    assert free(ec2, a) == 250 and free(ec2, b) == 250
    hit = ec2.describe_network_interfaces(
        Filters=[{"Name": "interface-type", "Values": ["vpc_endpoint"]}, {"Name": "requester-managed", "Values": ["true"]}]
    )["NetworkInterfaces"]
    assert {e["NetworkInterfaceId"] for e in hit} == set(eni_ids)

    # The group is in use; the ENIs belong to the endpoint.
    assert err(ec2.delete_security_group, GroupId=sg) == {
        "Code": "DependencyViolation",
        "Message": f"resource {sg} has a dependent object",
    }
    assert err(ec2.delete_network_interface, NetworkInterfaceId=eni_ids[0]) == {
        "Code": "OperationNotPermitted",
        "Message": "You are not allowed to manage 'ela-attach' attachments.",
    }
    assert err(ec2.delete_subnet, SubnetId=a)["Code"] == "DependencyViolation"

    # A second endpoint for the service with private DNS conflicts; without it, fine.
    e = err(
        ec2.create_vpc_endpoint, VpcId=vid, VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.ecr.api", SubnetIds=[a],
    )
    assert e == {
        "Code": "InvalidParameter",
        "Message": "private-dns-enabled cannot be set because there is already a conflicting DNS domain for "
        f"api.ecr.us-east-1.amazonaws.com in the VPC {vid}",
    }
    second = ec2.create_vpc_endpoint(
        VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.ecr.api",
        SubnetIds=[a], PrivateDnsEnabled=False,
    )["VpcEndpoint"]
    assert second["Groups"][0]["GroupName"] == "default"
    assert free(ec2, a) == 249

    # Removing a subnet removes its ENI and gives the address back.
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, RemoveSubnetIds=[b])
    got = ec2.describe_vpc_endpoints(VpcEndpointIds=[vpce])["VpcEndpoints"][0]
    assert got["SubnetIds"] == [a] and len(got["NetworkInterfaceIds"]) == 1
    assert free(ec2, b) == 251
    ec2.modify_vpc_endpoint(VpcEndpointId=vpce, AddSubnetIds=[b])
    assert free(ec2, b) == 250

    filtered = ec2.describe_vpc_endpoints(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "vpc-endpoint-type", "Values": ["Interface"]}]
    )["VpcEndpoints"]
    assert {x["VpcEndpointId"] for x in filtered} == {vpce, second["VpcEndpointId"]}

    # DeleteVpcEndpoints reports unknown ids and deletes the rest with their ENIs.
    out = ec2.delete_vpc_endpoints(VpcEndpointIds=[vpce, "vpce-0123456789abcdef0", second["VpcEndpointId"]])
    assert out["Unsuccessful"] == [
        {
            "Error": {
                "Code": "InvalidVpcEndpointId.NotFound",
                "Message": "The Vpc Endpoint Id 'vpce-0123456789abcdef0' does not exist",
            },
            "ResourceId": "vpce-0123456789abcdef0",
        }
    ]
    assert free(ec2, a) == 251 and free(ec2, b) == 251
    assert err(ec2.describe_network_interfaces, NetworkInterfaceIds=[eni_ids[0]])["Code"] == "InvalidNetworkInterfaceID.NotFound"
    assert err(ec2.describe_vpc_endpoints, VpcEndpointIds=[vpce]) == {
        "Code": "InvalidVpcEndpointId.NotFound",
        "Message": f"The Vpc Endpoint Id '{vpce}' does not exist",
    }
    ec2.delete_security_group(GroupId=sg)
    ec2.delete_subnet(SubnetId=a)


def test_one_subnet_per_zone(fresh, aws):
    ec2 = aws.ec2()
    vid, a, _ = dns_vpc(ec2)
    same_zone = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.3.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    e = err(
        ec2.create_vpc_endpoint, VpcId=vid, VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.logs", SubnetIds=[a, same_zone],
    )
    assert e == {
        "Code": "DuplicateSubnetsInSameZone",
        "Message": f"Found another VPC endpoint subnet in the availability zone of {same_zone}",
    }
    assert free(ec2, a) == 251
    ep = ec2.create_vpc_endpoint(
        VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.logs", SubnetIds=[a]
    )["VpcEndpoint"]
    e = err(ec2.modify_vpc_endpoint, VpcEndpointId=ep["VpcEndpointId"], AddSubnetIds=[same_zone])
    assert e["Code"] == "DuplicateSubnetsInSameZone"


def test_interface_endpoint_in_a_full_subnet_fails_cleanly(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vid, EnableDnsHostnames={"Value": True})
    full = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.0.0/28", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    other = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24", AvailabilityZone="us-east-1b")["Subnet"]["SubnetId"]
    ec2.create_network_interface(SubnetId=full, SecondaryPrivateIpAddressCount=10)
    assert free(ec2, full) == 0
    e = err(
        ec2.create_vpc_endpoint, VpcId=vid, VpcEndpointType="Interface",
        ServiceName="com.amazonaws.us-east-1.sts", SubnetIds=[other, full],
    )
    assert e["Code"] == "InsufficientFreeAddressesInSubnet"
    assert free(ec2, other) == 251
    assert ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vid]}])["VpcEndpoints"] == []
