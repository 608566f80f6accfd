//! NAT64 through a public NAT gateway (N14, N72): an IPv6-only task in a
//! DNS64 subnet gets `64:ff9b::a.b.c.d` for a name that has only IPv4, and
//! its subnet routes 64:ff9b::/96 to a NAT gateway, which reaches
//! `a.b.c.d` over IPv4 from its Elastic IP.
//!
//! Linux has no stateful NAT64 in the kernel, so the fabric proxies TCP:
//! the subnet's routing table delivers 64:ff9b::/96 locally, the firewall's
//! `nat64` chain hands the connection to one transparent listener whatever
//! its port (`tproxy`), after the task's ACL and security-group egress
//! rules (`firewall.rs`), and the proxy opens the same port of the
//! embedded IPv4 address from the Elastic IP (held on the fabric's `lo`,
//! routed out of the internet gateway by `MARK`). Only TCP is translated.

use super::netns;
use crate::desired::{NAT64_PORT, NAT64_PREFIX};
use std::io::{Error, Result};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, Shutdown, SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

/// The firewall mark of the proxy's IPv4 side: the fabric routes it by
/// its own table to the internet gateway (the fabric's main table has no
/// way out, so that tasks never leave by it).
pub const MARK: u32 = 0x64;
/// That table.
pub const TABLE: u32 = 64;

/// The NAT64 subnets: (IPv6 block, prefix length, the Elastic IP their
/// translated connections leave from).
type Routes = Vec<(Ipv6Addr, u8, Ipv4Addr)>;

/// A fabric's NAT64 proxy; dropping it stops the listener.
pub struct Proxy {
    routes: Arc<RwLock<Routes>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Proxy {
    /// Listen in `fabric` (the firewall and routes send it connections).
    pub fn start(fabric: &str) -> std::result::Result<Proxy, String> {
        let listener = netns::run_in(fabric, transparent_listener)?
            .map_err(|e| format!("NAT64: cannot listen on [::]:{NAT64_PORT}: {e}"))?;
        let routes: Arc<RwLock<Routes>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (r, s) = (routes.clone(), stop.clone());
        netns::spawn_in(fabric, "nat64", move || {
            // `accept` wakes at least every SO_RCVTIMEO to see the flag.
            while !s.load(Ordering::SeqCst) {
                let (conn, peer) = match listener.accept() {
                    Ok(c) => c,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => continue,
                    Err(_) => {
                        // Out of descriptors, say: do not spin.
                        std::thread::sleep(Duration::from_millis(50));
                        continue;
                    }
                };
                let eip = match peer.ip() {
                    IpAddr::V6(p) => r.read().ok().and_then(|routes| {
                        routes
                            .iter()
                            .find(|(net, len, _)| within(p, *net, *len))
                            .map(|x| x.2)
                    }),
                    IpAddr::V4(_) => None,
                };
                let _ = std::thread::Builder::new()
                    .name("nat64 conn".into())
                    .spawn(move || relay(conn, eip));
            }
        })?;
        Ok(Proxy { routes, stop })
    }

    /// The subnets (IPv6 CIDR, Elastic IP) whose connections it translates.
    pub fn sync(&self, sources: &[(String, Ipv4Addr)]) {
        let routes: Routes = sources
            .iter()
            .filter_map(|(cidr, eip)| {
                let (net, len) = cidr.split_once('/')?;
                Some((net.parse().ok()?, len.parse().ok()?, *eip))
            })
            .collect();
        if let Ok(mut r) = self.routes.write() {
            *r = routes;
        }
    }
}

fn within(a: Ipv6Addr, net: Ipv6Addr, len: u8) -> bool {
    len == 0 || (u128::from(a) ^ u128::from(net)) >> (128 - u32::from(len.min(128))) == 0
}

/// The IPv4 address a NAT64 address embeds (RFC 6052, /96).
pub fn embedded(a: Ipv6Addr) -> Option<Ipv4Addr> {
    let (p, len) = NAT64_PREFIX;
    within(a, p, len).then(|| Ipv4Addr::from(u128::from(a) as u32))
}

/// One translated connection: the task asked for `[64:ff9b::a.b.c.d]:P`
/// (the accepted socket's own address, as tproxy keeps it); open
/// `a.b.c.d:P` from the Elastic IP and copy both ways. A connection that
/// cannot be opened is reset, as a refused one would be.
fn relay(task: TcpStream, eip: Option<Ipv4Addr>) {
    let to = match task.local_addr() {
        Ok(SocketAddr::V6(a)) => embedded(*a.ip()).map(|v4| SocketAddr::from((v4, a.port()))),
        _ => None,
    };
    let out = match (eip, to) {
        (Some(eip), Some(to)) => connect_from(eip, to),
        _ => Err(Error::other("not a NAT64 connection")),
    };
    let Ok(out) = out else {
        reset(&task);
        return;
    };
    // A peer that vanished (its namespace removed) is noticed by keepalive,
    // so that a relay never keeps a removed fabric's namespace alive for
    // good; a live idle connection is left alone.
    for s in [&task, &out] {
        let fd = s.as_raw_fd();
        let one: libc::c_int = 1;
        let _ = setsockopt(fd, libc::SOL_SOCKET, libc::SO_KEEPALIVE, &one);
        for (opt, v) in [
            (libc::TCP_KEEPIDLE, 60),
            (libc::TCP_KEEPINTVL, 10),
            (libc::TCP_KEEPCNT, 3),
        ] {
            let v: libc::c_int = v;
            let _ = setsockopt(fd, libc::IPPROTO_TCP, opt, &v);
        }
    }
    let (Ok(task2), Ok(out2)) = (task.try_clone(), out.try_clone()) else {
        return;
    };
    let up = std::thread::spawn(move || pipe(task2, out2));
    pipe(out, task);
    let _ = up.join();
}

/// Copy until `from` ends, then end `to`'s sending side.
fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(Shutdown::Write);
}

