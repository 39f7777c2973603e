// Bad input never breaks the page: a hand-edited or truncated link, a link of another version,
// non-UTF-8 data, an unknown command, a huge number, or a bad file each show a banner that
// names the problem, and the current run goes on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { screenshot } from '../support/browser.mjs';
import { suite } from '../support/suite.mjs';

const s = suite();

/** A #run= fragment made with the browser's own deflate-raw, from raw bytes. */
async function linkOf(page, bytes) {
  return page.evaluate(async (bytes) => {
    const stream = new Blob([new Uint8Array(bytes)]).stream().pipeThrough(new CompressionStream('deflate-raw'));
    const out = new Uint8Array(await new Response(stream).arrayBuffer());
    const b64 = btoa(String.fromCharCode(...out)).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
    return `#run=${b64}&t=0`;
  }, [...bytes]);
}

const utf8 = (text) => new TextEncoder().encode(text);

test('bad links each show what is wrong and keep the run', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4');
  const cases = [
    ['#run=not*base64', /'\*' at position 3, which base64url does not use/],
    [(await linkOf(page, utf8('{"version":1,"seed":3}'))).slice(0, -12), /does not decompress|cut short/],
    [await linkOf(page, utf8('{"version":99}')), /scenario version 99 is not supported/],
    [await linkOf(page, [0x7b, 0xff, 0xfe, 0x7d]), /not UTF-8 \(bad byte at offset 1\)/],
    [await linkOf(page, utf8('{"version":1,"commands":[{"at":0,"command":{"type":"drop_table"}}]}')), /drop_table/],
    [await linkOf(page, utf8('{"version":1,"until_ms":18446744073709551615}')), /until_ms is 18446744073709551615, more than the largest accepted/],
    ['#run=', /no run after #run=/],
  ];
  for (const [fragment, reason] of cases) {
    const before = await playground.clockMs();
    await page.evaluate((f) => { location.hash = f; }, fragment);
    const notice = playground.byTestId('notice');
    await notice.waitFor({ state: 'visible' });
    const text = await notice.textContent();
    assert.match(text, /The share link could not be opened/, fragment);
    assert.match(text, reason, `${fragment}: ${text}`);
    assert.match(text, /current run is kept/);
    if (fragment === '#run=not*base64') await screenshot(page, 'bad_link-banner');
    // The run is untouched and still playing.
    assert.equal(await playground.lanes().count(), 3);
    await page.waitForFunction((t) => {
      const m = document.querySelector('[data-testid="clock"]').textContent.match(/(\d+)\.(\d{3})s/);
      return Number(m[1]) * 1000 + Number(m[2]) > t;
    }, before);
    await notice.locator('button').click();
    await notice.waitFor({ state: 'detached' });
  }
  assert.deepEqual(problems, []);
  await page.close();
});

test('a page opened on a bad link shows the banner over the running example', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('#run=AAAA');
  const notice = playground.byTestId('notice');
  await notice.waitFor({ state: 'visible' });
  assert.match(await notice.textContent(), /does not decompress|not a valid scenario/);
  assert.equal(await playground.lanes().count(), 3, 'the running example, not a blank page');
  assert.deepEqual(problems, []);
  await page.close();
});

test('a bad file names itself and its problem', async () => {
  const { page, problems, playground } = await s.newPage();
  await playground.open('?speed=4');
  const files = [
    ['old.json', Buffer.from('{"version":0,"commands":[]}'), /The file old\.json could not be opened: scenario version 0 is not supported/],
    ['cut.json', Buffer.from('{"version":1,"commands":[{"at":'), /cut\.json.*not a valid scenario/],
    ['latin1.json', Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]), /latin1\.json.*not UTF-8/],
    ['huge.json', Buffer.from('{"version":1,"load_generator":[{"at":0,"rate":900000,"topics":["orders"]}]}'), /load_generator\[0\]\.rate is 900000/],
  ];
  for (const [name, buffer, reason] of files) {
    await playground.byTestId('import').setInputFiles({ name, mimeType: 'application/json', buffer });
    const notice = playground.byTestId('notice');
    await notice.waitFor({ state: 'visible' });
    assert.match(await notice.textContent(), reason);
    assert.equal(await playground.lanes().count(), 3);
    await notice.locator('button').click();
    await notice.waitFor({ state: 'detached' });
  }
  assert.deepEqual(problems, []);
  await page.close();
});
