//! The task lifecycle the reconciler drives (N20, N21), with the task ENI
//! created during PROVISIONING (N10–N13, N16–N19) and deleted in DEPROVISIONING.

use super::types::*;
use super::Lifecycle;
use crate::ec2::eni::{managed_owner_account, NewEni};
use crate::ec2::types::{EniAttachment, EniOwner, Tag};
use crate::ids;
use crate::rules::awsvpc;
use crate::time::Millis;
use crate::world::{Region, World};

impl World {
    /// Advance tasks whose next transition is due, at most `limit` of them so
    /// that one transaction never holds the world for long. Returns how many moved.
    pub fn advance_tasks(&mut self, now: Millis, lc: &Lifecycle, limit: usize) -> usize {
        let due: Vec<&'static str> = self
            .regions()
            .filter(|r| r.ecs.next_due().is_some_and(|d| d <= now))
            .map(|r| r.info.name)
            .collect();
        let mut n = 0;
        for name in due {
            if n >= limit {
                break;
            }
            if let Ok(r) = self.region_mut(name) {
                n += r.advance_tasks(now, lc, limit - n);
            }
        }
        n
    }

    /// The data plane's reports on a task's network (see the `Region`
    /// methods of the same names); `false` when the task is unknown or not
    /// waiting for that report.
    pub fn task_network_ready(
        &mut self,
        region: &str,
        id: &str,
        now: Millis,
        lc: &Lifecycle,
    ) -> bool {
        self.region_mut(region)
            .map(|r| r.task_network_ready(id, now, lc))
            .unwrap_or(false)
    }

    pub fn task_network_failed(
        &mut self,
        region: &str,
        id: &str,
        why: &str,
        now: Millis,
        lc: &Lifecycle,
    ) -> bool {
        self.region_mut(region)
            .map(|r| r.task_network_failed(id, why, now, lc))
            .unwrap_or(false)
    }

    pub fn task_network_released(
        &mut self,
        region: &str,
        id: &str,
        now: Millis,
        lc: &Lifecycle,
    ) -> bool {
        self.region_mut(region)
            .map(|r| r.task_network_released(id, now, lc))
            .unwrap_or(false)
    }

    /// Task lifecycle figures for `/_tasknet/stats`: tasks per lastStatus, and
    /// how many transitions are overdue by more than `late_ms` (the reconciler
    /// falling behind).
    pub fn task_stats(
        &self,
        now: Millis,
        late_ms: i64,
    ) -> (std::collections::BTreeMap<&'static str, usize>, usize) {
        let mut by_status = std::collections::BTreeMap::new();
        let mut overdue = 0;
        for r in self.regions() {
            for t in r.ecs.tasks.iter() {
                *by_status.entry(t.last_status.as_str()).or_insert(0) += 1;
            }
            overdue += r
                .ecs
                .schedule
                .iter()
                .take_while(|(at, _)| at.0 + late_ms < now.0)
                .count();
        }
        (by_status, overdue)
    }

    /// The earliest time any Region needs the reconciler.
    pub fn next_due(&self) -> Option<Millis> {
        self.regions().filter_map(|r| r.ecs.next_due()).min()
    }
}

impl Region {
    pub fn advance_tasks(&mut self, now: Millis, lc: &Lifecycle, limit: usize) -> usize {
        let mut n = 0;
        while let Some((at, id)) = self.ecs.schedule.first().cloned() {
            if at > now || n >= limit {
                break;
            }
            self.ecs.schedule.remove(&(at, id.clone()));
            if let Some(t) = self.ecs.tasks.get_mut(&id) {
                t.next_at = None;
            }
            self.step(&id, now, lc);
            // The task's service (if any) looks at it in this transaction.
            self.ecs.task_changed(&id, now);
            n += 1;
        }
        n
    }

    fn set_status(&mut self, id: &str, s: TaskStatus) {
        if let Some(t) = self.ecs.tasks.get_mut(id) {
            t.last_status = s;
            t.version += 1;
        }
    }

