const { test, expect } = require('@playwright/test');
const { operator, viewer, login, screenshot } = require('./lib');

test('an operator enrolls a MAC from the fleet page', async ({ page }) => {
  await login(page, operator);
  const card = page.getByRole('region', { name: 'Operator actions' });
  await expect(card).toBeVisible();
  await card.getByLabel('MAC address').fill('52:54:00:77:00:99');
  await card.getByRole('button', { name: 'Enroll' }).click();
  await expect(page.locator('#operator-outcome')).toContainText('Done: enroll of 52:54:00:77:00:99', { timeout: 15_000 });
  await expect(page.locator('#hpc-525400770099')).toBeVisible({ timeout: 15_000 });
  console.log('outcome: ' + await page.locator('#operator-outcome').innerText());
});

test('a viewer has no operator actions; rotating the session key signs every session out, live', async ({ browser }) => {
  const viewing = await browser.newContext();
  const watcher = await viewing.newPage();
  await login(watcher, viewer);
  await expect(watcher.getByRole('region', { name: 'Operator actions' })).toBeHidden();
  await expect(watcher.locator('#live')).toHaveText('live');

  const acting = await browser.newContext();
  const page = await acting.newPage();
  await login(page, operator);
  await page.getByRole('button', { name: 'Rotate the session key' }).click();
  await page.getByRole('dialog', { name: 'Confirm' }).getByRole('button', { name: 'Confirm' }).click();
  await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible({ timeout: 15_000 });
  await expect(page.locator('#notice')).toContainText('The session key was rotated');
  // the viewer's page was not touched: its live stream ends and its next request finds the session over
  await expect(watcher.getByRole('button', { name: 'Sign in' })).toBeVisible({ timeout: 30_000 });
  await screenshot(watcher, 'signed-out-by-rotation', false);
  await login(watcher, viewer);
  console.log('both sessions ended by the rotation; a new sign-in works');
  await viewing.close();
  await acting.close();
});
