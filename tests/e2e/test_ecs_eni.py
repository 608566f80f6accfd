"""The task ENI (issue 3): N10 placement, N11 addresses and exhaustion, N12
public IPs, N16 private DNS names, N19 the EC2 view and what users may do."""

import ipaddress
import re
from collections import Counter

import pytest

from ecs_support import (ACCOUNT, available, details, eni, eni_gone, enis_in, err, make_public, make_vpc,
                         main_route_table, private_dns, task_enis,
                         public_dns, register, reserved, run, run_one, setup_cluster, usable, wait_all,
                         wait_status)


def test_n10_spread_over_three_azs(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24", "10.0.2.0/24", "10.0.3.0/24"))
    assert len({s["AvailabilityZone"] for s in subs}) == 3
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    out = run(ecs, "c1", td, subs, count=10)
    assert out["failures"] == [] and len(out["tasks"]) == 10
    by_az = Counter(t["availabilityZone"] for t in out["tasks"])
    assert sorted(by_az.values()) == [3, 3, 4], by_az
    sub_az = {s["SubnetId"]: s["AvailabilityZone"] for s in subs}
    for t in out["tasks"]:
        # RunTask already names the chosen subnet, in the task's AZ
        assert sub_az[details(t)["subnetId"]] == t["availabilityZone"]
    tasks = wait_all(ecs, "c1", [t["taskArn"] for t in out["tasks"]], "RUNNING")
    for t in tasks:
        e = eni(ec2, details(t)["networkInterfaceId"])
        assert e["SubnetId"] == details(t)["subnetId"] and e["AvailabilityZone"] == t["availabilityZone"]
    # one ENI per task
    assert len({details(t)["networkInterfaceId"] for t in tasks}) == 10
    # ten more keep the balance (each AZ 6 or 7)
    more = run(ecs, "c1", td, subs, count=10)["tasks"]
    total = Counter(t["availabilityZone"] for t in tasks + more)
    assert sorted(total.values()) == [6, 7, 7], total


def test_n11_addresses_counts_and_release(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24", "10.0.2.0/24"))
    s1 = subs[0]["SubnetId"]
    assert available(ec2, s1) == 251
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    # a user ENI holds an address too; tasks must never get it
    user = ec2.create_network_interface(SubnetId=s1, PrivateIpAddress="10.0.1.4")["NetworkInterface"]
    assert available(ec2, s1) == 250
    arns = [t["taskArn"] for t in run(ecs, "c1", td, [s1], count=10)["tasks"]]
    arns += [t["taskArn"] for t in run(ecs, "c1", td, [s1], count=5)["tasks"]]
    tasks = wait_all(ecs, "c1", arns, "RUNNING")
    ips = [details(t)["privateIPv4Address"] for t in tasks]
    assert len(set(ips)) == 15
    net = ipaddress.IPv4Network("10.0.1.0/24")
    assert all(ipaddress.IPv4Address(ip) in net for ip in ips)
    assert not set(ips) & reserved("10.0.1.0/24")
    assert "10.0.1.4" not in ips
    assert available(ec2, s1) == 250 - 15
    # the containers report the same address
    for t in tasks:
        for c in t["containers"]:
            assert c["networkInterfaces"] == [{"attachmentId": t["attachments"][0]["id"],
                                               "privateIpv4Address": details(t)["privateIPv4Address"]}]
    # every address in the VPC appears once, across task and user ENIs
    all_ips = [p["PrivateIpAddress"] for e in enis_in(ec2, vid) for p in e["PrivateIpAddresses"]]
    assert len(all_ips) == len(set(all_ips)) == 17  # 15 tasks, the user ENI, the NAT gateway
    assert len(task_enis(ec2, vid)) == 15
    for arn in arns[:5]:
        ecs.stop_task(cluster="c1", task=arn)
    wait_all(ecs, "c1", arns[:5], "STOPPED")
    assert available(ec2, s1) == 250 - 10
    for arn in arns[5:]:
        ecs.stop_task(cluster="c1", task=arn)
    wait_all(ecs, "c1", arns, "STOPPED")
    assert available(ec2, s1) == 250
    ec2.delete_network_interface(NetworkInterfaceId=user["NetworkInterfaceId"])
    assert available(ec2, s1) == 251


def test_n11_exhausted_subnet_stops_the_task(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.7.0/28",))
    s = subs[0]["SubnetId"]
    assert available(ec2, s) == usable("10.0.7.0/28") == 11
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    arns = [t["taskArn"] for t in run(ecs, "c1", td, [s], count=10)["tasks"]]
    arns.append(run_one(ecs, "c1", td, [s])["taskArn"])
    tasks = wait_all(ecs, "c1", arns, "RUNNING")
    ips = {details(t)["privateIPv4Address"] for t in tasks}
    assert ips == {f"10.0.7.{i}" for i in range(4, 15)}
    assert available(ec2, s) == 0
    # the 12th task is accepted (PROVISIONING) and then stops
    t12 = run_one(ecs, "c1", td, [s])
    assert t12["lastStatus"] == "PROVISIONING"
    stopped = wait_status(ecs, "c1", t12["taskArn"], "STOPPED")
    assert stopped["stopCode"] == "TaskFailedToStart"
    assert stopped["stoppedReason"] == (
        f"Unexpected EC2 error while attempting to Create Network Interface in subnet '{s}': "
        "InsufficientFreeAddressesInSubnet")
    assert stopped["desiredStatus"] == "STOPPED"
    assert "startedAt" not in stopped and "stoppedAt" in stopped
    assert stopped["attachments"][0]["status"] == "DELETED"
    assert [d["name"] for d in stopped["attachments"][0]["details"]] == ["subnetId"]
    assert [c["lastStatus"] for c in stopped["containers"]] == ["STOPPED"]
    assert len(task_enis(ec2, vid)) == 11
    # freeing one address lets the next task start
    ecs.stop_task(cluster="c1", task=arns[0])
    wait_status(ecs, "c1", arns[0], "STOPPED")
    assert available(ec2, s) == 1
    t13 = wait_status(ecs, "c1", run_one(ecs, "c1", td, [s])["taskArn"], "RUNNING")
    assert details(t13)["privateIPv4Address"] == details(tasks[0])["privateIPv4Address"]


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_n12_public_ip_and_n16_private_dns(fresh, aws, region):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    # a public subnet (0.0.0.0/0 → IGW) and a private one (0.0.0.0/0 → NAT)
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24", "10.0.2.0/24"))
    s, private = subs[0]["SubnetId"], subs[1]["SubnetId"]
    make_public(ec2, vid, s)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    pub = wait_status(ecs, "c1", run_one(ecs, "c1", td, [s], public="ENABLED")["taskArn"], "RUNNING")
    priv = wait_status(ecs, "c1", run_one(ecs, "c1", td, [private], public="DISABLED")["taskArn"], "RUNNING")
    for t in (pub, priv):
        d = details(t)
        assert d["privateDnsName"] == private_dns(d["privateIPv4Address"], region)
        e = eni(ec2, d["networkInterfaceId"])
        assert e["PrivateDnsName"] == d["privateDnsName"]
        assert e["PrivateIpAddresses"][0]["PrivateDnsName"] == d["privateDnsName"]
        assert e["MacAddress"] == d["macAddress"]
        assert re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){5}", d["macAddress"])
        assert int(d["macAddress"][:2], 16) & 0b11 == 0b10  # locally administered unicast
    # the public IP is only in EC2, never an attachment detail (N20)
    assert list(details(pub)) == ["subnetId", "networkInterfaceId", "macAddress", "privateDnsName",
                                  "privateIPv4Address"]
    e = eni(ec2, details(pub)["networkInterfaceId"])
    assoc = e["Association"]
    ip = assoc["PublicIp"]
    assert not ipaddress.IPv4Address(ip).is_private
    assert assoc["IpOwnerId"] == "amazon"
    assert assoc["PublicDnsName"] == public_dns(ip, region)
    if region == "us-east-1":
        assert assoc["PublicDnsName"].endswith(".compute-1.amazonaws.com")
    else:
        assert assoc["PublicDnsName"] == f"ec2-{ip.replace('.', '-')}.eu-west-1.compute.amazonaws.com"
    assert e["PrivateIpAddresses"][0]["Association"]["PublicIp"] == ip
    assert "Association" not in eni(ec2, details(priv)["networkInterfaceId"])
    found = ec2.describe_network_interfaces(
        Filters=[{"Name": "association.public-ip", "Values": [ip]}])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in found] == [details(pub)["networkInterfaceId"]]
    # released at stop
    ecs.stop_task(cluster="c1", task=pub["taskArn"])
    wait_status(ecs, "c1", pub["taskArn"], "STOPPED")
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "association.public-ip", "Values": [ip]}])["NetworkInterfaces"] == []
    assert eni_gone(ec2, details(pub)["networkInterfaceId"])


