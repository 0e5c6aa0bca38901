const { chromium, devices } = require('@playwright/test');
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'] });
  const ctx = await browser.newContext({ ...devices['Pixel 7'], locale: 'zh-CN' });
  const page = await ctx.newPage();
  page.on('console', m => console.log('console:', m.type(), m.text()));
  const base = process.env.BASE || 'http://127.0.0.1:3000';
  for (const [name, path] of (process.env.PAGES || '/,home;/c/salmon,community').split(';').map(s => s.split(','))) {
    await page.goto(base + name);
    await page.waitForTimeout(500);
    await page.screenshot({ path: `/tmp/shots/${path}.png`, fullPage: true });
  }
  await browser.close();
})();
