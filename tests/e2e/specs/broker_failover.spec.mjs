// A learner kills the broker leading orders-0: after the session timeout the controller fences
// it, a follower from the ISR leads, the producer keeps going, and no committed record is lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

test('killing the leader moves leadership and loses no committed record', async () => {
  const { page, problems, playground } = await s.newPage();
  // 4× speed: demo timing's 3 s session timeout passes in under a wall second.
  await playground.open('?speed=4&rate=10');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid="count-committed"] dd').textContent) >= 10);

  const old = await playground.leaderOf('orders-0');
  assert.match(old, /^\d+$/);
  await playground.killBroker(old);
  await page.waitForFunction(
    (old) => {
      const leader = document.querySelector('[data-testid="lane-orders-0"]').dataset.leader;
      return leader !== '' && leader !== old;
    },
    old,
    { timeout: 20_000 },
  );
  const committedAtFailover = await playground.count('committed');
  await screenshot(page, 'broker_failover');

  // Writes continue on the two live brokers (min.insync.replicas=2), and nothing committed is lost.
  await page.waitForFunction(
    (n) => Number(document.querySelector('[data-testid="count-committed"] dd').textContent) >= n + 10,
    committedAtFailover,
    { timeout: 20_000 },
  );
  assert.equal(await playground.count('lost'), 0);
  assert.equal(await playground.byTestId('invariants-ok').count(), 1, 'no guarantee broken');
  assert.equal(await playground.byTestId(`broker-status-${old}`).textContent(), 'killed');
  // The log shows the newest entries; search it for the fencing, as a learner would.
  await playground.byTestId('log-search').fill('missed heartbeats');
  assert.match(await playground.byTestId('event-log').textContent(), new RegExp(`broker ${old} missed heartbeats`));
  assert.deepEqual(problems, []);
  await page.close();
});
