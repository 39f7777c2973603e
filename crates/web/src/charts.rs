//! Charts as inline SVG drawn by the page: produce throughput (sent and acknowledged per
//! simulated second), under-replicated and offline partitions, and per consumer group its lag and
//! consume throughput (records processed per second, from the ledger), in the group's colour. One
//! point per simulated second, newest on the right. A stretch of time that was jumped over (time
//! travel) has no samples: it is drawn as a hatched "not sampled" band and no line crosses it.

use std::rc::Rc;

use yew::prelude::*;

use kafka_sim::SimTime;

use crate::chart_series::{ChartSeries, SAMPLE_MS, SAMPLES, Sample};

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

/// A stretch of simulated time without samples (jumped over by time travel).
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    /// Its left edge in the view box.
    pub x0: i64,
    /// Its right edge.
    pub x1: i64,
    /// The last sample before it.
    pub from: SimTime,
    /// The first sample after it, or where sampling started again.
    pub to: SimTime,
}

/// What the chart panel draws.
#[derive(Clone, Debug, PartialEq)]
pub struct ChartData {
    /// Each sample's x in the view box, oldest first (parallel to every line's values).
    pub xs: Vec<i64>,
    /// Runs of consecutive samples, as index ranges: a line is drawn within a run only.
    pub runs: Vec<(usize, usize)>,
    /// Stretches without samples.
    pub gaps: Vec<Gap>,
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

/// The x of a sample at `at` when the right edge is `head`.
fn x_of(at: SimTime, head: SimTime) -> i64 {
    let step = WIDTH / (SAMPLES as f64 - 1.0);
    let back = head.0.saturating_sub(at.0) as f64 / SAMPLE_MS as f64;
    (WIDTH - back * step).round().max(0.0) as i64
}

impl ChartData {
    /// What to draw of `series`: its last [`SAMPLES`] seconds.
    pub fn of(series: &ChartSeries) -> ChartData {
        let window = series.window();
        let first = window.clone().next().map(|s| s.at);
        let before = first
            .and_then(|f| series.samples().iter().rev().find(|s| s.at < f))
            .or_else(|| series.samples().back().filter(|_| first.is_none()))
            .map(|s| s.at);
        ChartData::new(window, series.head(), before)
    }

