"""Customer-managed prefix lists (issue 14): create, describe, entries by
version, modify, restore, associations, delete; used by routes and security
group rules. Texts and sources: docs/reference/ec2-iam-error-texts.md, section 7."""

import botocore.exceptions
import pytest


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def entries(ec2, pl, version=None):
    kw = {"TargetVersion": version} if version else {}
    return [(e["Cidr"], e.get("Description")) for e in
            ec2.get_managed_prefix_list_entries(PrefixListId=pl, **kw)["Entries"]]


def test_prefix_list_lifecycle(fresh, aws):
    ec2 = aws.ec2()
    made = ec2.create_managed_prefix_list(
        PrefixListName="vpc-cidrs", AddressFamily="IPv4", MaxEntries=10,
        Entries=[{"Cidr": "10.0.0.0/16", "Description": "vpc-a"}, {"Cidr": "10.2.0.0/16", "Description": "vpc-b"}],
        TagSpecifications=[{"ResourceType": "prefix-list", "Tags": [{"Key": "team", "Value": "net"}]}],
    )["PrefixList"]
    pl = made["PrefixListId"]
    assert pl.startswith("pl-") and made["State"] == "create-in-progress" and made["Version"] == 1
    assert made["PrefixListArn"] == f"arn:aws:ec2:us-east-1:123456789012:prefix-list/{pl}"
    assert made["OwnerId"] == "123456789012" and made["Tags"] == [{"Key": "team", "Value": "net"}]
    got = ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]
    assert (got["State"], got["MaxEntries"], got["AddressFamily"]) == ("create-complete", 10, "IPv4")
    # AWS's own lists are listed beside the account's.
    owners = {p["PrefixListId"]: p["OwnerId"] for p in ec2.describe_managed_prefix_lists()["PrefixLists"]}
    assert owners[pl] == "123456789012" and owners["pl-63a5400a"] == "AWS"
    mine = ec2.describe_managed_prefix_lists(Filters=[{"Name": "owner-id", "Values": ["123456789012"]}])["PrefixLists"]
    assert [p["PrefixListId"] for p in mine] == [pl]
    assert entries(ec2, pl) == [("10.0.0.0/16", "vpc-a"), ("10.2.0.0/16", "vpc-b")]

    # Entries change: a new version; the answer shows the version it started from.
    mod = ec2.modify_managed_prefix_list(PrefixListId=pl, CurrentVersion=1,
                                         AddEntries=[{"Cidr": "10.1.0.0/16", "Description": "vpc-c"}],
                                         RemoveEntries=[{"Cidr": "10.2.0.0/16"}])["PrefixList"]
    assert (mod["State"], mod["Version"]) == ("modify-in-progress", 1)
    got = ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]
    assert (got["State"], got["Version"]) == ("modify-complete", 2)
    assert entries(ec2, pl) == [("10.0.0.0/16", "vpc-a"), ("10.1.0.0/16", "vpc-c")]
    assert entries(ec2, pl, 1) == [("10.0.0.0/16", "vpc-a"), ("10.2.0.0/16", "vpc-b")]
    # A rename keeps the version.
    ec2.modify_managed_prefix_list(PrefixListId=pl, PrefixListName="renamed")
    got = ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]
    assert (got["PrefixListName"], got["Version"]) == ("renamed", 2)

    assert err(ec2.modify_managed_prefix_list, PrefixListId=pl, CurrentVersion=1,
               AddEntries=[{"Cidr": "10.3.0.0/16"}]) == {
        "Code": "PrefixListVersionMismatch", "Message": "The prefix list has the incorrect version number."}
    assert err(ec2.modify_managed_prefix_list, PrefixListId=pl, MaxEntries=20,
               AddEntries=[{"Cidr": "10.3.0.0/16"}]) == {
        "Code": "InvalidParameterCombination",
        "Message": "You cannot modify the entries and the maximum entries for the prefix list in the same request."}
    assert err(ec2.modify_managed_prefix_list, PrefixListId=pl,
               AddEntries=[{"Cidr": "10.1.0.0/16", "Description": "again"}]) == {
        "Code": "InvalidPrefixListModification",
        "Message": "An entry with the CIDR (10.1.0.0/16) and description (again) already exists."}
    # Remove and add the same CIDR at once: a new description.
    ec2.modify_managed_prefix_list(PrefixListId=pl, RemoveEntries=[{"Cidr": "10.1.0.0/16"}],
                                   AddEntries=[{"Cidr": "10.1.0.0/16", "Description": "vpc-c2"}])
    assert entries(ec2, pl)[1] == ("10.1.0.0/16", "vpc-c2")
    ec2.modify_managed_prefix_list(PrefixListId=pl, MaxEntries=3)
    assert ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]["MaxEntries"] == 3
    assert err(ec2.modify_managed_prefix_list, PrefixListId=pl,
               AddEntries=[{"Cidr": f"10.{i}.0.0/16"} for i in (5, 6)])["Code"] == "InvalidParameterValue"

    # Restore version 1 as version 4.
    rest = ec2.restore_managed_prefix_list_version(PrefixListId=pl, PreviousVersion=1, CurrentVersion=3)["PrefixList"]
    assert (rest["State"], rest["Version"]) == ("restore-in-progress", 3)
    got = ec2.describe_managed_prefix_lists(PrefixListIds=[pl])["PrefixLists"][0]
    assert (got["State"], got["Version"]) == ("restore-complete", 4)
    assert entries(ec2, pl) == [("10.0.0.0/16", "vpc-a"), ("10.2.0.0/16", "vpc-b")]
    assert err(ec2.restore_managed_prefix_list_version, PrefixListId=pl, PreviousVersion=1,
               CurrentVersion=3)["Code"] == "PrefixListVersionMismatch"

    gone = ec2.delete_managed_prefix_list(PrefixListId=pl)["PrefixList"]
    assert gone["State"] == "delete-in-progress"
    assert err(ec2.describe_managed_prefix_lists, PrefixListIds=[pl]) == {
        "Code": "InvalidPrefixListID.NotFound", "Message": f"The prefix list ({pl}) does not exist."}


