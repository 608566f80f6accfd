//! Elastic Load Balancing v2 on the awsQuery protocol (API version
//! 2015-12-01, namespace `http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/`):
//! action dispatch, typed decoding of the flattened parameters
//! (`Subnets.member.1`, `Tags.member.1.Key`), the shared XML shapes, and
//! one module per resource family. Responses follow botocore's `elbv2`
//! model; every error is the awsQuery envelope with ELBv2's namespace.

mod attributes;
mod listeners;
mod load_balancers;
mod tags;
mod target_groups;
mod targets;

use crate::params::Params;
use crate::xml::{escape_into, Xml};
use crate::{Call, Response};
use model::ec2::types::Tag;
use model::elb::types::*;
use model::elb::{err, ElbTiming, Paging};
use model::{ApiError, Millis, Region};

pub const NS: &str = "http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/";

pub type Result<T = String> = std::result::Result<T, ApiError>;

pub async fn handle(call: &Call<'_>, action: &str, p: &Params) -> Response {
    match run(call, action, p).await {
        Ok(inner) => ok(action, &inner, call.request_id.clone()),
        Err(e) => crate::envelope::query_error(NS, &e, call.request_id.clone()),
    }
}

/// The awsQuery success envelope; the `<XResult>` element is there even
/// when empty, as botocore's model (`resultWrapper`) has it.
fn ok(action: &str, inner: &str, request_id: String) -> Response {
    let mut b = String::with_capacity(inner.len() + 256);
    b.push('<');
    b.push_str(action);
    b.push_str("Response xmlns=\"");
    b.push_str(NS);
    b.push_str("\"><");
    b.push_str(action);
    b.push_str("Result>");
    b.push_str(inner);
    b.push_str("</");
    b.push_str(action);
    b.push_str("Result><ResponseMetadata><RequestId>");
    b.push_str(&request_id);
    b.push_str("</RequestId></ResponseMetadata></");
    b.push_str(action);
    b.push_str("Response>");
    Response {
        status: 200,
        content_type: "text/xml",
        request_id,
        headers: Vec::new(),
        body: b.into_bytes(),
    }
}

macro_rules! actions {
    ($($name:literal => $f:path),* $(,)?) => {
        async fn run(call: &Call<'_>, action: &str, p: &Params) -> Result {
            match action {
                $($name => $f(call, p).await,)*
                _ if ALL.contains(&action) => Err(ApiError::new(
                    "UnsupportedOperation",
                    format!("tasknet does not implement the Elastic Load Balancing action {action}; it emulates Application and Network Load Balancers for ECS on Fargate."),
                )),
                _ => Err(ApiError::new(
                    "InvalidAction",
                    format!("The action {action} is not valid for this web service."),
                )),
            }
        }
    };
}

actions! {
    "CreateLoadBalancer" => load_balancers::create_load_balancer,
    "DescribeLoadBalancers" => load_balancers::describe_load_balancers,
    "DeleteLoadBalancer" => load_balancers::delete_load_balancer,
    "SetSecurityGroups" => load_balancers::set_security_groups,
    "SetSubnets" => load_balancers::set_subnets,
    "SetIpAddressType" => load_balancers::set_ip_address_type,
    "DescribeAccountLimits" => load_balancers::describe_account_limits,
    "DescribeLoadBalancerAttributes" => attributes::describe_load_balancer_attributes,
    "ModifyLoadBalancerAttributes" => attributes::modify_load_balancer_attributes,
    "DescribeTargetGroupAttributes" => attributes::describe_target_group_attributes,
    "ModifyTargetGroupAttributes" => attributes::modify_target_group_attributes,
    "CreateTargetGroup" => target_groups::create_target_group,
    "DescribeTargetGroups" => target_groups::describe_target_groups,
    "ModifyTargetGroup" => target_groups::modify_target_group,
    "DeleteTargetGroup" => target_groups::delete_target_group,
    "RegisterTargets" => targets::register_targets,
    "DeregisterTargets" => targets::deregister_targets,
    "DescribeTargetHealth" => targets::describe_target_health,
    "CreateListener" => listeners::create_listener,
    "DescribeListeners" => listeners::describe_listeners,
    "ModifyListener" => listeners::modify_listener,
    "DeleteListener" => listeners::delete_listener,
    "CreateRule" => listeners::create_rule,
    "DescribeRules" => listeners::describe_rules,
    "ModifyRule" => listeners::modify_rule,
    "DeleteRule" => listeners::delete_rule,
    "SetRulePriorities" => listeners::set_rule_priorities,
    "AddTags" => tags::add_tags,
    "RemoveTags" => tags::remove_tags,
    "DescribeTags" => tags::describe_tags,
}

