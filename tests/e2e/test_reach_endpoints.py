"""Reachability through VPC endpoints and the platform-version split
(issue 4: N30, N40 item 3, N41, N42, N43): ECR over PrivateLink with and
without the S3 gateway endpoint, endpoint security groups, Secrets Manager,
SSM and CloudWatch Logs, PV 1.3.0 against 1.4.0."""

import ipaddress

import pytest

from ecs_support import setup_cluster
from reach_support import (APP, ASM, AUTH, ECR_IMAGE, EXEC, FARGATE_ENI, LAYERS, LOGS, LOGS_REASON, MANIFEST,
                           PARAM_ARN, SECRET_ARN, SSM, SSM_REASON, TASK_ENI, Net, asm_reason, assert_fails,
                           assert_layers_reason, assert_starts, ecr_auth_reason, explain_task, hop, launch,
                           manifest_reason, steps, taskdef, verdict)

LAYER_HOST = "prod-us-east-1-starport-layer-bucket.s3.us-east-1.amazonaws.com"
ECR_HOST = "123456789012.dkr.ecr.us-east-1.amazonaws.com"


def test_ecr_endpoints_without_s3_gateway_fail_at_layers(fresh, aws):
    """Scenario 5: ecr.api + ecr.dkr (private DNS, SG admitting 443) but no
    S3 gateway endpoint → auth and manifest go to the endpoints, the layers
    fail; the S3 gateway endpoint on the task's route table fixes it."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    eps = net.ecr_endpoints(s3=False)
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    auth, man = verdict(e, AUTH), verdict(e, MANIFEST)
    # private DNS answers with the endpoints' own addresses
    assert (auth["destination"], auth["address"]) == ("api.ecr.us-east-1.amazonaws.com", eps["api"]["ip"])
    assert (man["destination"], man["address"]) == (ECR_HOST, eps["dkr"]["ip"])
    for v, ep in ((auth, eps["api"]), (man, eps["dkr"])):
        assert v["status"] == "reachable"
        assert steps(v) == ["dns", "security-group-egress", "route", "endpoint-security-group", "endpoint"]
        assert hop(v, "dns")["resource"] == ep["id"] and ep["eni"] in hop(v, "dns")["note"]
        assert hop(v, "route")["note"] == "10.0.0.0/16 → local"
        assert hop(v, "endpoint-security-group")["resource"] == eps["sg"]
        assert hop(v, "endpoint")["resource"] == ep["eni"]
    layers = verdict(e, LAYERS)
    addr = layers["address"]
    v = assert_fails(t, e, LAYERS, "route", net.private_rt, fix_mentions="com.amazonaws.us-east-1.s3")
    assert "S3 gateway endpoint" in v["blocked"]["fix"] and net.private_rt in v["blocked"]["fix"]
    assert v["destination"] == LAYER_HOST
    assert_layers_reason(t["stoppedReason"], ECR_IMAGE, LAYER_HOST, addr)
    # the layer address is inside the S3 prefix list, so the gateway endpoint covers it
    pl = ec2.describe_prefix_lists(Filters=[{"Name": "prefix-list-name",
                                             "Values": ["com.amazonaws.us-east-1.s3"]}])["PrefixLists"][0]
    assert any(ipaddress.IPv4Address(addr) in ipaddress.IPv4Network(c) for c in pl["Cidrs"])
    # now add the S3 gateway endpoint on the task's route table
    gw = net.s3_gateway(net.private_rt)
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    layers = verdict(e, LAYERS)
    assert hop(layers, "route")["note"] == f"{pl['PrefixListId']} → {gw}"
    assert hop(layers, "gateway-endpoint")["resource"] == gw
    assert steps(layers)[-1] == "service"


def test_s3_gateway_on_another_route_table_does_not_help(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    net.ecr_endpoints(s3=False)
    net.s3_gateway(net.public_rt)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    assert_fails(t, explain_task(fresh, "c1", t["taskArn"]), LAYERS, "route", net.private_rt)


def test_endpoint_security_group_must_admit_443(fresh, aws):
    """Scenario 6: the endpoints' security group admits nothing."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    closed = net.security_group("closed")
    api = net.interface_endpoint("ecr.api", closed)
    net.interface_endpoint("ecr.dkr", closed)
    net.s3_gateway(net.private_rt)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "endpoint-security-group", closed, fix_mentions=f"--group-id {closed}",
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", api["ip"]))
    assert v["address"] == api["ip"]
    assert api["id"] in v["blocked"]["hop"]["note"]
    assert "--port 443" in v["blocked"]["fix"] and "10.0.0.0/16" in v["blocked"]["fix"]
    # admitting 443 from the task's security group (a group reference) fixes it
    ec2.authorize_security_group_ingress(GroupId=closed, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "UserIdGroupPairs": [{"GroupId": net.sg}]}])
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    assert_starts(t, explain_task(fresh, "c1", t["taskArn"]))


