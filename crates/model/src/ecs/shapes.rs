//! The structures of the ECS API that tasknet keeps as the client gave them
//! (container definitions, volumes, task overrides, …), typed after the
//! botocore ECS model (`ecs/2014-11-13/service-2.json`): member names in
//! camelCase, `Integer` as `i32`, `Boolean` as `bool`, lists, string maps,
//! nested structures. Enums stay strings: the model checks their values with
//! AWS's texts. Each struct is renamed to its botocore shape so that a
//! `SerializationException` can name it (`json_input`).
//!
//! Every member is optional or defaults to empty when decoding (the model,
//! not the decoder, says what is required, with AWS's texts), and absent
//! members are left out when serializing: the structs serialize straight
//! into DescribeTaskDefinition / DescribeTasks JSON. Records hold them as
//! JSON text for the same reason (`codec::typed_json_text`; postcard cannot
//! skip fields).

use super::types::EcsTag;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A string map (`dockerLabels`, log options, driver options).
pub type StringMap = BTreeMap<String, String>;

macro_rules! shapes {
    ($(
        $(#[$meta:meta])*
        $shape:literal struct $name:ident {
            $( $(#[$fmeta:meta])* $field:ident : $ty:ty, )*
        }
    )*) => {
        $(
            $(#[$meta])*
            #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
            #[serde(rename = $shape, rename_all = "camelCase", default)]
            pub struct $name {
                $( $(#[$fmeta])* pub $field: $ty, )*
            }
        )*
    };
}

shapes! {
    /// RegisterTaskDefinition's input.
    "RegisterTaskDefinitionRequest" struct RegisterTaskDefinition {
        family: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        task_role_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        execution_role_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        network_mode: Option<String>,
        container_definitions: Vec<ContainerDefinition>,
        volumes: Vec<Volume>,
        placement_constraints: Vec<TaskDefinitionPlacementConstraint>,
        requires_compatibilities: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cpu: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory: Option<String>,
        tags: Vec<EcsTag>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pid_mode: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ipc_mode: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        proxy_configuration: Option<ProxyConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        inference_accelerators: Option<Vec<InferenceAccelerator>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ephemeral_storage: Option<EphemeralStorage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        runtime_platform: Option<RuntimePlatform>,
        #[serde(skip_serializing_if = "Option::is_none")]
        enable_fault_injection: Option<bool>,
    }

    /// A registered task definition as DescribeTaskDefinition shows it, less
    /// the bookkeeping added at describe time (ARN, revision, status, times):
    /// what was given, with AWS's defaults filled in, and what AWS derives
    /// (`compatibilities`, `requiresAttributes`, `registeredBy`).
    "TaskDefinition" struct TaskDefinitionSpec {
        family: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        task_role_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        execution_role_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        network_mode: Option<String>,
        container_definitions: Vec<ContainerDefinition>,
        volumes: Vec<Volume>,
        requires_attributes: Vec<Attribute>,
        placement_constraints: Vec<TaskDefinitionPlacementConstraint>,
        compatibilities: Vec<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        runtime_platform: Option<RuntimePlatform>,
        /// Only when the client gave some.
        #[serde(skip_serializing_if = "Option::is_none")]
        requires_compatibilities: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cpu: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        inference_accelerators: Option<Vec<InferenceAccelerator>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pid_mode: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ipc_mode: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        proxy_configuration: Option<ProxyConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        registered_by: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ephemeral_storage: Option<EphemeralStorage>,
        #[serde(skip_serializing_if = "Option::is_none")]
        enable_fault_injection: Option<bool>,
    }

    "ContainerDefinition" struct ContainerDefinition {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        image: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        repository_credentials: Option<RepositoryCredentials>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cpu: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory_reservation: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        links: Option<Vec<String>>,
        /// Always shown (AWS adds `[]`).
        port_mappings: Vec<PortMapping>,
        #[serde(skip_serializing_if = "Option::is_none")]
        essential: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        restart_policy: Option<ContainerRestartPolicy>,
        #[serde(skip_serializing_if = "Option::is_none")]
        entry_point: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        command: Option<Vec<String>>,
        /// Always shown (AWS adds `[]`).
        environment: Vec<KeyValuePair>,
        #[serde(skip_serializing_if = "Option::is_none")]
        environment_files: Option<Vec<EnvironmentFile>>,
        /// Always shown (AWS adds `[]`).
        mount_points: Vec<MountPoint>,
        /// Always shown (AWS adds `[]`).
        volumes_from: Vec<VolumeFrom>,
        #[serde(skip_serializing_if = "Option::is_none")]
        linux_parameters: Option<LinuxParameters>,
        #[serde(skip_serializing_if = "Option::is_none")]
        secrets: Option<Vec<Secret>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        depends_on: Option<Vec<ContainerDependency>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        start_timeout: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        stop_timeout: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        version_consistency: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        hostname: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        user: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        working_directory: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        disable_networking: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        privileged: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        readonly_root_filesystem: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        dns_servers: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        dns_search_domains: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        extra_hosts: Option<Vec<HostEntry>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        docker_security_options: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        interactive: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        pseudo_terminal: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        docker_labels: Option<StringMap>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ulimits: Option<Vec<Ulimit>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        log_configuration: Option<LogConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        health_check: Option<HealthCheck>,
        /// Always shown (AWS adds `[]`).
        system_controls: Vec<SystemControl>,
        #[serde(skip_serializing_if = "Option::is_none")]
        resource_requirements: Option<Vec<ResourceRequirement>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        firelens_configuration: Option<FirelensConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        credential_specs: Option<Vec<String>>,
    }

    "RepositoryCredentials" struct RepositoryCredentials {
        #[serde(skip_serializing_if = "Option::is_none")]
        credentials_parameter: Option<String>,
    }

    "PortMapping" struct PortMapping {
        #[serde(skip_serializing_if = "Option::is_none")]
        container_port: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        host_port: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        protocol: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        app_protocol: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        container_port_range: Option<String>,
    }

    "ContainerRestartPolicy" struct ContainerRestartPolicy {
        #[serde(skip_serializing_if = "Option::is_none")]
        enabled: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ignored_exit_codes: Option<Vec<i32>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        restart_attempt_period: Option<i32>,
    }

    "KeyValuePair" struct KeyValuePair {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    }

    "EnvironmentFile" struct EnvironmentFile {
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
    }

    "MountPoint" struct MountPoint {
        #[serde(skip_serializing_if = "Option::is_none")]
        source_volume: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        container_path: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        read_only: Option<bool>,
    }

    "VolumeFrom" struct VolumeFrom {
        #[serde(skip_serializing_if = "Option::is_none")]
        source_container: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        read_only: Option<bool>,
    }

    "LinuxParameters" struct LinuxParameters {
        #[serde(skip_serializing_if = "Option::is_none")]
        capabilities: Option<KernelCapabilities>,
        #[serde(skip_serializing_if = "Option::is_none")]
        devices: Option<Vec<Device>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        init_process_enabled: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        shared_memory_size: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        tmpfs: Option<Vec<Tmpfs>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        max_swap: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        swappiness: Option<i32>,
    }

    "KernelCapabilities" struct KernelCapabilities {
        #[serde(skip_serializing_if = "Option::is_none")]
        add: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        drop: Option<Vec<String>>,
    }

    "Device" struct Device {
        #[serde(skip_serializing_if = "Option::is_none")]
        host_path: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        container_path: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        permissions: Option<Vec<String>>,
    }

    "Tmpfs" struct Tmpfs {
        #[serde(skip_serializing_if = "Option::is_none")]
        container_path: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        size: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        mount_options: Option<Vec<String>>,
    }

    "Secret" struct Secret {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        value_from: Option<String>,
    }

    "ContainerDependency" struct ContainerDependency {
        #[serde(skip_serializing_if = "Option::is_none")]
        container_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        condition: Option<String>,
    }

    "HostEntry" struct HostEntry {
        #[serde(skip_serializing_if = "Option::is_none")]
        hostname: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ip_address: Option<String>,
    }

    "Ulimit" struct Ulimit {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        soft_limit: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        hard_limit: Option<i32>,
    }

    "LogConfiguration" struct LogConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        log_driver: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        options: Option<StringMap>,
        #[serde(skip_serializing_if = "Option::is_none")]
        secret_options: Option<Vec<Secret>>,
    }

    "HealthCheck" struct HealthCheck {
        #[serde(skip_serializing_if = "Option::is_none")]
        command: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        interval: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        timeout: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        retries: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        start_period: Option<i32>,
    }

    "SystemControl" struct SystemControl {
        #[serde(skip_serializing_if = "Option::is_none")]
        namespace: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
    }

    "ResourceRequirement" struct ResourceRequirement {
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
    }

    "FirelensConfiguration" struct FirelensConfiguration {
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        options: Option<StringMap>,
    }

    "Volume" struct Volume {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        host: Option<HostVolumeProperties>,
        #[serde(skip_serializing_if = "Option::is_none")]
        docker_volume_configuration: Option<DockerVolumeConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        efs_volume_configuration: Option<EfsVolumeConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        s3files_volume_configuration: Option<S3FilesVolumeConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fsx_windows_file_server_volume_configuration:
            Option<FsxWindowsFileServerVolumeConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        configured_at_launch: Option<bool>,
    }

    "HostVolumeProperties" struct HostVolumeProperties {
        #[serde(skip_serializing_if = "Option::is_none")]
        source_path: Option<String>,
    }

    "DockerVolumeConfiguration" struct DockerVolumeConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        scope: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        autoprovision: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        driver: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        driver_opts: Option<StringMap>,
        #[serde(skip_serializing_if = "Option::is_none")]
        labels: Option<StringMap>,
    }

    "EFSVolumeConfiguration" struct EfsVolumeConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        file_system_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        root_directory: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        transit_encryption: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        transit_encryption_port: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        authorization_config: Option<EfsAuthorizationConfig>,
    }

    "EFSAuthorizationConfig" struct EfsAuthorizationConfig {
        #[serde(skip_serializing_if = "Option::is_none")]
        access_point_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        iam: Option<String>,
    }

    "S3FilesVolumeConfiguration" struct S3FilesVolumeConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        file_system_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        root_directory: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        transit_encryption_port: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        access_point_arn: Option<String>,
    }

    "FSxWindowsFileServerVolumeConfiguration" struct FsxWindowsFileServerVolumeConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        file_system_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        root_directory: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        authorization_config: Option<FsxWindowsFileServerAuthorizationConfig>,
    }

    "FSxWindowsFileServerAuthorizationConfig" struct FsxWindowsFileServerAuthorizationConfig {
        #[serde(skip_serializing_if = "Option::is_none")]
        credentials_parameter: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        domain: Option<String>,
    }

    "TaskDefinitionPlacementConstraint" struct TaskDefinitionPlacementConstraint {
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        expression: Option<String>,
    }

    "ProxyConfiguration" struct ProxyConfiguration {
        #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
        kind: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        container_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        properties: Option<Vec<KeyValuePair>>,
    }

    "InferenceAccelerator" struct InferenceAccelerator {
        #[serde(skip_serializing_if = "Option::is_none")]
        device_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        device_type: Option<String>,
    }

    "EphemeralStorage" struct EphemeralStorage {
        #[serde(rename = "sizeInGiB", skip_serializing_if = "Option::is_none")]
        size_in_gib: Option<i32>,
    }

    "RuntimePlatform" struct RuntimePlatform {
        #[serde(skip_serializing_if = "Option::is_none")]
        cpu_architecture: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        operating_system_family: Option<String>,
    }

    /// `requiresAttributes` of a task definition.
    "Attribute" struct Attribute {
        name: String,
        #[serde(skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        target_type: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        target_id: Option<String>,
    }

    /// RunTask's `overrides`, as the task keeps and shows them.
    "TaskOverride" struct TaskOverride {
        /// Always shown (AWS shows `[]`).
        container_overrides: Vec<ContainerOverride>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cpu: Option<String>,
        /// Always shown (AWS shows `[]`).
        inference_accelerator_overrides: Vec<InferenceAcceleratorOverride>,
        #[serde(skip_serializing_if = "Option::is_none")]
        execution_role_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        task_role_arn: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        ephemeral_storage: Option<EphemeralStorage>,
    }

    "ContainerOverride" struct ContainerOverride {
        #[serde(skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        command: Option<Vec<String>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        environment: Option<Vec<KeyValuePair>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        environment_files: Option<Vec<EnvironmentFile>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cpu: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        memory_reservation: Option<i32>,
        #[serde(skip_serializing_if = "Option::is_none")]
        resource_requirements: Option<Vec<ResourceRequirement>>,
    }

    "InferenceAcceleratorOverride" struct InferenceAcceleratorOverride {
        #[serde(skip_serializing_if = "Option::is_none")]
        device_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        device_type: Option<String>,
    }
}

shapes! {
    /// A cluster's `configuration` (CreateCluster, UpdateCluster), kept as
    /// given and shown back by DescribeClusters with `include=CONFIGURATIONS`.
    "ClusterConfiguration" struct ClusterConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        execute_command_configuration: Option<ExecuteCommandConfiguration>,
        #[serde(skip_serializing_if = "Option::is_none")]
        managed_storage_configuration: Option<ManagedStorageConfiguration>,
    }

    "ExecuteCommandConfiguration" struct ExecuteCommandConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        kms_key_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        logging: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        log_configuration: Option<ExecuteCommandLogConfiguration>,
    }

    "ExecuteCommandLogConfiguration" struct ExecuteCommandLogConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        cloud_watch_log_group_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        cloud_watch_encryption_enabled: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        s3_bucket_name: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        s3_encryption_enabled: Option<bool>,
        #[serde(skip_serializing_if = "Option::is_none")]
        s3_key_prefix: Option<String>,
    }

    "ManagedStorageConfiguration" struct ManagedStorageConfiguration {
        #[serde(skip_serializing_if = "Option::is_none")]
        kms_key_id: Option<String>,
        #[serde(skip_serializing_if = "Option::is_none")]
        fargate_ephemeral_storage_kms_key_id: Option<String>,
    }
}
