// The web page's verdicts on given inputs, for the test that compares them with `verify --json`
// and the verification service (tests/verdicts.rs). Opens the site in Debian's headless Chromium
// and calls the page's own verifier (window.goodstanding) with each input at its pinned time.
//
//   node verdicts.mjs CONFIG.json
//
// CONFIG: { site, chromium, inputs: [{ name, kind: "text" | "pdf", path, at }] } (at: seconds
// since 1970). Prints one JSON object: { name: verdict, ... }.
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ready, serve } from './lib.mjs';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const server = await serve(config.site);
const browser = await chromium.launch({ executablePath: config.chromium, args: CHROMIUM_ARGS });
const out = {};
try {
  const page = await browser.newPage();
  page.on('pageerror', (e) => console.error('page error:', String(e)));
  await ready(page, `http://127.0.0.1:${server.address().port}/`);
  for (const input of config.inputs) {
    const bytes = readFileSync(input.path);
    out[input.name] = input.kind === 'pdf'
      ? await page.evaluate(([b64, at]) => {
        const raw = atob(b64);
        const array = new Uint8Array(raw.length);
        for (let i = 0; i < raw.length; i += 1) array[i] = raw.charCodeAt(i);
        return window.goodstanding.verifyPdf(array, at);
      }, [bytes.toString('base64'), input.at])
      : await page.evaluate(([text, at]) => window.goodstanding.verifyText(text, at),
        [bytes.toString('utf8'), input.at]);
  }
} finally {
  await browser.close();
  server.close();
}
console.log(JSON.stringify(out));
