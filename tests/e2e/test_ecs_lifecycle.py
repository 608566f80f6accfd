"""Task lifecycle as the API shows it (issue 3): N20, N21, golden shapes per
phase against the samples, DescribeTasks/ListTasks/StopTask, tags,
clientToken idempotency, and the core flow in two Regions."""

import json
import re
import time
from pathlib import Path

import pytest

from harness import AwsClients
from ecs_support import (ACCOUNT, ATTACHED_DETAIL_NAMES, SLOW_PHASES, assert_pages, available, describe, details,
                         detail_names,
                         eni, eni_gone, err_pair, extra_server, make_vpc, task_enis, private_dns, register, run, run_one,
                         setup_cluster, wait_all, wait_status, wait_until)

SAMPLES = Path(__file__).resolve().parents[2] / "crates/api/tests/samples"
IPE = "InvalidParameterException"


def sample(name):
    return json.loads((SAMPLES / name).read_text())


@pytest.fixture(scope="module")
def slow_server(tmp_path_factory):
    srv = extra_server(tmp_path_factory, "tasknet-slow", *SLOW_PHASES)
    try:
        yield srv
    finally:
        srv.stop(check=True)


@pytest.fixture
def slow(slow_server):
    slow_server.reset()
    return AwsClients(slow_server.url, slow_server.region)


def watch(ecs, cluster, arn, until, timeout=10.0):
    """Poll every ~15 ms; one snapshot per distinct lastStatus, in order."""
    seen = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        t = describe(ecs, cluster, arn, include=["TAGS"])[0]
        if not seen or seen[-1]["lastStatus"] != t["lastStatus"]:
            seen.append(t)
        if t["lastStatus"] == until:
            return seen
        time.sleep(0.015)
    raise AssertionError(f"{until} not reached; saw {[s['lastStatus'] for s in seen]}")


# ---------------------------------------------------------------------------
# Golden key sets (aws-behavior §1.2 and samples/)
# ---------------------------------------------------------------------------

RUNTASK_SAMPLE = sample("fargate-run-task-provisioning-us-east-2-2024.json")["tasks"][0]
RUNNING_SAMPLE = sample("fargate-describe-tasks-running-ap-northeast-1-2024.json")["tasks"][0]
# platformFamily is in the 2024-02 recording of the RunTask response
RUNTASK_KEYS = set(RUNTASK_SAMPLE) | {"platformFamily"}
# the RUNNING sample is a service task with ECS Exec and a capacity provider
RUNNING_KEYS = set(RUNNING_SAMPLE) - {"startedBy", "capacityProviderName"}
NEVER_BEFORE_RUNNING = {"connectivity", "connectivityAt", "pullStartedAt", "pullStoppedAt", "startedAt",
                        "stoppingAt", "executionStoppedAt", "stoppedAt", "stopCode", "stoppedReason",
                        "capacityProviderName"}


def check_runtask_shape(t, region):
    assert set(t) == RUNTASK_KEYS, set(t) ^ RUNTASK_KEYS
    assert not NEVER_BEFORE_RUNNING & set(t)
    assert t["lastStatus"] == "PROVISIONING" and t["desiredStatus"] == "RUNNING"
    assert t["version"] == 1
    assert t["launchType"] == "FARGATE" and t["platformVersion"] == "1.4.0" and t["platformFamily"] == "Linux"
    assert t["attributes"] == [{"name": "ecs.cpu-architecture", "value": "x86_64"}]
    assert t["ephemeralStorage"] == {"sizeInGiB": 20}
    assert t["overrides"] == {"containerOverrides": [], "inferenceAcceleratorOverrides": []}
    assert t["group"].startswith("family:")
    assert isinstance(t["createdAt"], __import__("datetime").datetime)
    assert re.fullmatch(rf"arn:aws:ecs:{region}:{ACCOUNT}:task/c1/[0-9a-f]{{32}}", t["taskArn"])
    [att] = t["attachments"]
    assert set(att) == {"id", "type", "status", "details"}
    assert att["type"] == "ElasticNetworkInterface" and att["status"] == "PRECREATED"
    assert detail_names(t) == ["subnetId"]
    for c in t["containers"]:
        want = set(RUNTASK_SAMPLE["containers"][0]) - ({"memory"} if "memory" not in c else set())
        assert set(c) == want, set(c) ^ want
        assert c["lastStatus"] == "PENDING" and c["networkInterfaces"] == []
        tid = t["taskArn"].rsplit("/", 1)[1]
        assert re.fullmatch(rf"arn:aws:ecs:{region}:{ACCOUNT}:container/c1/{tid}/[0-9a-f-]{{36}}", c["containerArn"])


