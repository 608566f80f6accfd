"""Typed ECS requests: every request body is decoded into the operation's
typed input before anything is stored. A wrong JSON type, an Integer out of
range or with a fraction is AWS's SerializationException (HTTP 400, awsJson1_1
envelope) naming the JSON path of the bad member; values AWS checks are
ClientException / InvalidParameterException with AWS's texts; unknown members
are ignored. Raw requests (no SDK parameter validation) check the exact
answer and that nothing was stored; boto3 round trips check that a
definition with every container-definition member comes back as it was sent.
"""

from __future__ import annotations

import copy
import json
import urllib.error
import urllib.request

import pytest

from ecs_support import EXEC_ROLE, IMAGE, make_vpc, netcfg, run_one, setup_cluster

TARGET = "AmazonEC2ContainerServiceV20141113."
SER = "SerializationException"
CLIENT = "ClientException"
IPE = "InvalidParameterException"

# Direct connections only (no developer proxy on loopback).
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def raw(server, op: str, body) -> tuple[int, dict]:
    """POST one awsJson1_1 request; `body` is JSON-encoded unless it is bytes."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    req = urllib.request.Request(
        server.url + "/", data=data, method="POST",
        headers={"X-Amz-Target": TARGET + op, "Content-Type": "application/x-amz-json-1.1"})
    try:
        with _OPENER.open(req, timeout=10) as resp:
            status, payload = resp.status, resp.read()
    except urllib.error.HTTPError as e:
        status, payload = e.code, e.read()
    return status, json.loads(payload) if payload else {}


def fargate(container: dict | None = None, **extra) -> dict:
    c = {"name": "web", "image": IMAGE}
    c.update(container or {})
    d = {"family": "typed", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
         "cpu": "256", "memory": "512", "containerDefinitions": [c]}
    d.update(extra)
    return d


def definitions(ecs) -> tuple:
    """Everything a RegisterTaskDefinition could have changed."""
    return (ecs.list_task_definitions(status="ACTIVE")["taskDefinitionArns"],
            ecs.list_task_definitions(status="INACTIVE")["taskDefinitionArns"],
            ecs.list_task_definition_families(status="ALL")["families"])


def assert_refused(server, ecs, op, body, code, message, stored=definitions):
    before = stored(ecs)
    status, out = raw(server, op, body)
    # The frontend's own errors carry `Message`, the service's `message`.
    key = "Message" if code == SER else "message"
    assert (status, out.get("__type"), out.get(key)) == (400, code, message), out
    assert set(out) == {"__type", key}, out
    assert stored(ecs) == before, "a refused request changed what is stored"


# The cases of the issue: each would have been stored and echoed before.
ISSUE_CASES = [
    (fargate({"cpu": "lots"}), SER, "STRING_VALUE cannot be converted to Integer"),
    (fargate({"memory": -1e21}), SER, "NUMBER_VALUE cannot be converted to Integer"),
    (fargate({"portMappings": [{"containerPort": -5}]}), CLIENT,
     "Invalid 'containerPort' setting for container 'web'."),
    (fargate({"essential": "maybe"}), SER, "Unexpected token received from parser"),
    (fargate({"environment": "notalist"}), SER, "Unexpected field type"),
    (fargate(requiresCompatibilities="FARGATE"), SER, "Unexpected field type"),
    # An unknown value keeps the model's text.
    (fargate(requiresCompatibilities=["LAMBDA"]), CLIENT, "Invalid value for requiresCompatibilities: LAMBDA"),
]

MORE_CASES = [
    (fargate({"memory": 1e21}), SER, "NUMBER_VALUE cannot be converted to Integer"),
    (fargate({"cpu": 2147483648}), SER, "NUMBER_VALUE cannot be converted to Integer"),
    (fargate({"cpu": 15000000000.5}), SER, "DECIMAL_VALUE cannot be converted to Integer"),
    (fargate({"portMappings": "80"}), SER, "Unexpected field type"),
    (fargate({"portMappings": [{"containerPort": "80"}]}), SER,
     "STRING_VALUE cannot be converted to Integer"),
    (fargate({"portMappings": [{"containerPort": 80, "hostPort": 70000}]}), CLIENT,
     "Invalid 'hostPort' setting for container 'web'."),
    (fargate({"portMappings": [{"containerPort": 80, "protocol": "sctp"}]}), CLIENT,
     "Invalid value 'sctp' for portMappings.protocol. Valid values: tcp, udp."),
    (fargate({"cpu": -1}), CLIENT, "Invalid 'cpu' setting for container 'web'."),
    (fargate({"memory": 0}), CLIENT, "Invalid 'memory' setting for container 'web'."),
    (fargate({"dockerLabels": ["a=b"]}), SER,
     "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>"),
    (fargate({"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": 5}}},
             executionRoleArn=EXEC_ROLE), SER,
     "NUMBER_VALUE cannot be converted to String"),
    (fargate({"healthCheck": {"command": ["CMD", "true"], "interval": True}}), SER,
     "TRUE_VALUE cannot be converted to Integer"),
    (fargate({"linuxParameters": {"capabilities": {"add": "SYS_PTRACE"}}}), SER,
     "Unexpected field type"),
    (fargate({"secrets": [{"name": "DB"}]}, executionRoleArn=EXEC_ROLE), CLIENT,
     "Secret.valueFrom should not be null or empty."),
    (fargate({"logConfiguration": {"logDriver": "stdout"}}), CLIENT,
     "Invalid value 'stdout' for logConfiguration.logDriver. Valid values: json-file, syslog, journald, gelf, "
     "fluentd, awslogs, splunk, awsfirelens."),
    (fargate(pidMode="process"), CLIENT, "Invalid value 'process' for pidMode. Valid values: host, task."),
    (fargate({"environment": [None, {"name": "A", "value": 1}]}), SER,
     "NUMBER_VALUE cannot be converted to String"),
    (fargate(containerDefinitions={"name": "web"}), SER,
     "Start of structure or map found where not expected"),
    (fargate(containerDefinitions=["web"]), SER, "Unexpected value type in payload"),
    (fargate(family=5), SER, "NUMBER_VALUE cannot be converted to String"),
    (fargate(cpu=256), SER, "NUMBER_VALUE cannot be converted to String"),
    (fargate(ephemeralStorage={"sizeInGiB": "30"}), SER,
     "STRING_VALUE cannot be converted to Integer"),
    (fargate(volumes=[{"name": "v", "efsVolumeConfiguration": {"fileSystemId": "fs-1", "transitEncryptionPort": 25000000000.5}}]),
     SER, "DECIMAL_VALUE cannot be converted to Integer"),
    (fargate(tags={"key": "k", "value": "v"}), SER, "Start of structure or map found where not expected"),
    ([fargate()], SER, "Unrecognized collection type class com.amazonaws.madison.frontend.RegisterTaskDefinitionRequest"),
]


@pytest.mark.parametrize("body,code,message", ISSUE_CASES + MORE_CASES,
                         ids=[m[:60] for _, _, m in ISSUE_CASES + MORE_CASES])
def test_register_task_definition_refuses_and_stores_nothing(fresh, aws, body, code, message):
    ecs = aws.ecs()
    ecs.register_task_definition(**fargate(family="existing"))
    assert_refused(fresh, ecs, "RegisterTaskDefinition", body, code, message)


def test_a_body_that_is_not_json_or_not_an_object(fresh, aws):
    ecs = aws.ecs()
    before = definitions(ecs)
    # AWS's frontend answers with the bare exception, no message.
    for body in [b'{"family": "x",', b"hello", b'"x"', b"5", b"null"]:
        status, out = raw(fresh, "RegisterTaskDefinition", body)
        assert (status, out) == (400, {"__type": SER}), body
    assert definitions(ecs) == before
    # An unknown operation: the bare exception too.
    assert raw(fresh, "DescribeNothing", {}) == (400, {"__type": "UnknownOperationException"})


def test_unknown_members_are_ignored_not_echoed(fresh, aws):
    ecs = aws.ecs()
    body = fargate({"madeUp": {"x": [1]}, "portMappings": [{"containerPort": 80, "extra": True}]},
                   bogus="yes", family="unknowns")
    status, out = raw(fresh, "RegisterTaskDefinition", body)
    assert status == 200, out
    c = out["taskDefinition"]["containerDefinitions"][0]
    assert "madeUp" not in c and "bogus" not in out["taskDefinition"]
    assert c["portMappings"] == [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}]
    # and boto3 (strictly validated) reads it back
    got = ecs.describe_task_definition(taskDefinition="unknowns")["taskDefinition"]
    assert got["containerDefinitions"][0] == c


def test_other_operations_refuse_wrong_types(fresh, aws):
    ecs = aws.ecs()
    setup_cluster(ecs, "c1")
    clusters = lambda e: e.list_clusters()["clusterArns"]  # noqa: E731
    assert_refused(fresh, ecs, "CreateCluster",
                   {"clusterName": "c2", "settings": [{"name": "containerInsights", "value": True}]},
                   SER, "TRUE_VALUE cannot be converted to String", stored=clusters)
    assert_refused(fresh, ecs, "CreateCluster", {"clusterName": ["c2"]},
                   SER, "Unrecognized collection type class java.lang.String", stored=clusters)
    assert_refused(fresh, ecs, "ListTaskDefinitions", {"maxResults": "10"},
                   SER, "STRING_VALUE cannot be converted to Integer")
    assert_refused(fresh, ecs, "DescribeTasks", {"cluster": "c1", "tasks": "0123456789abcdef0123456789abcdef"},
                   SER, "Unexpected field type")
    assert_refused(fresh, ecs, "ListAccountSettings", {"effectiveSettings": "true"},
                   SER, "Unexpected token received from parser")
    arn = ecs.describe_clusters(clusters=["c1"])["clusters"][0]["clusterArn"]
    tags = lambda e: e.list_tags_for_resource(resourceArn=arn)["tags"]  # noqa: E731
    assert_refused(fresh, ecs, "TagResource", {"resourceArn": arn, "tags": {"key": "k", "value": "v"}},
                   SER, "Start of structure or map found where not expected", stored=tags)
    assert_refused(fresh, ecs, "UntagResource", {"resourceArn": arn, "tagKeys": [1]},
                   SER, "NUMBER_VALUE cannot be converted to String", stored=tags)


@pytest.fixture
def launch_env(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    _, subs = make_vpc(ec2, subnets=("10.0.1.0/24",))
    setup_cluster(ecs, "c1")
    td = ecs.register_task_definition(**fargate())["taskDefinition"]["taskDefinitionArn"]
    return ecs, subs, td


RUN_CASES = [
    ({"count": "1"}, SER, "STRING_VALUE cannot be converted to Integer"),
    ({"count": 1e21}, SER, "NUMBER_VALUE cannot be converted to Integer"),
    ({"overrides": "none"}, SER, "Unexpected field type"),
    ({"overrides": {"containerOverrides": {"name": "web"}}}, SER,
     "Start of structure or map found where not expected"),
    ({"overrides": {"containerOverrides": [{"name": "web", "cpu": "128"}]}}, SER,
     "STRING_VALUE cannot be converted to Integer"),
    ({"overrides": {"containerOverrides": [{"name": "web", "memory": -1e21}]}}, SER,
     "NUMBER_VALUE cannot be converted to Integer"),
    ({"overrides": {"containerOverrides": [{"name": "web", "environment": "A=1"}]}}, SER,
     "Unexpected field type"),
    ({"overrides": {"containerOverrides": [{"name": "web", "environment": ["A=1"]}]}}, SER,
     "Unexpected value type in payload"),
    ({"overrides": {"containerOverrides": [{"name": "web", "command": "echo"}]}}, SER,
     "Unexpected field type"),
    ({"overrides": {"cpu": 512}}, SER, "NUMBER_VALUE cannot be converted to String"),
    ({"overrides": {"containerOverrides": [{"name": "web", "cpu": -1}]}}, IPE,
     "Invalid 'cpu' setting for container 'web'."),
    ({"overrides": {"containerOverrides": [{"name": "web", "memory": -512}]}}, IPE,
     "Invalid 'memory' setting for container 'web'."),
    ({"overrides": {"containerOverrides": [{"name": "nope"}]}}, IPE,
     "Override for container named nope is not a container in the TaskDefinition."),
    ({"enableExecuteCommand": "yes"}, SER, "Unexpected token received from parser"),
    ({"tags": [{"key": 1, "value": "v"}]}, SER, "NUMBER_VALUE cannot be converted to String"),
    ({"taskDefinition": {"family": "typed"}}, SER, "Start of structure or map found where not expected"),
    ({"networkConfiguration": {"awsvpcConfiguration": {"subnets": "subnet-0123456789abcdef0"}}}, SER,
     "Unexpected field type"),
]


@pytest.mark.parametrize("change,code,message", RUN_CASES, ids=[m[:60] for _, _, m in RUN_CASES])
def test_run_task_refuses_and_launches_nothing(launch_env, fresh, change, code, message):
    ecs, subs, td = launch_env
    body = {"cluster": "c1", "taskDefinition": td, "launchType": "FARGATE",
            "networkConfiguration": netcfg(subs)}
    body.update(change)

    def tasks(e):
        return (e.list_tasks(cluster="c1")["taskArns"], e.list_tasks(cluster="c1", desiredStatus="STOPPED")["taskArns"])

    assert_refused(fresh, ecs, "RunTask", body, code, message, stored=tasks)


# Every container-definition member of the ECS API, with AWS's defaults
# already written out (protocol, health-check timings), so what comes back
# must equal what was sent. An EC2 bridge definition: links, hostname and
# extra hosts are not for awsvpc (N2).
EVERY_MEMBER = {
    "name": "web",
    "hostname": "web1",
    "image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/web:1",
    "repositoryCredentials": {"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:reg"},
    "cpu": 128,
    "memory": 256,
    "memoryReservation": 128,
    "links": ["db"],
    "portMappings": [
        {"containerPort": 8080, "hostPort": 8080, "protocol": "tcp", "name": "http", "appProtocol": "http"},
        {"containerPort": 9000, "hostPort": 9000, "protocol": "udp"},
        {"containerPortRange": "10000-10010", "protocol": "tcp"},
    ],
    "essential": True,
    "restartPolicy": {"enabled": True, "ignoredExitCodes": [0, 143], "restartAttemptPeriod": 180},
    "entryPoint": ["/bin/sh", "-c"],
    "command": ["exec nginx"],
    "environment": [{"name": "MODE", "value": "typed"}, {"name": "EMPTY", "value": ""}],
    "environmentFiles": [{"value": "arn:aws:s3:::bucket/web.env", "type": "s3"}],
    "mountPoints": [{"sourceVolume": "data", "containerPath": "/data", "readOnly": False}],
    "volumesFrom": [{"sourceContainer": "sidecar", "readOnly": True}],
    "linuxParameters": {
        "capabilities": {"add": ["SYS_PTRACE"], "drop": ["NET_RAW"]},
        "devices": [{"hostPath": "/dev/fuse", "containerPath": "/dev/fuse", "permissions": ["read", "write"]}],
        "initProcessEnabled": True,
        "sharedMemorySize": 64,
        "tmpfs": [{"containerPath": "/scratch", "size": 32, "mountOptions": ["noexec"]}],
        "maxSwap": 0,
        "swappiness": 10,
    },
    "secrets": [{"name": "DB_PASSWORD", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/db"}],
    "dependsOn": [{"containerName": "sidecar", "condition": "START"}],
    "startTimeout": 60,
    "stopTimeout": 30,
    "versionConsistency": "disabled",
    "user": "1000:1000",
    "workingDirectory": "/srv",
    "disableNetworking": False,
    "privileged": False,
    "readonlyRootFilesystem": True,
    "dnsServers": ["10.0.0.2"],
    "dnsSearchDomains": ["corp.example"],
    "extraHosts": [{"hostname": "db.local", "ipAddress": "10.0.0.10"}],
    "dockerSecurityOptions": ["no-new-privileges"],
    "interactive": False,
    "pseudoTerminal": False,
    "dockerLabels": {"com.example.team": "net", "tier": "web"},
    "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 65535}],
    "logConfiguration": {
        "logDriver": "awslogs",
        "options": {"awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"},
        "secretOptions": [{"name": "token", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/token"}],
    },
    "healthCheck": {"command": ["CMD-SHELL", "curl -f http://localhost:8080/ || exit 1"],
                    "interval": 10, "timeout": 3, "retries": 2, "startPeriod": 15},
    "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
    "resourceRequirements": [{"value": "1", "type": "GPU"}],
    "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
    "credentialSpecs": ["credentialspecdomainless:arn:aws:s3:::bucket/spec.json"],
}

SIDECAR = {"name": "sidecar", "image": "busybox", "essential": False, "cpu": 0,
           "portMappings": [], "environment": [], "mountPoints": [], "volumesFrom": [], "systemControls": []}


def test_every_container_member_round_trips_through_boto3(fresh, aws):
    ecs = aws.ecs()
    kw = dict(
        family="every-member",
        taskRoleArn="arn:aws:iam::123456789012:role/app",
        executionRoleArn=EXEC_ROLE,
        networkMode="bridge",
        containerDefinitions=[copy.deepcopy(EVERY_MEMBER), copy.deepcopy(SIDECAR)],
        volumes=[
            {"name": "data", "host": {"sourcePath": "/srv/data"}},
            {"name": "efs", "efsVolumeConfiguration": {
                "fileSystemId": "fs-12345678", "rootDirectory": "/exports", "transitEncryption": "ENABLED",
                "transitEncryptionPort": 2049,
                "authorizationConfig": {"accessPointId": "fsap-1234567890abcdef0", "iam": "ENABLED"}}},
            {"name": "docker", "dockerVolumeConfiguration": {
                "scope": "shared", "autoprovision": True, "driver": "local",
                "driverOpts": {"type": "tmpfs"}, "labels": {"a": "b"}}},
            {"name": "fsx", "fsxWindowsFileServerVolumeConfiguration": {
                "fileSystemId": "fs-0123456789abcdef0", "rootDirectory": "share",
                "authorizationConfig": {"credentialsParameter": "arn:aws:ssm:us-east-1:123456789012:parameter/fsx",
                                        "domain": "corp.example"}}},
        ],
        placementConstraints=[{"type": "memberOf", "expression": "attribute:ecs.os-type == linux"}],
        requiresCompatibilities=["EC2"],
        cpu="1024",
        memory="2048",
        tags=[{"key": "team", "value": "net"}],
        pidMode="task",
        proxyConfiguration={"type": "APPMESH", "containerName": "sidecar",
                            "properties": [{"name": "AppPorts", "value": "8080"}]},
        inferenceAccelerators=[{"deviceName": "device1", "deviceType": "eia2.medium"}],
        ephemeralStorage={"sizeInGiB": 30},
        runtimePlatform={"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"},
        enableFaultInjection=True,
    )
    out = ecs.register_task_definition(**copy.deepcopy(kw))
    got = ecs.describe_task_definition(taskDefinition="every-member", include=["TAGS"])
    for td in (out["taskDefinition"], got["taskDefinition"]):
        assert td["containerDefinitions"] == kw["containerDefinitions"]
        assert td["volumes"] == kw["volumes"]
        for k in ["family", "taskRoleArn", "executionRoleArn", "networkMode", "placementConstraints",
                  "requiresCompatibilities", "cpu", "memory", "pidMode", "proxyConfiguration",
                  "inferenceAccelerators", "ephemeralStorage", "runtimePlatform", "enableFaultInjection"]:
            assert td[k] == kw[k], k
        # What AWS adds.
        assert td["compatibilities"] == ["EXTERNAL", "EC2"]
        assert td["revision"] == 1 and td["status"] == "ACTIVE"
        assert td["registeredBy"] == "arn:aws:iam::123456789012:root"
        assert "registeredAt" in td and "taskDefinitionArn" in td
        names = [a["name"] for a in td["requiresAttributes"]]
        assert "com.amazonaws.ecs.capability.task-iam-role" in names
        assert "com.amazonaws.ecs.capability.ecr-auth" in names
    assert got["tags"] == kw["tags"]


def test_aws_defaults_on_a_minimal_definition(fresh, aws):
    ecs = aws.ecs()
    td = ecs.register_task_definition(**fargate(
        {"portMappings": [{"containerPort": 80}], "healthCheck": {"command": ["CMD", "true"]}},
        volumes=[{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678"}}],
    ))["taskDefinition"]
    c = td["containerDefinitions"][0]
    assert c == {
        "name": "web", "image": IMAGE, "cpu": 0, "essential": True,
        "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
        "healthCheck": {"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3},
        "environment": [], "mountPoints": [], "volumesFrom": [], "systemControls": [],
    }
    assert td["volumes"] == [{"name": "efs", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678",
                                                                        "rootDirectory": "/"}}]


def test_run_task_overrides_round_trip(launch_env, aws):
    ecs, subs, td = launch_env
    overrides = {
        "containerOverrides": [{
            "name": "web", "command": ["nginx", "-g", "daemon off;"],
            "environment": [{"name": "MODE", "value": "override"}],
            "environmentFiles": [{"value": "arn:aws:s3:::bucket/o.env", "type": "s3"}],
            "cpu": 128, "memory": 256, "memoryReservation": 128,
        }],
        "cpu": "256", "memory": "512",
        "executionRoleArn": EXEC_ROLE,
        "taskRoleArn": "arn:aws:iam::123456789012:role/app",
        "ephemeralStorage": {"sizeInGiB": 25},
        "inferenceAcceleratorOverrides": [],
    }
    task = run_one(ecs, "c1", td, subs, overrides=copy.deepcopy(overrides))
    assert task["overrides"] == overrides
    described = ecs.describe_tasks(cluster="c1", tasks=[task["taskArn"]])["tasks"][0]
    assert described["overrides"] == overrides
    # Without overrides AWS shows the two empty lists.
    plain = run_one(ecs, "c1", td, subs)
    assert plain["overrides"] == {"containerOverrides": [], "inferenceAcceleratorOverrides": []}
