//! Listeners (CreateListener, DescribeListeners, ModifyListener,
//! DeleteListener) and rules (CreateRule, DescribeRules, ModifyRule,
//! DeleteRule, SetRulePriorities).

use super::*;
use model::elb::listener::{
    ActionArgs, ConditionArgs, CreateListener, CreateRule, FixedArgs, ForwardArgs, ModifyListener,
    RedirectArgs, RuleView,
};

fn listener_xml(x: &mut Xml, l: &Listener) {
    x.el("ListenerArn", &l.arn)
        .el("LoadBalancerArn", &l.load_balancer_arn)
        .el("Port", l.port)
        .el("Protocol", &l.protocol);
    if !l.certificates.is_empty() {
        x.members("Certificates", &l.certificates, |x, c| {
            x.el("CertificateArn", c);
        });
    }
    x.opt("SslPolicy", l.ssl_policy.as_ref());
    actions_xml(x, "DefaultActions", &l.default_actions);
    if !l.alpn_policy.is_empty() {
        string_members(x, "AlpnPolicy", &l.alpn_policy);
    }
}

fn condition_xml(x: &mut Xml, c: &Condition) {
    x.el("Field", &c.field);
    let values = |x: &mut Xml| string_members(x, "Values", &c.values);
    match c.field.as_str() {
        // The two original fields keep their legacy `Values` too.
        "host-header" => {
            values(x);
            x.wrap("HostHeaderConfig", values);
        }
        "path-pattern" => {
            values(x);
            x.wrap("PathPatternConfig", values);
        }
        "http-header" => {
            x.wrap("HttpHeaderConfig", |x| {
                x.opt("HttpHeaderName", c.header_name.as_ref());
                values(x);
            });
        }
        "http-request-method" => {
            x.wrap("HttpRequestMethodConfig", values);
        }
        "source-ip" => {
            x.wrap("SourceIpConfig", values);
        }
        _ => {
            x.wrap("QueryStringConfig", |x| {
                x.members("Values", &c.query, |x, (k, v)| {
                    x.opt("Key", k.as_ref()).el("Value", v);
                });
            });
        }
    }
}

fn rule_xml(x: &mut Xml, r: &RuleView) {
    x.el("RuleArn", &r.arn);
    match r.priority {
        Some(p) => x.el("Priority", p),
        None => x.el("Priority", "default"),
    };
    x.members("Conditions", &r.conditions, condition_xml);
    actions_xml(x, "Actions", &r.actions);
    x.b("IsDefault", r.priority.is_none());
}

fn actions(p: &Params, key: &str) -> Result<Vec<ActionArgs>> {
    let mut out = Vec::new();
    for a in structs(p, key) {
        let forward = if a.has_prefix("ForwardConfig") {
            let f = a.sub("ForwardConfig");
            let mut groups = Vec::new();
            for g in structs(&f, "TargetGroups") {
                groups.push((opt(&g, "TargetGroupArn"), int(&g, "Weight")?));
            }
            let stickiness = if f.has_prefix("TargetGroupStickinessConfig") {
                let s = f.sub("TargetGroupStickinessConfig");
                Some((boolean(&s, "Enabled")?, int(&s, "DurationSeconds")?))
            } else {
                None
            };
            Some(ForwardArgs { groups, stickiness })
        } else {
            None
        };
        let redirect = a.has_prefix("RedirectConfig").then(|| {
            let r = a.sub("RedirectConfig");
            RedirectArgs {
                protocol: opt(&r, "Protocol"),
                port: opt(&r, "Port"),
                host: opt(&r, "Host"),
                path: opt(&r, "Path"),
                query: opt(&r, "Query"),
                status_code: opt(&r, "StatusCode"),
            }
        });
        let fixed = a.has_prefix("FixedResponseConfig").then(|| {
            let f = a.sub("FixedResponseConfig");
            FixedArgs {
                status_code: opt(&f, "StatusCode"),
                content_type: opt(&f, "ContentType"),
                message_body: opt(&f, "MessageBody"),
            }
        });
        out.push(ActionArgs {
            kind: opt(&a, "Type"),
            order: int(&a, "Order")?,
            target_group_arn: opt(&a, "TargetGroupArn"),
            forward,
            redirect,
            fixed,
        });
    }
    Ok(out)
}

fn conditions(p: &Params) -> Vec<ConditionArgs> {
    structs(p, "Conditions")
        .into_iter()
        .map(|c| {
            let field = opt(&c, "Field");
            let config = match field.as_deref() {
                Some("host-header") => "HostHeaderConfig",
                Some("path-pattern") => "PathPatternConfig",
                Some("http-header") => "HttpHeaderConfig",
                Some("http-request-method") => "HttpRequestMethodConfig",
                Some("source-ip") => "SourceIpConfig",
                _ => "QueryStringConfig",
            };
            let cfg = c.sub(config);
            let query = structs(&c.sub("QueryStringConfig"), "Values")
                .iter()
                .map(|kv| {
                    (
                        opt(kv, "Key"),
                        kv.get("Value").unwrap_or_default().to_string(),
                    )
                })
                .collect();
            ConditionArgs {
                field,
                values: list(&c, "Values"),
                config_values: c.has_prefix(config).then(|| list(&cfg, "Values")),
                header_name: opt(&c, "HttpHeaderConfig.HttpHeaderName"),
                query,
            }
        })
        .collect()
}

