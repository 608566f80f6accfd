//! `tasknet serve`: the HTTP server, the admin endpoints under `/_tasknet/`,
//! and clean shutdown on SIGTERM/SIGINT (in-flight requests finish, the
//! committer flushes).
//!
//! Every request is checked before it is routed — where it comes from
//! (origin.rs), how long its head and body take (conn.rs, body.rs), how big
//! its body is and how much body memory all connections hold together
//! (body.rs) — and whatever is refused there, or panics later, is answered
//! in the envelope of the protocol it was addressed to (api::protocol).

use crate::admin::{self, HttpStats};
use crate::body::{self, BodyBudget, BodyError, BodyLimits};
use crate::conn::{self, ConnState, TimedIo};
use crate::memory::Gauge;
use crate::origin::{self, Access, Origins};
use crate::ServeArgs;
use api::protocol::{self, Protocol};
use api::{Api, Request, Response};
use bytes::Bytes;
use control::{Control, Settings};
use http_body_util::{Either, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::Method;
use hyper_util::rt::TokioIo;
use model::ApiError;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

type HttpResponse = hyper::Response<Full<Bytes>>;
/// An answer: a whole body, or the console's event stream.
type ReplyBody = http_body_util::Either<Full<Bytes>, crate::console::events::EventBody>;
type Reply = hyper::Response<ReplyBody>;

pub fn run(args: ServeArgs) -> Result<(), String> {
    args.auth().check()?;
    if model::regions::find(&args.region).is_none() {
        return Err(format!(
            "--region {}: not a Region of the aws partition",
            args.region
        ));
    }
    if args.account_id.len() != 12 || !args.account_id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "--account-id {}: an AWS account id is 12 digits",
            args.account_id
        ));
    }
    if args.body_budget_bytes < args.max_body_bytes {
        // Else a request as large as the limit could never be read.
        return Err(format!(
            "--body-budget-bytes {} is less than --max-body-bytes {}",
            args.body_budget_bytes, args.max_body_bytes
        ));
    }
    let origins = Origins::new(args.listen, &args.allow_origins)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(serve(args, origins))
}

/// What every connection shares.
struct Server {
    api: Api,
    body: BodyLimits,
    budget: Arc<BodyBudget>,
    origins: Origins,
    header_timeout: Duration,
    idle_timeout: Duration,
    /// Connections open now.
    open: Arc<Gauge>,
    /// Requests being answered now (shutdown waits for them).
    inflight: AtomicUsize,
}

/// Counts a connection (or a request) while it lives, even if it panics.
struct Counted<'a>(&'a AtomicUsize);

impl<'a> Counted<'a> {
    fn new(c: &'a AtomicUsize) -> Self {
        c.fetch_add(1, Ordering::SeqCst);
        Counted(c)
    }
}

