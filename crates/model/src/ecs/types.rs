//! ECS resources as tasknet stores them.

pub use super::shapes::{ClusterConfiguration, TaskDefinitionSpec, TaskOverride};
use crate::table::Record;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// ECS tags use lower-case `key`/`value` on the wire (botocore `Tag`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "Tag", default)]
pub struct EcsTag {
    pub key: String,
    pub value: String,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Cluster {
    pub name: String,
    pub region: String,
    /// `ACTIVE` or `INACTIVE` (deleted; still describable).
    pub status: String,
    pub settings: Vec<(String, String)>,
    pub capacity_providers: Vec<String>,
    /// (capacity provider, weight, base)
    pub default_strategy: Vec<(String, i64, i64)>,
    pub tags: Vec<EcsTag>,
    pub created: Millis,
    /// `configuration` as given (execute command, managed storage).
    #[serde(with = "crate::codec::typed_json_text")]
    pub configuration: Option<ClusterConfiguration>,
    /// `serviceConnectDefaults.namespace` as given, a name or an ARN (shown
    /// as an ARN: `cluster::namespace_arn`).
    pub service_connect_namespace: Option<String>,
}

/// Version 2 added `configuration` and `service_connect_namespace`
/// (UpdateCluster); version 1 is `legacy::ClusterV1`.
impl crate::codec::Versioned for Cluster {
    const VERSION: u32 = 2;
    fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
        match version {
            1 => Ok(crate::codec::decode::<super::legacy::ClusterV1>(body)?.upgrade()),
            v => Err(format!("ecs-cluster format version {v} is unknown")),
        }
    }
}

impl Record for Cluster {
    const KIND: &'static str = "ecs-cluster";
    fn id(&self) -> &str {
        &self.name
    }
    fn region(&self) -> &str {
        &self.region
    }
}

/// A container definition, reduced to what the rules and the task need.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ContainerSpec {
    pub name: String,
    pub image: String,
    pub cpu: Option<i64>,
    pub memory: Option<i64>,
    pub memory_reservation: Option<i64>,
    pub essential: bool,
    /// (containerPort, protocol)
    pub ports: Vec<(i64, String)>,
    /// `valueFrom` of each secret (Secrets Manager or SSM ARNs / names).
    pub secrets: Vec<String>,
    pub log_driver: Option<String>,
    pub log_options: Vec<(String, String)>,
    /// `repositoryCredentials.credentialsParameter` (private registry auth).
    pub repository_credentials: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TaskDefinition {
    pub family: String,
    pub revision: u32,
    pub region: String,
    /// `ACTIVE`, `INACTIVE` (deregistered) or `DELETE_IN_PROGRESS`.
    pub status: String,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    /// Normalised task-level cpu/memory (`"1024"`, `"2048"`).
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    /// `LINUX` or a `WINDOWS_SERVER_*` family.
    pub os_family: String,
    pub cpu_architecture: String,
    pub containers: Vec<ContainerSpec>,
    pub efs_volumes: bool,
    pub ephemeral_storage: Option<i64>,
    /// The definition as registered, typed, with AWS's defaults: what
    /// DescribeTaskDefinition shows, minus the bookkeeping fields added at
    /// describe time. Shared so that launches can copy a definition cheaply.
    #[serde(with = "crate::codec::typed_json_text")]
    pub spec: std::sync::Arc<TaskDefinitionSpec>,
    pub registered_at: Millis,
    pub deregistered_at: Option<Millis>,
    pub tags: Vec<EcsTag>,
    #[serde(skip)]
    pub key: String,
}

impl TaskDefinition {
    pub fn key_of(family: &str, revision: u32) -> String {
        format!("{family}:{revision}")
    }
    pub fn arn(&self, account: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{account}:task-definition/{}:{}",
            self.region, self.family, self.revision
        )
    }
    pub fn is_windows(&self) -> bool {
        self.os_family.starts_with("WINDOWS")
    }
    pub fn fargate_compatible(&self) -> bool {
        self.network_mode == "awsvpc"
    }
}

