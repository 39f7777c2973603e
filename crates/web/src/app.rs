//! `<App>`: owns the store, runs the frame loop and the keyboard shortcuts, turns the run into
//! props once per change (`view_model`, memoised on the store's version) and lays out the panels.

use std::rc::Rc;

use kafka_sim::ledger::LedgerCounts;
use kafka_sim::view::PartitionView;
use kafka_sim::{Command, NodeId, Sim, SimTime};
use yew::prelude::*;

use crate::VERSION;
use crate::charts::{ChartData, Charts};
use crate::cluster::Cluster;
use crate::config_panel::ConfigPanel;
use crate::controls::Controls;
use crate::event_log::EventLog;
use crate::frame_loop::use_frame_loop;
use crate::groups_panel::GroupsPanel;
use crate::inspector::Inspector;
use crate::lane_sight::{LaneSight, SightHandle};
use crate::lanes::Lanes;
use crate::ledger_panel::LedgerPanel;
use crate::log_lines::{BUSY_LOG_ROWS, LOG_ROWS};
use crate::overlays::Overlays;
use crate::page_params::{Framing, Panel, StartParams};
use crate::presets::{StoryPanel, StoryView};
use crate::producer_panel::ProducerPanel;
use crate::run_menu::{RunHandle, RunMenu, load_preset};
use crate::scrubber::Scrubber;
use crate::shortcuts::use_shortcuts;
use crate::store::{Action, BUSY_LOG_RATE, BrokerFault, Overlay, Selection, Store, Theme};
use crate::time_travel::{resumed_store, use_link_opener, use_session_saver};
use crate::view_model::{
    self, AlarmRow, ClusterView, GroupsView, InspectorView, LANE_WINDOW, LaneView, ProducerView,
};

/// Props of [`App`].
#[derive(Properties, PartialEq, Default)]
pub struct AppProps {
    /// What the run starts from (the page reads it from the URL).
    #[prop_or_default]
    pub params: StartParams,
    /// Whether the run is the user's session: resumed from `localStorage` on load and saved
    /// there as it goes (the page opened without URL parameters).
    #[prop_or_default]
    pub session: bool,
    /// Full page or embed, and which panels show (`?embed&panels=…`).
    #[prop_or_default]
    pub framing: Rc<Framing>,
}

/// Everything the panels need for one version of the store.
struct PageView {
    lanes: Rc<Vec<Rc<LaneView>>>,
    cluster: Rc<ClusterView>,
    producer: Rc<ProducerView>,
    counts: LedgerCounts,
    alarm_count: u64,
    alarms: Rc<Vec<AlarmRow>>,
    inspector: Option<Rc<InspectorView>>,
    groups: Rc<GroupsView>,
    legend: Rc<Vec<(Rc<str>, u8, usize)>>,
    now: SimTime,
    /// The end of the recorded run, and how many recorded entries lie after now.
    end: SimTime,
    ahead: usize,
    /// The preset's story and goal, if the run has one.
    story: Option<Rc<StoryView>>,
    session_timeout_ms: u64,
    consumer_session_timeout_ms: u64,
    /// Few records and lanes: new records may be animated.
    calm: bool,
}

/// Above this load-generator rate or lane count, new records appear without animation (an
/// animation per record would cost more than a frame has).
const CALM_RATE: f64 = 20.0;
const CALM_LANES: usize = 12;

/// What was drawn last time, so that a frame rebuilds only what changed: lanes whose partition
/// moved (a busy cluster's a few per frame), the groups a few times a second, the cluster when a
/// replica changed state, the producer panel, alarms and inspector when the log is redrawn.
#[derive(Default)]
struct ViewCache {
    run: usize,
    actions: u64,
    groups_stamp: u64,
    log_stamp: u64,
    frame: u64,
    /// Busy frames so far: they alternate between a lane's turn and the clock's.
    beat: u64,
    /// The clock and the scrubber as last drawn: now, the end of the recording, entries ahead.
    clock: (SimTime, SimTime, usize),
    lanes: Vec<Rc<LaneView>>,
    /// The groups generation each lane's markers were made from.
    lane_marks: Vec<u64>,
    /// Bumped whenever the groups change.
    groups_gen: u64,
    groups: Rc<GroupsView>,
    legend: Rc<Vec<(Rc<str>, u8, usize)>>,
    counts: LedgerCounts,
    cluster_key: Vec<u64>,
    cluster: Option<Rc<ClusterView>>,
    producer: Option<Rc<ProducerView>>,
    alarms: Option<(u64, Rc<Vec<AlarmRow>>)>,
    inspector: Option<(Selection, Option<Rc<InspectorView>>)>,
    story: Option<Rc<StoryView>>,
}

