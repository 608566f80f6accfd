"""Load balancers, target groups, listeners and rules through boto3 and the
AWS CLI: DNS names and hosted zones per Region, the nodes' ENIs as EC2
shows them, pagination, attributes, tags, weighted forwards and rules,
and the state surviving a restart."""

import re

import pytest

from elbv2_support import alb, forward, health, ip_group, network, task_ip, wait_for


@pytest.mark.parametrize("region,kind,scheme,zone,pattern", [
    ("eu-west-1", "application", "internet-facing", "Z32O12XQLNTSW2", r"web-\d{9,10}\.eu-west-1\.elb\.amazonaws\.com"),
    ("ap-southeast-2", "application", "internal", "Z1GM3OXH4ZPM65",
     r"internal-web-\d{9,10}\.ap-southeast-2\.elb\.amazonaws\.com"),
    ("us-west-2", "network", "internet-facing", "Z18D5FSROUN65G", r"web-[0-9a-f]{16}\.elb\.us-west-2\.amazonaws\.com"),
])
def test_dns_names_and_hosted_zones_per_region(fresh, aws, region, kind, scheme, zone, pattern):
    ec2, elb = aws.ec2(region), aws.client("elbv2", region)
    net = network(ec2, region=region)
    lb = elb.create_load_balancer(Name="web", Type=kind, Scheme=scheme, Subnets=[net.pub_a, net.pub_b])["LoadBalancers"][0]
    assert re.fullmatch(pattern, lb["DNSName"]), lb["DNSName"]
    assert lb["CanonicalHostedZoneId"] == zone
    assert re.fullmatch(rf"arn:aws:elasticloadbalancing:{region}:123456789012:loadbalancer/"
                        rf"{'app' if kind == 'application' else 'net'}/web/[0-9a-f]{{16}}", lb["LoadBalancerArn"])
    if kind == "network":
        assert lb["DNSName"].split(".")[0] == "web-" + lb["LoadBalancerArn"].rsplit("/", 1)[1]
    else:
        # No security groups given: the VPC's default group.
        default = ec2.describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [net.vpc]}, {"Name": "group-name", "Values": ["default"]}])
        assert lb["SecurityGroups"] == [default["SecurityGroups"][0]["GroupId"]]


def test_node_enis_as_ec2_shows_them(fresh, aws, cli):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net)
    lb_id = lb["LoadBalancerArn"].rsplit("/", 1)[1]
    enis = cli.ok("ec2", "describe-network-interfaces", "--filters", "Name=requester-id,Values=amazon-elb")
    enis = enis["NetworkInterfaces"]
    assert sorted(e["SubnetId"] for e in enis) == sorted([net.pub_a, net.pub_b])
    for e in enis:
        assert e["Description"] == f"ELB app/web/{lb_id}"
        assert (e["InterfaceType"], e["RequesterId"], e["RequesterManaged"], e["Status"]) == (
            "interface", "amazon-elb", True, "in-use")
        assert e["Groups"] == [{"GroupId": net.alb_sg, "GroupName": "alb"}]
        assert e["Association"]["IpOwnerId"] == "amazon-elb" and e["Association"]["PublicDnsName"] == ""
        assert e["PrivateIpAddresses"][0]["Association"] == e["Association"]
        att = e["Attachment"]
        assert att["AttachmentId"].startswith("eni-attach-")
        assert (att["InstanceOwnerId"], att["DeviceIndex"], att["NetworkCardIndex"], att["Status"],
                att["DeleteOnTermination"]) == ("amazon-elb", 1, 0, "attached", False)
        assert "InstanceId" not in att
        assert e["TagSet"] == []
    # Each node takes an address of its subnet.
    free = ec2.describe_subnets(SubnetIds=[net.pub_a])["Subnets"][0]["AvailableIpAddressCount"]
    assert free == 250
    # New security groups reach the nodes.
    sg2 = ec2.create_security_group(GroupName="alb2", Description="more", VpcId=net.vpc)["GroupId"]
    out = elb.set_security_groups(LoadBalancerArn=lb["LoadBalancerArn"], SecurityGroups=[net.alb_sg, sg2])
    assert out["SecurityGroupIds"] == [net.alb_sg, sg2]
    groups = {g["GroupId"] for e in ec2.describe_network_interfaces(
        NetworkInterfaceIds=[x["NetworkInterfaceId"] for x in enis])["NetworkInterfaces"] for g in e["Groups"]}
    assert groups == {net.alb_sg, sg2}
    # Internal: no public addresses; they all go with the load balancer.
    internal = alb(elb, net, name="inside", Scheme="internal")
    in_id = internal["LoadBalancerArn"].rsplit("/", 1)[1]
    inside = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"ELB app/inside/{in_id}"]}])["NetworkInterfaces"]
    assert len(inside) == 2 and all("Association" not in e for e in inside)
    elb.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
    elb.delete_load_balancer(LoadBalancerArn=internal["LoadBalancerArn"])
    assert ec2.describe_network_interfaces(
        Filters=[{"Name": "requester-id", "Values": ["amazon-elb"]}])["NetworkInterfaces"] == []
    elb.get_waiter("load_balancers_deleted").wait(LoadBalancerArns=[lb["LoadBalancerArn"]],
                                                  WaiterConfig={"Delay": 1})
    assert ec2.describe_subnets(SubnetIds=[net.pub_a])["Subnets"][0]["AvailableIpAddressCount"] == 251


