"""Verdicts and packets agree (issue 13, N30, N40–N43, N70–N72): one running
task whose launch needs ECR (auth, manifest, layers), CloudWatch Logs,
Secrets Manager and SSM; the network around it is changed scenario by
scenario (routes, interface endpoints with their security groups and ACLs,
the S3 gateway endpoint, DNS, the task's own egress), and after each
change every `explain` verdict is compared with a TCP connect to the same
name on 443 from inside the task's namespace: it connects exactly when
the verdict is `reachable`, and to the address the verdict names."""

from __future__ import annotations

import json
import time

import pytest

from dataplane_support import host_netns, skip_unless_runnable, start_server, texec, wait_in_sync, wait_status
from ecs_support import EXEC_ROLE, container, register, run_one
from harness import AwsClients
from reach_support import (
    AUTH, ECR_IMAGE, LAUNCH_TRAFFIC, LAYERS, MANIFEST, PARAM_ARN, SECRET_ARN, Net, explain_task,
)

pytestmark = [pytest.mark.dataplane, skip_unless_runnable]

# From inside the task: resolve each name through the VPC resolver (IPv4,
# or IPv6 with `-6`) and connect to 443, all at once; print
# {name: [address or null, connected]}.
PROBE = """
import json, socket, sys, threading
out = {}
family = socket.AF_INET6 if sys.argv[1] == "-6" else socket.AF_INET
def probe(h):
    try:
        a = socket.getaddrinfo(h, 443, family, socket.SOCK_STREAM)[0][4][0]
    except OSError:
        out[h] = [None, False]; return
    try:
        socket.create_connection((a, 443), timeout=1.5).close(); out[h] = [a, True]
    except OSError:
        out[h] = [a, False]
ts = [threading.Thread(target=probe, args=(h,)) for h in sys.argv[2:]]
[t.start() for t in ts]; [t.join() for t in ts]
print(json.dumps(out))
"""


def compare(srv, task_arn: str, family: str = "-4") -> set[str]:
    """Explain the task, probe every destination its launch needs, assert
    they agree; return the traffic that is reachable."""
    wait_in_sync(srv)
    e = explain_task(srv, "dp", task_arn)
    verdicts = [v for v in e["verdicts"] if v["traffic"] in LAUNCH_TRAFFIC]
    assert {v["traffic"] for v in verdicts} == LAUNCH_TRAFFIC, [v["traffic"] for v in e["verdicts"]]
    hosts = sorted({v["destination"] for v in verdicts})
    r = texec(srv, task_arn, "env", "RES_OPTIONS=timeout:1 attempts:1", "python3", "-c", PROBE, family, *hosts)
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    reachable = set()
    for v in verdicts:
        addr, connected = got[v["destination"]]
        assert connected == (v["status"] == "reachable"), (v["traffic"], v["destination"], addr, v["status"],
                                                           v.get("blocked"))
        if addr is not None:
            assert addr == v["address"], (v["traffic"], addr, v["address"])
        if connected:
            reachable.add(v["traffic"])
    return reachable


def launch_taskdef(ecs) -> str:
    """A task definition whose launch needs ECR (auth, manifest, layers),
    CloudWatch Logs, Secrets Manager and SSM."""
    return register(ecs, family="app", executionRoleArn=EXEC_ROLE, containers=[container(
        name="app", image=ECR_IMAGE,
        logConfiguration={"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/app", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "app"}},
        secrets=[{"name": "A", "valueFrom": SECRET_ARN}, {"name": "B", "valueFrom": PARAM_ARN}])],
    )["taskDefinitionArn"]


