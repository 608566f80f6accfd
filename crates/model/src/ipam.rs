//! IP address management: which addresses of a block are in use.
//!
//! IPv4 uses a two-level bitmap so that allocation and release stay O(1)-ish
//! even in a /16 subnet or a /12 public pool: the summary level marks full
//! words, so finding the lowest free address touches at most
//! `size / 4096` summary words and one data word. IPv6 blocks are /64s that
//! never fill up, so they keep a set of used interface ids and draw random ones.
//!
//! The allocators are derived state: they are rebuilt from the ENIs and Elastic
//! IPs when the world is loaded, never persisted themselves.

use crate::net::{Ipv4Cidr, Ipv6Cidr};
use crate::undo::ShardedSet;
use std::net::{Ipv4Addr, Ipv6Addr};

/// Bitmap over `len` slots; bit set = slot in use.
#[derive(Clone, Debug)]
struct Bitmap {
    words: Vec<u64>,
    /// Bit `i` set when `words[i]` is full.
    full: Vec<u64>,
    len: u64,
    used: u64,
}

impl Bitmap {
    fn new(len: u64) -> Self {
        let nwords = len.div_ceil(64) as usize;
        let mut b = Bitmap {
            words: vec![0; nwords],
            full: vec![0; nwords.div_ceil(64)],
            len,
            used: 0,
        };
        // Slots past `len` in the last word count as used so they are never found.
        let tail = len % 64;
        if tail != 0 {
            let last = nwords - 1;
            b.words[last] = u64::MAX << tail;
            b.refresh(last);
        }
        b
    }

    fn refresh(&mut self, w: usize) {
        let (fw, fb) = (w / 64, w % 64);
        if self.words[w] == u64::MAX {
            self.full[fw] |= 1 << fb;
        } else {
            self.full[fw] &= !(1 << fb);
        }
    }

    fn is_set(&self, i: u64) -> bool {
        i >= self.len || self.words[(i / 64) as usize] & (1 << (i % 64)) != 0
    }

    /// Mark slot `i` used; false if it already was (or is out of range).
    fn set(&mut self, i: u64) -> bool {
        if self.is_set(i) {
            return false;
        }
        let w = (i / 64) as usize;
        self.words[w] |= 1 << (i % 64);
        self.used += 1;
        self.refresh(w);
        true
    }

    /// Mark slot `i` free; false if it was not in use.
    fn clear(&mut self, i: u64) -> bool {
        if i >= self.len || !self.is_set(i) {
            return false;
        }
        let w = (i / 64) as usize;
        self.words[w] &= !(1 << (i % 64));
        self.used -= 1;
        self.refresh(w);
        true
    }

    /// Lowest free slot, marked used.
    fn take_lowest(&mut self) -> Option<u64> {
        let fw = self.full.iter().position(|f| *f != u64::MAX)?;
        let w = fw * 64 + (!self.full[fw]).trailing_zeros() as usize;
        if w >= self.words.len() {
            return None;
        }
        let bit = (!self.words[w]).trailing_zeros() as u64;
        let i = w as u64 * 64 + bit;
        self.set(i).then_some(i)
    }
}

/// The IPv4 addresses of one subnet. AWS reserves the network address, base+1
/// (router), base+2 (DNS), base+3 and the broadcast address (N11); they are
/// never handed out.
#[derive(Clone, Debug)]
pub struct SubnetIpam {
    cidr: Ipv4Cidr,
    map: Bitmap,
}

impl SubnetIpam {
    pub const RESERVED: u64 = 5;

    pub fn new(cidr: Ipv4Cidr) -> Self {
        let size = cidr.size();
        let mut map = Bitmap::new(size);
        for i in [0, 1, 2, 3, size - 1] {
            map.set(i);
        }
        SubnetIpam { cidr, map }
    }

    pub fn cidr(&self) -> Ipv4Cidr {
        self.cidr
    }

    /// `AvailableIpAddressCount`.
    pub fn available(&self) -> u64 {
        self.map.len - self.map.used
    }

    pub fn is_reserved(&self, ip: Ipv4Addr) -> bool {
        let off = u32::from(ip).wrapping_sub(self.cidr.base()) as u64;
        self.cidr.contains(ip) && (off < 4 || off == self.cidr.size() - 1)
    }

    pub fn in_use(&self, ip: Ipv4Addr) -> bool {
        self.cidr.contains(ip) && self.map.is_set(self.offset(ip))
    }

    fn offset(&self, ip: Ipv4Addr) -> u64 {
        u32::from(ip).wrapping_sub(self.cidr.base()) as u64
    }

    /// Take the lowest free address.
    pub fn allocate(&mut self) -> Option<Ipv4Addr> {
        let i = self.map.take_lowest()?;
        self.cidr.nth(i)
    }

