const { test, expect } = require('@playwright/test');
const { operator, hpc, login, request, screenshot } = require('./lib');

test('an operator rotates the HPC agent key: revoked, power-cycled, and attested again only after a new boot', async ({ page }) => {
  await login(page, operator);
  await expect(page.locator('#live')).toHaveText('live');
  await page.goto('/#/hpc/' + hpc);
  await expect(page.getByRole('heading', { level: 2, name: 'HPC ' + hpc })).toBeVisible();
  await expect(page.locator('#live')).toHaveText('live'); // audit records reach the page live only
  // its agent streams (the USB stick of the tamper is still in: the stage is not attested since)
  const connected = page.locator('#hpc-summary dt:text-is("Connected") + dd');
  await expect(connected).toHaveText('yes', { timeout: 60_000 });

  await page.getByRole('button', { name: 'Rotate agent key' }).click();
  const dialog = page.getByRole('dialog', { name: 'Confirm' });
  await expect(dialog).toContainText('Rotate the agent key of HPC ' + hpc);
  await dialog.getByRole('button', { name: 'Confirm' }).click();
  const outcome = page.locator('#action-outcome');
  await expect(outcome).toContainText('Done: rotate-key of ' + hpc, { timeout: 30_000 });
  await expect(outcome).toContainText('revoked');
  await expect(outcome).toContainText('power-cycled by');
  console.log('outcome: ' + await outcome.innerText());
  const view = await page.evaluate((mac) => fetch('/api/hpcs/' + mac).then((r) => r.json()), hpc);
  console.log('the API after the rotation: connected ' + view.hpc.connected + ', stage ' + view.hpc.stage + ', seq ' + view.hpc.seq);
  // its attestation ended with its key, live: its stream is closed and a reconnection with the old key is refused
  await expect(connected).toHaveText('no', { timeout: 30_000 });
  console.log('stage after the rotation: ' + await page.locator('#hpc-summary progress').getAttribute('data-stage'));
  await screenshot(page, 'hpc-key-rotated');

  // (the power control here is a QEMU without a disk: the test boots the HPC's agent again when asked); the new boot's
  // baseline has the USB stick, so it is attested again
  request('reboot');
  await expect(page.locator('#hpc-summary progress')).toHaveAttribute('data-stage', 'ATTESTED', { timeout: 240_000 });
  await expect(connected).toHaveText('yes');
  const audit = page.getByRole('list', { name: 'Operator actions' }).getByRole('listitem');
  await expect(audit.filter({ hasText: 'operator ' + operator.user + ' rotate-key ' + hpc })).toBeVisible({ timeout: 15_000 });
  console.log('attested again after a new boot, with a new key');
});
