//! ECS over awsJson1_1 (`X-Amz-Target: AmazonEC2ContainerServiceV20141113.<Op>`).

pub use crate::ecs_task::{task_json, TaskJson, TaskView};
use crate::envelope::{json_error, json_ok};
use crate::{Call, Response};
use model::ecs::cluster::{cluster_name, CreateCluster};
use model::ecs::settings::SettingView;
use model::ecs::task::{ListTasks, RunTask};
use model::ecs::types::*;
use model::rules::awsvpc::AwsVpcConfig;
use model::{ApiError, Region};
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
    let input: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(body) {
            Ok(v @ Value::Object(_)) => v,
            _ => {
                let e = ApiError::new(
                    "SerializationException",
                    "Start of structure or map found where not expected.",
                );
                return json_error(&e, rid);
            }
        }
    };
    let out = match op {
        // The busiest operations write their JSON straight out (`ecs_task`).
        "RunTask" => run_task(call, &input).await,
        "DescribeTasks" => describe_tasks(call, &input).await,
        _ => run(call, op, &input).await.map(|v| to_json(&v)),
    };
    match out {
        Ok(body) => json_ok(body, rid),
        Err(e) => json_error(&e, rid),
    }
}

/// A response body. Serializing our own response types cannot fail (string
/// keys, finite numbers).
fn to_json(v: &impl serde::Serialize) -> Vec<u8> {
    serde_json::to_vec(v).unwrap_or_default()
}

/// RunTask's and DescribeTasks' response.
#[derive(serde::Serialize)]
struct TasksOut<'a> {
    failures: Vec<Value>,
    tasks: Vec<TaskJson<'a>>,
}

impl<'a> TasksOut<'a> {
    fn of(views: &'a [TaskView], with_tags: bool, failures: Vec<Value>) -> Vec<u8> {
        let tasks = views
            .iter()
            .map(|view| TaskJson {
                view,
                with_tags,
                stop_response: false,
            })
            .collect();
        to_json(&TasksOut { failures, tasks })
    }
}

async fn run(call: &Call<'_>, op: &str, i: &Value) -> Result {
    match op {
        "CreateCluster" => create_cluster(call, i).await,
        "DescribeClusters" => describe_clusters(call, i).await,
        "ListClusters" => list_clusters(call, i).await,
        "DeleteCluster" => delete_cluster(call, i).await,
        "UpdateClusterSettings" => update_cluster_settings(call, i).await,
        "PutClusterCapacityProviders" => put_cluster_capacity_providers(call, i).await,
        "RegisterTaskDefinition" => register_task_definition(call, i).await,
        "DescribeTaskDefinition" => describe_task_definition(call, i).await,
        "ListTaskDefinitions" => list_task_definitions(call, i).await,
        "ListTaskDefinitionFamilies" => list_task_definition_families(call, i).await,
        "DeregisterTaskDefinition" => deregister_task_definition(call, i).await,
        "DeleteTaskDefinitions" => delete_task_definitions(call, i).await,
        "StopTask" => stop_task(call, i).await,
        "ListTasks" => list_tasks(call, i).await,
        "PutAccountSetting" => put_account_setting(call, i, false).await,
        "PutAccountSettingDefault" => put_account_setting(call, i, true).await,
        "ListAccountSettings" => list_account_settings(call, i).await,
        "DeleteAccountSetting" => delete_account_setting(call, i).await,
        "TagResource" => tag_resource(call, i).await,
        "UntagResource" => untag_resource(call, i).await,
        "ListTagsForResource" => list_tags_for_resource(call, i).await,
        _ if ALL_OPERATIONS.contains(&op) => Err(ApiError::new(
            "UnsupportedFeatureException",
            format!("tasknet does not implement the ECS operation {op}."),
        )),
        _ => Err(ApiError::new(
            "UnknownOperationException",
            format!("Unknown operation {op}."),
        )),
    }
}

// ---- input helpers: a wrong JSON type is a SerializationException ----

fn ser_err(field: &str) -> ApiError {
    ApiError::new(
        "SerializationException",
        format!("Unexpected value type for field '{field}'."),
    )
}

