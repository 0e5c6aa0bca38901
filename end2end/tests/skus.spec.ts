import { test, expect } from '@playwright/test';
import { freshPhone, signUp, payInSandbox, addAddressIfNone } from './helpers';

for (const js of [true, false]) {
  test(`a member chooses an option and pays for exactly that (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: js, locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto('/c/crayfish');
    await page.getByRole('link', { name: /麻辣小龙虾/ }).click();
    await expect(page.locator('.product-specs')).toContainText('微辣');
    await page.getByRole('link', { name: '立即购买' }).click();
    await signUp(page, freshPhone());
    await expect(page).toHaveURL(/\/buy\/\d+$/);
    await addAddressIfNone(page);
    await expect(page.getByRole('group', { name: '辣度' })).toBeVisible();

    // Submitting without choosing asks for a choice and keeps the quantity.
    await page.getByLabel('数量').fill('2');
    await page.getByRole('button', { name: '提交订单' }).click();
    await expect(page.locator('#f-sku_id-error')).toHaveText('请选择规格。');
    await expect(page.getByLabel('数量')).toHaveValue('2');

    await page.getByRole('radio', { name: /特辣/ }).check();
    if (js) await expect(page.locator('.stepper-total')).toContainText('¥160.00');
    await page.getByRole('button', { name: '提交订单' }).click();
    await payInSandbox(page, '¥160.00');
    await expect(page.locator('.order-line').first()).toContainText('特辣');
    await context.close();
  });
}

test('a per-member limit is explained when reached', async ({ page }) => {
  await page.goto('/signup?next=/c/salmon');
  await signUp(page, freshPhone());
  await page.getByRole('link', { name: /三文鱼籽/ }).click();
  await expect(page.getByText('每人限购 5罐')).toBeVisible();
  await page.getByRole('link', { name: '立即购买' }).click();
  await addAddressIfNone(page);
  await page.getByLabel('数量').fill('4');
  await page.getByRole('button', { name: '提交订单' }).click();
  await expect(page).toHaveURL(/\/pay\/\d+$/);
  await page.goBack();
  await page.goto(page.url());
  await page.getByLabel('数量').fill('2');
  await page.getByRole('button', { name: '提交订单' }).click();
  await expect(page.locator('#f-quantity-error')).toHaveText('每人限购 5 件，你还能买 1 件。');
});

test('an owner gives a product options, prices each one, and members see them', async ({ page }) => {
  await page.goto('/signup');
  await signUp(page, freshPhone(), '规格群主');
  await page.goto('/console/new');
  const slug = `spec-${Date.now() % 1_000_000}`;
  await page.getByLabel('社群名称').fill('规格测试社群');
  await page.getByLabel('社群地址').fill(slug);
  await page.getByRole('button', { name: '创建社群' }).click();
  await page.getByRole('link', { name: '上架新商品' }).click();
  await page.getByLabel('商品名称').fill('冰鲜三文鱼');
  await page.getByLabel('售价（元）').fill('35');
  await page.getByLabel('库存').fill('10');
  await page.getByLabel('规格名', { exact: true }).fill('重量');
  await page.getByLabel('规格值（用逗号分开）').fill('1斤, 1斤');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page.locator('#f-spec1_values-error')).toContainText('不能重复');
  await expect(page.getByLabel('商品名称')).toHaveValue('冰鲜三文鱼');
  await page.getByLabel('规格值（用逗号分开）').fill('1斤, 2斤, 5斤');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(/\/console\/p\/\d+#skus$/);

  const row = page.getByRole('group', { name: '2斤' });
  await row.getByLabel('售价（元）').fill('68');
  await row.getByLabel('划线价（元，可不填）').fill('60');
  await page.getByRole('button', { name: '保存' }).first().click();
  await expect(page.getByRole('alert')).toHaveText('划线价要高于售价，否则请留空。');
  await expect(page.getByRole('group', { name: '2斤' }).getByLabel('售价（元）')).toHaveValue('68');
  await page.getByRole('group', { name: '2斤' }).getByLabel('划线价（元，可不填）').fill('');
  await page.getByRole('group', { name: '5斤' }).getByLabel('售价（元）').fill('165');
  await page.getByRole('group', { name: '5斤' }).getByLabel('库存').fill('0');
  await page.getByRole('button', { name: '保存' }).first().click();
  await expect(page.getByRole('status')).toHaveText('已保存。');

  await page.goto(`/c/${slug}`);
  const tile = page.getByRole('link', { name: /冰鲜三文鱼/ });
  await expect(tile).toContainText('35.00');
  await tile.click();
  await expect(page.locator('.price-band')).toContainText('起');
  await expect(page.locator('.spec-pill.out')).toHaveText('5斤');
  await page.getByRole('link', { name: '立即购买' }).click();
  await expect(page.getByRole('radio', { name: /5斤/ })).toBeDisabled();
  await expect(page.getByRole('radio', { name: /2斤/ })).toBeEnabled();
  await expect(page.locator('.sku-chip').filter({ hasText: '2斤' })).toContainText('¥68.00');
});