def test_endpoint_without_private_dns_is_not_used(fresh, aws):
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    sg = net.security_group("endpoints", ingress_443_from="10.0.0.0/16")
    net.interface_endpoint("ecr.api", sg, private_dns=False)
    net.interface_endpoint("ecr.dkr", sg)
    net.s3_gateway(net.private_rt)
    setup_cluster(ecs)
    t = launch(ecs, "c1", taskdef(ecs), net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    addr = verdict(e, AUTH)["address"]
    assert not ipaddress.IPv4Address(addr).is_private  # the public service address, not the endpoint
    assert_fails(t, e, AUTH, "route", net.private_rt, reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", addr))


def test_platform_1_3_0_uses_the_fargate_owned_eni(fresh, aws):
    """Scenario 9 (N30, N42): private subnet, no NAT, no endpoints. On 1.3.0
    ECR auth and secrets go over the Fargate-owned ENI and succeed; the image
    pull still needs the task ENI and fails. On 1.4.0 ECR auth fails first."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    setup_cluster(ecs)
    td = taskdef(ecs, secrets=[{"name": "DB", "valueFrom": SECRET_ARN}, {"name": "URL", "valueFrom": PARAM_ARN}])
    t = launch(ecs, "c1", td, net.private, pv="1.3.0")
    e = explain_task(fresh, "c1", t["taskArn"])
    assert e["platform_version"] == "1.3.0"
    assert [v["traffic"] for v in e["verdicts"]] == [AUTH, ASM, SSM, MANIFEST, LAYERS, APP]
    for label in (AUTH, ASM, SSM):
        v = verdict(e, label)
        assert (v["eni"], v["role"], v["status"], v["blocked"]) == (FARGATE_ENI, EXEC, "reachable", None)
        assert [h["step"] for h in v["path"]] == ["fargate-owned-eni"]
        assert v["path"][0]["resource"] == "Fargate" and "1.3.0" in v["path"][0]["note"]
    man = verdict(e, MANIFEST)
    v = assert_fails(t, e, MANIFEST, "route", net.private_rt,
                     reason=manifest_reason(ECR_IMAGE, ECR_HOST, "app/web", "1.2", man["address"]))
    assert v["eni"] == TASK_ENI
    # the same VPC on 1.4.0: the task ENI carries ECR auth, which fails first
    t = launch(ecs, "c1", td, net.private, pv="1.4.0")
    e = explain_task(fresh, "c1", t["taskArn"])
    for label in (AUTH, ASM, SSM, MANIFEST, LAYERS):
        assert verdict(e, label)["eni"] == TASK_ENI
    assert_fails(t, e, AUTH, "route", net.private_rt,
                 reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", verdict(e, AUTH)["address"]))
    # LATEST is 1.4.0
    t = launch(ecs, "c1", td, net.private, pv="LATEST")
    assert t["platformVersion"] == "1.4.0" and t["stoppedReason"].startswith(
        "ResourceInitializationError: unable to pull secrets or registry auth: The task cannot pull registry auth")


def test_without_ecr_api_endpoint_1_3_0_runs_and_1_4_0_fails(fresh, aws):
    """Scenario 9b (N42): only ecr.dkr + the S3 gateway endpoint."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    net.ecr_endpoints(api=False)
    setup_cluster(ecs)
    td = taskdef(ecs)
    t = launch(ecs, "c1", td, net.private, pv="1.3.0")
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    assert verdict(e, AUTH)["eni"] == FARGATE_ENI
    assert verdict(e, MANIFEST)["eni"] == TASK_ENI and "endpoint" in steps(verdict(e, MANIFEST))
    t = launch(ecs, "c1", td, net.private, pv="1.4.0")
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, AUTH, "route", net.private_rt, fix_mentions="com.amazonaws.us-east-1.ecr.api",
                     reason=ecr_auth_reason("api.ecr.us-east-1.amazonaws.com", verdict(e, AUTH)["address"]))
    assert v["eni"] == TASK_ENI
    # image pull would have worked
    assert verdict(e, MANIFEST)["status"] == verdict(e, LAYERS)["status"] == "reachable"


@pytest.mark.parametrize("kind", ["secretsmanager", "ssm"])
def test_secrets_need_a_path(fresh, aws, kind):
    """Scenario 10: ECR works over PrivateLink; the secret's service is not
    reachable → AWS's exact text; its interface endpoint fixes it."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    eps = net.ecr_endpoints()
    setup_cluster(ecs)
    arn = SECRET_ARN if kind == "secretsmanager" else PARAM_ARN
    td = taskdef(ecs, secrets=[{"name": "S", "valueFrom": arn}])
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    label, reason = (ASM, asm_reason(arn)) if kind == "secretsmanager" else (SSM, SSM_REASON)
    v = assert_fails(t, e, label, "route", net.private_rt, fix_mentions=f"com.amazonaws.us-east-1.{kind}",
                     reason=reason)
    assert v["destination"] == f"{kind}.us-east-1.amazonaws.com"
    assert v["subject"] == arn and v["container"] == "app"
    assert verdict(e, AUTH)["status"] == "reachable"
    # secrets are fetched before the image: manifest and layers are reachable but the task never gets there
    assert verdict(e, MANIFEST)["status"] == "reachable"
    ep = net.interface_endpoint(kind, eps["sg"])
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_starts(t, e)
    v = verdict(e, label)
    assert v["address"] == ep["ip"] and hop(v, "endpoint")["resource"] == ep["eni"]


def test_awslogs_needs_a_path_to_cloudwatch_logs(fresh, aws):
    """Scenario 11: awslogs with ECR over PrivateLink and no logs endpoint."""
    ec2, ecs = aws.ec2(), aws.ecs()
    net = Net(ec2)
    eps = net.ecr_endpoints()
    setup_cluster(ecs)
    td = taskdef(ecs, logConfiguration={"logDriver": "awslogs", "options": {
        "awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}})
    t = launch(ecs, "c1", td, net.private)
    e = explain_task(fresh, "c1", t["taskArn"])
    v = assert_fails(t, e, LOGS, "route", net.private_rt, fix_mentions="com.amazonaws.us-east-1.logs",
                     reason=LOGS_REASON)
    assert (v["role"], v["eni"], v["subject"], v["destination"]) == (
        EXEC, TASK_ENI, "/ecs/app", "logs.us-east-1.amazonaws.com")
    assert all(verdict(e, x)["status"] == "reachable" for x in (AUTH, MANIFEST, LAYERS))
    # PV 1.3.0 still sends logs over the task ENI (N42)
    t = launch(ecs, "c1", td, net.private, pv="1.3.0")
    e = explain_task(fresh, "c1", t["taskArn"])
    assert_fails(t, e, LOGS, "route", net.private_rt, reason=LOGS_REASON)
    net.interface_endpoint("logs", eps["sg"])
    t = launch(ecs, "c1", td, net.private)
    assert_starts(t, explain_task(fresh, "c1", t["taskArn"]))
