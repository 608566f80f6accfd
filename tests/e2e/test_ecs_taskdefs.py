"""Task definitions (issue 3): N1, N2, N31, Fargate cpu/memory, the other
registration checks, revisions, describe/list/deregister/delete, tags."""

import pytest

from ecs_support import EXEC_ROLE, IMAGE, ROOT, container, err_pair, register

ECR_IMAGE = "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"


def base(**kw):
    d = {
        "family": "app",
        "requiresCompatibilities": ["FARGATE"],
        "networkMode": "awsvpc",
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [container()],
    }
    d.update(kw)
    return d


def test_n1_fargate_needs_awsvpc_with_curly_quotes(fresh, aws):
    ecs = aws.ecs()
    for mode in ["bridge", "host", "none"]:
        assert err_pair(ecs.register_task_definition, **base(networkMode=mode)) == (
            "ClientException", "Fargate only supports network mode \u2018awsvpc\u2019.")
    # networkMode omitted: also not awsvpc
    d = base()
    del d["networkMode"]
    code, msg = err_pair(ecs.register_task_definition, **d)
    assert (code, msg) == ("ClientException", "Fargate only supports network mode ‘awsvpc’.")
    assert "'awsvpc'" not in msg  # never straight quotes
    # EC2-only definitions may use bridge
    td = ecs.register_task_definition(family="ec2", networkMode="bridge",
                                      containerDefinitions=[container(memory=128)])["taskDefinition"]
    assert td["networkMode"] == "bridge" and "FARGATE" not in td["compatibilities"]


def test_n2_hostname_with_awsvpc(fresh, aws):
    ecs = aws.ecs()
    d = base(containerDefinitions=[container(hostname="web1")])
    assert err_pair(ecs.register_task_definition, **d) == (
        "ClientException", "hostname is not supported on container when networkMode=awsvpc.")
    # also for an EC2 awsvpc definition
    d = {"family": "x", "networkMode": "awsvpc",
         "containerDefinitions": [container(hostname="h", memory=128)]}
    assert err_pair(ecs.register_task_definition, **d)[1] == \
        "hostname is not supported on container when networkMode=awsvpc."
    # bridge allows it
    td = ecs.register_task_definition(family="x", networkMode="bridge",
                                      containerDefinitions=[container(hostname="h", memory=128)])["taskDefinition"]
    assert td["containerDefinitions"][0]["hostname"] == "h" and td["revision"] == 1


@pytest.mark.parametrize("containers,extra,message", [
    ([container(image=ECR_IMAGE)], {},
     "Fargate requires task definition to have execution role ARN to support ECR images."),
    ([container(logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "g"}})], {},
     "Fargate requires task definition to have execution role ARN to support log driver awslogs."),
    ([container(secrets=[{"name": "DB", "valueFrom": "arn:aws:secretsmanager:us-east-1:123456789012:secret:db"}])], {},
     "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'."),
    ([container(repositoryCredentials={"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:reg"})], {},
     "Private repository authentication requires that the task definition specify a value for executionRoleArn."),
])
def test_n31_execution_role_required(fresh, aws, containers, extra, message):
    ecs = aws.ecs()
    assert err_pair(ecs.register_task_definition, **base(containerDefinitions=containers, **extra)) == (
        "ClientException", message)
    td = ecs.register_task_definition(**base(containerDefinitions=containers, executionRoleArn=EXEC_ROLE))
    assert td["taskDefinition"]["executionRoleArn"] == EXEC_ROLE
    assert td["taskDefinition"]["revision"] == 1


def test_n31_secrets_and_registry_auth_need_the_role_on_every_launch_type(fresh, aws):
    ecs = aws.ecs()
    sec = container(memory=128, secrets=[{"name": "P", "valueFrom": "arn:aws:ssm:us-east-1:123456789012:parameter/p"}])
    assert err_pair(ecs.register_task_definition, family="e", networkMode="bridge", containerDefinitions=[sec]) == (
        "ClientException",
        "When you are specifying container secrets, you must also specify a value for 'executionRoleArn'.")
    reg = container(memory=128, repositoryCredentials={"credentialsParameter": "arn:aws:secretsmanager:us-east-1:123456789012:secret:r"})
    assert err_pair(ecs.register_task_definition, family="e", networkMode="bridge", containerDefinitions=[reg]) == (
        "ClientException",
        "Private repository authentication requires that the task definition specify a value for executionRoleArn.")
    # an ECR image on EC2 does not need the execution role (the instance role pulls)
    ecs.register_task_definition(family="e", networkMode="bridge", containerDefinitions=[container(image=ECR_IMAGE, memory=128)])