def test_set_subnets_and_ip_address_type(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2, ipv6=True)
    lb = alb(elb, net)["LoadBalancerArn"]
    out = elb.set_subnets(LoadBalancerArn=lb, Subnets=[net.pub_a, net.priv_b])
    assert sorted(z["SubnetId"] for z in out["AvailabilityZones"]) == sorted([net.pub_a, net.priv_b])
    assert out["IpAddressType"] == "ipv4"
    subnets = {e["SubnetId"] for e in ec2.describe_network_interfaces(
        Filters=[{"Name": "requester-id", "Values": ["amazon-elb"]}])["NetworkInterfaces"]}
    assert subnets == {net.pub_a, net.priv_b}
    assert elb.set_ip_address_type(LoadBalancerArn=lb, IpAddressType="dualstack")["IpAddressType"] == "dualstack"
    enis = ec2.describe_network_interfaces(Filters=[{"Name": "requester-id", "Values": ["amazon-elb"]}])
    assert all(len(e["Ipv6Addresses"]) == 1 for e in enis["NetworkInterfaces"])
    described = elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]
    assert described["IpAddressType"] == "dualstack"


def test_pagination_and_filters(fresh, aws, cli):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    arns = [alb(elb, net, name=f"lb-{i}")["LoadBalancerArn"] for i in range(5)]
    pages = list(elb.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["LoadBalancers"]) for p in pages] == [2, 2, 1]
    assert [lb["LoadBalancerArn"] for p in pages for lb in p["LoadBalancers"]] == arns
    assert [lb["LoadBalancerName"] for lb in elb.describe_load_balancers(Names=["lb-3", "lb-1"])["LoadBalancers"]] == [
        "lb-1", "lb-3"]
    tgs = [ip_group(elb, net, name=f"tg-{i}")["TargetGroupArn"] for i in range(3)]
    elb.create_listener(LoadBalancerArn=arns[0], Protocol="HTTP", Port=80, DefaultActions=forward(tgs[1]))
    used = elb.describe_target_groups(LoadBalancerArn=arns[0])["TargetGroups"]
    assert [t["TargetGroupArn"] for t in used] == [tgs[1]]
    # The CLI passes its --page-size on as PageSize here (the operation has
    # a member of that name) and shows the marker.
    out = cli.ok("elbv2", "describe-target-groups", "--page-size", "1")
    assert [t["TargetGroupName"] for t in out["TargetGroups"]] == ["tg-0"]
    out = cli.ok("elbv2", "describe-target-groups", "--page-size", "2", "--marker", out["NextMarker"])
    assert [t["TargetGroupName"] for t in out["TargetGroups"]] == ["tg-1", "tg-2"]
    assert "NextMarker" not in out
    limits = cli.ok("elbv2", "describe-account-limits")["Limits"]
    assert {"Name": "target-groups", "Max": "3000"} in limits