impl Drop for Counted<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn serve(args: ServeArgs, origins: Origins) -> Result<(), String> {
    let auth = args.auth();
    let instance = std::path::absolute(&args.data_dir).unwrap_or_else(|_| args.data_dir.clone());
    let (dataplane, why) = dataplane::choose(&args.dataplane, &instance.display().to_string())?;
    let mode = dataplane.mode();
    tracing::info!(dataplane = mode, reason = %why, "data plane");
    let mut lifecycle = args.lifecycle();
    if mode != "none" {
        // Tasks wait in PROVISIONING until their namespace is up.
        lifecycle.network_gate_ms = Some(dataplane::NETWORK_DEADLINE_MS);
    }
    let dp_status = Arc::new(dataplane::Status::new(mode, why));
    let _ = crate::admin::DATAPLANE.set(dp_status.clone());
    let settings = Settings {
        account_id: args.account_id.clone(),
        default_region: args.region.clone(),
        elb: model::elb::ElbTiming::for_lifecycle(&lifecycle),
        lifecycle,
    };
    let dir = args.data_dir.clone();
    let control = tokio::task::spawn_blocking(move || Control::open(&dir, settings))
        .await
        .map_err(|e| e.to_string())?
        .map_err(|e| format!("cannot open state in {}: {e}", args.data_dir.display()))?;
    let control = Arc::new(control);
    crate::admin::FAULT_INJECTION.store(args.fault_injection, Ordering::Relaxed);
    let mut jobs = control.start_jobs();
    if mode != "none" {
        let (c, dp, st) = (control.clone(), dataplane.clone(), dp_status.clone());
        jobs.push(control::jobs::supervise(
            "dataplane",
            control.health.clone(),
            move |job| Box::pin(dataplane::run(c.clone(), dp.clone(), st.clone(), job)),
        ));
    }
    let budget = Arc::new(BodyBudget::new(args.body_budget_bytes));
    let open = Arc::new(Gauge::default());
    let trimmer = tokio::spawn(crate::memory::trim_after_bursts(
        budget.clone(),
        open.clone(),
    ));
    let srv = Arc::new(Server {
        api: Api::with_auth(control.clone(), auth),
        body: BodyLimits {
            max_bytes: args.max_body_bytes,
            timeout: Duration::from_secs(args.body_timeout_secs),
            budget_wait: Duration::from_secs(args.body_budget_wait_secs),
        },
        budget,
        origins,
        header_timeout: Duration::from_secs(args.header_timeout_secs),
        idle_timeout: Duration::from_secs(args.idle_timeout_secs),
        open: open.clone(),
        inflight: AtomicUsize::new(0),
    });
    let max_connections = usize::try_from(args.max_connections)
        .unwrap_or(usize::MAX)
        .min(Semaphore::MAX_PERMITS);
    raise_fd_limit(max_connections);
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!(listen = %args.listen, data_dir = %args.data_dir.display(), account = %args.account_id, "tasknet serving");

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    let shutdown = async move {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = sigterm.recv() => {}
        }
    };
    tokio::pin!(shutdown);
    let slots = Arc::new(Semaphore::new(max_connections));
    let mut limit_hits = 0u64;
    let mut warned_at: Option<tokio::time::Instant> = None;
    loop {
        // A slot first, then accept: at the limit, new connections wait in
        // the kernel's backlog instead of being accepted and starved.
        let permit = match slots.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                limit_hits += 1;
                // Once per 10 s at most: under a flood the limit is hit for
                // every connection that closes.
                if warned_at.is_none_or(|t| t.elapsed() >= Duration::from_secs(10)) {
                    tracing::warn!(
                        max_connections,
                        times = limit_hits,
                        "connection limit reached; new connections wait until one closes"
                    );
                    warned_at = Some(tokio::time::Instant::now());
                    limit_hits = 0;
                }
                tokio::select! {
                    p = slots.clone().acquire_owned() => match p {
                        Ok(p) => p,
                        Err(_) => break,
                    },
                    _ = &mut shutdown => break,
                }
            }
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((s, _)) => s,
                Err(e) => {
                    // Out of file descriptors, typically: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        tokio::spawn(serve_connection(srv.clone(), stream, permit));
    }
    tracing::info!("shutting down");
    drop(listener);
    for j in &jobs {
        j.abort();
    }
    trimmer.abort();
    for _ in 0..100 {
        if srv.inflight.load(Ordering::SeqCst) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The host is left as it was: every namespace tasknet made goes (the
    // next start makes the running tasks' again).
    tokio::task::spawn_blocking(move || {
        dataplane.clear();
        control.shutdown()
    })
    .await
    .map_err(|e| e.to_string())?;
    tracing::info!("state flushed; bye");
    Ok(())
}

async fn serve_connection(srv: Arc<Server>, stream: TcpStream, _slot: OwnedSemaphorePermit) {
    let _open = srv.open.open();
    let _ = stream.set_nodelay(true);
    let state = ConnState::new();
    let io = TimedIo::new(stream, state.clone(), srv.header_timeout, srv.idle_timeout);
    let svc = {
        let (srv, state) = (srv.clone(), state.clone());
        service_fn(move |req: hyper::Request<Incoming>| {
            let env = Envelope::of(&req);
            let (srv, conn) = (srv.clone(), state.clone());
            CatchPanic {
                fut: Box::pin(async move {
                    let _inflight = Counted::new(&srv.inflight);
                    conn.busy();
                    let r = srv.respond(&conn, req, env).await;
                    conn.idle();
                    r
                }),
                env,
                state: state.clone(),
            }
        })
    };
    // Timeouts are TimedIo's (see conn.rs for why not hyper's). A body chunk
    // is in memory before the budget can account for it, so hyper's read
    // buffer (which bounds a chunk, and a request head) is kept at 64 KiB
    // instead of its default 400 KiB.
    let conn = http1::Builder::new()
        .keep_alive(true)
        .header_read_timeout(None)
        .max_buf_size(64 * 1024)
        .serve_connection(TokioIo::new(io), svc)
        .without_shutdown();
    match conn.await {
        Ok(parts) if state.lingers() => conn::linger(parts.io.into_inner().into_stream()).await,
        Ok(_) => {}
        Err(e) => tracing::debug!(error = %e, "connection ended"),
    }
}

/// Which error envelope a request gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Envelope {
    /// `/_tasknet/…`: `{"__type", "message"}` as application/json.
    Admin,
    Aws(Protocol),
}

