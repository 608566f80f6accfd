"""The Linux data plane, end to end (issue 13): every running task is a
network namespace `tasknet-<task-id>` whose `eth0` is its ENI; the task
lifecycle waits for the plumbing; tasks reach each other through their VPC's
fabric; `tasknet exec` runs commands inside a task; nothing touches the
host's own network; restarts and crashes leave nothing behind."""

from __future__ import annotations

import os
import signal
import time

import pytest

from dataplane_support import (
    cluster_and_taskdef, details, host_netns, host_snapshot, public_vpc, run,
    run_task, skip_unless_runnable, start_server, texec, texec_bg, wait_http, wait_in_sync,
    wait_status,
)
from harness import AwsClients

pytestmark = [pytest.mark.dataplane, skip_unless_runnable]


@pytest.fixture
def dp(tmp_path):
    """A `--dataplane linux` server; the host is checked unchanged and clean after it."""
    before = host_snapshot()
    assert host_netns() == [], f"tasknet namespaces left over before the test: {host_netns()}"
    srv = start_server(tmp_path / "data")
    try:
        yield srv
    finally:
        srv.stop(check=True)
        assert host_netns() == [], f"namespaces left after SIGTERM: {host_netns()}"
        after = host_snapshot()
        for k in before:
            assert before[k] == after[k], f"the host's {k} changed:\n{before[k]}\n---\n{after[k]}"


def two_tasks(aws: AwsClients):
    v = public_vpc(aws)
    cluster_and_taskdef(aws)
    a = run_task(aws, v.subnets[0], [v.sg])
    b = run_task(aws, v.subnets[1], [v.sg])
    tasks = wait_status(aws, [a["taskArn"], b["taskArn"]], {"RUNNING"})
    return v, tasks[0], tasks[1]


def test_health_reports_the_linux_data_plane(dp):
    h = wait_in_sync(dp)
    assert h["status"] == "ok"
    assert h["dataplane"]["mode"] == "linux" and h["dataplane"]["inSync"] is True


def test_task_namespace_carries_its_eni(dp):
    aws = AwsClients(dp.url)
    v = public_vpc(aws)
    cluster_and_taskdef(aws)
    t = run_task(aws, v.subnets[0], [v.sg])
    # N20: RunTask answers PROVISIONING with a PRECREATED attachment that
    # shows only its subnet.
    assert t["lastStatus"] == "PROVISIONING"
    assert t["attachments"][0]["status"] == "PRECREATED"
    assert [d["name"] for d in t["attachments"][0]["details"]] == ["subnetId"]
    [t] = wait_status(aws, [t["taskArn"]], {"RUNNING"})
    assert t["attachments"][0]["status"] == "ATTACHED"
    d = details(t)
    task_id = t["taskArn"].rsplit("/", 1)[1]
    ns = f"tasknet-{task_id}"
    assert ns in host_netns()
    link = run("ip", "-n", ns, "-o", "link", "show", "eth0").stdout
    assert d["macAddress"] in link and "mtu 9001" in link, link
    addrs = run("ip", "-n", ns, "-o", "-4", "addr", "show", "eth0").stdout
    assert f"{d['privateIPv4Address']}/24" in addrs, addrs
    routes = run("ip", "-n", ns, "route").stdout
    assert "default via 10.77.1.1 dev eth0" in routes, routes
    # Fargate blackholes the instance metadata service.
    assert "blackhole 169.254.169.254" in routes
    # N17: the VPC resolver (base+2) and the DHCP options' search domain.
    r = texec(dp, t["taskArn"], "cat", "/etc/resolv.conf")
    assert r.returncode == 0, r.stderr
    assert "nameserver 10.77.0.2" in r.stdout and "search ec2.internal" in r.stdout
    r = texec(dp, t["taskArn"], "cat", "/etc/hosts")
    assert f"{d['privateIPv4Address']} {d['privateDnsName']}" in r.stdout
    # The ENI in EC2 is the one in the namespace.
    eni = aws.ec2().describe_network_interfaces(NetworkInterfaceIds=[d["networkInterfaceId"]])["NetworkInterfaces"][0]
    assert eni["MacAddress"] == d["macAddress"]
    # Stopping the task removes its namespace.
    aws.ecs().stop_task(cluster="dp", task=t["taskArn"])
    [t] = wait_status(aws, [t["taskArn"]], {"STOPPED"})
    assert t["attachments"][0]["status"] == "DELETED"
    assert ns not in host_netns()


