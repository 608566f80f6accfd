//! Typed decoding of JSON request bodies (awsJson1_1). A body is parsed into a
//! `serde_json::Value` and then decoded into the operation's input struct by a
//! deserializer that knows where it is, so a wrong type (a string for an
//! Integer, a scalar for a list, a number out of an Integer's range) is
//! refused as AWS refuses it, `SerializationException` with AWS's text; the
//! decoder also knows the JSON path of the bad field (`described`). A
//! fraction for an Integer is truncated, as AWS's JSON frontend does. Unknown fields are ignored, as AWS's JSON
//! services ignore them, and `null` counts as absent, also as a list element
//! or map value (wire-errors.md §1.2).
//!
//! The same decoder reads, leniently, what older releases stored as free-form
//! JSON (`decode_lenient`): a field of the wrong type is dropped, not fatal.

use crate::error::ApiError;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, Visitor};
use serde_json::{Map, Value};
use std::fmt;

/// The AWS shape a JSON value was meant to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expected {
    String,
    Integer,
    Long,
    Boolean,
    Double,
    List,
    Map,
    /// A structure, by its botocore shape name.
    Structure(&'static str),
}

/// What the JSON held instead, in the token names AWS's JSON parser uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    String,
    True,
    False,
    /// An integer; for an Integer or Long member, a whole number out of its
    /// range, however it is written (`1e21`).
    Number,
    /// A number with a fraction or an exponent; for an Integer or Long
    /// member, one with a fraction.
    Decimal,
    Null,
    List,
    Object,
}

/// One step of a JSON path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A member of a structure.
    Field(String),
    /// A key of a map.
    Key(String),
    Index(usize),
}

/// A value that does not decode as its field's type.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub path: Vec<Step>,
    pub expected: Expected,
    pub found: Found,
}

