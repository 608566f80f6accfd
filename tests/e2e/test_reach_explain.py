"""Explaining tasks and plans (issue 4: N43): a STOPPED task still explains
with the hop that stopped it, the plan endpoint (POST, inline or registered
task definition) agrees with the launch outcome step by step, and the
`tasknet explain` CLI prints the same verdicts as a table or JSON."""

import json

from ecs_support import EXEC_ROLE, setup_cluster, wait_status
from reach_support import (APP, ASM, AUTH, ECR_IMAGE, EXEC, LAYERS, LOGS, MANIFEST, SECRET_ARN, TASK_ENI, Net,
                           assert_fails, assert_starts, ecr_auth_reason, explain_plan, explain_task, first_blocking,
                           launch, plan_body, tasknet_cli, verdict)


def inline_td(image=ECR_IMAGE, **cextra):
    c = {"name": "app", "image": image, "essential": True}
    c.update(cextra)
    return {"family": "planned", "requiresCompatibilities": ["FARGATE"], "networkMode": "awsvpc", "cpu": "256",
            "memory": "512", "executionRoleArn": EXEC_ROLE, "containerDefinitions": [c]}


def blocked_of(e):
    v = first_blocking(e)
    return None if v is None else (v["traffic"], v["blocked"], v["stopped_reason"])


def comparable(e):
    """What a plan and a launched task's explanation must share."""
    return {
        "outcome": e["outcome"],
        "stopped_reason": e["stopped_reason"],
        "blocked": blocked_of(e),
        "verdicts": [(v["traffic"], v["eni"], v["role"], v["destination"], v["address"], v["status"],
                      [(h["step"], h["resource"]) for h in v["path"]]) for v in e["verdicts"]],
    }


