//! The typed input of every ECS operation tasknet implements, after the
//! botocore ECS model (`<Op>Request` shapes): a request body is decoded into
//! one of these (`model::json_input`) before anything else looks at it, so a
//! wrong type is a `SerializationException` and never reaches the model.
//! Members tasknet does not act on are still typed: AWS checks their types
//! too. Every member is optional here; what is required, and every value
//! check, is the model's (or the operation's), with AWS's texts.
//!
//! The shapes that are stored (container definitions, volumes, task
//! overrides) live in `model::ecs::shapes`; RegisterTaskDefinition's input
//! is `model::ecs::shapes::RegisterTaskDefinition`.

pub use model::ecs::shapes::{
    ClusterConfiguration, RegisterTaskDefinition as RegisterTaskDefinitionRequest, TaskOverride,
};
use model::ecs::types::EcsTag;
use serde::Deserialize;

macro_rules! inputs {
    ($(
        $(#[$meta:meta])*
        $shape:literal struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )*
        }
    )*) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Debug, Default, Deserialize)]
            #[serde(rename = $shape, rename_all = "camelCase", default)]
            pub struct $name {
                $( $(#[$fmeta])* pub $field: $ty, )*
            }
        )*
    };
}

// ---- clusters ----

inputs! {
    "CreateClusterRequest" struct CreateClusterRequest {
        cluster_name: Option<String>,
        tags: Vec<EcsTag>,
        settings: Vec<ClusterSetting>,
        configuration: Option<ClusterConfiguration>,
        capacity_providers: Vec<String>,
        default_capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
        service_connect_defaults: Option<ClusterServiceConnectDefaultsRequest>,
    }

    "ClusterSetting" struct ClusterSetting {
        name: Option<String>,
        value: Option<String>,
    }

    "CapacityProviderStrategyItem" struct CapacityProviderStrategyItem {
        capacity_provider: Option<String>,
        weight: Option<i32>,
        base: Option<i32>,
    }

    "ClusterServiceConnectDefaultsRequest" struct ClusterServiceConnectDefaultsRequest {
        namespace: Option<String>,
    }

    "DescribeClustersRequest" struct DescribeClustersRequest {
        clusters: Vec<String>,
        include: Vec<String>,
    }

    "ListClustersRequest" struct ListClustersRequest {
        next_token: Option<String>,
        max_results: Option<i32>,
    }

    "DeleteClusterRequest" struct DeleteClusterRequest {
        cluster: Option<String>,
    }

    "UpdateClusterRequest" struct UpdateClusterRequest {
        cluster: Option<String>,
        settings: Option<Vec<ClusterSetting>>,
        configuration: Option<ClusterConfiguration>,
        service_connect_defaults: Option<ClusterServiceConnectDefaultsRequest>,
    }

    "UpdateClusterSettingsRequest" struct UpdateClusterSettingsRequest {
        cluster: Option<String>,
        settings: Vec<ClusterSetting>,
    }

    "PutClusterCapacityProvidersRequest" struct PutClusterCapacityProvidersRequest {
        cluster: Option<String>,
        capacity_providers: Vec<String>,
        default_capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
    }
}

// ---- task definitions ----

inputs! {
    "DescribeTaskDefinitionRequest" struct DescribeTaskDefinitionRequest {
        task_definition: Option<String>,
        include: Vec<String>,
    }

    "ListTaskDefinitionsRequest" struct ListTaskDefinitionsRequest {
        family_prefix: Option<String>,
        status: Option<String>,
        sort: Option<String>,
        next_token: Option<String>,
        max_results: Option<i32>,
    }

    "ListTaskDefinitionFamiliesRequest" struct ListTaskDefinitionFamiliesRequest {
        family_prefix: Option<String>,
        status: Option<String>,
        next_token: Option<String>,
        max_results: Option<i32>,
    }

    "DeregisterTaskDefinitionRequest" struct DeregisterTaskDefinitionRequest {
        task_definition: Option<String>,
    }

    "DeleteTaskDefinitionsRequest" struct DeleteTaskDefinitionsRequest {
        task_definitions: Vec<String>,
    }
}

