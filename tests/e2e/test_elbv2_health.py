"""The ELB half of issue 12 as a user meets it: an internet-facing ALB in two
public subnets, an `ip` target group, a listener, two task addresses
registered; health derived from the network (security groups, network
ACLs), draining and the AWS CLI waiters, unchanged (N50, N51)."""

import re

from elbv2_support import (alb, err, forward, from_alb, health, ip_group, network, task_ip,
                           wait_for)


def test_user_story_initial_healthy_unhealthy_draining(fresh, aws, cli):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net, Scheme="internet-facing", Type="application", IpAddressType="ipv4")
    lb_arn = lb["LoadBalancerArn"]
    assert lb["State"] == {"Code": "provisioning"}
    assert re.fullmatch(r"web-\d{9,10}\.us-east-1\.elb\.amazonaws\.com", lb["DNSName"]), lb["DNSName"]
    assert lb["CanonicalHostedZoneId"] == "Z35SXDOTRQ7X7K"
    assert lb["Scheme"] == "internet-facing" and lb["SecurityGroups"] == [net.alb_sg]
    assert sorted(z["ZoneName"] for z in lb["AvailabilityZones"]) == ["us-east-1a", "us-east-1b"]

    tg = ip_group(elb, net, HealthCheckPath="/health")
    tg_arn = tg["TargetGroupArn"]
    assert (tg["HealthCheckProtocol"], tg["HealthCheckPort"], tg["HealthCheckPath"]) == ("HTTP", "traffic-port", "/health")
    assert tg["LoadBalancerArns"] == []
    listener = elb.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80,
                                   DefaultActions=forward(tg_arn))["Listeners"][0]
    assert listener["Port"] == 80
    assert elb.describe_target_groups(TargetGroupArns=[tg_arn])["TargetGroups"][0]["LoadBalancerArns"] == [lb_arn]

    ip_a = task_ip(ec2, net.priv_a, net.task_sg)
    ip_b = task_ip(ec2, net.priv_b, net.task_sg)
    elb.register_targets(TargetGroupArn=tg_arn, Targets=[{"Id": ip_a, "Port": 8080}, {"Id": ip_b, "Port": 8080}])

    # initial first (registration, then the first check) ...
    first = health(elb, tg_arn)
    assert set(first) == {ip_a, ip_b}
    assert all(h["State"] == "initial" for h in first.values()), first
    assert {h["Reason"] for h in first.values()} <= {"Elb.RegistrationInProgress", "Elb.InitialHealthChecking"}
    desc = {"Elb.RegistrationInProgress": "Target registration is in progress",
            "Elb.InitialHealthChecking": "Initial health checks in progress"}
    assert all(h["Description"] == desc[h["Reason"]] for h in first.values())
    # ... then healthy: the boto3 waiter and the CLI's, unchanged.
    elb.get_waiter("target_in_service").wait(TargetGroupArn=tg_arn, WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    elb.get_waiter("load_balancer_available").wait(LoadBalancerArns=[lb_arn], WaiterConfig={"Delay": 1})
    cli.ok("elbv2", "wait", "load-balancer-available", "--load-balancer-arns", lb_arn)
    cli.ok("elbv2", "wait", "target-in-service", "--target-group-arn", tg_arn,
           "--targets", f"Id={ip_a},Port=8080", f"Id={ip_b},Port=8080")
    out = elb.describe_target_health(TargetGroupArn=tg_arn)["TargetHealthDescriptions"]
    assert {d["Target"]["Id"]: d for d in out}[ip_a] == {
        "Target": {"Id": ip_a, "Port": 8080, "AvailabilityZone": "us-east-1a"},
        "HealthCheckPort": "8080",
        "TargetHealth": {"State": "healthy"},
    }
    assert elb.describe_load_balancers(LoadBalancerArns=[lb_arn])["LoadBalancers"][0]["State"] == {"Code": "active"}

    # The task group stops admitting the ALB's group: checks time out.
    ec2.revoke_security_group_ingress(GroupId=net.task_sg, IpPermissions=[from_alb(net.alb_sg)])
    h = wait_for(lambda: (h := health(elb, tg_arn)) and all(x["State"] == "unhealthy" for x in h.values()) and h)
    assert h[ip_a] == {"State": "unhealthy", "Reason": "Target.Timeout", "Description": "Request timed out"}
    ec2.authorize_security_group_ingress(GroupId=net.task_sg, IpPermissions=[from_alb(net.alb_sg)])
    assert all(x["State"] == "healthy" for x in health(elb, tg_arn).values())

    # A network ACL of zone b's private subnet denies 8080: only that target fails.
    acl = ec2.create_network_acl(VpcId=net.vpc)["NetworkAcl"]["NetworkAclId"]
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=50, Protocol="6", RuleAction="deny", Egress=False,
                                 CidrBlock="10.0.0.0/16", PortRange={"From": 8080, "To": 8080})
    for egress in (False, True):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="allow",
                                     Egress=egress, CidrBlock="0.0.0.0/0")
    assoc = ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [net.priv_b]}])
    assoc_id = next(a["NetworkAclAssociationId"] for a in assoc["NetworkAcls"][0]["Associations"]
                    if a["SubnetId"] == net.priv_b)
    default_acl = assoc["NetworkAcls"][0]["NetworkAclId"]
    new_assoc = ec2.replace_network_acl_association(AssociationId=assoc_id, NetworkAclId=acl)["NewAssociationId"]
    h = health(elb, tg_arn)
    assert h[ip_a]["State"] == "healthy"
    assert h[ip_b] == {"State": "unhealthy", "Reason": "Target.Timeout", "Description": "Request timed out"}
    ec2.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=default_acl)
    assert health(elb, tg_arn)[ip_b]["State"] == "healthy"

    # Deregister: draining for the deregistration delay, then gone.
    elb.modify_target_group_attributes(
        TargetGroupArn=tg_arn, Attributes=[{"Key": "deregistration_delay.timeout_seconds", "Value": "30"}])
    elb.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": ip_a, "Port": 8080}])
    assert health(elb, tg_arn)[ip_a] == {
        "State": "draining", "Reason": "Target.DeregistrationInProgress",
        "Description": "Target deregistration is in progress"}
    wait_for(lambda: ip_a not in health(elb, tg_arn))
    asked = health(elb, tg_arn, Targets=[{"Id": ip_a, "Port": 8080}])
    assert asked[ip_a] == {"State": "unused", "Reason": "Target.NotRegistered",
                           "Description": "Target is not registered to the target group"}
    elb.get_waiter("target_deregistered").wait(
        TargetGroupArn=tg_arn, Targets=[{"Id": ip_a, "Port": 8080}], WaiterConfig={"Delay": 1})
    elb.deregister_targets(TargetGroupArn=tg_arn, Targets=[{"Id": ip_b, "Port": 8080}])
    wait_for(lambda: ip_b not in health(elb, tg_arn))
    cli.ok("elbv2", "wait", "target-deregistered", "--target-group-arn", tg_arn,
           "--targets", f"Id={ip_b},Port=8080")
    assert health(elb, tg_arn) == {}


