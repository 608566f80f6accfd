//! Records as release 0.1.0 stored them (format version 1), and their
//! conversion to the current shapes. Version 1 kept what the client sent as
//! free-form JSON: a task definition's `body` and a launch's `overrides`.
//! That JSON is decoded leniently: a member of a wrong type, which that
//! release accepted and echoed, is dropped rather than failing the load.
//! The nested types these structs share with the current ones (`ContainerSpec`,
//! `TaskNetwork`, `EcsTag`, `Millis`) have not changed since; one that does
//! change gets its version-1 copy here.

use super::shapes::{TaskDefinitionSpec, TaskOverride};
use super::types::*;
use crate::json_input::decode_lenient;
use crate::time::Millis;
use serde::{Deserialize, Serialize};

/// `ecs-taskdef` version 1.
#[derive(Serialize, Deserialize)]
pub(crate) struct TaskDefinitionV1 {
    pub family: String,
    pub revision: u32,
    pub region: String,
    pub status: String,
    pub network_mode: String,
    pub requires_compatibilities: Vec<String>,
    pub cpu: Option<String>,
    pub memory: Option<String>,
    pub execution_role_arn: Option<String>,
    pub task_role_arn: Option<String>,
    pub os_family: String,
    pub cpu_architecture: String,
    pub containers: Vec<ContainerSpec>,
    pub efs_volumes: bool,
    pub ephemeral_storage: Option<i64>,
    #[serde(with = "crate::codec::arc_json_text")]
    pub body: std::sync::Arc<serde_json::Value>,
    pub registered_at: Millis,
    pub deregistered_at: Option<Millis>,
    pub tags: Vec<EcsTag>,
}

impl TaskDefinitionV1 {
    pub fn decode(body: &[u8]) -> Result<Self, String> {
        crate::codec::decode(body)
    }

    pub fn upgrade(self) -> TaskDefinition {
        // The body held the definition as that release described it, so the
        // typed spec is that description; only what does not fit is lost.
        let mut spec: TaskDefinitionSpec = decode_lenient(&self.body).unwrap_or_default();
        if spec.family.is_empty() {
            spec.family = self.family.clone();
        }
        TaskDefinition {
            family: self.family,
            revision: self.revision,
            region: self.region,
            status: self.status,
            network_mode: self.network_mode,
            requires_compatibilities: self.requires_compatibilities,
            cpu: self.cpu,
            memory: self.memory,
            execution_role_arn: self.execution_role_arn,
            task_role_arn: self.task_role_arn,
            os_family: self.os_family,
            cpu_architecture: self.cpu_architecture,
            containers: self.containers,
            efs_volumes: self.efs_volumes,
            ephemeral_storage: self.ephemeral_storage,
            spec: std::sync::Arc::new(spec),
            registered_at: self.registered_at,
            deregistered_at: self.deregistered_at,
            tags: self.tags,
            key: String::new(),
        }
    }
}

/// `ecs-launch` version 1.
#[derive(Serialize, Deserialize)]
pub(crate) struct TaskLaunchV1 {
    pub id: String,
    pub region: String,
    pub cluster: String,
    pub task_definition: String,
    pub group: String,
    pub started_by: Option<String>,
    pub launch_type: String,
    pub capacity_provider: Option<String>,
    pub platform_version: String,
    pub platform_family: String,
    pub cpu: String,
    pub memory: String,
    pub created_at: Millis,
    pub availability_zone: String,
    pub network: TaskNetwork,
    #[serde(with = "crate::codec::json_text")]
    pub overrides: serde_json::Value,
    pub enable_execute_command: bool,
    pub ephemeral_storage: i64,
    pub client_token: Option<String>,
    pub principal: String,
}

impl TaskLaunchV1 {
    pub fn decode(body: &[u8]) -> Result<Self, String> {
        crate::codec::decode(body)
    }

