//! Every case of `fixtures/vectors/assignors.json` (Kafka's assignor tests, re-run against Kafka's
//! own classes) against `kafka_sim::assignor`.
//!
//! Per case: the recorded Kafka output (`kafka_run`, every round, lists in Kafka's order and
//! `partitionsTransferringOwnership`), the test's `expected` map (as sets per member),
//! `expected_partitions_transferring_ownership`, and each listed property. Steps of one Kafka test
//! share one assignor instance, as the test's does (it carries `maxGeneration`). Cooperative cases
//! re-run the group until nobody loses a partition, as `CooperativeStickyAssignorTest` does.
//! Failures are collected and printed with the case id, expected and actual; the test fails once.

use std::collections::{BTreeMap, BTreeSet};

use kafka_conformance::load_vectors;
use kafka_sim::assignor::java_order::hash_map_order;
use kafka_sim::assignor::{
    AssignmentStrategy, Assignor, GroupAssignment, Subscription, TopicPartitionName,
};
use serde_json::Value;

type Assignment = BTreeMap<String, Vec<TopicPartitionName>>;

/// Most assign() calls one cooperative case may take (Kafka's test asserts at most 4 follow-ups).
const MAX_ROUNDS: usize = 5;

struct Case<'a> {
    raw: &'a Value,
    id: String,
    strategy: AssignmentStrategy,
    topics: BTreeMap<String, u32>,
    /// Members in the order the test put them into its subscriptions map.
    members: Vec<Subscription>,
}

fn text(v: &Value, what: &str) -> String {
    v.as_str()
        .unwrap_or_else(|| panic!("{what} is not a string: {v}"))
        .to_string()
}

fn tp(v: &Value) -> TopicPartitionName {
    text(v, "partition")
        .parse()
        .unwrap_or_else(|e| panic!("bad partition: {e}"))
}

fn tps(v: &Value) -> Vec<TopicPartitionName> {
    v.as_array()
        .map(|a| a.iter().map(tp).collect())
        .unwrap_or_default()
}

fn parse_case(raw: &Value) -> Case<'_> {
    let id = text(&raw["id"], "id");
    let strategy = text(&raw["assignor"], "assignor")
        .parse()
        .unwrap_or_else(|e| panic!("{id}: {e}"));
    let topics = raw["topics"]
        .as_object()
        .unwrap_or_else(|| panic!("{id}: topics"))
        .iter()
        .map(|(t, n)| {
            let n = n.as_u64().and_then(|n| u32::try_from(n).ok());
            (t.clone(), n.unwrap_or_else(|| panic!("{id}: count of {t}")))
        })
        .collect();
    let members = raw["members"]
        .as_array()
        .unwrap_or_else(|| panic!("{id}: members"))
        .iter()
        .map(|m| Subscription {
            member_id: text(&m["id"], "member id"),
            group_instance_id: m["groupInstanceId"].as_str().map(str::to_string),
            topics: m["subscriptions"]
                .as_array()
                .map(|a| a.iter().map(|t| text(t, "topic")).collect())
                .unwrap_or_default(),
            owned_partitions: tps(&m["ownedPartitions"]),
            generation: m["generation"]
                .as_i64()
                .map(|g| i32::try_from(g).expect("generation fits i32")),
        })
        .collect();
    Case {
        raw,
        id,
        strategy,
        topics,
        members,
    }
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| text(s, "string")).collect())
        .unwrap_or_default()
}

/// The subscriptions map's iteration order: a default `HashMap`, or `new HashMap<>(n)` as the
/// rack-aware test helper builds it; `Err` when neither reproduces the JVM's recorded order.
fn map_order(case: &Case<'_>) -> Result<Vec<usize>, String> {
    let member_ids: Vec<&str> = case.members.iter().map(|m| m.member_id.as_str()).collect();
    let recorded = strings(&case.raw["kafka_run"]["member_iteration_order"]);
    let named = |order: &[usize]| -> Vec<String> {
        order.iter().map(|&i| member_ids[i].to_string()).collect()
    };
    let default = hash_map_order(&member_ids, None);
    if named(&default) == recorded {
        return Ok(default);
    }
    let sized = hash_map_order(&member_ids, Some(member_ids.len()));
    if named(&sized) == recorded {
        return Ok(sized);
    }
    Err(format!(
        "member_iteration_order not reproduced: recorded {recorded:?}, emulated {:?}",
        named(&default)
    ))
}

