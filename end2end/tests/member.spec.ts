import { test, expect, Page } from '@playwright/test';
import { freshPhone, signUp, payInSandbox, addAddressIfNone } from './helpers';

async function openSalmon(page: Page) {
  await page.goto('/');
  await page.getByRole('link', { name: /雪山三文鱼吃货群/ }).first().click();
  await expect(page).toHaveURL(/\/c\/salmon$/);
  await expect(page.getByRole('heading', { name: '雪山三文鱼吃货群', level: 2 })).toBeVisible();
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).click();
  await expect(page).toHaveURL(/\/p\/\d+$/);
  const band = page.locator('.price-band');
  await expect(band.locator('.price')).toContainText('35.00');
  await expect(band.locator('.price-original')).toContainText('¥90.00');
  await expect(page.getByText(/库存 \d+/)).toBeVisible();
}

for (const js of [true, false]) {
  test.describe(`member journey, JavaScript ${js ? 'on' : 'off'}`, () => {
    test.use({ javaScriptEnabled: js });

    test('browse, sign up in one step, buy two, pay in the sandbox', async ({ page }) => {
      await openSalmon(page);
      const productUrl = page.url();
      await page.getByRole('link', { name: /单独购买|立即购买/ }).click();
      // Not signed in: sign-in first, and come back to the purchase afterwards.
      await expect(page).toHaveURL(/\/signin\?next=%2Fbuy%2F\d+|\/signin\?next=\/buy\/\d+/);
      await signUp(page, freshPhone(), js ? '阿梅' : '小周');
      await expect(page).toHaveURL(/\/buy\/\d+$/);
      await addAddressIfNone(page);
      await expect(page.getByRole('heading', { name: '雪山三文鱼 鲜切中段' })).toBeVisible();

      if (js) {
        // The island: + raises the quantity and the live total follows.
        // ¥35.00 plus ¥12.00 cold-chain shipping, free from ¥99.00.
        await expect(page.locator('.stepper-total')).toContainText('¥47.00');
        await page.getByRole('button', { name: '增加' }).click();
        await expect(page.getByLabel('数量')).toHaveValue('2');
        await expect(page.locator('.stepper-total')).toContainText('¥82.00');
        // The stepper never goes above the per-order limit.
        await page.getByLabel('数量').fill('11');
        await expect(page.getByLabel('数量')).toHaveValue('10');
        await expect(page.locator('.stepper-total')).toContainText('¥350.00');
        await page.getByLabel('数量').fill('2');
        await expect(page.locator('.stepper-total')).toContainText('¥82.00');
      } else {
        await expect(page.getByRole('button', { name: '增加' })).toBeHidden();
        await page.getByLabel('数量').fill('2');
      }
      await expect(page.getByText('运费 ¥12.00，满 ¥99.00 包邮')).toBeVisible();
      await page.getByRole('button', { name: '提交订单' }).click();
      await expect(page).toHaveURL(/\/pay\/\d+$/);
      await payInSandbox(page, '¥82.00');
      await expect(page.locator('.amounts')).toContainText('¥12.00');
      await expect(page.getByText('阿梅 13800138000 浙江省杭州市西湖区 文三路 1 号')).toBeVisible();

      await page.goto('/orders');
      await expect(page.locator('.order-card').first()).toContainText('雪山三文鱼 鲜切中段');
      await expect(page.locator('.order-card').first()).toContainText('已支付');

      // Stock went down by what was bought.
      await page.goto(productUrl);
      await expect(page.getByText(/已售 [1-9]\d*/)).toBeVisible();
    });
  });
}

test('without JavaScript, a quantity above the limit is refused with a message and nothing is charged', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false, locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto('/signup?next=/c/salmon');
  await signUp(page, freshPhone());
  await expect(page).toHaveURL(/\/c\/salmon$/);
  await page.getByRole('link', { name: /三文鱼籽/ }).click();
  await page.getByRole('link', { name: /单独购买|立即购买/ }).click();
  await addAddressIfNone(page);
  await page.getByLabel('数量').fill('11');

  await page.getByRole('button', { name: '提交订单' }).click();
  await expect(page).toHaveURL(/\/buy\/\d+$/);
  await expect(page.locator('#f-quantity-error')).toHaveText('每单最多买 10 件。');
  await expect(page.getByLabel('数量')).toHaveValue('11');
  await page.goto('/orders');
  await expect(page.getByText('还没有订单，去社群里看看吧。')).toBeVisible();
  await context.close();
});

test('members join and leave an open community', async ({ page }) => {
  await page.goto('/signup?next=/c/dates-walnut');
  await signUp(page, freshPhone());
  await expect(page).toHaveURL(/\/c\/dates-walnut$/);
  const members = page.locator('.community-head .muted').first();
  const before = Number((await members.innerText()).match(/(\d+) 位成员/)![1]);
  await page.getByRole('button', { name: '加入社群' }).click();
  await expect(page.getByRole('button', { name: '退出社群' })).toBeVisible();
  await expect(members).toContainText(`${before + 1} 位成员`);
  await page.goto('/');
  await expect(page.getByRole('heading', { name: '我加入的社群' })).toBeVisible();
  await page.goto('/c/dates-walnut');
  await page.getByRole('button', { name: '退出社群' }).click();
  await expect(page.getByRole('button', { name: '加入社群' })).toBeVisible();
  await expect(members).toContainText(`${before} 位成员`);
});

test('English is available and chosen from the browser language', async ({ browser }) => {
  const context = await browser.newContext({ locale: 'en-US', extraHTTPHeaders: { 'Accept-Language': 'en-US,en;q=0.9' } });
  const page = await context.newPage();
  await page.goto('/c/salmon');
  await expect(page.getByRole('button', { name: 'Join' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await page.goto('/me');
  await page.getByLabel('Language').selectOption('zh-CN');
  await page.getByRole('button', { name: 'Switch' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { name: '我的', level: 1 })).toBeVisible();
  await context.close();
});