    pub fn upgrade(self) -> TaskLaunch {
        TaskLaunch {
            id: self.id,
            region: self.region,
            cluster: self.cluster,
            task_definition: self.task_definition,
            group: self.group,
            started_by: self.started_by,
            launch_type: self.launch_type,
            capacity_provider: self.capacity_provider,
            platform_version: self.platform_version,
            platform_family: self.platform_family,
            cpu: self.cpu,
            memory: self.memory,
            created_at: self.created_at,
            availability_zone: self.availability_zone,
            network: self.network,
            overrides: decode_lenient::<TaskOverride>(&self.overrides).unwrap_or_default(),
            enable_execute_command: self.enable_execute_command,
            ephemeral_storage: self.ephemeral_storage,
            client_token: self.client_token,
            principal: self.principal,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::{decode_versioned, encode_versioned, Versioned};
    use serde_json::json;

    /// Rows as release 0.1.0 wrote them: the version, then the old struct.
    fn v1_row<T: Serialize>(v: &T) -> Vec<u8> {
        let mut out = postcard::to_allocvec(&1u32).unwrap();
        out.extend(postcard::to_allocvec(v).unwrap());
        out
    }

    fn old_definition(body: serde_json::Value) -> TaskDefinitionV1 {
        TaskDefinitionV1 {
            family: "web".into(),
            revision: 3,
            region: "us-east-1".into(),
            status: "ACTIVE".into(),
            network_mode: "awsvpc".into(),
            requires_compatibilities: vec!["FARGATE".into()],
            cpu: Some("256".into()),
            memory: Some("512".into()),
            execution_role_arn: None,
            task_role_arn: None,
            os_family: "LINUX".into(),
            cpu_architecture: "X86_64".into(),
            containers: vec![ContainerSpec {
                name: "web".into(),
                image: "nginx".into(),
                essential: true,
                ..Default::default()
            }],
            efs_volumes: false,
            ephemeral_storage: None,
            body: std::sync::Arc::new(body),
            registered_at: Millis(1_700_000_000_000),
            deregistered_at: None,
            tags: vec![EcsTag {
                key: "k".into(),
                value: "v".into(),
            }],
        }
    }

    #[test]
    fn a_version_1_task_definition_keeps_its_containers_and_loses_only_bad_members() {
        assert_eq!(<TaskDefinition as Versioned>::VERSION, 2);
        let body = json!({
            "family": "web", "networkMode": "awsvpc", "cpu": "256", "memory": "512",
            "compatibilities": ["EC2", "FARGATE"], "requiresCompatibilities": ["FARGATE"],
            "requiresAttributes": [{"name": "ecs.capability.task-eni"}],
            "registeredBy": "arn:aws:iam::123456789012:root",
            "placementConstraints": [], "volumes": [],
            "containerDefinitions": [{
                "name": "web", "image": "nginx", "cpu": 0, "essential": true,
                "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}],
                "environment": [{"name": "A", "value": "1"}],
                "logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": "g"}},
                "mountPoints": [], "volumesFrom": [], "systemControls": [],
                // What 0.1.0 accepted and echoed: dropped now.
                "memory": "lots", "command": "notalist", "whatever": {"x": 1}
            }]
        });
        let row = v1_row(&old_definition(body));
        let mut td: TaskDefinition = decode_versioned(&row).unwrap();
        crate::table::Record::after_load(&mut td);
        assert_eq!(td.key, "web:3");
        assert_eq!(td.tags[0].key, "k");
        let c = &td.spec.container_definitions[0];
        assert_eq!(c.image.as_deref(), Some("nginx"));
        assert_eq!(c.port_mappings[0].container_port, Some(80));
        assert_eq!(c.environment[0].value.as_deref(), Some("1"));
        assert_eq!(
            c.log_configuration
                .as_ref()
                .unwrap()
                .options
                .as_ref()
                .unwrap()["awslogs-group"],
            "g"
        );
        assert_eq!(c.memory, None);
        assert_eq!(c.command, None);
        assert_eq!(td.spec.compatibilities, ["EC2", "FARGATE"]);
        assert_eq!(
            td.spec.registered_by.as_deref(),
            Some("arn:aws:iam::123456789012:root")
        );
        // And the upgraded record writes and reads as version 2.
        let again: TaskDefinition = decode_versioned(&encode_versioned(&td)).unwrap();
        assert_eq!(again.spec, td.spec);
    }