def check_running_shape(t):
    keys = set(t)
    assert RUNNING_KEYS <= keys, RUNNING_KEYS - keys
    assert keys <= RUNNING_KEYS | {"capacityProviderName"}, keys - RUNNING_KEYS
    assert not {"stoppingAt", "executionStoppedAt", "stoppedAt", "stopCode", "stoppedReason"} & keys
    assert t["connectivity"] == "CONNECTED" and t["healthStatus"] == "UNKNOWN"
    assert t["attachments"][0]["status"] == "ATTACHED"
    assert detail_names(t) == ATTACHED_DETAIL_NAMES
    sample_c = set(RUNNING_SAMPLE["containers"][0]) - {"managedAgents", "memoryReservation"}
    for c in t["containers"]:
        assert sample_c <= set(c), sample_c - set(c)
        assert c["lastStatus"] == "RUNNING"
        tid = t["taskArn"].rsplit("/", 1)[1]
        assert re.fullmatch(rf"{tid}-[0-9]{{10}}", c["runtimeId"])
        assert re.fullmatch(r"sha256:[0-9a-f]{64}", c["imageDigest"])
        assert c["networkInterfaces"] == [{"attachmentId": t["attachments"][0]["id"],
                                           "privateIpv4Address": details(t)["privateIPv4Address"]}]


# ---------------------------------------------------------------------------