fn opt_str(i: &Value, k: &str) -> Result<Option<String>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        _ => Err(ser_err(k)),
    }
}

fn req_str(i: &Value, k: &str) -> Result<String> {
    opt_str(i, k)?
        .ok_or_else(|| model::ecs::err::invalid_parameter(format!("{k} can not be blank.")))
}

fn opt_bool(i: &Value, k: &str) -> Result<Option<bool>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        _ => Err(ser_err(k)),
    }
}

fn opt_int(i: &Value, k: &str) -> Result<Option<i64>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| ser_err(k)),
        _ => Err(ser_err(k)),
    }
}

fn str_list(i: &Value, k: &str) -> Result<Vec<String>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| x.as_str().map(str::to_string).ok_or_else(|| ser_err(k)))
            .collect(),
        _ => Err(ser_err(k)),
    }
}

fn tags_in(i: &Value, k: &str) -> Result<Vec<EcsTag>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|t| {
                Ok(EcsTag {
                    key: opt_str(t, "key")?.unwrap_or_default(),
                    value: opt_str(t, "value")?.unwrap_or_default(),
                })
            })
            .collect(),
        _ => Err(ser_err(k)),
    }
}

fn strategy_in(i: &Value, k: &str) -> Result<Vec<(String, i64, i64)>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                Ok((
                    opt_str(s, "capacityProvider")?.unwrap_or_default(),
                    opt_int(s, "weight")?.unwrap_or(0),
                    opt_int(s, "base")?.unwrap_or(0),
                ))
            })
            .collect(),
        _ => Err(ser_err(k)),
    }
}

fn settings_in(i: &Value, k: &str) -> Result<Vec<(String, String)>> {
    match i.get(k) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(a)) => a
            .iter()
            .map(|s| {
                Ok((
                    opt_str(s, "name")?.unwrap_or_default(),
                    opt_str(s, "value")?.unwrap_or_default(),
                ))
            })
            .collect(),
        _ => Err(ser_err(k)),
    }
}

fn tags_out(tags: &[EcsTag]) -> Value {
    Value::Array(
        tags.iter()
            .map(|t| json!({"key": t.key, "value": t.value}))
            .collect(),
    )
}

/// Simple offset pagination tokens for the List* calls.
fn page<T: Clone>(
    items: &[T],
    i: &Value,
    max_default: usize,
    max_limit: i64,
) -> Result<(Vec<T>, Option<String>)> {
    let max = match opt_int(i, "maxResults")? {
        Some(m) if !(1..=max_limit).contains(&m) => {
            return Err(model::ecs::err::invalid_parameter(format!(
                "maxResults must be between 1 and {max_limit}."
            )))
        }
        Some(m) => m as usize,
        None => max_default,
    };
    let start = match opt_str(i, "nextToken")? {
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
    i: &Value,
    key: &str,
    max_default: usize,
    max_limit: i64,
) -> Result {
    let (page, next) = page(items, i, max_default, max_limit)?;
    let mut v = json!({ key: page });
    if let Some(n) = next {
        v["nextToken"] = json!(n);
    }
    Ok(v)
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

// ---- clusters ----

fn cluster_json(r: &Region, c: &Cluster, include: &[String]) -> Value {
    let (running, pending) = r.cluster_task_counts(&c.name);
    let mut v = json!({
        "clusterArn": r.cluster_arn(&c.name),
        "clusterName": c.name,
        "status": c.status,
        "registeredContainerInstancesCount": 0,
        "runningTasksCount": running,
        "pendingTasksCount": pending,
        "activeServicesCount": 0,
        "statistics": [],
        "tags": [],
        "settings": c.settings.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
        "capacityProviders": c.capacity_providers,
        "defaultCapacityProviderStrategy": c.default_strategy.iter().map(|(p, w, b)| json!({"capacityProvider": p, "weight": w, "base": b})).collect::<Vec<_>>(),
    });
    if include.iter().any(|x| x == "TAGS") {
        v["tags"] = tags_out(&c.tags);
    }
    v
}

async fn create_cluster(call: &Call<'_>, i: &Value) -> Result {
    let req = CreateCluster {
        name: opt_str(i, "clusterName")?,
        tags: tags_in(i, "tags")?,
        settings: settings_in(i, "settings")?,
        capacity_providers: str_list(i, "capacityProviders")?,
        default_strategy: strategy_in(i, "defaultCapacityProviderStrategy")?,
    };
    let region = call.region.clone();
    call.write(move |w, now| {
        let name = w.create_cluster(&region, req, now)?;
        let r = w.region(&region)?;
        let c = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, c, &["TAGS".to_string()]) }))
    })
    .await
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

