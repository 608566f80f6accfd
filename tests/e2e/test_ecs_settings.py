"""ECS account settings (issue 3; N13 reads dualStackIPv6 through them):
own settings vs account defaults, effective values, errors, pagination, and
that what PutAccountSetting stores is what every read gives back, also after
a restart."""

from ecs_support import ROOT, assert_pages, err_pair

IPE = "InvalidParameterException"
ROLE = "arn:aws:iam::123456789012:role/deployer"
ALICE = "arn:aws:iam::123456789012:user/alice"

# Every setting ECS has, with AWS's default value (what a fresh account reads).
AWS_DEFAULTS = {
    "serviceLongArnFormat": "enabled",
    "taskLongArnFormat": "enabled",
    "containerInstanceLongArnFormat": "enabled",
    "awsvpcTrunking": "disabled",
    "containerInsights": "disabled",
    "dualStackIPv6": "disabled",
    "fargateFIPSMode": "disabled",
    "tagResourceAuthorization": "on",
    "fargateTaskRetirementWaitPeriod": "7",
    "guardDutyActivate": "off",
    "defaultLogDriverMode": "non-blocking",
    "fargateEventWindows": "disabled",
}


def setting(name, value, principal=ROOT, kind="user"):
    return {"name": name, "value": value, "principalArn": principal, "type": kind}


def by_name(settings):
    out = {s["name"]: s for s in settings}
    assert len(out) == len(settings), f"a setting is listed twice: {settings}"
    return out


def listed(ecs, **kw):
    """All pages of ListAccountSettings, keyed by name."""
    out, kw = [], dict(kw)
    while True:
        page = ecs.list_account_settings(**kw)
        out += page["settings"]
        if "nextToken" not in page:
            return by_name(out)
        kw["nextToken"] = page["nextToken"]


def effective(ecs, name, principal=None):
    kw = {"name": name, "effectiveSettings": True}
    if principal:
        kw["principalArn"] = principal
    settings = ecs.list_account_settings(**kw)["settings"]
    assert len(settings) == 1, settings
    return settings[0]


def test_put_list_delete_own_and_default(fresh, aws):
    ecs = aws.ecs()
    assert ecs.list_account_settings()["settings"] == []
    d = ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")["setting"]
    assert d == setting("dualStackIPv6", "enabled")
    assert ecs.list_account_settings()["settings"] == [d]
    own = ecs.put_account_setting(name="containerInsights", value="enhanced")["setting"]
    assert own == setting("containerInsights", "enhanced")
    root_view = {"dualStackIPv6": d, "containerInsights": own}
    assert listed(ecs) == root_view
    role = ecs.put_account_setting(name="dualStackIPv6", value="disabled", principalArn=ROLE)["setting"]
    assert role == setting("dualStackIPv6", "disabled", ROLE)
    assert ecs.list_account_settings(principalArn=ROLE)["settings"] == [role]
    # the role's own setting is the role's; the root's list does not change
    assert listed(ecs) == root_view
    assert ecs.list_account_settings(principalArn=ALICE)["settings"] == []
    # name and value filters
    assert ecs.list_account_settings(name="containerInsights", value="enhanced")["settings"] == [own]
    assert ecs.list_account_settings(name="containerInsights", value="enabled")["settings"] == []
    assert ecs.list_account_settings(name="dualStackIPv6")["settings"] == [d]
    assert ecs.list_account_settings(value="enabled")["settings"] == [d]
    assert ecs.list_account_settings(name="dualStackIPv6", principalArn=ROLE, value="disabled")["settings"] == [role]
    # effective values: the role's own; an unrelated user gets the account default; the
    # root gets the account default; a setting nobody set is AWS's default
    assert effective(ecs, "dualStackIPv6", ROLE) == role
    assert effective(ecs, "dualStackIPv6", ALICE) == setting("dualStackIPv6", "enabled")
    assert effective(ecs, "dualStackIPv6") == d
    assert effective(ecs, "containerInsights") == own
    assert effective(ecs, "fargateFIPSMode", ALICE) == setting("fargateFIPSMode", "disabled", kind="aws_managed")
    # delete: the role falls back to the account default
    deleted = ecs.delete_account_setting(name="dualStackIPv6", principalArn=ROLE)["setting"]
    assert deleted == role
    assert ecs.list_account_settings(principalArn=ROLE)["settings"] == []
    assert effective(ecs, "dualStackIPv6", ROLE) == setting("dualStackIPv6", "enabled")
    assert ecs.delete_account_setting(name="containerInsights")["setting"] == own
    assert ecs.list_account_settings()["settings"] == [d]
    assert effective(ecs, "containerInsights") == setting("containerInsights", "disabled", kind="aws_managed")
    # the root deleting a setting it has only as the account default removes the default
    assert ecs.delete_account_setting(name="dualStackIPv6")["setting"] == d
    assert ecs.list_account_settings()["settings"] == []
    assert effective(ecs, "dualStackIPv6", ALICE) == setting("dualStackIPv6", "disabled", kind="aws_managed")


