"""Accounts (LocalStack's convention): a request whose access key id is a
12-digit number acts in that account, and accounts share nothing. The
default account stays 123456789012. Signatures are not verified here (see
test_sigv4.py for that); a key made with CreateAccessKey still acts as its
owner.
"""

from __future__ import annotations

import botocore.exceptions
import pytest

from ecs_support import err, make_vpc, register, run_one, setup_cluster, wait_status
from harness import AwsCli, AwsClients, TasknetServer

A, B, DEFAULT = "111111111111", "222222222222", "123456789012"
TRUST = ('{"Version":"2012-10-17","Statement":[{"Effect":"Allow",'
         '"Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}')


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    s = TasknetServer(data_dir=tmp_path_factory.mktemp("accounts"))
    s.start()
    try:
        yield s
    finally:
        s.stop(check=True)


def clients(srv, key) -> AwsClients:
    return AwsClients(srv.url, access_key=key, secret_key="anything")


@pytest.fixture(scope="module")
def a(srv):
    return clients(srv, A)


@pytest.fixture(scope="module")
def b(srv):
    return clients(srv, B)


@pytest.fixture(scope="module")
def world_a(a):
    """What account A built: a VPC with a subnet and a security group, a
    cluster, a task definition, a running task and an IAM role."""
    ec2, ecs = a.ec2(), a.ecs()
    vid, subs = make_vpc(ec2, cidr="10.7.0.0/16", subnets=("10.7.1.0/24",))
    sub = subs[0]["SubnetId"]
    sg = ec2.create_security_group(GroupName="web", Description="web", VpcId=vid)["GroupId"]
    cluster = setup_cluster(ecs, "shared-name")
    td = register(ecs, family="shared-family")
    task = run_one(ecs, "shared-name", td["taskDefinitionArn"], [sub], sgs=[sg])
    task = wait_status(ecs, "shared-name", task["taskArn"], "RUNNING")
    role = a.iam().create_role(RoleName="shared-role", AssumeRolePolicyDocument=TRUST)["Role"]
    return {"vpc": vid, "subnet": sub, "sg": sg, "cluster": cluster, "td": td, "task": task, "role": role}


def code(call, *args, **kwargs) -> str:
    return err(call, *args, **kwargs)["Code"]


def default_vpc(ec2) -> dict:
    return ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]


def test_caller_identity_names_the_account(srv, a, b):
    for clients_, account in ((a, A), (b, B), (AwsClients(srv.url), DEFAULT)):
        ident = clients_.sts().get_caller_identity()
        assert (ident["Account"], ident["UserId"], ident["Arn"]) == (
            account, account, f"arn:aws:iam::{account}:root")


def test_each_account_has_its_own_default_vpc(srv, a, b):
    va, vb = default_vpc(a.ec2()), default_vpc(b.ec2())
    vd = default_vpc(AwsClients(srv.url).ec2())
    assert len({va["VpcId"], vb["VpcId"], vd["VpcId"]}) == 3
    assert (va["OwnerId"], vb["OwnerId"], vd["OwnerId"]) == (A, B, DEFAULT)
    # Each the fresh-account default: 172.31.0.0/16 with its default security group.
    for c, v in ((a, va), (b, vb)):
        assert v["CidrBlock"] == "172.31.0.0/16"
        sg = c.ec2().describe_security_groups(Filters=[
            {"Name": "vpc-id", "Values": [v["VpcId"]]}, {"Name": "group-name", "Values": ["default"]}])
        assert len(sg["SecurityGroups"]) == 1
    # Another Region of an account is fresh too.
    assert default_vpc(b.ec2("eu-west-1"))["OwnerId"] == B


def test_arns_and_owners_carry_the_account(a, world_a):
    ec2 = a.ec2()
    assert ec2.describe_vpcs(VpcIds=[world_a["vpc"]])["Vpcs"][0]["OwnerId"] == A
    assert ec2.describe_subnets(SubnetIds=[world_a["subnet"]])["Subnets"][0]["OwnerId"] == A
    assert ec2.describe_security_groups(GroupIds=[world_a["sg"]])["SecurityGroups"][0]["OwnerId"] == A
    assert world_a["cluster"] == f"arn:aws:ecs:us-east-1:{A}:cluster/shared-name"
    assert world_a["td"]["taskDefinitionArn"] == f"arn:aws:ecs:us-east-1:{A}:task-definition/shared-family:1"
    task = world_a["task"]
    assert task["taskArn"].startswith(f"arn:aws:ecs:us-east-1:{A}:task/shared-name/")
    assert task["clusterArn"] == world_a["cluster"]
    eni_id = next(d["value"] for d in task["attachments"][0]["details"] if d["name"] == "networkInterfaceId")
    eni = ec2.describe_network_interfaces(NetworkInterfaceIds=[eni_id])["NetworkInterfaces"][0]
    assert eni["OwnerId"] == A
    assert world_a["role"]["Arn"] == f"arn:aws:iam::{A}:role/shared-role"