/// Version 2: the registered definition is typed (`spec`); version 1 kept
/// the client's JSON as given (`body`), see `legacy`.
impl crate::codec::Versioned for TaskDefinition {
    const VERSION: u32 = 2;
    fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
        match version {
            1 => Ok(super::legacy::TaskDefinitionV1::decode(body)?.upgrade()),
            v => Err(format!("ecs-taskdef format version {v} is unknown")),
        }
    }
}

impl Record for TaskDefinition {
    const KIND: &'static str = "ecs-taskdef";
    fn id(&self) -> &str {
        &self.key
    }
    fn region(&self) -> &str {
        &self.region
    }
    fn after_load(&mut self) {
        self.key = TaskDefinition::key_of(&self.family, self.revision);
    }
}

/// The task lifecycle of N20, in order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum TaskStatus {
    Provisioning,
    Pending,
    Activating,
    Running,
    Deactivating,
    Stopping,
    Deprovisioning,
    Stopped,
}

impl TaskStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            TaskStatus::Provisioning => "PROVISIONING",
            TaskStatus::Pending => "PENDING",
            TaskStatus::Activating => "ACTIVATING",
            TaskStatus::Running => "RUNNING",
            TaskStatus::Deactivating => "DEACTIVATING",
            TaskStatus::Stopping => "STOPPING",
            TaskStatus::Deprovisioning => "DEPROVISIONING",
            TaskStatus::Stopped => "STOPPED",
        }
    }
}

/// The task's ENI attachment as ECS reports it (N20).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Attachment {
    pub id: String,
    /// `PRECREATED`, `ATTACHED`, `DELETED`.
    pub status: String,
    pub subnet_id: String,
    pub eni_id: Option<String>,
    pub mac: Option<String>,
    pub private_dns_name: Option<String>,
    pub private_ipv4: Option<String>,
    pub ipv6: Option<String>,
    pub public_ipv4: Option<String>,
    /// N16: the task's hostname, decided when its ENI is created.
    pub hostname: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaskContainer {
    pub id: String,
    pub name: String,
    pub image: String,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub memory_reservation: Option<String>,
    pub last_status: String,
    pub runtime_id: Option<String>,
    pub image_digest: Option<String>,
    pub exit_code: Option<i32>,
    pub reason: Option<String>,
}

/// What the task's ENI is configured from, fixed at launch.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaskNetwork {
    pub subnets: Vec<String>,
    pub security_groups: Vec<String>,
    pub assign_public_ip: bool,
    pub subnet_id: String,
    pub vpc_id: String,
    /// N13: the task gets an IPv6 address besides IPv4.
    pub dual_stack: bool,
    /// N14: IPv6-only subnet.
    pub ipv6_only: bool,
    /// N18.
    pub mtu: u32,
    /// N17: the VPC's DHCP options at launch: (name servers, search list).
    pub dns_servers: Vec<String>,
    pub search_list: Vec<String>,
}

/// What RunTask fixes about a task: stored once, in its own row (`ecs-launch`),
/// while the task's changing state is rewritten at every lifecycle step
/// (a launch is about 360 of the 780 bytes a whole task took, saved at each
/// of the task's later writes).
/// `Task` dereferences to it, so `task.cluster` reads through; nothing may
/// change it after launch (there is no `DerefMut`).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct TaskLaunch {
    /// 32 hex digits.
    pub id: String,
    pub region: String,
    pub cluster: String,
    /// `family:revision`.
    pub task_definition: String,
    pub group: String,
    pub started_by: Option<String>,
    /// `FARGATE` (also for FARGATE_SPOT).
    pub launch_type: String,
    /// Set when the task was launched through a capacity provider strategy.
    pub capacity_provider: Option<String>,
    /// Resolved, never `LATEST` (N7).
    pub platform_version: String,
    pub platform_family: String,
    pub cpu: String,
    pub memory: String,
    pub created_at: Millis,
    pub availability_zone: String,
    pub network: TaskNetwork,
    /// RunTask's `overrides`, checked against the task definition.
    #[serde(with = "crate::codec::typed_json_text")]
    pub overrides: TaskOverride,
    pub enable_execute_command: bool,
    pub ephemeral_storage: i64,
    pub client_token: Option<String>,
    /// The principal that launched the task (for account settings, N13).
    pub principal: String,
}

