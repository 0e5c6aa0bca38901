import { test, expect } from '@playwright/test';
import { freshPhone, signUp, payForSeat } from './helpers';

// Moves the server's clock (test hooks); runs in the `clock` project, after everything else.
test('a team that does not fill in time is refunded automatically and its members are told why', async ({ page, request }) => {
  await page.goto('/signup?next=/c/salmon');
  await signUp(page, freshPhone());
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await page.getByRole('link', { name: /发起拼团/ }).click();
  await payForSeat(page, '¥29.90');
  const teamUrl = page.url();
  await expect(page.locator('[data-team-status]')).toHaveText('拼团中');

  // The 24-hour window passes with nobody else joining; the jobs run.
  expect((await request.post(`/__test/clock?ms=${24 * 3600 * 1000 + 60_000}`)).ok()).toBeTruthy();
  const jobs = await request.post('/__test/jobs');
  const report = await jobs.json();
  expect(report.teams_failed).toBeGreaterThanOrEqual(1);
  // The open page hears of it without a reload.
  await expect(page.locator('[data-team-status]')).toHaveText('未成团，已原路退款');

  await page.goto(teamUrl);
  await expect(page.locator('[data-team-status]')).toHaveText('未成团，已原路退款');
  await page.getByRole('link', { name: /我的拼团订单/ }).click();
  await expect(page.locator('.order-status-card .status')).toHaveText('已退款');
  await expect(page.locator('.refunds')).toContainText('拼团未成团，货款原路退回');
  await page.goto('/me/notifications');
  await expect(page.getByText('拼团时间到了，人数不够，未能成团，¥29.90 已原路退回。')).toBeVisible();
  // Running the jobs again changes nothing.
  const again = await (await request.post('/__test/jobs')).json();
  expect(again.teams_failed).toBe(0);
});
