//! The abuse modes of `tasknet-load`: what a broken or hostile client does to
//! a server, and whether the server keeps answering everyone else.
//!
//! - `slow-clients`: N connections that send a request head one byte at a
//!   time and never finish it (slowloris); each reconnects when the server
//!   closes it, so the pressure stays on for `--seconds`.
//! - `big-bodies`: N connections that each send one large EC2 request body
//!   (default 48 × 15 MB) at once.
//!
//! Meanwhile a probe opens a fresh connection every 250 ms and times
//! `GET /_tasknet/health` and an EC2 DescribeVpcs, and a sampler polls
//! `/_tasknet/stats` (and `/proc/PID/status` with `--pid`, for servers whose
//! stats have no RSS) for the server's open connections and memory.

use serde_json::Value;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tasknet::client::{authority, Client};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::{sleep, timeout};

pub struct Abuse {
    pub endpoint: String,
    pub op: String,
    pub connections: usize,
    pub seconds: u64,
    pub body_bytes: usize,
    pub slow_interval: Duration,
    pub settle: Duration,
    pub pid: Option<u32>,
}

const EC2_AUTH: &str = "AWS4-HMAC-SHA256 Credential=load/20260101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0";
const PROBE_EVERY: Duration = Duration::from_millis(250);
const PROBE_TIMEOUT: Duration = Duration::from_secs(10);

/// What the server said about itself at one moment.
#[derive(Default, Clone, Copy)]
struct Sample {
    rss: Option<u64>,
    peak: Option<u64>,
    connections: Option<u64>,
    in_flight: Option<u64>,
    /// Open file descriptors (with --pid): sockets included.
    fds: Option<u64>,
}

/// Maxima over the abuse.
#[derive(Default)]
struct Seen {
    rss: Option<u64>,
    peak: Option<u64>,
    connections: Option<u64>,
    in_flight: Option<u64>,
    fds: Option<u64>,
}

fn max_opt(a: Option<u64>, b: Option<u64>) -> Option<u64> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.max(y)),
        (x, y) => x.or(y),
    }
}

impl Seen {
    fn add(&mut self, s: Sample) {
        self.rss = max_opt(self.rss, s.rss);
        self.peak = max_opt(self.peak, s.peak);
        self.connections = max_opt(self.connections, s.connections);
        self.in_flight = max_opt(self.in_flight, s.in_flight);
        self.fds = max_opt(self.fds, s.fds);
    }
}

fn proc_status(pid: u32) -> (Option<u64>, Option<u64>) {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/status")) else {
        return (None, None);
    };
    let kb = |key: &str| {
        s.lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .map(|k| k * 1024)
    };
    (kb("VmRSS:"), kb("VmHWM:"))
}

/// Polls the server's stats over one kept-alive connection (opened before
/// the abuse, so a full connection table does not lock the sampler out).
struct Sampler {
    endpoint: String,
    client: Option<Client>,
    pid: Option<u32>,
}

impl Sampler {
    async fn sample(&mut self) -> Sample {
        let mut s = Sample::default();
        if self.client.is_none() {
            if let Ok(Ok(c)) =
                timeout(Duration::from_secs(2), Client::connect(&self.endpoint)).await
            {
                self.client = Some(c);
            }
        }
        if let Some(c) = &mut self.client {
            let r = timeout(
                Duration::from_secs(2),
                c.send("GET", "/_tasknet/stats", &[], Vec::new()),
            )
            .await;
            match r {
                Ok(Ok((200, body))) => {
                    let v: Value = serde_json::from_slice(&body).unwrap_or_default();
                    s.rss = v["rssBytes"].as_u64();
                    s.peak = v["peakRssBytes"].as_u64();
                    s.connections = v["connections"].as_u64();
                    s.in_flight = v["bodyBytesInFlight"].as_u64();
                }
                _ => self.client = None,
            }
        }
        if let Some(pid) = self.pid {
            let (rss, peak) = proc_status(pid);
            s.rss = rss.or(s.rss);
            s.peak = peak.or(s.peak);
            s.fds = std::fs::read_dir(format!("/proc/{pid}/fd"))
                .ok()
                .map(|d| d.count() as u64);
        }
        s
    }
}

#[derive(Default)]
struct Probes {
    health: Vec<f64>,
    describe: Vec<f64>,
    failed: usize,
    sent: usize,
}