impl Envelope {
    fn of<B>(req: &hyper::Request<B>) -> Self {
        if req.uri().path().starts_with("/_tasknet/") {
            return Envelope::Admin;
        }
        let h = req.headers();
        Envelope::Aws(protocol::detect(req.uri().query().unwrap_or(""), |name| {
            h.get(name).and_then(|v| v.to_str().ok())
        }))
    }

    /// The protocol whose error codes apply (admin errors look like JSON's).
    fn protocol(self) -> Protocol {
        match self {
            Envelope::Admin => Protocol::Json,
            Envelope::Aws(p) => p,
        }
    }

    fn error(self, e: &ApiError, request_id: String) -> HttpResponse {
        match self {
            Envelope::Aws(p) => to_hyper(protocol::error(p, e, request_id)),
            Envelope::Admin => {
                let mut r = admin::error(e);
                if let Ok(v) = request_id.parse() {
                    r.headers_mut().insert("x-amzn-requestid", v);
                }
                r
            }
        }
    }
}

impl Server {
    fn http_stats(&self) -> HttpStats {
        HttpStats {
            connections: self.open.get(),
            body_bytes_in_flight: self.budget.in_flight(),
        }
    }

    /// Answer `e` and close the connection: the request's body may be
    /// unread, so the connection cannot carry another request.
    fn refuse(&self, conn: &ConnState, env: Envelope, e: &ApiError) -> HttpResponse {
        conn.close_after_answer();
        let mut r = env.error(e, api::request_id());
        r.headers_mut().insert(
            "connection",
            hyper::header::HeaderValue::from_static("close"),
        );
        r
    }

    async fn respond(
        &self,
        conn: &Arc<ConnState>,
        req: hyper::Request<Incoming>,
        env: Envelope,
    ) -> Reply {
        let (parts, body) = req.into_parts();
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        // Following a link to the console page from another site is a
        // plain navigation: a GET of a page that changes nothing.
        let console_navigation = parts.method == hyper::Method::GET
            && parts.uri.path() == "/_tasknet/console"
            && header("sec-fetch-mode").is_some_and(|m| m.eq_ignore_ascii_case("navigate"))
            && header("origin").is_none();
        let fetch_site = if console_navigation {
            None
        } else {
            header("sec-fetch-site")
        };
        let cors = match self.origins.check(header("origin"), fetch_site) {
            Access::Plain => None,
            Access::Cors(o) => Some(o),
            Access::Refused(msg) => {
                let e = protocol::access_denied(env.protocol(), msg);
                return self.refuse(conn, env, &e).map(Either::Left);
            }
        };
        let mut resp = match cors {
            Some(_)
                if parts.method == Method::OPTIONS
                    && header("access-control-request-method").is_some() =>
            {
                origin::preflight(
                    header("access-control-request-headers"),
                    header("access-control-request-private-network")
                        .is_some_and(|v| v.eq_ignore_ascii_case("true")),
                )
                .map(Either::Left)
            }
            _ => match self.console(conn, &parts) {
                Some(r) => r,
                None => self.answer(conn, &parts, body, env).await.map(Either::Left),
            },
        };
        if let Some(o) = cors {
            origin::add_cors_headers(resp.headers_mut(), o);
        }
        resp
    }

