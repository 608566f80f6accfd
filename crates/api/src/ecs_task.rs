//! The ECS task as RunTask, StopTask and DescribeTasks return it (N20),
//! serialized straight from the task: these are the busiest responses, and
//! building a `serde_json::Value` tree first cost more than writing it.
//! Keys come out sorted, as `serde_json::Value` writes every other response.

use model::ecs::types::*;
use model::{Millis, Region};
use serde::ser::{Serialize, SerializeMap, Serializer};
use serde::Serialize as DeriveSerialize;

/// What the task JSON needs, copied out under the world lock so that the
/// response is built after the lock is released (other requests and the
/// reconciler wait for the lock, not for JSON).
pub struct TaskView {
    pub task: Task,
    pub account: String,
    /// `ecs.cpu-architecture` of the task definition.
    pub arch: &'static str,
}

impl TaskView {
    pub fn of(r: &Region, task: &Task) -> TaskView {
        let arch = match r.ecs.task_definitions.get(&task.task_definition) {
            Some(d) if d.cpu_architecture == "ARM64" => "arm64",
            _ => "x86_64",
        };
        TaskView {
            task: task.clone(),
            account: r.account_id.clone(),
            arch,
        }
    }
}

/// A task's JSON.
pub struct TaskJson<'a> {
    pub view: &'a TaskView,
    /// `include: TAGS` (RunTask always shows them).
    pub with_tags: bool,
    /// The StopTask response carries `fargateEphemeralStorage` besides
    /// `ephemeralStorage` (aws-behavior §1.2).
    pub stop_response: bool,
}

/// Seconds since the epoch with milliseconds, as ECS timestamps are.
struct Time(Millis);

impl Serialize for Time {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.0.epoch_secs())
    }
}

#[derive(DeriveSerialize)]
struct NameValue<'a> {
    name: &'static str,
    value: &'a str,
}

#[derive(DeriveSerialize)]
struct AttachmentJson<'a> {
    details: Vec<NameValue<'a>>,
    id: &'a str,
    status: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
}

#[derive(DeriveSerialize)]
struct Storage {
    #[serde(rename = "sizeInGiB")]
    size_in_gib: i64,
}

#[derive(DeriveSerialize)]
#[serde(rename_all = "camelCase")]
struct NetworkInterfaceJson<'a> {
    attachment_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    ipv6_address: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    private_ipv4_address: Option<&'a str>,
}

#[derive(DeriveSerialize)]
#[serde(rename_all = "camelCase")]
struct ManagedAgent {
    #[serde(skip_serializing_if = "Option::is_none")]
    last_started_at: Option<Time>,
    last_status: &'static str,
    name: &'static str,
}

/// One container of the task.
struct ContainerJson<'a> {
    task: &'a TaskJson<'a>,
    task_arn: &'a str,
    c: &'a TaskContainer,
}

impl TaskJson<'_> {
    /// Network bindings and health appear once the task has started
    /// (absent while PROVISIONING: the RunTask response, aws-behavior §1.2).
    fn running_or_later(&self) -> bool {
        let t = &self.view.task;
        t.last_status >= TaskStatus::Running || t.started_at.is_some()
    }
}

impl Serialize for ContainerJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (task, c) = (&self.task.view.task, self.c);
        let a = &task.attachment;
        let attached = a.eni_id.is_some() && a.status != "PRECREATED";
        let later = self.task.running_or_later();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry(
            "containerArn",
            &format!(
                "arn:aws:ecs:{}:{}:container/{}/{}/{}",
                task.region, self.task.view.account, task.cluster, task.id, c.id
            ),
        )?;
        if let Some(x) = &c.cpu {
            m.serialize_entry("cpu", x)?;
        }
        if let Some(x) = c.exit_code {
            m.serialize_entry("exitCode", &x)?;
        }
        if later {
            m.serialize_entry("healthStatus", "UNKNOWN")?;
        }
        m.serialize_entry("image", &c.image)?;
        if let Some(x) = &c.image_digest {
            m.serialize_entry("imageDigest", x)?;
        }
        m.serialize_entry("lastStatus", &c.last_status)?;
        if task.enable_execute_command {
            let last_status = match task.last_status {
                TaskStatus::Running => "RUNNING",
                s if s > TaskStatus::Running => "STOPPED",
                _ => "PENDING",
            };
            let agent = ManagedAgent {
                last_started_at: task.started_at.map(Time),
                last_status,
                name: "ExecuteCommandAgent",
            };
            m.serialize_entry("managedAgents", &[agent])?;
        }
        if let Some(x) = &c.memory {
            m.serialize_entry("memory", x)?;
        }
        if let Some(x) = &c.memory_reservation {
            m.serialize_entry("memoryReservation", x)?;
        }
        m.serialize_entry("name", &c.name)?;
        if later && attached {
            m.serialize_entry("networkBindings", &[(); 0])?;
        }
        let nis: &[NetworkInterfaceJson] = &if attached {
            vec![NetworkInterfaceJson {
                attachment_id: &a.id,
                ipv6_address: a.ipv6.as_deref(),
                private_ipv4_address: a.private_ipv4.as_deref(),
            }]
        } else {
            Vec::new()
        };
        m.serialize_entry("networkInterfaces", nis)?;
        if let Some(x) = &c.reason {
            m.serialize_entry("reason", x)?;
        }
        if let Some(x) = &c.runtime_id {
            m.serialize_entry("runtimeId", x)?;
        }
        m.serialize_entry("taskArn", self.task_arn)?;
        m.end()
    }
}

