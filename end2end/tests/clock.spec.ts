import { test, expect, Page, APIRequestContext } from '@playwright/test';
import { freshPhone, signUp, payInSandbox, DEMO_OWNER, signIn, addAddressIfNone } from './helpers';

// These tests move the server's clock through its test hooks (on only when QUNLI_TEST_HOOKS=1).
test.describe.configure({ mode: 'serial' });

async function moveClock(request: APIRequestContext, ms: number) {
  expect((await request.post(`/__test/clock?ms=${ms}`)).ok()).toBeTruthy();
  const jobs = await request.post('/__test/jobs');
  expect(jobs.ok()).toBeTruthy();
  return jobs.json();
}

async function stockOf(page: Page, productPath: string): Promise<number> {
  await page.goto(productPath);
  const text = await page.getByText(/库存 \d+/).innerText();
  return Number(text.match(/\d+/)![0]);
}

async function buyWithoutPaying(page: Page, quantity: number): Promise<{ orderUrl: string; productPath: string }> {
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /三文鱼腹肉刺身/ }).click();
  const productPath = new URL(page.url()).pathname;
  await page.getByRole('link', { name: '立即购买' }).click();
  if (page.url().includes('/signin')) await signUp(page, freshPhone());
  await addAddressIfNone(page);
  await page.getByLabel('数量').fill(String(quantity));
  await page.getByRole('button', { name: '提交订单' }).click();
  await expect(page).toHaveURL(/\/pay\/\d+$/);
  const orderUrl = page.url().replace('/pay/', '/orders/');
  return { orderUrl, productPath };
}

test('an unpaid order cancels itself after 15 minutes and its stock comes back', async ({ page, request }) => {
  await page.goto('/signup');
  await signUp(page, freshPhone());
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /三文鱼腹肉刺身/ }).click();
  const before = await stockOf(page, new URL(page.url()).pathname);
  const { orderUrl, productPath } = await buyWithoutPaying(page, 3);
  expect(await stockOf(page, productPath)).toBe(before - 3);

  await page.goto(orderUrl);
  await expect(page.locator('.order-status-card .status')).toHaveText('待付款');
  await expect(page.getByText(/请在 .* 前完成支付/)).toBeVisible();

  const report = await moveClock(request, 15 * 60 * 1000 + 1000);
  expect(report.expired).toBeGreaterThanOrEqual(1);
  await page.goto(orderUrl);
  await expect(page.locator('.order-status-card .status')).toHaveText('已取消');
  await expect(page.getByText('订单已取消，库存已退回。')).toBeVisible();
  await expect(page.locator('.timeline li').first()).toContainText('系统');
  expect(await stockOf(page, productPath)).toBe(before);
  // The cashier no longer takes money for it.
  await page.goto(orderUrl.replace('/orders/', '/pay/'));
  await expect(page.getByText('这个订单已不需要支付。')).toBeVisible();
});

test('a member cancels an unpaid order; the owner ships a paid one; it completes', async ({ browser, request }) => {
  const member = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await member.goto('/signup');
  await signUp(member, freshPhone(), '等快递的人');
  const first = await buyWithoutPaying(member, 1);
  await member.goto(first.orderUrl);
  await member.getByRole('button', { name: '取消订单' }).click();
  await expect(member.locator('.order-status-card .status')).toHaveText('已取消');

  const second = await buyWithoutPaying(member, 2);
  await payInSandbox(member, '¥116.00');

  const owner = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(owner, DEMO_OWNER.phone, DEMO_OWNER.password);
  await owner.goto(second.orderUrl);
  await owner.getByLabel('快递公司').fill('顺丰速运');
  await owner.getByLabel('运单号').fill('SF12');
  await owner.getByRole('button', { name: '发货' }).click();
  await expect(owner.locator('#f-tracking_no-error')).toHaveText('运单号应为 6 到 30 位字母或数字。');
  await expect(owner.getByLabel('快递公司')).toHaveValue('顺丰速运');
  await owner.getByLabel('运单号').fill('SF 1234 5678 90');
  await owner.getByRole('button', { name: '发货' }).click();
  await expect(owner.locator('.order-status-card .status')).toHaveText('已发货');
  await expect(owner.getByText('SF1234567890')).toBeVisible();

  await member.goto('/me');
  await member.locator('.shortcut').filter({ hasText: '待收货' }).click();
  await expect(member.locator('.order-card')).toHaveCount(1);
  await expect(member.locator('.order-card')).toContainText('已发货');
  await member.getByRole('link', { name: '待付款' }).click();
  await expect(member.getByText('还没有订单，去社群里看看吧。')).toBeVisible();
  await member.goto(second.orderUrl);
  await expect(member.locator('.order-status-card .status')).toHaveText('已发货');
  await expect(member.getByText(/将自动确认收货/)).toBeVisible();
  // Seven days later the order completes by itself.
  const report = await moveClock(request, 7 * 24 * 3600 * 1000 + 1000);
  expect(report.completed).toBeGreaterThanOrEqual(1);
  await member.goto(second.orderUrl);
  await expect(member.locator('.order-status-card .status')).toHaveText('已完成');
});