// ---- services ----

inputs! {
    "CreateServiceRequest" struct CreateServiceRequest {
        cluster: Option<String>,
        service_name: Option<String>,
        task_definition: Option<String>,
        load_balancers: Vec<LoadBalancer>,
        service_registries: Vec<ServiceRegistry>,
        desired_count: Option<i32>,
        client_token: Option<String>,
        launch_type: Option<String>,
        capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
        platform_version: Option<String>,
        role: Option<String>,
        deployment_configuration: Option<DeploymentConfiguration>,
        placement_constraints: Vec<PlacementConstraint>,
        placement_strategy: Vec<PlacementStrategy>,
        network_configuration: Option<NetworkConfiguration>,
        health_check_grace_period_seconds: Option<i32>,
        scheduling_strategy: Option<String>,
        deployment_controller: Option<DeploymentController>,
        tags: Vec<EcsTag>,
        #[serde(rename = "enableECSManagedTags")]
        enable_ecs_managed_tags: Option<bool>,
        propagate_tags: Option<String>,
        enable_execute_command: Option<bool>,
        availability_zone_rebalancing: Option<String>,
    }

    "UpdateServiceRequest" struct UpdateServiceRequest {
        cluster: Option<String>,
        service: Option<String>,
        desired_count: Option<i32>,
        task_definition: Option<String>,
        capacity_provider_strategy: Option<Vec<CapacityProviderStrategyItem>>,
        deployment_configuration: Option<DeploymentConfiguration>,
        availability_zone_rebalancing: Option<String>,
        network_configuration: Option<NetworkConfiguration>,
        placement_constraints: Option<Vec<PlacementConstraint>>,
        placement_strategy: Option<Vec<PlacementStrategy>>,
        platform_version: Option<String>,
        force_new_deployment: Option<bool>,
        health_check_grace_period_seconds: Option<i32>,
        deployment_controller: Option<DeploymentController>,
        enable_execute_command: Option<bool>,
        #[serde(rename = "enableECSManagedTags")]
        enable_ecs_managed_tags: Option<bool>,
        load_balancers: Option<Vec<LoadBalancer>>,
        propagate_tags: Option<String>,
        service_registries: Option<Vec<ServiceRegistry>>,
    }

    "DeleteServiceRequest" struct DeleteServiceRequest {
        cluster: Option<String>,
        service: Option<String>,
        force: Option<bool>,
    }

    "DescribeServicesRequest" struct DescribeServicesRequest {
        cluster: Option<String>,
        services: Vec<String>,
        include: Vec<String>,
    }

    "ListServicesRequest" struct ListServicesRequest {
        cluster: Option<String>,
        next_token: Option<String>,
        max_results: Option<i32>,
        launch_type: Option<String>,
        scheduling_strategy: Option<String>,
    }

    "LoadBalancer" struct LoadBalancer {
        target_group_arn: Option<String>,
        load_balancer_name: Option<String>,
        container_name: Option<String>,
        container_port: Option<i32>,
    }

    "ServiceRegistry" struct ServiceRegistry {
        registry_arn: Option<String>,
        port: Option<i32>,
        container_name: Option<String>,
        container_port: Option<i32>,
    }

    "DeploymentConfiguration" struct DeploymentConfiguration {
        deployment_circuit_breaker: Option<DeploymentCircuitBreaker>,
        maximum_percent: Option<i32>,
        minimum_healthy_percent: Option<i32>,
    }

    "DeploymentCircuitBreaker" struct DeploymentCircuitBreaker {
        enable: Option<bool>,
        rollback: Option<bool>,
    }

    "DeploymentController" struct DeploymentController {
        #[serde(rename = "type")]
        kind: Option<String>,
    }
}

// ---- tasks ----

