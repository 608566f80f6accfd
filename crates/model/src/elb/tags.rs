//! Tags on load balancers, target groups, listeners and rules (AddTags,
//! RemoveTags, DescribeTags, and the `Tags` of the Create calls). A
//! listener's default rule keeps its tags on the listener record.

use super::{err, ResourceKind};
use crate::ec2::types::Tag;
use crate::world::Region;
use crate::Result;

/// AWS's quota of tags per resource.
pub const MAX_TAGS: usize = 50;

/// Tags given to a Create call or AddTags: no key twice, no `aws:` keys,
/// keys and values within their lengths, at most 50.
pub fn check_new_tags(tags: &[Tag]) -> Result<()> {
    for (i, t) in tags.iter().enumerate() {
        if tags[..i].iter().any(|o| o.key == t.key) {
            return Err(err::duplicate_tag_keys(&t.key));
        }
        if t.key.is_empty() || t.key.chars().count() > 128 {
            return Err(err::validation(format!(
                "1 validation error detected: Value '{}' at 'tags.{}.member.key' failed to satisfy constraint: Member must have length between 1 and 128",
                t.key,
                i + 1
            )));
        }
        if t.value.chars().count() > 256 {
            return Err(err::validation(format!(
                "1 validation error detected: Value '{}' at 'tags.{}.member.value' failed to satisfy constraint: Member must have length less than or equal to 256",
                t.value,
                i + 1
            )));
        }
        if t.key.starts_with("aws:") {
            return Err(err::validation(
                "Tag keys starting with 'aws:' are reserved for internal use",
            ));
        }
    }
    if tags.len() > MAX_TAGS {
        return Err(err::too_many_tags());
    }
    Ok(())
}

fn merge(into: &mut Vec<Tag>, tags: &[Tag]) {
    for t in tags {
        match into.iter_mut().find(|x| x.key == t.key) {
            Some(x) => x.value = t.value.clone(),
            None => into.push(t.clone()),
        }
    }
}

impl Region {
    /// The tags of any ELBv2 resource, or its kind's not-found error.
    pub fn elb_tags(&self, arn: &str) -> Result<&[Tag]> {
        match ResourceKind::of(arn) {
            Some(ResourceKind::LoadBalancer) => Ok(&self.load_balancer(arn)?.tags),
            Some(ResourceKind::TargetGroup) => Ok(&self.target_group(arn)?.tags),
            Some(ResourceKind::Listener) => Ok(&self.listener(arn)?.tags),
            Some(ResourceKind::Rule) => match self.elb.rules.get(arn) {
                Some(r) => Ok(&r.tags),
                None => {
                    let l = self
                        .default_rule_listener_arn(arn)
                        .ok_or_else(err::rule_not_found)?;
                    Ok(&self.listener(&l)?.default_rule_tags)
                }
            },
            None => Err(err::resource_arn(arn)),
        }
    }

    fn elb_tags_mut(&mut self, arn: &str) -> Result<&mut Vec<Tag>> {
        self.elb_tags(arn)?;
        let kind = ResourceKind::of(arn);
        let default_of = match kind {
            Some(ResourceKind::Rule) if !self.elb.rules.contains(arn) => {
                self.default_rule_listener_arn(arn)
            }
            _ => None,
        };
        let e = &mut self.elb;
        let tags = match (kind, default_of) {
            (Some(ResourceKind::LoadBalancer), _) => {
                e.load_balancers.get_mut(arn).map(|x| &mut x.tags)
            }
            (Some(ResourceKind::TargetGroup), _) => {
                e.target_groups.get_mut(arn).map(|x| &mut x.tags)
            }
            (Some(ResourceKind::Listener), _) => e.listeners.get_mut(arn).map(|x| &mut x.tags),
            (Some(ResourceKind::Rule), None) => e.rules.get_mut(arn).map(|x| &mut x.tags),
            (Some(ResourceKind::Rule), Some(l)) => {
                e.listeners.get_mut(&l).map(|x| &mut x.default_rule_tags)
            }
            (None, _) => None,
        };
        tags.ok_or_else(|| err::resource_arn(arn))
    }

    /// AddTags: all resources or none.
    pub fn elb_add_tags(&mut self, arns: &[String], tags: &[Tag]) -> Result<()> {
        check_new_tags(tags)?;
        for a in arns {
            let mut after = self.elb_tags(a)?.to_vec();
            merge(&mut after, tags);
            if after.len() > MAX_TAGS {
                return Err(err::too_many_tags());
            }
        }
        for a in arns {
            merge(self.elb_tags_mut(a)?, tags);
        }
        Ok(())
    }

    /// RemoveTags: keys not present are ignored.
    pub fn elb_remove_tags(&mut self, arns: &[String], keys: &[String]) -> Result<()> {
        for a in arns {
            self.elb_tags(a)?;
        }
        for a in arns {
            self.elb_tags_mut(a)?.retain(|t| !keys.contains(&t.key));
        }
        Ok(())
    }

    /// DescribeTags: (ARN, tags) per resource, in the order asked.
    pub fn elb_describe_tags(&self, arns: &[String]) -> Result<Vec<(String, Vec<Tag>)>> {
        if arns.len() > 20 {
            return Err(err::validation(
                "1 validation error detected: Value at 'resourceArns' failed to satisfy constraint: Member must have length less than or equal to 20",
            ));
        }
        arns.iter()
            .map(|a| Ok((a.clone(), self.elb_tags(a)?.to_vec())))
            .collect()
    }
}
