// `?embed&scenario=…` shows the sim with minimal chrome: the preset loaded, the chosen panels
// only, the chosen theme, no header, menus, configuration or footer. The full page keeps them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

test('an embed of a preset shows the chosen panels with minimal chrome', async () => {
  const { page, problems, playground } = await s.newPage({ width: 900, height: 600 });
  await playground.open('?embed&scenario=broker-failover&panels=lanes,cluster,story&theme=dark&controls=0');
  const story = playground.byTestId('story');
  await story.waitFor({ state: 'visible' });
  assert.ok((await story.locator('h2').textContent()).length > 0);
  for (const gone of ['product-name', 'footer', 'hints', 'controls', 'preset-menu', 'export', 'open-help']) {
    assert.equal(await playground.byTestId(gone).count(), 0, `${gone} is hidden`);
  }
  assert.equal(await page.locator('.app.embed').count(), 1);
  assert.equal(await page.locator('.app-header, .app-footer, [data-testid="config"]').count(), 0);
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await playground.byTestId('cluster').waitFor({ state: 'visible' });
  assert.ok(await page.locator('[data-testid^="broker-card-"]').count() >= 3, 'the cluster panel shows');
  assert.equal(await page.locator('[data-testid="event-log"]').count(), 0, 'no log: not in panels');
  assert.equal(await page.evaluate(() => localStorage.length), 0, 'an embed never saves the session');
  await screenshot(page, 'embed-preset-dark');
  assert.deepEqual(problems, []);
  await page.close();
});

for (const [width, height] of [[800, 500], [600, 400]]) {
  test(`a ${width}×${height} embed keeps the lanes in view under a one-line story`, async () => {
    const { page, problems, playground } = await s.newPage({ width, height });
    await playground.open('?embed&scenario=broker-failover');
    const line = playground.byTestId('story-line');
    await line.waitFor({ state: 'visible' });
    const lanes = page.locator('.lanes-panel');
    const firstLane = page.locator('[data-testid^="lane-"][data-leader]').first();
    await firstLane.waitFor({ state: 'visible', timeout: 20_000 });
    const [lanesBox, laneBox, storyBox] = [await lanes.boundingBox(), await firstLane.boundingBox(),
      await playground.byTestId('story').boundingBox()];
    assert.ok(laneBox.y + laneBox.height <= height, `the first lane is in view: ${JSON.stringify(laneBox)}`);
    assert.ok(storyBox.y + storyBox.height <= lanesBox.y, 'the story line is above the lanes');
    assert.ok(storyBox.height < 60, `one line: ${storyBox.height}px`);
    assert.equal(await playground.byTestId('story-steps').isVisible(), false);
    await screenshot(page, `embed-narrow-${width}x${height}`);
    const toggle = playground.byTestId('story-toggle');
    assert.equal(await toggle.getAttribute('aria-expanded'), 'false');
    await toggle.click();
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true');
    await playground.byTestId('story-steps').waitFor({ state: 'visible' });
    await screenshot(page, `embed-narrow-${width}x${height}-story-open`);
    assert.deepEqual(problems, []);
    await page.close();
  });
}

test('a wide embed shows the whole story beside the lanes', async () => {
  const { page, problems, playground } = await s.newPage({ width: 1280, height: 720 });
  await playground.open('?embed&scenario=broker-failover');
  await playground.byTestId('story-steps').waitFor({ state: 'visible' });
  assert.equal(await playground.byTestId('story-toggle').isVisible(), false);
  assert.equal(await playground.byTestId('story-line').isVisible(), false);
  const [lanesBox, storyBox] = [await page.locator('.lanes-panel').boundingBox(),
    await playground.byTestId('story').boundingBox()];
  assert.ok(storyBox.x > lanesBox.x + lanesBox.width - 1, 'the story is in the side column');
  await screenshot(page, 'embed-wide-1280x720');
  assert.deepEqual(problems, []);
  await page.close();
});

