// Drives the verifier page in headless Chromium for the transparency log: the page syncs the
// log when it refreshes its lists, and checks a pasted .jws against the synced copy; then,
// offline (the issuer's site unreachable), against the copy it kept in IndexedDB.
//
//   node log.mjs CONFIG.json     CONFIG: { site, chromium, logged_jws, unlogged_jws }
// Prints one JSON object: what the page showed.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS as ARGS, paste, ready, serve } from './lib.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const out = {};
const server = await serve(config.site);
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: config.chromium, args: ARGS });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await ready(page, url);
  await page.waitForFunction(() => /Public log|Could not refresh/.test(document.getElementById('trust-status').textContent), null, { timeout: 30000 });
  out.synced_status = await page.evaluate(() => document.getElementById('trust-status').textContent);
  out.online_logged = await paste(page, config.logged_jws);
  out.online_unlogged = await paste(page, config.unlogged_jws);
  // Offline: the issuer's site unreachable; the page uses the lists and the log it kept.
  await context.route('**/published/**', (route) => route.abort());
  const offline = await context.newPage();
  await ready(offline, url);
  await offline.waitForFunction(() => /Could not refresh/.test(document.getElementById('trust-status').textContent), null, { timeout: 30000 });
  out.offline_status = await offline.evaluate(() => document.getElementById('trust-status').textContent);
  out.offline_logged = await paste(offline, config.logged_jws);
  out.offline_unlogged = await paste(offline, config.unlogged_jws);
} finally {
  await browser.close();
  server.close();
}
process.stdout.write(JSON.stringify(out));
