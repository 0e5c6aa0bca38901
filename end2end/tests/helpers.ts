import { expect, Browser, Page } from '@playwright/test';

let counter = 0;

/** A mainland mobile number nobody has used yet in this run. */
export function freshPhone(): string {
  counter += 1;
  const n = (Date.now() * 7 + process.pid * 13 + counter * 7919) % 100_000_000;
  return `139${String(n).padStart(8, '0')}`;
}

/**
 * Makes the page's browser context a new client: the server (run behind "a proxy" that sets
 * x-forwarded-for, as in production) counts sign-ins and sign-ups per client address, so each
 * member of a test gets an address of their own, as members on their own phones would.
 */
export async function asNewClient(page: Page) {
  counter += 1;
  const n = (process.pid * 7919 + counter) % 16_000_000;
  const ip = `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
  await page.context().setExtraHTTPHeaders({ 'x-forwarded-for': ip });
}

export const PASSWORD = 'salmon-2026';
export const DEMO_OWNER = { phone: '13800000001', password: 'qunli-demo' };

/** Signs up on the current sign-up page (or from the sign-in page's link). */
export async function signUp(page: Page, phone: string, nickname = '') {
  await asNewClient(page);
  if (!page.url().includes('/signup')) {
    await page.getByRole('link', { name: '还没有账号？去注册' }).click();
  }
  await page.getByLabel('手机号或邮箱').fill(phone);
  await page.getByLabel('密码').fill(PASSWORD);
  if (nickname) await page.getByLabel('昵称（可不填）').fill(nickname);
  await page.getByRole('button', { name: '注册并继续' }).click();
}

export async function signIn(page: Page, phone: string, password = PASSWORD) {
  await asNewClient(page);
  await page.goto('/signin');
  await page.getByLabel('手机号或邮箱').fill(phone);
  await page.getByLabel('密码').fill(password);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/me$/);
}

/** Pays the order shown on the sandbox cashier and checks the order page says it is paid. */
export async function payInSandbox(page: Page, amount: string) {
  await expect(page.getByText('沙箱支付').first()).toBeVisible();
  await expect(page.getByRole('heading', { name: new RegExp(amount.replace('.', '\\.')) })).toBeVisible();
  await page.getByRole('button', { name: `确认支付 ${amount}` }).click();
  await expect(page).toHaveURL(/\/orders\/\d+$/);
  await expect(page.locator('.order-status-card .status')).toHaveText('已支付');
}

/** On the order confirmation page: adds a shipping address when the member has none yet. */
export async function addAddressIfNone(page: Page) {
  if ((await page.locator('input[name="delivery"][value^="addr:"]').count()) > 0) return;
  const buyUrl = page.url();
  await page.getByRole('link', { name: '新增收货地址' }).click();
  await page.getByLabel('收件人').fill('阿梅');
  await page.getByLabel('手机号').fill('13800138000');
  await page.getByLabel('所在地区').fill('浙江省杭州市西湖区');
  await page.getByLabel('详细地址').fill('文三路 1 号');
  await page.getByRole('button', { name: '保存' }).click();
  await expect(page).toHaveURL(buyUrl);
  await expect(page.getByRole('radio', { name: /快递到 阿梅/ })).toBeChecked();
}

/** On the group-buy order page: picks up at the shop (no address needed) and pays the seat. */
export async function payForSeat(page: Page, amount: string) {
  await page.getByRole('radio', { name: /到店自提/ }).check();
  await page.getByRole('button', { name: '提交订单' }).click();
  await expect(page).toHaveURL(/\/pay\/\d+$/);
  await expect(page.getByRole('heading', { name: new RegExp(amount.replace('.', '\\.')) })).toBeVisible();
  await page.getByRole('button', { name: `确认支付 ${amount}` }).click();
  // Paying a seat leads back to the team.
  await expect(page).toHaveURL(/\/t\/\d+$/);
}

/** A new member in their own browser context, signed up and signed in. */
export async function newMember(browser: Browser, nickname: string): Promise<Page> {
  const page = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await page.goto('/signup');
  await signUp(page, freshPhone(), nickname);
  return page;
}

/** The salmon product's path, e.g. `/p/123`. */
export async function salmonPath(page: Page): Promise<string> {
  await page.goto('/c/salmon');
  await page.getByRole('link', { name: /雪山三文鱼 鲜切中段/ }).first().click();
  await expect(page).toHaveURL(/\/p\/\d+$/);
  return new URL(page.url()).pathname;
}

/** The member's referral code, from their 我的推广 page in the salmon community. */
export async function referralCode(page: Page): Promise<string> {
  await page.goto('/c/salmon/promote');
  const code = (await page.locator('[data-code]').innerText()).trim();
  expect(code).toMatch(/^[A-Z2-9]{8}$/);
  return code;
}

/** Buys `quantity` salmon alone from the page at `url` (a product page, maybe through a link) and pays. */
export async function buySalmon(page: Page, url: string, quantity: number, total: string): Promise<string> {
  await page.goto(url);
  await page.getByRole('link', { name: /单独购买/ }).click();
  await addAddressIfNone(page);
  await page.getByLabel('数量').fill(String(quantity));
  await page.getByRole('button', { name: '提交订单' }).click();
  await payInSandbox(page, total);
  return page.url();
}

/** A balance on the 我的推广 page: `available`, `pending`, `frozen` or `withdrawing`. */
export function balance(page: Page, which: string) {
  return page.locator(`[data-balance="${which}"] dd`);
}
