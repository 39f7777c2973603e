//! A panic must never leave a blank page. The release build aborts on panic (`panic = "abort"`),
//! so the hook writes an error panel straight into the DOM before the wasm instance traps: no
//! Yew, no Rust callbacks after it. The message is set as text, never as HTML.

use std::panic::PanicHookInfo;

/// Installs the hook (replacing Yew's default, which only logs to the console).
pub fn install() {
    yew::set_custom_panic_hook(Box::new(on_panic));
}

fn on_panic(info: &PanicHookInfo<'_>) {
    let message = info.to_string();
    web_sys::console::error_1(&format!("Kafka Playground crashed: {message}").into());
    let _ = show_panel(&message);
}

/// Writes the error panel into the document body.
pub fn show_panel(message: &str) -> Option<()> {
    let document = web_sys::window()?.document()?;
    let body = document.body()?;
    let panel = document.create_element("div").ok()?;
    panel.set_class_name("panic-panel");
    panel.set_attribute("role", "alertdialog").ok()?;
    panel.set_attribute("aria-labelledby", "panic-title").ok()?;
    panel.set_attribute("data-testid", "panic-panel").ok()?;
    let title = document.create_element("h2").ok()?;
    title.set_id("panic-title");
    title.set_text_content(Some("The playground stopped because of a bug"));
    let text = document.create_element("p").ok()?;
    text.set_text_content(Some(
        "The simulation cannot continue. Reloading starts a fresh run; the message below helps us fix it.",
    ));
    let detail = document.create_element("pre").ok()?;
    detail.set_text_content(Some(message));
    // A plain link reloads without running any code of the (now stopped) wasm module.
    let reload = document.create_element("a").ok()?;
    reload.set_class_name("button primary");
    reload.set_attribute("href", "").ok()?;
    reload.set_attribute("data-testid", "panic-reload").ok()?;
    reload.set_text_content(Some("Reload the playground"));
    for child in [&title, &text, &detail, &reload] {
        panel.append_child(child).ok()?;
    }
    body.append_child(&panel).ok()?;
    Some(())
}
