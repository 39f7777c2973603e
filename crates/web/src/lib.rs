//! `kafka-playground`: the Yew page that draws a simulated Kafka cluster from `kafka-sim`.
//!
//! Map of the code (start at [`app`], then [`store`]):
//!
//! - [`app`] — `<App>`: owns the store, runs the frame loop, lays out the panels.
//! - [`store`] — the one store: the run (`Sim`, load generator, event log, charts, alarms) and UI
//!   state; `Action`s are the only way to change it.
//! - [`page_params`] — what a run starts from (config, seed, topics, rate, speed), read from the URL.
//! - [`running_example`] — the cluster the page opens with; the place for the example's groups.
//! - the load generator is the core's (`kafka_sim::scenario::load_generator`), recorded in the run.
//! - [`log_lines`] — the bounded event log with lazy narration; [`chart_series`] — chart samples.
//! - [`view_model`] — pure functions from the run to the components' props.
//! - Components, one per panel: [`lanes`] (with [`lane_sight`]: which lanes are on screen),
//!   [`cluster`], [`producer_panel`], [`controls`], [`event_log`], [`inspector`], [`ledger_panel`], [`charts`], [`groups_panel`],
//!   [`config_panel`], [`overlays`] (help, "What is modelled").
//! - Time travel and runs: [`scrubber`] (the timeline), [`run_menu`] (share, export, import,
//!   presets, new run), [`share_link`] (`#run=` links) over [`compression`] (the browser's
//!   deflate-raw), [`run_io`] (localStorage, files, fetches), [`presets`] (menu and story panel),
//!   [`time_travel`] (resume, save, open links).
//! - [`embed`] — `?embed` (minimal chrome for an iframe) and its postMessage API, parsed by
//!   [`host_api`].
//! - [`js_api`] — the `KafkaPlayground` class for pages that load the wasm module directly.
//! - [`frame_loop`] — the requestAnimationFrame hook; [`shortcuts`] — the keyboard;
//!   [`panic_panel`] — the error panel a panic leaves instead of a blank page.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;
pub mod chart_series;
pub mod charts;
pub mod cluster;
pub mod compression;
pub mod config_panel;
pub mod controls;
pub mod embed;
pub mod event_log;
pub mod frame_loop;
pub mod groups_panel;
pub mod host_api;
pub mod inspector;
pub mod js_api;
pub mod lane_sight;
pub mod lanes;
pub mod ledger_panel;
pub mod log_lines;
pub mod overlays;
pub mod page_params;
pub mod panic_panel;
pub mod presets;
pub mod producer_panel;
pub mod run_io;
pub mod run_menu;
pub mod running_example;
pub mod scrubber;
pub mod share_link;
pub mod shortcuts;
pub mod store;
pub mod time_travel;
pub mod view_model;

pub use app::{App, AppProps};
pub use page_params::{Framing, StartParams};

/// The version shown in the page footer (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