/// One assign() call's result, or the error text.
struct Round {
    input: Vec<Subscription>,
    output: Result<GroupAssignment, String>,
}

fn run_case(assignor: &mut Assignor, case: &Case<'_>, order: &[usize]) -> Vec<Round> {
    let mut input: Vec<Subscription> = order.iter().map(|&i| case.members[i].clone()).collect();
    let mut rounds = Vec::new();
    loop {
        let output = assignor
            .assign_in_map_order(&case.topics, &input)
            .map_err(|e| e.to_string());
        let next = match &output {
            Ok(result) if case.strategy.is_cooperative() => {
                let revoked = input.iter().any(|m| {
                    let now = result.partitions(&m.member_id);
                    m.owned_partitions.iter().any(|tp| !now.contains(tp))
                });
                revoked.then(|| {
                    input
                        .iter()
                        .map(|m| {
                            let owned = result.partitions(&m.member_id).to_vec();
                            m.clone().with_owned(owned, Some(1))
                        })
                        .collect::<Vec<_>>()
                })
            }
            _ => None,
        };
        rounds.push(Round { input, output });
        match next {
            Some(members) if rounds.len() < MAX_ROUNDS => input = members,
            _ => return rounds,
        }
    }
}

fn parse_assignment(v: &Value) -> Assignment {
    v.as_object()
        .map(|o| o.iter().map(|(m, list)| (m.clone(), tps(list))).collect())
        .unwrap_or_default()
}

fn as_sets(a: &Assignment) -> BTreeMap<String, BTreeSet<TopicPartitionName>> {
    a.iter()
        .map(|(m, l)| (m.clone(), l.iter().cloned().collect()))
        .collect()
}

fn show(a: &Assignment) -> String {
    let members: Vec<String> = a
        .iter()
        .map(|(m, l)| {
            let list: Vec<String> = l.iter().map(ToString::to_string).collect();
            format!("{m}: [{}]", list.join(", "))
        })
        .collect();
    format!("{{{}}}", members.join("; "))
}

fn show_set(set: Option<&BTreeSet<TopicPartitionName>>) -> String {
    match set {
        Some(set) => {
            let names: Vec<String> = set.iter().map(ToString::to_string).collect();
            format!("[{}]", names.join(", "))
        }
        None => "(no such member)".to_string(),
    }
}

fn show_owners(owners: &Option<BTreeMap<TopicPartitionName, String>>) -> String {
    match owners {
        Some(map) => {
            let pairs: Vec<String> = map.iter().map(|(tp, m)| format!("{tp}={m}")).collect();
            format!("{{{}}}", pairs.join(", "))
        }
        None => "null".to_string(),
    }
}

fn parse_owners(v: &Value) -> Option<BTreeMap<TopicPartitionName, String>> {
    v.as_object().map(|o| {
        o.iter()
            .map(|(p, m)| (p.parse().expect("partition"), text(m, "owner")))
            .collect()
    })
}

/// Outcome of one case, for the summary.
#[derive(Default)]
struct Tally {
    exact: usize,
    same_sets_other_order: usize,
    mismatched: usize,
}

/// The properties Kafka's tests check (kafka-semantics.md §3.4), by the names the JSON uses.
mod properties {
    use std::collections::{BTreeMap, BTreeSet};

    use kafka_sim::assignor::{GroupAssignment, Subscription, TopicPartitionName};

