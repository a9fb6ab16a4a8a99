const { test, expect } = require('@playwright/test');
const { operator, hpc, login, screenshot } = require('./lib');

test.use({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });

test('on a phone (375 px wide) the pages fit the screen', async ({ page }) => {
  await page.goto('/');
  await screenshot(page, 'phone-login');
  await login(page, operator);
  await expect(page.locator('#hpcs progress').first()).toBeVisible();
  await screenshot(page, 'phone-fleet');
  const fleetWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  await page.goto('/#/hpc/' + hpc);
  await expect(page.getByRole('heading', { level: 2, name: 'HPC ' + hpc })).toBeVisible();
  await screenshot(page, 'phone-hpc');
  await screenshot(page, 'phone-hpc-top', false);
  await page.evaluate(() => document.getElementById('chart-h').scrollIntoView({ block: 'start' }));
  await screenshot(page, 'phone-hpc-chart', false);
  const hpcWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  console.log('page widths at 375 px: fleet ' + fleetWidth + ' px, HPC ' + hpcWidth + ' px');
  expect(fleetWidth).toBeLessThanOrEqual(375);
  expect(hpcWidth).toBeLessThanOrEqual(375);
});
