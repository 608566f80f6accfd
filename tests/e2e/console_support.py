"""Shared setup for the web console's browser tests (issue 15).

Not a test module: a headless Chromium driven by Selenium (skipping with
the reason when Debian's `chromium` / `chromedriver` are missing; `.ci/run`
installs them), and the scenario the tests look at, built with boto3:

    VPC 10.20.0.0/16 "console-demo"
      us-east-1a: public 10.20.0.0/24 (IGW)     private 10.20.10.0/24 (main table → NAT, S3 gateway endpoint)
      us-east-1b: public 10.20.1.0/24 (IGW)     isolated 10.20.11.0/24 (its own table: local only)
    an ALB in both public subnets, listener :80 → target group "web" (ip, 8080)
    cluster "console", task definition "web" (ECR image, awslogs)
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ecs_support import ACCOUNT, EXEC_ROLE, container, describe, register, run_one

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")
CHROMEDRIVER_CANDIDATES = ("/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver")
ARTIFACTS = Path(os.environ.get("TASKNET_ARTIFACTS", Path(__file__).resolve().parents[2] / "target" / "e2e-artifacts"))
ECR_IMAGE = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/web:1"


def _first(paths, env):
    if os.environ.get(env):
        return os.environ[env] if os.path.exists(os.environ[env]) else None
    for p in paths:
        if os.path.exists(p):
            return p
    return shutil.which(Path(paths[0]).name)


def browser_paths() -> tuple[str, str]:
    """(chromium, chromedriver), or skip with the reason."""
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.skip("selenium is not installed (pip install -r tests/e2e/requirements.txt)")
    chromium = _first(CHROMIUM_CANDIDATES, "TASKNET_CHROMIUM")
    driver = _first(CHROMEDRIVER_CANDIDATES, "TASKNET_CHROMEDRIVER")
    if not chromium or not driver:
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(apt-get install chromium chromium-driver; .ci/run does)")
    return chromium, driver


class Browser:
    """One headless Chromium session (Selenium WebDriver)."""

    def __init__(self, width=1280, height=800):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        chromium, driver = browser_paths()
        self.profile = tempfile.mkdtemp(prefix="tasknet-chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = chromium
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--disable-extensions", "--disable-default-apps",
                  "--no-default-browser-check", "--disable-features=Translate,MediaRouter,OptimizationHints",
                  f"--user-data-dir={self.profile}", f"--window-size={width},{height}"):
            opts.add_argument(a)
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        # No Selenium Manager: the driver is Debian's, given by path.
        os.environ.setdefault("SE_AVOID_STATS", "true")
        self.driver = webdriver.Chrome(service=Service(executable_path=driver), options=opts)
        self.driver.set_script_timeout(30)
        self.set_size(width, height)

    def set_size(self, width, height):
        # The window's inner size (the viewport) is what the page gets.
        self.driver.set_window_size(width, height)
        w, h = self.driver.execute_script("return [window.innerWidth, window.innerHeight]")
        self.driver.set_window_size(width + (width - w), height + (height - h))

    def js(self, script, *args):
        return self.driver.execute_script(script, *args)

    def wait(self, cond, timeout=10.0, what="condition", interval=0.05):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            try:
                last = cond()
                if last:
                    return last
            except Exception as e:  # noqa: BLE001 - the DOM moves under us
                last = e
            time.sleep(interval)
        self.screenshot(f"timeout-{what.replace(' ', '-')[:40]}")
        raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")

    def text(self, css) -> str:
        return self.js("const e = document.querySelector(arguments[0]); return e ? e.innerText : null", css)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        p = ARTIFACTS / f"console-{name}.png"
        self.driver.save_screenshot(str(p))
        return p

    def console_errors(self) -> list[dict]:
        """Browser console messages at SEVERE level since the last call."""
        return [e for e in self.driver.get_log("browser") if e.get("level") == "SEVERE"]

    def quit(self):
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


@dataclass
class Scenario:
    vpc: str
    pub_a: str
    pub_b: str
    priv_a: str
    isolated_b: str
    isolated_rt: str
    nat: str
    igw: str
    s3_endpoint: str
    task_sg: str
    alb_sg: str
    cluster: str = "console"
    taskdef: str = ""
    tg_arn: str = ""
    lb_arn: str = ""
    running: list = field(default_factory=list)


def tag(name):
    return lambda rtype: [{"ResourceType": rtype, "Tags": [{"Key": "Name", "Value": name}]}]


def build(aws) -> Scenario:
    ec2, ecs = aws.ec2(), aws.ecs()
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=tag("console-demo")("vpc"))["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})

    def subnet(cidr, az, name):
        return ec2.create_subnet(VpcId=vpc, CidrBlock=cidr, AvailabilityZone=az,
                                 TagSpecifications=tag(name)("subnet"))["Subnet"]["SubnetId"]

    pub_a = subnet("10.20.0.0/24", "us-east-1a", "public-a")
    pub_b = subnet("10.20.1.0/24", "us-east-1b", "public-b")
    priv_a = subnet("10.20.10.0/24", "us-east-1a", "private-a")
    iso_b = subnet("10.20.11.0/24", "us-east-1b", "isolated-b")
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    pub_rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=tag("public")("route-table"))["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=pub_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for s in (pub_a, pub_b):
        ec2.associate_route_table(RouteTableId=pub_rt, SubnetId=s)
    alloc = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=pub_a, AllocationId=alloc)["NatGateway"]["NatGatewayId"]
    main = ec2.describe_route_tables(Filters=[{"Name": "vpc-id", "Values": [vpc]},
                                              {"Name": "association.main", "Values": ["true"]}])["RouteTables"][0]["RouteTableId"]
    ec2.create_route(RouteTableId=main, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    s3 = ec2.create_vpc_endpoint(VpcId=vpc, VpcEndpointType="Gateway", ServiceName="com.amazonaws.us-east-1.s3",
                                 RouteTableIds=[main])["VpcEndpoint"]["VpcEndpointId"]
    iso_rt = ec2.create_route_table(VpcId=vpc, TagSpecifications=tag("isolated")("route-table"))["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=iso_rt, SubnetId=iso_b)
    alb_sg = ec2.create_security_group(GroupName="alb", Description="web clients", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=alb_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    task_sg = ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=task_sg, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 8080, "ToPort": 8080, "UserIdGroupPairs": [{"GroupId": alb_sg}]}])
    ecs.create_cluster(clusterName="console")
    td = register(ecs, family="web", executionRoleArn=EXEC_ROLE, containers=[container(
        name="web", image=ECR_IMAGE, portMappings=[{"containerPort": 8080, "protocol": "tcp"}],
        logConfiguration={"logDriver": "awslogs", "options": {
            "awslogs-group": "/ecs/web", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "web"}})])
    return Scenario(vpc=vpc, pub_a=pub_a, pub_b=pub_b, priv_a=priv_a, isolated_b=iso_b, isolated_rt=iso_rt,
                    nat=nat, igw=igw, s3_endpoint=s3, task_sg=task_sg, alb_sg=alb_sg,
                    taskdef=td["taskDefinitionArn"])


def run(aws, sc: Scenario, subnet: str, public: bool = False, count: int = 1) -> list[str]:
    ecs = aws.ecs()
    cfg = {"subnets": [subnet], "securityGroups": [sc.task_sg], "assignPublicIp": "ENABLED" if public else "DISABLED"}
    r = ecs.run_task(cluster=sc.cluster, taskDefinition=sc.taskdef, launchType="FARGATE", count=count,
                     networkConfiguration={"awsvpcConfiguration": cfg})
    assert not r["failures"], r["failures"]
    return [t["taskArn"] for t in r["tasks"]]


def wait_status(aws, sc: Scenario, arns: list[str], statuses=("RUNNING",), timeout=15.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        ts = describe(aws.ecs(), sc.cluster, arns) if arns else []
        if all(t["lastStatus"] in statuses for t in ts):
            return ts
        if time.monotonic() > deadline:
            raise AssertionError(f"tasks not {statuses} within {timeout}s: {[t['lastStatus'] for t in ts]}")
        time.sleep(0.05)


def load_balance(aws, sc: Scenario, tasks: list[dict]) -> None:
    elb = aws.client("elbv2")
    lb = elb.create_load_balancer(Name="console-web", Subnets=[sc.pub_a, sc.pub_b], SecurityGroups=[sc.alb_sg],
                                  Scheme="internet-facing", Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    tg = elb.create_target_group(Name="web", Protocol="HTTP", Port=8080, VpcId=sc.vpc, TargetType="ip",
                                 HealthCheckPath="/")["TargetGroups"][0]["TargetGroupArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "forward", "TargetGroupArn": tg}])
    ips = [d["value"] for t in tasks for d in t["attachments"][0]["details"] if d["name"] == "privateIPv4Address"]
    elb.register_targets(TargetGroupArn=tg, Targets=[{"Id": ip, "Port": 8080} for ip in ips])
    sc.lb_arn, sc.tg_arn = lb, tg