async fn describe_clusters(call: &Call<'_>, i: &Value) -> Result {
    let mut names = str_list(i, "clusters")?;
    if names.is_empty() {
        names.push("default".into());
    }
    let include = str_list(i, "include")?;
    check_include(
        &include,
        &[
            "ATTACHMENTS",
            "CONFIGURATIONS",
            "SETTINGS",
            "STATISTICS",
            "TAGS",
        ],
    )?;
    read(call, move |r| {
        let mut clusters = Vec::new();
        let mut failures = Vec::new();
        for n in &names {
            let name = cluster_name(n);
            match r.ecs.clusters.get(name) {
                Some(c) => clusters.push(cluster_json(r, c, &include)),
                None => failures.push(json!({"arn": r.cluster_arn(name), "reason": "MISSING"})),
            }
        }
        Ok(json!({ "clusters": clusters, "failures": failures }))
    })
    .await
}

async fn list_clusters(call: &Call<'_>, i: &Value) -> Result {
    let i = i.clone();
    read(call, move |r| {
        let arns: Vec<String> = r
            .ecs
            .clusters
            .iter()
            .filter(|c| c.status == "ACTIVE")
            .map(|c| r.cluster_arn(&c.name))
            .collect();
        paged(&arns, &i, "clusterArns", 100, 100)
    })
    .await
}

async fn delete_cluster(call: &Call<'_>, i: &Value) -> Result {
    let c = req_str(i, "cluster")?;
    write(call, move |r, _| {
        let name = r.delete_cluster(&c)?;
        let cl = r
            .ecs
            .clusters
            .get(&name)
            .ok_or_else(model::ecs::err::cluster_not_found)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &[]) }))
    })
    .await
}

async fn update_cluster_settings(call: &Call<'_>, i: &Value) -> Result {
    let c = req_str(i, "cluster")?;
    let settings = settings_in(i, "settings")?;
    write(call, move |r, _| {
        let name = r.update_cluster_settings(&c, settings)?;
        let cl = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &[]) }))
    })
    .await
}

async fn put_cluster_capacity_providers(call: &Call<'_>, i: &Value) -> Result {
    let c = req_str(i, "cluster")?;
    let cps = str_list(i, "capacityProviders")?;
    let strategy = strategy_in(i, "defaultCapacityProviderStrategy")?;
    write(call, move |r, _| {
        let name = r.put_cluster_capacity_providers(&c, cps, strategy)?;
        let cl = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &[]) }))
    })
    .await
}

// ---- task definitions ----

async fn register_task_definition(call: &Call<'_>, i: &Value) -> Result {
    let req = i.clone();
    let principal = caller(call);
    write(call, move |r, now| {
        let key = r.register_task_definition(&req, &principal, now)?;
        let td = r
            .ecs
            .task_definitions
            .get(&key)
            .ok_or_else(|| model::ecs::err::client("Unable to describe task definition."))?;
        Ok(json!({ "taskDefinition": r.task_definition_json(td), "tags": tags_out(&td.tags) }))
    })
    .await
}

async fn describe_task_definition(call: &Call<'_>, i: &Value) -> Result {
    let reference = req_str(i, "taskDefinition")?;
    let include = str_list(i, "include")?;
    check_include(&include, &["TAGS"])?;
    read(call, move |r| {
        let td = r
            .find_task_definition(&reference)
            .filter(|d| d.status != "DELETE_IN_PROGRESS")
            .ok_or_else(|| model::ecs::err::client("Unable to describe task definition."))?;
        let mut v = json!({ "taskDefinition": r.task_definition_json(td) });
        if !include.is_empty() {
            v["tags"] = tags_out(&td.tags);
        }
        Ok(v)
    })
    .await
}

