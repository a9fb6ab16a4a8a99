const { test, expect } = require('@playwright/test');
const { AxeBuilder } = require('@axe-core/playwright');
const { operator, hpc, login, screenshot } = require('./lib');

async function noSeriousViolations(page, what) {
  const axe = await new AxeBuilder({ page }).analyze();
  console.log('axe ' + what + ': ' + (axe.violations.map((v) => v.id + ':' + v.impact).join(', ') || 'no violations'));
  const serious = axe.violations.filter((v) => ['serious', 'critical'].includes(v.impact));
  expect(serious.map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join('; '))).toEqual([]);
}

test('the fleet page and the HPC page have no serious or critical accessibility violations', async ({ page }) => {
  await login(page, operator);
  await expect(page.locator('#hpcs progress').first()).toBeVisible();
  await screenshot(page, 'fleet');
  await noSeriousViolations(page, 'fleet page');

  await page.goto('/#/hpc/' + hpc);
  await expect(page.getByRole('heading', { level: 2, name: 'HPC ' + hpc })).toBeVisible();
  await expect(page.locator('#chart svg')).toBeVisible();
  await page.locator('#findings details summary').first().click();
  await screenshot(page, 'hpc');
  await noSeriousViolations(page, 'HPC page');

  await page.goto('/#/ledger');
  await expect(page.getByRole('heading', { level: 2, name: 'Ledger' })).toBeVisible();
  await expect(page.locator('#chain')).toContainText('Hash chain');
  await screenshot(page, 'ledger');
  await noSeriousViolations(page, 'ledger page');
});
