//! TagResource, UntagResource, ListTagsForResource on clusters, task
//! definitions, tasks and services.

use super::input::*;
use super::{read, required, tags_out, write, Result};
use crate::Call;
use model::ecs::types::EcsTag;
use model::Region;
use serde_json::json;

enum Tagged {
    Cluster(String),
    TaskDefinition(String),
    Task(String),
    /// The service's key (`cluster/name`).
    Service(String),
}

fn parse_resource_arn(r: &Region, arn: &str) -> Result<Tagged> {
    let bad = || model::ecs::err::invalid_parameter("The ARN provided is invalid.");
    let rest = arn.strip_prefix("arn:aws:ecs:").ok_or_else(bad)?;
    let parts: Vec<&str> = rest.splitn(3, ':').collect();
    if parts.len() != 3 || parts[0] != r.info.name || parts[1] != r.account_id {
        return Err(bad());
    }
    let res = parts[2];
    if let Some(name) = res.strip_prefix("cluster/") {
        return match r.ecs.clusters.get(name) {
            Some(c) if c.status == "ACTIVE" => Ok(Tagged::Cluster(name.to_string())),
            Some(_) => Err(model::ecs::err::invalid_parameter(
                "The specified cluster is inactive. Specify an active cluster and try again.",
            )),
            None => Err(model::ecs::err::cluster_not_found()),
        };
    }
    if let Some(td) = res.strip_prefix("task-definition/") {
        return if r.ecs.task_definitions.contains(td) {
            Ok(Tagged::TaskDefinition(td.to_string()))
        } else {
            Err(model::ecs::err::client(
                "Unable to describe task definition.",
            ))
        };
    }
    if let Some(path) = res.strip_prefix("service/") {
        let Some((cluster, name)) = path.split_once('/') else {
            return Err(model::ecs::err::invalid_parameter(
                "Long arn format must be used for tagging operations",
            ));
        };
        return match r.find_service(cluster, name) {
            Some(s) if s.status != "INACTIVE" => Ok(Tagged::Service(s.key.clone())),
            _ => Err(model::ecs::err::service_not_found()),
        };
    }
    if let Some(path) = res.strip_prefix("task/") {
        let Some((cluster, id)) = path.split_once('/') else {
            return Err(model::ecs::err::invalid_parameter(
                "Long arn format must be used for tagging operations",
            ));
        };
        return match r.find_task(cluster, id) {
            Some(t) => Ok(Tagged::Task(t.id.clone())),
            None => Err(model::ecs::err::invalid_parameter(
                "The referenced task was not found.",
            )),
        };
    }
    Err(bad())
}

fn tags_of_mut<'a>(r: &'a mut Region, t: &Tagged) -> Option<&'a mut Vec<EcsTag>> {
    match t {
        Tagged::Cluster(n) => r.ecs.clusters.get_mut(n).map(|c| &mut c.tags),
        Tagged::TaskDefinition(k) => r.ecs.task_definitions.get_mut(k).map(|c| &mut c.tags),
        Tagged::Task(id) => r.ecs.tasks.get_mut(id).map(|c| &mut c.tags),
        Tagged::Service(k) => r.ecs.services.get_mut(k).map(|c| &mut c.tags),
    }
}

pub(super) async fn tag_resource(call: &Call<'_>, i: TagResourceRequest) -> Result {
    let arn = required(i.resource_arn, "resourceArn")?;
    let tags = i.tags;
    for t in &tags {
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(model::ecs::err::invalid_parameter(
                "Tag keys prefixed with 'aws:' are reserved.",
            ));
        }
        if t.key.is_empty() || t.key.chars().count() > 128 || t.value.chars().count() > 256 {
            return Err(model::ecs::err::invalid_parameter(
                "Some tags contain invalid characters.",
            ));
        }
    }
    write(call, move |r, _| {
        let target = parse_resource_arn(r, &arn)?;
        let cur = tags_of_mut(r, &target)
            .ok_or_else(|| model::ecs::err::invalid_parameter("The ARN provided is invalid."))?;
        for t in tags {
            match cur.iter_mut().find(|x| x.key == t.key) {
                Some(x) => x.value = t.value,
                None => cur.push(t),
            }
        }
        if cur.len() > 50 {
            return Err(model::ecs::err::invalid_parameter(
                "Tags can have at most 50 items.",
            ));
        }
        Ok(json!({}))
    })
    .await
}

pub(super) async fn untag_resource(call: &Call<'_>, i: UntagResourceRequest) -> Result {
    let arn = required(i.resource_arn, "resourceArn")?;
    let keys = i.tag_keys;
    write(call, move |r, _| {
        let target = parse_resource_arn(r, &arn)?;
        if let Some(cur) = tags_of_mut(r, &target) {
            cur.retain(|t| !keys.contains(&t.key));
        }
        Ok(json!({}))
    })
    .await
}

pub(super) async fn list_tags_for_resource(
    call: &Call<'_>,
    i: ListTagsForResourceRequest,
) -> Result {
    let arn = required(i.resource_arn, "resourceArn")?;
    read(call, move |r| {
        let target = parse_resource_arn(r, &arn)?;
        let tags = match &target {
            Tagged::Cluster(n) => r.ecs.clusters.get(n).map(|c| c.tags.clone()),
            Tagged::TaskDefinition(k) => r.ecs.task_definitions.get(k).map(|c| c.tags.clone()),
            Tagged::Task(id) => r.ecs.tasks.get(id).map(|c| c.tags.clone()),
            Tagged::Service(k) => r.ecs.services.get(k).map(|c| c.tags.clone()),
        }
        .unwrap_or_default();
        Ok(json!({ "tags": tags_out(&tags) }))
    })
    .await
}