async fn list_task_definitions(call: &Call<'_>, i: &Value) -> Result {
    let prefix = opt_str(i, "familyPrefix")?;
    let status = opt_str(i, "status")?.unwrap_or_else(|| "ACTIVE".into());
    let desc = opt_str(i, "sort")?.as_deref() == Some("DESC");
    let i = i.clone();
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
        paged(&arns, &i, "taskDefinitionArns", 100, 100)
    })
    .await
}

async fn list_task_definition_families(call: &Call<'_>, i: &Value) -> Result {
    let prefix = opt_str(i, "familyPrefix")?;
    let status = opt_str(i, "status")?.unwrap_or_else(|| "ACTIVE".into());
    let i = i.clone();
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
        paged(&fams, &i, "families", 100, 100)
    })
    .await
}

async fn deregister_task_definition(call: &Call<'_>, i: &Value) -> Result {
    let reference = req_str(i, "taskDefinition")?;
    write(call, move |r, now| {
        let key = r.deregister_task_definition(&reference, now)?;
        let td = r
            .ecs
            .task_definitions
            .get(&key)
            .ok_or_else(|| model::ecs::err::client("Unable to describe task definition."))?;
        Ok(json!({ "taskDefinition": r.task_definition_json(td) }))
    })
    .await
}

async fn delete_task_definitions(call: &Call<'_>, i: &Value) -> Result {
    let refs = str_list(i, "taskDefinitions")?;
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

// ---- tasks ----

fn awsvpc_in(i: &Value) -> Result<Option<AwsVpcConfig>> {
    let Some(nc) = i.get("networkConfiguration").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(c) = nc.get("awsvpcConfiguration").filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    Ok(Some(AwsVpcConfig {
        subnets: str_list(c, "subnets")?,
        security_groups: str_list(c, "securityGroups")?,
        assign_public_ip: opt_str(c, "assignPublicIp")?,
    }))
}

/// A RunTask request body (also the shape `explain` takes for a planned task).
/// `taskDefinition` may be an object for a plan; it is then left empty here.
pub fn run_task_request(i: &Value, principal: String) -> Result<RunTask> {
    Ok(RunTask {
        cluster: opt_str(i, "cluster")?,
        task_definition: match i.get("taskDefinition") {
            Some(Value::Object(_)) => String::new(),
            _ => req_str(i, "taskDefinition")?,
        },
        count: opt_int(i, "count")?,
        launch_type: opt_str(i, "launchType")?,
        capacity_provider_strategy: strategy_in(i, "capacityProviderStrategy")?,
        platform_version: opt_str(i, "platformVersion")?,
        network: awsvpc_in(i)?,
        enable_execute_command: opt_bool(i, "enableExecuteCommand")?.unwrap_or(false),
        overrides: i.get("overrides").filter(|v| !v.is_null()).cloned(),
        tags: tags_in(i, "tags")?,
        group: opt_str(i, "group")?,
        started_by: opt_str(i, "startedBy")?,
        client_token: opt_str(i, "clientToken")?,
        propagate_tags: opt_str(i, "propagateTags")?,
        principal,
    })
}

async fn run_task(call: &Call<'_>, i: &Value) -> Result<Vec<u8>> {
    if i.get("taskDefinition").is_some_and(Value::is_object) {
        return Err(ser_err("taskDefinition"));
    }
    let req = run_task_request(i, caller(call))?;
    let region = call.region.clone();
    let lc = call.control.settings.lifecycle;
    let (views, out) = call
        .write(move |w, now| {
            let out = w.run_task(&region, req, &lc, now)?;
            let r = w.region(&region)?;
            let views: Vec<TaskView> = out
                .tasks
                .iter()
                .filter_map(|id| r.ecs.tasks.get(id))
                .map(|t| TaskView::of(r, t))
                .collect();
            Ok((views, out))
        })
        .await?;
    let failures: Vec<Value> = out
        .failures
        .iter()
        .map(|(arn, reason)| match arn {
            Some(a) => json!({"arn": a, "reason": reason}),
            None => json!({"reason": reason}),
        })
        .collect();
    Ok(TasksOut::of(&views, true, failures))
}

async fn stop_task(call: &Call<'_>, i: &Value) -> Result {
    let cluster = opt_str(i, "cluster")?.unwrap_or_else(|| "default".into());
    let task = req_str(i, "task")?;
    let reason = opt_str(i, "reason")?;
    check_task_reference(&cluster, &task, &call.account)?;
    let lc = call.control.settings.lifecycle;
    let view = write(call, move |r, now| {
        let id = r.stop_task(&cluster, &task, reason, &lc, now)?;
        let t = r
            .ecs
            .tasks
            .get(&id)
            .ok_or_else(model::ecs::task::task_not_found)?;
        Ok(TaskView::of(r, t))
    })
    .await?;
    let task = TaskJson {
        view: &view,
        with_tags: false,
        stop_response: true,
    };
    Ok(json!({ "task": task }))
}

/// A task ARN must name the cluster it is asked about; ids must look like ids.
fn check_task_reference(cluster: &str, task: &str, account: &str) -> Result<()> {
    if let Some(rest) = task.strip_prefix("arn:aws:ecs:") {
        let parts: Vec<&str> = rest.splitn(3, ':').collect();
        let res = parts.get(2).copied().unwrap_or("");
        let Some(path) = res.strip_prefix("task/") else {
            return Err(model::ecs::err::invalid_parameter(
                "Task Identifier is invalid",
            ));
        };
        if parts.get(1).is_some_and(|a| *a != account) {
            return Err(model::ecs::err::invalid_parameter(format!(
                "Invalid identifier: Identifier is for {}. Your accountId is {account}",
                parts[1]
            )));
        }
        if let Some((c, _)) = path.split_once('/') {
            if c != cluster_name(cluster) {
                return Err(model::ecs::err::invalid_parameter(format!(
                    "Invalid identifier: Identifier is for cluster {c}. Your cluster is {}",
                    cluster_name(cluster)
                )));
            }
        }
        return Ok(());
    }
    let ok = task.len() == 32 && task.bytes().all(|b| b.is_ascii_hexdigit());
    if ok {
        Ok(())
    } else {
        Err(model::ecs::err::invalid_parameter(
            "Task Identifier is invalid",
        ))
    }
}

async fn describe_tasks(call: &Call<'_>, i: &Value) -> Result<Vec<u8>> {
    let cluster = opt_str(i, "cluster")?.unwrap_or_else(|| "default".into());
    let refs = str_list(i, "tasks")?;
    if refs.is_empty() {
        return Err(model::ecs::err::invalid_parameter("Tasks cannot be empty."));
    }
    if refs.len() > 100 {
        return Err(model::ecs::err::invalid_parameter(
            "taskIds can have at most 100 items.",
        ));
    }
    for t in &refs {
        check_task_reference(&cluster, t, &call.account)?;
    }
    let include = str_list(i, "include")?;
    check_include(&include, &["TAGS"])?;
    let with_tags = !include.is_empty();
    let (views, failures) = read(call, move |r| {
        let c = r.active_cluster(&cluster)?.name.clone();
        let mut views = Vec::new();
        let mut failures = Vec::new();
        for x in &refs {
            match r.find_task(&c, x) {
                Some(t) => views.push(TaskView::of(r, t)),
                None => {
                    let arn = if x.starts_with("arn:") {
                        x.clone()
                    } else {
                        format!("arn:aws:ecs:{}:{}:task/{c}/{x}", r.info.name, r.account_id)
                    };
                    failures.push(json!({"arn": arn, "reason": "MISSING"}));
                }
            }
        }
        Ok((views, failures))
    })
    .await?;
    Ok(TasksOut::of(&views, with_tags, failures))
}

async fn list_tasks(call: &Call<'_>, i: &Value) -> Result {
    let q = ListTasks {
        cluster: opt_str(i, "cluster")?,
        family: opt_str(i, "family")?,
        started_by: opt_str(i, "startedBy")?,
        service_name: opt_str(i, "serviceName")?,
        desired_status: opt_str(i, "desiredStatus")?,
        launch_type: opt_str(i, "launchType")?,
        container_instance: opt_str(i, "containerInstance")?,
    };
    let i = i.clone();
    read(call, move |r| {
        let ids = r.list_tasks(&q)?;
        let arns: Vec<String> = ids
            .iter()
            .filter_map(|(_, id)| r.ecs.tasks.get(id).map(|t| t.arn(&r.account_id)))
            .collect();
        paged(&arns, &i, "taskArns", 100, 100)
    })
    .await
}

// ---- account settings ----

fn setting_json(s: &SettingView) -> Value {
    json!({"name": s.name, "value": s.value, "principalArn": s.principal_arn, "type": s.kind})
}

async fn put_account_setting(call: &Call<'_>, i: &Value, default: bool) -> Result {
    let name = req_str(i, "name")?;
    let value = req_str(i, "value")?;
    let principal = opt_str(i, "principalArn")?.unwrap_or_else(|| caller(call));
    if default && i.get("principalArn").is_some() {
        return Err(ser_err("principalArn"));
    }
    write(call, move |r, _| {
        let s = if default {
            r.put_account_setting_default(&name, &value)?
        } else {
            r.put_account_setting(&name, &value, &principal)?
        };
        Ok(json!({ "setting": setting_json(&s) }))
    })
    .await
}

async fn list_account_settings(call: &Call<'_>, i: &Value) -> Result {
    let name = opt_str(i, "name")?;
    let value = opt_str(i, "value")?;
    let principal = opt_str(i, "principalArn")?.unwrap_or_else(|| caller(call));
    let effective = opt_bool(i, "effectiveSettings")?.unwrap_or(false);
    let i = i.clone();
    read(call, move |r| {
        let all =
            r.list_account_settings(name.as_deref(), value.as_deref(), &principal, effective)?;
        let views: Vec<Value> = all.iter().map(setting_json).collect();
        paged(&views, &i, "settings", 10, 10)
    })
    .await
}

async fn delete_account_setting(call: &Call<'_>, i: &Value) -> Result {
    let name = req_str(i, "name")?;
    let principal = opt_str(i, "principalArn")?.unwrap_or_else(|| caller(call));
    write(call, move |r, _| {
        let s = r.delete_account_setting(&name, &principal)?;
        Ok(json!({ "setting": setting_json(&s) }))
    })
    .await
}

// ---- tags ----

enum Tagged {
    Cluster(String),
    TaskDefinition(String),
    Task(String),
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
    }
}

