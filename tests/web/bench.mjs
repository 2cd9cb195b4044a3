// The page benchmark: how long the page takes to read a QR code from a camera-sized image and
// verify it, in Debian's headless Chromium.
//
//   node tests/web/bench.mjs SITE IMAGE.png [RUNS]
//
// SITE: a folder built by web/build.sh; IMAGE: a frame holding a certificate's QR code, 800x600
// or so, as a camera gives. Prints the median and range of each step over RUNS (default 50).
import { readFileSync } from 'node:fs';
import { chromium } from 'playwright-core';
import { CHROMIUM_ARGS, ready, serve } from './lib.mjs';

const [site, image, runsArg] = process.argv.slice(2);
const runs = Number(runsArg || 50);
const server = await serve(site);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
try {
  const page = await browser.newPage();
  await ready(page, `http://127.0.0.1:${server.address().port}/`);
  const png = readFileSync(image).toString('base64');
  const samples = await page.evaluate(async ({ png, runs }) => {
    const blob = await (await fetch(`data:image/png;base64,${png}`)).blob();
    const out = [];
    for (let i = 0; i < runs + 3; i += 1) out.push(await window.goodstanding.scanImage(blob));
    return out.slice(3); // the first runs warm up the WebAssembly
  }, { png, runs });
  if (!samples.every((s) => s.valid)) throw new Error('a run did not verify the certificate');
  const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
  for (const step of ['grey_ms', 'scan_ms', 'verify_ms', 'total_ms']) {
    const xs = samples.map((s) => s[step]);
    console.log(`${step.padEnd(10)} median ${median(xs).toFixed(1)} ms  (min ${Math.min(...xs).toFixed(1)}, max ${Math.max(...xs).toFixed(1)}) over ${runs} runs`);
  }
} finally {
  await browser.close();
  server.close();
}
