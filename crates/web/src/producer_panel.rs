//! The producer: type a key and a value, see which partition the Java client's murmur2
//! partitioner picks for the key, send, and watch the acknowledgement (or the error) come back;
//! choose `acks`; run the load generator at a rate with a key mix.

use std::rc::Rc;

use kafka_sim::{Acks, Command};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::page_params::KeyMix;
use crate::store::Action;
use crate::view_model::{ProducerView, SendRow, SendStatus};

/// Rates the load generator offers (records per simulated second).
const RATES: [f64; 10] = [
    0.0, 1.0, 2.0, 4.0, 10.0, 50.0, 200.0, 1_000.0, 2_000.0, 5_000.0,
];

/// The rates the select offers: [`RATES`], and `current` in its place among them when it is
/// another (a URL may ask for any rate). Inserted where a sort would put it, without a sort's
/// code in the page.
fn rate_choices(current: f64) -> Vec<f64> {
    let mut rates = RATES.to_vec();
    if !rates.contains(&current) {
        let at = rates.partition_point(|r| r.total_cmp(&current).is_lt());
        rates.insert(at, current);
    }
    rates
}

/// Props of [`ProducerPanel`].
#[derive(Properties, PartialEq)]
pub struct ProducerPanelProps {
    /// What to show.
    pub view: Rc<ProducerView>,
    /// The store.
    pub dispatch: Callback<Action>,
}

fn rate_label(rate: f64) -> String {
    if rate == 0.0 {
        "off".into()
    } else {
        format!("{} records/s", crate::controls::decimal(rate))
    }
}

