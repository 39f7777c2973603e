//! The load generator: a producer loop that sends one keyed (or keyless) record every
//! `1/rate` simulated seconds, round-robin over its topics.
//!
//! It is part of a run, like a command: a run records each *setting* of the generator (rate,
//! keys, topics) with its time, never the records it sends, so a 10-minute session at 2,000
//! records/s is a few lines of JSON instead of 1.2 million `produce` commands, and replay
//! regenerates exactly the same records. Timing is integer microseconds and the key choice is a
//! seeded xorshift64*, so the same seed and settings send the same records natively and in wasm.

use serde::Serialize;

use crate::command::Command;
use crate::time::SimTime;

/// Highest rate a setting may ask for, in records per simulated second.
pub const MAX_LOAD_RATE: u32 = 5_000;
/// Most distinct keys a setting may draw from.
pub const MAX_LOAD_KEYS: u32 = 1_000_000;

/// What the generator does from `at` on (a scenario's `load_generator` line). Record `n` of a
/// setting is due at `at + ceil(n × 1000 / rate)` ms: never at `at` itself, so a setting and a
/// command logged at the same instant commute, whatever order they were given in.
///
/// ```json
/// { "at": 4200, "rate": 2000, "keys": 500, "topics": ["orders"] }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LoadSetting {
    /// When the setting takes effect; its first record is due one period later (at least 1 ms).
    pub at: SimTime,
    /// Records per simulated second (0: off).
    pub rate: u32,
    /// Keys `customer_1 … customer_{keys}`, drawn at random; 0 sends keyless records.
    pub keys: u32,
    /// The topics, taking turns.
    pub topics: Vec<String>,
    /// The producer client that sends.
    pub producer: u32,
}

/// The generator's state: its current setting and how far it has got.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadGenerator {
    setting: LoadSetting,
    /// Records due under the current setting so far.
    due: u64,
    sent: u64,
    rng: u64,
}

impl LoadGenerator {
    /// A generator that is off, its keys drawn from `seed`.
    pub fn new(seed: u64) -> LoadGenerator {
        LoadGenerator {
            setting: LoadSetting {
                at: SimTime::ZERO,
                rate: 0,
                keys: 0,
                topics: Vec::new(),
                producer: 0,
            },
            due: 0,
            sent: 0,
            // xorshift must not start at zero.
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        }
    }

    /// The setting in force.
    pub fn setting(&self) -> &LoadSetting {
        &self.setting
    }

    /// Records per simulated second (0: off).
    pub fn rate(&self) -> u32 {
        self.setting.rate
    }

    /// Records sent so far (over every setting).
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Starts `setting`; records due before it were already sent by the caller.
    pub fn set(&mut self, setting: LoadSetting) {
        self.setting = setting;
        self.due = 0;
    }

    /// When the next record is due, or `None` when the generator is off.
    pub fn next_due(&self) -> Option<SimTime> {
        let s = &self.setting;
        if s.rate == 0 || s.topics.is_empty() {
            return None;
        }
        // Integers only: record n is due ceil(n × 1000 / rate) ms after the setting, so rates
        // that do not divide a second never drift and no record falls on the setting's instant.
        let rate = u64::from(s.rate);
        let n = self.due + 1;
        Some(s.at.plus_ms(n.saturating_mul(1_000).div_ceil(rate)))
    }

    /// The next record's command if it is due at or before `now`.
    pub fn poll(&mut self, now: SimTime) -> Option<Command> {
        if self.next_due()? > now {
            return None;
        }
        self.due += 1;
        let s = &self.setting;
        let topic = s.topics[(self.sent % s.topics.len() as u64) as usize].clone();
        self.sent += 1;
        let keys = u64::from(s.keys);
        let key = (keys > 0).then(|| format!("customer_{}", self.next_random() % keys + 1));
        Some(Command::Produce {
            producer: self.setting.producer,
            topic,
            key,
            value: Some(format!("order {}", self.sent)),
            partition: None,
        })
    }

    /// xorshift64*: portable and seeded.
    fn next_random(&mut self) -> u64 {
        let mut x = self.rng;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.rng = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setting(at: u64, rate: u32, keys: u32, topics: &[&str]) -> LoadSetting {
        LoadSetting {
            at: SimTime(at),
            rate,
            keys,
            topics: topics.iter().map(|t| t.to_string()).collect(),
            producer: 0,
        }
    }

    fn drain(g: &mut LoadGenerator, until: u64) -> Vec<Command> {
        std::iter::from_fn(|| g.poll(SimTime(until))).collect()
    }

    #[test]
    fn four_per_second_sends_four_in_a_second() {
        let mut g = LoadGenerator::new(1);
        g.set(setting(0, 4, 5, &["orders"]));
        assert_eq!(g.next_due(), Some(SimTime(250)));
        assert_eq!(drain(&mut g, 999).len(), 3);
        assert_eq!(drain(&mut g, 1_000).len(), 1);
        assert_eq!(g.sent(), 4);
    }

    #[test]
    fn two_thousand_per_second_sends_two_a_millisecond_without_drift() {
        let mut g = LoadGenerator::new(1);
        g.set(setting(100, 2_000, 0, &["t"]));
        assert_eq!(drain(&mut g, 100).len(), 0);
        assert_eq!(drain(&mut g, 101).len(), 2);
        assert_eq!(drain(&mut g, 60_100).len(), 119_998);
        let mut g = LoadGenerator::new(1);
        g.set(setting(0, 3, 0, &["t"]));
        let due: Vec<u64> = std::iter::from_fn(|| {
            let at = g.next_due()?;
            g.poll(at).map(|_| at.0)
        })
        .take(4)
        .collect();
        assert_eq!(due, [334, 667, 1_000, 1_334]);
    }

    #[test]
    fn a_new_setting_starts_one_period_after_it() {
        let mut g = LoadGenerator::new(1);
        g.set(setting(0, 10, 0, &["t"]));
        assert_eq!(drain(&mut g, 1_050).len(), 10);
        g.set(setting(1_050, 2, 0, &["t"]));
        assert_eq!(g.next_due(), Some(SimTime(1_550)));
        g.set(setting(1_100, 0, 0, &["t"]));
        assert_eq!(g.next_due(), None);
        assert!(g.poll(SimTime(100_000)).is_none());
    }

    #[test]
    fn keys_come_from_the_mix_and_topics_take_turns() {
        let mut g = LoadGenerator::new(3);
        g.set(setting(0, 100, 5, &["orders", "payments"]));
        let sent = drain(&mut g, 10_000);
        let mut keys: Vec<String> = Vec::new();
        for (i, c) in sent.iter().enumerate() {
            let Command::Produce { topic, key, .. } = c else {
                panic!("unexpected {c:?}")
            };
            assert_eq!(topic, ["orders", "payments"][i % 2]);
            keys.push(key.clone().expect("keyed"));
        }
        keys.sort();
        keys.dedup();
        assert_eq!(
            keys,
            [
                "customer_1",
                "customer_2",
                "customer_3",
                "customer_4",
                "customer_5"
            ]
        );
        g.set(setting(10_000, 100, 0, &["orders"]));
        assert!(matches!(
            g.poll(SimTime(20_000)),
            Some(Command::Produce { key: None, .. })
        ));
    }

    #[test]
    fn same_seed_same_records() {
        let run = |seed| {
            let mut g = LoadGenerator::new(seed);
            g.set(setting(0, 50, 500, &["orders"]));
            drain(&mut g, 2_000)
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
