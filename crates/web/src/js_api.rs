//! `KafkaPlayground`: the simulator as a JS class, for pages that load the page's wasm module
//! themselves (no iframe, no UI). Values cross as plain JS objects, through `serde_json::Value`
//! and the browser's JSON: the page already compiles every type's serde code for `Value` (scenario
//! files), where serde-wasm-bindgen would compile it again (measured: ~40 KB gzip more).
//!
//! ```js
//! import init, { KafkaPlayground } from './kafka-playground-<hash>.js';
//! await init();
//! const sim = new KafkaPlayground('brokers=3&partitions=3&rate=0&groups=1&seed=7');
//! sim.apply({ type: 'produce', topic: 'orders', key: 'k1', value: 'v1' });
//! sim.advance(1000);
//! sim.apply({ type: 'kill_broker', broker: 1 });
//! sim.advance(10000);
//! console.log(sim.partitions(), sim.groups(), sim.events());
//! ```

use kafka_sim::Command;
use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::host_api;
use crate::log_lines::LogFilter;
use crate::page_params::StartParams;
use crate::store::Run;

/// A simulated Kafka cluster driven from JS: commands in, views and narrated events out.
#[wasm_bindgen(js_name = KafkaPlayground)]
pub struct JsPlayground {
    run: Run,
    /// The id of the first event `events()` has not returned yet.
    next_event: u64,
}

/// `value` as a plain JS object.
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| js_sys::JSON::parse(&v.to_string()).ok())
        .unwrap_or(JsValue::NULL)
}

/// A plain JS value as `T`; the reason in words if it does not read.
pub fn from_js<T: serde::de::DeserializeOwned>(value: &JsValue) -> Result<T, String> {
    let text: String = js_sys::JSON::stringify(value)
        .map_err(|_| "not JSON (a cycle, or a BigInt)".to_string())?
        .into();
    let json: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    serde_json::from_value(json).map_err(|e| e.to_string())
}

#[wasm_bindgen(js_class = KafkaPlayground)]
impl JsPlayground {
    /// A run from the page's URL parameters (`"brokers=3&seed=7"`, see the embed docs) or from
    /// a scenario file's JSON text (starts with `{`).
    #[wasm_bindgen(constructor)]
    pub fn new(config: &str) -> Result<JsPlayground, JsError> {
        let run = if config.trim_start().starts_with('{') {
            let scenario = crate::share_link::scenario_from_bytes(config.as_bytes())
                .map_err(|e| JsError::new(&e.to_string()))?;
            Run::from_scenario(&scenario, None)
        } else {
            Run::new(&StartParams::from_query(config))
        }
        .map_err(|e| JsError::new(&e))?;
        Ok(JsPlayground { run, next_event: 0 })
    }

    /// Applies one command as a scenario file writes it (`{type: 'kill_broker', broker: 1}`,
    /// `{type: 'produce', topic: 'orders', key: 'k'}`); a refused command throws its reason.
    pub fn apply(&mut self, command: JsValue) -> Result<(), JsError> {
        let command: Command = from_js(&command).map_err(|e| JsError::new(&e))?;
        self.run
            .apply(command)
            .map(|_| ())
            .map_err(|e| JsError::new(&e))
    }

    /// Runs the cluster (and the load generator) for `ms` simulated milliseconds.
    pub fn advance(&mut self, ms: u32) {
        self.run.advance(u64::from(ms));
    }

    /// Simulated time, ms.
    #[wasm_bindgen(js_name = nowMs)]
    pub fn now_ms(&self) -> f64 {
        self.run.sim().now().0 as f64
    }

    /// The narrated events since the last call (at most the latest 200), oldest first:
    /// `[{id, atMs, text}]`.
    pub fn events(&mut self) -> JsValue {
        let sim = self.run.sim();
        let rows = self.run.log.rows(sim, &LogFilter::initial(), 200);
        let events = host_api::EventOut::since(&rows, self.next_event);
        if let Some(last) = events.last() {
            self.next_event = last.id + 1;
        }
        to_js(&events)
    }

    /// `[{name, leader, isr, highWatermark}]`.
    pub fn partitions(&self) -> JsValue {
        to_js(&host_api::partitions(self.run.sim()))
    }

    /// `[{group, state, generation, members}]`.
    pub fn groups(&self) -> JsValue {
        to_js(&host_api::groups(self.run.sim()))
    }

    /// `[{id, alive, fenced}]`.
    pub fn brokers(&self) -> JsValue {
        to_js(&host_api::brokers(self.run.sim()))
    }

    /// The run so far as a scenario file's JSON text (replays exactly).
    #[wasm_bindgen(js_name = toScenarioJson)]
    pub fn to_scenario_json(&self) -> String {
        self.run.timeline.to_scenario("").to_json()
    }
}