    /// Take a specific address; `Err` says why it cannot be had.
    pub fn claim(&mut self, ip: Ipv4Addr) -> Result<(), ClaimError> {
        if !self.cidr.contains(ip) {
            return Err(ClaimError::OutOfRange);
        }
        if self.is_reserved(ip) {
            return Err(ClaimError::Reserved);
        }
        let off = self.offset(ip);
        if self.map.set(off) {
            Ok(())
        } else {
            Err(ClaimError::InUse)
        }
    }

    /// Give an address back. Reserved addresses can never be released.
    pub fn release(&mut self, ip: Ipv4Addr) -> bool {
        if !self.cidr.contains(ip) || self.is_reserved(ip) {
            return false;
        }
        let off = self.offset(ip);
        self.map.clear(off)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ClaimError {
    OutOfRange,
    Reserved,
    InUse,
}

/// A Region's emulated public IPv4 pool (Elastic IPs and auto-assigned public
/// IPs). Addresses ending in .0 or .255 are skipped so that none looks like a
/// network or broadcast address.
#[derive(Clone, Debug)]
pub struct PublicPool {
    cidr: Ipv4Cidr,
    map: Bitmap,
}

impl PublicPool {
    pub fn new(cidr: Ipv4Cidr) -> Self {
        let mut map = Bitmap::new(cidr.size());
        let mut i = 0;
        while i < cidr.size() {
            map.set(i);
            if i + 255 < cidr.size() {
                map.set(i + 255);
            }
            i += 256;
        }
        PublicPool { cidr, map }
    }
    pub fn cidr(&self) -> Ipv4Cidr {
        self.cidr
    }
    pub fn allocate(&mut self) -> Option<Ipv4Addr> {
        let i = self.map.take_lowest()?;
        self.cidr.nth(i)
    }
    pub fn claim(&mut self, ip: Ipv4Addr) -> bool {
        self.cidr.contains(ip)
            && self
                .map
                .set(u32::from(ip).wrapping_sub(self.cidr.base()) as u64)
    }
    pub fn release(&mut self, ip: Ipv4Addr) -> bool {
        let last = ip.octets()[3];
        self.cidr.contains(ip)
            && last != 0
            && last != 255
            && self
                .map
                .clear(u32::from(ip).wrapping_sub(self.cidr.base()) as u64)
    }
    pub fn available(&self) -> u64 {
        self.map.len - self.map.used
    }
}

/// The IPv6 addresses in use in one /64 (or larger) subnet block. The first four
/// and the last address are reserved (N11's IPv6 analogue).
#[derive(Clone, Debug, Default)]
pub struct Ipv6Ipam {
    /// Sharded so that keeping a pre-image for a failed request (`undo`)
    /// copies one shard, not every address of a busy subnet.
    used: ShardedSet,
}

impl Ipv6Ipam {
    fn reserved(cidr: &Ipv6Cidr, ip: u128) -> bool {
        let host_bits = 128 - cidr.prefix_len() as u32;
        let host_mask = if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        let host = ip & host_mask;
        host < 4 || host == host_mask
    }

    /// A random free address of `cidr` (AWS hands out random-looking interface ids).
    pub fn allocate(&mut self, cidr: &Ipv6Cidr, rng: &mut fastrand::Rng) -> Option<Ipv6Addr> {
        let host_bits = 128 - cidr.prefix_len() as u32;
        if host_bits < 8 {
            return None;
        }
        let host_mask = if host_bits == 128 {
            u128::MAX
        } else {
            (1u128 << host_bits) - 1
        };
        for _ in 0..64 {
            let ip = cidr.base() | (rng.u128(..) & host_mask);
            if !Self::reserved(cidr, ip) && self.used.insert(ip) {
                return Some(Ipv6Addr::from(ip));
            }
        }
        None
    }

    pub fn claim(&mut self, cidr: &Ipv6Cidr, ip: Ipv6Addr) -> Result<(), ClaimError> {
        if !cidr.contains(ip) {
            return Err(ClaimError::OutOfRange);
        }
        if Self::reserved(cidr, u128::from(ip)) {
            return Err(ClaimError::Reserved);
        }
        if self.used.insert(u128::from(ip)) {
            Ok(())
        } else {
            Err(ClaimError::InUse)
        }
    }

    pub fn release(&mut self, ip: Ipv6Addr) -> bool {
        self.used.remove(u128::from(ip))
    }

    pub fn in_use(&self, ip: Ipv6Addr) -> bool {
        self.used.contains(u128::from(ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::HashSet;

    fn cidr(s: &str) -> Ipv4Cidr {
        s.parse().unwrap()
    }

    #[test]
    fn slash24_has_251_and_skips_reserved() {
        let mut ipam = SubnetIpam::new(cidr("10.0.1.0/24"));
        assert_eq!(ipam.available(), 251);
        assert_eq!(ipam.allocate(), Some("10.0.1.4".parse().unwrap()));
        assert_eq!(ipam.available(), 250);
        for ip in ["10.0.1.0", "10.0.1.1", "10.0.1.2", "10.0.1.3", "10.0.1.255"] {
            assert_eq!(ipam.claim(ip.parse().unwrap()), Err(ClaimError::Reserved));
            assert!(!ipam.release(ip.parse().unwrap()));
        }
        assert_eq!(
            ipam.claim("10.0.1.4".parse().unwrap()),
            Err(ClaimError::InUse)
        );
        assert_eq!(
            ipam.claim("10.0.2.4".parse().unwrap()),
            Err(ClaimError::OutOfRange)
        );
    }

    #[test]
    fn slash28_exhausts_after_11() {
        let mut ipam = SubnetIpam::new(cidr("10.0.0.16/28"));
        let mut got = HashSet::new();
        while let Some(ip) = ipam.allocate() {
            assert!(got.insert(ip));
        }
        assert_eq!(got.len(), 11);
        assert_eq!(ipam.available(), 0);
        assert!(ipam.release("10.0.0.25".parse().unwrap()));
        assert_eq!(ipam.available(), 1);
        assert_eq!(ipam.allocate(), Some("10.0.0.25".parse().unwrap()));
        assert_eq!(ipam.allocate(), None);
    }

    #[test]
    fn slash16_fills_completely_without_duplicates() {
        let mut ipam = SubnetIpam::new(cidr("172.31.0.0/16"));
        let mut seen = vec![false; 65536];
        let mut n = 0;
        while let Some(ip) = ipam.allocate() {
            let off = (u32::from(ip) - u32::from(Ipv4Addr::new(172, 31, 0, 0))) as usize;
            assert!(!seen[off], "duplicate {ip}");
            assert!(!(off < 4 || off == 65535), "reserved {ip}");
            seen[off] = true;
            n += 1;
        }
        assert_eq!(n, 65531);
    }

    #[test]
    fn public_pool_skips_dot0_and_dot255() {
        let mut p = PublicPool::new(cidr("3.80.0.0/22"));
        assert_eq!(p.available(), 1024 - 8);
        let first = p.allocate().unwrap();
        assert_eq!(first, "3.80.0.1".parse::<Ipv4Addr>().unwrap());
        assert!(!p.claim(first));
        assert!(p.release(first));
    }

    #[test]
    fn ipv6_random_unique_and_not_reserved() {
        let c: Ipv6Cidr = "2600:1f18:1:2::/64".parse().unwrap();
        let mut i = Ipv6Ipam::default();
        let mut rng = fastrand::Rng::with_seed(7);
        let a = i.allocate(&c, &mut rng).unwrap();
        assert!(c.contains(a));
        assert_eq!(i.claim(&c, a), Err(ClaimError::InUse));
        assert_eq!(
            i.claim(&c, "2600:1f18:1:2::1".parse().unwrap()),
            Err(ClaimError::Reserved)
        );
        assert!(i.release(a));
    }

    proptest! {
        // Any interleaving of allocations, claims and releases keeps the count
        // exact, never yields a reserved address and never hands one out twice.
        #[test]
        fn ipam_invariants(prefix in 20u8..=28, ops in prop::collection::vec((0u8..3, any::<u16>()), 1..400)) {
            let c = Ipv4Cidr::new(Ipv4Addr::new(10, 0, 0, 0), prefix).unwrap();
            let mut ipam = SubnetIpam::new(c);
            let mut held: HashSet<Ipv4Addr> = HashSet::new();
            for (op, x) in ops {
                match op {
                    0 => if let Some(ip) = ipam.allocate() {
                        prop_assert!(!ipam.is_reserved(ip));
                        prop_assert!(held.insert(ip), "duplicate {}", ip);
                    } else {
                        prop_assert_eq!(ipam.available(), 0);
                    },
                    1 => {
                        let ip = c.nth(x as u64 % c.size()).unwrap();
                        match ipam.claim(ip) {
                            Ok(()) => prop_assert!(held.insert(ip)),
                            Err(ClaimError::InUse) => prop_assert!(held.contains(&ip)),
                            Err(ClaimError::Reserved) => prop_assert!(ipam.is_reserved(ip)),
                            Err(ClaimError::OutOfRange) => prop_assert!(false),
                        }
                    }
                    _ => if let Some(&ip) = held.iter().nth(x as usize % held.len().max(1)) {
                        prop_assert!(ipam.release(ip));
                        held.remove(&ip);
                    },
                }
                prop_assert_eq!(ipam.available(), c.size() - SubnetIpam::RESERVED - held.len() as u64);
            }
        }
    }
}
