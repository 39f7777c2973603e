// Two embeds on one host page (another origin) run independently: each takes its own commands
// through postMessage, reports its own state, refuses malformed messages with a typed error, and
// neither touches the saved session.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { screenshot, REPO_ROOT } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';
import { serveDirectory } from '../support/static_server.mjs';

const s = suite();
// The host page comes from its own server: another origin (port) than the embeds'.
let hostServer;
before(async () => {
  hostServer = await serveDirectory(join(REPO_ROOT, 'tests/e2e/pages'));
});
after(() => hostServer?.close());

/** Waits for a message of frame `id` matching `pred` (a function source) after index `from`. */
async function waitFor(page, id, pred, from = 0) {
  const handle = await page.waitForFunction(
    ([id, pred, from]) => window.inbox[id].slice(from).find(new Function('m', `return (${pred})(m)`)),
    [id, pred.toString(), from],
  );
  return handle.jsonValue();
}

test('two iframes are driven independently through postMessage', async () => {
  const { page, problems } = await s.newPage({ width: 1400, height: 700 });
  page.on('console', (m) => process.env.DEBUG_EMBED && console.log(m.text()));
  const embedUrl = s.url();
  await page.goto(`${hostServer.url}embed_host.html?src=${encodeURIComponent(embedUrl + 'index.html')}`);
  const ready = {};
  for (const id of ['left', 'right']) ready[id] = await waitFor(page, id, (m) => m.type === 'ready');
  assert.equal(ready.left.frame, 'left');
  assert.equal(ready.right.frame, 'right');

  const send = (id, msg) => page.evaluate(([id, msg]) => window.send(id, msg), [id, msg]);
  await send('left', { kafkaPlayground: 1, type: 'produce', topic: 'orders', key: 'k', value: 'hello' });
  await send('right', { kafkaPlayground: 1, type: 'kill', broker: 1 });
  await waitFor(page, 'left', (m) => m.type === 'ok' && m.request === 'produce');
  await waitFor(page, 'right', (m) => m.type === 'ok' && m.request === 'kill');

  // Each reports its own state: the record acknowledged on the left only, broker 1 dead on the right only.
  const left = await waitFor(page, 'left', (m) => m.type === 'state' && m.acknowledged >= 1);
  assert.equal(left.frame, 'left');
  assert.deepEqual(left.brokers.map((b) => b.alive), [true, true, true]);
  const right = await waitFor(page, 'right', (m) => m.type === 'state' && m.brokers.some((b) => b.id === 1 && !b.alive));
  assert.equal(right.frame, 'right');
  assert.equal(right.acknowledged, 0, 'the right embed never got the record');
  assert.deepEqual(right.partitions.map((p) => p.name), ['orders-0', 'orders-1', 'orders-2']);
  // The right one narrates its broker's death; the left one does not.
  await waitFor(page, 'right', (m) => m.type === 'events' && m.events.some((e) => /broker 1/i.test(e.text)));
  const leftNarration = await page.evaluate(() => window.inbox.left.filter((m) => m.type === 'events').flatMap((m) => m.events.map((e) => e.text)));
  assert.ok(!leftNarration.some((t) => /broker 1 (died|was killed|crashed)/i.test(t)), leftNarration.join('\n'));

  // Malformed messages are answered with typed errors and change nothing.
  await send('left', { kafkaPlayground: 1, type: 'pause' });
  const paused = await waitFor(page, 'left', (m) => m.type === 'state' && !m.playing);
  const before = await page.evaluate(() => window.inbox.left.length);
  const bad = [
    ['hello', 'not_an_object'],
    [{ type: 'kill', broker: 0 }, 'not_namespaced'],
    [{ kafkaPlayground: 2, type: 'kill', broker: 0 }, 'unsupported_version'],
    [{ kafkaPlayground: 1, broker: 0 }, 'missing_type'],
    [{ kafkaPlayground: 1, type: 'explode' }, 'unknown_type'],
    [{ kafkaPlayground: 1, type: 'kill' }, 'missing_field'],
    [{ kafkaPlayground: 1, type: 'kill', broker: 'zero' }, 'bad_field'],
    [{ kafkaPlayground: 1, type: 'seek', ms: -5 }, 'bad_field'],
  ];
  for (const [msg] of bad) await send('left', msg);
  await page.waitForFunction((n) => window.inbox.left.slice(n).filter((m) => m.type === 'error').length >= 8, before);
  const errors = await page.evaluate((n) => window.inbox.left.slice(n).filter((m) => m.type === 'error'), before);
  assert.deepEqual(errors.map((e) => e.code), bad.map(([, code]) => code));
  assert.ok(errors.every((e) => e.frame === 'left' && e.message.length > 0));
  await send('left', { kafkaPlayground: 1, type: 'state' });
  const after = await waitFor(page, 'left', (m) => m.type === 'state', before);
  assert.equal(after.nowMs, paused.nowMs, 'paused, and no bad message moved the clock');
  assert.deepEqual(after.brokers, paused.brokers, 'no bad message killed a broker');

  // Neither embed read or wrote the saved session.
  for (const frame of page.frames().filter((f) => f.url().includes('embed&id='))) {
    assert.equal(await frame.evaluate(() => localStorage.getItem('kafka-playground.run')), null);
  }
  await screenshot(page, 'embed-two-iframes');
  assert.deepEqual(problems, []);
  await page.close();
});