def test_put_overwrites_and_own_setting_overrides_the_default(fresh, aws):
    ecs = aws.ecs()
    ecs.put_account_setting_default(name="fargateTaskRetirementWaitPeriod", value="14")
    assert effective(ecs, "fargateTaskRetirementWaitPeriod", ROLE) == setting("fargateTaskRetirementWaitPeriod", "14")
    # a second put replaces the value; there is still one setting of that name
    ecs.put_account_setting_default(name="fargateTaskRetirementWaitPeriod", value="0")
    assert ecs.list_account_settings()["settings"] == [setting("fargateTaskRetirementWaitPeriod", "0")]
    assert effective(ecs, "fargateTaskRetirementWaitPeriod", ROLE)["value"] == "0"
    # the role's own value wins over the default, for the role only
    ecs.put_account_setting(name="fargateTaskRetirementWaitPeriod", value="7", principalArn=ROLE)
    assert effective(ecs, "fargateTaskRetirementWaitPeriod", ROLE) == setting(
        "fargateTaskRetirementWaitPeriod", "7", ROLE)
    assert effective(ecs, "fargateTaskRetirementWaitPeriod", ALICE) == setting("fargateTaskRetirementWaitPeriod", "0")
    ecs.put_account_setting(name="fargateTaskRetirementWaitPeriod", value="14", principalArn=ROLE)
    assert ecs.list_account_settings(principalArn=ROLE)["settings"] == [
        setting("fargateTaskRetirementWaitPeriod", "14", ROLE)]
    # the default changing again does not touch the role's own value
    ecs.put_account_setting_default(name="fargateTaskRetirementWaitPeriod", value="7")
    assert effective(ecs, "fargateTaskRetirementWaitPeriod", ROLE)["value"] == "14"
    assert effective(ecs, "fargateTaskRetirementWaitPeriod", ALICE)["value"] == "7"


def test_the_root_users_setting_is_everyones_default(fresh, aws):
    """AWS PutAccountSetting: "If you change the root user account setting, the
    default settings are reset for users and roles that do not have specified
    individual account settings." DeleteAccountSetting for the root "disables
    the account setting for all users, roles, and the root user of the account
    unless a user or role explicitly overrides these settings"."""
    ecs = aws.ecs()
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    ecs.put_account_setting(name="dualStackIPv6", value="enabled", principalArn=ROLE)
    assert effective(ecs, "dualStackIPv6", ALICE) == setting("dualStackIPv6", "enabled")
    # the root changes its own setting: everyone without their own follows
    assert ecs.put_account_setting(name="dualStackIPv6", value="disabled")["setting"] == setting(
        "dualStackIPv6", "disabled")
    assert effective(ecs, "dualStackIPv6", ALICE) == setting("dualStackIPv6", "disabled")
    assert effective(ecs, "dualStackIPv6") == setting("dualStackIPv6", "disabled")
    # a role with its own setting keeps it
    assert effective(ecs, "dualStackIPv6", ROLE) == setting("dualStackIPv6", "enabled", ROLE)
    # the root has one value for the name, not an own one next to a default
    assert ecs.list_account_settings(name="dualStackIPv6")["settings"] == [setting("dualStackIPv6", "disabled")]
    # without any PutAccountSettingDefault the root's setting is the default too
    ecs.put_account_setting(name="containerInsights", value="enhanced", principalArn=ROOT)
    assert effective(ecs, "containerInsights", ALICE) == setting("containerInsights", "enhanced")
    # the root deleting its setting disables it for everyone but the role with its own
    assert ecs.delete_account_setting(name="dualStackIPv6")["setting"] == setting("dualStackIPv6", "disabled")
    for who in (ALICE, ROOT):
        assert effective(ecs, "dualStackIPv6", who) == setting("dualStackIPv6", "disabled", kind="aws_managed")
    assert effective(ecs, "dualStackIPv6", ROLE) == setting("dualStackIPv6", "enabled", ROLE)
    assert ecs.list_account_settings(name="dualStackIPv6")["settings"] == []


