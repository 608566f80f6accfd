//! Task definitions: registration with the checks AWS makes (N1, N2, N31,
//! Fargate cpu/memory), revisions, describe/list/deregister/delete.

use super::err;
use super::shapes::*;
use super::types::*;
use crate::error::Result;
use crate::time::Millis;
use crate::world::Region;
use serde_json::{json, Value};

/// Valid Fargate (cpu → memory) combinations for Linux, in MiB.
fn linux_memory_ok(cpu: i64, mem: i64) -> bool {
    let range = |lo: i64, hi: i64, step: i64| mem >= lo && mem <= hi && (mem - lo) % step == 0;
    match cpu {
        256 => matches!(mem, 512 | 1024 | 2048),
        512 => range(1024, 4096, 1024),
        1024 => range(2048, 8192, 1024),
        2048 => range(4096, 16384, 1024),
        4096 => range(8192, 30720, 1024),
        8192 => range(16384, 61440, 4096),
        16384 => range(32768, 122880, 8192),
        _ => false,
    }
}

fn windows_memory_ok(cpu: i64, mem: i64) -> bool {
    let range = |lo: i64, hi: i64| mem >= lo && mem <= hi && (mem - lo) % 1024 == 0;
    match cpu {
        1024 => range(2048, 8192),
        2048 => range(4096, 16384),
        4096 => range(8192, 30720),
        _ => false,
    }
}

/// `"1 vCPU"` / `"0.25 vcpu"` / `"1024"` → CPU units.
pub fn parse_cpu(s: &str) -> Option<i64> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(v) = lower.strip_suffix("vcpu") {
        let f: f64 = v.trim().parse().ok()?;
        return Some((f * 1024.0).round() as i64);
    }
    t.parse().ok()
}

/// `"2 GB"` / `"2GB"` / `"2048"` → MiB.
pub fn parse_memory(s: &str) -> Option<i64> {
    let t = s.trim();
    let lower = t.to_ascii_lowercase();
    if let Some(v) = lower.strip_suffix("gb") {
        let f: f64 = v.trim().parse().ok()?;
        return Some((f * 1024.0).round() as i64);
    }
    if let Some(v) = lower
        .strip_suffix("mib")
        .or_else(|| lower.strip_suffix("mb"))
    {
        return v.trim().parse().ok();
    }
    t.parse().ok()
}

/// Does an image come from a private ECR registry
/// (`<acct>.dkr.ecr.<region>.amazonaws.com/…`, or its dual-stack URI
/// `<acct>.dkr-ecr.<region>.on.aws/…`)?
pub fn is_private_ecr(image: &str) -> bool {
    let host = image.split('/').next().unwrap_or("");
    image.contains('/')
        && ((host.contains(".dkr.ecr.") && host.contains(".amazonaws.com"))
            || (host.contains(".dkr-ecr.") && host.ends_with(".on.aws")))
}

/// N31: what in a task definition needs the task execution role, if anything.
/// ECR images and the awslogs driver need it on Fargate only; secrets and
/// private registry authentication need it on every launch type
/// (docs/reference/ecs-error-texts.md §1).
pub fn execution_role_need(td: &TaskDefinition, fargate: bool) -> Option<&'static str> {
    if fargate {
        for c in &td.containers {
            if is_private_ecr(&c.image) {
                return Some("ECR images");
            }
        }
        for c in &td.containers {
            if c.log_driver.as_deref() == Some("awslogs") {
                return Some("log driver awslogs");
            }
        }
    }
    for c in &td.containers {
        if !c.secrets.is_empty() {
            return Some("secrets");
        }
    }
    for c in &td.containers {
        if c.repository_credentials.is_some() {
            return Some("private registry authentication");
        }
    }
    None
}

fn family_ok(f: &str) -> bool {
    !f.is_empty()
        && f.len() <= 255
        && f.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `Some(v)` when `v` is not empty.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().filter(|s| !s.is_empty())
}

/// A required member (`Shape.member`) must be given and not empty.
fn required(v: &Option<String>, member: &str) -> Result<()> {
    match given(v) {
        Some(_) => Ok(()),
        None => Err(err::blank(member)),
    }
}

/// An optional enum member (`member` as its JSON path below the request or
/// the container definition).
fn one_of(v: &Option<String>, allowed: &[&str], member: &str) -> Result<()> {
    match v.as_deref() {
        Some(x) if !allowed.contains(&x) => Err(err::invalid_enum(member, x, allowed)),
        _ => Ok(()),
    }
}

/// Ports are 0–65535.
fn port_ok(p: Option<i32>) -> bool {
    p.is_none_or(|p| (0..=65535).contains(&p))
}

const LOG_DRIVERS: &[&str] = &[
    "json-file",
    "syslog",
    "journald",
    "gelf",
    "fluentd",
    "awslogs",
    "splunk",
    "awsfirelens",
];
const ULIMIT_NAMES: &[&str] = &[
    "core",
    "cpu",
    "data",
    "fsize",
    "locks",
    "memlock",
    "msgqueue",
    "nice",
    "nofile",
    "nproc",
    "rss",
    "rtprio",
    "rttime",
    "sigpending",
    "stack",
];

