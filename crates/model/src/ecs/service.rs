//! ECS services (REPLICA, ECS deployment controller, Fargate): the `Service`
//! record with its deployments and events, and CreateService, UpdateService,
//! DeleteService and the queries. The scheduler that keeps a service's tasks
//! running is `scheduler.rs`.
//!
//! Every network check RunTask makes (N3–N8, N7, N14, N15) is made here
//! with the same texts, through `Region::prepare`; the load balancer checks
//! are N50 and N52. Texts and their sources: `docs/rules.md`,
//! `docs/reference/ecs-error-texts.md`, `shared/reference/services-elbv2.md`
//! §1 (cited below as "services §…").

use super::err;
use super::task::{check_tags, RunTask};
use super::types::*;
use crate::error::{ApiError, Result};
use crate::iam::ECS_SLR;
use crate::rules::awsvpc::AwsVpcConfig;
use crate::table::Record;
use crate::time::Millis;
use crate::world::{Region, World};
use serde::{Deserialize, Serialize};

/// AWS returns at most 100 events (services §1.4); older ones are dropped.
pub const MAX_EVENTS: usize = 100;

/// One `loadBalancers[]` entry of an awsvpc service: an ALB or NLB target
/// group of type `ip` (N50).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceLoadBalancer {
    pub target_group_arn: String,
    pub container_name: String,
    pub container_port: i32,
}

/// A task's targets: the groups (and container port) it was registered in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Registration {
    pub task: String,
    pub groups: Vec<ServiceLoadBalancer>,
}

impl Service {
    /// The groups a task is registered in (none if it is not).
    pub fn registration(&self, task: &str) -> Option<&Registration> {
        self.registered.iter().find(|r| r.task == task)
    }
}

/// `deploymentConfiguration.deploymentCircuitBreaker`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircuitBreaker {
    pub enable: bool,
    pub rollback: bool,
}

/// `deploymentConfiguration` with AWS's REPLICA defaults (services §1.1:
/// maximumPercent 200, minimumHealthyPercent 100, breaker off).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeploymentConfig {
    pub maximum_percent: i64,
    pub minimum_healthy_percent: i64,
    pub circuit_breaker: CircuitBreaker,
}

impl Default for DeploymentConfig {
    fn default() -> Self {
        DeploymentConfig {
            maximum_percent: 200,
            minimum_healthy_percent: 100,
            circuit_breaker: CircuitBreaker::default(),
        }
    }
}

/// `networkConfiguration.awsvpcConfiguration` as the service shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceNetwork {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    /// `ENABLED` or `DISABLED`.
    pub assign_public_ip: String,
}

impl ServiceNetwork {
    fn of(c: &AwsVpcConfig) -> Self {
        ServiceNetwork {
            subnets: c.subnets.clone(),
            security_groups: c.security_groups.clone(),
            assign_public_ip: c
                .assign_public_ip
                .clone()
                .unwrap_or_else(|| "DISABLED".into()),
        }
    }
    pub fn config(&self) -> AwsVpcConfig {
        AwsVpcConfig {
            subnets: self.subnets.clone(),
            security_groups: self.security_groups.clone(),
            assign_public_ip: Some(self.assign_public_ip.clone()),
        }
    }
}

/// One deployment: what its tasks are launched from, and its rollout.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    /// `ecs-svc/` and 19 digits (services §1.2); the tasks' `startedBy`.
    pub id: String,
    /// `PRIMARY` (the newest) or `ACTIVE` (still has tasks, being replaced).
    pub status: String,
    /// `family:revision`.
    pub task_definition: String,
    pub launch_type: Option<String>,
    pub capacity_provider_strategy: Vec<(String, i64, i64)>,
    /// As requested (`LATEST` when not given): what launches pass on.
    pub platform_version: String,
    /// Resolved (N7): what DescribeServices shows for the deployment.
    pub resolved_platform_version: String,
    pub platform_family: String,
    pub network: Option<ServiceNetwork>,
    pub enable_execute_command: bool,
    /// `IN_PROGRESS`, `COMPLETED` or `FAILED`.
    pub rollout_state: String,
    pub rollout_state_reason: String,
    pub created_at: Millis,
    pub updated_at: Millis,
    /// Failed tasks stopped before this time no longer count toward the
    /// circuit breaker (reset when a task after them became healthy).
    pub failures_from: Millis,
    /// E15 was posted for this deployment.
    pub blocked_posted: bool,
}

/// `events[]`: `{id, createdAt, message}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceEvent {
    pub id: String,
    pub created_at: Millis,
    pub message: String,
}