async fn tag_resource(call: &Call<'_>, i: &Value) -> Result {
    let arn = req_str(i, "resourceArn")?;
    let tags = tags_in(i, "tags")?;
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

async fn untag_resource(call: &Call<'_>, i: &Value) -> Result {
    let arn = req_str(i, "resourceArn")?;
    let keys = str_list(i, "tagKeys")?;
    write(call, move |r, _| {
        let target = parse_resource_arn(r, &arn)?;
        if let Some(cur) = tags_of_mut(r, &target) {
            cur.retain(|t| !keys.contains(&t.key));
        }
        Ok(json!({}))
    })
    .await
}

async fn list_tags_for_resource(call: &Call<'_>, i: &Value) -> Result {
    let arn = req_str(i, "resourceArn")?;
    read(call, move |r| {
        let target = parse_resource_arn(r, &arn)?;
        let tags = match &target {
            Tagged::Cluster(n) => r.ecs.clusters.get(n).map(|c| c.tags.clone()),
            Tagged::TaskDefinition(k) => r.ecs.task_definitions.get(k).map(|c| c.tags.clone()),
            Tagged::Task(id) => r.ecs.tasks.get(id).map(|c| c.tags.clone()),
        }
        .unwrap_or_default();
        Ok(json!({ "tags": tags_out(&tags) }))
    })
    .await
}
