"""ECS services behind an Application Load Balancer (issue 12): a service of
Fargate tasks in two private subnets registered in an `ip` target group,
the waiters, scaling, a rolling deployment, replacement of stopped and
unhealthy tasks, the circuit breaker with rollback, and the error texts
(N3–N8, N50–N53; events and texts from services-elbv2.md §1)."""

import ipaddress
import re

from ecs_support import container, err_pair, ipv6_only_subnet, register
from elbv2_support import alb, forward, from_alb, health, ip_group, network, wait_for

WEB = [container(portMappings=[{"containerPort": 8080, "protocol": "tcp"}])]
FAST = {"Delay": 1, "MaxAttempts": 60}


def nat_for_private(ec2, net):
    """The private subnets reach the internet (their image) through a NAT gateway."""
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=net.pub_a, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])
    rt = main["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    return rt


def setup(aws, nat=True):
    ec2, ecs, elb = aws.ec2(), aws.ecs(), aws.client("elbv2")
    net = network(ec2)
    if nat:
        nat_for_private(ec2, net)
    lb = alb(elb, net, Scheme="internet-facing")
    tg = ip_group(elb, net)["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=forward(tg))
    # A short drain keeps the test quick (AWS seconds, scaled by tasknet).
    elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
        {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    ecs.create_cluster(clusterName="c1")
    td = register(ecs, family="web", containers=WEB)
    return ec2, ecs, elb, net, tg, td


def create(ecs, net, tg, td, name="web", count=3, **kw):
    args = dict(
        cluster="c1", serviceName=name, taskDefinition=f"{td['family']}:{td['revision']}",
        desiredCount=count, launchType="FARGATE",
        networkConfiguration={"awsvpcConfiguration": {"subnets": [net.priv_a, net.priv_b],
                                                      "securityGroups": [net.task_sg]}},
        loadBalancers=[{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}],
    )
    args.update(kw)
    return ecs.create_service(**args)["service"]


def svc(ecs, name="web"):
    return ecs.describe_services(cluster="c1", services=[name])["services"][0]


def running_tasks(ecs, name="web"):
    arns = ecs.list_tasks(cluster="c1", serviceName=name)["taskArns"]
    if not arns:
        return []
    return ecs.describe_tasks(cluster="c1", tasks=arns)["tasks"]


def messages(s):
    return [e["message"] for e in s["events"]]


def settled(ecs, name="web"):
    """The rollout is done and the service says so (targets healthy too:
    the waiter alone only compares counts, as on AWS)."""
    def done():
        s = svc(ecs, name)
        ok = (s["deployments"] and s["deployments"][0]["rolloutState"] == "COMPLETED"
              and s["events"] and s["events"][0]["message"] == f"(service {name}) has reached a steady state.")
        return s if ok else None
    return wait_for(done, timeout=30)


def stable(ecs, name="web"):
    ecs.get_waiter("services_stable").wait(cluster="c1", services=[name], WaiterConfig=FAST)
    return settled(ecs, name)


def test_user_story_alb_service_stable_with_healthy_targets(fresh, aws, cli):
    ec2, ecs, elb, net, tg, td = setup(aws)
    s = create(ecs, net, tg, td)
    assert s["status"] == "ACTIVE" and s["desiredCount"] == 3 and s["launchType"] == "FARGATE"
    assert s["serviceArn"] == "arn:aws:ecs:us-east-1:123456789012:service/c1/web"
    assert s["loadBalancers"] == [{"targetGroupArn": tg, "containerName": "web", "containerPort": 8080}]
    assert s["healthCheckGracePeriodSeconds"] == 0
    assert s["roleArn"].endswith(":role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS")
    (d,) = s["deployments"]
    assert re.fullmatch(r"ecs-svc/\d{19}", d["id"]) and d["status"] == "PRIMARY"
    assert (d["rolloutState"], d["rolloutStateReason"]) == ("IN_PROGRESS", f"ECS deployment {d['id']} in progress.")

    # The CLI's waiter, unchanged.
    cli.ok("ecs", "wait", "services-stable", "--cluster", "c1", "--services", "web")
    s = svc(ecs)
    assert (s["runningCount"], s["pendingCount"], len(s["deployments"])) == (3, 0, 1)
    s = settled(ecs)
    d = s["deployments"][0]
    assert (d["rolloutState"], d["rolloutStateReason"]) == ("COMPLETED", f"ECS deployment {d['id']} completed.")

    tasks = running_tasks(ecs)
    assert len(tasks) == 3
    assert all(t["group"] == "service:web" and t["startedBy"] == d["id"] for t in tasks)
    # Spread over the two zones of the given subnets.
    assert sorted({t["availabilityZone"] for t in tasks}) == ["us-east-1a", "us-east-1b"]
    ips = {next(x["value"] for x in t["attachments"][0]["details"] if x["name"] == "privateIPv4Address")
           for t in tasks}
    h = wait_for(lambda: (h := health(elb, tg)) and all(x["State"] == "healthy" for x in h.values()) and h)
    assert set(h) == ips
    out = elb.describe_target_health(TargetGroupArn=tg)["TargetHealthDescriptions"]
    assert {o["Target"]["Port"] for o in out} == {8080}

    # Events, newest first, as AWS words them.
    m = messages(s)
    assert m[0] == "(service web) has reached a steady state."
    assert m[1] == f"(service web) (deployment {d['id']}) deployment completed."
    started = [x for x in m if x.startswith("(service web) has started ")]
    assert started and all(re.fullmatch(r"\(service web\) has started \d+ tasks: (\(task [0-9a-f]{32}\) ?)+\.", x)
                           for x in started)
    assert sum(int(x.split()[4]) for x in started) == 3
    registered = [x for x in m if "registered" in x]
    assert registered and all(re.fullmatch(rf"\(service web\) registered \d+ targets in \(target-group {re.escape(tg)}\)", x)
                              for x in registered)
    assert all(re.fullmatch(r"[0-9a-f-]{36}", e["id"]) for e in s["events"])
    # The cluster counts it.
    assert ecs.describe_clusters(clusters=["c1"])["clusters"][0]["activeServicesCount"] == 1
    assert ecs.list_services(cluster="c1")["serviceArns"] == [s["serviceArn"]]


def test_scale_up_and_down_and_replace_a_stopped_task(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    create(ecs, net, tg, td, count=1)
    stable(ecs)
    ecs.update_service(cluster="c1", service="web", desiredCount=5)
    s = stable(ecs)
    assert (s["runningCount"], len(running_tasks(ecs))) == (5, 5)
    wait_for(lambda: len(h := health(elb, tg)) == 5 and all(x["State"] == "healthy" for x in h.values()))

    ecs.update_service(cluster="c1", service="web", desiredCount=1)
    s = stable(ecs)
    assert s["runningCount"] == 1
    stopped = ecs.list_tasks(cluster="c1", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    gone = ecs.describe_tasks(cluster="c1", tasks=stopped)["tasks"]
    assert len(gone) == 4
    deployment = s["deployments"][0]["id"]
    assert {(t["stopCode"], t["stoppedReason"]) for t in gone} == {
        ("ServiceSchedulerInitiated", f"Scaling activity initiated by (deployment {deployment})")}
    m = messages(s)
    assert any(re.fullmatch(r"\(service web\) has stopped 4 running tasks: (\(task [0-9a-f]{32}\) ?){4}\.", x) for x in m)
    assert any(x == f"(service web) deregistered 4 targets in (target-group {tg})" for x in m)
    assert any(x == f"(service web, taskSet {deployment}) has begun draining connections on 4 tasks." for x in m)
    # Drained targets leave the group.
    wait_for(lambda: len(health(elb, tg)) == 1)

    # A task stopped by hand is replaced.
    (t,) = running_tasks(ecs)
    ecs.stop_task(cluster="c1", task=t["taskArn"])
    wait_for(lambda: any(x["taskArn"] != t["taskArn"] and x["lastStatus"] == "RUNNING"
                         for x in running_tasks(ecs)))
    s = stable(ecs)
    assert s["runningCount"] == 1 and running_tasks(ecs)[0]["taskArn"] != t["taskArn"]


def test_rolling_deployment_of_a_new_revision(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    create(ecs, net, tg, td, count=2,
           deploymentConfiguration={"maximumPercent": 200, "minimumHealthyPercent": 50})
    first = stable(ecs)["deployments"][0]["id"]
    td2 = register(ecs, family="web", containers=WEB)
    assert td2["revision"] == 2
    s = ecs.update_service(cluster="c1", service="web", taskDefinition="web:2")["service"]
    assert [d["status"] for d in s["deployments"]] == ["PRIMARY", "ACTIVE"]
    assert s["deployments"][1]["id"] == first
    assert s["taskDefinition"].endswith(":task-definition/web:2")
    s = stable(ecs)
    (d,) = s["deployments"]
    assert d["taskDefinition"].endswith("web:2") and d["rolloutState"] == "COMPLETED"
    assert all(t["taskDefinitionArn"].endswith("web:2") for t in running_tasks(ecs))
    assert len(running_tasks(ecs)) == 2


def test_circuit_breaker_fails_a_deployment_without_a_path_to_the_image_and_rolls_back(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    create(ecs, net, tg, td, count=1,
           deploymentConfiguration={"deploymentCircuitBreaker": {"enable": True, "rollback": True}})
    good = stable(ecs)["deployments"][0]["id"]
    # Revision 2 runs in a subnet without any route to its image.
    dark = ec2.create_subnet(VpcId=net.vpc, CidrBlock="10.0.20.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    rt = ec2.create_route_table(VpcId=net.vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=rt, SubnetId=dark)
    ecs.update_service(cluster="c1", service="web", networkConfiguration={
        "awsvpcConfiguration": {"subnets": [dark], "securityGroups": [net.task_sg]}})

    def failed():
        s = svc(ecs)
        return s if any(d["rolloutState"] == "FAILED" for d in s["deployments"]) else None

    s = wait_for(failed, timeout=60)
    bad = next(d for d in s["deployments"] if d["rolloutState"] == "FAILED")
    assert bad["rolloutStateReason"] == "ECS deployment circuit breaker: tasks failed to start."
    assert bad["failedTasks"] >= 10
    m = messages(s)
    assert f"(service web) (deployment {bad['id']}) deployment failed: tasks failed to start." in m
    assert f"(service web) rolling back to deployment {good}." in m
    primary = s["deployments"][0]
    assert primary["status"] == "PRIMARY" and primary["id"] not in (good, bad["id"])
    assert primary["rolloutStateReason"] == f"ECS deployment circuit breaker: rolling back to deploymentId {good}."
    s = stable(ecs)
    (d,) = s["deployments"]
    assert d["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == [net.priv_a, net.priv_b]
    stopped = ecs.list_tasks(cluster="c1", serviceName="web", desiredStatus="STOPPED")["taskArns"]
    stopped = [t for t in ecs.describe_tasks(cluster="c1", tasks=stopped[:100])["tasks"]
               if t["startedBy"] == bad["id"]]
    assert len(stopped) >= 10 and all(t["stopCode"] == "TaskFailedToStart" for t in stopped)
    assert all("CannotPullContainerError" in t["stoppedReason"] or "ResourceInitializationError" in t["stoppedReason"]
               for t in stopped), [t["stoppedReason"] for t in stopped]


def test_task_group_that_does_not_admit_the_alb_makes_targets_unhealthy_and_tasks_replaced(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    create(ecs, net, tg, td, count=1)
    first = stable(ecs)
    (t,) = running_tasks(ecs)
    ec2.revoke_security_group_ingress(GroupId=net.task_sg, IpPermissions=[from_alb(net.alb_sg)])

    def replaced():
        m = messages(svc(ecs))
        return [x for x in m if "is unhealthy in" in x]

    unhealthy = wait_for(replaced, timeout=30)
    assert unhealthy[0] == (f"(service web) (task {t['taskArn'].rsplit('/', 1)[1]}) (port 8080) is unhealthy in "
                            f"(target-group {tg}) due to (reason Request timed out).")
    gone = ecs.describe_tasks(cluster="c1", tasks=[t["taskArn"]])["tasks"][0]
    assert gone["desiredStatus"] == "STOPPED" and gone["stopCode"] == "ServiceSchedulerInitiated"
    assert gone["stoppedReason"] == f"Task failed ELB health checks in (target-group {tg})"
    # The replacement's target cannot pass either: the load balancer's
    # checks time out (Target.Timeout), as on AWS.
    wait_for(lambda: any(h["State"] == "unhealthy" and h.get("Reason") == "Target.Timeout"
                         for h in health(elb, tg).values()), timeout=30)
    # Put the rule back: the replacement becomes healthy and the service steady.
    ec2.authorize_security_group_ingress(GroupId=net.task_sg, IpPermissions=[from_alb(net.alb_sg)])
    s = stable(ecs)
    assert s["runningCount"] == 1 and first["deployments"][0]["id"] == s["deployments"][0]["id"]
    assert running_tasks(ecs)[0]["taskArn"] != t["taskArn"]


def test_delete_service_drains_to_inactive(fresh, aws, cli):
    ec2, ecs, elb, net, tg, td = setup(aws)
    create(ecs, net, tg, td, count=2)
    stable(ecs)
    assert err_pair(ecs.delete_service, cluster="c1", service="web") == (
        "InvalidParameterException", "The service cannot be stopped while it is scaled above 0.")
    assert err_pair(ecs.delete_cluster, cluster="c1") == (
        "ClusterContainsServicesException", "The Cluster cannot be deleted while Services are active.")
    s = ecs.delete_service(cluster="c1", service="web", force=True)["service"]
    assert s["status"] == "DRAINING" and s["desiredCount"] == 0
    cli.ok("ecs", "wait", "services-inactive", "--cluster", "c1", "--services", "web")
    assert svc(ecs)["status"] == "INACTIVE"
    assert ecs.list_services(cluster="c1")["serviceArns"] == []
    assert err_pair(ecs.update_service, cluster="c1", service="web", desiredCount=1) == (
        "ServiceNotActiveException", "Service was not ACTIVE.")
    wait_for(lambda: health(elb, tg) == {})
    # The name can be used again.
    create(ecs, net, tg, td, count=1)
    assert stable(ecs)["runningCount"] == 1


def test_service_errors(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    netcfg = {"awsvpcConfiguration": {"subnets": [net.priv_a], "securityGroups": [net.task_sg]}}
    base = dict(cluster="c1", serviceName="x", taskDefinition="web:1", desiredCount=1, launchType="FARGATE",
                networkConfiguration=netcfg)
    # N3: awsvpc needs a network configuration, with RunTask's text.
    no_net = {k: v for k, v in base.items() if k != "networkConfiguration"}
    code, msg = err_pair(ecs.create_service, **no_net)
    assert code == "InvalidParameterException" and msg == \
        "Network Configuration must be provided when networkMode 'awsvpc' is specified."
    # N50: instance target groups are refused for awsvpc.
    inst = elb.create_target_group(Name="inst", Protocol="HTTP", Port=80, VpcId=net.vpc,
                                   TargetType="instance")["TargetGroups"][0]["TargetGroupArn"]
    assert err_pair(ecs.create_service, **base, loadBalancers=[
        {"targetGroupArn": inst, "containerName": "web", "containerPort": 8080}]) == (
        "InvalidParameterException",
        f"The provided target group {inst} has target type instance, which is incompatible with the awsvpc "
        "network mode specified in the task definition.")
    lonely = ip_group(elb, net, name="lonely")["TargetGroupArn"]
    assert err_pair(ecs.create_service, **base, loadBalancers=[
        {"targetGroupArn": lonely, "containerName": "web", "containerPort": 8080}]) == (
        "InvalidParameterException",
        f"The target group with targetGroupArn {lonely} does not have an associated load balancer.")
    assert err_pair(ecs.create_service, **base, loadBalancers=[
        {"targetGroupArn": tg, "containerName": "nope", "containerPort": 8080}]) == (
        "InvalidParameterException", "The container nope does not exist in the task definition.")
    assert err_pair(ecs.create_service, **base, loadBalancers=[
        {"targetGroupArn": tg, "containerName": "web", "containerPort": 9999}]) == (
        "InvalidParameterException", "The container web did not have a container port 9999 defined.")
    assert err_pair(ecs.create_service, **base, healthCheckGracePeriodSeconds=30) == (
        "InvalidParameterException",
        "Health check grace period is only valid for services configured to use load balancers")
    assert err_pair(ecs.create_service, **{**base, "taskDefinition": "nope:1"}) == (
        "ClientException", "TaskDefinition not found.")
    ecs.create_service(**base)
    assert err_pair(ecs.create_service, **base) == (
        "InvalidParameterException", "Creation of service was not idempotent.")
    assert err_pair(ecs.update_service, cluster="c1", service="missing", desiredCount=2) == (
        "ServiceNotFoundException", "Service not found.")
    out = ecs.describe_services(cluster="c1", services=["x", "missing"])
    assert [s["serviceName"] for s in out["services"]] == ["x"]
    assert out["failures"] == [{"arn": "arn:aws:ecs:us-east-1:123456789012:service/c1/missing", "reason": "MISSING"}]


def test_tags_and_describe_include(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    s = create(ecs, net, tg, td, count=0, tags=[{"key": "team", "value": "web"}])
    assert s["tags"] == [{"key": "team", "value": "web"}]
    arn = s["serviceArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "env", "value": "dev"}])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [
        {"key": "team", "value": "web"}, {"key": "env", "value": "dev"}]
    assert "tags" not in svc(ecs)
    d = ecs.describe_services(cluster="c1", services=[arn], include=["TAGS"])["services"][0]
    assert d["tags"] == [{"key": "team", "value": "web"}, {"key": "env", "value": "dev"}]
    # Zero tasks is a steady state too.
    assert stable(ecs)["runningCount"] == 0


def test_grace_period_keeps_an_unhealthy_task_until_it_ends(fresh, aws):
    ec2, ecs, elb, net, tg, td = setup(aws)
    # The task group does not admit the load balancer: the target fails.
    ec2.revoke_security_group_ingress(GroupId=net.task_sg, IpPermissions=[from_alb(net.alb_sg)])
    s = create(ecs, net, tg, td, count=1, healthCheckGracePeriodSeconds=3600)
    assert s["healthCheckGracePeriodSeconds"] == 3600
    (t,) = wait_for(lambda: [x for x in running_tasks(ecs) if x["lastStatus"] == "RUNNING"], timeout=30)
    ip = next(x["value"] for x in t["attachments"][0]["details"] if x["name"] == "privateIPv4Address")
    h = wait_for(lambda: (h := health(elb, tg).get(ip)) and h["State"] == "unhealthy" and h, timeout=30)
    assert h == {"State": "unhealthy", "Reason": "Target.Timeout",
                 "Description": "Request timed out"}
    # Within the grace period ECS ignores the load balancer's verdict.
    assert ecs.describe_tasks(cluster="c1", tasks=[t["taskArn"]])["tasks"][0]["desiredStatus"] == "RUNNING"
    assert not [m for m in messages(svc(ecs)) if "is unhealthy in" in m]
    # Ending the grace period: the task is stopped and replaced.
    assert ecs.update_service(cluster="c1", service="web",
                              healthCheckGracePeriodSeconds=0)["service"]["healthCheckGracePeriodSeconds"] == 0
    gone = wait_for(lambda: (x := ecs.describe_tasks(cluster="c1", tasks=[t["taskArn"]])["tasks"][0])
                    ["desiredStatus"] == "STOPPED" and x, timeout=30)
    assert gone["stoppedReason"] == f"Task failed ELB health checks in (target-group {tg})"
    m = messages(svc(ecs))
    assert (f"(service web) (task {t['taskArn'].rsplit('/', 1)[1]}) (port 8080) is unhealthy in "
            f"(target-group {tg}) due to (reason Request timed out).") in m
    wait_for(lambda: [x for x in running_tasks(ecs) if x["taskArn"] != t["taskArn"]], timeout=30)


def v6_setup(aws):
    """A dual-stack VPC: private dual-stack subnets reach the internet
    through a NAT gateway (IPv4), two IPv6-only subnets with DNS64 through
    the internet gateway (::/0) and NAT64; a dual-stack ALB with an ipv4
    and an ipv6 target group."""
    ec2, ecs, elb = aws.ec2(), aws.ecs(), aws.client("elbv2")
    net = network(ec2, ipv6=True)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=net.pub_a, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    rt = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [net.vpc]},
                                            {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]
    igw = ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [net.vpc]}])[
        "InternetGateways"][0]["InternetGatewayId"]
    ec2.create_route(RouteTableId=rt["RouteTableId"], DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    ec2.create_route(RouteTableId=rt["RouteTableId"], DestinationIpv6CidrBlock="::/0", GatewayId=igw)
    ec2.create_route(RouteTableId=rt["RouteTableId"], DestinationIpv6CidrBlock="64:ff9b::/96", NatGatewayId=nat)
    only_a = ipv6_only_subnet(ec2, net.vpc, index=20, az="us-east-1a")
    only_b = ipv6_only_subnet(ec2, net.vpc, index=21, az="us-east-1b")
    lb = alb(elb, net, Scheme="internet-facing", IpAddressType="dualstack")["LoadBalancerArn"]
    tg4 = ip_group(elb, net, name="four")["TargetGroupArn"]
    tg6 = ip_group(elb, net, name="six", IpAddressType="ipv6")["TargetGroupArn"]
    for port, tg in ((80, tg4), (81, tg6)):
        elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=port, DefaultActions=forward(tg))
        elb.modify_target_group_attributes(TargetGroupArn=tg, Attributes=[
            {"Key": "deregistration_delay.timeout_seconds", "Value": "5"}])
    ecs.create_cluster(clusterName="c1")
    td = register(ecs, family="web", containers=WEB)
    return ec2, ecs, elb, net, (only_a, only_b), tg4, tg6, td


def test_ipv6_only_service_needs_an_ipv6_group_n52_and_moves_by_update_n53(fresh, aws):
    ec2, ecs, elb, net, only, tg4, tg6, td = v6_setup(aws)
    v6_subnets = [s["SubnetId"] for s in only]
    v6_net = {"awsvpcConfiguration": {"subnets": v6_subnets, "securityGroups": [net.task_sg]}}
    lb4 = [{"targetGroupArn": tg4, "containerName": "web", "containerPort": 8080}]
    lb6 = [{"targetGroupArn": tg6, "containerName": "web", "containerPort": 8080}]
    n52 = (f"The target group {tg4} has IP address type ipv4, which is incompatible with the IPv6-only subnets "
           "of this service. Use a target group of IP address type ipv6 with a dual-stack load balancer.")
    # N52: an IPv6-only service cannot use an ipv4 group.
    assert err_pair(ecs.create_service, cluster="c1", serviceName="x", taskDefinition="web:1", desiredCount=1,
                    launchType="FARGATE", networkConfiguration=v6_net, loadBalancers=lb4) == (
        "InvalidParameterException", n52)

    # An IPv4 service in the dual-stack private subnets.
    create(ecs, net, tg4, td, count=2)
    first = stable(ecs)
    old = {t["taskArn"] for t in running_tasks(ecs)}
    assert len(old) == 2
    wait_for(lambda: len(h := health(elb, tg4)) == 2 and all(x["State"] == "healthy" for x in h.values()))
    # N52 again: moving to IPv6-only subnets while keeping the ipv4 group.
    assert err_pair(ecs.update_service, cluster="c1", service="web", networkConfiguration=v6_net) == (
        "InvalidParameterException", n52)
    assert svc(ecs)["deployments"] == first["deployments"]

    # N53: UpdateService to the IPv6-only subnets with an ipv6 group replaces the tasks.
    s = ecs.update_service(cluster="c1", service="web", networkConfiguration=v6_net, loadBalancers=lb6)["service"]
    assert [d["status"] for d in s["deployments"]] == ["PRIMARY", "ACTIVE"]
    assert s["deployments"][0]["networkConfiguration"]["awsvpcConfiguration"]["subnets"] == v6_subnets
    assert s["loadBalancers"] == lb6
    s = stable(ecs)
    (d,) = s["deployments"]
    assert d["id"] != first["deployments"][0]["id"] and d["rolloutState"] == "COMPLETED"
    tasks = running_tasks(ecs)
    assert len(tasks) == 2 and not ({t["taskArn"] for t in tasks} & old)
    blocks = [ipaddress.IPv6Network(x["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]) for x in only]
    v6 = set()
    for t in tasks:
        det = {x["name"]: x["value"] for x in t["attachments"][0]["details"]}
        assert "privateIPv4Address" not in det and det["subnetId"] in v6_subnets
        ni = t["containers"][0]["networkInterfaces"][0]
        assert set(ni) == {"attachmentId", "ipv6Address"}
        assert any(ipaddress.IPv6Address(ni["ipv6Address"]) in b for b in blocks)
        v6.add(ni["ipv6Address"])
    # N52: the targets are the tasks' IPv6 addresses, healthy; the ipv4 group drained.
    h = wait_for(lambda: (h := health(elb, tg6)) and len(h) == 2 and all(x["State"] == "healthy" for x in h.values())
                 and h, timeout=30)
    assert set(h) == v6
    wait_for(lambda: health(elb, tg4) == {}, timeout=30)
    m = messages(svc(ecs))

    def count(verb, tg):
        pat = rf"\(service web\) {verb} (\d+) targets in \(target-group {re.escape(tg)}\)"
        return sum(int(x.group(1)) for x in map(lambda e: re.fullmatch(pat, e), m) if x)
    assert count("registered", tg6) == 2
    assert count("registered", tg4) == 2 and count("deregistered", tg4) == 2
