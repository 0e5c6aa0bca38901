import { test, expect, Page, Browser } from '@playwright/test';
import { freshPhone, signUp, signIn, DEMO_OWNER, payForSeat } from './helpers';

async function member(browser: Browser) {
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  return { context, page };
}

const seats = (page: Page) => page.locator('[data-seats] .seat:not(.empty)');

test('a team opens, is shared, fills from a link and the open-teams list, and every page follows live', async ({ browser }) => {
  // A opens a team on the salmon by paying.
  const a = await member(browser);
  await a.page.goto('/signup?next=/c/salmon');
  await signUp(a.page, freshPhone(), '阿梅');
  await a.page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  const productUrl = a.page.url();
  await expect(a.page.locator('.group-offer')).toContainText('3人团');
  await expect(a.page.locator('.group-offer')).toContainText('29.90');
  // The rule that decides the money is written before paying.
  await expect(a.page.getByText('到时间没凑满 3 人，已付款项自动原路退回，不收任何费用。')).toBeVisible();
  await a.page.getByRole('link', { name: /发起拼团/ }).click();
  await expect(a.page.getByRole('heading', { name: '发起拼团' })).toBeVisible();
  await payForSeat(a.page, '¥29.90');
  const teamUrl = a.page.url();
  await expect(a.page.locator('[data-team-status]')).toHaveText('拼团中');
  await expect(a.page.locator('[data-team-progress]')).toContainText(/还差2人 · \d\d:\d\d:\d\d 后结束/);
  await expect(seats(a.page)).toHaveCount(1);
  await expect(a.page.locator('[data-seats] .seat.empty')).toHaveCount(2);
  // Share: no share sheet on this browser, so the link is copied (once the page is interactive).
  await expect(a.page.locator('.share[data-ready]')).toHaveCount(1);
  await a.page.getByRole('button', { name: '邀请好友参团' }).click();
  await expect(a.page.locator('[data-share-status]')).toHaveText('链接已复制，发给好友吧');
  const copied = await a.page.evaluate(() => navigator.clipboard.readText());
  // The link carries A's referral code, so whoever joins through it is attributed to her.
  expect(copied).toMatch(new RegExp(`^${teamUrl}\\?ref=[A-Z2-9]{8}$`));
  // The countdown runs.
  const before = await a.page.locator('[data-team-progress]').innerText();
  await expect(a.page.locator('[data-team-progress]')).not.toHaveText(before, { timeout: 3000 });

  // B opens the shared link without an account: the team page is public and previews well.
  const b = await member(browser);
  await b.page.goto(copied);
  await expect(b.page.locator('meta[property="og:title"]')).toHaveAttribute('content', /3人团 · 雪山三文鱼 鲜切中段/);
  await expect(b.page.locator('meta[property="og:description"]')).toHaveAttribute('content', /还差2人！¥29\.90/);
  await expect(b.page.locator('meta[property="og:image"]')).toHaveAttribute('content', /^http/);
  await b.page.getByRole('link', { name: /参加这个团/ }).click();
  await signUp(b.page, freshPhone(), '小周');
  await expect(b.page.getByRole('heading', { name: '参加这个团' })).toBeVisible();
  await payForSeat(b.page, '¥29.90');
  await expect(seats(b.page)).toHaveCount(2);

  // A's page shows B without a reload.
  await expect(seats(a.page)).toHaveCount(2);
  await expect(a.page.locator('[data-team-progress]')).toContainText('还差1人');

  // C finds the team in the product page's open-teams list.
  const c = await member(browser);
  await c.page.goto('/signup');
  await signUp(c.page, freshPhone(), '老王');
  await c.page.goto(productUrl);
  const row = c.page.locator(`.open-team:has(a[href="${new URL(teamUrl).pathname}"])`);
  await expect(row).toContainText('阿**');
  await expect(row).toContainText('还差1人');
  await row.getByRole('link', { name: '去参团' }).click();
  await expect(c.page).toHaveURL(teamUrl);
  await c.page.getByRole('link', { name: /参加这个团/ }).click();
  await payForSeat(c.page, '¥29.90');
  await expect(c.page.locator('[data-team-status]')).toHaveText('拼团成功');

  // Everyone sees the team complete, live; every order is paid and waits for shipping.
  await expect(a.page.locator('[data-team-status]')).toHaveText('拼团成功');
  await expect(seats(a.page)).toHaveCount(3);
  await expect(b.page.locator('[data-team-status]')).toHaveText('拼团成功');
  for (const p of [a.page, b.page, c.page]) {
    await p.goto('/orders?tab=paid');
    await expect(p.locator('.order-card').first()).toContainText('已支付');
    await p.goto('/me/notifications');
    await expect(p.getByText('拼团成功！订单已交给群主发货。')).toBeVisible();
  }

  // A fourth member is told the team is full and offered the alternatives.
  const d = await member(browser);
  await d.page.goto('/signup');
  await signUp(d.page, freshPhone());
  await d.page.goto(teamUrl);
  await expect(d.page.getByRole('link', { name: /参加这个团/ })).toBeHidden();
  await expect(d.page.getByRole('link', { name: '我来开一个团' })).toBeVisible();
  // An old join link says so before anything is submitted.
  const teamId = new URL(teamUrl).pathname.split('/').pop();
  await d.page.goto(`${new URL(productUrl).pathname.replace('/p/', '/buy/')}?group=join:${teamId}`);
  await expect(d.page.locator('[data-refused]')).toContainText('这个团已满或已结束');
  await expect(d.page.getByRole('button', { name: '提交订单' })).toHaveCount(0);
  for (const x of [a, b, c, d]) await x.context.close();
});

