//! `kafka-playground`: the Yew page that draws a simulated Kafka cluster from `kafka-sim`.
//!
//! Map of the code:
//!
//! - [`app`] — the `<App>` shell: header, main area, footer.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod app;

pub use app::App;

/// The version shown in the page footer (the workspace version).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
