// Page object for the playground: locators and the verbs a learner uses.
export class PlaygroundPage {
  constructor(page, baseUrl) {
    this.page = page;
    this.baseUrl = baseUrl;
  }

  /** Opens the page and waits until the app has rendered. */
  async open(query = '') {
    await this.page.goto(this.baseUrl + query);
    await this.byTestId('app').waitFor({ state: 'visible' });
  }

  byTestId(id) {
    return this.page.locator(`[data-testid="${id}"]`);
  }

  productName() {
    return this.byTestId('product-name');
  }

  clusterArea() {
    return this.byTestId('cluster-area');
  }

  footer() {
    return this.byTestId('footer');
  }
}
