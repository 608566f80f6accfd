"""VPC peering on packets (N72 routes): the fabrics of two peered VPCs are
linked, and a task reaches a task of the peer VPC exactly when explain says
so — a route each way over the connection, the peer's security group
admitting the source (by CIDR or by the source's group across the peering),
and the connection active."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from dataplane_support import (
    cluster_and_taskdef, details, explain_to, host_netns, public_vpc, run_task, skip_unless_runnable,
    start_server, texec, texec_bg, wait_status,
)
from harness import AwsClients

pytestmark = [pytest.mark.dataplane, skip_unless_runnable]


def test_a_task_reaches_a_task_of_a_peered_vpc_as_explain_says(tmp_path):
    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    web = None
    try:
        aws = AwsClients(srv.url)
        ec2 = aws.ec2()
        a = public_vpc(aws, cidr="10.81.0.0/16", n=1)
        b = public_vpc(aws, cidr="10.82.0.0/16", n=1)
        cluster_and_taskdef(aws)
        ta = run_task(aws, a.subnets[0], [a.sg])
        tb = run_task(aws, b.subnets[0], [b.sg])
        ta, tb = wait_status(aws, [ta["taskArn"], tb["taskArn"]], {"RUNNING"})
        ip_b = details(tb)["privateIPv4Address"]
        url = f"http://{ip_b}:8080/"
        web = texec_bg(srv, tb["taskArn"], "python3", "-m", "http.server", "8080")
        # Up inside its own VPC (the fabric's own view).
        ns = f"tasknet-{tb['taskArn'].rsplit('/', 1)[1]}"
        deadline = time.monotonic() + 10
        while subprocess.run(["ip", "netns", "exec", ns, "curl", "-s", "-m", "1", url],
                             capture_output=True).returncode != 0:
            assert time.monotonic() < deadline, "the web server never came up"
            time.sleep(0.2)

        def reaches(timeout="2") -> bool:
            r = texec(srv, ta["taskArn"], "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}",
                      "-m", timeout, url)
            return r.stdout == "200"

        def verdict() -> dict:
            return explain_to(srv, ta, ip_b, 8080)

        pcx = ec2.create_vpc_peering_connection(VpcId=a.vpc, PeerVpcId=b.vpc)[
            "VpcPeeringConnection"]["VpcPeeringConnectionId"]
        ec2.accept_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        # No route to the peer: its addresses go to the internet gateway.
        time.sleep(0.3)
        assert not reaches()
        e = verdict()
        assert e["status"] == "unreachable", e
        # A route there but none back: the replies are lost.
        ec2.create_route(RouteTableId=a.rtb, DestinationCidrBlock="10.82.0.0/16", VpcPeeringConnectionId=pcx)
        time.sleep(0.3)
        assert not reaches()
        e = verdict()
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "route-back", e["blocked"]
        # Both ways: now the peer's security group (it admits its own VPC only).
        ec2.create_route(RouteTableId=b.rtb, DestinationCidrBlock="10.81.0.0/16", VpcPeeringConnectionId=pcx)
        time.sleep(0.3)
        assert not reaches()
        e = verdict()
        assert e["status"] == "unreachable" and "security-group" in e["blocked"]["hop"]["step"], e["blocked"]
        # The peer's group admits the source's group across the peering.
        ec2.authorize_security_group_ingress(GroupId=b.sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080,
            "UserIdGroupPairs": [{"GroupId": a.sg}]}])
        time.sleep(0.3)
        assert reaches("3")
        e = verdict()
        assert e["status"] == "reachable" and any(h["step"] == "vpc-peering" for h in e["path"]), e
        # The connection goes: nothing passes, as explain says.
        ec2.delete_vpc_peering_connection(VpcPeeringConnectionId=pcx)
        time.sleep(0.3)
        assert not reaches()
        assert verdict()["status"] == "unreachable"
    finally:
        if web is not None:
            os.killpg(web.pid, signal.SIGKILL)
            web.wait()
        srv.stop(check=True)
    assert host_netns() == []