/// The checks on one container definition's members that do not depend on
/// the rest of the definition (value ranges, enums, required members), and
/// the defaults AWS fills in.
fn normalize_container(
    d: &ContainerDefinition,
    name: &str,
    network_mode: &str,
) -> Result<ContainerDefinition> {
    let mut c = d.clone();
    if c.cpu.is_some_and(|x| x < 0) {
        return Err(err::invalid_container_setting("cpu", name));
    }
    if c.memory.is_some_and(|x| x <= 0) {
        return Err(err::invalid_container_setting("memory", name));
    }
    if c.memory_reservation.is_some_and(|x| x <= 0) {
        return Err(err::invalid_container_setting("memoryReservation", name));
    }
    for (setting, t) in [
        ("startTimeout", c.start_timeout),
        ("stopTimeout", c.stop_timeout),
    ] {
        if t.is_some_and(|x| x < 0) {
            return Err(err::invalid_container_setting(setting, name));
        }
    }
    one_of(
        &c.version_consistency,
        &["enabled", "disabled"],
        "versionConsistency",
    )?;
    if let Some(r) = &c.repository_credentials {
        required(
            &r.credentials_parameter,
            "RepositoryCredentials.credentialsParameter",
        )?;
    }
    for p in &mut c.port_mappings {
        if !port_ok(p.container_port) {
            return Err(err::invalid_container_setting("containerPort", name));
        }
        if !port_ok(p.host_port) {
            return Err(err::invalid_container_setting("hostPort", name));
        }
        one_of(&p.protocol, &["tcp", "udp"], "portMappings.protocol")?;
        one_of(
            &p.app_protocol,
            &["http", "http2", "grpc"],
            "portMappings.appProtocol",
        )?;
        // awsvpc and host publish the container port itself.
        if p.host_port.is_none() && matches!(network_mode, "awsvpc" | "host") {
            p.host_port = p.container_port;
        }
        if p.protocol.is_none() {
            p.protocol = Some("tcp".into());
        }
    }
    if let Some(r) = &c.restart_policy {
        if r.enabled.is_none() {
            return Err(err::blank("ContainerRestartPolicy.enabled"));
        }
        if r.restart_attempt_period.is_some_and(|x| x < 0) {
            return Err(err::invalid_container_setting("restartAttemptPeriod", name));
        }
    }
    for f in c.environment_files.iter().flatten() {
        required(&f.value, "EnvironmentFile.value")?;
        required(&f.kind, "EnvironmentFile.type")?;
        one_of(&f.kind, &["s3"], "environmentFiles.type")?;
    }
    if let Some(lp) = &c.linux_parameters {
        for (setting, v) in [
            ("sharedMemorySize", lp.shared_memory_size),
            ("maxSwap", lp.max_swap),
        ] {
            if v.is_some_and(|x| x < 0) {
                return Err(err::invalid_container_setting(setting, name));
            }
        }
        if lp.swappiness.is_some_and(|x| !(0..=100).contains(&x)) {
            return Err(err::invalid_container_setting("swappiness", name));
        }
        for dev in lp.devices.iter().flatten() {
            required(&dev.host_path, "Device.hostPath")?;
            for p in dev.permissions.iter().flatten() {
                one_of(
                    &Some(p.clone()),
                    &["read", "write", "mknod"],
                    "linuxParameters.devices.permissions",
                )?;
            }
        }
        for t in lp.tmpfs.iter().flatten() {
            required(&t.container_path, "Tmpfs.containerPath")?;
            if t.size.is_none_or(|x| x <= 0) {
                return Err(err::invalid_container_setting("tmpfs", name));
            }
        }
    }
    let log_secrets = c
        .log_configuration
        .as_ref()
        .and_then(|l| l.secret_options.as_ref());
    for s in c
        .secrets
        .iter()
        .flatten()
        .chain(log_secrets.into_iter().flatten())
    {
        required(&s.name, "Secret.name")?;
        required(&s.value_from, "Secret.valueFrom")?;
    }
    for dep in c.depends_on.iter().flatten() {
        required(&dep.container_name, "ContainerDependency.containerName")?;
        required(&dep.condition, "ContainerDependency.condition")?;
        one_of(
            &dep.condition,
            &["START", "COMPLETE", "SUCCESS", "HEALTHY"],
            "dependsOn.condition",
        )?;
    }
    for h in c.extra_hosts.iter().flatten() {
        required(&h.hostname, "HostEntry.hostname")?;
        required(&h.ip_address, "HostEntry.ipAddress")?;
    }
    for u in c.ulimits.iter().flatten() {
        required(&u.name, "Ulimit.name")?;
        one_of(&u.name, ULIMIT_NAMES, "ulimits.name")?;
        if u.soft_limit.is_none() || u.hard_limit.is_none() {
            return Err(err::invalid_container_setting("ulimits", name));
        }
    }
    if let Some(l) = &c.log_configuration {
        required(&l.log_driver, "LogConfiguration.logDriver")?;
        one_of(&l.log_driver, LOG_DRIVERS, "logConfiguration.logDriver")?;
    }
    if let Some(h) = &mut c.health_check {
        if h.command.as_ref().is_none_or(|x| x.is_empty()) {
            return Err(err::blank("HealthCheck.command"));
        }
        for (setting, v) in [
            ("interval", h.interval),
            ("timeout", h.timeout),
            ("retries", h.retries),
            ("startPeriod", h.start_period),
        ] {
            if v.is_some_and(|x| x < 0) {
                return Err(err::invalid_container_setting(setting, name));
            }
        }
        // AWS's defaults (terraform-provider-aws treats a definition without
        // them as equal to what AWS returns: container_definitions reduce()).
        h.interval.get_or_insert(30);
        h.timeout.get_or_insert(5);
        h.retries.get_or_insert(3);
    }
    for r in c.resource_requirements.iter().flatten() {
        required(&r.value, "ResourceRequirement.value")?;
        required(&r.kind, "ResourceRequirement.type")?;
        one_of(
            &r.kind,
            &["GPU", "InferenceAccelerator"],
            "resourceRequirements.type",
        )?;
    }
    if let Some(f) = &c.firelens_configuration {
        required(&f.kind, "FirelensConfiguration.type")?;
        one_of(
            &f.kind,
            &["fluentd", "fluentbit"],
            "firelensConfiguration.type",
        )?;
    }
    // AWS shows these members even when they were not given.
    c.cpu.get_or_insert(0);
    c.essential.get_or_insert(true);
    Ok(c)
}

