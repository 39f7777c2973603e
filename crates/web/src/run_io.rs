//! Where runs go in and out of the page: the saved session in `localStorage`, JSON files
//! (downloaded through a Blob URL, read from an `<input type=file>`), and preset files fetched
//! from `scenarios/` next to the page. Everything read comes back as bytes, so
//! [`share_link::scenario_from_bytes`](crate::share_link::scenario_from_bytes) checks it the
//! same way as a link.

use js_sys::{Array, Uint8Array};
use kafka_sim::SimTime;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// `localStorage` key of the session's scenario JSON.
pub const SESSION_RUN_KEY: &str = "kafka-playground.run";
/// `localStorage` key of the moment the session stood at, in simulated ms.
pub const SESSION_AT_KEY: &str = "kafka-playground.at";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// Saves the session (quietly does nothing when storage is unavailable or full).
pub fn save_session(json: &str, at: SimTime) {
    if let Some(s) = storage() {
        let _ = s.set_item(SESSION_RUN_KEY, json);
        let _ = s.set_item(SESSION_AT_KEY, &at.0.to_string());
    }
}

/// The saved session: its JSON and moment.
pub fn saved_session() -> Option<(String, Option<SimTime>)> {
    let s = storage()?;
    let json = s.get_item(SESSION_RUN_KEY).ok()??;
    let at = s
        .get_item(SESSION_AT_KEY)
        .ok()
        .flatten()
        .and_then(|t| t.parse().ok())
        .map(SimTime);
    Some((json, at))
}

/// Forgets the saved session.
pub fn clear_session() {
    if let Some(s) = storage() {
        let _ = s.remove_item(SESSION_RUN_KEY);
        let _ = s.remove_item(SESSION_AT_KEY);
    }
}

fn message(e: JsValue) -> String {
    e.dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| e.as_string())
        .unwrap_or_else(|| "unknown error".into())
}

/// Offers `text` as a download named `file_name`.
pub fn download(file_name: &str, text: &str) -> Result<(), String> {
    let parts = Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob =
        web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).map_err(message)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(message)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(message)?
        .unchecked_into();
    a.set_href(&url);
    a.set_download(file_name);
    a.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The bytes of a chosen file.
pub async fn read_file(file: web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer()).await.map_err(message)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The bytes of a file served next to the page (`scenarios/NAME.json`).
pub async fn fetch_bytes(path: &str) -> Result<Vec<u8>, String> {
    let window = web_sys::window().ok_or("no window")?;
    let response: web_sys::Response = JsFuture::from(window.fetch_with_str(path))
        .await
        .map_err(message)?
        .unchecked_into();
    if !response.ok() {
        return Err(format!("{path}: HTTP {}", response.status()));
    }
    let buffer = JsFuture::from(response.array_buffer().map_err(message)?)
        .await
        .map_err(message)?;
    Ok(Uint8Array::new(&buffer).to_vec())
}

/// The page's URL without its fragment and query (where a share link points).
pub fn page_url() -> String {
    web_sys::window()
        .map(|w| w.location())
        .and_then(|l| Some(format!("{}{}", l.origin().ok()?, l.pathname().ok()?)))
        .unwrap_or_default()
}

/// Replaces the address bar's fragment without a reload or a history entry.
pub fn replace_fragment(fragment: &str) {
    if let Some(history) = web_sys::window().and_then(|w| w.history().ok()) {
        let url = format!("{}{}", page_url(), fragment);
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}