@pytest.mark.parametrize("cpu,memory,ok", [
    ("256", "512", True), ("256", "2048", True), ("256", "4096", False),
    ("512", "1024", True), ("512", "4096", True), ("512", "512", False),
    ("1024", "2048", True), ("1024", "8192", True), ("1024", "1024", False),
    ("2048", "16384", True), ("4096", "30720", True), ("4096", "4096", False),
    ("8192", "16384", True), ("8192", "20480", True), ("8192", "18432", False),
    ("16384", "32768", True), ("16384", "122880", True),
    ("1 vCPU", "2 GB", True), ("0.25 vCPU", "0.5GB", True), ("1 vCPU", "1 GB", False),
    ("3000", "6144", False),
])
def test_fargate_cpu_memory_combinations(fresh, aws, cpu, memory, ok):
    ecs = aws.ecs()
    if ok:
        td = ecs.register_task_definition(**base(cpu=cpu, memory=memory))["taskDefinition"]
        # units converted to integer CPU units and MiB
        units = {"1 vCPU": "1024", "0.25 vCPU": "256", "2 GB": "2048", "0.5GB": "512"}
        assert (td["cpu"], td["memory"]) == (units.get(cpu, cpu), units.get(memory, memory))
        assert td["compatibilities"] == ["EC2", "FARGATE"]
        assert ecs.describe_task_definition(taskDefinition=td["taskDefinitionArn"])["taskDefinition"] == td
    else:
        code, msg = err_pair(ecs.register_task_definition, **base(cpu=cpu, memory=memory))
        assert code == "ClientException"
        assert msg.startswith("No Fargate configuration exists for given values: ")
        assert msg.endswith(" memory. See the Amazon ECS documentation for the valid values.")