    /// One transition of one task.
    fn step(&mut self, id: &str, now: Millis, lc: &Lifecycle) {
        let Some((stopping, status)) = self
            .ecs
            .tasks
            .get(id)
            .map(|t| (t.desired_status == "STOPPED", t.last_status))
        else {
            return;
        };
        if stopping {
            self.step_stopping(id, status, now, lc);
            return;
        }
        match status {
            TaskStatus::Provisioning => self.step_provisioning(id, now, lc),
            TaskStatus::Pending => {
                // N40–N42: the first reason the containers cannot be pulled
                // and started, decided by the reachability engine.
                let verdict = self
                    .ecs
                    .tasks
                    .get(id)
                    .and_then(|t| self.task_launch_verdict(t));
                if let Some(reason) = verdict {
                    self.fail_task(id, reason, now);
                    self.set_status(id, TaskStatus::Deprovisioning);
                    if let Some(t) = self.ecs.tasks.get_mut(id) {
                        t.pull_started_at = None;
                        t.execution_stopped_at = Some(now);
                        for c in &mut t.containers {
                            c.last_status = "STOPPED".into();
                        }
                    }
                    self.ecs.reschedule(id, Some(deprovision_due(now, lc)));
                    return;
                }
                self.set_status(id, TaskStatus::Activating);
                if let Some(t) = self.ecs.tasks.get_mut(id) {
                    t.pull_stopped_at = Some(now);
                }
                self.ecs.reschedule(id, Some(now.plus_ms(lc.activating_ms)));
            }
            TaskStatus::Activating => {
                self.set_status(id, TaskStatus::Running);
                let digest_seed = self.rng.u64(..);
                if let Some(t) = self.ecs.tasks.get_mut(id) {
                    t.started_at = Some(now);
                    let task_id = t.launch.id.clone();
                    for c in &mut t.containers {
                        c.last_status = "RUNNING".into();
                        c.runtime_id = Some(format!("{task_id}-{}", runtime_suffix(&c.name)));
                        c.image_digest = Some(image_digest(&c.image, digest_seed));
                    }
                }
            }
            TaskStatus::Running => {}
            _ => {}
        }
    }

    fn step_stopping(&mut self, id: &str, status: TaskStatus, now: Millis, lc: &Lifecycle) {
        match status {
            // Stopped while its network was being plumbed: the data plane
            // tears it down in DEPROVISIONING.
            TaskStatus::Provisioning if lc.network_gate_ms.is_some() && self.has_eni(id) => {
                self.set_status(id, TaskStatus::Deprovisioning);
                self.ecs.reschedule(id, Some(deprovision_due(now, lc)));
            }
            TaskStatus::Provisioning => self.finish_stopped(id, now, lc),
            TaskStatus::Pending => {
                self.set_status(id, TaskStatus::Deprovisioning);
                self.ecs.reschedule(id, Some(deprovision_due(now, lc)));
            }
            TaskStatus::Activating | TaskStatus::Running => {
                self.set_status(id, TaskStatus::Deactivating);
                self.ecs
                    .reschedule(id, Some(now.plus_ms(lc.deactivating_ms)));
            }
            TaskStatus::Deactivating => {
                self.set_status(id, TaskStatus::Stopping);
                self.ecs.reschedule(id, Some(now.plus_ms(lc.stopping_ms)));
            }
            TaskStatus::Stopping => {
                self.set_status(id, TaskStatus::Deprovisioning);
                if let Some(t) = self.ecs.tasks.get_mut(id) {
                    t.execution_stopped_at = Some(now);
                    for c in &mut t.containers {
                        if c.last_status == "RUNNING" {
                            c.exit_code =
                                Some(if t.stop_code.as_deref() == Some("UserInitiated") {
                                    143
                                } else {
                                    0
                                });
                        }
                        c.last_status = "STOPPED".into();
                    }
                }
                self.ecs.reschedule(id, Some(deprovision_due(now, lc)));
            }
            TaskStatus::Deprovisioning => self.finish_stopped(id, now, lc),
            TaskStatus::Stopped => {
                // Retention is over.
                self.ecs.remove_task(id);
            }
        }
    }

    fn has_eni(&self, id: &str) -> bool {
        self.ecs
            .tasks
            .get(id)
            .is_some_and(|t| t.attachment.eni_id.is_some())
    }

    /// PROVISIONING is due: create the ENI (N10–N19). Without a data plane
    /// the task moves on to PENDING at once; with one (`network_gate_ms`)
    /// it waits, attachment PRECREATED, until `task_network_ready`, and
    /// fails if the deadline passes first.
    fn step_provisioning(&mut self, id: &str, now: Millis, lc: &Lifecycle) {
        let gate = lc.network_gate_ms;
        if self.has_eni(id) {
            match gate {
                // The deadline passed with the network still not ready.
                Some(g) => {
                    let why = format!(
                        "the network namespace was not ready within {} s",
                        (g + 999) / 1000
                    );
                    self.network_failed(id, &why, now, lc);
                }
                // Plumbed under a data plane that is gone now: nothing to wait for.
                None => self.network_up(id, now, lc),
            }
            return;
        }
        match self.create_task_eni(id, now, gate.is_none()) {
            Ok(()) => match gate {
                Some(g) => self.ecs.reschedule(id, Some(now.plus_ms(g))),
                None => self.network_up(id, now, lc),
            },
            Err(reason) => {
                // N11/N21: never got an ENI; straight to STOPPED.
                self.fail_task(id, reason, now);
                self.finish_stopped(id, now, lc);
            }
        }
    }