/// Lanes refreshed per lane frame (every other frame) when the cluster is busy, taking turns
/// among the lanes on screen ([`LaneSight`]); the others keep their last view, so every lane in
/// sight is redrawn several times a second while a frame stays cheap (the bench's page has about
/// 7 lanes within half a screen of the viewport: each redrawn about 4 times a second at 60
/// frames a second). A lane coming on screen is redrawn at once.
const LANES_PER_FRAME: usize = 1;

fn node_code(n: &NodeId) -> u64 {
    match n {
        NodeId::Controller => 1 << 40,
        NodeId::Broker(b) => u64::from(b.0),
        NodeId::Producer(p) => (2 << 40) + u64::from(p.0),
        NodeId::Consumer(c) => (3 << 40) + u64::from(c.0),
    }
}

/// What the cluster panel draws, as numbers: brokers' liveness, links, and every replica's state.
fn cluster_key(sim: &Sim, partitions: &[PartitionView], key: &mut Vec<u64>) {
    key.clear();
    for (id, alive, fenced) in sim.broker_states() {
        key.push(u64::from(id.0) << 2 | u64::from(alive) << 1 | u64::from(fenced));
    }
    for (from, to) in sim.cut_links() {
        key.extend([node_code(&from), node_code(&to)]);
    }
    key.push(u64::MAX);
    for ((from, to), extra) in sim.slowed_links() {
        key.extend([node_code(&from), node_code(&to), extra]);
    }
    key.push(u64::MAX);
    for v in partitions {
        key.push(u64::from(v.tp.topic.0) << 32 | u64::from(v.tp.partition));
        for b in &v.assignment {
            key.push(u64::from(b.0) << 3 | view_model::replica_state(v, *b) as u64);
        }
    }
}

