//! Entry point of the page: installs the panic panel, reads the run's settings from the URL and
//! mounts `<App>` into the document body.

use std::rc::Rc;

use kafka_playground::{App, AppProps, Framing, StartParams, panic_panel};

fn main() {
    panic_panel::install();
    let query = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let params = StartParams::from_query(&query);
    let framing = Rc::new(Framing::from_query(&query));
    // Without URL parameters the page is the user's session, kept in localStorage; an embed
    // always has parameters, so several iframes never share (or clobber) it.
    let session = query.trim_start_matches('?').is_empty();
    if query.contains("crash=1") {
        // A deliberate panic, so the end-to-end tests can check the error panel.
        panic!("deliberate crash requested by the URL (crash=1)");
    }
    if let Some(loading) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("loading"))
    {
        loading.remove();
    }
    yew::Renderer::<App>::with_props(AppProps {
        params,
        session,
        framing,
    })
    .render();
}
