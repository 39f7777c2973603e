//! What a run starts from: the cluster's configuration in Kafka's names, the seed, the topics of
//! the running example, the load generator and the playback speed. The page reads them from the
//! URL (`?seed=7&brokers=6&topics=3&partitions=12&rate=2000&speed=1`), so a teacher can embed a
//! chosen setup and the browser bench can ask for a large cluster; the configuration panel edits
//! them and applies them with a reset.

use kafka_sim::{Acks, SimConfig};

use crate::store::Theme;

/// Which base configuration the run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timing {
    /// `SimConfig::demo_timing()`: fencing after 3 s, ISR shrink after 5 s, 20–30 ms links.
    Demo,
    /// Kafka's defaults: fencing after 9 s, ISR shrink after 30 s, 1–2 ms links.
    Kafka,
}

impl Timing {
    /// The URL and form spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Timing::Demo => "demo",
            Timing::Kafka => "kafka",
        }
    }
}

/// Which keys the load generator puts on its records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyMix {
    /// `customer_1` … `customer_5`: each key's records pile up in one partition.
    Few,
    /// `customer_1` … `customer_500`: keys spread over every partition.
    Many,
    /// No key: the keyless partitioner (sticky, KIP-794) places them.
    None,
}

impl KeyMix {
    /// Every mix, in the order the producer panel offers them.
    pub const ALL: [KeyMix; 3] = [KeyMix::Few, KeyMix::Many, KeyMix::None];

    /// The URL and form spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyMix::Few => "few",
            KeyMix::Many => "many",
            KeyMix::None => "none",
        }
    }

    /// A label for the producer panel.
    pub fn label(self) -> &'static str {
        match self {
            KeyMix::Few => "few keys (customer_1…5)",
            KeyMix::Many => "many keys (customer_1…500)",
            KeyMix::None => "no keys",
        }
    }

    /// Parses [`KeyMix::as_str`].
    pub fn parse(s: &str) -> Option<KeyMix> {
        KeyMix::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// How many `customer_…` keys the load generator draws from (0: keyless).
    pub fn key_count(self) -> u32 {
        match self {
            KeyMix::Few => 5,
            KeyMix::Many => 500,
            KeyMix::None => 0,
        }
    }

    /// The mix closest to a key count (an imported run may use any count).
    pub fn from_key_count(keys: u32) -> KeyMix {
        match keys {
            0 => KeyMix::None,
            1..=5 => KeyMix::Few,
            _ => KeyMix::Many,
        }
    }
}

/// A load-generator rate as the core takes it: whole records per simulated second, at least 1
/// when on.
pub fn whole_rate(rate: f64) -> u32 {
    if !rate.is_finite() || rate <= 0.0 {
        return 0;
    }
    (rate.round().clamp(1.0, MAX_RATE)) as u32
}

/// Names of the running example's topics, in order (`orders` first).
pub const TOPIC_NAMES: [&str; 6] = [
    "orders",
    "payments",
    "shipments",
    "clicks",
    "invoices",
    "returns",
];

/// The running example's consumer groups, in order, with their consumer counts: the page starts
/// the first [`StartParams::groups`] of them, each reading every topic.
pub const GROUPS: [(&str, u32); 4] = [
    ("analytics", 3),
    ("email", 2),
    ("fraud-check", 2),
    ("search-index", 1),
];

/// Most brokers the configuration panel and the URL accept (the core allows 64).
pub const MAX_BROKERS: u32 = 12;
/// Most partitions per topic the page draws.
pub const MAX_PARTITIONS: u32 = 64;
/// Fastest playback: 100 simulated seconds per wall second.
pub const MAX_SPEED: f64 = 100.0;
/// Slowest playback.
pub const MIN_SPEED: f64 = 0.01;
/// Highest load-generator rate, in records per simulated second.
pub const MAX_RATE: f64 = 5_000.0;