def test_effective_settings_and_aws_defaults(fresh, aws):
    ecs = aws.ecs()
    ident = lambda s: s["name"]  # noqa: E731
    # all twelve settings, ten to a page by default, with AWS's values
    pages = assert_pages(ecs.list_account_settings, "settings", ident, 10, list(AWS_DEFAULTS), token="nextToken",
                         limit=None, effectiveSettings=True)
    assert [len(p) for p in pages] == [10, 2]
    pages = assert_pages(ecs.list_account_settings, "settings", ident, 5, list(AWS_DEFAULTS), token="nextToken",
                         limit="maxResults", effectiveSettings=True)
    assert [len(p) for p in pages] == [5, 5, 2]
    eff = listed(ecs, effectiveSettings=True)
    assert eff == {n: setting(n, v, kind="aws_managed") for n, v in AWS_DEFAULTS.items()}
    # a stored default shows up among them as the account's, the rest stay AWS's
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    ecs.put_account_setting_default(name="tagResourceAuthorization", value="off")
    eff = listed(ecs, effectiveSettings=True)
    want = {n: setting(n, v, kind="aws_managed") for n, v in AWS_DEFAULTS.items()}
    want["dualStackIPv6"] = setting("dualStackIPv6", "enabled")
    want["tagResourceAuthorization"] = setting("tagResourceAuthorization", "off")
    assert eff == want
    assert listed(ecs, effectiveSettings=True, principalArn=ROLE) == want


def test_setting_errors(fresh, aws):
    ecs = aws.ecs()
    stored = ecs.put_account_setting(name="dualStackIPv6", value="enabled")["setting"]
    assert err_pair(ecs.put_account_setting, name="dualStackIPv6", value="ENABLED") == (IPE, "Invalid setting 'value'")
    assert err_pair(ecs.put_account_setting_default, name="dualStackIPv6", value="yes") == (
        IPE, "Invalid setting 'value'")
    assert err_pair(ecs.put_account_setting, name="fargateTaskRetirementWaitPeriod", value="3") == (
        IPE, "Invalid setting 'value'")
    assert err_pair(ecs.put_account_setting, name="dualStackIPv6", value="disabled",
                    principalArn="not-an-arn")[0] == IPE
    # the failed calls stored nothing and changed nothing
    assert ecs.list_account_settings()["settings"] == [stored]
    assert ecs.list_account_settings(principalArn=ALICE)["settings"] == []
    assert effective(ecs, "fargateTaskRetirementWaitPeriod") == setting(
        "fargateTaskRetirementWaitPeriod", "7", kind="aws_managed")


def test_settings_are_per_region(fresh, aws):
    us, eu = aws.ecs(), aws.ecs("eu-west-1")
    us.put_account_setting_default(name="dualStackIPv6", value="enabled")
    assert eu.list_account_settings()["settings"] == []
    assert effective(eu, "dualStackIPv6") == setting("dualStackIPv6", "disabled", kind="aws_managed")
    eu.put_account_setting(name="containerInsights", value="enabled", principalArn=ROLE)
    assert us.list_account_settings()["settings"] == [setting("dualStackIPv6", "enabled")]
    assert us.list_account_settings(principalArn=ROLE)["settings"] == []
    assert eu.list_account_settings(principalArn=ROLE)["settings"] == [setting("containerInsights", "enabled", ROLE)]
    assert effective(us, "dualStackIPv6") == setting("dualStackIPv6", "enabled")