test('autoplay=0 holds the clock, and the default embed keeps play controls', async () => {
  const { page, problems, playground } = await s.newPage({ width: 700, height: 500 });
  await playground.open('?embed&autoplay=0&panels=lanes');
  assert.equal(await playground.byTestId('product-name').count(), 0);
  await playground.byTestId('controls').waitFor({ state: 'visible' });
  const clock = await playground.byTestId('clock').textContent();
  await page.waitForTimeout(400);
  assert.equal(await playground.byTestId('clock').textContent(), clock, 'paused');
  assert.equal(await playground.byTestId('play').getAttribute('aria-pressed'), 'false');
  await screenshot(page, 'embed-default');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the page exports a KafkaPlayground class that runs a cluster without the UI', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=1');
  const out = await page.evaluate(() => {
    const sim = new window.wasmBindings.KafkaPlayground('brokers=3&partitions=3&rate=0&groups=1&seed=7');
    sim.advance(3000);
    sim.apply({ type: 'produce', topic: 'orders', key: 'k1', value: 'v1' });
    sim.advance(1000);
    sim.apply({ type: 'kill_broker', broker: 1 });
    sim.advance(10000);
    let refused = null;
    try { sim.apply({ type: 'no_such_command' }); } catch (e) { refused = String(e); }
    const json = sim.toScenarioJson();
    const replay = new window.wasmBindings.KafkaPlayground(json);
    replay.advance(14000);
    return {
      now: sim.nowMs(), brokers: sim.brokers(), partitions: sim.partitions(), groups: sim.groups(),
      events: sim.events(), again: sim.events(), refused, replayed: replay.partitions(),
    };
  });
  assert.deepEqual(out.brokers.map((b) => b.alive), [false, true, true]);
  assert.ok(out.partitions.every((p) => p.leader !== 1 && !p.isr.includes(1)), JSON.stringify(out.partitions));
  assert.equal(out.groups.length, 1);
  assert.ok(out.events.some((e) => /broker 1/i.test(e.text)));
  assert.deepEqual(out.again, [], 'events() gives each event once');
  assert.match(out.refused, /no_such_command|unknown variant/);
  assert.deepEqual(out.replayed, out.partitions, 'the exported scenario replays the same run');
  assert.deepEqual(problems, []);
  await page.close();
});

test('KafkaPlayground.events() returns every event exactly once, from the first (id 0)', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=1');
  const out = await page.evaluate(() => {
    const query = 'brokers=3&partitions=3&rate=0&groups=1&seed=7';
    const split = new window.wasmBindings.KafkaPlayground(query);
    split.advance(2000);
    const first = split.events();
    split.advance(2000);
    const second = split.events();
    const whole = new window.wasmBindings.KafkaPlayground(query);
    whole.advance(4000);
    return { first, second, whole: whole.events() };
  });
  assert.ok(out.first.length > 0 && out.second.length > 0, JSON.stringify(out));
  assert.ok(out.whole.length < 200, 'the window of 200 holds the whole run, so nothing is cut off');
  assert.equal(out.whole[0].id, 0, 'the run\'s first event is returned');
  assert.deepEqual([...out.first, ...out.second], out.whole, 'two calls give what one call gives');
  assert.deepEqual(problems, []);
  await page.close();
});

test('the docs page shows a live embed and documents every parameter', async () => {
  const { page, problems } = await s.newPage({ width: 1100, height: 900 });
  await page.goto(s.url() + 'embed.html');
  const frame = page.frameLocator('iframe');
  await frame.locator('[data-testid="story"]').waitFor({ state: 'visible' });
  assert.equal(await frame.locator('[data-testid="product-name"]').count(), 0);
  const documented = await page.locator('table').first().locator('tbody tr td:first-child').allTextContents();
  for (const p of ['embed', 'scenario', 'panels', 'controls', 'theme', 'autoplay', 'speed', 'seed', 'id', 'origins', 'brokers', 'partitions', 'rate', 'keys', 'groups']) {
    assert.ok(documented.some((d) => d.split(/[ (),]+/).includes(p)), `${p} is documented`);
  }
  await screenshot(page, 'embed-docs');
  assert.deepEqual(problems, []);
  await page.close();
});
