// Drives the verifier page in headless Chromium through a root handover: the page, built with
// the old root pinned, refreshes from a site whose lists the new root signs and which publishes
// root-handovers.json; it follows the chain, and verifies a certificate; then, offline (the
// issuer's site unreachable), it follows the chain it kept and verifies again.
//
//   node handover.mjs CONFIG.json     CONFIG: { site, chromium, jws }
// Prints one JSON object: what the page showed.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS as ARGS, paste, ready, serve } from './lib.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

const settled = () => /Refreshed|Up to date|Could not refresh/.test(document.getElementById('trust-status').textContent);
const out = {};
const server = await serve(config.site);
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: config.chromium, args: ARGS });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await ready(page, url);
  await page.waitForFunction(settled, null, { timeout: 30000 });
  out.online_status = await page.evaluate(() => document.getElementById('trust-status').textContent);
  out.online = await paste(page, config.jws);
  await context.route('**/published/**', (route) => route.abort());
  const offline = await context.newPage();
  await ready(offline, url);
  await offline.waitForFunction(settled, null, { timeout: 30000 });
  out.offline_status = await offline.evaluate(() => document.getElementById('trust-status').textContent);
  out.offline = await paste(offline, config.jws);
} finally {
  await browser.close();
  server.close();
}
process.stdout.write(JSON.stringify(out));