def test_attributes_and_tags(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net, Tags=[{"Key": "team", "Value": "web"}])["LoadBalancerArn"]
    attrs = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb)["Attributes"]}
    assert attrs["deletion_protection.enabled"] == "false"
    assert attrs["idle_timeout.timeout_seconds"] == "60"
    assert attrs["load_balancing.cross_zone.enabled"] == "true"
    out = elb.modify_load_balancer_attributes(LoadBalancerArn=lb, Attributes=[
        {"Key": "idle_timeout.timeout_seconds", "Value": "120"}])
    assert {"Key": "idle_timeout.timeout_seconds", "Value": "120"} in out["Attributes"]
    tg = ip_group(elb, net, Tags=[{"Key": "svc", "Value": "api"}])["TargetGroupArn"]
    attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=tg)["Attributes"]}
    assert attrs["deregistration_delay.timeout_seconds"] == "300"
    assert attrs["stickiness.type"] == "lb_cookie"
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "10"}, {"Key": "stickiness.enabled", "Value": "true"}])
    attrs = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=tg)["Attributes"]}
    assert (attrs["deregistration_delay.timeout_seconds"], attrs["stickiness.enabled"]) == ("10", "true")
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(tg),
                                   Tags=[{"Key": "l", "Value": "1"}])["Listeners"][0]["ListenerArn"]
    rule = elb.create_rule(ListenerArn=listener, Priority=1, Conditions=[{"Field": "host-header", "Values": ["a.example.com"]}],
                           Actions=forward(tg))["Rules"][0]["RuleArn"]
    elb.add_tags(ResourceArns=[lb, tg, listener, rule], Tags=[{"Key": "env", "Value": "test"}])
    elb.remove_tags(ResourceArns=[lb], TagKeys=["team"])
    got = {d["ResourceArn"]: d["Tags"] for d in elb.describe_tags(ResourceArns=[lb, tg, listener, rule])["TagDescriptions"]}
    assert got[lb] == [{"Key": "env", "Value": "test"}]
    assert got[tg] == [{"Key": "svc", "Value": "api"}, {"Key": "env", "Value": "test"}]
    assert got[listener] == [{"Key": "l", "Value": "1"}, {"Key": "env", "Value": "test"}]
    assert got[rule] == [{"Key": "env", "Value": "test"}]


