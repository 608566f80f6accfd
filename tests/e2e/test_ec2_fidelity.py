"""EC2 behaviour as AWS has it (issue 14): idempotent creates, IPv6-only
subnets, malformed ids, CIDR quotas and forms, filters, ENI addresses, DHCP
options, security group rule changes, default subnets, subnet CIDR
reservations and VPC tenancy. Texts and their sources:
docs/reference/ec2-iam-error-texts.md, section 7."""

import ipaddress

import botocore.exceptions
import pytest


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def vpc_with_subnet(ec2, cidr="10.0.0.0/16", sub="10.0.1.0/24", zone="us-east-1a", **kw):
    vpc = ec2.create_vpc(CidrBlock=cidr, **kw)["Vpc"]
    sid = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=sub, AvailabilityZone=zone)["Subnet"]["SubnetId"]
    return vpc["VpcId"], sid


MISMATCH = {
    "Code": "IdempotentParameterMismatch",
    "Message": "Arguments on this idempotent request are inconsistent with arguments used in previous request(s).",
}


# ---- ClientToken ----


def test_client_token_returns_the_first_resource_for_every_create(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2, AmazonProvidedIpv6CidrBlock=True)
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]

    def twice(create, key, count, other, **kw):
        """Same token and parameters: one resource; other parameters: mismatch."""
        before = count()
        a = create(ClientToken="tok-" + key, **kw)
        b = create(ClientToken="tok-" + key, **kw)
        assert a == b, key
        assert count() == before + 1, key
        assert err(create, ClientToken="tok-" + key, **other) == MISMATCH, key
        assert count() == before + 1, key
        return a

    rts = lambda: len(ec2.describe_route_tables()["RouteTables"])
    twice(lambda **kw: ec2.create_route_table(**kw)["RouteTable"]["RouteTableId"], "rtb", rts,
          {"VpcId": vid, "TagSpecifications": [{"ResourceType": "route-table", "Tags": [{"Key": "a", "Value": "b"}]}]},
          VpcId=vid)
    acls = lambda: len(ec2.describe_network_acls()["NetworkAcls"])
    twice(lambda **kw: ec2.create_network_acl(**kw)["NetworkAcl"]["NetworkAclId"], "acl", acls,
          {"VpcId": ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]},
          VpcId=vid)
    enis = lambda: len(ec2.describe_network_interfaces()["NetworkInterfaces"])
    twice(lambda **kw: ec2.create_network_interface(**kw)["NetworkInterface"]["NetworkInterfaceId"], "eni", enis,
          {"SubnetId": sid, "Description": "other"}, SubnetId=sid, Description="one")
    eigws = lambda: len(ec2.describe_egress_only_internet_gateways()["EgressOnlyInternetGateways"])
    twice(lambda **kw: ec2.create_egress_only_internet_gateway(**kw)["EgressOnlyInternetGateway"]["EgressOnlyInternetGatewayId"],
          "eigw", eigws, {"VpcId": vid, "TagSpecifications": [
              {"ResourceType": "egress-only-internet-gateway", "Tags": [{"Key": "x", "Value": "y"}]}]}, VpcId=vid)
    eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nats = lambda: len(ec2.describe_nat_gateways()["NatGateways"])
    twice(lambda **kw: ec2.create_nat_gateway(**kw)["NatGateway"]["NatGatewayId"], "nat", nats,
          {"SubnetId": sid, "ConnectivityType": "private"}, SubnetId=sid, AllocationId=eip)
    # A second gateway endpoint on the same route table used to fail with
    # RouteAlreadyExists; with the same token it is the first endpoint.
    s3 = "com.amazonaws.us-east-1.s3"
    vpces = lambda: len(ec2.describe_vpc_endpoints()["VpcEndpoints"])
    twice(lambda **kw: ec2.create_vpc_endpoint(**kw)["VpcEndpoint"]["VpcEndpointId"], "vpce", vpces,
          {"VpcId": vid, "ServiceName": s3, "RouteTableIds": []}, VpcId=vid, ServiceName=s3, RouteTableIds=[rt])