/// Version 2: `overrides` are typed; version 1 kept the client's JSON
/// (see `legacy`).
impl crate::codec::Versioned for TaskLaunch {
    const VERSION: u32 = 2;
    fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
        match version {
            1 => Ok(super::legacy::TaskLaunchV1::decode(body)?.upgrade()),
            v => Err(format!("ecs-launch format version {v} is unknown")),
        }
    }
}

/// A task: its launch (shared, fixed) and its state.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Task {
    /// Persisted in its own row; see `TaskLaunch`.
    #[serde(skip)]
    pub launch: std::sync::Arc<TaskLaunch>,
    pub last_status: TaskStatus,
    pub desired_status: String,
    pub version: u64,
    pub connectivity_at: Option<Millis>,
    pub pull_started_at: Option<Millis>,
    pub pull_stopped_at: Option<Millis>,
    pub started_at: Option<Millis>,
    pub stopping_at: Option<Millis>,
    pub execution_stopped_at: Option<Millis>,
    pub stopped_at: Option<Millis>,
    pub stop_code: Option<String>,
    pub stopped_reason: Option<String>,
    /// When the reconciler acts on this task next.
    pub next_at: Option<Millis>,
    pub attachment: Attachment,
    pub containers: Vec<TaskContainer>,
    pub tags: Vec<EcsTag>,
}

impl std::ops::Deref for Task {
    type Target = TaskLaunch;
    fn deref(&self) -> &TaskLaunch {
        &self.launch
    }
}

impl Task {
    pub fn arn(&self, account: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{account}:task/{}/{}",
            self.region, self.cluster, self.id
        )
    }
    pub fn cluster_arn(&self, account: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{account}:cluster/{}",
            self.region, self.cluster
        )
    }
    pub fn family(&self) -> &str {
        self.task_definition
            .rsplit_once(':')
            .map(|x| x.0)
            .unwrap_or(&self.task_definition)
    }
    pub fn revision(&self) -> &str {
        self.task_definition
            .rsplit_once(':')
            .map(|x| x.1)
            .unwrap_or("1")
    }
}

impl crate::codec::Versioned for Task {}

impl Record for Task {
    const KIND: &'static str = "ecs-task";
    const FIXED_KIND: Option<&'static str> = Some("ecs-launch");
    fn id(&self) -> &str {
        &self.launch.id
    }
    fn region(&self) -> &str {
        &self.launch.region
    }
    fn encode_fixed(&self) -> Option<Vec<u8>> {
        Some(crate::codec::encode_versioned(&*self.launch))
    }
    fn attach_fixed(&mut self, fixed: &[u8]) -> Result<(), String> {
        self.launch = std::sync::Arc::new(crate::codec::decode_versioned(fixed)?);
        Ok(())
    }
    /// A running task may run for days and a stopped one stays describable
    /// for the retention period; every other status lasts one phase.
    fn lasting(&self) -> bool {
        matches!(self.last_status, TaskStatus::Running | TaskStatus::Stopped)
    }
}

/// An ECS account setting for one principal, or the account default.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AccountSetting {
    pub region: String,
    pub name: String,
    pub value: String,
    /// `None` for the account default.
    pub principal: Option<String>,
    #[serde(skip)]
    pub key: String,
}

impl AccountSetting {
    pub fn key_of(name: &str, principal: Option<&str>) -> String {
        format!("{}/{name}", principal.unwrap_or("default"))
    }
}

impl crate::codec::Versioned for AccountSetting {}

impl Record for AccountSetting {
    const KIND: &'static str = "ecs-setting";
    fn id(&self) -> &str {
        &self.key
    }
    fn region(&self) -> &str {
        &self.region
    }
    fn after_load(&mut self) {
        self.key = AccountSetting::key_of(&self.name, self.principal.as_deref());
    }
}
