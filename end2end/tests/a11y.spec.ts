import { test, expect, Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import { freshPhone, signUp, signIn, addAddressIfNone, payForSeat, DEMO_OWNER } from './helpers';

async function noSeriousViolations(page: Page, what: string) {
  const result = await new AxeBuilder({ page }).analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${what}: ${v.id} ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`)).toEqual([]);
}

test('the pages of the first slice have no serious or critical accessibility violations', async ({ page }) => {
  for (const path of ['/', '/c', '/c/salmon', '/me', '/signin', '/signup']) {
    await page.goto(path);
    await noSeriousViolations(page, path);
  }
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await noSeriousViolations(page, 'product');
  await page.getByRole('link', { name: /单独购买|立即购买/ }).click();
  await page.getByLabel('手机号或邮箱').fill('bad');
  await page.getByRole('button', { name: '登录' }).click();
  await noSeriousViolations(page, 'sign-in with an error');
  await signUp(page, freshPhone());
  await addAddressIfNone(page);
  await noSeriousViolations(page, 'buy');
  await page.getByRole('button', { name: '提交订单' }).click();
  await noSeriousViolations(page, 'cashier');
  await page.getByRole('button', { name: /确认支付/ }).click();
  await noSeriousViolations(page, 'order');
  await page.goto('/orders');
  await noSeriousViolations(page, 'orders');
  await page.goto('/console');
  await noSeriousViolations(page, 'console');
  await page.goto('/console/new');
  await noSeriousViolations(page, 'new community');
});

test('the group-buy pages have no serious or critical accessibility violations', async ({ page }) => {
  await page.goto('/signup?next=/c/salmon');
  await signUp(page, freshPhone());
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await page.getByRole('link', { name: /发起拼团/ }).click();
  await noSeriousViolations(page, 'group-buy order');
  await payForSeat(page, '¥29.90');
  await noSeriousViolations(page, 'team');
  // The home page lists real open teams close to filling.
  await page.goto('/');
  await expect(page.locator('.team-card').first()).toContainText(/还差\d人/);
  await noSeriousViolations(page, 'home with teams');
  await signIn(page, DEMO_OWNER.phone, DEMO_OWNER.password);
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await page.goto(new URL(page.url()).pathname.replace('/p/', '/console/p/') + '/group');
  await noSeriousViolations(page, 'group-buy console');
  await expect(page.locator('.activity-card').first()).toContainText(/开团 [1-9]\d*/);
  await page.locator('.activity-card').first().getByRole('link', { name: '查看团' }).click();
  await expect(page.locator('.team-row').first()).toContainText(/\d+\/3/);
  await noSeriousViolations(page, 'teams');
  await page.goto('/console');
  await page.getByRole('link', { name: /雪山三文鱼吃货群/ }).first().click();
  await page.getByRole('link', { name: '管理社群' }).click();
  await page.getByRole('navigation', { name: '后台菜单' }).getByRole('link', { name: '拼团' }).click();
  await expect(page.locator('.activity-card').first()).toContainText('雪山三文鱼 鲜切中段');
  await noSeriousViolations(page, 'community group-buys');
});

test('the distribution pages have no serious or critical accessibility violations', async ({ page }) => {
  await page.goto('/signup?next=/c/salmon');
  await signUp(page, freshPhone());
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await expect(page.locator('[data-share-earn]')).toBeVisible();
  await noSeriousViolations(page, 'product with 分享赚');
  for (const path of ['/c/salmon/promote', '/c/salmon/leaderboard', '/me/promote']) {
    await page.goto(path);
    await noSeriousViolations(page, path);
  }
  await signIn(page, DEMO_OWNER.phone, DEMO_OWNER.password);
  await page.goto('/console');
  await page.getByRole('link', { name: '管理社群' }).first().click();
  await page.getByRole('navigation', { name: '后台菜单' }).getByRole('link', { name: '分销' }).click();
  await noSeriousViolations(page, 'programme');
  for (const name of ['推广员', '佣金明细', '提现审核']) {
    await page.getByRole('navigation', { name: '分销' }).getByRole('link', { name }).click();
    await noSeriousViolations(page, name);
  }
});
