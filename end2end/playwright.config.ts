import { defineConfig, devices } from '@playwright/test';

// The server is started by scripts/test.sh, which passes its address in BASE_URL.
const baseURL = process.env.BASE_URL ?? 'http://127.0.0.1:3000';

export default defineConfig({
  testDir: './tests',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [['list']],
  // Tests that move the server's clock run after everything else, so they cannot expire another
  // test's unpaid order halfway through.
  projects: [
    { name: 'main', testIgnore: /clock\.spec\.ts/ },
    { name: 'clock', testMatch: /clock\.spec\.ts/, dependencies: ['main'], fullyParallel: false, workers: 1 },
  ],
  use: {
    ...devices['Pixel 7'],
    baseURL,
    locale: 'zh-CN',
    trace: 'retain-on-failure',
    launchOptions: {
      // Debian's Chromium; Playwright never downloads a browser here.
      executablePath: process.env.CHROME_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-gpu'],
    },
  },
});
