//! Reading the scenario format from a parsed `serde_json::Value`, by hand.
//!
//! Why not `#[derive(Deserialize)]`: the derives of the internally tagged enums (`Command`,
//! `Check`) buffer every value through serde's private `Content` type and compile each nested
//! type's visitor once more for it; in the page's wasm that was the largest single cost after the
//! simulation itself. Walking a `Value` with the few helpers below reads the same JSON with one
//! small function per type. The format is unchanged: every field keeps its name, default and
//! bounds, unknown fields are refused where serde refused them (`deny_unknown_fields`), and errors
//! say what was expected, like serde's, and where (`commands[3].command.partitions: …`).
//! `Serialize` stays derived: writing is cheap.

mod check;
mod command;
mod config;
#[cfg(test)]
mod tests;

use serde_json::{Map, Value};
use std::fmt;

/// Why a JSON value is not what the scenario format expects, and where in the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecodeError {
    /// Where: object keys and `[index]`es from the value decoded, e.g. `commands[3].command`.
    path: String,
    /// What is wrong, in serde's words (`missing field `name``, `invalid type: …, expected u32`).
    message: String,
}

impl DecodeError {
    /// An error at the value being decoded.
    pub(crate) fn new(message: String) -> DecodeError {
        DecodeError {
            path: String::new(),
            message,
        }
    }

    /// The same error seen from the enclosing value: `segment` is a key or `[index]`.
    pub(crate) fn at(mut self, segment: &str) -> DecodeError {
        let dot = if self.path.is_empty() || self.path.starts_with('[') {
            ""
        } else {
            "."
        };
        self.path = format!("{segment}{dot}{}", self.path);
        self
    }

    /// Where the problem is (empty: the value decoded itself).
    pub fn path(&self) -> &str {
        &self.path
    }

    /// What the problem is.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for DecodeError {}

/// A type of the scenario format, read from JSON.
pub trait FromJson: Sized {
    /// Reads `v`, or says why it is not one.
    fn from_json(v: &Value) -> Result<Self, DecodeError>;
}

/// `invalid type: <what v is>, expected <expected>`, as serde words it.
pub(crate) fn invalid_type(v: &Value, expected: &str) -> DecodeError {
    let found = match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => format!("boolean `{b}`"),
        Value::Number(n) if n.is_f64() => format!("floating point `{n}`"),
        Value::Number(n) => format!("integer `{n}`"),
        Value::String(s) => format!("string {s:?}"),
        Value::Array(_) => "sequence".to_string(),
        Value::Object(_) => "map".to_string(),
    };
    DecodeError::new(format!("invalid type: {found}, expected {expected}"))
}

/// `` `a`, `b`, `c` `` for messages.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

/// `unknown variant `x`, expected one of …`.
pub(crate) fn unknown_variant(name: &str, names: &[&str]) -> DecodeError {
    DecodeError::new(format!(
        "unknown variant `{name}`, expected one of {}",
        one_of(names)
    ))
}

/// An integer in `0..=max`, named `ty` in messages.
fn unsigned(v: &Value, max: u64, ty: &str) -> Result<u64, DecodeError> {
    match v.as_u64() {
        Some(n) if n <= max => Ok(n),
        Some(_) => Err(DecodeError::new(format!(
            "invalid value: integer `{v}`, expected {ty}"
        ))),
        None if v.is_i64() => Err(DecodeError::new(format!(
            "invalid value: integer `{v}`, expected {ty}"
        ))),
        None => Err(invalid_type(v, ty)),
    }
}

impl FromJson for u64 {
    fn from_json(v: &Value) -> Result<u64, DecodeError> {
        unsigned(v, u64::MAX, "u64")
    }
}

impl FromJson for u32 {
    fn from_json(v: &Value) -> Result<u32, DecodeError> {
        unsigned(v, u32::MAX.into(), "u32").map(|n| n as u32)
    }
}

impl FromJson for i64 {
    fn from_json(v: &Value) -> Result<i64, DecodeError> {
        match v.as_i64() {
            Some(n) => Ok(n),
            None if v.is_u64() => Err(DecodeError::new(format!(
                "invalid value: integer `{v}`, expected i64"
            ))),
            None => Err(invalid_type(v, "i64")),
        }
    }
}

impl FromJson for bool {
    fn from_json(v: &Value) -> Result<bool, DecodeError> {
        v.as_bool().ok_or_else(|| invalid_type(v, "a boolean"))
    }
}

impl FromJson for String {
    fn from_json(v: &Value) -> Result<String, DecodeError> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| invalid_type(v, "a string"))
    }
}