/// What the rules and the task need of a checked container definition.
fn container_spec(c: &ContainerDefinition) -> ContainerSpec {
    let log = c.log_configuration.as_ref();
    let log_secrets = log.and_then(|l| l.secret_options.as_ref());
    ContainerSpec {
        name: c.name.clone().unwrap_or_default(),
        image: c.image.clone().unwrap_or_default(),
        cpu: c.cpu.map(i64::from),
        memory: c.memory.map(i64::from),
        memory_reservation: c.memory_reservation.map(i64::from),
        essential: c.essential.unwrap_or(true),
        ports: c
            .port_mappings
            .iter()
            .filter_map(|p| {
                let proto = p.protocol.clone().unwrap_or_else(|| "tcp".into());
                p.container_port.map(|cp| (i64::from(cp), proto))
            })
            .collect(),
        secrets: c
            .secrets
            .iter()
            .flatten()
            .chain(log_secrets.into_iter().flatten())
            .filter_map(|s| s.value_from.clone())
            .collect(),
        log_driver: log.and_then(|l| l.log_driver.clone()),
        log_options: log
            .and_then(|l| l.options.as_ref())
            .map(|o| o.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default(),
        repository_credentials: c
            .repository_credentials
            .as_ref()
            .and_then(|r| r.credentials_parameter.clone()),
    }
}

/// Volumes: required members, enum values, and EFS's `rootDirectory`, which
/// AWS stores as `/` when it is not given.
fn normalize_volumes(volumes: &[Volume]) -> Result<Vec<Volume>> {
    let mut out = volumes.to_vec();
    for v in &mut out {
        if let Some(d) = &v.docker_volume_configuration {
            one_of(
                &d.scope,
                &["task", "shared"],
                "dockerVolumeConfiguration.scope",
            )?;
        }
        if let Some(e) = &mut v.efs_volume_configuration {
            required(&e.file_system_id, "EFSVolumeConfiguration.fileSystemId")?;
            one_of(
                &e.transit_encryption,
                &["ENABLED", "DISABLED"],
                "efsVolumeConfiguration.transitEncryption",
            )?;
            if !port_ok(e.transit_encryption_port) {
                return Err(err::invalid_value(
                    "transitEncryptionPort",
                    &e.transit_encryption_port.unwrap_or_default().to_string(),
                ));
            }
            if let Some(a) = &e.authorization_config {
                one_of(
                    &a.iam,
                    &["ENABLED", "DISABLED"],
                    "efsVolumeConfiguration.authorizationConfig.iam",
                )?;
            }
            e.root_directory.get_or_insert_with(|| "/".into());
        }
        if let Some(s3) = &v.s3files_volume_configuration {
            required(
                &s3.file_system_arn,
                "S3FilesVolumeConfiguration.fileSystemArn",
            )?;
        }
        if let Some(f) = &v.fsx_windows_file_server_volume_configuration {
            required(
                &f.file_system_id,
                "FSxWindowsFileServerVolumeConfiguration.fileSystemId",
            )?;
            required(
                &f.root_directory,
                "FSxWindowsFileServerVolumeConfiguration.rootDirectory",
            )?;
            let Some(a) = &f.authorization_config else {
                return Err(err::blank(
                    "FSxWindowsFileServerVolumeConfiguration.authorizationConfig",
                ));
            };
            required(
                &a.credentials_parameter,
                "FSxWindowsFileServerAuthorizationConfig.credentialsParameter",
            )?;
            required(&a.domain, "FSxWindowsFileServerAuthorizationConfig.domain")?;
        }
    }
    Ok(out)
}

/// Each container's name and image, checked before the launch type and
/// network mode: AWS reports a container without a name even when a FARGATE
/// definition also lacks `awsvpc` (docs/reference/ecs-error-texts.md §1).
fn check_container_names(defs: &[ContainerDefinition]) -> Result<()> {
    let mut seen: Vec<&str> = Vec::with_capacity(defs.len());
    for d in defs {
        let name = d.name.as_deref().unwrap_or_default();
        if name.is_empty() {
            return Err(err::client("Container.name should not be null or empty."));
        }
        if name.len() > 255
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            return Err(err::client("Container.name contains invalid characters."));
        }
        if seen.contains(&name) {
            return Err(err::client(
                "Container names must be unique within a Task Definition.",
            ));
        }
        if given(&d.image).is_none() {
            return Err(err::client("Container.image should not be null or empty."));
        }
        seen.push(name);
    }
    Ok(())
}

