"""RunTask validation (issue 3): N3–N8 with the exact messages, and the other
RunTask checks."""

import pytest

from ecs_support import (container, default_sg, eni, err_pair, make_vpc, netcfg, register, run, run_one,
                         setup_cluster, wait_status)

IPE = "InvalidParameterException"


@pytest.fixture
def env(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    vid, subs = make_vpc(ec2, subnets=("10.0.1.0/24", "10.0.2.0/24"))
    setup_cluster(ecs, "c1")
    td = register(ecs)["taskDefinitionArn"]
    return ec2, ecs, vid, subs, td


def test_n3_network_configuration_presence(env, aws):
    ec2, ecs, vid, subs, td = env
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=td, launchType="FARGATE") == (
        IPE, "Network Configuration must be provided when networkMode 'awsvpc' is specified.")
    # an empty networkConfiguration is no configuration
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=td, launchType="FARGATE",
                    networkConfiguration={})[1] == \
        "Network Configuration must be provided when networkMode 'awsvpc' is specified."
    bridge = ecs.register_task_definition(family="b", networkMode="bridge",
                                          containerDefinitions=[container(memory=128)])["taskDefinition"]
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=bridge["taskDefinitionArn"], launchType="EC2",
                    networkConfiguration=netcfg(subs)) == (
        IPE, "Network Configuration is not valid for the given networkMode of this task definition.")


def test_n4_subnets(env, aws):
    ec2, ecs, vid, subs, td = env
    s1, s2 = subs[0]["SubnetId"], subs[1]["SubnetId"]
    assert err_pair(run, ecs, "c1", td, []) == (IPE, "subnets can not be empty.")
    assert err_pair(run, ecs, "c1", td, [s1] * 17) == (IPE, "subnets can have at most 16 items.")
    ghost1, ghost2 = "subnet-0123456789abcdef0", "subnet-0fedcba9876543210"
    assert err_pair(run, ecs, "c1", td, [s1, ghost1, ghost2]) == (
        IPE,
        f"Error retrieving subnet information for [{s1}, {ghost1}, {ghost2}]: The subnet ID '{ghost1}' "
        "does not exist (ErrorCode: InvalidSubnetID.NotFound)")
    assert err_pair(run, ecs, "c1", td, ["birdzview"]) == (
        IPE,
        "Error retrieving subnet information for [birdzview]: The subnet ID 'birdzview' does not exist "
        "(ErrorCode: InvalidSubnetID.NotFound)")
    _, other = make_vpc(ec2, cidr="10.9.0.0/16", subnets=("10.9.1.0/24",))
    assert err_pair(run, ecs, "c1", td, [s1, other[0]["SubnetId"]]) == (
        IPE, "Subnets must all belong to the same VPC.")
    # 16 (with duplicates) is fine
    task = run_one(ecs, "c1", td, [s1] * 8 + [s2] * 8)
    assert task["attachments"][0]["details"][0]["value"] in (s1, s2)
    # a subnet of another Region does not exist there
    ecs_eu = aws.ecs("eu-west-1")
    ecs_eu.create_cluster(clusterName="c1")
    td_eu = register(ecs_eu)["taskDefinitionArn"]
    assert err_pair(run, ecs_eu, "c1", td_eu, [s1]) == (
        IPE,
        f"Error retrieving subnet information for [{s1}]: The subnet ID '{s1}' does not exist "
        "(ErrorCode: InvalidSubnetID.NotFound)")


