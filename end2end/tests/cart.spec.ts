import { test, expect } from '@playwright/test';
import { freshPhone, signUp, payInSandbox } from './helpers';

test('a visitor fills a cart, signs up at checkout, and the cart is still there', async ({ page }) => {
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /三文鱼腹肉刺身/ }).click();
  await page.getByRole('button', { name: '加入购物车' }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await expect(page.getByRole('status')).toHaveText('已加入购物车。');
  await expect(page.locator('.cart-line')).toContainText('三文鱼腹肉刺身');
  await page.getByLabel('数量').fill('2');
  await page.getByRole('button', { name: '更新' }).click();
  await expect(page.locator('.cart-foot')).toContainText('¥116.00');

  await page.getByRole('link', { name: '登录后结算' }).click();
  await signUp(page, freshPhone());
  await expect(page).toHaveURL(/\/checkout$/);
  await expect(page.locator('.order-line')).toContainText('三文鱼腹肉刺身');
  await page.getByRole('link', { name: '新增收货地址' }).click();
  await page.getByLabel('收件人').fill('阿梅');
  await page.getByLabel('手机号').fill('13800138000');
  await page.getByLabel('所在地区').fill('浙江省杭州市西湖区');
  await page.getByLabel('详细地址').fill('文三路 1 号');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(/\/checkout$/);
  // ¥116.00 is above the ¥99.00 free-shipping threshold.
  await expect(page.locator('.cart-foot')).toContainText('¥116.00');
  await page.getByRole('button', { name: '提交订单' }).click();
  await payInSandbox(page, '¥116.00');
  await page.goto('/cart');
  await expect(page.getByText('购物车是空的，去社群里逛逛吧。')).toBeVisible();
});

test('a cart across two communities checks out as two orders', async ({ page }) => {
  await page.goto('/signup?next=/c/dates-walnut');
  await signUp(page, freshPhone());
  await page.getByRole('link', { name: /枣加核桃 礼盒/ }).click();
  await page.getByRole('link', { name: '加入购物车' }).click();
  // Options are chosen on the order page, which adds to the cart too.
  await page.getByRole('radio', { name: /1000g/ }).check();
  await page.getByRole('button', { name: '加入购物车' }).click();
  await expect(page).toHaveURL(/\/cart$/);
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  // This product has a group-buy, so the bar offers 单独购买 and 发起拼团; the order page adds to the cart.
  await page.getByRole('link', { name: /单独购买/ }).click();
  await page.getByRole('button', { name: '加入购物车' }).click();
  await expect(page.locator('.cart-line')).toHaveCount(2);

  // More than the stock or limit is refused with the reason, and the cart keeps its quantity.
  const salmon = page.locator('.cart-line').filter({ hasText: '雪山三文鱼' });
  await salmon.getByLabel('数量').fill('11');
  await salmon.getByRole('button', { name: '更新' }).click();
  await expect(page.getByRole('alert')).toHaveText('每单最多买 10 件。');

  await page.getByRole('link', { name: '去结算' }).click();
  await expect(page.getByRole('heading', { name: '枣加核桃零食铺' })).toBeVisible();
  await expect(page.getByRole('heading', { name: '雪山三文鱼吃货群' })).toBeVisible();
  // Pickup is offered only when every community in the checkout has a pickup point.
  await expect(page.getByRole('radio', { name: /到店自提/ })).toHaveCount(0);
  await page.getByRole('link', { name: '新增收货地址' }).click();
  await page.getByLabel('收件人').fill('阿强');
  await page.getByLabel('手机号').fill('13900139000');
  await page.getByLabel('所在地区').fill('上海市徐汇区');
  await page.getByLabel('详细地址').fill('漕溪北路 18 号');
  await page.getByRole('button', { name: '保存' }).click();
  // ¥75.00 (free shipping) + ¥35.00 + ¥12.00 shipping.
  await expect(page.locator('.cart-foot')).toContainText('¥122.00');
  await page.getByRole('button', { name: '提交订单' }).click();
  await expect(page).toHaveURL(/\/pay\/\d+$/);
  await expect(page.getByText('同一次结算的其他订单')).toBeVisible();
  await page.getByRole('button', { name: /确认支付/ }).click();
  await page.goto('/orders');
  await expect(page.locator('.order-card')).toHaveCount(2);
  await expect(page.locator('.order-card').filter({ hasText: '待付款' })).toHaveCount(1);
});
