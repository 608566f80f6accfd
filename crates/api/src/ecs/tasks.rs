//! RunTask, StopTask, DescribeTasks, ListTasks. RunTask's and DescribeTasks'
//! task JSON is written straight from a `TaskView` (`ecs_task`).

use super::input::*;
use super::{caller, check_include, decode, paged, read, required, to_json, write, Paging, Result};
use crate::ecs_task::{TaskJson, TaskView};
use crate::Call;
use model::ecs::cluster::cluster_name;
use model::ecs::task::{ListTasks, RunTask};
use model::rules::awsvpc::AwsVpcConfig;
use serde_json::{json, Value};

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

impl RunTaskRequest {
    /// The model's RunTask. `taskDefinition` is required.
    fn into_run_task(self, principal: String) -> Result<RunTask> {
        Ok(RunTask {
            cluster: self.cluster,
            task_definition: required(self.task_definition, "taskDefinition")?,
            count: self.count.map(i64::from),
            launch_type: self.launch_type,
            capacity_provider_strategy: self
                .capacity_provider_strategy
                .iter()
                .map(CapacityProviderStrategyItem::triple)
                .collect(),
            platform_version: self.platform_version,
            // An empty networkConfiguration is no configuration (N3).
            network: self
                .network_configuration
                .and_then(|n| n.awsvpc_configuration)
                .map(|c| AwsVpcConfig {
                    subnets: c.subnets,
                    security_groups: c.security_groups,
                    assign_public_ip: c.assign_public_ip,
                }),
            enable_execute_command: self.enable_execute_command.unwrap_or(false),
            overrides: self.overrides,
            tags: self.tags,
            group: self.group,
            started_by: self.started_by,
            client_token: self.client_token,
            propagate_tags: self.propagate_tags,
            principal,
        })
    }
}

/// A RunTask request body (also the shape `explain` takes for a planned task,
/// whose `taskDefinition` may be a RegisterTaskDefinition body: it is then
/// left empty here and decoded by the model).
pub fn run_task_request(i: &Value, principal: String) -> Result<RunTask> {
    let inline = i.get("taskDefinition").is_some_and(Value::is_object);
    let mut req: RunTaskRequest = if inline {
        let mut rest = i.clone();
        if let Some(o) = rest.as_object_mut() {
            o.remove("taskDefinition");
        }
        decode(&rest)?
    } else {
        decode(i)?
    };
    if inline {
        req.task_definition = Some(String::new());
    }
    req.into_run_task(principal)
}

pub(super) async fn run_task(call: &Call<'_>, i: &Value) -> Result<Vec<u8>> {
    let req = decode::<RunTaskRequest>(i)?.into_run_task(caller(call))?;
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

pub(super) async fn stop_task(call: &Call<'_>, i: StopTaskRequest) -> Result {
    let cluster = i.cluster.unwrap_or_else(|| "default".into());
    let task = required(i.task, "task")?;
    let reason = i.reason;
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
        if let Some(a) = parts.get(1).filter(|a| **a != account) {
            return Err(model::ecs::err::invalid_parameter(format!(
                "Invalid identifier: Identifier is for {a}. Your accountId is {account}"
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

pub(super) async fn describe_tasks(call: &Call<'_>, i: &Value) -> Result<Vec<u8>> {
    let i: DescribeTasksRequest = decode(i)?;
    let cluster = i.cluster.unwrap_or_else(|| "default".into());
    let refs = i.tasks;
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
    let include = i.include;
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

pub(super) async fn list_tasks(call: &Call<'_>, i: ListTasksRequest) -> Result {
    let q = ListTasks {
        cluster: i.cluster,
        family: i.family,
        started_by: i.started_by,
        service_name: i.service_name,
        desired_status: i.desired_status,
        launch_type: i.launch_type,
        container_instance: i.container_instance,
    };
    let paging = Paging {
        max_results: i.max_results,
        next_token: i.next_token,
    };
    read(call, move |r| {
        let ids = r.list_tasks(&q)?;
        let arns: Vec<String> = ids
            .iter()
            .filter_map(|(_, id)| r.ecs.tasks.get(id).map(|t| t.arn(&r.account_id)))
            .collect();
        paged(&arns, &paging, "taskArns", 100, 100)
    })
    .await
}