def test_explain_verdicts_equal_tcp_connects_from_the_task(tmp_path):
    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    try:
        aws = AwsClients(srv.url)
        ec2, ecs = aws.ec2(), aws.ecs()
        net = Net(ec2)
        ecs.create_cluster(clusterName="dp")
        td = launch_taskdef(ecs)
        arn = run_one(ecs, "dp", td, [net.public], sgs=[net.sg], public="ENABLED")["taskArn"]
        wait_status(aws, [arn], {"RUNNING"})
        everything = set(LAUNCH_TRAFFIC)

        # 1. A public subnet with a public IP: everything through the internet gateway.
        assert compare(srv, arn) == everything
        # 2. The route to the internet gateway taken away: nothing.
        ec2.delete_route(RouteTableId=net.public_rt, DestinationCidrBlock="0.0.0.0/0")
        assert compare(srv, arn) == set()
        # 3. ECR over PrivateLink (endpoints in the other subnet): auth and
        # manifest, but the layers come from S3.
        eps = net.ecr_endpoints(s3=False)
        assert compare(srv, arn) == {AUTH, MANIFEST}
        # 4. The S3 gateway endpoint on the task's route table: layers too.
        net.s3_gateway(net.public_rt)
        assert compare(srv, arn) == {AUTH, MANIFEST, LAYERS}
        # 5. Logs, Secrets Manager and SSM endpoints: everything again.
        for s in ("logs", "secretsmanager", "ssm"):
            net.interface_endpoint(s, eps["sg"])
        assert compare(srv, arn) == everything
        # 6. The endpoints' security group no longer admits 443: only S3.
        perm = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "IpRanges": [{"CidrIp": "10.0.0.0/16"}]}]
        ec2.revoke_security_group_ingress(GroupId=eps["sg"], IpPermissions=perm)
        assert compare(srv, arn) == {LAYERS}
        ec2.authorize_security_group_ingress(GroupId=eps["sg"], IpPermissions=perm)
        assert compare(srv, arn) == everything
        # 7. The endpoints' subnet's ACL denies 443 in: only S3. Then its
        # replies out are denied instead (stateless): still only S3.
        acl = ec2.create_network_acl(VpcId=net.vpc)["NetworkAcl"]["NetworkAclId"]
        for egress, action, rule in ((False, "deny", 100), (False, "allow", 200), (True, "allow", 200)):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=rule, Protocol="-1" if rule == 200 else "6",
                                         RuleAction=action, Egress=egress, CidrBlock="0.0.0.0/0",
                                         **({} if rule == 200 else {"PortRange": {"From": 443, "To": 443}}))
        assoc = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                                "Values": [net.private]}])["NetworkAcls"][0]
                 ["Associations"] if a["SubnetId"] == net.private][0]["NetworkAclAssociationId"]
        assoc = ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=acl)["NewAssociationId"]
        assert compare(srv, arn) == {LAYERS}
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=False)
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="deny",
                                     Egress=True, CidrBlock="0.0.0.0/0", PortRange={"From": 1024, "To": 65535})
        assert compare(srv, arn) == {LAYERS}
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=True)
        assert compare(srv, arn) == everything
        # 8. The internet gateway route back: the endpoints still answer
        # their names (private DNS), the rest goes out by the gateway.
        net.route(net.public_rt, "0.0.0.0/0", GatewayId=net.igw)
        assert compare(srv, arn) == everything
        # 9. The task's own security group sends nothing out: nothing.
        egress = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
        ec2.revoke_security_group_egress(GroupId=net.sg, IpPermissions=egress)
        assert compare(srv, arn) == set()
        ec2.authorize_security_group_egress(GroupId=net.sg, IpPermissions=egress)
        assert compare(srv, arn) == everything
        # 10. DNS resolution off in the VPC: no name resolves, nothing.
        ec2.modify_vpc_attribute(VpcId=net.vpc, EnableDnsSupport={"Value": False})
        t0 = time.monotonic()
        assert compare(srv, arn) == set()
        assert time.monotonic() - t0 < 20
    finally:
        srv.stop(check=True)
    assert host_netns() == []