/// Every action of the ELBv2 API (botocore's model, 2015-12-01), so that
/// one tasknet does not implement is told apart from one that does not exist.
static ALL: &[&str] = &[
    "AddListenerCertificates",
    "AddTags",
    "AddTrustStoreRevocations",
    "CreateListener",
    "CreateLoadBalancer",
    "CreateRule",
    "CreateTargetGroup",
    "CreateTrustStore",
    "DeleteListener",
    "DeleteLoadBalancer",
    "DeleteRule",
    "DeleteSharedTrustStoreAssociation",
    "DeleteTargetGroup",
    "DeleteTrustStore",
    "DeregisterTargets",
    "DescribeAccountLimits",
    "DescribeCapacityReservation",
    "DescribeListenerAttributes",
    "DescribeListenerCertificates",
    "DescribeListeners",
    "DescribeLoadBalancerAttributes",
    "DescribeLoadBalancers",
    "DescribeRules",
    "DescribeSSLPolicies",
    "DescribeTags",
    "DescribeTargetGroupAttributes",
    "DescribeTargetGroups",
    "DescribeTargetHealth",
    "DescribeTrustStoreAssociations",
    "DescribeTrustStoreRevocations",
    "DescribeTrustStores",
    "GetResourcePolicy",
    "GetTrustStoreCaCertificatesBundle",
    "GetTrustStoreRevocationContent",
    "ModifyCapacityReservation",
    "ModifyIpPools",
    "ModifyListener",
    "ModifyListenerAttributes",
    "ModifyLoadBalancerAttributes",
    "ModifyRule",
    "ModifyTargetGroup",
    "ModifyTargetGroupAttributes",
    "ModifyTrustStore",
    "RegisterTargets",
    "RemoveListenerCertificates",
    "RemoveTags",
    "RemoveTrustStoreRevocations",
    "SetIpAddressType",
    "SetRulePriorities",
    "SetSecurityGroups",
    "SetSubnets",
];

/// ELB time as the control plane runs it (`control::Settings::elb`): the
/// service scheduler, DescribeTargetHealth and the console all use it.
pub(crate) fn timing(call: &Call<'_>) -> ElbTiming {
    call.control.settings.elb
}

/// The ELB timing that goes with a task lifecycle (`ElbTiming::for_lifecycle`).
pub fn timing_for(lc: &model::ecs::Lifecycle) -> ElbTiming {
    ElbTiming::for_lifecycle(lc)
}

/// Run `f` on the request's Region under the shared lock, with the time.
pub(crate) async fn read<R: Send>(
    call: &Call<'_>,
    f: impl FnOnce(&Region, Millis) -> Result<R>,
) -> Result<R> {
    let region = call.region.clone();
    let now = control::now();
    call.read(move |w| f(w.region(&region)?, now)).await?
}

/// Run `f` on the request's Region as one committed transaction.
pub(crate) async fn write<R>(
    call: &Call<'_>,
    f: impl FnOnce(&mut Region, Millis) -> Result<R>,
) -> Result<R> {
    let region = call.region.clone();
    call.write(move |w, now| f(w.region_mut(&region)?, now))
        .await
}

// ---- typed decoding of awsQuery parameters ----

