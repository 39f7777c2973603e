//! Component tests in headless Chromium (wasm-bindgen-test): each test mounts `<App>` in a fresh
//! `<div>`, paused and without the load generator so that nothing moves unless the test says so,
//! drives it through its buttons and inputs, and reads the DOM by `data-testid`.
#![cfg(target_arch = "wasm32")]

use std::rc::Rc;

use kafka_playground::groups_panel::{GroupsPanel, GroupsPanelProps};
use kafka_playground::{App, AppProps, StartParams, VERSION};
use kafka_sim::view::{GroupMemberView, GroupView, LagRow};
use kafka_sim::{Acks, BrokerId, ConsumerId, Offset, TopicId, TopicPartition};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, HtmlInputElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A mounted app; dropping it does not unmount, call `close`.
struct Mounted {
    root: Element,
    handle: yew::AppHandle<App>,
}

impl Mounted {
    /// Mounts `<App>` with `params` into a new `<div>` and lets it render.
    async fn new(params: StartParams) -> Mounted {
        let document = web_sys::window()
            .expect("window")
            .document()
            .expect("document");
        let root = document.create_element("div").expect("create div");
        document
            .body()
            .expect("body")
            .append_child(&root)
            .expect("append root");
        let handle =
            yew::Renderer::<App>::with_root_and_props(root.clone(), AppProps { params }).render();
        yew::scheduler::flush().await;
        Mounted { root, handle }
    }

    fn find(&self, selector: &str) -> Option<Element> {
        self.root.query_selector(selector).expect("valid selector")
    }

    fn by_testid(&self, testid: &str) -> Element {
        self.find(&format!("[data-testid='{testid}']"))
            .unwrap_or_else(|| panic!("no element with data-testid={testid}"))
    }

    fn text(&self, testid: &str) -> String {
        self.by_testid(testid).text_content().unwrap_or_default()
    }

    async fn click(&self, testid: &str) {
        self.by_testid(testid)
            .unchecked_into::<HtmlElement>()
            .click();
        yew::scheduler::flush().await;
    }

    /// Types `value` into an input the way a user does: sets it and fires a bubbling `input`.
    async fn type_into(&self, testid: &str, value: &str) {
        let input = self.by_testid(testid).unchecked_into::<HtmlInputElement>();
        input.set_value(value);
        let init = web_sys::EventInit::new();
        init.set_bubbles(true);
        let event = web_sys::Event::new_with_event_init_dict("input", &init).expect("event");
        input.dispatch_event(&event).expect("dispatch");
        yew::scheduler::flush().await;
    }

    fn lane_leader(&self, lane: &str) -> String {
        self.by_testid(&format!("lane-{lane}"))
            .get_attribute("data-leader")
            .unwrap_or_default()
    }

    fn close(self) {
        self.handle.destroy();
        self.root.remove();
    }
}

/// Paused, no load generator: the cluster only moves when a test advances it.
fn still(params: StartParams) -> StartParams {
    StartParams {
        play: false,
        rate: 0.0,
        ..params
    }
}

#[wasm_bindgen_test]
async fn shell_explains_itself_and_shows_the_version() {
    let app = Mounted::new(still(StartParams::default())).await;
    assert_eq!(app.text("product-name"), "Kafka Playground");
    assert!(app.text("tagline").contains("break in the browser"));
    assert!(app.text("hints").contains("kill the leader of orders-0"));
    assert!(app.text("footer").contains(&format!("v{VERSION}")));
    app.close();
}

