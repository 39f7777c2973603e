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
