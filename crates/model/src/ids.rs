//! Identifiers shaped like AWS's.

/// `<prefix>-` + 17 lower-case hex digits, e.g. `vpc-020a72b5b8ea9c394`.
pub fn resource_id(rng: &mut fastrand::Rng, prefix: &str) -> String {
    let mut s = String::with_capacity(prefix.len() + 18);
    s.push_str(prefix);
    s.push('-');
    push_hex(&mut s, rng, 17);
    s
}

/// `n` random lower-case hex digits.
pub fn hex(rng: &mut fastrand::Rng, n: usize) -> String {
    let mut s = String::with_capacity(n);
    push_hex(&mut s, rng, n);
    s
}

fn push_hex(s: &mut String, rng: &mut fastrand::Rng, n: usize) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for _ in 0..n {
        s.push(HEX[rng.usize(..16)] as char);
    }
}

/// A random (v4) UUID in its canonical form.
pub fn uuid(rng: &mut fastrand::Rng) -> String {
    let mut b = rng.u128(..).to_be_bytes();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut s = String::with_capacity(36);
    for (i, x) in b.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            s.push('-');
        }
        push_byte(&mut s, *x);
    }
    s
}

fn push_byte(s: &mut String, x: u8) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    s.push(HEX[(x >> 4) as usize] as char);
    s.push(HEX[(x & 15) as usize] as char);
}

/// A locally administered unicast MAC, as AWS gives ENIs (`0e:77:5e:a3:7c:f5`).
pub fn mac(rng: &mut fastrand::Rng) -> String {
    let mut b = [0u8; 6];
    for x in b.iter_mut() {
        *x = rng.u8(..);
    }
    b[0] = (b[0] & 0xfc) | 0x02;
    let mut s = String::with_capacity(17);
    for (i, x) in b.iter().enumerate() {
        if i > 0 {
            s.push(':');
        }
        push_byte(&mut s, *x);
    }
    s
}

/// Upper-case alphanumerics, as in IAM unique ids (`AROA` + 17).
pub fn upper_alnum(rng: &mut fastrand::Rng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    (0..n).map(|_| A[rng.usize(..A.len())] as char).collect()
}

/// A secret access key: `n` characters of `[A-Za-z0-9+/]`, as AWS's.
pub fn secret(rng: &mut fastrand::Rng, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..n).map(|_| A[rng.usize(..A.len())] as char).collect()
}

/// Does `id` look like `<prefix>-` followed by 8 or 17 hex digits?
pub fn is_well_formed(id: &str, prefix: &str) -> bool {
    match id.strip_prefix(prefix).and_then(|r| r.strip_prefix('-')) {
        Some(rest) => {
            (rest.len() == 8 || rest.len() == 17)
                && rest
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn shapes() {
        let mut r = fastrand::Rng::with_seed(1);
        let id = resource_id(&mut r, "vpc");
        assert!(is_well_formed(&id, "vpc"), "{id}");
        assert_eq!(id.len(), 21);
        let u = uuid(&mut r);
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
        let m = mac(&mut r);
        assert_eq!(m.len(), 17);
        assert_eq!(u8::from_str_radix(&m[0..2], 16).unwrap() & 3, 2);
        assert!(!is_well_formed("vpc-xyz", "vpc"));
        assert!(is_well_formed("eni-3be29617", "eni"));
    }
}