    /// The console's event stream (a long-lived body), and a browser's
    /// plain `GET /` sent to the console.
    fn console(&self, conn: &Arc<ConnState>, parts: &hyper::http::request::Parts) -> Option<Reply> {
        let path = parts.uri.path();
        let query = parts.uri.query().unwrap_or("");
        if parts.method == Method::GET
            && path.strip_prefix("/_tasknet/") == Some(crate::console::EVENTS_PATH)
        {
            return Some(match crate::console::events_scope(&self.api, query) {
                Ok(scope) => crate::console::events::stream(&self.api, scope, Some(conn.clone()))
                    .map(Either::Right),
                Err(e) => crate::admin::error(&e).map(Either::Left),
            });
        }
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        crate::console::root_redirect(&parts.method, path, query, header)
            .map(|r| r.map(Either::Left))
    }

    async fn answer(
        &self,
        conn: &ConnState,
        parts: &hyper::http::request::Parts,
        body: Incoming,
        env: Envelope,
    ) -> HttpResponse {
        let path = parts.uri.path();
        let query = parts.uri.query().unwrap_or("");
        let admin_path = path.strip_prefix("/_tasknet/");
        if admin_path.is_some() && parts.method == Method::POST {
            // A page's form or no-preflight fetch can only send form or text
            // types, so JSON-only admin POSTs are out of a page's reach.
            let ct = parts
                .headers
                .get("content-type")
                .and_then(|v| v.to_str().ok());
            if !ct.is_some_and(is_json) {
                let e = ApiError::new(
                    "UnsupportedMediaType",
                    format!("POST {path} takes a JSON body: send Content-Type: application/json."),
                )
                .with_status(415);
                return self.refuse(conn, env, &e);
            }
        }
        let (bytes, _reservation) = match body::read(body, &self.body, &self.budget).await {
            Ok(b) => b,
            Err(e) => {
                let e = match e {
                    BodyError::TooLarge => protocol::too_large(self.body.max_bytes),
                    BodyError::Timeout => protocol::body_timeout(self.body.timeout.as_secs()),
                    BodyError::Busy => protocol::unavailable(
                        "tasknet is holding too many request bodies at once; retry shortly.",
                    ),
                    BodyError::Broken => ApiError::new(
                        "IncompleteBody",
                        "The request body ended before it was complete.",
                    ),
                };
                return self.refuse(conn, env, &e);
            }
        };
        if let Some(admin_path) = admin_path {
            return admin::route(
                &self.api,
                self.http_stats(),
                parts.method.as_str(),
                admin_path,
                query,
                &bytes,
            )
            .await;
        }
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_ascii_lowercase(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let req = Request {
            method: parts.method.as_str().to_string(),
            path: path.to_string(),
            query: query.to_string(),
            headers,
            body: bytes,
        };
        to_hyper(self.api.handle(req).await)
    }
}

/// `application/json`, any case, parameters (`; charset=utf-8`) allowed.
fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .is_some_and(|m| m.trim().eq_ignore_ascii_case("application/json"))
}

/// A request's future, with a panic in it turned into a 500 in the
/// request's envelope (logged with the answer's request id) instead of a
/// dropped connection. Boxed, which also makes it `Unpin` as hyper's
/// `without_shutdown` needs.
struct CatchPanic<F> {
    fut: Pin<Box<F>>,
    env: Envelope,
    state: Arc<ConnState>,
}