fn certificates(p: &Params) -> Option<Vec<String>> {
    if !p.has_prefix("Certificates") && p.get("Certificates").is_none() {
        return None;
    }
    Some(
        structs(p, "Certificates")
            .iter()
            .filter_map(|c| opt(c, "CertificateArn"))
            .collect(),
    )
}

pub async fn create_listener(call: &Call<'_>, p: &Params) -> Result {
    let req = CreateListener {
        load_balancer_arn: req(p, "LoadBalancerArn")?,
        protocol: opt(p, "Protocol"),
        port: int(p, "Port")?,
        ssl_policy: opt(p, "SslPolicy"),
        certificates: certificates(p).unwrap_or_default(),
        alpn_policy: list(p, "AlpnPolicy"),
        default_actions: actions(p, "DefaultActions")?,
        tags: tags(p, "Tags")?,
    };
    write(call, move |r, now| {
        let arn = r.create_listener(req, now)?;
        let l = r.listener(&arn)?;
        let mut x = Xml::new();
        x.members("Listeners", [l], listener_xml);
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_listeners(call: &Call<'_>, p: &Params) -> Result {
    let lb = opt(p, "LoadBalancerArn");
    let arns = list(p, "ListenerArns");
    let paging = paging(p)?;
    read(call, move |r, _| {
        let (page, next) = r.describe_listeners(lb.as_deref(), &arns, &paging)?;
        let mut x = Xml::new();
        x.members("Listeners", page, listener_xml);
        x.opt("NextMarker", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn modify_listener(call: &Call<'_>, p: &Params) -> Result {
    let req = ModifyListener {
        arn: req(p, "ListenerArn")?,
        protocol: opt(p, "Protocol"),
        port: int(p, "Port")?,
        ssl_policy: opt(p, "SslPolicy"),
        certificates: certificates(p),
        alpn_policy: opt_list(p, "AlpnPolicy"),
        default_actions: if p.has_prefix("DefaultActions") || p.get("DefaultActions").is_some() {
            Some(actions(p, "DefaultActions")?)
        } else {
            None
        },
    };
    write(call, move |r, now| {
        let arn = req.arn.clone();
        r.modify_listener(req, now)?;
        let l = r.listener(&arn)?;
        let mut x = Xml::new();
        x.members("Listeners", [l], listener_xml);
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_listener(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "ListenerArn")?;
    write(call, move |r, _| {
        r.delete_listener(&arn).map(|_| String::new())
    })
    .await
}

pub async fn create_rule(call: &Call<'_>, p: &Params) -> Result {
    let listener_arn = req(p, "ListenerArn")?;
    let priority = int(p, "Priority")?.ok_or_else(|| err::missing("priority"))?;
    if !p.has_prefix("Conditions") && p.get("Conditions").is_none() {
        return Err(err::missing("conditions"));
    }
    let req = CreateRule {
        listener_arn,
        priority,
        conditions: conditions(p),
        actions: actions(p, "Actions")?,
        tags: tags(p, "Tags")?,
    };
    write(call, move |r, now| {
        let arn = r.create_rule(req, now)?;
        let v = r.rule_view(&arn)?;
        let mut x = Xml::new();
        x.members("Rules", [v], |x, v| rule_xml(x, &v));
        Ok(x.into_string())
    })
    .await
}

pub async fn describe_rules(call: &Call<'_>, p: &Params) -> Result {
    let listener = opt(p, "ListenerArn");
    let arns = list(p, "RuleArns");
    let paging = paging(p)?;
    read(call, move |r, _| {
        let (page, next) = r.describe_rules(listener.as_deref(), &arns, &paging)?;
        let mut x = Xml::new();
        x.members("Rules", &page, rule_xml);
        x.opt("NextMarker", next);
        Ok(x.into_string())
    })
    .await
}

pub async fn modify_rule(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "RuleArn")?;
    let conds =
        (p.has_prefix("Conditions") || p.get("Conditions").is_some()).then(|| conditions(p));
    let acts = if p.has_prefix("Actions") || p.get("Actions").is_some() {
        Some(actions(p, "Actions")?)
    } else {
        None
    };
    write(call, move |r, now| {
        r.modify_rule(&arn, conds.as_deref(), acts.as_deref(), now)?;
        let v = r.rule_view(&arn)?;
        let mut x = Xml::new();
        x.members("Rules", [v], |x, v| rule_xml(x, &v));
        Ok(x.into_string())
    })
    .await
}

pub async fn delete_rule(call: &Call<'_>, p: &Params) -> Result {
    let arn = req(p, "RuleArn")?;
    write(call, move |r, _| r.delete_rule(&arn).map(|_| String::new())).await
}

pub async fn set_rule_priorities(call: &Call<'_>, p: &Params) -> Result {
    if !p.has_prefix("RulePriorities") && p.get("RulePriorities").is_none() {
        return Err(err::missing("rulePriorities"));
    }
    let mut pairs = Vec::new();
    for rp in structs(p, "RulePriorities") {
        let arn = req(&rp, "RuleArn")?;
        let prio = int(&rp, "Priority")?.ok_or_else(|| err::missing("priority"))?;
        pairs.push((arn, prio));
    }
    write(call, move |r, _| {
        let arns = r.set_rule_priorities(&pairs)?;
        let mut views = Vec::new();
        for a in &arns {
            views.push(r.rule_view(a)?);
        }
        let mut x = Xml::new();
        x.members("Rules", &views, rule_xml);
        Ok(x.into_string())
    })
    .await
}