/// An ECS service. Its id is `cluster/name`: an INACTIVE service's record is
/// replaced when the name is used again (services §1.1).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Service {
    pub region: String,
    pub cluster: String,
    pub name: String,
    /// `ACTIVE`, `DRAINING` (deleted, tasks stopping) or `INACTIVE`.
    pub status: String,
    pub desired_count: i64,
    pub load_balancers: Vec<ServiceLoadBalancer>,
    pub deployment_config: DeploymentConfig,
    /// `None` unless given or the service has load balancers (then 0).
    pub health_check_grace_period: Option<i64>,
    pub tags: Vec<EcsTag>,
    pub enable_ecs_managed_tags: bool,
    /// `NONE`, `SERVICE` or `TASK_DEFINITION`.
    pub propagate_tags: String,
    pub availability_zone_rebalancing: String,
    pub created_at: Millis,
    /// The principal that created the service; its launches act as it (N13).
    pub created_by: String,
    pub client_token: Option<String>,
    /// The PRIMARY first, then ACTIVE ones, newest first.
    pub deployments: Vec<Deployment>,
    /// Newest first, at most `MAX_EVENTS`.
    pub events: Vec<ServiceEvent>,
    /// The deployment whose rollout last completed: what the circuit
    /// breaker rolls back to.
    pub last_completed: Option<Deployment>,
    /// The service is in steady state (E3 posted for this episode).
    pub steady: bool,
    pub last_steady_event: Option<Millis>,
    /// When the failures of the throttle episode for which E12 was posted began.
    pub throttle_posted: Option<Millis>,
    /// Tasks whose addresses are registered, each with the groups it was
    /// registered in (N51): after an UpdateService that changes the load
    /// balancers, older tasks stay in (and drain from) their old groups.
    pub registered: Vec<Registration>,
    #[serde(skip)]
    pub key: String,
}

impl Service {
    pub fn key_of(cluster: &str, name: &str) -> String {
        format!("{cluster}/{name}")
    }
    pub fn arn(&self, account: &str) -> String {
        service_arn(&self.region, account, &self.cluster, &self.name)
    }
    pub fn primary(&self) -> Option<&Deployment> {
        self.deployments.first()
    }
    /// The task group of the service's tasks (services §1.3).
    pub fn group(&self) -> String {
        format!("service:{}", self.name)
    }
    /// Post an event (newest first, bounded).
    pub(crate) fn post(&mut self, rng: &mut fastrand::Rng, at: Millis, message: String) {
        self.events.insert(
            0,
            ServiceEvent {
                id: crate::ids::uuid(rng),
                created_at: at,
                message,
            },
        );
        self.events.truncate(MAX_EVENTS);
    }
}

pub fn service_arn(region: &str, account: &str, cluster: &str, name: &str) -> String {
    format!("arn:aws:ecs:{region}:{account}:service/{cluster}/{name}")
}

/// A service given by name or ARN (long `service/cluster/name` or short
/// `service/name` form) → its name.
pub fn service_name(reference: &str) -> &str {
    match reference.split_once(":service/") {
        Some((_, path)) => path.rsplit('/').next().unwrap_or(path),
        None => reference,
    }
}

impl crate::codec::Versioned for Service {}

impl Record for Service {
    const KIND: &'static str = "ecs-service";
    fn id(&self) -> &str {
        &self.key
    }
    fn region(&self) -> &str {
        &self.region
    }
    fn after_load(&mut self) {
        self.key = Service::key_of(&self.cluster, &self.name);
    }
    /// A steady or deleted service may keep this version for hours.
    fn lasting(&self) -> bool {
        self.steady || self.status == "INACTIVE"
    }
}

/// `loadBalancers[]` as given.
#[derive(Clone, Debug, Default)]
pub struct LoadBalancerSpec {
    pub target_group_arn: Option<String>,
    pub load_balancer_name: Option<String>,
    pub container_name: Option<String>,
    pub container_port: Option<i64>,
}

/// `deploymentConfiguration` as given.
#[derive(Clone, Debug, Default)]
pub struct DeploymentConfigSpec {
    pub maximum_percent: Option<i64>,
    pub minimum_healthy_percent: Option<i64>,
    /// (enable, rollback)
    pub circuit_breaker: Option<(bool, bool)>,
}

