//! The running example the page opens with, before any click: brokers registered, the topics
//! created (`orders` with 3 partitions and replication factor 3 by default) and their leaders
//! elected. The load generator (in the store) then sends keyed records into it. Set-up goes
//! through a [`Timeline`], so it is part of the recorded run that links and files carry.
//!
//! Consumer groups read every topic: by default `analytics` (3 consumers) and `email` (2
//! consumers), two applications each getting every record; `?groups=N` starts 0 to 4 of
//! [`GROUPS`](crate::page_params::GROUPS). See [`add_consumer_groups`].

use kafka_sim::timeline::Timeline;
use kafka_sim::{Command, Sim, SimTime, TopicConfig};

use crate::page_params::StartParams;

/// How long set-up may take in simulated time before it gives up (a configuration that cannot
/// elect leaders, for example).
const SETUP_LIMIT_MS: u64 = 120_000;
/// Set-up advances the clock in steps of this many simulated milliseconds.
const SETUP_STEP_MS: u64 = 50;

/// Builds the run: the cluster from `params`, registered and unfenced, its topics created and led.
pub fn build(params: &StartParams) -> Result<Sim, String> {
    record(params).map(|t| t.sim().clone())
}

/// Records the set-up of [`build`] as the start of a run.
pub fn record(params: &StartParams) -> Result<Timeline, String> {
    let mut sim = Timeline::new(params.sim_config(), params.seed).map_err(|e| e.to_string())?;
    let brokers = params.brokers as usize;
    advance_until(&mut sim, |t| {
        let s = t.sim();
        s.broker_states()
            .iter()
            .filter(|(_, alive, fenced)| *alive && !*fenced)
            .count()
            >= brokers
    })?;
    for name in params.topic_names() {
        sim.apply(Command::CreateTopic {
            name,
            partitions: params.partitions,
            replication_factor: params.replication_factor,
            config: TopicConfig::default(),
        })
        .map_err(|e| e.to_string())?;
    }
    let topics = params.topic_names();
    advance_until(&mut sim, |t| {
        let s = t.sim();
        topics.iter().all(|t| {
            s.partitions_of(t).iter().all(|tp| {
                s.partition_view_tail(*tp, 0)
                    .is_some_and(|v| v.leader.is_some())
            })
        })
    })?;
    add_consumer_groups(&mut sim, &topics, params.group_specs())?;
    Ok(sim)
}

/// The example's consumer groups, reading every topic (by default `analytics` with 3 consumers
/// and `email` with 2). The groups panel, the lane markers and the lag chart draw them from
/// `Sim::group_views`.
pub fn add_consumer_groups(
    sim: &mut Timeline,
    topics: &[String],
    groups: &[(&str, u32)],
) -> Result<(), String> {
    for &(group, consumers) in groups {
        for _ in 0..consumers {
            sim.apply(Command::AddConsumer {
                group: group.into(),
                topics: topics.to_vec(),
                config: None,
            })
            .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

fn advance_until(sim: &mut Timeline, done: impl Fn(&Timeline) -> bool) -> Result<(), String> {
    let limit = sim.now().plus_ms(SETUP_LIMIT_MS);
    while !done(sim) {
        if sim.now() >= limit {
            return Err(format!(
                "the cluster was not ready after {} simulated seconds",
                SETUP_LIMIT_MS / 1000
            ));
        }
        sim.advance_to(SimTime(sim.now().0 + SETUP_STEP_MS));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn running_example_has_orders_with_three_led_partitions() {
        let mut sim = build(&StartParams::default()).expect("example builds");
        let tps = sim.partitions_of("orders");
        assert_eq!(tps.len(), 3);
        for tp in tps {
            let v = sim.partition_view(tp).expect("partition exists");
            assert!(v.leader.is_some());
            assert_eq!(v.assignment.len(), 3);
        }
        // Set-up events stay in the queue so the page's log can tell how the cluster came up.
        assert!(sim.drain_events().count() > 0);
        // The groups join once the initial rebalance delay has passed.
        sim.advance_ms(10_000);
        let groups = sim.group_views();
        let sizes: Vec<(String, usize)> = groups
            .iter()
            .map(|g| (g.group.clone(), g.members.len()))
            .collect();
        assert_eq!(
            sizes,
            [("analytics".to_string(), 3), ("email".to_string(), 2)]
        );
        assert!(groups.iter().all(|g| g.state == "Stable"), "{groups:?}");
    }

    #[test]
    fn bench_cluster_builds() {
        let p = StartParams::from_query("brokers=6&topics=3&partitions=12&groups=3");
        let sim = build(&p).expect("bench cluster builds");
        assert_eq!(sim.catalog().user_topics().count(), 3);
        assert_eq!(sim.broker_ids().len(), 6);
        assert_eq!(sim.consumer_ids().len(), 7, "3 + 2 + 2 consumers");
    }

    #[test]
    fn impossible_replication_factor_is_an_error_not_a_panic() {
        // More than the 3 brokers; `fit` would have capped it.
        let p = StartParams {
            replication_factor: 5,
            ..StartParams::default()
        };
        assert!(build(&p).is_err());
    }
}
