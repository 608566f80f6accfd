//! IPv4/IPv6 CIDR blocks as AWS accepts them.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

/// An IPv4 CIDR block. `addr` is always the network address (AWS canonicalises
/// `100.68.0.18/18` to `100.68.0.0/18`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Ipv4Cidr {
    addr: u32,
    len: u8,
}

impl Ipv4Cidr {
    pub fn new(addr: Ipv4Addr, len: u8) -> Option<Self> {
        if len > 32 {
            return None;
        }
        let a = u32::from(addr) & mask4(len);
        Some(Self { addr: a, len })
    }
    pub fn network(&self) -> Ipv4Addr {
        Ipv4Addr::from(self.addr)
    }
    pub fn base(&self) -> u32 {
        self.addr
    }
    pub fn prefix_len(&self) -> u8 {
        self.len
    }
    /// Number of addresses in the block.
    pub fn size(&self) -> u64 {
        1u64 << (32 - self.len)
    }
    pub fn last(&self) -> u32 {
        (self.addr as u64 + self.size() - 1) as u32
    }
    /// The address at `offset` from the network address.
    pub fn nth(&self, offset: u64) -> Option<Ipv4Addr> {
        (offset < self.size()).then(|| Ipv4Addr::from((self.addr as u64 + offset) as u32))
    }
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        u32::from(ip) & mask4(self.len) == self.addr
    }
    pub fn contains_cidr(&self, other: &Ipv4Cidr) -> bool {
        other.len >= self.len && self.contains(other.network())
    }
    pub fn overlaps(&self, other: &Ipv4Cidr) -> bool {
        self.contains_cidr(other) || other.contains_cidr(self)
    }
    /// Parse strictly: the host bits must already be zero.
    pub fn parse_exact(s: &str) -> Option<Self> {
        let c: Ipv4Cidr = s.parse().ok()?;
        let (ip, _) = s.split_once('/')?;
        (ip.parse::<Ipv4Addr>().ok()? == c.network()).then_some(c)
    }
}

fn mask4(len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        u32::MAX << (32 - len)
    }
}

impl FromStr for Ipv4Cidr {
    type Err = ();
    /// Accepts `a.b.c.d/n` and canonicalises host bits away.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (ip, len) = s.split_once('/').ok_or(())?;
        let ip: Ipv4Addr = ip.parse().map_err(|_| ())?;
        if len.is_empty() || len.len() > 2 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        let len: u8 = len.parse().map_err(|_| ())?;
        Ipv4Cidr::new(ip, len).ok_or(())
    }
}

impl fmt::Display for Ipv4Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.len)
    }
}
impl From<Ipv4Cidr> for String {
    fn from(c: Ipv4Cidr) -> String {
        c.to_string()
    }
}
impl TryFrom<String> for Ipv4Cidr {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse().map_err(|_| format!("bad IPv4 CIDR {s}"))
    }
}

/// An IPv6 CIDR block, network address canonicalised.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Ipv6Cidr {
    addr: u128,
    len: u8,
}

fn mask6(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - len)
    }
}

/// The NAT64 well-known prefix 64:ff9b::/96 (RFC 6052): DNS64 answers
/// in it and NAT gateways translate from it (N14).
pub const NAT64_PREFIX: Ipv6Cidr = Ipv6Cidr {
    addr: 0x0064_ff9b << 96,
    len: 96,
};

/// The NAT64 address of an IPv4 address (what DNS64 answers).
pub fn nat64_address(v4: Ipv4Addr) -> Ipv6Addr {
    Ipv6Addr::from(NAT64_PREFIX.addr | u128::from(u32::from(v4)))
}

/// The IPv4 address a NAT64 address embeds, if it is one.
pub fn nat64_embedded(v6: Ipv6Addr) -> Option<Ipv4Addr> {
    NAT64_PREFIX
        .contains(v6)
        .then(|| Ipv4Addr::from(u128::from(v6) as u32))
}

impl Ipv6Cidr {
    pub fn new(addr: Ipv6Addr, len: u8) -> Option<Self> {
        if len > 128 {
            return None;
        }
        Some(Self {
            addr: u128::from(addr) & mask6(len),
            len,
        })
    }
    pub fn network(&self) -> Ipv6Addr {
        Ipv6Addr::from(self.addr)
    }
    pub fn base(&self) -> u128 {
        self.addr
    }
    pub fn prefix_len(&self) -> u8 {
        self.len
    }
    pub fn contains(&self, ip: Ipv6Addr) -> bool {
        u128::from(ip) & mask6(self.len) == self.addr
    }
    pub fn contains_cidr(&self, other: &Ipv6Cidr) -> bool {
        other.len >= self.len && self.contains(other.network())
    }
    pub fn overlaps(&self, other: &Ipv6Cidr) -> bool {
        self.contains_cidr(other) || other.contains_cidr(self)
    }
    /// The `index`-th sub-block of length `len` inside this block.
    pub fn subnet(&self, len: u8, index: u128) -> Option<Ipv6Cidr> {
        if len < self.len || len > 128 {
            return None;
        }
        let bits = len - self.len;
        if bits < 128 && index >> bits != 0 {
            return None;
        }
        let shift = 128 - len as u32;
        let off = if shift >= 128 { 0 } else { index << shift };
        Some(Ipv6Cidr {
            addr: self.addr | off,
            len,
        })
    }
    pub fn parse_exact(s: &str) -> Option<Self> {
        let c: Ipv6Cidr = s.parse().ok()?;
        let (ip, _) = s.split_once('/')?;
        (ip.parse::<Ipv6Addr>().ok()? == c.network()).then_some(c)
    }
}