def test_an_ipv6_only_tasks_verdicts_equal_tcp_connects_through_dns64_and_nat64(tmp_path):
    """N14: an IPv6-only task in a DNS64 subnet reaches the IPv4-only names
    its launch needs (the classic ECR URI, S3, logs, Secrets Manager, SSM)
    through NAT64 at a public NAT gateway; without the NAT64 route, without
    DNS64, or with the task's egress gone, it reaches none, and explain
    says so each time, at the address it resolved."""
    from ecs_support import ipv6_only_subnet, main_route_table, make_vpc

    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    try:
        aws = AwsClients(srv.url)
        ec2, ecs = aws.ec2(), aws.ecs()
        vid, _ = make_vpc(ec2, cidr="10.83.0.0/16", subnets=(), ipv6=True)
        subnet = ipv6_only_subnet(ec2, vid, index=5)["SubnetId"]
        [nat] = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vid]}])["NatGateways"]
        ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat["NatGatewayId"]],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        sg = ec2.create_security_group(VpcId=vid, GroupName="app", Description="app")["GroupId"]
        ecs.create_cluster(clusterName="dp")
        td = launch_taskdef(ecs)
        arn = run_one(ecs, "dp", td, [subnet], sgs=[sg], public="DISABLED")["taskArn"]
        wait_status(aws, [arn], {"RUNNING"})
        everything = set(LAUNCH_TRAFFIC)
        main = main_route_table(ec2, vid)

        # 1. DNS64 and a NAT64 route: every IPv4-only name through NAT64.
        assert compare(srv, arn, "-6") == everything
        # 2. No NAT64 route: the DNS64 addresses go nowhere.
        ec2.delete_route(RouteTableId=main, DestinationIpv6CidrBlock="64:ff9b::/96")
        assert compare(srv, arn, "-6") == set()
        ec2.create_route(RouteTableId=main, DestinationIpv6CidrBlock="64:ff9b::/96",
                         NatGatewayId=nat["NatGatewayId"])
        assert compare(srv, arn, "-6") == everything
        # 3. DNS64 off: the names have no IPv6 address.
        ec2.modify_subnet_attribute(SubnetId=subnet, EnableDns64={"Value": False})
        assert compare(srv, arn, "-6") == set()
        ec2.modify_subnet_attribute(SubnetId=subnet, EnableDns64={"Value": True})
        assert compare(srv, arn, "-6") == everything
        # 4. The task's group lets nothing out, then only 443 to the
        # NAT64 prefix: nothing, then everything.
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissionsEgress"]
        ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=perms)
        assert compare(srv, arn, "-6") == set()
        ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "64:ff9b::/96"}]}])
        assert compare(srv, arn, "-6") == everything
        # 5. The NAT gateway's subnet's ACL: 443 out to the internet denied,
        # then the task's subnet denied in instead (IPv6, stateless).
        acl = ec2.create_network_acl(VpcId=vid)["NetworkAcl"]["NetworkAclId"]
        entries = [(True, 100, "deny", {"CidrBlock": "0.0.0.0/0", "Protocol": "6",
                                        "PortRange": {"From": 443, "To": 443}})]
        for egress in (False, True):
            entries += [(egress, 200, "allow", {"CidrBlock": "0.0.0.0/0", "Protocol": "-1"}),
                        (egress, 201, "allow", {"Ipv6CidrBlock": "::/0", "Protocol": "-1"})]
        for egress, rule, action, kw in entries:
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=rule, RuleAction=action, Egress=egress, **kw)
        nat_subnet = nat["SubnetId"]
        [old] = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                               "Values": [nat_subnet]}])["NetworkAcls"][0]
                 ["Associations"] if a["SubnetId"] == nat_subnet]
        assoc = ec2.replace_network_acl_association(AssociationId=old["NetworkAclAssociationId"],
                                                    NetworkAclId=acl)["NewAssociationId"]
        assert compare(srv, arn, "-6") == set()
        six = ec2.describe_subnets(SubnetIds=[subnet])["Subnets"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=True)
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="deny",
                                     Egress=False, Ipv6CidrBlock=six)
        assert compare(srv, arn, "-6") == set()
        ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=old["NetworkAclId"])
        assert compare(srv, arn, "-6") == everything
    finally:
        srv.stop(check=True)
    assert host_netns() == []
