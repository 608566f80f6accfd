"""Network ACLs, their entries and subnet associations (issue 2)."""

import botocore.exceptions
import pytest

from ecs_support import assert_pages
from harness import DEFAULT_ACCOUNT_ID as ACCOUNT


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def entry(rule, egress, action, cidr="0.0.0.0/0", protocol="-1", **extra):
    e = {"RuleNumber": rule, "Egress": egress, "RuleAction": action, "Protocol": protocol}
    if ":" in cidr:
        e["Ipv6CidrBlock"] = cidr
    else:
        e["CidrBlock"] = cidr
    e.update(extra)
    return e


def default_acl(ec2, vid):
    acls = ec2.describe_network_acls(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "default", "Values": ["true"]}]
    )["NetworkAcls"]
    assert len(acls) == 1
    return acls[0]


def test_default_acl_allows_all_and_holds_new_subnets(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    s1 = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    s2 = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.2.0/24")["Subnet"]["SubnetId"]
    acl = default_acl(ec2, vid)
    assert acl["IsDefault"] is True and acl["OwnerId"] == ACCOUNT and acl["VpcId"] == vid
    assert acl["Entries"] == [
        entry(100, True, "allow"),
        entry(32767, True, "deny"),
        entry(100, False, "allow"),
        entry(32767, False, "deny"),
    ]
    assert {a["SubnetId"] for a in acl["Associations"]} == {s1, s2}
    assert all(a["NetworkAclId"] == acl["NetworkAclId"] and a["NetworkAclAssociationId"].startswith("aclassoc-") for a in acl["Associations"])
    by_subnet = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [s2]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in by_subnet] == [acl["NetworkAclId"]]
    assert err(ec2.delete_network_acl, NetworkAclId=acl["NetworkAclId"]) == {
        "Code": "InvalidParameterValue",
        "Message": f"cannot delete default network ACL {acl['NetworkAclId']}",
    }


def test_ipv6_vpc_default_acl_has_ipv6_entries(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    acl = default_acl(ec2, vid)
    assert entry(101, False, "allow", "::/0") in acl["Entries"]
    assert entry(32768, True, "deny", "::/0") in acl["Entries"]
    custom = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]
    assert custom["Entries"] == [
        entry(32767, True, "deny"),
        entry(32768, True, "deny", "::/0"),
        entry(32767, False, "deny"),
        entry(32768, False, "deny", "::/0"),
    ]


