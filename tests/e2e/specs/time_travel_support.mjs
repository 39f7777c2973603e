// Helpers shared by the time-travel specs: what the page shows of a run, to compare two pages.

/** The visible state of a run: clock, ledger counts, each lane's leader, HW and LEO, brokers. */
export async function visibleState(page) {
  return page.evaluate(() => {
    const text = (sel) => document.querySelector(sel)?.textContent.trim();
    const counts = {};
    for (const dl of document.querySelectorAll('[data-testid^="count-"]')) {
      counts[dl.dataset.testid] = dl.querySelector('dd')?.textContent;
    }
    const lanes = [...document.querySelectorAll('[data-testid^="lane-"][data-leader]')].map((l) => ({
      lane: l.dataset.testid,
      leader: l.dataset.leader,
      head: l.querySelector('.lane-head, header')?.textContent.trim(),
    }));
    const brokers = [...document.querySelectorAll('[data-testid^="broker-status-"]')].map((b) => `${b.dataset.testid}=${b.textContent}`);
    return { clock: text('[data-testid="clock"]'), scrubber: text('[data-testid="scrubber-time"]'), counts, lanes, brokers };
  });
}

/** Seeks by setting the scrubber as a drag would; resolves to the wall ms until the clock shows it. */
export async function seek(page, ms) {
  return page.evaluate(async (ms) => {
    const input = document.querySelector('[data-testid="scrubber-range"]');
    const start = performance.now();
    input.value = String(ms);
    input.dispatchEvent(new Event('input', { bubbles: true }));
    const want = (ms / 1000).toFixed(3);
    while (!document.querySelector('[data-testid="clock"]').textContent.includes(want)) {
      await new Promise((r) => requestAnimationFrame(r));
      if (performance.now() - start > 30_000) throw new Error(`no seek to ${ms}`);
    }
    return performance.now() - start;
  }, ms);
}

/** Waits until the simulated clock passes `ms`. */
export async function clockPast(page, ms, timeout = 20_000) {
  await page.waitForFunction((ms) => {
    const m = document.querySelector('[data-testid="clock"]').textContent.match(/(\d+)\.(\d{3})s/);
    return m && Number(m[1]) * 1000 + Number(m[2]) >= ms;
  }, ms, { timeout });
}
