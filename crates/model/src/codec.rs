//! How records are encoded for the store: postcard, a compact binary serde
//! format (a task record is about a third of its JSON size, which is what
//! the write path pays for). Free-form JSON fields travel as JSON text.

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A stored shape with a format version. Every stored row starts with its
/// version (a postcard varint; rows written before versions existed were
/// given version 1 when their store was upgraded, see `store`). When a
/// record's shape changes, bump `VERSION` and teach `upgrade` to turn the
/// older bytes into the new shape: a data directory of any earlier release
/// keeps loading.
pub trait Versioned: Serialize + DeserializeOwned {
    const VERSION: u32 = 1;
    /// Decode a row written as `version` (older than `VERSION`).
    fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
        let _ = body;
        Err(format!(
            "format version {version} is not one this tasknet can read (it reads {})",
            Self::VERSION
        ))
    }
}

/// A stored row: the format version, then the value.
pub fn encode_versioned<T: Versioned>(v: &T) -> Vec<u8> {
    let mut out = Vec::with_capacity(1024);
    out = postcard::to_extend(&T::VERSION, out).unwrap_or_default();
    postcard::to_extend(v, out).unwrap_or_default()
}

/// Read a stored row of any version this build knows.
pub fn decode_versioned<T: Versioned>(b: &[u8]) -> Result<T, String> {
    let (version, body) =
        postcard::take_from_bytes::<u32>(b).map_err(|e| format!("format version: {e}"))?;
    if version == T::VERSION {
        decode(body)
    } else if version > T::VERSION {
        Err(format!(
            "written in format version {version} by a newer tasknet (this one reads up to {})",
            T::VERSION
        ))
    } else {
        T::upgrade(version, body)
    }
}

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

/// `#[serde(with = "crate::codec::typed_json_text")]` for typed values that
/// leave absent members out of their JSON (the ECS shapes): postcard cannot
/// skip a field, so they travel as their JSON text.
pub mod typed_json_text {
    use serde::de::{DeserializeOwned, Error as _};
    use serde::ser::Error as _;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<T: Serialize, S: Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
        let text = serde_json::to_string(v).map_err(S::Error::custom)?;
        s.serialize_str(&text)
    }

    pub fn deserialize<'de, T: DeserializeOwned, D: Deserializer<'de>>(
        d: D,
    ) -> Result<T, D::Error> {
        let text = String::deserialize(d)?;
        serde_json::from_str(&text).map_err(D::Error::custom)
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

    /// A record as an earlier release stored it, and as it is now: it gained
    /// a field.
    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct GateV1 {
        id: String,
        open: bool,
    }
    impl Versioned for GateV1 {}

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Gate {
        id: String,
        open: bool,
        /// New in version 2; rows of version 1 get the default.
        width: u32,
    }
    impl Versioned for Gate {
        const VERSION: u32 = 2;
        fn upgrade(version: u32, body: &[u8]) -> Result<Self, String> {
            match version {
                1 => {
                    let old: GateV1 = decode(body)?;
                    Ok(Gate {
                        id: old.id,
                        open: old.open,
                        width: 1,
                    })
                }
                v => Err(format!("unknown version {v}")),
            }
        }
    }

    #[test]
    fn a_record_that_gained_a_field_reads_rows_written_before() {
        let old = encode_versioned(&GateV1 {
            id: "g1".into(),
            open: true,
        });
        assert_eq!(old[0], 1, "the version comes first");
        assert_eq!(
            decode_versioned::<Gate>(&old).unwrap(),
            Gate {
                id: "g1".into(),
                open: true,
                width: 1
            }
        );
        let new = Gate {
            id: "g2".into(),
            open: false,
            width: 3,
        };
        assert_eq!(
            decode_versioned::<Gate>(&encode_versioned(&new)).unwrap(),
            new
        );
        // A row from a newer release is refused with a clear reason, never misread.
        let err = decode_versioned::<GateV1>(&encode_versioned(&new)).unwrap_err();
        assert!(err.contains("newer tasknet"), "{err}");
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
