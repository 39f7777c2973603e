//! Consumer groups, as `kafka-consumer-groups --describe --members --state` shows them: per group
//! its state, generation, assignor and coordinator broker, its members with their partitions and
//! client state, the lag table (PARTITION, CURRENT-OFFSET, LOG-END-OFFSET, LAG, plus the owner's
//! POSITION and the CONSUMER) and what the ledger says it processed, redelivered and skipped.
//! Controls: add a consumer to a group, stop one gracefully, crash one, restart a stopped one, and
//! add a new group. Everything is read from `Sim::group_views` a few times a second; group names
//! are user text and are rendered as text only.

use std::rc::Rc;

use kafka_sim::Command;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::lanes::GROUP_CLASSES;
use crate::store::Selection;
use crate::view_model::{GroupCard, GroupsView, MemberRow};

/// Lag tables with more rows than this start folded (a busy cluster has dozens of partitions).
const OPEN_ROWS: usize = 12;
/// Most consumers the "new group" form starts at once.
const MAX_NEW_CONSUMERS: u32 = 6;

/// Props of [`GroupsPanel`].
#[derive(Properties, PartialEq)]
pub struct GroupsPanelProps {
    /// The groups, ordered by `group.id`.
    pub view: Rc<GroupsView>,
    /// The consumers' `session.timeout.ms`, to explain what a crash costs.
    pub session_timeout_ms: u64,
    /// The inspected group or consumer, highlighted.
    #[prop_or_default]
    pub selection: Option<Selection>,
    /// Apply commands (add, stop, crash, restart consumers).
    pub onapply: Callback<Vec<Command>>,
    /// Inspect a group or a consumer.
    pub onselect: Callback<Selection>,
}

fn opt(v: Option<u64>) -> String {
    v.map_or("-".to_string(), |v| v.to_string())
}

fn colour_class(colour: u8) -> &'static str {
    GROUP_CLASSES[usize::from(colour) % GROUP_CLASSES.len()]
}

/// The consumer groups panel.
#[component]
pub fn GroupsPanel(props: &GroupsPanelProps) -> Html {
    let v = &props.view;
    let intro = if v.groups.is_empty() {
        "No consumer group yet: add one below.".to_string()
    } else {
        let names: Vec<String> = v
            .groups
            .iter()
            .map(|g| format!("{} ({} consumers)", g.group, g.members.len()))
            .collect();
        format!(
            "{}: each group is one application reading the topics. Every group gets every record; \
             inside a group each partition is read by exactly one consumer.",
            names.join(" and ")
        )
    };
    let (selected_group, selected_consumer) = match &props.selection {
        Some(Selection::Group(g)) => (Some(g.clone()), None),
        Some(Selection::Consumer(c)) => (None, Some(*c)),
        _ => (None, None),
    };
    html! {
        <section class="panel groups-panel" aria-labelledby="groups-title" data-testid="groups">
            <h2 id="groups-title">{ "Consumer groups" }</h2>
            <p class="panel-hint" data-testid="groups-intro">{ intro }</p>
            <p class="panel-hint">
                { format!("Crash a consumer: its partitions wait until the coordinator misses its heartbeats for \
                    session.timeout.ms = {}, then go to the others. Stop one: it leaves the group at once \
                    (LeaveGroup) and its partitions move quickly.", kafka_sim::narrate::seconds(props.session_timeout_ms)) }
            </p>
            { for v.groups.iter().map(|g| {
                let selected = selected_group.as_deref() == Some(&*g.group);
                let member = selected_consumer.filter(|c| g.members.iter().any(|m| m.consumer == *c));
                html! {
                    <GroupCardView key={g.group.to_string()} card={g.clone()} {selected} selected_consumer={member}
                        onapply={props.onapply.clone()} onselect={props.onselect.clone()} />
                }
            }) }
            <NewGroupForm topics={v.topics.clone()} onapply={props.onapply.clone()} />
        </section>
    }
}

