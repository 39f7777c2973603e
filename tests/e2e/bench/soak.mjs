// Soak test of the built page (issue 7; run by hand or by `./dev soak`-style use, never by
// `npm test`: it takes SOAK_SECONDS, default 600, of wall time):
//
//   trunk build --release && node tests/e2e/bench/soak.mjs
//
// The bench cluster (6 brokers, 3 topics x 12 partitions RF 3, 3 groups, 2,000 records/s) plays
// at 1x while a seeded random fault is clicked every SOAK_FAULT_EVERY_S (default 5) wall seconds,
// as a person would: kill / restart / isolate / reconnect / slow a broker, crash / stop / restart a
// consumer. It fails (exit 1) on any console error, page error, failed request or the panic panel,
// and when the JS heap after GC grows more than 25 % from a minute into the faults to the end (the lanes
// keep a fixed window, so the JS side must stay flat; the core's wasm memory grows with the
// records it retains and with time-travel checkpoints, whose unshared records are capped at 64 MiB,
// and is reported).
import { loadavg } from 'node:os';
import { serveDirectory } from '../support/static_server.mjs';
import { launch, watchForProblems, DIST, screenshot } from '../support/browser.mjs';
import { BENCH_QUERY, openBenchPage } from '../support/bench_page.mjs';

const SECONDS = Number(process.env.SOAK_SECONDS ?? 600);
const FAULT_EVERY_S = Number(process.env.SOAK_FAULT_EVERY_S ?? 5);
const SEED = Number(process.env.SOAK_SEED ?? 1);
const QUERY = process.env.SOAK_QUERY ?? BENCH_QUERY;
const FAULTS = ['kill-broker-', 'restart-broker-', 'isolate-broker-', 'reconnect-broker-', 'slow-broker-',
  'crash-consumer-', 'stop-consumer-', 'restart-consumer-'];

/** mulberry32: a tiny seeded generator, so a soak's fault sequence can be replayed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const mib = (x) => `${(x / 1048576).toFixed(1)} MiB`;

const server = await serveDirectory(DIST);
const browser = await launch();
let failed = false;
try {
  const page = await browser.context.newPage();
  const problems = watchForProblems(page);
  const sample = await openBenchPage(page, server.url + QUERY);
  console.log(`soak: ${QUERY}, ${SECONDS} s, a fault every ${FAULT_EVERY_S} s (seed ${SEED}), load average ${loadavg()[0].toFixed(2)}`);
  const random = rng(SEED);
  const started = Date.now();
  // Warm-up: the lanes, the event log and the charts (120 simulated seconds) fill their windows.
  const warmUpS = Math.min(150, SECONDS / 4);
  await page.waitForTimeout(warmUpS * 1000);
  const baseline = await sample();
  const clicked = {};
  const samples = [];
  let next = 0;
  while (Date.now() - started < SECONDS * 1000) {
    await page.waitForTimeout(FAULT_EVERY_S * 1000);
    const kind = FAULTS[Math.floor(random() * FAULTS.length)];
    const buttons = page.locator(`[data-testid^="${kind}"]:not([disabled])`);
    const n = await buttons.count();
    if (n > 0) {
      await buttons.nth(Math.floor(random() * n)).click();
      clicked[kind] = (clicked[kind] ?? 0) + 1;
    }
    if (Date.now() - started >= next) {
      const s = await sample();
      samples.push(s);
      console.log(`  ${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s  heap ${mib(s.heap).padStart(9)}  wasm ${mib(s.wasm).padStart(10)}  nodes ${String(s.nodes).padStart(6)}  ${s.clock}  sent ${s.sent}`);
      next = Date.now() - started + 60_000;
    }
    if (await page.locator('[data-testid="panic-panel"]').count()) problems.push('the panic panel is shown');
    if (problems.length) break;
  }
  const end = await sample();
  await screenshot(page, 'soak-end');
  // The first faults add DOM once (crashed members, alarms, isolated links), so the heap is judged
  // from the sample a minute into the faults to the end.
  const reference = samples[1] ?? samples[0] ?? baseline;
  const growth = end.heap / reference.heap - 1;
  console.log(`faults clicked: ${JSON.stringify(clicked)}`);
  console.log(`JS heap after GC: ${mib(baseline.heap)} after ${warmUpS} s of warm-up, ${mib(reference.heap)} a minute into the faults, ${mib(end.heap)} at the end (${(growth * 100).toFixed(1)} % since); wasm memory ${mib(baseline.wasm)} -> ${mib(end.wasm)}; DOM nodes ${baseline.nodes} -> ${end.nodes}`);
  if (problems.length) {
    console.log(`FAIL: ${problems.join('; ')}`);
    failed = true;
  } else if (SECONDS < 600) {
    console.log(`no error, no panic; the heap verdict needs SOAK_SECONDS >= 600 (this run: ${SECONDS})`);
  } else if (growth > 0.25) {
    console.log('FAIL: the JS heap grew more than 25 % while the faults went on');
    failed = true;
  } else {
    console.log('PASS: no error, no panic, JS heap flat');
  }
} finally {
  await browser.close();
  await server.close();
}
process.exit(failed ? 1 : 0);
