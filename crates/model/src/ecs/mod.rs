//! ECS on Fargate: clusters, task definitions, account settings, tasks and
//! their lifecycle (N1–N21), and the task metadata document (N61).

pub mod cluster;
pub mod err;
mod legacy;
pub mod lifecycle;
pub mod metadata;
pub mod scheduler;
pub mod service;
pub mod settings;
pub mod shapes;
pub mod task;
pub mod taskdef;
pub mod types;

use crate::table::Table;
use crate::time::Millis;
use crate::undo::{UndoMap, UndoSet};
use types::*;

/// How long each lifecycle phase takes (N20). Defaults are fast; `realistic`
/// looks like real Fargate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Lifecycle {
    pub provisioning_ms: i64,
    pub pending_ms: i64,
    pub activating_ms: i64,
    pub deactivating_ms: i64,
    pub stopping_ms: i64,
    pub deprovisioning_ms: i64,
    /// How long stopped tasks stay describable.
    pub retention_ms: i64,
    /// Set when a data plane plumbs each task's network (N70): the task
    /// waits in PROVISIONING (ENI created, attachment PRECREATED) until the
    /// data plane reports its namespace ready (`World::task_network_ready`),
    /// and in DEPROVISIONING until it reports it torn down
    /// (`World::task_network_released`), each at most this many ms.
    /// `None`: no data plane, the phases are timed as above.
    pub network_gate_ms: Option<i64>,
}

impl Lifecycle {
    pub const fn fast() -> Self {
        Lifecycle {
            provisioning_ms: 60,
            pending_ms: 60,
            activating_ms: 60,
            deactivating_ms: 30,
            stopping_ms: 30,
            deprovisioning_ms: 30,
            retention_ms: 3_600_000,
            network_gate_ms: None,
        }
    }
    pub const fn realistic() -> Self {
        Lifecycle {
            provisioning_ms: 12_000,
            pending_ms: 25_000,
            activating_ms: 4_000,
            deactivating_ms: 3_000,
            stopping_ms: 30_000,
            deprovisioning_ms: 12_000,
            retention_ms: 3_600_000,
            network_gate_ms: None,
        }
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle::fast()
    }
}

#[derive(Default)]
pub struct EcsState {
    pub clusters: Table<Cluster>,
    pub task_definitions: Table<TaskDefinition>,
    pub tasks: Table<Task>,
    pub settings: Table<AccountSetting>,
    pub services: Table<service::Service>,
    /// Derived: (due time, task id) for the reconciler.
    pub(crate) schedule: UndoSet<(Millis, String)>,
    /// Derived: latest revision per family.
    pub(crate) revisions: UndoMap<String, u32>,
    /// Derived: RunTask client tokens → tasks they launched.
    pub(crate) client_tokens: UndoMap<String, Vec<String>>,
    /// Derived: live (desired RUNNING) tasks per (cluster, group, AZ), for
    /// spreading placement (N10) without scanning every task.
    pub(crate) placement: UndoMap<(String, String, String), usize>,
    /// Derived: (due time, service key) for the service scheduler.
    pub(crate) service_schedule: UndoSet<(Millis, String)>,
    /// Derived: each scheduled service's entry in `service_schedule`.
    pub(crate) service_due: UndoMap<String, Millis>,
    /// Derived: service key → ids of its tasks (launched by the scheduler,
    /// until they leave the table), so that a service reads only its own.
    pub(crate) service_tasks: UndoMap<String, std::collections::BTreeSet<String>>,
}

impl EcsState {
    pub(crate) fn fingerprint_into(&self, out: &mut String) {
        use std::fmt::Write;
        let _ = writeln!(
            out,
            "schedule {:?}\nrevisions {:?}\ntokens {:?}\nplacement {:?}\nservice schedule {:?}\nservice due {:?}\nservice tasks {:?}",
            self.schedule.iter().collect::<Vec<_>>(),
            self.revisions.sorted(),
            self.client_tokens.sorted(),
            self.placement.sorted(),
            self.service_schedule.iter().collect::<Vec<_>>(),
            self.service_due.sorted(),
            self.service_tasks.sorted()
        );
    }

    pub(crate) fn commit_derived(&mut self) {
        self.schedule.commit();
        self.revisions.commit();
        self.client_tokens.commit();
        self.placement.commit();
        self.service_schedule.commit();
        self.service_due.commit();
        self.service_tasks.commit();
    }

    /// Undo the derived state's changes since the last commit (see `crate::undo`).
    pub(crate) fn rollback_derived(&mut self) {
        self.schedule.rollback();
        self.revisions.rollback();
        self.client_tokens.rollback();
        self.placement.rollback();
        self.service_schedule.rollback();
        self.service_due.rollback();
        self.service_tasks.rollback();
    }

