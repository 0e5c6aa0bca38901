import { test, expect } from '@playwright/test';
import { freshPhone, signUp, payInSandbox, addAddressIfNone } from './helpers';

test('an owner creates a community and a product; a member buys it; the owner sees the paid order', async ({ browser }) => {
  const ownerCtx = await browser.newContext({ locale: 'zh-CN' });
  const owner = await ownerCtx.newPage();
  await owner.goto('/signup');
  await signUp(owner, freshPhone(), '果园阿强');
  await owner.getByRole('link', { name: '创建社群' }).click();
  await expect(owner).toHaveURL(/\/console$/);
  await owner.getByRole('link', { name: '创建社群' }).click();

  const slug = `orchard-${Date.now() % 1_000_000}`;
  await owner.getByLabel('社群名称').fill('阿强的果园');
  await owner.getByLabel('社群地址').fill('Bad Slug!');
  await owner.getByLabel('简介').fill('<script>alert("x")</script> 自家果园，现摘现发。');
  await owner.getByRole('button', { name: '创建社群' }).click();
  await expect(owner.locator('.field-error')).toHaveText('社群地址只能用小写字母、数字和短横线，3 到 40 位。');
  await expect(owner.getByLabel('社群名称')).toHaveValue('阿强的果园');
  await owner.getByLabel('社群地址').fill(slug);
  await owner.getByRole('button', { name: '创建社群' }).click();
  await expect(owner).toHaveURL(/\/console\/c\/\d+$/);
  await expect(owner.getByRole('status')).toHaveText('已创建。');

  await owner.getByRole('link', { name: '上架新商品' }).click();
  await owner.getByLabel('商品名称').fill('赣南脐橙 5 斤');
  await owner.getByLabel('售价（元）').fill('39.9');
  await owner.getByLabel('划线价（元，可不填）').fill('30');
  await owner.getByLabel('库存').fill('50');
  await owner.getByLabel('单位').fill('箱');
  await owner.getByRole('button', { name: '保存' }).click();
  await expect(owner.locator('.field-error')).toHaveText('划线价要高于售价，否则请留空。');
  await expect(owner.getByLabel('商品名称')).toHaveValue('赣南脐橙 5 斤');
  await owner.getByLabel('划线价（元，可不填）').fill('59');
  await owner.getByRole('button', { name: '保存' }).click();
  await expect(owner).toHaveURL(/\/console\/c\/\d+$/);
  await expect(owner.locator('.console-product')).toContainText('赣南脐橙 5 斤');
  // A second product, moved to the front of the list.
  await owner.getByRole('link', { name: '上架新商品' }).click();
  await owner.getByLabel('商品名称').fill('脐橙礼盒 10 斤');
  await owner.getByLabel('售价（元）').fill('69');
  await owner.getByLabel('库存').fill('20');
  await owner.getByRole('button', { name: '保存' }).click();
  await owner.getByRole('button', { name: '上移 脐橙礼盒 10 斤' }).click();
  await expect(owner.locator('.console-product h3').first()).toHaveText('脐橙礼盒 10 斤');

  // A member finds it on the community page and buys it.
  const memberCtx = await browser.newContext({ locale: 'zh-CN' });
  const member = await memberCtx.newPage();
  await member.goto(`/c/${slug}`);
  await expect(member.locator('.community-intro')).toContainText('<script>alert("x")</script>');
  const tile = member.getByRole('link', { name: /赣南脐橙 5 斤/ });
  await expect(tile).toContainText('39.90');
  await expect(tile).toContainText('¥59.00');
  await expect(member.locator('.product-tile-title').first()).toHaveText('脐橙礼盒 10 斤');
  await tile.click();
  await member.getByRole('link', { name: '立即购买' }).click();
  await signUp(member, freshPhone(), '买橙子的人');
  await addAddressIfNone(member);
  await member.getByRole('button', { name: '提交订单' }).click();
  await payInSandbox(member, '¥39.90');

  await owner.getByRole('link', { name: '订单' }).click();
  await expect(owner.locator('.order-card')).toHaveCount(1);
  await expect(owner.locator('.order-card')).toContainText('买橙子的人');
  await expect(owner.locator('.order-card')).toContainText('已支付');

  // Filters, search and the CSV export.
  await owner.getByRole('link', { name: '待发货' }).click();
  await expect(owner.locator('.order-card')).toHaveCount(1);
  await owner.getByRole('link', { name: '已完成' }).click();
  await expect(owner.getByText('还没有订单。')).toBeVisible();
  await owner.getByRole('link', { name: '全部订单' }).click();
  await owner.getByLabel('搜索订单').fill('买橙子的人');
  await owner.getByRole('button', { name: '搜索' }).click();
  await expect(owner.locator('.order-card')).toHaveCount(1);
  const download = owner.waitForEvent('download');
  await owner.getByRole('link', { name: '导出 CSV' }).click();
  const csv = await (await download).path();
  const text = require('fs').readFileSync(csv, 'utf8');
  expect(text.charCodeAt(0)).toBe(0xfeff);
  expect(text).toContain('买橙子的人');
  expect(text).toContain('赣南脐橙 5 斤×1');

  // Taking the product off sale hides it from members.
  await owner.goto(owner.url().replace(/\/orders(\?.*)?$/, ''));
  await owner.locator('.console-product').filter({ hasText: '赣南脐橙 5 斤' }).getByRole('link', { name: '编辑' }).click();
  await owner.getByLabel('状态').selectOption('off_sale');
  await owner.getByRole('button', { name: '保存' }).click();
  await expect(owner.getByRole('status')).toHaveText('已保存。');
  await member.goto(`/c/${slug}`);
  await expect(member.getByRole('link', { name: /赣南脐橙 5 斤/ })).toHaveCount(0);

  await ownerCtx.close();
  await memberCtx.close();
});
