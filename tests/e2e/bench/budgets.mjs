// `./dev bench`: measures every budget of the project and prints one table (figure, measured,
// budget, pass / fail), then writes it as JSON to target/bench/budgets.json so runs can be compared.
// It measures; the test suite never runs it (timings on shared machines are noisy), but `./dev test`
// builds everything it runs. Expects what `./dev bench` builds first: the native `kafka-sim-bench`
// binary (BENCH_NATIVE_BIN), the wasm module in target/bench-wasm and the release page in dist/.
import { execFileSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../support/browser.mjs';
import { inChromium, inNode } from './core_wasm.mjs';
import { BUDGET_GZIP_BYTES, payloadSizes } from './payload.mjs';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 200_000);
const REPEAT = Number(process.env.BENCH_REPEAT ?? 5);
const NATIVE = process.env.BENCH_NATIVE_BIN ?? join(REPO_ROOT, 'target', 'release', 'kafka-sim-bench');

const rows = [];
/** Adds a row; `pass` is true/false, or null for a figure without a budget. */
function row(figure, value, unit, budget, pass) {
  rows.push({ figure, value, unit, budget, pass });
  const shown = typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 2 }) : value;
  const verdict = pass === null ? '' : pass ? 'pass' : 'FAIL';
  console.log(`  ${figure.padEnd(46)} ${`${shown} ${unit}`.padStart(22)}  ${(budget ?? '').padEnd(14)} ${verdict}`);
}

function section(title) {
  console.log(`\n${title}`);
}

const started = new Date();
console.log(`Kafka Playground budgets, ${started.toISOString()}, ${cpus().length} cores, load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
console.log('(timings on a shared machine are noisy: compare runs taken at a low load average)');

section(`Core: ${RECORDS.toLocaleString('en-US')} keyed records, acks=all, RF 3, 12 partitions, one group of 3 consumers (median of ${REPEAT})`);
const native = JSON.parse(
  execFileSync(NATIVE, ['--records', String(RECORDS), '--groups', '1', '--repeat', String(REPEAT)], { encoding: 'utf8' }),
);
row('core records/s, native', Math.round(native.records_per_sec), 'rec/s', '>= 5,000,000', native.records_per_sec >= 5e6);
row('core memory per retained record', native.bytes_per_record, 'B', null, null);
const node = await inNode({ records: RECORDS, groups: 1, repeat: REPEAT });
row('core records/s, wasm in Node', Math.round(node.records_per_sec), 'rec/s', null, null);
row('  ratio to native', node.records_per_sec / native.records_per_sec, '', '>= 0.6', node.records_per_sec / native.records_per_sec >= 0.6);
const chromium = await inChromium({ records: RECORDS, groups: 1, repeat: REPEAT });
row('core records/s, wasm in headless Chromium', Math.round(chromium.records_per_sec), 'rec/s', null, null);
row('  ratio to native', chromium.records_per_sec / native.records_per_sec, '', '>= 0.6', chromium.records_per_sec / native.records_per_sec >= 0.6);

section('Page (release build in dist/)');
const sizes = await payloadSizes();
const gzip = sizes.reduce((sum, f) => sum + f.gzip, 0);
row('payload wasm + js + css, gzip -9', gzip, 'B', `<= ${BUDGET_GZIP_BYTES.toLocaleString('en-US')}`, gzip <= BUDGET_GZIP_BYTES);

/** Runs a bench script of this directory and returns its stdout (it prints as it goes). */
function script(name, env = {}) {
  const out = execFileSync(process.execPath, [join(REPO_ROOT, 'tests', 'e2e', 'bench', name)], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    maxBuffer: 64 << 20,
  });
  console.log(out.replace(/^/gm, '    | '));
  return out;
}
const number = (text, re) => {
  const m = text.match(re);
  return m ? Number(m[1]) : NaN;
};

// frame_time.mjs: first render, then 60 s of the bench cluster at 2,000 records/s.
const frames = script('frame_time.mjs');
const firstRender = number(frames, /median ([\d.]+) ms/);
row('first render after load (median of 5)', firstRender, 'ms', '<= 300', firstRender <= 300);
const frameP50 = number(frames, /frame \(\+style\/paint\) p50 ([\d.]+) ms/);
const frameP95 = number(frames, /frame \(\+style\/paint\) p50 [\d.]+ ms\s+p95 ([\d.]+) ms/);
row('frame time p50 (6 brokers, 3 x 12 RF 3, 3 groups, 2,000 rec/s)', frameP50, 'ms', null, null);
row('frame time p95', frameP95, 'ms', '<= 8', frameP95 <= 8);
// Heap flat: the last sample after GC within 10 % of the sample at 20 s (after warm-up).
const heaps = [...frames.matchAll(/heap\s+([\d.]+) KiB/g)].map((m) => Number(m[1]));
const growth = heaps.length > 2 ? heaps[heaps.length - 1] / heaps[2] - 1 : NaN;
row('JS heap growth after warm-up (20 s to end)', growth * 100, '%', '<= 10', growth <= 0.1);

// seek_time.mjs: a 10-minute session of the running example, 40 random seeks.
const seeks = script('seek_time.mjs');
const seekP95 = number(seeks, /40 seeks: p50 [\d.]+ ms, p95 ([\d.]+) ms/);
row('seek in a 10-minute session, p95 (seek + render)', seekP95, 'ms', '<= 100', seekP95 <= 100);

const failed = rows.filter((r) => r.pass === false).map((r) => r.figure);
const out = join(REPO_ROOT, 'target', 'bench', 'budgets.json');
await mkdir(join(REPO_ROOT, 'target', 'bench'), { recursive: true });
await writeFile(
  out,
  JSON.stringify(
    {
      started: started.toISOString(),
      commit: execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim(),
      cores: cpus().length,
      loadavg: loadavg(),
      raw: { native, node, chromium },
      rows,
    },
    null,
    2,
  ),
);
console.log(`\n${failed.length === 0 ? 'Every budget met.' : `Budgets missed: ${failed.join('; ')}.`} Written to ${out}`);