impl Mismatch {
    /// `containerDefinitions[0].portMappings[1].containerPort`.
    pub fn path_text(&self) -> String {
        let mut out = String::new();
        for s in &self.path {
            match s {
                Step::Field(k) | Step::Key(k) if is_plain(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Step::Field(k) | Step::Key(k) => {
                    out.push('[');
                    out.push_str(&Value::String(k.clone()).to_string());
                    out.push(']');
                }
                Step::Index(i) => {
                    out.push('[');
                    out.push_str(&i.to_string());
                    out.push(']');
                }
            }
        }
        out
    }

    /// Inside a list or a map (AWS words a bad structure there differently).
    fn in_collection(&self) -> bool {
        matches!(self.path.last(), Some(Step::Index(_) | Step::Key(_)))
    }
}

fn is_plain(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// The message of a `SerializationException`: the one place its wording lives.
///
/// The texts are those of ECS's JSON frontend (the newer Coral deserializer),
/// as the research notes record them (`docs/reference/wire-errors.md` §1.2 of
/// the research worktree): ECS captures for `STRING_VALUE cannot be converted
/// to Integer` and for a list sent where a structure belongs
/// (`Unrecognized collection type class
/// com.amazonaws.madison.frontend.RegisterTaskDefinitionRequest`), dynalite's
/// table (run against real DynamoDB) for the rest. AWS gives no path, and
/// neither does this message. A body that is a JSON scalar gets no message
/// (INF there). An Integer out of range is `NUMBER_VALUE cannot be
/// converted to Integer` (the notes' chosen text); out of range and written
/// with a fraction or exponent, `DECIMAL_VALUE …`.
pub fn serialization_message(m: &Mismatch) -> String {
    if m.path.is_empty() && !matches!(m.found, Found::List) {
        return String::new();
    }
    let scalar = |e: Expected| match e {
        Expected::String => "String",
        Expected::Integer => "Integer",
        Expected::Long => "Long",
        Expected::Boolean => "Boolean",
        _ => "Double",
    };
    let text = match (m.expected, m.found) {
        (Expected::Map | Expected::Structure(_), Found::Object) => {
            // Cannot happen: an object decodes as a map or structure.
            "Unexpected field type".to_string()
        }
        (_, Found::Object) => "Start of structure or map found where not expected".to_string(),
        (Expected::Map, Found::List) => {
            "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>"
                .to_string()
        }
        (Expected::Structure(name), Found::List) => {
            format!("Unrecognized collection type class com.amazonaws.madison.frontend.{name}")
        }
        (Expected::List, Found::List) => "Unexpected field type".to_string(),
        (e, Found::List) => format!("Unrecognized collection type class java.lang.{}", scalar(e)),
        (Expected::List | Expected::Map, _) => "Unexpected field type".to_string(),
        (Expected::Structure(_), _) if m.in_collection() => {
            "Unexpected value type in payload".to_string()
        }
        (Expected::Structure(_), _) => "Unexpected field type".to_string(),
        (Expected::Boolean, Found::String) => "Unexpected token received from parser".to_string(),
        (e, found) => {
            let token = match found {
                Found::String => "STRING_VALUE",
                Found::True => "TRUE_VALUE",
                Found::False => "FALSE_VALUE",
                Found::Number => "NUMBER_VALUE",
                Found::Decimal => "DECIMAL_VALUE",
                _ => "NULL_VALUE",
            };
            format!("{token} cannot be converted to {}", scalar(e))
        }
    };
    // AWS names no path: the text is exactly AWS's (the path stays in the
    // `Mismatch`, for logs and tests: `described`).
    text
}

/// The message with the path of the bad value (`… at containerDefinitions[0].cpu`),
/// as tests check that the decoder found the right value.
pub fn described(e: &DeError) -> String {
    match e {
        DeError::Mismatch(m) if !m.path_text().is_empty() => {
            format!("{} at {}", serialization_message(m), m.path_text())
        }
        DeError::Mismatch(m) => serialization_message(m),
        DeError::Other(msg) => msg.clone(),
    }
}

/// The exception for a body that does not decode.
pub fn serialization_exception(m: &Mismatch) -> ApiError {
    ApiError::new("SerializationException", serialization_message(m))
}

/// A body that is not JSON at all. AWS answers with the bare exception and no
/// message (dynalite, recorded against DynamoDB: "should return 400 if no
/// body" / a body that does not parse).
pub fn unparsable_body() -> ApiError {
    ApiError::new("SerializationException", "")
}

/// Decode a request body into `T`; the first value of a wrong type is a
/// `SerializationException`.
pub fn decode<T: DeserializeOwned>(v: &Value) -> Result<T, ApiError> {
    decode_checked(v).map_err(|e| match e {
        DeError::Mismatch(m) => serialization_exception(&m),
        DeError::Other(msg) => ApiError::new("SerializationException", msg),
    })
}

/// Decode what an older release stored, dropping every field (or list
/// element) whose value has a wrong type instead of failing.
pub fn decode_lenient<T: DeserializeOwned>(v: &Value) -> Result<T, String> {
    let mut v = v.clone();
    loop {
        match decode_checked::<T>(&v) {
            Ok(t) => return Ok(t),
            Err(DeError::Mismatch(m)) if !m.path.is_empty() => {
                // Each pass removes one node, so this ends.
                if !remove_at(&mut v, &m.path) {
                    return Err(serialization_message(&m));
                }
            }
            Err(DeError::Mismatch(m)) => return Err(serialization_message(&m)),
            Err(DeError::Other(msg)) => return Err(msg),
        }
    }
}

/// Decode, returning where the first wrong type is.
pub fn decode_checked<T: DeserializeOwned>(v: &Value) -> Result<T, DeError> {
    T::deserialize(Node {
        v,
        path: &Path::Root,
    })
}

fn remove_at(v: &mut Value, path: &[Step]) -> bool {
    let Some((last, parents)) = path.split_last() else {
        return false;
    };
    let mut cur = v;
    for s in parents {
        cur = match (s, cur) {
            (Step::Field(k) | Step::Key(k), Value::Object(o)) => match o.get_mut(k) {
                Some(x) => x,
                None => return false,
            },
            (Step::Index(i), Value::Array(a)) => match a.get_mut(*i) {
                Some(x) => x,
                None => return false,
            },
            _ => return false,
        };
    }
    match (last, cur) {
        (Step::Field(k) | Step::Key(k), Value::Object(o)) => o.remove(k).is_some(),
        (Step::Index(i), Value::Array(a)) if *i < a.len() => {
            a.remove(*i);
            true
        }
        _ => false,
    }
}

/// Where a value sits, as a chain of borrowed steps (built on the stack while
/// decoding; turned into a `Vec<Step>` only for an error).
enum Path<'a> {
    Root,
    Field(&'a Path<'a>, &'a str),
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    fn steps(&self) -> Vec<Step> {
        let mut out = Vec::new();
        let mut p = self;
        loop {
            match p {
                Path::Root => break,
                Path::Field(up, k) => {
                    out.push(Step::Field(k.to_string()));
                    p = up;
                }
                Path::Key(up, k) => {
                    out.push(Step::Key(k.to_string()));
                    p = up;
                }
                Path::Index(up, i) => {
                    out.push(Step::Index(*i));
                    p = up;
                }
            }
        }
        out.reverse();
        out
    }
}

/// The decoder's error: a wrong type, or something serde itself reports
/// (which our all-optional input structs never provoke).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeError {
    Mismatch(Mismatch),
    Other(String),
}

impl fmt::Display for DeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DeError::Mismatch(m) => f.write_str(&serialization_message(m)),
            DeError::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for DeError {}

impl de::Error for DeError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        DeError::Other(msg.to_string())
    }
}

