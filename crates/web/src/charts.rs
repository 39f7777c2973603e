//! Charts as inline SVG drawn by the page: produce throughput (sent and acknowledged per
//! simulated second), under-replicated and offline partitions, and per consumer group its lag and
//! consume throughput (records processed per second, from the ledger), in the group's colour. One
//! point per simulated second, newest on the right.

use std::rc::Rc;

use yew::prelude::*;

use crate::chart_series::{SAMPLES, Sample};

const WIDTH: f64 = 600.0;
const HEIGHT: f64 = 160.0;
const TOP: f64 = 24.0;

/// One line of a chart.
#[derive(Clone, Debug, PartialEq)]
pub struct Line {
    /// Legend.
    pub label: String,
    /// CSS class (its colour and dash pattern).
    pub class: &'static str,
    /// One value per sample, oldest first.
    pub values: Vec<u64>,
}

/// What the chart panel draws.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    /// Produce throughput.
    pub produce: Vec<Line>,
    /// Under-replicated and offline partitions.
    pub replication: Vec<Line>,
    /// Lag per group.
    pub lag: Vec<Line>,
    /// Consume throughput per group.
    pub consume: Vec<Line>,
}

/// Line classes of the groups, in `group.id` order: the same colours as the groups panel's and the
/// lane markers' (`group-N`).
const GROUP_CLASSES: [&str; crate::view_model::GROUP_COLOURS] = [
    "group-0", "group-1", "group-2", "group-3", "group-4", "group-5",
];

impl ChartData {
    /// The lines of `samples`.
    pub fn new<'a>(samples: impl Iterator<Item = &'a Sample> + Clone) -> ChartData {
        let line = |label: &str, class, f: &dyn Fn(&Sample) -> u64| Line {
            label: label.to_string(),
            class,
            values: samples.clone().map(f).collect(),
        };
        // The groups' names in order, each once (kept sorted as they come: no sort's code in
        // the page for a handful of names).
        let mut groups: Vec<Rc<str>> = Vec::new();
        for g in samples
            .clone()
            .flat_map(|s| s.groups.iter().map(|g| &g.group))
        {
            if let Err(at) = groups.binary_search(g) {
                groups.insert(at, g.clone());
            }
        }
        let per_group = |f: fn(&crate::chart_series::GroupSample) -> u64| -> Vec<Line> {
            groups
                .iter()
                .enumerate()
                .map(|(i, g)| Line {
                    label: g.to_string(),
                    class: GROUP_CLASSES[i % GROUP_CLASSES.len()],
                    values: samples
                        .clone()
                        .map(|s| s.groups.iter().find(|x| &x.group == g).map_or(0, f))
                        .collect(),
                })
                .collect()
        };
        ChartData {
            produce: vec![
                line("sent/s", "series-a", &|s| s.sent),
                line("acked/s", "series-b", &|s| s.acked),
            ],
            replication: vec![
                line("under-replicated", "series-a", &|s| {
                    u64::from(s.under_replicated)
                }),
                line("offline", "series-d", &|s| u64::from(s.offline)),
            ],
            lag: per_group(|g| g.lag),
            consume: per_group(|g| g.consumed),
        }
    }
}

/// The SVG `points` of `values`, newest at the right edge, scaled to `max`, in whole units of
/// the view box (no float formatting in the page).
pub fn points(values: &[u64], max: u64) -> String {
    let step = WIDTH / (SAMPLES as f64 - 1.0);
    let n = values.len();
    values
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let x = (WIDTH - (n - 1 - i) as f64 * step).round() as i64;
            let y = (HEIGHT - (*v as f64 / max.max(1) as f64) * (HEIGHT - TOP)).round() as i64;
            format!("{x},{y}")
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Props of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// Title.
    pub title: &'static str,
    /// Lines.
    pub lines: Vec<Line>,
    /// Test hook.
    pub testid: &'static str,
}