def test_stopped_task_explains_the_hop_that_stopped_it(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    td = ecs.register_task_definition(**inline_td())["taskDefinition"]["taskDefinitionArn"]
    # before the launch: the plan says it fails, and why
    plan = explain_plan(fresh, plan_body(inline_td(), net.private))
    assert plan["region"] == "us-east-1" and len(plan["subnets"]) == 1
    p = plan["subnets"][0]
    assert p["task_arn"] is None and "task" not in p
    assert p["outcome"] == "fails" and p["network"]["subnet_id"] == net.private
    # the launch does exactly that
    t = launch(ecs, "c1", td, net.private)
    assert t["stoppedReason"] == p["stopped_reason"]
    e = explain_task(fresh, "c1", t["taskArn"])
    addr = verdict(e, AUTH)["address"]
    assert_fails(t, e, AUTH, "route", net.private_rt, reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", addr))
    assert comparable(e) == comparable(p)
    # the STOPPED task keeps its addresses in the explanation (the ENI is gone)
    assert e["network"]["private_ipv4"] == {d["name"]: d["value"] for d in t["attachments"][0]["details"]}[
        "privateIPv4Address"]
    assert ec2.describe_network_interfaces(Filters=[{"Name": "vpc-id", "Values": [net.vpc]},
                                                    {"Name": "private-ip-address",
                                                     "Values": [e["network"]["private_ipv4"]]}])[
        "NetworkInterfaces"] == []
    # by id, and with the cluster as an ARN, it is the same explanation
    tid = t["taskArn"].rsplit("/", 1)[1]
    cluster_arn = ecs.describe_clusters(clusters=["c1"])["clusters"][0]["clusterArn"]
    assert explain_task(fresh, cluster_arn, tid) == e
    # a user-stopped task that had started explains as "starts" with its state
    nat = net.nat(net.public)
    net.route(net.private_rt, "0.0.0.0/0", NatGatewayId=nat)
    t = launch(ecs, "c1", td, net.private)
    assert t["lastStatus"] == "RUNNING"
    ecs.stop_task(cluster="c1", task=t["taskArn"])
    wait_status(ecs, "c1", t["taskArn"], "STOPPED")
    e = explain_task(fresh, "c1", t["taskArn"])
    assert e["outcome"] == "starts" and e["stopped_reason"] is None
    assert e["task"] == {"lastStatus": "STOPPED", "desiredStatus": "STOPPED", "stopCode": "UserInitiated",
                         "stoppedReason": "Task stopped by user"}


def test_plan_agrees_with_the_launch_across_a_matrix(fresh, aws):
    """Build the network up step by step; at each step the plan (inline task
    definition), the launch and the launched task's explanation agree."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    body = inline_td(secrets=[{"name": "DB", "valueFrom": SECRET_ARN}],
                     logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/ecs/planned",
                                                                           "awslogs-region": "us-east-1"}})
    td = ecs.register_task_definition(**body)["taskDefinition"]["taskDefinitionArn"]
    eps = {}
    steps_ = [
        ("nothing", lambda: None, AUTH),
        ("ecr.api + ecr.dkr", lambda: eps.update(net.ecr_endpoints(s3=False)), ASM),
        ("secretsmanager", lambda: net.interface_endpoint("secretsmanager", eps["sg"]), LAYERS),
        ("s3 gateway", lambda: net.s3_gateway(net.private_rt), LOGS),
        ("logs", lambda: net.interface_endpoint("logs", eps["sg"]), None),
    ]
    for name, change, blocked in steps_:
        change()
        for td_ref in (body, td, "planned"):
            plan = explain_plan(fresh, plan_body(td_ref, net.private))["subnets"][0]
            assert (first_blocking(plan) or {}).get("traffic") == blocked, (name, td_ref)
        t = launch(ecs, "c1", td, net.private)
        e = explain_task(fresh, "c1", t["taskArn"])
        assert comparable(e) == comparable(plan), name
        if blocked is None:
            assert_starts(t, e)
        else:
            assert t["stoppedReason"] == plan["stopped_reason"], name
            assert first_blocking(e)["traffic"] == blocked


def test_plan_explains_every_subnet_and_platform(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    nat = net.nat(net.public)
    nat_sub = net.subnet("10.0.2.0/24")
    rt = net.route_table(nat_sub)
    net.route(rt, "0.0.0.0/0", NatGatewayId=nat)
    setup_cluster(ecs)
    out = explain_plan(fresh, plan_body(inline_td(), [net.private, nat_sub, net.public], public="ENABLED"))
    by = {s["network"]["subnet_id"]: s for s in out["subnets"]}
    assert set(by) == {net.private, nat_sub, net.public}
    assert by[net.private]["outcome"] == "fails"
    assert by[nat_sub]["outcome"] == by[net.public]["outcome"] == "starts"
    assert by[net.public]["network"]["public_ipv4"] == "assigned at launch"
    igw_hop = [h for h in verdict(by[net.public], AUTH)["path"] if h["step"] == "internet-gateway"][0]
    assert igw_hop["note"] == "to the internet as the public IP assigned at launch"
    # each subnet, launched alone, does what its plan said
    td = ecs.register_task_definition(**inline_td())["taskDefinition"]["taskDefinitionArn"]
    for sub, p in by.items():
        t = launch(ecs, "c1", td, sub, public="ENABLED")
        if p["outcome"] == "starts":
            assert t["lastStatus"] == "RUNNING" and "stoppedReason" not in t
            assert p["stopped_reason"] is None and p["blocked"] is None
        else:
            assert p["outcome"] == "fails"
            assert (t["lastStatus"], t["stopCode"]) == ("STOPPED", "TaskFailedToStart")
            assert t["stoppedReason"] == p["stopped_reason"]
            assert p["stopped_reason"].startswith("ResourceInitializationError: unable to pull secrets or registry auth")
    # PV 1.3.0 in the private subnet: auth over the Fargate-owned ENI, the manifest fails
    p = explain_plan(fresh, plan_body(inline_td(), net.private, pv="1.3.0"))["subnets"][0]
    assert p["platform_version"] == "1.3.0"
    assert verdict(p, AUTH)["eni"] == "Fargate-owned ENI"
    assert first_blocking(p)["traffic"] == MANIFEST
    # LATEST resolves to 1.4.0 in the plan as in RunTask
    assert explain_plan(fresh, plan_body(inline_td(), net.private, pv="LATEST"))["subnets"][0][
        "platform_version"] == "1.4.0"


def test_plan_validates_like_run_task(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    e = explain_plan(fresh, plan_body(inline_td(), []), status=400)
    assert e == {"__type": "InvalidParameterException", "message": "subnets can not be empty."}
    e = explain_plan(fresh, plan_body(inline_td(), ["subnet-0123456789abcdef0"]), status=400)
    assert e["__type"] == "InvalidParameterException" and "InvalidSubnetID.NotFound" in e["message"]
    e = explain_plan(fresh, plan_body("no-such-family", net.private), status=400)
    assert e["__type"] == "ClientException"
    e = explain_plan(fresh, plan_body(inline_td(), net.private, pv="9.9.9"), status=400)
    assert e["__type"] == "PlatformUnknownException"
    bad = inline_td()
    bad["networkMode"] = "bridge"
    e = explain_plan(fresh, plan_body(bad, net.private), status=400)
    assert e == {"__type": "ClientException", "message": "Fargate only supports network mode ‘awsvpc’."}
    e = explain_plan(fresh, plan_body(inline_td(), net.private, cluster="nope"), status=400)
    assert e["__type"] == "ClusterNotFoundException"
    # and the GET side
    e = explain_task(fresh, "c1", "0123456789abcdef0123456789abcdef", status=400)
    assert e == {"__type": "InvalidParameterException", "message": "The referenced task was not found."}


def test_cli_table_json_and_plan(fresh, aws, tmp_path):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    td = ecs.register_task_definition(**inline_td())["taskDefinition"]["taskDefinitionArn"]
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    auth = verdict(e, AUTH)
    base = ["explain", "--endpoint", fresh.url, "--cluster", "c1"]
    # --json prints exactly what the endpoint returns
    out = tasknet_cli(*base, "--task", t["taskArn"], "--json")
    assert json.loads(out.stdout) == e
    # the table: header, network, outcome with AWS's reason, one row per traffic type
    table = tasknet_cli(*base, "--task", t["taskArn"]).stdout
    lines = table.splitlines()
    assert lines[0] == f"Task {t['taskArn']} (us-east-1, platform version 1.4.0)"
    assert lines[1].startswith(f"Network: {net.vpc} {net.private} (us-east-1a), IPv4 task: IPv4 ")
    assert "no public IPv4" in lines[1] and net.sg in lines[1]
    assert lines[2] == "Task state: STOPPED (desired STOPPED)"
    assert lines[3] == "Outcome: FAILS TO START"
    assert lines[4] == "  " + t["stoppedReason"]
    header = [x for x in lines if x.startswith("TRAFFIC")]
    assert header and header[0].split() == ["TRAFFIC", "ENI", "ROLE", "DESTINATION", "STATUS"]
    row = [x for x in lines if x.startswith(AUTH)][0]
    assert TASK_ENI in row and EXEC in row and f"api.ecr.us-east-1.amazonaws.com ({auth['address']})" in row
    assert row.rstrip().endswith("unreachable")
    i = lines.index(row)
    assert lines[i + 1].startswith("    path: dns ") and net.sg in lines[i + 1]
    assert lines[i + 2] == f"    missing: route {net.private_rt}: no route to {auth['address']}"
    assert lines[i + 3] == f"    fix: {auth['blocked']['fix']}"
    assert [x for x in lines if x.startswith(APP)][0].rstrip().endswith("not evaluated")
    # the task id with --region works too
    tid = t["taskArn"].rsplit("/", 1)[1]
    assert tasknet_cli(*base, "--task", tid, "--region", "us-east-1").stdout == table
    # --plan with an inline task definition
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(plan_body(inline_td(image="nginx"), net.public, public="ENABLED")))
    out = tasknet_cli("explain", "--endpoint", fresh.url, "--plan", str(plan)).stdout
    assert out.startswith("Planned task (us-east-1, platform version 1.4.0)\n")
    assert "public IPv4 assigned at launch" in out and "Outcome: starts" in out
    assert [x for x in out.splitlines() if x.startswith(MANIFEST)][0].rstrip().endswith("reachable")
    pj = json.loads(tasknet_cli("explain", "--endpoint", fresh.url, "--plan", str(plan), "--json").stdout)
    assert pj == explain_plan(fresh, json.loads(plan.read_text()))
    # errors: non-zero exit and the API's message
    bad = tasknet_cli(*base, "--task", "0123456789abcdef0123456789abcdef", check=False)
    assert bad.returncode != 0
    assert "InvalidParameterException: The referenced task was not found." in bad.stderr
    plan.write_text(json.dumps(plan_body(inline_td(), [])))
    bad = tasknet_cli("explain", "--endpoint", fresh.url, "--plan", str(plan), check=False)
    assert bad.returncode != 0 and "subnets can not be empty." in bad.stderr


def test_explain_in_another_region(fresh, aws):
    region = "eu-west-3"
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    net = Net(ec2)
    setup_cluster(ecs)
    td = ecs.register_task_definition(**inline_td(image="123456789012.dkr.ecr.eu-west-3.amazonaws.com/app:1"))[
        "taskDefinition"]["taskDefinitionArn"]
    t = launch(ecs, "c1", td, net.private)
    tid = t["taskArn"].rsplit("/", 1)[1]
    e = explain_task(fresh, "c1", tid, region=region)
    assert e["region"] == region
    assert e["stopped_reason"] == t["stoppedReason"]
    assert 'Post "https://api.ecr.eu-west-3.amazonaws.com/"' in t["stoppedReason"]
    # the ARN carries the Region
    assert explain_task(fresh, "c1", t["taskArn"]) == e
    # the id alone looks in the server's default Region, where there is no such cluster
    assert explain_task(fresh, "c1", tid, status=400) == {"__type": "ClusterNotFoundException",
                                                          "message": "Cluster not found."}
    plan = explain_plan(fresh, {**plan_body(inline_td(), net.private), "region": region})
    assert plan["region"] == region and plan["subnets"][0]["outcome"] == "fails"


def test_subnet_out_of_addresses_explains_and_plans_as_the_eni_failure(fresh, aws):
    """N11 is a network reason too: a task that never got its ENI explains
    with that hop, and the plan for a full subnet says the same."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    small = net.subnet("10.0.7.0/28")
    rt = net.route_table(small)
    net.route(rt, "0.0.0.0/0", GatewayId=net.igw)
    setup_cluster(ecs)
    td = ecs.register_task_definition(**inline_td(image="nginx"))["taskDefinition"]["taskDefinitionArn"]
    for _ in range(11):
        ec2.create_network_interface(SubnetId=small)
    assert ec2.describe_subnets(SubnetIds=[small])["Subnets"][0]["AvailableIpAddressCount"] == 0
    reason = (f"Unexpected EC2 error while attempting to Create Network Interface in subnet '{small}': "
              "InsufficientFreeAddressesInSubnet")
    plan = explain_plan(fresh, plan_body(inline_td(image="nginx"), small, public="ENABLED"))["subnets"][0]
    t = launch(ecs, "c1", td, small, public="ENABLED")
    assert (t["lastStatus"], t["stopCode"], t["stoppedReason"]) == ("STOPPED", "TaskFailedToStart", reason)
    e = explain_task(fresh, "c1", t["taskArn"])
    for x in (plan, e):
        assert x["outcome"] == "fails" and x["stopped_reason"] == reason
        assert x["blocked"]["hop"]["step"] == "network-interface" and x["blocked"]["hop"]["resource"] == small
        assert small in x["blocked"]["fix"]
        assert x["network"]["private_ipv4"] is None and x["network"]["public_ipv4"] is None
        # a Docker Hub image: no ECR authorization; nothing was traced
        assert [v["traffic"] for v in x["verdicts"]] == [MANIFEST, LAYERS, APP]
        assert all(v["status"] == "not evaluated" and v["path"] == [] for v in x["verdicts"])
    assert "has no free IPv4 address" in plan["blocked"]["hop"]["note"]
    assert e["blocked"]["hop"]["note"] == f"the task ENI was never created in {small}"
    table = tasknet_cli("explain", "--endpoint", fresh.url, "--cluster", "c1", "--task", t["taskArn"]).stdout
    assert "Outcome: FAILS TO START\n  " + reason + "\n  missing: network-interface " + small in table
    assert "IPv4 task: no address, no public IPv4" in table
    # a task explained while its ENI exists is not affected
    ok = launch(ecs, "c1", td, net.public, public="ENABLED")
    assert explain_task(fresh, "c1", ok["taskArn"])["blocked"] is None