test('a team page without JavaScript shows the state at load', async ({ browser }) => {
  const a = await member(browser);
  await a.page.goto('/signup?next=/c/salmon');
  await signUp(a.page, freshPhone());
  await a.page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await a.page.getByRole('link', { name: /发起拼团/ }).click();
  await payForSeat(a.page, '¥29.90');
  const teamUrl = a.page.url();
  const context = await browser.newContext({ javaScriptEnabled: false });
  const visitor = await context.newPage();
  await visitor.goto(teamUrl);
  await expect(visitor.locator('[data-team-status]')).toHaveText('拼团中');
  await expect(visitor.locator('[data-team-progress]')).toContainText(/还差2人 · \d\d:\d\d:\d\d 后结束/);
  await expect(visitor.locator('[data-seats] .seat:not(.empty)')).toHaveCount(1);
  await expect(visitor.getByRole('link', { name: /参加这个团/ })).toBeVisible();
  await context.close();
  await a.context.close();
});

test('an owner sets up a guaranteed group-buy with checked rules, and members see the guarantee before paying', async ({ page }) => {
  await signIn(page, DEMO_OWNER.phone, DEMO_OWNER.password);
  await page.goto('/c/dates-walnut');
  await page.getByRole('link', { name: /纸皮核桃/ }).click();
  const productPath = new URL(page.url()).pathname;
  await page.goto(productPath.replace('/p/', '/console/p/') + '/group');
  // Refused with the reason, keeping what was typed.
  await page.getByLabel('成团人数（2–50）').fill('1');
  await page.getByLabel('拼团价（元）').fill('50');
  await page.getByRole('button', { name: '保存活动' }).click();
  await expect(page.getByText('成团人数应为 2 到 50 人。')).toBeVisible();
  await expect(page.getByLabel('拼团价（元）')).toHaveValue('50');
  await page.getByLabel('成团人数（2–50）').fill('2');
  await page.getByLabel('拼团价（元）').fill('29.90');
  await page.getByRole('button', { name: '保存活动' }).click();
  await expect(page.getByText('拼团价要低于这个规格单独购买的价格。')).toBeVisible();
  await page.getByLabel('拼团价（元）').fill('19.90');
  await page.getByLabel('成团时限（小时，1–72，默认 24）').fill('73');
  await page.getByRole('button', { name: '保存活动' }).click();
  await expect(page.getByText('成团时限应为 1 到 72 小时。')).toBeVisible();
  await page.getByLabel('成团时限（小时，1–72，默认 24）').fill('12');
  await page.getByLabel('成团保障：到时未满也按已付款的人数成团').check();
  await page.getByRole('button', { name: '保存活动' }).click();
  await expect(page.getByRole('status')).toBeVisible();
  const runningState = page.locator('.status', { hasText: /^进行中$/ });
  const running = page.locator('.activity-card').filter({ has: runningState });
  await expect(running).toHaveCount(1);
  await expect(running).toContainText('2人团 ¥19.90');
  // A second activity at the same time on the same product is refused.
  await page.getByLabel('成团人数（2–50）').fill('3');
  await page.getByLabel('拼团价（元）').fill('18');
  await page.getByRole('button', { name: '保存活动' }).click();
  await expect(page.getByText('这个商品在这段时间已有拼团活动，请换个时间。')).toBeVisible();

  // A member sees the guarantee on the product page and on the order page, before paying.
  const context = await page.context().browser()!.newContext();
  const m = await context.newPage();
  await m.goto(productPath);
  await expect(m.locator('[data-guaranteed]')).toHaveText('成团保障：到时间没凑满人，也按已付款的人数成团发货。');
  await m.getByRole('link', { name: /发起拼团/ }).click();
  await signUp(m, freshPhone());
  await expect(m.locator('[data-guaranteed]')).toBeVisible();
  await expect(m.getByRole('button', { name: '提交订单' })).toBeVisible();
  await context.close();

  // The owner ends it; the product page no longer offers it.
  await running.getByRole('button', { name: '立即结束活动' }).click();
  await expect(page.locator('.activity-card').filter({ has: runningState })).toHaveCount(0);
  await expect(page.locator('.activity-card').first()).toContainText('已结束');
  await page.goto(productPath);
  await expect(page.locator('.group-offer')).toHaveCount(0);
});
