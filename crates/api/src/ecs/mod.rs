//! ECS over awsJson1_1 (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`).
//! The body is parsed as JSON, then each operation decodes it into its typed
//! input (`input`), so that a wrong type is AWS's `SerializationException`
//! before the model sees anything. One module per resource family.

mod account_settings;
mod clusters;
pub mod input;
pub mod services;
mod tags;
mod task_definitions;
mod tasks;

pub use crate::ecs_task::{task_json, TaskJson, TaskView};
pub use tasks::run_task_request;

use crate::envelope::{json_error, json_ok};
use crate::{Call, Response};
use model::ecs::types::EcsTag;
use model::json_input;
use model::{ApiError, Region};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};

pub const TARGET_PREFIX: &str = "AmazonEC2ContainerServiceV20141113.";

type Result<T = Value> = std::result::Result<T, ApiError>;

/// Every operation of the ECS API (botocore's model), to tell apart an
/// unimplemented operation from a nonexistent one.
const ALL_OPERATIONS: &[&str] = &[
    "CreateCapacityProvider",
    "CreateCluster",
    "CreateExpressGatewayService",
    "CreateService",
    "CreateTaskSet",
    "DeleteAccountSetting",
    "DeleteAttributes",
    "DeleteCapacityProvider",
    "DeleteCluster",
    "DeleteExpressGatewayService",
    "DeleteService",
    "DeleteTaskDefinitions",
    "DeleteTaskSet",
    "DeregisterContainerInstance",
    "DeregisterTaskDefinition",
    "DescribeCapacityProviders",
    "DescribeClusters",
    "DescribeContainerInstances",
    "DescribeExpressGatewayService",
    "DescribeServiceDeployments",
    "DescribeServiceRevisions",
    "DescribeServices",
    "DescribeTaskDefinition",
    "DescribeTaskSets",
    "DescribeTasks",
    "DiscoverPollEndpoint",
    "ExecuteCommand",
    "GetTaskProtection",
    "ListAccountSettings",
    "ListAttributes",
    "ListClusters",
    "ListContainerInstances",
    "ListServiceDeployments",
    "ListServices",
    "ListServicesByNamespace",
    "ListTagsForResource",
    "ListTaskDefinitionFamilies",
    "ListTaskDefinitions",
    "ListTasks",
    "PutAccountSetting",
    "PutAccountSettingDefault",
    "PutAttributes",
    "PutClusterCapacityProviders",
    "RegisterContainerInstance",
    "RegisterTaskDefinition",
    "RunTask",
    "StartTask",
    "StopServiceDeployment",
    "StopTask",
    "SubmitAttachmentStateChanges",
    "SubmitContainerStateChange",
    "SubmitTaskStateChange",
    "TagResource",
    "UntagResource",
    "UpdateCapacityProvider",
    "UpdateCluster",
    "UpdateClusterSettings",
    "UpdateContainerAgent",
    "UpdateContainerInstancesState",
    "UpdateExpressGatewayService",
    "UpdateService",
    "UpdateServicePrimaryTaskSet",
    "UpdateTaskProtection",
    "UpdateTaskSet",
];

pub async fn handle(call: &Call<'_>, op: &str, body: &[u8]) -> Response {
    let rid = call.request_id.clone();
    // An empty body is an empty request; what is not JSON at all is refused
    // before the operation is looked at, as AWS's frontend does.
    let input: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v) => v,
            Err(_) => return json_error(&json_input::unparsable_body(), rid),
        }
    };
    let out = match op {
        // The busiest operations write their JSON straight out (`ecs_task`).
        "RunTask" => tasks::run_task(call, &input).await,
        "DescribeTasks" => tasks::describe_tasks(call, &input).await,
        _ => run(call, op, &input).await.map(|v| to_json(&v)),
    };
    match out {
        Ok(body) => json_ok(body, rid),
        Err(e) => json_error(&e, rid),
    }
}