impl Serialize for TaskJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (task, acct) = (&self.view.task, self.view.account.as_str());
        let arn = task.arn(acct);
        let a = &task.attachment;
        let later = self.running_or_later();
        let mut m = s.serialize_map(None)?;

        let mut details = vec![NameValue {
            name: "subnetId",
            value: &a.subnet_id,
        }];
        // N20: a PRECREATED attachment shows only its subnet, even while the
        // data plane plumbs the ENI it already has.
        if let Some(eni) = a.eni_id.as_ref().filter(|_| a.status != "PRECREATED") {
            details.push(NameValue {
                name: "networkInterfaceId",
                value: eni,
            });
            let optional = [
                ("macAddress", &a.mac),
                ("privateDnsName", &a.private_dns_name),
                ("privateIPv4Address", &a.private_ipv4),
            ];
            for (name, value) in optional {
                if let Some(value) = value {
                    details.push(NameValue { name, value });
                }
            }
        }
        let attachment = AttachmentJson {
            details,
            id: &a.id,
            status: &a.status,
            kind: "ElasticNetworkInterface",
        };
        m.serialize_entry("attachments", &[attachment])?;
        let arch = NameValue {
            name: "ecs.cpu-architecture",
            value: self.view.arch,
        };
        m.serialize_entry("attributes", &[arch])?;
        m.serialize_entry("availabilityZone", &task.availability_zone)?;
        if let Some(cp) = &task.capacity_provider {
            m.serialize_entry("capacityProviderName", cp)?;
        }
        m.serialize_entry("clusterArn", &task.cluster_arn(acct))?;
        if let Some(c) = task.connectivity_at {
            m.serialize_entry("connectivity", "CONNECTED")?;
            m.serialize_entry("connectivityAt", &Time(c))?;
        }
        let containers: Vec<ContainerJson> = task
            .containers
            .iter()
            .map(|c| ContainerJson {
                task: self,
                task_arn: &arn,
                c,
            })
            .collect();
        m.serialize_entry("containers", &containers)?;
        m.serialize_entry("cpu", &task.cpu)?;
        m.serialize_entry("createdAt", &Time(task.created_at))?;
        m.serialize_entry("desiredStatus", &task.desired_status)?;
        m.serialize_entry("enableExecuteCommand", &task.enable_execute_command)?;
        let storage = Storage {
            size_in_gib: task.ephemeral_storage,
        };
        m.serialize_entry("ephemeralStorage", &storage)?;
        if let Some(x) = task.execution_stopped_at {
            m.serialize_entry("executionStoppedAt", &Time(x))?;
        }
        if self.stop_response {
            m.serialize_entry("fargateEphemeralStorage", &storage)?;
        }
        m.serialize_entry("group", &task.group)?;
        if later {
            m.serialize_entry("healthStatus", "UNKNOWN")?;
        }
        m.serialize_entry("lastStatus", task.last_status.as_str())?;
        m.serialize_entry("launchType", &task.launch_type)?;
        m.serialize_entry("memory", &task.memory)?;
        m.serialize_entry("overrides", &task.overrides)?;
        m.serialize_entry("platformFamily", &task.platform_family)?;
        m.serialize_entry("platformVersion", &task.platform_version)?;
        let times = [
            ("pullStartedAt", task.pull_started_at),
            ("pullStoppedAt", task.pull_stopped_at),
            ("startedAt", task.started_at),
        ];
        for (k, at) in times {
            if let Some(at) = at {
                m.serialize_entry(k, &Time(at))?;
            }
        }
        if let Some(x) = &task.started_by {
            m.serialize_entry("startedBy", x)?;
        }
        if let Some(x) = &task.stop_code {
            m.serialize_entry("stopCode", x)?;
        }
        if let Some(x) = task.stopped_at {
            m.serialize_entry("stoppedAt", &Time(x))?;
        }
        if let Some(x) = &task.stopped_reason {
            m.serialize_entry("stoppedReason", x)?;
        }
        if let Some(x) = task.stopping_at {
            m.serialize_entry("stoppingAt", &Time(x))?;
        }
        if self.with_tags {
            m.serialize_entry("tags", &task.tags)?;
        }
        m.serialize_entry("taskArn", &arn)?;
        m.serialize_entry(
            "taskDefinitionArn",
            &format!(
                "arn:aws:ecs:{}:{acct}:task-definition/{}",
                task.region, task.task_definition
            ),
        )?;
        m.serialize_entry("version", &task.version)?;
        m.end()
    }
}

/// A task as a `serde_json::Value` (StopTask's response, tests).
pub fn task_json(view: &TaskView, with_tags: bool) -> serde_json::Value {
    let json = TaskJson {
        view,
        with_tags,
        stop_response: false,
    };
    serde_json::to_value(json).unwrap_or_default()
}