fn found(v: &Value) -> Found {
    match v {
        Value::String(_) => Found::String,
        Value::Bool(true) => Found::True,
        Value::Bool(false) => Found::False,
        Value::Number(n) if n.is_f64() => Found::Decimal,
        Value::Number(_) => Found::Number,
        Value::Null => Found::Null,
        Value::Array(_) => Found::List,
        Value::Object(_) => Found::Object,
    }
}

/// A JSON value at a path.
struct Node<'a> {
    v: &'a Value,
    path: &'a Path<'a>,
}

impl Node<'_> {
    fn mismatch(&self, expected: Expected) -> DeError {
        self.mismatch_found(expected, found(self.v))
    }

    fn mismatch_found(&self, expected: Expected, found: Found) -> DeError {
        DeError::Mismatch(Mismatch {
            path: self.path.steps(),
            expected,
            found,
        })
    }

    /// The value as an integer within `lo..=hi`. A number written with a
    /// fraction or exponent counts (`1e3`); a fraction is truncated (`1.7` →
    /// 1), as AWS's JSON frontend does (wire-errors.md §1.2, PEER).
    fn int(&self, lo: i64, hi: i64, expected: Expected) -> Result<i64, DeError> {
        let Value::Number(n) = self.v else {
            return Err(self.mismatch(expected));
        };
        let found = match (n.as_i64(), n.as_f64()) {
            (Some(i), _) if (lo..=hi).contains(&i) => return Ok(i),
            (Some(_), _) => Found::Number,
            // AWS's JSON frontend truncates a fraction (1.7 → 1).
            (None, Some(f)) if f >= lo as f64 && f <= hi as f64 => return Ok(f.trunc() as i64),
            // Whole but too large (also an integer beyond u64, read as f64).
            (None, Some(f)) if f.fract() == 0.0 => Found::Number,
            _ => Found::Decimal,
        };
        Err(self.mismatch_found(expected, found))
    }
}

macro_rules! forward_int {
    ($($method:ident => $visit:ident, $ty:ty, $expected:expr;)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
                let i = self.int(<$ty>::MIN as i64, <$ty>::MAX as i64, $expected)?;
                vis.$visit(i as $ty)
            }
        )*
    };
}

