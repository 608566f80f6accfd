"""Security groups and their rules through boto3 and the AWS CLI (issue 2)."""

import botocore.exceptions
import pytest

from ecs_support import assert_pages
from harness import DEFAULT_ACCOUNT_ID as ACCOUNT


def err(call, *args, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as e:
        call(*args, **kwargs)
    return e.value.response["Error"]


def vpc_with_subnet(ec2, cidr="10.0.0.0/16", sub="10.0.1.0/24"):
    vid = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    sid = ec2.create_subnet(VpcId=vid, CidrBlock=sub)["Subnet"]["SubnetId"]
    return vid, sid


def default_group(ec2, vid):
    groups = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vid]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"]
    assert len(groups) == 1
    return groups[0]


def test_default_group_and_create(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    d = default_group(ec2, vid)
    assert d["Description"] == "default VPC security group" and d["OwnerId"] == ACCOUNT
    assert d["SecurityGroupArn"] == f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group/{d['GroupId']}"
    assert d["IpPermissions"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"UserId": ACCOUNT, "GroupId": d["GroupId"]}],
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]
    assert d["IpPermissionsEgress"] == [
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [],
            "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        }
    ]
    made = ec2.create_security_group(
        GroupName="web",
        Description="web tier",
        VpcId=vid,
        TagSpecifications=[{"ResourceType": "security-group", "Tags": [{"Key": "Name", "Value": "web"}]}],
    )
    gid = made["GroupId"]
    assert gid.startswith("sg-") and made["Tags"] == [{"Key": "Name", "Value": "web"}]
    assert made["SecurityGroupArn"].endswith(f":security-group/{gid}")
    got = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]
    assert (got["GroupName"], got["Description"], got["VpcId"]) == ("web", "web tier", vid)
    assert got["IpPermissions"] == []
    assert got["IpPermissionsEgress"][0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    tagged = ec2.describe_security_groups(Filters=[{"Name": "tag:Name", "Values": ["w*"]}])["SecurityGroups"]
    assert [g["GroupId"] for g in tagged] == [gid]
    assert err(ec2.create_security_group, GroupName="web", Description="again", VpcId=vid) == {
        "Code": "InvalidGroup.Duplicate",
        "Message": f"The security group 'web' already exists for VPC '{vid}'",
    }
    assert err(ec2.describe_security_groups, GroupIds=["sg-0123456789abcdef0"]) == {
        "Code": "InvalidGroup.NotFound",
        "Message": "The security group 'sg-0123456789abcdef0' does not exist",
    }
    e = err(ec2.describe_security_groups, Filters=[{"Name": "bogus", "Values": ["x"]}])
    assert e == {"Code": "InvalidParameterValue", "Message": "The filter 'bogus' is invalid"}


def test_ipv6_vpc_groups_allow_all_ipv6_egress(fresh, aws):
    ec2 = aws.ec2()
    vid = ec2.create_vpc(CidrBlock="10.0.0.0/16", AmazonProvidedIpv6CidrBlock=True)["Vpc"]["VpcId"]
    gid = ec2.create_security_group(GroupName="g", Description="g", VpcId=vid)["GroupId"]
    egress = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissionsEgress"]
    assert len(egress) == 1
    assert egress[0]["IpRanges"] == [{"CidrIp": "0.0.0.0/0"}]
    assert egress[0]["Ipv6Ranges"] == [{"CidrIpv6": "::/0"}]


def test_authorize_groups_permissions_and_duplicates(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    dflt = default_group(ec2, vid)["GroupId"]
    gid = ec2.create_security_group(GroupName="app", Description="app", VpcId=vid)["GroupId"]
    out = ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh from corp"}],
                "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            },
            {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "PrefixListIds": [{"PrefixListId": "pl-63a5400a"}]},
            {"IpProtocol": "-1", "UserIdGroupPairs": [{"GroupId": dflt, "Description": "from default"}]},
        ],
    )
    assert out["Return"] is True
    rules = out["SecurityGroupRules"]
    assert len(rules) == 4
    assert all(r["GroupId"] == gid and r["GroupOwnerId"] == ACCOUNT and r["IsEgress"] is False for r in rules)
    by_peer = {r.get("CidrIpv4") or r.get("CidrIpv6") or r.get("PrefixListId") or r["ReferencedGroupInfo"]["GroupId"]: r for r in rules}
    assert by_peer["10.0.0.0/8"]["Description"] == "ssh from corp"
    assert (by_peer["10.0.0.0/8"]["FromPort"], by_peer["10.0.0.0/8"]["ToPort"]) == (22, 22)
    assert by_peer[dflt]["ReferencedGroupInfo"] == {"GroupId": dflt, "UserId": ACCOUNT}
    assert by_peer[dflt]["IpProtocol"] == "-1" and by_peer[dflt]["FromPort"] == -1
    assert all(r["SecurityGroupRuleId"].startswith("sgr-") for r in rules)
    assert by_peer["pl-63a5400a"]["SecurityGroupRuleArn"] == (
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:security-group-rule/{by_peer['pl-63a5400a']['SecurityGroupRuleId']}"
    )

    perms = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
    assert perms == [
        {
            "IpProtocol": "tcp",
            "FromPort": 22,
            "ToPort": 22,
            "UserIdGroupPairs": [],
            "IpRanges": [{"CidrIp": "10.0.0.0/8", "Description": "ssh from corp"}],
            "Ipv6Ranges": [{"CidrIpv6": "::/0"}],
            "PrefixListIds": [],
        },
        {
            "IpProtocol": "tcp",
            "FromPort": 443,
            "ToPort": 443,
            "UserIdGroupPairs": [],
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [{"PrefixListId": "pl-63a5400a"}],
        },
        {
            "IpProtocol": "-1",
            "UserIdGroupPairs": [{"Description": "from default", "UserId": ACCOUNT, "GroupId": dflt}],
            "IpRanges": [],
            "Ipv6Ranges": [],
            "PrefixListIds": [],
        },
    ]
    # Filters look into the rules.
    hit = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.cidr", "Values": ["10.0.0.0/8"]}])
    assert [g["GroupId"] for g in hit["SecurityGroups"]] == [gid]
    hit = ec2.describe_security_groups(Filters=[{"Name": "ip-permission.group-id", "Values": [dflt]}])
    assert {g["GroupId"] for g in hit["SecurityGroups"]} == {gid, dflt}

    dup = {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}
    assert err(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[dup]) == {
        "Code": "InvalidPermission.Duplicate",
        "Message": 'the specified rule "peer: 10.0.0.0/8, TCP, from port: 22, to port: 22, ALLOW" already exists',
    }
    all_out = {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    assert err(ec2.authorize_security_group_egress, GroupId=gid, IpPermissions=[all_out]) == {
        "Code": "InvalidPermission.Duplicate",
        "Message": 'the specified rule "peer: 0.0.0.0/0, ALL, ALLOW" already exists',
    }
    icmp = {"IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[icmp])
    assert err(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[icmp])["Message"] == (
        'the specified rule "peer: 0.0.0.0/0, ICMP, type: ALL, code: ALL, ALLOW" already exists'
    )
    esp = {"IpProtocol": "50", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[esp])
    assert err(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[esp])["Message"] == (
        'the specified rule "peer: 0.0.0.0/0, protocol: 50, ALLOW" already exists'
    )
    perms = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
    icmp_perm = [p for p in perms if p["IpProtocol"] == "icmp"][0]
    assert (icmp_perm["FromPort"], icmp_perm["ToPort"]) == (-1, -1)
    esp_perm = [p for p in perms if p["IpProtocol"] == "50"][0]
    assert "FromPort" not in esp_perm
    # A referenced group that does not exist, a bad CIDR, an unknown prefix list.
    bad = {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "UserIdGroupPairs": [{"GroupId": "sg-0000000000000000a"}]}
    assert err(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[bad])["Code"] == "InvalidGroup.NotFound"
    bad = {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "IpRanges": [{"CidrIp": "10.0.0.0/33"}]}
    assert err(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[bad]) == {
        "Code": "InvalidParameterValue",
        "Message": "Value (10.0.0.0/33) for parameter cidrIp is invalid. This is not a valid CIDR block.",
    }
    bad = {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "PrefixListIds": [{"PrefixListId": "pl-00000000"}]}
    assert err(ec2.authorize_security_group_ingress, GroupId=gid, IpPermissions=[bad]) == {
        "Code": "InvalidPrefixListID.NotFound",
        "Message": "The prefix list ID 'pl-00000000' does not exist",
    }


def test_revoke_by_permission_and_rule_id(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    gid = ec2.create_security_group(GroupName="app", Description="app", VpcId=vid)["GroupId"]
    http = {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    https = {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    rules = ec2.authorize_security_group_ingress(GroupId=gid, IpPermissions=[http, https])["SecurityGroupRules"]
    missing = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
    assert err(ec2.revoke_security_group_ingress, GroupId=gid, IpPermissions=[missing]) == {
        "Code": "InvalidPermission.NotFound",
        "Message": "The specified rule does not exist in this security group.",
    }
    out = ec2.revoke_security_group_ingress(GroupId=gid, IpPermissions=[http])
    assert out["Return"] is True
    assert [r["SecurityGroupRuleId"] for r in out["RevokedSecurityGroupRules"]] == [rules[0]["SecurityGroupRuleId"]]
    https_id = rules[1]["SecurityGroupRuleId"]
    # An ingress rule id is not an egress rule.
    assert err(ec2.revoke_security_group_egress, GroupId=gid, SecurityGroupRuleIds=[https_id]) == {
        "Code": "InvalidSecurityGroupRuleId.NotFound",
        "Message": f"The security group rule ID '{https_id}' does not exist",
    }
    ec2.revoke_security_group_ingress(GroupId=gid, SecurityGroupRuleIds=[https_id])
    assert ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"] == []
    # Egress: remove the default allow-all, then the group sends nothing.
    ec2.revoke_security_group_egress(GroupId=gid, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    assert ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissionsEgress"] == []
    out = ec2.authorize_security_group_egress(
        GroupId=gid, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    assert out["SecurityGroupRules"][0]["IsEgress"] is True


def test_legacy_form_rule_tags_and_describe_rules(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    gid = ec2.create_security_group(GroupName="app", Description="app", VpcId=vid)["GroupId"]
    out = ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpProtocol="tcp",
        FromPort=80,
        ToPort=80,
        CidrIp="192.168.0.0/16",
        TagSpecifications=[{"ResourceType": "security-group-rule", "Tags": [{"Key": "purpose", "Value": "http"}]}],
    )
    rule = out["SecurityGroupRules"][0]
    assert rule["CidrIpv4"] == "192.168.0.0/16" and rule["Tags"] == [{"Key": "purpose", "Value": "http"}]
    perms = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
    assert perms[0]["IpRanges"] == [{"CidrIp": "192.168.0.0/16"}] and perms[0]["FromPort"] == 80
    for port in range(8000, 8006):
        ec2.authorize_security_group_ingress(GroupId=gid, IpProtocol="udp", FromPort=port, ToPort=port, CidrIp="10.0.0.0/8")

    mine = ec2.describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [gid]}])["SecurityGroupRules"]
    assert len(mine) == 8  # 7 ingress + the default egress rule
    assert sum(r["IsEgress"] for r in mine) == 1
    one = ec2.describe_security_group_rules(SecurityGroupRuleIds=[rule["SecurityGroupRuleId"]])["SecurityGroupRules"]
    assert one == [rule]
    tagged = ec2.describe_security_group_rules(Filters=[{"Name": "tag:purpose", "Values": ["http"]}])["SecurityGroupRules"]
    assert [r["SecurityGroupRuleId"] for r in tagged] == [rule["SecurityGroupRuleId"]]
    # 8 rules in pages of 5 + 3, in the order of the unpaged answer
    pages = assert_pages(ec2.describe_security_group_rules, "SecurityGroupRules", lambda r: r["SecurityGroupRuleId"],
                         5, [r["SecurityGroupRuleId"] for r in mine], ordered=True,
                         Filters=[{"Name": "group-id", "Values": [gid]}])
    assert [len(p) for p in pages] == [5, 3]
    assert err(ec2.describe_security_group_rules, SecurityGroupRuleIds=["sgr-0123456789abcdef0"]) == {
        "Code": "InvalidSecurityGroupRuleId.NotFound",
        "Message": "The security group rule ID 'sgr-0123456789abcdef0' does not exist",
    }


def test_group_names_resolve_in_the_default_vpc(fresh, aws):
    ec2 = aws.ec2("eu-west-1")
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    gid = ec2.create_security_group(GroupName="named", Description="no vpc given")["GroupId"]
    got = ec2.describe_security_groups(GroupNames=["named"])["SecurityGroups"]
    assert [(g["GroupId"], g["VpcId"]) for g in got] == [(gid, default_vpc)]
    ec2.authorize_security_group_ingress(GroupName="named", IpProtocol="tcp", FromPort=5432, ToPort=5432, CidrIp="10.1.0.0/16")
    # Legacy source-group form: the group named in the default VPC.
    ec2.authorize_security_group_ingress(GroupName="named", SourceSecurityGroupName="default")
    perms = ec2.describe_security_groups(GroupIds=[gid])["SecurityGroups"][0]["IpPermissions"]
    pairs = [p["UserIdGroupPairs"] for p in perms if p["IpProtocol"] == "-1"][0]
    assert pairs[0]["GroupId"] == default_group(ec2, default_vpc)["GroupId"]
    assert err(ec2.describe_security_groups, GroupNames=["nope"]) == {
        "Code": "InvalidGroup.NotFound",
        "Message": f"The security group 'nope' does not exist in default VPC '{default_vpc}'",
    }
    ec2.revoke_security_group_ingress(GroupName="named", SourceSecurityGroupName="default")
    ec2.delete_security_group(GroupName="named")
    assert err(ec2.describe_security_groups, GroupIds=[gid])["Code"] == "InvalidGroup.NotFound"


def test_delete_rules(fresh, aws):
    ec2 = aws.ec2()
    vid, sid = vpc_with_subnet(ec2)
    dflt = default_group(ec2, vid)["GroupId"]
    assert err(ec2.delete_security_group, GroupId=dflt) == {
        "Code": "CannotDelete",
        "Message": f'the specified group: "{dflt}" name: "default" cannot be deleted by a user',
    }
    a = ec2.create_security_group(GroupName="a", Description="a", VpcId=vid)["GroupId"]
    b = ec2.create_security_group(GroupName="b", Description="b", VpcId=vid)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=b, IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "UserIdGroupPairs": [{"GroupId": a}]}]
    )
    assert err(ec2.delete_security_group, GroupId=a) == {
        "Code": "DependencyViolation",
        "Message": f"resource {a} has a dependent object",
    }
    eni = ec2.create_network_interface(SubnetId=sid, Groups=[b])["NetworkInterface"]["NetworkInterfaceId"]
    assert err(ec2.delete_security_group, GroupId=b) == {
        "Code": "DependencyViolation",
        "Message": f"resource {b} has a dependent object",
    }
    ec2.delete_network_interface(NetworkInterfaceId=eni)
    out = ec2.delete_security_group(GroupId=b)
    assert out["Return"] is True and out["GroupId"] == b
    ec2.delete_security_group(GroupId=a)
    assert err(ec2.delete_security_group, GroupId=a) == {
        "Code": "InvalidGroup.NotFound",
        "Message": f"The security group '{a}' does not exist",
    }
    # Groups of other VPCs cannot be referenced.
    other = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    c = ec2.create_security_group(GroupName="c", Description="c", VpcId=other)["GroupId"]
    bad = {"IpProtocol": "tcp", "FromPort": 1, "ToPort": 1, "UserIdGroupPairs": [{"GroupId": dflt}]}
    assert err(ec2.authorize_security_group_ingress, GroupId=c, IpPermissions=[bad])["Code"] == "InvalidParameter"


def test_dry_run(fresh, aws):
    ec2 = aws.ec2()
    vid, _ = vpc_with_subnet(ec2)
    e = err(ec2.create_security_group, GroupName="x", Description="x", VpcId=vid, DryRun=True)
    assert e["Code"] == "DryRunOperation"
    assert ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["x"]}])["SecurityGroups"] == []


