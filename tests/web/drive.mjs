// Drives the verifier page in Debian's headless Chromium (playwright-core, no browser download).
// Serves the site on loopback itself, so that it can stop the server for the offline check.
//
//   node drive.mjs CONFIG.json
//
// CONFIG: { site, chromium, valid_qr, tampered_qr, revoked_qr, revoked_later_qr, photo, pdf, video,
//          screenshot, and for a certificate printed as several QR codes: parts (their texts),
//          parts_photo (a scan of the page that holds them), parts_video (frames showing one
//          code at a time) }
// Prints one JSON object: what the page showed in each scenario.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS as ARGS, ready, serve } from './lib.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function verdict(page) {
  await page.waitForSelector('#result:not([hidden])', { timeout: 20000 });
  return page.evaluate(() => ({
    title: document.getElementById('verdict-title').textContent,
    status: document.getElementById('verdict').dataset.status,
    reason: document.getElementById('verdict-reason').textContent,
    name: document.querySelector('dd.name')?.textContent ?? null,
    details: document.getElementById('details').innerText,
    milliseconds: Number(document.getElementById('timing').dataset.milliseconds),
    timing: document.getElementById('timing').textContent,
  }));
}

async function paste(page, text) {
  await page.evaluate(() => { document.getElementById('result').hidden = true; });
  if (!(await page.evaluate(() => document.querySelector('details').open))) await page.click('summary');
  await page.fill('#paste', text);
  await page.click('#paste-form button[type=submit]');
  return verdict(page);
}

async function choose(page, input, file) {
  await page.evaluate(() => { document.getElementById('result').hidden = true; });
  if (!(await page.evaluate(() => document.querySelector('details').open))) await page.click('summary');
  await page.setInputFiles(input, file);
  return verdict(page);
}

const out = {};
const root = config.site;
let server = await serve(root);
const url = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: config.chromium, args: ARGS });
try {
  // The bundled lists alone: the issuer's URL unreachable.
  const bundled = await browser.newContext();
  await bundled.route('**/published/**', (route) => route.abort());
  const first = await bundled.newPage();
  await ready(first, url);
  await first.waitForFunction(() => /Could not refresh/.test(document.getElementById('trust-status').textContent), null, { timeout: 30000 });
  out.bundled_status = await first.evaluate(() => document.getElementById('trust-status').textContent);
  out.bundled_revoked = await paste(first, config.revoked_qr);
  out.bundled_revoked_later = await paste(first, config.revoked_later_qr);
  await bundled.close();

  const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => { errors.push(String(e)); console.error('page error:', String(e)); });
  page.on('console', (m) => console.error('console:', m.text()));
  out.trust_status = await ready(page, url);
  // Online, the page refreshes the lists from the issuer's URL.
  await page.waitForFunction(() => /Refreshed|Up to date|Could not refresh/.test(document.getElementById('trust-status').textContent), null, { timeout: 30000 });
  out.refreshed_status = await page.evaluate(() => document.getElementById('trust-status').textContent);
  out.valid = await paste(page, config.valid_qr);
  // As an e-mail carries it: a space before, wrapped at 76 columns with CRLF, a CRLF after.
  out.valid_wrapped = await paste(page, `  ${config.valid_qr.match(/.{1,76}/g).join('\r\n')}\r\n`);
  if (config.screenshot) await page.locator('#result').screenshot({ path: config.screenshot });
  out.tampered = await paste(page, config.tampered_qr);
  out.revoked = await paste(page, config.revoked_qr);
  out.revoked_later = await paste(page, config.revoked_later_qr);
  out.photo = await choose(page, '#photo', config.photo);
  out.pdf = await choose(page, '#pdf', config.pdf);
  // A certificate printed as several QR codes: a photo of their page, the parts pasted, and the
  // camera's collector fed one part at a time.
  out.parts_photo = await choose(page, '#photo', config.parts_photo);
  out.parts_pasted = await paste(page, [...config.parts].reverse().join('\n'));
  out.parts_one = await paste(page, config.parts[0]);
  out.parts_collected_first = await page.evaluate((parts) => window.goodstanding.collectParts(parts.slice(0, 1)), config.parts);
  out.parts_collected_all = await page.evaluate((parts) => window.goodstanding.collectParts([parts[0], parts[0], ...parts.slice(1)]), config.parts);
  // Keyboard use: the verify button is reachable and works from the keyboard.
  await page.evaluate(() => { document.getElementById('result').hidden = true; });
  await page.fill('#paste', config.valid_qr);
  await page.focus('#paste');
  await page.keyboard.press('Tab');
  out.keyboard_focus = await page.evaluate(() => document.activeElement.textContent);
  await page.keyboard.press('Enter');
  out.keyboard = await verdict(page);

  // Offline: the service worker has cached the site; stop the server and load the page again.
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready, null, { timeout: 20000 });
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20000 });
  await new Promise((resolve) => server.close(resolve));
  server.closeAllConnections?.();
  const offline = await context.newPage();
  out.offline_trust_status = await ready(offline, url);
  out.offline = await paste(offline, config.valid_qr);
  out.page_errors = errors;
  await context.close();
} finally {
  await browser.close();
}

// The camera, with Chromium's fake device playing a video of the certificate's QR code (then of
// the several codes of a long one, one a frame).
async function camera(video) {
  server = await serve(root);
  const cameraUrl = `http://127.0.0.1:${server.address().port}/`;
  const cameraBrowser = await chromium.launch({
    executablePath: config.chromium,
    args: [...ARGS, '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
      `--use-file-for-fake-video-capture=${video}`],
  });
  try {
    const context = await cameraBrowser.newContext();
    await context.grantPermissions(['camera'], { origin: cameraUrl.replace(/\/$/, '') });
    const page = await context.newPage();
    await ready(page, cameraUrl);
    await page.click('#camera-start');
    const shown = await verdict(page);
    await context.close();
    return shown;
  } finally {
    await cameraBrowser.close();
    server.close();
  }
}
out.camera = await camera(config.video);
out.parts_camera = await camera(config.parts_video);
console.log(JSON.stringify(out));
