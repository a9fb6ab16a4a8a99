const { test, expect } = require('@playwright/test');
const { viewer, hpc, login } = require('./lib');

test('a viewer sees no action buttons, and the API refuses the actions', async ({ page }) => {
  await login(page, viewer);
  await expect(page.getByText(viewer.user + ' (viewer)')).toBeVisible();
  await page.goto('/#/hpc/' + hpc);
  await expect(page.getByRole('heading', { level: 2, name: 'HPC ' + hpc })).toBeVisible();
  for (const name of ['Power-cycle', 'Quarantine', 'Release']) {
    await expect(page.getByRole('button', { name })).toHaveCount(0);
  }
  const statuses = await page.evaluate(async (mac) => {
    const out = {};
    for (const a of ['power-cycle', 'quarantine', 'release']) out[a] = (await fetch('/api/hpcs/' + mac + '/' + a, { method: 'POST' })).status;
    return out;
  }, hpc);
  console.log('viewer POSTs: ' + JSON.stringify(statuses));
  expect(statuses).toEqual({ 'power-cycle': 403, quarantine: 403, release: 403 });
});
