//! Consumer groups, as `kafka-consumer-groups --describe --members --state` shows them: state,
//! generation, assignor, coordinator, members with their partitions, and the lag table. It reads
//! `Sim::group_views`; until the core runs consumers that list is empty and the panel says so.

use std::rc::Rc;

use kafka_sim::view::GroupView;
use yew::prelude::*;

/// Props of [`GroupsPanel`].
#[derive(Properties, PartialEq)]
pub struct GroupsPanelProps {
    /// The groups, ordered by `group.id`.
    pub groups: Rc<Vec<GroupView>>,
    /// Names of partitions, by `TopicPartition`, for the lag table.
    pub tp_names: Rc<Vec<(kafka_sim::TopicPartition, Rc<str>)>>,
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or("-".to_string(), |v| v.to_string())
}

/// The consumer groups panel.
#[component]
pub fn GroupsPanel(props: &GroupsPanelProps) -> Html {
    let name = |tp: kafka_sim::TopicPartition| -> String {
        props.tp_names.iter().find(|(t, _)| *t == tp).map_or_else(
            || format!("{}-{}", tp.topic, tp.partition),
            |(_, n)| n.to_string(),
        )
    };
    html! {
        <section class="panel groups-panel" aria-labelledby="groups-title" data-testid="groups">
            <h2 id="groups-title">{ "Consumer groups" }</h2>
            if props.groups.is_empty() {
                <p class="panel-hint" data-testid="groups-empty">
                    { "No consumer groups yet: the simulator's consumers are still being built. When they arrive, \
                       this panel shows the groups analytics (3 consumers) and email (2 consumers) reading orders — \
                       their members, generation, assignor and lag per partition, like kafka-consumer-groups --describe — \
                       and the lanes and charts show each group's committed offset, position and lag." }
                </p>
            }
            { for props.groups.iter().map(|g| html! {
                <article key={g.group.clone()} class="group" data-testid={format!("group-{}", g.group)}>
                    <h3>{ format!("group {}", g.group) }</h3>
                    <p class="group-meta">
                        { format!("state {} · generation {} · assignor {} · coordinator {}",
                            g.state, g.generation, g.assignor.clone().unwrap_or_else(|| "-".into()),
                            g.coordinator.map_or("none".to_string(), |b| format!("broker {b}"))) }
                    </p>
                    <ul class="members">
                        { for g.members.iter().map(|m| {
                            let parts: Vec<String> = m.assigned.iter().map(|tp| name(*tp)).collect();
                            html! {
                                <li key={m.consumer.0} class={classes!("member", (!m.alive).then_some("dead"))}>
                                    { format!("consumer {} ({}) {}: {}", m.consumer, if m.member_id.is_empty() { "no member id yet" } else { &m.member_id },
                                        m.client_state, if parts.is_empty() { "no partitions".to_string() } else { parts.join(", ") }) }
                                </li>
                            }
                        }) }
                    </ul>
                    <table class="lag-table">
                        <thead><tr>
                            <th scope="col">{ "PARTITION" }</th><th scope="col">{ "CURRENT-OFFSET" }</th>
                            <th scope="col">{ "LOG-END-OFFSET" }</th><th scope="col">{ "LAG" }</th>
                            <th scope="col">{ "POSITION" }</th><th scope="col">{ "CONSUMER" }</th>
                        </tr></thead>
                        <tbody>
                            { for g.lag.iter().map(|r| {
                                let n = name(r.tp);
                                html! {
                                    <tr key={n.clone()} data-testid={format!("lag-row-{}-{n}", g.group)}>
                                        <td>{ n.clone() }</td><td>{ opt(r.committed) }</td><td>{ r.log_end_offset.to_string() }</td>
                                        <td>{ opt(r.lag) }</td><td>{ opt(r.position) }</td><td>{ opt(r.owner) }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </article>
            }) }
        </section>
    }
}
