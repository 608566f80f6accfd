//! EC2 `Filter.N.Name` / `Filter.N.Value.M` matching: a resource matches when
//! every filter has at least one value that matches one of the resource's
//! values for that name. Values may use `*` and `?` wildcards.

use crate::ec2::err::{self, Kind};
use crate::ec2::types::Tag;
use crate::error::ApiError;
use crate::world::Region;

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Filter {
    pub name: String,
    pub values: Vec<String>,
}

/// What a describable resource offers to filters.
pub trait Filterable {
    /// Filter names this resource understands, besides the tag filters.
    const FILTERS: &'static [&'static str];
    /// Those of `FILTERS` whose values are ids of a kind: a value without
    /// wildcards that cannot be such an id is refused, not matched.
    const ID_FILTERS: &'static [(&'static str, Kind)] = &[];
    /// The error for such a value: by default the kind's `…Malformed` code
    /// in EC2's newer wording (`The security group ID 'x' is malformed`).
    fn malformed_filter(_name: &str, kind: Kind, value: &str) -> ApiError {
        err::malformed_named(kind, value)
    }
    /// The resource's values for filter `name` (one of `FILTERS`).
    fn field(&self, name: &str, cx: &Region, out: &mut Vec<String>);
    fn tags(&self) -> &[Tag];
}

/// `InvalidParameterValue` for a filter name the resource does not know, and
/// the `…Malformed` error for a value of an id filter that cannot be an id.
pub fn check_names<T: Filterable>(filters: &[Filter]) -> Result<(), ApiError> {
    for f in filters {
        let n = f.name.as_str();
        if let Some((_, kind)) = T::ID_FILTERS.iter().find(|(x, _)| *x == n) {
            check_id_values(f, *kind, |v| T::malformed_filter(n, *kind, v))?;
        }
        let known = T::FILTERS.contains(&n)
            || n == "tag-key"
            || n == "tag-value"
            || (n.starts_with("tag:") && n.len() > 4);
        if !known {
            return Err(ApiError::new(
                "InvalidParameterValue",
                format!("The filter '{n}' is invalid"),
            ));
        }
    }
    Ok(())
}

/// Refuse a value of an id filter that cannot be an id of `kind` (values
/// with wildcards are patterns, not ids).
pub fn check_id_values(
    f: &Filter,
    kind: Kind,
    error: impl Fn(&str) -> ApiError,
) -> Result<(), ApiError> {
    for v in &f.values {
        if !v.contains(['*', '?']) && !err::well_formed(kind, v) {
            return Err(error(v));
        }
    }
    Ok(())
}

/// Does `item` pass every filter? Names must have been checked.
pub fn matches<T: Filterable>(item: &T, cx: &Region, filters: &[Filter]) -> bool {
    let mut vals = Vec::new();
    filters.iter().all(|f| {
        vals.clear();
        let n = f.name.as_str();
        if let Some(key) = n.strip_prefix("tag:") {
            vals.extend(
                item.tags()
                    .iter()
                    .filter(|t| t.key == key)
                    .map(|t| t.value.clone()),
            );
        } else if n == "tag-key" {
            vals.extend(item.tags().iter().map(|t| t.key.clone()));
        } else if n == "tag-value" {
            vals.extend(item.tags().iter().map(|t| t.value.clone()));
        } else {
            item.field(n, cx, &mut vals);
        }
        f.values.iter().any(|p| vals.iter().any(|v| wildcard(p, v)))
    })
}

/// Glob match with `*` (any run) and `?` (any one char); `\` escapes.
pub fn wildcard(pattern: &str, value: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let v: Vec<char> = value.chars().collect();
    if !p.iter().any(|c| matches!(c, '*' | '?' | '\\')) {
        return pattern == value;
    }
    // Iterative matcher with backtracking to the last star.
    let (mut pi, mut vi) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while vi < v.len() {
        if pi < p.len() && p[pi] == '\\' && pi + 1 < p.len() && p[pi + 1] == v[vi] {
            pi += 2;
            vi += 1;
        } else if pi < p.len()
            && (p[pi] == '?' || (p[pi] == v[vi] && p[pi] != '*' && p[pi] != '\\'))
        {
            pi += 1;
            vi += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, vi));
            pi += 1;
        } else if let Some((sp, sv)) = star {
            pi = sp + 1;
            vi = sv + 1;
            star = Some((sp, sv + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == '*' {
        pi += 1;
    }
    pi == p.len()
}

pub fn bool_str(b: bool) -> String {
    if b { "true" } else { "false" }.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn globbing() {
        assert!(wildcard("vpc-*", "vpc-123"));
        assert!(wildcard("*", ""));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(wildcard("*-web-*", "prod-web-1"));
        assert!(!wildcard("*-web-*", "prod-db-1"));
        assert!(wildcard("a\\*b", "a*b"));
        assert!(!wildcard("a\\*b", "axb"));
        assert!(wildcard("exact", "exact"));
    }
}