def test_cli_security_groups(fresh, cli):
    vpc = cli.ok("ec2", "create-vpc", "--cidr-block", "10.30.0.0/16")["Vpc"]["VpcId"]
    gid = cli.ok("ec2", "create-security-group", "--group-name", "cli", "--description", "from the cli", "--vpc-id", vpc)["GroupId"]
    out = cli.ok("ec2", "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp", "--port", "22", "--cidr", "10.0.0.0/16")
    assert out["Return"] is True and out["SecurityGroupRules"][0]["FromPort"] == 22
    got = cli.ok("ec2", "describe-security-groups", "--group-ids", gid)["SecurityGroups"][0]
    assert got["IpPermissions"][0]["IpRanges"] == [{"CidrIp": "10.0.0.0/16"}]
    stderr = cli.err(
        "ec2", "authorize-security-group-ingress", "--group-id", gid, "--protocol", "tcp", "--port", "22", "--cidr", "10.0.0.0/16",
        code="InvalidPermission.Duplicate",
    )
    assert 'the specified rule "peer: 10.0.0.0/16, TCP, from port: 22, to port: 22, ALLOW" already exists' in stderr
    cli.ok("ec2", "revoke-security-group-ingress", "--group-id", gid, "--protocol", "tcp", "--port", "22", "--cidr", "10.0.0.0/16")
    rules = cli.ok("ec2", "describe-security-group-rules", "--filters", f"Name=group-id,Values={gid}")["SecurityGroupRules"]
    assert [r["IsEgress"] for r in rules] == [True]
    out = cli.ok("ec2", "delete-security-group", "--group-id", gid)
    assert out == {"Return": True, "GroupId": gid}
    stderr = cli.err("ec2", "describe-security-groups", "--group-ids", gid, code="InvalidGroup.NotFound")
    assert f"The security group '{gid}' does not exist" in stderr
