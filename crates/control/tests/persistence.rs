//! Records written as the control plane writes them (drained changes
//! encoded by `control::to_store` and committed to a real SQLite store) load
//! back into the same world. A task is two rows: its launch, written once,
//! and its state, rewritten at every lifecycle step.

use model::ecs::cluster::CreateCluster;
use model::ecs::task::RunTask;
use model::ecs::Lifecycle;
use model::rules::awsvpc::AwsVpcConfig;
use model::{Millis, World};
use std::collections::BTreeMap;
use store::{SqliteStore, Store, Write};

/// Commit the world's pending changes as the control plane does; count the
/// rows written per kind.
fn persist(w: &mut World, store: &mut SqliteStore, written: &mut BTreeMap<&'static str, usize>) {
    let writes = control::to_store(&w.drain_changes());
    for wr in &writes {
        if let Write::Put { kind, .. } = wr {
            *written.entry(kind).or_default() += 1;
        }
    }
    store.commit(&writes).expect("commit");
}

fn rows(store: &mut SqliteStore) -> Vec<(String, String, u64, Vec<u8>)> {
    store
        .load()
        .expect("load")
        .into_iter()
        .map(|r| (r.kind, r.region, r.seq, r.body))
        .collect()
}

fn reload(store: &mut SqliteStore, now: Millis) -> World {
    World::load("123456789012", 7, now, rows(store)).expect("the rows load")
}

fn task_debug(w: &World, id: &str) -> Option<String> {
    let r = w.region("us-east-2").unwrap();
    r.ecs.tasks.get(id).map(|t| format!("{t:?}"))
}

/// A world with cluster `demo` and `count` tasks of a one-container
/// definition in a default subnet, launched at `now` (changes not drained).
fn launch(now: Millis, count: i64) -> (World, Vec<String>) {
    let mut w = World::new("123456789012", 7, now);
    w.create_cluster(
        "us-east-2",
        CreateCluster {
            name: Some("demo".into()),
            ..Default::default()
        },
        now,
    )
    .unwrap();
    let r = w.region_mut("us-east-2").unwrap();
    let td = serde_json::json!({
        "family": "demo-task",
        "networkMode": "awsvpc",
        "requiresCompatibilities": ["FARGATE"],
        "cpu": "256",
        "memory": "512",
        "containerDefinitions": [{"name": "app", "image": "nginx"}],
    });
    r.register_task_definition(&td, "arn:aws:iam::123456789012:root", now)
        .unwrap();
    let subnet = r.subnets.iter().next().unwrap().id.clone();
    let out = w
        .run_task(
            "us-east-2",
            RunTask {
                cluster: Some("demo".into()),
                task_definition: "demo-task".into(),
                count: Some(count),
                launch_type: Some("FARGATE".into()),
                // A default subnet routes to an internet gateway: with a
                // public IP the task can pull its image and run.
                network: Some(AwsVpcConfig {
                    subnets: vec![subnet],
                    assign_public_ip: Some("ENABLED".into()),
                    ..Default::default()
                }),
                tags: vec![model::ecs::types::EcsTag {
                    key: "team".into(),
                    value: "net".into(),
                }],
                principal: "arn:aws:iam::123456789012:root".into(),
                ..Default::default()
            },
            &Lifecycle::fast(),
            now,
        )
        .unwrap();
    (w, out.tasks)
}

