const { test, expect } = require('@playwright/test');
const { operator, hpc, login, request, screenshot } = require('./lib');

test('a tamper appears live: a finding with its severity, its sentence and its evidence', async ({ page }) => {
  await login(page, operator);
  await page.getByRole('link', { name: 'HPC ' + hpc }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'HPC ' + hpc })).toBeVisible();
  await expect(page.locator('#live')).toHaveText('live');
  await page.evaluate(() => { window.noReload = true; });

  request('tamper');
  const finding = page.getByRole('list', { name: 'Findings' }).getByRole('listitem').filter({ hasText: /USB/i }).first();
  await expect(finding).toBeVisible({ timeout: 180_000 });
  const sev = (await finding.locator('.sev').innerText()).toLowerCase();
  const sentence = await finding.locator('.sentence').innerText();
  console.log('finding shown live: [' + sev + '] ' + sentence);
  expect(['warning', 'error', 'critical']).toContain(sev);
  await finding.getByText(/^Evidence/).click();
  await expect(finding.locator('dl.evidence dt').first()).toBeVisible();
  // the chart marks it in the findings lane, and says so in words
  await expect(page.locator('#chart svg rect').first()).toBeAttached();
  await expect(page.locator('#chart-text')).toContainText(/[1-9]\d* finding\(s\)/);
  expect(await page.evaluate(() => window.noReload)).toBe(true);
  await screenshot(page, 'hpc-tampered');
});
