const { test, expect } = require('@playwright/test');
const { operator, hpc, login, screenshot } = require('./lib');

test('an operator power-cycles the HPC: confirm, outcome, and the audit record arrives live', async ({ page }) => {
  await login(page, operator);
  await page.goto('/#/hpc/' + hpc);
  await expect(page.getByRole('heading', { level: 2, name: 'HPC ' + hpc })).toBeVisible();
  await expect(page.locator('#live')).toHaveText('live');

  await page.getByRole('button', { name: 'Power-cycle' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm' });
  await expect(dialog).toContainText('Power-cycle HPC ' + hpc);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.locator('#action-outcome')).toHaveText('power-cycle cancelled.');

  await page.getByRole('button', { name: 'Power-cycle' }).click();
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  await expect(page.locator('#action-outcome')).toContainText('Done: power-cycle of ' + hpc, { timeout: 30_000 });
  console.log('outcome: ' + await page.locator('#action-outcome').innerText());
  const audit = page.getByRole('list', { name: 'Operator actions' }).getByRole('listitem');
  await expect(audit.filter({ hasText: 'operator ' + operator.user + ' power-cycle ' + hpc })).toBeVisible({ timeout: 15_000 });
  console.log('audit record: ' + await audit.first().innerText());
  await screenshot(page, 'hpc-power-cycled');
});
