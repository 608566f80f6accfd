"""A data directory written by an earlier release loads in this one and
answers as that release did. Each fixture under tests/fixtures/upgrade/ holds
the release's `tasknet.db` and `answers.json`, what it answered to Describe
calls (made by scripts/make-upgrade-fixture.py). Everything it answered must
still be answered the same; new fields may be added."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from harness import REPO_ROOT, AwsClients, TasknetServer

FIXTURES = REPO_ROOT / "tests" / "fixtures" / "upgrade"
NAMES = sorted(p.name for p in FIXTURES.iterdir() if (p / "answers.json").is_file())


def contained(old, new, path="$") -> list[str]:
    """Where `new` differs from `old` other than by added fields."""
    if isinstance(old, dict):
        if not isinstance(new, dict):
            return [f"{path}: {new!r} is not an object"]
        out = []
        for k, v in old.items():
            if k not in new:
                out.append(f"{path}.{k}: missing")
            else:
                out += contained(v, new[k], f"{path}.{k}")
        return out
    if isinstance(old, list):
        if not isinstance(new, list) or len(new) != len(old):
            return [f"{path}: {len(old)} items became {new!r:.200}"]
        out = []
        for i, (a, b) in enumerate(zip(old, new)):
            out += contained(a, b, f"{path}[{i}]")
        return out
    return [] if old == new else [f"{path}: {old!r} became {new!r}"]


def jsonable(v):
    return json.loads(json.dumps(v, default=str))


@pytest.fixture(params=NAMES)
def upgraded(request, tmp_path):
    src = FIXTURES / request.param
    data = tmp_path / "data"
    data.mkdir()
    for f in src.iterdir():
        if f.name.startswith("tasknet.db"):
            shutil.copy(f, data / f.name)
    answers = json.loads((src / "answers.json").read_text())
    # Fixtures are older than any retention period: keep their stopped tasks.
    srv = TasknetServer(data_dir=data, extra_args=("--stopped-task-retention-secs", str(10 ** 9)))
    srv.start()
    yield srv, answers
    srv.stop(check=True)


def test_every_recorded_answer_still_holds(upgraded):
    srv, answers = upgraded
    aws = AwsClients(srv.url, srv.region)
    ec2, ecs, iam = aws.ec2(), aws.ecs(), aws.iam()
    ids = answers["ids"]
    calls = {
        "describe_vpcs": lambda: ec2.describe_vpcs(VpcIds=[ids["vpc"]]),
        "describe_subnets": lambda: ec2.describe_subnets(SubnetIds=[ids["public_subnet"], ids["private_subnet"]]),
        "describe_route_tables": lambda: ec2.describe_route_tables(
            RouteTableIds=[ids["public_route_table"], ids["private_route_table"]]),
        "describe_security_groups": lambda: ec2.describe_security_groups(
            GroupIds=[g["GroupId"] for g in answers["ec2"]["describe_security_groups"]["SecurityGroups"]]),
        "describe_network_acls": lambda: ec2.describe_network_acls(NetworkAclIds=[ids["acl"]]),
        "describe_nat_gateways": lambda: ec2.describe_nat_gateways(NatGatewayIds=[ids["nat"]]),
        "describe_addresses": lambda: ec2.describe_addresses(AllocationIds=[ids["eip"]]),
        "describe_vpc_endpoints": lambda: ec2.describe_vpc_endpoints(
            VpcEndpointIds=[ids["interface_endpoint"], ids["s3_endpoint"]]),
        "describe_dhcp_options": lambda: ec2.describe_dhcp_options(DhcpOptionsIds=[ids["dhcp"]]),
        "describe_network_interfaces": lambda: ec2.describe_network_interfaces(
            Filters=[{"Name": "vpc-id", "Values": [ids["vpc"]]}]),
        "describe_internet_gateways": lambda: ec2.describe_internet_gateways(InternetGatewayIds=[ids["igw"]]),
        "describe_egress_only_internet_gateways": lambda: ec2.describe_egress_only_internet_gateways(
            EgressOnlyInternetGatewayIds=[ids["eigw"]]),
    }
    ecs_calls = {
        "describe_clusters": lambda: ecs.describe_clusters(clusters=["fixture"], include=["TAGS"]),
        "describe_task_definition_1": lambda: ecs.describe_task_definition(taskDefinition="web:1", include=["TAGS"]),
        "describe_task_definition_2": lambda: ecs.describe_task_definition(taskDefinition="web:2"),
        "describe_task_definition_batch": lambda: ecs.describe_task_definition(taskDefinition="batch:1"),
        "describe_tasks": lambda: ecs.describe_tasks(
            cluster="fixture", tasks=ids["running"], include=["TAGS"]),
        "list_account_settings": lambda: ecs.list_account_settings(name="dualStackIPv6", effectiveSettings=True),
    }
    # The stopped task was due to expire an hour after it stopped (the
    # release's retention, persisted with it): it is either still there as
    # recorded or gone, never different.
    recorded = answers["ecs"]["describe_tasks"]
    stopped = [t for t in recorded["tasks"] if t["taskArn"] == ids["stopped"]]
    recorded = {**recorded, "tasks": [t for t in recorded["tasks"] if t["taskArn"] != ids["stopped"]]}
    answers["ecs"]["describe_tasks"] = recorded
    now = jsonable(ecs.describe_tasks(cluster="fixture", tasks=[ids["stopped"]]))
    if now["tasks"]:
        assert contained(stopped[0], now["tasks"][0]) == []
    else:
        assert now["failures"] == [{"arn": ids["stopped"], "reason": "MISSING"}]
    problems = []
    for group, table in (("ec2", calls), ("ecs", ecs_calls)):
        assert set(table) == set(answers[group]), f"every recorded {group} answer is checked"
        for name, call in table.items():
            got = jsonable(call())
            got.pop("ResponseMetadata", None)
            problems += [f"{name}: {p}" for p in contained(answers[group][name], got)]
    role = jsonable(iam.get_role(RoleName="ecsTaskExecutionRole"))
    problems += [f"get_role: {p}" for p in contained(answers["iam"]["get_role"]["Role"], role["Role"])]
    assert problems == [], "\n".join(problems[:40])


def test_upgraded_state_keeps_working(upgraded):
    srv, answers = upgraded
    aws = AwsClients(srv.url, srv.region)
    ecs = aws.ecs()
    running = answers["ids"]["running"]
    stopped = ecs.stop_task(cluster="fixture", task=running[0], reason="after upgrade")["task"]
    assert stopped["desiredStatus"] == "STOPPED"
    task = ecs.run_task(cluster="fixture", taskDefinition="web:1", launchType="FARGATE",
                        networkConfiguration={"awsvpcConfiguration": {
                            "subnets": [answers["ids"]["public_subnet"]], "assignPublicIp": "ENABLED"}})["tasks"][0]
    assert task["lastStatus"] == "PROVISIONING"
    srv.restart()
    arns = [t["taskArn"] for t in ecs.describe_tasks(cluster="fixture", tasks=[task["taskArn"], running[1]])["tasks"]]
    assert sorted(arns) == sorted([task["taskArn"], running[1]])
