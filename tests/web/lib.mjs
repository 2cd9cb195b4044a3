// What the page tests and the page benchmark share: a static server on loopback and how
// Debian's Chromium is started (headless, as root, with no background network).
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, normalize } from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css',
  '.json': 'application/json', '.wasm': 'application/wasm', '.jws': 'text/plain',
};

/** Serves folder `root` on 127.0.0.1 at a free port. */
export function serve(root) {
  const base = normalize(root);
  const server = createServer((request, response) => {
    const path = normalize(decodeURIComponent(new URL(request.url, 'http://x').pathname));
    const file = join(base, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(base)) { response.writeHead(403).end(); return; }
    try {
      const body = readFileSync(file);
      response.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' });
      response.end(body);
    } catch (e) {
      response.writeHead(404).end();
    }
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
  '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Opens the page and waits until its verifier has loaded the trust data. */
export async function ready(page, url) {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('trust-status').textContent.startsWith('Using'), null, { timeout: 30000 });
  return page.evaluate(() => document.getElementById('trust-status').textContent);
}

/** Pastes `text` into the page's form and returns the verdict it shows. */
export async function paste(page, text) {
  await page.evaluate(() => { document.getElementById('result').hidden = true; });
  if (!(await page.evaluate(() => document.querySelector('details').open))) await page.click('summary');
  await page.fill('#paste', text);
  await page.click('#paste-form button[type=submit]');
  await page.waitForSelector('#result:not([hidden])', { timeout: 20000 });
  return page.evaluate(() => ({
    status: document.getElementById('verdict').dataset.status,
    reason: document.getElementById('verdict-reason').textContent,
    details: document.getElementById('details').innerText,
  }));
}
