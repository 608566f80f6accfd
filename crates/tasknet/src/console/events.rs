//! `GET /_tasknet/console/api/events?account=…&region=…&vpc=…`: the
//! console's live updates as server-sent events, from the control plane's
//! change feed (`Control::subscribe`: committed batches only, so the page
//! never shows what a crash could take back).
//!
//! The stream is level-triggered like the data plane's job: a batch only
//! says *what* changed in the VPC (task ids, ENIs, topology, load
//! balancing); the event carries the state read from the world after it,
//! so a client that applies events in order is never behind, and batches
//! that queue while one is read are coalesced. Events (each `data:` is one
//! JSON object, see `docs/console.md`):
//!
//! - `hello`: the stream is following the feed; fetch the view now.
//! - `tasks`: `{upserts: [TaskChip], removed: [task id], subnets: [{id, free}]}`.
//! - `topology`: something drawn on the map other than tasks changed
//!   (subnets, routes, gateways, endpoints, security groups, ACLs): fetch
//!   the view again.
//! - `elb`: `{loadBalancers, targetGroups}`, when load balancing records
//!   change or target health moves on (health is derived from the network
//!   and the clock, so it is also checked once a second).
//! - `reload`: the world was reloaded, wiped or the stream fell behind:
//!   fetch everything again.
//!
//! A comment line every 15 s keeps idle connections open and finds clients
//! that left.

use super::api::{self, task_chip, TaskChip};
use crate::conn::ConnState;
use api_crate::Api;
use bytes::Bytes;
use control::{Committed, Control};
use hyper::body::{Body, Frame, SizeHint};
use model::ecs::types::Task;
use model::table::Change;
use serde::Serialize;
use serde_json::json;
use std::collections::BTreeSet;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

use ::api as api_crate;

/// The body of an event stream: frames from the follower task. While it
/// is being sent the connection counts as busy (no idle timeout); when the
/// client goes, the body is dropped and the follower ends.
pub struct EventBody {
    rx: mpsc::Receiver<Bytes>,
    conn: Option<Arc<ConnState>>,
}

impl Body for EventBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if let Some(c) = &self.conn {
            c.busy();
        }
        match self.rx.poll_recv(cx) {
            Poll::Ready(Some(b)) => Poll::Ready(Some(Ok(Frame::data(b)))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        false
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::default()
    }
}

impl Drop for EventBody {
    fn drop(&mut self) {
        if let Some(c) = &self.conn {
            c.idle();
        }
    }
}

/// One server-sent event.
pub fn event(name: &str, data: &impl Serialize) -> Bytes {
    let json = serde_json::to_string(data).unwrap_or_else(|_| "{}".into());
    // JSON has no raw newlines, so one data line holds it.
    Bytes::from(format!("event: {name}\ndata: {json}\n\n"))
}

/// What a stream follows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scope {
    pub account: String,
    pub region: String,
    pub vpc: String,
}

impl Scope {
    /// Whether a change's store scope (`<region>` for the default account,
    /// `<account>:<region>` for another) is this stream's account and Region.
    fn covers(&self, default_account: &str, store_scope: &str) -> bool {
        match store_scope.split_once(':') {
            Some((a, r)) => a == self.account && r == self.region,
            None => self.account == default_account && store_scope == self.region,
        }
    }
}

/// What the batches since the last event touched.
#[derive(Default, Debug, PartialEq)]
pub struct Pending {
    pub reload: bool,
    pub topology: bool,
    pub elb: bool,
    pub subnets: bool,
    pub tasks: BTreeSet<String>,
}

impl Pending {
    fn is_empty(&self) -> bool {
        *self == Pending::default()
    }
}

/// The VPC of a record of the kinds the map draws (`None` inside: the
/// record names no VPC, such as a detached internet gateway, and may have
/// left this one). `None` outside: a kind the map does not draw.
fn vpc_of(body: &model::table::Body) -> Option<Option<&str>> {
    use model::ec2::types::*;
    if let Some(x) = body.get::<Vpc>() {
        return Some(Some(&x.id));
    }
    if let Some(x) = body.get::<Subnet>() {
        return Some(Some(&x.vpc_id));
    }
    if let Some(x) = body.get::<InternetGateway>() {
        return Some(x.vpc_id.as_deref());
    }
    if let Some(x) = body.get::<EgressOnlyInternetGateway>() {
        return Some(Some(&x.vpc_id));
    }
    if let Some(x) = body.get::<NatGateway>() {
        return Some(Some(&x.vpc_id));
    }
    if let Some(x) = body.get::<RouteTable>() {
        return Some(Some(&x.vpc_id));
    }
    if let Some(x) = body.get::<SecurityGroup>() {
        return Some(Some(&x.vpc_id));
    }
    if let Some(x) = body.get::<NetworkAcl>() {
        return Some(Some(&x.vpc_id));
    }
    if let Some(x) = body.get::<VpcEndpoint>() {
        return Some(Some(&x.vpc_id));
    }
    None
}

