//! Interface endpoints on the wire (N70): the fabric holds the address of
//! each network interface of the VPC's available interface endpoints and
//! answers HTTPS (or plain HTTP) on 443 and HTTP on 80 there, like
//! tasknet's internet: a connection succeeds exactly when the reachability
//! engine says the endpoint is reached. The fabric's `input`/`output` chains apply the
//! ACLs and the endpoint's security groups (`firewall.rs`).

use super::{netns, tls};
use crate::desired::EndpointEni;
use std::net::{IpAddr, TcpListener};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The ports an endpoint answers on.
const PORTS: [u16; 2] = [443, 80];

type Listeners = Vec<(IpAddr, TcpListener, String)>;

/// A fabric's endpoint listeners, polled by one thread; dropping it stops
/// the thread and closes them (a socket left open would keep a removed
/// namespace alive).
pub struct Server {
    listeners: Arc<Mutex<Listeners>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Ok(mut l) = self.listeners.lock() {
            l.clear();
        }
    }
}

impl Server {
    pub fn start() -> Result<Server, String> {
        let listeners: Arc<Mutex<Listeners>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (l, s) = (listeners.clone(), stop.clone());
        std::thread::Builder::new()
            .name("endpoints".into())
            .spawn(move || {
                while !s.load(Ordering::SeqCst) {
                    let mut accepted = Vec::new();
                    if let Ok(ls) = l.lock() {
                        for (_, listener, service) in ls.iter() {
                            while let Ok((conn, _)) = listener.accept() {
                                accepted.push((conn, format!("endpoint {service}")));
                            }
                        }
                    }
                    if accepted.is_empty() {
                        std::thread::sleep(Duration::from_millis(10));
                    }
                    for (conn, who) in accepted {
                        let _ = std::thread::Builder::new()
                            .name("endpoint conn".into())
                            .spawn(move || tls::serve(conn, &who));
                    }
                }
            })
            .map_err(|e| e.to_string())?;
        Ok(Server { listeners, stop })
    }

    /// Listen on exactly `enis`' addresses in `fabric` (their addresses
    /// must already be on its `lo`).
    pub fn sync(&self, fabric: &str, enis: &[EndpointEni]) -> Result<(), String> {
        let mut ls = self
            .listeners
            .lock()
            .map_err(|_| "endpoint listeners poisoned")?;
        let wanted: Vec<(IpAddr, &EndpointEni)> = enis
            .iter()
            .flat_map(|e| {
                e.ip.map(IpAddr::V4)
                    .into_iter()
                    .chain(e.ip6.map(IpAddr::V6))
                    .map(move |ip| (ip, e))
            })
            .collect();
        ls.retain(|(ip, _, service)| wanted.iter().any(|(w, e)| w == ip && e.service == *service));
        for (ip, e) in wanted {
            if ls.iter().any(|(have, _, _)| *have == ip) {
                continue;
            }
            let mut bound = Vec::new();
            for port in PORTS {
                let l = netns::run_in(fabric, move || TcpListener::bind((ip, port)))?.map_err(
                    |err| format!("endpoint {}: cannot listen on {ip}:{port}: {err}", e.eni_id),
                )?;
                l.set_nonblocking(true).map_err(|err| err.to_string())?;
                bound.push((ip, l, e.service.clone()));
            }
            ls.extend(bound);
        }
        Ok(())
    }
}