#[derive(Clone, Debug, Default)]
pub struct CreateService {
    pub cluster: Option<String>,
    pub service_name: Option<String>,
    pub task_definition: Option<String>,
    pub desired_count: Option<i64>,
    pub launch_type: Option<String>,
    pub capacity_provider_strategy: Vec<(String, i64, i64)>,
    pub platform_version: Option<String>,
    pub network: Option<AwsVpcConfig>,
    pub load_balancers: Vec<LoadBalancerSpec>,
    pub role: Option<String>,
    pub deployment_configuration: Option<DeploymentConfigSpec>,
    pub health_check_grace_period: Option<i64>,
    pub scheduling_strategy: Option<String>,
    pub deployment_controller: Option<String>,
    pub tags: Vec<EcsTag>,
    pub enable_ecs_managed_tags: bool,
    pub propagate_tags: Option<String>,
    pub enable_execute_command: bool,
    pub availability_zone_rebalancing: Option<String>,
    pub client_token: Option<String>,
    pub principal: String,
}

#[derive(Clone, Debug, Default)]
pub struct UpdateService {
    pub cluster: Option<String>,
    pub service: String,
    pub desired_count: Option<i64>,
    pub task_definition: Option<String>,
    pub capacity_provider_strategy: Option<Vec<(String, i64, i64)>>,
    pub deployment_configuration: Option<DeploymentConfigSpec>,
    pub network: Option<AwsVpcConfig>,
    pub platform_version: Option<String>,
    pub force_new_deployment: bool,
    pub health_check_grace_period: Option<i64>,
    pub deployment_controller: Option<String>,
    pub enable_execute_command: Option<bool>,
    pub enable_ecs_managed_tags: Option<bool>,
    pub load_balancers: Option<Vec<LoadBalancerSpec>>,
    pub propagate_tags: Option<String>,
    pub availability_zone_rebalancing: Option<String>,
    pub principal: String,
}

#[derive(Clone, Debug, Default)]
pub struct ListServices {
    pub cluster: Option<String>,
    pub launch_type: Option<String>,
    pub scheduling_strategy: Option<String>,
}

/// The ARN of the ECS service-linked role awsvpc services use (services §1.1).
pub fn service_role_arn(account: &str) -> String {
    format!("arn:aws:iam::{account}:role/aws-service-role/ecs.amazonaws.com/{ECS_SLR}")
}

fn not_found() -> ApiError {
    err::service_not_found()
}

/// services §1.5: the trailing period is not confirmed by a capture.
fn not_active() -> ApiError {
    ApiError::new("ServiceNotActiveException", "Service was not ACTIVE.")
}

