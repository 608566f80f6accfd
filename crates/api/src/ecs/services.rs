//! CreateService, UpdateService, DeleteService, DescribeServices,
//! ListServices. The model holds the rules (`model::ecs::service`) and the
//! scheduler (`model::ecs::scheduler`); this is the wire.

use super::input::*;
use super::{caller, check_include, paged, read, required, tags_out, write, Paging, Result};
use crate::Call;
use model::ecs::service::{
    service_role_arn, CreateService, Deployment, DeploymentConfigSpec, ListServices,
    LoadBalancerSpec, Service, ServiceNetwork, UpdateService,
};
use model::rules::awsvpc::AwsVpcConfig;
use model::{Millis, Region};
use serde_json::{json, Value};

fn time(t: Millis) -> Value {
    json!(t.epoch_secs())
}

fn network(n: Option<NetworkConfiguration>) -> Option<AwsVpcConfig> {
    // An empty networkConfiguration is no configuration (N3).
    n.and_then(|n| n.awsvpc_configuration)
        .map(|c| AwsVpcConfig {
            subnets: c.subnets,
            security_groups: c.security_groups,
            assign_public_ip: c.assign_public_ip,
        })
}

fn load_balancers(l: Vec<LoadBalancer>) -> Vec<LoadBalancerSpec> {
    l.into_iter()
        .map(|l| LoadBalancerSpec {
            target_group_arn: l.target_group_arn,
            load_balancer_name: l.load_balancer_name,
            container_name: l.container_name,
            container_port: l.container_port.map(i64::from),
        })
        .collect()
}

fn deployment_config(c: Option<DeploymentConfiguration>) -> Option<DeploymentConfigSpec> {
    c.map(|c| DeploymentConfigSpec {
        maximum_percent: c.maximum_percent.map(i64::from),
        minimum_healthy_percent: c.minimum_healthy_percent.map(i64::from),
        circuit_breaker: c
            .deployment_circuit_breaker
            .map(|b| (b.enable.unwrap_or(false), b.rollback.unwrap_or(false))),
    })
}

fn strategy(s: &[CapacityProviderStrategyItem]) -> Vec<(String, i64, i64)> {
    s.iter().map(CapacityProviderStrategyItem::triple).collect()
}

fn network_json(n: &ServiceNetwork) -> Value {
    json!({"awsvpcConfiguration": {
        "subnets": n.subnets,
        "securityGroups": n.security_groups,
        "assignPublicIp": n.assign_public_ip,
    }})
}

fn strategy_json(s: &[(String, i64, i64)]) -> Value {
    s.iter()
        .map(|(p, w, b)| json!({"capacityProvider": p, "weight": w, "base": b}))
        .collect()
}

fn deployment_json(r: &Region, s: &Service, d: &Deployment) -> Value {
    let (running, pending) = r.service_counts(s, Some(&d.id));
    let mut v = json!({
        "id": d.id,
        "status": d.status,
        "taskDefinition": format!("arn:aws:ecs:{}:{}:task-definition/{}", r.info.name, r.account_id, d.task_definition),
        "desiredCount": r.deployment_desired(s, d),
        "pendingCount": pending,
        "runningCount": running,
        "failedTasks": r.deployment_failed_tasks(s, d),
        "createdAt": time(d.created_at),
        "updatedAt": time(d.updated_at),
        "platformVersion": d.resolved_platform_version,
        "platformFamily": d.platform_family,
        "rolloutState": d.rollout_state,
        "rolloutStateReason": d.rollout_state_reason,
    });
    match &d.launch_type {
        Some(l) => v["launchType"] = json!(l),
        None if d.capacity_provider_strategy.is_empty() => v["launchType"] = json!("FARGATE"),
        None => v["capacityProviderStrategy"] = strategy_json(&d.capacity_provider_strategy),
    }
    if let Some(n) = &d.network {
        v["networkConfiguration"] = network_json(n);
    }
    v
}