impl FromJson for crate::time::SimTime {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        u64::from_json(v).map(crate::time::SimTime)
    }
}

/// `null` is `None`, as serde reads an `Option`.
impl<T: FromJson> FromJson for Option<T> {
    fn from_json(v: &Value) -> Result<Option<T>, DecodeError> {
        match v {
            Value::Null => Ok(None),
            v => T::from_json(v).map(Some),
        }
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(v: &Value) -> Result<Vec<T>, DecodeError> {
        let items = v.as_array().ok_or_else(|| invalid_type(v, "a sequence"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, item)| T::from_json(item).map_err(|e| e.at(&format!("[{i}]"))))
            .collect()
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(v: &Value) -> Result<Box<T>, DecodeError> {
        T::from_json(v).map(Box::new)
    }
}

/// The fields of a JSON object being read into a struct (or a tagged enum's variant).
#[derive(Clone, Copy)]
pub(crate) struct Fields<'a>(&'a Map<String, Value>);

impl<'a> Fields<'a> {
    /// The object `v`; `what` names the expected struct in the error if `v` is not an object.
    pub(crate) fn of(v: &'a Value, what: &str) -> Result<Fields<'a>, DecodeError> {
        v.as_object()
            .map(Fields)
            .ok_or_else(|| invalid_type(v, what))
    }

    /// Refuses any key not in `known` (serde's `deny_unknown_fields`).
    pub(crate) fn only(self, known: &[&str]) -> Result<Fields<'a>, DecodeError> {
        self.only_besides(None, known)
    }

    /// Refuses any key not in `known` other than `tag` (a tagged enum's `type`).
    pub(crate) fn only_besides(
        self,
        tag: Option<&str>,
        known: &[&str],
    ) -> Result<Fields<'a>, DecodeError> {
        let unknown = |k: &&String| Some(k.as_str()) != tag && !known.contains(&k.as_str());
        match self.0.keys().find(unknown) {
            None => Ok(self),
            Some(k) => Err(DecodeError::new(format!(
                "unknown field `{k}`, expected one of {}",
                one_of(known)
            ))),
        }
    }

    /// The raw value of `key`, if present.
    pub(crate) fn raw(self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    /// Field `key`, which must be present.
    pub(crate) fn req<T: FromJson>(self, key: &str) -> Result<T, DecodeError> {
        match self.0.get(key) {
            Some(v) => T::from_json(v).map_err(|e| e.at(key)),
            None => Err(DecodeError::new(format!("missing field `{key}`"))),
        }
    }

    /// Field `key`, or `default` when absent (serde's `#[serde(default)]`; an `Option` field
    /// is `None` when absent or `null`).
    pub(crate) fn or<T: FromJson>(self, key: &str, default: T) -> Result<T, DecodeError> {
        match self.0.get(key) {
            Some(v) => T::from_json(v).map_err(|e| e.at(key)),
            None => Ok(default),
        }
    }

    /// Field `key`, or `T::default()` when absent.
    pub(crate) fn or_default<T: FromJson + Default>(self, key: &str) -> Result<T, DecodeError> {
        self.or(key, T::default())
    }
}

/// An internally tagged enum's value (`{"type": "kill_broker", …}`): its tag and its fields.
/// `what` names the enum in errors.
pub(crate) fn tagged<'a>(v: &'a Value, what: &str) -> Result<(&'a str, Fields<'a>), DecodeError> {
    let fields = Fields::of(v, what)?;
    match fields.raw("type") {
        Some(Value::String(tag)) => Ok((tag, fields)),
        Some(other) => Err(invalid_type(other, "a variant name").at("type")),
        None => Err(DecodeError::new("missing field `type`".to_string())),
    }
}

/// An externally tagged enum's value as serde reads it from a `Value`: `"name"` (no payload) or
/// `{"name": payload}`.
pub(crate) fn variant(v: &Value) -> Result<(&str, Option<&Value>), DecodeError> {
    match v {
        Value::String(s) => Ok((s, None)),
        Value::Object(m) if m.len() == 1 => {
            let (k, payload) = m.iter().next().expect("one entry");
            Ok((k, Some(payload)))
        }
        Value::Object(_) => Err(DecodeError::new(
            "invalid value: map, expected map with a single key".to_string(),
        )),
        v => Err(invalid_type(v, "string or map")),
    }
}

/// A unit variant named by `v` (`"all"`, or `{"all": null}`), looked up in `table`.
pub(crate) fn unit_variant<T: Copy>(v: &Value, table: &[(&str, T)]) -> Result<T, DecodeError> {
    let names: Vec<&str> = table.iter().map(|(n, _)| *n).collect();
    let (name, payload) = variant(v)?;
    if let Some(p) = payload.filter(|p| !p.is_null()) {
        return Err(invalid_type(p, "unit variant").at(name));
    }
    table
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, t)| *t)
        .ok_or_else(|| unknown_variant(name, &names))
}