def test_n20_full_lifecycle_observed(slow):
    ec2, ecs = slow.ec2(), slow.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    s = subs[0]["SubnetId"]
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    before = available(ec2, s)
    resp = run(ecs, "c1", td, [s])
    assert resp["failures"] == []
    t0 = resp["tasks"][0]
    check_runtask_shape(t0, "us-east-1")
    assert details(t0) == {"subnetId": s}
    arn = t0["taskArn"]
    up = watch(ecs, "c1", arn, "RUNNING")
    assert [x["lastStatus"] for x in up] == ["PROVISIONING", "PENDING", "ACTIVATING", "RUNNING"]
    versions = [x["version"] for x in up]
    assert versions == sorted(versions) and len(set(versions)) == 4 and versions[0] == 1
    assert up[0]["attachments"][0]["status"] == "PRECREATED"
    for x in up[1:]:
        assert x["attachments"][0]["status"] == "ATTACHED"
        assert detail_names(x) == ATTACHED_DETAIL_NAMES
        assert "connectivity" in x and "pullStartedAt" in x
    running = up[-1]
    check_running_shape(running)
    d = details(running)
    assert d["subnetId"] == s and d["privateDnsName"] == private_dns(d["privateIPv4Address"], "us-east-1")
    assert available(ec2, s) == before - 1
    assert eni(ec2, d["networkInterfaceId"])["Status"] == "in-use"

    stop = ecs.stop_task(cluster="c1", task=arn)["task"]
    assert stop["desiredStatus"] == "STOPPED" and stop["lastStatus"] == "RUNNING"
    assert stop["stopCode"] == "UserInitiated" and stop["stoppedReason"] == "Task stopped by user"
    assert "stoppingAt" in stop and "stoppedAt" not in stop
    assert stop["attachments"][0]["status"] == "ATTACHED"
    assert stop["ephemeralStorage"] == stop["fargateEphemeralStorage"] == {"sizeInGiB": 20}
    assert stop["version"] > running["version"]

    down = watch(ecs, "c1", arn, "STOPPED")
    names = [x["lastStatus"] for x in down]
    assert names == ["RUNNING", "DEACTIVATING", "STOPPING", "DEPROVISIONING", "STOPPED"], names
    versions = [x["version"] for x in down]
    assert versions == sorted(versions) and len(set(versions)) == len(versions)
    for x in down:
        assert x["desiredStatus"] == "STOPPED" and x["stopCode"] == "UserInitiated"
    deprov = down[3]
    assert deprov["attachments"][0]["status"] == "ATTACHED"
    assert {"stoppingAt", "executionStoppedAt", "stopCode", "stoppedReason"} <= set(deprov)
    assert "stoppedAt" not in deprov
    assert [c["lastStatus"] for c in deprov["containers"]] == ["STOPPED"]
    stopped = down[-1]
    assert stopped["attachments"][0]["status"] == "DELETED"
    assert details(stopped) == d  # details kept
    assert {"stoppedAt", "stoppingAt", "executionStoppedAt", "startedAt", "pullStartedAt"} <= set(stopped)
    assert stopped["stoppedAt"] >= stopped["executionStoppedAt"] >= stopped["stoppingAt"] >= stopped["startedAt"]
    assert [c["lastStatus"] for c in stopped["containers"]] == ["STOPPED"]
    assert stopped["containers"][0]["networkInterfaces"] == running["containers"][0]["networkInterfaces"]
    assert eni_gone(ec2, d["networkInterfaceId"])
    assert available(ec2, s) == before
    # stopped tasks stay describable
    again = describe(ecs, "c1", arn)[0]
    assert again["lastStatus"] == "STOPPED" and again["version"] == stopped["version"]


def test_n20_stop_while_provisioning(slow):
    ec2, ecs = slow.ec2(), slow.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    before = available(ec2, subs[0]["SubnetId"])
    arn = run_one(ecs, "c1", td, subs)["taskArn"]
    stop = ecs.stop_task(cluster="c1", task=arn, reason="changed my mind")["task"]
    assert stop["lastStatus"] == "PROVISIONING" and stop["desiredStatus"] == "STOPPED"
    assert stop["stoppedReason"] == "changed my mind" and stop["stopCode"] == "UserInitiated"
    final = wait_status(ecs, "c1", arn, "STOPPED", timeout=5)
    assert final["stoppedReason"] == "changed my mind"
    assert final["attachments"][0]["status"] == "DELETED"
    assert "startedAt" not in final
    assert available(ec2, subs[0]["SubnetId"]) == before
    assert task_enis(ec2, vid) == []


