import { test, expect } from '@playwright/test';
import { freshPhone, signUp, payInSandbox, signIn, DEMO_OWNER, addAddressIfNone } from './helpers';

test('a member asks for part of a line back; the owner approves; both see it', async ({ browser }) => {
  const member = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await member.goto('/signup?next=/c/salmon');
  await signUp(member, freshPhone(), '退款的人');
  await member.getByRole('link', { name: /三文鱼腹肉刺身/ }).click();
  await member.getByRole('link', { name: '立即购买' }).click();
  await addAddressIfNone(member);
  await member.getByLabel('数量').fill('2');
  await member.getByRole('button', { name: '提交订单' }).click();
  await payInSandbox(member, '¥116.00');
  const orderUrl = member.url();

  await member.getByRole('link', { name: /申请退款/ }).click();
  await expect(member.getByLabel('退款金额（元）')).toHaveValue('116');
  await member.getByLabel('退款金额（元）').fill('120');
  await member.getByLabel('退款原因').fill('少了一盒');
  await member.getByRole('button', { name: '申请退款' }).click();
  await expect(member.locator('#f-amount-error')).toHaveText('退款金额应大于 0，最多 ¥116.00。');
  await expect(member.getByLabel('退款原因')).toHaveValue('少了一盒');
  await member.getByLabel('退款金额（元）').fill('58');
  await member.getByRole('button', { name: '申请退款' }).click();
  await expect(member).toHaveURL(orderUrl);
  await expect(member.getByRole('status')).toHaveText('已提交退款申请，等待群主处理。');
  await expect(member.locator('.order-status-card .status')).toHaveText('退款中');

  const owner = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(owner, DEMO_OWNER.phone, DEMO_OWNER.password);
  await expect(owner.locator('.tab .count')).toBeVisible();
  await owner.goto('/me/notifications');
  await expect(owner.getByText('有买家申请退款 ¥58.00，请处理。').first()).toBeVisible();
  await owner.goto(orderUrl);
  await owner.getByRole('button', { name: '拒绝' }).click();
  await expect(owner.locator('#f-decision_note-error')).toHaveText('拒绝时请写明原因，最多 200 个字。');
  await owner.getByRole('button', { name: '同意退款 ¥58.00' }).click();
  await expect(owner.getByRole('status')).toHaveText('已保存。');
  await expect(owner.locator('.refund').first()).toContainText('已退款');

  await member.goto(orderUrl);
  await expect(member.locator('.order-status-card .status')).toHaveText('已支付');
  await expect(member.locator('.order-status-card')).toContainText('已退款 ¥58.00');
  await member.goto('/me/notifications');
  await expect(member.getByText('退款 ¥58.00 已原路退回。')).toBeVisible();
});
