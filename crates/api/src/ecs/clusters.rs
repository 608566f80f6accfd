//! CreateCluster, DescribeClusters, ListClusters, DeleteCluster,
//! UpdateCluster, UpdateClusterSettings, PutClusterCapacityProviders.

use super::input::*;
use super::{check_include, paged, read, required, tags_out, write, Paging, Result};
use crate::Call;
use model::ecs::cluster::{cluster_name, namespace_arn, CreateCluster, UpdateCluster};
use model::ecs::types::Cluster;
use model::Region;
use serde_json::{json, Value};

fn cluster_json(r: &Region, c: &Cluster, include: &[String]) -> Value {
    let (running, pending) = r.cluster_task_counts(&c.name);
    let mut v = json!({
        "clusterArn": r.cluster_arn(&c.name),
        "clusterName": c.name,
        "status": c.status,
        "registeredContainerInstancesCount": 0,
        "runningTasksCount": running,
        "pendingTasksCount": pending,
        "activeServicesCount": r.cluster_service_count(&c.name),
        "statistics": [],
        "tags": [],
        "settings": c.settings.iter().map(|(k, v)| json!({"name": k, "value": v})).collect::<Vec<_>>(),
        "capacityProviders": c.capacity_providers,
        "defaultCapacityProviderStrategy": c.default_strategy.iter().map(|(p, w, b)| json!({"capacityProvider": p, "weight": w, "base": b})).collect::<Vec<_>>(),
    });
    if include.iter().any(|x| x == "TAGS") {
        v["tags"] = tags_out(&c.tags);
    }
    if let Some(conf) = c.configuration.as_ref() {
        if include.iter().any(|x| x == "CONFIGURATIONS") {
            v["configuration"] = json!(conf);
        }
    }
    if let Some(ns) = &c.service_connect_namespace {
        v["serviceConnectDefaults"] =
            json!({ "namespace": namespace_arn(r.info.name, &r.account_id, ns) });
    }
    v
}

/// What CreateCluster and UpdateCluster answer: the cluster with its tags
/// and configuration.
const WRITE_INCLUDE: &[&str] = &["TAGS", "CONFIGURATIONS"];

fn write_include() -> Vec<String> {
    WRITE_INCLUDE.iter().map(|s| s.to_string()).collect()
}

pub(super) async fn create_cluster(call: &Call<'_>, i: CreateClusterRequest) -> Result {
    let req = CreateCluster {
        name: i.cluster_name,
        tags: i.tags,
        settings: i.settings.iter().map(ClusterSetting::pair).collect(),
        capacity_providers: i.capacity_providers,
        default_strategy: i
            .default_capacity_provider_strategy
            .iter()
            .map(CapacityProviderStrategyItem::triple)
            .collect(),
        configuration: i.configuration,
        service_connect_namespace: i.service_connect_defaults.and_then(|d| d.namespace),
    };
    let region = call.region.clone();
    call.write(move |w, now| {
        let name = w.create_cluster(&region, req, now)?;
        let r = w.region(&region)?;
        let c = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, c, &write_include()) }))
    })
    .await
}

pub(super) async fn describe_clusters(call: &Call<'_>, i: DescribeClustersRequest) -> Result {
    let mut names = i.clusters;
    if names.is_empty() {
        names.push("default".into());
    }
    let include = i.include;
    check_include(
        &include,
        &[
            "ATTACHMENTS",
            "CONFIGURATIONS",
            "SETTINGS",
            "STATISTICS",
            "TAGS",
        ],
    )?;
    read(call, move |r| {
        let mut clusters = Vec::new();
        let mut failures = Vec::new();
        for n in &names {
            let name = cluster_name(n);
            match r.ecs.clusters.get(name) {
                Some(c) => clusters.push(cluster_json(r, c, &include)),
                None => failures.push(json!({"arn": r.cluster_arn(name), "reason": "MISSING"})),
            }
        }
        Ok(json!({ "clusters": clusters, "failures": failures }))
    })
    .await
}

pub(super) async fn list_clusters(call: &Call<'_>, i: ListClustersRequest) -> Result {
    let paging = Paging {
        max_results: i.max_results,
        next_token: i.next_token,
    };
    read(call, move |r| {
        let arns: Vec<String> = r
            .ecs
            .clusters
            .iter()
            .filter(|c| c.status == "ACTIVE")
            .map(|c| r.cluster_arn(&c.name))
            .collect();
        paged(&arns, &paging, "clusterArns", 100, 100)
    })
    .await
}

pub(super) async fn delete_cluster(call: &Call<'_>, i: DeleteClusterRequest) -> Result {
    let c = required(i.cluster, "cluster")?;
    write(call, move |r, _| {
        let name = r.delete_cluster(&c)?;
        let cl = r
            .ecs
            .clusters
            .get(&name)
            .ok_or_else(model::ecs::err::cluster_not_found)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &[]) }))
    })
    .await
}

pub(super) async fn update_cluster(call: &Call<'_>, i: UpdateClusterRequest) -> Result {
    let c = required(i.cluster, "cluster")?;
    let req = UpdateCluster {
        settings: i
            .settings
            .map(|s| s.iter().map(ClusterSetting::pair).collect()),
        configuration: i.configuration,
        service_connect_namespace: i
            .service_connect_defaults
            .map(|d| d.namespace.unwrap_or_default()),
    };
    write(call, move |r, _| {
        let name = r.update_cluster(&c, req)?;
        let cl = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &write_include()) }))
    })
    .await
}

pub(super) async fn update_cluster_settings(
    call: &Call<'_>,
    i: UpdateClusterSettingsRequest,
) -> Result {
    let c = required(i.cluster, "cluster")?;
    let settings = i.settings.iter().map(ClusterSetting::pair).collect();
    write(call, move |r, _| {
        let name = r.update_cluster_settings(&c, settings)?;
        let cl = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &[]) }))
    })
    .await
}

pub(super) async fn put_cluster_capacity_providers(
    call: &Call<'_>,
    i: PutClusterCapacityProvidersRequest,
) -> Result {
    let c = required(i.cluster, "cluster")?;
    let cps = i.capacity_providers;
    let strategy = i
        .default_capacity_provider_strategy
        .iter()
        .map(CapacityProviderStrategyItem::triple)
        .collect();
    write(call, move |r, _| {
        let name = r.put_cluster_capacity_providers(&c, cps, strategy)?;
        let cl = r.active_cluster(&name)?;
        Ok(json!({ "cluster": cluster_json(r, cl, &[]) }))
    })
    .await
}
