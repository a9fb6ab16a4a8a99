// What the specs share: the environment DashboardIT sets, logging in, screenshots, and asking the test for an event.
const fs = require('fs');
const path = require('path');
const { expect } = require('@playwright/test');

const env = (name, fallback) => {
  const v = process.env[name] || fallback;
  if (v === undefined) throw new Error(name + ' is not set (see docs/dashboard.md)');
  return v;
};

const OUT = process.env.PLAYWRIGHT_OUT || path.resolve(__dirname, '../../../target/playwright');
const operator = { user: env('LEO_OPERATOR', 'olga'), password: env('LEO_OPERATOR_PASSWORD') };
const viewer = { user: env('LEO_VIEWER', 'vince'), password: env('LEO_VIEWER_PASSWORD') };
const hpc = env('LEO_HPC').toLowerCase();
const STAGES = ['OFF', 'DHCP', 'FILES', 'KERNEL', 'ENROLLED', 'ATTESTED'];

/** Signs in through the form and waits for the fleet page. */
async function login(page, who) {
  await page.goto('/');
  await page.getByLabel('User').fill(who.user);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { level: 2, name: 'Fleet' })).toBeVisible();
}

/** Keeps a screenshot of the page (the whole page, or with fullPage false what the screen shows) in OUT. */
async function screenshot(page, name, fullPage = true) {
  fs.mkdirSync(OUT, { recursive: true });
  const file = path.join(OUT, name + '.png');
  await page.screenshot({ path: file, fullPage });
  console.log('screenshot: ' + file);
}

/**
 * Asks the test driving the appliance (DashboardIT) to do something to the HPC: 'boot' it, or 'tamper' with it (a USB
 * stick). Without LEO_CONTROL (run alone against a live appliance) a person does it: the spec says what it waits for.
 */
function request(what) {
  const dir = process.env.LEO_CONTROL;
  if (!dir) {
    console.log('LEO_CONTROL is not set: ' + what + ' HPC ' + hpc + ' by hand now');
    return;
  }
  fs.writeFileSync(path.join(dir, what), new Date().toISOString() + '\n');
}

/** The progress bar of the HPC's card on the fleet page. */
function bar(page) {
  return page.locator('#hpc-' + hpc.replaceAll(':', '') + ' progress');
}

module.exports = { OUT, operator, viewer, hpc, STAGES, login, screenshot, request, bar };