inputs! {
    "RunTaskRequest" struct RunTaskRequest {
        capacity_provider_strategy: Vec<CapacityProviderStrategyItem>,
        cluster: Option<String>,
        count: Option<i32>,
        #[serde(rename = "enableECSManagedTags")]
        enable_ecs_managed_tags: Option<bool>,
        enable_execute_command: Option<bool>,
        group: Option<String>,
        launch_type: Option<String>,
        network_configuration: Option<NetworkConfiguration>,
        overrides: Option<TaskOverride>,
        placement_constraints: Vec<PlacementConstraint>,
        placement_strategy: Vec<PlacementStrategy>,
        platform_version: Option<String>,
        propagate_tags: Option<String>,
        reference_id: Option<String>,
        started_by: Option<String>,
        tags: Vec<EcsTag>,
        task_definition: Option<String>,
        client_token: Option<String>,
        volume_configurations: Vec<TaskVolumeConfiguration>,
    }

    "NetworkConfiguration" struct NetworkConfiguration {
        awsvpc_configuration: Option<AwsVpcConfiguration>,
    }

    "AwsVpcConfiguration" struct AwsVpcConfiguration {
        subnets: Vec<String>,
        security_groups: Vec<String>,
        assign_public_ip: Option<String>,
    }

    "PlacementConstraint" struct PlacementConstraint {
        #[serde(rename = "type")]
        kind: Option<String>,
        expression: Option<String>,
    }

    "PlacementStrategy" struct PlacementStrategy {
        #[serde(rename = "type")]
        kind: Option<String>,
        field: Option<String>,
    }

    "TaskVolumeConfiguration" struct TaskVolumeConfiguration {
        name: Option<String>,
        #[serde(rename = "managedEBSVolume")]
        managed_ebs_volume: Option<TaskManagedEbsVolumeConfiguration>,
    }

    "TaskManagedEBSVolumeConfiguration" struct TaskManagedEbsVolumeConfiguration {
        encrypted: Option<bool>,
        kms_key_id: Option<String>,
        volume_type: Option<String>,
        #[serde(rename = "sizeInGiB")]
        size_in_gib: Option<i32>,
        snapshot_id: Option<String>,
        volume_initialization_rate: Option<i32>,
        iops: Option<i32>,
        throughput: Option<i32>,
        tag_specifications: Vec<EbsTagSpecification>,
        role_arn: Option<String>,
        termination_policy: Option<TaskManagedEbsVolumeTerminationPolicy>,
        filesystem_type: Option<String>,
    }

    "EBSTagSpecification" struct EbsTagSpecification {
        resource_type: Option<String>,
        tags: Vec<EcsTag>,
        propagate_tags: Option<String>,
    }

    "TaskManagedEBSVolumeTerminationPolicy" struct TaskManagedEbsVolumeTerminationPolicy {
        delete_on_termination: Option<bool>,
    }

    "StopTaskRequest" struct StopTaskRequest {
        cluster: Option<String>,
        task: Option<String>,
        reason: Option<String>,
    }

    "DescribeTasksRequest" struct DescribeTasksRequest {
        cluster: Option<String>,
        tasks: Vec<String>,
        include: Vec<String>,
    }

    "ListTasksRequest" struct ListTasksRequest {
        cluster: Option<String>,
        container_instance: Option<String>,
        family: Option<String>,
        next_token: Option<String>,
        max_results: Option<i32>,
        started_by: Option<String>,
        service_name: Option<String>,
        desired_status: Option<String>,
        launch_type: Option<String>,
        daemon_name: Option<String>,
    }
}

// ---- account settings ----

