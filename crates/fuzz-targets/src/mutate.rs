//! A small in-process mutator for CI's short random run: libFuzzer's
//! coverage guidance needs an instrumented build (twice the build time on
//! CI's two cores), while a few seconds of blind mutation of a good corpus
//! with the targets' dictionaries still reaches the decoders' corners.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The tokens of a libFuzzer dictionary (`name="value"` or `"value"` lines,
/// `\\`, `\"` and `\xNN` escapes).
pub fn dictionary(path: &Path) -> Vec<Vec<u8>> {
    let Ok(text) = std::fs::read_to_string(path) else {
        return Vec::new();
    };
    text.lines()
        .map(str::trim)
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| {
            let start = l.find('"')?;
            let body = l[start + 1..].strip_suffix('"')?;
            Some(unescape(body))
        })
        .collect()
}

fn unescape(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'\\' && i + 1 < b.len() {
            if b[i + 1] == b'x' && i + 3 < b.len() {
                if let Ok(v) = u8::from_str_radix(&s[i + 2..i + 4], 16) {
                    out.push(v);
                    i += 4;
                    continue;
                }
            }
            out.push(b[i + 1]);
            i += 2;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    out
}

const MAX_LEN: usize = 4096;

/// Numbers at the edges of what the decoders convert.
const NUMBERS: &[&str] = &[
    "0",
    "-1",
    "1",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "18446744073709551616",
    "1e400",
    "-0.0",
    "1.5",
    "1e21",
    "01",
    "+1",
    "NaN",
];

/// One to four random edits of `input`.
pub fn mutate(
    rng: &mut fastrand::Rng,
    input: &[u8],
    corpus: &[Vec<u8>],
    dict: &[Vec<u8>],
) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..rng.usize(1..=4) {
        let len = v.len();
        match rng.u8(0..9) {
            0 if len > 0 => {
                let i = rng.usize(0..len);
                v[i] ^= 1 << rng.u8(0..8);
            }
            1 if len > 0 => {
                let i = rng.usize(0..len);
                v[i] = rng.u8(..);
            }
            2 => {
                let i = rng.usize(0..=len);
                let n = rng.usize(1..8);
                let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
                v.splice(i..i, bytes);
            }
            3 if len > 0 => {
                let i = rng.usize(0..len);
                let j = (i + rng.usize(1..=16)).min(len);
                v.drain(i..j);
            }
            4 if len > 0 => {
                let i = rng.usize(0..len);
                let j = (i + rng.usize(1..=64)).min(len);
                let copy = v[i..j].to_vec();
                let at = rng.usize(0..=v.len());
                v.splice(at..at, copy);
            }
            5 | 6 if !dict.is_empty() => {
                let t = &dict[rng.usize(0..dict.len())];
                let i = rng.usize(0..=len);
                if rng.bool() || i == len {
                    v.splice(i..i, t.iter().copied());
                } else {
                    let j = (i + t.len()).min(len);
                    v.splice(i..j, t.iter().copied());
                }
            }
            7 if !corpus.is_empty() => {
                let other = &corpus[rng.usize(0..corpus.len())];
                let i = rng.usize(0..=len);
                let j = rng.usize(0..=other.len());
                v.truncate(i);
                v.extend_from_slice(&other[j..]);
            }
            _ => {
                // A run of digits becomes a number at an edge.
                if let Some(i) = (0..len)
                    .map(|_| rng.usize(0..len))
                    .find(|&i| v[i].is_ascii_digit())
                {
                    let mut j = i;
                    while j < v.len() && v[j].is_ascii_digit() {
                        j += 1;
                    }
                    let n = NUMBERS[rng.usize(0..NUMBERS.len())].as_bytes();
                    v.splice(i..j, n.iter().copied());
                }
            }
        }
    }
    v.truncate(MAX_LEN);
    v
}

/// Mutate the corpus and run `target` on the results for `budget`. A
/// failing input is written to `target/fuzz-failures/` and the panic is
/// raised again naming the file, so that it can be replayed and kept in
/// `fuzz/regressions/`. Returns the number of inputs run.
pub fn short_run(
    name: &str,
    target: fn(&[u8]),
    corpus: &[Vec<u8>],
    dict: &[Vec<u8>],
    budget: Duration,
    seed: u64,
) -> u64 {
    let mut rng = fastrand::Rng::with_seed(seed);
    let start = Instant::now();
    let mut n = 0;
    while start.elapsed() < budget {
        let base: &[u8] = if corpus.is_empty() {
            &[]
        } else {
            &corpus[rng.usize(0..corpus.len())]
        };
        let input = mutate(&mut rng, base, corpus, dict);
        if catch_unwind(AssertUnwindSafe(|| target(&input))).is_err() {
            let path = save_failure(name, &input);
            panic!(
                "{name}: an input failed (seed {seed}, input {n}); it is in {} — replay it with the target and keep it in fuzz/regressions/{name}/",
                path.display()
            );
        }
        n += 1;
    }
    n
}

fn save_failure(name: &str, input: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/fuzz-failures");
    let _ = std::fs::create_dir_all(&dir);
    let hash = input.iter().fold(0xcbf2_9ce4_8422_2325_u64, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
    });
    let path = dir.join(format!("{name}-{hash:016x}"));
    let _ = std::fs::write(&path, input);
    path
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_lines_and_escapes() {
        let dir = std::env::temp_dir().join(format!("fuzz-dict-{}", std::process::id()));
        std::fs::write(&dir, "# c\nkw1=\"Action=\"\n\"a\\\"b\\\\\\x41\"\n\n").unwrap();
        let d = dictionary(&dir);
        let _ = std::fs::remove_file(&dir);
        assert_eq!(d, [b"Action=".to_vec(), b"a\"b\\A".to_vec()]);
    }

    #[test]
    fn mutations_stay_bounded() {
        let mut rng = fastrand::Rng::with_seed(7);
        let corpus = vec![
            b"Action=DescribeVpcs&VpcId.1=vpc-1".to_vec(),
            vec![b'x'; MAX_LEN],
        ];
        let dict = vec![b"Filter.".to_vec()];
        for i in 0..2000 {
            let m = mutate(&mut rng, &corpus[i % 2], &corpus, &dict);
            assert!(m.len() <= MAX_LEN);
        }
    }
}
