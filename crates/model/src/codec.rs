//! How records are encoded for the store: postcard, a compact binary serde
//! format (a task record is about a third of its JSON size, which is what
//! the write path pays for). Free-form JSON fields travel as JSON text.

use serde::de::DeserializeOwned;
use serde::Serialize;

pub fn encode<T: Serialize>(v: &T) -> Vec<u8> {
    // Serialising our own plain-data structs into a Vec cannot fail. Records
    // are a few hundred bytes; one allocation up front avoids regrowing.
    postcard::to_extend(v, Vec::with_capacity(1024)).unwrap_or_default()
}

pub fn decode<T: DeserializeOwned>(b: &[u8]) -> Result<T, String> {
    postcard::from_bytes(b).map_err(|e| e.to_string())
}

/// `#[serde(with = "crate::codec::json_text")]` for `serde_json::Value` fields.
pub mod json_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &serde_json::Value, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<serde_json::Value, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(serde::de::Error::custom)
    }
}

/// The same for `Arc<serde_json::Value>`.
pub mod arc_json_text {
    use serde::{Deserializer, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(v: &Arc<serde_json::Value>, s: S) -> Result<S::Ok, S::Error> {
        super::json_text::serialize(v, s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Arc<serde_json::Value>, D::Error> {
        super::json_text::deserialize(d).map(Arc::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct R {
        a: Option<String>,
        #[serde(with = "json_text")]
        j: serde_json::Value,
        e: Vec<(u32, bool)>,
    }

    #[test]
    fn round_trip() {
        let r = R {
            a: Some("x".into()),
            j: serde_json::json!({"k": [1, "two"]}),
            e: vec![(7, true)],
        };
        assert_eq!(decode::<R>(&encode(&r)).unwrap(), r);
    }
}
