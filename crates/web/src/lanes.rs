//! Topic lanes: one lane per partition showing the last records of its leader's log as cells
//! coloured by key, with the log start offset, the high watermark (HW) and the log end offset
//! (LEO) marked, each replica's LEO as a small tick under the lane (follower progress), and one
//! row per consumer group under that: a flag in the group's colour at its committed offset and a
//! ▶ at the position of the consumer that owns the partition. Click a group's marker to inspect
//! the group.
//!
//! Markers are placed from the right edge (the newest record), so a narrow screen simply clips
//! the oldest cells on the left.

use std::rc::Rc;

use kafka_sim::{Offset, RecordId, TopicPartition};
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::lane_sight::SightHandle;
use crate::store::Selection;
use crate::view_model::{CellView, GroupMark, KEY_COLOURS, LANE_WINDOW, LaneView};

/// The class attribute of a cell by key colour (the last: no key), committed or not. Static
/// strings: a busy page draws hundreds of cells a frame, and `classes!` would build a set for each.
const CELL_CLASSES: [[&str; 2]; KEY_COLOURS as usize + 1] = [
    ["cell key-0", "cell key-0 uncommitted"],
    ["cell key-1", "cell key-1 uncommitted"],
    ["cell key-2", "cell key-2 uncommitted"],
    ["cell key-3", "cell key-3 uncommitted"],
    ["cell key-4", "cell key-4 uncommitted"],
    ["cell key-5", "cell key-5 uncommitted"],
    ["cell key-6", "cell key-6 uncommitted"],
    ["cell key-7", "cell key-7 uncommitted"],
];

fn cell_class(colour: u8, committed: bool, selected: bool) -> AttrValue {
    let class = CELL_CLASSES[usize::from(colour.min(KEY_COLOURS))][usize::from(!committed)];
    if selected {
        AttrValue::from(format!("{class} selected"))
    } else {
        AttrValue::Static(class)
    }
}

/// Props of [`Lanes`].
#[derive(Properties, PartialEq)]
pub struct LanesProps {
    /// One lane per partition, in topic then partition order.
    pub lanes: Rc<Vec<Rc<LaneView>>>,
    /// What the inspector shows.
    pub selection: Option<Selection>,
    /// Inspect a partition or a record.
    pub onselect: Callback<Selection>,
    /// Few records arrive: animate new ones.
    pub calm: bool,
    /// The consumer groups with their colours and consumer counts, for the legend.
    pub legend: Rc<Vec<(Rc<str>, u8, usize)>>,
    /// Which lanes are on screen (each lane registers its element).
    pub sight: SightHandle,
}

/// All lanes, grouped by topic.
#[component]
pub fn Lanes(props: &LanesProps) -> Html {
    let mut topics: Vec<(u32, Vec<Rc<LaneView>>)> = Vec::new();
    for lane in props.lanes.iter() {
        match topics.last_mut() {
            Some((t, lanes)) if *t == lane.tp.topic.0 => lanes.push(lane.clone()),
            _ => topics.push((lane.tp.topic.0, vec![lane.clone()])),
        }
    }
    html! {
        <section class={classes!("panel", "lanes-panel", props.calm.then_some("calm"))} aria-labelledby="lanes-title" data-testid="lanes">
            <h2 id="lanes-title">{ "Topic lanes" }</h2>
            <p class="panel-hint">
                { format!("The last {LANE_WINDOW} records of each partition's leader, coloured by key. ") }
                <span class="legend-committed">{ "Solid" }</span>{ ": committed (below the high watermark). " }
                <span class="legend-uncommitted">{ "Hatched" }</span>{ ": on the leader only so far. " }
                { "Numbered ticks under a lane: each replica's log end offset. Click a record or a partition to inspect it." }
            </p>
            if !props.legend.is_empty() {
                <p class="panel-hint group-legend" data-testid="group-legend">
                    { "Consumer groups, one per application reading these topics: " }
                    { for props.legend.iter().map(|(g, c, n)| html! {
                        <span key={g.to_string()} class="legend-group">
                            <span class={classes!("gmark-sample", GROUP_CLASSES[usize::from(*c) % GROUP_CLASSES.len()])}>{ g.to_string() }</span>
                            { format!("({n} consumer{}) ", if *n == 1 { "" } else { "s" }) }
                        </span>
                    }) }
                    { "— each group gets every record, and inside a group each partition is read by one consumer. Under each lane, a group's flag ends at its committed offset (CURRENT-OFFSET) and " }
                    <span class="gmark-sample position">{ "▶" }</span>
                    { " starts at the position of the consumer that owns the partition (the next offset it fetches). Click a flag for the group." }
                </p>
            }
            { for topics.into_iter().map(|(topic, lanes)| {
                let name = lanes[0].topic.clone();
                html! {
                    <div class="topic" key={topic}>
                        <h3 class="topic-name">{ format!("topic {name}") }</h3>
                        { for lanes.into_iter().map(|lane| {
                            let selected = match &props.selection {
                                Some(Selection::Record { tp, offset, .. }) if *tp == lane.tp => Some(Some(offset.0)),
                                Some(Selection::Partition(tp)) if *tp == lane.tp => Some(None),
                                _ => None,
                            };
                            html! {
                                <Lane key={lane.name.to_string()} lane={lane.clone()} {selected}
                                      onselect={props.onselect.clone()} sight={props.sight.clone()} />
                            }
                        }) }
                    </div>
                }
            }) }
        </section>
    }
}

