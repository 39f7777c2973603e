//! The timeline scrubber: a range over the whole recorded run, 0 to its end. Dragging it (or
//! the arrow keys, Page Up/Down, Home/End on it) seeks: the core restores the nearest checkpoint
//! and replays to the moment. In the past, playing replays the recording; "Continue from here"
//! (or any action) discards the recorded future and starts a new branch.

use kafka_sim::SimTime;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::store::Action;

/// Scrubber resolution: one step of the range in simulated milliseconds.
pub const SCRUB_STEP_MS: u64 = 100;

/// Props of [`Scrubber`].
#[derive(Properties, PartialEq)]
pub struct ScrubberProps {
    /// The simulated clock.
    pub now: SimTime,
    /// The end of the recorded run.
    pub end: SimTime,
    /// Recorded commands and load settings after now.
    pub ahead: usize,
    /// The store.
    pub dispatch: Callback<Action>,
}

/// The scrubber bar.
#[component]
pub fn Scrubber(props: &ScrubberProps) -> Html {
    let oninput = props.dispatch.reform(|e: InputEvent| {
        let input: HtmlInputElement = e.target_unchecked_into();
        Action::Seek(SimTime(input.value().parse().unwrap_or(0)))
    });
    let oncontinue = props
        .dispatch
        .reform(|_: MouseEvent| Action::ContinueFromHere);
    let in_past = props.now < props.end;
    // The range's max is rounded up to a step so that the end itself can be reached.
    let max = props.end.0.div_ceil(SCRUB_STEP_MS) * SCRUB_STEP_MS;
    // At the end (live), the thumb sits at the end rather than on the last whole step.
    let value = if in_past { props.now.0 } else { max };
    html! {
        <section class="scrubber" aria-label="Timeline" data-testid="scrubber">
            <label class="scrubber-range">
                <span class="sr-only">{ "Timeline: simulated time" }</span>
                <input type="range" min="0" max={max.to_string()} step={SCRUB_STEP_MS.to_string()}
                       value={value.to_string()} {oninput}
                       aria-label="Timeline: go to a moment of the run"
                       aria-valuetext={format!("{} of {}", props.now, props.end)}
                       data-testid="scrubber-range" />
            </label>
            <span class="scrubber-time" data-testid="scrubber-time">
                { format!("{} / {}", props.now, props.end) }
            </span>
            if in_past {
                <span class="scrubber-past" data-testid="scrubber-past">
                    { match props.ahead {
                        0 => "In the past: play replays the run".to_string(),
                        1 => "In the past: play replays 1 recorded action; acting now discards it".to_string(),
                        n => format!("In the past: play replays {n} recorded actions; acting now discards them"),
                    } }
                </span>
                <button class="button" onclick={oncontinue} data-testid="continue-here"
                        aria-label="Continue from here: discard the recorded future">
                    { "Continue from here" }
                </button>
            }
        </section>
    }
}