def test_exec_passes_stdio_and_exit_code(dp):
    aws = AwsClients(dp.url)
    _, a, _ = two_tasks(aws)
    r = texec(dp, a["taskArn"], "sh", "-c", "cat; echo err >&2; exit 7", input="hello from stdin\n")
    assert r.returncode == 7
    assert r.stdout == "hello from stdin\n" and r.stderr == "err\n"
    r = texec(dp, a["taskArn"], "sh", "-c", "echo $ECS_CONTAINER_METADATA_URI_V4 $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    task_id = a["taskArn"].rsplit("/", 1)[1]
    uri, creds = r.stdout.split()
    assert uri.startswith(f"http://169.254.170.2/v4/{task_id}-"), uri
    assert creds.startswith("/v2/credentials/")
    # Killed by a signal: the shell convention, 128 + signal.
    r = texec(dp, a["taskArn"], "sh", "-c", "kill -TERM $$")
    assert r.returncode == 128 + signal.SIGTERM
    # A task that is not running has no namespace to run in.
    aws.ecs().stop_task(cluster="dp", task=a["taskArn"])
    wait_status(aws, [a["taskArn"]], {"STOPPED"})
    r = texec(dp, a["taskArn"], "true")
    assert r.returncode != 0 and "TaskNotRunning" in r.stderr


def test_metadata_endpoint_answers_inside_the_task(dp):
    """N61 on the wire: 169.254.170.2 serves each task its own v4 documents
    and its task role's credentials, whatever its security groups say."""
    import json
    import urllib.request

    aws = AwsClients(dp.url)
    v, a, b = two_tasks(aws)
    # No egress at all: the endpoint is not behind the security groups.
    ec2 = aws.ec2()
    ec2.revoke_security_group_egress(GroupId=v.sg, IpPermissions=[
        {"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])

    def get(task, url_expr):
        r = texec(dp, task, "sh", "-c", f'curl -s -m 5 -w "\\n%{{http_code}}" "{url_expr}"')
        assert r.returncode == 0, r.stderr
        body, code = r.stdout.rsplit("\n", 1)
        return int(code), json.loads(body)

    task_id = a["taskArn"].rsplit("/", 1)[1]
    with urllib.request.urlopen(f"{dp.url}/_tasknet/tasks/{task_id}/metadata") as r:
        admin = json.load(r)
    code, doc = get(a["taskArn"], "$ECS_CONTAINER_METADATA_URI_V4/task")
    assert code == 200
    assert doc == admin
    assert doc["TaskARN"] == a["taskArn"] and doc["KnownStatus"] == "RUNNING"
    assert doc["Containers"][0]["Networks"][0]["IPv4Addresses"] == [details(a)["privateIPv4Address"]]
    code, c = get(a["taskArn"], "$ECS_CONTAINER_METADATA_URI_V4")
    assert code == 200 and c == doc["Containers"][0]
    code, creds = get(a["taskArn"], "http://169.254.170.2$AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
    assert code == 200 and creds["RoleArn"] == "arn:aws:iam::123456789012:role/app"
    assert creds["AccessKeyId"].startswith("ASIA") and len(creds["SecretAccessKey"]) == 40
    assert set(creds) == {"RoleArn", "AccessKeyId", "SecretAccessKey", "Token", "Expiration"}
    # Another task cannot read A's documents or credentials.
    uri = texec(dp, a["taskArn"], "sh", "-c", "echo $ECS_CONTAINER_METADATA_URI_V4").stdout.strip()
    rel = texec(dp, a["taskArn"], "sh", "-c", "echo $AWS_CONTAINER_CREDENTIALS_RELATIVE_URI").stdout.strip()
    assert get(b["taskArn"], f"{uri}/task")[0] == 404
    code, e = get(b["taskArn"], f"http://169.254.170.2{rel}")
    assert code == 400 and e["code"] == "InvalidIdInRequest"
    # The instance metadata service stays out of reach, as on Fargate.
    r = texec(dp, a["taskArn"], "curl", "-s", "-m", "2", "http://169.254.169.254/latest/meta-data/")
    assert r.returncode != 0


def test_two_tasks_reach_each_other_through_the_fabric(dp):
    aws = AwsClients(dp.url)
    v, a, b = two_tasks(aws)
    ip_a = details(a)["privateIPv4Address"]
    server = texec_bg(dp, a["taskArn"], "python3", "-m", "http.server", "8080")
    try:
        wait_http(dp, b["taskArn"], f"http://{ip_a}:8080/")
        # ICMP needs a rule of its own (the group admits TCP 8080 only).
        r = texec(dp, b["taskArn"], "ping", "-c", "1", "-W", "1", ip_a)
        assert r.returncode != 0
        aws.ec2().authorize_security_group_ingress(GroupId=v.sg, IpPermissions=[{
            "IpProtocol": "icmp", "FromPort": -1, "ToPort": -1, "IpRanges": [{"CidrIp": "10.77.0.0/16"}]}])
        time.sleep(0.3)
        # Jumbo frames across the VPC (N18): a 9001-byte packet, unfragmented.
        r = texec(dp, b["taskArn"], "ping", "-c", "1", "-W", "2", "-M", "do", "-s", "8973", ip_a)
        assert r.returncode == 0, r.stdout + r.stderr
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_tasks_never_reach_the_host(dp):
    """Every address of the host and its default gateway are out of reach
    from inside a task (the fixture checks the host unchanged afterwards)."""
    import shutil

    # Without them every attempt would "fail" and prove nothing.
    assert shutil.which("ping") and shutil.which("curl"), "ping and curl are needed (iputils-ping, curl)"
    aws = AwsClients(dp.url)
    _, a, _ = two_tasks(aws)
    targets = set()
    for line in run("ip", "-o", "addr", "show").stdout.splitlines():
        f = line.split()
        if f[2] in ("inet", "inet6") and " scope host" not in line:
            addr = f[3].split("/")[0]
            if not addr.startswith("fe80"):
                targets.add(addr)
    for line in run("ip", "route", "show", "default").stdout.splitlines():
        f = line.split()
        if "via" in f:
            targets.add(f[f.index("via") + 1])
    assert targets, "the host has no address to test"
    for t in sorted(targets):
        r = texec(dp, a["taskArn"], "ping", "-c", "1", "-W", "1", t, timeout=10)
        assert r.returncode != 0, f"{t} answered ping from inside a task"
        host = f"[{t}]" if ":" in t else t
        r = texec(dp, a["taskArn"], "curl", "-s", "-m", "1", f"http://{host}:{dp.port}/_tasknet/health", timeout=10)
        assert r.returncode != 0, f"tasknet itself answered at {t} from inside a task"


def test_failure_to_plumb_stops_the_task_with_a_reason(dp):
    aws = AwsClients(dp.url)
    v = public_vpc(aws)
    cluster_and_taskdef(aws)
    import json, urllib.request
    req = urllib.request.Request(f"{dp.url}/_tasknet/faults", method="POST",
                                 headers={"Content-Type": "application/json"},
                                 data=json.dumps({"job": "dataplane-plumb", "fault": "error"}).encode())
    urllib.request.urlopen(req, timeout=5).read()
    t = run_task(aws, v.subnets[0], [v.sg])
    [t] = wait_status(aws, [t["taskArn"]], {"STOPPED"})
    assert t["stopCode"] == "TaskFailedToStart"
    assert t["stoppedReason"] == ("ResourceInitializationError: failed to configure the task network: injected fault")
    assert f"tasknet-{t['taskArn'].rsplit('/', 1)[1]}" not in host_netns()
    # The next task is plumbed as usual.
    t2 = run_task(aws, v.subnets[0], [v.sg])
    wait_status(aws, [t2["taskArn"]], {"RUNNING"})


def test_restart_reconciles_namespaces_with_the_store(dp):
    aws = AwsClients(dp.url)
    _, a, b = two_tasks(aws)
    ids = [t["taskArn"].rsplit("/", 1)[1] for t in (a, b)]
    assert all(f"tasknet-{i}" in host_netns() for i in ids)
    # A crash leaves the namespaces behind; a leftover of nobody's is there too.
    os.killpg(dp._proc.pid, signal.SIGKILL)
    dp._reap()
    orphan = "tasknet-00000000000000000000000000000000"
    run("ip", "netns", "add", orphan)
    # Task b was stopped while tasknet was down? It cannot be; instead its
    # namespace vanishes behind tasknet's back.
    run("ip", "netns", "del", f"tasknet-{ids[1]}")
    dp.start()
    wait_in_sync(dp)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        have = host_netns()
        if orphan not in have and all(f"tasknet-{i}" in have for i in ids):
            break
        time.sleep(0.1)
    have = host_netns()
    assert orphan not in have, have
    assert all(f"tasknet-{i}" in have for i in ids), have
    # The recreated task works.
    ip_a = details(a)["privateIPv4Address"]
    server = texec_bg(dp, a["taskArn"], "python3", "-m", "http.server", "8080")
    try:
        wait_http(dp, b["taskArn"], f"http://{ip_a}:8080/")
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def test_ipv6_only_tasks_reach_each_other_over_ipv6(dp):
    """N14 and N70 on packets: an IPv6-only task's eth0 carries only its
    IPv6 address (routes via the router's fe80:ec2::1), and the security
    group's IPv6 rule decides whether another task reaches it."""
    import ipaddress

    from ecs_support import ipv6_only_subnet, make_vpc

    aws = AwsClients(dp.url)
    ec2 = aws.ec2()
    vid, _ = make_vpc(ec2, cidr="10.77.0.0/16", subnets=(), ipv6=True)
    subnet = ipv6_only_subnet(ec2, vid, index=9)
    s64 = ipaddress.IPv6Network(subnet["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"])
    block = ec2.describe_vpcs(VpcIds=[vid])["Vpcs"][0]["Ipv6CidrBlockAssociationSet"][0]["Ipv6CidrBlock"]
    sg = ec2.create_security_group(VpcId=vid, GroupName="app", Description="app")["GroupId"]
    rule = {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "Ipv6Ranges": [{"CidrIpv6": block}]}
    ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[rule])
    cluster_and_taskdef(aws)
    a = run_task(aws, subnet["SubnetId"], [sg], public=False)
    b = run_task(aws, subnet["SubnetId"], [sg], public=False)
    a, b = wait_status(aws, [a["taskArn"], b["taskArn"]], {"RUNNING"})
    v6 = a["containers"][0]["networkInterfaces"][0]["ipv6Address"]
    assert ipaddress.IPv6Address(v6) in s64
    r = texec(dp, a["taskArn"], "ip", "-o", "addr", "show", "dev", "eth0", "scope", "global")
    assert r.returncode == 0 and f"inet6 {v6}/64" in r.stdout and " inet " not in r.stdout, r.stdout
    r = texec(dp, a["taskArn"], "ip", "-6", "route", "show", "default")
    assert "via fe80:ec2::1 dev eth0" in r.stdout, r.stdout
    server = texec_bg(dp, a["taskArn"], "python3", "-m", "http.server", "8080", "--bind", "::")
    try:
        wait_http(dp, b["taskArn"], f"http://[{v6}]:8080/")
        ec2.revoke_security_group_ingress(GroupId=sg, IpPermissions=[rule])
        deadline = time.monotonic() + 5
        while True:
            r = texec(dp, b["taskArn"], "curl", "-s", "-m", "1", f"http://[{v6}]:8080/")
            if r.returncode != 0:
                break
            assert time.monotonic() < deadline, "the revoked IPv6 rule still admits the other task"
            time.sleep(0.1)
    finally:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()
