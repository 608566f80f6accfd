"""Security groups (stateful) and network ACLs (stateless) in the fabric's
nftables (N71), live: a rule taken away through the API stops new
connections within moments, and `tasknet explain --to` names the rule that
is missing; the verdict and the packets agree."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from dataplane_support import (
    cluster_and_taskdef, details, explain_to, host_netns, public_vpc, run, run_task,
    skip_unless_runnable, start_server, texec, texec_bg, wait_http, wait_status,
)
from harness import AwsClients, tasknet_binary

pytestmark = [pytest.mark.dataplane, skip_unless_runnable]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """One server, a VPC of two subnets, task A (runs a web server on 8080)
    in the first and task B in the second, both in security group `app`."""
    assert host_netns() == []
    srv = start_server(tmp_path_factory.mktemp("dp-security"))
    aws = AwsClients(srv.url)
    v = public_vpc(aws)
    cluster_and_taskdef(aws)
    a = run_task(aws, v.subnets[0], [v.sg])
    b = run_task(aws, v.subnets[1], [v.sg])
    a, b = wait_status(aws, [a["taskArn"], b["taskArn"]], {"RUNNING"})
    web = texec_bg(srv, a["taskArn"], "python3", "-m", "http.server", "8080")
    ip_a = details(a)["privateIPv4Address"]
    wait_http(srv, b["taskArn"], f"http://{ip_a}:8080/")
    try:
        yield srv, aws, v, a, b, ip_a
    finally:
        os.killpg(web.pid, signal.SIGKILL)
        web.wait()
        srv.stop(check=True)
        assert host_netns() == []


def curl(srv, task, url, timeout="2") -> subprocess.CompletedProcess:
    return texec(srv, task["taskArn"], "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                 "-m", timeout, url)


def wait_blocked(srv, task, url, limit=5.0) -> float:
    """Seconds until a new connection to `url` fails."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if curl(srv, task, url, timeout="0.3").stdout != "200":
            return time.monotonic() - t0
    raise AssertionError(f"{url} still answers after {limit}s")


def wait_open(srv, task, url, limit=5.0) -> float:
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if curl(srv, task, url, timeout="0.5").stdout == "200":
            return time.monotonic() - t0
    raise AssertionError(f"{url} never answered within {limit}s")


def fabric_ruleset(v) -> str:
    [fabric] = [n for n in host_netns() if n.startswith("tasknet-vpc-")]
    return run("ip", "netns", "exec", fabric, "nft", "list", "table", "inet", "vpc").stdout