test('with origins= an embed ignores hosts not on its list', async () => {
  const { page, problems } = await s.newPage({ width: 1400, height: 700 });
  const hostOrigin = new URL(hostServer.url).origin;
  // The left embed obeys another origin only; the right one obeys this host.
  const extra = {
    left: `&origins=${encodeURIComponent('https://docs.example,http://127.0.0.1:1')}`,
    right: `&origins=${encodeURIComponent(hostOrigin)}`,
  };
  await page.goto(`${hostServer.url}embed_host.html?src=${encodeURIComponent(s.url() + 'index.html')}`
    + `&extra_left=${encodeURIComponent(extra.left)}&extra_right=${encodeURIComponent(extra.right)}`);
  for (const id of ['left', 'right']) await waitFor(page, id, (m) => m.type === 'ready');
  const left = page.frames().find((f) => f.url().includes('id=left'));
  // A listener of the test's own in the left embed, added after the embed's: once it has seen a
  // message, the embed has handled it, and anything the embed answered is already queued.
  await left.evaluate(() => {
    window.seen = 0;
    window.addEventListener('message', () => { window.seen += 1; });
  });
  const send = (id, msg) => page.evaluate(([id, msg]) => window.send(id, msg), [id, msg]);
  await send('left', { kafkaPlayground: 1, type: 'kill', broker: 1 });
  await send('left', { kafkaPlayground: 1, type: 'explode' });
  await send('right', { kafkaPlayground: 1, type: 'kill', broker: 1 });
  await waitFor(page, 'right', (m) => m.type === 'ok' && m.request === 'kill');
  await left.waitForFunction(() => window.seen >= 2);
  await left.evaluate(() => parent.postMessage({ kafkaPlayground: 1, type: 'marker' }, '*'));
  await waitFor(page, 'left', (m) => m.type === 'marker');
  const leftInbox = await page.evaluate(() => window.inbox.left.map((m) => m.type));
  assert.deepEqual(leftInbox, ['ready', 'marker'], 'no ok, error, state or events for an origin not listed');
  assert.equal(await left.locator('[data-testid="broker-status-1"]').textContent(), 'running');
  const right = page.frames().find((f) => f.url().includes('id=right'));
  await right.waitForFunction(() => document.querySelector('[data-testid="broker-status-1"]')?.textContent === 'killed');
  assert.deepEqual(problems, []);
  await page.close();
});