#[test]
fn tasks_survive_reload_at_every_step_and_launch_rows_are_written_once() {
    let mut now = Millis(1_700_000_000_000);
    let lc = Lifecycle::fast();
    let (mut w, tasks) = launch(now, 2);
    let mut store = SqliteStore::in_memory().unwrap();
    let mut written = BTreeMap::new();
    assert_eq!(tasks.len(), 2);
    let id = tasks[0].clone();
    persist(&mut w, &mut store, &mut written);
    written.clear();

    // Every step of the lifecycle, then a stop, then the retention expiry.
    let mut statuses = Vec::new();
    for step in 0..12 {
        if step == 6 {
            let cluster = "demo";
            w.region_mut("us-east-2")
                .unwrap()
                .stop_task(cluster, &id, Some("done".into()), &lc, now)
                .unwrap();
        }
        now = now.plus_ms(if step == 10 { lc.retention_ms } else { 100 });
        w.advance_tasks(now, &lc, 100);
        persist(&mut w, &mut store, &mut written);
        let loaded = reload(&mut store, now);
        assert_eq!(
            task_debug(&loaded, &id),
            task_debug(&w, &id),
            "after step {step}"
        );
        if let Some(t) = w.region("us-east-2").unwrap().ecs.tasks.get(&id) {
            statuses.push(t.last_status.as_str());
        }
    }
    assert!(statuses.contains(&"RUNNING"), "{statuses:?}");
    assert!(statuses.contains(&"STOPPED"), "{statuses:?}");
    // The tasks' state was rewritten at each step; their launch never was.
    assert!(
        written.get("ecs-task").copied().unwrap_or(0) >= 8,
        "{written:?}"
    );
    assert_eq!(written.get("ecs-launch"), None, "{written:?}");
    // Expired: both of the task's rows are gone, the other task's remain.
    assert_eq!(task_debug(&w, &id), None);
    let all = rows(&mut store);
    let kinds: Vec<&str> = all
        .iter()
        .filter(|(k, ..)| k == "ecs-task" || k == "ecs-launch")
        .map(|(k, ..)| k.as_str())
        .collect();
    assert_eq!(
        kinds,
        ["ecs-launch", "ecs-task"],
        "only the other task's rows"
    );
}

#[test]
fn a_task_without_its_launch_row_is_reported() {
    let now = Millis(1_700_000_000_000);
    let (mut w, _) = launch(now, 1);
    let mut store = SqliteStore::in_memory().unwrap();
    let mut written = BTreeMap::new();
    persist(&mut w, &mut store, &mut written);
    assert_eq!(written.get("ecs-launch"), Some(&1));
    let mut all = rows(&mut store);
    all.retain(|(k, ..)| k != "ecs-launch");
    let err = World::load("123456789012", 7, now, all)
        .err()
        .expect("a task without its launch does not load");
    assert!(err.contains("ecs-launch row is missing"), "{err}");
}

/// The store files versions marked lasting with the long-lived rows at once:
/// a task's launch, and its state once RUNNING or STOPPED; the states in
/// between are superseded within a phase.
#[test]
fn launch_rows_and_settled_states_are_marked_lasting() {
    let mut now = Millis(1_700_000_000_000);
    let lc = Lifecycle::fast();
    let (mut w, tasks) = launch(now, 1);
    let mut seen = Vec::new();
    for step in 0..10 {
        for wr in control::to_store(&w.drain_changes()) {
            if let Write::Put { kind, lasting, .. } = wr {
                if kind == "ecs-launch" {
                    assert!(lasting, "a launch row is lasting");
                }
            }
        }
        if let Some(t) = w.region("us-east-2").unwrap().ecs.tasks.get(&tasks[0]) {
            seen.push((t.last_status.as_str(), model::table::Record::lasting(t)));
        }
        if step == 5 {
            w.region_mut("us-east-2")
                .unwrap()
                .stop_task("demo", &tasks[0], None, &lc, now)
                .unwrap();
        }
        now = now.plus_ms(100);
        w.advance_tasks(now, &lc, 100);
    }
    for (status, lasting) in &seen {
        assert_eq!(
            *lasting,
            matches!(*status, "RUNNING" | "STOPPED"),
            "{status}: {seen:?}"
        );
    }
    assert!(seen.iter().any(|(s, _)| *s == "PROVISIONING"), "{seen:?}");
    assert!(seen.iter().any(|(s, _)| *s == "STOPPED"), "{seen:?}");
}
