//! TLS for tasknet's internet and interface endpoints: HTTPS on 443 as on
//! AWS, under a certificate authority of this tasknet's own. The CA is made
//! once per process; each task's /etc view carries it as the system trust
//! store (`/etc/ssl/certs/ca-certificates.crt`, `ip netns exec` binds the
//! view over /etc), so `curl https://…` and the SDKs inside a task verify
//! what they reach. A leaf certificate is issued on demand for the name
//! the client asks for (SNI), or the address it connected to.
//!
//! A connection on 443 that does not start with a TLS handshake is answered
//! in plain HTTP, so a bare TCP probe or `http://host:443/` still works.

use rcgen::{BasicConstraints, Certificate, CertificateParams, DnType, IsCa, KeyPair, SanType};
use rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::{IpAddr, TcpStream};
use std::sync::{Arc, Mutex, OnceLock};

/// Where the task's /etc view puts the trust store (Debian's path, what
/// OpenSSL, curl and Python read by default).
pub const TRUST_STORE: &str = "ssl/certs/ca-certificates.crt";

struct Authority {
    cert: Certificate,
    key: KeyPair,
    /// The files of a task's /etc view that make it trust `cert`.
    trust: Vec<(&'static str, String)>,
    /// Issued leaf certificates by name.
    leaves: Mutex<HashMap<String, Arc<CertifiedKey>>>,
}

fn authority() -> Option<&'static Authority> {
    static CA: OnceLock<Option<Authority>> = OnceLock::new();
    CA.get_or_init(|| {
        let key = KeyPair::generate().ok()?;
        let mut params = CertificateParams::new(Vec::<String>::new()).ok()?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params
            .distinguished_name
            .push(DnType::CommonName, "tasknet emulated internet CA");
        let cert = params.self_signed(&key).ok()?;
        // The CA as the trust store; OpenSSL's own configuration stays
        // the host's (the view replaces all of /etc/ssl).
        let mut trust = vec![(TRUST_STORE, cert.pem())];
        if let Ok(cnf) = std::fs::read_to_string("/etc/ssl/openssl.cnf") {
            trust.push(("ssl/openssl.cnf", cnf));
        }
        Some(Authority {
            cert,
            key,
            trust,
            leaves: Mutex::default(),
        })
    })
    .as_ref()
}

/// The files a task's /etc view gets so that it trusts tasknet's CA
/// (made once, written at every plumbing).
pub fn trust_files() -> Vec<(&'static str, String)> {
    authority().map(|a| a.trust.clone()).unwrap_or_default()
}

/// A certificate for `name` (a DNS name or an address), signed by the CA.
fn leaf(name: &str) -> Option<Arc<CertifiedKey>> {
    let ca = authority()?;
    let mut leaves = ca.leaves.lock().ok()?;
    if let Some(k) = leaves.get(name) {
        return Some(k.clone());
    }
    let mut params = CertificateParams::new(Vec::<String>::new()).ok()?;
    params.subject_alt_names = vec![match name.parse::<IpAddr>() {
        Ok(ip) => SanType::IpAddress(ip),
        Err(_) => SanType::DnsName(name.to_string().try_into().ok()?),
    }];
    params.distinguished_name.push(DnType::CommonName, name);
    let key = KeyPair::generate().ok()?;
    let cert = params.signed_by(&key, &ca.cert, &ca.key).ok()?;
    let der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
    let signer = rustls::crypto::ring::sign::any_supported_type(&der).ok()?;
    let certified = Arc::new(CertifiedKey::new(
        vec![cert.der().clone(), ca.cert.der().clone()],
        signer,
    ));
    leaves.insert(name.to_string(), certified.clone());
    Some(certified)
}

/// Picks the certificate: the SNI name, else the address connected to.
#[derive(Debug)]
struct Issuer {
    local: IpAddr,
}

impl ResolvesServerCert for Issuer {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        match hello.server_name() {
            Some(name) => leaf(name),
            None => leaf(&self.local.to_string()),
        }
    }
}

/// Answer one connection (on any port): TLS when it opens with a TLS
/// handshake, plain HTTP otherwise; `who` names the answerer in the body.
pub fn serve(c: TcpStream, who: &str) {
    let _ = c.set_nonblocking(false);
    let _ = c.set_read_timeout(Some(std::time::Duration::from_secs(5)));
    let _ = c.set_write_timeout(Some(std::time::Duration::from_secs(5)));
    let local = c.local_addr().ok();
    let peer = c.peer_addr().ok();
    let mut first = [0u8; 1];
    let tls = matches!(c.peek(&mut first), Ok(1) if first[0] == 0x16);
    let (Some(local), Some(peer)) = (local, peer) else {
        return;
    };
    let local = std::net::SocketAddr::new(local.ip().to_canonical(), local.port());
    let peer = peer.ip().to_canonical();
    if !tls {
        let mut c = c;
        respond(&mut c, who, local, peer);
        return;
    }
    // ring rather than aws-lc (which needs cmake and a long build); rustls
    // deprecates it only for lacking post-quantum key exchange, which an
    // emulated internet on one host has no use for.
    #[allow(deprecated)]
    let provider = rustls::crypto::ring::default_provider();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.with_no_client_auth()
                .with_cert_resolver(Arc::new(Issuer { local: local.ip() }))
        });
    let Ok(config) = config else {
        return;
    };
    let Ok(conn) = rustls::ServerConnection::new(Arc::new(config)) else {
        return;
    };
    let mut stream = rustls::StreamOwned::new(conn, c);
    respond(&mut stream, who, local, peer);
    stream.conn.send_close_notify();
    let _ = stream.flush();
}

/// One request: `tasknet <who>: <Host> at <local address>, seen from
/// <peer>`, then close.
fn respond(c: &mut (impl Read + Write), who: &str, local: std::net::SocketAddr, peer: IpAddr) {
    let mut buf = [0u8; 4096];
    let n = c.read(&mut buf).unwrap_or(0);
    let req = String::from_utf8_lossy(&buf[..n]);
    let host = req
        .lines()
        .find_map(|l| {
            l.strip_prefix("Host: ")
                .or_else(|| l.strip_prefix("host: "))
        })
        .unwrap_or("")
        .to_string();
    let body = format!("tasknet {who}: {host} at {local}, seen from {peer}\n");
    let _ = write!(
        c,
        "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = c.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leaves_are_issued_per_name_and_cached() {
        let trust = trust_files();
        assert_eq!(trust[0].0, TRUST_STORE);
        assert!(trust[0].1.starts_with("-----BEGIN CERTIFICATE-----"));
        let a = leaf("example.com").expect("a leaf");
        let b = leaf("example.com").expect("the same leaf");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(a.cert.len(), 2, "leaf and CA");
        assert!(leaf("10.0.1.9").is_some());
    }
}