    /// The task's network is up: the attachment is ATTACHED and the task
    /// goes PENDING (N20).
    fn network_up(&mut self, id: &str, now: Millis, lc: &Lifecycle) {
        self.set_status(id, TaskStatus::Pending);
        if let Some(t) = self.ecs.tasks.get_mut(id) {
            t.attachment.status = "ATTACHED".into();
            t.connectivity_at = Some(now);
            t.pull_started_at = Some(now);
        }
        self.ecs.reschedule(id, Some(now.plus_ms(lc.pending_ms)));
    }

    /// The data plane could not plumb the task's network: it stops
    /// (TaskFailedToStart) with the stopped reason of `network_failure_reason`
    /// and its ENI is torn down in DEPROVISIONING.
    fn network_failed(&mut self, id: &str, why: &str, now: Millis, lc: &Lifecycle) {
        self.fail_task(id, network_failure_reason(why), now);
        self.set_status(id, TaskStatus::Deprovisioning);
        if let Some(t) = self.ecs.tasks.get_mut(id) {
            t.execution_stopped_at = Some(now);
            for c in &mut t.containers {
                c.last_status = "STOPPED".into();
            }
        }
        self.ecs.reschedule(id, Some(deprovision_due(now, lc)));
    }

    /// The data plane reports the task's namespace up (N70): a task waiting
    /// in PROVISIONING goes PENDING. Anything else is left alone (a late or
    /// repeated report); returns whether the task moved.
    pub fn task_network_ready(&mut self, id: &str, now: Millis, lc: &Lifecycle) -> bool {
        let waiting = self.ecs.tasks.get(id).is_some_and(|t| {
            t.last_status == TaskStatus::Provisioning
                && t.desired_status == "RUNNING"
                && t.attachment.eni_id.is_some()
                && t.attachment.status == "PRECREATED"
        });
        if waiting {
            self.network_up(id, now, lc);
        }
        waiting
    }

    /// The data plane could not plumb the task's network: a task waiting in
    /// PROVISIONING stops with `why` in its stopped reason.
    pub fn task_network_failed(
        &mut self,
        id: &str,
        why: &str,
        now: Millis,
        lc: &Lifecycle,
    ) -> bool {
        let waiting = self.ecs.tasks.get(id).is_some_and(|t| {
            t.last_status == TaskStatus::Provisioning
                && t.desired_status == "RUNNING"
                && t.attachment.eni_id.is_some()
        });
        if waiting {
            self.network_failed(id, why, now, lc);
        }
        waiting
    }

    /// The data plane has torn the task's network down: a task in
    /// DEPROVISIONING goes STOPPED once the phase's own time is over.
    pub fn task_network_released(&mut self, id: &str, now: Millis, lc: &Lifecycle) -> bool {
        let Some(t) = self.ecs.tasks.get(id) else {
            return false;
        };
        if t.last_status != TaskStatus::Deprovisioning {
            return false;
        }
        // next_at = entered + max(gate, deprovisioning_ms); the phase's own
        // time ends at entered + deprovisioning_ms.
        let due = t.next_at.map(|at| {
            let wait = lc.network_gate_ms.unwrap_or(0).max(lc.deprovisioning_ms);
            at.plus_ms(lc.deprovisioning_ms - wait)
        });
        match due {
            Some(d) if d > now => self.ecs.reschedule(id, Some(d)),
            _ => self.finish_stopped(id, now, lc),
        }
        true
    }

    /// Mark a task failed to start (N21): desired STOPPED with TaskFailedToStart.
    fn fail_task(&mut self, id: &str, reason: String, now: Millis) {
        self.ecs.desire_stopped(id);
        if let Some(t) = self.ecs.tasks.get_mut(id) {
            t.stop_code = Some("TaskFailedToStart".into());
            t.stopped_reason = Some(reason);
            t.stopping_at = Some(now);
        }
    }

    /// STOPPED: the ENI is gone and its addresses are free (N19), the
    /// attachment is DELETED with its details kept (N20).
    fn finish_stopped(&mut self, id: &str, now: Millis, lc: &Lifecycle) {
        let eni = self
            .ecs
            .tasks
            .get(id)
            .and_then(|t| t.attachment.eni_id.clone());
        if let Some(e) = eni {
            self.remove_eni(&e);
        }
        self.set_status(id, TaskStatus::Stopped);
        if let Some(t) = self.ecs.tasks.get_mut(id) {
            t.attachment.status = "DELETED".into();
            t.stopped_at = Some(now);
            t.execution_stopped_at.get_or_insert(now);
            t.stopping_at.get_or_insert(now);
            for c in &mut t.containers {
                c.last_status = "STOPPED".into();
            }
        }
        self.ecs.reschedule(id, Some(now.plus_ms(lc.retention_ms)));
    }

