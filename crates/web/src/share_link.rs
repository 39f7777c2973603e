//! Share links: the run (scenario JSON) compressed with deflate-raw, in base64url, in the URL
//! fragment, with the moment the sharer was looking at:
//!
//! ```text
//!   https://…/#run=<base64url(deflate-raw(scenario JSON))>&t=<simulated ms>
//! ```
//!
//! The fragment never reaches a server. Compression is the browser's own `CompressionStream`
//! ([`crate::compression`]), so no compression code ships in the page; base64url and every check
//! on the way back are here, in plain Rust, and each bad link gets a [`LinkError`] that says
//! what is wrong with it.

use std::fmt;

use kafka_sim::{Scenario, ScenarioError, SimTime};

/// The fragment key of a run.
pub const RUN_KEY: &str = "run";
/// Longest link payload read, in base64 characters (about 750 KB compressed).
pub const MAX_LINK_CHARS: usize = 1_000_000;
/// Largest scenario JSON read from a link or a file, in bytes.
pub const MAX_JSON_BYTES: usize = 8 * 1024 * 1024;

/// Why a link or a file cannot be opened.
#[derive(Clone, Debug, PartialEq)]
pub enum LinkError {
    /// The fragment has `run=` with nothing after it.
    Empty,
    /// The payload is longer than [`MAX_LINK_CHARS`].
    TooLong(usize),
    /// A character that base64url does not use, at this position of the payload.
    BadBase64 {
        /// 0-based position in the payload.
        at: usize,
        /// The character.
        found: char,
    },
    /// The payload's length cannot be base64 (a truncated link).
    Truncated,
    /// The browser could not decompress it (truncated or altered data).
    BadDeflate(String),
    /// Decompressed, it is larger than [`MAX_JSON_BYTES`].
    TooBig,
    /// The text is not UTF-8: the first bad byte is at this offset.
    NotUtf8(usize),
    /// `t=` is not a whole number of milliseconds.
    BadTime(String),
    /// The text is not a scenario this build reads.
    Scenario(ScenarioError),
}

impl fmt::Display for LinkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkError::Empty => write!(f, "the link has no run after #run="),
            LinkError::TooLong(n) => write!(
                f,
                "the link is {n} characters long, more than the {MAX_LINK_CHARS} read"
            ),
            LinkError::BadBase64 { at, found } => write!(
                f,
                "the link has {found:?} at position {at}, which base64url does not use (was it edited?)"
            ),
            LinkError::Truncated => {
                write!(f, "the link is cut short (its length cannot be base64)")
            }
            LinkError::BadDeflate(m) => {
                write!(
                    f,
                    "the link's data does not decompress (truncated or altered): {m}"
                )
            }
            LinkError::TooBig => write!(
                f,
                "the run is larger than {} MB once decompressed",
                MAX_JSON_BYTES / (1024 * 1024)
            ),
            LinkError::NotUtf8(at) => write!(f, "the text is not UTF-8 (bad byte at offset {at})"),
            LinkError::BadTime(t) => write!(f, "t={t:?} is not a time in milliseconds"),
            LinkError::Scenario(e) => write!(f, "{e}"),
        }
    }
}

/// What a fragment carries.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fragment<'a> {
    /// The base64url payload.
    pub payload: &'a str,
    /// Where the sharer stood.
    pub at: Option<SimTime>,
}

/// Reads `#run=…&t=…` (with or without the `#`). `Ok(None)`: the fragment has no run.
pub fn parse_fragment(hash: &str) -> Result<Option<Fragment<'_>>, LinkError> {
    let mut payload = None;
    let mut at = None;
    for pair in hash.trim_start_matches('#').split('&') {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            RUN_KEY => payload = Some(value),
            "t" => {
                let ms = value
                    .parse::<u64>()
                    .map_err(|_| LinkError::BadTime(value.chars().take(24).collect()))?;
                at = Some(SimTime(ms));
            }
            _ => {}
        }
    }
    let Some(payload) = payload else {
        return Ok(None);
    };
    if payload.is_empty() {
        return Err(LinkError::Empty);
    }
    if payload.len() > MAX_LINK_CHARS {
        return Err(LinkError::TooLong(payload.len()));
    }
    Ok(Some(Fragment { payload, at }))
}

