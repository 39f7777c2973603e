//! The embed (`?embed`) in the browser: loads `scenario=`, sets `theme=`, and speaks the
//! postMessage API of [`crate::host_api`] with the host page.
//!
//! The host is whoever last sent a valid message: `state` and `events` go to that window with
//! its origin, replies to the window that asked. `ready` goes to the parent once loaded (it says
//! nothing but the version, so it may go to any origin). With `origins=` only messages from the
//! listed origins are read at all: any other gets no reply and never becomes the host.

use std::cell::RefCell;
use std::rc::Rc;

use gloo_events::EventListener;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

use crate::host_api::{self, Field, Fields, HostCommand, Outgoing, VERSION};
use crate::log_lines::LogFilter;
use crate::page_params::Framing;
use crate::store::{Action, LoadRun, Store};

/// A posted JS value read as [`Fields`].
struct JsFields<'a>(&'a JsValue);

impl Fields for JsFields<'_> {
    fn is_object(&self) -> bool {
        self.0.is_object() && !js_sys::Array::is_array(self.0)
    }
    fn field(&self, key: &str) -> Field {
        let v = js_sys::Reflect::get(self.0, &JsValue::from_str(key)).unwrap_or(JsValue::NULL);
        if v.is_undefined() || v.is_null() {
            Field::Missing
        } else if let Some(s) = v.as_string() {
            Field::Str(s)
        } else if let Some(n) = v.as_f64() {
            Field::Num(n)
        } else {
            Field::Other
        }
    }
}

/// A window to post to, with the origin to post with.
#[derive(Clone)]
struct Peer {
    window: web_sys::Window,
    origin: String,
}

impl Peer {
    fn post(&self, message: &Outgoing) {
        let value = crate::js_api::to_js(message);
        if !value.is_null() {
            // A sandboxed or file: host has origin "null", which postMessage cannot target.
            let origin = if self.origin == "null" {
                "*"
            } else {
                &self.origin
            };
            let _ = self.window.post_message(&value, origin);
        }
    }
}

/// Fetches the preset `name` and loads it, playing if `play` (`autoplay=`).
pub fn load_scenario(name: String, play: bool, dispatch: Callback<Action>) {
    wasm_bindgen_futures::spawn_local(async move {
        let action = match crate::run_io::fetch_bytes(&crate::presets::preset_path(&name)).await {
            Ok(bytes) => match crate::presets::load_action(&name, &bytes) {
                Action::Load(load) => Action::Load(Rc::new(LoadRun {
                    scenario: load.scenario.clone(),
                    at: load.at,
                    play,
                    source: load.source.clone(),
                })),
                other => other,
            },
            Err(e) => Action::ShowNotice(Rc::from(format!(
                "scenario {name} could not be fetched: {e}; the running example is shown"
            ))),
        };
        dispatch.emit(action);
    });
}

/// Sets up the framing (theme, scenario) once, and in an embed the postMessage API.
#[hook]
pub fn use_embed(store: &UseReducerHandle<Store>, dispatch: Callback<Action>, framing: &Framing) {
    let latest = use_mut_ref(|| (**store).clone());
    *latest.borrow_mut() = (**store).clone();
    let host: Rc<RefCell<Option<Peer>>> = use_mut_ref(|| None);
    let last_event = use_mut_ref(Posted::default);
    let frame = framing.id.clone();
    {
        let (framing, dispatch, latest, host) = (
            framing.clone(),
            dispatch.clone(),
            latest.clone(),
            host.clone(),
        );
        use_effect_with((), move |_| {
            if let Some(theme) = framing.theme {
                dispatch.emit(Action::SetTheme(theme));
            }
            if let Some(name) = framing.scenario.clone() {
                let play = latest.borrow().params.play;
                load_scenario(name, play, dispatch.clone());
            }
            let window = web_sys::window();
            let listener = match (&window, framing.embed) {
                (Some(w), true) => {
                    let framing = framing.clone();
                    let own = w.clone();
                    Some(EventListener::new(w, "message", move |e| {
                        if let Some(e) = e.dyn_ref::<web_sys::MessageEvent>()
                            && framing.obeys(&e.origin())
                        {
                            on_message(e, &own, &framing.id, &dispatch, &latest, &host);
                        }
                    }))
                }
                _ => None,
            };
            if let (Some(w), true) = (&window, framing.embed)
                && let Ok(Some(parent)) = w.parent()
                && parent != *w
            {
                Peer {
                    window: parent,
                    origin: "*".into(),
                }
                .post(&Outgoing::Ready {
                    ns: VERSION,
                    frame: framing.id.clone(),
                    version: crate::VERSION,
                });
            }
            move || drop(listener)
        });
    }
    // State and new events go to the host on every action and a few times a second while
    // playing (the groups refresh).
    let key = (
        Rc::as_ptr(&store.run) as usize,
        store.actions,
        store.groups_stamp,
        store.playing,
    );
    let store = (**store).clone();
    use_effect_with(key, move |_| {
        if let Some(peer) = host.borrow().as_ref() {
            post_state(peer, &store, &frame);
            post_events(peer, &store, &frame, &mut last_event.borrow_mut());
        }
    });
}