/// A body an error answer can be made into.
trait FromFull {
    fn from_full(b: Full<Bytes>) -> Self;
}

impl FromFull for Full<Bytes> {
    fn from_full(b: Full<Bytes>) -> Self {
        b
    }
}

impl FromFull for ReplyBody {
    fn from_full(b: Full<Bytes>) -> Self {
        Either::Left(b)
    }
}

impl<F, B> Future for CatchPanic<F>
where
    F: Future<Output = hyper::Response<B>>,
    B: FromFull,
{
    type Output = Result<hyper::Response<B>, std::convert::Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        let fut = this.fut.as_mut();
        match std::panic::catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(p) => p.map(Ok),
            Err(payload) => {
                let msg = payload
                    .downcast_ref::<&str>()
                    .copied()
                    .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                    .unwrap_or("(no message)");
                let rid = api::request_id();
                tracing::error!(request_id = %rid, panic = msg, "a request handler panicked; answered 500");
                // The body may be half read: close after the answer.
                this.state.close_after_answer();
                let e = protocol::internal_failure(this.env.protocol());
                let mut r = this.env.error(&e, rid);
                r.headers_mut().insert(
                    "connection",
                    hyper::header::HeaderValue::from_static("close"),
                );
                Poll::Ready(Ok(r.map(B::from_full)))
            }
        }
    }
}

fn to_hyper(r: Response) -> HttpResponse {
    let mut b = hyper::Response::builder()
        .status(r.status)
        .header("content-type", r.content_type)
        .header("x-amzn-requestid", &r.request_id);
    for (k, v) in &r.headers {
        b = b.header(*k, v);
    }
    b.body(Full::new(Bytes::from(r.body)))
        .unwrap_or_else(|_| hyper::Response::new(Full::new(Bytes::new())))
}

/// Make room for `max_connections` sockets: many systems start processes
/// with a soft limit of 1,024 descriptors, below the default connection
/// limit plus SQLite's files. Raised up to the hard limit, else a warning.
#[cfg(target_os = "linux")]
fn raise_fd_limit(max_connections: usize) {
    let want = max_connections as libc::rlim_t + 64;
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write `lim`.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 || lim.rlim_cur >= want {
            return;
        }
        let old = lim.rlim_cur;
        lim.rlim_cur = want.min(lim.rlim_max);
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 || lim.rlim_cur < want {
            tracing::warn!(
                soft_limit = old,
                hard_limit = lim.rlim_max,
                max_connections,
                "the open-file limit is below --max-connections; the system will refuse connections beyond it"
            );
        }
    }
}

#[cfg(not(target_os = "linux"))]
fn raise_fd_limit(_max_connections: usize) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_content_types() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/jsonp"));
    }

    fn panics_with_str() -> HttpResponse {
        panic!("boom")
    }

    fn panics_with_string(s: &str) -> HttpResponse {
        panic!("{s}")
    }

    #[tokio::test]
    async fn a_panic_becomes_a_500_in_the_envelope() {
        let state = ConnState::new();
        let ec2 = CatchPanic {
            fut: Box::pin(async { panics_with_str() }),
            env: Envelope::Aws(Protocol::Ec2),
            state: state.clone(),
        };
        let r = ec2.await.unwrap();
        assert_eq!(r.status(), 500);
        assert_eq!(r.headers()["connection"], "close");
        assert!(state.lingers());
        let body = http_body_util::BodyExt::collect(r.into_body())
            .await
            .unwrap()
            .to_bytes();
        let body = String::from_utf8_lossy(&body);
        assert!(
            body.contains("<Response><Errors><Error><Code>InternalError</Code>"),
            "{body}"
        );

        let json = CatchPanic {
            fut: Box::pin(async { panics_with_string("owned") }),
            env: Envelope::Aws(Protocol::Json),
            state: ConnState::new(),
        };
        let r = json.await.unwrap();
        assert_eq!(r.status(), 500);
        assert_eq!(r.headers()["content-type"], "application/x-amz-json-1.1");
    }
}