/// A task definition reference whose revision is not a number (`web:latest`,
/// `web:`) is refused before any lookup, with AWS's text
/// (docs/reference/ecs-error-texts.md §2). ARNs of other resources are left
/// to the lookup, which does not find them.
pub fn check_revision(reference: &str) -> Result<()> {
    let r = match reference.split_once(":task-definition/") {
        Some((_, r)) => r,
        None if reference.starts_with("arn:") => return Ok(()),
        None => reference,
    };
    match r.rsplit_once(':') {
        Some((_, rev)) if rev.parse::<u32>().is_err() => Err(err::invalid_parameter(format!(
            "Invalid revision number. Number: {rev}"
        ))),
        _ => Ok(()),
    }
}

impl Region {
    /// RegisterTaskDefinition from its JSON request body, decoded as AWS
    /// decodes it (a wrong type is a SerializationException). Returns the
    /// key `family:revision`.
    pub fn register_task_definition(
        &mut self,
        req: &Value,
        principal: &str,
        now: Millis,
    ) -> Result<String> {
        let req: RegisterTaskDefinition = crate::json_input::decode(req)?;
        self.register_definition(&req, principal, now)
    }

    /// RegisterTaskDefinition. Returns the key `family:revision`.
    pub fn register_definition(
        &mut self,
        req: &RegisterTaskDefinition,
        principal: &str,
        now: Millis,
    ) -> Result<String> {
        let mut td = self.build_task_definition(req, principal, now)?;
        let rev = self
            .ecs
            .revisions
            .get_or_insert_with(td.family.clone(), || 0);
        *rev += 1;
        td.revision = *rev;
        td.key = TaskDefinition::key_of(&td.family, td.revision);
        let key = td.key.clone();
        self.ecs.task_definitions.insert(td);
        Ok(key)
    }

