import { test, expect } from '@playwright/test';
import { freshPhone, PASSWORD, signIn, signUp } from './helpers';

test.describe('sign-up validation', () => {
  for (const js of [true, false]) {
    test(`messages sit next to the field and keep what was typed (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
      const context = await browser.newContext({ javaScriptEnabled: js, locale: 'zh-CN' });
      const page = await context.newPage();
      await page.goto('/signup');

      await page.getByLabel('手机号或邮箱').fill('1380013800');
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByLabel('昵称（可不填）').fill('阿梅');
      await page.getByRole('button', { name: '注册并继续' }).click();
      await expect(page.locator('#f-account-error')).toHaveText('手机号应为 11 位数字，以 1 开头。');
      await expect(page.getByLabel('手机号或邮箱')).toHaveValue('1380013800');
      await expect(page.getByLabel('手机号或邮箱')).toHaveAttribute('aria-invalid', 'true');
      await expect(page.getByLabel('昵称（可不填）')).toHaveValue('阿梅');
      await expect(page.getByLabel('密码')).toHaveValue('');

      await page.getByLabel('手机号或邮箱').fill('mei@example');
      await page.getByLabel('密码').fill(PASSWORD);
      await page.getByRole('button', { name: '注册并继续' }).click();
      await expect(page.locator('#f-account-error')).toHaveText('邮箱格式不对，请检查，例如 name@example.com。');

      const phone = freshPhone();
      await page.getByLabel('手机号或邮箱').fill(phone);
      await page.getByLabel('密码').fill('short');
      await page.getByRole('button', { name: '注册并继续' }).click();
      await expect(page.locator('#f-password-error')).toHaveText('密码至少 8 位。');
      await expect(page.getByLabel('手机号或邮箱')).toHaveValue(phone);

      // None of the refused attempts created the account: signing in with it fails.
      await page.goto('/signin');
      await page.getByLabel('手机号或邮箱').fill(phone);
      await page.getByLabel('密码').fill('short');
      await page.getByRole('button', { name: '登录' }).click();
      await expect(page.locator('#f-password-error')).toHaveText('账号或密码不正确。');
      await context.close();
    });
  }

  test('an existing account is told to sign in, and the wrong password is refused', async ({ page }) => {
    const phone = freshPhone();
    await page.goto('/signup');
    await signUp(page, phone, '老周');
    await expect(page).toHaveURL(/\/me$/);
    await expect(page.getByRole('heading', { name: '老周' })).toBeVisible();
    await page.getByRole('button', { name: '退出登录' }).click();

    // Signing up again with another password: told to sign in instead.
    await page.goto('/signup');
    await page.getByLabel('手机号或邮箱').fill(phone);
    await page.getByLabel('密码').fill('another-password');
    await page.getByRole('button', { name: '注册并继续' }).click();
    await expect(page.locator('#f-account-error')).toHaveText('这个账号已经注册过了，请直接登录。');
    // With the account's own password, signing up again simply signs in.
    await page.goto('/signup');
    await signUp(page, phone);
    await expect(page.getByRole('heading', { name: '老周' })).toBeVisible();
    await page.getByRole('button', { name: '退出登录' }).click();

    await page.goto('/signin');
    await page.getByLabel('手机号或邮箱').fill(phone);
    await page.getByLabel('密码').fill('not-the-password');
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.locator('#f-password-error')).toHaveText('账号或密码不正确。');
    await expect(page.getByLabel('手机号或邮箱')).toHaveValue(phone);

    await signIn(page, phone);
    await expect(page.getByRole('heading', { name: '老周' })).toBeVisible();
  });

  test('after five wrong passwords a member waits, and is told how long', async ({ page }) => {
    const phone = freshPhone();
    await page.goto('/signup');
    await signUp(page, phone);
    await page.getByRole('button', { name: '退出登录' }).click();
    for (let i = 0; i < 5; i++) {
      await page.goto('/signin');
      await page.getByLabel('手机号或邮箱').fill(phone);
      await page.getByLabel('密码').fill(`wrong-${i}-password`);
      await page.getByRole('button', { name: '登录' }).click();
      await expect(page.locator('#f-password-error')).toBeVisible();
    }
    await page.goto('/signin');
    await page.getByLabel('手机号或邮箱').fill(phone);
    await page.getByLabel('密码').fill(PASSWORD);
    await page.getByRole('button', { name: '登录' }).click();
    await expect(page.getByRole('alert')).toContainText(/尝试太频繁，请 (29|30) 秒后再试。/);
    await expect(page).toHaveURL(/\/signin/);
  });
});