def test_n21_stop_codes_and_stop_errors(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    setup_cluster(ecs, "c2")
    td = register(ecs)["taskDefinitionArn"]
    arn = wait_status(ecs, "c1", run_one(ecs, "c1", td, subs)["taskArn"], "RUNNING")["taskArn"]
    tid = arn.rsplit("/", 1)[1]
    # by id
    stop = ecs.stop_task(cluster="c1", task=tid)["task"]
    assert (stop["stopCode"], stop["stoppedReason"]) == ("UserInitiated", "Task stopped by user")
    # stopping again keeps the first reason
    again = ecs.stop_task(cluster="c1", task=arn, reason="second")["task"]
    assert again["stoppedReason"] == "Task stopped by user"
    final = wait_status(ecs, "c1", arn, "STOPPED")
    assert (final["stopCode"], final["stoppedReason"]) == ("UserInitiated", "Task stopped by user")
    ghost = "0" * 32
    assert err_pair(ecs.stop_task, cluster="c1", task=ghost) == (IPE, "The referenced task was not found.")
    assert err_pair(ecs.stop_task, cluster="c1", task="not-a-task") == (IPE, "Task Identifier is invalid")
    assert err_pair(ecs.stop_task, cluster="c2", task=arn) == (
        IPE, "Invalid identifier: Identifier is for cluster c1. Your cluster is c2")
    assert err_pair(ecs.stop_task, cluster="c2", task=tid) == (IPE, "The referenced task was not found.")
    assert err_pair(ecs.stop_task, cluster="nope", task=tid) == ("ClusterNotFoundException", "Cluster not found.")


def test_describe_tasks_missing_and_errors(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    arn = run_one(ecs, "c1", td, subs)["taskArn"]
    ghost = "f" * 32
    ghost_arn = f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/c1/{'e' * 32}"
    out = ecs.describe_tasks(cluster="c1", tasks=[arn, ghost, ghost_arn])
    assert [t["taskArn"] for t in out["tasks"]] == [arn]
    assert out["failures"] == [
        {"arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/c1/{ghost}", "reason": "MISSING"},
        {"arn": ghost_arn, "reason": "MISSING"},
    ]
    assert err_pair(ecs.describe_tasks, cluster="c1", tasks=[]) == (IPE, "Tasks cannot be empty.")
    assert err_pair(ecs.describe_tasks, cluster="c1", tasks=[ghost] * 101) == (
        IPE, "taskIds can have at most 100 items.")
    assert err_pair(ecs.describe_tasks, cluster="nope", tasks=[arn.rsplit("/", 1)[1]]) == ("ClusterNotFoundException", "Cluster not found.")
    # botocore's TasksRunning waiter works against it
    ecs.get_waiter("tasks_running").wait(cluster="c1", tasks=[arn], WaiterConfig={"Delay": 1, "MaxAttempts": 10})


def test_list_tasks_filters_and_pagination(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    setup_cluster(ecs, "other")
    web = register(ecs, family="web")["taskDefinitionArn"]
    api = register(ecs, family="api")["taskDefinitionArn"]
    web_arns = [t["taskArn"] for t in run(ecs, "c1", web, subs, count=3, startedBy="deployer")["tasks"]]
    api_arns = [t["taskArn"] for t in run(ecs, "c1", api, subs, count=2)["tasks"]]
    run(ecs, "other", web, subs)
    all_arns = web_arns + api_arns
    assert sorted(ecs.list_tasks(cluster="c1")["taskArns"]) == sorted(all_arns)
    assert sorted(ecs.list_tasks(cluster="c1", family="web")["taskArns"]) == sorted(web_arns)
    assert sorted(ecs.list_tasks(cluster="c1", startedBy="deployer")["taskArns"]) == sorted(web_arns)
    assert ecs.list_tasks(cluster="c1", startedBy="nobody")["taskArns"] == []
    assert sorted(ecs.list_tasks(cluster="c1", launchType="FARGATE")["taskArns"]) == sorted(all_arns)
    assert len(ecs.list_tasks(cluster="other")["taskArns"]) == 1
    # pagination with maxResults=2: pages of 2, 2, 1; a token exactly while more remain
    pages = assert_pages(ecs.list_tasks, "taskArns", lambda a: a, 2, all_arns, token="nextToken",
                         limit="maxResults", cluster="c1")
    assert [len(p) for p in pages] == [2, 2, 1]
    assert [len(p) for p in assert_pages(ecs.list_tasks, "taskArns", lambda a: a, 3, web_arns, token="nextToken",
                                         limit="maxResults", cluster="c1", family="web")] == [3]
    paginated = [a for p in ecs.get_paginator("list_tasks").paginate(cluster="c1", PaginationConfig={"PageSize": 2})
                 for a in p["taskArns"]]
    assert sorted(paginated) == sorted(all_arns)
    # desiredStatus
    wait_all(ecs, "c1", all_arns, "RUNNING")
    for a in api_arns:
        ecs.stop_task(cluster="c1", task=a)
    assert sorted(ecs.list_tasks(cluster="c1", desiredStatus="STOPPED")["taskArns"]) == sorted(api_arns)
    assert sorted(ecs.list_tasks(cluster="c1", desiredStatus="RUNNING")["taskArns"]) == sorted(web_arns)
    assert sorted(ecs.list_tasks(cluster="c1")["taskArns"]) == sorted(web_arns)
    wait_all(ecs, "c1", api_arns, "STOPPED")
    assert sorted(ecs.list_tasks(cluster="c1", desiredStatus="STOPPED", family="api")["taskArns"]) == sorted(api_arns)
    assert err_pair(ecs.list_tasks, cluster="c1", family="bad family!") == (
        IPE, "family must match ^[a-zA-Z0-9\\-_]+$")
    assert err_pair(ecs.list_tasks, cluster="nope") == ("ClusterNotFoundException", "Cluster not found.")


def test_tags_on_clusters_and_tasks(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    c = ecs.create_cluster(clusterName="c1", tags=[{"key": "team", "value": "net"}])["cluster"]
    assert c["tags"] == [{"key": "team", "value": "net"}]
    carn = c["clusterArn"]
    ecs.tag_resource(resourceArn=carn, tags=[{"key": "env", "value": "dev"}])
    assert ecs.list_tags_for_resource(resourceArn=carn)["tags"] == [
        {"key": "team", "value": "net"}, {"key": "env", "value": "dev"}]
    got = ecs.describe_clusters(clusters=["c1"], include=["TAGS"])["clusters"][0]
    assert got["tags"] == [{"key": "team", "value": "net"}, {"key": "env", "value": "dev"}]
    ecs.untag_resource(resourceArn=carn, tagKeys=["team"])
    assert ecs.list_tags_for_resource(resourceArn=carn)["tags"] == [{"key": "env", "value": "dev"}]

    td = register(ecs, tags=[{"key": "from", "value": "td"}])["taskDefinitionArn"]
    t = run_one(ecs, "c1", td, subs, tags=[{"key": "k", "value": "v"}], propagateTags="TASK_DEFINITION")
    assert t["tags"] == [{"key": "k", "value": "v"}, {"key": "from", "value": "td"}]
    arn = t["taskArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "extra", "value": "1"}])
    got = describe(ecs, "c1", arn, include=["TAGS"])[0]
    assert got["tags"] == [{"key": "k", "value": "v"}, {"key": "from", "value": "td"}, {"key": "extra", "value": "1"}]
    ecs.untag_resource(resourceArn=arn, tagKeys=["k", "from"])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "extra", "value": "1"}]
    assert err_pair(ecs.describe_tasks, cluster="c1", tasks=[arn], include=["NOPE"])[0] == IPE
    assert err_pair(ecs.tag_resource, resourceArn=arn, tags=[{"key": "aws:x", "value": "1"}])[0] == IPE
    assert err_pair(ecs.list_tags_for_resource, resourceArn=f"arn:aws:ecs:us-east-1:{ACCOUNT}:task/{'a' * 32}") == (
        IPE, "Long arn format must be used for tagging operations")
    # a deleted cluster
    setup_cluster(ecs, "gone")
    garn = ecs.delete_cluster(cluster="gone")["cluster"]["clusterArn"]
    assert err_pair(ecs.tag_resource, resourceArn=garn, tags=[{"key": "a", "value": "b"}]) == (
        IPE, "The specified cluster is inactive. Specify an active cluster and try again.")


def test_client_token_idempotency(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    first = run(ecs, "c1", td, subs, count=2, clientToken="tok-1")["tasks"]
    second = run(ecs, "c1", td, subs, count=2, clientToken="tok-1")["tasks"]
    assert [t["taskArn"] for t in first] == [t["taskArn"] for t in second]
    third = run(ecs, "c1", td, subs, count=2, clientToken="tok-2")["tasks"]
    assert not {t["taskArn"] for t in third} & {t["taskArn"] for t in first}
    assert len(ecs.list_tasks(cluster="c1")["taskArns"]) == 4
    wait_all(ecs, "c1", [t["taskArn"] for t in first + third], "RUNNING")
    assert len(task_enis(ec2, vid)) == 4


def test_cluster_basics(fresh, aws):
    ecs = aws.ecs()
    c = ecs.create_cluster(clusterName="c1")["cluster"]
    assert c["clusterArn"] == f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/c1" and c["status"] == "ACTIVE"
    assert ecs.create_cluster(clusterName="c1")["cluster"]["clusterArn"] == c["clusterArn"]
    assert err_pair(ecs.create_cluster, clusterName="bad name")[1] == \
        "Cluster must match ^[a-zA-Z0-9\\-_]{1,255}$, but was bad name"
    out = ecs.describe_clusters(clusters=["c1", "ghost"])
    assert [x["clusterName"] for x in out["clusters"]] == ["c1"]
    assert out["failures"] == [{"arn": f"arn:aws:ecs:us-east-1:{ACCOUNT}:cluster/ghost", "reason": "MISSING"}]
    assert ecs.list_clusters()["clusterArns"] == [c["clusterArn"]]


def test_delete_cluster_with_tasks(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    arn = run_one(ecs, "c1", td, subs)["taskArn"]
    c = ecs.describe_clusters(clusters=["c1"])["clusters"][0]
    assert c["pendingTasksCount"] + c["runningTasksCount"] == 1
    assert err_pair(ecs.delete_cluster, cluster="c1") == (
        "ClusterContainsTasksException", "The Cluster cannot be deleted while Tasks are active.")
    wait_status(ecs, "c1", arn, "RUNNING")
    assert ecs.describe_clusters(clusters=["c1"])["clusters"][0]["runningTasksCount"] == 1
    ecs.stop_task(cluster="c1", task=arn)
    wait_status(ecs, "c1", arn, "STOPPED")
    assert ecs.delete_cluster(cluster="c1")["cluster"]["status"] == "INACTIVE"
    assert err_pair(run, ecs, "c1", td, subs) == ("ClusterNotFoundException", "Cluster not found.")


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_core_flow_in_two_regions(fresh, aws, region):
    ec2, ecs = aws.ec2(region), aws.ecs(region)
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24", "10.0.2.0/24"), egress="igw")
    c = ecs.create_cluster(clusterName="c1")["cluster"]
    assert c["clusterArn"] == f"arn:aws:ecs:{region}:{ACCOUNT}:cluster/c1"
    td = register(ecs)
    assert td["taskDefinitionArn"] == f"arn:aws:ecs:{region}:{ACCOUNT}:task-definition/web:1"
    resp = run(ecs, "c1", td["taskDefinitionArn"], subs, public="ENABLED", count=2)
    for t in resp["tasks"]:
        check_runtask_shape(t, region)
        assert t["availabilityZone"].startswith(region)
    arns = [t["taskArn"] for t in resp["tasks"]]
    tasks = wait_all(ecs, "c1", arns, "RUNNING")
    for t in tasks:
        check_running_shape(describe(ecs, "c1", t["taskArn"], include=["TAGS"])[0])
        d = details(t)
        assert d["privateDnsName"] == private_dns(d["privateIPv4Address"], region)
        e = eni(ec2, d["networkInterfaceId"])
        assert e["Description"].startswith(f"arn:aws:ecs:{region}:{ACCOUNT}:attachment/")
        assert e["AvailabilityZone"] == t["availabilityZone"]
    # the other Region sees none of it
    other = "eu-west-1" if region == "us-east-1" else "us-east-1"
    assert aws.ecs(other).list_clusters()["clusterArns"] == []
    for a in arns:
        ecs.stop_task(cluster="c1", task=a)
    for t in wait_all(ecs, "c1", arns, "STOPPED"):
        assert t["attachments"][0]["status"] == "DELETED"
        assert eni_gone(ec2, details(t)["networkInterfaceId"])


def test_cli_run_describe_stop(fresh, aws, cli):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    cli.ok("ecs", "create-cluster", "--cluster-name", "c1")
    td = register(ecs)["taskDefinitionArn"]
    s = subs[0]["SubnetId"]
    out = cli.ok("ecs", "run-task", "--cluster", "c1", "--task-definition", td, "--launch-type", "FARGATE",
                 "--network-configuration", f"awsvpcConfiguration={{subnets=[{s}],assignPublicIp=DISABLED}}")
    t = out["tasks"][0]
    assert t["lastStatus"] == "PROVISIONING" and t["attachments"][0]["status"] == "PRECREATED"
    arn = t["taskArn"]
    # the CLI prints ECS's epoch-seconds timestamp as it came over the wire: the same instant boto3 sees
    assert isinstance(t["createdAt"], float)
    assert t["createdAt"] == describe(ecs, "c1", arn)[0]["createdAt"].timestamp()
    wait_status(ecs, "c1", arn, "RUNNING")
    got = cli.ok("ecs", "describe-tasks", "--cluster", "c1", "--tasks", arn)["tasks"][0]
    assert [d["name"] for d in got["attachments"][0]["details"]] == ATTACHED_DETAIL_NAMES
    assert cli.ok("ecs", "list-tasks", "--cluster", "c1")["taskArns"] == [arn]
    stop = cli.ok("ecs", "stop-task", "--cluster", "c1", "--task", arn)["task"]
    assert stop["stopCode"] == "UserInitiated" and stop["stoppedReason"] == "Task stopped by user"
    wait_status(ecs, "c1", arn, "STOPPED")
    got = cli.ok("ecs", "describe-tasks", "--cluster", "c1", "--tasks", arn, "f" * 32)
    assert got["tasks"][0]["lastStatus"] == "STOPPED"
    assert got["failures"][0]["reason"] == "MISSING"


def test_n21_launch_failure_shape(fresh, aws):
    """A task whose subnet has no way out stops with TaskFailedToStart after
    its ENI was attached (N21 with an N41 reason): the STOPPED shape of the
    2024-02 TaskFailedToStart recording."""
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24",), egress=None)
    setup_cluster(ecs)
    td = register(ecs)["taskDefinitionArn"]
    before = available(ec2, subs[0]["SubnetId"])
    arn = run_one(ecs, "c1", td, subs)["taskArn"]
    t = wait_until(lambda: (lambda x: x if x["lastStatus"] in ("RUNNING", "STOPPED") else None)(
        describe(ecs, "c1", arn)[0]), what="task settled")
    # N40/N41: no route out, so the image cannot be pulled; a task that runs here is a regression.
    assert t["lastStatus"] == "STOPPED", (
        f"task reached {t['lastStatus']} in a subnet with no way out: the reachability verdict (N40-N42) "
        f"was not applied at launch")
    assert t["stopCode"] == "TaskFailedToStart" and t["desiredStatus"] == "STOPPED"
    assert t["stoppedReason"].startswith(
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref "
        "public.ecr.aws/nginx/nginx:latest")
    assert t["version"] == 4
    assert t["connectivity"] == "CONNECTED"
    assert not {"pullStartedAt", "startedAt"} & set(t)
    assert {"stoppedAt", "stoppingAt", "executionStoppedAt"} <= set(t)
    assert t["attachments"][0]["status"] == "DELETED"
    assert detail_names(t) == ATTACHED_DETAIL_NAMES
    for c in t["containers"]:
        assert c["lastStatus"] == "STOPPED" and "exitCode" not in c
        assert c["networkInterfaces"][0]["privateIpv4Address"] == details(t)["privateIPv4Address"]
    assert eni_gone(ec2, details(t)["networkInterfaceId"])
    assert available(ec2, subs[0]["SubnetId"]) == before