/// Everything a run starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct StartParams {
    /// The seed of every random choice in the simulated cluster.
    pub seed: u64,
    /// Base configuration.
    pub timing: Timing,
    /// `brokers`: how many brokers start.
    pub brokers: u32,
    /// How many topics the running example creates (`orders`, `payments`, …).
    pub topics: u32,
    /// Partitions per topic.
    pub partitions: u32,
    /// Replication factor of every topic.
    pub replication_factor: u32,
    /// `min.insync.replicas` (the brokers' default for every topic).
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable` (the brokers' default).
    pub unclean_leader_election: bool,
    /// The producer's `acks`.
    pub acks: Acks,
    /// Load generator rate, records per simulated second (0: off).
    pub rate: f64,
    /// Load generator keys.
    pub key_mix: KeyMix,
    /// Simulated seconds per wall second.
    pub speed: f64,
    /// How many of the example's consumer groups ([`GROUPS`]) start.
    pub groups: u32,
    /// Whether the clock runs on load.
    pub play: bool,
}

impl Default for StartParams {
    /// The running example: 3 brokers, `orders` with 3 partitions and replication factor 3,
    /// `min.insync.replicas=2`, a producer with `acks=all` sending a few keyed records a second,
    /// played slowly enough to watch records travel from leader to followers.
    fn default() -> Self {
        StartParams {
            seed: 1,
            timing: Timing::Demo,
            brokers: 3,
            topics: 1,
            partitions: 3,
            replication_factor: 3,
            min_insync_replicas: 2,
            unclean_leader_election: false,
            acks: Acks::All,
            rate: 4.0,
            key_mix: KeyMix::Few,
            speed: 0.25,
            groups: 2,
            play: true,
        }
    }
}

impl StartParams {
    /// Reads a URL query string (`?a=1&b=2`, with or without the `?`). Unknown keys and values
    /// that do not parse are ignored; numbers are clamped to what the page supports.
    pub fn from_query(query: &str) -> StartParams {
        let mut p = StartParams::default();
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let num = parse_decimal(value);
            let int = |lo: u32, hi: u32| num.map(|v| (v as i64).clamp(lo as i64, hi as i64) as u32);
            match key {
                "seed" => p.seed = value.parse().unwrap_or(p.seed),
                "timing" if value == "kafka" => p.timing = Timing::Kafka,
                "timing" if value == "demo" => p.timing = Timing::Demo,
                "brokers" => p.brokers = int(1, MAX_BROKERS).unwrap_or(p.brokers),
                "topics" => p.topics = int(1, TOPIC_NAMES.len() as u32).unwrap_or(p.topics),
                "partitions" => p.partitions = int(1, MAX_PARTITIONS).unwrap_or(p.partitions),
                "rf" | "replication.factor" => {
                    p.replication_factor = int(1, MAX_BROKERS).unwrap_or(p.replication_factor)
                }
                "min.insync.replicas" | "min_isr" => {
                    p.min_insync_replicas = int(1, MAX_BROKERS).unwrap_or(p.min_insync_replicas)
                }
                "unclean.leader.election.enable" | "unclean" => {
                    p.unclean_leader_election = matches!(value, "true" | "1")
                }
                "acks" => {
                    p.acks = match value {
                        "0" => Acks::Zero,
                        "1" => Acks::One,
                        "all" | "-1" => Acks::All,
                        _ => p.acks,
                    }
                }
                "rate" => p.rate = num.map_or(p.rate, |v| v.clamp(0.0, MAX_RATE)),
                "keys" => p.key_mix = KeyMix::parse(value).unwrap_or(p.key_mix),
                "speed" => p.speed = num.map_or(p.speed, |v| v.clamp(MIN_SPEED, MAX_SPEED)),
                "groups" => p.groups = int(0, GROUPS.len() as u32).unwrap_or(p.groups),
                "play" | "autoplay" => p.play = !matches!(value, "0" | "false"),
                _ => {}
            }
        }
        p.fit();
        p
    }

    /// Makes the settings consistent: the replication factor cannot exceed the broker count.
    pub fn fit(&mut self) {
        self.replication_factor = self.replication_factor.clamp(1, self.brokers.max(1));
    }

    /// The simulated cluster's configuration.
    pub fn sim_config(&self) -> SimConfig {
        let mut config = match self.timing {
            Timing::Demo => SimConfig::demo_timing(),
            Timing::Kafka => SimConfig::kafka_defaults(),
        };
        config.brokers = self.brokers;
        config.broker.min_insync_replicas = self.min_insync_replicas;
        config.broker.unclean_leader_election_enable = self.unclean_leader_election;
        config.producer.acks = self.acks;
        // Kafka refuses idempotence without acks=all (ProducerConfig), so a weaker acks turns it off.
        config.producer.enable_idempotence = self.acks == Acks::All;
        config
    }

    /// The running example's consumer groups: (`group.id`, consumers).
    pub fn group_specs(&self) -> &'static [(&'static str, u32)] {
        &GROUPS[..(self.groups as usize).min(GROUPS.len())]
    }

    /// The running example's topic names.
    pub fn topic_names(&self) -> Vec<String> {
        let n = self.topics.clamp(1, TOPIC_NAMES.len() as u32) as usize;
        TOPIC_NAMES[..n].iter().map(|s| s.to_string()).collect()
    }
}

/// A panel of the page, as `panels=` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Panel {
    /// The topic lanes (`lanes`).
    Lanes,
    /// The brokers and their replicas (`cluster`).
    Cluster,
    /// The consumer groups (`groups`).
    Groups,
    /// The event log (`log`).
    Log,
    /// The producer panel (`producer`).
    Producer,
    /// The ledger of acknowledged records and the alarms (`ledger`).
    Ledger,
    /// The charts (`charts`).
    Charts,
    /// The inspector (`inspector`).
    Inspector,
    /// A preset's story and goal (`story`).
    Story,
    /// The timeline under the controls (`scrubber`).
    Scrubber,
}

impl Panel {
    /// Every panel, in the order of their bits.
    pub const ALL: [Panel; 10] = [
        Panel::Lanes,
        Panel::Cluster,
        Panel::Groups,
        Panel::Log,
        Panel::Producer,
        Panel::Ledger,
        Panel::Charts,
        Panel::Inspector,
        Panel::Story,
        Panel::Scrubber,
    ];

    /// The `panels=` spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Panel::Lanes => "lanes",
            Panel::Cluster => "cluster",
            Panel::Groups => "groups",
            Panel::Log => "log",
            Panel::Producer => "producer",
            Panel::Ledger => "ledger",
            Panel::Charts => "charts",
            Panel::Inspector => "inspector",
            Panel::Story => "story",
            Panel::Scrubber => "scrubber",
        }
    }

    fn bit(self) -> u16 {
        1 << self as u16
    }
}

/// Which panels show, as a set of [`Panel`]s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Panels(u16);

impl Panels {
    /// Every panel (the full page).
    pub const EVERY: Panels = Panels(0x3ff);
    /// An embed's panels unless `panels=` says otherwise: lanes, cluster, groups, story.
    pub const EMBED: Panels = Panels(0b1_0000_0111 | 1 << 9);

    /// Whether `panel` shows.
    pub fn shows(self, panel: Panel) -> bool {
        self.0 & panel.bit() != 0
    }

    /// Parses `lanes,cluster,log` (unknown names are ignored; `all` is every panel).
    pub fn parse(list: &str) -> Panels {
        let mut bits = 0;
        for name in list.split([',', '+', ' ']) {
            if name == "all" {
                return Panels::EVERY;
            }
            if let Some(p) = Panel::ALL.into_iter().find(|p| p.as_str() == name) {
                bits |= p.bit();
            }
        }
        Panels(bits)
    }
}

/// How the page is framed: the full page, or an embed (`?embed`) with minimal chrome for an
/// iframe. Read from the same query as [`StartParams`].
#[derive(Clone, Debug, PartialEq)]
pub struct Framing {
    /// `embed`: no header, hints, run menu, configuration or footer; a compact layout; never the
    /// saved session; the postMessage API listens.
    pub embed: bool,
    /// `scenario=NAME`: a preset of `www/scenarios` to load, as the presets menu loads it.
    pub scenario: Option<String>,
    /// `panels=lanes,cluster,…`: which panels show.
    pub panels: Panels,
    /// `controls=0|1`: whether the play/pause, speed and fault controls show.
    pub controls: bool,
    /// `theme=light|dark|auto`: the colour theme (`None`: the page's default).
    pub theme: Option<Theme>,
    /// `id=NAME`: a name the embed puts on every message it posts, so one host can tell its
    /// iframes apart (at most 64 characters).
    pub id: Option<String>,
    /// `origins=https://a.example,https://b.example`: the only host origins whose postMessage
    /// commands the embed obeys (`None`: any). Entries that are not an origin are dropped, so a
    /// list with none valid obeys nobody.
    pub origins: Option<Vec<String>>,
}

