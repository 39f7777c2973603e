//! Component tests in headless Chromium (wasm-bindgen-test): each test mounts `<App>` in a fresh
//! `<div>`, paused and without the load generator so that nothing moves unless the test says so,
//! drives it through its buttons and inputs, and reads the DOM by `data-testid`.
#![cfg(target_arch = "wasm32")]

use kafka_playground::{App, AppProps, Framing, StartParams, VERSION};
use kafka_sim::Acks;
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
        Mounted::framed(params, Framing::default()).await
    }

    /// Mounts `<App>` framed as `framing` says (`?embed&panels=…`).
    async fn framed(params: StartParams, framing: Framing) -> Mounted {
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
        let handle = yew::Renderer::<App>::with_root_and_props(
            root.clone(),
            AppProps {
                params,
                session: false,
                framing: std::rc::Rc::new(framing),
            },
        )
        .render();
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

/// The lag table's rows as (PARTITION, CURRENT-OFFSET, LOG-END-OFFSET, LAG, POSITION, CONSUMER).
fn lag_rows(app: &Mounted, group: &str) -> Vec<Vec<String>> {
    let rows = app
        .root
        .query_selector_all(&format!("[data-testid='lag-table-{group}'] tbody tr"))
        .expect("selector");
    (0..rows.length())
        .filter_map(|i| rows.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .map(|row| {
            let cells = row.query_selector_all("td").expect("selector");
            (0..cells.length())
                .filter_map(|i| cells.item(i))
                .map(|c| c.text_content().unwrap_or_default())
                .collect()
        })
        .collect()
}

#[wasm_bindgen_test]
async fn the_lag_table_matches_the_cores_numbers() {
    // Records flow (the load generator runs whenever the test advances the clock), paused.
    let params = StartParams {
        play: false,
        rate: 20.0,
        key_mix: kafka_playground::page_params::KeyMix::Many,
        ..StartParams::default()
    };
    let app = Mounted::new(params.clone()).await;
    // The same run, built independently: the simulator is deterministic, so the same seed and
    // the same clicks give the same cluster. Its numbers come straight from the core.
    let mut twin = kafka_playground::store::Run::new(&params).expect("the example builds");
    for _ in 0..7 {
        app.click("advance-1s").await;
        twin.advance(1_000);
    }
    let sim = twin.sim();
    let views = sim.group_views();
    assert_eq!(
        views.iter().map(|g| g.group.as_str()).collect::<Vec<_>>(),
        ["analytics", "email"]
    );
    let mut checked = 0;
    for g in &views {
        let rows = lag_rows(&app, &g.group);
        assert_eq!(rows.len(), 3, "one row per partition of orders: {rows:?}");
        for (row, core) in rows.iter().zip(&g.lag) {
            // LOG-END-OFFSET as kafka-consumer-groups shows it: the leader's high watermark.
            let v = sim.partition_view(core.tp).expect("partition");
            let leader = v.leader.expect("led");
            let hw = v.replica(leader).expect("leader replica").high_watermark.0;
            let committed = core.committed.expect("the group committed within 7 s").0;
            assert!(hw > 0, "records arrived in {}", sim.tp_name(core.tp));
            let expected = vec![
                sim.tp_name(core.tp),
                committed.to_string(),
                hw.to_string(),
                (hw - committed).to_string(),
                core.position.map_or("-".into(), |p| p.0.to_string()),
                core.owner
                    .map_or("-".into(), |c| format!("consumer {}", c.0)),
            ];
            assert_eq!(*row, expected, "group {}", g.group);
            checked += 1;
        }
        // Group state, generation and coordinator, and the ledger's counts.
        let meta = app.text(&format!("group-meta-{}", g.group));
        assert!(
            meta.contains(&format!("generation {}", g.generation))
                && meta.contains(&format!(
                    "coordinator broker {}",
                    g.coordinator.expect("a coordinator")
                )),
            "{meta}"
        );
        assert_eq!(app.text(&format!("group-state-{}", g.group)), g.state);
        let counts = sim.ledger().consumption_counts(&g.group);
        assert!(counts.processed > 0);
        assert!(
            app.text(&format!("group-counts-{}", g.group))
                .contains(&format!("processed{}", counts.processed))
        );
        // Each member with the partitions the core says it owns.
        for m in &g.members {
            let parts: Vec<String> = m.assigned.iter().map(|tp| sim.tp_name(*tp)).collect();
            let shown = app.text(&format!("member-partitions-{}", m.consumer.0));
            let expected = if parts.is_empty() {
                "no partitions".to_string()
            } else {
                parts.join(", ")
            };
            assert_eq!(shown, expected);
        }
    }
    assert_eq!(checked, 6);
    app.close();
}

#[wasm_bindgen_test]
async fn group_controls_crash_restart_and_add_with_user_text_rendered_as_text() {
    let app = Mounted::new(still(StartParams::default())).await;
    for _ in 0..3 {
        app.click("advance-1s").await;
    }
    app.click("crash-consumer-0").await;
    assert_eq!(app.text("member-state-0"), "crashed");
    assert!(app.by_testid("restart-consumer-0").is_connected());
    app.click("restart-consumer-0").await;
    assert_ne!(app.text("member-state-0"), "crashed");
    app.click("stop-consumer-4").await;
    app.click("advance-1s").await;
    assert_eq!(app.text("member-state-4"), "stopped");

    // A new group whose name is markup: shown as text, never parsed.
    let name = "<img src=x onerror=alert(1)>";
    app.type_into("new-group-name", name).await;
    app.click("new-group-add").await;
    app.click("advance-1s").await;
    let card = app.by_testid(&format!("group-{name}"));
    assert!(card.text_content().unwrap_or_default().contains(name));
    assert!(
        app.find("img").is_none(),
        "no element was made from the name"
    );
    app.close();
}

#[wasm_bindgen_test]
async fn an_embed_shows_only_its_panels_and_no_chrome() {
    let query = "embed&panels=lanes,log&controls=0&play=0&rate=0";
    let app = Mounted::framed(StartParams::from_query(query), Framing::from_query(query)).await;
    for gone in [
        "product-name",
        "footer",
        "hints",
        "controls",
        "config",
        "cluster",
        "preset-menu",
    ] {
        assert!(
            app.find(&format!("[data-testid='{gone}']")).is_none(),
            "{gone} is hidden in an embed"
        );
    }
    assert!(app.find("[data-testid='lane-orders-0']").is_some());
    assert!(app.find("[data-testid='event-log']").is_some());
    assert!(app.find(".app.embed").is_some());
    app.close();
    // The full page keeps its chrome.
    let full = Mounted::new(StartParams::from_query("play=0&rate=0")).await;
    for kept in ["product-name", "footer", "controls", "config", "cluster"] {
        full.by_testid(kept);
    }
    full.close();
}
