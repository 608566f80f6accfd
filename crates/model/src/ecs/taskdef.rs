//! Task definitions: registration with the checks AWS makes (N1, N2, N31,
//! Fargate cpu/memory), revisions, describe/list/deregister/delete.

use super::err;
use super::types::*;
use crate::error::Result;
use crate::time::Millis;
use crate::world::Region;
use serde_json::{json, Map, Value};

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

fn as_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn str_field<'a>(v: &'a Value, k: &str) -> Option<&'a str> {
    v.get(k).and_then(Value::as_str)
}

fn int_field(v: &Value, k: &str) -> Option<i64> {
    v.get(k).and_then(|x| {
        x.as_i64()
            .or_else(|| x.as_str().and_then(|s| s.parse().ok()))
    })
}

/// The `valueFrom` of each entry of a secrets list.
fn value_froms(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|s| str_field(s, "valueFrom").map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
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

impl Region {
    /// RegisterTaskDefinition from its JSON request body. Returns the key `family:revision`.
    pub fn register_task_definition(
        &mut self,
        req: &Value,
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

    /// Validate a RegisterTaskDefinition body and build the definition without
    /// storing it (registration, and `explain` of a planned task).
    pub fn build_task_definition(
        &self,
        req: &Value,
        principal: &str,
        now: Millis,
    ) -> Result<TaskDefinition> {
        let family = str_field(req, "family").unwrap_or_default().to_string();
        if family.is_empty() {
            return Err(err::client("Family can not be blank."));
        }
        if !family_ok(&family) {
            return Err(err::client("Family contains invalid characters."));
        }
        let defs = req
            .get("containerDefinitions")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        if defs.is_empty() {
            return Err(err::client("Container list cannot be empty."));
        }
        if defs.len() > 10 {
            return Err(err::client("Too many containers."));
        }
        let requires: Vec<String> = req
            .get("requiresCompatibilities")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for r in &requires {
            if !matches!(
                r.as_str(),
                "EC2" | "FARGATE" | "EXTERNAL" | "MANAGED_INSTANCES"
            ) {
                return Err(err::client(format!(
                    "Invalid value for requiresCompatibilities: {r}"
                )));
            }
        }
        let fargate = requires.iter().any(|r| r == "FARGATE");
        let network_mode = str_field(req, "networkMode")
            .unwrap_or(if fargate { "" } else { "bridge" })
            .to_string();
        if !network_mode.is_empty()
            && !matches!(network_mode.as_str(), "bridge" | "host" | "awsvpc" | "none")
        {
            return Err(err::client(format!("Invalid networkMode: {network_mode}")));
        }
        // N1
        if fargate && network_mode != "awsvpc" {
            return Err(err::fargate_requires_awsvpc());
        }
        if fargate && req.get("ipcMode").is_some() {
            return Err(err::client(
                "Tasks using the Fargate launch type do not support ipcMode.",
            ));
        }
        if fargate && str_field(req, "pidMode") == Some("host") {
            return Err(err::client(
                "Tasks using the Fargate launch type do not support pidMode 'host'. The supported value for pidMode is 'task'.",
            ));
        }
        let os_family = req
            .pointer("/runtimePlatform/operatingSystemFamily")
            .and_then(Value::as_str)
            .unwrap_or("LINUX")
            .to_string();
        let arch = req
            .pointer("/runtimePlatform/cpuArchitecture")
            .and_then(Value::as_str)
            .unwrap_or("X86_64")
            .to_string();
        if !matches!(arch.as_str(), "X86_64" | "ARM64") {
            return Err(err::client(format!(
                "Invalid value for cpuArchitecture: {arch}"
            )));
        }
        let windows = os_family.starts_with("WINDOWS");
        if !windows && os_family != "LINUX" {
            return Err(err::client(format!(
                "Invalid value for operatingSystemFamily: {os_family}"
            )));
        }
        if windows && arch == "ARM64" {
            return Err(err::client(
                "Windows containers are not supported on ARM64.",
            ));
        }
        let cpu_raw = req.get("cpu").and_then(as_string);
        let mem_raw = req.get("memory").and_then(as_string);
        let cpu = match &cpu_raw {
            Some(c) => Some(parse_cpu(c).ok_or_else(|| {
                err::client("Invalid 'cpu' setting for task. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.")
            })?),
            None => None,
        };
        let mem = match &mem_raw {
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
        let mut containers = Vec::new();
        let mut out_defs = Vec::new();
        for d in &defs {
            let name = str_field(d, "name").unwrap_or_default().to_string();
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
            if containers.iter().any(|c: &ContainerSpec| c.name == name) {
                return Err(err::client(
                    "Container names must be unique within a Task Definition.",
                ));
            }
            let image = str_field(d, "image").unwrap_or_default().to_string();
            if image.is_empty() {
                return Err(err::client("Container.image should not be null or empty."));
            }
            // N2
            if network_mode == "awsvpc" && d.get("hostname").is_some() {
                return Err(err::hostname_with_awsvpc());
            }
            let cmem = int_field(d, "memory");
            if let (Some(cm), Some(tm)) = (cmem, mem) {
                if cm > tm {
                    return Err(err::client(format!(
                        "The 'memory' setting for container '{name}' is greater than for the task."
                    )));
                }
            }
            if mem.is_none() && cmem.is_none() && int_field(d, "memoryReservation").is_none() {
                return Err(err::client(format!(
                    "Invalid setting for container '{name}'. At least one of 'memory' or 'memoryReservation' must be specified."
                )));
            }
            if fargate && d.get("privileged").and_then(Value::as_bool) == Some(true) {
                return Err(err::client(
                    "Tasks using the Fargate launch type do not support privileged containers.",
                ));
            }
            let mut ports = Vec::new();
            let mut out_ports = Vec::new();
            for p in d
                .get("portMappings")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
            {
                let cp = int_field(&p, "containerPort");
                let hp = int_field(&p, "hostPort");
                if network_mode == "awsvpc" {
                    if let (Some(c), Some(h)) = (cp, hp) {
                        if c != h {
                            return Err(err::client(
                                "When networkMode=awsvpc, the host ports and container ports in port mappings must match.",
                            ));
                        }
                    }
                }
                let proto = str_field(&p, "protocol").unwrap_or("tcp").to_string();
                let mut o = p.as_object().cloned().unwrap_or_default();
                if let Some(c) = cp {
                    ports.push((c, proto.clone()));
                    if network_mode == "awsvpc" || network_mode == "host" {
                        o.entry("hostPort").or_insert(json!(c));
                    }
                }
                o.entry("protocol").or_insert(json!(proto));
                out_ports.push(Value::Object(o));
            }
            let secrets = value_froms(d.get("secrets"));
            let log_secrets = value_froms(d.pointer("/logConfiguration/secretOptions"));
            let log_driver = d
                .pointer("/logConfiguration/logDriver")
                .and_then(Value::as_str)
                .map(str::to_string);
            let log_options: Vec<(String, String)> = d
                .pointer("/logConfiguration/options")
                .and_then(Value::as_object)
                .map(|o| {
                    o.iter()
                        .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                        .collect()
                })
                .unwrap_or_default();
            containers.push(ContainerSpec {
                name: name.clone(),
                image: image.clone(),
                cpu: int_field(d, "cpu"),
                memory: cmem,
                memory_reservation: int_field(d, "memoryReservation"),
                essential: d.get("essential").and_then(Value::as_bool).unwrap_or(true),
                ports,
                secrets: secrets.into_iter().chain(log_secrets).collect(),
                log_driver,
                log_options,
                repository_credentials: d
                    .pointer("/repositoryCredentials/credentialsParameter")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            });
            let mut o: Map<String, Value> = d.as_object().cloned().unwrap_or_default();
            o.insert("portMappings".into(), Value::Array(out_ports));
            o.entry("cpu").or_insert(json!(0));
            o.entry("essential").or_insert(json!(true));
            for k in [
                "environment",
                "mountPoints",
                "volumesFrom",
                "systemControls",
            ] {
                o.entry(k).or_insert(json!([]));
            }
            out_defs.push(Value::Object(o));
        }
        if !containers.iter().any(|c| c.essential) {
            return Err(err::client(
                "A task definition must have at least one essential container.",
            ));
        }
        let volumes = req
            .get("volumes")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let efs = volumes
            .iter()
            .any(|v| v.get("efsVolumeConfiguration").is_some());
        let ephemeral = req
            .pointer("/ephemeralStorage/sizeInGiB")
            .and_then(Value::as_i64);
        if let Some(e) = ephemeral {
            if e < 21 {
                return Err(err::client("EphemeralStorage size should be at least 21"));
            }
            if e > 200 {
                return Err(err::client("EphemeralStorage size should be at most 200"));
            }
        }
        let mut td = TaskDefinition {
            family: family.clone(),
            revision: 0,
            region: self.info.name.to_string(),
            status: "ACTIVE".into(),
            network_mode: if network_mode.is_empty() {
                "bridge".into()
            } else {
                network_mode.clone()
            },
            requires_compatibilities: requires.clone(),
            cpu: cpu.map(|c| c.to_string()),
            memory: mem.map(|m| m.to_string()),
            execution_role_arn: str_field(req, "executionRoleArn").map(str::to_string),
            task_role_arn: str_field(req, "taskRoleArn").map(str::to_string),
            os_family: os_family.clone(),
            cpu_architecture: arch,
            containers,
            efs_volumes: efs,
            ephemeral_storage: ephemeral,
            body: Default::default(),
            registered_at: now,
            deregistered_at: None,
            tags: Vec::new(),
            key: String::new(),
        };
        // N31
        if td.execution_role_arn.is_none() {
            if let Some(need) = execution_role_need(&td, fargate) {
                return Err(err::needs_execution_role(need));
            }
        }
        td.tags = req
            .get("tags")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .map(|t| EcsTag {
                        key: str_field(t, "key").unwrap_or_default().to_string(),
                        value: str_field(t, "value").unwrap_or_default().to_string(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The definition as DescribeTaskDefinition shows it.
        let mut body: Map<String, Value> = Map::new();
        body.insert("family".into(), json!(family));
        body.insert("containerDefinitions".into(), Value::Array(out_defs));
        for k in [
            "taskRoleArn",
            "executionRoleArn",
            "pidMode",
            "ipcMode",
            "proxyConfiguration",
            "inferenceAccelerators",
            "ephemeralStorage",
            "runtimePlatform",
            "enableFaultInjection",
        ] {
            if let Some(v) = req.get(k) {
                body.insert(k.into(), v.clone());
            }
        }
        body.insert("networkMode".into(), json!(td.network_mode));
        body.insert("volumes".into(), Value::Array(volumes));
        body.insert(
            "placementConstraints".into(),
            req.get("placementConstraints")
                .cloned()
                .unwrap_or(json!([])),
        );
        let mut compat = vec!["EC2".to_string()];
        if td.fargate_compatible() && cpu.is_some() && mem.is_some() {
            compat.push("FARGATE".into());
        }
        if td.network_mode != "awsvpc" {
            compat.insert(0, "EXTERNAL".into());
        }
        body.insert("compatibilities".into(), json!(compat));
        if !requires.is_empty() {
            body.insert("requiresCompatibilities".into(), json!(requires));
        }
        body.insert(
            "requiresAttributes".into(),
            Value::Array(required_attributes(&td)),
        );
        if let Some(c) = &td.cpu {
            body.insert("cpu".into(), json!(c));
        }
        if let Some(m) = &td.memory {
            body.insert("memory".into(), json!(m));
        }
        body.insert("registeredBy".into(), json!(principal));
        td.body = std::sync::Arc::new(Value::Object(body));
        Ok(td)
    }

    /// A task definition by `family`, `family:revision` or ARN. A bare family
    /// means its latest ACTIVE revision.
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
        if !reference.contains(':') {
            return Err(err::invalid_parameter("Invalid revision number. Number: "));
        }
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

    /// DescribeTaskDefinition's `taskDefinition` object.
    pub fn task_definition_json(&self, td: &TaskDefinition) -> Value {
        let mut v = (*td.body).clone();
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
fn required_attributes(td: &TaskDefinition) -> Vec<Value> {
    let mut out = Vec::new();
    let mut add = |n: &str| out.push(json!({ "name": n }));
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