#[wasm_bindgen_test]
async fn lanes_render_one_lane_per_partition() {
    let params = StartParams {
        topics: 2,
        partitions: 5,
        ..StartParams::default()
    };
    let app = Mounted::new(still(params)).await;
    let lanes = app
        .root
        .query_selector_all("[data-testid^='lane-orders-'], [data-testid^='lane-payments-']")
        .expect("valid selector");
    // Each lane has a meta line too (lane-meta-…), which the selector above does not match.
    let mut ids: Vec<String> = (0..lanes.length())
        .filter_map(|i| lanes.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter_map(|e| e.get_attribute("data-testid"))
        .collect();
    ids.sort();
    let mut expected: Vec<String> = ["orders", "payments"]
        .iter()
        .flat_map(|t| (0..5).map(move |p| format!("lane-{t}-{p}")))
        .collect();
    expected.sort();
    assert_eq!(ids, expected);
    app.close();
}

/// Keys and their partition for 3 partitions, from Kafka's Java-client vectors
/// (`tests/fixtures/vectors/murmur2.json`, computed by the JVM): one key per partition.
fn vector_keys_for_three_partitions() -> Vec<(String, u32)> {
    let json: serde_json::Value =
        serde_json::from_str(include_str!("../../../tests/fixtures/vectors/murmur2.json"))
            .expect("fixture is JSON");
    let mut picked: Vec<(String, u32)> = Vec::new();
    for t in json["triples"].as_array().expect("triples") {
        let (key, n, p) = (
            t["key"].as_str().expect("key"),
            t["num_partitions"].as_u64().expect("n"),
            t["partition"].as_u64().expect("partition") as u32,
        );
        // Keys a user can type: printable ASCII, not empty (an empty field means no key).
        let typable = !key.is_empty() && key.bytes().all(|b| b.is_ascii_graphic());
        if n == 3 && typable && !picked.iter().any(|(_, q)| *q == p) {
            picked.push((key.to_string(), p));
        }
    }
    assert_eq!(
        picked.len(),
        3,
        "the fixture covers every partition of 3: {picked:?}"
    );
    picked
}

#[wasm_bindgen_test]
async fn a_keyed_record_lands_in_its_murmur2_partition() {
    let app = Mounted::new(still(StartParams::default())).await;
    let keys = vector_keys_for_three_partitions();
    for (key, _) in &keys {
        app.type_into("send-key", key).await;
        app.type_into("send-value", &format!("value of {key}"))
            .await;
        app.click("send-button").await;
    }
    // Replication and the high watermark need a few network round trips.
    app.click("advance-1s").await;
    for (key, partition) in &keys {
        for p in 0..3 {
            let lane = app.by_testid(&format!("lane-orders-{p}"));
            let cells = lane
                .query_selector_all(".cell[data-key]")
                .expect("valid selector");
            let has_key = (0..cells.length())
                .filter_map(|i| cells.item(i))
                .filter_map(|n| n.dyn_into::<Element>().ok())
                .any(|c| c.get_attribute("data-key").as_deref() == Some(key.as_str()));
            assert_eq!(
                has_key,
                p == *partition,
                "key {key:?} expected in orders-{partition}, checking orders-{p}"
            );
        }
    }
    // The producer panel says where each send went and that it was acknowledged.
    let sends = app.text("sends");
    for (key, partition) in &keys {
        assert!(
            sends.contains(&format!("key \"{key}\""))
                && sends.contains(&format!("orders-{partition}")),
            "{sends}"
        );
    }
    assert!(sends.contains("acked at offset 0 (acks=all)"), "{sends}");
    app.close();
}

#[wasm_bindgen_test]
async fn killing_a_leader_shows_a_new_leader_after_the_session_timeout() {
    let app = Mounted::new(still(StartParams::default())).await;
    let old = app.lane_leader("orders-0");
    assert!(!old.is_empty(), "orders-0 has a leader at start");
    app.click(&format!("kill-broker-{old}")).await;
    assert_eq!(app.text(&format!("broker-status-{old}")), "killed");

    // Demo timing: broker.session.timeout.ms = 3 s after the last heartbeat (sent every 1 s), so
    // one simulated second after the kill the controller has not noticed yet.
    app.click("advance-1s").await;
    assert_eq!(
        app.lane_leader("orders-0"),
        old,
        "no election before the session timeout"
    );

    for _ in 0..4 {
        app.click("advance-1s").await;
    }
    let new = app.lane_leader("orders-0");
    assert!(!new.is_empty(), "a new leader was elected");
    assert_ne!(new, old);
    assert!(
        app.text("lane-meta-orders-0")
            .contains(&format!("leader broker {new}"))
    );
    // The log tells why.
    assert!(
        app.text("event-log").contains("fenced it"),
        "{}",
        app.text("event-log")
    );
    app.close();
}

#[wasm_bindgen_test]
async fn a_slowed_follower_leaves_the_isr_after_replica_lag_time_max() {
    // Records must flow: a follower with nothing to fetch is caught up however slow it is
    // (Kafka's Replica#isCaughtUp). The load generator runs whenever the test advances the clock.
    let params = StartParams {
        play: false,
        rate: 10.0,
        key_mix: kafka_playground::page_params::KeyMix::Many,
        ..StartParams::default()
    };
    let app = Mounted::new(params).await;
    let leader = app.lane_leader("orders-0");
    let follower = (1..=3)
        .map(|b| b.to_string())
        .find(|b| *b != leader)
        .expect("a follower");
    app.click(&format!("slow-broker-{follower}")).await;
    assert!(
        app.by_testid(&format!("unslow-broker-{follower}"))
            .is_connected()
    );
    // Demo timing: replica.lag.time.max.ms = 5 s; its links now add 5 s each way.
    for _ in 0..12 {
        app.click("advance-1s").await;
    }
    let chips = app.text(&format!("broker-card-{follower}"));
    assert!(chips.contains("slow links"), "{chips}");
    let count = |class: &str| {
        app.root
            .query_selector_all(&format!(
                "[data-testid='broker-card-{follower}'] .chip.{class}"
            ))
            .expect("selector")
            .length()
    };
    // RF 3 on 3 brokers: it follows two partitions and leads one (whose followers it now
    // reaches slowly, so they leave that ISR instead).
    assert_eq!(
        count("out-of-sync"),
        2,
        "it left the ISR of both partitions it follows"
    );
    assert_eq!(count("leader"), 1);
    let meta = app.text("lane-meta-orders-0");
    let isr = meta
        .split("ISR [")
        .nth(1)
        .and_then(|r| r.split(']').next())
        .unwrap_or_default();
    assert!(!isr.split(',').any(|b| b == follower), "{meta}");
    app.close();
}

#[wasm_bindgen_test]
async fn acks_1_can_lose_an_acknowledged_write_and_the_alarm_names_it() {
    let params = StartParams {
        acks: Acks::One,
        min_insync_replicas: 1,
        ..StartParams::default()
    };
    let app = Mounted::new(still(params)).await;
    let leader = app.lane_leader("orders-0");
    // The leader's links to its followers get 5 s slower: followers fetch, but answers come late.
    app.click(&format!("slow-broker-{leader}")).await;
    // tests/fixtures/vectors/murmur2.json: "NULL" with 3 partitions → partition 0.
    for v in ["a", "b", "c"] {
        app.type_into("send-key", "NULL").await;
        app.type_into("send-value", v).await;
        app.click("send-button").await;
    }
    app.click("advance-1s").await;
    let sends = app.text("sends");
    assert_eq!(sends.matches("(acks=1)").count(), 3, "{sends}");
    assert!(app.by_testid("invariants-ok").is_connected());

    // The leader dies before any follower has the records; a follower from the ISR takes over.
    app.click(&format!("kill-broker-{leader}")).await;
    for _ in 0..5 {
        app.click("advance-1s").await;
    }
    assert_ne!(app.lane_leader("orders-0"), leader);
    // It comes back (its links healed), truncates to the new leader's log (KIP-101): three
    // acknowledged records are gone.
    app.click(&format!("restart-broker-{leader}")).await;
    app.click(&format!("unslow-broker-{leader}")).await;
    // Its first fetches after the restart still crawl over the slow links (5 s each way).
    for _ in 0..6 {
        app.click("advance-1s").await;
    }
    assert_eq!(app.text("count-lost"), "lost3");
    let alarm = app.text("alarm");
    assert!(alarm.contains("NoAckedRecordLost"), "{alarm}");
    assert_eq!(app.text("allowed-by"), "acks=1");
    app.close();
}

#[wasm_bindgen_test]
async fn the_groups_panel_explains_itself_when_empty_and_lights_up_with_groups() {
    let document = web_sys::window()
        .expect("window")
        .document()
        .expect("document");
    let root = document.create_element("div").expect("div");
    document
        .body()
        .expect("body")
        .append_child(&root)
        .expect("append");
    let tp = |p| TopicPartition {
        topic: TopicId(0),
        partition: p,
    };
    let names: Vec<(TopicPartition, Rc<str>)> = (0..2)
        .map(|p| (tp(p), Rc::from(format!("orders-{p}"))))
        .collect();

    let empty = yew::Renderer::<GroupsPanel>::with_root_and_props(
        root.clone(),
        GroupsPanelProps {
            groups: Rc::new(Vec::new()),
            tp_names: Rc::new(names.clone()),
        },
    )
    .render();
    yew::scheduler::flush().await;
    assert!(
        root.text_content()
            .unwrap_or_default()
            .contains("No consumer groups yet")
    );
    empty.destroy();

    let group = GroupView {
        group: "analytics".into(),
        state: "Stable".into(),
        generation: 3,
        assignor: Some("range".into()),
        coordinator: Some(BrokerId(2)),
        members: vec![GroupMemberView {
            consumer: ConsumerId(0),
            member_id: "consumer-0-1".into(),
            alive: true,
            client_state: "stable".into(),
            generation: 1,
            assigned: vec![tp(0), tp(1)],
        }],
        lag: vec![LagRow {
            tp: tp(1),
            committed: Some(Offset(7)),
            log_end_offset: Offset(10),
            lag: Some(3),
            position: Some(Offset(8)),
            owner: Some(ConsumerId(0)),
        }],
    };
    let full = yew::Renderer::<GroupsPanel>::with_root_and_props(
        root.clone(),
        GroupsPanelProps {
            groups: Rc::new(vec![group]),
            tp_names: Rc::new(names),
        },
    )
    .render();
    yew::scheduler::flush().await;
    let text = root.text_content().unwrap_or_default();
    assert!(!text.contains("No consumer groups yet"));
    assert!(
        text.contains("state Stable · generation 3 · assignor range · coordinator broker 2"),
        "{text}"
    );
    assert!(text.contains("orders-0, orders-1"), "{text}");
    let row = root
        .query_selector("[data-testid='lag-row-analytics-orders-1']")
        .expect("selector")
        .expect("a lag row for orders-1")
        .text_content()
        .unwrap_or_default();
    // PARTITION, CURRENT-OFFSET, LOG-END-OFFSET, LAG, POSITION, CONSUMER.
    let cells: Vec<String> = ["orders-1", "7", "10", "3", "8", "0"]
        .map(String::from)
        .to_vec();
    assert_eq!(row, cells.concat());
    full.destroy();
    root.remove();
}
