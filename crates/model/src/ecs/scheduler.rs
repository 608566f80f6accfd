//! The service scheduler (REPLICA, ECS deployment controller): keeps each
//! ACTIVE service at its desired count, rolls deployments forward within
//! maximumPercent / minimumHealthyPercent, registers its tasks' addresses in
//! its target groups and drains them (N51), replaces tasks whose targets
//! turn unhealthy, trips the deployment circuit breaker, and drains a
//! deleted service to INACTIVE. Texts: `shared/reference/services-elbv2.md`
//! §1.2–§1.4 and §2 (cited as "services §…"), in docs/rules.md's words.
//!
//! It runs in the reconciler's transactions, like the task lifecycle: a
//! service is looked at when a task of its changes state, when the API
//! changes it, and while anything time-based is pending (target health,
//! grace periods, draining), never from a timer of its own.

use super::service::{deployment_id, Deployment, Registration, Service};
use super::task::RunTask;
use super::types::*;
use super::Lifecycle;
use crate::elb::{ElbTiming, TargetHealth};
use crate::time::Millis;
use crate::world::{Region, World};
use std::collections::HashMap;
use std::net::IpAddr;

/// The health of every target in a service's groups, keyed by (group,
/// address, port): looked up once per look at the service, so that a
/// service of N tasks costs one pass over its groups, not N.
type Health = HashMap<(String, IpAddr, i32), TargetHealth>;

/// services §1.2: the circuit breaker trips after ceil(desired / 2) failed
/// tasks, at least 10 and at most 200.
pub fn breaker_threshold(desired: i64) -> usize {
    (((desired.max(0) + 1) / 2) as usize).clamp(10, 200)
}

/// `failedTasks`: tasks of the deployment that stopped before they ran,
/// counted since the deployment's failures were last reset.
pub(crate) fn failed_tasks(tasks: &[&Task], d: &Deployment) -> usize {
    tasks
        .iter()
        .filter(|t| t.started_by.as_deref() == Some(d.id.as_str()))
        .filter(|t| t.stop_code.as_deref() == Some("TaskFailedToStart"))
        .filter(|t| t.stopping_at.is_some_and(|s| s >= d.failures_from))
        .count()
}

/// A task meant to run that has not stopped.
fn live(t: &Task) -> bool {
    t.desired_status == "RUNNING" && t.last_status != TaskStatus::Stopped
}

fn of(t: &Task, d: &Deployment) -> bool {
    t.started_by.as_deref() == Some(d.id.as_str())
}

/// "(task a) (task b)" for E1 and E5.
fn task_list(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("(task {i})"))
        .collect::<Vec<_>>()
        .join(" ")
}

impl World {
    /// Run the services that are due, at most `limit` of them. Returns how
    /// many were looked at.
    pub fn run_services(
        &mut self,
        now: Millis,
        lc: &Lifecycle,
        timing: &ElbTiming,
        limit: usize,
    ) -> usize {
        let due: Vec<&'static str> = self
            .regions()
            .filter(|r| r.ecs.next_service_due().is_some_and(|d| d <= now))
            .map(|r| r.info.name)
            .collect();
        let mut n = 0;
        for name in due {
            if n >= limit {
                break;
            }
            if let Ok(r) = self.region_mut(name) {
                n += r.run_services(now, lc, timing, limit - n);
            }
        }
        n
    }
}

/// What one look at a service did, for its events.
#[derive(Default)]
struct Pass {
    next: Option<Millis>,
}

impl Pass {
    fn again_at(&mut self, at: Millis) {
        self.next = Some(self.next.map_or(at, |n| n.min(at)));
    }
}

impl Region {
    pub fn run_services(
        &mut self,
        now: Millis,
        lc: &Lifecycle,
        timing: &ElbTiming,
        limit: usize,
    ) -> usize {
        let mut n = 0;
        while let Some((at, key)) = self.ecs.service_schedule.first().cloned() {
            if at > now || n >= limit {
                break;
            }
            self.ecs.set_service_due(&key, None);
            if let Some(next) = self.run_service(&key, now, lc, timing) {
                self.ecs.wake_service(&key, next);
            }
            n += 1;
        }
        n
    }

