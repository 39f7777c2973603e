// The busy page that the frame-time bench and the soak both drive: opened with its wasm instance
// captured, plus a sampler of memory and progress.

/** The bench cluster: 6 brokers, 3 topics x 12 partitions RF 3, 3 groups, 2,000 records/s at 1x. */
export const BENCH_QUERY = '?brokers=6&topics=3&partitions=12&rf=3&rate=2000&speed=1&keys=many&groups=3';

/**
 * Opens `url` in `page` and waits until the wasm has started and the bench cluster's last lane is
 * drawn. Resolves to `sample()`, which forces a GC and returns the JS heap used, the DOM node
 * count, the wasm memory, the records sent and the clock as the page shows them.
 */
export async function openBenchPage(page, url) {
  await page.addInitScript(() => {
    addEventListener('TrunkApplicationStarted', (e) => { window.__wasm = e.detail.wasm; });
  });
  await page.goto(url);
  await page.waitForFunction(() => window.__wasm && document.querySelector('[data-testid="lane-shipments-11"]'));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  return async () => {
    await cdp.send('HeapProfiler.collectGarbage');
    const { metrics } = await cdp.send('Performance.getMetrics');
    const metric = (name) => metrics.find((m) => m.name === name).value;
    const shown = await page.evaluate(() => ({
      wasm: window.__wasm.memory.buffer.byteLength,
      sent: document.querySelector('[data-testid="count-sent"] dd')?.textContent ?? '',
      clock: document.querySelector('[data-testid="clock"]')?.textContent ?? '',
    }));
    return { heap: metric('JSHeapUsedSize'), nodes: metric('Nodes'), ...shown };
  };
}
