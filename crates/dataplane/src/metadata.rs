//! What the task metadata endpoint at 169.254.170.2 answers inside a task
//! (N61; aws-behavior §1.4 and §5.4): the v4 and v3 documents by the
//! endpoint id in the path, the task role's credentials by the id in
//! `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`, only to the task they belong
//! to (the caller is known by its source address, as the agent does).
//!
//! The documents are built from committed state at each data-plane pass
//! (`Desired::metadata`); the server (`linux/tmds.rs`) only looks them up.

use model::ecs::types::Task;
use model::world::Region;
use serde_json::{json, Value};
use std::net::IpAddr;

/// The endpoint's address inside every task.
pub const ADDRESS: &str = "169.254.170.2";

/// One task's answers.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskMetadata {
    pub task_id: String,
    /// The task's addresses: only these callers are answered for it.
    pub sources: Vec<IpAddr>,
    /// `/v4/<id>/task`.
    pub task: Value,
    /// `(endpoint id, container document)`: `/v4/<id>` of each container.
    pub containers: Vec<(String, Value)>,
    /// `(credentials id, role ARN)` when the task has a task role.
    pub role: Option<(String, String)>,
}

impl TaskMetadata {
    pub fn of(r: &Region, t: &Task, sources: Vec<IpAddr>) -> TaskMetadata {
        let task = r.task_metadata(t);
        let containers = t
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let id = format!(
                    "{}-{}",
                    t.id,
                    model::ecs::lifecycle::runtime_suffix(&c.name)
                );
                (id, task["Containers"][i].clone())
            })
            .collect();
        let role = r
            .ecs
            .task_definitions
            .get(&t.task_definition)
            .and_then(|d| d.task_role_arn.clone())
            .map(|arn| (crate::credentials_id(t), arn));
        TaskMetadata {
            task_id: t.id.clone(),
            sources,
            task,
            containers,
            role,
        }
    }
}

/// The answer to `GET path` from `source`: (HTTP status, JSON body).
/// `now` (milliseconds since the epoch) dates the credentials.
pub fn answer(tasks: &[TaskMetadata], source: IpAddr, path: &str, now: i64) -> (u16, Value) {
    let path = path.split('?').next().unwrap_or("").trim_end_matches('/');
    let mine = |m: &&TaskMetadata| m.sources.contains(&source);
    // v3 and v4: /v4/<endpoint id>[/task].
    for prefix in ["/v4/", "/v3/"] {
        let Some(rest) = path.strip_prefix(prefix) else {
            continue;
        };
        let (id, what) = rest.split_once('/').unwrap_or((rest, ""));
        for m in tasks.iter().filter(mine) {
            let Some((_, container)) = m.containers.iter().find(|(e, _)| e == id) else {
                continue;
            };
            return match what {
                "" => (200, container.clone()),
                "task" => (200, m.task.clone()),
                _ => not_found(path),
            };
        }
        return not_found(path);
    }
    // The task role's credentials (the agent's v2 credentials handler).
    if let Some(id) = path.strip_prefix("/v2/credentials/") {
        let hit = tasks
            .iter()
            .filter(mine)
            .find_map(|m| m.role.as_ref().filter(|(c, _)| c == id));
        return match hit {
            Some((cid, role)) => (200, credentials(cid, role, now)),
            // The agent's text for an id it does not know.
            None => (
                400,
                json!({"code": "InvalidIdInRequest", "message": "CredentialsV2Request: Credentials not found", "HTTPErrorCode": 400}),
            ),
        };
    }
    not_found(path)
}

fn not_found(path: &str) -> (u16, Value) {
    (
        404,
        json!({"message": format!("tasknet: the metadata endpoint has nothing at {path}")}),
    )
}

/// The credentials document: temporary keys (`ASIA…`) derived from the
/// credentials id, valid six hours from now. tasknet does not check them
/// unless signatures are verified, and then it does not know them: they
/// are the shape of the task role's keys, not keys it issued.
fn credentials(id: &str, role: &str, now: i64) -> Value {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut h = model::services::fnv(id);
    let key: String = (0..16)
        .map(|i| {
            if i == 8 {
                h = model::services::fnv(&format!("{id}/{h}"));
            }
            let c = ALPHABET[(h % 32) as usize] as char;
            h /= 32;
            c
        })
        .collect();
    let secret: String = (0..5)
        .map(|i| {
            format!(
                "{:08x}",
                model::services::fnv(&format!("{id}/secret/{i}")) as u32
            )
        })
        .collect();
    let token = (0..8)
        .map(|i| format!("{:016x}", model::services::fnv(&format!("{id}/token/{i}"))))
        .collect::<String>();
    // Rounded to the minute, as a refreshed credential's expiry is.
    let expires = model::time::Millis((now / 60_000) * 60_000 + 6 * 3_600_000);
    json!({
        "RoleArn": role,
        "AccessKeyId": format!("ASIA{key}"),
        "SecretAccessKey": secret,
        "Token": token,
        "Expiration": expires.iso8601().replace(".000Z", "Z"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry() -> TaskMetadata {
        TaskMetadata {
            task_id: "abc".into(),
            sources: vec!["10.0.1.5".parse().unwrap()],
            task: json!({"TaskARN": "arn:task/abc"}),
            containers: vec![("abc-0265927825".into(), json!({"Name": "web"}))],
            role: Some(("1111-2222".into(), "arn:aws:iam::1:role/app".into())),
        }
    }

    #[test]
    fn documents_by_endpoint_id_for_their_own_task_only() {
        let t = [entry()];
        let me: IpAddr = "10.0.1.5".parse().unwrap();
        let other: IpAddr = "10.0.1.6".parse().unwrap();
        assert_eq!(
            answer(&t, me, "/v4/abc-0265927825", 0),
            (200, json!({"Name": "web"}))
        );
        assert_eq!(
            answer(&t, me, "/v4/abc-0265927825/task", 0),
            (200, json!({"TaskARN": "arn:task/abc"}))
        );
        assert_eq!(answer(&t, me, "/v3/abc-0265927825/task/", 0).0, 200);
        assert_eq!(answer(&t, other, "/v4/abc-0265927825/task", 0).0, 404);
        assert_eq!(answer(&t, me, "/v4/nope/task", 0).0, 404);
        assert_eq!(answer(&t, me, "/v4/abc-0265927825/stats", 0).0, 404);
        assert_eq!(answer(&t, me, "/", 0).0, 404);
    }

    #[test]
    fn credentials_for_the_task_role() {
        let t = [entry()];
        let me: IpAddr = "10.0.1.5".parse().unwrap();
        let (status, c) = answer(&t, me, "/v2/credentials/1111-2222", 1_000_000);
        assert_eq!(status, 200);
        assert_eq!(c["RoleArn"], "arn:aws:iam::1:role/app");
        let key = c["AccessKeyId"].as_str().unwrap();
        assert!(key.starts_with("ASIA") && key.len() == 20, "{key}");
        assert_eq!(c["SecretAccessKey"].as_str().unwrap().len(), 40);
        assert_eq!(c["Expiration"], "1970-01-01T06:16:00Z");
        // Stable for the task, refused to others and for unknown ids.
        assert_eq!(answer(&t, me, "/v2/credentials/1111-2222", 1_000_000).1, c);
        let other: IpAddr = "10.0.1.6".parse().unwrap();
        assert_eq!(answer(&t, other, "/v2/credentials/1111-2222", 0).0, 400);
        assert_eq!(answer(&t, me, "/v2/credentials/9999", 0).0, 400);
    }
}
