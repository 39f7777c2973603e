// Launches Debian's Chromium headless through playwright-core (never a downloaded browser) and
// records every console error and failed request of a page so that tests can fail on them.
import { chromium } from 'playwright-core';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The repository root (tests/e2e/support → ../../..). */
export const REPO_ROOT = resolve(HERE, '../../..');
/** The built page; `./dev test` builds it with `trunk build --release`. */
export const DIST = process.env.KAFKA_PLAYGROUND_DIST ?? join(REPO_ROOT, 'dist');
/** Where screenshots go. */
export const SCREENSHOTS = join(REPO_ROOT, 'target', 'e2e');

const ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Starts Chromium with a fresh profile; resolves to { context, close }. */
export async function launch() {
  const userDataDir = await mkdtemp(join(tmpdir(), 'kafka-playground-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 800 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Collects console errors, uncaught page errors and failed or 4xx/5xx requests of `page`. */
export function watchForProblems(page) {
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
  return problems;
}

/** Saves a full-page screenshot as target/e2e/NAME.png and returns its path. */
export async function screenshot(page, name) {
  await mkdir(SCREENSHOTS, { recursive: true });
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
