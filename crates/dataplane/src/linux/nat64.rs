//! NAT64 through a public NAT gateway (N14, N72): an IPv6-only task in a
//! DNS64 subnet gets `64:ff9b::a.b.c.d` for a name that has only IPv4, and
//! its subnet routes 64:ff9b::/96 to a NAT gateway, which reaches
//! `a.b.c.d` over IPv4 from its Elastic IP.
//!
//! Linux has no NAT64 in the kernel, so each fabric translates packets in
//! user space, as tayga does: its subnets' tables route 64:ff9b::/96 into
//! the TUN link `nat64`; this translator turns each IPv6 packet into IPv4
//! from the task's NAT64 source (`TaskSpec::nat64_source`, 198.18.0.0/15)
//! to `a.b.c.d` and writes it back, and the kernel routes that out of the
//! internet gateway, translating the source to the Elastic IP (the
//! firewall's `nat64_snat` map). Replies come back the same way reversed.
//! The translation is stateless (RFC 7915, without fragments or ICMP
//! errors): TCP, UDP and ping pass, a handshake completes exactly when the
//! far end answers, and every packet meets the firewall on both sides.

use super::netns;
use model::net::{nat64_address, nat64_embedded};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::os::fd::{AsRawFd, FromRawFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// The table that routes what the translator sends out of the internet
/// gateway (the fabric's main table has no way out, so that tasks never
/// leave by it).
pub const TABLE: u32 = 64;
/// Where NAT64 sources live (they are routed into the translator).
pub const SOURCES: &str = "198.18.0.0/15";

#[derive(Default)]
struct Maps {
    /// Task IPv6 address → its NAT64 source.
    to4: HashMap<Ipv6Addr, Ipv4Addr>,
    to6: HashMap<Ipv4Addr, Ipv6Addr>,
}

/// A fabric's translator; dropping it stops the thread and detaches it
/// from the link.
pub struct Translator {
    maps: Arc<RwLock<Maps>>,
    stop: Arc<AtomicBool>,
}

impl Drop for Translator {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

impl Translator {
    /// Attach to the fabric's `nat64` link (made by `link::ensure_fabric`).
    pub fn start(fabric: &str) -> Result<Translator, String> {
        let tun = netns::run_in(fabric, attach)?
            .map_err(|e| format!("NAT64: cannot attach to {}: {e}", crate::firewall::NAT64))?;
        let maps: Arc<RwLock<Maps>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (m, s) = (maps.clone(), stop.clone());
        std::thread::Builder::new()
            .name("nat64".into())
            .spawn(move || run(tun, &m, &s))
            .map_err(|e| e.to_string())?;
        Ok(Translator { maps, stop })
    }

    /// The tasks it translates: (IPv6 address, NAT64 source).
    pub fn sync(&self, tasks: &[(Ipv6Addr, Ipv4Addr)]) {
        if let Ok(mut m) = self.maps.write() {
            m.to4 = tasks.iter().copied().collect();
            m.to6 = tasks.iter().map(|(a, b)| (*b, *a)).collect();
        }
    }
}

/// Open the TUN link `nat64` of the calling thread's namespace.
fn attach() -> std::io::Result<File> {
    #[repr(C)]
    struct IfReq {
        name: [u8; 16],
        flags: libc::c_short,
        pad: [u8; 22],
    }
    // SAFETY: open(2) of a constant path.
    let fd = unsafe {
        libc::open(
            c"/dev/net/tun".as_ptr(),
            libc::O_RDWR | libc::O_CLOEXEC | libc::O_NONBLOCK,
        )
    };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a fresh descriptor we own from here on.
    let file = unsafe { File::from_raw_fd(fd) };
    let mut req = IfReq {
        name: [0; 16],
        flags: (libc::IFF_TUN | libc::IFF_NO_PI) as libc::c_short,
        pad: [0; 22],
    };
    let name = crate::firewall::NAT64.as_bytes();
    req.name[..name.len()].copy_from_slice(name);
    // SAFETY: TUNSETIFF reads and writes an ifreq, which `req` is laid out as.
    if unsafe { libc::ioctl(fd, libc::TUNSETIFF, &mut req as *mut IfReq) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

/// Read packets, translate, write them back, until `stop`.
fn run(mut tun: File, maps: &RwLock<Maps>, stop: &AtomicBool) {
    let mut buf = vec![0u8; 65536];
    let mut pfd = libc::pollfd {
        fd: tun.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    while !stop.load(Ordering::SeqCst) {
        // SAFETY: one valid pollfd.
        if unsafe { libc::poll(&mut pfd, 1, 250) } <= 0 {
            continue;
        }
        loop {
            let n = match tun.read(&mut buf) {
                Ok(n) if n > 0 => n,
                _ => break,
            };
            let out = match maps.read() {
                Ok(m) => translate(&buf[..n], &m),
                Err(_) => None,
            };
            if let Some(p) = out {
                let _ = tun.write(&p);
            }
        }
    }
}

fn translate(p: &[u8], m: &Maps) -> Option<Vec<u8>> {
    match p.first()? >> 4 {
        6 => to_v4(p, m),
        4 => to_v6(p, m),
        _ => None,
    }
}

/// Sum of 16-bit words (ones' complement arithmetic is done at the end).
fn sum(data: &[u8]) -> u32 {
    let mut s = 0u32;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        s += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        s += u32::from(*last) << 8;
    }
    s
}

fn fold(mut s: u32) -> u16 {
    while s >> 16 != 0 {
        s = (s & 0xffff) + (s >> 16);
    }
    !(s as u16)
}

/// Where a protocol keeps its checksum, and whether the pseudo-header
/// counts (ICMPv4's does not).
fn checksum_at(proto: u8) -> Option<usize> {
    match proto {
        6 => Some(16),
        17 => Some(6),
        1 | 58 => Some(2),
        _ => None,
    }
}

/// Recompute the transport checksum of `l4` for its new addresses.
fn fix_checksum(l4: &mut [u8], proto: u8, pseudo: u32) {
    let Some(at) = checksum_at(proto) else { return };
    if l4.len() < at + 2 {
        return;
    }
    l4[at] = 0;
    l4[at + 1] = 0;
    let mut c = fold(sum(l4) + if proto == 1 { 0 } else { pseudo });
    if c == 0 && proto == 17 {
        c = 0xffff;
    }
    l4[at..at + 2].copy_from_slice(&c.to_be_bytes());
}

/// IPv6 from a task to 64:ff9b::/96 → IPv4 from its NAT64 source.
fn to_v4(p: &[u8], m: &Maps) -> Option<Vec<u8>> {
    if p.len() < 40 {
        return None;
    }
    let len = usize::from(u16::from_be_bytes([p[4], p[5]]));
    let (next, hops) = (p[6], p[7]);
    let src = Ipv6Addr::from(<[u8; 16]>::try_from(&p[8..24]).ok()?);
    let dst = Ipv6Addr::from(<[u8; 16]>::try_from(&p[24..40]).ok()?);
    let (src4, dst4) = (*m.to4.get(&src)?, nat64_embedded(dst)?);
    let mut l4 = p.get(40..40 + len)?.to_vec();
    if hops <= 1 {
        return None;
    }
    let proto = match next {
        6 | 17 => next,
        // Echo request → echo request; no other ICMPv6 is translated.
        58 if l4.first() == Some(&128) => {
            l4[0] = 8;
            1
        }
        _ => return None,
    };
    let total = u16::try_from(20 + l4.len()).ok()?;
    let mut h = vec![0x45, 0];
    h.extend_from_slice(&total.to_be_bytes());
    h.extend_from_slice(&[0, 0, 0x40, 0, hops - 1, proto, 0, 0]);
    h.extend_from_slice(&src4.octets());
    h.extend_from_slice(&dst4.octets());
    let c = fold(sum(&h));
    h[10..12].copy_from_slice(&c.to_be_bytes());
    let pseudo = sum(&h[12..20]) + u32::from(proto) + l4.len() as u32;
    fix_checksum(&mut l4, proto, pseudo);
    h.extend_from_slice(&l4);
    Some(h)
}

/// IPv4 to a NAT64 source → IPv6 from 64:ff9b::/96 to its task.
fn to_v6(p: &[u8], m: &Maps) -> Option<Vec<u8>> {
    let ihl = usize::from(p.first()? & 0x0f) * 4;
    if p.len() < 20 || ihl < 20 {
        return None;
    }
    let total = usize::from(u16::from_be_bytes([p[2], p[3]]));
    let frag = u16::from_be_bytes([p[6], p[7]]);
    if frag & 0x3fff != 0 {
        return None; // a fragment
    }
    let (ttl, proto) = (p[8], p[9]);
    let src = Ipv4Addr::from(<[u8; 4]>::try_from(&p[12..16]).ok()?);
    let dst = Ipv4Addr::from(<[u8; 4]>::try_from(&p[16..20]).ok()?);
    let dst6 = *m.to6.get(&dst)?;
    let mut l4 = p.get(ihl..total)?.to_vec();
    if ttl <= 1 {
        return None;
    }
    let next = match proto {
        6 | 17 => proto,
        // Echo reply → echo reply.
        1 if l4.first() == Some(&0) => {
            l4[0] = 129;
            58
        }
        _ => return None,
    };
    let len = u16::try_from(l4.len()).ok()?;
    let src6 = nat64_address(src);
    let mut h = vec![0x60, 0, 0, 0];
    h.extend_from_slice(&len.to_be_bytes());
    h.extend_from_slice(&[next, ttl - 1]);
    h.extend_from_slice(&src6.octets());
    h.extend_from_slice(&dst6.octets());
    let pseudo = sum(&h[8..40]) + u32::from(next) + u32::from(len);
    fix_checksum(&mut l4, next, pseudo);
    h.extend_from_slice(&l4);
    Some(h)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn maps() -> Maps {
        let (task, src): (Ipv6Addr, Ipv4Addr) = (
            "2600:1f18::10".parse().unwrap(),
            Ipv4Addr::new(198, 18, 0, 7),
        );
        let mut m = Maps::default();
        m.to4.insert(task, src);
        m.to6.insert(src, task);
        m
    }

    /// A transport checksum verifies: the sum over pseudo-header and
    /// segment folds to zero.
    fn verifies(pseudo: u32, l4: &[u8]) -> bool {
        fold(sum(l4) + pseudo) == 0
    }

    #[test]
    fn a_tcp_segment_crosses_both_ways_with_valid_checksums() {
        let m = maps();
        // IPv6: 2600:1f18::10 → 64:ff9b::cb00:7107, TCP SYN 40000 → 443.
        let mut tcp = vec![0x9c, 0x40, 0x01, 0xbb, 0, 0, 0, 1, 0, 0, 0, 0, 0x50, 0x02];
        tcp.extend_from_slice(&[0xff, 0xff, 0, 0, 0, 0]);
        let mut v6 = vec![0x60, 0, 0, 0, 0, tcp.len() as u8, 6, 64];
        v6.extend_from_slice(&"2600:1f18::10".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&"64:ff9b::cb00:7107".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&tcp);
        let v4 = translate(&v6, &m).expect("translated");
        assert_eq!(v4[0], 0x45);
        assert_eq!((v4[8], v4[9]), (63, 6));
        assert_eq!(&v4[12..16], &[198, 18, 0, 7]);
        assert_eq!(&v4[16..20], &[203, 0, 113, 7]);
        assert_eq!(fold(sum(&v4[..20])), 0, "header checksum");
        let pseudo = sum(&v4[12..20]) + 6 + (v4.len() - 20) as u32;
        assert!(verifies(pseudo, &v4[20..]), "TCP checksum over IPv4");
        // The reply, 203.0.113.7 → 198.18.0.7, back to the task.
        let mut reply = v4.clone();
        reply[12..16].copy_from_slice(&[203, 0, 113, 7]);
        reply[16..20].copy_from_slice(&[198, 18, 0, 7]);
        let v6b = translate(&reply, &m).expect("translated back");
        assert_eq!(&v6b[8..24], &v6[24..40]);
        assert_eq!(&v6b[24..40], &v6[8..24]);
        let pseudo = sum(&v6b[8..40]) + 6 + (v6b.len() - 40) as u32;
        assert!(verifies(pseudo, &v6b[40..]), "TCP checksum over IPv6");
        // Unknown sources, other prefixes and fragments are dropped.
        let mut other = v6.clone();
        other[8] ^= 1;
        assert!(translate(&other, &m).is_none());
        let mut frag = reply.clone();
        frag[6] = 0x20;
        assert!(translate(&frag, &m).is_none());
    }

    #[test]
    fn ping_becomes_icmp_echo_and_back() {
        let m = maps();
        let icmp6 = vec![128, 0, 0, 0, 0, 1, 0, 1, b'h', b'i'];
        let mut v6 = vec![0x60, 0, 0, 0, 0, icmp6.len() as u8, 58, 64];
        v6.extend_from_slice(&"2600:1f18::10".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&"64:ff9b::808:808".parse::<Ipv6Addr>().unwrap().octets());
        v6.extend_from_slice(&icmp6);
        let v4 = translate(&v6, &m).expect("translated");
        assert_eq!((v4[9], v4[20]), (1, 8));
        assert!(verifies(0, &v4[20..]), "ICMP checksum");
        let mut reply = v4.clone();
        reply[12..16].copy_from_slice(&[8, 8, 8, 8]);
        reply[16..20].copy_from_slice(&[198, 18, 0, 7]);
        reply[20] = 0;
        let v6b = translate(&reply, &m).expect("translated back");
        assert_eq!((v6b[6], v6b[40]), (58, 129));
        let pseudo = sum(&v6b[8..40]) + 58 + (v6b.len() - 40) as u32;
        assert!(verifies(pseudo, &v6b[40..]), "ICMPv6 checksum");
    }
}