fn page_view(store: &Store, cache: &mut ViewCache, sight: &LaneSight) -> PageView {
    let run = store.run.borrow();
    let sim = run.sim();
    let run_id = Rc::as_ptr(&store.run) as usize;
    if cache.run != run_id {
        *cache = ViewCache {
            run: run_id,
            ..ViewCache::default()
        };
        cache.groups_stamp = store.groups_stamp.wrapping_sub(1);
        cache.log_stamp = store.log_stamp.wrapping_sub(1);
        cache.actions = store.actions.wrapping_sub(1);
    }
    let acted = cache.actions != store.actions;
    let logged = cache.log_stamp != store.log_stamp;
    // The consumer groups and the ledger's counts: read from the core a few times a second.
    let regrouped = cache.groups_stamp != store.groups_stamp;
    let mut groups_changed = false;
    if regrouped {
        cache.counts = sim.ledger().counts();
        let views = sim.group_views();
        let fresh = view_model::groups(sim, &views, &run.consumer_exits, &cache.groups);
        if fresh != *cache.groups {
            let legend: Vec<(Rc<str>, u8, usize)> = fresh
                .groups
                .iter()
                .map(|g| (g.group.clone(), g.colour, g.members.len()))
                .collect();
            if legend != *cache.legend {
                cache.legend = Rc::new(legend);
            }
            cache.groups = Rc::new(fresh);
            cache.groups_gen += 1;
            groups_changed = true;
        }
    }
    let groups = cache.groups.clone();
    let partitions = view_model::partition_views(sim, 0);
    let calm = run.load().rate() <= CALM_RATE && partitions.len() <= CALM_LANES;
    let full = calm || acted || cache.lanes.len() != partitions.len();
    // A busy frame that already reads the groups or redraws the event log leaves the lanes'
    // turn to the next frame, so that the work spreads over frames instead of piling up on one.
    let lanes_wait = !full && (regrouped || logged);
    // Lanes that came on screen are redrawn now; the busy frames' turns go round the lanes on
    // screen (a lane not drawn yet always is).
    let arrived = sight.take_arrived();
    let shown: Vec<bool> = partitions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            cache
                .lanes
                .get(i)
                .filter(|c| c.tp == v.tp)
                .is_none_or(|c| sight.is_shown(&c.name))
        })
        .collect();
    let shown_count = shown.iter().filter(|s| **s).count();
    let turns = shown_count.div_ceil(LANES_PER_FRAME).max(1) as u64;
    // A busy frame either redraws a lane on screen or moves the clock and the scrubber, never
    // both: in the browser each costs about as much as the rest of the frame, and frames with
    // both were the slowest ones. So each lane on screen is redrawn every 2 x turns frames.
    let lane_frame = !full && !lanes_wait && shown_count > 0 && cache.beat % 2 == 1;
    cache.beat += 1;
    let generation = cache.groups_gen;
    let mut marks_of = std::mem::take(&mut cache.lane_marks);
    marks_of.resize(partitions.len(), u64::MAX);
    // A busy cluster refreshes a few lanes per frame, records and group markers alike; the other
    // lanes keep last frame's view.
    let mut on_screen = 0u64;
    let lanes: Vec<Rc<LaneView>> = partitions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let cached = cache.lanes.get(i).filter(|c| c.tp == v.tp);
            let mut turn = full || cached.is_some_and(|c| arrived.contains(&c.name));
            if shown[i] {
                turn |= lane_frame && on_screen % turns == cache.frame % turns;
                on_screen += 1;
            }
            let lane = match cached {
                Some(c) if !turn => return c.clone(),
                Some(c) if view_model::lane_is_current(c, v) => {
                    if marks_of[i] == generation {
                        return c.clone();
                    }
                    let marks = view_model::group_marks(c.tp, &groups);
                    if marks == c.groups {
                        c.clone()
                    } else {
                        Rc::new(LaneView {
                            groups: marks,
                            ..(**c).clone()
                        })
                    }
                }
                _ => {
                    let windowed = sim.partition_view_tail(v.tp, LANE_WINDOW);
                    Rc::new(view_model::lane(
                        sim,
                        windowed.as_ref().unwrap_or(v),
                        &groups,
                        cached.map(|c| &**c),
                    ))
                }
            };
            marks_of[i] = generation;
            lane
        })
        .collect();
    cache.lanes.clone_from(&lanes);
    cache.lane_marks = marks_of;
    if lane_frame {
        cache.frame += 1;
    } else {
        cache.clock = (sim.now(), run.timeline.end(), run.timeline.entries_ahead());
    }

    let mut key = std::mem::take(&mut cache.cluster_key);
    cluster_key(sim, &partitions, &mut key);
    let cluster = match &cache.cluster {
        Some(c) if key == cache.cluster_key => c.clone(),
        _ => {
            let c = Rc::new(view_model::cluster(sim, &partitions));
            cache.cluster = Some(c.clone());
            c
        }
    };
    cache.cluster_key = key;

    let producer = match &cache.producer {
        Some(p) if !acted && !logged => p.clone(),
        _ => {
            let p = Rc::new(view_model::producer(&run));
            cache.producer = Some(p.clone());
            p
        }
    };
    let alarms = match &cache.alarms {
        Some((count, a)) if *count == run.alarm_count && !acted => a.clone(),
        _ => {
            let a = Rc::new(view_model::alarms(&run));
            cache.alarms = Some((run.alarm_count, a.clone()));
            a
        }
    };
    let inspector = match (&cache.inspector, &store.selection) {
        (_, None) => None,
        (Some((s, i)), Some(sel)) if s == sel && !acted && !logged && !groups_changed => i.clone(),
        (_, Some(sel)) => {
            let i = view_model::inspector(sim, sel, &groups).map(Rc::new);
            cache.inspector = Some((sel.clone(), i.clone()));
            i
        }
    };
    // The goal is read with the groups (a few times a second): checking it may walk the ledger.
    let story = crate::time_travel::story_view(
        &run.timeline,
        sim.now(),
        &mut cache.story,
        acted || regrouped,
    );
    cache.actions = store.actions;
    cache.log_stamp = store.log_stamp;
    cache.groups_stamp = store.groups_stamp;

    PageView {
        cluster,
        lanes: Rc::new(lanes),
        producer,
        counts: cache.counts,
        alarm_count: run.alarm_count,
        alarms,
        inspector,
        groups,
        legend: cache.legend.clone(),
        now: cache.clock.0,
        end: cache.clock.1,
        ahead: cache.clock.2,
        story,
        session_timeout_ms: sim.config().broker.broker_session_timeout_ms,
        consumer_session_timeout_ms: sim.config().consumer.session_timeout_ms,
        calm,
    }
}

/// The callbacks handed to panels.
struct Callbacks {
    onselect: Callback<Selection>,
    onclose_inspector: Callback<()>,
    onclose_overlay: Callback<()>,
    onfault: Callback<(u32, BrokerFault)>,
    onapply: Callback<Vec<Command>>,
}

fn theme_label(theme: Theme) -> &'static str {
    match theme {
        Theme::Auto => "◐ auto",
        Theme::Light => "☀ light",
        Theme::Dark => "☾ dark",
    }
}