impl<'de> de::Deserializer<'de> for Node<'_> {
    type Error = DeError;

    fn deserialize_any<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Null => vis.visit_unit(),
            Value::Bool(b) => vis.visit_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
                (Some(i), _, _) => vis.visit_i64(i),
                (_, Some(u), _) => vis.visit_u64(u),
                (_, _, f) => vis.visit_f64(f.unwrap_or_default()),
            },
            Value::String(s) => vis.visit_str(s),
            Value::Array(a) => vis.visit_seq(Seq {
                items: a.iter().enumerate(),
                path: self.path,
            }),
            Value::Object(o) => vis.visit_map(Entries::new(o, self.path, false)),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Bool(b) => vis.visit_bool(*b),
            _ => Err(self.mismatch(Expected::Boolean)),
        }
    }

    forward_int! {
        deserialize_i8 => visit_i8, i8, Expected::Integer;
        deserialize_i16 => visit_i16, i16, Expected::Integer;
        deserialize_i32 => visit_i32, i32, Expected::Integer;
        deserialize_i64 => visit_i64, i64, Expected::Long;
        deserialize_u8 => visit_u8, u8, Expected::Integer;
        deserialize_u16 => visit_u16, u16, Expected::Integer;
        deserialize_u32 => visit_u32, u32, Expected::Integer;
    }

    fn deserialize_u64<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        let i = self.int(0, i64::MAX, Expected::Long)?;
        vis.visit_u64(i as u64)
    }

    fn deserialize_f32<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_f64(vis)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Number(n) => vis.visit_f64(n.as_f64().unwrap_or_default()),
            _ => Err(self.mismatch(Expected::Double)),
        }
    }

    fn deserialize_char<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_str(vis)
    }

    fn deserialize_str<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::String(s) => vis.visit_str(s),
            _ => Err(self.mismatch(Expected::String)),
        }
    }

    fn deserialize_string<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_str(vis)
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_str(vis)
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_str(vis)
    }

    fn deserialize_option<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Null => vis.visit_none(),
            _ => vis.visit_some(self),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        vis.visit_unit()
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        vis: V,
    ) -> Result<V::Value, DeError> {
        vis.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        vis: V,
    ) -> Result<V::Value, DeError> {
        vis.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Array(a) => vis.visit_seq(Seq {
                items: a.iter().enumerate(),
                path: self.path,
            }),
            _ => Err(self.mismatch(Expected::List)),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _len: usize, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_seq(vis)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        vis: V,
    ) -> Result<V::Value, DeError> {
        self.deserialize_seq(vis)
    }

    fn deserialize_map<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        match self.v {
            Value::Object(o) => vis.visit_map(Entries::new(o, self.path, false)),
            _ => Err(self.mismatch(Expected::Map)),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        _fields: &'static [&'static str],
        vis: V,
    ) -> Result<V::Value, DeError> {
        match self.v {
            Value::Object(o) => vis.visit_map(Entries::new(o, self.path, true)),
            _ => Err(self.mismatch(Expected::Structure(name))),
        }
    }

    /// AWS enums are strings on the wire: a unit variant by its name.
    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        vis: V,
    ) -> Result<V::Value, DeError> {
        match self.v {
            Value::String(s) => vis.visit_enum(s.as_str().into_deserializer()),
            _ => Err(self.mismatch(Expected::String)),
        }
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        self.deserialize_str(vis)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, vis: V) -> Result<V::Value, DeError> {
        vis.visit_unit()
    }
}

impl<'de> IntoDeserializer<'de, DeError> for Node<'_> {
    type Deserializer = Self;
    fn into_deserializer(self) -> Self {
        self
    }
}

struct Seq<'a> {
    items: std::iter::Enumerate<std::slice::Iter<'a, Value>>,
    path: &'a Path<'a>,
}

impl<'de> de::SeqAccess<'de> for Seq<'_> {
    type Error = DeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DeError> {
        // A null element counts as absent (wire-errors.md §1.2).
        let Some((i, v)) = self.items.by_ref().find(|(_, v)| !v.is_null()) else {
            return Ok(None);
        };
        let path = Path::Index(self.path, i);
        seed.deserialize(Node { v, path: &path }).map(Some)
    }
}

/// The members of a structure or the entries of a map (nulls skipped: absent).
struct Entries<'a> {
    items: serde_json::map::Iter<'a>,
    pending: Option<(&'a str, &'a Value)>,
    path: &'a Path<'a>,
    structure: bool,
}

impl<'a> Entries<'a> {
    fn new(o: &'a Map<String, Value>, path: &'a Path<'a>, structure: bool) -> Self {
        Entries {
            items: o.iter(),
            pending: None,
            path,
            structure,
        }
    }
}

