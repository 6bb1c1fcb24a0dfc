// Loads tests/web/page in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core: no
// browser download) and prints what the page rendered as one JSON line.
// argv: PAGE_URL (with ?bridge=...)
const { chromium } = require('playwright-core');

(async () => {
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  const errors = [];
  let page;
  try {
    page = await browser.newPage();
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(process.argv[2]);
    await page.waitForFunction(() => document.getElementById('chart').textContent
      && document.querySelectorAll('#entries tbody tr').length > 0
      && document.getElementById('transport').textContent === 'websocket', null, { timeout: 30000 });
    const result = await page.evaluate(() => ({
      status: document.getElementById('status').textContent,
      transport: document.getElementById('transport').textContent,
      chart: document.getElementById('chart').textContent,
      entries: [...document.querySelectorAll('#entries tbody tr')].map((r) => [...r.cells].map((c) => c.textContent)),
    }));
    result.errors = errors;
    process.stdout.write(JSON.stringify(result) + '\n');
  } catch (e) {
    const shown = await Promise.race([  // what the page showed when it gave up, if it still answers
      page.evaluate(() => ['status', 'transport', 'chart'].map((id) => document.getElementById(id).textContent)),
      new Promise((resolve) => setTimeout(() => resolve(null), 2000)),
    ]).catch(() => null);
    process.stdout.write(JSON.stringify({ failure: String(e), errors, shown }) + '\n');
  } finally {
    await browser.close();
  }
})();
