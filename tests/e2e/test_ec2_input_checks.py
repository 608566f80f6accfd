"""Malformed EC2 query parameters are refused in EC2's envelope instead of
being dropped: a list position that is not a positive integer (`SubnetId.a`,
`.0`, `.-1`, one past 2^32 - 1) would otherwise make a filter or an id vanish
and the call answer for everything."""

from __future__ import annotations

import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def ec2_raw(url: str, params: dict[str, str]) -> tuple[int, ET.Element]:
    body = urllib.parse.urlencode({"Version": "2016-11-15", **params}).encode()
    req = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20240101/us-east-1/ec2/aws4_request, "
                         "SignedHeaders=host, Signature=0",
    })
    try:
        with OPENER.open(req, timeout=10) as r:
            return r.status, ET.fromstring(r.read())
    except urllib.error.HTTPError as e:
        return e.code, ET.fromstring(e.read())


def error_of(root: ET.Element) -> tuple[str, str]:
    assert root.tag == "Response", ET.tostring(root)
    err = root.find("Errors/Error")
    assert root.find("RequestID") is not None and root.find("RequestID").text
    return err.findtext("Code"), err.findtext("Message")


@pytest.mark.parametrize("name", ["SubnetId.a", "SubnetId.0", "SubnetId.-1", "SubnetId.4294967296",
                                  "SubnetId.01", "Filter.1.name"])
def test_malformed_list_positions_are_unknown_parameters(fresh, name):
    status, root = ec2_raw(fresh.url, {"Action": "DescribeSubnets", name: "subnet-0123456789abcdef0"})
    assert status == 400
    assert error_of(root) == ("UnknownParameter", f"The parameter {name} is not recognized")


def test_a_well_formed_filter_still_filters(fresh, aws):
    ec2 = aws.ec2()
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    status, root = ec2_raw(fresh.url, {"Action": "DescribeVpcs", "Filter.1.Name": "vpc-id",
                                       "Filter.1.Value.1": vpc})
    assert status == 200
    ns = {"e": "http://ec2.amazonaws.com/doc/2016-11-15/"}
    ids = [x.text for x in root.findall("e:vpcSet/e:item/e:vpcId", ns)]
    assert ids == [vpc]
    # With the position malformed, the call is refused, not answered for every VPC.
    status, root = ec2_raw(fresh.url, {"Action": "DescribeVpcs", "Filter.1.Name": "vpc-id",
                                       "Filter.1.Value.4294967296": vpc})
    assert status == 400
    assert error_of(root)[0] == "UnknownParameter"


@pytest.mark.parametrize("params,message", [
    ({"Action": "DescribeVpcs", "DryRun": "maybe"},
     "Value (maybe) for parameter dryRun is invalid. Expecting 'true' or 'false'."),
    ({"Action": "DescribeVpcs", "MaxResults": "lots"},
     "Value (lots) for parameter maxResults is invalid. Expecting an integer."),
])
def test_bad_scalar_values(fresh, params, message):
    status, root = ec2_raw(fresh.url, params)
    assert status == 400
    assert error_of(root) == ("InvalidParameterValue", message)