impl<'de> de::MapAccess<'de> for Entries<'_> {
    type Error = DeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DeError> {
        for (k, v) in self.items.by_ref() {
            if v.is_null() {
                continue;
            }
            self.pending = Some((k.as_str(), v));
            let key: de::value::StrDeserializer<'_, DeError> = k.as_str().into_deserializer();
            return seed.deserialize(key).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, DeError> {
        let Some((k, v)) = self.pending.take() else {
            return Err(DeError::Other("a map value without its key".into()));
        };
        let path = if self.structure {
            Path::Field(self.path, k)
        } else {
            Path::Key(self.path, k)
        };
        seed.deserialize(Node { v, path: &path })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use serde_json::json;
    use std::collections::BTreeMap;

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename = "Inner", rename_all = "camelCase", default)]
    struct Inner {
        name: Option<String>,
        port: Option<i32>,
    }

    #[derive(Debug, Default, Deserialize, PartialEq)]
    #[serde(rename = "OuterRequest", rename_all = "camelCase", default)]
    struct Outer {
        text: Option<String>,
        count: Option<i32>,
        size: Option<i64>,
        flag: Option<bool>,
        names: Vec<String>,
        labels: BTreeMap<String, String>,
        inner: Option<Inner>,
        inners: Vec<Inner>,
    }

    fn msg(v: Value) -> String {
        let e = decode::<Outer>(&v).unwrap_err();
        assert_eq!(e.code, "SerializationException");
        assert_eq!(e.status, 400);
        let with_path = described(&decode_checked::<Outer>(&v).unwrap_err());
        assert!(
            with_path.starts_with(&e.message),
            "{with_path} / {}",
            e.message
        );
        with_path
    }

    #[test]
    fn well_typed_input_decodes_and_unknown_fields_and_nulls_are_ignored() {
        let v = json!({
            "text": "a", "count": 7, "size": 1e15, "flag": false, "names": ["x", "y"],
            "labels": {"k": "v"}, "inner": {"name": "n", "port": 80, "extra": [1]},
            "inners": [{"port": 1.0}], "unknown": {"deep": [true]}, "nothing": null,
            "count2": "ignored"
        });
        let o: Outer = decode(&v).unwrap();
        assert_eq!(o.text.as_deref(), Some("a"));
        assert_eq!(o.count, Some(7));
        assert_eq!(o.size, Some(1_000_000_000_000_000));
        assert_eq!(o.flag, Some(false));
        assert_eq!(o.names, ["x", "y"]);
        assert_eq!(o.labels["k"], "v");
        assert_eq!(o.inner.unwrap().port, Some(80));
        assert_eq!(o.inners[0].port, Some(1));
        let o: Outer = decode(&json!({"text": null, "inner": null})).unwrap();
        assert_eq!(o, Outer::default());
    }

    #[test]
    fn each_wrong_type_names_its_path() {
        let cases = [
            (
                json!({"count": "lots"}),
                "STRING_VALUE cannot be converted to Integer at count",
            ),
            (
                json!({"count": true}),
                "TRUE_VALUE cannot be converted to Integer at count",
            ),
            (
                json!({"count": [1]}),
                "Unrecognized collection type class java.lang.Integer at count",
            ),
            (
                json!({"count": {}}),
                "Start of structure or map found where not expected at count",
            ),
            (
                json!({"text": 5}),
                "NUMBER_VALUE cannot be converted to String at text",
            ),
            (
                json!({"text": 5.5}),
                "DECIMAL_VALUE cannot be converted to String at text",
            ),
            (
                json!({"text": false}),
                "FALSE_VALUE cannot be converted to String at text",
            ),
            (
                json!({"flag": "maybe"}),
                "Unexpected token received from parser at flag",
            ),
            (
                json!({"flag": 1}),
                "NUMBER_VALUE cannot be converted to Boolean at flag",
            ),
            (json!({"names": "notalist"}), "Unexpected field type at names"),
            (
                json!({"names": {"a": "b"}}),
                "Start of structure or map found where not expected at names",
            ),
            (
                json!({"names": ["a", 3]}),
                "NUMBER_VALUE cannot be converted to String at names[1]",
            ),
            (json!({"labels": "x"}), "Unexpected field type at labels"),
            (
                json!({"labels": ["x"]}),
                "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String> at labels",
            ),
            (
                json!({"labels": {"a.b": 1}}),
                "NUMBER_VALUE cannot be converted to String at labels[\"a.b\"]",
            ),
            (json!({"inner": "x"}), "Unexpected field type at inner"),
            (
                json!({"inner": [1]}),
                "Unrecognized collection type class com.amazonaws.madison.frontend.Inner at inner",
            ),
            (
                json!({"inners": ["x"]}),
                "Unexpected value type in payload at inners[0]",
            ),
            (
                json!({"inners": [{}, {"port": "80"}]}),
                "STRING_VALUE cannot be converted to Integer at inners[1].port",
            ),
            (
                json!({"inner": {"name": ["n"]}}),
                "Unrecognized collection type class java.lang.String at inner.name",
            ),
        ];
        for (v, want) in cases {
            assert_eq!(msg(v.clone()), want, "{v}");
        }
    }

    #[test]
    fn numbers_out_of_range_are_refused_and_fractions_truncated() {
        let cases = [
            (json!({"count": 1e21}), "NUMBER_VALUE"),
            (json!({"count": -1e21}), "NUMBER_VALUE"),
            (json!({"count": 25000000000.5}), "DECIMAL_VALUE"),
            (json!({"count": -2147483648.5}), "DECIMAL_VALUE"),
            (json!({"count": 2147483648_i64}), "NUMBER_VALUE"),
            (json!({"count": -2147483649_i64}), "NUMBER_VALUE"),
            (json!({"size": 1e19}), "NUMBER_VALUE"),
            (json!({"size": u64::MAX}), "NUMBER_VALUE"),
            (json!({"size": 1.5e19}), "NUMBER_VALUE"),
        ];
        for (v, token) in cases {
            let m = msg(v.clone());
            assert!(m.starts_with(token), "{v}: {m}");
            assert!(m.contains("cannot be converted to"), "{v}: {m}");
        }
        let cut: Outer = decode(&json!({"count": 2.7, "size": -1.5})).unwrap();
        assert_eq!((cut.count, cut.size), (Some(2), Some(-1)));
        let edge: Outer =
            decode(&json!({"count": 2147483647, "size": -9223372036854775808_i64})).unwrap();
        assert_eq!(edge.count, Some(i32::MAX));
        assert_eq!(edge.size, Some(i64::MIN));
        assert_eq!(
            decode::<Outer>(&json!({"count": -2147483648_i64}))
                .unwrap()
                .count,
            Some(i32::MIN)
        );
    }

    #[test]
    fn a_body_that_is_not_an_object() {
        assert_eq!(
            msg(json!([1])),
            "Unrecognized collection type class com.amazonaws.madison.frontend.OuterRequest"
        );
        // A scalar body: the bare exception (wire-errors.md §1.2).
        for v in [json!("x"), json!(5), json!(null), json!(true)] {
            assert_eq!(msg(v), "");
        }
    }

    #[test]
    fn nulls_in_lists_and_maps_are_absent() {
        let o: Outer = decode(&json!({
            "names": [null, "a", null], "labels": {"k": null, "j": "v"},
            "inners": [null, {"port": null, "name": "n"}]
        }))
        .unwrap();
        assert_eq!(o.names, ["a"]);
        assert_eq!(o.labels.len(), 1);
        assert_eq!(o.inners[0].name.as_deref(), Some("n"));
        assert_eq!(o.inners[0].port, None);
        // The path still counts the element that was skipped.
        assert_eq!(
            msg(json!({"names": [null, 3]})),
            "NUMBER_VALUE cannot be converted to String at names[1]"
        );
    }

    #[test]
    fn lenient_decoding_drops_what_does_not_fit() {
        let v = json!({
            "text": 5, "count": 3, "names": ["a", 7, "b"], "labels": "x",
            "inners": [{"name": "ok", "port": "80"}, "junk"]
        });
        let o: Outer = decode_lenient(&v).unwrap();
        assert_eq!(o.text, None);
        assert_eq!(o.count, Some(3));
        assert_eq!(o.names, ["a", "b"]);
        assert!(o.labels.is_empty());
        assert_eq!(
            o.inners,
            [Inner {
                name: Some("ok".into()),
                port: None
            }]
        );
        assert!(decode_lenient::<Outer>(&json!([1])).is_err());
    }
}