impl FromStr for Ipv6Cidr {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        let (ip, len) = s.split_once('/').ok_or(())?;
        let ip: Ipv6Addr = ip.parse().map_err(|_| ())?;
        if len.is_empty() || len.len() > 3 || !len.bytes().all(|b| b.is_ascii_digit()) {
            return Err(());
        }
        let len: u8 = len.parse().map_err(|_| ())?;
        Ipv6Cidr::new(ip, len).ok_or(())
    }
}

impl fmt::Display for Ipv6Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network(), self.len)
    }
}
impl From<Ipv6Cidr> for String {
    fn from(c: Ipv6Cidr) -> String {
        c.to_string()
    }
}
impl TryFrom<String> for Ipv6Cidr {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse().map_err(|_| format!("bad IPv6 CIDR {s}"))
    }
}

/// Either family, for places (routes, rules) that accept both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Cidr {
    V4(Ipv4Cidr),
    V6(Ipv6Cidr),
}

impl Cidr {
    pub fn prefix_len(&self) -> u8 {
        match self {
            Cidr::V4(c) => c.prefix_len(),
            Cidr::V6(c) => c.prefix_len(),
        }
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Cidr::V4(c) => c.fmt(f),
            Cidr::V6(c) => c.fmt(f),
        }
    }
}

/// Whether an IPv4 block lies in a range AWS accepts for VPC CIDRs (RFC 1918 and
/// publicly routable space; not the reserved ranges AWS refuses).
pub fn is_restricted_vpc_v4(c: &Ipv4Cidr) -> bool {
    const RESTRICTED: &[(u32, u8)] = &[
        (0x0000_0000, 8),  // 0.0.0.0/8
        (0x7F00_0000, 8),  // 127.0.0.0/8
        (0xA9FE_0000, 16), // 169.254.0.0/16
        (0xE000_0000, 4),  // 224.0.0.0/4
        (0xF000_0000, 4),  // 240.0.0.0/4
    ];
    RESTRICTED.iter().any(|&(a, l)| {
        let r = Ipv4Cidr { addr: a, len: l };
        r.overlaps(c)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nat64_addresses_embed_ipv4_in_the_well_known_prefix() {
        let a: Ipv6Addr = "64:ff9b::cb00:7107".parse().unwrap();
        assert_eq!(nat64_address(Ipv4Addr::new(203, 0, 113, 7)), a);
        assert_eq!(nat64_embedded(a), Some(Ipv4Addr::new(203, 0, 113, 7)));
        assert_eq!(
            nat64_embedded("64:ff9b:1::cb00:7107".parse().unwrap()),
            None
        );
        assert_eq!(NAT64_PREFIX.to_string(), "64:ff9b::/96");
    }

    #[test]
    fn v4_canonicalises_and_contains() {
        let c: Ipv4Cidr = "100.68.0.18/18".parse().unwrap();
        assert_eq!(c.to_string(), "100.68.0.0/18");
        assert!(c.contains("100.68.63.255".parse().unwrap()));
        assert!(!c.contains("100.68.64.0".parse().unwrap()));
        assert_eq!(c.size(), 16384);
        assert!(Ipv4Cidr::parse_exact("100.68.0.18/18").is_none());
        assert!("10.0.0.0/33".parse::<Ipv4Cidr>().is_err());
        assert!("10.0.0.0".parse::<Ipv4Cidr>().is_err());
        assert!("10.0.0.0/+8".parse::<Ipv4Cidr>().is_err());
    }

    #[test]
    fn v4_overlap() {
        let a: Ipv4Cidr = "10.0.0.0/16".parse().unwrap();
        let b: Ipv4Cidr = "10.0.1.0/24".parse().unwrap();
        let c: Ipv4Cidr = "10.1.0.0/24".parse().unwrap();
        assert!(a.overlaps(&b) && b.overlaps(&a));
        assert!(!a.overlaps(&c));
        let all: Ipv4Cidr = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains_cidr(&a));
    }

    #[test]
    fn v6_subnets() {
        let vpc: Ipv6Cidr = "2600:1f18:abcd:ef00::/56".parse().unwrap();
        let s = vpc.subnet(64, 0x12).unwrap();
        assert_eq!(s.to_string(), "2600:1f18:abcd:ef12::/64");
        assert!(vpc.subnet(64, 256).is_none());
        assert!(vpc.contains_cidr(&s));
    }
}
