// A panic leaves an error panel with a reload link, never a blank page (release builds abort on
// panic, so the panel is written by the panic hook before the trap).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

test('a crash shows the error panel with a reload link', async () => {
  const { page, problems } = await s.newPage();
  await page.goto(`${s.url()}?crash=1`);
  const panel = page.locator('[data-testid="panic-panel"]');
  await panel.waitFor({ state: 'visible' });
  assert.match(await panel.textContent(), /stopped because of a bug/);
  assert.match(await panel.textContent(), /deliberate crash/);
  assert.equal(await page.locator('[data-testid="panic-reload"]').getAttribute('href'), '');
  await screenshot(page, 'panic_panel');
  // The crash itself is reported on the console; nothing else may fail.
  assert.ok(problems.length > 0, 'the crash is logged');
  assert.ok(problems.every((p) => /crash|unreachable|RuntimeError/i.test(p)), problems.join('\n'));
  await page.close();
});
