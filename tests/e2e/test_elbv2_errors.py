"""Every ELBv2 error tasknet gives, compared byte for byte: code, message,
`Sender`, HTTP 400, in the awsQuery envelope with ELBv2's namespace. Texts
and their sources: docs/reference/elbv2-error-texts.md."""

import re
import urllib.request

import pytest

import strict
from elbv2_support import alb, err, forward, ip_group, network

NS = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"


def raw(server, body: str) -> tuple[int, str]:
    """A request botocore would refuse to send (missing or unknown values)."""
    req = urllib.request.Request(server.url + "/", data=body.encode(), method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/elasticloadbalancing/aws4_request, "
                         "SignedHeaders=host, Signature=x",
    })
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def code_msg(e: dict) -> tuple[str, str]:
    assert e["Type"] == "Sender"
    return e["Code"], e["Message"]


def test_load_balancer_errors(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    create = elb.create_load_balancer
    subnets = [net.pub_a, net.pub_b]
    long = "a-load-balancer-name-longer-than-32"
    assert code_msg(err(create, Name=long, Subnets=subnets)) == (
        "ValidationError", f"The load balancer name '{long}' cannot be longer than '32' characters")
    assert code_msg(err(create, Name="web_1", Subnets=subnets)) == (
        "ValidationError",
        "The load balancer name 'web_1' can only contain characters that are alphanumeric characters or hyphens(-)")
    assert code_msg(err(create, Name="web-", Subnets=subnets)) == (
        "ValidationError", "The load balancer name 'web-' cannot begin or end with a hyphen")
    assert code_msg(err(create, Name="internal-web", Subnets=subnets)) == (
        "ValidationError", "The load balancer name 'internal-web' cannot begin with 'internal-'")
    assert code_msg(err(create, Name="web", Subnets=[net.pub_a])) == (
        "ValidationError", "At least two subnets in two different Availability Zones must be specified")
    assert code_msg(err(create, Name="web", Subnets=[net.pub_a, net.priv_a])) == (
        "InvalidConfigurationRequest",
        "A load balancer cannot be attached to multiple subnets in the same Availability Zone")
    assert code_msg(err(create, Name="web", Subnets=[net.pub_a, "subnet-0123456789abcdef0"])) == (
        "SubnetNotFound", "InvalidSubnetID.NotFound")
    assert code_msg(err(create, Name="web", Subnets=[net.pub_a, "subnet-nope"])) == (
        "ValidationError", "Subnet ID 'subnet-nope' is not valid")
    e = err(create, Name="web", Subnets=subnets, SecurityGroups=["sg-0123456789abcdef0"])
    assert e["Code"] == "InvalidSecurityGroup"
    assert re.fullmatch(
        r"The security group 'sg-0123456789abcdef0' does not exist \(Service: AmazonEC2; Status Code: 400; "
        r"Error Code: InvalidGroup\.NotFound; Request ID: [0-9a-f-]{36}; Proxy: null\)", e["Message"]), e
    assert code_msg(err(create, Name="web", Subnets=subnets, SecurityGroups=["default"])) == (
        "ValidationError", "Security group 'default' is not valid")
    other = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["default"]},
                                                  {"Name": "vpc-id", "Values": [net.vpc]}])
    default_vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    foreign = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [default_vpc]}])["SecurityGroups"][0]["GroupId"]
    assert other["SecurityGroups"]
    assert code_msg(err(create, Name="web", Subnets=subnets, SecurityGroups=[foreign])) == (
        "InvalidConfigurationRequest", f"Security group '{foreign}' does not belong to VPC '{net.vpc}'")
    assert code_msg(err(create, Name="web", Subnets=subnets, IpAddressType="dualstack")) == (
        "InvalidConfigurationRequest", "You must specify subnets with an associated IPv6 CIDR block.")
    assert code_msg(err(create, Name="web", Subnets=subnets, Scheme="public")) == (
        "ValidationError",
        "1 validation error detected: Value 'public' at 'scheme' failed to satisfy constraint: "
        "Member must satisfy enum value set: [internet-facing, internal]")
    assert code_msg(err(create, Name="web", Subnets=subnets, Scheme="internal",
                        IpAddressType="dualstack-without-public-ipv4")) == (
        "ValidationError",
        "IP address type 'dualstack-without-public-ipv4' is supported only by internet-facing load balancers")
    lb = alb(elb, net)
    arn = lb["LoadBalancerArn"]
    assert alb(elb, net)["LoadBalancerArn"] == arn, "identical settings: the same load balancer"
    assert code_msg(err(create, Name="web", Subnets=subnets, Scheme="internal")) == (
        "DuplicateLoadBalancerName", "A load balancer with the same name 'web' exists, but with different settings")
    missing = arn.replace(arn.rsplit("/", 1)[1], "0123456789abcdef")
    for call in (lambda: elb.describe_load_balancers(LoadBalancerArns=[missing]),
                 lambda: elb.describe_load_balancers(Names=["nope"]),
                 lambda: elb.describe_load_balancer_attributes(LoadBalancerArn=missing),
                 lambda: elb.set_security_groups(LoadBalancerArn=missing, SecurityGroups=[net.alb_sg])):
        assert code_msg(err(call)) == ("LoadBalancerNotFound", "One or more load balancers not found")
    elb.modify_load_balancer_attributes(LoadBalancerArn=arn, Attributes=[
        {"Key": "deletion_protection.enabled", "Value": "true"}])
    assert code_msg(err(elb.delete_load_balancer, LoadBalancerArn=arn)) == (
        "OperationNotPermitted", f"Load balancer '{arn}' cannot be deleted because deletion protection is enabled")
    assert code_msg(err(elb.modify_load_balancer_attributes, LoadBalancerArn=arn,
                        Attributes=[{"Key": "no.such.key", "Value": "1"}])) == (
        "ValidationError", "Load balancer attribute key 'no.such.key' is not recognized")
    assert code_msg(err(elb.modify_load_balancer_attributes, LoadBalancerArn=arn,
                        Attributes=[{"Key": "idle_timeout.timeout_seconds", "Value": "0"}])) == (
        "ValidationError",
        "Attribute 'idle_timeout.timeout_seconds' has an invalid value '0': it must be an integer from 1 to 4000")
    # Deleting what is not there succeeds (DOC).
    elb.delete_load_balancer(LoadBalancerArn=missing)


