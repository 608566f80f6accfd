"""The internet gateway (1:1 NAT to the task's public IPv4) into tasknet's
own sealed internet namespace, and the VPC resolver at base+2 (N16, N72):
a public task reaches a public name seen as its public IP, DNS off means no
answers, a route taken away is a timeout, and `explain --to` agrees."""

from __future__ import annotations

import json
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


def test_public_task_reaches_tasknets_internet_through_the_gateway(tmp_path):
    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    try:
        aws = AwsClients(srv.url)
        v = public_vpc(aws)
        cluster_and_taskdef(aws)
        pub = run_task(aws, v.subnets[0], [v.sg], public=True)
        [pub] = wait_status(aws, [pub["taskArn"]], {"RUNNING"})
        public_ip = aws.ec2().describe_network_interfaces(
            NetworkInterfaceIds=[details(pub)["networkInterfaceId"]])["NetworkInterfaces"][0]["Association"]["PublicIp"]
        # Through the VPC resolver and the internet gateway, seen as its public IP.
        r = texec(srv, pub["taskArn"], "curl", "-s", "-m", "3", "http://example.com/")
        assert r.returncode == 0, r.stderr
        assert "tasknet internet: example.com" in r.stdout and f"seen from {public_ip}" in r.stdout, r.stdout
        # HTTPS, verified against the task's trust store (tasknet's CA).
        r = texec(srv, pub["taskArn"], "curl", "-s", "-m", "3", "https://example.com/")
        assert r.returncode == 0, r.stderr
        assert "tasknet internet: example.com at" in r.stdout and ":443, seen from" in r.stdout, r.stdout
        r = texec(srv, pub["taskArn"], "python3", "-c",
                  "import os, urllib.request; print(os.environ['AWS_CA_BUNDLE']); "
                  "print(urllib.request.urlopen('https://api.ecr.us-east-1.amazonaws.com/', timeout=3).read().decode())")
        assert r.returncode == 0, r.stderr
        assert "tasknet internet: api.ecr.us-east-1.amazonaws.com" in r.stdout, r.stdout
        # The certificate is for the name asked, issued by tasknet's CA.
        r = texec(srv, pub["taskArn"], "curl", "-sv", "-m", "3", "-o", "/dev/null", "https://example.com/")
        assert "subject: CN=example.com" in r.stderr and "issuer: CN=tasknet emulated internet CA" in r.stderr, \
            r.stderr
        # AWS endpoint names resolve to their emulated public addresses.
        r = texec(srv, pub["taskArn"], "getent", "hosts", "api.ecr.us-east-1.amazonaws.com")
        addr = r.stdout.split()[0]
        r = texec(srv, pub["taskArn"], "curl", "-s", "-m", "3", f"http://{addr}:443/")
        assert r.returncode == 0 and "api.ecr" not in r.stderr, r.stderr
        assert explain_to(srv, pub, addr, 443)["status"] == "reachable"
        # The task's own private name resolves (N16).
        r = texec(srv, pub["taskArn"], "getent", "hosts", details(pub)["privateDnsName"])
        assert r.stdout.split()[0] == details(pub)["privateIPv4Address"]
        # Turn the VPC's DNS off: the resolver answers nothing.
        aws.ec2().modify_vpc_attribute(VpcId=v.vpc, EnableDnsSupport={"Value": False})
        time.sleep(0.3)
        r = texec(srv, pub["taskArn"], "timeout", "3", "getent", "hosts", "example.com", timeout=30)
        assert r.returncode != 0
        aws.ec2().modify_vpc_attribute(VpcId=v.vpc, EnableDnsSupport={"Value": True})
        # Take the public route away: blackholed, and explain says so.
        aws.ec2().delete_route(RouteTableId=v.rtb, DestinationCidrBlock="0.0.0.0/0")
        time.sleep(0.3)
        r = texec(srv, pub["taskArn"], "curl", "-s", "-m", "2", f"http://{addr}:443/")
        assert r.returncode != 0
        e = explain_to(srv, pub, addr, 443)
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "route", e["blocked"]
    finally:
        srv.stop(check=True)
    assert host_netns() == []


