// A learner shares a run: the link (#run=, deflate-raw + base64url) opened in another page shows
// the same moment of the same run — clock, ledger, leaders, brokers — paused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';
import { visibleState, clockPast } from './time_travel_support.mjs';

const s = suite();

test('a share link opens the same state of the same run', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4&rate=10');
  await clockPast(page, 4_000);
  const leader = await playground.leaderOf('orders-0');
  await playground.killBroker(leader);
  await clockPast(page, 12_000);
  await playground.togglePlay(); // pause, so both pages show one moment
  await playground.byTestId('share').click();
  const link = await playground.byTestId('share-link').inputValue();
  assert.match(link, /#run=[A-Za-z0-9_-]+&t=\d+$/);
  const shared = await visibleState(page);
  await screenshot(page, 'share_link-sharer');

  const other = await s.newPage();
  await other.page.goto(link);
  await other.playground.lane('orders-0').waitFor({ state: 'visible' });
  await other.page.waitForFunction((c) => document.querySelector('[data-testid="clock"]').textContent === c, shared.clock);
  const opened = await visibleState(other.page);
  assert.deepEqual(opened, shared);
  assert.equal(await other.playground.byTestId('play').getAttribute('aria-pressed'), 'false', 'opens paused');
  assert.equal(await other.playground.byTestId(`broker-status-${leader}`).textContent(), 'killed');
  await screenshot(other.page, 'share_link-opened');

  // Both play on identically: the run is deterministic from the link.
  await other.playground.byTestId('advance-1s').click();
  await playground.byTestId('advance-1s').click();
  const after = await visibleState(other.page);
  assert.deepEqual(after, await visibleState(page));

  // Once opened, the link became the session: a reload resumes it with the second added, not
  // the link's moment again.
  assert.equal(new URL(other.page.url()).hash, '', 'the fragment is cleared once opened');
  await other.page.reload();
  await other.playground.lane('orders-0').waitFor({ state: 'visible' });
  await other.page.waitForFunction((c) => document.querySelector('[data-testid="clock"]').textContent === c, after.clock);
  assert.deepEqual(await visibleState(other.page), after);
  assert.deepEqual(problems, []);
  assert.deepEqual(other.problems, []);
  await page.close();
  await other.page.close();
});