/// The whole page.
#[component]
pub fn App(props: &AppProps) -> Html {
    let store = {
        let (params, session) = (props.params.clone(), props.session);
        use_reducer(move || resumed_store(params, session))
    };
    let dispatch: Callback<Action> = {
        let dispatcher = store.dispatcher();
        (*use_memo((), move |_| {
            Callback::from(move |a: Action| dispatcher.dispatch(a))
        }))
        .clone()
    };
    use_frame_loop(dispatch.reform(|wall_ms| Action::Tick { wall_ms }));
    use_shortcuts(dispatch.clone());
    use_link_opener(dispatch.clone());
    use_session_saver(&store, props.session);
    crate::embed::use_embed(&store, dispatch.clone(), &props.framing);
    use_effect_with(store.theme, |theme| {
        if let Some(root) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.document_element())
        {
            let _ = root.set_attribute("data-theme", theme.attr());
        }
    });
    use_effect_with((), |_| {
        // The browser bench and the e2e tests read this mark: the first frame with the cluster drawn.
        if let Some(p) = web_sys::window().and_then(|w| w.performance()) {
            let _ = p.mark("kafka-playground-first-render");
        }
    });

    let view_cache = use_mut_ref(ViewCache::default);
    let sight = (*use_memo((), |_| LaneSight::new())).clone();
    let view = {
        let store = (*store).clone();
        let sight = sight.clone();
        use_memo(store.version, move |_| {
            page_view(&store, &mut view_cache.borrow_mut(), &sight)
        })
    };
    let log_rows = {
        let store = (*store).clone();
        let key = (Rc::as_ptr(&store.run) as usize, store.log_stamp);
        use_memo(key, move |_| {
            let run = store.run.borrow();
            // While a busy cluster plays, fewer rows: they are replaced every redraw anyway.
            let busy = store.playing && run.load().rate() > BUSY_LOG_RATE;
            let limit = if busy { BUSY_LOG_ROWS } else { LOG_ROWS };
            // The count of events is read with the rows it describes, so the log is not redrawn
            // every frame for a number alone.
            (
                Rc::new(run.log.lines(run.sim(), &store.log_filter, limit)),
                run.log.total(),
            )
        })
    };
    let charts = {
        let run = store.run.clone();
        let key = {
            let r = run.borrow();
            (
                Rc::as_ptr(&store.run) as usize,
                r.charts.head(),
                r.charts.samples().back().map(|s| s.at),
            )
        };
        use_memo(key, move |_| Rc::new(ChartData::of(&run.borrow().charts)))
    };

    // Callbacks made once, so that panels whose data did not change skip their render.
    let callbacks = {
        let d = dispatch.clone();
        use_memo((), move |_| Callbacks {
            onselect: d.reform(|s: Selection| Action::Select(Some(s))),
            onclose_inspector: d.reform(|_| Action::Select(None)),
            onclose_overlay: d.reform(|_| Action::ShowOverlay(Overlay::None)),
            onfault: d.reform(|(b, f)| Action::Fault(b, f)),
            onapply: d.reform(Action::Apply),
        })
    };
    let onmodelled = dispatch.reform(|_: MouseEvent| Action::ToggleOverlay(Overlay::Modelled));
    let onhelp = dispatch.reform(|_: MouseEvent| Action::ToggleOverlay(Overlay::Help));
    let ontheme = {
        let theme = store.theme;
        dispatch.reform(move |_: MouseEvent| Action::SetTheme(theme.next()))
    };
    let ondismiss = dispatch.reform(|_: MouseEvent| Action::DismissNotice);
    let first_leader = view.lanes.first().map(|l| (l.name.clone(), l.leader));
    let selected_broker = match &store.selection {
        Some(Selection::Broker(b)) => Some(b.0),
        _ => None,
    };
    let framing = &props.framing;
    let (embed, shows) = (framing.embed, |p: Panel| framing.panels.shows(p));
    let chrome = !embed;

    html! {
        <div class={classes!("app", embed.then_some("embed"))} data-testid="app">
            if chrome {
            <a class="skip-link" href="#lanes-title">{ "Skip to the topic lanes" }</a>
            <header class="app-header">
                <div class="brand">
                    <h1 class="product-name" data-testid="product-name">{ "Kafka Playground" }</h1>
                    <p class="tagline" data-testid="tagline">
                        { "A Kafka cluster you can break in the browser: brokers, replicated partitions, a producer and consumer groups, simulated the way Apache Kafka behaves." }
                    </p>
                </div>
                <nav class="header-actions" aria-label="Page">
                    <button class="button" onclick={onmodelled} data-testid="open-modelled">{ "What is modelled" }</button>
                    <button class="button" onclick={onhelp} aria-label="Help and keyboard shortcuts (?)" data-testid="open-help">{ "Help ?" }</button>
                    <button class="button" onclick={ontheme} data-testid="theme-toggle"
                            aria-label={format!("Colour theme: {} (click to change)", theme_label(store.theme))}>
                        { theme_label(store.theme) }
                    </button>
                </nav>
            </header>
            <p class="hints" data-testid="hints">
                <strong>{ "Try: " }</strong>
                { match &first_leader {
                    Some((name, Some(b))) => format!("kill the leader of {name} (broker {b}) and watch a follower take over · "),
                    Some((name, None)) => format!("{name} has no leader: restart a broker · "),
                    None => String::new(),
                } }
                if let Some(g) = view.groups.groups.first() {
                    { format!("crash a consumer of {} and see its partitions move after session.timeout.ms · ", g.group) }
                }
                { "send three records with one key · slow a follower · set acks=1 and kill a leader · press ? for shortcuts" }
            </p>
            }
            if let Some(notice) = &store.notice {
                <div class="notice" role="alert" data-testid="notice">
                    <span>{ notice.to_string() }</span>
                    <button class="button" onclick={ondismiss} aria-label="Dismiss">{ "×" }</button>
                </div>
            }
            if framing.controls {
                <Controls playing={store.playing} speed={store.speed} now={view.now}
                          params={store.params.clone()} dispatch={dispatch.clone()} />
            }
            if shows(Panel::Scrubber) {
                <Scrubber now={view.now} end={view.end} ahead={view.ahead} dispatch={dispatch.clone()} />
            }
            if chrome {
                <RunMenu run={RunHandle(store.run.clone())} params={store.params.clone()} dispatch={dispatch.clone()} />
            }
            <main class="layout" data-testid="cluster-area">
                <div class="col-main">
                    if shows(Panel::Lanes) {
                    <Lanes lanes={view.lanes.clone()} calm={view.calm} selection={store.selection.clone()}
                           legend={view.legend.clone()} onselect={callbacks.onselect.clone()}
                           sight={SightHandle(sight.clone())} />
                    }
                    if shows(Panel::Groups) {
                    <GroupsPanel view={view.groups.clone()} session_timeout_ms={view.consumer_session_timeout_ms}
                                 selection={store.selection.clone().filter(|s| matches!(s, Selection::Group(_) | Selection::Consumer(_)))}
                                 onapply={callbacks.onapply.clone()} onselect={callbacks.onselect.clone()} />
                    }
                    if shows(Panel::Cluster) {
                    <Cluster view={view.cluster.clone()} session_timeout_ms={view.session_timeout_ms}
                             selected={selected_broker}
                             onfault={callbacks.onfault.clone()}
                             onapply={callbacks.onapply.clone()} onselect={callbacks.onselect.clone()} />
                    }
                    if shows(Panel::Log) {
                    <EventLog rows={log_rows.0.clone()} total={log_rows.1} filter={store.log_filter.clone()}
                              selection={store.selection.clone()} dispatch={dispatch.clone()} />
                    }
                </div>
                <div class="col-side">
                    if let (Some(story), true) = (&view.story, shows(Panel::Story)) {
                        <StoryPanel view={story.clone()} compact={embed} onpreset={
                            let d = dispatch.clone();
                            Callback::from(move |name: String| load_preset(name, d.clone()))
                        } />
                    }
                    if shows(Panel::Producer) {
                        <ProducerPanel view={view.producer.clone()} dispatch={dispatch.clone()} />
                    }
                    if shows(Panel::Inspector) {
                        <Inspector view={view.inspector.clone()} onclose={callbacks.onclose_inspector.clone()} />
                    }
                    if shows(Panel::Ledger) {
                        <LedgerPanel counts={view.counts} alarm_count={view.alarm_count} alarms={view.alarms.clone()} />
                    }
                    if shows(Panel::Charts) {
                        <Charts data={(*charts).clone()} />
                    }
                    if chrome {
                        <ConfigPanel params={store.params.clone()} dispatch={dispatch.clone()} />
                    }
                </div>
            </main>
            if chrome {
            <footer class="app-footer" data-testid="footer">
                { format!("Kafka Playground v{VERSION} · seed {} · open source (MIT OR Apache-2.0)", store.params.seed) }
            </footer>
            }
            <Overlays open={store.overlay} onclose={callbacks.onclose_overlay.clone()} />
        </div>
    }
}
