//! Whole requests through `api::Api::handle` against a real control plane
//! in memory: routing by target, action, version and credential scope, the
//! decoders, the handlers and the model behind them. An input is one or
//! more requests in the text form of `request.rs`.
//!
//! Every answer must be a client error or a success (no 5xx: the only 5xx
//! tasknet means to send are 503s when the store cannot be written, which
//! cannot happen in memory), in a body its content type's parser reads.
//!
//! Ids are random, so inputs name the resources the harness made at start
//! by placeholders (`{vpc}`, `{subnet}`, `{task}`, …, see `Harness::vars`).
//! Two pseudo-headers pick the signature checks: `x-fuzz-verify` sends the
//! request to an `Api` that verifies signatures, and `x-fuzz-sign:
//! <service>[/<region>]` also signs it with that `Api`'s root key first.

use crate::{request, xml};
use api::{Api, AuthConfig, Request, Response, RootKey};
use control::{Control, Settings};
use model::ecs::Lifecycle;
use std::sync::{Arc, Mutex};
use store::SqliteStore;

pub const ACCOUNT: &str = "123456789012";
pub const ROOT_KEY: &str = "AKIAFUZZROOTKEY00001";
pub const ROOT_SECRET: &str = "fuzz-root-secret";

/// A fresh control plane after this many inputs, so that the state (and
/// the memory and time per request) stays bounded however long a campaign.
const FRESH_EVERY: usize = 2_000;

pub struct Harness {
    rt: tokio::runtime::Runtime,
    plain: Api,
    verifying: Api,
    /// Placeholder → value, substituted into every request.
    vars: Vec<(String, String)>,
    used: usize,
}

static SHARED: Mutex<Option<Harness>> = Mutex::new(None);

/// One input, on the control plane shared by the inputs before it.
pub fn run(data: &[u8]) {
    let mut guard = SHARED.lock().unwrap_or_else(|p| p.into_inner());
    if guard.as_ref().is_none_or(|h| h.used >= FRESH_EVERY) {
        *guard = None;
        *guard = Some(Harness::new());
    }
    // A failed check drops the harness on the way out: what follows starts
    // from a fresh one.
    let mut h = scopeguard(guard);
    h.get().used += 1;
    h.get().run(data);
    h.defuse();
}

/// One input on a control plane of its own (regressions: each must fail,
/// or pass, by itself).
pub fn run_fresh(data: &[u8]) {
    Harness::new().run(data);
}

impl Harness {
    pub fn new() -> Harness {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let settings = Settings {
            account_id: ACCOUNT.into(),
            default_region: "us-east-1".into(),
            lifecycle: Lifecycle::fast(),
            elb: model::elb::ElbTiming::fast(),
        };
        let store = SqliteStore::in_memory().expect("an in-memory store");
        let control = Arc::new(Control::start(Box::new(store), settings).expect("a control plane"));
        let root = RootKey {
            access_key_id: ROOT_KEY.into(),
            secret_access_key: ROOT_SECRET.into(),
        };
        let plain = Api::with_auth(
            control.clone(),
            AuthConfig {
                verify_signatures: false,
                root_key: Some(root.clone()),
            },
        );
        let verifying = Api::with_auth(
            control,
            AuthConfig {
                verify_signatures: true,
                root_key: Some(root),
            },
        );
        let mut h = Harness {
            rt,
            plain,
            verifying,
            vars: Vec::new(),
            used: 0,
        };
        h.fixtures();
        h
    }