async fn run(call: &Call<'_>, op: &str, i: &Value) -> Result {
    match op {
        "CreateCluster" => clusters::create_cluster(call, decode(i)?).await,
        "DescribeClusters" => clusters::describe_clusters(call, decode(i)?).await,
        "ListClusters" => clusters::list_clusters(call, decode(i)?).await,
        "DeleteCluster" => clusters::delete_cluster(call, decode(i)?).await,
        "UpdateCluster" => clusters::update_cluster(call, decode(i)?).await,
        "UpdateClusterSettings" => clusters::update_cluster_settings(call, decode(i)?).await,
        "PutClusterCapacityProviders" => {
            clusters::put_cluster_capacity_providers(call, decode(i)?).await
        }
        "RegisterTaskDefinition" => {
            task_definitions::register_task_definition(call, decode(i)?).await
        }
        "DescribeTaskDefinition" => {
            task_definitions::describe_task_definition(call, decode(i)?).await
        }
        "ListTaskDefinitions" => task_definitions::list_task_definitions(call, decode(i)?).await,
        "ListTaskDefinitionFamilies" => {
            task_definitions::list_task_definition_families(call, decode(i)?).await
        }
        "DeregisterTaskDefinition" => {
            task_definitions::deregister_task_definition(call, decode(i)?).await
        }
        "DeleteTaskDefinitions" => {
            task_definitions::delete_task_definitions(call, decode(i)?).await
        }
        "CreateService" => services::create_service(call, decode(i)?).await,
        "UpdateService" => services::update_service(call, decode(i)?).await,
        "DeleteService" => services::delete_service(call, decode(i)?).await,
        "DescribeServices" => services::describe_services(call, decode(i)?).await,
        "ListServices" => services::list_services(call, decode(i)?).await,
        "StopTask" => tasks::stop_task(call, decode(i)?).await,
        "ListTasks" => tasks::list_tasks(call, decode(i)?).await,
        "PutAccountSetting" => account_settings::put_account_setting(call, decode(i)?).await,
        "PutAccountSettingDefault" => {
            account_settings::put_account_setting_default(call, decode(i)?).await
        }
        "ListAccountSettings" => account_settings::list_account_settings(call, decode(i)?).await,
        "DeleteAccountSetting" => account_settings::delete_account_setting(call, decode(i)?).await,
        "TagResource" => tags::tag_resource(call, decode(i)?).await,
        "UntagResource" => tags::untag_resource(call, decode(i)?).await,
        "ListTagsForResource" => tags::list_tags_for_resource(call, decode(i)?).await,
        _ if ALL_OPERATIONS.contains(&op) => Err(ApiError::new(
            "UnsupportedFeatureException",
            format!("tasknet does not implement the ECS operation {op}."),
        )),
        // The bare exception, as AWS's frontend answers (wire-errors.md §1.4).
        _ => Err(ApiError::new("UnknownOperationException", "")),
    }
}

// ---- shared helpers ----

/// An operation's typed input (`input`).
fn decode<T: DeserializeOwned>(i: &Value) -> Result<T> {
    json_input::decode(i)
}

/// A member the operation needs.
fn required(v: Option<String>, member: &str) -> Result<String> {
    v.ok_or_else(|| model::ecs::err::invalid_parameter(format!("{member} can not be blank.")))
}

/// A response body. Serializing our own response types cannot fail (string
/// keys, finite numbers).
fn to_json(v: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

fn tags_out(tags: &[EcsTag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"key": t.key, "value": t.value}))
            .collect(),
    )
}

/// `maxResults` and `nextToken` of a List* call.
#[derive(Clone, Debug, Default)]
struct Paging {
    max_results: Option<i32>,
    next_token: Option<String>,
}

/// Simple offset pagination tokens for the List* calls.
fn page<T: Clone>(
    items: &[T],
    p: &Paging,
    max_default: usize,
    max_limit: i32,
) -> Result<(Vec<T>, Option<String>)> {
    let max = match p.max_results {
        Some(m) if !(1..=max_limit).contains(&m) => {
            return Err(model::ecs::err::invalid_parameter(format!(
                "maxResults must be between 1 and {max_limit}."
            )))
        }
        Some(m) => m as usize,
        None => max_default,
    };
    let start = match &p.next_token {
        Some(t) => t
            .strip_prefix("tn-")
            .and_then(|x| x.parse::<usize>().ok())
            .filter(|s| *s <= items.len())
            .ok_or_else(|| model::ecs::err::invalid_parameter("Invalid nextToken."))?,
        None => 0,
    };
    let end = (start + max).min(items.len());
    let next = (end < items.len()).then(|| format!("tn-{end}"));
    Ok((items[start..end].to_vec(), next))
}

/// One page of a List* result: `{ <key>: [...], "nextToken"?: … }`.
fn paged<T: Clone + serde::Serialize>(
    items: &[T],
    p: &Paging,
    key: &str,
    max_default: usize,
    max_limit: i32,
) -> Result {
    let (page, next) = page(items, p, max_default, max_limit)?;
    let mut v = json!({ key: page });
    if let Some(n) = next {
        v["nextToken"] = json!(n);
    }
    Ok(v)
}

fn check_include(include: &[String], allowed: &[&str]) -> Result<()> {
    if include.iter().any(|x| !allowed.contains(&x.as_str())) {
        return Err(model::ecs::err::invalid_parameter(format!(
            "include should be one of [{}]",
            allowed.join(",")
        )));
    }
    Ok(())
}

async fn read<R: Send>(call: &Call<'_>, f: impl FnOnce(&Region) -> Result<R>) -> Result<R> {
    let region = call.region.clone();
    call.read(move |w| f(w.region(&region)?)).await?
}

async fn write<R>(
    call: &Call<'_>,
    f: impl FnOnce(&mut Region, model::Millis) -> Result<R>,
) -> Result<R> {
    let region = call.region.clone();
    call.write(move |w, now| f(w.region_mut(&region)?, now))
        .await
}

fn caller(call: &Call<'_>) -> String {
    call.principal.clone()
}
