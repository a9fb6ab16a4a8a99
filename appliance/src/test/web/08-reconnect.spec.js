const { test, expect } = require('@playwright/test');
const { operator, login, request, bar } = require('./lib');

test('when the appliance restarts the page says so, reconnects and fetches its views again, without a reload', async ({ page }) => {
  await login(page, operator);
  await expect(page.locator('#live')).toHaveText('live');
  await expect(bar(page)).toBeVisible();
  const refetched = [];
  page.on('request', (r) => { if (new URL(r.url()).pathname === '/api/hpcs') refetched.push(r.url()); });
  const starting = page.getByRole('heading', { name: 'The appliance is starting' });
  await page.evaluate(() => {
    window.noReload = true;
    window.sawStarting = false;
    new MutationObserver(() => {
      if (!document.getElementById('starting').hidden) window.sawStarting = true;
    }).observe(document.getElementById('starting'), { attributes: true });
  });

  request('restart');
  await expect(page.locator('#live')).not.toHaveText('live', { timeout: 60_000 });
  console.log('stream broken: ' + await page.locator('#live').innerText());
  await expect(page.locator('#live')).toHaveText('live', { timeout: 240_000 });
  await expect(page.getByRole('heading', { level: 2, name: 'Fleet' })).toBeVisible({ timeout: 30_000 });
  await expect(starting).toBeHidden();
  await expect.poll(() => refetched.length, { message: 'GET /api/hpcs after the reconnect' }).toBeGreaterThan(0);
  await expect(bar(page)).toBeVisible();
  expect(await page.evaluate(() => window.noReload)).toBe(true);
  const sawStarting = await page.evaluate(() => window.sawStarting);
  console.log('reconnected after the restart; "starting" page shown meanwhile: ' + (sawStarting ? 'yes' : 'no (never answered 503 while polled)')
    + '; views fetched again: ' + refetched.length + ' GET /api/hpcs');
});