def test_target_group_and_target_errors(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    long = "a-target-group-name-longer-than-32"
    assert code_msg(err(ip_group, elb, net, name=long)) == (
        "ValidationError", f"Target group name '{long}' cannot be longer than '32' characters")
    assert code_msg(err(ip_group, elb, net, name="t.g")) == (
        "ValidationError",
        "Target group name 't.g' can only contain characters that are alphanumeric characters or hyphens(-)")
    assert code_msg(err(elb.create_target_group, Name="x", Protocol="HTTP", Port=80, VpcId=net.vpc,
                        TargetType="instance", IpAddressType="ipv6")) == (
        "ValidationError", "IPv6 target groups only support IP type targets")
    assert code_msg(err(ip_group, elb, net, name="x", HealthCheckIntervalSeconds=5, HealthCheckTimeoutSeconds=5)) == (
        "ValidationError", "Health check interval must be greater than the timeout.")
    assert code_msg(err(elb.create_target_group, Name="x", Protocol="HTTP", Port=80, TargetType="ip")) == (
        "ValidationError", "A VPC ID must be specified for a target group with target type 'ip'")
    assert code_msg(err(elb.create_target_group, Name="x", TargetType="lambda", Port=80)) == (
        "ValidationError", "A port cannot be specified for target groups with target type 'lambda'")
    tg = ip_group(elb, net)["TargetGroupArn"]
    assert code_msg(err(ip_group, elb, net, Port=9090)) == (
        "DuplicateTargetGroupName", "A target group with the same name 'tasks' exists, but with different settings")
    missing = tg.replace(tg.rsplit("/", 1)[1], "0123456789abcdef")
    for call in (lambda: elb.describe_target_groups(TargetGroupArns=[missing]),
                 lambda: elb.describe_target_groups(Names=["a" * 32]),
                 lambda: elb.describe_target_health(TargetGroupArn=missing),
                 lambda: elb.register_targets(TargetGroupArn=missing, Targets=[{"Id": "10.0.10.5"}])):
        assert code_msg(err(call)) == ("TargetGroupNotFound", "One or more target groups not found")
    assert code_msg(err(elb.register_targets, TargetGroupArn=tg, Targets=[{"Id": "10.99.0.5", "Port": 80}])) == (
        "ValidationError", "The Availability Zone is required for IP address '10.99.0.5' because it is not in the VPC")
    assert code_msg(err(elb.register_targets, TargetGroupArn=tg,
                        Targets=[{"Id": "10.0.10.5", "Port": 80, "AvailabilityZone": "all"}])) == (
        "ValidationError",
        "The IP address '10.0.10.5' is within the VPC, and cannot have its Availability Zone overridden to 'all' "
        "from 'us-east-1a'")
    assert code_msg(err(elb.register_targets, TargetGroupArn=tg, Targets=[{"Id": "52.1.2.3", "Port": 80}])) == (
        "InvalidTarget",
        "The IP address '52.1.2.3' is publicly routable: only addresses in the VPC, RFC 1918 ranges and "
        "100.64.0.0/10 can be registered")
    inst = elb.create_target_group(Name="inst", Protocol="HTTP", Port=80, VpcId=net.vpc)["TargetGroups"][0]
    assert inst["TargetType"] == "instance"
    assert code_msg(err(elb.register_targets, TargetGroupArn=inst["TargetGroupArn"],
                        Targets=[{"Id": "i-0123456789abcdef0"}])) == (
        "InvalidTarget", "The following instances do not exist: 'i-0123456789abcdef0'")
    assert code_msg(err(elb.register_targets, TargetGroupArn=inst["TargetGroupArn"],
                        Targets=[{"Id": "10.0.10.5"}])) == ("ValidationError", "Instance ID '10.0.10.5' is not valid")
    assert code_msg(err(elb.modify_target_group_attributes, TargetGroupArn=tg,
                        Attributes=[{"Key": "stickiness.bogus", "Value": "1"}])) == (
        "ValidationError", "Target group attribute key 'stickiness.bogus' is not recognized")
    lb = alb(elb, net)["LoadBalancerArn"]
    elb.create_listener(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(tg))
    assert code_msg(err(elb.delete_target_group, TargetGroupArn=tg)) == (
        "ResourceInUse", f"Target group '{tg}' is currently in use by a listener or a rule")


def test_listener_and_rule_errors(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net)["LoadBalancerArn"]
    tg = ip_group(elb, net)["TargetGroupArn"]
    mk = elb.create_listener
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="HTTPS", Port=443, DefaultActions=forward(tg))) == (
        "ValidationError", "A certificate must be specified for HTTPS listeners")
    cert = "arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012"
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(tg),
                        Certificates=[{"CertificateArn": cert}])) == (
        "ValidationError", "A certificate cannot be specified for HTTP listeners")
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="TCP", Port=80, DefaultActions=forward(tg))) == (
        "ValidationError", "Listener protocol 'TCP' must be one of 'HTTP, HTTPS'")
    tcp = elb.create_target_group(Name="tcp", Protocol="TCP", Port=80, VpcId=net.vpc, TargetType="ip")["TargetGroups"][0]
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                        DefaultActions=forward(tcp["TargetGroupArn"]))) == (
        "IncompatibleProtocols", "Listener protocol 'HTTP' is not supported with a target group with the protocol 'TCP'")
    six = ip_group(elb, net, name="six", IpAddressType="ipv6")["TargetGroupArn"]
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(six))) == (
        "InvalidConfigurationRequest",
        "You cannot associate an IPv6 target group with a load balancer that has an 'ipv4' IP address type")
    missing_tg = tg.replace(tg.rsplit("/", 1)[1], "0123456789abcdef")
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(missing_tg))) == (
        "TargetGroupNotFound", "One or more target groups not found")
    listener = mk(LoadBalancerArn=lb, Protocol="HTTP", Port=80, DefaultActions=forward(tg))["Listeners"][0]["ListenerArn"]
    assert code_msg(err(mk, LoadBalancerArn=lb, Protocol="HTTP", Port=80,
                        DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "503"}}])) == (
        "DuplicateListener", f"A listener already exists on this port for this load balancer '{lb}'")
    nlb = elb.create_load_balancer(Name="net", Type="network", Subnets=[net.priv_a])["LoadBalancers"][0]
    assert code_msg(err(mk, LoadBalancerArn=nlb["LoadBalancerArn"], Protocol="HTTP", Port=80,
                        DefaultActions=forward(tcp["TargetGroupArn"]))) == (
        "ValidationError", "Listener protocol 'HTTP' must be one of 'UDP, TCP, TCP_UDP, TLS'")
    # A group serves one load balancer.
    other = alb(elb, net, name="other")["LoadBalancerArn"]
    assert code_msg(err(mk, LoadBalancerArn=other, Protocol="HTTP", Port=80, DefaultActions=forward(tg))) == (
        "TargetGroupAssociationLimit",
        f"The following target groups cannot be associated with more than one load balancer: {tg}")
    rule = dict(ListenerArn=listener, Conditions=[{"Field": "path-pattern", "Values": ["/api/*"]}],
                Actions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "200"}}])
    elb.create_rule(Priority=10, **rule)
    assert code_msg(err(elb.create_rule, Priority=10, **rule)) == (
        "PriorityInUse", "Priority '10' is currently in use")
    assert code_msg(err(elb.create_rule, Priority=11, ListenerArn=listener,
                        Conditions=[{"Field": "cookie", "Values": ["x"]}], Actions=rule["Actions"])) == (
        "ValidationError",
        "Condition field 'cookie' must be one of '[http-header, http-request-method, host-header, path-pattern, "
        "query-string, source-ip]'")
    missing = listener.replace(listener.rsplit("/", 1)[1], "0123456789abcdef")
    for call in (lambda: elb.describe_listeners(ListenerArns=[missing]),
                 lambda: elb.delete_listener(ListenerArn=missing),
                 lambda: elb.describe_rules(ListenerArn=missing)):
        assert code_msg(err(call)) == ("ListenerNotFound", "One or more listeners not found")
    default_rule = next(r for r in elb.describe_rules(ListenerArn=listener)["Rules"] if r["IsDefault"])["RuleArn"]
    assert code_msg(err(elb.delete_rule, RuleArn=default_rule)) == (
        "OperationNotPermitted", f"The default rule '{default_rule}' cannot be deleted")
    assert code_msg(err(elb.delete_rule, RuleArn=default_rule[:-16] + "0123456789abcdef")) == (
        "RuleNotFound", "One or more rules not found")