/// The wire name of a member in Coral's messages: lowerCamel.
fn member_name(key: &str) -> String {
    let last = key.rsplit('.').next().unwrap_or(key);
    let mut c = last.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

/// A required string member.
pub(crate) fn req(p: &Params, key: &str) -> Result<String> {
    match p.get(key) {
        Some(v) if !v.is_empty() => Ok(v.to_string()),
        _ => Err(err::missing(&member_name(key))),
    }
}

pub(crate) fn opt(p: &Params, key: &str) -> Option<String> {
    p.get(key).map(str::to_string)
}

pub(crate) fn int(p: &Params, key: &str) -> Result<Option<i32>> {
    match p.get(key) {
        None => Ok(None),
        Some(v) => v
            .trim()
            .parse::<i32>()
            .map(Some)
            .map_err(|_| err::not_a_number(v, &member_name(key))),
    }
}

pub(crate) fn boolean(p: &Params, key: &str) -> Result<Option<bool>> {
    match p.get(key) {
        None => Ok(None),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(v) => Err(err::validation(format!(
            "1 validation error detected: Value '{v}' at '{}' failed to satisfy constraint: Member must be a boolean",
            member_name(key)
        ))),
    }
}

/// `Key.member.N` strings; `None` when the list is absent (an empty list
/// is sent as `Key=`).
pub(crate) fn opt_list(p: &Params, key: &str) -> Option<Vec<String>> {
    let items = p.list(&format!("{key}.member"));
    if !items.is_empty() || p.get(key).is_some() {
        Some(items)
    } else {
        None
    }
}

pub(crate) fn list(p: &Params, key: &str) -> Vec<String> {
    p.list(&format!("{key}.member"))
}

/// A required list.
pub(crate) fn req_list(p: &Params, key: &str) -> Result<Vec<String>> {
    opt_list(p, key).ok_or_else(|| err::missing(&member_name(key)))
}

pub(crate) fn structs(p: &Params, key: &str) -> Vec<Params> {
    p.structs(&format!("{key}.member"))
}

pub(crate) fn tags(p: &Params, key: &str) -> Result<Vec<Tag>> {
    let mut out = Vec::new();
    for (i, t) in structs(p, key).iter().enumerate() {
        let key_name = t
            .get("Key")
            .ok_or_else(|| err::missing(&format!("{}.{}.member.key", member_name(key), i + 1)))?;
        out.push(Tag {
            key: key_name.to_string(),
            value: t.get("Value").unwrap_or_default().to_string(),
        });
    }
    Ok(out)
}

pub(crate) fn paging(p: &Params) -> Result<Paging> {
    Ok(Paging {
        page_size: int(p, "PageSize")?.map(i64::from),
        marker: opt(p, "Marker"),
    })
}

// ---- shared XML ----

/// `<Tag><member>…</member></Tag>` of plain strings.
pub(crate) fn string_members<S: AsRef<str>>(x: &mut Xml, tag: &str, items: &[S]) {
    x.members(tag, items, |x, s| {
        escape_into_xml(x, s.as_ref());
    });
}

fn escape_into_xml(x: &mut Xml, s: &str) {
    let mut b = String::new();
    escape_into(&mut b, s);
    x.raw(&b);
}

pub(crate) fn tags_xml(x: &mut Xml, tags: &[Tag]) {
    x.members("Tags", tags, |x, t| {
        x.el("Key", &t.key).el("Value", &t.value);
    });
}

pub(crate) fn time(m: Millis) -> String {
    m.iso8601()
}

pub(crate) fn attributes_xml(x: &mut Xml, attrs: &[(String, String)]) {
    x.members("Attributes", attrs, |x, (k, v)| {
        x.el("Key", k).el("Value", v);
    });
}

pub(crate) fn action_xml(x: &mut Xml, a: &Action) {
    x.el("Type", a.type_name());
    match &a.kind {
        ActionKind::Forward(f) => {
            if f.groups.len() == 1 {
                x.el("TargetGroupArn", &f.groups[0].0);
            }
            x.opt("Order", a.order);
            x.wrap("ForwardConfig", |x| {
                x.members("TargetGroups", &f.groups, |x, (arn, w)| {
                    x.el("TargetGroupArn", arn).el("Weight", w.unwrap_or(1));
                });
                x.wrap("TargetGroupStickinessConfig", |x| {
                    let (en, d) = f.stickiness.unwrap_or((false, None));
                    x.b("Enabled", en);
                    x.opt("DurationSeconds", d);
                });
            });
        }
        ActionKind::Redirect(r) => {
            x.opt("Order", a.order);
            x.wrap("RedirectConfig", |x| {
                x.opt("Protocol", r.protocol.as_ref())
                    .opt("Port", r.port.as_ref())
                    .opt("Host", r.host.as_ref())
                    .opt("Path", r.path.as_ref())
                    .opt("Query", r.query.as_ref())
                    .el("StatusCode", &r.status_code);
            });
        }
        ActionKind::FixedResponse(f) => {
            x.opt("Order", a.order);
            x.wrap("FixedResponseConfig", |x| {
                x.opt("MessageBody", f.message_body.as_ref())
                    .el("StatusCode", &f.status_code)
                    .opt("ContentType", f.content_type.as_ref());
            });
        }
    }
}

pub(crate) fn actions_xml(x: &mut Xml, tag: &str, actions: &[Action]) {
    x.members(tag, actions, action_xml);
}