def test_n5_security_groups(env, aws):
    ec2, ecs, vid, subs, td = env
    sgs = [ec2.create_security_group(GroupName=f"g{i}", Description="d", VpcId=vid)["GroupId"] for i in range(6)]
    assert err_pair(run, ecs, "c1", td, subs[:1], sgs=sgs) == (IPE, "securityGroups can have at most 5 items.")
    ghost = "sg-01607c94e2d82ca08"
    assert err_pair(run, ecs, "c1", td, subs[:1], sgs=[sgs[0], ghost]) == (
        IPE,
        f"Error retrieving security group information for [{sgs[0]}, {ghost}]: The security group '{ghost}' "
        "does not exist (ErrorCode: InvalidGroup.NotFound)")
    other_vpc, _ = make_vpc(ec2, cidr="10.9.0.0/16", subnets=())
    foreign = ec2.create_security_group(GroupName="f", Description="d", VpcId=other_vpc)["GroupId"]
    assert err_pair(run, ecs, "c1", td, subs[:1], sgs=[sgs[0], foreign]) == (
        IPE, f"Security group {foreign} does not appear to belong to the same VPC as the input subnets.")
    # five are fine, and the ENI carries exactly them
    t = run_one(ecs, "c1", td, subs[:1], sgs=sgs[:5])
    t = wait_status(ecs, "c1", t["taskArn"], "RUNNING")
    eni_id = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["networkInterfaceId"]
    assert sorted(g["GroupId"] for g in eni(ec2, eni_id)["Groups"]) == sorted(sgs[:5])
    # none given: the VPC's default group
    t = wait_status(ecs, "c1", run_one(ecs, "c1", td, subs[:1])["taskArn"], "RUNNING")
    eni_id = {d["name"]: d["value"] for d in t["attachments"][0]["details"]}["networkInterfaceId"]
    assert [g["GroupId"] for g in eni(ec2, eni_id)["Groups"]] == [default_sg(ec2, vid)]


def test_n6_assign_public_ip_only_for_fargate(env, aws):
    ec2, ecs, vid, subs, td = env
    ec2_td = ecs.register_task_definition(family="e", networkMode="awsvpc", requiresCompatibilities=["EC2"],
                                          containerDefinitions=[container(memory=128)])["taskDefinition"]["taskDefinitionArn"]
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=ec2_td, launchType="EC2",
                    networkConfiguration=netcfg(subs, public="ENABLED")) == (
        IPE, "Assign public IP is not supported for this launch type.")
    # DISABLED with EC2 is accepted; no container instances → a failure entry
    out = ecs.run_task(cluster="c1", taskDefinition=ec2_td, launchType="EC2",
                       networkConfiguration=netcfg(subs, public="DISABLED"))
    assert out["tasks"] == [] and [f["reason"] for f in out["failures"]] == [
        "No Container Instances were found in your cluster."]
    assert ecs.list_tasks(cluster="c1")["taskArns"] == []
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=ec2_td, launchType="EC2",
                    platformVersion="1.4.0", networkConfiguration=netcfg(subs)) == (
        IPE, "The platform version must be null when specifying an EC2 launch type.")


