const { test, expect } = require('@playwright/test');
const { operator, login } = require('./lib');

test('a wrong password is refused, the right one signs in, logging out ends the session', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  // signed out: no navigation, no log-out button
  await expect(page.getByRole('button', { name: 'Log out' })).toBeHidden();
  await expect(page.getByRole('navigation', { name: 'Pages' })).toBeHidden();
  await page.getByLabel('User').fill(operator.user);
  await page.getByLabel('Password').fill(operator.password + '-wrong');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Wrong user or password.');
  await expect(page.getByRole('heading', { name: 'Fleet' })).toBeHidden();
  const api = await page.evaluate(async () => (await fetch('/api/hpcs')).status);
  expect(api, 'the API without a session').toBe(401);

  await login(page, operator);
  await expect(page.getByText(operator.user + ' (operator)')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'This Pi', exact: true })).toBeVisible();
  await expect(page.locator('#components')).toContainText('pxe: UP');

  await page.getByRole('button', { name: 'Log out' }).click();
  await expect(page.getByRole('heading', { name: 'Sign in' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeHidden();
  expect(await page.evaluate(async () => (await fetch('/api/hpcs')).status), 'the API after logging out').toBe(401);
});
