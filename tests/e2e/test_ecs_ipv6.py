"""Dual-stack and IPv6-only tasks (issue 3): N13, N14, N15, N16 (IPv6-only
names), with the EC2 view and the metadata document."""

import ipaddress
import re

import pytest

from ecs_support import (ROOT, available, details, detail_names, eni, err_pair, ipv6_only_subnet, make_vpc,
                         metadata, register, run, run_one, setup_cluster, wait_status)

IPE = "InvalidParameterException"


def dual_env(aws, region="us-east-1", **kw):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",), ipv6=True, **kw)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    return ec2, ecs, vid, subs[0], td


def launch(ecs, td, subnet, **kw):
    return wait_status(ecs, "c1", run_one(ecs, "c1", td, [subnet["SubnetId"]], **kw)["taskArn"], "RUNNING")


def v6_of(task):
    ni = task["containers"][0]["networkInterfaces"][0]
    return ni.get("ipv6Address")


def s64_of(subnet) -> ipaddress.IPv6Network:
    return ipaddress.IPv6Network(subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])


def assert_dual_stack(ec2, task, subnet) -> str:
    """The task got an IPv6 address (N13): a usable one of the subnet's /64,
    the only IPv6 address of its ENI, next to its IPv4 address. Returns it."""
    v6 = v6_of(task)
    assert v6 is not None, task["containers"][0]["networkInterfaces"]
    s64 = s64_of(subnet)
    addr = ipaddress.IPv6Address(v6)
    assert addr in s64, (v6, str(s64))
    # AWS reserves the first four and the last address of a subnet's IPv6 block
    assert 3 < int(addr) - int(s64.network_address) < s64.num_addresses - 1
    assert str(addr) == v6  # compressed canonical form
    e = eni(ec2, details(task)["networkInterfaceId"])
    assert [a["Ipv6Address"] for a in e["Ipv6Addresses"]] == [v6]
    assert e["PrivateIpAddress"] == details(task)["privateIPv4Address"]
    assert task["containers"][0]["networkInterfaces"] == [{
        "attachmentId": task["attachments"][0]["id"],
        "privateIpv4Address": details(task)["privateIPv4Address"],
        "ipv6Address": v6,
    }]
    return v6


def assert_ipv4_only(ec2, task):
    """The task got no IPv6 address: IPv4 on the container and the ENI, nothing more."""
    ip = details(task)["privateIPv4Address"]
    assert task["containers"][0]["networkInterfaces"] == [{"attachmentId": task["attachments"][0]["id"],
                                                           "privateIpv4Address": ip}]
    e = eni(ec2, details(task)["networkInterfaceId"])
    assert e["Ipv6Addresses"] == [] and e["PrivateIpAddress"] == ip


def test_n13_dual_stack_needs_the_setting(fresh, aws, server):
    ec2, ecs, vid, sub, td = dual_env(aws)
    s64 = ipaddress.IPv6Network(sub["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    # AWS default for dualStackIPv6 is disabled → IPv4 only, nothing errors
    t = launch(ecs, td, sub)
    assert_ipv4_only(ec2, t)
    # the account default enabled → dual-stack
    s = ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")["setting"]
    assert s == {"name": "dualStackIPv6", "value": "enabled", "principalArn": ROOT, "type": "user"}
    t = launch(ecs, td, sub)
    v6 = assert_dual_stack(ec2, t, sub)
    ni = t["containers"][0]["networkInterfaces"][0]
    assert ni == {"attachmentId": t["attachments"][0]["id"], "privateIpv4Address": details(t)["privateIPv4Address"],
                  "ipv6Address": v6}
    # attachment details stay the five verified ones
    assert detail_names(t) == ["subnetId", "networkInterfaceId", "macAddress", "privateDnsName", "privateIPv4Address"]
    e = eni(ec2, details(t)["networkInterfaceId"])
    assert [a["Ipv6Address"] for a in e["Ipv6Addresses"]] == [v6]
    assert e["PrivateIpAddress"] == details(t)["privateIPv4Address"]
    # the v6 address is one of the subnet's, not a reserved one
    assert int(ipaddress.IPv6Address(v6)) - int(s64.network_address) > 3
    status, doc = metadata(server, t["taskArn"])
    assert status == 200
    net = doc["Containers"][0]["Networks"][0]
    assert net["IPv6Addresses"] == [v6] and net["IPv6SubnetCIDRBlock"] == str(s64)
    assert net["IPv4Addresses"] == [details(t)["privateIPv4Address"]]
    assert "SubnetGatewayIpv6Address" not in net  # only for IPv6-only ENIs
    # addresses come back at stop
    ecs.stop_task(cluster="c1", task=t["taskArn"])
    wait_status(ecs, "c1", t["taskArn"], "STOPPED")
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "ipv6-addresses.ipv6-address", "Values": [v6]}])["NetworkInterfaces"] == []


