//! RegisterTaskDefinition, DescribeTaskDefinition, ListTaskDefinitions,
//! ListTaskDefinitionFamilies, DeregisterTaskDefinition, DeleteTaskDefinitions.
//! Definitions are answered from the typed, stored definition
//! (`Region::task_definition_json`), never from what the client sent.

use super::input::*;
use super::{caller, check_include, paged, read, required, tags_out, write, Paging, Result};
use crate::Call;
use model::ecs::types::TaskDefinition;
use serde_json::json;

fn unable_to_describe() -> model::ApiError {
    // docs/reference/ecs-error-texts.md §2
    model::ecs::err::client("Unable to describe task definition.")
}

pub(super) async fn register_task_definition(
    call: &Call<'_>,
    req: RegisterTaskDefinitionRequest,
) -> Result {
    let principal = caller(call);
    write(call, move |r, now| {
        let key = r.register_definition(&req, &principal, now)?;
        let td = r
            .ecs
            .task_definitions
            .get(&key)
            .ok_or_else(unable_to_describe)?;
        Ok(json!({ "taskDefinition": r.task_definition_json(td), "tags": tags_out(&td.tags) }))
    })
    .await
}

pub(super) async fn describe_task_definition(
    call: &Call<'_>,
    i: DescribeTaskDefinitionRequest,
) -> Result {
    let reference = required(i.task_definition, "taskDefinition")?;
    let include = i.include;
    check_include(&include, &["TAGS"])?;
    model::ecs::taskdef::check_revision(&reference)?;
    read(call, move |r| {
        let td = r
            .find_task_definition(&reference)
            .filter(|d| d.status != "DELETE_IN_PROGRESS")
            .ok_or_else(unable_to_describe)?;
        let mut v = json!({ "taskDefinition": r.task_definition_json(td) });
        if !include.is_empty() {
            v["tags"] = tags_out(&td.tags);
        }
        Ok(v)
    })
    .await
}

pub(super) async fn list_task_definitions(
    call: &Call<'_>,
    i: ListTaskDefinitionsRequest,
) -> Result {
    let prefix = i.family_prefix;
    let status = i.status.unwrap_or_else(|| "ACTIVE".into());
    let desc = i.sort.as_deref() == Some("DESC");
    let paging = Paging {
        max_results: i.max_results,
        next_token: i.next_token,
    };
    read(call, move |r| {
        let mut defs: Vec<&TaskDefinition> = r
            .ecs
            .task_definitions
            .iter()
            .filter(|d| d.status == status)
            .filter(|d| prefix.as_ref().is_none_or(|p| d.family == *p))
            .collect();
        defs.sort_by(|a, b| (a.family.as_str(), a.revision).cmp(&(b.family.as_str(), b.revision)));
        if desc {
            defs.reverse();
        }
        let arns: Vec<String> = defs.iter().map(|d| d.arn(&r.account_id)).collect();
        paged(&arns, &paging, "taskDefinitionArns", 100, 100)
    })
    .await
}

pub(super) async fn list_task_definition_families(
    call: &Call<'_>,
    i: ListTaskDefinitionFamiliesRequest,
) -> Result {
    let prefix = i.family_prefix;
    let status = i.status.unwrap_or_else(|| "ACTIVE".into());
    let paging = Paging {
        max_results: i.max_results,
        next_token: i.next_token,
    };
    read(call, move |r| {
        let mut fams: Vec<String> = Vec::new();
        for d in r.ecs.task_definitions.iter() {
            let ok = match status.as_str() {
                "ALL" => true,
                s => d.status == s,
            };
            if ok
                && prefix
                    .as_ref()
                    .is_none_or(|p| d.family.starts_with(p.as_str()))
                && !fams.contains(&d.family)
            {
                fams.push(d.family.clone());
            }
        }
        fams.sort();
        paged(&fams, &paging, "families", 100, 100)
    })
    .await
}

pub(super) async fn deregister_task_definition(
    call: &Call<'_>,
    i: DeregisterTaskDefinitionRequest,
) -> Result {
    let reference = required(i.task_definition, "taskDefinition")?;
    write(call, move |r, now| {
        let key = r.deregister_task_definition(&reference, now)?;
        let td = r
            .ecs
            .task_definitions
            .get(&key)
            .ok_or_else(unable_to_describe)?;
        Ok(json!({ "taskDefinition": r.task_definition_json(td) }))
    })
    .await
}

pub(super) async fn delete_task_definitions(
    call: &Call<'_>,
    i: DeleteTaskDefinitionsRequest,
) -> Result {
    let refs = i.task_definitions;
    if refs.is_empty() {
        return Err(model::ecs::err::invalid_parameter(
            "size of TaskDefinition references list must be greater than 0",
        ));
    }
    if refs.len() > 10 {
        return Err(model::ecs::err::invalid_parameter(
            "Size of TaskDefinition references list cannot exceed 10",
        ));
    }
    write(call, move |r, _| {
        let mut defs = Vec::new();
        let mut failures = Vec::new();
        for x in &refs {
            if !x.contains(':') {
                failures.push(json!({"arn": x, "reason": "The specified task definition identifier is invalid. Specify a valid name or ARN and try again."}));
                continue;
            }
            match r.delete_task_definition(x) {
                Ok(key) => {
                    if let Some(td) = r.ecs.task_definitions.get(&key) {
                        defs.push(r.task_definition_json(td));
                    }
                }
                Err(e) => failures.push(json!({"arn": x, "reason": e.message})),
            }
        }
        Ok(json!({ "taskDefinitions": defs, "failures": failures }))
    })
    .await
}