/// An enum of another module that derives `Deserialize` for unit variants only (`KafkaError`,
/// `AllowedBy`), read from a string through serde's small string deserializer (which compiles
/// its derive for strings alone) or from `{"Name": null}`.
pub(crate) fn named<T: serde::de::DeserializeOwned>(v: &Value) -> Result<T, DecodeError> {
    use serde::de::IntoDeserializer;
    let (name, payload) = variant(v)?;
    if let Some(p) = payload.filter(|p| !p.is_null()) {
        return Err(invalid_type(p, "unit variant").at(name));
    }
    let d: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        name.into_deserializer();
    T::deserialize(d).map_err(|e| DecodeError::new(e.to_string()))
}

/// Implements `serde::Deserialize` through [`FromJson`] (via a `Value`), so that
/// `serde_json::from_str::<Command>` and friends keep working for callers of the library.
macro_rules! deserialize_through_json {
    ($($t:ty),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $t {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let v = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
                <$t as $crate::scenario::decode::FromJson>::from_json(&v)
                    .map_err(<D::Error as serde::de::Error>::custom)
            }
        }
    )*};
}

impl FromJson for super::Timing {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        use super::Timing;
        unit_variant(v, &[("kafka", Timing::Kafka), ("demo", Timing::Demo)])
    }
}

impl FromJson for super::Step {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let f = Fields::of(v, "struct Step")?.only(&["at", "text"])?;
        Ok(super::Step {
            at: f.req("at")?,
            text: f.req("text")?,
        })
    }
}

impl FromJson for super::Goal {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let f = Fields::of(v, "struct Goal")?.only(&["text", "check"])?;
        Ok(super::Goal {
            text: f.req("text")?,
            check: f.req("check")?,
        })
    }
}

impl FromJson for super::load_generator::LoadSetting {
    fn from_json(v: &Value) -> Result<Self, DecodeError> {
        let f = Fields::of(v, "struct LoadSetting")?
            .only(&["at", "rate", "keys", "topics", "producer"])?;
        Ok(super::load_generator::LoadSetting {
            at: f.req("at")?,
            rate: f.req("rate")?,
            keys: f.or("keys", 0)?,
            topics: f.req("topics")?,
            producer: f.or("producer", 0)?,
        })
    }
}

/// The fields of scenario document `v` but its `config`, which `Scenario::from_value` read on
/// top of the timing base.
pub(crate) fn scenario(
    v: &Value,
    config: crate::config::SimConfig,
) -> Result<super::Scenario, DecodeError> {
    let f = Fields::of(v, "struct Scenario")?.only(&[
        "version",
        "title",
        "description",
        "steps",
        "goal",
        "expect",
        "twin",
        "seed",
        "timing",
        "config",
        "until_ms",
        "commands",
        "load_generator",
    ])?;
    Ok(super::Scenario {
        version: f.req("version")?,
        title: f.or_default("title")?,
        description: f.or_default("description")?,
        steps: f.or_default("steps")?,
        goal: f.or("goal", None)?,
        expect: f.or_default("expect")?,
        twin: f.or("twin", None)?,
        seed: f.or("seed", 0)?,
        timing: f.or("timing", super::Timing::Kafka)?,
        config,
        until_ms: f.or("until_ms", None)?,
        commands: f.or_default("commands")?,
        load_generator: f.or_default("load_generator")?,
    })
}

deserialize_through_json!(
    crate::command::Command,
    crate::command::TimedCommand,
    crate::command::NodeRef,
    crate::goal::Check,
    crate::config::SimConfig,
    crate::config::NetworkConfig,
    crate::config::BrokerConfig,
    crate::config::ProducerConfig,
    crate::config::TopicConfig,
    crate::config::ConsumerConfig,
    crate::config::Acks,
    crate::config::KeylessPartitioner,
    crate::config::CleanupPolicy,
    crate::config::AutoOffsetReset,
    crate::config::CommitMode,
    super::Timing,
    super::Step,
    super::Goal,
    super::load_generator::LoadSetting,
);

/// A scenario read as [`super::Scenario::from_value`] reads it: version, timing base, limits.
impl<'de> serde::Deserialize<'de> for super::Scenario {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = <Value as serde::Deserialize>::deserialize(d)?;
        super::Scenario::from_value(&v).map_err(<D::Error as serde::de::Error>::custom)
    }
}
