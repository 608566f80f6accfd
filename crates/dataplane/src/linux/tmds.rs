//! The task metadata endpoint (N61) on the wire: in each fabric, an HTTP
//! server on 169.254.170.2:80 (an address on the fabric's `lo`; tasks reach
//! it through their default route, and the fabric's firewall only filters
//! forwarded packets, so security groups never stand in its way, as on
//! Fargate). What it answers is `crate::metadata::answer`.

use super::netns;
use crate::metadata::{answer, TaskMetadata, ADDRESS};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// A running endpoint; dropping it stops the server.
pub struct Endpoint {
    /// Swapped whole at each pass.
    pub tasks: Arc<RwLock<Arc<Vec<TaskMetadata>>>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Endpoint {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// Start the endpoint in fabric `fabric` (the address must be on its `lo`).
pub fn start(fabric: &str, tasks: Vec<TaskMetadata>) -> Result<Endpoint, String> {
    let addr: Ipv4Addr = ADDRESS.parse().map_err(|_| "bad metadata address")?;
    let listener = netns::run_in(fabric, move || TcpListener::bind((addr, 80)))?
        .map_err(|e| format!("metadata endpoint: cannot bind {addr}:80: {e}"))?;
    // Polled, so that the thread notices the stop flag.
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let tasks = Arc::new(RwLock::new(Arc::new(tasks)));
    let stop = Arc::new(AtomicBool::new(false));
    let (t, s) = (tasks.clone(), stop.clone());
    std::thread::Builder::new()
        .name("metadata".into())
        .spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((conn, _)) => {
                        let t = t.clone();
                        // One thread per request: a slow caller holds no one up.
                        let _ = std::thread::Builder::new()
                            .name("metadata conn".into())
                            .spawn(move || serve(conn, &t));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(20)),
                }
            }
        })
        .map_err(|e| e.to_string())?;
    Ok(Endpoint { tasks, stop })
}

/// One request, then close (as the agent's server does for HTTP/1.0 and
/// clients that ask; enough for curl and the SDKs' credential providers).
fn serve(mut conn: TcpStream, tasks: &RwLock<Arc<Vec<TaskMetadata>>>) {
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = conn.set_write_timeout(Some(Duration::from_secs(5)));
    let Ok(peer) = conn.peer_addr() else {
        return;
    };
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 8192 {
        match conn.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&head);
    let mut first = text.lines().next().unwrap_or("").split_whitespace();
    let (method, path) = (first.next().unwrap_or(""), first.next().unwrap_or(""));
    let (status, body) = if method == "GET" || method == "HEAD" {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0);
        let tasks = tasks.read().map(|t| t.clone()).unwrap_or_default();
        let tasks: &[TaskMetadata] = &tasks;
        answer(tasks, peer.ip(), path, now)
    } else {
        (
            405,
            serde_json::json!({"message": "tasknet: the metadata endpoint answers GET only"}),
        )
    };
    let body = serde_json::to_string(&body).unwrap_or_default();
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let mut out = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    if method != "HEAD" {
        out.push_str(&body);
    }
    let _ = conn.write_all(out.as_bytes());
}