def test_client_tokens_survive_a_restart(fresh, server, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    first = ec2.create_route_table(VpcId=vid, ClientToken="keep-me")["RouteTable"]["RouteTableId"]
    server.restart()
    ec2 = aws.ec2()
    assert ec2.create_route_table(VpcId=vid, ClientToken="keep-me")["RouteTable"]["RouteTableId"] == first
    assert err(ec2.create_route_table, VpcId=vid, ClientToken="keep-me",
               TagSpecifications=[{"ResourceType": "route-table", "Tags": [{"Key": "k", "Value": "v"}]}]) == MISMATCH
    # Once the resource is gone, the token makes a new one.
    ec2.delete_route_table(RouteTableId=first)
    again = ec2.create_route_table(VpcId=vid, ClientToken="keep-me")["RouteTable"]["RouteTableId"]
    assert again != first


def test_cli_client_token(fresh, cli):
    vid = cli.ok("ec2", "create-vpc", "--cidr-block", "10.70.0.0/16")["Vpc"]["VpcId"]
    a = cli.ok("ec2", "create-network-acl", "--vpc-id", vid, "--client-token", "cli-1")["NetworkAcl"]["NetworkAclId"]
    b = cli.ok("ec2", "create-network-acl", "--vpc-id", vid, "--client-token", "cli-1")["NetworkAcl"]["NetworkAclId"]
    assert a == b
    stderr = cli.err("ec2", "create-network-acl", "--vpc-id", vid, "--client-token", "cli-1",
                     "--tag-specifications", "ResourceType=network-acl,Tags=[{Key=a,Value=b}]",
                     code="IdempotentParameterMismatch")
    assert "inconsistent with arguments used in previous request(s)" in stderr


# ---- IPv6-only subnets ----


def test_ipv6_native_subnets(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]
    vid, block = vpc["VpcId"], vpc["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    # No IPv6 block at all is checked first, before the IPv4 combination.
    for kw in ({}, {"CidrBlock": "10.0.1.0/24"}):
        assert err(ec2.create_subnet, VpcId=vid, Ipv6Native=True, **kw) == {
            "Code": "MissingParameter",
            "Message": "Either 'ipv6CidrBlock' or 'ipv6IpamPoolId' should be provided.",
        }
    s64 = block.replace("/56", "/64")
    assert err(ec2.create_subnet, VpcId=vid, Ipv6Native=True, CidrBlock="10.0.1.0/24", Ipv6CidrBlock=s64) == {
        "Code": "InvalidParameterCombination",
        "Message": "When specifying ipv4 parameters, cidrBlock or ipv4IpamPoolId, you cannot set ipv6Native to true.",
    }
    # A subnet may take the VPC's whole /56.
    whole = ec2.create_subnet(VpcId=vid, Ipv6Native=True, Ipv6CidrBlock=block)["Subnet"]
    assert whole["Ipv6Native"] and whole["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"] == block
    assert "CidrBlock" not in whole
    # Its interfaces get addresses anywhere in the /56.
    eni = ec2.create_network_interface(SubnetId=whole["SubnetId"])["NetworkInterface"]
    v6 = eni["Ipv6Addresses"][0]["Ipv6Address"]
    assert ipaddress.ip_address(v6) in ipaddress.ip_network(block) and not eni.get("PrivateIpAddresses")
    assert err(ec2.create_subnet, VpcId=vid, Ipv6CidrBlock=s64, CidrBlock="10.0.2.0/24")["Code"] == "InvalidSubnet.Conflict"
    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
    ec2.delete_subnet(SubnetId=whole["SubnetId"])
    # /60s fit too; /62 is no size AWS offers.
    net = ipaddress.ip_network(block)
    s60 = str(next(net.subnets(new_prefix=60)))
    assert ec2.create_subnet(VpcId=vid, Ipv6Native=True, Ipv6CidrBlock=s60)["Subnet"]["Ipv6Native"]
    s62 = str(list(net.subnets(new_prefix=62))[-1])
    assert err(ec2.create_subnet, VpcId=vid, Ipv6Native=True, Ipv6CidrBlock=s62) == {
        "Code": "InvalidSubnet.Range", "Message": f"The CIDR '{s62}' is invalid."}


# ---- malformed ids ----


def test_malformed_ids_in_parameters_and_filters(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    assert err(ec2.describe_security_groups, GroupIds=["foobar"]) == {
        "Code": "InvalidGroupId.Malformed", "Message": 'Invalid id: "foobar" (expecting "sg-...")'}
    assert err(ec2.describe_security_group_rules, Filters=[{"Name": "group-id", "Values": ["foobar"]}]) == {
        "Code": "InvalidGroupId.Malformed", "Message": "The security group ID 'foobar' is malformed"}
    # A well-formed id that does not exist filters to nothing.
    assert ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": ["sg-005216b55886f0fdc"]}])["SecurityGroupRules"] == []
    assert err(ec2.delete_dhcp_options, DhcpOptionsId="foo-abcd1234") == {
        "Code": "InvalidDhcpOptionsId.Malformed", "Message": 'Invalid id: "foo-abcd1234" (expecting "dopt-...")'}
    assert err(ec2.describe_vpcs, VpcIds=["vpc-xyz"])["Code"] == "InvalidVpcID.Malformed"
    assert err(ec2.describe_subnets, Filters=[{"Name": "vpc-id", "Values": ["vpc-nope"]}]) == {
        "Code": "InvalidVpcID.Malformed", "Message": "The vpc ID 'vpc-nope' is malformed"}
    # DescribeSecurityGroups names only the filter (CAP aws/aws-cli#7137).
    assert err(ec2.describe_security_groups, Filters=[{"Name": "vpc-id", "Values": ["nope"]}]) == {
        "Code": "InvalidParameterValue", "Message": "vpc-id"}
    # Wildcards are patterns, not ids.
    assert len(ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": ["vpc-*"]}])["Subnets"]) >= 2
    assert err(ec2.create_security_group, GroupName="x", Description="x", VpcId="foo") == {
        "Code": "InvalidVpcId.Malformed", "Message": "The vpc ID 'foo' is malformed"}
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    assert err(ec2.attach_internet_gateway, InternetGatewayId=igw, VpcId="foo")["Code"] == "InvalidVpcId.Malformed"
    cases = [
        (ec2.delete_route_table, {"RouteTableId": "rtb-xyz"}, "InvalidRouteTableId.Malformed"),
        (ec2.delete_subnet, {"SubnetId": "subnet-1"}, "InvalidSubnetID.Malformed"),
        (ec2.delete_nat_gateway, {"NatGatewayId": "nat-1"}, "NatGatewayMalformed"),
        (ec2.delete_network_acl, {"NetworkAclId": "acl"}, "InvalidNetworkAclId.Malformed"),
        (ec2.delete_network_interface, {"NetworkInterfaceId": "eni-zz"}, "InvalidNetworkInterfaceId.Malformed"),
        (ec2.delete_internet_gateway, {"InternetGatewayId": "igw-"}, "InvalidInternetGatewayId.Malformed"),
        (ec2.delete_vpc_endpoints, {"VpcEndpointIds": ["vpce-bad"]}, "InvalidVpcEndpointId.Malformed"),
        (ec2.get_managed_prefix_list_entries, {"PrefixListId": "pl-x"}, "InvalidPrefixListId.Malformed"),
        (ec2.describe_vpc_peering_connections, {"VpcPeeringConnectionIds": ["pcx-1"]},
         "InvalidVpcPeeringConnectionId.Malformed"),
        (ec2.create_network_interface, {"SubnetId": sid, "Groups": ["web"]}, "InvalidGroupId.Malformed"),
        (ec2.associate_address, {"AllocationId": "eipalloc-0123456789abcdef0", "InstanceId": "i-zz"},
         "InvalidInstanceID.Malformed"),
        (ec2.describe_network_interfaces, {"Filters": [{"Name": "subnet-id", "Values": ["sub-1"]}]},
         "InvalidSubnetID.Malformed"),
        (ec2.describe_route_tables, {"Filters": [{"Name": "route-table-id", "Values": ["rtb-1"]}]},
         "InvalidRouteTableId.Malformed"),
    ]
    for call, kw, code in cases:
        assert err(call, **kw)["Code"] == code, (call, kw)
    rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    assert err(ec2.create_route, RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0",
               NatGatewayId="nat-zz")["Code"] == "NatGatewayMalformed"
    # Well-formed but unknown ids are still NotFound.
    assert err(ec2.delete_route_table, RouteTableId="rtb-0123456789abcdef0")["Code"] == "InvalidRouteTableID.NotFound"


# ---- CIDR quotas, forms and filters ----


def test_cidr_limits_have_no_quotes_and_count_ipv6_too(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    for i in range(1, 5):
        ec2.associate_vpc_cidr_block(VpcId=vid, CidrBlock=f"10.{i}.0.0/16")
    assert err(ec2.associate_vpc_cidr_block, VpcId=vid, CidrBlock="10.9.0.0/16") == {
        "Code": "CidrLimitExceeded",
        "Message": f"This network {vid} has met its maximum number of allowed CIDRs: 5",
    }
    for _ in range(5):
        ec2.associate_vpc_cidr_block(VpcId=vid, AmazonProvidedIpv6CidrBlock=True)
    v6 = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"]
    assert len({b["Ipv6CidrBlock"] for b in v6}) == 5
    assert err(ec2.associate_vpc_cidr_block, VpcId=vid, AmazonProvidedIpv6CidrBlock=True) == {
        "Code": "CidrLimitExceeded",
        "Message": f"This network {vid} has met its maximum number of allowed CIDRs: 5",
    }


def test_filters_filter_and_unknown_filters_fail(fresh, aws):
    ec2 = aws.ec2()
    with6 = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    without = ec2.create_vpc(CidrBlock="10.1.0.0/16")["Vpc"]["VpcId"]
    got = {v["VpcId"] for v in ec2.describe_vpcs(
        Filters=[{"Name": "ipv6-cidr-block-association.state", "Values": ["associated"]}])["Vpcs"]}
    assert with6 in got and without not in got
    got = {v["VpcId"] for v in ec2.describe_vpcs(
        Filters=[{"Name": "cidr-block-association.state", "Values": ["associated"]}])["Vpcs"]}
    assert {with6, without} <= got
    for call in (ec2.describe_vpcs, ec2.describe_subnets, ec2.describe_route_tables,
                 ec2.describe_managed_prefix_lists, ec2.describe_vpc_peering_connections):
        assert err(call, Filters=[{"Name": "bogus", "Values": ["x"]}]) == {
            "Code": "InvalidParameterValue", "Message": "The filter 'bogus' is invalid"}, call


def test_cidrs_with_host_bits_are_canonicalised_bad_ones_refused(fresh, aws):
    ec2 = aws.ec2()
    # EC2 documents that it canonicalises these CIDRs (botocore model).
    vpc = ec2.create_vpc(CidrBlock="10.0.0.1/16")["Vpc"]
    assert vpc["CidrBlock"] == "10.0.0.0/16"
    vid = vpc["VpcId"]
    sub = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.7/24", AvailabilityZone="us-east-1a")["Subnet"]
    assert sub["CidrBlock"] == "10.0.1.0/24"
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="192.168.1.9/24", GatewayId=igw)
    dests = [r.get("DestinationCidrBlock") for r in ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]["Routes"]]
    assert "192.168.1.0/24" in dests
    sg = ec2.create_security_group(GroupName="w", Description="w", VpcId=vid)["GroupId"]
    rules = ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                                    "IpRanges": [{"CidrIp": "203.0.113.77/24"}]}])["SecurityGroupRules"]
    assert rules[0]["CidrIpv4"] == "203.0.113.0/24"
    acl = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=10, Protocol="-1", RuleAction="allow",
                                 Egress=False, CidrBlock="172.16.5.5/16")
    entries = ec2.describe_network_acls(NetworkAclIds=[acl])["NetworkAcls"][0]["Entries"]
    assert any(e.get("CidrBlock") == "172.16.0.0/16" and e["RuleNumber"] == 10 for e in entries)
    # Leading zeros and impossible lengths are no CIDR blocks.
    for bad in ("010.0.0.0/16", "10.0.0.0/33", "10.0.0/16", "10.0.0.0"):
        assert err(ec2.create_vpc, CidrBlock=bad) == {
            "Code": "InvalidParameterValue",
            "Message": f"Value ({bad}) for parameter cidrBlock is invalid. This is not a valid CIDR block."}, bad
    # A rule whose address cannot be read: "CIDR block … is malformed" (CAP).
    for bad in ("/32", "myip/32"):
        assert err(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": bad}]}]) == {
            "Code": "InvalidParameterValue", "Message": f"CIDR block {bad} is malformed"}