/// One chart.
#[component]
pub fn Chart(props: &ChartProps) -> Html {
    let max = props
        .lines
        .iter()
        .flat_map(|l| l.values.iter().copied())
        .max()
        .unwrap_or(0);
    let latest: Vec<String> = props
        .lines
        .iter()
        .map(|l| format!("{} {}", l.label, l.values.last().copied().unwrap_or(0)))
        .collect();
    let summary = format!(
        "{}: latest {}; peak {max} over the last {} simulated seconds",
        props.title,
        latest.join(", "),
        props.lines.first().map_or(0, |l| l.values.len())
    );
    html! {
        <figure class="chart" data-testid={props.testid}>
            <figcaption>
                { props.title }
                { for props.lines.iter().map(|l| html! {
                    <span key={l.label.clone()} class={classes!("legend", l.class)}>{ format!(" {}", l.label) }</span>
                }) }
            </figcaption>
            <svg viewBox="0 0 600 160" role="img" aria-label={summary} preserveAspectRatio="none">
                <line class="axis" x1="0" y1="160" x2="600" y2="160" />
                <line class="grid" x1="0" y1="24" x2="600" y2="24" />
                <text class="axis-label" x="4" y="19">{ max }</text>
                { for props.lines.iter().map(|l| html! {
                    <polyline key={l.label.clone()} class={classes!("series", l.class)} points={points(&l.values, max)} />
                }) }
            </svg>
        </figure>
    }
}

/// Props of [`Charts`].
#[derive(Properties, PartialEq)]
pub struct ChartsProps {
    /// What to draw.
    pub data: Rc<ChartData>,
}

/// The charts panel.
#[component]
pub fn Charts(props: &ChartsProps) -> Html {
    let d = &props.data;
    html! {
        <section class="panel charts" aria-labelledby="charts-title" data-testid="charts">
            <h2 id="charts-title">{ "Charts" }</h2>
            <p class="panel-hint">{ format!("One point per simulated second; the last {SAMPLES} seconds.") }</p>
            <div class="chart-grid">
                <Chart title="Produce throughput (records/s)" lines={d.produce.clone()} testid="chart-produce" />
                <Chart title="Partitions" lines={d.replication.clone()} testid="chart-urp" />
                if !d.lag.is_empty() {
                    <Chart title="Consume throughput (records processed/s)" lines={d.consume.clone()} testid="chart-consume" />
                    <Chart title="Consumer lag (records behind the high watermark)" lines={d.lag.clone()} testid="chart-lag" />
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(groups: &[(&str, u64)]) -> Sample {
        Sample {
            at: kafka_sim::SimTime(0),
            sent: 0,
            acked: 0,
            under_replicated: 0,
            offline: 0,
            groups: groups
                .iter()
                .map(|(g, lag)| crate::chart_series::GroupSample {
                    group: (*g).into(),
                    lag: *lag,
                    consumed: 0,
                })
                .collect(),
        }
    }

    #[test]
    fn one_line_per_group_in_group_id_order_with_zero_where_a_group_was_missing() {
        let samples = [
            sample(&[("email", 1), ("analytics", 2)]),
            sample(&[("billing", 3), ("email", 4)]),
            sample(&[("analytics", 5)]),
        ];
        let data = ChartData::new(samples.iter());
        let lines: Vec<(&str, &str, &[u64])> = data
            .lag
            .iter()
            .map(|l| (l.label.as_str(), l.class, l.values.as_slice()))
            .collect();
        assert_eq!(
            lines,
            [
                ("analytics", "group-0", &[2, 0, 5][..]),
                ("billing", "group-1", &[0, 3, 0][..]),
                ("email", "group-2", &[1, 4, 0][..]),
            ]
        );
    }

    #[test]
    fn newest_point_is_on_the_right_edge_and_peak_at_the_top() {
        let p = points(&[0, 5, 10], 10);
        let pts: Vec<&str> = p.split(' ').collect();
        assert_eq!(pts, ["590,160", "595,92", "600,24"]);
    }
}
