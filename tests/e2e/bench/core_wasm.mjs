// The core budget's workload compiled to wasm (crates/bench, `--profile bench`, wasm-bindgen
// `--target web` into BENCH_WASM_DIR), timed in Node and in headless Chromium with
// performance.now() around `Workload.run`, exactly as the native `kafka-sim-bench` binary times it.
// Used by budgets.mjs; run alone with `node tests/e2e/bench/core_wasm.mjs` after `./dev bench` built it.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serveDirectory } from '../support/static_server.mjs';
import { launch, REPO_ROOT } from '../support/browser.mjs';

/** Where `./dev bench` puts the wasm-bindgen output of crates/bench. */
export const BENCH_WASM_DIR = process.env.BENCH_WASM_DIR ?? join(REPO_ROOT, 'target', 'bench-wasm');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The timing loop; runs unchanged in Node and (stringified) in the page. */
async function timeRuns(mod, records, groups, repeat) {
  const runs = [];
  let bytesPerRecord = 0;
  // The first runs warm up: V8 compiles wasm with its baseline compiler (Liftoff) first and tiers
  // hot functions up to TurboFan while they run. Chromium's newer V8 tiers up later than Node's
  // (its first two runs measured 1.7-3.4 M rec/s, later ones 3-4.3 M, on a loaded machine), so
  // both skip two.
  const warmup = 2;
  for (let i = 0; i < warmup + repeat; i++) {
    const w = new mod.Workload(groups);
    const t0 = performance.now();
    const acked = w.run(records);
    const secs = (performance.now() - t0) / 1000;
    if (acked !== records || w.processed() !== records) {
      throw new Error(`the wasm workload did not finish: ${acked} acknowledged, ${w.processed()} processed`);
    }
    bytesPerRecord = w.bytesPerRecord();
    w.free();
    if (i >= warmup) runs.push(records / secs);
  }
  return { runs, bytesPerRecord };
}

/** Records/s in Node: { records_per_sec (median), runs }. */
export async function inNode({ records = 200_000, groups = 1, repeat = 5 } = {}) {
  const mod = await import(pathToFileURL(join(BENCH_WASM_DIR, 'kafka_sim_bench.js')).href);
  await mod.default({ module_or_path: await readFile(join(BENCH_WASM_DIR, 'kafka_sim_bench_bg.wasm')) });
  const { runs } = await timeRuns(mod, records, groups, repeat);
  return { records_per_sec: median(runs), runs };
}

/** Records/s in headless Chromium: { records_per_sec (median), runs }. */
export async function inChromium({ records = 200_000, groups = 1, repeat = 5 } = {}) {
  const server = await serveDirectory(BENCH_WASM_DIR);
  const browser = await launch();
  try {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}kafka_sim_bench.js`); // any same-origin page will do
    const { runs } = await page.evaluate(
      async ({ url, records, groups, repeat, timeRuns }) => {
        const mod = await import(url);
        await mod.default();
        // eslint-disable-next-line no-new-func
        return new Function(`return (${timeRuns})`)()(mod, records, groups, repeat);
      },
      { url: `${server.url}kafka_sim_bench.js`, records, groups, repeat, timeRuns: timeRuns.toString() },
    );
    return { records_per_sec: median(runs), runs };
  } finally {
    await browser.close();
    await server.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href && process.argv.includes('--smoke')) {
  // `./dev test`: the module loads and the workload finishes (a debug build, so no timing is shown).
  await inNode({ records: 2_000, repeat: 1 });
  console.log('the bench workload ran in wasm under Node: 2,000 records acknowledged and processed');
} else if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = { records: Number(process.env.BENCH_RECORDS ?? 200_000), repeat: 3 };
  console.log('node    ', JSON.stringify(await inNode(options)));
  console.log('chromium', JSON.stringify(await inChromium(options)));
}