    /// Resources for inputs to act on, named by placeholders.
    fn fixtures(&mut self) {
        let mut vars: Vec<(String, String)> = vec![
            ("{account}".into(), ACCOUNT.into()),
            ("{root-key}".into(), ROOT_KEY.into()),
            ("{cluster}".into(), "fuzz".into()),
        ];
        let ec2 = |h: &Harness, q: &str| h.call_ok(&form("ec2", q));
        let first = |body: &str, tag: &str| xml::first(body, tag).unwrap_or_default();
        let vpcs = ec2(
            self,
            "Action=DescribeVpcs&Filter.1.Name=is-default&Filter.1.Value.1=true",
        );
        let vpc = first(&vpcs, "vpcId");
        let subnets = ec2(
            self,
            &format!("Action=DescribeSubnets&Filter.1.Name=vpc-id&Filter.1.Value.1={vpc}"),
        );
        let subnet_ids = xml::all(&subnets, "subnetId");
        let sgs = ec2(self, "Action=DescribeSecurityGroups");
        let igws = ec2(self, "Action=DescribeInternetGateways");
        let rtbs = ec2(self, "Action=DescribeRouteTables");
        let acls = ec2(self, "Action=DescribeNetworkAcls");
        let dopts = ec2(self, "Action=DescribeDhcpOptions");
        vars.extend([
            ("{vpc}".to_string(), vpc.clone()),
            (
                "{subnet}".into(),
                subnet_ids.first().cloned().unwrap_or_default(),
            ),
            (
                "{subnet2}".into(),
                subnet_ids.get(1).cloned().unwrap_or_default(),
            ),
            ("{sg}".into(), first(&sgs, "groupId")),
            ("{igw}".into(), first(&igws, "internetGatewayId")),
            ("{rtb}".into(), first(&rtbs, "routeTableId")),
            ("{acl}".into(), first(&acls, "networkAclId")),
            ("{dopt}".into(), first(&dopts, "dhcpOptionsId")),
        ]);
        let subnet = subnet_ids.first().cloned().unwrap_or_default();
        let subnet2 = subnet_ids.get(1).cloned().unwrap_or_default();

        self.call_ok(&ecs("CreateCluster", r#"{"clusterName":"fuzz"}"#));
        self.call_ok(&ecs(
            "RegisterTaskDefinition",
            r#"{"family":"web","networkMode":"awsvpc","requiresCompatibilities":["FARGATE"],"cpu":"256","memory":"512","containerDefinitions":[{"name":"web","image":"public.ecr.aws/nginx/nginx:latest","portMappings":[{"containerPort":80}]}]}"#,
        ));
        let run = self.call_ok(&ecs(
            "RunTask",
            &format!(
                r#"{{"cluster":"fuzz","taskDefinition":"web","launchType":"FARGATE","networkConfiguration":{{"awsvpcConfiguration":{{"subnets":["{subnet}"],"assignPublicIp":"ENABLED"}}}}}}"#
            ),
        ));
        let task = serde_json::from_str::<serde_json::Value>(&run)
            .ok()
            .and_then(|v| v["tasks"][0]["taskArn"].as_str().map(str::to_string))
            .unwrap_or_default();
        vars.push(("{task}".into(), task));

        let elb = |h: &Harness, q: &str| h.call_ok(&form("elasticloadbalancing", q));
        let tg = elb(
            self,
            &format!("Action=CreateTargetGroup&Name=fuzz-tg&Protocol=HTTP&Port=80&TargetType=ip&VpcId={vpc}"),
        );
        let tg = first(&tg, "TargetGroupArn");
        let lb = elb(
            self,
            &format!("Action=CreateLoadBalancer&Name=fuzz-lb&Subnets.member.1={subnet}&Subnets.member.2={subnet2}"),
        );
        let lb = first(&lb, "LoadBalancerArn");
        let listener = elb(
            self,
            &format!(
                "Action=CreateListener&LoadBalancerArn={}&Protocol=HTTP&Port=80&DefaultActions.member.1.Type=forward&DefaultActions.member.1.TargetGroupArn={}",
                enc(&lb),
                enc(&tg)
            ),
        );
        vars.extend([
            ("{tg}".to_string(), tg),
            ("{lb}".into(), lb),
            ("{listener}".into(), first(&listener, "ListenerArn")),
        ]);
        self.call_ok(&form(
            "iam",
            &format!(
                "Action=CreateRole&RoleName=fuzz-role&AssumeRolePolicyDocument={}",
                enc(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#)
            ),
        ));
        self.vars = vars;
    }

    /// A setup request, which must succeed.
    fn call_ok(&self, req: &Request) -> String {
        let r = self.rt.block_on(self.plain.handle(clone(req)));
        let body = String::from_utf8_lossy(&r.body).into_owned();
        assert_eq!(r.status, 200, "fixture request failed: {body}");
        body
    }

    pub fn run(&mut self, data: &[u8]) {
        for text in request::split(data) {
            let text = self.substitute(text);
            let mut req = request::parse(&text);
            let verify = take_header(&mut req, "x-fuzz-verify").is_some();
            let sign = take_header(&mut req, "x-fuzz-sign");
            let api = if verify || sign.is_some() {
                &self.verifying
            } else {
                &self.plain
            };
            if let Some(scope) = sign {
                let (service, region) = scope.split_once('/').unwrap_or((&scope, "us-east-1"));
                let now = control::now().0 / 1000;
                api::sigv4::sign(&mut req, ROOT_KEY, ROOT_SECRET, region, service, now);
            }
            let shown = String::from_utf8_lossy(&request::render(&req)).into_owned();
            let r = self.rt.block_on(api.handle(req));
            check(&r, &shown);
        }
    }

    fn substitute(&self, text: &[u8]) -> Vec<u8> {
        if !text.contains(&b'{') {
            return text.to_vec();
        }
        let now = api::sigv4::basic(control::now().0 / 1000);
        let mut out = text.to_vec();
        let dynamic = [
            ("{now}".to_string(), now.clone()),
            ("{date}".into(), now[..8].to_string()),
        ];
        for (k, v) in self.vars.iter().chain(&dynamic) {
            out = replace(&out, k.as_bytes(), v.as_bytes());
        }
        out
    }
}

impl Default for Harness {
    fn default() -> Self {
        Harness::new()
    }
}

/// What every answer must be.
fn check(r: &Response, req: &str) {
    assert!(
        (200..500).contains(&r.status),
        "status {} for\n{req}\n---\n{}",
        r.status,
        String::from_utf8_lossy(&r.body)
    );
    assert!(!r.request_id.is_empty());
    if r.content_type.starts_with("application/x-amz-json") {
        let v: serde_json::Value = serde_json::from_slice(&r.body)
            .unwrap_or_else(|e| panic!("a JSON answer that is not JSON ({e}) for\n{req}"));
        assert!(
            v.is_object(),
            "a JSON answer that is not an object for\n{req}"
        );
        if r.status >= 400 {
            assert!(
                v["__type"].is_string(),
                "a JSON error without __type for\n{req}"
            );
        }
    } else if r.content_type.starts_with("text/xml") {
        let body = std::str::from_utf8(&r.body)
            .unwrap_or_else(|_| panic!("an XML answer that is not UTF-8 for\n{req}"));
        if let Err(e) = xml::well_formed(body) {
            panic!("an XML answer that is not well-formed ({e}) for\n{req}\n---\n{body}");
        }
        if r.status >= 400 {
            assert!(
                body.contains("<Code>"),
                "an XML error without a code for\n{req}"
            );
        }
    } else {
        panic!("unexpected content type {} for\n{req}", r.content_type);
    }
}

fn take_header(req: &mut Request, name: &str) -> Option<String> {
    let i = req.headers.iter().position(|(k, _)| k == name)?;
    Some(req.headers.remove(i).1)
}

fn replace(hay: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut i = 0;
    while i < hay.len() {
        if hay[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(hay[i]);
            i += 1;
        }
    }
    out
}

fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn clone(r: &Request) -> Request {
    Request {
        method: r.method.clone(),
        path: r.path.clone(),
        query: r.query.clone(),
        headers: r.headers.clone(),
        body: r.body.clone(),
    }
}

fn form(service: &str, body: &str) -> Request {
    let version = match service {
        "iam" => "2010-05-08",
        "sts" => "2011-06-15",
        "elasticloadbalancing" => "2015-12-01",
        _ => "2016-11-15",
    };
    Request {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![(
            "content-type".into(),
            "application/x-www-form-urlencoded".into(),
        )],
        body: format!("{body}&Version={version}").into_bytes(),
        ..Default::default()
    }
}

fn ecs(op: &str, body: &str) -> Request {
    Request {
        method: "POST".into(),
        path: "/".into(),
        headers: vec![
            (
                "x-amz-target".into(),
                format!("{}{op}", api::ecs::TARGET_PREFIX),
            ),
            ("content-type".into(), "application/x-amz-json-1.1".into()),
        ],
        body: body.as_bytes().to_vec(),
        ..Default::default()
    }
}

/// Drops the shared harness if the check panics (so no later input runs on
/// a control plane left mid-request), keeps it otherwise.
struct Guard<'a> {
    slot: std::sync::MutexGuard<'a, Option<Harness>>,
    armed: bool,
}

fn scopeguard(slot: std::sync::MutexGuard<'_, Option<Harness>>) -> Guard<'_> {
    Guard { slot, armed: true }
}

impl Guard<'_> {
    fn get(&mut self) -> &mut Harness {
        self.slot.as_mut().expect("a harness")
    }
    fn defuse(mut self) {
        self.armed = false;
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        if self.armed {
            *self.slot = None;
        }
    }
}