/// Props of [`GroupCardView`].
#[derive(Properties, PartialEq)]
pub struct GroupCardProps {
    /// The group.
    pub card: Rc<GroupCard>,
    /// The inspector shows this group.
    pub selected: bool,
    /// The inspector shows this consumer of the group.
    pub selected_consumer: Option<u32>,
    /// Apply commands.
    pub onapply: Callback<Vec<Command>>,
    /// Inspect.
    pub onselect: Callback<Selection>,
}

/// One group.
#[component]
pub fn GroupCardView(props: &GroupCardProps) -> Html {
    let g = &props.card;
    let folded_by_default = g.lag.len() > OPEN_ROWS;
    let show_lag = use_state(|| !folded_by_default);
    let name = g.group.to_string();
    let oninspect = {
        let group = g.group.clone();
        props
            .onselect
            .reform(move |_: MouseEvent| Selection::Group(group.clone()))
    };
    let onadd = {
        let (group, topics) = (g.group.to_string(), g.topics.clone());
        props.onapply.reform(move |_: MouseEvent| {
            vec![Command::AddConsumer {
                group: group.clone(),
                topics: topics.iter().map(|t| t.to_string()).collect(),
                config: None,
            }]
        })
    };
    let ontoggle = {
        let show_lag = show_lag.clone();
        Callback::from(move |_: MouseEvent| show_lag.set(!*show_lag))
    };
    let c = g.counts;
    let owner_label =
        |owner: Option<u32>| owner.map_or("-".to_string(), |o| format!("consumer {o}"));
    html! {
        <article class={classes!("group", colour_class(g.colour), props.selected.then_some("selected"))}
                 data-testid={format!("group-{name}")} aria-label={format!("consumer group {name}")}>
            <header class="group-head">
                <h3>
                    <button class="group-name" onclick={oninspect} aria-label={format!("Inspect group {name}")}>
                        <span class="swatch" aria-hidden="true"></span>{ name.clone() }
                    </button>
                </h3>
                <span class={classes!("badge", "group-state", (&*g.state != "Stable").then_some("warn"))}
                      data-testid={format!("group-state-{name}")}>{ g.state.to_string() }</span>
            </header>
            <p class="group-meta" data-testid={format!("group-meta-{name}")}>
                { format!("generation {} · assignor {} · coordinator {}",
                    g.generation, g.assignor.as_deref().unwrap_or("-"),
                    g.coordinator.map_or("none".to_string(), |b| format!("broker {b}"))) }
            </p>
            <dl class="group-counts" data-testid={format!("group-counts-{name}")}>
                <div title="distinct records the group processed at least once"><dt>{ "processed" }</dt><dd>{ c.processed }</dd></div>
                <div title="records handed to the application again (at-least-once duplicates)"><dt>{ "redelivered" }</dt><dd>{ c.redelivered }</dd></div>
                <div title="committed records the group's position moved past without processing them" class={(c.skipped > 0).then_some("bad")}>
                    <dt>{ "skipped" }</dt><dd>{ c.skipped }</dd>
                </div>
                <div title="sum of the LAG column"><dt>{ "lag" }</dt><dd>{ g.total_lag }</dd></div>
            </dl>
            <ul class="members" aria-label={format!("members of {name}")}>
                { for g.members.iter().map(|m| html! {
                    <MemberItem key={m.consumer} member={m.clone()} selected={props.selected_consumer == Some(m.consumer)}
                        onapply={props.onapply.clone()} onselect={props.onselect.clone()} />
                }) }
            </ul>
            <div class="group-actions">
                <button class="button" onclick={onadd} data-testid={format!("add-consumer-{name}")}
                        aria-label={format!("Add a consumer to group {name}")}>{ "+ Add consumer" }</button>
                <button class="button" onclick={ontoggle} aria-expanded={show_lag.to_string()}
                        data-testid={format!("toggle-lag-{name}")}>
                    { if *show_lag { "Hide lag table".to_string() } else { format!("Show lag table ({} partitions)", g.lag.len()) } }
                </button>
            </div>
            if *show_lag {
                <div class="lag-scroll">
                <table class="lag-table" data-testid={format!("lag-table-{name}")}>
                    <caption class="sr-only">{ format!("Lag of group {name} per partition") }</caption>
                    <thead><tr>
                        <th scope="col">{ "PARTITION" }</th><th scope="col">{ "CURRENT-OFFSET" }</th>
                        <th scope="col">{ "LOG-END-OFFSET" }</th><th scope="col">{ "LAG" }</th>
                        <th scope="col">{ "POSITION" }</th><th scope="col">{ "CONSUMER" }</th>
                    </tr></thead>
                    <tbody>
                        { for g.lag.iter().map(|r| html! {
                            <tr key={r.name.to_string()} data-testid={format!("lag-row-{name}-{}", r.name)}>
                                <td>{ r.name.to_string() }</td><td>{ opt(r.committed) }</td><td>{ r.log_end_offset }</td>
                                <td>{ opt(r.lag) }</td><td>{ opt(r.position) }</td><td>{ owner_label(r.owner) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                </div>
            }
        </article>
    }
}

/// Props of [`MemberItem`].
#[derive(Properties, PartialEq)]
pub struct MemberItemProps {
    /// The member.
    pub member: MemberRow,
    /// The inspector shows it.
    pub selected: bool,
    /// Apply commands.
    pub onapply: Callback<Vec<Command>>,
    /// Inspect.
    pub onselect: Callback<Selection>,
}

/// One consumer of a group, with its buttons.
#[component]
pub fn MemberItem(props: &MemberItemProps) -> Html {
    let m = &props.member;
    let id = m.consumer;
    let command =
        |make: fn(u32) -> Command| props.onapply.reform(move |_: MouseEvent| vec![make(id)]);
    let oninspect = props
        .onselect
        .reform(move |_: MouseEvent| Selection::Consumer(id));
    let parts = if m.partitions.is_empty() {
        "no partitions".to_string()
    } else {
        m.partitions
            .iter()
            .map(|p| p.as_ref())
            .collect::<Vec<_>>()
            .join(", ")
    };
    html! {
        <li class={classes!("member", (!m.alive).then_some("dead"), props.selected.then_some("selected"))}
            data-testid={format!("member-{id}")}>
            <button class="member-name" onclick={oninspect} title={m.label()}
                    aria-label={format!("Inspect consumer {id}")}>{ format!("consumer {id}") }</button>
            <span class={classes!("member-state", (!m.alive).then_some("stopped"))} data-testid={format!("member-state-{id}")}
                  title={state_help(m)}>
                { m.status() }
            </span>
            <span class="member-parts" data-testid={format!("member-partitions-{id}")}>{ parts }</span>
            <span class="member-actions">
                if m.alive {
                    <button class="button" onclick={command(|c| Command::StopConsumer { consumer: c })}
                            data-testid={format!("stop-consumer-{id}")}
                            aria-label={format!("Stop consumer {id} gracefully (it commits and sends LeaveGroup)")}>{ "Stop" }</button>
                    <button class="button danger" onclick={command(|c| Command::CrashConsumer { consumer: c })}
                            data-testid={format!("crash-consumer-{id}")}
                            aria-label={format!("Crash consumer {id} (no LeaveGroup: the coordinator waits for session.timeout.ms)")}>{ "Crash" }</button>
                } else {
                    <button class="button" onclick={command(|c| Command::RestartConsumer { consumer: c })}
                            data-testid={format!("restart-consumer-{id}")}
                            aria-label={format!("Restart consumer {id}")}>{ "Restart" }</button>
                }
            </span>
        </li>
    }
}

/// What a member's state means, for its tooltip.
fn state_help(m: &MemberRow) -> &'static str {
    match (m.alive, m.exit) {
        (false, Some(crate::store::ConsumerExit::Crashed)) => {
            "Its process died without LeaveGroup: the coordinator keeps it in the group until \
             session.timeout.ms passes without a heartbeat, then rebalances."
        }
        (false, Some(crate::store::ConsumerExit::Failed)) => "It stopped on a fatal error.",
        (false, _) => "Closed: it committed (if it commits) and sent LeaveGroup.",
        (true, _) => "The client's state, as the simulator's consumer reports it.",
    }
}

/// Props of [`NewGroupForm`].
#[derive(Properties, PartialEq)]
pub struct NewGroupFormProps {
    /// The user topics.
    pub topics: Vec<Rc<str>>,
    /// Apply commands.
    pub onapply: Callback<Vec<Command>>,
}

/// "Add a group": a `group.id`, its topics and how many consumers start.
#[component]
pub fn NewGroupForm(props: &NewGroupFormProps) -> Html {
    let name = use_state(String::new);
    let consumers = use_state(|| 2u32);
    // Topics left out (all are read by default).
    let unchecked = use_state(Vec::<Rc<str>>::new);
    let error = use_state(|| None::<&'static str>);
    let onname = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            name.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let oncount = {
        let consumers = consumers.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            consumers.set(v.parse().unwrap_or(1));
        })
    };
    let onsubmit = {
        let (name, consumers, unchecked, error) = (
            name.clone(),
            consumers.clone(),
            unchecked.clone(),
            error.clone(),
        );
        let (topics, onapply) = (props.topics.clone(), props.onapply.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let group = name.trim().to_string();
            let chosen: Vec<String> = topics
                .iter()
                .filter(|t| !unchecked.contains(t))
                .map(|t| t.to_string())
                .collect();
            if group.is_empty() {
                error.set(Some("Type a group.id first."));
                return;
            }
            if chosen.is_empty() {
                error.set(Some("Pick at least one topic."));
                return;
            }
            error.set(None);
            let commands = (0..*consumers)
                .map(|_| Command::AddConsumer {
                    group: group.clone(),
                    topics: chosen.clone(),
                    config: None,
                })
                .collect();
            onapply.emit(commands);
            name.set(String::new());
        })
    };
    html! {
        <form class="new-group" onsubmit={onsubmit} data-testid="new-group" aria-labelledby="new-group-title">
            <h3 id="new-group-title">{ "Add a consumer group" }</h3>
            <label>{ "group.id " }
                <input type="text" maxlength="255" value={(*name).clone()} oninput={onname} placeholder="e.g. billing"
                       data-testid="new-group-name" aria-describedby="new-group-error" />
            </label>
            <fieldset class="new-group-topics">
                <legend>{ "topics" }</legend>
                { for props.topics.iter().map(|t| {
                    let checked = !unchecked.contains(t);
                    let onchange = {
                        let (unchecked, t) = (unchecked.clone(), t.clone());
                        Callback::from(move |_: Event| {
                            let mut u = (*unchecked).clone();
                            if let Some(i) = u.iter().position(|x| *x == t) { u.remove(i); } else { u.push(t.clone()); }
                            unchecked.set(u);
                        })
                    };
                    html! {
                        <label key={t.to_string()} class="inline">
                            <input type="checkbox" {checked} {onchange} data-testid={format!("new-group-topic-{t}")} />
                            { format!(" {t}") }
                        </label>
                    }
                }) }
            </fieldset>
            <label>{ "consumers " }
                <select onchange={oncount} data-testid="new-group-consumers">
                    { for (1..=MAX_NEW_CONSUMERS).map(|n| html! {
                        <option key={n} value={n.to_string()} selected={n == *consumers}>{ n }</option>
                    }) }
                </select>
            </label>
            <button type="submit" class="button primary" data-testid="new-group-add">{ "Add group" }</button>
            <p class="panel-hint new-group-hint">{ "New consumers use the demo consumer settings (session.timeout.ms, auto-commit); an existing group.id adds them to that group." }</p>
            <p id="new-group-error" class="form-error" role="status">{ (*error).unwrap_or("") }</p>
        </form>
    }
}