    /// One look at one service; returns when it needs another.
    fn run_service(
        &mut self,
        key: &str,
        now: Millis,
        lc: &Lifecycle,
        timing: &ElbTiming,
    ) -> Option<Millis> {
        let mut s = self.ecs.services.get(key)?.clone();
        if s.status == "INACTIVE" {
            return None;
        }
        let mut pass = Pass::default();
        // Health and draining move with time: look again soon while a
        // load-balanced service has tasks (AWS seconds, scaled).
        let poll = now.plus_ms(timing.scaled(5).max(1));
        self.sync_targets(&mut s, now, timing, &mut pass);
        if s.status == "DRAINING" {
            self.drain_service(&mut s, now, lc, &mut pass, poll);
        } else {
            let health = self.service_health(&s, timing, now);
            self.check_target_health(&mut s, &health, now, lc, timing, &mut pass);
            self.check_breaker(&mut s, now);
            self.scale(&mut s, &health, now, lc, timing, &mut pass, poll);
        }
        // A look that changed nothing writes nothing (steady services are
        // looked at every health-check interval).
        if self.ecs.services.get(key) != Some(&s) {
            if let Some(slot) = self.ecs.services.get_mut(key) {
                *slot = s;
            }
        }
        pass.next
    }

    /// N51: a task's addresses are registered in each of the service's
    /// target groups on the container port while it activates, and
    /// deregistered when it stops; the task stays DEACTIVATING until its
    /// targets have drained (services §2).
    fn sync_targets(&mut self, s: &mut Service, now: Millis, timing: &ElbTiming, pass: &mut Pass) {
        if s.load_balancers.is_empty() && s.registered.is_empty() {
            return;
        }
        let tasks: Vec<Task> = self.service_tasks(s).into_iter().cloned().collect();
        let mut registered: Vec<(String, usize)> = Vec::new();
        let mut deregistered: Vec<(String, usize)> = Vec::new();
        let mut draining: Vec<(String, usize)> = Vec::new();
        let bump = |v: &mut Vec<(String, usize)>, k: &str| match v.iter_mut().find(|(x, _)| x == k)
        {
            Some(e) => e.1 += 1,
            None => v.push((k.to_string(), 1)),
        };
        for t in &tasks {
            let registration = s.registration(&t.id).cloned();
            let active = matches!(t.last_status, TaskStatus::Activating | TaskStatus::Running);
            if registration.is_none() && t.desired_status == "RUNNING" && active {
                for lb in &s.load_balancers {
                    let Some(ip) = self.target_ip(t, &lb.target_group_arn) else {
                        continue;
                    };
                    if self
                        .register_ip_target(&lb.target_group_arn, ip, lb.container_port, now)
                        .is_ok()
                    {
                        bump(&mut registered, &lb.target_group_arn);
                    }
                }
                s.registered.push(Registration {
                    task: t.id.clone(),
                    groups: s.load_balancers.clone(),
                });
                continue;
            }
            let Some(registration) = registration else {
                continue;
            };
            if t.desired_status == "RUNNING" {
                continue;
            }
            // Stopping: deregister once the agent acts on the stop.
            if matches!(t.last_status, TaskStatus::Activating | TaskStatus::Running) {
                if let Some(at) = t.next_at {
                    pass.again_at(at);
                }
                continue;
            }
            let mut drained = now;
            for lb in &registration.groups {
                let Some(ip) = self.target_ip(t, &lb.target_group_arn) else {
                    continue;
                };
                if let Ok(end) = self.deregister_ip_target(
                    &lb.target_group_arn,
                    ip,
                    lb.container_port,
                    timing,
                    now,
                ) {
                    bump(&mut deregistered, &lb.target_group_arn);
                    drained = drained.max(end.unwrap_or(now));
                }
            }
            s.registered.retain(|r| r.task != t.id);
            if let Some(d) = t.started_by.as_deref() {
                bump(&mut draining, d);
            }
            if t.last_status == TaskStatus::Deactivating {
                let at = t.next_at.map_or(drained, |n| n.max(drained));
                self.ecs.reschedule(&t.id, Some(at));
            }
        }
        for (tg, n) in registered {
            let msg = format!(
                "(service {}) registered {n} targets in (target-group {tg})",
                s.name
            );
            s.post(&mut self.rng, now, msg);
        }
        for (tg, n) in deregistered {
            let msg = format!(
                "(service {}) deregistered {n} targets in (target-group {tg})",
                s.name
            );
            s.post(&mut self.rng, now, msg);
        }
        for (d, n) in draining {
            let msg = format!(
                "(service {}, taskSet {d}) has begun draining connections on {n} tasks.",
                s.name
            );
            s.post(&mut self.rng, now, msg);
        }
    }