def test_n13_principal_setting_overrides_the_default(fresh, aws):
    ec2, ecs, vid, sub, td = dual_env(aws)
    # default enabled, the root's own setting disabled → no IPv6
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    own = ecs.put_account_setting(name="dualStackIPv6", value="disabled")["setting"]
    assert own["principalArn"] == ROOT and own["value"] == "disabled"
    eff = ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True)["settings"]
    assert eff == [{"name": "dualStackIPv6", "value": "disabled", "principalArn": ROOT, "type": "user"}]
    assert_ipv4_only(ec2, launch(ecs, td, sub))
    # and the other way round: default disabled, own enabled → IPv6
    ecs.put_account_setting_default(name="dualStackIPv6", value="disabled")
    own = ecs.put_account_setting(name="dualStackIPv6", value="enabled", principalArn=ROOT)["setting"]
    assert own == {"name": "dualStackIPv6", "value": "enabled", "principalArn": ROOT, "type": "user"}
    eff = ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True)["settings"]
    assert [x["value"] for x in eff] == ["enabled"]
    assert_dual_stack(ec2, launch(ecs, td, sub), sub)
    # deleting the own setting falls back to the default (disabled)
    gone = ecs.delete_account_setting(name="dualStackIPv6")["setting"]
    assert (gone["value"], gone["principalArn"]) == ("enabled", ROOT)
    eff = ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True)["settings"]
    assert [x["value"] for x in eff] == ["disabled"]
    assert_ipv4_only(ec2, launch(ecs, td, sub))
    # another principal's setting does not matter for the root's tasks
    role = "arn:aws:iam::123456789012:role/deployer"
    ecs.put_account_setting(name="dualStackIPv6", value="enabled", principalArn=role)
    eff = ecs.list_account_settings(name="dualStackIPv6", principalArn=role, effectiveSettings=True)["settings"]
    assert [x["value"] for x in eff] == ["enabled"]
    assert_ipv4_only(ec2, launch(ecs, td, sub))


def test_n13_settings_are_read_at_launch(fresh, aws):
    ec2, ecs, vid, sub, td = dual_env(aws)
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    t = launch(ecs, td, sub)
    v6 = assert_dual_stack(ec2, t, sub)
    ecs.put_account_setting_default(name="dualStackIPv6", value="disabled")
    again = wait_status(ecs, "c1", t["taskArn"], "RUNNING")
    # a running task keeps its address, in the task and on its ENI
    assert assert_dual_stack(ec2, again, sub) == v6
    # a task launched after the change is IPv4-only
    assert_ipv4_only(ec2, launch(ecs, td, sub))


@pytest.mark.parametrize("case", ["no-assign-on-create", "vpc-without-ipv6", "platform-1.3.0"])
def test_n13_other_conditions_fail_silently(fresh, aws, case):
    ec2, ecs = aws.ec2(), aws.ecs()
    ecs_ok = ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    assert ecs_ok["setting"]["value"] == "enabled"
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    kw = {}
    if case == "no-assign-on-create":
        vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",), ipv6=True, assign_ipv6=False)
        got = ec2.describe_subnets(SubnetIds=[subs[0]["SubnetId"]])["Subnets"][0]
        assert len(got["Ipv6CidrBlockAssociationSet"]) == 1 and got["AssignIpv6AddressOnCreation"] is False
    elif case == "vpc-without-ipv6":
        vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",), ipv6=False)
    else:
        vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",), ipv6=True)
        kw["platformVersion"] = "1.3.0"
    t = launch(ecs, td, subs[0], **kw)
    assert t["platformVersion"] == kw.get("platformVersion", "1.4.0")
    assert_ipv4_only(ec2, t)


