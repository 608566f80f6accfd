//! RunTask, StopTask and the task queries: validation (N3–N8, N14), placement
//! across Availability Zones (N10), and the PROVISIONING task RunTask returns (N20).

use super::cluster::cluster_name;
use super::err;
use super::settings::root_arn;
use super::types::*;
use super::Lifecycle;
use crate::error::{ApiError, Result};
use crate::iam::ECS_SLR;
use crate::ids;
use crate::rules::awsvpc::{self, AwsVpcConfig};
use crate::rules::{dualstack, ipv6_only, platform};
use crate::time::Millis;
use crate::world::{Region, World};

#[derive(Debug, Clone, Default)]
pub struct RunTask {
    pub cluster: Option<String>,
    pub task_definition: String,
    pub count: Option<i64>,
    pub launch_type: Option<String>,
    /// (capacity provider, weight, base)
    pub capacity_provider_strategy: Vec<(String, i64, i64)>,
    pub platform_version: Option<String>,
    pub network: Option<AwsVpcConfig>,
    pub enable_execute_command: bool,
    pub overrides: Option<TaskOverride>,
    pub tags: Vec<EcsTag>,
    pub group: Option<String>,
    pub started_by: Option<String>,
    pub client_token: Option<String>,
    pub propagate_tags: Option<String>,
    pub principal: String,
}

/// RunTask's answer: task ids launched, and per-task failures (arn, reason).
#[derive(Debug, Clone, Default)]
pub struct RunOutcome {
    pub tasks: Vec<String>,
    pub failures: Vec<(Option<String>, String)>,
}