    fn bounds(arg: &str) -> Result<(usize, usize), String> {
        let inner = arg.trim_start_matches('[').trim_end_matches(']');
        let (a, b) = inner
            .split_once(',')
            .ok_or_else(|| format!("bad bounds {arg}"))?;
        let parse = |s: &str| s.trim().parse::<usize>().map_err(|e| format!("{arg}: {e}"));
        Ok((parse(a)?, parse(b)?))
    }

    fn number(arg: &str) -> Result<usize, String> {
        arg.parse().map_err(|e| format!("{arg}: {e}"))
    }

    fn members_named<'m>(
        arg: &str,
        previous: &'m [Subscription],
    ) -> Result<Vec<&'m Subscription>, String> {
        arg.split(',')
            .map(|id| {
                previous
                    .iter()
                    .find(|m| m.member_id == id)
                    .ok_or_else(|| format!("unknown member {id}"))
            })
            .collect()
    }

    /// Checks one property of `result`; `previous` is the round's input (owned partitions).
    pub fn check(
        name: &str,
        members: &[Subscription],
        previous: &[Subscription],
        topics: &BTreeMap<String, u32>,
        result: &GroupAssignment,
    ) -> Result<(), String> {
        let sizes: Vec<usize> = result.assignment.values().map(Vec::len).collect();
        let (min, max) = (
            sizes.iter().copied().min().unwrap_or(0),
            sizes.iter().copied().max().unwrap_or(0),
        );
        let owned = |m: &Subscription| -> BTreeSet<TopicPartitionName> {
            m.owned_partitions.iter().cloned().collect()
        };
        let now = |id: &str| -> BTreeSet<TopicPartitionName> {
            result.partitions(id).iter().cloned().collect()
        };
        let (kind, arg) = name.split_once(':').unwrap_or((name, ""));
        let ok = match kind {
            "valid" => {
                let mut seen = BTreeSet::new();
                for m in members {
                    for tp in result.partitions(&m.member_id) {
                        if !m.topics.contains(&tp.topic) {
                            return Err(format!("{} got {tp} without subscribing", m.member_id));
                        }
                        if !seen.insert(tp.clone()) {
                            return Err(format!("{tp} assigned twice"));
                        }
                    }
                }
                true
            }
            "no_duplicates" | "disjoint" => {
                let all: Vec<_> = result.assignment.values().flatten().collect();
                all.len() == all.iter().collect::<BTreeSet<_>>().len()
            }
            "fully_balanced" => min + 1 >= max,
            "balanced" => {
                let list: Vec<(&String, &Vec<TopicPartitionName>)> =
                    result.assignment.iter().collect();
                for (i, (a, pa)) in list.iter().enumerate() {
                    for (b, pb) in &list[i + 1..] {
                        if pa.len().abs_diff(pb.len()) <= 1 {
                            continue;
                        }
                        let ta: BTreeSet<&String> = pa.iter().map(|tp| &tp.topic).collect();
                        if let Some(tp) = pb.iter().find(|tp| ta.contains(&tp.topic)) {
                            return Err(format!("{a} and {b} both hold topic {}", tp.topic));
                        }
                    }
                }
                true
            }
            "per_topic_count" => {
                let want = number(arg)?;
                members.iter().all(|m| {
                    m.topics
                        .iter()
                        .filter(|t| topics.contains_key(*t))
                        .all(|t| {
                            let held = result.partitions(&m.member_id).iter();
                            held.filter(|tp| &tp.topic == t).count() == want
                        })
                })
            }
            "sizes_one_of" | "sizes_between" => {
                let (lo, hi) = bounds(arg)?;
                if kind == "sizes_one_of" {
                    sizes.iter().all(|&s| s == lo || s == hi)
                } else {
                    sizes.iter().all(|&s| (lo..=hi).contains(&s))
                }
            }
            "each_size" => sizes
                .iter()
                .all(|&s| s == number(arg).unwrap_or(usize::MAX)),
            "max_size" => max <= number(arg)?,
            "total_assigned" => sizes.iter().sum::<usize>() == number(arg)?,
            "subset_of_previous" => previous
                .iter()
                .all(|m| now(&m.member_id).is_subset(&owned(m))),
            "keeps_all_previous" => previous
                .iter()
                .all(|m| owned(m).is_subset(&now(&m.member_id))),
            "keeps_previous" => members_named(arg, previous)?
                .iter()
                .all(|m| owned(m).is_subset(&now(&m.member_id))),
            "subset_of_owned" => members_named(arg, previous)?
                .iter()
                .all(|m| now(&m.member_id).is_subset(&owned(m))),
            "is_sticky" => {
                // PartitionMovements.isSticky(): no topic moved both ways between two members.
                let mut moves: BTreeSet<(&str, &str, &str)> = BTreeSet::new();
                for from in previous {
                    for tp in &from.owned_partitions {
                        let Some((to, _)) =
                            result.assignment.iter().find(|(_, list)| list.contains(tp))
                        else {
                            continue;
                        };
                        if *to != from.member_id {
                            moves.insert((&tp.topic, &from.member_id, to));
                        }
                    }
                }
                if let Some((t, a, b)) = moves.iter().find(|(t, a, b)| moves.contains(&(t, b, a))) {
                    return Err(format!("topic {t} moved both ways between {a} and {b}"));
                }
                true
            }
            _ => return Err(format!("unknown property {name}")),
        };
        if ok {
            Ok(())
        } else {
            Err(format!("sizes {sizes:?}"))
        }
    }
}

