// A learner scrubs back before a broker was killed, sees the cluster as it was, plays the
// recorded kill again, then scrubs back once more and continues from there on another branch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';
import { seek, clockPast } from './time_travel_support.mjs';

const s = suite();

test('scrub back, replay the recorded future, then continue from here', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=10');
  await clockPast(page, 3_000);
  const leader = await playground.leaderOf('orders-0');
  await playground.killBroker(leader);
  const killedAt = await playground.clockMs();
  await page.waitForFunction(
    (old) => !['', old].includes(document.querySelector('[data-testid="lane-orders-0"]').dataset.leader),
    leader, { timeout: 20_000 });
  await playground.togglePlay();
  const end = await playground.clockMs();

  // Back to a second before the kill: the old leader leads and is running.
  const back = Math.floor((killedAt - 1_000) / 100) * 100;
  const ms = await seek(page, back);
  console.log(`# seek back ${end - back} ms of a ${end} ms session: ${ms.toFixed(1)} ms (seek + render)`);
  assert.equal(await playground.clockMs(), back);
  assert.equal(await playground.leaderOf('orders-0'), leader);
  assert.equal(await playground.byTestId(`broker-status-${leader}`).textContent(), 'running');
  assert.match(await playground.byTestId('scrubber-past').textContent(), /replays 1 recorded action/);
  await screenshot(page, 'time_travel-back');

  // Forward again with the scrubber: the recorded kill is replayed.
  await seek(page, Math.floor(end / 100) * 100);
  assert.equal(await playground.byTestId(`broker-status-${leader}`).textContent(), 'killed');

  // Back again, and continue from here: the kill is forgotten, the run goes on without it.
  await seek(page, back);
  await playground.byTestId('continue-here').click();
  assert.equal(await playground.byTestId('scrubber-past').count(), 0);
  assert.equal(await playground.byTestId('continue-here').count(), 0);
  await playground.togglePlay();
  await clockPast(page, end + 1_000);
  assert.equal(await playground.byTestId(`broker-status-${leader}`).textContent(), 'running');
  assert.equal(await playground.leaderOf('orders-0'), leader);
  await screenshot(page, 'time_travel-continued');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the scrubber is a labelled range the keyboard can move', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=4');
  await clockPast(page, 3_000);
  await playground.togglePlay();
  const range = playground.byTestId('scrubber-range');
  assert.equal(await range.getAttribute('aria-label'), 'Timeline: go to a moment of the run');
  assert.match(await range.getAttribute('aria-valuetext'), /^\d+\.\d{3}s of \d+\.\d{3}s$/);
  await range.focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('[data-testid="clock"]').textContent.includes('0.000s'));
  await page.keyboard.press('ArrowRight');
  await page.waitForFunction(() => document.querySelector('[data-testid="clock"]').textContent.includes('0.100s'));
  assert.deepEqual(problems, []);
  await page.close();
});

test('the event log and the charts keep their history across seeks and mark a jump', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=10');
  await clockPast(page, 14_000);
  await playground.togglePlay();
  const end = await playground.clockMs();
  const logTimes = () => page.$$eval('[data-testid="log-row"] .log-time',
    (ts) => ts.map((t) => { const m = t.textContent.match(/(\d+)\.(\d{3})s/); return Number(m[1]) * 1000 + Number(m[2]); }));
  const points = () => page.$$eval('[data-testid="chart-produce"] polyline',
    (ls) => ls.map((l) => l.getAttribute('points').split(' ').length).reduce((a, b) => a + b, 0));

  // Back to 6 s: the log and the charts show the run up to there, nothing after, no gap.
  await seek(page, 6_000);
  const back = await logTimes();
  assert.ok(back.length > 5, `${back.length} rows`);
  assert.ok(back.every((t) => t <= 6_000), `rows after the target: ${back.filter((t) => t > 6_000)}`);
  assert.ok(await points() >= 5, 'six simulated seconds of samples');
  assert.equal(await playground.byTestId('chart-gap').count(), 0);
  assert.equal(await playground.byTestId('log-note').count(), 0);
  await screenshot(page, 'time_travel-history-back');

  // A long jump forward: the log says what it skipped, the charts shade the stretch.
  const to = Math.floor(end / 100) * 100;
  await seek(page, to);
  const note = playground.byTestId('log-note').first();
  // It jumps from 6 s, or from the first event after 6 s when the log no longer knew which
  // event came next (it forgot busy kinds' events after 6 s): played up to, that event is shown.
  assert.match(await note.textContent(), new RegExp(`jumped from 6\\.\\d{3}s to ${(to / 1000).toFixed(3).replace('.', '\\.')}s`));
  assert.ok(await playground.byTestId('chart-gap').count() >= 1);
  // Once the next event comes (one step), the note counts the events skipped: the core
  // numbers its events, so the count is the difference of two ids.
  await playground.byTestId('step').click();
  const counted = await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="log-note"]')]
    .map((n) => n.textContent).find((t) => /jumped from .*: the \d+ events between are not shown/.test(t)), null, { timeout: 5_000 })
    .catch(async () => { throw new Error(`notes: ${await page.$$eval('[data-testid="log-note"]', (ns) => ns.map((n) => n.textContent))}`); });
  console.log(`# ${await counted.jsonValue()}`);
  await screenshot(page, 'time_travel-history-jump');
  assert.deepEqual(problems, []);
  await page.close();
});