def test_nothing_of_a_is_visible_from_b(b, world_a):
    ec2, ecs, iam = b.ec2(), b.ecs(), b.iam()
    # Lists do not show it.
    vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]}
    assert world_a["vpc"] not in vpcs and len(vpcs) == 1
    assert world_a["subnet"] not in {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]}
    assert world_a["sg"] not in {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert all(e["OwnerId"] == B for e in ec2.describe_network_interfaces()["NetworkInterfaces"])
    assert ecs.list_clusters()["clusterArns"] == []
    assert ecs.list_task_definitions()["taskDefinitionArns"] == []
    assert ecs.list_task_definition_families()["families"] == []
    assert "shared-role" not in {r["RoleName"] for r in iam.list_roles()["Roles"]}
    # Lookups by id or name answer as for something that does not exist.
    assert code(ec2.describe_vpcs, VpcIds=[world_a["vpc"]]) == "InvalidVpcID.NotFound"
    assert code(ec2.describe_subnets, SubnetIds=[world_a["subnet"]]) == "InvalidSubnetID.NotFound"
    assert code(ec2.describe_security_groups, GroupIds=[world_a["sg"]]) == "InvalidGroup.NotFound"
    assert code(ec2.delete_vpc, VpcId=world_a["vpc"]) == "InvalidVpcID.NotFound"
    got = ecs.describe_clusters(clusters=["shared-name", world_a["cluster"]])
    assert got["clusters"] == [] and {f["reason"] for f in got["failures"]} == {"MISSING"}
    assert code(ecs.describe_task_definition, taskDefinition="shared-family") == "ClientException"
    assert code(ecs.describe_task_definition,
                taskDefinition=world_a["td"]["taskDefinitionArn"]) == "ClientException"
    assert code(ecs.list_tasks, cluster="shared-name") == "ClusterNotFoundException"
    task_arn = world_a["task"]["taskArn"]
    task_id = task_arn.rsplit("/", 1)[1]
    assert code(ecs.describe_tasks, cluster="shared-name", tasks=[task_id]) == "ClusterNotFoundException"
    assert code(ecs.stop_task, cluster="shared-name", task=task_id) == "ClusterNotFoundException"
    # A's ARN names another account: not one B can use.
    assert code(ecs.describe_tasks, cluster="shared-name", tasks=[task_arn]) == "InvalidParameterException"
    assert code(ecs.stop_task, cluster="shared-name", task=task_arn) == "InvalidParameterException"
    e = err(iam.get_role, RoleName="shared-role")
    assert (e["Code"], e["Message"]) == ("NoSuchEntity", "The role with name shared-role cannot be found.")


def test_b_cannot_use_a_subnet_of_a(b, world_a):
    """B, with a cluster and task definition of the same names as A's, cannot
    launch into A's subnet: for B it does not exist."""
    ecs = b.ecs()
    arn = setup_cluster(ecs, "shared-name")
    assert arn == f"arn:aws:ecs:us-east-1:{B}:cluster/shared-name"
    td = register(ecs, family="shared-family")
    assert td["revision"] == 1, "B's family starts at revision 1, whatever A did"
    with pytest.raises(botocore.exceptions.ClientError) as e:
        ecs.run_task(cluster="shared-name", taskDefinition="shared-family", launchType="FARGATE",
                     networkConfiguration={"awsvpcConfiguration": {"subnets": [world_a["subnet"]]}})
    error = e.value.response["Error"]
    assert error["Code"] == "InvalidParameterException"
    assert f"The subnet ID '{world_a['subnet']}' does not exist" in error["Message"]
    # A's task is untouched and still A's alone.
    assert ecs.list_tasks(cluster="shared-name")["taskArns"] == []
    # The same names in B are B's own: a role and a security group.
    role = b.iam().create_role(RoleName="shared-role", AssumeRolePolicyDocument=TRUST)["Role"]
    assert role["Arn"] == f"arn:aws:iam::{B}:role/shared-role"
    vpc_b = default_vpc(b.ec2())["VpcId"]
    sg = b.ec2().create_security_group(GroupName="web", Description="web", VpcId=vpc_b)["GroupId"]
    assert sg != world_a["sg"]


def test_a_key_made_in_an_account_acts_in_it(srv, a, b):
    """Without verification, a key from CreateAccessKey still acts as its
    owner (its account and user); an inactive one is refused."""
    iam = a.iam()
    user = iam.create_user(UserName="dev", Path="/team/")["User"]
    assert user["Arn"] == f"arn:aws:iam::{A}:user/team/dev"
    key = iam.create_access_key(UserName="dev")["AccessKey"]
    as_user = AwsClients(srv.url, access_key=key["AccessKeyId"], secret_key="not checked")
    ident = as_user.sts().get_caller_identity()
    assert (ident["Account"], ident["Arn"], ident["UserId"]) == (A, user["Arn"], user["UserId"])
    # The user sees A's things.
    assert as_user.iam().get_user()["User"]["UserName"] == "dev"
    # B has no such user, and A's key id is nothing to B.
    e = err(b.iam().get_user, UserName="dev")
    assert (e["Code"], e["Message"]) == ("NoSuchEntity", "The user with name dev cannot be found.")
    assert err(b.iam().update_access_key, UserName="dev", AccessKeyId=key["AccessKeyId"],
               Status="Inactive")["Code"] == "NoSuchEntity"
    iam.update_access_key(UserName="dev", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    e = err(as_user.sts().get_caller_identity)
    assert (e["Code"], e["Message"]) == ("InvalidClientTokenId",
                                         "The security token included in the request is invalid.")
    assert err(as_user.ec2().describe_vpcs)["Code"] == "AuthFailure"
    assert err(as_user.ecs().list_clusters)["Code"] == "UnrecognizedClientException"
    iam.delete_access_key(UserName="dev", AccessKeyId=key["AccessKeyId"])
    iam.delete_user(UserName="dev")


def test_aws_cli_acts_in_the_account_of_its_key(srv, world_a):
    cli_a = AwsCli(srv.url, access_key=A, secret_key="x")
    cli_b = AwsCli(srv.url, access_key=B, secret_key="x")
    assert cli_a.ok("sts", "get-caller-identity")["Account"] == A
    assert cli_b.ok("sts", "get-caller-identity")["Account"] == B
    vpcs_a = {v["VpcId"] for v in cli_a.ok("ec2", "describe-vpcs")["Vpcs"]}
    assert world_a["vpc"] in vpcs_a
    cli_b.err("ec2", "describe-vpcs", "--vpc-ids", world_a["vpc"], code="InvalidVpcID.NotFound")
    assert cli_a.ok("ecs", "list-clusters")["clusterArns"] == [world_a["cluster"]]
    assert world_a["cluster"] not in cli_b.ok("ecs", "list-clusters")["clusterArns"]


def test_accounts_stay_apart_after_a_restart(srv, a, b, world_a):
    before_a = {v["VpcId"] for v in a.ec2().describe_vpcs()["Vpcs"]}
    before_b = {v["VpcId"] for v in b.ec2().describe_vpcs()["Vpcs"]}
    clusters_b = b.ecs().list_clusters()["clusterArns"]
    srv.restart()
    assert {v["VpcId"] for v in a.ec2().describe_vpcs()["Vpcs"]} == before_a
    assert {v["VpcId"] for v in b.ec2().describe_vpcs()["Vpcs"]} == before_b
    assert a.ec2().describe_subnets(SubnetIds=[world_a["subnet"]])["Subnets"][0]["OwnerId"] == A
    assert code(b.ec2().describe_subnets, SubnetIds=[world_a["subnet"]]) == "InvalidSubnetID.NotFound"
    task = a.ecs().describe_tasks(cluster="shared-name", tasks=[world_a["task"]["taskArn"]])["tasks"][0]
    assert task["lastStatus"] == "RUNNING"
    assert b.ecs().list_clusters()["clusterArns"] == clusters_b
    assert b.ecs().list_tasks(cluster="shared-name")["taskArns"] == []
    assert a.iam().get_role(RoleName="shared-role")["Role"]["Arn"] == f"arn:aws:iam::{A}:role/shared-role"
    assert b.iam().get_role(RoleName="shared-role")["Role"]["Arn"] == f"arn:aws:iam::{B}:role/shared-role"
    assert a.sts().get_caller_identity()["Account"] == A
    # The default account is still the default.
    assert AwsClients(srv.url).sts().get_caller_identity()["Account"] == DEFAULT
