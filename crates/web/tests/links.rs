//! Share links in headless Chromium: deflate-raw through the browser's own CompressionStream
//! and DecompressionStream, base64url in Rust. A recorded run goes run → link → run unchanged;
//! truncated, altered, oversized or non-UTF-8 links each give their own error.
#![cfg(target_arch = "wasm32")]

use kafka_playground::StartParams;
use kafka_playground::compression::{CompressionError, deflate_raw, inflate_raw};
use kafka_playground::share_link::{self, LinkError, base64url_encode, fragment};
use kafka_playground::store::Run;
use kafka_sim::{ScenarioError, SimTime};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A link made from raw bytes, compressed by the browser.
async fn link_of(bytes: &[u8]) -> String {
    let compressed = deflate_raw(bytes).await.expect("compresses");
    fragment(&base64url_encode(&compressed), SimTime(5))
}

#[wasm_bindgen_test]
async fn deflate_raw_round_trips_and_shrinks_json() {
    let json = Run::new(&StartParams::default())
        .expect("example")
        .timeline
        .to_scenario("")
        .to_json();
    let compressed = deflate_raw(json.as_bytes()).await.expect("compresses");
    assert!(
        compressed.len() * 3 < json.len(),
        "{} → {}",
        json.len(),
        compressed.len()
    );
    let back = inflate_raw(&compressed, 1 << 20)
        .await
        .expect("decompresses");
    assert_eq!(back, json.as_bytes());
    assert_eq!(
        inflate_raw(&compressed, 100).await,
        Err(CompressionError::TooBig)
    );
}

#[wasm_bindgen_test]
async fn a_recorded_run_survives_run_to_link_to_run() {
    let mut run = Run::new(&StartParams::default()).expect("example");
    run.advance(3_000);
    run.apply(kafka_sim::Command::KillBroker { broker: 1 })
        .expect("kill");
    run.advance(2_000);
    let scenario = run.timeline.to_scenario("");
    let link = share_link::encode(&scenario.to_json(), run.sim().now())
        .await
        .expect("encodes");
    let (back, at) = share_link::decode(&link)
        .await
        .expect("decodes")
        .expect("a run");
    assert_eq!(back, scenario);
    assert_eq!(at, Some(run.sim().now()));
    let opened = Run::from_scenario(&back, at).expect("replays");
    assert_eq!(opened.sim().now(), run.sim().now());
    assert_eq!(
        opened.sim().ledger().records(),
        run.sim().ledger().records()
    );
    assert_eq!(opened.sim().group_views(), run.sim().group_views());
}

#[wasm_bindgen_test]
async fn bad_links_each_say_what_is_wrong() {
    let good = link_of(br#"{"version":1,"seed":3}"#).await;
    assert!(matches!(share_link::decode(&good).await, Ok(Some(_))));
    assert_eq!(share_link::decode("#lanes-title").await, Ok(None));

    // Truncated: the deflate stream ends early (or the base64 length is impossible).
    let cut = &good[..good.len() - 6];
    let e = share_link::decode(cut).await.expect_err("truncated");
    assert!(
        matches!(
            e,
            LinkError::BadDeflate(_) | LinkError::Truncated | LinkError::BadTime(_)
        ),
        "{e:?}"
    );
    let payload_cut = format!("#run={}", &good[5..good.find('&').unwrap() - 3]);
    let e = share_link::decode(&payload_cut)
        .await
        .expect_err("truncated payload");
    assert!(
        matches!(e, LinkError::BadDeflate(_) | LinkError::Truncated),
        "{e:?}"
    );
    // Hand-edited: not base64url, or base64url that is not deflate.
    assert_eq!(
        share_link::decode("#run=abc$def").await,
        Err(LinkError::BadBase64 { at: 3, found: '$' })
    );
    let e = share_link::decode("#run=SGVsbG8gd29ybGQ")
        .await
        .expect_err("not deflate");
    assert!(matches!(e, LinkError::BadDeflate(_)), "{e:?}");
    // Valid deflate of bytes that are not UTF-8.
    let e = share_link::decode(&link_of(&[b'{', 0xff, 0xfe, b'}']).await).await;
    assert_eq!(e, Err(LinkError::NotUtf8(1)));
    // A version from elsewhere, an unknown command, a huge number.
    let e = share_link::decode(&link_of(br#"{"version":9}"#).await).await;
    assert_eq!(
        e,
        Err(LinkError::Scenario(ScenarioError::UnsupportedVersion(9)))
    );
    let e = share_link::decode(
        &link_of(br#"{"version":1,"commands":[{"at":0,"command":{"type":"format_disk"}}]}"#).await,
    )
    .await
    .expect_err("unknown command");
    assert!(e.to_string().contains("format_disk"), "{e}");
    let e = share_link::decode(&link_of(br#"{"version":1,"until_ms":1e99}"#).await).await;
    assert!(
        matches!(e, Err(LinkError::Scenario(ScenarioError::Parse(_)))),
        "{e:?}"
    );
    // A decompression bomb stops at the limit.
    let bomb = link_of(&vec![b' '; share_link::MAX_JSON_BYTES + 10]).await;
    assert_eq!(share_link::decode(&bomb).await, Err(LinkError::TooBig));
}
