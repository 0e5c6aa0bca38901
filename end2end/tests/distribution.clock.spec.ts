import { test, expect } from '@playwright/test';
import { newMember, salmonPath, buySalmon, balance, signIn, DEMO_OWNER } from './helpers';

// Moves the server's clock through its test hooks (on only when QUNLI_TEST_HOOKS=1).
test('a commission settles after the hold; the member withdraws and the owner pays out', async ({ browser, request }) => {
  const name = `分享达人${Date.now() % 100_000}`;
  const amy = await newMember(browser, name);
  const path = await salmonPath(amy);
  const link = await amy.locator('[data-share-earn] input').inputValue();

  const ben = await newMember(browser, '下单的朋友');
  const orderUrl = await buySalmon(ben, new URL(link).pathname + new URL(link).search, 3, '¥105.00');
  expect(path).toBe(new URL(link).pathname);

  await amy.goto('/c/salmon/promote');
  await expect(balance(amy, 'pending')).toHaveText('¥10.50');
  await expect(amy.locator('[data-credited] [data-status]').first()).toHaveText('待结算');

  // Shipped, then received: the commission is held for seven days.
  const owner = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(owner, DEMO_OWNER.phone, DEMO_OWNER.password);
  await owner.goto(orderUrl);
  await owner.getByLabel('快递公司').fill('顺丰速运');
  await owner.getByLabel('运单号').fill('SF1234567890');
  await owner.getByRole('button', { name: '发货' }).click();
  await ben.goto(orderUrl);
  await ben.getByRole('button', { name: '确认收货' }).click();
  await expect(ben.locator('.order-status-card .status')).toHaveText('已完成');
  await amy.goto('/c/salmon/promote');
  await expect(balance(amy, 'frozen')).toHaveText('¥10.50');
  await expect(balance(amy, 'available')).toHaveText('¥0.00');

  // Seven days later the jobs settle it, once.
  expect((await request.post(`/__test/clock?ms=${7 * 86_400_000 + 60_000}`)).ok()).toBeTruthy();
  const report = await (await request.post('/__test/jobs')).json();
  expect(report.commissions_settled).toBeGreaterThanOrEqual(1);
  await amy.goto('/c/salmon/promote');
  await expect(balance(amy, 'available')).toHaveText('¥10.50');
  await expect(balance(amy, 'frozen')).toHaveText('¥0.00');

  // Withdrawing: too much is refused with the balance; ¥10 goes to the owner's queue.
  await amy.getByLabel('提现金额（元）').fill('20');
  await amy.getByRole('button', { name: '申请提现' }).click();
  await expect(amy.locator('#f-amount-error')).toHaveText('可提现余额只有 ¥10.50。');
  await amy.getByLabel('提现金额（元）').fill('10');
  await amy.getByRole('button', { name: '申请提现' }).click();
  await expect(amy.locator('.banner-ok')).toHaveText('提现申请已提交，等群主打款。');
  await expect(balance(amy, 'available')).toHaveText('¥0.50');
  await expect(balance(amy, 'withdrawing')).toHaveText('¥10.00');
  await expect(amy.locator('[data-withdrawals] [data-status]').first()).toHaveText('待审核');

  await owner.goto('/console');
  await owner.getByRole('link', { name: '管理' }).first().click();
  await owner.getByRole('link', { name: '分销' }).click();
  await owner.getByRole('link', { name: '提现审核' }).click();
  const item = owner.locator(`[data-withdrawal="${name}"]`).first();
  await expect(item).toContainText('¥10.00');
  await item.getByRole('button', { name: '已打款' }).click();
  await expect(owner.locator(`[data-withdrawal="${name}"] [data-status]`).first()).toHaveText('已打款');

  await amy.goto('/c/salmon/promote');
  await expect(balance(amy, 'withdrawing')).toHaveText('¥0.00');
  await expect(amy.locator('[data-withdrawals] [data-status]').first()).toHaveText('已打款');
  await amy.goto('/me/notifications');
  await expect(amy.getByText('提现已打款 ¥10.00。')).toBeVisible();
});