def test_n7_platform_versions(env, aws):
    ec2, ecs, vid, subs, td = env
    for requested, resolved in [(None, "1.4.0"), ("LATEST", "1.4.0"), ("1.4.0", "1.4.0"), ("1.3.0", "1.3.0")]:
        kw = {"platformVersion": requested} if requested else {}
        t = run_one(ecs, "c1", td, subs[:1], **kw)
        assert t["platformVersion"] == resolved
        t = wait_status(ecs, "c1", t["taskArn"], "RUNNING")
        assert t["platformVersion"] == resolved
        stopped = ecs.stop_task(cluster="c1", task=t["taskArn"])["task"]
        assert stopped["platformVersion"] == resolved
    for bad in ["1.4", "9.9.9", "1.0.0", "latest"]:
        assert err_pair(run, ecs, "c1", td, subs[:1], platformVersion=bad) == (
            "PlatformUnknownException", "The specified platform does not exist.")
    efs = register(ecs, family="efs", volumes=[{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-12345678"}}])
    assert err_pair(run, ecs, "c1", efs["taskDefinitionArn"], subs[:1], platformVersion="1.3.0") == (
        "PlatformTaskDefinitionIncompatibilityException", "One or more of the requested capabilities are not supported.")
    assert run_one(ecs, "c1", efs["taskDefinitionArn"], subs[:1])["platformVersion"] == "1.4.0"
    # Windows: 1.0.0 and LATEST = 1.0.0; Linux versions are unknown there
    win = register(ecs, family="win", cpu="1024", memory="2048",
                   runtimePlatform={"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE", "cpuArchitecture": "X86_64"})
    t = run_one(ecs, "c1", win["taskDefinitionArn"], subs[:1])
    assert t["platformVersion"] == "1.0.0" and t["platformFamily"] == "WINDOWS_SERVER_2022_CORE"
    assert run_one(ecs, "c1", win["taskDefinitionArn"], subs[:1], platformVersion="LATEST")["platformVersion"] == "1.0.0"
    assert err_pair(run, ecs, "c1", win["taskDefinitionArn"], subs[:1], platformVersion="1.4.0")[0] == \
        "PlatformUnknownException"


def test_n8_service_linked_role(env, aws):
    ec2, ecs, vid, subs, td = env
    iam = aws.iam()
    role = iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]
    assert role["Path"] == "/aws-service-role/ecs.amazonaws.com/"
    task_id = iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")["DeletionTaskId"]
    assert iam.get_service_linked_role_deletion_status(DeletionTaskId=task_id)["Status"] == "SUCCEEDED"
    assert err_pair(run, ecs, "c1", td, subs[:1]) == (
        IPE, "Unable to assume the service linked role. Please verify that the ECS service linked role exists.")
    # IAM CreateServiceLinkedRole brings it back
    made = iam.create_service_linked_role(AWSServiceName="ecs.amazonaws.com")["Role"]
    assert (made["RoleName"], made["Path"]) == ("AWSServiceRoleForECS", "/aws-service-role/ecs.amazonaws.com/")
    run_one(ecs, "c1", td, subs[:1])
    iam.delete_service_linked_role(RoleName="AWSServiceRoleForECS")
    assert err_pair(run, ecs, "c1", td, subs[:1])[1].startswith("Unable to assume the service linked role.")
    # CreateCluster (even of an existing cluster) recreates it
    ecs.create_cluster(clusterName="c2")
    assert iam.get_role(RoleName="AWSServiceRoleForECS")["Role"]["RoleName"] == "AWSServiceRoleForECS"
    run_one(ecs, "c1", td, subs[:1])


def test_other_runtask_checks(env, aws):
    ec2, ecs, vid, subs, td = env
    assert err_pair(run, ecs, "nope", td, subs[:1]) == ("ClusterNotFoundException", "Cluster not found.")
    assert err_pair(run, ecs, "c1", "ghost:1", subs[:1]) == ("ClientException", "Unable to describe task definition.")
    ecs.deregister_task_definition(taskDefinition=td)
    assert err_pair(run, ecs, "c1", td, subs[:1]) == (IPE, "TaskDefinition is inactive")
    td = register(ecs)["taskDefinitionArn"]
    assert err_pair(run, ecs, "c1", td, subs[:1], startedBy="x" * 37) == (IPE, "startedBy longer than 36.")
    assert err_pair(run, ecs, "c1", td, subs[:1],
                    overrides={"containerOverrides": [{"name": "nope"}]}) == (
        IPE, "Override for container named nope is not a container in the TaskDefinition.")
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=td, launchType="FARGATE",
                    capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
                    networkConfiguration=netcfg(subs)) == (
        IPE, "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.")
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=td,
                    capacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}],
                    networkConfiguration=netcfg(subs))[1].startswith(
        "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster.")
    ec2_only = ecs.register_task_definition(family="e", networkMode="bridge",
                                            containerDefinitions=[container(memory=128)])["taskDefinition"]["taskDefinitionArn"]
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition=ec2_only, launchType="FARGATE") == (
        IPE, "Task definition does not support launch_type FARGATE.")
    assert err_pair(run, ecs, "c1", td, subs[:1], tags=[{"key": "bad\x07", "value": "v"}]) == (
        IPE, "Some tags contain invalid characters.")
    # capacity provider strategy through the cluster
    ecs.put_cluster_capacity_providers(cluster="c1", capacityProviders=["FARGATE", "FARGATE_SPOT"],
                                       defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1}])
    t = ecs.run_task(cluster="c1", taskDefinition=td, networkConfiguration=netcfg(subs))["tasks"][0]
    assert t["launchType"] == "FARGATE"
    assert t["capacityProviderName"] == "FARGATE"


def test_cli_runtask_validation(env, cli):
    ec2, ecs, vid, subs, td = env
    stderr = cli.err("ecs", "run-task", "--cluster", "c1", "--task-definition", td, "--launch-type", "FARGATE",
                     code="InvalidParameterException")
    assert "Network Configuration must be provided when networkMode 'awsvpc' is specified." in stderr
    stderr = cli.err("ecs", "run-task", "--cluster", "c1", "--task-definition", td, "--launch-type", "FARGATE",
                     "--network-configuration", "awsvpcConfiguration={subnets=[subnet-0123456789abcdef0]}",
                     code="InvalidParameterException")
    assert ("Error retrieving subnet information for [subnet-0123456789abcdef0]: The subnet ID "
            "'subnet-0123456789abcdef0' does not exist (ErrorCode: InvalidSubnetID.NotFound)") in stderr