/// A service as DescribeServices, CreateService and UpdateService show it.
pub fn service_json(r: &Region, s: &Service, with_tags: bool) -> Value {
    let (running, pending) = r.service_counts(s, None);
    let primary = s.primary();
    let c = &s.deployment_config;
    let mut v = json!({
        "serviceArn": s.arn(&r.account_id),
        "serviceName": s.name,
        "clusterArn": r.cluster_arn(&s.cluster),
        "loadBalancers": s.load_balancers.iter().map(|l| json!({
            "targetGroupArn": l.target_group_arn,
            "containerName": l.container_name,
            "containerPort": l.container_port,
        })).collect::<Vec<_>>(),
        "serviceRegistries": [],
        "status": s.status,
        "desiredCount": s.desired_count,
        "runningCount": running,
        "pendingCount": pending,
        "deploymentConfiguration": {
            "deploymentCircuitBreaker": {"enable": c.circuit_breaker.enable, "rollback": c.circuit_breaker.rollback},
            "maximumPercent": c.maximum_percent,
            "minimumHealthyPercent": c.minimum_healthy_percent,
        },
        "deployments": s.deployments.iter().map(|d| deployment_json(r, s, d)).collect::<Vec<_>>(),
        "roleArn": service_role_arn(&r.account_id),
        "events": s.events.iter().map(|e| json!({
            "id": e.id, "createdAt": time(e.created_at), "message": e.message,
        })).collect::<Vec<_>>(),
        "createdAt": time(s.created_at),
        "placementConstraints": [],
        "placementStrategy": [],
        "schedulingStrategy": "REPLICA",
        "deploymentController": {"type": "ECS"},
        "createdBy": s.created_by,
        "enableECSManagedTags": s.enable_ecs_managed_tags,
        "propagateTags": s.propagate_tags,
        "enableExecuteCommand": primary.is_some_and(|d| d.enable_execute_command),
        "availabilityZoneRebalancing": s.availability_zone_rebalancing,
    });
    if let Some(d) = primary {
        v["taskDefinition"] = json!(format!(
            "arn:aws:ecs:{}:{}:task-definition/{}",
            r.info.name, r.account_id, d.task_definition
        ));
        v["platformVersion"] = json!(d.platform_version);
        v["platformFamily"] = json!(d.platform_family);
        match &d.launch_type {
            Some(l) => v["launchType"] = json!(l),
            None if d.capacity_provider_strategy.is_empty() => v["launchType"] = json!("FARGATE"),
            None => v["capacityProviderStrategy"] = strategy_json(&d.capacity_provider_strategy),
        }
        if let Some(n) = &d.network {
            v["networkConfiguration"] = network_json(n);
        }
    }
    if let Some(g) = s.health_check_grace_period {
        v["healthCheckGracePeriodSeconds"] = json!(g);
    }
    if with_tags {
        v["tags"] = tags_out(&s.tags);
    }
    v
}

fn controller(c: Option<DeploymentController>) -> Option<String> {
    c.map(|c| c.kind.unwrap_or_default())
}

pub(super) async fn create_service(call: &Call<'_>, i: CreateServiceRequest) -> Result {
    let req = CreateService {
        cluster: i.cluster,
        service_name: i.service_name,
        task_definition: i.task_definition,
        desired_count: i.desired_count.map(i64::from),
        launch_type: i.launch_type,
        capacity_provider_strategy: strategy(&i.capacity_provider_strategy),
        platform_version: i.platform_version,
        network: network(i.network_configuration),
        load_balancers: load_balancers(i.load_balancers),
        role: i.role,
        deployment_configuration: deployment_config(i.deployment_configuration),
        health_check_grace_period: i.health_check_grace_period_seconds.map(i64::from),
        scheduling_strategy: i.scheduling_strategy,
        deployment_controller: controller(i.deployment_controller),
        tags: i.tags,
        enable_ecs_managed_tags: i.enable_ecs_managed_tags.unwrap_or(false),
        propagate_tags: i.propagate_tags,
        enable_execute_command: i.enable_execute_command.unwrap_or(false),
        availability_zone_rebalancing: i.availability_zone_rebalancing,
        client_token: i.client_token,
        principal: caller(call),
    };
    let region = call.region.clone();
    call.write(move |w, now| {
        let key = w.create_service(&region, req, now)?;
        let r = w.region(&region)?;
        let s = r
            .ecs
            .services
            .get(&key)
            .ok_or_else(model::ecs::err::service_not_found)?;
        Ok(json!({ "service": service_json(r, s, true) }))
    })
    .await
}

