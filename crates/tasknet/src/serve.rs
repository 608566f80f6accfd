//! `tasknet serve`: the HTTP server, the admin endpoints under `/_tasknet/`,
//! and clean shutdown on SIGTERM/SIGINT (in-flight requests finish, the
//! committer flushes).

use crate::ServeArgs;
use api::{Api, Request, Response};
use bytes::Bytes;
use control::{Control, Settings};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

/// Requests bigger than this are refused (AWS's own limits are far lower).
const MAX_BODY: usize = 16 * 1024 * 1024;

pub fn run(args: ServeArgs) -> Result<(), String> {
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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    rt.block_on(serve(args))
}

async fn serve(args: ServeArgs) -> Result<(), String> {
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
    let api = Arc::new(Api::new(control.clone()));
    let listener = TcpListener::bind(args.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
    tracing::info!(listen = %args.listen, data_dir = %args.data_dir.display(), account = %args.account_id, "tasknet serving");

    let inflight = Arc::new(AtomicUsize::new(0));
    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .map_err(|e| format!("cannot watch SIGTERM: {e}"))?;
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::warn!(error = %e, "accept failed");
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let api = api.clone();
                let inflight = inflight.clone();
                tokio::spawn(async move {
                    let svc = service_fn(move |req| {
                        let api = api.clone();
                        let inflight = inflight.clone();
                        async move {
                            inflight.fetch_add(1, Ordering::SeqCst);
                            let r = handle(&api, req).await;
                            inflight.fetch_sub(1, Ordering::SeqCst);
                            Ok::<_, std::convert::Infallible>(r)
                        }
                    });
                    if let Err(e) = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), svc).await {
                        tracing::debug!(error = %e, "connection ended");
                    }
                });
            }
            _ = tokio::signal::ctrl_c() => break,
            _ = sigterm.recv() => break,
        }
    }
    tracing::info!("shutting down");
    drop(listener);
    for j in &jobs {
        j.abort();
    }
    for _ in 0..100 {
        if inflight.load(Ordering::SeqCst) == 0 {
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

async fn handle(api: &Api, req: hyper::Request<Incoming>) -> hyper::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = model::ApiError::new("RequestEntityTooLarge", "The request body is too large.")
                .with_status(413);
            return to_hyper(api::envelope::query_error("", &e, api::request_id()));
        }
    };
    let path = parts.uri.path().to_string();
    if let Some(admin) = path.strip_prefix("/_tasknet/") {
        return crate::admin::route(
            api,
            parts.method.as_str(),
            admin,
            parts.uri.query().unwrap_or(""),
            &body,
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
        path,
        query: parts.uri.query().unwrap_or("").to_string(),
        headers,
        body: body.to_vec(),
    };
    to_hyper(api.handle(req).await)
}

fn to_hyper(r: Response) -> hyper::Response<Full<Bytes>> {
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
