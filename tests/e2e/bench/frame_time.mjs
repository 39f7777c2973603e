// Browser bench of the built page (run by hand, never by `npm test`; it measures, it asserts nothing):
//
//   trunk build --release && node tests/e2e/bench/frame_time.mjs
//
// 1. Payload: wasm + js + css of dist/, raw and gzip -9 (payload.mjs).
// 2. First render: the app's `kafka-playground-first-render` mark on the default page, median of 5
//    fresh loads.
// 3. Frame time under load: 6 brokers, 3 topics x 12 partitions RF 3, 3 consumer groups (7
//    consumers reading every topic), the load generator at
//    2,000 records per simulated second, played at 1x for BENCH_SECONDS (default 60) wall seconds.
//    A requestAnimationFrame callback registered after the app's reads, every frame:
//      script  = time from the frame's start to the end of the app's rAF work (sim + Yew render),
//      frame   = time from the frame's start to the next task (adds style, layout and paint),
//      interval = time between frame starts (shows dropped frames).
//    JS heap (after a forced GC) and wasm linear memory are sampled every 10 s.
// 4. Main-thread CPU per frame from a 5 s Chrome trace (thread time, so less skewed by other
//    processes than the wall-clock figures above), split into script, style, layout and paint,
//    and its p50/p95 over the frames (every task from one frame's start to the next's).
import { loadavg, cpus } from 'node:os';
import { serveDirectory } from '../support/static_server.mjs';
import { launch, DIST } from '../support/browser.mjs';
import { printPayload } from './payload.mjs';
import { BENCH_QUERY, openBenchPage } from '../support/bench_page.mjs';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 60);
const QUERY = process.env.BENCH_QUERY ?? BENCH_QUERY;

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const ms = (x) => `${x.toFixed(2)} ms`;
const kb = (x) => `${(x / 1024).toFixed(1)} KiB`;

async function firstRender(browser, url) {
  const times = [];
  for (let i = 0; i < 5; i++) {
    const page = await browser.context.newPage();
    await page.goto(url);
    await page.waitForFunction(() => performance.getEntriesByName('kafka-playground-first-render').length > 0);
    times.push(await page.evaluate(() => performance.getEntriesByName('kafka-playground-first-render')[0].startTime));
    await page.close();
  }
  console.log(`  runs: ${times.map((t) => t.toFixed(0)).join(', ')} ms; median ${ms(pct(times, 50))}`);
}

async function frames(browser, url) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  const memory = await openBenchPage(page, url + QUERY);
  // Frame records go into typed arrays allocated up front, so the bench's own bookkeeping does not
  // grow the JS heap it measures.
  await page.evaluate((capacity) => {
    window.__frames = { n: 0, start: new Float64Array(capacity), script: new Float64Array(capacity), frame: new Float64Array(capacity) };
    const channel = new MessageChannel();
    let pending = -1;
    channel.port1.onmessage = () => {
      if (pending >= 0) {
        window.__frames.frame[pending] = performance.now() - window.__frames.start[pending];
        pending = -1;
      }
    };
    const onFrame = (start) => {
      const f = window.__frames;
      if (f.n < capacity) {
        f.start[f.n] = start;
        f.script[f.n] = performance.now() - start;
        f.frame[f.n] = NaN;
        pending = f.n;
        f.n += 1;
        channel.port2.postMessage(0);
      }
      requestAnimationFrame(onFrame);
    };
    requestAnimationFrame(onFrame);
  }, (SECONDS + 10) * 120);
  await page.waitForTimeout(3_000); // warm-up
  await page.evaluate(() => { window.__frames.n = 0; });
  const samples = [await memory()];
  for (let t = 10; t <= SECONDS; t += 10) {
    await page.waitForTimeout(Math.min(10, SECONDS - t + 10) * 1000);
    samples.push(await memory());
  }
  const f = await page.evaluate(() => {
    const r = window.__frames;
    return Array.from({ length: r.n }, (_, i) => ({ start: r.start[i], script: r.script[i], frame: r.frame[i] }));
  });
  const script = f.map((x) => x.script);
  const frame = f.map((x) => x.frame).filter((x) => !Number.isNaN(x));
  const intervals = f.slice(1).map((x, i) => x.start - f[i].start);
  const dropped = intervals.filter((x) => x > 25).length;
  console.log(`  query ${QUERY}, ${SECONDS} s wall, ${f.length} frames (${(f.length / SECONDS).toFixed(1)} fps)`);
  console.log(`  script (sim + Yew)   p50 ${ms(pct(script, 50))}  p95 ${ms(pct(script, 95))}  p99 ${ms(pct(script, 99))}  max ${ms(Math.max(...script))}`);
  console.log(`  frame (+style/paint) p50 ${ms(pct(frame, 50))}  p95 ${ms(pct(frame, 95))}  p99 ${ms(pct(frame, 99))}  max ${ms(Math.max(...frame))}`);
  console.log(`  rAF interval         p50 ${ms(pct(intervals, 50))}  p95 ${ms(pct(intervals, 95))}  frames over 25 ms: ${dropped}`);
  if (process.env.BENCH_DUMP) {
    const t0 = f[0]?.start ?? 0;
    console.log('  slowest frames (wall ms since start: script / frame):');
    [...f].sort((a, b) => b.script - a.script).slice(0, 40)
      .sort((a, b) => a.start - b.start)
      .forEach((x) => console.log(`    ${(x.start - t0).toFixed(0).padStart(6)}  ${x.script.toFixed(1)} / ${x.frame.toFixed(1)}`));
  }
  console.log('  memory after GC (time, JS heap, wasm memory, DOM nodes, records sent, sim clock):');
  samples.forEach((s, i) => console.log(`    ${String(i * 10).padStart(3)} s  heap ${kb(s.heap).padStart(10)}  wasm ${kb(s.wasm).padStart(11)}  nodes ${String(s.nodes).padStart(6)}  sent ${s.sent.padStart(7)}  ${s.clock}`));
  await page.close();
}

