import { test, expect } from '@playwright/test';

test('a cross-site POST to a server function is refused', async ({ request, baseURL }) => {
  const res = await request.post('/api/sign_up', {
    headers: { Origin: 'https://evil.example', 'Sec-Fetch-Site': 'cross-site' },
    form: { account: '13912345678', password: 'whatever-123' },
    maxRedirects: 0,
  });
  expect(res.status()).toBe(403);
  // The same request from the site itself goes through to the server function.
  const same = await request.post('/api/sign_in', {
    headers: { Origin: baseURL!, 'Sec-Fetch-Site': 'same-origin' },
    form: { account: 'not-an-account', password: 'x' },
    maxRedirects: 0,
  });
  expect(same.status()).not.toBe(403);
});

test('unknown pages are 404 with a way home', async ({ page }) => {
  const res = await page.goto('/p/999999');
  expect(res!.status()).toBe(404);
  await expect(page.getByRole('link', { name: '回首页' })).toBeVisible();
  const res2 = await page.goto('/no/such/page');
  expect(res2!.status()).toBe(404);
});

test('pages with islands run under their Content Security Policy without a violation', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
  });
  const res = await page.goto('/c/salmon');
  expect(res!.headers()['content-security-policy']).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9_-]+' 'wasm-unsafe-eval'/);
  expect(res!.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).first().click();
  await expect(page).toHaveURL(/\/p\/\d+$/);
  // The product page's islands load their script and WebAssembly under the policy.
  await page.waitForLoadState('networkidle');
  await page.goto('/cart');
  await page.waitForLoadState('networkidle');
  expect(violations).toEqual([]);
});
