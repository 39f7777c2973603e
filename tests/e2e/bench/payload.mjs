// The page's payload as shipped: each wasm, js and css file of dist/ raw and gzipped (zlib level 9,
// Node's gzipSync), and the total that issue 5's budget (≤ 250,000 bytes gzip) is measured on.
//
//   trunk build --release && node tests/e2e/bench/payload.mjs
//
// KAFKA_PLAYGROUND_DIST=path measures another build. The browser bench prints the same table.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { DIST } from '../support/browser.mjs';

/** The budget for wasm + js + css, gzip bytes. */
export const BUDGET_GZIP_BYTES = 250_000;

const kib = (x) => `${(x / 1024).toFixed(1)} KiB`;

/** Sizes of dist/'s wasm, js and css files: [{ file, raw, gzip }], sorted by name. */
export async function payloadSizes(dist = DIST) {
  const files = (await readdir(dist)).filter((f) => /\.(wasm|js|css)$/.test(f)).sort();
  return Promise.all(files.map(async (file) => {
    const body = await readFile(join(dist, file));
    return { file, raw: body.length, gzip: gzipSync(body, { level: 9 }).length };
  }));
}

/** Prints the table and returns the gzip total. */
export async function printPayload(dist = DIST) {
  const sizes = await payloadSizes(dist);
  const row = (name, raw, gz) =>
    console.log(`  ${name.padEnd(48)} ${kib(raw).padStart(11)} raw ${kib(gz).padStart(10)} gzip (${gz} B)`);
  for (const s of sizes) row(s.file, s.raw, s.gzip);
  const raw = sizes.reduce((a, s) => a + s.raw, 0);
  const gz = sizes.reduce((a, s) => a + s.gzip, 0);
  row('total wasm+js+css', raw, gz);
  const left = BUDGET_GZIP_BYTES - gz;
  console.log(`  budget ${BUDGET_GZIP_BYTES} B gzip: ${left >= 0 ? `${left} B to spare` : `${-left} B over`}`);
  return gz;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(`payload (${DIST}):`);
  await printPayload();
}