def test_unknown_and_unimplemented_actions_and_missing_members(fresh, aws, server, cli):
    elb = aws.client("elbv2")
    e = err(elb.describe_ssl_policies)
    assert e["Code"] == "UnsupportedOperation"
    assert e["Message"].startswith("tasknet does not implement the Elastic Load Balancing action DescribeSSLPolicies")
    status, body = raw(server, "Action=FlyToTheMoon&Version=2015-12-01")
    assert status == 400
    assert f'<ErrorResponse xmlns="{NS}"><Error><Type>Sender</Type><Code>InvalidAction</Code>' in body
    assert "<Message>The action FlyToTheMoon is not valid for this web service.</Message>" in body
    # Without the SigV4 scope, the Version alone routes to ELBv2.
    req = urllib.request.Request(server.url + "/", data=b"Action=DescribeAccountLimits&Version=2015-12-01",
                                 method="POST", headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(req) as r:
        body = r.read().decode()
    strict.validate("elbv2", "DescribeAccountLimits", body)
    assert "<Name>application-load-balancers</Name>" in body
    status, body = raw(server, "Action=CreateLoadBalancer&Version=2015-12-01&Subnets.member.1=subnet-1")
    strict.validate("elbv2", "CreateLoadBalancer", body, status=status)
    assert status == 400
    assert ("<Code>ValidationError</Code><Message>1 validation error detected: Value null at &apos;name&apos; "
            "failed to satisfy constraint: Member must not be null</Message>") in body
    status, body = raw(server, "Action=RegisterTargets&Version=2015-12-01&TargetGroupArn=x&Targets.member.1.Port=80")
    assert status == 400 and "Value null at &apos;targets.1.member.id&apos;" in body
    status, body = raw(server, "Action=DescribeLoadBalancers&Version=2015-12-01&PageSize=0")
    assert "Value &apos;0&apos; at &apos;pageSize&apos; failed to satisfy constraint: Member must have value " \
           "greater than or equal to 1" in body
    status, body = raw(server, "Action=DescribeLoadBalancers&Version=2015-12-01&Marker=garbage")
    assert status == 400 and "<Message>Invalid marker</Message>" in body
    # The CLI prints the same error.
    out = cli.err("elbv2", "describe-target-groups", "--names", "nothing-here", code="TargetGroupNotFound")
    assert "One or more target groups not found" in out


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_errors_in_other_regions_keep_the_envelope(fresh, aws, region):
    elb = aws.client("elbv2", region)
    e = err(elb.describe_load_balancers, Names=["ghost"])
    assert code_msg(e) == ("LoadBalancerNotFound", "One or more load balancers not found")


def test_enis_of_load_balancers_are_protected(fresh, aws):
    ec2, elb = aws.ec2(), aws.client("elbv2")
    net = network(ec2)
    lb = alb(elb, net)
    lb_id = lb["LoadBalancerArn"].rsplit("/", 1)[1]
    enis = ec2.describe_network_interfaces(
        Filters=[{"Name": "description", "Values": [f"ELB app/web/{lb_id}"]}])["NetworkInterfaces"]
    assert len(enis) == 2
    eni = enis[0]
    e = err(ec2.delete_network_interface, NetworkInterfaceId=eni["NetworkInterfaceId"])
    assert (e["Code"], e["Message"]) == (
        "InvalidParameterValue", f"Network interface '{eni['NetworkInterfaceId']}' is currently in use.")
    e = err(ec2.detach_network_interface, AttachmentId=eni["Attachment"]["AttachmentId"])
    assert (e["Code"], e["Message"]) == ("OperationNotPermitted", "You are not allowed to manage 'eni-attach' attachments.")
    e = err(ec2.modify_network_interface_attribute, NetworkInterfaceId=eni["NetworkInterfaceId"],
            Description={"Value": "mine now"})
    assert e["Code"] == "OperationNotPermitted"
    # The subnet cannot go while the node is in it.
    e = err(ec2.delete_subnet, SubnetId=net.pub_a)
    assert e["Code"] == "DependencyViolation"