    /// The address ECS registers for a task in a group: IPv6 for an `ipv6`
    /// group, else the private IPv4 (N51, N52).
    fn target_ip(&self, t: &Task, tg_arn: &str) -> Option<IpAddr> {
        let v6 = self
            .target_group(tg_arn)
            .ok()
            .is_some_and(|g| g.ip_address_type.as_deref() == Some("ipv6"));
        let a = if v6 {
            t.attachment.ipv6.as_deref()
        } else {
            t.attachment.private_ipv4.as_deref()
        };
        a.and_then(|a| a.parse().ok())
    }

    /// Every target of the service's groups with its health now.
    fn service_health(&self, s: &Service, timing: &ElbTiming, now: Millis) -> Health {
        let mut groups: Vec<&str> = Vec::new();
        let all = s
            .load_balancers
            .iter()
            .chain(s.registered.iter().flat_map(|r| r.groups.iter()));
        for lb in all {
            if !groups.contains(&lb.target_group_arn.as_str()) {
                groups.push(&lb.target_group_arn);
            }
        }
        let mut out = Health::new();
        for tg in groups {
            let Ok(all) = self.describe_target_health(tg, &[], timing, now) else {
                continue;
            };
            for d in all {
                if let (Ok(ip), Some(port)) = (d.id.parse::<IpAddr>(), d.port) {
                    out.insert((tg.to_string(), ip, port), d.health);
                }
            }
        }
        out
    }

