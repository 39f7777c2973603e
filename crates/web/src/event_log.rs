//! The event log: what the cluster did, newest first, in the plain sentences of
//! `kafka_sim::narrate`, filterable by kind and by text. Rows name their partition and brokers
//! as buttons (click to inspect); rows about the inspected partition, broker, group or consumer
//! are highlighted. "consumers & groups" shows what the consumer groups did.

use std::rc::Rc;

use kafka_sim::TopicPartition;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::log_lines::{LogFilter, LogKind, LogLine, LogRow};
use crate::store::{Action, Selection};

/// Props of [`EventLog`].
#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Rows to show, newest first, with notes where time travel skipped events.
    pub rows: Rc<Vec<LogLine>>,
    /// Events the core emitted so far (`None` right after time travel, until the next event).
    pub total: Option<u64>,
    /// The filter.
    pub filter: LogFilter,
    /// What the inspector shows (rows about it are highlighted).
    pub selection: Option<Selection>,
    /// The store.
    pub dispatch: Callback<Action>,
}

fn mentions_selection(row: &LogRow, selection: &Option<Selection>) -> bool {
    let row_tp: Option<TopicPartition> = row.tp.as_ref().map(|(tp, _)| *tp);
    match selection {
        Some(Selection::Partition(tp)) | Some(Selection::Record { tp, .. }) => row_tp == Some(*tp),
        Some(Selection::Broker(b)) => row.brokers.contains(&b.0),
        Some(Selection::Group(g)) => row.group.as_deref() == Some(&**g),
        Some(Selection::Consumer(c)) => row.consumer == Some(*c),
        None => false,
    }
}

/// The event log panel.
#[component]
pub fn EventLog(props: &EventLogProps) -> Html {
    let filter = props.filter.clone();
    let events = props
        .rows
        .iter()
        .filter(|l| matches!(l, LogLine::Event(_)))
        .count();
    let ontext = {
        let (filter, d) = (filter.clone(), props.dispatch.clone());
        Callback::from(move |e: InputEvent| {
            let text = e.target_unchecked_into::<HtmlInputElement>().value();
            d.emit(Action::SetLogFilter(LogFilter {
                text,
                ..filter.clone()
            }));
        })
    };
    html! {
        <section class="panel log-panel" aria-labelledby="log-title" data-testid="event-log">
            <h2 id="log-title">{ "Event log" }</h2>
            <div class="log-filters" role="group" aria-label="Show event kinds">
                { for LogKind::ALL.into_iter().map(|kind| {
                    let shown = filter.shows(kind);
                    let onclick = {
                        let (filter, d) = (filter.clone(), props.dispatch.clone());
                        Callback::from(move |_: MouseEvent| d.emit(Action::SetLogFilter(LogFilter {
                            hidden: filter.hidden ^ kind.bit(),
                            ..filter.clone()
                        })))
                    };
                    html! {
                        <button key={kind.label()} class={classes!("filter-chip", format!("kind-{}", kind.bit()))}
                                aria-pressed={shown.to_string()} {onclick}
                                data-testid={format!("log-kind-{}", kind.label().replace([' ', '&'], ""))}>
                            { kind.label() }
                        </button>
                    }
                }) }
                <input type="search" value={filter.text.clone()} oninput={ontext} placeholder="filter text…"
                       aria-label="Show only events containing this text" data-testid="log-search" />
            </div>
            <p class="panel-hint">{ match props.total {
                Some(total) => format!("{total} events so far; the newest {} matching are shown.", events),
                None => format!("The newest {events} matching events are shown."),
            } }</p>
            <ol class="log" aria-live="off">
                { for props.rows.iter().map(|line| {
                    let row = match line {
                        LogLine::Event(row) => row,
                        LogLine::Note(note) => return html! {
                            <li key={format!("note-{}-{}", note.at.0, note.text)} class="log-row log-note" data-testid="log-note">
                                <time class="log-time">{ note.at.to_string() }</time>
                                <span class="log-text">{ note.text.to_string() }</span>
                            </li>
                        },
                    };
                    let hot = mentions_selection(row, &props.selection);
                    html! {
                        <li key={row.id} class={classes!("log-row", format!("kind-{}", row.kind.bit()), hot.then_some("mentioned"))}
                            data-testid="log-row">
                            <time class="log-time">{ row.at.to_string() }</time>
                            <span class="log-text" title={format!("because of {}", row.why)}>{ row.text.to_string() }</span>
                            <span class="log-tags">
                                if let Some((tp, name)) = &row.tp {
                                    <button class="tag" onclick={props.dispatch.reform({
                                        let tp = *tp; move |_: MouseEvent| Action::Select(Some(Selection::Partition(tp)))
                                    })} aria-label={format!("Inspect {name}")}>{ name.to_string() }</button>
                                }
                                if let Some(group) = &row.group {
                                    <button class="tag" onclick={props.dispatch.reform({
                                        let group = group.clone(); move |_: MouseEvent| Action::Select(Some(Selection::Group(group.clone())))
                                    })} aria-label={format!("Inspect group {group}")}>{ group.to_string() }</button>
                                }
                                if let Some(c) = row.consumer {
                                    <button class="tag" onclick={props.dispatch.reform(move |_: MouseEvent| Action::Select(Some(Selection::Consumer(c))))}
                                        aria-label={format!("Inspect consumer {c}")}>{ format!("c{c}") }</button>
                                }
                                { for row.brokers.iter().map(|b| {
                                    let b = *b;
                                    html! {
                                        <button class="tag" onclick={props.dispatch.reform(move |_: MouseEvent|
                                            Action::Select(Some(Selection::Broker(kafka_sim::BrokerId(b)))))}
                                            aria-label={format!("Inspect broker {b}")}>{ format!("b{b}") }</button>
                                    }
                                }) }
                            </span>
                        </li>
                    }
                }) }
            </ol>
        </section>
    }
}