async function traceCpu(browser, url) {
  const page = await browser.context.newPage();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(url + QUERY);
  await page.waitForTimeout(5_000);
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (d) => events.push(...d.value));
  const done = new Promise((ok) => cdp.once('Tracing.tracingComplete', ok));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  });
  await page.waitForTimeout(5_000);
  await cdp.send('Tracing.end');
  await done;
  const raf = events.filter((e) => e.name === 'FireAnimationFrame');
  const main = raf[0]?.tid;
  const total = new Map();
  for (const e of events) {
    if (e.tid === main && e.ph === 'X' && e.tdur) total.set(e.name, (total.get(e.name) ?? 0) + e.tdur / 1000);
  }
  const per = (name) => ms((total.get(name) ?? 0) / raf.length);
  console.log(`  ${raf.length} frames in 5 s; per frame: all tasks ${per('RunTask')}, rAF (sim + Yew) ${per('FireAnimationFrame')}, ` +
    `style ${per('UpdateLayoutTree')}, layout ${per('Layout')}, pre-paint ${per('PrePaint')}, paint ${per('Paint')}, ` +
    `layerize ${per('Layerize')}, commit ${per('Commit')}`);
  // The same thread time frame by frame (every task from one frame's start to the next's), so
  // that the budget's percentile can be read off a loaded machine too.
  const starts = raf.map((e) => e.ts).sort((a, b) => a - b);
  const perFrame = new Float64Array(starts.length);
  const tasks = events.filter((e) => e.tid === main && e.ph === 'X' && e.name === 'RunTask' && e.tdur).sort((a, b) => a.ts - b.ts);
  let i = 0;
  for (const t of tasks) {
    while (i + 1 < starts.length && starts[i + 1] <= t.ts + t.dur) i++;
    if (t.ts + t.dur >= starts[0]) perFrame[i] += t.tdur / 1000;
  }
  console.log(`  main-thread CPU per frame: p50 ${ms(pct(perFrame, 50))}  p95 ${ms(pct(perFrame, 95))}  p99 ${ms(pct(perFrame, 99))}`);
  await page.close();
}

const server = await serveDirectory(DIST);
const browser = await launch();
// Other work on the machine skews every figure: say how busy it was.
const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
console.log(`machine: ${cpus().length} CPUs, load average ${load()} (1, 5, 15 min) at start`);
try {
  console.log('payload (dist/):');
  await printPayload();
  console.log('first render (default page, fresh load):');
  await firstRender(browser, server.url);
  console.log('frame time under load:');
  await frames(browser, server.url);
  console.log('main-thread CPU under load (Chrome trace):');
  await traceCpu(browser, server.url);
  console.log(`load average ${load()} at the end`);
} finally {
  await browser.close();
  await server.close();
}