inputs! {
    "PutAccountSettingRequest" struct PutAccountSettingRequest {
        name: Option<String>,
        value: Option<String>,
        principal_arn: Option<String>,
    }

    "PutAccountSettingDefaultRequest" struct PutAccountSettingDefaultRequest {
        name: Option<String>,
        value: Option<String>,
    }

    "ListAccountSettingsRequest" struct ListAccountSettingsRequest {
        name: Option<String>,
        value: Option<String>,
        principal_arn: Option<String>,
        effective_settings: Option<bool>,
        next_token: Option<String>,
        max_results: Option<i32>,
    }

    "DeleteAccountSettingRequest" struct DeleteAccountSettingRequest {
        name: Option<String>,
        principal_arn: Option<String>,
    }
}

// ---- tags ----

inputs! {
    "TagResourceRequest" struct TagResourceRequest {
        resource_arn: Option<String>,
        tags: Vec<EcsTag>,
    }

    "UntagResourceRequest" struct UntagResourceRequest {
        resource_arn: Option<String>,
        tag_keys: Vec<String>,
    }

    "ListTagsForResourceRequest" struct ListTagsForResourceRequest {
        resource_arn: Option<String>,
    }
}

impl CapacityProviderStrategyItem {
    /// (capacity provider, weight, base) as the model takes it.
    pub fn triple(&self) -> (String, i64, i64) {
        (
            self.capacity_provider.clone().unwrap_or_default(),
            self.weight.map(i64::from).unwrap_or(0),
            self.base.map(i64::from).unwrap_or(0),
        )
    }
}