def test_private_task_reaches_the_internet_through_a_nat_gateway(tmp_path):
    """N72: a private subnet whose default route is a public NAT gateway
    leaves by the NAT gateway's Elastic IP; without the route it times out."""
    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    try:
        aws = AwsClients(srv.url)
        ec2 = aws.ec2()
        v = public_vpc(aws)
        private = v.subnets[1]
        rt = ec2.create_route_table(VpcId=v.vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=rt, SubnetId=private)
        alloc = ec2.allocate_address(Domain="vpc")
        nat = ec2.create_nat_gateway(SubnetId=v.subnets[0], AllocationId=alloc["AllocationId"])["NatGateway"]
        ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat["NatGatewayId"]],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        ec2.create_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"])
        cluster_and_taskdef(aws)
        t = run_task(aws, private, [v.sg], public=False)
        [t] = wait_status(aws, [t["taskArn"]], {"RUNNING"})
        assert "Association" not in ec2.describe_network_interfaces(
            NetworkInterfaceIds=[details(t)["networkInterfaceId"]])["NetworkInterfaces"][0]
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", "http://example.com/")
        assert r.returncode == 0, r.stderr
        assert f"seen from {alloc['PublicIp']}" in r.stdout, r.stdout
        assert explain_to(srv, t, "93.184.215.14", 80)["status"] == "reachable"
        # The NAT gateway's subnet's network ACL lets nothing in from the
        # task's subnet (stateless, checked where the traffic crosses it).
        acl = ec2.create_network_acl(VpcId=v.vpc)["NetworkAcl"]["NetworkAclId"]
        for egress in (False, True):
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=100, Protocol="-1", RuleAction="deny",
                                         Egress=egress, CidrBlock=v.cidrs[1])
            ec2.create_network_acl_entry(NetworkAclId=acl, RuleNumber=200, Protocol="-1", RuleAction="allow",
                                         Egress=egress, CidrBlock="0.0.0.0/0")
        [old] = [a for a in ec2.describe_network_acls(Filters=[{"Name": "association.subnet-id",
                                                               "Values": [v.subnets[0]]}])["NetworkAcls"][0]
                 ["Associations"] if a["SubnetId"] == v.subnets[0]]
        assoc = ec2.replace_network_acl_association(AssociationId=old["NetworkAclAssociationId"],
                                                    NetworkAclId=acl)["NewAssociationId"]
        time.sleep(0.3)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", "http://example.com/")
        assert r.returncode != 0, r.stdout
        e = explain_to(srv, t, "93.184.215.14", 80)
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "network-acl-in", e["blocked"]
        ec2.replace_network_acl_association(AssociationId=assoc, NetworkAclId=old["NetworkAclId"])
        time.sleep(0.3)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", "http://example.com/")
        assert r.returncode == 0 and f"seen from {alloc['PublicIp']}" in r.stdout, r.stdout + r.stderr
        # The NAT gateway's own subnet loses its way out: so does the task.
        ec2.delete_route(RouteTableId=v.rtb, DestinationCidrBlock="0.0.0.0/0")
        time.sleep(0.3)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", "http://example.com/")
        assert r.returncode != 0
        assert explain_to(srv, t, "93.184.215.14", 80)["status"] == "unreachable"
        ec2.create_route(RouteTableId=v.rtb, DestinationCidrBlock="0.0.0.0/0", GatewayId=v.igw)
        time.sleep(0.3)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", "http://example.com/")
        assert r.returncode == 0 and f"seen from {alloc['PublicIp']}" in r.stdout, r.stdout + r.stderr
        # No route to the NAT gateway: a timeout, and explain says the route.
        ec2.delete_route(RouteTableId=rt, DestinationCidrBlock="0.0.0.0/0")
        time.sleep(0.3)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", "http://example.com/")
        assert r.returncode != 0
        e = explain_to(srv, t, "93.184.215.14", 80)
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "route", e["blocked"]
    finally:
        srv.stop(check=True)
    assert host_netns() == []


