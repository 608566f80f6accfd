//! Query-protocol parameters (`Action=…&Filter.1.Name=…`): flattened lists and
//! nested structures addressed by dotted keys.

use model::ec2::err;
use model::ec2::types::Tag;
use model::filter::Filter;
use model::ApiError;
use std::collections::BTreeMap;

#[derive(Debug, Default, Clone)]
pub struct Params {
    map: BTreeMap<String, String>,
}

/// EC2's missing-parameter wording uses the lowerCamel wire name.
fn lower_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_ascii_lowercase().to_string() + c.as_str(),
        None => String::new(),
    }
}

impl Params {
    pub fn parse(raw: &[u8]) -> Self {
        let mut map = BTreeMap::new();
        for (k, v) in form_urlencoded::parse(raw) {
            map.insert(k.into_owned(), v.into_owned());
        }
        Params { map }
    }

    pub fn merge(&mut self, other: Params) {
        self.map.extend(other.map);
    }

    /// The first parameter whose name is malformed, if any. A name is
    /// segments joined by dots; after the first, each is a list position
    /// (a positive integer written plainly: `1`, not `01`, `0`, `-1` or one
    /// past 2^32 - 1) or a member name (EC2's start with a capital letter;
    /// awsQuery's lists use `member`, `entry`, `key`, `value`). Anything
    /// else (`SubnetId.a`) would otherwise be ignored and a filter or id
    /// silently dropped.
    pub fn malformed_name(&self) -> Option<&str> {
        fn ok(seg: &str) -> bool {
            match seg.as_bytes().first() {
                Some(b'1'..=b'9') => {
                    seg.bytes().all(|b| b.is_ascii_digit()) && seg.parse::<u32>().is_ok()
                }
                Some(b'A'..=b'Z') => seg.bytes().all(|b| b.is_ascii_alphanumeric()),
                _ => matches!(seg, "member" | "entry" | "key" | "value"),
            }
        }
        self.map
            .keys()
            .find(|k| k.split('.').skip(1).any(|seg| !ok(seg)))
            .map(String::as_str)
    }

    /// Every parameter, ordered by name.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn get(&self, k: &str) -> Option<&str> {
        self.map.get(k).map(String::as_str)
    }

    pub fn string(&self, k: &str) -> Option<String> {
        self.map.get(k).cloned()
    }

    pub fn req(&self, k: &str) -> Result<&str, ApiError> {
        match self.get(k) {
            Some(v) if !v.is_empty() => Ok(v),
            _ => Err(err::missing(&lower_first(k))),
        }
    }

    pub fn bool(&self, k: &str) -> Result<Option<bool>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) if v.eq_ignore_ascii_case("true") => Ok(Some(true)),
            Some(v) if v.eq_ignore_ascii_case("false") => Ok(Some(false)),
            Some(v) => Err(err::invalid_value(format!(
                "Value ({v}) for parameter {} is invalid. Expecting 'true' or 'false'.",
                lower_first(k)
            ))),
        }
    }

    pub fn flag(&self, k: &str) -> Result<bool, ApiError> {
        Ok(self.bool(k)?.unwrap_or(false))
    }

    pub fn int(&self, k: &str) -> Result<Option<i64>, ApiError> {
        match self.get(k) {
            None => Ok(None),
            Some(v) => v.trim().parse::<i64>().map(Some).map_err(|_| {
                err::invalid_value(format!(
                    "Value ({v}) for parameter {} is invalid. Expecting an integer.",
                    lower_first(k)
                ))
            }),
        }
    }

    pub fn i32(&self, k: &str) -> Result<Option<i32>, ApiError> {
        match self.int(k)? {
            None => Ok(None),
            Some(v) => i32::try_from(v).map(Some).map_err(|_| {
                err::invalid_value(format!(
                    "Value ({v}) for parameter {} is invalid.",
                    lower_first(k)
                ))
            }),
        }
    }

    /// Indices present under `prefix.` (`prefix.1`, `prefix.3.Key` → 1, 3), sorted.
    /// Only positions written plainly count: `list` and `structs` look an
    /// index up again as `prefix.{i}`, so `+1` or `01` (which `parse`
    /// accepts) would give a phantom empty element (found by fuzzing,
    /// fuzz/regressions/query_params/). EC2 refuses such names
    /// (`malformed_name`); the awsQuery services ignore them.
    fn indices(&self, prefix: &str) -> Vec<u32> {
        let p = format!("{prefix}.");
        let mut out: Vec<u32> = self
            .map
            .range(p.clone()..)
            .take_while(|(k, _)| k.starts_with(&p))
            .filter_map(|(k, _)| {
                let seg = k[p.len()..].split('.').next()?;
                let i: u32 = seg.parse().ok()?;
                (i.to_string() == seg).then_some(i)
            })
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// `prefix.1`, `prefix.2`, … as strings.
    pub fn list(&self, prefix: &str) -> Vec<String> {
        self.indices(prefix)
            .into_iter()
            .filter_map(|i| self.get(&format!("{prefix}.{i}")).map(str::to_string))
            .collect()
    }

    /// `prefix.N.*` as nested parameter sets.
    pub fn structs(&self, prefix: &str) -> Vec<Params> {
        self.indices(prefix)
            .into_iter()
            .map(|i| self.sub(&format!("{prefix}.{i}")))
            .collect()
    }

    /// The parameters under `prefix.` with the prefix removed.
    pub fn sub(&self, prefix: &str) -> Params {
        let p = format!("{prefix}.");
        Params {
            map: self
                .map
                .range(p.clone()..)
                .take_while(|(k, _)| k.starts_with(&p))
                .map(|(k, v)| (k[p.len()..].to_string(), v.clone()))
                .collect(),
        }
    }

    pub fn has_prefix(&self, prefix: &str) -> bool {
        let p = format!("{prefix}.");
        self.map
            .range(p.clone()..)
            .next()
            .is_some_and(|(k, _)| k.starts_with(&p))
    }

    pub fn filters(&self) -> Vec<Filter> {
        self.structs("Filter")
            .into_iter()
            .map(|f| Filter {
                name: f.get("Name").unwrap_or_default().to_string(),
                values: f.list("Value"),
            })
            .collect()
    }

    /// Tags from `TagSpecification.N` for a resource of `resource_type`.
    /// Specifications for another resource type are an error, as on AWS.
    pub fn tag_specs(&self, resource_type: &str) -> Result<Vec<Tag>, ApiError> {
        let mut tags = Vec::new();
        for spec in self.structs("TagSpecification") {
            let rt = spec.get("ResourceType").unwrap_or_default();
            if rt != resource_type {
                return Err(err::invalid_param(format!(
                    "'{rt}' is not a valid taggable resource type for this operation."
                )));
            }
            tags.extend(parse_tags(&spec, "Tag")?);
        }
        Ok(tags)
    }
}