def test_n12_public_ip_without_igw_route(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))  # 0.0.0.0/0 → NAT, no IGW route
    routes = ec2.describe_route_tables(RouteTableIds=[main_route_table(ec2, vid)])["RouteTables"][0]["Routes"]
    assert not any(r.get("GatewayId", "").startswith("igw-") for r in routes)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    t = wait_status(ecs, "c1", run_one(ecs, "c1", td, subs, public="ENABLED")["taskArn"], "RUNNING")
    e = eni(ec2, details(t)["networkInterfaceId"])
    ip = e["Association"]["PublicIp"]
    assert not ipaddress.IPv4Address(ip).is_private
    assert e["Association"] == {"IpOwnerId": "amazon", "PublicIp": ip, "PublicDnsName": public_dns(ip, "us-east-1")}
    assert e["PrivateIpAddresses"][0]["Association"] == e["Association"]


def test_n19_ec2_view_of_the_task_eni(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs, "net-cluster")
    td = register(ecs)["taskDefinitionArn"]
    t = wait_status(ecs, "net-cluster", run_one(ecs, "net-cluster", td, subs)["taskArn"], "RUNNING")
    att = t["attachments"][0]
    d = details(t)
    e = eni(ec2, d["networkInterfaceId"])
    assert e["RequesterManaged"] is True
    assert e["InterfaceType"] == "interface"
    assert e["Status"] == "in-use"
    assert e["Description"] == f"arn:aws:ecs:us-east-1:{ACCOUNT}:attachment/{att['id']}"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", att["id"])
    assert e["OwnerId"] == ACCOUNT and e["RequesterId"] and e["RequesterId"] != ACCOUNT
    assert e["SourceDestCheck"] is True
    assert e["VpcId"] == vid and e["SubnetId"] == d["subnetId"]
    assert e["PrivateIpAddress"] == d["privateIPv4Address"]
    assert e["Ipv6Addresses"] == []
    a = e["Attachment"]
    assert re.fullmatch(r"eni-attach-[0-9a-f]{17}", a["AttachmentId"])
    assert a["DeviceIndex"] == 1 and a["NetworkCardIndex"] == 0
    assert a["Status"] == "attached" and a["DeleteOnTermination"] is False
    assert "InstanceId" not in a
    assert a["InstanceOwnerId"] != ACCOUNT
    assert re.fullmatch(r"eni-[0-9a-f]{17}", e["NetworkInterfaceId"])
    assert {"Key": "aws:ecs:clusterName", "Value": "net-cluster"} in e["TagSet"]
    eid = e["NetworkInterfaceId"]
    forbidden = "You are not allowed to manage 'eni-attach' attachments."
    assert err(ec2.detach_network_interface, AttachmentId=a["AttachmentId"]) == {
        "Code": "OperationNotPermitted", "Message": forbidden}
    assert err(ec2.detach_network_interface, AttachmentId=a["AttachmentId"], Force=True)["Code"] == \
        "OperationNotPermitted"
    assert err(ec2.delete_network_interface, NetworkInterfaceId=eid) == {
        "Code": "OperationNotPermitted", "Message": forbidden}
    assert err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid,
               Description={"Value": "mine"}) == {"Code": "OperationNotPermitted", "Message": forbidden}
    assert err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid,
               SourceDestCheck={"Value": False}) == {"Code": "OperationNotPermitted", "Message": forbidden}
    sg = ec2.create_security_group(GroupName="x", Description="x", VpcId=vid)["GroupId"]
    assert err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eid, Groups=[sg]) == {
        "Code": "OperationNotPermitted", "Message": forbidden}
    # nothing changed
    again = eni(ec2, eid)
    assert again["Description"] == e["Description"] and again["SourceDestCheck"] is True
    assert again["Groups"] == e["Groups"]
    # tagging is allowed
    ec2.create_tags(Resources=[eid], Tags=[{"Key": "owner", "Value": "me"}])
    tags = {x["Key"]: x["Value"] for x in eni(ec2, eid)["TagSet"]}
    assert tags == {"aws:ecs:clusterName": "net-cluster", "owner": "me"}
    ec2.delete_tags(Resources=[eid], Tags=[{"Key": "owner"}])
    assert eni(ec2, eid)["TagSet"] == [{"Key": "aws:ecs:clusterName", "Value": "net-cluster"}]
    # filters find it as AWS does
    found = ec2.describe_network_interfaces(Filters=[
        {"Name": "requester-managed", "Values": ["true"]},
        {"Name": "description", "Values": [e["Description"]]},
    ])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in found] == [eid]
    found = ec2.describe_network_interfaces(Filters=[
        {"Name": "attachment.attachment-id", "Values": [a["AttachmentId"]]}])["NetworkInterfaces"]
    assert [x["NetworkInterfaceId"] for x in found] == [eid]
    # stopping detaches and deletes it
    ecs.stop_task(cluster="net-cluster", task=t["taskArn"])
    wait_status(ecs, "net-cluster", t["taskArn"], "STOPPED")
    assert eni_gone(ec2, eid)
    assert err(ec2.describe_network_interfaces, NetworkInterfaceIds=[eid]) == {
        "Code": "InvalidNetworkInterfaceID.NotFound",
        "Message": f"The networkInterface ID '{eid}' does not exist"}


def test_cli_task_eni(fresh, aws, cli):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    t = wait_status(ecs, "c1", run_one(ecs, "c1", td, subs)["taskArn"], "RUNNING")
    eid = details(t)["networkInterfaceId"]
    got = cli.ok("ec2", "describe-network-interfaces", "--network-interface-ids", eid)["NetworkInterfaces"][0]
    assert got["RequesterManaged"] is True and got["Attachment"]["DeviceIndex"] == 1
    stderr = cli.err("ec2", "delete-network-interface", "--network-interface-id", eid, code="OperationNotPermitted")
    assert "You are not allowed to manage 'eni-attach' attachments." in stderr