/// Note what one committed change means for the stream.
pub fn note(scope: &Scope, default_account: &str, c: &Change, p: &mut Pending) {
    let (kind, store_scope, body) = match c {
        Change::Wipe => {
            p.reload = true;
            return;
        }
        Change::Put {
            kind, region, body, ..
        }
        | Change::Delete {
            kind, region, body, ..
        } => (*kind, region.as_str(), body),
    };
    if !scope.covers(default_account, store_scope) {
        return;
    }
    if let Some(t) = body.get::<Task>() {
        if t.network.vpc_id == scope.vpc {
            p.tasks.insert(t.id.clone());
        }
        return;
    }
    if let Some(e) = body.get::<model::ec2::types::NetworkInterface>() {
        if e.vpc_id == scope.vpc {
            p.subnets = true;
        }
        return;
    }
    if kind.starts_with("elb-") {
        p.elb = true;
        return;
    }
    match vpc_of(body) {
        Some(Some(v)) if v != scope.vpc => {}
        Some(_) => p.topology = true,
        None => {}
    }
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct TasksEvent {
    pub upserts: Vec<TaskChip>,
    pub removed: Vec<String>,
    pub subnets: Vec<SubnetFree>,
}

#[derive(Serialize, Debug)]
#[serde(rename_all = "camelCase")]
pub struct SubnetFree {
    pub id: String,
    pub free: Option<u64>,
}

/// The events for what `p` noted, read from the world now.
async fn flush(control: &Control, scope: &Scope, p: Pending, last_elb: &mut String) -> Vec<Bytes> {
    let mut out = Vec::new();
    if p.reload {
        out.push(event("reload", &json!({})));
        last_elb.clear();
        return out;
    }
    if p.topology {
        // The page fetches the whole view, tasks and load balancers too.
        out.push(event("topology", &json!({})));
        return out;
    }
    let timing = control.settings.elb;
    let (tasks, elb) = {
        let s = scope.clone();
        let want_tasks = !p.tasks.is_empty() || p.subnets;
        let want_elb = p.elb;
        let ids = p.tasks;
        match control
            .read_cloud(move |c| {
                let Some(r) = c.account(&s.account).and_then(|w| w.region(&s.region).ok()) else {
                    return (None, None);
                };
                let tasks = want_tasks.then(|| {
                    let mut ev = TasksEvent {
                        upserts: Vec::new(),
                        removed: Vec::new(),
                        subnets: Vec::new(),
                    };
                    for id in ids {
                        match r.ecs.tasks.get(&id).filter(|t| t.network.vpc_id == s.vpc) {
                            Some(t) => ev.upserts.push(task_chip(&s.account, t)),
                            None => ev.removed.push(id),
                        }
                    }
                    ev.subnets = r
                        .subnets
                        .iter()
                        .filter(|x| x.vpc_id == s.vpc)
                        .map(|x| SubnetFree {
                            id: x.id.clone(),
                            free: x.cidr.map(|_| r.available_ip_count(&x.id)),
                        })
                        .collect();
                    ev
                });
                let elb = want_elb.then(|| api::elb_view(r, &s.vpc, &timing, control::now()));
                (tasks, elb)
            })
            .await
        {
            Ok(x) => x,
            Err(_) => return out,
        }
    };
    if let Some(t) = tasks {
        out.push(event("tasks", &t));
    }
    if let Some(e) = elb {
        push_elb(&mut out, &e, last_elb);
    }
    out
}

/// An `elb` event, unless it says what the last one said.
fn push_elb(out: &mut Vec<Bytes>, e: &api::ElbView, last: &mut String) {
    let s = serde_json::to_string(e).unwrap_or_default();
    if *last != s {
        out.push(Bytes::from(format!("event: elb\ndata: {s}\n\n")));
        *last = s;
    }
}

/// The stream's response: headers now, events as they come.
pub fn stream(api: &Api, scope: Scope, conn: Option<Arc<ConnState>>) -> hyper::Response<EventBody> {
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    let feed = api.control.subscribe();
    tokio::spawn(follow(api.control.clone(), scope, feed, tx));
    let mut resp = hyper::Response::new(EventBody { rx, conn });
    let h = resp.headers_mut();
    h.insert(
        "content-type",
        hyper::header::HeaderValue::from_static("text/event-stream; charset=utf-8"),
    );
    h.insert(
        "cache-control",
        hyper::header::HeaderValue::from_static("no-cache, no-store"),
    );
    h.insert(
        "x-content-type-options",
        hyper::header::HeaderValue::from_static("nosniff"),
    );
    resp
}

const HEARTBEAT_TICKS: u32 = 15;

async fn follow(
    control: Arc<Control>,
    scope: Scope,
    mut feed: broadcast::Receiver<Arc<Committed>>,
    tx: mpsc::Sender<Bytes>,
) {
    let default_account = control.settings.account_id.clone();
    let mut last_elb = String::new();
    let hello = event(
        "hello",
        &json!({"account": scope.account, "region": scope.region, "vpc": scope.vpc}),
    );
    // Reconnect after 1 s if the connection drops.
    if tx
        .send(Bytes::from(format!(
            "retry: 1000\n\n{}",
            String::from_utf8_lossy(&hello)
        )))
        .await
        .is_err()
    {
        return;
    }
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut ticks = 0u32;
    loop {
        let mut p = Pending::default();
        tokio::select! {
            m = feed.recv() => {
                if !take(m, &scope, &default_account, &mut p) {
                    return;
                }
                // Coalesce what is already queued (and what follows within
                // a moment: the reconciler commits in quick batches).
                tokio::time::sleep(Duration::from_millis(30)).await;
                loop {
                    match feed.try_recv() {
                        Err(broadcast::error::TryRecvError::Empty) => break,
                        m => {
                            let m = m.map_err(|e| match e {
                                broadcast::error::TryRecvError::Lagged(n) => broadcast::error::RecvError::Lagged(n),
                                _ => broadcast::error::RecvError::Closed,
                            });
                            if !take(m, &scope, &default_account, &mut p) {
                                return;
                            }
                        }
                    }
                }
            }
            _ = tick.tick() => {
                ticks += 1;
                if ticks.is_multiple_of(HEARTBEAT_TICKS) && tx.send(Bytes::from_static(b": keep-alive\n\n")).await.is_err() {
                    return;
                }
                // Target health and load balancer state move with the clock.
                p.elb = true;
            }
            _ = tx.closed() => return,
        }
        if p.is_empty() {
            continue;
        }
        if p.elb && !p.reload && !p.topology && p.tasks.is_empty() && !p.subnets {
            // A clock tick: only worth a read when the VPC balances load.
            let s = scope.clone();
            let has = control
                .read_cloud(move |c| {
                    c.account(&s.account)
                        .and_then(|w| w.region(&s.region).ok())
                        .is_some_and(|r| {
                            r.elb.load_balancers.iter().any(|l| l.vpc_id == s.vpc)
                                || r.elb
                                    .target_groups
                                    .iter()
                                    .any(|t| t.vpc_id.as_deref() == Some(s.vpc.as_str()))
                        })
                })
                .await
                .unwrap_or(false);
            if !has {
                continue;
            }
        }
        for b in flush(&control, &scope, p, &mut last_elb).await {
            if tx.send(b).await.is_err() {
                return;
            }
        }
    }
}

/// Note one message of the feed; false when the feed has closed.
fn take(
    m: Result<Arc<Committed>, broadcast::error::RecvError>,
    scope: &Scope,
    default_account: &str,
    p: &mut Pending,
) -> bool {
    match m {
        Ok(c) => match &*c {
            Committed::Changes { changes, .. } => {
                for ch in changes {
                    note(scope, default_account, ch, p);
                }
            }
            Committed::Reloaded => p.reload = true,
        },
        // Fell behind: what was missed is unknown, so start over.
        Err(broadcast::error::RecvError::Lagged(_)) => p.reload = true,
        Err(broadcast::error::RecvError::Closed) => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::{Millis, World};

    fn scope(vpc: &str) -> Scope {
        Scope {
            account: "123456789012".into(),
            region: "us-east-1".into(),
            vpc: vpc.into(),
        }
    }

    #[test]
    fn events_are_one_data_line() {
        let b = event("tasks", &json!({"a": "x\ny"}));
        assert_eq!(
            std::str::from_utf8(&b).unwrap(),
            "event: tasks\ndata: {\"a\":\"x\\ny\"}\n\n"
        );
    }

    #[test]
    fn scopes_of_the_default_and_other_accounts() {
        let s = scope("vpc-1");
        assert!(s.covers("123456789012", "us-east-1"));
        assert!(!s.covers("123456789012", "eu-west-1"));
        assert!(!s.covers("999999999999", "us-east-1"));
        assert!(s.covers("999999999999", "123456789012:us-east-1"));
        assert!(!s.covers("123456789012", "000000000001:us-east-1"));
    }

    #[test]
    fn changes_of_this_vpc_are_noted_and_others_ignored() {
        let mut w = World::new("123456789012", 1, Millis(0));
        w.drain_changes();
        let r = w.region_mut("us-east-1").unwrap();
        let vpc = r
            .create_vpc(
                model::ec2::vpc::CreateVpc {
                    cidr_block: Some("10.0.0.0/16".into()),
                    ..Default::default()
                },
                Millis(1),
            )
            .unwrap();
        let changes = w.drain_changes();
        let mut p = Pending::default();
        for c in &changes {
            note(&scope(&vpc), "123456789012", c, &mut p);
        }
        assert!(p.topology, "a new VPC with its route table, ACL and group");
        let mut p = Pending::default();
        for c in &changes {
            note(&scope("vpc-other"), "123456789012", c, &mut p);
        }
        assert!(p.is_empty(), "{p:?}");
        let mut p = Pending::default();
        note(&scope("vpc-other"), "123456789012", &Change::Wipe, &mut p);
        assert!(p.reload);
    }
}