/// `prefix.N.Key` / `prefix.N.Value`.
pub fn parse_tags(p: &Params, prefix: &str) -> Result<Vec<Tag>, ApiError> {
    let mut out: Vec<Tag> = Vec::new();
    for t in p.structs(prefix) {
        let key = t.get("Key").unwrap_or_default().to_string();
        if key.starts_with("aws:") {
            return Err(err::invalid_param(
                "Tag keys starting with 'aws:' are reserved for internal use".to_string(),
            ));
        }
        let value = t.get("Value").unwrap_or_default().to_string();
        match out.iter_mut().find(|x| x.key == key) {
            Some(x) => x.value = value,
            None => out.push(Tag { key, value }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_structs_filters() {
        let p = Params::parse(
            b"Action=DescribeVpcs&VpcId.2=vpc-b&VpcId.10=vpc-c&VpcId.1=vpc-a&Filter.1.Name=tag%3AName&Filter.1.Value.1=web&Filter.1.Value.2=db",
        );
        assert_eq!(p.list("VpcId"), ["vpc-a", "vpc-b", "vpc-c"]);
        let f = p.filters();
        assert_eq!(f[0].name, "tag:Name");
        assert_eq!(f[0].values, ["web", "db"]);
        assert!(p.req("Missing").is_err());
    }

    #[test]
    fn malformed_list_positions_are_found() {
        for bad in [
            "SubnetId.a",
            "SubnetId.0",
            "SubnetId.-1",
            "SubnetId.4294967296",
            "SubnetId.01",
            "Filter.1.name",
            "Filter..Name",
        ] {
            let p = Params::parse(format!("Action=DescribeSubnets&{bad}=x").as_bytes());
            assert_eq!(p.malformed_name(), Some(bad), "{bad}");
        }
        for good in [
            "SubnetId.1",
            "SubnetId.4294967295",
            "Filter.10.Value.2",
            "Tags.member.1.Key",
            "Attributes.entry.1.value",
            "IpPermissions.1.IpRanges.1.CidrIp",
        ] {
            let p = Params::parse(format!("Action=X&{good}=x").as_bytes());
            assert_eq!(p.malformed_name(), None, "{good}");
        }
    }

    #[test]
    fn positions_not_written_plainly_are_no_elements() {
        let p = Params::parse(
            b"Tags.member.%2B1.Key=a&Tags.member.01.Key=b&Tags.member.2.Key=c&Subnets.member.%2B1=s",
        );
        let tags = p.sub("Tags").structs("member");
        assert_eq!(tags.len(), 1);
        assert_eq!(tags[0].get("Key"), Some("c"));
        assert!(p.sub("Subnets").list("member").is_empty());
        assert!(p.sub("Subnets").structs("member").is_empty());
    }

    #[test]
    fn tag_specs_check_type() {
        let p = Params::parse(b"TagSpecification.1.ResourceType=vpc&TagSpecification.1.Tag.1.Key=Name&TagSpecification.1.Tag.1.Value=x");
        assert_eq!(p.tag_specs("vpc").unwrap()[0].value, "x");
        assert!(p.tag_specs("subnet").is_err());
    }
}
