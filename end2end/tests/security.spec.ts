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