def test_rules_weighted_forward_redirect_and_priorities(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net)["LoadBalancerArn"]
    blue = ip_group(elb, net, name="blue")["TargetGroupArn"]
    green = ip_group(elb, net, name="green")["TargetGroupArn"]
    listener = elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=[
        {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    ])["Listeners"][0]
    assert listener["DefaultActions"] == [{"Type": "redirect", "RedirectConfig": {
        "Protocol": "HTTPS", "Port": "443", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}",
        "StatusCode": "HTTP_301"}}]
    listener = listener["ListenerArn"]
    weighted = [{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": blue, "Weight": 90}, {"TargetGroupArn": green, "Weight": 10}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
    r1 = elb.create_rule(ListenerArn=listener, Priority=10,
                         Conditions=[{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
                         Actions=weighted)["Rules"][0]
    assert r1["Priority"] == "10" and r1["IsDefault"] is False
    assert r1["Conditions"] == [{"Field": "path-pattern", "Values": ["/api/*"], "PathPatternConfig": {"Values": ["/api/*"]}}]
    assert r1["Actions"] == [{"Type": "forward", "ForwardConfig": {
        "TargetGroups": [{"TargetGroupArn": blue, "Weight": 90}, {"TargetGroupArn": green, "Weight": 10}],
        "TargetGroupStickinessConfig": {"Enabled": True, "DurationSeconds": 60}}}]
    # Both groups are now in use by the load balancer.
    tgs = elb.describe_target_groups(TargetGroupArns=[blue, green])["TargetGroups"]
    assert all(t["LoadBalancerArns"] == [lb] for t in tgs)
    r2 = elb.create_rule(ListenerArn=listener, Priority=20, Conditions=[
        {"Field": "host-header", "HostHeaderConfig": {"Values": ["admin.example.com"]}},
        {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Env", "Values": ["canary"]}},
    ], Actions=[{"Type": "fixed-response", "FixedResponseConfig": {
        "StatusCode": "403", "ContentType": "text/plain", "MessageBody": "no"}}])["Rules"][0]["RuleArn"]
    out = elb.set_rule_priorities(RulePriorities=[{"RuleArn": r1["RuleArn"], "Priority": 30},
                                                  {"RuleArn": r2, "Priority": 5}])
    assert sorted((r["RuleArn"], r["Priority"]) for r in out["Rules"]) == sorted([(r1["RuleArn"], "30"), (r2, "5")])
    rules = elb.describe_rules(ListenerArn=listener)["Rules"]
    assert [r["Priority"] for r in rules] == ["5", "30", "default"]
    elb.modify_rule(RuleArn=r1["RuleArn"], Actions=forward(green))
    assert elb.describe_rules(RuleArns=[r1["RuleArn"]])["Rules"][0]["Actions"][0]["TargetGroupArn"] == green
    assert elb.describe_target_groups(TargetGroupArns=[blue])["TargetGroups"][0]["LoadBalancerArns"] == []
    # The default rule's actions are the listener's.
    default = rules[-1]["RuleArn"]
    elb.modify_rule(RuleArn=default, Actions=forward(blue))
    got = elb.describe_listeners(ListenerArns=[listener])["Listeners"][0]
    assert got["DefaultActions"][0]["TargetGroupArn"] == blue
    assert elb.modify_listener(ListenerArn=listener, Port=8080)["Listeners"][0]["Port"] == 8080
    elb.delete_rule(RuleArn=r2)
    assert [r["Priority"] for r in elb.describe_rules(ListenerArn=listener)["Rules"]] == ["30", "default"]
    tg = elb.modify_target_group(TargetGroupArn=green, HealthCheckPath="/ready", HealthCheckIntervalSeconds=10,
                                 Matcher={"HttpCode": "200-299"})["TargetGroups"][0]
    assert (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"], tg["Matcher"]) == (
        "/ready", 10, {"HttpCode": "200-299"})
    elb.delete_listener(ListenerArn=listener)
    assert elb.describe_listeners(LoadBalancerArn=lb)["Listeners"] == []
    elb.delete_target_group(TargetGroupArn=green)


def test_state_survives_a_restart(server, aws):
    server.reset()
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net)["LoadBalancerArn"]
    tg = ip_group(elb, net)["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(tg))
    ip = task_ip(ec2, net.priv_a, net.task_sg)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip, "Port": 8080}])
    wait_for(lambda: health(elb, tg)[ip]["State"] == "healthy")
    server.restart()
    ec2, elb = aws.ec2(), aws.client("elbv2")
    assert elb.describe_load_balancers(LoadBalancerArns=[lb])["LoadBalancers"][0]["State"]["Code"] == "active"
    assert health(elb, tg)[ip] == {"State": "healthy"}
    assert len(ec2.describe_network_interfaces(
        Filters=[{"Name": "requester-id", "Values": ["amazon-elb"]}])["NetworkInterfaces"]) == 2