def test_custom_acl_entries(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    out = ec2.create_network_acl(
        VpcId=vid, TagSpecifications=[{"ResourceType": "network-acl", "Tags": [{"Key": "Name", "Value": "private"}]}]
    )
    acl = out["NetworkAcl"]
    aid = acl["NetworkAclId"]
    assert aid.startswith("acl-") and acl["IsDefault"] is False and acl["Associations"] == []
    assert acl["Tags"] == [{"Key": "Name", "Value": "private"}]
    assert acl["Entries"] == [entry(32767, True, "deny"), entry(32767, False, "deny")]

    ec2.create_network_acl_entry(
        NetworkAclId=aid, RuleNumber=100, Protocol="6", RuleAction="allow", Egress=False,
        CidrBlock="10.0.0.0/16", PortRange={"From": 443, "To": 443},
    )
    ec2.create_network_acl_entry(
        NetworkAclId=aid, RuleNumber=110, Protocol="1", RuleAction="allow", Egress=False,
        CidrBlock="0.0.0.0/0", IcmpTypeCode={"Type": 8, "Code": -1},
    )
    ec2.create_network_acl_entry(NetworkAclId=aid, RuleNumber=100, Protocol="-1", RuleAction="allow", Egress=True, CidrBlock="0.0.0.0/0")
    assert err(
        ec2.create_network_acl_entry, NetworkAclId=aid, RuleNumber=100, Protocol="-1", RuleAction="deny", Egress=False,
        CidrBlock="0.0.0.0/0",
    ) == {"Code": "NetworkAclEntryAlreadyExists", "Message": "The network acl entry identified by 100 already exists."}
    got = ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]["Entries"]
    assert got == [
        entry(100, True, "allow"),
        entry(32767, True, "deny"),
        entry(100, False, "allow", "10.0.0.0/16", "6", PortRange={"From": 443, "To": 443}),
        entry(110, False, "allow", "0.0.0.0/0", "1", IcmpTypeCode={"Code": -1, "Type": 8}),
        entry(32767, False, "deny"),
    ]
    hit = ec2.describe_network_acls(Filters=[{"Name": "entry.port-range.from", "Values": ["443"]}])["NetworkAcls"]
    assert [a["NetworkAclId"] for a in hit] == [aid]

    ec2.replace_network_acl_entry(
        NetworkAclId=aid, RuleNumber=100, Protocol="17", RuleAction="deny", Egress=False,
        CidrBlock="10.1.0.0/16", PortRange={"From": 53, "To": 53},
    )
    got = ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]["Entries"]
    assert entry(100, False, "deny", "10.1.0.0/16", "17", PortRange={"From": 53, "To": 53}) in got
    e = err(
        ec2.replace_network_acl_entry, NetworkAclId=aid, RuleNumber=120, Protocol="-1", RuleAction="deny", Egress=False,
        CidrBlock="0.0.0.0/0",
    )
    assert e["Code"] == "InvalidNetworkAclEntry.NotFound" and e["Message"].startswith("no ingress entry with number 120")
    ec2.delete_network_acl_entry(NetworkAclId=aid, RuleNumber=110, Egress=False)
    e = err(ec2.delete_network_acl_entry, NetworkAclId=aid, RuleNumber=110, Egress=False)
    assert e["Code"] == "InvalidNetworkAclEntry.NotFound" and e["Message"].startswith("no ingress entry with number 110")
    e = err(ec2.delete_network_acl_entry, NetworkAclId=aid, RuleNumber=101, Egress=True)
    assert e["Message"].startswith("no egress entry with number 101")
    e = err(
        ec2.create_network_acl_entry, NetworkAclId=aid, RuleNumber=40000, Protocol="-1", RuleAction="deny", Egress=False,
        CidrBlock="0.0.0.0/0",
    )
    assert e["Code"] == "InvalidParameterValue"
    e = err(
        ec2.create_network_acl_entry, NetworkAclId=aid, RuleNumber=5, Protocol="-1", RuleAction="deny", Egress=False,
        CidrBlock="10.0.0.0/40",
    )
    assert e == {
        "Code": "InvalidParameterValue",
        "Message": "Value (10.0.0.0/40) for parameter cidrBlock is invalid. This is not a valid CIDR block.",
    }
    ec2.delete_network_acl(NetworkAclId=aid)
    assert err(ec2.describe_network_acls, NetworkAclIds=[aid]) == {
        "Code": "InvalidNetworkAclID.NotFound",
        "Message": f"The networkAcl ID '{aid}' does not exist",
    }


def test_replace_association_and_dependency(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    dflt = default_acl(ec2, vid)
    assoc = [a for a in dflt["Associations"] if a["SubnetId"] == sid][0]["NetworkAclAssociationId"]
    aid = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"]
    new_assoc = ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=aid)["NewAssociationId"]
    assert new_assoc.startswith("aclassoc-") and new_assoc != assoc
    got = ec2.describe_network_acls(NetworkAclIds=[aid])["NetworkAcls"][0]
    assert got["Associations"] == [{"NetworkAclAssociationId": new_assoc, "NetworkAclId": aid, "SubnetId": sid}]
    assert all(a["SubnetId"] != sid for a in default_acl(ec2, vid)["Associations"])
    assert err(ec2.delete_network_acl, NetworkAclId=aid) == {
        "Code": "DependencyViolation",
        "Message": f"The networkAcl '{aid}' has dependencies and cannot be deleted.",
    }
    assert err(ec2.replace_network_acl_association, AssociationId=assoc, NetworkAclId=aid) == {
        "Code": "InvalidAssociationID.NotFound",
        "Message": f"The association ID '{assoc}' does not exist",
    }
    other_vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_network_acl(VpcId=other_vpc)["NetworkAcl"]["NetworkAclId"]
    assert err(ec2.replace_network_acl_association, AssociationId=new_assoc, NetworkAclId=foreign)["Code"] == "InvalidParameterValue"
    back = ec2.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=dflt["NetworkAclId"])["NewAssociationId"]
    assert sid in {a["SubnetId"] for a in default_acl(ec2, vid)["Associations"] if a["NetworkAclAssociationId"] == back}
    ec2.delete_network_acl(NetworkAclId=aid)
    assert err(ec2.create_network_acl, VpcId="vpc-0123456789abcdef0")["Code"] == "InvalidVpcID.NotFound"