fn post_state(peer: &Peer, store: &Store, frame: &Option<String>) {
    let run = store.run.borrow();
    peer.post(&host_api::state(
        run.sim(),
        frame.clone(),
        store.playing,
        run.alarm_count,
        store.notice.as_deref().map(String::from),
    ));
}

/// How far the host has been sent the log.
#[derive(Default)]
struct Posted {
    /// The first event id not posted yet.
    next: u64,
    /// The log's cut count when last posted.
    cuts: u64,
}

/// Posts the narrated events not posted yet (at most the log's latest 50).
fn post_events(peer: &Peer, store: &Store, frame: &Option<String>, posted: &mut Posted) {
    let run = store.run.borrow();
    let sim = run.sim();
    let rows = run.log.rows(sim, &LogFilter::initial(), 50);
    let (cuts, kept) = run.log.cuts();
    if cuts != posted.cuts {
        // A seek back keeps the log up to the target: what comes after it is new (replayed).
        posted.cuts = cuts;
        posted.next = posted.next.min(kept.map_or(0, |id| id + 1));
    } else if rows.first().is_some_and(|r| r.id + 1 < posted.next) {
        // Another run (loaded, reset): its ids start again.
        posted.next = 0;
    }
    let events = host_api::EventOut::since(&rows, posted.next);
    if let Some(last) = events.last() {
        posted.next = last.id + 1;
        peer.post(&Outgoing::Events {
            ns: VERSION,
            frame: frame.clone(),
            events,
        });
    }
}

fn on_message(
    e: &web_sys::MessageEvent,
    own: &web_sys::Window,
    frame: &Option<String>,
    dispatch: &Callback<Action>,
    latest: &Rc<RefCell<Store>>,
    host: &Rc<RefCell<Option<Peer>>>,
) {
    // Only windows talk to the embed (a MessagePort has no origin), and never itself. A host on
    // another origin is a cross-origin WindowProxy, which fails `instanceof Window`: hence the
    // unchecked cast, after ruling out ports.
    let Some(source) = e.source() else {
        return;
    };
    if source.is_instance_of::<web_sys::MessagePort>()
        || JsValue::from(source.clone()) == JsValue::from(own.clone())
    {
        return;
    }
    let window = source.unchecked_into::<web_sys::Window>();
    let peer = Peer {
        window,
        origin: e.origin(),
    };
    let data = e.data();
    match host_api::parse(&JsFields(&data)) {
        Ok(command) => {
            *host.borrow_mut() = Some(peer.clone());
            let request = JsFields(&data).field("type");
            let request = match request {
                Field::Str(s) => s,
                _ => String::new(),
            };
            if command == HostCommand::State {
                let store = latest.borrow().clone();
                post_state(&peer, &store, frame);
            } else if let Some(action) = command.action(latest.borrow().playing) {
                dispatch.emit(action);
            }
            peer.post(&Outgoing::Ok {
                ns: VERSION,
                frame: frame.clone(),
                request,
            });
        }
        Err(err) => peer.post(&Outgoing::Error {
            ns: VERSION,
            frame: frame.clone(),
            code: err.code(),
            message: err.to_string(),
        }),
    }
}
