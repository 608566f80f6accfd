"""ECS fidelity (issue 14): UpdateCluster, task definition references whose
revision is not a number, and the order AWS checks a task definition in.
Texts and sources: docs/reference/ecs-error-texts.md §1–§3."""

from ecs_support import ACCOUNT, container, err_pair, make_vpc, netcfg, register

EXEC_LOG = {
    "executeCommandConfiguration": {
        "kmsKeyId": "arn:aws:kms:us-east-1:123456789012:key/k1",
        "logging": "OVERRIDE",
        "logConfiguration": {"cloudWatchLogGroupName": "exec", "cloudWatchEncryptionEnabled": True},
    }
}


def test_update_cluster_settings_configuration_and_service_connect(fresh, aws):
    ecs = aws.ecs()
    ecs.create_cluster(clusterName="c1")
    out = ecs.update_cluster(
        cluster="c1",
        settings=[{"name": "containerInsights", "value": "enhanced"}],
        configuration=EXEC_LOG,
        serviceConnectDefaults={"namespace": "internal"},
    )["cluster"]
    assert out["clusterName"] == "c1" and out["status"] == "ACTIVE"
    assert out["settings"] == [{"name": "containerInsights", "value": "enhanced"}]
    assert out["configuration"] == EXEC_LOG
    ns = out["serviceConnectDefaults"]["namespace"]
    prefix = f"arn:aws:servicediscovery:us-east-1:{ACCOUNT}:namespace/ns-"
    assert ns.startswith(prefix) and len(ns) == len(prefix) + 16, ns

    # Describe shows the configuration only when asked for it; the
    # namespace is the same ARN on every read.
    plain = ecs.describe_clusters(clusters=["c1"])["clusters"][0]
    assert "configuration" not in plain
    assert plain["serviceConnectDefaults"] == {"namespace": ns}
    full = ecs.describe_clusters(clusters=["c1"], include=["CONFIGURATIONS"])["clusters"][0]
    assert full["configuration"] == EXEC_LOG

    # Settings alone leave the configuration; an empty namespace removes
    # the Service Connect default.
    out = ecs.update_cluster(cluster="c1", settings=[{"name": "containerInsights", "value": "disabled"}])["cluster"]
    assert out["configuration"] == EXEC_LOG and out["serviceConnectDefaults"] == {"namespace": ns}
    out = ecs.update_cluster(cluster="c1", serviceConnectDefaults={"namespace": ""})["cluster"]
    assert "serviceConnectDefaults" not in out
    assert out["settings"] == [{"name": "containerInsights", "value": "disabled"}]


def test_update_cluster_errors_leave_the_cluster_as_it_was(fresh, aws):
    ecs = aws.ecs()
    ecs.create_cluster(clusterName="c1")
    before = ecs.describe_clusters(clusters=["c1"], include=["CONFIGURATIONS", "SETTINGS"])["clusters"][0]
    bad_log = {"executeCommandConfiguration": {"logging": "DEFAULT",
                                               "logConfiguration": {"s3BucketName": "b"}}}
    assert err_pair(ecs.update_cluster, cluster="c1", configuration=bad_log,
                    settings=[{"name": "containerInsights", "value": "enabled"}]) == (
        "InvalidParameterException",
        "You must set logging to 'OVERRIDE' when you supply a log configuration")
    assert err_pair(ecs.update_cluster, cluster="c1",
                    configuration={"executeCommandConfiguration": {"logging": "LOUD"}}) == (
        "ClientException",
        "Invalid value 'LOUD' for executeCommandConfiguration.logging. Valid values: NONE, DEFAULT, OVERRIDE.")
    assert err_pair(ecs.update_cluster, cluster="c1",
                    settings=[{"name": "insights", "value": "enabled"}]) == (
        "InvalidParameterException", "Invalid cluster setting name: insights")
    assert err_pair(ecs.update_cluster, cluster="nope",
                    settings=[{"name": "containerInsights", "value": "enabled"}]) == (
        "ClusterNotFoundException", "Cluster not found.")
    after = ecs.describe_clusters(clusters=["c1"], include=["CONFIGURATIONS", "SETTINGS"])["clusters"][0]
    assert after == before
    # CreateCluster checks the configuration the same way.
    assert err_pair(ecs.create_cluster, clusterName="c2", configuration=bad_log)[1] == (
        "You must set logging to 'OVERRIDE' when you supply a log configuration")
    assert ecs.describe_clusters(clusters=["c2"])["failures"][0]["reason"] == "MISSING"


def test_update_cluster_with_the_cli(fresh, cli):
    cli.ok("ecs", "create-cluster", "--cluster-name", "c1")
    out = cli.ok("ecs", "update-cluster", "--cluster", "c1",
                 "--settings", "name=containerInsights,value=enabled")["cluster"]
    assert out["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_revision_that_is_not_a_number(fresh, aws):
    ecs = aws.ecs()
    register(ecs, family="web")
    for ref in ["web:latest", "web:", f"arn:aws:ecs:us-east-1:{ACCOUNT}:task-definition/web:x1"]:
        rev = ref.rsplit(":", 1)[1]
        expected = ("InvalidParameterException", f"Invalid revision number. Number: {rev}")
        assert err_pair(ecs.deregister_task_definition, taskDefinition=ref) == expected
        assert err_pair(ecs.describe_task_definition, taskDefinition=ref) == expected
    # A bare family cannot be deregistered: the revision is required.
    assert err_pair(ecs.deregister_task_definition, taskDefinition="web") == (
        "ClientException", "Revision is missing.")
    assert ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]["status"] == "ACTIVE"


def test_runtask_with_a_revision_that_is_not_a_number(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    _, subnets = make_vpc(ec2)
    ecs.create_cluster(clusterName="c1")
    register(ecs, family="web")
    assert err_pair(ecs.run_task, cluster="c1", taskDefinition="web:latest", launchType="FARGATE",
                    networkConfiguration=netcfg(subnets)) == (
        "InvalidParameterException", "Invalid revision number. Number: latest")
    assert ecs.list_tasks(cluster="c1")["taskArns"] == []


def test_a_container_without_a_name_is_reported_before_the_network_mode(fresh, aws):
    ecs = aws.ecs()
    nameless = {"image": "nginx", "essential": True}
    assert err_pair(ecs.register_task_definition, family="f", requiresCompatibilities=["FARGATE"],
                    cpu="256", memory="512", containerDefinitions=[nameless]) == (
        "ClientException", "Container.name should not be null or empty.")
    assert err_pair(ecs.register_task_definition, family="f", requiresCompatibilities=["FARGATE"],
                    cpu="256", memory="512", containerDefinitions=[container(image="")]) == (
        "ClientException", "Container.image should not be null or empty.")
    # With names and images in order, the network mode is what is wrong (N1).
    assert err_pair(ecs.register_task_definition, family="f", requiresCompatibilities=["FARGATE"],
                    cpu="256", memory="512", containerDefinitions=[container()]) == (
        "ClientException", "Fargate only supports network mode \u2018awsvpc\u2019.")
    assert ecs.list_task_definitions()["taskDefinitionArns"] == []