fn check_case(case: &Case<'_>, rounds: &[Round], failures: &mut Vec<String>, tally: &mut Tally) {
    let id = &case.id;
    let run = &case.raw["kafka_run"];
    let mut outputs = Vec::new();
    for (i, round) in rounds.iter().enumerate() {
        match &round.output {
            Ok(result) => outputs.push(result),
            Err(e) => {
                failures.push(format!("{id} round {}: assign failed: {e}", i + 1));
                tally.mismatched += 1;
                return;
            }
        }
    }
    // Kafka's recorded output, round by round.
    let recorded: Vec<&Value> = match run["rounds"].as_array() {
        Some(list) => list.iter().collect(),
        None => vec![run],
    };
    if recorded.len() != outputs.len() {
        failures.push(format!(
            "{id}: Kafka took {} assign() calls, we took {}",
            recorded.len(),
            outputs.len()
        ));
    }
    let mut exact = recorded.len() == outputs.len();
    let mut same_sets = exact;
    for (i, (want, got)) in recorded.iter().zip(&outputs).enumerate() {
        let want_map = parse_assignment(&want["assignment"]);
        if want_map != got.assignment {
            exact = false;
            if as_sets(&want_map) != as_sets(&got.assignment) {
                same_sets = false;
                failures.push(format!(
                    "{id} round {}: kafka_run.assignment differs\n  kafka:  {}\n  actual: {}",
                    i + 1,
                    show(&want_map),
                    show(&got.assignment)
                ));
            }
        }
        if let Some(field) = want.get("partitions_transferring_ownership") {
            let want_pto = parse_owners(field);
            if want_pto != got.partitions_transferring_ownership {
                exact = false;
                same_sets = false;
                failures.push(format!(
                    "{id} round {}: partitionsTransferringOwnership differs\n  kafka:  {}\n  actual: {}",
                    i + 1,
                    show_owners(&want_pto),
                    show_owners(&got.partitions_transferring_ownership)
                ));
            }
        }
    }
    if exact {
        tally.exact += 1;
    } else if same_sets {
        tally.same_sets_other_order += 1;
    } else {
        tally.mismatched += 1;
    }
    let (Some(first), Some(last)) = (outputs.first(), outputs.last()) else {
        return;
    };
    let pick = |field: &str| match case.raw[field].as_str() {
        Some("final") => last,
        _ => first,
    };
    // The test's own expectations.
    if let Some(expected) = case.raw.get("expected") {
        let want = as_sets(&parse_assignment(expected));
        let got = as_sets(&pick("expected_round").assignment);
        let partial = case.raw["provenance"].as_str() == Some("asserted-partial");
        let members_differ = !partial && !want.keys().eq(got.keys());
        if members_differ || want.iter().any(|(m, set)| got.get(m) != Some(set)) {
            let line = |map: &BTreeMap<String, BTreeSet<TopicPartitionName>>| {
                let parts: Vec<String> = map
                    .iter()
                    .filter(|(m, _)| !partial || want.contains_key(*m))
                    .map(|(m, set)| format!("{m}: {}", show_set(Some(set))))
                    .collect();
                format!("{{{}}}", parts.join("; "))
            };
            failures.push(format!(
                "{id}: expected ({} round) differs\n  expected: {}\n  actual:   {}",
                case.raw["expected_round"].as_str().unwrap_or("first"),
                line(&want),
                line(&got)
            ));
        }
    }
    if let Some(field) = case.raw.get("expected_partitions_transferring_ownership") {
        let want = parse_owners(field);
        if want != first.partitions_transferring_ownership {
            failures.push(format!(
                "{id}: expected partitionsTransferringOwnership {}, actual {}",
                show_owners(&want),
                show_owners(&first.partitions_transferring_ownership)
            ));
        }
    }
    let evaluated = pick("properties_round");
    let previous = &rounds[0].input;
    for property in case.raw["properties"].as_array().into_iter().flatten() {
        let name = text(&property["name"], "property name");
        if let Err(why) = properties::check(&name, &case.members, previous, &case.topics, evaluated)
        {
            failures.push(format!(
                "{id}: property {name} fails: {why}\n  actual: {}",
                show(&evaluated.assignment)
            ));
        }
    }
}