async fn probe_once(endpoint: &str, health: bool) -> Result<f64, String> {
    let t0 = Instant::now();
    let r = timeout(PROBE_TIMEOUT, async {
        let mut c = Client::connect(endpoint).await?;
        if health {
            c.send("GET", "/_tasknet/health", &[], Vec::new()).await
        } else {
            let headers = [
                (
                    "content-type",
                    "application/x-www-form-urlencoded".to_string(),
                ),
                ("authorization", EC2_AUTH.to_string()),
            ];
            c.send(
                "POST",
                "/",
                &headers,
                b"Action=DescribeVpcs&Version=2016-11-15".to_vec(),
            )
            .await
        }
    })
    .await;
    match r {
        Ok(Ok((200, _))) => Ok(t0.elapsed().as_secs_f64() * 1000.0),
        Ok(Ok((s, _))) => Err(format!("HTTP {s}")),
        Ok(Err(e)) => Err(e),
        Err(_) => Err("no answer in 10 s".into()),
    }
}

/// Probe until `stop`, a fresh connection each time.
async fn probe(endpoint: String, stop: Arc<AtomicBool>, out: Arc<Mutex<Probes>>) {
    while !stop.load(Ordering::Relaxed) {
        for health in [true, false] {
            let r = probe_once(&endpoint, health).await;
            let mut p = out.lock().unwrap_or_else(|e| e.into_inner());
            p.sent += 1;
            match r {
                Ok(ms) if health => p.health.push(ms),
                Ok(ms) => p.describe.push(ms),
                Err(_) => p.failed += 1,
            }
        }
        sleep(PROBE_EVERY).await;
    }
}

fn mb(b: Option<u64>) -> String {
    b.map(|b| format!("{:.1} MB", b as f64 / 1e6))
        .unwrap_or_else(|| "n/a".into())
}

fn p50_max(v: &mut [f64]) -> String {
    if v.is_empty() {
        return "no answers".into();
    }
    v.sort_by(f64::total_cmp);
    format!("p50 {:.1} ms max {:.1} ms", v[v.len() / 2], v[v.len() - 1])
}

pub async fn run(a: Abuse) -> Result<(), String> {
    let addr = authority(&a.endpoint)?;
    let mut sampler = Sampler {
        endpoint: a.endpoint.clone(),
        client: None,
        pid: a.pid,
    };
    let before = sampler.sample().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    let stop = Arc::new(AtomicBool::new(false));
    let probes = Arc::new(Mutex::new(Probes::default()));
    let sampling = {
        let (seen, stop) = (seen.clone(), stop.clone());
        tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let s = sampler.sample().await;
                seen.lock().unwrap_or_else(|e| e.into_inner()).add(s);
                sleep(PROBE_EVERY).await;
            }
            sampler
        })
    };
    let probing = tokio::spawn(probe(a.endpoint.clone(), stop.clone(), probes.clone()));

    let summary = if a.op == "slow-clients" {
        slow_clients(&a, &addr).await
    } else {
        big_bodies(&a, &addr).await
    };

    stop.store(true, Ordering::Relaxed);
    let _ = probing.await;
    let mut sampler = sampling.await.map_err(|e| e.to_string())?;
    sleep(a.settle).await;
    let after = sampler.sample().await;
    let seen = seen.lock().unwrap_or_else(|e| e.into_inner());
    let mut guard = probes.lock().unwrap_or_else(|e| e.into_inner());
    let p = &mut *guard;
    println!("{summary}");
    println!(
        "server: connections held at most {}; body bytes in flight at most {}; rss before {}, peak {} (sampled {}), after {} ({} s after the abuse)",
        seen.connections.map_or("n/a".into(), |c| c.to_string()),
        mb(seen.in_flight),
        mb(before.rss),
        mb(max_opt(seen.peak, after.peak)),
        mb(seen.rss),
        mb(after.rss),
        a.settle.as_secs_f64(),
    );
    let answered = p.sent - p.failed;
    if let (Some(b), Some(m)) = (before.fds, seen.fds) {
        println!("server: open file descriptors {b} before, at most {m} during");
    }
    println!(
        "probe: {answered} of {} answered; health {}; DescribeVpcs {}",
        p.sent,
        p50_max(&mut p.health),
        p50_max(&mut p.describe),
    );
    Ok(())
}