fn setsockopt<T>(fd: i32, level: i32, name: i32, value: &T) -> Result<()> {
    // SAFETY: `value` is a live `T` of the size passed.
    let rc = unsafe {
        libc::setsockopt(
            fd,
            level,
            name,
            (value as *const T).cast(),
            std::mem::size_of::<T>() as libc::socklen_t,
        )
    };
    if rc == 0 {
        Ok(())
    } else {
        Err(Error::last_os_error())
    }
}

/// Close with a reset (linger 0).
fn reset(s: &TcpStream) {
    let l = libc::linger {
        l_onoff: 1,
        l_linger: 0,
    };
    let _ = setsockopt(s.as_raw_fd(), libc::SOL_SOCKET, libc::SO_LINGER, &l);
}

fn socket(family: i32) -> Result<i32> {
    // SAFETY: socket(2) with constant arguments.
    let fd = unsafe { libc::socket(family, libc::SOCK_STREAM | libc::SOCK_CLOEXEC, 0) };
    if fd < 0 {
        Err(Error::last_os_error())
    } else {
        Ok(fd)
    }
}

fn timeval(d: Duration) -> libc::timeval {
    libc::timeval {
        tv_sec: d.as_secs() as libc::time_t,
        tv_usec: d.subsec_micros() as libc::suseconds_t,
    }
}

/// `[::]:NAT64_PORT`, IPv6 only, transparent (it accepts connections to
/// addresses that are not the fabric's, as tproxy hands them over).
fn transparent_listener() -> Result<TcpListener> {
    let fd = socket(libc::AF_INET6)?;
    // SAFETY: a fresh socket we own from here on.
    let l = unsafe { TcpListener::from_raw_fd(fd) };
    let one: libc::c_int = 1;
    setsockopt(fd, libc::SOL_IPV6, libc::IPV6_TRANSPARENT, &one)?;
    setsockopt(fd, libc::SOL_IPV6, libc::IPV6_V6ONLY, &one)?;
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_REUSEADDR, &one)?;
    let tick = timeval(Duration::from_millis(250));
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_RCVTIMEO, &tick)?;
    // SAFETY: an all-zero sockaddr_in6 is the unspecified address.
    let mut sa: libc::sockaddr_in6 = unsafe { std::mem::zeroed() };
    sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
    sa.sin6_port = NAT64_PORT.to_be();
    // SAFETY: `sa` is a valid sockaddr_in6 of the size passed.
    let rc = unsafe {
        libc::bind(
            fd,
            (&sa as *const libc::sockaddr_in6).cast(),
            std::mem::size_of::<libc::sockaddr_in6>() as libc::socklen_t,
        )
    };
    // SAFETY: listen(2) on our socket.
    if rc != 0 || unsafe { libc::listen(fd, 1024) } != 0 {
        return Err(Error::last_os_error());
    }
    Ok(l)
}

/// An IPv4 connection to `to` from `eip` (on the fabric's `lo`), marked
/// so that it leaves by the internet gateway; it gives up after a while,
/// as a client's SYN to an address nobody answers would.
fn connect_from(eip: Ipv4Addr, to: SocketAddr) -> Result<TcpStream> {
    let SocketAddr::V4(to) = to else {
        return Err(Error::other("IPv4 only"));
    };
    let fd = socket(libc::AF_INET)?;
    // SAFETY: a fresh socket we own from here on.
    let s = unsafe { TcpStream::from_raw_fd(fd) };
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_MARK, &MARK)?;
    let wait = timeval(Duration::from_secs(10));
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_SNDTIMEO, &wait)?;
    let sa = |ip: Ipv4Addr, port: u16| libc::sockaddr_in {
        sin_family: libc::AF_INET as libc::sa_family_t,
        sin_port: port.to_be(),
        sin_addr: libc::in_addr {
            s_addr: u32::from(ip).to_be(),
        },
        sin_zero: [0; 8],
    };
    let len = std::mem::size_of::<libc::sockaddr_in>() as libc::socklen_t;
    let from = sa(eip, 0);
    // SAFETY: valid sockaddr_in values of the size passed.
    if unsafe { libc::bind(fd, (&from as *const libc::sockaddr_in).cast(), len) } != 0 {
        return Err(Error::last_os_error());
    }
    let dest = sa(*to.ip(), to.port());
    // SAFETY: as above.
    if unsafe { libc::connect(fd, (&dest as *const libc::sockaddr_in).cast(), len) } != 0 {
        return Err(Error::last_os_error());
    }
    let none = timeval(Duration::ZERO);
    setsockopt(fd, libc::SOL_SOCKET, libc::SO_SNDTIMEO, &none)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_embedded_ipv4_address_is_the_last_32_bits_of_the_well_known_prefix() {
        let a: Ipv6Addr = "64:ff9b::cb00:7107".parse().unwrap();
        assert_eq!(embedded(a), Some(Ipv4Addr::new(203, 0, 113, 7)));
        let b: Ipv6Addr = "64:ff9b:1::cb00:7107".parse().unwrap();
        assert_eq!(embedded(b), None);
        assert!(within(
            "2600:1f18::5".parse().unwrap(),
            "2600:1f18::".parse().unwrap(),
            64
        ));
        assert!(!within(
            "2600:1f19::5".parse().unwrap(),
            "2600:1f18::".parse().unwrap(),
            64
        ));
    }
}