/// Props of [`Lane`].
#[derive(Properties, PartialEq)]
pub struct LaneProps {
    /// The lane.
    pub lane: Rc<LaneView>,
    /// `Some(None)`: the partition is selected; `Some(Some(offset))`: one of its records.
    pub selected: Option<Option<u64>>,
    /// Inspect.
    pub onselect: Callback<Selection>,
    /// Which lanes are on screen.
    pub sight: SightHandle,
}

/// Class of a group's colour, by palette index.
pub const GROUP_CLASSES: [&str; crate::view_model::GROUP_COLOURS] = [
    "group-0", "group-1", "group-2", "group-3", "group-4", "group-5",
];

/// Distance of the boundary before `offset` from the lane's right edge, in cells.
fn from_right(lane: &LaneView, offset: u64) -> u64 {
    lane.log_end_offset
        .saturating_sub(offset)
        .min(LANE_WINDOW as u64)
}

/// One partition's lane.
#[component]
pub fn Lane(props: &LaneProps) -> Html {
    let lane = &props.lane;
    let tp = lane.tp;
    let node = use_node_ref();
    {
        // The lane's element is watched while it is drawn; its name keys what the browser says.
        let (node, sight, name) = (node.clone(), props.sight.0.clone(), lane.name.clone());
        use_effect_with(name, move |name| {
            let element = node.cast::<web_sys::Element>();
            if let Some(e) = &element {
                sight.observe(e);
            }
            let name = name.clone();
            move || {
                if let Some(e) = &element {
                    sight.unobserve(e);
                }
                sight.forget(&name);
            }
        });
    }
    let onhead = {
        let onselect = props.onselect.clone();
        Callback::from(move |_: MouseEvent| onselect.emit(Selection::Partition(tp)))
    };
    // One handler for the group markers: the clicked row carries its group's index.
    let ongroup = {
        let (onselect, lane) = (props.onselect.clone(), props.lane.clone());
        Callback::from(move |e: MouseEvent| {
            let group = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
                .and_then(|el| el.closest("[data-i]").ok().flatten())
                .and_then(|row| row.get_attribute("data-i"))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| lane.groups.get(i));
            if let Some(g) = group {
                onselect.emit(Selection::Group(g.group.clone()));
            }
        })
    };
    let leader = lane
        .leader
        .map_or("no leader".to_string(), |b| format!("leader broker {b}"));
    let isr: Vec<String> = lane.isr.iter().map(|b| b.to_string()).collect();
    let meta = format!(
        "{leader} · epoch {} · ISR [{}] · HW {} · LEO {}",
        lane.leader_epoch,
        isr.join(","),
        lane.high_watermark,
        lane.log_end_offset
    );
    let shown_note = match (lane.leader, lane.shown_broker) {
        (None, Some(b)) => Some(format!("offline: showing broker {b}'s log")),
        (None, None) => Some("offline: no replica available".to_string()),
        _ => None,
    };
    let selected_offset = props.selected.flatten();
    let marker = |class: &'static str, label: &'static str, offset: u64, title: String| {
        html! {
            <span class={classes!("marker", class)} style={format!("--from-right:{}", from_right(lane, offset))}
                  title={title} aria-hidden="true">{ label }</span>
        }
    };
    html! {
        <div ref={node} class={classes!("lane", (props.selected == Some(None)).then_some("selected"), lane.leader.is_none().then_some("offline"))}
             data-testid={format!("lane-{}", lane.name)} data-lane={lane.name.clone()}
             data-leader={lane.leader.map(|b| b.to_string()).unwrap_or_default()}
             data-hw={lane.high_watermark.to_string()} data-leo={lane.log_end_offset.to_string()}>
            <button class="lane-head" onclick={onhead}
                    aria-label={format!("Inspect partition {}: {meta}", lane.name)}>
                <span class="lane-name">{ lane.name.to_string() }</span>
                <span class="lane-meta" data-testid={format!("lane-meta-{}", lane.name)}>{ meta.clone() }</span>
                if let Some(note) = shown_note { <span class="lane-note">{ note }</span> }
            </button>
            <div class="lane-track">
                if lane.cells.is_empty() {
                    <span class="empty-log">{ "empty log" }</span>
                }
                <LaneCells tp={tp} name={lane.name.clone()} cells={lane.cells.clone()} selected={selected_offset}
                           onselect={props.onselect.clone()} />
                <div class="markers">
                    // The log's first offset is drawn when the window reaches back to it, labelled
                    // when the HW label is far enough not to collide.
                    if !lane.cells.is_empty() && lane.first_offset() <= lane.log_start_offset {
                        { marker("log-start", if lane.high_watermark >= lane.log_start_offset + 3 { "start" } else { "" },
                            lane.log_start_offset, format!("log start offset {}", lane.log_start_offset)) }
                    }
                    { marker("hw", "HW", lane.high_watermark, format!("high watermark {}", lane.high_watermark)) }
                    { marker("leo", "LEO", lane.log_end_offset, format!("log end offset {}", lane.log_end_offset)) }
                </div>
                <div class="replica-ticks" style={format!("--rows:{}", lane.replicas.len())} aria-label={format!("replica progress of {}", lane.name)}>
                    { for lane.replicas.iter().enumerate().map(|(i, r)| html! {
                        <span key={r.broker} class={classes!("tick", r.state.class())}
                              style={format!("--from-right:{};--i:{i}", from_right(lane, r.log_end_offset))}
                              title={format!("broker {}: {}, log end offset {}", r.broker, r.state.label(), r.log_end_offset)}>
                            { r.broker }
                        </span>
                    }) }
                </div>
                if !lane.groups.is_empty() {
                    <div class="group-ticks" style={format!("--rows:{}", lane.groups.len())} onclick={ongroup}
                         onkeydown={Callback::from(move_group_focus)}>
                        { for lane.groups.iter().enumerate().map(|(i, g)| group_row(lane, i, g)) }
                    </div>
                }
            </div>
        </div>
    }
}