def test_settings_survive_a_restart(fresh, aws, server):
    ecs, eu = aws.ecs(), aws.ecs("eu-west-1")
    ecs.put_account_setting_default(name="dualStackIPv6", value="enabled")
    ecs.put_account_setting(name="containerInsights", value="enhanced")
    ecs.put_account_setting(name="dualStackIPv6", value="disabled", principalArn=ROLE)
    ecs.put_account_setting(name="fargateTaskRetirementWaitPeriod", value="14", principalArn=ALICE)
    eu.put_account_setting_default(name="tagResourceAuthorization", value="off")

    def snapshot(ecs, eu):
        return {
            "root": listed(ecs),
            "role": listed(ecs, principalArn=ROLE),
            "alice": listed(ecs, principalArn=ALICE),
            "eff-root": listed(ecs, effectiveSettings=True),
            "eff-role": listed(ecs, effectiveSettings=True, principalArn=ROLE),
            "eff-alice": listed(ecs, effectiveSettings=True, principalArn=ALICE),
            "eu": listed(eu),
        }

    before = snapshot(ecs, eu)
    assert before["root"] == {"dualStackIPv6": setting("dualStackIPv6", "enabled"),
                              "containerInsights": setting("containerInsights", "enhanced")}
    assert before["role"] == {"dualStackIPv6": setting("dualStackIPv6", "disabled", ROLE)}
    assert before["alice"] == {"fargateTaskRetirementWaitPeriod": setting("fargateTaskRetirementWaitPeriod", "14",
                                                                          ALICE)}
    assert before["eff-role"]["dualStackIPv6"]["value"] == "disabled"
    assert before["eff-alice"]["dualStackIPv6"] == setting("dualStackIPv6", "enabled")
    assert before["eff-alice"]["fargateTaskRetirementWaitPeriod"]["value"] == "14"
    assert before["eu"] == {"tagResourceAuthorization": setting("tagResourceAuthorization", "off")}

    server.restart()
    ecs, eu = aws.ecs(), aws.ecs("eu-west-1")
    assert snapshot(ecs, eu) == before
    # and the stored values are still the ones that change: delete and overwrite after the restart
    ecs.delete_account_setting(name="dualStackIPv6", principalArn=ROLE)
    ecs.put_account_setting(name="containerInsights", value="disabled")
    server.restart()
    ecs = aws.ecs()
    assert listed(ecs, principalArn=ROLE) == {}
    assert effective(ecs, "dualStackIPv6", ROLE) == setting("dualStackIPv6", "enabled")
    assert listed(ecs)["containerInsights"] == setting("containerInsights", "disabled")


def test_cli_account_settings(fresh, cli):
    out = cli.ok("ecs", "put-account-setting-default", "--name", "dualStackIPv6", "--value", "enabled")
    assert out["setting"] == setting("dualStackIPv6", "enabled")
    # the stored default is what the root's effective value now is (AWS's default is disabled)
    eff = cli.ok("ecs", "list-account-settings", "--name", "dualStackIPv6", "--effective-settings")
    assert eff["settings"] == [setting("dualStackIPv6", "enabled")]
    out = cli.ok("ecs", "put-account-setting", "--name", "dualStackIPv6", "--value", "disabled")
    assert out["setting"] == setting("dualStackIPv6", "disabled")
    eff = cli.ok("ecs", "list-account-settings", "--name", "dualStackIPv6", "--effective-settings")
    assert eff["settings"] == [setting("dualStackIPv6", "disabled")]
    # the root's setting is the default of every principal without its own (AWS PutAccountSetting)
    eff = cli.ok("ecs", "list-account-settings", "--name", "dualStackIPv6", "--effective-settings",
                 "--principal-arn", ROLE)
    assert eff["settings"] == [setting("dualStackIPv6", "disabled")]
    stderr = cli.err("ecs", "put-account-setting", "--name", "dualStackIPv6", "--value", "on",
                     code="InvalidParameterException")
    assert "Invalid setting 'value'" in stderr
    eff = cli.ok("ecs", "list-account-settings", "--name", "dualStackIPv6", "--effective-settings")
    assert eff["settings"] == [setting("dualStackIPv6", "disabled")]