/// A new deployment id: `ecs-svc/` and 19 digits, leading zeros kept.
pub(crate) fn deployment_id(rng: &mut fastrand::Rng) -> String {
    format!("ecs-svc/{:019}", rng.u64(..) % 10_000_000_000_000_000_000)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 255
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn check_propagate(v: &str) -> Result<()> {
    if matches!(v, "NONE" | "SERVICE" | "TASK_DEFINITION") {
        Ok(())
    } else {
        // The include pattern of the ECS frontend (chosen).
        Err(err::invalid_parameter(
            "propagateTags should be one of [TASK_DEFINITION,SERVICE,NONE]",
        ))
    }
}

/// maximumPercent / minimumHealthyPercent (chosen texts: none captured).
fn deployment_config(
    base: DeploymentConfig,
    spec: Option<&DeploymentConfigSpec>,
) -> Result<DeploymentConfig> {
    let Some(s) = spec else {
        return Ok(base);
    };
    let mut c = base;
    if let Some(m) = s.maximum_percent {
        c.maximum_percent = m;
    }
    if let Some(m) = s.minimum_healthy_percent {
        c.minimum_healthy_percent = m;
    }
    if let Some((enable, rollback)) = s.circuit_breaker {
        c.circuit_breaker = CircuitBreaker { enable, rollback };
    }
    if c.minimum_healthy_percent < 0 || c.minimum_healthy_percent > 100 {
        return Err(err::invalid_parameter(
            "minimumHealthyPercent must be between 0 and 100.",
        ));
    }
    if c.maximum_percent < 100 || c.maximum_percent > 200 {
        return Err(err::invalid_parameter(
            "maximumPercent must be between 100 and 200.",
        ));
    }
    Ok(c)
}

impl World {
    /// CreateService (N3–N8, N50, N52).
    pub fn create_service(
        &mut self,
        region: &str,
        req: CreateService,
        now: Millis,
    ) -> Result<String> {
        let slr = self.roles.contains(ECS_SLR);
        self.region_mut(region)?.create_service(req, slr, now)
    }

    /// UpdateService (N3–N8, N50, N52, N53).
    pub fn update_service(
        &mut self,
        region: &str,
        req: UpdateService,
        now: Millis,
    ) -> Result<String> {
        let slr = self.roles.contains(ECS_SLR);
        self.region_mut(region)?.update_service(req, slr, now)
    }
}

/// What a launch configuration resolves to, checked.
struct Launchable {
    resolved_version: String,
    platform_family: String,
    ipv6_only: bool,
}

impl Region {
    /// A service of `cluster` (a name or ARN) by name or ARN, in any status.
    pub fn find_service(&self, cluster: &str, reference: &str) -> Option<&Service> {
        let c = super::cluster::cluster_name(cluster);
        self.ecs
            .services
            .get(&Service::key_of(c, service_name(reference)))
    }

    pub fn service_arn(&self, cluster: &str, name: &str) -> String {
        service_arn(self.info.name, &self.account_id, cluster, name)
    }

    /// The task definition a service names: `family:revision`, an ARN, or a
    /// family (its latest ACTIVE revision). ClientException texts of
    /// docs/reference/ecs-error-texts.md §2 and §4.
    fn service_task_definition(&self, reference: &str) -> Result<TaskDefinition> {
        let td = self
            .find_task_definition(reference)
            .cloned()
            .ok_or_else(|| err::client("TaskDefinition not found."))?;
        if td.status != "ACTIVE" {
            return Err(err::client("TaskDefinition is inactive"));
        }
        Ok(td)
    }

    /// RunTask's checks for a service's launch configuration (N3–N8, N7,
    /// N14, N15), with RunTask's texts. `None` for EC2 capacity.
    #[allow(clippy::too_many_arguments)]
    fn check_launch(
        &self,
        cluster: &Cluster,
        td: TaskDefinition,
        launch_type: Option<&String>,
        strategy: &[(String, i64, i64)],
        platform_version: &str,
        network: Option<&AwsVpcConfig>,
        exec: bool,
        slr: bool,
    ) -> Result<Option<Launchable>> {
        let req = RunTask {
            cluster: Some(cluster.name.clone()),
            task_definition: td.key.clone(),
            launch_type: launch_type.cloned(),
            capacity_provider_strategy: strategy.to_vec(),
            platform_version: Some(platform_version.to_string()),
            network: network.cloned(),
            enable_execute_command: exec,
            ..Default::default()
        };
        let windows = td.is_windows();
        let family = if windows {
            td.os_family.clone()
        } else {
            "Linux".to_string()
        };
        Ok(self.prepare(cluster, &req, td, slr)?.map(|p| Launchable {
            resolved_version: p.version.to_string(),
            platform_family: family,
            ipv6_only: p.ipv6_only,
        }))
    }

    /// N50, N52 and the container checks of services §1.5, in the order of
    /// services §7.2: target group, its type, its load balancer, the
    /// container, the port.
    fn check_load_balancers(
        &self,
        specs: &[LoadBalancerSpec],
        td: &TaskDefinition,
        ipv6_only: bool,
    ) -> Result<Vec<ServiceLoadBalancer>> {
        let mut out = Vec::new();
        for s in specs {
            if s.load_balancer_name.is_some() && s.target_group_arn.is_some() {
                return Err(err::invalid_parameter(
                    "loadBalancerName and targetGroupArn cannot both be specified. You must specify either a load BalancerName or a targetGroupArn.",
                ));
            }
            if s.load_balancer_name.is_some() {
                // N50 (chosen).
                return Err(err::invalid_parameter(
                    "Classic Load Balancers are not supported for tasks using the awsvpc network mode.",
                ));
            }
            let Some(container) = s.container_name.clone().filter(|c| !c.is_empty()) else {
                return Err(err::invalid_parameter("Container Name can not be blank."));
            };
            let Some(arn) = s.target_group_arn.clone() else {
                return Err(err::invalid_parameter(
                    "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.",
                ));
            };
            // An unknown group: ECS cannot validate it with its role (services §1.5).
            let tg = self.target_group(&arn).map_err(|_| {
                err::invalid_parameter(
                    "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.",
                )
            })?;
            // N50
            if tg.target_type != "ip" {
                return Err(err::invalid_parameter(format!(
                    "The provided target group {arn} has target type {}, which is incompatible with the awsvpc network mode specified in the task definition.",
                    tg.target_type
                )));
            }
            if self.target_group_load_balancers(&arn).is_empty() {
                return Err(err::invalid_parameter(format!(
                    "The target group with targetGroupArn {arn} does not have an associated load balancer."
                )));
            }
            // N52 (chosen): an IPv6-only task has no IPv4 address to register.
            if ipv6_only && tg.ip_address_type.as_deref() != Some("ipv6") {
                return Err(err::invalid_parameter(format!(
                    "The target group {arn} has IP address type ipv4, which is incompatible with the IPv6-only subnets of this service. Use a target group of IP address type ipv6 with a dual-stack load balancer."
                )));
            }
            let Some(c) = td.containers.iter().find(|c| c.name == container) else {
                return Err(err::invalid_parameter(format!(
                    "The container {container} does not exist in the task definition."
                )));
            };
            let port = s.container_port.unwrap_or(0);
            if !c.ports.iter().any(|(p, _)| *p == port) {
                return Err(err::invalid_parameter(format!(
                    "The container {container} did not have a container port {port} defined."
                )));
            }
            out.push(ServiceLoadBalancer {
                target_group_arn: arn,
                container_name: container,
                container_port: port as i32,
            });
        }
        Ok(out)
    }

    fn create_service(&mut self, req: CreateService, slr: bool, now: Millis) -> Result<String> {
        let cluster = self
            .active_cluster(req.cluster.as_deref().unwrap_or("default"))?
            .clone();
        let name = req
            .service_name
            .clone()
            .ok_or_else(|| err::invalid_parameter("serviceName can not be blank."))?;
        if !valid_name(&name) {
            // The cluster name pattern's text (docs/reference/ecs-error-texts.md §3) for services (chosen).
            return Err(err::invalid_parameter(format!(
                "Service name must match ^[a-zA-Z0-9\\-_]{{1,255}}$, but was {name}"
            )));
        }
        let key = Service::key_of(&cluster.name, &name);
        if let Some(existing) = self.ecs.services.get(&key) {
            if existing.status != "INACTIVE" {
                if req.client_token.is_some() && existing.client_token == req.client_token {
                    return Ok(key);
                }
                return Err(err::invalid_parameter(
                    "Creation of service was not idempotent.",
                ));
            }
        }
        if let Some(tok) = &req.client_token {
            if tok.len() > 36 {
                return Err(err::invalid_parameter(
                    "clientToken can have at most 36 characters.",
                ));
            }
        }
        match req.scheduling_strategy.as_deref().unwrap_or("REPLICA") {
            "REPLICA" => {}
            // Fargate supports only REPLICA (services §1.1; chosen text).
            "DAEMON" => {
                return Err(err::invalid_parameter(
                    "The DAEMON scheduling strategy is not supported for services using Fargate.",
                ))
            }
            other => {
                return Err(err::invalid_parameter(format!(
                    "schedulingStrategy should be one of [REPLICA,DAEMON], but was {other}"
                )))
            }
        }
        check_controller(req.deployment_controller.as_deref())?;
        let td_ref = req
            .task_definition
            .clone()
            .ok_or_else(|| err::invalid_parameter("taskDefinition can not be blank."))?;
        let td = self.service_task_definition(&td_ref)?;
        let desired = req
            .desired_count
            .ok_or_else(|| err::invalid_parameter("desiredCount can not be blank."))?;
        check_desired(desired)?;
        if req.role.is_some() && td.network_mode == "awsvpc" {
            return Err(err::invalid_parameter(
                "You cannot specify an IAM role for services that require a service linked role.",
            ));
        }
        let config = deployment_config(
            DeploymentConfig::default(),
            req.deployment_configuration.as_ref(),
        )?;
        check_grace(
            req.health_check_grace_period,
            !req.load_balancers.is_empty(),
        )?;
        let propagate = req.propagate_tags.clone().unwrap_or_else(|| "NONE".into());
        check_propagate(&propagate)?;
        check_tags(&req.tags)?;
        let platform_version = req
            .platform_version
            .clone()
            .unwrap_or_else(|| "LATEST".into());
        let launch = self.check_launch(
            &cluster,
            td.clone(),
            req.launch_type.as_ref(),
            &req.capacity_provider_strategy,
            &platform_version,
            req.network.as_ref(),
            req.enable_execute_command,
            slr,
        )?;
        let ipv6_only = launch.as_ref().is_some_and(|l| l.ipv6_only);
        let load_balancers = self.check_load_balancers(&req.load_balancers, &td, ipv6_only)?;
        let resolved = launch
            .as_ref()
            .map(|l| l.resolved_version.clone())
            .unwrap_or_else(|| platform_version.clone());
        let family = launch
            .as_ref()
            .map(|l| l.platform_family.clone())
            .unwrap_or_else(|| "Linux".into());
        let id = deployment_id(&mut self.rng);
        let deployment = Deployment {
            rollout_state: "IN_PROGRESS".into(),
            rollout_state_reason: format!("ECS deployment {id} in progress."),
            id,
            status: "PRIMARY".into(),
            task_definition: td.key.clone(),
            launch_type: req.launch_type.clone(),
            capacity_provider_strategy: req.capacity_provider_strategy.clone(),
            platform_version,
            resolved_platform_version: resolved,
            platform_family: family,
            network: req.network.as_ref().map(ServiceNetwork::of),
            enable_execute_command: req.enable_execute_command,
            created_at: now,
            updated_at: now,
            failures_from: now,
            blocked_posted: false,
        };
        let grace = match (req.health_check_grace_period, load_balancers.is_empty()) {
            (Some(g), _) => Some(g),
            // services §1.1: 0 for a load-balanced service, else absent.
            (None, false) => Some(0),
            (None, true) => None,
        };
        let svc = Service {
            region: self.info.name.to_string(),
            cluster: cluster.name.clone(),
            name,
            status: "ACTIVE".into(),
            desired_count: desired,
            load_balancers,
            deployment_config: config,
            health_check_grace_period: grace,
            tags: req.tags,
            enable_ecs_managed_tags: req.enable_ecs_managed_tags,
            propagate_tags: propagate,
            availability_zone_rebalancing: req
                .availability_zone_rebalancing
                .unwrap_or_else(|| "ENABLED".into()),
            created_at: now,
            created_by: req.principal,
            client_token: req.client_token,
            deployments: vec![deployment],
            events: Vec::new(),
            last_completed: None,
            steady: false,
            last_steady_event: None,
            throttle_posted: None,
            registered: Vec::new(),
            key: key.clone(),
        };
        // A name used again replaces its INACTIVE record; its old tasks are
        // no longer the new service's.
        self.ecs.forget_service_tasks(&key);
        self.ecs.services.insert(svc);
        self.ecs.wake_service(&key, now);
        Ok(key)
    }

    fn update_service(&mut self, req: UpdateService, slr: bool, now: Millis) -> Result<String> {
        let cluster = self
            .active_cluster(req.cluster.as_deref().unwrap_or("default"))?
            .clone();
        let key = Service::key_of(&cluster.name, service_name(&req.service));
        let svc = self.ecs.services.get(&key).cloned().ok_or_else(not_found)?;
        if svc.status != "ACTIVE" {
            return Err(not_active());
        }
        check_controller(req.deployment_controller.as_deref())?;
        let Some(primary) = svc.primary().cloned() else {
            return Err(not_found());
        };
        if let Some(d) = req.desired_count {
            check_desired(d)?;
        }
        let config =
            deployment_config(svc.deployment_config, req.deployment_configuration.as_ref())?;
        // The new launch configuration: what is given, else the primary's.
        let td = match &req.task_definition {
            Some(r) => self.service_task_definition(r)?,
            None => self
                .ecs
                .task_definitions
                .get(&primary.task_definition)
                .cloned()
                .ok_or_else(|| err::client("TaskDefinition not found."))?,
        };
        let network = match &req.network {
            Some(n) => Some(ServiceNetwork::of(n)),
            None => primary.network.clone(),
        };
        let platform_version = req
            .platform_version
            .clone()
            .unwrap_or_else(|| primary.platform_version.clone());
        let (launch_type, strategy) = match &req.capacity_provider_strategy {
            Some(s) if !s.is_empty() => (None, s.clone()),
            _ => (
                primary.launch_type.clone(),
                primary.capacity_provider_strategy.clone(),
            ),
        };
        let exec = req
            .enable_execute_command
            .unwrap_or(primary.enable_execute_command);
        let specs = req.load_balancers.clone();
        let has_lbs = match &specs {
            Some(s) => !s.is_empty(),
            None => !svc.load_balancers.is_empty(),
        };
        check_grace(req.health_check_grace_period, has_lbs)?;
        if let Some(p) = &req.propagate_tags {
            check_propagate(p)?;
        }
        let launch = self.check_launch(
            &cluster,
            td.clone(),
            launch_type.as_ref(),
            &strategy,
            &platform_version,
            network.as_ref().map(ServiceNetwork::config).as_ref(),
            exec,
            slr,
        )?;
        let ipv6_only = launch.as_ref().is_some_and(|l| l.ipv6_only);
        let lb_specs: Vec<LoadBalancerSpec> = match specs {
            Some(s) => s,
            None => svc
                .load_balancers
                .iter()
                .map(|l| LoadBalancerSpec {
                    target_group_arn: Some(l.target_group_arn.clone()),
                    load_balancer_name: None,
                    container_name: Some(l.container_name.clone()),
                    container_port: Some(l.container_port as i64),
                })
                .collect(),
        };
        // N52/N53: the groups must suit the (new) subnets.
        let load_balancers = self.check_load_balancers(&lb_specs, &td, ipv6_only)?;
        // Anything that changes what tasks are launched from starts a new
        // deployment (services §1.1); desiredCount alone does not.
        let new_deployment = req.force_new_deployment
            || td.key != primary.task_definition
            || network != primary.network
            || platform_version != primary.platform_version
            || launch_type != primary.launch_type
            || strategy != primary.capacity_provider_strategy
            || exec != primary.enable_execute_command
            || load_balancers != svc.load_balancers;
        let rng_id = new_deployment.then(|| deployment_id(&mut self.rng));
        let Some(s) = self.ecs.services.get_mut(&key) else {
            return Err(not_found());
        };
        if let Some(d) = req.desired_count {
            if d != s.desired_count {
                s.steady = false;
            }
            s.desired_count = d;
        }
        s.deployment_config = config;
        if let Some(g) = req.health_check_grace_period {
            s.health_check_grace_period = Some(g);
        } else if has_lbs && s.health_check_grace_period.is_none() {
            s.health_check_grace_period = Some(0);
        }
        if let Some(m) = req.enable_ecs_managed_tags {
            s.enable_ecs_managed_tags = m;
        }
        if let Some(p) = req.propagate_tags {
            s.propagate_tags = p;
        }
        if let Some(z) = req.availability_zone_rebalancing {
            s.availability_zone_rebalancing = z;
        }
        s.load_balancers = load_balancers;
        if let Some(id) = rng_id {
            for d in &mut s.deployments {
                d.status = "ACTIVE".into();
            }
            let resolved = launch
                .as_ref()
                .map(|l| l.resolved_version.clone())
                .unwrap_or_else(|| platform_version.clone());
            let family = launch
                .as_ref()
                .map(|l| l.platform_family.clone())
                .unwrap_or_else(|| "Linux".into());
            s.deployments.insert(
                0,
                Deployment {
                    rollout_state: "IN_PROGRESS".into(),
                    rollout_state_reason: format!("ECS deployment {id} in progress."),
                    id,
                    status: "PRIMARY".into(),
                    task_definition: td.key.clone(),
                    launch_type,
                    capacity_provider_strategy: strategy,
                    platform_version,
                    resolved_platform_version: resolved,
                    platform_family: family,
                    network,
                    enable_execute_command: exec,
                    created_at: now,
                    updated_at: now,
                    failures_from: now,
                    blocked_posted: false,
                },
            );
            s.steady = false;
        }
        self.ecs.wake_service(&key, now);
        Ok(key)
    }

    /// DeleteService: DRAINING (its tasks are stopped), then INACTIVE once
    /// they are all stopping (services §1.1).
    pub fn delete_service(
        &mut self,
        cluster: &str,
        service: &str,
        force: bool,
        now: Millis,
    ) -> Result<String> {
        let cluster = self.active_cluster(cluster)?.name.clone();
        let key = Service::key_of(&cluster, service_name(service));
        let s = self.ecs.services.get(&key).ok_or_else(not_found)?;
        match s.status.as_str() {
            "ACTIVE" => {}
            "DRAINING" => return Ok(key),
            _ => return Err(not_found()),
        }
        if s.desired_count > 0 && !force {
            return Err(err::invalid_parameter(
                "The service cannot be stopped while it is scaled above 0.",
            ));
        }
        if let Some(s) = self.ecs.services.get_mut(&key) {
            s.status = "DRAINING".into();
            s.desired_count = 0;
            s.steady = false;
        }
        self.ecs.wake_service(&key, now);
        Ok(key)
    }

    /// ListServices: ACTIVE services of a cluster, in creation order.
    pub fn list_services(&self, q: &ListServices) -> Result<Vec<String>> {
        let cluster = self
            .active_cluster(q.cluster.as_deref().unwrap_or("default"))?
            .name
            .clone();
        if let Some(l) = &q.launch_type {
            if !matches!(
                l.as_str(),
                "EC2" | "FARGATE" | "EXTERNAL" | "MANAGED_INSTANCES"
            ) {
                return Err(err::invalid_parameter(format!(
                    "launchType should be one of [EC2,FARGATE,EXTERNAL,MANAGED_INSTANCES], but was {l}"
                )));
            }
        }
        Ok(self
            .ecs
            .services
            .iter()
            .filter(|s| s.cluster == cluster && s.status == "ACTIVE")
            .filter(|s| {
                q.launch_type.as_ref().is_none_or(|l| {
                    let lt = s
                        .primary()
                        .and_then(|d| d.launch_type.clone())
                        .unwrap_or_else(|| "FARGATE".into());
                    lt == *l
                })
            })
            .filter(|_| {
                q.scheduling_strategy
                    .as_ref()
                    .is_none_or(|x| x == "REPLICA")
            })
            .map(|s| s.arn(&self.account_id))
            .collect())
    }

    /// A cluster's `activeServicesCount`: its ACTIVE services.
    pub fn cluster_service_count(&self, cluster: &str) -> usize {
        self.ecs
            .services
            .iter()
            .filter(|s| s.cluster == cluster && s.status == "ACTIVE")
            .count()
    }

    /// Whether a cluster has services that are not INACTIVE (DeleteCluster
    /// refuses it).
    pub fn cluster_has_services(&self, cluster: &str) -> bool {
        self.ecs
            .services
            .iter()
            .any(|s| s.cluster == cluster && s.status != "INACTIVE")
    }

    /// The service's tasks, by id, that are still in the table.
    pub fn service_tasks(&self, s: &Service) -> Vec<&Task> {
        self.ecs
            .service_tasks
            .get(&s.key)
            .map(|ids| ids.iter().filter_map(|id| self.ecs.tasks.get(id)).collect())
            .unwrap_or_default()
    }

    /// (running, pending) tasks of a deployment (`None`: of the service):
    /// running = RUNNING and meant to run; pending = PROVISIONING, PENDING
    /// or ACTIVATING and meant to run.
    pub fn service_counts(&self, s: &Service, deployment: Option<&str>) -> (i64, i64) {
        let mut running = 0;
        let mut pending = 0;
        for t in self.service_tasks(s) {
            if deployment.is_some_and(|d| t.started_by.as_deref() != Some(d)) {
                continue;
            }
            if t.desired_status != "RUNNING" {
                continue;
            }
            match t.last_status {
                TaskStatus::Running => running += 1,
                TaskStatus::Provisioning | TaskStatus::Pending | TaskStatus::Activating => {
                    pending += 1
                }
                _ => {}
            }
        }
        (running, pending)
    }

    /// What DescribeServices shows as a deployment's `desiredCount`: the
    /// service's for the PRIMARY, the tasks still meant to run for an
    /// ACTIVE one (being driven down to 0).
    pub fn deployment_desired(&self, s: &Service, d: &Deployment) -> i64 {
        if d.status == "PRIMARY" {
            return s.desired_count;
        }
        self.service_tasks(s)
            .iter()
            .filter(|t| t.started_by.as_deref() == Some(&d.id) && t.desired_status == "RUNNING")
            .count() as i64
    }

    /// `failedTasks` of a deployment (see `scheduler::failed_tasks`).
    pub fn deployment_failed_tasks(&self, s: &Service, d: &Deployment) -> i64 {
        let tasks = self.service_tasks(s);
        super::scheduler::failed_tasks(&tasks, d) as i64
    }
}

fn check_controller(c: Option<&str>) -> Result<()> {
    match c {
        None | Some("ECS") => Ok(()),
        Some("CODE_DEPLOY") | Some("EXTERNAL") => Err(ApiError::new(
            "UnsupportedFeatureException",
            "tasknet implements only the ECS deployment controller.",
        )),
        Some(other) => Err(err::invalid_parameter(format!(
            "deploymentController.type should be one of [ECS,CODE_DEPLOY,EXTERNAL], but was {other}"
        ))),
    }
}

/// services §9 #2: no AWS text for a negative count was found (chosen).
fn check_desired(d: i64) -> Result<()> {
    if d < 0 {
        return Err(err::invalid_parameter(
            "desiredCount must be greater than or equal to 0.",
        ));
    }
    Ok(())
}

fn check_grace(grace: Option<i64>, has_lbs: bool) -> Result<()> {
    let Some(g) = grace else {
        return Ok(());
    };
    if !has_lbs {
        // services §1.5 (no trailing period in the capture).
        return Err(err::invalid_parameter(
            "Health check grace period is only valid for services configured to use load balancers",
        ));
    }
    if !(0..=2_147_483_647).contains(&g) {
        return Err(err::invalid_parameter(
            "healthCheckGracePeriodSeconds must be greater than or equal to 0.",
        ));
    }
    Ok(())
}