/// One consumer group's markers under a lane. The first of them is a button (keyboard users
/// reach it with Tab, move between the groups with the arrow keys, open the group with Enter)
/// whose label says what both markers show; the ▶ beside a committed flag repeats it, so it is
/// hidden from screen readers.
fn group_row(lane: &LaneView, i: usize, g: &GroupMark) -> Html {
    let colour = GROUP_CLASSES[usize::from(g.colour) % GROUP_CLASSES.len()];
    let committed = g.committed.map_or_else(
        || "no committed offset".to_string(),
        |c| format!("committed offset {c}"),
    );
    let position = g.position.map_or_else(
        || "no consumer position".to_string(),
        |p| format!("position {p}"),
    );
    let label = AttrValue::from(format!(
        "Group {} on {}: {committed}, {position}. Open the group",
        g.group, lane.name
    ));
    // Only the first group's button is in the Tab order; the arrow keys reach the others.
    let tabindex = if i == 0 { "0" } else { "-1" };
    // The ▶ is the group's button only when there is no committed flag.
    let position_is_button = g.committed.is_none();
    html! {
        <span key={g.group.to_string()} class="group-row" data-i={i.to_string()}>
            if let Some(c) = g.committed {
                <button type="button" {tabindex} aria-label={label.clone()}
                        class={classes!("gmark", "committed", colour)}
                        style={format!("--from-right:{};--i:{i}", from_right(lane, c))}
                        title={format!("group {}: committed offset {c} (CURRENT-OFFSET); click for the group", g.group)}>
                    // Older than the drawn records: pinned at the left edge, with its offset.
                    if c < lane.first_offset() { { format!("← {} {c}", g.group) } } else { { g.group.to_string() } }
                </button>
            }
            if let Some(p) = g.position {
                <@{if position_is_button { "button" } else { "span" }}
                        type={position_is_button.then_some("button")}
                        tabindex={position_is_button.then_some(tabindex)}
                        aria-label={position_is_button.then(|| label.clone())}
                        aria-hidden={(!position_is_button).then_some("true")}
                        class={classes!("gmark", "position", colour)}
                        style={format!("--from-right:{};--i:{i}", from_right(lane, p))}
                        title={format!("group {}: position {p}, the next offset its consumer fetches; click for the group", g.group)}>
                    { "▶" }
                </@>
            }
            if g.committed.is_none() && g.position.is_none() {
                <button type="button" {tabindex} aria-label={label}
                        class={classes!("gmark", "none", colour)} style={format!("--from-right:0;--i:{i}")}
                        title={format!("group {}: no committed offset and no owner yet", g.group)}>
                    { format!("{}: no offset yet", g.group) }
                </button>
            }
        </span>
    }
}

