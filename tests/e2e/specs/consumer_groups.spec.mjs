// A learner crashes a consumer of the example's `analytics` group: its partitions stay without an
// owner until the coordinator has missed its heartbeats for session.timeout.ms (6 s in the demo
// timing), then the group rebalances and the other consumers take them over. Stopping a consumer
// gracefully sends LeaveGroup instead, and its partitions move within a couple of seconds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();
/** Demo timing's session.timeout.ms, in simulated milliseconds. */
const SESSION_TIMEOUT_MS = 6_000;
/** Demo timing's heartbeat.interval.ms. */
const HEARTBEAT_INTERVAL_MS = 1_000;

/** Opens the page at `speed` and waits until every analytics consumer owns a partition. */
async function openWithStableGroups(playground, page, speed) {
  await playground.open(`?speed=${speed}&rate=10`);
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="group-state-analytics"]')?.textContent === 'Stable' &&
    [0, 1, 2].every((c) => /orders-\d/.test(document.querySelector(`[data-testid="member-partitions-${c}"]`)?.textContent ?? '')),
  null, { timeout: 20_000 });
}

test('crash a consumer: its partitions are reassigned only after the session timeout', async () => {
  const { page, problems, playground } = await s.newPage();
  // 4×: the groups are Stable after about a wall second; then the test steps the paused clock.
  await openWithStableGroups(playground, page, 4);
  await playground.togglePlay(); // pause, so the crash happens at a known simulated time
  const partitions = (await playground.memberPartitions(0)).split(', ');
  assert.ok(partitions.length >= 1, `consumer 0 owns ${partitions}`);
  const crashedAt = await playground.clockMs();
  await playground.byTestId('crash-consumer-0').click();
  assert.equal(await playground.byTestId('member-state-0').textContent(), 'crashed');

  // Step the paused clock one simulated second at a time (every click re-reads the groups) and
  // note when another consumer owns the crashed one's partitions.
  const reassigned = async () => (await Promise.all(partitions.map((p) => playground.lagOwner('analytics', p))))
    .every((o) => /consumer [12]/.test(o));
  let seconds = 0;
  while (seconds < 12 && !(await reassigned())) {
    if (seconds === 3) {
      // The coordinator still waits: nobody else owns those partitions, the others keep theirs.
      for (const p of partitions) assert.equal(await playground.lagOwner('analytics', p), '-', `${p} 3 s after the crash`);
      for (const c of [1, 2]) assert.doesNotMatch(await playground.memberPartitions(c), new RegExp(`\\b${partitions[0]}\\b`));
    }
    await playground.byTestId('advance-1s').click();
    seconds += 1;
  }
  const elapsed = (await playground.clockMs()) - crashedAt;
  console.log(`partitions of the crashed consumer reassigned ${seconds} simulated s after the crash`);
  // The session expires session.timeout.ms after the last heartbeat the coordinator got (sent
  // every heartbeat.interval.ms = 1 s before the crash), then the others rejoin and sync.
  assert.ok(elapsed >= SESSION_TIMEOUT_MS - HEARTBEAT_INTERVAL_MS,
    `reassigned ${elapsed} ms after the crash: not before session.timeout.ms`);
  assert.ok(await reassigned(), `reassigned within ${seconds} s`);
  const owners = [await playground.memberPartitions(1), await playground.memberPartitions(2)].join(', ');
  for (const p of partitions) assert.match(owners, new RegExp(`\\b${p}\\b`), `${p} has a new owner`);
  assert.equal(await playground.memberPartitions(0), 'no partitions');

  // The log tells it in words; the "consumers & groups" chip filters to these events.
  await playground.byTestId('log-search').fill('consumer 0');
  assert.match(await playground.byTestId('event-log').textContent(), /crash/i);
  await screenshot(page, 'consumer_crash_reassigned');
  assert.deepEqual(problems, []);
  await page.close();
});

test('stop a consumer gracefully: it leaves the group and its partitions move quickly', async () => {
  const { page, problems, playground } = await s.newPage();
  await openWithStableGroups(playground, page, 4);
  await playground.togglePlay();
  const partitions = (await playground.memberPartitions(0)).split(', ');
  await playground.byTestId('stop-consumer-0').click();
  // Well within session.timeout.ms: LeaveGroup starts the rebalance at once.
  let waited = 0;
  while (waited < 3 && !(await Promise.all(partitions.map((p) => playground.lagOwner('analytics', p))))
    .every((o) => /consumer [12]/.test(o))) {
    await playground.byTestId('advance-1s').click();
    waited += 1;
  }
  for (const p of partitions) {
    assert.match(await playground.lagOwner('analytics', p), /consumer [12]/, `${p} moved within ${waited} s`);
  }
  console.log(`partitions of the stopped consumer reassigned within ${waited} simulated s`);
  assert.ok(waited * 1000 < SESSION_TIMEOUT_MS);
  assert.equal(await playground.byTestId('member-state-0').textContent(), 'stopped');
  assert.ok(await playground.byTestId('restart-consumer-0').isVisible(), 'a stopped consumer can be restarted');
  await screenshot(page, 'consumer_stopped_reassigned');
  assert.deepEqual(problems, []);
  await page.close();
});

test('add a group from the panel; clicking a group marker inspects the group', async () => {
  const { page, problems, playground } = await s.newPage();
  await openWithStableGroups(playground, page, 4);
  await playground.byTestId('new-group-name').fill('billing');
  await playground.byTestId('new-group-consumers').selectOption('1');
  await playground.byTestId('new-group-add').click();
  await page.waitForFunction(() =>
    document.querySelector('[data-testid="group-state-billing"]')?.textContent === 'Stable', null, { timeout: 20_000 });
  await page.locator('[data-testid="lane-orders-0"] .gmark.committed', { hasText: 'billing' }).first()
    .waitFor({ timeout: 20_000 });
  await page.locator('[data-testid="lane-orders-0"] .gmark.committed', { hasText: 'email' }).click();
  assert.equal(await playground.byTestId('inspector-title').textContent(), ': group email');
  // The group's chip in the event log filter is there and can be switched off.
  const chip = playground.byTestId('log-kind-consumersgroups');
  assert.equal(await chip.getAttribute('aria-pressed'), 'true');
  assert.deepEqual(problems, []);
  await page.close();
});

test('group markers are reachable by keyboard: Tab, the arrow keys, Enter opens the group', async () => {
  const { page, problems, playground } = await s.newPage();
  await openWithStableGroups(playground, page, 4);
  const lane = page.locator('[data-testid="lane-orders-0"]');
  await lane.locator('.gmark.committed').nth(1).waitFor({ timeout: 20_000 });
  await playground.togglePlay(); // paused: the markers stay put while the keys move
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
  const label = /^Group (\S+) on orders-0: committed offset \d+, (position \d+|no consumer position)\. Open the group$/;
  // The lane's records are one Tab stop; the next one is its first group marker.
  await lane.locator('.cells [tabindex="0"]').focus();
  await page.keyboard.press('Tab');
  const first = (await focused()).match(label);
  assert.ok(first, `a group marker has focus: "${await focused()}"`);
  await page.keyboard.press('ArrowDown');
  const second = (await focused()).match(label);
  assert.ok(second && second[1] !== first[1], `the next group's marker has focus: "${await focused()}"`);
  await page.keyboard.press('Enter');
  await page.waitForFunction((g) => document.querySelector('[data-testid="inspector-title"]')?.textContent === `: group ${g}`,
    second[1], { timeout: 5_000 });
  assert.deepEqual(problems, []);
  await page.close();
});