# ---- network interfaces ----


def test_private_addresses_without_a_primary_flag(fresh, aws):
    ec2 = aws.ec2()
    _, sid = vpc_with_subnet(ec2)
    ips = ["10.0.1.4", "10.0.1.5", "10.0.1.6"]
    eni = ec2.create_network_interface(
        SubnetId=sid, PrivateIpAddresses=[{"PrivateIpAddress": ip} for ip in ips])["NetworkInterface"]
    got = [(p["PrivateIpAddress"], p["Primary"]) for p in eni["PrivateIpAddresses"]]
    assert got == [("10.0.1.4", True), ("10.0.1.5", False), ("10.0.1.6", False)]
    assert eni["PrivateIpAddress"] == "10.0.1.4"
    # Named secondaries with an automatic primary: the primary avoids them.
    eni = ec2.create_network_interface(SubnetId=sid, SecondaryPrivateIpAddressCount=1,
                                       PrivateIpAddresses=[{"PrivateIpAddress": "10.0.1.7", "Primary": False}])
    addrs = [p["PrivateIpAddress"] for p in eni["NetworkInterface"]["PrivateIpAddresses"]]
    assert len(set(addrs)) == 3 and "10.0.1.7" in addrs[1:]


# ---- DHCP options ----


def test_dhcp_options_in_use_and_values_checked(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    dopt = ec2.create_dhcp_options(DhcpConfigurations=[
        {"Key": "domain-name-servers", "Values": ["10.0.0.2"]},
        {"Key": "ntp-servers", "Values": ["169.254.169.123", "fd00:ec2::123"]},
        {"Key": "netbios-node-type", "Values": ["2"]},
    ])["DhcpOptions"]["DhcpOptionsId"]
    ec2.associate_dhcp_options(DhcpOptionsId=dopt, VpcId=vid)
    assert err(ec2.delete_dhcp_options, DhcpOptionsId=dopt) == {
        "Code": "DependencyViolation", "Message": f"The dhcpOptions '{dopt}' has dependencies and cannot be deleted."}
    ec2.associate_dhcp_options(DhcpOptionsId="default", VpcId=vid)
    ec2.delete_dhcp_options(DhcpOptionsId=dopt)
    bad = [
        ([{"Key": "ntp-servers", "Values": ["pool.ntp.org"]}], "Value (pool.ntp.org) for parameter ntp-servers is invalid."),
        ([{"Key": "domain-name-servers", "Values": [f"10.0.0.{i}" for i in range(1, 6)]}],
         "Value for parameter domain-name-servers is invalid. At most 4 servers may be specified."),
        ([{"Key": "ntp-servers", "Values": [f"10.0.0.{i}" for i in range(1, 6)]}],
         "Value for parameter ntp-servers is invalid. At most 4 IPv4 and 4 IPv6 servers may be specified."),
        ([{"Key": "netbios-name-servers", "Values": ["wins.local"]}],
         "Value (wins.local) for parameter netbios-name-servers is invalid."),
        ([{"Key": "netbios-node-type", "Values": ["3"]}], "Value (3) for parameter netbios-node-type is invalid."),
        ([{"Key": "ipv6-address-preferred-lease-time", "Values": ["100"]}],
         "Value (100) for parameter ipv6-address-preferred-lease-time is invalid."),
    ]
    for conf, msg in bad:
        assert err(ec2.create_dhcp_options, DhcpConfigurations=conf) == {
            "Code": "InvalidParameterValue", "Message": msg}, conf


# ---- security group rules ----


def test_modify_rules_and_update_descriptions(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    sg = ec2.create_security_group(GroupName="app", Description="app", VpcId=vid)["GroupId"]
    other = ec2.create_security_group(GroupName="lb", Description="lb", VpcId=vid)["GroupId"]
    rule = ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
    ])["SecurityGroupRules"][0]["SecurityGroupRuleId"]
    assert ec2.modify_security_group_rules(GroupId=sg, SecurityGroupRules=[{
        "SecurityGroupRuleId": rule,
        "SecurityGroupRule": {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
                              "ReferencedGroupId": other, "Description": "from the lb"}}])["Return"]
    got = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule])["SecurityGroupRules"][0]
    assert (got["FromPort"], got["ReferencedGroupInfo"]["GroupId"], got["Description"]) == (8080, other, "from the lb")
    assert err(ec2.modify_security_group_rules, GroupId=sg, SecurityGroupRules=[{
        "SecurityGroupRuleId": "sgr-0123456789abcdef0", "SecurityGroupRule": {"IpProtocol": "-1", "CidrIpv4": "0.0.0.0/0"}}]) == {
        "Code": "InvalidSecurityGroupRuleId.NotFound",
        "Message": "The security group rule ID 'sgr-0123456789abcdef0' does not exist"}
    # Descriptions by permission and by rule id.
    ec2.update_security_group_rule_descriptions_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
         "UserIdGroupPairs": [{"GroupId": other, "Description": "lb nodes"}]}])
    got = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule])["SecurityGroupRules"][0]
    assert got["Description"] == "lb nodes"
    egress = ec2.describe_security_group_rules(
        Filters=[{"Name": "group-id", "Values": [sg]}])["SecurityGroupRules"]
    out = [r for r in egress if r["IsEgress"]][0]["SecurityGroupRuleId"]
    ec2.update_security_group_rule_descriptions_egress(
        GroupId=sg, SecurityGroupRuleDescriptions=[{"SecurityGroupRuleId": out, "Description": "all out"}])
    perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissionsEgress"]
    assert perms[0]["IpRanges"][0]["Description"] == "all out"
    assert err(ec2.update_security_group_rule_descriptions_ingress, GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 9, "ToPort": 9, "IpRanges": [{"CidrIp": "1.2.3.4/32", "Description": "x"}]}]) == {
        "Code": "InvalidPermission.NotFound", "Message": "The specified rule does not exist in this security group."}


