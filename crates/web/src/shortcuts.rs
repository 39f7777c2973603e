//! Keyboard shortcuts for the whole page: space plays or pauses, `.` steps one event, `+`/`-`
//! change the speed, `?` opens the help, Escape closes a dialog. Keys typed into a text field,
//! a select or a button (space activates a focused button) are left alone.

use gloo_events::{EventListener, EventListenerOptions};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::store::{Action, Overlay};

/// The shortcuts, for the help dialog: (keys, what they do).
pub const SHORTCUTS: [(&str, &str); 7] = [
    ("Space", "play or pause the simulated clock"),
    (".", "step: run the cluster up to its next event"),
    ("+ / -", "double or halve the speed"),
    ("?", "open or close this help"),
    ("Esc", "close a dialog"),
    ("← →", "move between the records of a lane"),
    (
        "↑ ↓",
        "move between a lane's consumer group markers; Enter opens the group",
    ),
];

/// The action for a key pressed with focus on an element named `target_tag` (upper case).
pub fn action_for(key: &str, target_tag: &str, modifiers: bool) -> Option<Action> {
    if modifiers || matches!(target_tag, "INPUT" | "TEXTAREA" | "SELECT") {
        return None;
    }
    match key {
        " " if target_tag != "BUTTON" && target_tag != "SUMMARY" => Some(Action::TogglePlay),
        "." => Some(Action::StepOnce),
        "+" | "=" => Some(Action::ScaleSpeed(2.0)),
        "-" | "_" => Some(Action::ScaleSpeed(0.5)),
        "?" => Some(Action::ToggleOverlay(Overlay::Help)),
        "Escape" => Some(Action::ShowOverlay(Overlay::None)),
        _ => None,
    }
}

/// Listens for the shortcuts on the document while the component is mounted.
#[hook]
pub fn use_shortcuts(dispatch: Callback<Action>) {
    use_effect_with((), move |_| {
        let document = web_sys::window()
            .and_then(|w| w.document())
            .expect("a page has a document");
        // Not passive: a handled key must not also scroll the page (space) or type.
        let options = EventListenerOptions::enable_prevent_default();
        let listener =
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(event) = event.dyn_ref::<web_sys::KeyboardEvent>() else {
                    return;
                };
                let tag = event
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                    .map(|e| e.tag_name())
                    .unwrap_or_default();
                let modifiers = event.ctrl_key() || event.meta_key() || event.alt_key();
                if let Some(action) = action_for(&event.key(), &tag, modifiers) {
                    event.prevent_default();
                    dispatch.emit(action);
                }
            });
        move || drop(listener)
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_in_a_field_is_not_a_shortcut() {
        assert_eq!(action_for(" ", "INPUT", false), None);
        assert_eq!(action_for(".", "TEXTAREA", false), None);
        assert_eq!(action_for("?", "SELECT", false), None);
    }

    #[test]
    fn space_on_a_button_presses_the_button() {
        assert_eq!(action_for(" ", "BUTTON", false), None);
        assert_eq!(action_for(" ", "BODY", false), Some(Action::TogglePlay));
    }

    #[test]
    fn keys_map_to_actions() {
        assert_eq!(action_for(".", "BODY", false), Some(Action::StepOnce));
        assert_eq!(
            action_for("?", "BUTTON", false),
            Some(Action::ToggleOverlay(Overlay::Help))
        );
        assert_eq!(
            action_for("+", "BODY", false),
            Some(Action::ScaleSpeed(2.0))
        );
        assert_eq!(action_for("r", "BODY", false), None);
        assert_eq!(
            action_for(".", "BODY", true),
            None,
            "browser shortcuts stay"
        );
    }
}
