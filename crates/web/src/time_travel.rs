//! The page's side of time travel that is not a component: resuming the saved session, saving
//! it as the run goes, opening share links from the address bar, and the story panel's view.
//!
//! A page opened without URL parameters is the user's session: it resumes from `localStorage`
//! (paused or playing, at the moment it was left) and saves itself after every action and every
//! couple of wall seconds while it plays. A share link in the fragment wins over the saved session; URL
//! parameters (embeds, benchmarks) neither resume nor save, so they never clobber it.

use std::rc::Rc;

use gloo_events::EventListener;
use kafka_sim::SimTime;
use kafka_sim::timeline::Timeline;
use yew::prelude::*;

use crate::page_params::StartParams;
use crate::presets::StoryView;
use crate::run_io;
use crate::run_menu::open_link;
use crate::store::{Action, LoadRun, Store};

/// `localStorage` key of whether the session was playing.
const SESSION_PLAYING_KEY: &str = "kafka-playground.playing";
/// While it plays, the session is saved every this many groups refreshes (about 2 wall seconds).
const SAVE_EVERY_GROUPS_REFRESHES: u64 = 8;

fn location_hash() -> String {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The store the page starts with: the saved session if `session` and the address carries no
/// share link, else the running example of `params`. A saved session that no longer reads
/// (another version wrote it) is dropped with a notice.
pub fn resumed_store(params: StartParams, session: bool) -> Store {
    let store = Store::new(params);
    let has_link = matches!(
        crate::share_link::parse_fragment(&location_hash()),
        Ok(Some(_)) | Err(_)
    );
    if !session || has_link {
        return store;
    }
    let Some((json, at)) = run_io::saved_session() else {
        return store;
    };
    let playing = storage()
        .and_then(|s| s.get_item(SESSION_PLAYING_KEY).ok().flatten())
        .is_some_and(|p| p == "true");
    let action = match crate::share_link::scenario_from_bytes(json.as_bytes()) {
        Ok(scenario) => Action::Load(Rc::new(LoadRun {
            scenario,
            at,
            play: playing,
            source: "the saved session".into(),
        })),
        Err(e) => {
            run_io::clear_session();
            Action::ShowNotice(Rc::from(format!(
                "The saved session could not be resumed ({e}); a new run started."
            )))
        }
    };
    (*Rc::new(store).reduce(action)).clone()
}

/// Saves the session after every action and every 2 wall seconds or so while it plays.
#[hook]
pub fn use_session_saver(store: &UseReducerHandle<Store>, session: bool) {
    // `groups_stamp` moves every 250 wall ms while playing (and on every action): saving on
    // every 8th keeps a fast-playing session from writing storage every frame.
    let key = (
        Rc::as_ptr(&store.run) as usize,
        store.actions,
        store.playing,
        store.groups_stamp / SAVE_EVERY_GROUPS_REFRESHES,
    );
    let store = (**store).clone();
    use_effect_with(key, move |_| {
        if session {
            let run = store.run.borrow();
            run_io::save_session(&run.timeline.to_scenario("").to_json(), run.sim().now());
            if let Some(s) = storage() {
                let _ = s.set_item(SESSION_PLAYING_KEY, &store.playing.to_string());
            }
        }
    });
}

/// Opens the share link in the address bar once mounted, and again whenever the fragment
/// changes (a link pasted into the same tab).
#[hook]
pub fn use_link_opener(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        open_link(location_hash(), dispatch.clone());
        let listener = web_sys::window().map(|w| {
            EventListener::new(&w, "hashchange", move |_| {
                open_link(location_hash(), dispatch.clone())
            })
        });
        move || drop(listener)
    });
}

/// The story panel's view of the run's story, rebuilt when `refresh` (the goal is only read
/// then) or the clock moved past a step; `None` for a run without a story.
pub fn story_view(
    timeline: &Timeline,
    now: SimTime,
    cache: &mut Option<Rc<StoryView>>,
    refresh: bool,
) -> Option<Rc<StoryView>> {
    let story = timeline.story();
    if story.title.is_empty() && story.steps.is_empty() && story.goal.is_none() {
        *cache = None;
        return None;
    }
    let told = |t: SimTime| story.steps.iter().take_while(|s| s.at <= t).count();
    if let Some(c) = cache.as_ref()
        && !refresh
        && told(c.now) == told(now)
    {
        return Some(c.clone());
    }
    let done = timeline.goal_holds().unwrap_or(false);
    let view = Rc::new(StoryView {
        title: Rc::from(story.title.as_str()),
        description: Rc::from(story.description.as_str()),
        steps: Rc::new(story.steps.clone()),
        goal: story
            .goal
            .as_ref()
            .map(|g| (Rc::from(g.text.as_str()), done)),
        twin: story.twin.as_deref().map(Rc::from),
        now,
    });
    if cache.as_ref().is_some_and(|c| **c == *view) {
        return cache.clone();
    }
    *cache = Some(view.clone());
    Some(view)
}