/// Slowloris: returns the summary line.
async fn slow_clients(a: &Abuse, addr: &str) -> String {
    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let max_open = Arc::new(AtomicUsize::new(0));
    let lifetimes = Arc::new(Mutex::new(Vec::<f64>::new()));
    let mut tasks = Vec::new();
    for _ in 0..a.connections {
        let (addr, stop, open, max_open, lifetimes) = (
            addr.to_string(),
            stop.clone(),
            open.clone(),
            max_open.clone(),
            lifetimes.clone(),
        );
        let every = a.slow_interval;
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Ok(Ok(mut s)) =
                    timeout(Duration::from_secs(5), TcpStream::connect(&addr)).await
                else {
                    sleep(every).await;
                    continue;
                };
                let now_open = open.fetch_add(1, Ordering::Relaxed) + 1;
                max_open.fetch_max(now_open, Ordering::Relaxed);
                let t0 = Instant::now();
                let head = b"POST / HTTP/1.1\r\nHost: tasknet\r\nX-Slow: ";
                let mut i = 0;
                let mut buf = [0u8; 512];
                let closed = loop {
                    tokio::select! {
                        // EOF, an answer (e.g. 408) or a reset: the server let go.
                        _ = s.read(&mut buf) => break true,
                        _ = sleep(every) => {
                            let b = head.get(i).copied().unwrap_or(b'a');
                            if s.write_all(&[b]).await.is_err() {
                                break true;
                            }
                            i += 1;
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break false;
                    }
                };
                if closed {
                    lifetimes
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .push(t0.elapsed().as_secs_f64());
                }
                open.fetch_sub(1, Ordering::Relaxed);
            }
        }));
    }
    sleep(Duration::from_secs(a.seconds)).await;
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.abort();
    }
    let mut l = lifetimes.lock().unwrap_or_else(|e| e.into_inner()).clone();
    l.sort_by(f64::total_cmp);
    let closes = if l.is_empty() {
        "the server closed none of them".to_string()
    } else {
        format!(
            "the server closed {} (median after {:.1} s)",
            l.len(),
            l[l.len() / 2]
        )
    };
    format!(
        "slow-clients: {} connections for {} s, one byte every {} ms: at most {} connected at once (client side, backlog included); {closes}",
        a.connections,
        a.seconds,
        a.slow_interval.as_millis(),
        max_open.load(Ordering::Relaxed),
    )
}

/// Read a response head; its status, or None when the connection ended first.
async fn read_status(mut rd: tokio::net::tcp::OwnedReadHalf) -> Option<u16> {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65536 {
        match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let line = String::from_utf8_lossy(&head);
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One large body; returns (status or None, bytes of body sent).
async fn big_body(addr: String, size: usize) -> (Option<u16>, usize) {
    let Ok(s) = TcpStream::connect(&addr).await else {
        return (None, 0);
    };
    let (rd, mut wr) = s.into_split();
    let answer = tokio::spawn(read_status(rd));
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {EC2_AUTH}\r\nContent-Length: {size}\r\n\r\n"
    );
    let prefix = b"Action=DescribeVpcs&Version=2016-11-15&Junk=";
    let first = prefix.len().min(size);
    let mut sent = 0;
    if wr.write_all(head.as_bytes()).await.is_ok() && wr.write_all(&prefix[..first]).await.is_ok() {
        sent = first;
        let filler = vec![b'a'; 64 * 1024];
        // Stop sending once the server has answered (an early refusal).
        while sent < size && !answer.is_finished() {
            let n = (size - sent).min(filler.len());
            if wr.write_all(&filler[..n]).await.is_err() {
                break;
            }
            sent += n;
        }
    }
    let status = timeout(Duration::from_secs(120), answer)
        .await
        .ok()
        .and_then(|r| r.ok())
        .flatten();
    (status, sent)
}

/// Large bodies at once: returns the summary line.
async fn big_bodies(a: &Abuse, addr: &str) -> String {
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..a.connections)
        .map(|_| tokio::spawn(big_body(addr.to_string(), a.body_bytes)))
        .collect();
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    let mut sent = 0usize;
    for t in tasks {
        let (status, n) = t.await.unwrap_or((None, 0));
        sent += n;
        let k = status.map_or("no answer".to_string(), |s| s.to_string());
        *statuses.entry(k).or_default() += 1;
    }
    let answers = statuses
        .iter()
        .map(|(k, n)| format!("{k} ×{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "big-bodies: {} connections × {} bytes: answers {answers} in {:.2} s; {:.1} MB of {:.1} MB sent",
        a.connections,
        a.body_bytes,
        t0.elapsed().as_secs_f64(),
        sent as f64 / 1e6,
        (a.connections * a.body_bytes) as f64 / 1e6,
    )
}
