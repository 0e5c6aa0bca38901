import { test, expect } from '@playwright/test';
import { newMember, salmonPath, referralCode, buySalmon, balance, signIn, DEMO_OWNER } from './helpers';

test('a referred order pays 分享赚; half refunded takes half back', async ({ browser }) => {
  const amy = await newMember(browser, '推广阿美');
  const path = await salmonPath(amy);
  // The product page offers what sharing it earns, with her own link.
  const share = amy.locator('[data-share-earn]');
  await expect(share.getByRole('button', { name: '分享赚 ¥3.50' })).toBeVisible();
  const link = await share.locator('input').inputValue();
  const code = await referralCode(amy);
  expect(link).toContain(`${path}?ref=${code}`);
  // The poster is a PNG drawn for her link.
  const poster = await amy.request.get(`/poster${path}.png`);
  expect(poster.status()).toBe(200);
  expect(poster.headers()['content-type']).toBe('image/png');
  expect((await poster.body()).subarray(1, 4).toString()).toBe('PNG');

  // A friend opens the link, signs up, and buys two.
  const ben = await newMember(browser, '阿斌');
  const orderUrl = await buySalmon(ben, new URL(link).pathname + new URL(link).search, 2, '¥82.00');

  await amy.goto('/c/salmon/promote');
  await expect(balance(amy, 'pending')).toHaveText('¥7.00');
  const row = amy.locator('[data-credited] li').first();
  await expect(row.locator('[data-commission]')).toHaveText('¥7.00');
  await expect(row.locator('[data-why]')).toHaveText('买家下单时绑定在你的直接推荐关系里，佣金已计入。');
  await expect(row).toContainText('阿**');
  await expect(amy.locator('[data-team]')).toContainText('直接推荐 1 人');

  // Ben has half refunded: half of the commission is taken back.
  await ben.goto(orderUrl);
  await ben.getByRole('link', { name: /申请退款/ }).click();
  await ben.getByLabel('退款金额（元）').fill('35');
  await ben.getByLabel('退款原因').fill('少了一斤');
  await ben.getByRole('button', { name: '申请退款' }).click();
  const owner = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(owner, DEMO_OWNER.phone, DEMO_OWNER.password);
  await owner.goto(orderUrl);
  await owner.getByRole('button', { name: '同意退款 ¥35.00' }).click();
  await expect(owner.locator('.refund').first()).toContainText('已退款');

  await amy.goto('/c/salmon/promote');
  await expect(balance(amy, 'pending')).toHaveText('¥3.50');
  await expect(amy.locator('[data-credited] li').first()).toContainText('已扣回 ¥3.50');
  // The owner sees it too.
  await owner.goto('/console');
  await owner.getByRole('link', { name: '管理' }).first().click();
  await owner.getByRole('link', { name: '分销' }).click();
  await owner.getByRole('link', { name: '佣金明细' }).click();
  await expect(owner.locator('[data-commissions] tr').filter({ hasText: '推广阿美' }).first()).toContainText('¥7.00 (−¥3.50)');
});

test('buying through your own link pays nothing; a malformed code is ignored', async ({ browser }) => {
  const cat = await newMember(browser, '自己买');
  const path = await salmonPath(cat);
  const code = await referralCode(cat);
  await buySalmon(cat, `${path}?ref=${code}`, 1, '¥47.00');
  await cat.goto('/c/salmon/promote');
  await expect(balance(cat, 'pending')).toHaveText('¥0.00');
  await expect(cat.getByText('还没有通过你的链接下单的订单。')).toBeVisible();
  // An unknown or malformed code changes nothing about the page.
  const res = await cat.goto(`${path}?ref=%3Cscript%3E`);
  expect(res?.status()).toBe(200);
  await expect(cat.getByRole('link', { name: /单独购买/ })).toBeVisible();
  const cookies = await cat.context().cookies();
  expect(cookies.find((c) => c.name === 'qunli_ref')).toBeUndefined();
});

test('the owner adds a third level; a chain of three earns at every level', async ({ browser }) => {
  const owner = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await signIn(owner, DEMO_OWNER.phone, DEMO_OWNER.password);
  await owner.goto('/console');
  await owner.getByRole('link', { name: '管理' }).first().click();
  await owner.getByRole('link', { name: '分销' }).click();
  await expect(owner.getByLabel('直接推荐')).toHaveValue('10');
  // Bad rates are refused with the reason, and what was typed stays.
  await owner.getByLabel('三级').fill('40');
  await owner.getByRole('button', { name: '保存' }).first().click();
  await expect(owner.locator('#f-rates-error')).toHaveText('各级佣金加起来不能超过售价的 50%。');
  await expect(owner.getByLabel('三级')).toHaveValue('40');
  await owner.getByLabel('三级').fill('-1');
  await owner.getByRole('button', { name: '保存' }).first().click();
  await expect(owner.locator('#f-rates-error')).toHaveText('佣金比例和金额不能为负数。');
  await owner.getByLabel('三级').fill('2');
  await owner.getByRole('button', { name: '保存' }).first().click();
  await expect(owner.getByRole('status')).toHaveText('已保存。');
  await expect(owner.getByLabel('三级')).toHaveValue('2');

  // A → B → C → D, each bound by buying through the one before.
  const a = await newMember(browser, '链一');
  const path = await salmonPath(a);
  let previous = a;
  const members = [a];
  for (const name of ['链二', '链三', '链四']) {
    const code = await referralCode(previous);
    const next = await newMember(browser, name);
    await buySalmon(next, `${path}?ref=${code}`, 1, '¥47.00');
    members.push(next);
    previous = next;
  }
  // D's ¥35.00 pays C ¥3.50, B ¥1.75 and A ¥0.70.
  for (const [i, amount, why] of [
    [2, '¥3.50', '直接推荐'],
    [1, '¥1.75', '二级推荐'],
    [0, '¥0.70', '三级推荐'],
  ] as const) {
    const m = members[i];
    await m.goto('/c/salmon/promote');
    const row = m.locator('[data-credited] li').first();
    await expect(row.locator('[data-commission]')).toHaveText(amount);
    await expect(row.locator('[data-why]')).toContainText(why);
  }
  await expect(members[0].locator('[data-team]')).toContainText('直接推荐 1 人 · 二级 1 人');
});
