//! The ledger and the invariants: how many records were sent, acknowledged, failed, committed,
//! lost and duplicated (the core's ledger), and an alarm for every broken guarantee
//! (`InvariantViolated`) naming the configuration that allows it (acks=1, an unclean election …)
//! or saying that nothing does, which would be a bug in the simulator.

use std::rc::Rc;

use kafka_sim::ledger::LedgerCounts;
use yew::prelude::*;

use crate::view_model::AlarmRow;

/// Props of [`LedgerPanel`].
#[derive(Properties, PartialEq)]
pub struct LedgerPanelProps {
    /// The ledger's totals.
    pub counts: LedgerCounts,
    /// Guarantees broken in the whole run.
    pub alarm_count: u64,
    /// The latest alarms, newest first.
    pub alarms: Rc<Vec<AlarmRow>>,
}

/// The ledger panel.
#[component]
pub fn LedgerPanel(props: &LedgerPanelProps) -> Html {
    let c = props.counts;
    let cells = [
        ("sent", c.sent, "records producers created"),
        ("acked", c.acked, "acknowledged to their producer"),
        ("failed", c.failed, "sends that failed for good"),
        (
            "committed",
            c.committed,
            "reached a leader's high watermark",
        ),
        (
            "lost",
            c.lost,
            "acknowledged or committed, then gone from every replica",
        ),
        (
            "duplicates",
            c.duplicates,
            "committed at more than one offset",
        ),
    ];
    html! {
        <section class="panel ledger-panel" aria-labelledby="ledger-title" data-testid="ledger">
            <h2 id="ledger-title">{ "Ledger & guarantees" }</h2>
            <dl class="counts">
                { for cells.into_iter().map(|(name, n, what)| html! {
                    <div key={name} class={classes!("count", (name == "lost" && n > 0).then_some("bad"))}
                         title={what} data-testid={format!("count-{name}")}>
                        <dt>{ name }</dt><dd>{ n }</dd>
                    </div>
                }) }
            </dl>
            if props.alarm_count == 0 {
                <p class="ok" data-testid="invariants-ok">
                    { "✓ Every guarantee holds: offsets contiguous, HW ≤ LEO, replicas agree below the HW, no acknowledged record lost." }
                </p>
            } else {
                <div class="alarm" role="alert" data-testid="alarm">
                    <strong>{ format!("⚠ {} broken guarantee{}", props.alarm_count, if props.alarm_count == 1 { "" } else { "s" }) }</strong>
                    <ul>
                        { for props.alarms.iter().map(|a| html! {
                            <li key={a.id} class={if a.expected { "expected" } else { "bug" }}>
                                <span class="alarm-head">
                                    <code>{ a.invariant }</code>{ format!(" at {} — allowed by ", a.at) }
                                    <strong data-testid="allowed-by">{ a.allowed_by }</strong>
                                </span>
                                <span class="alarm-text">{ a.text.to_string() }</span>
                            </li>
                        }) }
                    </ul>
                </div>
            }
        </section>
    }
}