pub(super) async fn update_service(call: &Call<'_>, i: UpdateServiceRequest) -> Result {
    let req = UpdateService {
        cluster: i.cluster,
        service: required(i.service, "service")?,
        desired_count: i.desired_count.map(i64::from),
        task_definition: i.task_definition,
        capacity_provider_strategy: i.capacity_provider_strategy.map(|s| strategy(&s)),
        deployment_configuration: deployment_config(i.deployment_configuration),
        network: network(i.network_configuration),
        platform_version: i.platform_version,
        force_new_deployment: i.force_new_deployment.unwrap_or(false),
        health_check_grace_period: i.health_check_grace_period_seconds.map(i64::from),
        deployment_controller: controller(i.deployment_controller),
        enable_execute_command: i.enable_execute_command,
        enable_ecs_managed_tags: i.enable_ecs_managed_tags,
        load_balancers: i.load_balancers.map(load_balancers),
        propagate_tags: i.propagate_tags,
        availability_zone_rebalancing: i.availability_zone_rebalancing,
        principal: caller(call),
    };
    let region = call.region.clone();
    call.write(move |w, now| {
        let key = w.update_service(&region, req, now)?;
        let r = w.region(&region)?;
        let s = r
            .ecs
            .services
            .get(&key)
            .ok_or_else(model::ecs::err::service_not_found)?;
        Ok(json!({ "service": service_json(r, s, false) }))
    })
    .await
}

pub(super) async fn delete_service(call: &Call<'_>, i: DeleteServiceRequest) -> Result {
    let cluster = i.cluster.unwrap_or_else(|| "default".into());
    let service = required(i.service, "service")?;
    let force = i.force.unwrap_or(false);
    write(call, move |r, now| {
        let key = r.delete_service(&cluster, &service, force, now)?;
        let s = r
            .ecs
            .services
            .get(&key)
            .ok_or_else(model::ecs::err::service_not_found)?;
        Ok(json!({ "service": service_json(r, s, false) }))
    })
    .await
}

pub(super) async fn describe_services(call: &Call<'_>, i: DescribeServicesRequest) -> Result {
    let cluster = i.cluster.unwrap_or_else(|| "default".into());
    check_include(&i.include, &["TAGS"])?;
    let with_tags = !i.include.is_empty();
    let names = i.services;
    if names.is_empty() {
        return Err(model::ecs::err::invalid_parameter(
            "Services cannot be empty.",
        ));
    }
    if names.len() > 10 {
        return Err(model::ecs::err::invalid_parameter(
            "At most 10 services can be described at once.",
        ));
    }
    read(call, move |r| {
        let cl = r.active_cluster(&cluster)?.name.clone();
        let mut services = Vec::new();
        let mut failures = Vec::new();
        for n in &names {
            match r.find_service(&cl, n) {
                Some(s) => services.push(service_json(r, s, with_tags)),
                None => failures.push(json!({
                    "arn": r.service_arn(&cl, model::ecs::service::service_name(n)),
                    "reason": "MISSING",
                })),
            }
        }
        Ok(json!({ "services": services, "failures": failures }))
    })
    .await
}

pub(super) async fn list_services(call: &Call<'_>, i: ListServicesRequest) -> Result {
    let q = ListServices {
        cluster: i.cluster,
        launch_type: i.launch_type,
        scheduling_strategy: i.scheduling_strategy,
    };
    let paging = Paging {
        max_results: i.max_results,
        next_token: i.next_token,
    };
    read(call, move |r| {
        let arns = r.list_services(&q)?;
        paged(&arns, &paging, "serviceArns", 10, 100)
    })
    .await
}