def test_prefix_list_checks(fresh, aws):
    ec2 = aws.ec2()
    assert err(ec2.create_managed_prefix_list, PrefixListName="com.amazonaws.mine", AddressFamily="IPv4",
               MaxEntries=2) == {
        "Code": "InvalidParameterValue",
        "Message": "The prefix list name cannot begin with (com.amazonaws., com.amazon., com.aws.)."}
    ec2.create_managed_prefix_list(PrefixListName="com.amazonaws-mine", AddressFamily="IPv4", MaxEntries=2)
    for n in (0, 1001):
        assert err(ec2.create_managed_prefix_list, PrefixListName="x", AddressFamily="IPv4", MaxEntries=n) == {
            "Code": "InvalidParameterValue", "Message": "Must specify a max size between 1 and 1000"}
    assert err(ec2.create_managed_prefix_list, PrefixListName="x", AddressFamily="IPv4", MaxEntries=1,
               Entries=[{"Cidr": "10.0.0.0/8"}, {"Cidr": "11.0.0.0/8"}])["Code"] == "InvalidParameterValue"
    assert err(ec2.create_managed_prefix_list, PrefixListName="x", AddressFamily="IPv4", MaxEntries=1,
               Entries=[{"Cidr": "2001:db8::/32"}])["Code"] == "InvalidParameterValue"
    v6 = ec2.create_managed_prefix_list(PrefixListName="v6", AddressFamily="IPv6", MaxEntries=2,
                                        Entries=[{"Cidr": "2001:DB8::/32"}])["PrefixList"]["PrefixListId"]
    assert entries(ec2, v6) == [("2001:db8::/32", None)]
    # AWS's lists cannot be changed.
    assert err(ec2.delete_managed_prefix_list, PrefixListId="pl-63a5400a")["Code"] == "InvalidPrefixListModification"
    # Idempotent create.
    a = ec2.create_managed_prefix_list(PrefixListName="t", AddressFamily="IPv4", MaxEntries=2, ClientToken="pl-tok")
    b = ec2.create_managed_prefix_list(PrefixListName="t", AddressFamily="IPv4", MaxEntries=2, ClientToken="pl-tok")
    assert a["PrefixList"]["PrefixListId"] == b["PrefixList"]["PrefixListId"]
    assert err(ec2.create_managed_prefix_list, PrefixListName="t", AddressFamily="IPv4", MaxEntries=3,
               ClientToken="pl-tok")["Code"] == "IdempotentParameterMismatch"