    /// The health of a task's target in one of the service's groups.
    fn target_health_in<'h>(
        &self,
        health: &'h Health,
        t: &Task,
        tg_arn: &str,
        port: i32,
    ) -> Option<&'h TargetHealth> {
        let ip = self.target_ip(t, tg_arn)?;
        health.get(&(tg_arn.to_string(), ip, port))
    }

    /// How often a steady load-balanced service looks at its targets: the
    /// shortest health-check interval of its groups (AWS seconds, scaled),
    /// as a load balancer only learns a target's health that often.
    fn check_interval(&self, s: &Service, timing: &ElbTiming) -> i64 {
        let secs = s
            .load_balancers
            .iter()
            .filter_map(|lb| self.target_group(&lb.target_group_arn).ok())
            .map(|g| i64::from(g.health.interval_seconds))
            .min()
            .unwrap_or(30);
        timing.scaled(secs).max(1)
    }

    /// A task counts as healthy when it runs and, for a load-balanced
    /// service, every one of its targets is healthy (services §2).
    fn task_healthy(&self, s: &Service, t: &Task, health: &Health) -> bool {
        if t.last_status != TaskStatus::Running || t.desired_status != "RUNNING" {
            return false;
        }
        if s.load_balancers.is_empty() {
            return true;
        }
        s.registration(&t.id).is_some_and(|r| {
            r.groups.iter().all(|lb| {
                self.target_health_in(health, t, &lb.target_group_arn, lb.container_port)
                    .is_some_and(|h| h.state == "healthy")
            })
        })
    }

    /// After the grace period, a task with an unhealthy target is stopped
    /// and replaced (E8; stopped reason of services §1.3).
    fn check_target_health(
        &mut self,
        s: &mut Service,
        health: &Health,
        now: Millis,
        lc: &Lifecycle,
        timing: &ElbTiming,
        pass: &mut Pass,
    ) {
        if s.registered.is_empty() {
            return;
        }
        let grace = timing.scaled(s.health_check_grace_period.unwrap_or(0));
        let tasks: Vec<(Task, Vec<_>)> = self
            .service_tasks(s)
            .into_iter()
            .filter(|t| live(t))
            .filter_map(|t| Some((t.clone(), s.registration(&t.id)?.groups.clone())))
            .collect();
        let mut stopped = Vec::new();
        let every = self.check_interval(s, timing);
        for (t, lbs) in &tasks {
            // Look again when the grace period ends, then at each check.
            let Some(started) = t.started_at else {
                continue;
            };
            if now.0 < started.0 + grace {
                pass.again_at(Millis(started.0 + grace));
                continue;
            }
            pass.again_at(now.plus_ms(every));
            for lb in lbs {
                let Some(h) =
                    self.target_health_in(health, t, &lb.target_group_arn, lb.container_port)
                else {
                    continue;
                };
                if h.state != "unhealthy" {
                    continue;
                }
                let reason = h.description.unwrap_or("Health checks failed");
                let msg = format!(
                    "(service {}) (task {}) (port {}) is unhealthy in (target-group {}) due to (reason {reason}).",
                    s.name, t.id, lb.container_port, lb.target_group_arn
                );
                s.post(&mut self.rng, now, msg);
                let why = format!(
                    "Task failed ELB health checks in (target-group {})",
                    lb.target_group_arn
                );
                self.scheduler_stop(&t.id, why, lc, now);
                stopped.push(t.id.clone());
                break;
            }
        }
        if !stopped.is_empty() {
            s.steady = false;
        }
    }

    /// Stage 1 of the circuit breaker (services §1.2): an IN_PROGRESS
    /// deployment none of whose tasks ever ran fails once enough of them
    /// failed to start; with rollback, the last completed deployment comes
    /// back as a new PRIMARY.
    fn check_breaker(&mut self, s: &mut Service, now: Millis) {
        let breaker = s.deployment_config.circuit_breaker;
        let Some(primary) = s.primary().cloned() else {
            return;
        };
        if !breaker.enable || primary.rollout_state != "IN_PROGRESS" {
            return;
        }
        let tasks = self.service_tasks(s);
        let ran = tasks
            .iter()
            .any(|t| of(t, &primary) && t.started_at.is_some());
        if ran || failed_tasks(&tasks, &primary) < breaker_threshold(s.desired_count) {
            return;
        }
        let name = s.name.clone();
        if let Some(d) = s.deployments.first_mut() {
            d.rollout_state = "FAILED".into();
            d.rollout_state_reason =
                "ECS deployment circuit breaker: tasks failed to start.".into();
            d.updated_at = now;
        }
        s.steady = false;
        s.post(
            &mut self.rng,
            now,
            format!(
                "(service {name}) (deployment {}) deployment failed: tasks failed to start.",
                primary.id
            ),
        );
        let Some(prev) = s.last_completed.clone().filter(|_| breaker.rollback) else {
            return;
        };
        let id = deployment_id(&mut self.rng);
        for d in &mut s.deployments {
            d.status = "ACTIVE".into();
        }
        s.deployments.insert(
            0,
            Deployment {
                id,
                status: "PRIMARY".into(),
                rollout_state: "IN_PROGRESS".into(),
                rollout_state_reason: format!(
                    "ECS deployment circuit breaker: rolling back to deploymentId {}.",
                    prev.id
                ),
                created_at: now,
                updated_at: now,
                failures_from: now,
                blocked_posted: false,
                ..prev.clone()
            },
        );
        s.post(
            &mut self.rng,
            now,
            format!("(service {name}) rolling back to deployment {}.", prev.id),
        );
    }

    /// Launch what the PRIMARY lacks, stop what is in excess or belongs to
    /// older deployments, within maximumPercent / minimumHealthyPercent;
    /// then complete the rollout and post steady state.
    #[allow(clippy::too_many_arguments)]
    fn scale(
        &mut self,
        s: &mut Service,
        health: &Health,
        now: Millis,
        lc: &Lifecycle,
        timing: &ElbTiming,
        pass: &mut Pass,
        poll: Millis,
    ) {
        let Some(primary) = s.primary().cloned() else {
            return;
        };
        let desired = s.desired_count.max(0);
        let max_total = desired * s.deployment_config.maximum_percent / 100;
        let min_healthy = (desired * s.deployment_config.minimum_healthy_percent + 99) / 100;
        let tasks: Vec<Task> = self.service_tasks(s).into_iter().cloned().collect();
        let healthy: Vec<bool> = tasks
            .iter()
            .map(|t| self.task_healthy(s, t, health))
            .collect();
        let mut total_live = tasks.iter().filter(|t| live(t)).count() as i64;
        let primary_live = tasks.iter().filter(|t| live(t) && of(t, &primary)).count() as i64;
        let mut healthy_count = healthy.iter().filter(|h| **h).count() as i64;
        if tasks
            .iter()
            .any(|t| live(t) && t.last_status != TaskStatus::Running)
        {
            pass.again_at(poll);
        }

        // Launch.
        let mut launched = Vec::new();
        if primary.rollout_state != "FAILED" {
            let n = (desired - primary_live).min(max_total - total_live);
            if n > 0 {
                match self.launch_for(s, &primary, n as usize, lc, now) {
                    Ok(ids) => launched = ids,
                    Err(msg) => {
                        let text = format!(
                            "(service {}) was unable to place a task. Reason: {msg}",
                            s.name
                        );
                        if s.events.first().map(|e| &e.message) != Some(&text) {
                            s.post(&mut self.rng, now, text);
                        }
                        pass.again_at(now.plus_ms(timing.scaled(30).max(1)));
                    }
                }
            }
        }
        total_live += launched.len() as i64;

        // Stop: older deployments' tasks that are not healthy, then their
        // healthy ones while enough stay healthy, then the PRIMARY's excess
        // (scale-in), those not yet running first.
        let mut stop: Vec<String> = Vec::new();
        let mut order: Vec<usize> = (0..tasks.len()).filter(|&i| live(&tasks[i])).collect();
        order.sort_by_key(|&i| (of(&tasks[i], &primary), healthy[i]));
        let mut primary_excess = primary_live - desired;
        for i in order {
            let t = &tasks[i];
            if of(t, &primary) {
                if primary_excess <= 0 {
                    continue;
                }
                primary_excess -= 1;
            } else if healthy[i] {
                if healthy_count - 1 < min_healthy {
                    continue;
                }
                healthy_count -= 1;
            }
            stop.push(t.id.clone());
        }
        let why = format!("Scaling activity initiated by (deployment {})", primary.id);
        for id in &stop {
            self.scheduler_stop(id, why.clone(), lc, now);
        }
        total_live -= stop.len() as i64;

        if !launched.is_empty() {
            let msg = format!(
                "(service {}) has started {} tasks: {}.",
                s.name,
                launched.len(),
                task_list(&launched)
            );
            s.post(&mut self.rng, now, msg);
        }
        if !stop.is_empty() {
            let msg = format!(
                "(service {}) has stopped {} running tasks: {}.",
                s.name,
                stop.len(),
                task_list(&stop)
            );
            s.post(&mut self.rng, now, msg);
        }

        // Older deployments leave the list once their tasks are gone.
        let older_live: Vec<String> = tasks
            .iter()
            .filter(|t| live(t) && !stop.contains(&t.id) && !of(t, &primary))
            .filter_map(|t| t.started_by.clone())
            .collect();
        // A deployment the circuit breaker failed stays listed (ACTIVE)
        // while the rollback runs (services §1.2).
        let rolling_back = primary.rollout_state == "IN_PROGRESS";
        s.deployments.retain(|d| {
            d.id == primary.id
                || older_live.contains(&d.id)
                || (rolling_back && d.rollout_state == "FAILED")
        });
        let others_live = !older_live.is_empty();

        // E15: nothing can move and the rollout is not done.
        let waiting = launched.is_empty() && stop.is_empty();
        let blocked = waiting
            && primary.rollout_state == "IN_PROGRESS"
            && others_live
            && primary_live < desired
            && total_live >= max_total
            && !tasks
                .iter()
                .any(|t| live(t) && t.last_status != TaskStatus::Running);
        if blocked && !primary.blocked_posted {
            let msg = format!(
                "(service {}) was unable to stop or start tasks during a deployment because of the service deployment configuration. Update the minimumHealthyPercent or maximumPercent value and try again.",
                s.name
            );
            s.post(&mut self.rng, now, msg);
            if let Some(d) = s.deployments.first_mut() {
                d.blocked_posted = true;
            }
        }

        // Done: one deployment, all its tasks running and healthy.
        let primary_healthy = tasks
            .iter()
            .zip(&healthy)
            .filter(|(t, h)| **h && of(t, &primary) && !stop.contains(&t.id))
            .count() as i64;
        let settled = !others_live
            && launched.is_empty()
            && stop.is_empty()
            && primary_live == desired
            && primary_healthy == desired
            && primary.rollout_state != "FAILED";
        if !settled {
            s.steady = false;
            pass.again_at(poll);
            return;
        }
        s.deployments.truncate(1);
        if primary.rollout_state == "IN_PROGRESS" {
            if let Some(d) = s.deployments.first_mut() {
                d.rollout_state = "COMPLETED".into();
                d.rollout_state_reason = format!("ECS deployment {} completed.", d.id);
                d.updated_at = now;
            }
            s.last_completed = s.deployments.first().cloned();
            let msg = format!(
                "(service {}) (deployment {}) deployment completed.",
                s.name, primary.id
            );
            s.post(&mut self.rng, now, msg);
        }
        if !s.steady {
            s.steady = true;
            s.last_steady_event = Some(now);
            let msg = format!("(service {}) has reached a steady state.", s.name);
            s.post(&mut self.rng, now, msg);
        }
        // A steady load-balanced service keeps watching its targets' health.
        if !s.load_balancers.is_empty() {
            pass.again_at(now.plus_ms(self.check_interval(s, timing)));
        }
    }

    /// A deleted service stops its tasks and is INACTIVE once they have all
    /// stopped (services §1.1).
    fn drain_service(
        &mut self,
        s: &mut Service,
        now: Millis,
        lc: &Lifecycle,
        pass: &mut Pass,
        poll: Millis,
    ) {
        let tasks: Vec<Task> = self.service_tasks(s).into_iter().cloned().collect();
        let deployment = s.primary().map(|d| d.id.clone()).unwrap_or_default();
        let why = format!("Scaling activity initiated by (deployment {deployment})");
        let mut stopped = Vec::new();
        for t in tasks.iter().filter(|t| live(t)) {
            self.scheduler_stop(&t.id, why.clone(), lc, now);
            stopped.push(t.id.clone());
        }
        if !stopped.is_empty() {
            let msg = format!(
                "(service {}) has stopped {} running tasks: {}.",
                s.name,
                stopped.len(),
                task_list(&stopped)
            );
            s.post(&mut self.rng, now, msg);
        }
        let remaining = tasks.iter().any(|t| {
            t.last_status != TaskStatus::Stopped
                && !matches!(t.last_status, TaskStatus::Deprovisioning)
        });
        if remaining || !s.registered.is_empty() {
            pass.again_at(poll);
            return;
        }
        s.status = "INACTIVE".into();
        s.deployments.clear();
    }

    /// Launch `n` tasks of a deployment through RunTask's checks (N3–N15),
    /// as the principal that created the service. Err: why none could be
    /// placed (E13's reason).
    fn launch_for(
        &mut self,
        s: &Service,
        d: &Deployment,
        n: usize,
        lc: &Lifecycle,
        now: Millis,
    ) -> Result<Vec<String>, String> {
        let cluster = self
            .active_cluster(&s.cluster)
            .map_err(|e| e.message.clone())?
            .clone();
        let td = self
            .ecs
            .task_definitions
            .get(&d.task_definition)
            .cloned()
            .ok_or_else(|| "TaskDefinition not found.".to_string())?;
        let req = RunTask {
            cluster: Some(cluster.name.clone()),
            task_definition: td.key.clone(),
            count: Some(n as i64),
            launch_type: d.launch_type.clone(),
            capacity_provider_strategy: d.capacity_provider_strategy.clone(),
            platform_version: Some(d.platform_version.clone()),
            network: d.network.as_ref().map(|n| n.config()),
            enable_execute_command: d.enable_execute_command,
            group: Some(s.group()),
            started_by: Some(d.id.clone()),
            tags: if s.propagate_tags == "SERVICE" {
                s.tags.clone()
            } else {
                Vec::new()
            },
            principal: s.created_by.clone(),
            ..Default::default()
        };
        // The service-linked role existed when the service was created.
        let prepared = self
            .prepare(&cluster, &req, td, true)
            .map_err(|e| e.message.clone())?
            .ok_or_else(|| "No Container Instances were found in your cluster.".to_string())?;
        self.launch_prepared(&cluster.name, &req, &prepared, n, lc, now)
            .map_err(|e| e.message.clone())
    }

    /// The scheduler stops a task (stopCode `ServiceSchedulerInitiated`,
    /// services §1.3).
    fn scheduler_stop(&mut self, id: &str, reason: String, lc: &Lifecycle, now: Millis) {
        let Some(t) = self.ecs.tasks.get_mut(id) else {
            return;
        };
        if t.desired_status == "STOPPED" {
            return;
        }
        t.stop_code = Some("ServiceSchedulerInitiated".into());
        t.stopped_reason = Some(reason);
        t.stopping_at = Some(now);
        t.version += 1;
        self.ecs.desire_stopped(id);
        // A task not yet running stops at its next step; a running one
        // after the agent's usual moment (as StopTask).
        let at = match self.ecs.tasks.get(id).map(|t| t.last_status) {
            Some(TaskStatus::Running) | Some(TaskStatus::Activating) => {
                now.plus_ms(lc.deactivating_ms)
            }
            _ => now,
        };
        self.ecs.reschedule(id, Some(at));
    }
}
