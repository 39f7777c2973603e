//! Scenario presets: the runs shipped in `www/scenarios/` (copied next to the page by Trunk),
//! each a run plus a short story in steps and a goal the core checks live. The menu lists them
//! from [`PRESETS`]; a choice fetches its JSON (so the 180 KB of presets never weigh on the
//! page's payload) and loads it like a file. [`StoryPanel`] tells the steps as the run reaches
//! them and shows the goal's status, which the core computes (`Timeline::goal_holds`).

use std::rc::Rc;

use kafka_sim::SimTime;
use kafka_sim::scenario::Step;
use yew::prelude::*;

use crate::store::Action;

/// The presets: (file name without `.json`, title). A test keeps it equal to `www/scenarios/`.
pub const PRESETS: [(&str, &str); 26] = [
    ("acks-1-leader-failover", "acks=1 loses acknowledged writes"),
    (
        "acks-all-leader-failover",
        "acks=all keeps acknowledged writes",
    ),
    (
        "auto-commit-duplicates-after-crash",
        "Duplicates across a rebalance: a crash before the next auto-commit",
    ),
    (
        "broker-failover",
        "Broker failover: kill the leader of orders-0, lose nothing committed",
    ),
    (
        "brokers-share-the-work",
        "Brokers: a cluster shares the partitions",
    ),
    (
        "commit-after-processing-redelivers",
        "Commit after processing: a crash redelivers records (at least once)",
    ),
    (
        "commit-before-processing-skips",
        "Commit before processing: a crash skips records (at most once)",
    ),
    (
        "compaction-keeps-last-value",
        "Compaction keeps the last value of each key",
    ),
    (
        "consumer-failover",
        "Consumer failover: the group takes over a crashed consumer's partitions",
    ),
    (
        "e-commerce-order-flow",
        "An e-commerce order flow: four services, one topic",
    ),
    (
        "events-are-kept",
        "Events: a record is a key, a value and a time",
    ),
    (
        "graceful-stop-no-duplicates",
        "A graceful stop commits first: a rebalance without duplicates",
    ),
    (
        "group-more-consumers-than-partitions",
        "Consumer group: more consumers than partitions",
    ),
    (
        "group-more-partitions-than-consumers",
        "Consumer group: more partitions than consumers",
    ),
    (
        "group-perfect-match",
        "Consumer group: one partition per consumer",
    ),
    (
        "isr-shrink-guarded-by-min-isr",
        "min.insync.replicas=2 refuses to let the leader acknowledge alone",
    ),
    (
        "isr-shrinks-then-leader-dies",
        "The ISR shrinks to the leader, then the leader dies",
    ),
    ("keys-versus-keyless", "Partitioning: keys versus no key"),
    (
        "min-isr-enough-replicas",
        "min.insync.replicas met: one broker down, writes go on",
    ),
    (
        "min-isr-outage",
        "min.insync.replicas: too few replicas, no writes",
    ),
    (
        "ordering-within-a-partition",
        "Ordering: kept within a partition, not across",
    ),
    (
        "retention-deletes-old-segments",
        "Retention: old segments are deleted, read or not",
    ),
    (
        "several-groups-one-topic",
        "Several groups read the same topic independently",
    ),
    (
        "topics-and-partitions",
        "Topics and partitions: each partition is its own log",
    ),
    (
        "unclean-election-loses-data",
        "Unclean leader election loses acknowledged writes",
    ),
    (
        "unclean-election-off-goes-offline",
        "Unclean election off: the partition waits offline instead of losing data",
    ),
];

/// Where the page fetches a preset from.
pub fn preset_path(name: &str) -> String {
    format!("scenarios/{name}.json")
}

/// What the story panel shows.
#[derive(Clone, Debug, PartialEq)]
pub struct StoryView {
    /// The preset's title.
    pub title: Rc<str>,
    /// What it shows.
    pub description: Rc<str>,
    /// Its steps.
    pub steps: Rc<Vec<Step>>,
    /// The learner's task, and whether the core says it is done.
    pub goal: Option<(Rc<str>, bool)>,
    /// The twin preset's file name.
    pub twin: Option<Rc<str>>,
    /// The simulated clock, to tell which steps have happened.
    pub now: SimTime,
}

/// Props of [`StoryPanel`].
#[derive(Properties, PartialEq)]
pub struct StoryPanelProps {
    /// What to show.
    pub view: Rc<StoryView>,
    /// Loads the twin.
    pub onpreset: Callback<String>,
    /// In an embed: on a narrow frame (up to 1000 px, by CSS) the panel shrinks to one line
    /// above the lanes, with a button that opens the rest.
    #[prop_or_default]
    pub compact: bool,
}