/// The arrow keys move the focus between the group markers of a lane (each group's first marker
/// is the first element of its row).
fn move_group_focus(e: KeyboardEvent) {
    let Some(row) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .and_then(|el| el.parent_element())
    else {
        return;
    };
    let next = match e.key().as_str() {
        "ArrowUp" | "ArrowLeft" => row.previous_element_sibling(),
        "ArrowDown" | "ArrowRight" => row.next_element_sibling(),
        _ => return,
    };
    if let Some(next) = next
        .and_then(|r| r.first_element_child())
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
    {
        e.prevent_default();
        let _ = next.focus();
    }
}

/// Offsets from which a cell's text may be wider than the cell (five digits, at phone width).
const CLIPPED_OFFSETS_FROM: u64 = 10_000;

/// Props of [`LaneCells`].
#[derive(Properties, PartialEq)]
pub struct LaneCellsProps {
    /// The partition.
    pub tp: TopicPartition,
    /// `orders-0`.
    pub name: Rc<str>,
    /// The records drawn (an unchanged `Rc` skips the render).
    pub cells: Rc<Vec<CellView>>,
    /// The selected record's offset.
    pub selected: Option<u64>,
    /// Inspect a record.
    pub onselect: Callback<Selection>,
}

/// The record cells of a lane: their own component, so a lane whose markers moved but whose
/// records did not (a consumer group's offsets, a replica's progress) does not redraw them. A
/// cell shows its offset from its `data-offset` through CSS (one DOM node per record, not two);
/// its accessible name says it in words.
#[component]
pub fn LaneCells(props: &LaneCellsProps) -> Html {
    // One handler for all cells (event delegation): the clicked cell carries its offset.
    let oncell = {
        let (onselect, cells, tp) = (props.onselect.clone(), props.cells.clone(), props.tp);
        Callback::from(move |e: MouseEvent| {
            if let Some(selection) = cell_selection(tp, &cells, e.target()) {
                onselect.emit(selection);
            }
        })
    };
    let last = props.cells.len().saturating_sub(1);
    // A cell clips its offset text only once offsets have five digits: four always fit a cell,
    // and a clip on every cell costs the browser a paint chunk per cell on every frame.
    let class = if props.cells.iter().any(|c| c.offset >= CLIPPED_OFFSETS_FROM) {
        "cells clip-offsets"
    } else {
        "cells"
    };
    html! {
        <div {class} role="list" onclick={oncell} onkeydown={Callback::from(move_focus)}
             aria-label={format!("records of {}", props.name)}>
            { for props.cells.iter().enumerate().map(|(i, c)| {
                let key_label = c.key.as_deref().map_or("no key", |k| k);
                let state = if c.committed { "committed" } else { "not committed yet" };
                html! {
                    <button key={c.offset} role="listitem"
                        class={cell_class(c.colour, c.committed, props.selected == Some(c.offset))}
                        tabindex={if i == last { "0" } else { "-1" }}
                        data-offset={c.offset.to_string()}
                        data-key={c.key.clone().map(AttrValue::from)}
                        aria-label={format!("offset {}, key {key_label}, {state}", c.offset)}>
                    </button>
                }
            }) }
        </div>
    }
}

/// The record a click landed on, found by the cell's `data-offset`.
fn cell_selection(
    tp: TopicPartition,
    cells: &[CellView],
    target: Option<web_sys::EventTarget>,
) -> Option<Selection> {
    let element = target?.dyn_into::<web_sys::Element>().ok()?;
    let cell = element.closest("[data-offset]").ok()??;
    let offset: u64 = cell.get_attribute("data-offset")?.parse().ok()?;
    let record = cells.iter().find(|c| c.offset == offset)?.record;
    Some(Selection::Record {
        tp,
        offset: Offset(offset),
        record: RecordId(record),
    })
}

/// Left and right arrows move the focus between the cells of a lane.
fn move_focus(e: KeyboardEvent) {
    let Some(cell) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    let next = match e.key().as_str() {
        "ArrowLeft" => cell.previous_element_sibling(),
        "ArrowRight" => cell.next_element_sibling(),
        _ => return,
    };
    if let Some(next) = next.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
        e.prevent_default();
        let _ = next.focus();
    }
}