/// The producer panel.
#[component]
pub fn ProducerPanel(props: &ProducerPanelProps) -> Html {
    let key = use_state(|| "customer_42".to_string());
    let value = use_state(|| "order 1".to_string());
    let topic = use_state(|| 0usize);
    let view = &props.view;
    let (topic_name, partitions) = view
        .topics
        .get(*topic)
        .or(view.topics.first())
        .cloned()
        .unwrap_or_else(|| (Rc::from("orders"), 1));

    let onkey = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| {
            key.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onvalue = {
        let value = value.clone();
        Callback::from(move |e: InputEvent| {
            value.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let ontopic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| {
            let i = e
                .target_unchecked_into::<HtmlSelectElement>()
                .selected_index();
            topic.set(i.max(0) as usize);
        })
    };
    let onsend = {
        let (key, value, dispatch, topic_name) = (
            key.clone(),
            value.clone(),
            props.dispatch.clone(),
            topic_name.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            dispatch.emit(Action::Send(Command::Produce {
                producer: 0,
                topic: topic_name.to_string(),
                key: (!key.is_empty()).then(|| (*key).clone()),
                value: Some((*value).clone()),
                partition: None,
            }));
        })
    };
    let onacks = props.dispatch.reform(|e: Event| {
        let acks = match e
            .target_unchecked_into::<HtmlSelectElement>()
            .value()
            .as_str()
        {
            "0" => Acks::Zero,
            "1" => Acks::One,
            _ => Acks::All,
        };
        Action::Apply(vec![Command::SetAcks { producer: 0, acks }])
    });
    let rates = rate_choices(view.rate);
    let onrate = {
        let rates = rates.clone();
        props.dispatch.reform(move |e: Event| {
            let i = e
                .target_unchecked_into::<HtmlSelectElement>()
                .selected_index();
            Action::SetLoadRate(rates.get(i.max(0) as usize).copied().unwrap_or(0.0))
        })
    };

    let preview = if key.is_empty() {
        format!(
            "No key: the {} partitioner picks the partition.",
            view.keyless_partitioner
        )
    } else {
        let p = kafka_sim::murmur2::partition_for_key(key.as_bytes(), partitions);
        format!(
            "toPositive(murmur2(key)) % {partitions} = {p}: this key always goes to {topic_name}-{p}."
        )
    };

    html! {
        <section class="panel producer-panel" aria-labelledby="producer-title" data-testid="producer">
            <h2 id="producer-title">{ "Producer" }</h2>
            <form class="send-form" onsubmit={onsend} aria-label="Send one record">
                if view.topics.len() > 1 {
                    <label>{ "Topic" }
                        <select onchange={ontopic} aria-label="Topic">
                            { for view.topics.iter().enumerate().map(|(i, (name, _))| html! {
                                <option value={i.to_string()} selected={i == *topic}>{ name.to_string() }</option>
                            }) }
                        </select>
                    </label>
                }
                <label>{ "Key" }
                    <input type="text" value={(*key).clone()} oninput={onkey} data-testid="send-key"
                           aria-label="Record key (empty: no key)" placeholder="no key" maxlength="200" />
                </label>
                <label>{ "Value" }
                    <input type="text" value={(*value).clone()} oninput={onvalue} data-testid="send-value"
                           aria-label="Record value" maxlength="500" />
                </label>
                <label>{ "acks" }
                    <select onchange={onacks} aria-label="acks" data-testid="acks">
                        { for [Acks::Zero, Acks::One, Acks::All].into_iter().map(|a| html! {
                            <option value={a.as_str()} selected={a == view.acks}>{ a.as_str() }</option>
                        }) }
                    </select>
                </label>
                <button type="submit" class="button primary" data-testid="send-button">{ "Send" }</button>
            </form>
            <p class="partition-preview" data-testid="partition-preview" aria-live="polite">{ preview }</p>
            <p class="panel-hint">
                { format!("Partitioner: keyed records go to toPositive(murmur2(key)) % partitions (the Java client's); \
                    records without a key: {}. acks=all waits for the ISR; acks=1 for the leader only; acks=0 for nothing.",
                    view.keyless_partitioner) }
            </p>
            if !view.sends.is_empty() {
                <ol class="sends" aria-label="Your sends, newest first" data-testid="sends">
                    { for view.sends.iter().map(send_row) }
                </ol>
            }
            <fieldset class="load-generator">
                <legend>{ "Load generator" }</legend>
                <label>{ "Rate " }
                    <select onchange={onrate} aria-label="Load generator rate" data-testid="load-rate">
                        { for rates.iter().map(|r| html! {
                            <option value={crate::controls::decimal(*r)} selected={*r == view.rate}>{ rate_label(*r) }</option>
                        }) }
                    </select>
                </label>
                <div class="key-mix" role="radiogroup" aria-label="Key mix">
                    { for KeyMix::ALL.into_iter().map(|m| {
                        let onchange = props.dispatch.reform(move |_: Event| Action::SetKeyMix(m));
                        html! {
                            <label key={m.as_str()}>
                                <input type="radio" name="key-mix" value={m.as_str()} checked={m == view.key_mix} {onchange} />
                                { format!(" {}", m.label()) }
                            </label>
                        }
                    }) }
                </div>
            </fieldset>
        </section>
    }
}

fn send_row(s: &SendRow) -> Html {
    let key = s
        .key
        .as_deref()
        .map_or("no key".to_string(), |k| format!("key \"{k}\""));
    let route = match &s.key {
        Some(_) => format!("murmur2 → partition {} of {}", s.partition, s.partitions),
        None => format!("partitioner → partition {}", s.partition),
    };
    let (class, status) = match &s.status {
        SendStatus::Pending => ("pending", "waiting for the ack…".to_string()),
        SendStatus::Acked {
            offset: Some(o),
            acks,
        } => (
            "acked",
            format!("acked at offset {o} (acks={})", acks.as_str()),
        ),
        SendStatus::Acked { offset: None, acks } => (
            "acked",
            format!("counted as sent (acks={}, no answer)", acks.as_str()),
        ),
        SendStatus::Failed(e) => ("failed", format!("failed: {e}")),
    };
    html! {
        <li key={s.record} class={classes!("send", class)} data-testid={format!("send-{}", s.record)}>
            <span class="send-what">{ format!("#{} {key}, value \"{}\"", s.record, s.value) }</span>
            <span class="send-route">{ format!(" → {} ({route})", s.tp_name) }</span>
            <span class="send-status" data-testid="send-status">{ format!(" · {status}") }
                if s.committed { { " · committed" } }
                if s.lost { <strong class="lost">{ " · LOST" }</strong> }
            </span>
        </li>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_outside_the_list_is_offered_in_its_place() {
        assert_eq!(rate_choices(4.0), RATES.to_vec());
        assert_eq!(
            rate_choices(300.0),
            [
                0.0, 1.0, 2.0, 4.0, 10.0, 50.0, 200.0, 300.0, 1_000.0, 2_000.0, 5_000.0
            ]
        );
        assert_eq!(rate_choices(0.5)[..3], [0.0, 0.5, 1.0]);
        assert_eq!(rate_choices(9_000.0).last(), Some(&9_000.0));
    }
}