def test_rules_per_group_limit(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    sg = ec2.create_security_group(GroupName="many", Description="many", VpcId=vid)["GroupId"]
    perms = [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
             for p in range(1, 61)]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=perms)
    one = [{"IpProtocol": "tcp", "FromPort": 61, "ToPort": 61, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]
    assert err(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=one) == {
        "Code": "RulesPerSecurityGroupLimitExceeded",
        "Message": "The maximum number of rules per security group has been reached."}
    # IPv6 rules count apart.
    v6 = [{"IpProtocol": "tcp", "FromPort": 61, "ToPort": 61, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=v6)


# ---- default subnets, CIDR reservations, tenancy ----


def test_create_default_subnet(fresh, aws):
    ec2 = aws.ec2()
    default = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    sub = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [default]},
                                        {"Name": "availability-zone", "Values": ["us-east-1b"]}])["Subnets"][0]
    assert err(ec2.create_default_subnet, AvailabilityZone="us-east-1b") == {
        "Code": "DefaultSubnetAlreadyExistsInAvailabilityZone",
        "Message": f"A Default Subnet already exists in this availability zone (us-east-1b). ({sub['SubnetId']})"}
    ec2.delete_subnet(SubnetId=sub["SubnetId"])
    new = ec2.create_default_subnet(AvailabilityZone="us-east-1b")["Subnet"]
    assert new["DefaultForAz"] and new["MapPublicIpOnLaunch"] and new["VpcId"] == default
    assert new["CidrBlock"] == sub["CidrBlock"] and new["AvailableIpAddressCount"] == 4091
    zone_id = ec2.describe_availability_zones(ZoneNames=["us-east-1c"])["AvailabilityZones"][0]["ZoneId"]
    assert err(ec2.create_default_subnet, AvailabilityZoneId=zone_id)["Code"] == \
        "DefaultSubnetAlreadyExistsInAvailabilityZone"


