import { test, expect } from '@playwright/test';
import path from 'path';
import { freshPhone, signUp } from './helpers';

test('an owner uploads photos and writes the description in Markdown; members see both', async ({ page, browser }) => {
  await page.goto('/signup');
  await signUp(page, freshPhone(), '拍照的群主');
  await page.goto('/console/new');
  const slug = `photo-${Date.now() % 1_000_000}`;
  await page.getByLabel('社群名称').fill('照片社群');
  await page.getByLabel('社群地址').fill(slug);
  await page.getByRole('button', { name: '创建社群' }).click();
  await page.getByRole('link', { name: '上架新商品' }).click();
  await page.getByLabel('商品名称').fill('现切三文鱼');
  await page.getByLabel('售价（元）').fill('35');
  await page.getByLabel('库存').fill('5');
  await page.getByLabel('商品描述（支持 Markdown）').fill('**当天现切**，冰袋发货\n\n<script>window.hacked = 1</script>\n\n- 刺身\n- 香煎');
  await page.getByRole('button', { name: '保存' }).click();
  await page.locator('.console-product').getByRole('link', { name: '编辑' }).click();

  // A file that is not a photo is refused, whatever its name says.
  await page.getByLabel('上传照片').setInputFiles(path.join(__dirname, '../fixtures/not-a-photo.jpg'));
  await page.locator('#photos button[type=submit]').click();
  await expect(page.locator('#photos .field-error')).toHaveText('请上传 10 MB 以内的 JPEG、PNG、WebP 或 GIF 图片。');
  await page.getByLabel('上传照片').setInputFiles(path.join(__dirname, '../fixtures/salmon-photo.png'));
  await page.locator('#photos button[type=submit]').click();
  await expect(page.getByRole('status')).toHaveText('已保存。');
  await expect(page.locator('.photo-list img')).toHaveCount(2);

  const member = await (await browser.newContext({ locale: 'zh-CN' })).newPage();
  await member.goto(`/c/${slug}`);
  await expect(member.locator('.product-tile-img')).toHaveAttribute('src', /\/media\/[0-9a-f]{64}-240\.jpg/);
  await member.getByRole('link', { name: /现切三文鱼/ }).click();
  await expect(member.locator('.gallery img')).toHaveCount(2);
  const photo = member.locator('.gallery img').first();
  await expect(photo).toHaveAttribute('src', /\/media\/[0-9a-f]{64}-800\.jpg/);
  // Wait for the picture to arrive and decode before reading its size.
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => (img.complete ? img.naturalWidth : -1))).toBe(800);
  await expect(member.locator('.description strong')).toHaveText('当天现切');
  await expect(member.locator('.description li')).toHaveCount(2);
  expect(await member.evaluate(() => (window as any).hacked)).toBeUndefined();
});
