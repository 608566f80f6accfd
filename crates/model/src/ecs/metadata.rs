//! The task metadata endpoint v4 task document (N61), as Fargate serves it at
//! `${ECS_CONTAINER_METADATA_URI_V4}/task`.

use super::types::*;
use crate::world::Region;
use serde_json::{json, Value};

fn known_status(s: TaskStatus) -> &'static str {
    match s {
        TaskStatus::Provisioning | TaskStatus::Pending | TaskStatus::Activating => "PENDING",
        TaskStatus::Running => "RUNNING",
        _ => "STOPPED",
    }
}

impl Region {
    /// N61: `Networks[]` of a task: addresses, subnet blocks, gateway
    /// (subnet base+1 with prefix length), DNS servers and search list as
    /// snapshotted at launch (N17), private DNS name.
    pub fn task_networks(&self, t: &Task) -> Vec<Value> {
        let a = &t.attachment;
        if a.eni_id.is_none() || a.status == "DELETED" {
            return Vec::new();
        }
        let subnet = self.subnets.get(&t.network.subnet_id);
        let mut n = serde_json::Map::new();
        n.insert("NetworkMode".into(), json!("awsvpc"));
        if let Some(ip) = &a.private_ipv4 {
            n.insert("IPv4Addresses".into(), json!([ip]));
        }
        if let Some(ip) = &a.ipv6 {
            n.insert("IPv6Addresses".into(), json!([ip]));
        }
        n.insert("AttachmentIndex".into(), json!(0));
        if let Some(m) = &a.mac {
            n.insert("MACAddress".into(), json!(m));
        }
        if let Some(c) = subnet.and_then(|s| s.cidr) {
            n.insert("IPv4SubnetCIDRBlock".into(), json!(c.to_string()));
        }
        if let (Some(_), Some(c)) = (&a.ipv6, subnet.and_then(|s| s.ipv6_cidr())) {
            n.insert("IPv6SubnetCIDRBlock".into(), json!(c.to_string()));
        }
        n.insert("DomainNameServers".into(), json!(t.network.dns_servers));
        n.insert("DomainNameSearchList".into(), json!(t.network.search_list));
        if let Some(d) = &a.private_dns_name {
            n.insert("PrivateDNSName".into(), json!(d));
        }
        if let Some(c) = subnet.and_then(|s| s.cidr) {
            if let Some(gw) = c.nth(1) {
                n.insert(
                    "SubnetGatewayIpv4Address".into(),
                    json!(format!("{gw}/{}", c.prefix_len())),
                );
            }
        }
        // The agent fills the IPv6 gateway only for IPv6-only ENIs.
        if t.network.ipv6_only {
            if let Some(c) = subnet.and_then(|s| s.ipv6_cidr()) {
                let gw = std::net::Ipv6Addr::from(c.base() + 1);
                n.insert(
                    "SubnetGatewayIpv6Address".into(),
                    json!(format!("{gw}/{}", c.prefix_len())),
                );
            }
        }
        vec![Value::Object(n)]
    }

    /// The v4 task document.
    pub fn task_metadata(&self, t: &Task) -> Value {
        let acct = &self.account_id;
        let cluster_arn = t.cluster_arn(acct);
        let task_arn = t.arn(acct);
        let networks = self.task_networks(t);
        let cpu: f64 = t.cpu.parse::<f64>().unwrap_or(0.0) / 1024.0;
        let mem: i64 = t.memory.parse().unwrap_or(0);
        let containers: Vec<Value> = t
            .containers
            .iter()
            .map(|c| {
                let mut o = json!({
                    "DockerId": c.runtime_id.clone().unwrap_or_default(),
                    "Name": c.name,
                    "DockerName": c.name,
                    "Image": c.image,
                    "Labels": {
                        "com.amazonaws.ecs.cluster": cluster_arn,
                        "com.amazonaws.ecs.container-name": c.name,
                        "com.amazonaws.ecs.task-arn": task_arn,
                        "com.amazonaws.ecs.task-definition-family": t.family(),
                        "com.amazonaws.ecs.task-definition-version": t.revision(),
                    },
                    "DesiredStatus": if t.desired_status == "STOPPED" { "STOPPED" } else { "RUNNING" },
                    "KnownStatus": c.last_status,
                    "Limits": { "CPU": c.cpu.as_deref().and_then(|x| x.parse::<i64>().ok()).unwrap_or(0) },
                    "Type": "NORMAL",
                    "ContainerARN": format!("arn:aws:ecs:{}:{acct}:container/{}/{}/{}", t.region, t.cluster, t.id, c.id),
                    "Networks": networks,
                    "Snapshotter": "overlayfs",
                });
                if let Some(d) = &c.image_digest {
                    o["ImageID"] = json!(d);
                }
                if let Some(s) = t.started_at {
                    o["CreatedAt"] = json!(s.iso8601());
                    o["StartedAt"] = json!(s.iso8601());
                }
                if let Some(code) = c.exit_code {
                    o["ExitCode"] = json!(code);
                }
                o
            })
            .collect();
        let mut doc = json!({
            "Cluster": cluster_arn,
            "TaskARN": task_arn,
            "Family": t.family(),
            "Revision": t.revision(),
            "DesiredStatus": t.desired_status,
            "KnownStatus": known_status(t.last_status),
            "Limits": { "CPU": cpu, "Memory": mem },
            "AvailabilityZone": t.availability_zone,
            "LaunchType": "FARGATE",
            "Containers": containers,
            "VPCID": t.network.vpc_id,
            "ClockDrift": {
                "ClockErrorBound": 0.5,
                "ReferenceTimestamp": t.created_at.iso8601(),
                "ClockSynchronizationStatus": "SYNCHRONIZED",
            },
            "EphemeralStorageMetrics": { "Utilized": 0, "Reserved": t.ephemeral_storage * 1024 + 16 },
        });
        if let Some(z) = self.info.zone(&t.availability_zone) {
            doc["AvailabilityZoneID"] = json!(z.id);
        }
        if let Some(p) = t.pull_started_at {
            doc["PullStartedAt"] = json!(p.iso8601());
        }
        if let Some(p) = t.pull_stopped_at {
            doc["PullStoppedAt"] = json!(p.iso8601());
        }
        if let Some(p) = t.execution_stopped_at {
            doc["ExecutionStoppedAt"] = json!(p.iso8601());
        }
        if !t.tags.is_empty() {
            let tags: serde_json::Map<String, Value> = t
                .tags
                .iter()
                .map(|x| (x.key.clone(), json!(x.value)))
                .collect();
            doc["TaskTags"] = Value::Object(tags);
        }
        doc
    }
}