#[test]
fn every_case_matches_kafka() {
    let doc = load_vectors("assignors.json");
    let raw_cases = doc["cases"].as_array().expect("cases");
    assert_eq!(
        raw_cases.len() as u64,
        doc["counts"]["total"].as_u64().expect("counts.total"),
        "case count"
    );
    let cases: Vec<Case<'_>> = raw_cases.iter().map(parse_case).collect();
    // Steps of one Kafka test run in order on one assignor instance.
    let mut tests: BTreeMap<(String, String), Vec<&Case<'_>>> = BTreeMap::new();
    for case in &cases {
        let test = case.id.split('#').next().unwrap_or_default().to_string();
        tests
            .entry((case.strategy.name().to_string(), test))
            .or_default()
            .push(case);
    }
    let mut failures = Vec::new();
    let mut tally = Tally::default();
    for steps in tests.values_mut() {
        steps.sort_by_key(|c| c.raw["source"]["step"].as_u64());
        let mut assignor = Assignor::new(steps[0].strategy);
        for case in steps.iter() {
            let order = match map_order(case) {
                Ok(order) => order,
                Err(why) => {
                    failures.push(format!("{}: {why}", case.id));
                    (0..case.members.len()).collect()
                }
            };
            let rounds = run_case(&mut assignor, case, &order);
            check_case(case, &rounds, &mut failures, &mut tally);
        }
    }
    println!(
        "{} cases: {} reproduce Kafka exactly (lists in Kafka's order), {} with the same partitions in another order, {} differ",
        cases.len(),
        tally.exact,
        tally.same_sets_other_order,
        tally.mismatched
    );
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn owned_map_order_matches_the_jvm() {
    let doc = load_vectors("assignors.json");
    let mut failures = Vec::new();
    for raw in doc["cases"].as_array().expect("cases") {
        let case = parse_case(raw);
        let Some(recorded) = raw["kafka_run"].get("owned_map_iteration_order") else {
            continue;
        };
        let Ok(order) = map_order(&case) else {
            continue; // reported by every_case_matches_kafka
        };
        let in_map_order: Vec<String> = order
            .iter()
            .map(|&i| case.members[i].member_id.clone())
            .collect();
        let owned: Vec<String> = hash_map_order(&in_map_order, None)
            .into_iter()
            .map(|i| in_map_order[i].clone())
            .collect();
        if owned != strings(recorded) {
            failures.push(format!("{}: {owned:?} vs {recorded}", case.id));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