/// A task given by id or ARN → its id.
pub fn task_id(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

pub(crate) fn check_tags(tags: &[EcsTag]) -> Result<()> {
    if tags.len() > 50 {
        return Err(err::invalid_parameter("Tags can have at most 50 items."));
    }
    for t in tags {
        let ok_chars = |s: &str| {
            s.chars()
                .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
        };
        if t.key.is_empty()
            || t.key.chars().count() > 128
            || t.value.chars().count() > 256
            || !ok_chars(&t.key)
            || !ok_chars(&t.value)
        {
            return Err(err::invalid_parameter(
                "Some tags contain invalid characters.",
            ));
        }
        if t.key.to_ascii_lowercase().starts_with("aws:") {
            return Err(err::invalid_parameter(
                "Tag keys prefixed with 'aws:' are reserved.",
            ));
        }
    }
    Ok(())
}

impl World {
    /// RunTask (N3–N8, N10, N13, N14, N20).
    pub fn run_task(
        &mut self,
        region: &str,
        req: RunTask,
        lc: &Lifecycle,
        now: Millis,
    ) -> Result<RunOutcome> {
        let slr = self.roles.contains(ECS_SLR);
        let r = self.region_mut(region)?;
        r.run_task(req, slr, lc, now)
    }
}

/// A launch that passed RunTask's checks.
pub struct Prepared {
    pub td: TaskDefinition,
    pub provider: Option<String>,
    pub version: &'static str,
    pub checked: awsvpc::CheckedConfig,
    pub ipv6_only: bool,
    pub overrides: TaskOverride,
    pub windows: bool,
}

/// Which capacity the task lands on.
enum Capacity {
    Fargate {
        provider: Option<String>,
    },
    /// EC2, EXTERNAL or MANAGED_INSTANCES: tasknet has no container instances.
    Instances,
}

impl Region {
    fn run_task(
        &mut self,
        req: RunTask,
        slr: bool,
        lc: &Lifecycle,
        now: Millis,
    ) -> Result<RunOutcome> {
        let cluster = self
            .active_cluster(req.cluster.as_deref().unwrap_or("default"))?
            .clone();
        let count = req.count.unwrap_or(1);
        if !(1..=10).contains(&count) {
            return Err(err::invalid_parameter("count must be between 1 and 10."));
        }
        if let Some(tok) = &req.client_token {
            if tok.len() > 64 {
                return Err(err::invalid_parameter(
                    "clientToken can have at most 64 characters.",
                ));
            }
            if let Some(ids) = self.ecs.client_tokens.get(tok) {
                return Ok(RunOutcome {
                    tasks: ids.clone(),
                    failures: Vec::new(),
                });
            }
        }
        if req.started_by.as_ref().is_some_and(|s| s.len() > 36) {
            return Err(err::invalid_parameter("startedBy longer than 36."));
        }
        check_tags(&req.tags)?;
        super::taskdef::check_revision(&req.task_definition)?;
        let td = self
            .find_task_definition(&req.task_definition)
            .cloned()
            .ok_or_else(|| err::client("Unable to describe task definition."))?;
        if td.status != "ACTIVE" {
            return Err(err::invalid_parameter("TaskDefinition is inactive"));
        }
        let Some(p) = self.prepare(&cluster, &req, td, slr)? else {
            return Ok(RunOutcome {
                tasks: Vec::new(),
                failures: vec![(
                    None,
                    "No Container Instances were found in your cluster.".to_string(),
                )],
            });
        };
        let tasks = self.launch_prepared(&cluster.name, &req, &p, count as usize, lc, now)?;
        Ok(RunOutcome {
            tasks,
            failures: Vec::new(),
        })
    }

    /// Launch `count` tasks that passed `prepare` (RunTask, and the service
    /// scheduler, whose launches go through the same checks: N3–N15): each
    /// placed by N10 and PROVISIONING (N20).
    pub(crate) fn launch_prepared(
        &mut self,
        cluster: &str,
        req: &RunTask,
        p: &Prepared,
        count: usize,
        lc: &Lifecycle,
        now: Millis,
    ) -> Result<Vec<String>> {
        let Prepared {
            td,
            provider,
            version,
            checked,
            ipv6_only,
            overrides,
            windows,
        } = p;
        let (version, ipv6_only, windows) = (*version, *ipv6_only, *windows);
        let vpc = self.vpc(&checked.vpc_id)?.clone();
        let (dns_servers, search_list) = self.vpc_dhcp_view(&vpc);
        // N13, read for the launching principal.
        let dual_setting = self
            .effective_setting("dualStackIPv6", &req.principal)
            .value
            == "enabled";
        let group = req
            .group
            .clone()
            .unwrap_or_else(|| format!("family:{}", td.family));
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let subnet_id = self.place(cluster, &group, &checked.subnets);
            let subnet = self.subnet(&subnet_id)?.clone();
            let dual = !ipv6_only
                && dualstack::task_gets_ipv6(
                    dual_setting,
                    &vpc,
                    &subnet,
                    platform::supports_dual_stack(version, windows),
                );
            let id = ids::hex(&mut self.rng, 32);
            let containers = td
                .containers
                .iter()
                .map(|c| TaskContainer {
                    id: ids::uuid(&mut self.rng),
                    name: c.name.clone(),
                    image: c.image.clone(),
                    cpu: Some(c.cpu.unwrap_or(0).to_string()),
                    memory: c.memory.map(|m| m.to_string()),
                    memory_reservation: c.memory_reservation.map(|m| m.to_string()),
                    last_status: "PENDING".into(),
                    ..Default::default()
                })
                .collect();
            let mut tags = req.tags.clone();
            if req.propagate_tags.as_deref() == Some("TASK_DEFINITION") {
                for t in &td.tags {
                    if !tags.iter().any(|x| x.key == t.key) {
                        tags.push(t.clone());
                    }
                }
            }
            let task = Task {
                launch: std::sync::Arc::new(TaskLaunch {
                    id: id.clone(),
                    region: self.info.name.to_string(),
                    cluster: cluster.to_string(),
                    task_definition: td.key.clone(),
                    group: group.clone(),
                    started_by: req.started_by.clone(),
                    launch_type: "FARGATE".into(),
                    capacity_provider: provider.clone(),
                    platform_version: version.to_string(),
                    platform_family: if windows {
                        td.os_family.clone()
                    } else {
                        "Linux".into()
                    },
                    cpu: td.cpu.clone().unwrap_or_default(),
                    memory: td.memory.clone().unwrap_or_default(),
                    created_at: now,
                    availability_zone: subnet.availability_zone.clone(),
                    network: TaskNetwork {
                        subnets: checked.subnets.clone(),
                        security_groups: checked.security_groups.clone(),
                        assign_public_ip: checked.assign_public_ip,
                        subnet_id: subnet_id.clone(),
                        vpc_id: vpc.id.clone(),
                        dual_stack: dual,
                        ipv6_only,
                        mtu: platform::task_eni_mtu(version, windows),
                        dns_servers: dns_servers.clone(),
                        search_list: search_list.clone(),
                    },
                    overrides: overrides.clone(),
                    enable_execute_command: req.enable_execute_command,
                    ephemeral_storage: td.ephemeral_storage.unwrap_or(20),
                    client_token: req.client_token.clone(),
                    principal: req.principal.clone(),
                }),
                last_status: TaskStatus::Provisioning,
                desired_status: "RUNNING".into(),
                version: 1,
                connectivity_at: None,
                pull_started_at: None,
                pull_stopped_at: None,
                started_at: None,
                stopping_at: None,
                execution_stopped_at: None,
                stopped_at: None,
                stop_code: None,
                stopped_reason: None,
                next_at: None,
                attachment: Attachment {
                    id: ids::uuid(&mut self.rng),
                    status: "PRECREATED".into(),
                    subnet_id,
                    ..Default::default()
                },
                containers,
                tags,
            };
            self.ecs.insert_task(task);
            self.ecs
                .reschedule(&id, Some(now.plus_ms(lc.provisioning_ms)));
            if let Some(tok) = &req.client_token {
                self.ecs
                    .client_tokens
                    .get_or_insert_with(tok.clone(), Vec::new)
                    .push(id.clone());
            }
            out.push(id);
        }
        Ok(out)
    }

    /// The checks RunTask makes once the task definition is known (N3–N8, N14),
    /// shared with `explain` of a planned task. `None`: the task would go to EC2
    /// capacity, which tasknet does not have.
    pub fn prepare(
        &self,
        cluster: &Cluster,
        req: &RunTask,
        td: TaskDefinition,
        slr: bool,
    ) -> Result<Option<Prepared>> {
        let capacity = self.capacity(cluster, req)?;
        let provider = match capacity {
            Capacity::Instances if req.platform_version.is_some() => {
                return Err(err::invalid_parameter(
                    "The platform version must be null when specifying an EC2 launch type.",
                ))
            }
            Capacity::Instances => {
                awsvpc::check_presence(&td.network_mode, req.network.is_some())?;
                if let Some(cfg) = &req.network {
                    awsvpc::check_config(self, cfg, false)?;
                }
                return Ok(None);
            }
            Capacity::Fargate { provider } => provider,
        };
        let fargate_ok = td.fargate_compatible() && td.cpu.is_some() && td.memory.is_some();
        if !fargate_ok {
            return Err(err::invalid_parameter(
                "Task definition does not support launch_type FARGATE.",
            ));
        }
        // N8
        if !slr {
            return Err(err::service_linked_role_missing());
        }
        let windows = td.is_windows();
        // N7
        let version = platform::resolve(req.platform_version.as_deref(), windows)?;
        platform::check_task_definition(version, &td)?;
        // N3–N6
        awsvpc::check_presence(&td.network_mode, req.network.is_some())?;
        let cfg = req.network.clone().unwrap_or_default();
        let checked = awsvpc::check_config(self, &cfg, true)?;
        // N14
        let subnets: Vec<_> = checked
            .subnets
            .iter()
            .filter_map(|s| self.subnets.get(s))
            .collect();
        let ipv6_only = ipv6_only::check(
            &subnets,
            windows,
            version,
            self.info,
            req.enable_execute_command,
        )?;
        let overrides = self.check_overrides(&td, req.overrides.as_ref())?;
        Ok(Some(Prepared {
            td,
            provider,
            version,
            checked,
            ipv6_only,
            overrides,
            windows,
        }))
    }

    fn capacity(&self, cluster: &Cluster, req: &RunTask) -> Result<Capacity> {
        if req.launch_type.is_some() && !req.capacity_provider_strategy.is_empty() {
            return Err(err::invalid_parameter(
                "Specifying both a launch type and capacity provider strategy is not supported. Remove one and try again.",
            ));
        }
        if let Some(lt) = &req.launch_type {
            return match lt.as_str() {
                "FARGATE" => Ok(Capacity::Fargate { provider: None }),
                "EC2" | "EXTERNAL" | "MANAGED_INSTANCES" => Ok(Capacity::Instances),
                other => Err(err::invalid_parameter(format!(
                    "Invalid launch type: {other}"
                ))),
            };
        }
        let strategy: Vec<(String, i64, i64)> = if req.capacity_provider_strategy.is_empty() {
            cluster.default_strategy.clone()
        } else {
            req.capacity_provider_strategy.clone()
        };
        if strategy.is_empty() {
            // Neither given and no cluster default: ECS falls back to EC2.
            return Ok(Capacity::Instances);
        }
        for (cp, _, _) in &strategy {
            if !cluster.capacity_providers.contains(cp) {
                return Err(err::invalid_parameter(
                    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again.",
                ));
            }
        }
        // The first provider with base > 0, else the highest weight.
        let pick = strategy
            .iter()
            .find(|s| s.2 > 0)
            .or_else(|| strategy.iter().max_by_key(|s| s.1))
            .map(|s| s.0.clone());
        Ok(Capacity::Fargate { provider: pick })
    }

    /// Container overrides must name containers of the definition, and their
    /// cpu and memory cannot be negative.
    fn check_overrides(
        &self,
        td: &TaskDefinition,
        overrides: Option<&TaskOverride>,
    ) -> Result<TaskOverride> {
        let o = overrides.cloned().unwrap_or_default();
        for c in &o.container_overrides {
            let name = c.name.as_deref().unwrap_or_default();
            if !td.containers.iter().any(|x| x.name == name) {
                return Err(err::invalid_parameter(format!(
                    "Override for container named {name} is not a container in the TaskDefinition."
                )));
            }
            for (setting, v) in [
                ("cpu", c.cpu),
                ("memory", c.memory),
                ("memoryReservation", c.memory_reservation),
            ] {
                if v.is_some_and(|v| v < 0) {
                    // The RegisterTaskDefinition pattern (INF), as RunTask's
                    // InvalidParameterException.
                    return Err(err::invalid_parameter(format!(
                        "Invalid '{setting}' setting for container '{name}'."
                    )));
                }
            }
        }
        Ok(o)
    }

    /// N10: spread tasks of a (cluster, group) across the subnets' AZs: the AZ
    /// with the fewest such live tasks wins, ties broken at random.
    fn place(&mut self, cluster: &str, group: &str, subnets: &[String]) -> String {
        let mut zones: Vec<(String, String)> = Vec::new(); // (az, first subnet in it)
        for s in subnets {
            if let Some(sub) = self.subnets.get(s) {
                if !zones.iter().any(|(z, _)| *z == sub.availability_zone) {
                    zones.push((sub.availability_zone.clone(), s.clone()));
                }
            }
        }
        let loads: Vec<usize> = zones
            .iter()
            .map(|(z, _)| self.ecs.placed_in(cluster, group, z))
            .collect();
        let min = loads.iter().copied().min().unwrap_or(0);
        let best: Vec<usize> = (0..zones.len()).filter(|i| loads[*i] == min).collect();
        let pick = if best.is_empty() {
            0
        } else {
            best[self.rng.usize(..best.len())]
        };
        zones
            .get(pick)
            .map(|z| z.1.clone())
            .unwrap_or_else(|| subnets[0].clone())
    }

    /// A task of `cluster` by id or ARN.
    pub fn find_task(&self, cluster: &str, reference: &str) -> Option<&Task> {
        let id = task_id(reference);
        self.ecs
            .tasks
            .get(id)
            .filter(|t| t.cluster == cluster_name(cluster))
    }

    /// StopTask (N21: `UserInitiated`).
    pub fn stop_task(
        &mut self,
        cluster: &str,
        reference: &str,
        reason: Option<String>,
        lc: &Lifecycle,
        now: Millis,
    ) -> Result<String> {
        let cluster = self.active_cluster(cluster)?.name.clone();
        let id = self
            .find_task(&cluster, reference)
            .map(|t| t.id.clone())
            .ok_or_else(|| err::invalid_parameter("The referenced task was not found."))?;
        if let Some(r) = &reason {
            if r.len() > 255 {
                return Err(err::invalid_parameter(
                    "reason can have at most 255 characters.",
                ));
            }
        }
        let t = self
            .ecs
            .tasks
            .get_mut(&id)
            .ok_or_else(|| err::invalid_parameter("The referenced task was not found."))?;
        if t.desired_status == "STOPPED" {
            return Ok(id);
        }
        t.stop_code = Some("UserInitiated".into());
        t.stopped_reason = Some(reason.unwrap_or_else(|| "Task stopped by user".into()));
        t.stopping_at = Some(now);
        t.version += 1;
        self.ecs.desire_stopped(&id);
        // The agent takes a moment to act on the stop: lastStatus stays where it
        // is (RUNNING) for one deactivation period before DEACTIVATING begins.
        self.ecs
            .reschedule(&id, Some(now.plus_ms(lc.deactivating_ms)));
        Ok(id)
    }

    /// ListTasks: ids of matching tasks in creation order.
    pub fn list_tasks(&self, q: &ListTasks) -> Result<Vec<(u64, String)>> {
        let cluster = self
            .active_cluster(q.cluster.as_deref().unwrap_or("default"))?
            .name
            .clone();
        let desired = q.desired_status.clone().unwrap_or_else(|| "RUNNING".into());
        if !matches!(desired.as_str(), "RUNNING" | "PENDING" | "STOPPED") {
            return Err(err::invalid_parameter(
                "desiredStatus should be one of [RUNNING,PENDING,STOPPED]",
            ));
        }
        if let Some(f) = &q.family {
            if f.is_empty()
                || !f
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(err::invalid_parameter(
                    "family must match ^[a-zA-Z0-9\\-_]+$",
                ));
            }
        }
        if q.family.is_some() && q.service_name.is_some() {
            return Err(err::invalid_parameter(
                "Cannot specify both family and serviceName.",
            ));
        }
        Ok(self
            .ecs
            .tasks
            .iter_seq()
            .filter(|(_, t)| t.cluster == cluster)
            .filter(|(_, t)| t.desired_status == desired)
            .filter(|(_, t)| q.family.as_ref().is_none_or(|f| t.family() == f))
            .filter(|(_, t)| {
                q.started_by
                    .as_ref()
                    .is_none_or(|s| t.started_by.as_ref() == Some(s))
            })
            .filter(|(_, t)| {
                q.service_name
                    .as_ref()
                    .is_none_or(|s| t.group == format!("service:{s}"))
            })
            .filter(|(_, t)| q.launch_type.as_ref().is_none_or(|l| t.launch_type == *l))
            .filter(|_| q.container_instance.is_none())
            .map(|(s, t)| (s, t.id.clone()))
            .collect())
    }

    /// The principal ARN requests act as (tasknet's callers are the account root).
    pub fn caller(&self) -> String {
        root_arn(&self.account_id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ListTasks {
    pub cluster: Option<String>,
    pub family: Option<String>,
    pub started_by: Option<String>,
    pub service_name: Option<String>,
    pub desired_status: Option<String>,
    pub launch_type: Option<String>,
    pub container_instance: Option<String>,
}

/// For callers that need an ApiError for an unknown task.
pub fn task_not_found() -> ApiError {
    err::invalid_parameter("The referenced task was not found.")
}
