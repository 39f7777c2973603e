//! Dialogs over the page: the keyboard help and "What is modelled" (what the simulator models
//! after Apache Kafka and what it simplifies; the same text as the README's section).

use yew::prelude::*;

use crate::shortcuts::SHORTCUTS;
use crate::store::Overlay;

/// What the core models after Apache Kafka (KRaft, the 3.9/4.0 code base).
pub const MODELLED: [&str; 13] = [
    "murmur2 key partitioning, byte-exact with the Java client; the sticky (KIP-794) and round-robin keyless partitioners",
    "the producer's accumulator, acks 0/1/all, retries, request and delivery timeouts, and the idempotent producer's sequence numbers (with KIP-360's epoch bump after an expired batch)",
    "broker registration, heartbeats and fencing after broker.session.timeout.ms",
    "clean, unclean and preferred leader elections with leader epochs",
    "follower fetching with long polls; the high watermark as the minimum LEO of the ISR (held while the ISR is below min.insync.replicas, as since Kafka 3.7)",
    "ISR shrink after replica.lag.time.max.ms and expansion through AlterPartition",
    "truncation by leader epoch (KIP-101/279)",
    "segment-granular retention by time and size; compaction with tombstones",
    "Kafka's four client assignors, exact to their tie-breaks",
    "consumer groups with the classic protocol: the coordinator on the broker leading the group's __consumer_offsets partition, JoinGroup / SyncGroup with the leader member running the assignor, generations, member ids, heartbeats, session.timeout.ms expiry, max.poll.interval.ms, LeaveGroup, static membership, eager and cooperative rebalancing",
    "consumers fetching from leaders below the high watermark with fetch.max.wait.ms long polls, max.poll.records, auto.offset.reset, a simulated processing time per record, and four commit modes (auto-commit, commitSync or commitAsync after processing, commit before processing)",
    "committed offsets and group membership written to __consumer_offsets with acks=all, replicated like any other partition and reloaded by a new coordinator; lag as LOG-END-OFFSET − CURRENT-OFFSET",
    "a ledger of what each group processed: redeliveries (at-least-once duplicates) and skips (at-most-once losses)",
];

/// What the core simplifies.
pub const SIMPLIFIED: [&str; 12] = [
    "One active controller node; the KRaft quorum's own elections are not simulated yet. Committed metadata is pushed to brokers and clients with network latency instead of being fetched from the metadata log, and clients ask the controller (not a broker) for metadata.",
    "Topic configuration changes take effect everywhere at once.",
    "A follower fetches each partition separately (Kafka batches a leader's partitions in one fetch session); fetches are bounded by record count, not bytes.",
    "Producers limit in-flight requests per partition rather than per connection; record sizes are estimated (7 bytes of overhead per record, 61 per batch); segment sizes count records only, not batch headers.",
    "A restarted broker keeps its high watermark as if checkpointed just before the crash.",
    "Idempotent producers get their producer id from the simulation, not from InitProducerId.",
    "The log cleaner runs on the retention schedule and ignores min.cleanable.dirty.ratio.",
    "Group membership is stored as GroupMetadata records in __consumer_offsets and reloaded instantly by a new coordinator (no COORDINATOR_LOAD_IN_PROGRESS); groups are never deleted, offsets never expire, and member ids are counters instead of UUIDs.",
    "Consumers find their coordinator from their metadata and fetch each partition separately; fetch.min.bytes above 1 behaves like 1.",
    "__consumer_offsets takes min(offsets.topic.replication.factor, live brokers) replicas instead of failing on a small cluster.",
    "A killed broker's clients hear of it at once; a cut link or an isolated broker is only noticed by request.timeout.ms.",
    "No transactions, no racks, no quotas, no tiered storage, no partition reassignment, no KIP-848 consumer groups.",
];

/// What the page itself simplifies.
pub const PAGE_NOTES: [&str; 4] = [
    "The lanes draw the last 40 records of each partition's leader; older records are still in the simulated log (click a partition for its offsets).",
    "The load generator skips records when one animation frame would have to send more than 400, so a very high speed never freezes the page.",
    "An empty key field sends a record without a key (null), not an empty key.",
    "The consumer groups panel, the group markers and the inspector read the groups four times a wall second while the clock runs (and after every click); the charts sample them once a simulated second.",
];

/// Props of [`Overlays`].
#[derive(Properties, PartialEq)]
pub struct OverlaysProps {
    /// Which dialog is open.
    pub open: Overlay,
    /// Close it.
    pub onclose: Callback<()>,
}

/// The open dialog, if any.
#[component]
pub fn Overlays(props: &OverlaysProps) -> Html {
    let close_ref = use_node_ref();
    {
        let close_ref = close_ref.clone();
        use_effect_with(props.open, move |_| {
            if let Some(button) = close_ref.cast::<web_sys::HtmlElement>() {
                let _ = button.focus();
            }
        });
    }
    let (title, testid, body) = match props.open {
        Overlay::None => return html! {},
        Overlay::Help => ("Help: keyboard and tips", "help-dialog", help()),
        Overlay::Modelled => ("What is modelled", "modelled-dialog", modelled()),
    };
    let onclose = props.onclose.reform(|_: MouseEvent| ());
    let onbackdrop = props.onclose.reform(|_: MouseEvent| ());
    html! {
        <div class="overlay">
            <div class="backdrop" onclick={onbackdrop} aria-hidden="true"></div>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-testid={testid}>
                <button ref={close_ref} class="button close" onclick={onclose} aria-label="Close (Esc)">{ "×" }</button>
                <h2 id="dialog-title">{ title }</h2>
                { body }
            </div>
        </div>
    }
}

fn help() -> Html {
    html! {
        <>
            <table class="shortcuts">
                <tbody>
                    { for SHORTCUTS.iter().map(|(k, what)| html! {
                        <tr key={*k}><th scope="row"><kbd>{ *k }</kbd></th><td>{ *what }</td></tr>
                    }) }
                </tbody>
            </table>
            <h3>{ "Things to try" }</h3>
            <ul>
                <li>{ "Kill the leader of orders-0 (its lane names it): after broker.session.timeout.ms the controller fences it and a follower from the ISR takes over. Restart it and watch it truncate and catch up." }</li>
                <li>{ "Send three records with the same key: they land in one partition, in order." }</li>
                <li>{ "Set acks=1, enable unclean leader election in Configuration, then kill the leader while a follower is slow: the ledger may report a lost acknowledged write, and the alarm names what allowed it." }</li>
                <li>{ "Slow a follower: after replica.lag.time.max.ms it leaves the ISR and the partition is under-replicated." }</li>
                <li>{ "Crash a consumer of analytics: its partitions keep their owner until session.timeout.ms passes without heartbeats, then the group rebalances and the lag of those partitions drains. Stop one instead: it sends LeaveGroup and the rebalance starts at once." }</li>
            </ul>
        </>
    }
}

fn modelled() -> Html {
    html! {
        <>
            <p>{ "The simulator behaves like Apache Kafka in KRaft mode (the 3.9/4.0 code base) and is checked against Kafka's own test vectors. It models:" }</p>
            <ul>{ for MODELLED.iter().map(|m| html! { <li>{ *m }</li> }) }</ul>
            <h3>{ "Simplified, and said here so nobody is misled" }</h3>
            <ul>{ for SIMPLIFIED.iter().map(|m| html! { <li>{ *m }</li> }) }</ul>
            <h3>{ "What this page simplifies" }</h3>
            <ul>{ for PAGE_NOTES.iter().map(|m| html! { <li>{ *m }</li> }) }</ul>
        </>
    }
}
