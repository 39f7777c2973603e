// The page at desktop and phone widths, in light and dark: nothing overflows sideways, every
// control has an accessible name, and the keyboard drives playback and the dialogs.
// Screenshots land in target/e2e/ (layout-<width>-<scheme>.png) for a human to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
];

for (const vp of VIEWPORTS) {
  for (const colorScheme of ['light', 'dark']) {
    test(`${vp.name} ${colorScheme}: no sideways overflow, every control named`, async () => {
      const { page, problems, playground } = await s.newPage({ ...vp, colorScheme });
      await playground.open('?speed=2');
      await page.waitForFunction(() => document.querySelectorAll('.cell').length >= 6);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `page is ${overflow}px wider than the viewport`);

      const unnamed = await page.evaluate(() =>
        [...document.querySelectorAll('button, input, select, a[href], [role="button"]')]
          .filter((el) => {
            const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
            const labels = el.labels ? [...el.labels].map((l) => l.textContent.trim()).join('') : '';
            return !(labelled || el.textContent.trim() || labels || el.getAttribute('title'));
          })
          .map((el) => el.outerHTML.slice(0, 120)));
      assert.deepEqual(unnamed, [], 'controls without an accessible name');
      const positiveTabindex = await page.locator('[tabindex]:not([tabindex="0"]):not([tabindex="-1"])').count();
      assert.equal(positiveTabindex, 0, 'no tabindex above 0 (it would break the tab order)');

      const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      const dark = background.match(/\d+/g).slice(0, 3).every((c) => Number(c) < 80);
      assert.equal(dark, colorScheme === 'dark', `body background ${background}`);

      await screenshot(page, `layout-${vp.name}-${colorScheme}`);
      assert.deepEqual(problems, []);
      await page.close();
    });
  }
}

test('keyboard: space pauses, "." steps, "?" opens the help, Escape closes it; theme toggle', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open();
  const play = playground.byTestId('play');
  assert.equal(await play.getAttribute('aria-pressed'), 'true');
  await page.locator('body').press(' ');
  assert.equal(await play.getAttribute('aria-pressed'), 'false');

  const clock = await playground.byTestId('clock').textContent();
  await page.keyboard.press('.');
  await page.waitForFunction((c) => document.querySelector('[data-testid="clock"]').textContent !== c, clock);

  await page.keyboard.press('?');
  const help = playground.byTestId('help-dialog');
  await help.waitFor({ state: 'visible' });
  assert.match(await help.textContent(), /kill the leader of orders-0/i);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('aria-label')), 'Close (Esc)',
    'focus moves into the dialog');
  await screenshot(page, 'help-dialog');
  await page.keyboard.press('Escape');
  await help.waitFor({ state: 'detached' });

  // Typing "?" or a space into a field is text, not a shortcut.
  await playground.byTestId('send-key').fill('');
  await playground.byTestId('send-key').press('?');
  await playground.byTestId('send-key').press(' ');
  assert.equal(await playground.byTestId('send-key').inputValue(), '? ');
  assert.equal(await help.count(), 0);
  assert.equal(await play.getAttribute('aria-pressed'), 'false');

  await playground.byTestId('open-modelled').click();
  const modelled = playground.byTestId('modelled-dialog');
  await modelled.waitFor({ state: 'visible' });
  assert.match(await modelled.textContent(), /KIP-101/);
  assert.match(await modelled.textContent(), /No transactions, no racks/);
  await screenshot(page, 'modelled-dialog');
  await page.keyboard.press('Escape');

  await playground.byTestId('theme-toggle').click(); // auto → light
  await playground.byTestId('theme-toggle').click(); // light → dark
  assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  await screenshot(page, 'theme-dark-toggle');
  assert.deepEqual(problems, []);
  await page.close();
});
