// The built page loads with no console error or failed request and shows the app shell.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDirectory } from '../support/static_server.mjs';
import { launch, watchForProblems, screenshot, DIST, REPO_ROOT } from '../support/browser.mjs';
import { PlaygroundPage } from '../pages/playground_page.mjs';

let server;
let browser;

before(async () => {
  server = await serveDirectory(DIST);
  browser = await launch();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

test('the app shell renders with the product name, placeholder and version', async () => {
  const page = await browser.context.newPage();
  const problems = watchForProblems(page);
  const playground = new PlaygroundPage(page, server.url);
  await playground.open();

  assert.equal(await playground.productName().textContent(), 'Kafka Playground');
  assert.match(await playground.clusterArea().textContent(), /cluster will appear here/);
  const cargo = await readFile(join(REPO_ROOT, 'Cargo.toml'), 'utf8');
  const version = cargo.match(/\[workspace\.package\][^[]*?version = "([^"]+)"/)[1];
  assert.match(await playground.footer().textContent(), new RegExp(`v${version.replaceAll('.', '\\.')}`));

  await screenshot(page, 'app_shell');
  assert.deepEqual(problems, [], 'no console errors or failed requests');
  await page.close();
});