    /// Create the task ENI (N10–N13, N16–N19); on failure, the stopped
    /// reason. The attachment becomes ATTACHED when `attach`; otherwise it
    /// stays PRECREATED until the data plane has plumbed the ENI.
    fn create_task_eni(&mut self, id: &str, now: Millis, attach: bool) -> Result<(), String> {
        let Some(t) = self.ecs.tasks.get(id) else {
            return Ok(());
        };
        let region = self.info.name.to_string();
        let subnet_id = t.network.subnet_id.clone();
        let mut n = NewEni::new(
            &subnet_id,
            EniOwner::Fargate {
                cluster: t.cluster.clone(),
                task_arn: t.arn(&self.account_id),
                attachment_id: t.attachment.id.clone(),
            },
        );
        n.description = awsvpc::eni_description(&region, &self.account_id, &t.attachment.id);
        n.groups = t.network.security_groups.clone();
        n.ipv6_count = Some(usize::from(t.network.dual_stack || t.network.ipv6_only));
        n.public_ip = t.network.assign_public_ip && !t.network.ipv6_only;
        n.tags = vec![Tag {
            key: "aws:ecs:clusterName".into(),
            value: t.cluster.clone(),
        }];
        n.attachment = Some(EniAttachment {
            id: ids::resource_id(&mut self.rng, "eni-attach"),
            device_index: 1,
            network_card_index: 0,
            instance_id: None,
            instance_owner_id: Some(managed_owner_account(&region).to_string()),
            status: "attached".into(),
            attach_time: now,
            delete_on_termination: false,
        });
        let ec2_error = |code: &str| crate::reach::reasons::eni_creation_failed(&subnet_id, code);
        let eni_id = self.create_eni(n, now).map_err(|e| ec2_error(&e.code))?;
        let Some(eni) = self.enis.get(&eni_id) else {
            return Err(ec2_error("InternalError"));
        };
        let dns = self.eni_private_dns_name(eni);
        let mac = eni.mac.clone();
        let ipv4 = eni.primary_ip().map(|ip| ip.to_string());
        let ipv6 = eni.ipv6_addresses.first().map(|ip| ip.to_string());
        let public = eni.public_association().map(|a| a.public_ip.to_string());
        let dns_names = self
            .vpcs
            .get(&eni.vpc_id)
            .map(|v| v.enable_dns_support && v.enable_dns_hostnames);
        let hostname = dns_names.map(|on| awsvpc::task_hostname(on, &dns, &mut self.rng));
        if let Some(task) = self.ecs.tasks.get_mut(id) {
            let a = &mut task.attachment;
            if attach {
                a.status = "ATTACHED".into();
            }
            a.eni_id = Some(eni_id);
            a.mac = Some(mac);
            a.private_dns_name = Some(dns);
            a.private_ipv4 = ipv4;
            a.ipv6 = ipv6;
            a.public_ipv4 = public;
            a.hostname = hostname;
        }
        Ok(())
    }
}

/// When a task entering DEPROVISIONING is due to finish: after the phase's
/// time, or with a data plane after its teardown (`task_network_released`)
/// or the gate's deadline, whichever comes first.
fn deprovision_due(now: Millis, lc: &Lifecycle) -> Millis {
    match lc.network_gate_ms {
        Some(g) => now.plus_ms(g.max(lc.deprovisioning_ms)),
        None => now.plus_ms(lc.deprovisioning_ms),
    }
}

/// The stopped reason of a task whose network the data plane could not
/// plumb (chosen; in the style of Fargate's ResourceInitializationError).
pub fn network_failure_reason(why: &str) -> String {
    format!("ResourceInitializationError: failed to configure the task network: {why}")
}

/// The 10-digit suffix of a container runtime id depends only on the container
/// name on Fargate (aws-behavior §1.3).
pub fn runtime_suffix(name: &str) -> String {
    format!("{:010}", crate::services::fnv(name) % 10_000_000_000)
}

fn image_digest(image: &str, seed: u64) -> String {
    let a = crate::services::fnv(image);
    let b = crate::services::fnv(&format!("{image}/{seed}"));
    format!(
        "sha256:{a:016x}{b:016x}{:016x}{:016x}",
        a.rotate_left(17) ^ b,
        b.rotate_left(29) ^ a
    )
}
