//! Playback controls: play/pause, step one event, jump one second, speed on a log scale, the
//! simulated clock, the seed and reset.

use std::rc::Rc;

use kafka_sim::SimTime;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::page_params::{MAX_SPEED, MIN_SPEED, StartParams};
use crate::store::Action;

/// Slider steps per factor of ten of speed.
const STEPS_PER_DECADE: f64 = 10.0;

/// The slider position of a speed.
pub fn speed_to_slider(speed: f64) -> i32 {
    (speed.log10() * STEPS_PER_DECADE).round() as i32
}

/// The speed of a slider position.
pub fn slider_to_speed(position: i32) -> f64 {
    let speed = 10f64.powf(f64::from(position) / STEPS_PER_DECADE);
    // Round to 2 significant digits so the label reads 0.25×, 2.5×, 40×.
    let digits = 10f64.powi(1 - speed.log10().floor() as i32);
    ((speed * digits).round() / digits).clamp(MIN_SPEED, MAX_SPEED)
}

/// A number with up to three decimals, trailing zeros dropped: `0.25`, `4`, `0.016`. Written with
/// integers only, so the page ships without Rust's float formatting.
pub fn decimal(x: f64) -> String {
    let thousandths = (x.max(0.0) * 1000.0).round() as u64;
    let (whole, frac) = (thousandths / 1000, thousandths % 1000);
    match frac {
        0 => whole.to_string(),
        f if f % 100 == 0 => format!("{whole}.{}", f / 100),
        f if f % 10 == 0 => format!("{whole}.{:02}", f / 10),
        f => format!("{whole}.{f:03}"),
    }
}

/// A speed as a label: `0.25×`.
pub fn speed_label(speed: f64) -> String {
    format!("{}×", decimal(speed))
}

/// Props of [`Controls`].
#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    /// Whether the clock runs.
    pub playing: bool,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// The simulated clock.
    pub now: SimTime,
    /// What the run was built from (its seed, for the seed field).
    pub params: Rc<StartParams>,
    /// The store.
    pub dispatch: Callback<Action>,
}

/// The controls bar.
#[component]
pub fn Controls(props: &ControlsProps) -> Html {
    let seed = use_state(|| props.params.seed.to_string());
    {
        // A reset from elsewhere (the configuration panel) shows its seed here.
        let seed = seed.clone();
        use_effect_with(props.params.seed, move |s| seed.set(s.to_string()));
    }
    let d = &props.dispatch;
    let onplay = d.reform(|_: MouseEvent| Action::TogglePlay);
    let onstep = d.reform(|_: MouseEvent| Action::StepOnce);
    let onsecond = d.reform(|_: MouseEvent| Action::AdvanceMs(1_000));
    let onspeed = d.reform(|e: InputEvent| {
        let v = e.target_unchecked_into::<HtmlInputElement>().value();
        Action::SetSpeed(slider_to_speed(v.parse().unwrap_or(0)))
    });
    let onseed = {
        let seed = seed.clone();
        Callback::from(move |e: InputEvent| {
            seed.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onreset = {
        let (seed, params, d) = (seed.clone(), props.params.clone(), d.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut p = (*params).clone();
            p.seed = seed.trim().parse().unwrap_or(p.seed);
            p.play = true;
            d.emit(Action::Reset(p));
        })
    };
    let (play_label, play_icon) = if props.playing {
        ("Pause", "❚❚")
    } else {
        ("Play", "▶")
    };
    html! {
        <section class="controls" aria-label="Playback controls" data-testid="controls">
            <button class="button primary play" onclick={onplay} aria-pressed={props.playing.to_string()}
                    aria-label={format!("{play_label} (space)")} data-testid="play">
                <span aria-hidden="true">{ play_icon }</span>{ format!(" {play_label}") }
            </button>
            <button class="button" onclick={onstep} aria-label="Step to the next event (.)" data-testid="step">
                { "Step" }
            </button>
            <button class="button" onclick={onsecond} aria-label="Run one simulated second now" data-testid="advance-1s">
                { "+1 s" }
            </button>
            <label class="speed">
                <span>{ "Speed " }<output data-testid="speed">{ speed_label(props.speed) }</output></span>
                <input type="range" min={speed_to_slider(MIN_SPEED).to_string()} max={speed_to_slider(MAX_SPEED).to_string()}
                       step="1" value={speed_to_slider(props.speed).to_string()} oninput={onspeed}
                       aria-label="Speed (simulated seconds per second, log scale)"
                       aria-valuetext={speed_label(props.speed)} />
            </label>
            <span class="clock" aria-label="Simulated time" data-testid="clock">{ format!("t = {}", props.now) }</span>
            <form class="seed" onsubmit={onreset}>
                <label>{ "Seed " }
                    <input type="number" min="0" value={(*seed).clone()} oninput={onseed} aria-label="Seed" data-testid="seed" />
                </label>
                <button type="submit" class="button" data-testid="reset">{ "Reset" }</button>
            </form>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slider_is_logarithmic_and_round_trips() {
        assert_eq!(speed_to_slider(1.0), 0);
        assert_eq!(speed_to_slider(10.0), 10);
        assert_eq!(speed_to_slider(0.01), -20);
        assert_eq!(slider_to_speed(0), 1.0);
        assert_eq!(slider_to_speed(-6), 0.25);
        assert_eq!(slider_to_speed(20), 100.0);
        for p in -20..=20 {
            assert_eq!(speed_to_slider(slider_to_speed(p)), p, "position {p}");
        }
    }

    #[test]
    fn speed_labels() {
        assert_eq!(speed_label(0.25), "0.25×");
        assert_eq!(speed_label(4.0), "4×");
        assert_eq!(speed_label(0.5), "0.5×");
        assert_eq!(speed_label(0.016), "0.016×");
        assert_eq!(speed_label(2.5), "2.5×");
        assert_eq!(decimal(2_000.0), "2000");
    }
}