def test_prefix_lists_in_routes_and_rules(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vid)
    pl = ec2.create_managed_prefix_list(PrefixListName="office", AddressFamily="IPv4", MaxEntries=50,
                                        Entries=[{"Cidr": "203.0.113.0/24"}])["PrefixList"]["PrefixListId"]
    rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationPrefixListId=pl, GatewayId=igw)
    route = [r for r in ec2.describe_route_tables(RouteTableIds=[rt])["RouteTables"][0]["Routes"]
             if r.get("DestinationPrefixListId") == pl][0]
    assert (route["GatewayId"], route["State"]) == (igw, "active")
    sg = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vid)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl, "Description": "office"}]}])
    perm = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissions"][0]
    assert perm["PrefixListIds"] == [{"PrefixListId": pl, "Description": "office"}]
    assocs = ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"]
    assert sorted(a["ResourceId"] for a in assocs) == sorted([sg, rt])
    assert all(a["ResourceOwner"] == "123456789012" for a in assocs)
    assert err(ec2.delete_managed_prefix_list, PrefixListId=pl)["Code"] == "DependencyViolation"
    # The list weighs its maximum size (50) in the group's rules quota.
    many = [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}
            for p in range(100, 111)]
    assert err(ec2.authorize_security_group_ingress, GroupId=sg, IpPermissions=many)["Code"] == \
        "RulesPerSecurityGroupLimitExceeded"
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=many[:10])
    assert err(ec2.modify_managed_prefix_list, PrefixListId=pl, MaxEntries=51)["Code"] == \
        "RulesPerSecurityGroupLimitExceeded"
    ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "PrefixListIds": [{"PrefixListId": pl}]}])
    ec2.delete_route(RouteTableId=rt, DestinationPrefixListId=pl)
    assert ec2.get_managed_prefix_list_associations(PrefixListId=pl)["PrefixListAssociations"] == []
    ec2.delete_managed_prefix_list(PrefixListId=pl)


def test_cli_prefix_lists(fresh, cli):
    out = cli.ok("ec2", "create-managed-prefix-list", "--address-family", "IPv4", "--max-entries", "10",
                 "--entries", "Cidr=10.0.0.0/16,Description=vpc-a", "Cidr=10.2.0.0/16,Description=vpc-b",
                 "--prefix-list-name", "vpc-cidrs")
    pl = out["PrefixList"]["PrefixListId"]
    cli.ok("ec2", "modify-managed-prefix-list", "--prefix-list-id", pl, "--add-entries",
           "Cidr=10.1.0.0/16,Description=vpc-c", "--current-version", "1")
    got = cli.ok("ec2", "get-managed-prefix-list-entries", "--prefix-list-id", pl)["Entries"]
    assert [e["Cidr"] for e in got] == ["10.0.0.0/16", "10.2.0.0/16", "10.1.0.0/16"]
    cli.ok("ec2", "restore-managed-prefix-list-version", "--prefix-list-id", pl,
           "--previous-version", "1", "--current-version", "2")
    stderr = cli.err("ec2", "modify-managed-prefix-list", "--prefix-list-id", pl, "--current-version", "1",
                     "--remove-entries", "Cidr=10.0.0.0/16", code="PrefixListVersionMismatch")
    assert "The prefix list has the incorrect version number." in stderr
    assert cli.ok("ec2", "get-managed-prefix-list-associations", "--prefix-list-id", pl)["PrefixListAssociations"] == []
    cli.ok("ec2", "delete-managed-prefix-list", "--prefix-list-id", pl)