/// The fragment for a payload and a moment: `#run=…&t=…`.
pub fn fragment(payload: &str, at: SimTime) -> String {
    format!("#{RUN_KEY}={payload}&t={}", at.0)
}

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding (RFC 4648 §5).
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..=chunk.len() {
            out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Decodes [`base64url_encode`]'s output (padding `=` at the end is accepted too).
pub fn base64url_decode(text: &str) -> Result<Vec<u8>, LinkError> {
    let text = text.trim_end_matches('=');
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut acc = 0u32;
    let mut bits = 0;
    for (at, c) in text.char_indices() {
        let v = match c {
            'A'..='Z' => c as u32 - 'A' as u32,
            'a'..='z' => c as u32 - 'a' as u32 + 26,
            '0'..='9' => c as u32 - '0' as u32 + 52,
            '-' | '+' => 62,
            '_' | '/' => 63,
            found => return Err(LinkError::BadBase64 { at, found }),
        };
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // A final group of 1 character carries fewer than 8 bits: no whole byte, a cut link.
    if text.len() % 4 == 1 {
        return Err(LinkError::Truncated);
    }
    Ok(out)
}

/// Reads scenario JSON from bytes (a decompressed link or a file).
pub fn scenario_from_bytes(bytes: &[u8]) -> Result<Scenario, LinkError> {
    if bytes.len() > MAX_JSON_BYTES {
        return Err(LinkError::TooBig);
    }
    let text = std::str::from_utf8(bytes).map_err(|e| LinkError::NotUtf8(e.valid_up_to()))?;
    Scenario::from_json(text).map_err(LinkError::Scenario)
}

/// The link fragment for a run's JSON, standing at `at`.
pub async fn encode(json: &str, at: SimTime) -> Result<String, LinkError> {
    let compressed = crate::compression::deflate_raw(json.as_bytes())
        .await
        .map_err(|e| LinkError::BadDeflate(format!("{e:?}")))?;
    Ok(fragment(&base64url_encode(&compressed), at))
}

/// The run a fragment carries and where to stand in it; `Ok(None)` when it carries none.
pub async fn decode(hash: &str) -> Result<Option<(Scenario, Option<SimTime>)>, LinkError> {
    let Some(f) = parse_fragment(hash)? else {
        return Ok(None);
    };
    let compressed = base64url_decode(f.payload)?;
    let json = crate::compression::inflate_raw(&compressed, MAX_JSON_BYTES)
        .await
        .map_err(|e| match e {
            crate::compression::CompressionError::TooBig => LinkError::TooBig,
            crate::compression::CompressionError::Stream(m) => LinkError::BadDeflate(m),
        })?;
    Ok(Some((scenario_from_bytes(&json)?, f.at)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        // RFC 4648 §10, without padding.
        let cases = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in cases {
            assert_eq!(base64url_encode(plain.as_bytes()), encoded);
            assert_eq!(base64url_decode(encoded).unwrap(), plain.as_bytes());
        }
        // The URL-safe letters for 62 and 63.
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zm9vYg==").unwrap(), b"foob");
    }

    #[test]
    fn bad_base64_names_the_character_and_its_place() {
        assert_eq!(
            base64url_decode("Zm9v*mFy"),
            Err(LinkError::BadBase64 { at: 4, found: '*' })
        );
        assert_eq!(base64url_decode("Zm9vY"), Err(LinkError::Truncated));
        assert!(matches!(
            base64url_decode("Zm9vé"),
            Err(LinkError::BadBase64 { found: 'é', .. })
        ));
    }

    #[test]
    fn fragments_carry_the_run_and_the_moment() {
        let f = fragment("abc", SimTime(1_234));
        assert_eq!(f, "#run=abc&t=1234");
        assert_eq!(
            parse_fragment(&f),
            Ok(Some(Fragment {
                payload: "abc",
                at: Some(SimTime(1_234))
            }))
        );
        assert_eq!(parse_fragment(""), Ok(None));
        assert_eq!(parse_fragment("#lanes-title"), Ok(None));
        assert_eq!(parse_fragment("#run="), Err(LinkError::Empty));
        assert_eq!(
            parse_fragment("#run=abc&t=99999999999999999999"),
            Err(LinkError::BadTime("99999999999999999999".into()))
        );
        assert_eq!(
            parse_fragment("#run=abc&t=-1"),
            Err(LinkError::BadTime("-1".into()))
        );
        let long = format!("#run={}", "A".repeat(MAX_LINK_CHARS + 1));
        assert_eq!(
            parse_fragment(&long),
            Err(LinkError::TooLong(MAX_LINK_CHARS + 1))
        );
    }

    #[test]
    fn bad_text_is_refused_with_its_reason() {
        assert_eq!(
            scenario_from_bytes(b"{\"version\":1,\xff}"),
            Err(LinkError::NotUtf8(13))
        );
        assert_eq!(
            scenario_from_bytes(br#"{"version":2}"#),
            Err(LinkError::Scenario(ScenarioError::UnsupportedVersion(2)))
        );
        let e = scenario_from_bytes(
            br#"{"version":1,"commands":[{"at":0,"command":{"type":"nuke"}}]}"#,
        )
        .unwrap_err();
        assert!(e.to_string().contains("nuke"), "{e}");
        assert_eq!(
            scenario_from_bytes(&vec![b' '; MAX_JSON_BYTES + 1]),
            Err(LinkError::TooBig)
        );
    }

    /// Property tests (native only: proptest does not build for wasm32).
    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;

        proptest::proptest! {
            #![proptest_config(proptest::test_runner::Config {
                cases: 256,
                failure_persistence: None,
                ..Default::default()
            })]

            /// Any bytes survive base64url; any text either decodes or names a bad character.
            #[test]
            fn base64url_round_trips(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..300), text in ".{0,40}") {
                let encoded = base64url_encode(&bytes);
                proptest::prop_assert!(encoded.bytes().all(|b| ALPHABET.contains(&b)));
                proptest::prop_assert_eq!(base64url_decode(&encoded).unwrap(), bytes);
                let _ = base64url_decode(&text); // never panics
                let _ = parse_fragment(&text);
            }
        }

        proptest::proptest! {
            #![proptest_config(proptest::test_runner::Config {
                cases: 8,
                failure_persistence: None,
                ..Default::default()
            })]

            /// run → link encoding (identity compression natively: the browser's deflate is tested
            /// in tests/links.rs) → run gives the same scenario, and replaying it the same records
            /// as the page's live run (event streams: crates/sim/tests/run_files.rs).
            #[test]
            fn a_page_run_round_trips_through_the_link_encoding(seed in 1u64..500, rate in 0u32..40, kill in 1u32..=3, wait in 500u64..6_000) {
                use crate::page_params::StartParams;
                use crate::store::Run;
                let params = StartParams { seed, rate: f64::from(rate), ..StartParams::default() };
                let mut run = Run::new(&params).unwrap();
                run.advance(wait);
                run.apply(kafka_sim::Command::KillBroker { broker: kill }).unwrap();
                run.advance(wait);
                let scenario = run.timeline.to_scenario("");
                let link = fragment(&base64url_encode(scenario.to_json().as_bytes()), run.sim().now());
                let f = parse_fragment(&link).unwrap().unwrap();
                let back = scenario_from_bytes(&base64url_decode(f.payload).unwrap()).unwrap();
                proptest::prop_assert_eq!(&back, &scenario);
                proptest::prop_assert_eq!(f.at, Some(run.sim().now()));
                let opened = Run::from_scenario(&back, f.at).unwrap();
                proptest::prop_assert_eq!(opened.sim().ledger().records(), run.sim().ledger().records());
            }
        }
    }
}
