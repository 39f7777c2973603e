// Shared set-up of a spec file: one static server for dist/ and one Chromium for all its tests.
import { before, after } from 'node:test';
import { serveDirectory } from './static_server.mjs';
import { launch, watchForProblems, DIST } from './browser.mjs';
import { PlaygroundPage } from '../pages/playground_page.mjs';

/** Registers before/after hooks; returns { url(), newPage(viewport?) }, newPage giving { page, playground, problems }. */
export function suite() {
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
  return {
    /** The served page's URL. */
    url: () => server.url,
    async newPage({ width = 1280, height = 800, colorScheme = 'light' } = {}) {
      const page = await browser.context.newPage();
      await page.setViewportSize({ width, height });
      await page.emulateMedia({ colorScheme });
      const problems = watchForProblems(page);
      return { page, problems, playground: new PlaygroundPage(page, server.url) };
    },
  };
}
