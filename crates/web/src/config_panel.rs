//! The configuration panel: the cluster's settings in Kafka's names (`brokers`, `acks`,
//! `min.insync.replicas`, `unclean.leader.election.enable`, demo or Kafka timing, topics and
//! partitions). Changes are a draft until "Reset with this configuration" starts a new run.

use std::rc::Rc;

use kafka_sim::Acks;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::page_params::{MAX_BROKERS, MAX_PARTITIONS, StartParams, TOPIC_NAMES, Timing};
use crate::store::Action;

/// Props of [`ConfigPanel`].
#[derive(Properties, PartialEq)]
pub struct ConfigPanelProps {
    /// What the current run was built from.
    pub params: Rc<StartParams>,
    /// The store.
    pub dispatch: Callback<Action>,
}

/// The configuration panel.
#[component]
pub fn ConfigPanel(props: &ConfigPanelProps) -> Html {
    let draft = use_state(|| (*props.params).clone());
    {
        let draft = draft.clone();
        use_effect_with(props.params.clone(), move |p| draft.set((**p).clone()));
    }
    let number = |label: &'static str,
                  key: &'static str,
                  value: u32,
                  min: u32,
                  max: u32,
                  set: fn(&mut StartParams, u32)| {
        let draft = draft.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            if let Ok(v) = e
                .target_unchecked_into::<HtmlInputElement>()
                .value()
                .parse::<u32>()
            {
                let mut p = (*draft).clone();
                set(&mut p, v.clamp(min, max));
                draft.set(p);
            }
        });
        html! {
            <label class="config-field">
                <code>{ key }</code><span class="muted">{ format!(" {label}") }</span>
                <input type="number" min={min.to_string()} max={max.to_string()} value={value.to_string()}
                       {oninput} aria-label={key} data-testid={format!("config-{key}")} />
            </label>
        }
    };
    let onunclean = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut p = (*draft).clone();
            p.unclean_leader_election = e.target_unchecked_into::<HtmlInputElement>().checked();
            draft.set(p);
        })
    };
    let onacks = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            let mut p = (*draft).clone();
            p.acks = match e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .as_str()
            {
                "0" => Acks::Zero,
                "1" => Acks::One,
                _ => Acks::All,
            };
            draft.set(p);
        })
    };
    let timing = |t: Timing, label: &'static str| {
        let checked = draft.timing == t;
        let draft = draft.clone();
        let onchange = Callback::from(move |_: Event| {
            let mut p = (*draft).clone();
            p.timing = t;
            draft.set(p);
        });
        html! {
            <label><input type="radio" name="timing" value={t.as_str()} {checked} {onchange} />{ format!(" {label}") }</label>
        }
    };
    let onsubmit = {
        let (draft, d) = (draft.clone(), props.dispatch.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let mut p = (*draft).clone();
            p.fit();
            d.emit(Action::Reset(p));
        })
    };
    let p = &*draft;
    html! {
        <details class="panel config-panel" data-testid="config">
            <summary><h2>{ "Configuration" }</h2></summary>
            <form {onsubmit} aria-label="Cluster configuration">
                { number("brokers at start", "brokers", p.brokers, 1, MAX_BROKERS, |p, v| p.brokers = v) }
                { number("topics (orders, payments, …)", "topics", p.topics, 1, TOPIC_NAMES.len() as u32, |p, v| p.topics = v) }
                { number("per topic", "partitions", p.partitions, 1, MAX_PARTITIONS, |p, v| p.partitions = v) }
                { number("replicas per partition", "replication.factor", p.replication_factor, 1, MAX_BROKERS, |p, v| p.replication_factor = v) }
                { number("for acks=all writes", "min.insync.replicas", p.min_insync_replicas, 1, MAX_BROKERS, |p, v| p.min_insync_replicas = v) }
                <label class="config-field">
                    <code>{ "acks" }</code><span class="muted">{ " of the producer" }</span>
                    <select onchange={onacks} aria-label="acks" data-testid="config-acks">
                        { for [Acks::Zero, Acks::One, Acks::All].into_iter().map(|a| html! {
                            <option value={a.as_str()} selected={a == p.acks}>{ a.as_str() }</option>
                        }) }
                    </select>
                </label>
                <label class="config-field">
                    <input type="checkbox" checked={p.unclean_leader_election} onchange={onunclean}
                           data-testid="config-unclean" />
                    <code>{ " unclean.leader.election.enable" }</code>
                    <span class="muted">{ " (an out-of-sync replica may lead: availability over durability)" }</span>
                </label>
                <fieldset class="config-field">
                    <legend>{ "Timing" }</legend>
                    { timing(Timing::Demo, "demo: fencing after 3 s, ISR shrink after 5 s, 20–30 ms links") }
                    { timing(Timing::Kafka, "Kafka's defaults: broker.session.timeout.ms 9 s, replica.lag.time.max.ms 30 s") }
                </fieldset>
                <button type="submit" class="button primary" data-testid="config-apply">{ "Reset with this configuration" }</button>
            </form>
        </details>
    }
}
