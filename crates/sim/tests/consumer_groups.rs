//! Consumers and consumer groups in a running cluster: joining, assignment, consumption,
//! commits, failover — the seed document's scenarios.

mod support;

use kafka_sim::*;
use support::*;

fn orders(partitions: u32, seed: u64) -> TestCluster {
    TestCluster::new(3, seed).topic("orders", partitions, 3, TopicConfig::default())
}

#[test]
fn smoke_one_group_consumes_everything() {
    let mut t = orders(3, 1);
    for i in 0..30 {
        t.produce("orders", &format!("customer_{i}"), "v");
    }
    t.consumer("analytics", &["orders"], None);
    t.run_for_ms(20_000);
    let g = t.group("analytics");
    for e in &t.events {
        if !matches!(
            e.kind,
            EventKind::RecordsAppended { .. } | EventKind::HighWatermarkAdvanced { .. }
        ) {
            println!("{:>6} {}", e.at.0, kafka_sim::narrate::sentence(e, &t.sim));
        }
    }
    println!("{g:#?}");
    assert_eq!(g.state, "Stable");
    assert_eq!(t.sim.ledger().consumption_counts("analytics").processed, 30);
    assert!(
        t.unallowed_violations().is_empty(),
        "{:?}",
        t.unallowed_violations()
    );
}