    pub(crate) fn rebuild_derived(&mut self) {
        self.schedule.reset();
        self.revisions.reset();
        self.client_tokens.reset();
        self.placement.reset();
        self.service_schedule.reset();
        self.service_due.reset();
        self.service_tasks.reset();
        let mut of_services: Vec<(String, String)> = Vec::new();
        for t in self.tasks.iter() {
            if let Some(k) = service_key_of(t) {
                of_services.push((k, t.id.clone()));
            }
            if t.desired_status == "RUNNING" {
                *self.placement.get_or_insert_with(placement_key(t), || 0) += 1;
            }
            if let Some(at) = t.next_at {
                self.schedule.insert((at, t.id.clone()));
            }
            if let Some(tok) = &t.client_token {
                self.client_tokens
                    .get_or_insert_with(tok.clone(), Vec::new)
                    .push(t.id.clone());
            }
        }
        for d in self.task_definitions.iter() {
            let r = self.revisions.get_or_insert_with(d.family.clone(), || 0);
            *r = (*r).max(d.revision);
        }
        for (k, id) in of_services {
            if self.services.contains(&k) {
                self.service_tasks
                    .get_or_insert_with(k, Default::default)
                    .insert(id);
            }
        }
        // Every live service is looked at once after a start.
        let live: Vec<String> = self
            .services
            .iter()
            .filter(|s| s.status != "INACTIVE")
            .map(|s| s.key.clone())
            .collect();
        for k in live {
            self.wake_service(&k, Millis(0));
        }
        self.commit_derived();
    }

    /// Change when the reconciler next acts on a task.
    pub(crate) fn reschedule(&mut self, id: &str, at: Option<Millis>) {
        let Some(t) = self.tasks.get_mut(id) else {
            return;
        };
        if let Some(old) = t.next_at {
            self.schedule.remove(&(old, id.to_string()));
        }
        t.next_at = at;
        if let Some(a) = at {
            self.schedule.insert((a, id.to_string()));
        }
    }

    /// A new task with desired status RUNNING.
    pub(crate) fn insert_task(&mut self, t: Task) {
        *self.placement.get_or_insert_with(placement_key(&t), || 0) += 1;
        if let Some(k) = service_key_of(&t) {
            if self.services.contains(&k) {
                self.service_tasks
                    .get_or_insert_with(k, Default::default)
                    .insert(t.id.clone());
            }
        }
        self.tasks.insert(t);
    }

    /// A task leaves the table (its retention is over).
    pub(crate) fn remove_task(&mut self, id: &str) {
        let Some(t) = self.tasks.remove(id) else {
            return;
        };
        if let Some(k) = service_key_of(&t) {
            let empty = match self.service_tasks.get_mut(&k) {
                Some(set) => {
                    set.remove(id);
                    set.is_empty()
                }
                None => false,
            };
            if empty {
                self.service_tasks.remove(&k);
            }
        }
    }

    /// A task moved in its lifecycle: its service (if any) looks at it now.
    pub(crate) fn task_changed(&mut self, id: &str, now: Millis) {
        let key = self.tasks.get(id).and_then(service_key_of);
        if let Some(k) = key {
            if self.services.contains(&k) {
                self.wake_service(&k, now);
            }
        }
    }

    /// Make a service due no later than `at`.
    pub(crate) fn wake_service(&mut self, key: &str, at: Millis) {
        match self.service_due.get(key) {
            Some(d) if *d <= at => {}
            _ => self.set_service_due(key, Some(at)),
        }
    }

    /// When the scheduler next looks at a service (`None`: never again).
    pub(crate) fn set_service_due(&mut self, key: &str, at: Option<Millis>) {
        if let Some(old) = self.service_due.remove(key) {
            self.service_schedule.remove(&(old, key.to_string()));
        }
        if let Some(a) = at {
            self.service_due.insert(key.to_string(), a);
            self.service_schedule.insert((a, key.to_string()));
        }
    }

    /// A re-created service starts without the old one's tasks.
    pub(crate) fn forget_service_tasks(&mut self, key: &str) {
        self.service_tasks.remove(key);
    }

    /// The earliest time a service needs the scheduler.
    pub fn next_service_due(&self) -> Option<Millis> {
        self.service_schedule.first().map(|(t, _)| *t)
    }

    /// Set a task's desired status to STOPPED (StopTask, or a failed start).
    pub(crate) fn desire_stopped(&mut self, id: &str) {
        let Some(t) = self.tasks.get_mut(id) else {
            return;
        };
        if t.desired_status == "STOPPED" {
            return;
        }
        t.desired_status = "STOPPED".into();
        let key = placement_key(t);
        if let Some(n) = self.placement.get_mut(&key) {
            *n = n.saturating_sub(1);
        }
    }

    /// Live tasks of (cluster, group) in an AZ.
    pub(crate) fn placed_in(&self, cluster: &str, group: &str, az: &str) -> usize {
        self.placement
            .get(&(cluster.to_string(), group.to_string(), az.to_string()))
            .copied()
            .unwrap_or(0)
    }

    /// The earliest time any task or service needs the reconciler.
    pub fn next_due(&self) -> Option<Millis> {
        let task = self.schedule.iter().next().map(|(t, _)| *t);
        match (task, self.next_service_due()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

fn placement_key(t: &Task) -> (String, String, String) {
    (
        t.cluster.clone(),
        t.group.clone(),
        t.availability_zone.clone(),
    )
}

/// The service a task belongs to (`cluster/name`), when the service
/// scheduler launched it: group `service:NAME`, startedBy a deployment id
/// (services §1.3).
pub(crate) fn service_key_of(t: &Task) -> Option<String> {
    let name = t.group.strip_prefix("service:")?;
    t.started_by
        .as_ref()
        .filter(|s| s.starts_with("ecs-svc/"))?;
    Some(service::Service::key_of(&t.cluster, name))
}
