// Browser tests of the dashboard: Debian's chromium (never a downloaded browser), one worker, the specs in file
// order (they share one appliance and follow one HPC's life). BASE_URL and the users come from the environment
// (DashboardIT sets them; see docs/dashboard.md to run them alone).
const path = require('path');

const out = process.env.PLAYWRIGHT_OUT || path.resolve(__dirname, '../../../target/playwright');

module.exports = {
  testDir: '.',
  testMatch: /\d\d-.*\.spec\.js$/,
  outputDir: path.join(out, 'test-results'),
  workers: 1,
  fullyParallel: false,
  retries: 0,
  timeout: 300_000,
  reporter: 'list',
  use: {
    baseURL: process.env.BASE_URL || 'http://127.0.0.1:8080',
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    },
  },
};