impl ClusterSetting {
    /// (name, value) as the model takes it.
    pub fn pair(&self) -> (String, String) {
        (
            self.name.clone().unwrap_or_default(),
            self.value.clone().unwrap_or_default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use model::json_input::{decode, decode_checked, described};
    use serde_json::json;

    /// A decode error with the path of the bad value (AWS's message names
    /// none; this checks the decoder found the right value).
    struct Described {
        message: String,
    }

    fn checked<T: serde::de::DeserializeOwned>(v: &serde_json::Value) -> Result<T, Described> {
        decode_checked::<T>(v).map_err(|e| {
            let plain = decode::<T>(v).err().map(|x| x.message).unwrap_or_default();
            let message = described(&e);
            assert!(message.starts_with(&plain), "{message} / {plain}");
            Described { message }
        })
    }

    fn err(v: serde_json::Value) -> String {
        let e = decode::<RunTaskRequest>(&v).unwrap_err();
        assert_eq!(e.code, "SerializationException");
        checked::<RunTaskRequest>(&v).unwrap_err().message
    }

    #[test]
    fn run_task_decodes_every_member_and_ignores_unknown_ones() {
        let r: RunTaskRequest = decode(&json!({
            "cluster": "c", "taskDefinition": "web:1", "count": 2, "enableECSManagedTags": true,
            "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
            "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["s"], "assignPublicIp": "ENABLED"}},
            "overrides": {"containerOverrides": [{"name": "web", "cpu": 128, "environment": [{"name": "A", "value": "1"}]}]},
            "placementStrategy": [{"type": "spread", "field": "attribute:ecs.availability-zone"}],
            "volumeConfigurations": [{"name": "v", "managedEBSVolume": {"sizeInGiB": 10, "roleArn": "r",
                "terminationPolicy": {"deleteOnTermination": true}}}],
            "tags": [{"key": "k", "value": "v"}], "notAMember": [1, 2, 3]
        }))
        .unwrap();
        assert_eq!(r.count, Some(2));
        assert_eq!(r.enable_ecs_managed_tags, Some(true));
        assert_eq!(
            r.capacity_provider_strategy[0].triple(),
            ("FARGATE".into(), 1, 0)
        );
        let o = r.overrides.unwrap();
        assert_eq!(o.container_overrides[0].cpu, Some(128));
        assert_eq!(
            r.volume_configurations[0]
                .managed_ebs_volume
                .as_ref()
                .unwrap()
                .size_in_gib,
            Some(10)
        );
    }

    #[test]
    fn run_task_wrong_types() {
        let cases = [
            (json!({"count": "2"}), "STRING_VALUE cannot be converted to Integer at count"),
            (json!({"count": 1e10}), "NUMBER_VALUE cannot be converted to Integer at count"),
            (json!({"count": 1e21}), "NUMBER_VALUE cannot be converted to Integer at count"),
            (json!({"taskDefinition": {"family": "x"}}),
             "Start of structure or map found where not expected at taskDefinition"),
            (json!({"overrides": "x"}), "Unexpected field type at overrides"),
            (json!({"overrides": {"containerOverrides": {"name": "x"}}}),
             "Start of structure or map found where not expected at overrides.containerOverrides"),
            (json!({"overrides": {"containerOverrides": [{"name": "web", "cpu": "1"}]}}),
             "STRING_VALUE cannot be converted to Integer at overrides.containerOverrides[0].cpu"),
            (json!({"overrides": {"containerOverrides": [{"name": "web", "memory": -1e21}]}}),
             "NUMBER_VALUE cannot be converted to Integer at overrides.containerOverrides[0].memory"),
            (json!({"overrides": {"containerOverrides": [{"environment": "notalist"}]}}),
             "Unexpected field type at overrides.containerOverrides[0].environment"),
            (json!({"overrides": {"containerOverrides": [{"environment": ["A=1"]}]}}),
             "Unexpected value type in payload at overrides.containerOverrides[0].environment[0]"),
            (json!({"overrides": {"containerOverrides": [{"environment": [["A", "1"]]}]}}),
             "Unrecognized collection type class com.amazonaws.madison.frontend.KeyValuePair at overrides.containerOverrides[0].environment[0]"),
            (json!({"overrides": {"cpu": 256}}),
             "NUMBER_VALUE cannot be converted to String at overrides.cpu"),
            (json!({"networkConfiguration": {"awsvpcConfiguration": {"subnets": "subnet-1"}}}),
             "Unexpected field type at networkConfiguration.awsvpcConfiguration.subnets"),
            (json!({"enableExecuteCommand": "yes"}),
             "Unexpected token received from parser at enableExecuteCommand"),
            (json!({"tags": [{"key": 1}]}), "NUMBER_VALUE cannot be converted to String at tags[0].key"),
            (json!({"capacityProviderStrategy": [{"weight": 2147483648_i64}]}),
             "NUMBER_VALUE cannot be converted to Integer at capacityProviderStrategy[0].weight"),
            (json!([]), "Unrecognized collection type class com.amazonaws.madison.frontend.RunTaskRequest"),
        ];
        for (v, want) in cases {
            assert_eq!(err(v.clone()), want, "{v}");
        }
    }

    #[test]
    fn other_operations_wrong_types() {
        let e = checked::<ListTasksRequest>(&json!({"maxResults": "10"})).unwrap_err();
        assert_eq!(
            e.message,
            "STRING_VALUE cannot be converted to Integer at maxResults"
        );
        let e = checked::<DescribeTasksRequest>(&json!({"tasks": "abc"})).unwrap_err();
        assert_eq!(e.message, "Unexpected field type at tasks");
        let e = checked::<CreateClusterRequest>(
            &json!({"settings": [{"name": "containerInsights", "value": true}]}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "TRUE_VALUE cannot be converted to String at settings[0].value"
        );
        let e = checked::<ListAccountSettingsRequest>(&json!({"effectiveSettings": "true"}))
            .unwrap_err();
        assert_eq!(
            e.message,
            "Unexpected token received from parser at effectiveSettings"
        );
        let e = checked::<UntagResourceRequest>(&json!({"tagKeys": [1]})).unwrap_err();
        assert_eq!(
            e.message,
            "NUMBER_VALUE cannot be converted to String at tagKeys[0]"
        );
        let e = checked::<CreateClusterRequest>(
            &json!({"configuration": {"executeCommandConfiguration": {"logConfiguration": {"s3EncryptionEnabled": "no"}}}}),
        )
        .unwrap_err();
        assert_eq!(
            e.message,
            "Unexpected token received from parser at configuration.executeCommandConfiguration.logConfiguration.s3EncryptionEnabled"
        );
    }

    #[test]
    fn register_task_definition_wrong_types() {
        let cases = [
            (json!({"containerDefinitions": [{"cpu": "lots"}]}),
             "STRING_VALUE cannot be converted to Integer at containerDefinitions[0].cpu"),
            (json!({"containerDefinitions": [{"memory": -1e21}]}),
             "NUMBER_VALUE cannot be converted to Integer at containerDefinitions[0].memory"),
            (json!({"containerDefinitions": [{"memory": 1e21}]}),
             "NUMBER_VALUE cannot be converted to Integer at containerDefinitions[0].memory"),
            (json!({"containerDefinitions": [{"portMappings": [{"containerPort": "80"}]}]}),
             "STRING_VALUE cannot be converted to Integer at containerDefinitions[0].portMappings[0].containerPort"),
            (json!({"containerDefinitions": [{"essential": "maybe"}]}),
             "Unexpected token received from parser at containerDefinitions[0].essential"),
            (json!({"containerDefinitions": [{"environment": "notalist"}]}),
             "Unexpected field type at containerDefinitions[0].environment"),
            (json!({"requiresCompatibilities": "FARGATE"}), "Unexpected field type at requiresCompatibilities"),
            (json!({"containerDefinitions": {"name": "web"}}),
             "Start of structure or map found where not expected at containerDefinitions"),
            (json!({"containerDefinitions": ["web"]}),
             "Unexpected value type in payload at containerDefinitions[0]"),
            (json!({"containerDefinitions": [{"dockerLabels": ["a"]}]}),
             "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String> at containerDefinitions[0].dockerLabels"),
            (json!({"containerDefinitions": [{"logConfiguration": {"options": {"awslogs-group": 5}}}]}),
             "NUMBER_VALUE cannot be converted to String at containerDefinitions[0].logConfiguration.options.awslogs-group"),
            (json!({"containerDefinitions": [{"linuxParameters": {"capabilities": {"add": "NET_ADMIN"}}}]}),
             "Unexpected field type at containerDefinitions[0].linuxParameters.capabilities.add"),
            (json!({"containerDefinitions": [{"healthCheck": {"interval": 25000000000.5}}]}),
             "DECIMAL_VALUE cannot be converted to Integer at containerDefinitions[0].healthCheck.interval"),
            (json!({"containerDefinitions": [{"ulimits": [{"softLimit": true}]}]}),
             "TRUE_VALUE cannot be converted to Integer at containerDefinitions[0].ulimits[0].softLimit"),
            (json!({"cpu": 256}), "NUMBER_VALUE cannot be converted to String at cpu"),
            (json!({"volumes": [{"efsVolumeConfiguration": {"transitEncryptionPort": "2049"}}]}),
             "STRING_VALUE cannot be converted to Integer at volumes[0].efsVolumeConfiguration.transitEncryptionPort"),
            (json!({"enableFaultInjection": "true"}),
             "Unexpected token received from parser at enableFaultInjection"),
            (json!({"runtimePlatform": "LINUX"}), "Unexpected field type at runtimePlatform"),
            (json!({"tags": {"key": "k"}}), "Start of structure or map found where not expected at tags"),
        ];
        for (v, want) in cases {
            let e = checked::<RegisterTaskDefinitionRequest>(&v).unwrap_err();
            assert_eq!(e.message, want, "{v}");
        }
        // Unknown members, at every level, are ignored.
        let ok: RegisterTaskDefinitionRequest = decode(&json!({
            "family": "f", "bogus": 1,
            "containerDefinitions": [{"name": "web", "image": "nginx", "madeUp": {"x": []},
                "portMappings": [{"containerPort": 80, "extra": "y"}]}]
        }))
        .unwrap();
        assert_eq!(
            ok.container_definitions[0].port_mappings[0].container_port,
            Some(80)
        );
    }
}
