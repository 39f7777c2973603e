// Page object for the playground: locators and the verbs a learner uses.
export class PlaygroundPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
  }

  /** Opens the page (with an optional query such as `?speed=4`) and waits for the lanes. */
  async open(query = '') {
    await this.page.goto(this.baseUrl + query);
    await this.byTestId('app').waitFor({ state: 'visible' });
    await this.lane('orders-0').waitFor({ state: 'visible' });
  }

  byTestId(id) {
    return this.page.locator(`[data-testid="${id}"]`);
  }

  productName() { return this.byTestId('product-name'); }
  tagline() { return this.byTestId('tagline'); }
  hints() { return this.byTestId('hints'); }
  footer() { return this.byTestId('footer'); }
  lane(name) { return this.byTestId(`lane-${name}`); }
  lanes() { return this.page.locator('[data-testid^="lane-"][data-leader]'); }

  /** The broker id leading a partition's lane ('' when offline). */
  async leaderOf(lane) {
    return (await this.lane(lane).getAttribute('data-leader')) ?? '';
  }

  /** A number from the ledger panel: sent, acked, failed, committed, lost, duplicates. */
  async count(name) {
    return Number(await this.byTestId(`count-${name}`).locator('dd').textContent());
  }

  async stopLoadGenerator() {
    await this.byTestId('load-rate').selectOption('0');
  }

  async togglePlay() {
    await this.byTestId('play').click();
  }

  /** Types a key and a value into the producer panel and presses Send. */
  async send(key, value) {
    await this.byTestId('send-key').fill(key);
    await this.byTestId('send-value').fill(value);
    await this.byTestId('send-button').click();
  }

  /** The simulated clock in milliseconds (the controls show `t = 12.345s`). */
  async clockMs() {
    const text = await this.byTestId('clock').textContent();
    const [, s, ms] = text.match(/(\d+)\.(\d{3})s/);
    return Number(s) * 1000 + Number(ms);
  }

  /** The partitions a consumer owns as the groups panel lists them ('no partitions' if none). */
  async memberPartitions(consumer) {
    return (await this.byTestId(`member-partitions-${consumer}`).textContent()).trim();
  }

  /** The CONSUMER column of a group's lag row for a partition ('-' when no live member owns it). */
  async lagOwner(group, partition) {
    return (await this.byTestId(`lag-row-${group}-${partition}`).locator('td').last().textContent()).trim();
  }

  async killBroker(id) {
    await this.byTestId(`kill-broker-${id}`).click();
  }

  /** Cells whose key is `key`, in DOM order: [{ lane, offset }]. */
  async cellsWithKey(key) {
    return this.page.evaluate((key) => {
      const cells = [...document.querySelectorAll('.cell[data-key]')].filter((c) => c.dataset.key === key);
      return cells.map((c) => ({
        lane: c.closest('[data-leader]').dataset.testid.replace(/^lane-/, ''),
        offset: Number(c.dataset.offset),
      }));
    }, key);
  }

  /** Clicks the cell at `offset` of `lane` and returns the inspector's rows as { label: value }. */
  async inspectRecord(lane, offset) {
    await this.lane(lane).locator(`.cell[data-offset="${offset}"]`).click();
    await this.byTestId('inspector-title').waitFor();
    return this.page.evaluate(() => Object.fromEntries(
      [...document.querySelectorAll('[data-testid="inspector"] .detail')]
        .map((d) => [d.querySelector('dt').textContent, d.querySelector('dd').textContent]),
    ));
  }
}
