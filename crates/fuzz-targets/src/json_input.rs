//! The typed JSON decoder (`model::json_input`) with every ECS operation's
//! input (`api::ecs::input`) and the stored shapes read leniently from
//! older releases. An input is a request body; one that parses as JSON is
//! decoded as every operation's input, strictly and leniently.

use api::ecs::input::*;
use model::ecs::shapes::{TaskDefinitionSpec, TaskOverride};
use model::json_input::{decode, decode_checked, decode_lenient, described, DeError, Step};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::fmt::Debug;

pub fn run(data: &[u8]) {
    // As ecs::handle reads a body: what is not JSON never reaches a decoder.
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    all(&v);
}

/// Every typed input of the ECS API that tasknet decodes.
pub fn all(v: &Value) {
    check::<CreateClusterRequest>(v);
    check::<DescribeClustersRequest>(v);
    check::<ListClustersRequest>(v);
    check::<DeleteClusterRequest>(v);
    check::<UpdateClusterRequest>(v);
    check::<UpdateClusterSettingsRequest>(v);
    check::<PutClusterCapacityProvidersRequest>(v);
    check::<RegisterTaskDefinitionRequest>(v);
    check::<DescribeTaskDefinitionRequest>(v);
    check::<ListTaskDefinitionsRequest>(v);
    check::<ListTaskDefinitionFamiliesRequest>(v);
    check::<DeregisterTaskDefinitionRequest>(v);
    check::<DeleteTaskDefinitionsRequest>(v);
    check::<RunTaskRequest>(v);
    check::<StopTaskRequest>(v);
    check::<DescribeTasksRequest>(v);
    check::<ListTasksRequest>(v);
    check::<PutAccountSettingRequest>(v);
    check::<PutAccountSettingDefaultRequest>(v);
    check::<ListAccountSettingsRequest>(v);
    check::<DeleteAccountSettingRequest>(v);
    check::<TagResourceRequest>(v);
    check::<UntagResourceRequest>(v);
    check::<ListTagsForResourceRequest>(v);
    // What release 0.1.0 stored as free-form JSON (ecs/legacy.rs).
    check::<TaskDefinitionSpec>(v);
    check::<TaskOverride>(v);
}

fn check<T: DeserializeOwned + Debug>(v: &Value) {
    match decode::<T>(v) {
        Ok(strict) => {
            // What decodes strictly decodes leniently, to the same value.
            let lenient = decode_lenient::<T>(v).expect("lenient refused what strict accepted");
            assert_eq!(format!("{strict:?}"), format!("{lenient:?}"));
        }
        Err(e) => {
            assert_eq!(e.code, "SerializationException");
            assert_eq!(e.status, 400);
            let checked = decode_checked::<T>(v).expect_err("decode failed, decode_checked not");
            assert!(
                described(&checked).starts_with(e.message.as_ref() as &str),
                "{} / {}",
                described(&checked),
                e.message
            );
            if let DeError::Mismatch(m) = &checked {
                // The path leads to the value that did not fit, and that
                // value is of the kind the error names.
                let at = resolve(v, &m.path)
                    .unwrap_or_else(|| panic!("the path {:?} is not in the input", m.path));
                assert_eq!(kind(at), found_kind(m.found), "at {}", m.path_text());
            }
            // Ends (each pass drops one node) and never panics.
            let _ = decode_lenient::<T>(v);
        }
    }
}

fn resolve<'a>(mut v: &'a Value, path: &[Step]) -> Option<&'a Value> {
    for s in path {
        v = match (s, v) {
            (Step::Field(k) | Step::Key(k), Value::Object(o)) => o.get(k)?,
            (Step::Index(i), Value::Array(a)) => a.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::String(_) => "string",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::Null => "null",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

fn found_kind(f: model::json_input::Found) -> &'static str {
    use model::json_input::Found;
    match f {
        Found::String => "string",
        Found::True | Found::False => "bool",
        Found::Number | Found::Decimal => "number",
        Found::Null => "null",
        Found::List => "list",
        Found::Object => "object",
    }
}