def test_fargate_cpu_memory_messages(fresh, aws):
    ecs = aws.ecs()
    assert err_pair(ecs.register_task_definition, **base(cpu="1024", memory="1024")) == (
        "ClientException",
        "No Fargate configuration exists for given values: 1024 CPU, 1024 memory. See the Amazon ECS documentation for the valid values.")
    assert err_pair(ecs.register_task_definition, **base(cpu="1 vCPU", memory="1 GB"))[1] == (
        "No Fargate configuration exists for given values: 1024 CPU, 1024 memory. See the Amazon ECS documentation for the valid values.")
    d = base()
    del d["cpu"]
    assert err_pair(ecs.register_task_definition, **d) == (
        "ClientException", "Fargate requires that 'cpu' be defined at the task level.")
    d = base()
    del d["memory"]
    assert err_pair(ecs.register_task_definition, **d) == (
        "ClientException", "Fargate requires that 'memory' be defined at the task level.")
    assert err_pair(ecs.register_task_definition, **base(cpu="lots")) == (
        "ClientException",
        "Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
    assert err_pair(ecs.register_task_definition, **base(memory="plenty")) == (
        "ClientException",
        "Invalid 'memory' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
    # Windows has its own table: 256 CPU does not exist there
    win = {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"}
    assert err_pair(ecs.register_task_definition, **base(runtimePlatform=win))[1].startswith(
        "No Fargate configuration exists for given values: 256 CPU, 512 memory.")
    ecs.register_task_definition(**base(runtimePlatform=win, cpu="1024", memory="2048"))


@pytest.mark.parametrize("change,message", [
    ({"family": ""}, "Family can not be blank."),
    ({"family": "bad name!"}, "Family contains invalid characters."),
    ({"containerDefinitions": []}, "Container list cannot be empty."),
    ({"containerDefinitions": [container(name=f"c{i}") for i in range(11)]}, "Too many containers."),
    ({"containerDefinitions": [container(image="")]}, "Container.image should not be null or empty."),
    ({"containerDefinitions": [container(name="")]}, "Container.name should not be null or empty."),
    ({"containerDefinitions": [container(name="a b")]}, "Container.name contains invalid characters."),
    ({"containerDefinitions": [container(), container()]}, "Container names must be unique within a Task Definition."),
    ({"containerDefinitions": [container(memory=1024)]}, "The 'memory' setting for container 'web' is greater than for the task."),
    ({"containerDefinitions": [container(portMappings=[{"containerPort": 80, "hostPort": 8080}])]},
     "When networkMode=awsvpc, the host ports and container ports in port mappings must match."),
    ({"ipcMode": "host"}, "Tasks using the Fargate launch type do not support ipcMode."),
    ({"pidMode": "host"},
     "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'."),
    ({"ephemeralStorage": {"sizeInGiB": 20}}, "EphemeralStorage size should be at least 21"),
    ({"ephemeralStorage": {"sizeInGiB": 201}}, "EphemeralStorage size should be at most 200"),
])
def test_registration_checks(fresh, aws, change, message):
    ecs = aws.ecs()
    assert err_pair(ecs.register_task_definition, **base(**change)) == ("ClientException", message)


def test_ec2_container_needs_memory(fresh, aws):
    ecs = aws.ecs()
    assert err_pair(ecs.register_task_definition, family="e", networkMode="bridge",
                    containerDefinitions=[container()]) == (
        "ClientException",
        "Invalid setting for container 'web'. At least one of 'memory' or 'memoryReservation' must be specified.")


def test_revisions_describe_list_deregister_delete(fresh, aws):
    ecs = aws.ecs()
    arns = []
    for i in range(3):
        out = ecs.register_task_definition(**base(tags=[{"key": "n", "value": str(i)}]))
        td = out["taskDefinition"]
        assert td["revision"] == i + 1
        assert td["taskDefinitionArn"] == f"arn:aws:ecs:us-east-1:123456789012:task-definition/app:{i + 1}"
        assert td["status"] == "ACTIVE" and td["registeredBy"] == ROOT
        assert td["requiresCompatibilities"] == ["FARGATE"] and td["compatibilities"] == ["EC2", "FARGATE"]
        assert "ecs.capability.task-eni" in [a["name"] for a in td["requiresAttributes"]]
        assert out["tags"] == [{"key": "n", "value": str(i)}]
        arns.append(td["taskDefinitionArn"])
    register(ecs, family="other")
    # describe by family (latest ACTIVE), family:revision and ARN
    assert ecs.describe_task_definition(taskDefinition="app")["taskDefinition"]["revision"] == 3
    assert ecs.describe_task_definition(taskDefinition="app:2")["taskDefinition"]["revision"] == 2
    got = ecs.describe_task_definition(taskDefinition=arns[0], include=["TAGS"])
    assert got["taskDefinition"]["revision"] == 1 and got["tags"] == [{"key": "n", "value": "0"}]
    c = got["taskDefinition"]["containerDefinitions"][0]
    assert c["name"] == "web" and c["image"] == IMAGE and c["essential"] is True
    for bad in ["app:9", "nope", "arn:aws:ecs:us-east-1:123456789012:task-definition/nope:1"]:
        assert err_pair(ecs.describe_task_definition, taskDefinition=bad) == (
            "ClientException", "Unable to describe task definition.")
    # list
    assert ecs.list_task_definitions()["taskDefinitionArns"] == arns + [
        "arn:aws:ecs:us-east-1:123456789012:task-definition/other:1"]
    assert ecs.list_task_definitions(familyPrefix="app", sort="DESC")["taskDefinitionArns"] == arns[::-1]
    page = ecs.list_task_definitions(familyPrefix="app", maxResults=2)
    assert page["taskDefinitionArns"] == arns[:2]
    page2 = ecs.list_task_definitions(familyPrefix="app", maxResults=2, nextToken=page["nextToken"])
    assert page2["taskDefinitionArns"] == arns[2:] and "nextToken" not in page2
    assert ecs.list_task_definition_families()["families"] == ["app", "other"]
    assert ecs.list_task_definition_families(familyPrefix="ap")["families"] == ["app"]
    # deregister
    dereg = ecs.deregister_task_definition(taskDefinition="app:3")["taskDefinition"]
    assert dereg["status"] == "INACTIVE" and "deregisteredAt" in dereg
    assert ecs.describe_task_definition(taskDefinition="app")["taskDefinition"]["revision"] == 2
    assert ecs.describe_task_definition(taskDefinition="app:3")["taskDefinition"]["status"] == "INACTIVE"
    assert ecs.list_task_definitions(status="INACTIVE")["taskDefinitionArns"] == [arns[2]]
    assert ecs.list_task_definitions(familyPrefix="app")["taskDefinitionArns"] == arns[:2]
    # deregistering again is not an error
    assert ecs.deregister_task_definition(taskDefinition=arns[2])["taskDefinition"]["status"] == "INACTIVE"
    assert err_pair(ecs.deregister_task_definition, taskDefinition="app:42") == (
        "ClientException", "Unable to describe task definition.")
    # delete: only INACTIVE revisions
    out = ecs.delete_task_definitions(taskDefinitions=["app:3", "app:1", "app"])
    assert [d["taskDefinitionArn"] for d in out["taskDefinitions"]] == [arns[2]]
    assert out["taskDefinitions"][0]["status"] == "DELETE_IN_PROGRESS"
    reasons = {f["arn"]: f["reason"] for f in out["failures"]}
    assert reasons == {
        "app:1": "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
        "app": "The specified task definition identifier is invalid. Specify a valid name or ARN and try again.",
    }
    assert ecs.list_task_definitions(status="DELETE_IN_PROGRESS")["taskDefinitionArns"] == [arns[2]]
    assert err_pair(ecs.describe_task_definition, taskDefinition="app:3")[1] == "Unable to describe task definition."
    # a new registration continues the revision count
    assert register(ecs, family="app")["revision"] == 4
    assert err_pair(ecs.delete_task_definitions, taskDefinitions=[]) == (
        "InvalidParameterException", "size of TaskDefinition references list must be greater than 0")


def test_task_definition_tags(fresh, aws):
    ecs = aws.ecs()
    arn = register(ecs)["taskDefinitionArn"]
    ecs.tag_resource(resourceArn=arn, tags=[{"key": "team", "value": "net"}, {"key": "env", "value": "dev"}])
    ecs.untag_resource(resourceArn=arn, tagKeys=["env"])
    assert ecs.list_tags_for_resource(resourceArn=arn)["tags"] == [{"key": "team", "value": "net"}]
    assert err_pair(ecs.list_tags_for_resource, resourceArn="arn:aws:ecr:us-east-1:123456789012:repository/x") == (
        "InvalidParameterException", "The ARN provided is invalid.")


def test_task_definitions_are_per_region(fresh, aws):
    register(aws.ecs())
    ecs_eu = aws.ecs("eu-west-1")
    assert ecs_eu.list_task_definitions()["taskDefinitionArns"] == []
    td = register(ecs_eu)
    assert td["taskDefinitionArn"] == "arn:aws:ecs:eu-west-1:123456789012:task-definition/web:1"


def test_cli_register_and_describe(fresh, cli, tmp_path):
    import json
    spec = tmp_path / "td.json"
    spec.write_text(json.dumps(base(family="cli-app")))
    td = cli.ok("ecs", "register-task-definition", "--cli-input-json", f"file://{spec}")["taskDefinition"]
    assert td["taskDefinitionArn"].endswith(":task-definition/cli-app:1")
    got = cli.ok("ecs", "describe-task-definition", "--task-definition", "cli-app")["taskDefinition"]
    assert got["networkMode"] == "awsvpc" and got["cpu"] == "256"
    spec.write_text(json.dumps(base(family="cli-app", networkMode="bridge")))
    stderr = cli.err("ecs", "register-task-definition", "--cli-input-json", f"file://{spec}", code="ClientException")
    assert "Fargate only supports network mode ‘awsvpc’." in stderr