    /// The lines of `samples` (consecutive, oldest first) with the right edge at `head`;
    /// `before` is the last sample left of them, if any.
    pub fn new<'a>(
        samples: impl Iterator<Item = &'a Sample> + Clone,
        head: SimTime,
        before: Option<SimTime>,
    ) -> ChartData {
        let ats: Vec<SimTime> = samples.clone().map(|s| s.at).collect();
        let xs = ats.iter().map(|at| x_of(*at, head)).collect();
        let mut runs = Vec::new();
        let mut gaps = Vec::new();
        let gap = |from: SimTime, to: SimTime| Gap {
            x0: x_of(from, head),
            x1: x_of(to, head),
            from,
            to,
        };
        // A line joins samples exactly a period apart; anything wider was jumped over.
        let mut start = 0;
        let mut previous = before;
        for (i, at) in ats.iter().enumerate() {
            if let Some(p) = previous.filter(|p| at.0 > p.0 + SAMPLE_MS) {
                if i > start {
                    runs.push((start, i));
                }
                start = i;
                gaps.push(gap(p, *at));
            }
            previous = Some(*at);
        }
        if ats.len() > start {
            runs.push((start, ats.len()));
        }
        // Sampling started again at the head after a jump, and has no sample yet.
        if let Some(last) = previous.filter(|l| *l < head) {
            gaps.push(gap(last, head));
        }
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
            xs,
            runs,
            gaps,
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

/// The SVG `points` of `values` at `xs`, scaled to `max`, in whole units of the view box (no
/// float formatting in the page).
pub fn points(values: &[u64], xs: &[i64], max: u64) -> String {
    values
        .iter()
        .zip(xs)
        .map(|(v, x)| {
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
    /// The samples' x, their runs and the gaps between (shared by the panel's charts).
    pub frame: Rc<ChartData>,
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
    let f = &props.frame;
    let not_sampled: Vec<String> = f
        .gaps
        .iter()
        .map(|g| format!("{} to {}", g.from, g.to))
        .collect();
    let summary = format!(
        "{}: latest {}; peak {max} over {} samples of the last {SAMPLES} simulated seconds{}",
        props.title,
        latest.join(", "),
        props.lines.first().map_or(0, |l| l.values.len()),
        if not_sampled.is_empty() {
            String::new()
        } else {
            format!("; not sampled (jumped over): {}", not_sampled.join(", "))
        }
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
                { for f.gaps.iter().map(|g| html! {
                    <rect class="chart-gap" x={g.x0.to_string()} y="0" width={(g.x1 - g.x0).max(2).to_string()}
                          height="160" data-testid="chart-gap">
                        <title>{ format!("not sampled: the run jumped from {} to {}", g.from, g.to) }</title>
                    </rect>
                }) }
                { for props.lines.iter().flat_map(|l| f.runs.iter().map(move |(a, b)| html! {
                    <polyline key={format!("{}-{a}", l.label)} class={classes!("series", l.class)}
                              points={points(&l.values[*a..*b], &f.xs[*a..*b], max)} />
                })) }
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
            <p class="panel-hint">{ format!("One point per simulated second; the last {SAMPLES} seconds. Hatched: jumped over by time travel, not sampled.") }</p>
            <div class="chart-grid">
                <Chart title="Produce throughput (records/s)" lines={d.produce.clone()} frame={d.clone()} testid="chart-produce" />
                <Chart title="Partitions" lines={d.replication.clone()} frame={d.clone()} testid="chart-urp" />
                if !d.lag.is_empty() {
                    <Chart title="Consume throughput (records processed/s)" lines={d.consume.clone()} frame={d.clone()} testid="chart-consume" />
                    <Chart title="Consumer lag (records behind the high watermark)" lines={d.lag.clone()} frame={d.clone()} testid="chart-lag" />
                }
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(groups: &[(&str, u64)]) -> Sample {
        at(0, groups)
    }

    fn at(ms: u64, groups: &[(&str, u64)]) -> Sample {
        Sample {
            at: SimTime(ms),
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
        let data = ChartData::new(samples.iter(), SimTime(0), None);
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
        let samples = [at(8_000, &[]), at(9_000, &[]), at(10_000, &[])];
        let data = ChartData::new(samples.iter(), SimTime(10_000), None);
        // 119 steps over 600 units: 5.04 units a second.
        assert_eq!(data.xs, [590, 595, 600]);
        let p = points(&[0, 5, 10], &data.xs, 10);
        let pts: Vec<&str> = p.split(' ').collect();
        assert_eq!(pts, ["590,160", "595,92", "600,24"]);
        assert_eq!(data.runs, [(0, 3)]);
        assert!(data.gaps.is_empty());
    }

    #[test]
    fn a_jump_breaks_the_lines_and_is_drawn_as_a_gap() {
        let samples = [
            at(1_000, &[]),
            at(2_000, &[]),
            at(3_000, &[]),
            at(10_000, &[]),
            at(11_000, &[]),
        ];
        let data = ChartData::new(samples.iter(), SimTime(11_000), None);
        assert_eq!(data.runs, [(0, 3), (3, 5)], "no line crosses the jump");
        // 8 s and 1 s left of the right edge: 600 − 8 × 5.04 and 600 − 5.04.
        assert_eq!(
            data.gaps,
            [Gap {
                x0: 560,
                x1: 595,
                from: SimTime(3_000),
                to: SimTime(10_000)
            }]
        );
    }

    #[test]
    fn a_restart_without_samples_yet_is_a_gap_up_to_the_head() {
        let samples = [at(1_000, &[]), at(2_000, &[])];
        let data = ChartData::new(samples.iter(), SimTime(30_000), None);
        assert_eq!(data.runs, [(0, 2)]);
        assert_eq!(
            data.gaps,
            [Gap {
                x0: 459,
                x1: 600,
                from: SimTime(2_000),
                to: SimTime(30_000)
            }]
        );
        // Samples left of the window: the gap starts at the left edge.
        let data = ChartData::new([].iter(), SimTime(300_000), Some(SimTime(2_000)));
        assert_eq!(data.gaps.len(), 1);
        assert_eq!((data.gaps[0].x0, data.gaps[0].x1), (0, 600));
    }
}
