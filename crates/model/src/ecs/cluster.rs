//! ECS clusters.

use super::err;
use super::types::*;
use crate::error::Result;
use crate::time::Millis;
use crate::world::{Region, World};

#[derive(Debug, Default, Clone)]
pub struct CreateCluster {
    pub name: Option<String>,
    pub tags: Vec<EcsTag>,
    pub settings: Vec<(String, String)>,
    pub capacity_providers: Vec<String>,
    pub default_strategy: Vec<(String, i64, i64)>,
    pub configuration: Option<ClusterConfiguration>,
    /// `serviceConnectDefaults.namespace`: a Cloud Map namespace name or ARN.
    pub service_connect_namespace: Option<String>,
}

/// UpdateCluster's input: what is absent is left as it is.
#[derive(Debug, Default, Clone)]
pub struct UpdateCluster {
    pub settings: Option<Vec<(String, String)>>,
    pub configuration: Option<ClusterConfiguration>,
    /// `Some("")` removes the cluster's Service Connect default.
    pub service_connect_namespace: Option<String>,
}

/// A cluster given by name or ARN → its name.
pub fn cluster_name(reference: &str) -> &str {
    match reference.split_once(":cluster/") {
        Some((_, name)) => name,
        None => reference,
    }
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 255
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

pub(crate) fn check_settings(settings: &[(String, String)]) -> Result<()> {
    for (k, v) in settings {
        if k != "containerInsights" {
            return Err(err::invalid_parameter(format!(
                "Invalid cluster setting name: {k}"
            )));
        }
        if !matches!(v.as_str(), "enabled" | "disabled" | "enhanced") {
            return Err(err::invalid_parameter(format!(
                "Invalid value '{v}' for containerInsights. Valid values are enabled, disabled and enhanced."
            )));
        }
    }
    Ok(())
}

/// A cluster `configuration`: the ECS Exec logging mode is an enum, and a
/// log configuration only goes with `OVERRIDE`
/// (docs/reference/ecs-error-texts.md §3).
fn check_configuration(c: &ClusterConfiguration) -> Result<()> {
    if let Some(e) = &c.execute_command_configuration {
        if let Some(l) = e.logging.as_deref() {
            const LOGGING: &[&str] = &["NONE", "DEFAULT", "OVERRIDE"];
            if !LOGGING.contains(&l) {
                return Err(err::invalid_enum(
                    "executeCommandConfiguration.logging",
                    l,
                    LOGGING,
                ));
            }
        }
        if e.log_configuration.is_some() && e.logging.as_deref() != Some("OVERRIDE") {
            return Err(err::invalid_parameter(
                "You must set logging to 'OVERRIDE' when you supply a log configuration",
            ));
        }
    }
    Ok(())
}

/// tasknet keeps no Cloud Map: a namespace given by name is shown as the ARN
/// Cloud Map would give it, with an id derived from the name so that it is
/// the same on every call (AWS creates the namespace when it does not exist).
pub fn namespace_arn(region: &str, account: &str, namespace: &str) -> String {
    if namespace.starts_with("arn:") {
        return namespace.to_string();
    }
    let h = crate::services::fnv(&format!("{account}/{region}/{namespace}"));
    format!("arn:aws:servicediscovery:{region}:{account}:namespace/ns-{h:016x}")
}

fn check_capacity_providers(cps: &[String]) -> Result<()> {
    for c in cps {
        if c != "FARGATE" && c != "FARGATE_SPOT" {
            return Err(err::invalid_parameter(format!(
                "The specified capacity provider was not found. Specify a valid capacity provider and try again. ({c})"
            )));
        }
    }
    Ok(())
}

impl World {
    /// CreateCluster; also creates the ECS service-linked role (N8).
    pub fn create_cluster(
        &mut self,
        region: &str,
        req: CreateCluster,
        now: Millis,
    ) -> Result<String> {
        let name = req.name.clone().unwrap_or_else(|| "default".into());
        if !valid_name(&name) {
            return Err(err::invalid_parameter(format!(
                "Cluster must match ^[a-zA-Z0-9\\-_]{{1,255}}$, but was {name}"
            )));
        }
        check_settings(&req.settings)?;
        if let Some(c) = &req.configuration {
            check_configuration(c)?;
        }
        check_capacity_providers(&req.capacity_providers)?;
        for (cp, _, _) in &req.default_strategy {
            if !req.capacity_providers.contains(cp) {
                return Err(err::invalid_parameter(format!(
                    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again. ({cp})"
                )));
            }
        }
        self.ensure_ecs_service_linked_role(now);
        let r = self.region_mut(region)?;
        if r.ecs
            .clusters
            .get(&name)
            .is_some_and(|c| c.status == "ACTIVE")
        {
            return Ok(name);
        }
        let settings = if req.settings.is_empty() {
            vec![("containerInsights".to_string(), "disabled".to_string())]
        } else {
            req.settings
        };
        r.ecs.clusters.insert(Cluster {
            name: name.clone(),
            region: region.to_string(),
            status: "ACTIVE".into(),
            settings,
            capacity_providers: req.capacity_providers,
            default_strategy: req.default_strategy,
            tags: req.tags,
            created: now,
            configuration: req.configuration,
            service_connect_namespace: req.service_connect_namespace.filter(|n| !n.is_empty()),
        });
        Ok(name)
    }
}

impl Region {
    /// An ACTIVE cluster by name or ARN.
    pub fn active_cluster(&self, reference: &str) -> Result<&Cluster> {
        self.ecs
            .clusters
            .get(cluster_name(reference))
            .filter(|c| c.status == "ACTIVE")
            .ok_or_else(err::cluster_not_found)
    }

    pub fn cluster_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:ecs:{}:{}:cluster/{name}",
            self.info.name, self.account_id
        )
    }

    /// (running, pending) task counts of a cluster.
    pub fn cluster_task_counts(&self, name: &str) -> (usize, usize) {
        let mut running = 0;
        let mut pending = 0;
        for t in self.ecs.tasks.iter().filter(|t| t.cluster == name) {
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

    pub fn delete_cluster(&mut self, reference: &str) -> Result<String> {
        let name = self.active_cluster(reference)?.name.clone();
        let active = self
            .ecs
            .tasks
            .iter()
            .any(|t| t.cluster == name && t.last_status != TaskStatus::Stopped);
        if self.cluster_has_services(&name) {
            return Err(crate::error::ApiError::new(
                "ClusterContainsServicesException",
                "The Cluster cannot be deleted while Services are active.",
            ));
        }
        if active {
            return Err(crate::error::ApiError::new(
                "ClusterContainsTasksException",
                "The Cluster cannot be deleted while Tasks are active.",
            ));
        }
        if let Some(c) = self.ecs.clusters.get_mut(&name) {
            c.status = "INACTIVE".into();
        }
        Ok(name)
    }

    pub fn update_cluster_settings(
        &mut self,
        reference: &str,
        settings: Vec<(String, String)>,
    ) -> Result<String> {
        self.update_cluster(
            reference,
            UpdateCluster {
                settings: Some(settings),
                ..UpdateCluster::default()
            },
        )
    }

    /// UpdateCluster: settings are merged by name, the configuration is
    /// replaced, and an empty Service Connect namespace removes the default.
    pub fn update_cluster(&mut self, reference: &str, req: UpdateCluster) -> Result<String> {
        let name = self.active_cluster(reference)?.name.clone();
        if let Some(s) = &req.settings {
            check_settings(s)?;
        }
        if let Some(c) = &req.configuration {
            check_configuration(c)?;
        }
        if let Some(c) = self.ecs.clusters.get_mut(&name) {
            for (k, v) in req.settings.unwrap_or_default() {
                match c.settings.iter_mut().find(|(ck, _)| *ck == k) {
                    Some(e) => e.1 = v,
                    None => c.settings.push((k, v)),
                }
            }
            if let Some(conf) = req.configuration {
                c.configuration = Some(conf);
            }
            if let Some(ns) = req.service_connect_namespace {
                c.service_connect_namespace = Some(ns).filter(|n| !n.is_empty());
            }
        }
        Ok(name)
    }

    pub fn put_cluster_capacity_providers(
        &mut self,
        reference: &str,
        cps: Vec<String>,
        strategy: Vec<(String, i64, i64)>,
    ) -> Result<String> {
        let name = self.active_cluster(reference)?.name.clone();
        check_capacity_providers(&cps)?;
        for (cp, _, _) in &strategy {
            if !cps.contains(cp) {
                return Err(err::invalid_parameter(format!(
                    "The specified capacity provider strategy cannot contain a capacity provider that is not associated with the cluster. Associate the capacity provider with the cluster or specify a valid capacity provider and try again. ({cp})"
                )));
            }
        }
        if let Some(c) = self.ecs.clusters.get_mut(&name) {
            c.capacity_providers = cps;
            c.default_strategy = strategy;
        }
        Ok(name)
    }
}