impl Default for Framing {
    fn default() -> Self {
        Framing {
            embed: false,
            scenario: None,
            panels: Panels::EVERY,
            controls: true,
            theme: None,
            id: None,
            origins: None,
        }
    }
}

impl Framing {
    /// Reads the framing parameters of a URL query (the others are [`StartParams`]'s).
    pub fn from_query(query: &str) -> Framing {
        let mut f = Framing::default();
        let mut panels = None;
        for pair in query.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            match key {
                "embed" => f.embed = !matches!(value, "0" | "false"),
                "scenario" if is_preset_name(value) => f.scenario = Some(value.to_string()),
                "panels" => panels = Some(Panels::parse(&decode_commas(value))),
                "controls" => f.controls = !matches!(value, "0" | "false"),
                "theme" => {
                    f.theme = match value {
                        "light" => Some(Theme::Light),
                        "dark" => Some(Theme::Dark),
                        "auto" => Some(Theme::Auto),
                        _ => f.theme,
                    }
                }
                "id" if !value.is_empty() && value.len() <= 64 => f.id = Some(value.to_string()),
                "origins" => f.origins = Some(parse_origins(value)),
                _ => {}
            }
        }
        f.panels = panels.unwrap_or(if f.embed {
            Panels::EMBED
        } else {
            Panels::EVERY
        });
        f
    }
}