def test_revoked_rule_times_out_and_explain_names_it(world):
    srv, aws, v, a, b, ip_a = world
    url = f"http://{ip_a}:8080/"
    assert curl(srv, b, url).stdout == "200"
    e = explain_to(srv, b, ip_a, 8080)
    assert e["status"] == "reachable", e
    perm = [{"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "IpRanges": [{"CidrIp": "10.77.0.0/16"}]}]
    aws.ec2().revoke_security_group_ingress(GroupId=v.sg, IpPermissions=perm)
    took = wait_blocked(srv, b, url)
    print(f"\nsecurity group revoke reached packets in {took * 1000:.0f} ms (incl. curl)")
    r = curl(srv, b, url, timeout="2")
    assert r.returncode == 28, (r.returncode, r.stdout)  # curl: operation timed out
    e = explain_to(srv, b, ip_a, 8080)
    assert e["status"] == "unreachable"
    assert e["blocked"]["hop"]["step"] == "security-group-ingress"
    assert v.sg in e["blocked"]["hop"]["resource"]
    assert "authorize-security-group-ingress" in e["blocked"]["fix"] and "--port 8080" in e["blocked"]["fix"]
    # The table form, as a person reads it.
    r = subprocess.run([str(tasknet_binary()), "explain", "--endpoint", srv.url, "--cluster", "dp",
                        "--task", b["taskArn"], "--to", ip_a, "--port", "8080"],
                       capture_output=True, text=True, timeout=30)
    assert "Verdict: UNREACHABLE" in r.stdout and "missing: security-group-ingress" in r.stdout, r.stdout
    # Put back by reference to the source's group: SG-to-SG rules work on packets too.
    aws.ec2().authorize_security_group_ingress(GroupId=v.sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": v.sg}]}])
    wait_open(srv, b, url)
    assert explain_to(srv, b, ip_a, 8080)["status"] == "reachable"
    aws.ec2().revoke_security_group_ingress(GroupId=v.sg, IpPermissions=[{
        "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": v.sg}]}])
    wait_blocked(srv, b, url)
    aws.ec2().authorize_security_group_ingress(GroupId=v.sg, IpPermissions=perm)
    wait_open(srv, b, url)


def test_egress_rules_are_enforced(world):
    srv, aws, v, a, b, ip_a = world
    url = f"http://{ip_a}:8080/"
    everything = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    aws.ec2().revoke_security_group_egress(GroupId=v.sg, IpPermissions=everything)
    try:
        wait_blocked(srv, b, url)
        e = explain_to(srv, b, ip_a, 8080)
        assert e["blocked"]["hop"]["step"] == "security-group-egress"
    finally:
        aws.ec2().authorize_security_group_egress(GroupId=v.sg, IpPermissions=everything)
    wait_open(srv, b, url)


def test_network_acls_are_stateless_and_ordered(world):
    srv, aws, v, a, b, ip_a = world
    url = f"http://{ip_a}:8080/"
    ec2 = aws.ec2()
    acl = ec2.create_network_acl(VpcId=v.vpc)["NetworkAcl"]["NetworkAclId"]
    for egress in (False, True):
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="-1", RuleAction="allow",
                                     Egress=egress, CidrBlock="0.0.0.0/0")
    # Task A's subnet: deny 8080 in, ahead of the allow-all.
    ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="deny",
                                 Egress=False, CidrBlock="10.77.0.0/16", PortRange={"From": 8080, "To": 8080})
    assoc = [x for x in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id", "Values": [v.subnets[0]]}])
             ["NetworkAcls"][0]["Associations"] if x["SubnetId"] == v.subnets[0]][0]
    new_assoc = ec2.replace_network_acl_association(AssociationId=assoc["NetworkAclAssociationId"], NetworkAclId=acl)["NewAssociationId"]
    default_acl = assoc["NetworkAclId"]
    try:
        wait_blocked(srv, b, url)
        e = explain_to(srv, b, ip_a, 8080)
        assert e["blocked"]["hop"]["step"] == "network-acl-in" and e["blocked"]["hop"]["resource"] == acl
        # Stateless: allowing 8080 in is not enough when the replies (to
        # B's ephemeral ports) may not leave A's subnet.
        ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="6", RuleAction="deny",
                                     Egress=True, CidrBlock="10.77.0.0/16", PortRange={"From": 32768, "To": 60999})
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=False)
        time.sleep(0.3)
        assert curl(srv, b, url, timeout="1").stdout != "200"
        e = explain_to(srv, b, ip_a, 8080)
        assert e["blocked"]["hop"]["step"] == "network-acl-out", e["blocked"]
        ec2.delete_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Egress=True)
        wait_open(srv, b, url)
        assert explain_to(srv, b, ip_a, 8080)["status"] == "reachable"
    finally:
        ec2.replace_network_acl_association(AssociationId=new_assoc, NetworkAclId=default_acl)
    wait_open(srv, b, url)


def test_an_unchanged_model_gives_an_unchanged_ruleset(world):
    srv, aws, v, a, b, ip_a = world
    before = fabric_ruleset(v)
    assert "chain forward" in before and "policy drop" in before
    aws.ec2().create_tags(Resources=[v.sg], Tags=[{"Key": "touched", "Value": "yes"}])
    time.sleep(0.5)
    assert fabric_ruleset(v) == before


def test_verdicts_and_packets_agree_for_tcp_and_udp(world):
    """explain --to and a real connection give the same answer, for a rule
    matrix over TCP and UDP ports."""
    srv, aws, v, a, b, ip_a = world
    ec2 = aws.ec2()
    udp = texec_bg(srv, a["taskArn"], "python3", "-c",
                   "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('0.0.0.0',5353))\n"
                   "while True:\n d,p=s.recvfrom(100); s.sendto(d,p)")
    probe = ("import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.settimeout(0.5)\n"
             "s.sendto(b'x',(sys.argv[1],5353))\ntry:\n s.recvfrom(10); print('open')\nexcept Exception: print('closed')")
    try:
        for allow_udp in (False, True):
            if allow_udp:
                ec2.authorize_security_group_ingress(GroupId=v.sg, IpPermissions=[{
                    "IpProtocol": "udp", "FromPort": 5353, "ToPort": 5353, "IpRanges": [{"CidrIp": "10.77.2.0/24"}]}])
                time.sleep(0.3)
            for proto, port in (("tcp", 8080), ("tcp", 8081), ("udp", 5353)):
                e = explain_to(srv, b, ip_a, port, proto)
                if proto == "tcp":
                    got = curl(srv, b, f"http://{ip_a}:{port}/", timeout="0.5").stdout == "200"
                else:
                    got = texec(srv, b["taskArn"], "python3", "-c", probe, ip_a).stdout.strip() == "open"
                # Port 8081 is admitted but nothing listens: the verdict is
                # about the network, so a refused connection counts as reached.
                if proto == "tcp" and port == 8081:
                    r = texec(srv, b["taskArn"], "curl", "-s", "-m", "0.5", f"http://{ip_a}:{port}/")
                    got = r.returncode == 7  # connection refused: the SYN got through
                assert (e["status"] == "reachable") == got, (proto, port, allow_udp, e["status"], got)
    finally:
        os.killpg(udp.pid, signal.SIGKILL)
        udp.wait()