    /// Validate a RegisterTaskDefinition request and build the definition
    /// without storing it (registration, and `explain` of a planned task).
    pub fn build_task_definition(
        &self,
        req: &RegisterTaskDefinition,
        principal: &str,
        now: Millis,
    ) -> Result<TaskDefinition> {
        let family = req.family.clone().unwrap_or_default();
        if family.is_empty() {
            return Err(err::client("Family can not be blank."));
        }
        if !family_ok(&family) {
            return Err(err::client("Family contains invalid characters."));
        }
        let defs = &req.container_definitions;
        if defs.is_empty() {
            return Err(err::client("Container list cannot be empty."));
        }
        if defs.len() > 10 {
            return Err(err::client("Too many containers."));
        }
        check_container_names(defs)?;
        let requires = req.requires_compatibilities.clone();
        for r in &requires {
            if !matches!(
                r.as_str(),
                "EC2" | "FARGATE" | "EXTERNAL" | "MANAGED_INSTANCES"
            ) {
                return Err(err::invalid_value("requiresCompatibilities", r));
            }
        }
        let fargate = requires.iter().any(|r| r == "FARGATE");
        let network_mode = req
            .network_mode
            .clone()
            .unwrap_or_else(|| if fargate { "" } else { "bridge" }.to_string());
        if !network_mode.is_empty()
            && !matches!(network_mode.as_str(), "bridge" | "host" | "awsvpc" | "none")
        {
            return Err(err::client(format!("Invalid networkMode: {network_mode}")));
        }
        // N1
        if fargate && network_mode != "awsvpc" {
            return Err(err::fargate_requires_awsvpc());
        }
        one_of(&req.ipc_mode, &["host", "task", "none"], "ipcMode")?;
        one_of(&req.pid_mode, &["host", "task"], "pidMode")?;
        if fargate && req.ipc_mode.is_some() {
            return Err(err::client(
                "Tasks using the Fargate launch type do not support ipcMode.",
            ));
        }
        if fargate && req.pid_mode.as_deref() == Some("host") {
            return Err(err::client(
                "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.",
            ));
        }
        let platform = req.runtime_platform.as_ref();
        let os_family = platform
            .and_then(|p| p.operating_system_family.clone())
            .unwrap_or_else(|| "LINUX".into());
        let arch = platform
            .and_then(|p| p.cpu_architecture.clone())
            .unwrap_or_else(|| "X86_64".into());
        if !matches!(arch.as_str(), "X86_64" | "ARM64") {
            return Err(err::invalid_value("cpuArchitecture", &arch));
        }
        let windows = os_family.starts_with("WINDOWS");
        if !windows && os_family != "LINUX" {
            return Err(err::invalid_value("operatingSystemFamily", &os_family));
        }
        if windows && arch == "ARM64" {
            return Err(err::client(
                "Windows containers are not supported on ARM64.",
            ));
        }
        let cpu = match &req.cpu {
            Some(c) => Some(parse_cpu(c).ok_or_else(|| {
                err::client("Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
            })?),
            None => None,
        };
        let mem = match &req.memory {
            Some(m) => Some(parse_memory(m).ok_or_else(|| {
                err::client("Invalid 'memory' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
            })?),
            None => None,
        };
        if fargate {
            let Some(c) = cpu else {
                return Err(err::client(
                    "Fargate requires that 'cpu' be defined at the task level.",
                ));
            };
            let Some(m) = mem else {
                return Err(err::client(
                    "Fargate requires that 'memory' be defined at the task level.",
                ));
            };
            let ok = if windows {
                windows_memory_ok(c, m)
            } else {
                linux_memory_ok(c, m)
            };
            if !ok {
                return Err(err::client(format!(
                    "No Fargate configuration exists for given values: {c} CPU, {m} memory. See the Amazon ECS documentation for the valid values."
                )));
            }
        }
        // Containers.
        let mut containers: Vec<ContainerSpec> = Vec::new();
        let mut out_defs = Vec::new();
        for d in defs {
            let name = d.name.clone().unwrap_or_default();
            // N2
            if network_mode == "awsvpc" && d.hostname.is_some() {
                return Err(err::hostname_with_awsvpc());
            }
            let c = normalize_container(d, &name, &network_mode)?;
            let cmem = c.memory.map(i64::from);
            if let (Some(cm), Some(tm)) = (cmem, mem) {
                if cm > tm {
                    return Err(err::client(format!(
                        "The 'memory' setting for container '{name}' is greater than for the task."
                    )));
                }
            }
            if mem.is_none() && cmem.is_none() && c.memory_reservation.is_none() {
                return Err(err::client(format!(
                    "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."
                )));
            }
            if let (Some(m), Some(r)) = (c.memory, c.memory_reservation) {
                // AWS: memory must be at least memoryReservation (INF text).
                if r > m {
                    return Err(err::invalid_container_setting("memoryReservation", &name));
                }
            }
            if fargate && c.privileged == Some(true) {
                return Err(err::client(
                    "Tasks using the Fargate launch type do not support privileged containers.",
                ));
            }
            if network_mode == "awsvpc" {
                for p in &c.port_mappings {
                    if let (Some(cp), Some(hp)) = (p.container_port, p.host_port) {
                        if cp != hp {
                            return Err(err::client(
                                "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
                            ));
                        }
                    }
                }
            }
            containers.push(container_spec(&c));
            out_defs.push(c);
        }
        if !containers.iter().any(|c| c.essential) {
            return Err(err::client(
                "A task definition must have at least one essential container.",
            ));
        }
        let volumes = normalize_volumes(&req.volumes)?;
        for p in &req.placement_constraints {
            one_of(&p.kind, &["memberOf"], "placementConstraints.type")?;
        }
        if let Some(p) = &req.proxy_configuration {
            required(&p.container_name, "ProxyConfiguration.containerName")?;
            one_of(&p.kind, &["APPMESH"], "proxyConfiguration.type")?;
        }
        for a in req.inference_accelerators.iter().flatten() {
            required(&a.device_name, "InferenceAccelerator.deviceName")?;
            required(&a.device_type, "InferenceAccelerator.deviceType")?;
        }
        let efs = volumes.iter().any(|v| v.efs_volume_configuration.is_some());
        let ephemeral = match &req.ephemeral_storage {
            Some(e) => {
                let Some(size) = e.size_in_gib else {
                    return Err(err::blank("EphemeralStorage.sizeInGiB"));
                };
                if size < 21 {
                    return Err(err::client("EphemeralStorage size should be at least 21"));
                }
                if size > 200 {
                    return Err(err::client("EphemeralStorage size should be at most 200"));
                }
                Some(i64::from(size))
            }
            None => None,
        };
        let network_mode = if network_mode.is_empty() {
            "bridge".to_string()
        } else {
            network_mode
        };
        let mut td = TaskDefinition {
            family: family.clone(),
            revision: 0,
            region: self.info.name.to_string(),
            status: "ACTIVE".into(),
            network_mode,
            requires_compatibilities: requires.clone(),
            cpu: cpu.map(|c| c.to_string()),
            memory: mem.map(|m| m.to_string()),
            execution_role_arn: req.execution_role_arn.clone(),
            task_role_arn: req.task_role_arn.clone(),
            os_family,
            cpu_architecture: arch,
            containers,
            efs_volumes: efs,
            ephemeral_storage: ephemeral,
            spec: Default::default(),
            registered_at: now,
            deregistered_at: None,
            tags: req.tags.clone(),
            key: String::new(),
        };
        // N31
        if td.execution_role_arn.is_none() {
            if let Some(need) = execution_role_need(&td, fargate) {
                return Err(err::needs_execution_role(need));
            }
        }
        let mut compat = vec!["EC2".to_string()];
        if td.fargate_compatible() && cpu.is_some() && mem.is_some() {
            compat.push("FARGATE".into());
        }
        if td.network_mode != "awsvpc" {
            compat.insert(0, "EXTERNAL".into());
        }
        // The definition as DescribeTaskDefinition shows it.
        td.spec = std::sync::Arc::new(TaskDefinitionSpec {
            family,
            task_role_arn: req.task_role_arn.clone(),
            execution_role_arn: req.execution_role_arn.clone(),
            network_mode: Some(td.network_mode.clone()),
            container_definitions: out_defs,
            volumes,
            requires_attributes: required_attributes(&td),
            placement_constraints: req.placement_constraints.clone(),
            compatibilities: compat,
            runtime_platform: req.runtime_platform.clone(),
            requires_compatibilities: (!requires.is_empty()).then_some(requires),
            cpu: td.cpu.clone(),
            memory: td.memory.clone(),
            inference_accelerators: req.inference_accelerators.clone(),
            pid_mode: req.pid_mode.clone(),
            ipc_mode: req.ipc_mode.clone(),
            proxy_configuration: req.proxy_configuration.clone(),
            registered_by: Some(principal.to_string()),
            ephemeral_storage: req.ephemeral_storage.clone(),
            enable_fault_injection: req.enable_fault_injection,
        });
        Ok(td)
    }

    /// A task definition by `family`, `family:revision` or ARN. A bare family
    /// means its latest ACTIVE revision.
    /// The task definition a reference names: `family` (its latest ACTIVE
    /// revision), `family:revision` or an ARN. Callers check the reference
    /// with `check_revision` first.
    pub fn find_task_definition(&self, reference: &str) -> Option<&TaskDefinition> {
        let r = reference
            .split_once(":task-definition/")
            .map(|x| x.1)
            .unwrap_or(reference);
        match r.rsplit_once(':') {
            Some((fam, rev)) if rev.parse::<u32>().is_ok() => {
                self.ecs.task_definitions.get(&format!("{fam}:{rev}"))
            }
            _ => self
                .ecs
                .task_definitions
                .iter()
                .filter(|d| d.family == r && d.status == "ACTIVE")
                .max_by_key(|d| d.revision),
        }
    }

    pub fn deregister_task_definition(&mut self, reference: &str, now: Millis) -> Result<String> {
        // docs/reference/ecs-error-texts.md §2: Deregister needs a revision.
        if !reference.contains(':') {
            return Err(err::client("Revision is missing."));
        }
        check_revision(reference)?;
        let key = self
            .find_task_definition(reference)
            .filter(|d| d.status != "DELETE_IN_PROGRESS")
            .map(|d| d.key.clone())
            // docs/reference/ecs-error-texts.md §2: an unknown revision.
            .ok_or_else(|| err::client("Unable to describe task definition."))?;
        if let Some(d) = self.ecs.task_definitions.get_mut(&key) {
            if d.status == "ACTIVE" {
                d.status = "INACTIVE".into();
                d.deregistered_at = Some(now);
            }
        }
        Ok(key)
    }

    /// DeleteTaskDefinitions: only INACTIVE revisions can be deleted.
    pub fn delete_task_definition(&mut self, reference: &str) -> Result<String> {
        let d = self
            .find_task_definition(reference)
            .ok_or_else(|| err::client("The specified task definition does not exist. Specify a valid account, family, revision and try again."))?;
        if d.status == "ACTIVE" {
            return Err(err::client(
                "The specified task definition is still in ACTIVE status. Please deregister the target and try again.",
            ));
        }
        let key = d.key.clone();
        if let Some(d) = self.ecs.task_definitions.get_mut(&key) {
            d.status = "DELETE_IN_PROGRESS".into();
        }
        Ok(key)
    }

    /// DescribeTaskDefinition's `taskDefinition` object: the typed
    /// definition and the bookkeeping fields.
    pub fn task_definition_json(&self, td: &TaskDefinition) -> Value {
        let mut v = serde_json::to_value(&*td.spec).unwrap_or_default();
        if let Some(o) = v.as_object_mut() {
            o.insert("taskDefinitionArn".into(), json!(td.arn(&self.account_id)));
            o.insert("revision".into(), json!(td.revision));
            o.insert("status".into(), json!(td.status));
            o.insert("registeredAt".into(), json!(td.registered_at.epoch_secs()));
            if let Some(d) = td.deregistered_at {
                o.insert("deregisteredAt".into(), json!(d.epoch_secs()));
            }
        }
        v
    }
}

/// The capability attributes AWS attaches to a registered definition.
fn required_attributes(td: &TaskDefinition) -> Vec<Attribute> {
    let mut out = Vec::new();
    let mut add = |n: &str| {
        out.push(Attribute {
            name: n.to_string(),
            ..Default::default()
        })
    };
    if td.containers.iter().any(|c| is_private_ecr(&c.image)) {
        add("com.amazonaws.ecs.capability.ecr-auth");
        if td.execution_role_arn.is_some() {
            add("ecs.capability.execution-role-ecr-pull");
        }
    }
    if td
        .containers
        .iter()
        .any(|c| c.log_driver.as_deref() == Some("awslogs"))
    {
        add("com.amazonaws.ecs.capability.logging-driver.awslogs");
        if td.execution_role_arn.is_some() {
            add("ecs.capability.execution-role-awslogs");
        }
    }
    if td.containers.iter().any(|c| !c.secrets.is_empty()) {
        add("ecs.capability.secrets.asm.environment-variables");
    }
    if td.task_role_arn.is_some() {
        add("com.amazonaws.ecs.capability.task-iam-role");
    }
    if td.network_mode == "awsvpc" {
        add("ecs.capability.task-eni");
    }
    add("com.amazonaws.ecs.capability.docker-remote-api.1.18");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::world::World;

    const ROOT: &str = "arn:aws:iam::123456789012:root";

    fn world() -> World {
        World::new("123456789012", 1, Millis(1_700_000_000_000))
    }

    /// A Fargate definition with one container `web` carrying `extra`.
    fn body(extra: Value) -> Value {
        let mut c = json!({"name": "web", "image": "nginx"});
        for (k, v) in extra.as_object().unwrap() {
            c[k] = v.clone();
        }
        json!({
            "family": "f", "networkMode": "awsvpc", "requiresCompatibilities": ["FARGATE"],
            "cpu": "256", "memory": "512", "containerDefinitions": [c],
        })
    }

    fn register(extra: Value) -> Result<Value> {
        let mut w = world();
        let r = w.region_mut("us-east-1").unwrap();
        let key = r.register_task_definition(&body(extra), ROOT, Millis(1))?;
        Ok(r.task_definition_json(r.ecs.task_definitions.get(&key).unwrap()))
    }

    fn refused(extra: Value) -> (String, String) {
        let e = register(extra.clone()).expect_err(&extra.to_string());
        (e.code.to_string(), e.message)
    }

    #[test]
    fn wrong_types_never_reach_a_record() {
        let mut w = world();
        let r = w.region_mut("us-east-1").unwrap();
        for (extra, path) in [
            (json!({"cpu": "lots"}), "containerDefinitions[0].cpu"),
            (json!({"memory": -1e21}), "containerDefinitions[0].memory"),
            (
                json!({"essential": "maybe"}),
                "containerDefinitions[0].essential",
            ),
            (
                json!({"environment": "notalist"}),
                "containerDefinitions[0].environment",
            ),
        ] {
            let spec = body(extra);
            let e = r
                .register_task_definition(&spec, ROOT, Millis(1))
                .unwrap_err();
            assert_eq!(e.code, "SerializationException");
            // AWS's text names no path; the decoder's error does.
            let found = crate::json_input::decode_checked::<
                super::super::shapes::RegisterTaskDefinition,
            >(&spec)
            .unwrap_err();
            let described = crate::json_input::described(&found);
            assert!(described.starts_with(&e.message), "{described}");
            assert!(described.ends_with(&format!(" at {path}")), "{described}");
        }
        let mut b = body(json!({}));
        b["requiresCompatibilities"] = json!("FARGATE");
        let e = r.register_task_definition(&b, ROOT, Millis(1)).unwrap_err();
        assert_eq!(e.message, "Unexpected field type");
        assert_eq!(r.ecs.task_definitions.len(), 0);
    }

    #[test]
    fn values_aws_checks() {
        let client = |m: &str| ("ClientException".to_string(), m.to_string());
        let cases = [
            (
                json!({"portMappings": [{"containerPort": -5}]}),
                "Invalid 'containerPort' setting for container 'web'.",
            ),
            (
                json!({"portMappings": [{"containerPort": 65536}]}),
                "Invalid 'containerPort' setting for container 'web'.",
            ),
            (
                json!({"portMappings": [{"containerPort": 80, "hostPort": 70000}]}),
                "Invalid 'hostPort' setting for container 'web'.",
            ),
            (
                json!({"portMappings": [{"containerPort": 80, "protocol": "sctp"}]}),
                "Invalid value 'sctp' for portMappings.protocol. Valid values: tcp, udp.",
            ),
            (
                json!({"portMappings": [{"containerPort": 80, "appProtocol": "ftp"}]}),
                "Invalid value 'ftp' for portMappings.appProtocol. Valid values: http, http2, grpc.",
            ),
            (
                json!({"cpu": -1}),
                "Invalid 'cpu' setting for container 'web'.",
            ),
            (
                json!({"memory": 0}),
                "Invalid 'memory' setting for container 'web'.",
            ),
            (
                json!({"memoryReservation": -3}),
                "Invalid 'memoryReservation' setting for container 'web'.",
            ),
            (
                json!({"memory": 256, "memoryReservation": 300}),
                "Invalid 'memoryReservation' setting for container 'web'.",
            ),
            (
                json!({"logConfiguration": {"options": {}}}),
                "LogConfiguration.logDriver should not be null or empty.",
            ),
            (
                json!({"logConfiguration": {"logDriver": "stdout"}}),
                "Invalid value 'stdout' for logConfiguration.logDriver. Valid values: json-file, syslog, journald, gelf, fluentd, awslogs, splunk, awsfirelens.",
            ),
            (
                json!({"secrets": [{"name": "A"}]}),
                "Secret.valueFrom should not be null or empty.",
            ),
            (
                json!({"healthCheck": {"interval": 5}}),
                "HealthCheck.command should not be null or empty.",
            ),
            (
                json!({"dependsOn": [{"containerName": "x", "condition": "READY"}]}),
                "Invalid value 'READY' for dependsOn.condition. Valid values: START, COMPLETE, SUCCESS, HEALTHY.",
            ),
            (
                json!({"ulimits": [{"name": "nofile", "softLimit": 1}]}),
                "Invalid 'ulimits' setting for container 'web'.",
            ),
            (
                json!({"ulimits": [{"name": "files", "softLimit": 1, "hardLimit": 1}]}),
                "Invalid value 'files' for ulimits.name. Valid values: core, cpu, data, fsize, locks, memlock, msgqueue, nice, nofile, nproc, rss, rtprio, rttime, sigpending, stack.",
            ),
            (
                json!({"environmentFiles": [{"value": "arn:aws:s3:::b/k", "type": "http"}]}),
                "Invalid value 'http' for environmentFiles.type. Valid values: s3.",
            ),
            (
                json!({"linuxParameters": {"swappiness": 101}}),
                "Invalid 'swappiness' setting for container 'web'.",
            ),
            (
                json!({"versionConsistency": "sometimes"}),
                "Invalid value 'sometimes' for versionConsistency. Valid values: enabled, disabled.",
            ),
            (
                json!({"image": ""}),
                "Container.image should not be null or empty.",
            ),
        ];
        for (extra, message) in cases {
            assert_eq!(refused(extra), client(message));
        }
    }

    #[test]
    fn defaults_aws_fills_in() {
        let v = register(json!({
            "portMappings": [{"containerPort": 80}],
            "healthCheck": {"command": ["CMD", "true"]},
        }))
        .unwrap();
        let c = &v["containerDefinitions"][0];
        assert_eq!(
            c["portMappings"],
            json!([{"containerPort": 80, "hostPort": 80, "protocol": "tcp"}])
        );
        assert_eq!(c["cpu"], 0);
        assert_eq!(c["essential"], true);
        assert_eq!(
            c["healthCheck"],
            json!({"command": ["CMD", "true"], "interval": 30, "timeout": 5, "retries": 3})
        );
        for k in [
            "environment",
            "mountPoints",
            "volumesFrom",
            "systemControls",
        ] {
            assert_eq!(c[k], json!([]), "{k}");
        }
        // Nothing the client did not send, and no null anywhere.
        assert!(c.get("command").is_none() && c.get("links").is_none());
        assert!(!v.to_string().contains("null"));
        let mut w = world();
        let r = w.region_mut("us-east-1").unwrap();
        let mut b = body(json!({}));
        b["volumes"] =
            json!([{"name": "data", "efsVolumeConfiguration": {"fileSystemId": "fs-1"}}]);
        let key = r.register_task_definition(&b, ROOT, Millis(1)).unwrap();
        let v = r.task_definition_json(r.ecs.task_definitions.get(&key).unwrap());
        assert_eq!(
            v["volumes"][0]["efsVolumeConfiguration"],
            json!({"fileSystemId": "fs-1", "rootDirectory": "/"})
        );
    }

    #[test]
    fn every_member_comes_back_as_given() {
        let c: Value = serde_json::from_str(
            r#"{
            "name": "web", "image": "nginx", "cpu": 128, "memory": 256, "memoryReservation": 128,
            "links": ["db"], "essential": true, "entryPoint": ["sh"], "command": ["-c", "x"],
            "portMappings": [{"containerPort": 80, "hostPort": 80, "protocol": "udp", "name": "p",
                              "appProtocol": "http", "containerPortRange": "1-2"}],
            "restartPolicy": {"enabled": true, "ignoredExitCodes": [0], "restartAttemptPeriod": 60},
            "environment": [{"name": "A", "value": "1"}],
            "environmentFiles": [{"value": "arn:aws:s3:::b/e.env", "type": "s3"}],
            "mountPoints": [{"sourceVolume": "v", "containerPath": "/d", "readOnly": true}],
            "volumesFrom": [{"sourceContainer": "x", "readOnly": false}],
            "linuxParameters": {"capabilities": {"add": ["SYS_PTRACE"], "drop": ["ALL"]},
                                "devices": [{"hostPath": "/dev/a", "containerPath": "/dev/b", "permissions": ["read"]}],
                                "initProcessEnabled": true, "sharedMemorySize": 64,
                                "tmpfs": [{"containerPath": "/t", "size": 10, "mountOptions": ["ro"]}],
                                "maxSwap": 0, "swappiness": 60},
            "dependsOn": [{"containerName": "x", "condition": "START"}],
            "startTimeout": 30, "stopTimeout": 30, "versionConsistency": "disabled",
            "user": "1000", "workingDirectory": "/app", "disableNetworking": false,
            "privileged": false, "readonlyRootFilesystem": true, "dnsServers": ["10.0.0.2"],
            "dnsSearchDomains": ["example.com"], "extraHosts": [{"hostname": "h", "ipAddress": "10.0.0.9"}],
            "dockerSecurityOptions": ["no-new-privileges"], "interactive": false, "pseudoTerminal": false,
            "dockerLabels": {"a.b": "c"},
            "ulimits": [{"name": "nofile", "softLimit": 1024, "hardLimit": 4096}],
            "logConfiguration": {"logDriver": "awsfirelens", "options": {"Name": "cloudwatch"}},
            "healthCheck": {"command": ["CMD", "true"], "interval": 10, "timeout": 2, "retries": 1, "startPeriod": 0},
            "systemControls": [{"namespace": "net.core.somaxconn", "value": "1024"}],
            "resourceRequirements": [{"value": "1", "type": "GPU"}],
            "firelensConfiguration": {"type": "fluentbit", "options": {"enable-ecs-log-metadata": "true"}},
            "credentialSpecs": ["credentialspecdomainless:arn:aws:s3:::b/c.json"]
        }"#,
        )
        .unwrap();
        let v = register(c.clone()).unwrap();
        assert_eq!(v["containerDefinitions"][0], c);
    }

    #[test]
    fn cpu_memory_parsing_and_combinations() {
        assert_eq!(parse_cpu("1 vCPU"), Some(1024));
        assert_eq!(parse_cpu(".25 vcpu"), Some(256));
        assert_eq!(parse_cpu("512"), Some(512));
        assert_eq!(parse_memory("2 GB"), Some(2048));
        assert_eq!(parse_memory("0.5GB"), Some(512));
        assert!(linux_memory_ok(256, 512));
        assert!(!linux_memory_ok(256, 4096));
        assert!(linux_memory_ok(1024, 3072));
        assert!(!linux_memory_ok(1024, 1024));
        assert!(linux_memory_ok(8192, 20480));
        assert!(!linux_memory_ok(8192, 18432));
        assert!(!windows_memory_ok(256, 512));
    }

    #[test]
    fn private_ecr_detection() {
        assert!(is_private_ecr(
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/app:1"
        ));
        assert!(is_private_ecr(
            "123456789012.dkr-ecr.us-east-1.on.aws/app:1"
        ));
        assert!(!is_private_ecr("public.ecr.aws/nginx/nginx:latest"));
        assert!(!is_private_ecr("nginx"));
    }
}