/// A preset file name: lower-case letters, digits and dashes (never a path).
pub fn is_preset_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 80
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl Framing {
    /// Whether a message from `origin` (a `MessageEvent`'s) may drive the embed.
    pub fn obeys(&self, origin: &str) -> bool {
        self.origins
            .as_ref()
            .is_none_or(|list| list.iter().any(|o| o == origin))
    }
}

/// Most origins `origins=` takes.
pub const MAX_ORIGINS: usize = 16;

/// The origins of an `origins=` list (comma-separated, percent-encoded or not), each as the
/// browser serialises a `MessageEvent`'s origin: `scheme://host[:port]`, lower case, without a
/// default port or a trailing slash. Anything else (a path, a wildcard, `null`) is dropped.
pub fn parse_origins(value: &str) -> Vec<String> {
    let decoded = percent_decode(value);
    let mut list: Vec<String> = Vec::new();
    for entry in decoded.split(',').map(str::trim) {
        if let Some(origin) = normal_origin(entry)
            && !list.contains(&origin)
            && list.len() < MAX_ORIGINS
        {
            list.push(origin);
        }
    }
    list
}

fn normal_origin(entry: &str) -> Option<String> {
    let entry = entry.to_ascii_lowercase();
    let (scheme, rest) = entry.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host_port = rest.strip_suffix('/').unwrap_or(rest);
    // `[::1]:8080`: an IPv6 host keeps its colons inside the brackets.
    let split = match host_port.rfind(']') {
        Some(end) => host_port[end..].find(':').map(|i| end + i),
        None => host_port.rfind(':'),
    };
    let (host, port) = match split {
        Some(i) => (&host_port[..i], Some(&host_port[i + 1..])),
        None => (host_port, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    let port = match port {
        None => None,
        Some(p) if !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            let n: u32 = p.parse().ok()?;
            if n > 65_535 {
                return None;
            }
            let default = if scheme == "https" { 443 } else { 80 };
            (n != default).then_some(n)
        }
        Some(_) => return None,
    };
    if !host_ok {
        return None;
    }
    Some(match port {
        Some(p) => format!("{scheme}://{host}:{p}"),
        None => format!("{scheme}://{host}"),
    })
}

/// Decodes `%XX` escapes (a browser encodes `:`, `/` and `,` in a query); a bad escape is kept
/// as it is, and so fails the origin check.
fn percent_decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            )
        {
            out.push((h * 16 + l) as u8);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `lanes%2Ccluster` as a browser may encode it.
fn decode_commas(value: &str) -> String {
    value.replace("%2C", ",").replace("%2c", ",")
}

/// Parses `12`, `0.25`, `-3` (no exponent) without Rust's float parser, which would add
/// kilobytes to the page for two URL parameters.
fn parse_decimal(s: &str) -> Option<f64> {
    let (negative, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let digits = |d: &str| !d.is_empty() && d.len() <= 12 && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !(frac.is_empty() || digits(frac)) {
        return None;
    }
    let mut value = whole.parse::<u64>().ok()? as f64;
    if !frac.is_empty() {
        value += frac.parse::<u64>().ok()? as f64 / 10f64.powi(frac.len() as i32);
    }
    Some(if negative { -value } else { value })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_is_the_running_example() {
        let p = StartParams::from_query("");
        assert_eq!(p, StartParams::default());
        assert_eq!(p.topic_names(), vec!["orders".to_string()]);
        assert_eq!((p.brokers, p.partitions, p.replication_factor), (3, 3, 3));
    }

    #[test]
    fn bench_query_asks_for_a_large_cluster() {
        let p = StartParams::from_query(
            "?brokers=6&topics=3&partitions=12&rate=2000&speed=1&keys=many&seed=9&groups=3",
        );
        assert_eq!(p.group_specs().len(), 3);
        assert_eq!((p.brokers, p.topics, p.partitions), (6, 3, 12));
        assert_eq!(p.rate, 2000.0);
        assert_eq!(p.speed, 1.0);
        assert_eq!(p.key_mix, KeyMix::Many);
        assert_eq!(p.seed, 9);
        assert_eq!(
            p.topic_names(),
            vec!["orders", "payments", "shipments"]
                .into_iter()
                .map(String::from)
                .collect::<Vec<_>>()
        );
    }

    #[test]
    fn out_of_range_values_are_clamped_and_garbage_ignored() {
        let p = StartParams::from_query("brokers=1000&speed=100000&rate=-5&acks=2&seed=x&play=0");
        assert_eq!(p.brokers, MAX_BROKERS);
        assert_eq!(p.speed, MAX_SPEED);
        assert_eq!(p.rate, 0.0);
        assert_eq!(p.acks, Acks::All);
        assert_eq!(p.seed, 1);
        assert!(!p.play);
        assert_eq!(
            StartParams::from_query("groups=9").groups,
            GROUPS.len() as u32
        );
        assert!(StartParams::from_query("groups=0").group_specs().is_empty());
    }

    #[test]
    fn decimals_parse_without_the_float_parser() {
        assert_eq!(parse_decimal("0.25"), Some(0.25));
        assert_eq!(parse_decimal("2000"), Some(2000.0));
        assert_eq!(parse_decimal("-5"), Some(-5.0));
        assert_eq!(parse_decimal("1e9"), None);
        assert_eq!(parse_decimal("."), None);
        assert_eq!(parse_decimal(""), None);
        assert_eq!(StartParams::from_query("speed=1e9").speed, 0.25, "ignored");
    }

    #[test]
    fn replication_factor_never_exceeds_brokers() {
        let p = StartParams::from_query("brokers=2&rf=3");
        assert_eq!(p.replication_factor, 2);
    }

    #[test]
    fn weaker_acks_turn_idempotence_off() {
        let p = StartParams::from_query("acks=1&unclean=true&timing=kafka");
        let c = p.sim_config();
        assert_eq!(c.producer.acks, Acks::One);
        assert!(!c.producer.enable_idempotence);
        assert!(c.broker.unclean_leader_election_enable);
        assert_eq!(c.broker.broker_session_timeout_ms, 9_000);
        assert!(c.validate().is_ok());
    }

    #[test]
    fn an_embed_has_minimal_chrome_and_its_own_panels() {
        let q = "?embed&scenario=broker-failover&panels=lanes,log&controls=0&theme=dark&autoplay=0&seed=5&id=left";
        let f = Framing::from_query(q);
        assert!(f.embed);
        assert_eq!(f.scenario.as_deref(), Some("broker-failover"));
        assert!(f.panels.shows(Panel::Lanes) && f.panels.shows(Panel::Log));
        assert!(!f.panels.shows(Panel::Cluster) && !f.panels.shows(Panel::Producer));
        assert!(!f.controls);
        assert_eq!(f.theme, Some(Theme::Dark));
        assert_eq!(f.id.as_deref(), Some("left"));
        let p = StartParams::from_query(q);
        assert!(!p.play, "autoplay=0");
        assert_eq!(p.seed, 5);
    }

    #[test]
    fn framing_defaults_are_the_full_page_and_an_embed_shows_its_default_panels() {
        assert_eq!(Framing::from_query("?seed=3"), Framing::default());
        let f = Framing::from_query("embed=1");
        assert!(f.embed && f.controls && f.theme.is_none());
        for p in [
            Panel::Lanes,
            Panel::Cluster,
            Panel::Groups,
            Panel::Story,
            Panel::Scrubber,
        ] {
            assert!(f.panels.shows(p), "{p:?}");
        }
        for p in [Panel::Log, Panel::Producer, Panel::Charts, Panel::Ledger] {
            assert!(!f.panels.shows(p), "{p:?}");
        }
        assert_eq!(
            Framing::from_query("embed&panels=all").panels,
            Panels::EVERY
        );
        assert_eq!(
            Framing::from_query("panels=lanes%2Ccluster").panels,
            Panels::parse("cluster,lanes")
        );
    }

    #[test]
    fn origins_are_parsed_as_the_browser_writes_them_and_only_they_are_obeyed() {
        let f = Framing::from_query(
            "embed&origins=https%3A%2F%2FA.example%2Chttp://b.example:8080/,https://c.example:443,\
             *,null,https://d.example/path,ftp://e.example,https://f.example:99999",
        );
        assert_eq!(
            f.origins.as_deref(),
            Some(
                &[
                    "https://a.example".to_string(),
                    "http://b.example:8080".to_string(),
                    "https://c.example".to_string(),
                ][..]
            )
        );
        assert!(f.obeys("https://a.example"));
        assert!(f.obeys("http://b.example:8080"));
        assert!(f.obeys("https://c.example"));
        assert!(
            !f.obeys("http://a.example"),
            "another scheme is another origin"
        );
        assert!(!f.obeys("https://a.example.evil.test"));
        assert!(!f.obeys("null"));
        assert!(!f.obeys("https://b.example:8080"));
        // Without the parameter every origin is obeyed; with none valid, nobody.
        assert!(Framing::from_query("embed").obeys("https://anyone.example"));
        let none = Framing::from_query("embed&origins=*");
        assert_eq!(none.origins.as_deref(), Some(&[][..]));
        assert!(!none.obeys("https://anyone.example"));
        assert!(!none.obeys("*"));
    }

    #[test]
    fn a_scenario_name_is_never_a_path_and_bad_values_are_ignored() {
        for bad in ["../secret", "a/b", "Broker", "", "x.json", "%2e%2e"] {
            assert_eq!(
                Framing::from_query(&format!("scenario={bad}")).scenario,
                None,
                "{bad}"
            );
        }
        let f = Framing::from_query("theme=purple&controls=yes&id=");
        assert_eq!((f.theme, f.controls, f.id), (None, true, None));
        assert_eq!(
            Framing::from_query(&format!("id={}", "x".repeat(65))).id,
            None
        );
    }
}