def test_ipv6_only_task_reaches_the_internet_over_ipv6(tmp_path):
    """N14, N72 for IPv6: an IPv6-only task asks the resolver at
    fd00:ec2::253, which answers AAAA for dual-stack names (and DNS64 for
    the rest); through an internet gateway it reaches the internet with its
    own address and the internet reaches it back (as its security group
    allows); through an egress-only gateway only outbound connections
    pass; with no route nothing does, as explain says."""
    from ecs_support import ipv6_only_subnet, make_vpc

    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    server = None
    try:
        aws = AwsClients(srv.url)
        ec2 = aws.ec2()
        vid, _ = make_vpc(ec2, cidr="10.78.0.0/16", subnets=(), ipv6=True, egress="igw")
        subnet = ipv6_only_subnet(ec2, vid, index=7)["SubnetId"]
        sg = ec2.create_security_group(VpcId=vid, GroupName="web", Description="web")["GroupId"]
        ec2.authorize_security_group_ingress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}])
        cluster_and_taskdef(aws)
        t = run_task(aws, subnet, [sg], public=False)
        [t] = wait_status(aws, [t["taskArn"]], {"RUNNING"})
        v6 = t["containers"][0]["networkInterfaces"][0]["ipv6Address"]
        r = texec(srv, t["taskArn"], "cat", "/etc/resolv.conf")
        assert "nameserver fd00:ec2::253" in r.stdout, r.stdout
        # The task metadata endpoint, over IPv4 from a link-local address
        # (an IPv6-only task has no other IPv4), answers this task's document.
        r = texec(srv, t["taskArn"], "sh", "-c", "curl -s -m 3 $ECS_CONTAINER_METADATA_URI_V4/task")
        assert r.returncode == 0, r.stderr
        doc = json.loads(r.stdout)
        assert doc["TaskARN"] == t["taskArn"] and doc["KnownStatus"] == "RUNNING", doc
        r = texec(srv, t["taskArn"], "ip", "-4", "-o", "addr", "show", "dev", "eth0")
        assert " inet 169.254." in r.stdout and "scope link" in r.stdout, r.stdout
        # A dual-stack name resolves to its IPv6 address; the internet sees
        # the task's own address (no translation over IPv6).
        r = texec(srv, t["taskArn"], "getent", "ahostsv6", "ecr.us-east-1.api.aws")
        addr = r.stdout.split()[0]
        assert ":" in addr and not addr.startswith("64:ff9b:"), r.stdout
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", "http://ecr.us-east-1.api.aws/")
        assert r.returncode == 0 and f"seen from {v6}" in r.stdout, r.stdout + r.stderr
        assert explain_to(srv, t, addr, 443)["status"] == "reachable"
        # DNS64 in this subnet: an IPv4-only name gets 64:ff9b::/96 + its IPv4.
        r = texec(srv, t["taskArn"], "getent", "ahostsv6", "ssm.us-east-1.amazonaws.com")
        assert r.stdout.split()[0].startswith("64:ff9b::"), r.stdout
        # An IPv6 interface endpoint for CloudWatch Logs in the subnet: its
        # private DNS name gives the endpoint's IPv6 address, which answers
        # on 443 as the endpoint's security group allows.
        epsg = ec2.create_security_group(VpcId=vid, GroupName="ep", Description="ep")["GroupId"]
        https6 = [{"IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "::/0"}]}]
        ec2.authorize_security_group_ingress(GroupId=epsg, IpPermissions=https6)
        ep = ec2.create_vpc_endpoint(
            VpcId=vid, VpcEndpointType="Interface", ServiceName="com.amazonaws.us-east-1.logs",
            SubnetIds=[subnet], SecurityGroupIds=[epsg], PrivateDnsEnabled=True, IpAddressType="ipv6",
            DnsOptions={"DnsRecordIpType": "ipv6"})["VpcEndpoint"]
        ep6 = ec2.describe_network_interfaces(NetworkInterfaceIds=ep["NetworkInterfaceIds"])[
            "NetworkInterfaces"][0]["Ipv6Addresses"][0]["Ipv6Address"]
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "getent", "ahostsv6", "logs.us-east-1.amazonaws.com")
        assert r.stdout.split()[0] == ep6, r.stdout
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", "http://logs.us-east-1.amazonaws.com:443/")
        assert "tasknet endpoint com.amazonaws.us-east-1.logs" in r.stdout and f"seen from {v6}" in r.stdout, \
            r.stdout + r.stderr
        assert explain_to(srv, t, ep6, 443)["status"] == "reachable"
        ec2.revoke_security_group_ingress(GroupId=epsg, IpPermissions=https6)
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", "http://logs.us-east-1.amazonaws.com:443/")
        assert r.returncode != 0, r.stdout
        assert explain_to(srv, t, ep6, 443)["status"] == "unreachable"
        # The internet opens a connection to the task (internet gateway, SG
        # admits ::/0 on 8080).
        inet = [n for n in host_netns() if n.startswith("tasknet-internet-")][0]
        server = texec_bg(srv, t["taskArn"], "python3", "-m", "http.server", "8080", "--bind", "::")
        deadline = time.monotonic() + 10
        while True:
            r = subprocess.run(["ip", "netns", "exec", inet, "curl", "-s", "-m", "1", "-o", "/dev/null",
                                "-w", "%{http_code}", f"http://[{v6}]:8080/"], capture_output=True, text=True)
            if r.stdout == "200":
                break
            assert time.monotonic() < deadline, r.stdout + r.stderr
            time.sleep(0.2)
        # An egress-only internet gateway instead: out yes, in no.
        eigw = ec2.create_egress_only_internet_gateway(VpcId=vid)["EgressOnlyInternetGateway"][
            "EgressOnlyInternetGatewayId"]
        rt = ec2.create_route_table(VpcId=vid)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0", EgressOnlyInternetGatewayId=eigw)
        ec2.associate_route_table(RouteTableId=rt, SubnetId=subnet)
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", "http://ecr.us-east-1.api.aws/")
        assert r.returncode == 0 and f"seen from {v6}" in r.stdout, r.stdout + r.stderr
        r = subprocess.run(["ip", "netns", "exec", inet, "curl", "-s", "-m", "1", f"http://[{v6}]:8080/"],
                           capture_output=True, text=True)
        assert r.returncode != 0, r.stdout
        assert explain_to(srv, t, addr, 443)["status"] == "reachable"
        # No route at all: nothing out, and explain names the route.
        ec2.delete_route(RouteTableId=rt, DestinationIpv6CidrBlock="::/0")
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", "http://ecr.us-east-1.api.aws/")
        assert r.returncode != 0
        e = explain_to(srv, t, addr, 443)
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "route", e["blocked"]
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        srv.stop(check=True)
    assert host_netns() == []


def test_ipv6_only_task_reaches_ipv4_only_services_through_nat64(tmp_path):
    """N14, N72: in an IPv6-only subnet with DNS64, a name with only IPv4
    resolves to 64:ff9b::/96 + its address, and the subnet's route of that
    prefix to a public NAT gateway translates the task's TCP to IPv4 from
    the NAT gateway's Elastic IP. Without the route, or with the task's
    security group letting nothing out, nothing passes, as explain says."""
    from ecs_support import ipv6_only_subnet, main_route_table, make_vpc

    assert host_netns() == []
    srv = start_server(tmp_path / "data")
    try:
        aws = AwsClients(srv.url)
        ec2 = aws.ec2()
        # The main route table: 64:ff9b::/96 → a NAT gateway in a public /28.
        vid, _ = make_vpc(ec2, cidr="10.79.0.0/16", subnets=(), ipv6=True)
        subnet = ipv6_only_subnet(ec2, vid, index=7)["SubnetId"]
        [nat] = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vid]}])["NatGateways"]
        ec2.get_waiter("nat_gateway_available").wait(NatGatewayIds=[nat["NatGatewayId"]],
                                                     WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        [nat] = ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"]
        eip = nat["NatGatewayAddresses"][0]["PublicIp"]
        sg = ec2.create_security_group(VpcId=vid, GroupName="app", Description="app")["GroupId"]
        cluster_and_taskdef(aws)
        t = run_task(aws, subnet, [sg], public=False)
        [t] = wait_status(aws, [t["taskArn"]], {"RUNNING"})
        # Secrets Manager has only IPv4: DNS64 gives its NAT64 address.
        host = "secretsmanager.us-east-1.amazonaws.com"
        r = texec(srv, t["taskArn"], "getent", "ahostsv6", host)
        addr = r.stdout.split()[0]
        assert addr.startswith("64:ff9b::"), r.stdout
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", f"https://{host}/")
        assert r.returncode == 0, r.stderr
        assert f"tasknet internet: {host}" in r.stdout and f"seen from {eip}" in r.stdout, r.stdout
        e = explain_to(srv, t, addr, 443)
        assert e["status"] == "reachable", e
        assert any("NAT64" in h["note"] for h in e["path"]), e["path"]
        # Packets are translated, not connections proxied: nothing listens
        # on 8080 in the internet, so the connection is refused (curl's 7),
        # and ping crosses too.
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", f"http://[{addr}]:8080/")
        assert r.returncode == 7, (r.returncode, r.stderr)
        r = texec(srv, t["taskArn"], "ping", "-c", "1", "-W", "2", addr)
        assert r.returncode == 0 and "1 received" in r.stdout, r.stdout + r.stderr
        # The task's security group lets nothing out: no NAT64 either.
        perms = ec2.describe_security_groups(GroupIds=[sg])["SecurityGroups"][0]["IpPermissionsEgress"]
        assert perms, "a new group lets everything out"
        ec2.revoke_security_group_egress(GroupId=sg, IpPermissions=perms)
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", f"https://{host}/")
        assert r.returncode != 0, r.stdout
        e = explain_to(srv, t, addr, 443)
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "security-group-egress", e["blocked"]
        ec2.authorize_security_group_egress(GroupId=sg, IpPermissions=[{
            "IpProtocol": "tcp", "FromPort": 443, "ToPort": 443, "Ipv6Ranges": [{"CidrIpv6": "64:ff9b::/96"}]}])
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "3", f"https://{host}/")
        assert r.returncode == 0 and f"seen from {eip}" in r.stdout, r.stdout + r.stderr
        assert explain_to(srv, t, addr, 443)["status"] == "reachable"
        # No NAT64 route: a timeout, and explain names the route.
        ec2.delete_route(RouteTableId=main_route_table(ec2, vid), DestinationIpv6CidrBlock="64:ff9b::/96")
        time.sleep(0.5)
        r = texec(srv, t["taskArn"], "curl", "-s", "-m", "2", f"https://{host}/")
        assert r.returncode != 0, r.stdout
        e = explain_to(srv, t, addr, 443)
        assert e["status"] == "unreachable" and e["blocked"]["hop"]["step"] == "route", e["blocked"]
    finally:
        srv.stop(check=True)
    assert host_netns() == []
