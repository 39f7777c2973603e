//! The load generator: a producer loop that sends one `Command::Produce` every `1/rate`
//! simulated seconds, with `customer_…` keys (few, many) or none, round-robin over the topics.
//!
//! It lives in UI state, not in the core: it only turns time into commands. Its key choice is a
//! seeded xorshift, so the same seed and settings send the same keys.

use kafka_sim::{Command, SimTime};

use crate::page_params::KeyMix;

/// How many `customer_…` keys each mix draws from.
fn key_count(mix: KeyMix) -> u64 {
    match mix {
        KeyMix::Few => 5,
        KeyMix::Many => 500,
        KeyMix::None => 0,
    }
}

/// A steady producer of records.
#[derive(Clone, Debug)]
pub struct LoadGenerator {
    rate: f64,
    key_mix: KeyMix,
    topics: Vec<String>,
    /// When the next record is due, in simulated microseconds (fractional periods add up).
    next_due_us: f64,
    sent: u64,
    rng: u64,
}

impl LoadGenerator {
    /// A generator sending `rate` records per simulated second from `now` on.
    pub fn new(rate: f64, key_mix: KeyMix, topics: Vec<String>, seed: u64, now: SimTime) -> Self {
        let mut g = LoadGenerator {
            rate: 0.0,
            key_mix,
            topics,
            next_due_us: 0.0,
            sent: 0,
            // xorshift must not start at zero.
            rng: seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1,
        };
        g.set_rate(rate, now);
        g
    }

    /// Records per simulated second (0: off).
    pub fn rate(&self) -> f64 {
        self.rate
    }

    /// The key mix.
    pub fn key_mix(&self) -> KeyMix {
        self.key_mix
    }

    /// Records sent so far.
    pub fn sent(&self) -> u64 {
        self.sent
    }

    /// Changes the rate; the next record is due one new period after `now`.
    pub fn set_rate(&mut self, rate: f64, now: SimTime) {
        self.rate = if rate.is_finite() { rate.max(0.0) } else { 0.0 };
        if self.rate > 0.0 {
            self.next_due_us = now.0 as f64 * 1000.0 + self.period_us();
        }
    }

    /// Changes the key mix.
    pub fn set_key_mix(&mut self, mix: KeyMix) {
        self.key_mix = mix;
    }

    fn period_us(&self) -> f64 {
        1_000_000.0 / self.rate
    }

    /// When the next record is due, or `None` when the generator is off.
    pub fn next_due(&self) -> Option<SimTime> {
        (self.rate > 0.0).then(|| SimTime((self.next_due_us / 1000.0) as u64))
    }

    /// Drops the records that would be due in `(now, until]` beyond the first `max`, so that a
    /// slow frame or a high speed never queues more work than one frame can do.
    pub fn skip_backlog(&mut self, until: SimTime, max: u64) {
        if self.rate <= 0.0 {
            return;
        }
        let horizon_us = until.0 as f64 * 1000.0;
        let due = ((horizon_us - self.next_due_us) / self.period_us()).floor() + 1.0;
        if due > max as f64 {
            self.next_due_us += (due - max as f64) * self.period_us();
        }
    }

    /// The next record's command if it is due at or before `now`; schedules the one after it.
    pub fn poll(&mut self, now: SimTime) -> Option<Command> {
        let due = self.next_due()?;
        if due > now || self.topics.is_empty() {
            return None;
        }
        self.next_due_us += self.period_us();
        let topic = self.topics[(self.sent % self.topics.len() as u64) as usize].clone();
        self.sent += 1;
        let keys = key_count(self.key_mix);
        let key = (keys > 0).then(|| format!("customer_{}", self.next_random() % keys + 1));
        Some(Command::Produce {
            producer: 0,
            topic,
            key,
            value: Some(format!("order {}", self.sent)),
            partition: None,
        })
    }

    /// xorshift64*: portable and seeded (never the browser's Math.random).
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

    fn drain(g: &mut LoadGenerator, until: SimTime) -> Vec<Command> {
        std::iter::from_fn(|| g.poll(until)).collect()
    }

    #[test]
    fn four_per_second_sends_four_in_a_second() {
        let mut g = LoadGenerator::new(4.0, KeyMix::Few, vec!["orders".into()], 1, SimTime(0));
        assert_eq!(g.next_due(), Some(SimTime(250)));
        assert_eq!(drain(&mut g, SimTime(999)).len(), 3);
        assert_eq!(drain(&mut g, SimTime(1_000)).len(), 1);
        assert_eq!(g.sent(), 4);
    }

    #[test]
    fn few_keys_use_five_customers_and_no_keys_use_none() {
        let mut g = LoadGenerator::new(100.0, KeyMix::Few, vec!["orders".into()], 3, SimTime(0));
        let mut keys: Vec<String> = drain(&mut g, SimTime(10_000))
            .into_iter()
            .map(|c| match c {
                Command::Produce { key: Some(k), .. } => k,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
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
        g.set_key_mix(KeyMix::None);
        assert!(matches!(
            g.poll(SimTime(20_000)),
            Some(Command::Produce { key: None, .. })
        ));
    }

    #[test]
    fn topics_take_turns() {
        let topics = vec!["orders".to_string(), "payments".to_string()];
        let mut g = LoadGenerator::new(10.0, KeyMix::None, topics, 1, SimTime(0));
        let names: Vec<String> = drain(&mut g, SimTime(400))
            .into_iter()
            .map(|c| match c {
                Command::Produce { topic, .. } => topic,
                other => panic!("unexpected {other:?}"),
            })
            .collect();
        assert_eq!(names, ["orders", "payments", "orders", "payments"]);
    }

    #[test]
    fn backlog_beyond_the_cap_is_skipped() {
        let mut g = LoadGenerator::new(1_000.0, KeyMix::None, vec!["t".into()], 1, SimTime(0));
        g.skip_backlog(SimTime(10_000), 50);
        assert_eq!(drain(&mut g, SimTime(10_000)).len(), 50);
    }

    #[test]
    fn zero_rate_is_off() {
        let mut g = LoadGenerator::new(0.0, KeyMix::Few, vec!["orders".into()], 1, SimTime(0));
        assert_eq!(g.next_due(), None);
        assert!(g.poll(SimTime(100_000)).is_none());
    }

    #[test]
    fn same_seed_same_keys() {
        let run = |seed| {
            let mut g =
                LoadGenerator::new(50.0, KeyMix::Many, vec!["orders".into()], seed, SimTime(0));
            drain(&mut g, SimTime(2_000))
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }
}