/// The current preset's story: steps told so far, the next one, the goal and its status.
#[component]
pub fn StoryPanel(props: &StoryPanelProps) -> Html {
    let v = &props.view;
    let expanded = use_state(|| false);
    let told = v.steps.iter().take_while(|s| s.at <= v.now).count();
    let ontwin = v.twin.clone().map(|twin| {
        let onpreset = props.onpreset.clone();
        Callback::from(move |_: MouseEvent| onpreset.emit(twin.to_string()))
    });
    let ontoggle = {
        let expanded = expanded.clone();
        Callback::from(move |_: MouseEvent| expanded.set(!*expanded))
    };
    let current = told.checked_sub(1).and_then(|i| v.steps.get(i));
    html! {
        <section class={classes!("panel", "story", props.compact.then_some("compact"), expanded.then_some("expanded"))}
                 aria-labelledby="story-title" data-testid="story">
            <div class="story-head">
                <h2 id="story-title">{ v.title.to_string() }</h2>
                if props.compact {
                    <span class="story-line" data-testid="story-line">
                        if let Some((_, done)) = &v.goal {
                            <span class={classes!("goal-mark", done.then_some("done"))}>
                                { if *done { "✓ goal reached" } else { "goal open" } }
                            </span>
                        }
                        if let Some(step) = current {
                            <span class="story-current">{ step.text.clone() }</span>
                        }
                    </span>
                    <button class="button story-toggle" onclick={ontoggle} aria-expanded={expanded.to_string()}
                            aria-controls="story-body" data-testid="story-toggle">
                        { if *expanded { "Hide story" } else { "Story" } }
                    </button>
                }
            </div>
            <div class="story-body" id="story-body">
                <p class="story-description">{ v.description.to_string() }</p>
                if let Some((text, done)) = &v.goal {
                    <p class={classes!("goal", done.then_some("done"))} data-testid="goal"
                       data-done={done.to_string()} role="status">
                        <strong>{ if *done { "✓ Goal reached: " } else { "Goal: " } }</strong>
                        { text.to_string() }
                    </p>
                }
                <ol class="steps" data-testid="story-steps">
                    { for v.steps.iter().enumerate().map(|(i, s)| {
                        let state = if i + 1 == told { "current" } else if i < told { "told" } else { "ahead" };
                        html! {
                            <li class={state} data-state={state} key={i}
                                aria-current={(state == "current").then_some("step")}>
                                <span class="step-time">{ format!("{} ", s.at) }</span>{ s.text.clone() }
                            </li>
                        }
                    }) }
                </ol>
                if let Some(ontwin) = ontwin {
                    <button class="button" onclick={ontwin} data-testid="load-twin">{ "Load its twin" }</button>
                }
            </div>
        </section>
    }
}

/// Props of [`PresetMenu`].
#[derive(Properties, PartialEq)]
pub struct PresetMenuProps {
    /// Loads a preset by file name.
    pub onpreset: Callback<String>,
}

/// A select listing the presets; choosing one loads it.
#[component]
pub fn PresetMenu(props: &PresetMenuProps) -> Html {
    let onchange = {
        let onpreset = props.onpreset.clone();
        Callback::from(move |e: Event| {
            let select: web_sys::HtmlSelectElement = e.target_unchecked_into();
            let name = select.value();
            select.set_value("");
            if !name.is_empty() {
                onpreset.emit(name);
            }
        })
    };
    html! {
        <label class="presets">
            <span>{ "Scenario " }</span>
            <select {onchange} aria-label="Load a scenario preset" data-testid="preset-menu">
                <option value="" selected=true>{ "Choose a preset…" }</option>
                { for PRESETS.iter().map(|(name, title)| html! {
                    <option value={*name} key={*name}>{ *title }</option>
                }) }
            </select>
        </label>
    }
}

/// Makes the load action for a fetched preset.
pub fn load_action(name: &str, bytes: &[u8]) -> Action {
    match crate::share_link::scenario_from_bytes(bytes) {
        Ok(scenario) => Action::Load(Rc::new(crate::store::LoadRun {
            scenario,
            at: None,
            play: true,
            source: format!("preset {name}"),
        })),
        Err(e) => Action::ShowNotice(Rc::from(format!(
            "preset {name} could not be loaded: {e}; the current run is kept"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_menu_lists_every_shipped_preset_with_its_title() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../www/scenarios");
        let mut shipped: Vec<(String, String)> = std::fs::read_dir(dir)
            .expect("www/scenarios")
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).expect("readable");
                let s = kafka_sim::Scenario::from_json(&text).expect("a scenario");
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                (name, s.title)
            })
            .collect();
        shipped.sort();
        let listed: Vec<(String, String)> = PRESETS
            .iter()
            .map(|(n, t)| (n.to_string(), t.to_string()))
            .collect();
        assert_eq!(listed, shipped);
    }

    #[test]
    fn a_broken_preset_is_a_notice() {
        assert!(matches!(load_action("x", b"{"), Action::ShowNotice(n) if n.contains("preset x")));
        let ok = br#"{"version":1,"title":"t"}"#;
        assert!(matches!(load_action("x", ok), Action::Load(l) if l.scenario.title == "t"));
    }
}