    #[test]
    fn a_version_1_launch_keeps_its_overrides() {
        let old = TaskLaunchV1 {
            id: "a".repeat(32),
            region: "us-east-1".into(),
            cluster: "default".into(),
            task_definition: "web:1".into(),
            group: "family:web".into(),
            started_by: None,
            launch_type: "FARGATE".into(),
            capacity_provider: None,
            platform_version: "1.4.0".into(),
            platform_family: "Linux".into(),
            cpu: "256".into(),
            memory: "512".into(),
            created_at: Millis(1),
            availability_zone: "us-east-1a".into(),
            network: TaskNetwork::default(),
            overrides: json!({
                "containerOverrides": [{"name": "web", "command": ["x"], "cpu": "bad"}],
                "inferenceAcceleratorOverrides": [], "taskRoleArn": 7
            }),
            enable_execute_command: false,
            ephemeral_storage: 20,
            client_token: None,
            principal: "p".into(),
        };
        let launch: TaskLaunch = decode_versioned(&v1_row(&old)).unwrap();
        let o = &launch.overrides.container_overrides[0];
        assert_eq!(o.name.as_deref(), Some("web"));
        assert_eq!(o.command.as_deref(), Some(&["x".to_string()][..]));
        assert_eq!(o.cpu, None);
        assert_eq!(launch.overrides.task_role_arn, None);
        let again: TaskLaunch = decode_versioned(&encode_versioned(&launch)).unwrap();
        assert_eq!(again.overrides, launch.overrides);
    }
}

/// `ecs-cluster` version 1: before UpdateCluster kept a configuration.
#[derive(Serialize, Deserialize)]
pub(crate) struct ClusterV1 {
    pub name: String,
    pub region: String,
    pub status: String,
    pub settings: Vec<(String, String)>,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<(String, i64, i64)>,
    pub tags: Vec<EcsTag>,
    pub created: Millis,
}

impl ClusterV1 {
    pub fn upgrade(self) -> Cluster {
        Cluster {
            name: self.name,
            region: self.region,
            status: self.status,
            settings: self.settings,
            capacity_providers: self.capacity_providers,
            default_strategy: self.default_strategy,
            tags: self.tags,
            created: self.created,
            configuration: None,
            service_connect_namespace: None,
        }
    }
}

#[cfg(test)]
mod cluster_tests {
    use super::*;
    use crate::codec::{decode_versioned, encode, encode_versioned};

    #[test]
    fn a_version_1_cluster_loads_and_a_configured_one_round_trips() {
        let v1 = ClusterV1 {
            name: "c1".into(),
            region: "us-east-1".into(),
            status: "ACTIVE".into(),
            settings: vec![("containerInsights".into(), "enabled".into())],
            capacity_providers: vec!["FARGATE".into()],
            default_strategy: vec![("FARGATE".into(), 1, 0)],
            tags: vec![EcsTag {
                key: "k".into(),
                value: "v".into(),
            }],
            created: Millis(7),
        };
        // A version-1 row: the varint 1, then the positional body.
        let mut row = vec![1u8];
        row.extend(encode(&v1));
        let mut c: Cluster = decode_versioned(&row).unwrap();
        assert_eq!((c.name.as_str(), c.created), ("c1", Millis(7)));
        assert_eq!(c.settings, v1.settings);
        assert_eq!(c.default_strategy, v1.default_strategy);
        assert_eq!(c.tags, v1.tags);
        assert!(c.configuration.is_none() && c.service_connect_namespace.is_none());

        let conf: ClusterConfiguration = serde_json::from_value(serde_json::json!({
            "executeCommandConfiguration": {"logging": "DEFAULT"}
        }))
        .unwrap();
        c.configuration = Some(conf.clone());
        c.service_connect_namespace = Some("internal".into());
        let back: Cluster = decode_versioned(&encode_versioned(&c)).unwrap();
        assert_eq!(back.configuration, Some(conf));
        assert_eq!(back.service_connect_namespace.as_deref(), Some("internal"));
    }
}
