// Browser bench of time travel (run by hand, never by `npm test`; it measures, it asserts nothing):
//
//   trunk build --release && node tests/e2e/bench/seek_time.mjs
//
// 1. Records a session of BENCH_SESSION_S simulated seconds (default 600) on BENCH_QUERY (default:
//    the running example at 100x), then makes its share link with the Share button.
// 2. Opens the link in a fresh page: the whole session is replayed (checkpoints taken on the way);
//    reports the wall time from navigation until the clock shows the shared moment.
// 3. Seeks to 40 random moments with the scrubber: performance.now() from setting the range to the
//    frame whose clock shows the moment (the seek itself plus one render).
import { serveDirectory } from '../support/static_server.mjs';
import { launch, DIST } from '../support/browser.mjs';
import { seek } from '../specs/time_travel_support.mjs';

const SESSION_MS = Number(process.env.BENCH_SESSION_S ?? 600) * 1000;
const QUERY = process.env.BENCH_QUERY ?? '?speed=100&rate=4';

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const clock = (page) =>
  page.evaluate(() => {
    const m = document.querySelector('[data-testid="clock"]').textContent.match(/(\d+)\.(\d{3})s/);
    return Number(m[1]) * 1000 + Number(m[2]);
  });

const server = await serveDirectory(DIST);
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(server.url + QUERY);
  await page.locator('[data-testid="lane-orders-0"]').waitFor();
  const started = Date.now();
  await page.waitForFunction(
    (ms) => {
      const m = document.querySelector('[data-testid="clock"]').textContent.match(/(\d+)\.(\d{3})s/);
      return Number(m[1]) * 1000 + Number(m[2]) >= ms;
    },
    SESSION_MS,
    { timeout: 30 * 60_000, polling: 500 },
  );
  await page.locator('[data-testid="play"]').click();
  const end = await clock(page);
  console.log(`session: ${QUERY}, ${(end / 1000).toFixed(1)} simulated s recorded in ${((Date.now() - started) / 1000).toFixed(1)} wall s`);
  await page.locator('[data-testid="share"]').click();
  const link = await page.locator('[data-testid="share-link"]').inputValue();
  console.log(`share link: ${link.length} characters`);

  const other = await browser.context.newPage();
  const t0 = Date.now();
  await other.goto(link);
  await other.waitForFunction((e) => document.querySelector('[data-testid="clock"]')?.textContent === `t = ${(e / 1000).toFixed(3)}s`, end, { timeout: 30 * 60_000, polling: 100 });
  console.log(`opening the link (full replay): ${Date.now() - t0} ms`);

  let x = 0x2545f491;
  const times = [];
  for (let i = 0; i < 40; i++) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    const at = Math.floor((x % end) / 100) * 100;
    times.push(await seek(other, at));
  }
  const memory = await other.evaluate(() => performance.memory?.usedJSHeapSize);
  console.log(`40 seeks: p50 ${pct(times, 50).toFixed(1)} ms, p95 ${pct(times, 95).toFixed(1)} ms, max ${Math.max(...times).toFixed(1)} ms (JS heap ${(memory / 1048576).toFixed(0)} MiB)`);
} finally {
  await browser.close();
  await server.close();
}
