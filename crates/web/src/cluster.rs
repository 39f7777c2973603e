//! The cluster: the controller and one server card per broker holding its replica chips (leader,
//! in-sync follower, out-of-sync follower, offline), with the faults a learner can cause: kill,
//! restart, isolate, reconnect, slow follower; and a button to add a broker.

use std::rc::Rc;

use kafka_sim::{BrokerId, Command};
use yew::prelude::*;

use crate::store::{BrokerFault, Selection};
use crate::view_model::{BrokerCard, ClusterView, ReplicaState};

/// Props of [`Cluster`].
#[derive(Properties, PartialEq)]
pub struct ClusterProps {
    /// The brokers.
    pub view: Rc<ClusterView>,
    /// `broker.session.timeout.ms`, to explain fencing.
    pub session_timeout_ms: u64,
    /// The selected broker, if any.
    pub selected: Option<u32>,
    /// A broker button was pressed.
    pub onfault: Callback<(u32, BrokerFault)>,
    /// Commands without a broker (add broker).
    pub onapply: Callback<Vec<Command>>,
    /// Inspect a broker or a partition.
    pub onselect: Callback<Selection>,
}

/// The cluster panel.
#[component]
pub fn Cluster(props: &ClusterProps) -> Html {
    let add = props
        .onapply
        .reform(|_: MouseEvent| vec![Command::AddBroker]);
    html! {
        <section class="panel cluster-panel" aria-labelledby="cluster-title" data-testid="cluster">
            <h2 id="cluster-title">{ "Cluster" }</h2>
            <div class="controller-card" data-testid="controller">
                <strong>{ "Controller" }</strong>
                { format!(" (KRaft, one active node): registers brokers, fences one whose heartbeats stop for \
                    broker.session.timeout.ms = {}, and elects leaders from the ISR.",
                    kafka_sim::narrate::seconds(props.session_timeout_ms)) }
                if props.view.cut_links > 0 {
                    <span class="badge warn">{ format!("{} links cut", props.view.cut_links) }</span>
                }
            </div>
            <div class="chip-legend" aria-hidden="true">
                <span class="chip leader">{ "★ leader" }</span>
                <span class="chip in-sync">{ "in-sync follower" }</span>
                <span class="chip out-of-sync">{ "out of sync" }</span>
                <span class="chip offline">{ "offline" }</span>
            </div>
            <div class="broker-grid">
                { for props.view.brokers.iter().map(|b| html! {
                    <BrokerCardView key={b.id} card={b.clone()} selected={props.selected == Some(b.id)}
                        onfault={props.onfault.clone()} onselect={props.onselect.clone()} />
                }) }
            </div>
            <button class="button" onclick={add} data-testid="add-broker">{ "Add broker" }</button>
        </section>
    }
}

/// Props of [`BrokerCardView`].
#[derive(Properties, PartialEq)]
pub struct BrokerCardProps {
    /// The card.
    pub card: BrokerCard,
    /// Whether the inspector shows this broker.
    pub selected: bool,
    /// A fault button was pressed.
    pub onfault: Callback<(u32, BrokerFault)>,
    /// Inspect.
    pub onselect: Callback<Selection>,
}

/// One broker.
#[component]
pub fn BrokerCardView(props: &BrokerCardProps) -> Html {
    let b = &props.card;
    let id = b.id;
    let fault = |f: BrokerFault| props.onfault.reform(move |_: MouseEvent| (id, f));
    let status = match (b.alive, b.fenced) {
        (false, _) => "killed",
        (true, true) => "fenced",
        (true, false) => "running",
    };
    let leads = b
        .chips
        .iter()
        .filter(|c| c.state == ReplicaState::Leader)
        .count();
    let onname = props
        .onselect
        .reform(move |_: MouseEvent| Selection::Broker(BrokerId(id)));
    let (kill_label, kill_fault) = if b.alive {
        ("Kill", BrokerFault::Kill)
    } else {
        ("Restart", BrokerFault::Restart)
    };
    let (iso_label, iso_fault) = if b.isolated {
        ("Reconnect", BrokerFault::Reconnect)
    } else {
        ("Isolate", BrokerFault::Isolate)
    };
    let (slow_label, slow_fault) = if b.slowed {
        ("Unslow", BrokerFault::Unslow)
    } else {
        ("Slow", BrokerFault::Slow)
    };
    html! {
        <article class={classes!("broker-card", status, b.isolated.then_some("isolated"), props.selected.then_some("selected"))}
                 data-testid={format!("broker-card-{id}")} data-status={status}
                 aria-label={format!("broker {id}: {status}, leads {leads} partitions")}>
            <header class="broker-head">
                <button class="broker-name" onclick={onname} aria-label={format!("Inspect broker {id}")}>
                    <span class="server-icon" aria-hidden="true">{ "▤" }</span>{ format!(" broker {id}") }
                </button>
                <span class={classes!("badge", status)} data-testid={format!("broker-status-{id}")}>{ status }</span>
                if b.isolated { <span class="badge warn">{ "isolated" }</span> }
                if b.slowed { <span class="badge warn">{ "slow links" }</span> }
            </header>
            <ul class="chips" aria-label={format!("replicas on broker {id}")}>
                { for b.chips.iter().map(|c| html! {
                    <li key={c.name.to_string()} class={classes!("chip", c.state.class())}
                        title={format!("{}: {}", c.name, c.state.label())}
                        aria-label={format!("{}: {}", c.name, c.state.label())}>
                        if c.state == ReplicaState::Leader { { "★ " } }
                        { c.name.to_string() }
                    </li>
                }) }
            </ul>
            <div class="broker-actions">
                <button class={classes!("button", b.alive.then_some("danger"))} onclick={fault(kill_fault)}
                        data-testid={format!("{}-broker-{id}", kill_label.to_ascii_lowercase())}
                        aria-label={format!("{kill_label} broker {id}")}>{ kill_label }</button>
                <button class="button" onclick={fault(iso_fault)}
                        data-testid={format!("{}-broker-{id}", iso_label.to_ascii_lowercase())}
                        aria-label={format!("{iso_label} broker {id} (cut or heal every link)")}>{ iso_label }</button>
                <button class="button" onclick={fault(slow_fault)}
                        data-testid={format!("{}-broker-{id}", slow_label.to_ascii_lowercase())}
                        aria-label={format!("{slow_label} broker {id}'s links to the other brokers (a slow follower)")}>
                    { slow_label }
                </button>
            </div>
        </article>
    }
}
