//! The run's menu: share a link, export or import a JSON file, load a preset, start a new run.
//! A link or a file that cannot be opened leaves the current run as it is and says why in the
//! notice banner.

use std::cell::RefCell;
use std::rc::Rc;

use yew::prelude::*;

use crate::page_params::StartParams;
use crate::presets::{PresetMenu, load_action, preset_path};
use crate::store::{Action, LoadRun, Run};
use crate::{run_io, share_link};

/// The run, compared by identity (a new run is a new `Rc`).
#[derive(Clone)]
pub struct RunHandle(pub Rc<RefCell<Run>>);

impl PartialEq for RunHandle {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

/// Props of [`RunMenu`].
#[derive(Properties, PartialEq)]
pub struct RunMenuProps {
    /// The run to share or export.
    pub run: RunHandle,
    /// What a new run starts from.
    pub params: Rc<StartParams>,
    /// The store.
    pub dispatch: Callback<Action>,
}

/// Loads the preset `name` (fetched from `scenarios/`).
pub fn load_preset(name: String, dispatch: Callback<Action>) {
    wasm_bindgen_futures::spawn_local(async move {
        let action = match run_io::fetch_bytes(&preset_path(&name)).await {
            Ok(bytes) => load_action(&name, &bytes),
            Err(e) => Action::ShowNotice(Rc::from(format!(
                "preset {name} could not be fetched: {e}; the current run is kept"
            ))),
        };
        dispatch.emit(action);
    });
}

/// Opens the run a fragment carries (a share link), if any.
pub fn open_link(hash: String, dispatch: Callback<Action>) {
    wasm_bindgen_futures::spawn_local(async move {
        match share_link::decode(&hash).await {
            Ok(None) => {}
            Ok(Some((scenario, at))) => {
                dispatch.emit(Action::Load(Rc::new(LoadRun {
                    scenario,
                    at,
                    play: false,
                    source: "the share link".into(),
                })));
                // Opened: from now on it is the session (saved as it goes), so a reload resumes
                // what the user did after opening it rather than the link again.
                run_io::replace_fragment("");
            }
            Err(e) => dispatch.emit(Action::ShowNotice(Rc::from(format!(
                "The share link could not be opened: {e}. The current run is kept."
            )))),
        }
    });
}

/// The menu bar.
#[component]
pub fn RunMenu(props: &RunMenuProps) -> Html {
    let link = use_state(|| None::<String>);
    let onshare = {
        let (run, link, dispatch) = (props.run.clone(), link.clone(), props.dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let (json, at) = {
                let run = run.0.borrow();
                (run.timeline.to_scenario("").to_json(), run.sim().now())
            };
            let (link, dispatch) = (link.clone(), dispatch.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match share_link::encode(&json, at).await {
                    Ok(fragment) => link.set(Some(format!("{}{fragment}", run_io::page_url()))),
                    Err(e) => {
                        dispatch.emit(Action::ShowNotice(Rc::from(format!("No share link: {e}"))))
                    }
                }
            });
        })
    };
    let onexport = {
        let (run, dispatch) = (props.run.clone(), props.dispatch.clone());
        Callback::from(move |_: MouseEvent| {
            let json = run.0.borrow().timeline.to_scenario("").to_json();
            if let Err(e) = run_io::download("kafka-playground-run.json", &json) {
                dispatch.emit(Action::ShowNotice(Rc::from(format!("No export: {e}"))));
            }
        })
    };
    let onimport = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            let Some(file) = input.files().and_then(|f| f.get(0)) else {
                return;
            };
            input.set_value("");
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                let name = file.name();
                let opened = run_io::read_file(file).await.and_then(|bytes| {
                    share_link::scenario_from_bytes(&bytes).map_err(|e| e.to_string())
                });
                dispatch.emit(match opened {
                    Ok(scenario) => Action::Load(Rc::new(LoadRun {
                        scenario,
                        at: None,
                        play: false,
                        source: format!("the file {name}"),
                    })),
                    Err(e) => Action::ShowNotice(Rc::from(format!(
                        "The file {name} could not be opened: {e}. The current run is kept."
                    ))),
                });
            });
        })
    };
    let onnew = {
        let (params, dispatch, link) = (props.params.clone(), props.dispatch.clone(), link.clone());
        Callback::from(move |_: MouseEvent| {
            run_io::clear_session();
            run_io::replace_fragment("");
            link.set(None);
            dispatch.emit(Action::Reset((*params).clone()));
        })
    };
    let onpreset = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |name: String| load_preset(name, dispatch.clone()))
    };
    html! {
        <section class="run-menu" aria-label="The run" data-testid="run-menu">
            <PresetMenu {onpreset} />
            <button class="button" onclick={onshare} data-testid="share"
                    aria-label="Make a link that opens this run at this moment">{ "Share link" }</button>
            <button class="button" onclick={onexport} data-testid="export"
                    aria-label="Download this run as a JSON file">{ "Export" }</button>
            <label class="button file-button">
                { "Import…" }
                <input type="file" accept=".json,application/json" onchange={onimport}
                       class="sr-only" aria-label="Import a run from a JSON file"
                       data-testid="import" />
            </label>
            <button class="button" onclick={onnew} data-testid="new-run"
                    aria-label="Start a new run (forgets the saved session)">{ "New run" }</button>
            if let Some(url) = &*link {
                <label class="share-link">
                    <span>{ "Link " }</span>
                    <input type="text" readonly=true value={url.clone()} data-testid="share-link"
                           aria-label="Share link (select and copy)"
                           onfocus={Callback::from(|e: FocusEvent| {
                               let input: web_sys::HtmlInputElement = e.target_unchecked_into();
                               input.select();
                           })} />
                </label>
            }
        </section>
    }
}
