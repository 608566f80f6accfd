"""ECS account settings (issue 3; N13 reads dualStackIPv6 through them):
own settings vs account defaults, effective values, errors, pagination."""

from ecs_support import ROOT, err_pair

IPE = "InvalidParameterException"
ROLE = "arn:aws:iam::123456789012:role/deployer"


def by_name(settings):
    return {s["name"]: s for s in settings}


def test_put_list_delete_own_and_default(fresh, aws):
    ecs = aws.ecs()
    assert ecs.list_account_settings()["settings"] == []
    d = ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")["setting"]
    assert d == {"name": "dualStackIPv6", "value": "enabled", "principalArn": ROOT, "type": "user"}
    own = ecs.put_account_setting(name="containerInsights", value="enhanced")["setting"]
    assert own == {"name": "containerInsights", "value": "enhanced", "principalArn": ROOT, "type": "user"}
    role = ecs.put_account_setting(name="dualStackIPv6", value="disabled", principalArn=ROLE)["setting"]
    assert role["principalArn"] == ROLE
    listed = by_name(ecs.list_account_settings()["settings"])
    assert set(listed) == {"dualStackIPv6", "containerInsights"}
    assert listed["dualStackIPv6"]["value"] == "enabled"
    assert [s["value"] for s in ecs.list_account_settings(principalArn=ROLE)["settings"]] == ["disabled"]
    assert ecs.list_account_settings(name="containerInsights", value="enhanced")["settings"][0]["value"] == "enhanced"
    assert ecs.list_account_settings(name="containerInsights", value="enabled")["settings"] == []
    # the role's effective value is its own; an unrelated role gets the account default
    eff = by_name(ecs.list_account_settings(principalArn=ROLE, effectiveSettings=True, name="dualStackIPv6")["settings"])
    assert eff["dualStackIPv6"]["value"] == "disabled"
    other = "arn:aws:iam::123456789012:user/alice"
    eff = ecs.list_account_settings(principalArn=other, effectiveSettings=True, name="dualStackIPv6")["settings"]
    assert eff[0]["value"] == "enabled"
    # delete
    deleted = ecs.delete_account_setting(name="dualStackIPv6", principalArn=ROLE)["setting"]
    assert deleted["value"] == "disabled" and deleted["principalArn"] == ROLE
    assert ecs.list_account_settings(principalArn=ROLE)["settings"] == []
    ecs.delete_account_setting(name="containerInsights")
    assert [s["name"] for s in ecs.list_account_settings()["settings"]] == ["dualStackIPv6"]


def test_effective_settings_and_aws_defaults(fresh, aws):
    ecs = aws.ecs()
    pages, kw = [], {"effectiveSettings": True}
    while True:
        page = ecs.list_account_settings(**kw)
        pages.append(page["settings"])
        if "nextToken" not in page:
            break
        kw["nextToken"] = page["nextToken"]
    assert len(pages) == 2 and len(pages[0]) == 10  # at most 10 per page
    eff = by_name([s for p in pages for s in p])
    assert eff["dualStackIPv6"]["value"] == "disabled"
    assert eff["taskLongArnFormat"]["value"] == "enabled"
    assert eff["tagResourceAuthorization"]["value"] == "on"
    assert eff["fargateTaskRetirementWaitPeriod"]["value"] == "7"
    assert eff["containerInsights"]["value"] == "disabled"


def test_setting_errors(fresh, aws):
    ecs = aws.ecs()
    assert err_pair(ecs.put_account_setting, name="dualStackIPv6", value="ENABLED") == (IPE, "Invalid setting 'value'")
    assert err_pair(ecs.put_account_setting_default, name="dualStackIPv6", value="yes") == (
        IPE, "Invalid setting 'value'")
    assert err_pair(ecs.put_account_setting, name="fargateTaskRetirementWaitPeriod", value="3") == (
        IPE, "Invalid setting 'value'")
    assert err_pair(ecs.put_account_setting, name="dualStackIPv6", value="enabled",
                    principalArn="not-an-arn")[0] == IPE
    assert ecs.list_account_settings()["settings"] == []


def test_settings_are_per_region(fresh, aws):
    aws.ecs().put_account_setting_default(name="dualStackIPv6", value="enabled")
    assert aws.ecs("eu-west-1").list_account_settings()["settings"] == []


def test_cli_account_settings(fresh, cli):
    out = cli.ok("ecs", "put-account-setting-default", "--name", "dualStackIPv6", "--value", "enabled")
    assert out["setting"]["value"] == "enabled"
    out = cli.ok("ecs", "put-account-setting", "--name", "dualStackIPv6", "--value", "disabled")
    assert out["setting"]["principalArn"] == ROOT
    eff = cli.ok("ecs", "list-account-settings", "--name", "dualStackIPv6", "--effective-settings")
    assert [s["value"] for s in eff["settings"]] == ["disabled"]
    stderr = cli.err("ecs", "put-account-setting", "--name", "dualStackIPv6", "--value", "on",
                     code="InvalidParameterException")
    assert "Invalid setting 'value'" in stderr
