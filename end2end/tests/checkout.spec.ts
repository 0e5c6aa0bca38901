import { test, expect } from '@playwright/test';
import { freshPhone, signUp, payInSandbox } from './helpers';

test('pickup at the community point costs no shipping and the order says where to collect', async ({ page }) => {
  await page.goto('/signup?next=/c/salmon');
  await signUp(page, freshPhone());
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await page.getByRole('link', { name: /单独购买|立即购买/ }).click();
  // No address yet: the pickup point is the only way, and it is chosen.
  await expect(page.getByRole('radio', { name: /到店自提 雪山牧场杭州门店/ })).toBeChecked();
  await page.getByLabel('订单备注（可不填）').fill('周六上午来拿');
  await page.getByRole('button', { name: '提交订单' }).click();
  await payInSandbox(page, '¥35.00');
  await expect(page.getByRole('heading', { name: '到店自提' })).toBeVisible();
  await expect(page.getByText('雪山牧场杭州门店（周六 10:00–18:00）')).toBeVisible();
  await expect(page.getByText('订单备注（可不填）: 周六上午来拿')).toBeVisible();
});

test('the address book keeps one default and checkout follows it', async ({ page }) => {
  await page.goto('/signup?next=/me/addresses');
  await signUp(page, freshPhone());
  await expect(page.getByText('还没有收货地址。')).toBeVisible();
  for (const [name, detail] of [['家', '文三路 1 号'], ['公司', '学院路 77 号']]) {
    await page.getByRole('link', { name: '新增收货地址' }).click();
    await page.getByLabel('收件人').fill(name);
    await page.getByLabel('手机号').fill('1380013800');
    await page.getByLabel('所在地区').fill('浙江省杭州市西湖区');
    await page.getByLabel('详细地址').fill(detail);
    await page.getByRole('button', { name: '保存' }).click();
    if (name === '家') {
      // A short phone number is refused, the rest is kept.
      await expect(page.locator('#f-phone-error')).toHaveText('收件人手机号应为 11 位数字，以 1 开头。');
      await expect(page.getByLabel('详细地址')).toHaveValue(detail);
      await page.getByLabel('手机号').fill('13800138000');
      await page.getByRole('button', { name: '保存' }).click();
    } else {
      await page.getByLabel('手机号').fill('13800138001');
      await page.getByRole('button', { name: '保存' }).click();
    }
  }
  const cards = page.locator('.address');
  await expect(cards).toHaveCount(2);
  await expect(cards.first()).toContainText('家');
  await expect(cards.first()).toContainText('默认');
  await cards.nth(1).getByRole('button', { name: '设为默认' }).click();
  await expect(page.locator('.address').first()).toContainText('公司');

  await page.goto('/c/dates-walnut');
  await page.getByRole('link', { name: /纸皮核桃/ }).click();
  await page.getByRole('link', { name: /单独购买|立即购买/ }).click();
  await expect(page.getByRole('radio', { name: /快递到 公司/ })).toBeChecked();
  await expect(page.getByText('全场包邮')).toBeVisible();

  await page.goto('/me/addresses');
  await page.locator('.address').first().getByRole('button', { name: '删除' }).click();
  await expect(page.locator('.address')).toHaveCount(1);
  await expect(page.locator('.address').first()).toContainText('默认');
});