def test_subnet_cidr_reservations(fresh, aws):
    ec2 = aws.ec2()
    _, sid = vpc_with_subnet(ec2, sub="10.0.1.0/24")
    free = lambda: ec2.describe_subnets(SubnetIds=[sid])["Subnets"][0]["AvailableIpAddressCount"]
    assert free() == 251
    explicit = ec2.create_subnet_cidr_reservation(SubnetId=sid, Cidr="10.0.1.0/28", ReservationType="explicit",
                                                  Description="appliances")["SubnetCidrReservation"]
    assert (explicit["Cidr"], explicit["ReservationType"], explicit["Description"]) == ("10.0.1.0/28", "explicit", "appliances")
    assert free() == 251
    prefix = ec2.create_subnet_cidr_reservation(SubnetId=sid, Cidr="10.0.1.35/28",
                                                ReservationType="prefix")["SubnetCidrReservation"]
    assert prefix["Cidr"] == "10.0.1.32/28" and free() == 235
    # Automatic addresses stay out of both; an explicit one may be named.
    eni = ec2.create_network_interface(SubnetId=sid)["NetworkInterface"]
    assert ipaddress.ip_address(eni["PrivateIpAddress"]) not in ipaddress.ip_network("10.0.1.0/28")
    named = ec2.create_network_interface(SubnetId=sid, PrivateIpAddress="10.0.1.9")["NetworkInterface"]
    assert named["PrivateIpAddress"] == "10.0.1.9"
    got = ec2.get_subnet_cidr_reservations(SubnetId=sid)
    assert [r["Cidr"] for r in got["SubnetIpv4CidrReservations"]] == ["10.0.1.0/28", "10.0.1.32/28"]
    assert got["SubnetIpv6CidrReservations"] == []
    only = ec2.get_subnet_cidr_reservations(SubnetId=sid, Filters=[{"Name": "reservationType", "Values": ["prefix"]}])
    assert [r["SubnetCidrReservationId"] for r in only["SubnetIpv4CidrReservations"]] == [prefix["SubnetCidrReservationId"]]
    assert err(ec2.create_subnet_cidr_reservation, SubnetId=sid, Cidr="10.0.2.0/28",
               ReservationType="prefix")["Code"] == "InvalidParameterValue"
    assert err(ec2.create_subnet_cidr_reservation, SubnetId=sid, Cidr="10.0.1.0/27",
               ReservationType="prefix")["Code"] == "InvalidParameterValue"
    gone = ec2.delete_subnet_cidr_reservation(SubnetCidrReservationId=prefix["SubnetCidrReservationId"])
    assert gone["DeletedSubnetCidrReservation"]["Cidr"] == "10.0.1.32/28" and free() == 249
    assert err(ec2.delete_subnet_cidr_reservation, SubnetCidrReservationId=prefix["SubnetCidrReservationId"]) == {
        "Code": "InvalidSubnetCidrReservationID.NotFound",
        "Message": f"The subnet CIDR reservation ID '{prefix['SubnetCidrReservationId']}' does not exist"}


def test_modify_vpc_tenancy(fresh, aws, cli):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16", InstanceTenancy="dedicated")["Vpc"]["VpcId"]
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["InstanceTenancy"] == "dedicated"
    assert ec2.modify_vpc_tenancy(VpcId=vid, InstanceTenancy="default")["ReturnValue"] is True
    assert ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["InstanceTenancy"] == "default"
    stderr = cli.err("ec2", "modify-vpc-tenancy", "--vpc-id", vid, "--instance-tenancy", "dedicated",
                     code="UnsupportedTenancy")
    assert "The tenancy value dedicated is not supported." in stderr