def test_pagination(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    dflt = default_acl(ec2, vid)["NetworkAclId"]
    made = [ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"] for _ in range(6)]
    in_vpc = [{"Name": "vpc-id", "Values": [vid]}]
    everything = [dflt, *made]  # in creation order
    ident = lambda a: a["NetworkAclId"]  # noqa: E731
    # 7 ACLs: pages of 5 + 2, a token on the first page only, in creation order.
    pages = assert_pages(ec2.describe_network_acls, "NetworkAcls", ident, 5, everything, Filters=in_vpc,
                         ordered=True)
    assert [len(p) for p in pages] == [5, 2]
    # Exactly one full page: no token, no empty second page.
    assert assert_pages(ec2.describe_network_acls, "NetworkAcls", ident, 7, everything, Filters=in_vpc) == [everything]
    # Without MaxResults everything comes at once, with no token.
    whole = ec2.describe_network_acls(Filters=in_vpc)
    assert [ident(a) for a in whole["NetworkAcls"]] == everything and "NextToken" not in whole
    # A filter that matches nothing: one empty page without a token.
    assert assert_pages(ec2.describe_network_acls, "NetworkAcls", ident, 5, [],
                        Filters=[{"Name": "vpc-id", "Values": ["vpc-0123456789abcdef0"]}]) == [[]]
    # The token of the first page, asked again, gives the same second page.
    first = ec2.describe_network_acls(Filters=in_vpc, MaxResults=5)
    again = ec2.describe_network_acls(Filters=in_vpc, MaxResults=5, NextToken=first["NextToken"])
    assert [ident(a) for a in again["NetworkAcls"]] == everything[5:] and "NextToken" not in again


def test_cli_network_acls(fresh, cli):
    vpc = cli.ok("ec2", "create-vpc", "--cidr-block", "10.40.0.0/16")["Vpc"]["VpcId"]
    aid = cli.ok("ec2", "create-network-acl", "--vpc-id", vpc)["NetworkAcl"]["NetworkAclId"]
    cli.ok(
        "ec2", "create-network-acl-entry", "--network-acl-id", aid, "--ingress", "--rule-number", "100",
        "--protocol", "tcp", "--port-range", "From=80,To=80", "--cidr-block", "0.0.0.0/0", "--rule-action", "allow",
    )
    got = cli.ok("ec2", "describe-network-acls", "--network-acl-ids", aid)["NetworkAcls"][0]
    assert {"CidrBlock": "0.0.0.0/0", "Egress": False, "PortRange": {"From": 80, "To": 80}, "Protocol": "6",
            "RuleAction": "allow", "RuleNumber": 100} in got["Entries"]
    stderr = cli.err("ec2", "delete-network-acl", "--network-acl-id", "acl-0123456789abcdef0", code="InvalidNetworkAclID.NotFound")
    assert "The networkAcl ID 'acl-0123456789abcdef0' does not exist" in stderr
    assert cli.ok("ec2", "delete-network-acl", "--network-acl-id", aid) is None
    stderr = cli.err("ec2", "describe-network-acls", "--network-acl-ids", aid, code="InvalidNetworkAclID.NotFound")
    assert f"The networkAcl ID '{aid}' does not exist" in stderr
