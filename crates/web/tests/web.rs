//! Component tests in headless Chromium (wasm-bindgen-test): mount the app in a fresh `<div>`,
//! let Yew render, and assert on the rendered text.
#![cfg(target_arch = "wasm32")]

use kafka_playground::{App, VERSION};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Mounts `<App>` into a new `<div>` appended to the body and returns that root.
fn mount_root() -> web_sys::Element {
    let document = web_sys::window()
        .expect("window")
        .document()
        .expect("document");
    let root = document.create_element("div").expect("create div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append root");
    root
}

fn text_of(root: &web_sys::Element, testid: &str) -> String {
    root.query_selector(&format!("[data-testid='{testid}']"))
        .expect("valid selector")
        .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
        .text_content()
        .unwrap_or_default()
}

#[wasm_bindgen_test]
async fn shell_shows_name_placeholder_and_version() {
    let root = mount_root();
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;

    assert_eq!(text_of(&root, "product-name"), "Kafka Playground");
    assert!(text_of(&root, "cluster-area").contains("cluster will appear here"));
    assert!(text_of(&root, "footer").contains(&format!("v{VERSION}")));

    handle.destroy();
    root.remove();
}
