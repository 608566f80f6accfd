//! The query-protocol decoder (`api::params::Params`): an input is a query
//! string or form body. Every accessor is called on every name, and on
//! every dotted prefix of every name, and what each returns is checked
//! against the parsed pairs.

use api::params::{parse_tags, Params};
use std::collections::BTreeMap;

pub fn run(data: &[u8]) {
    let p = Params::parse(data);
    // The decoder keeps the last value of a repeated name.
    let mut want: BTreeMap<String, String> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(data) {
        want.insert(k.into_owned(), v.into_owned());
    }
    let got: BTreeMap<String, String> = p
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(got, want, "Params::parse disagrees with form_urlencoded");

    if let Some(bad) = p.malformed_name() {
        assert!(
            want.contains_key(bad),
            "malformed_name {bad:?} is not a name"
        );
    }
    for (k, v) in &want {
        scalar(&p, k, v);
        let segs: Vec<&str> = k.split('.').collect();
        for n in 1..segs.len() {
            let prefix = segs[..n].join(".");
            prefixed(&p, &want, &prefix);
        }
    }
    // Names the handlers read whatever the input has.
    for prefix in ["Filter", "TagSpecification", "Tag", "VpcId", "Tags.member"] {
        prefixed(&p, &want, prefix);
    }
    for f in p.filters() {
        assert!(f.values.iter().all(|v| want.values().any(|w| w == v)));
    }
    let rt = p
        .get("TagSpecification.1.ResourceType")
        .unwrap_or("vpc")
        .to_string();
    match p.tag_specs(&rt) {
        Ok(tags) => assert!(tags.iter().all(|t| !t.key.starts_with("aws:"))),
        Err(e) => assert_eq!(e.status, 400, "{e:?}"),
    }
    if let Ok(tags) = parse_tags(&p, "Tag") {
        // Later duplicates replace earlier ones: keys are unique.
        let mut keys: Vec<&str> = tags.iter().map(|t| t.key.as_str()).collect();
        keys.sort_unstable();
        let n = keys.len();
        keys.dedup();
        assert_eq!(keys.len(), n, "duplicate tag keys");
    }

    // A later parameter set overrides an earlier one (the body over the
    // query string).
    let mut merged = Params::parse(data);
    merged.merge(Params::parse(b"Action=Fuzz&Version=2016-11-15"));
    assert_eq!(merged.get("Action"), Some("Fuzz"));
    assert_eq!(merged.get("Version"), Some("2016-11-15"));
}

/// The scalar accessors on one name.
fn scalar(p: &Params, k: &str, v: &str) {
    assert_eq!(p.get(k), Some(v));
    assert_eq!(p.string(k).as_deref(), Some(v));
    assert_eq!(p.req(k).is_ok(), !v.is_empty());
    let b = p.bool(k);
    if v.eq_ignore_ascii_case("true") {
        assert_eq!(b.ok(), Some(Some(true)));
    } else if v.eq_ignore_ascii_case("false") {
        assert_eq!(b.ok(), Some(Some(false)));
    } else {
        let e = b.expect_err("a bool that is neither true nor false");
        assert_eq!(e.status, 400);
        assert!(p.flag(k).is_err());
    }
    let int = p.int(k);
    match v.trim().parse::<i64>() {
        Ok(n) => {
            assert_eq!(int.ok(), Some(Some(n)));
            match i32::try_from(n) {
                Ok(x) => assert_eq!(p.i32(k).ok(), Some(Some(x))),
                Err(_) => assert!(p.i32(k).is_err()),
            }
        }
        Err(_) => {
            assert_eq!(int.expect_err("not an integer").status, 400);
            assert!(p.i32(k).is_err());
        }
    }
}

/// The list and structure accessors on one prefix.
fn prefixed(p: &Params, want: &BTreeMap<String, String>, prefix: &str) {
    let dotted = format!("{prefix}.");
    let under: Vec<(&String, &String)> = want
        .iter()
        .filter(|(k, _)| k.starts_with(&dotted))
        .collect();
    assert_eq!(
        p.has_prefix(prefix),
        !under.is_empty(),
        "has_prefix {prefix:?}"
    );

    let sub = p.sub(prefix);
    let sub_pairs: Vec<(String, String)> = sub
        .iter()
        .map(|(k, v)| (format!("{dotted}{k}"), v.to_string()))
        .collect();
    let under_pairs: Vec<(String, String)> = under
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    assert_eq!(sub_pairs, under_pairs, "sub {prefix:?}");

    // Positions are the list indices written plainly (`1`, not `01` or
    // `+1`): those are the names a client sends and the handlers read.
    let mut positions: Vec<u32> = under
        .iter()
        .filter_map(|(k, _)| {
            let seg = k[dotted.len()..].split('.').next()?;
            let n: u32 = seg.parse().ok()?;
            (n.to_string() == seg).then_some(n)
        })
        .collect();
    positions.sort_unstable();
    positions.dedup();
    let list_want: Vec<String> = positions
        .iter()
        .filter_map(|n| want.get(&format!("{dotted}{n}")).cloned())
        .collect();
    assert_eq!(p.list(prefix), list_want, "list {prefix:?}");
    let structs = p.structs(prefix);
    assert_eq!(structs.len(), positions.len(), "structs {prefix:?}");
    for (s, n) in structs.iter().zip(&positions) {
        let inner = format!("{dotted}{n}.");
        let want_inner: Vec<(String, String)> = want
            .iter()
            .filter(|(k, _)| k.starts_with(&inner))
            .map(|(k, v)| (k[inner.len()..].to_string(), v.clone()))
            .collect();
        let got: Vec<(String, String)> = s
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(got, want_inner, "structs {prefix:?} at {n}");
    }
}