@pytest.mark.parametrize("region", ["us-east-1", "eu-central-1"])
def test_n14_ipv6_only_task(fresh, aws, server, region):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    vid, _ = make_vpc(ec2, subnets=(), ipv6=True)
    only = ipv6_only_subnet(ec2, vid)
    s64 = ipaddress.IPv6Network(only["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    # no dualStackIPv6 setting needed; the task gets only IPv6
    t = launch(ecs, td, only)
    ni = t["containers"][0]["networkInterfaces"][0]
    assert set(ni) == {"attachmentId", "ipv6Address"}
    assert ipaddress.IPv6Address(ni["ipv6Address"]) in s64
    d = details(t)
    assert "privateIPv4Address" not in d
    assert detail_names(t) == ["subnetId", "networkInterfaceId", "macAddress", "privateDnsName"]
    e = eni(ec2, d["networkInterfaceId"])
    assert "PrivateIpAddress" not in e and e["PrivateIpAddresses"] == []
    assert [a["Ipv6Address"] for a in e["Ipv6Addresses"]] == [ni["ipv6Address"]]
    # N16: resource-name form
    suffix = "ec2.internal" if region == "us-east-1" else f"{region}.compute.internal"
    assert d["privateDnsName"] == f"{d['networkInterfaceId']}.{suffix}"
    assert re.fullmatch(r"eni-[0-9a-f]{17}\.", d["privateDnsName"][: -len(suffix)])
    # a public IP has nothing to attach to
    t2 = launch(ecs, td, only, public="ENABLED")
    assert "Association" not in eni(ec2, details(t2)["networkInterfaceId"])
    status, doc = metadata(server, t["taskArn"])
    assert status == 200
    net = doc["Containers"][0]["Networks"][0]
    assert "IPv4Addresses" not in net and "IPv4SubnetCIDRBlock" not in net and "SubnetGatewayIpv4Address" not in net
    assert net["IPv6Addresses"] == [ni["ipv6Address"]] and net["IPv6SubnetCIDRBlock"] == str(s64)
    assert net["SubnetGatewayIpv6Address"] == f"{s64.network_address + 1}/64"
    assert net["PrivateDNSName"] == d["privateDnsName"]


def test_n14_ipv6_only_restrictions(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",), ipv6=True)
    only = ipv6_only_subnet(ec2, vid)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    win = register(ecs, family="win", cpu="1024", memory="2048",
                   runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2019_CORE",
                                    "cpuArchitecture": "X86_64"})["taskDefinitionArn"]
    assert err_pair(run, ecs, "c1", win, [only]) == (IPE, "IPv6-only subnets are not supported on Windows.")
    assert err_pair(run, ecs, "c1", td, [only], platformVersion="1.3.0") == (
        IPE, "IPv6-only subnets require platform version 1.4.0 or later.")
    assert err_pair(run, ecs, "c1", td, [only], enableExecuteCommand=True) == (
        IPE, "ECS Exec is not supported in an IPv6-only configuration.")
    # the same things are fine in a dual-stack subnet
    run_one(ecs, "c1", td, subs, platformVersion="1.3.0")
    run_one(ecs, "c1", td, subs, enableExecuteCommand=True)
    run_one(ecs, "c1", win, subs)
    # nothing was launched by the failed calls
    assert len(ecs.list_tasks(cluster="c1")["taskArns"]) == 3


@pytest.mark.parametrize("region,supported", [
    ("eu-north-1", False), ("mx-central-1", False), ("eu-west-1", False),
    ("us-west-2", True), ("ap-southeast-2", True), ("il-central-1", True),
])
def test_n15_regions(fresh, aws, region, supported):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    vid, _ = make_vpc(ec2, subnets=(), ipv6=True)
    only = ipv6_only_subnet(ec2, vid)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    if supported:
        t = run_one(ecs, "c1", td, [only])
        assert t["availabilityZone"].startswith(region)
    else:
        assert err_pair(run, ecs, "c1", td, [only]) == (IPE, "IPv6-only subnets are not supported in this Region.")


def test_n14_ipv6_only_addresses_are_unique(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, _ = make_vpc(ec2, subnets=(), ipv6=True)
    only = ipv6_only_subnet(ec2, vid)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    arns = [t["taskArn"] for t in run(ecs, "c1", td, [only], count=10)["tasks"]]
    from ecs_support import wait_all
    tasks = wait_all(ecs, "c1", arns, "RUNNING")
    s64 = s64_of(only)
    v6s = [v6_of(t) for t in tasks]
    assert None not in v6s and len(set(v6s)) == 10
    for t, v6 in zip(tasks, v6s):
        assert ipaddress.IPv6Address(v6) in s64
        assert t["containers"][0]["networkInterfaces"] == [{"attachmentId": t["attachments"][0]["id"],
                                                            "ipv6Address": v6}]
        assert [a["Ipv6Address"] for a in eni(ec2, details(t)["networkInterfaceId"])["Ipv6Addresses"]] == [v6]
    assert available(ec2, only["SubnetId"]) == 0  # IPv6-only subnets count no IPv4


def test_n13_windows_1_0_0_is_dual_stack(fresh, aws):
    ec2, ecs, vid, sub, _ = dual_env(aws)
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    win = register(ecs, family="win", cpu="1024", memory="2048",
                   runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_FULL",
                                    "cpuArchitecture": "X86_64"})["taskDefinitionArn"]
    t = launch(ecs, win, sub)
    assert t["platformVersion"] == "1.0.0" and t["platformFamily"] == "WINDOWS_SERVER_2022_FULL"
    assert_dual_stack(ec2, t, sub)