def test_targets_are_unused_until_a_listener_uses_their_group(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net)
    tg = ip_group(elb, net)["TargetGroupArn"]
    ip = task_ip(ec2, net.priv_a, net.task_sg)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip, "Port": 8080}])
    assert health(elb, tg)[ip] == {
        "State": "unused", "Reason": "Target.NotInUse",
        "Description": "Target group is not configured to receive traffic from the load balancer"}
    # Deregistering a target of an unused group needs no draining.
    elb.deregister_targets(TargetGroupArn=tg, Targets=[{"Id": ip, "Port": 8080}])
    assert health(elb, tg) == {}
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip, "Port": 8080}])
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=forward(tg))
    wait_for(lambda: health(elb, tg)[ip]["State"] == "healthy")


def test_network_load_balancer_checks_from_its_own_zone(fresh, aws):
    """An NLB without security groups: the task group must admit the nodes'
    addresses; without cross-zone load balancing each node checks only the
    targets of its zone, and failures read Target.FailedHealthChecks."""
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    nlb = elb.create_load_balancer(Name="net", Type="network", Scheme="internal",
                                   Subnets=[net.priv_a, net.priv_b])["LoadBalancers"][0]
    assert "SecurityGroups" not in nlb
    assert nlb["DNSName"] == f"internal-net-{nlb['LoadBalancerArn'].rsplit('/', 1)[1]}.elb.us-east-1.amazonaws.com"
    assert nlb["CanonicalHostedZoneId"] == "Z26RNL4JYFTOTI"
    tg = elb.create_target_group(Name="tcp", Protocol="TCP", Port=8080, VpcId=net.vpc, TargetType="ip",
                                 HealthCheckIntervalSeconds=15)["TargetGroups"][0]
    assert (tg["HealthCheckProtocol"], tg["HealthCheckTimeoutSeconds"]) == ("TCP", 10)
    assert "HealthCheckPath" not in tg and "Matcher" not in tg
    tg = tg["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="TCP", Port=80, DefaultActions=forward(tg))
    zone_a = ec2.create_security_group(GroupName="from-a", Description="a", VpcId=net.vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=zone_a, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.0.10.0/24"}]}])
    ip_a = task_ip(ec2, net.priv_a, zone_a)
    ip_b = task_ip(ec2, net.priv_b, zone_a)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip_a, "Port": 8080}, {"Id": ip_b, "Port": 8080}])
    h = wait_for(lambda: (h := health(elb, tg)) and all(x["State"] != "initial" for x in h.values()) and h)
    assert h[ip_a] == {"State": "healthy"}
    assert h[ip_b] == {"State": "unhealthy", "Reason": "Target.FailedHealthChecks",
                       "Description": "Health checks failed"}


def test_dual_stack_alb_and_ipv6_targets_n52(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2, ipv6=True)
    ec2.authorize_security_group_ingress(GroupId=net.task_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
    lb = alb(elb, net, IpAddressType="dualstack")
    assert lb["IpAddressType"] == "dualstack"
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"ELB app/web/{lb['LoadBalancerArn'].rsplit('/', 1)[1]}"]}]
    )["NetworkInterfaces"]
    assert len(enis) == 2 and all(len(e["Ipv6Addresses"]) == 1 for e in enis)
    tg = ip_group(elb, net, IpAddressType="ipv6")
    assert tg["IpAddressType"] == "ipv6"
    tg = tg["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80, DefaultActions=forward(tg))
    v6 = task_ip(ec2, net.priv_a, net.task_sg, ipv6=True)
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": v6, "Port": 8080}])
    wait_for(lambda: health(elb, tg)[v6]["State"] == "healthy")
    # An IPv4 address does not go into an ipv6 group.
    e = err(elb.register_targets, TargetGroupArn=tg, Targets=[{"Id": "10.0.10.99", "Port": 8080}])
    assert e == {"Type": "Sender", "Code": "InvalidTarget",
                 "Message": "The IP address '10.0.10.99' is not a valid target for a target group with IP address type 'ipv6'"}
    # The load balancer cannot go back to ipv4 while it uses an ipv6 group.
    e = err(elb.set_ip_address_type, LoadBalancerArn=lb["LoadBalancerArn"], IpAddressType="ipv4")
    assert e["Code"] == "InvalidConfigurationRequest"
    assert e["Message"] == ("You cannot associate an IPv6 target group with a load balancer that has an "
                            "'ipv4' IP address type")
