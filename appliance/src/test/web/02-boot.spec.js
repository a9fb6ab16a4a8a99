const { test, expect } = require('@playwright/test');
const { operator, hpc, STAGES, login, request, bar, screenshot } = require('./lib');

test('an HPC booting to attested advances its progress bar live, without a reload', async ({ page, context }) => {
  await login(page, operator);
  await expect(page.locator('#live')).toHaveText('live');
  await expect(bar(page)).toHaveAttribute('data-stage', 'OFF');
  // every stage the bar shows, as it shows it; and a mark a reload would wipe
  await page.evaluate(() => {
    window.noReload = true;
    window.stagesSeen = [];
    const look = () => {
      for (const p of document.querySelectorAll('#hpcs progress')) {
        const card = p.closest('li');
        if (card && card.dataset.mac === window.watchedMac) {
          const s = p.dataset.stage;
          if (window.stagesSeen[window.stagesSeen.length - 1] !== s) window.stagesSeen.push(s);
        }
      }
    };
    new MutationObserver(look).observe(document.getElementById('hpcs'), { childList: true, subtree: true, attributes: true });
  });
  await page.evaluate((mac) => { window.watchedMac = mac; }, hpc);

  request('boot');
  await expect(bar(page)).toHaveAttribute('data-stage', 'ATTESTED', { timeout: 240_000 });
  await expect(bar(page)).toHaveAttribute('value', String(STAGES.length - 1));
  const seen = await page.evaluate(() => window.stagesSeen);
  console.log('stages shown live: ' + seen.join(' -> '));
  expect(await page.evaluate(() => window.noReload), 'the page was not reloaded').toBe(true);
  // the bar only moved forward, through at least one stage before attested (the live feed reads the boot event log every
  // 250 ms, and this HPC gets its lease and files within one or two of them: which stages show varies from run to run)
  const shown = seen.map((s) => STAGES.indexOf(s)).filter((i) => i > 0);
  expect(shown, 'the bar only moved forward (' + seen.join(', ') + ')').toEqual([...shown].sort((a, b) => a - b));
  expect(shown.filter((i) => i < STAGES.length - 1).length, 'a stage before attested was shown (' + seen.join(', ') + ')').toBeGreaterThanOrEqual(1);
  await screenshot(page, 'fleet-attested');

  // the figures: time from an HPC event at the appliance to its change on the page, and first paint of a fresh page
  const updates = await page.evaluate((mac) => window.leoLive.updates.filter((u) => u.mac === mac && u.kind === 'hpc'), hpc);
  const lat = updates.map((u) => u.shown - u.at).sort((a, b) => a - b);
  const median = lat.length ? lat[Math.floor(lat.length / 2)] : NaN;
  const fresh = await context.newPage();
  await fresh.goto('/#/fleet');
  await expect(fresh.getByRole('heading', { level: 2, name: 'Fleet' })).toBeVisible();
  const fcp = await fresh.evaluate(() => {
    const e = performance.getEntriesByName('first-contentful-paint')[0];
    return e ? e.startTime : NaN;
  });
  console.log('dashboard: first paint ' + Math.round(fcp) + ' ms, live update ' + Math.round(median) + ' ms'
    + ' (median of ' + lat.length + ' HPC updates, ' + Math.round(lat[0]) + '..' + Math.round(lat[lat.length - 1]) + ' ms)');
  await fresh.close();
});
