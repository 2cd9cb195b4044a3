// The verifier page: loads the WebAssembly verifier with the bundled trust data, refreshes the
// lists from the issuer when online, and verifies what the employer scans, pastes or chooses.
import init, { Verifier, scanLuma } from './pkg/goodstanding_web.js';

const $ = (id) => document.getElementById(id);
const STORED = 'goodstanding-trust-lists';
let verifier = null;

const now = () => Date.now() / 1000;

function age(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 120) return `${s} seconds`;
  if (s < 7200) return `${Math.floor(s / 60)} minutes`;
  if (s < 172800) return `${Math.floor(s / 3600)} hours`;
  return `${Math.floor(s / 86400)} days`;
}

function describeTrust(data) {
  const t = data.trust_list;
  const r = data.revocation_list;
  const parts = [];
  if (t) parts.push(`trust list number ${t.sequence}, signed ${t.issued_at} (${age(t.age_seconds)} old)`);
  if (r) {
    parts.push(`revocation list number ${r.sequence}, signed ${r.issued_at} (${age(r.age_seconds)} old), ` +
      (r.stale ? `STALE since ${r.next_update}` : `next due ${r.next_update}`));
  }
  return parts.join('; ');
}

function showTrust(extra) {
  const data = JSON.parse(verifier.trustData(now()));
  $('trust-status').textContent = `Using ${describeTrust(data)}.` + (extra ? ` ${extra}` : '');
}

async function fetchText(url) {
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response.text();
}

// The issuer's trust list: version 3 (it names the transparency log) under its own name, else
// version 2, else (a site that publishes version 1 only) the list under the old name.
async function fetchTrustList(base) {
  for (const name of ['trust-list-v3.jws', 'trust-list-v2.jws']) {
    const response = await fetch(`${base}/${name}`, { cache: 'no-store' });
    if (response.ok) return response.text();
    if (response.status !== 404 && response.status !== 410) {
      throw new Error(`${base}/${name}: ${response.status}`);
    }
  }
  return fetchText(`${base}/trust-list.jws`);
}

// The issuer's chain of root handovers (root-handovers.json), or null if it publishes none.
async function fetchHandovers(base) {
  const response = await fetch(`${base}/root-handovers.json`, { cache: 'no-store' });
  if (response.ok) return response.text();
  if (response.status === 404 || response.status === 410) return null;
  throw new Error(`${base}/root-handovers.json: ${response.status}`);
}

// The synced copy of the transparency log, kept in IndexedDB (184 bytes per certificate: too
// large for localStorage's few megabytes once the log holds tens of thousands).
const LOG_DB = 'goodstanding-log';

function logStore(mode, use) {
  return new Promise((resolve, reject) => {
    const open = indexedDB.open(LOG_DB, 1);
    open.onupgradeneeded = () => open.result.createObjectStore('log');
    open.onerror = () => reject(open.error);
    open.onsuccess = () => {
      const transaction = open.result.transaction('log', mode);
      const request = use(transaction.objectStore('log'));
      transaction.oncomplete = () => { open.result.close(); resolve(request.result); };
      transaction.onerror = () => { open.result.close(); reject(transaction.error); };
    };
  });
}

// Fetches each log's checkpoint and the entry bundles new since the copy held, checks them
// (quorum, consistency with the copy held) and keeps the new copies: the log written now at
// <site>/log/, and any log frozen when the issuer moved to a new log key at
// <site>/log/frozen/<key id>/. Returns words for the status.
async function syncLog(base) {
  if (!verifier.namesLog()) return '';
  const words = [];
  for (const [origin, prefix] of JSON.parse(verifier.logLocations())) {
    const at = prefix ? `${base}/log/${prefix}` : `${base}/log`;
    const response = await fetch(`${at}/checkpoint`, { cache: 'no-store' });
    if (!response.ok) throw new Error(`${at}/checkpoint: ${response.status}`);
    const paths = JSON.parse(verifier.logSyncStart(origin, await response.text()));
    if (paths === null) return '';
    for (const path of paths) {
      const bundle = await fetch(`${at}/${path}`, { cache: 'no-store' });
      if (!bundle.ok) throw new Error(`${at}/${path}: ${bundle.status}`);
      verifier.logSyncAdd(new Uint8Array(await bundle.arrayBuffer()));
    }
    const done = JSON.parse(verifier.logSyncFinish());
    await logStore('readwrite', (store) => store.put(verifier.syncedLog(), 'synced'));
    words.push(prefix
      ? `frozen log ${origin}: ${done.certificates} certificates`
      : `${done.size} entries, ${done.certificates} certificates (${done.new_certificates} new)`);
  }
  return `Public log synced: ${words.join('; ')}.`;
}

async function start() {
  await init();
  const config = await (await fetch('config.json')).json();
  const [roots, trustList, revocationList] = await Promise.all([
    fetchText('trust/roots.json'),
    fetchText('trust/trust-list.jws'),
    fetchText('trust/revocation-list.jws'),
  ]);
  verifier = new Verifier(roots, trustList, revocationList);
  // Lists fetched on an earlier visit, if newer than the bundled ones.
  try {
    const stored = JSON.parse(localStorage.getItem(STORED) || 'null');
    if (stored) verifier.updateLists(stored.trust_list, stored.revocation_list, stored.source || 'this device\'s stored copy', stored.root_handovers || undefined);
  } catch (e) {
    // Older than the bundle, or damaged: the bundle stands.
  }
  try {
    const kept = await logStore('readonly', (store) => store.get('synced'));
    if (kept) verifier.useSyncedLog(new Uint8Array(kept));
  } catch (e) {
    // No copy, or one the trust list no longer accepts: the next refresh syncs afresh.
  }
  showTrust('');
  refresh(config.source);
}

// Fetches the issuer's published lists; keeps what it has if offline or refused.
async function refresh(source) {
  if (!source || !navigator.onLine) return;
  const base = source.replace(/\/+$/, '');
  try {
    const [trustList, revocationList, handovers] = await Promise.all([
      fetchTrustList(base),
      fetchText(`${base}/revocation-list.jws`),
      fetchHandovers(base),
    ]);
    const rootsBefore = verifier.rootKids();
    const changed = verifier.updateLists(trustList, revocationList, base, handovers || undefined);
    const rootsAfter = verifier.rootKids();
    // The chain is kept with the lists: the next visit follows it again from the bundled root.
    localStorage.setItem(STORED, JSON.stringify({
      trust_list: verifier.trustList(),
      revocation_list: verifier.revocationList(),
      source: base,
      root_handovers: handovers,
    }));
    const handedOver = rootsAfter !== rootsBefore
      ? ` Root key handed over from ${rootsBefore} to ${rootsAfter} (a statement signed by both).` : '';
    let logged = '';
    try {
      logged = await syncLog(base);
    } catch (e) {
      logged = `The public log could not be synced (${e.message}); using this device's copy.`;
    }
    showTrust((changed ? `Refreshed from ${base}.` : `Up to date with ${base}.`) + handedOver +
      (logged ? ` ${logged}` : ''));
  } catch (e) {
    showTrust(`Could not refresh from ${base} (${e.message}); using what this device has.`);
  }
}

// What the transparency log check found, in the words the command line uses.
function describeLog(log) {
  if (!log || log.status === 'no_log') return null;
  if (log.status === 'not_required') return 'issued before logging was required';
  if (log.status === 'proven') {
    const how = log.by === 'synced_log'
      ? 'checked against the log synced by this page' : 'proof attached to the PDF';
    const by = log.witnesses.length ? `cosigned by ${log.witnesses.join(', ')}` : 'no witness';
    return `in the log ${log.origin}: entry ${log.index} of the checkpoint of ${log.size} ` +
      `entries, ${by} (${how})`;
  }
  if (log.status === 'not_yet_checkable') return `not yet checkable: ${log.reason}`;
  return `NOT in the log: ${log.reason}`;
}

function element(tag, text, className) {
  const el = document.createElement(tag);
  if (text !== undefined) el.textContent = text;
  if (className) el.className = className;
  return el;
}

// The carrier codes of a verdict, in the words the command line uses.
const READ_FROM = {
  jws: 'JWS',
  qr_text: 'QR text',
  pdf_attachment: 'the signed certificate attached to the PDF',
  qr_image: 'the QR code in the image',
};

// `shown`: {verdict, sections, disclosure_level, issuing_body} as the verifier returns it.
function showVerdict(shown, milliseconds) {
  const {
    verdict, sections, disclosure_level: disclosureLevel, issuing_body: issuingBody,
  } = shown;
  const result = $('result');
  result.hidden = false;
  const box = $('verdict');
  box.className = `verdict ${verdict.valid ? 'valid' : 'invalid'}`;
  box.dataset.status = verdict.status;
  $('verdict-title').textContent = verdict.valid ? 'VALID' : 'NOT VALID';
  $('verdict-reason').textContent = verdict.valid
    ? 'Genuine, signed by an authorised key, not revoked, and within its validity.'
    : verdict.reason;
  const warnings = $('warnings');
  warnings.replaceChildren(...verdict.warnings.map((w) => {
    const item = element('li', w.message);
    item.dataset.code = w.code;
    return item;
  }));
  const details = $('details');
  details.replaceChildren();
  const c = verdict.certificate;
  if (c) {
    const s = c.subject;
    if (!verdict.valid) details.append(element('p', 'What it says (genuine, but not valid now):'));
    const dl = element('dl');
    const row = (label, value, className) => {
      dl.append(element('dt', label), element('dd', value, className));
    };
    row('Name', s.full_name, 'name');
    row('Date of birth', s.date_of_birth);
    row('Previous names', s.previous_names.length ? s.previous_names.join('; ') : 'none');
    row('Registrations', s.registrations.length
      ? s.registrations.map((r) => `${r.regulator} ${r.number}`).join('; ') : 'none');
    if (s.role_applied_for) row('Role applied for', s.role_applied_for);
    row('Subject ref.', s.reference);
    row('Valid', `${c.valid_from} to ${c.valid_until}`);
    row('Record as at', c.information_as_at);
    if (disclosureLevel) row('Disclosure level', disclosureLevel);
    row('Issued by', `${c.issuer.name} (key ${c.issuer.kid}) at ${c.issued_at}`);
    if (issuingBody) {
      row('Issuer address', issuingBody.address);
      row('Check at', issuingBody.check_url);
    }
    row('Certificate id', c.id);
    if (c.supersedes) row('Replaces', `certificate ${c.supersedes}, now revoked`);
    row('Read from', READ_FROM[verdict.carrier] || verdict.carrier);
    const log = describeLog(verdict.log);
    if (log) row('Public log', log, 'log');
    details.append(dl);
    for (const section of sections) {
      const title = section.records.length
        ? `${section.title} (${section.records.length})`
        : `${section.title}: none recorded`;
      details.append(element('h3', title));
      if (section.records.length) {
        const list = element('ol', undefined, 'records');
        for (const r of section.records) {
          const item = element('li');
          item.append(element('strong', `${r.when} `), document.createTextNode(r.who));
          item.append(element('br'), document.createTextNode(r.what));
          if (r.appeal_pending) item.append(' ', element('span', 'APPEAL PENDING', 'appeal'));
          list.append(item);
        }
        details.append(list);
      }
    }
  }
  $('timing').textContent = `Trust data: ${describeTrust(verdict.trust_data)}. Checked at ` +
    `${verdict.checked_at} in ${milliseconds.toFixed(1)} ms.`;
  $('timing').dataset.milliseconds = milliseconds.toFixed(2);
  result.focus();
}

// A verdict for input that held no certificate at all (the verifier words it, in the shape of
// every verdict).
function showUnreadable(reason) {
  showVerdict(JSON.parse(verifier.unreadable(reason, now())), 0);
}

function verifyText(text) {
  const t0 = performance.now();
  const result = JSON.parse(verifier.verifyText(text, now()));
  showVerdict(result, performance.now() - t0);
}

// A grey copy of an image or video frame, scaled so its longer side is at most `max` pixels.
function luma(source, width, height, max) {
  const scale = Math.min(1, max / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  context.drawImage(source, 0, 0, w, h);
  const rgba = context.getImageData(0, 0, w, h).data;
  const grey = new Uint8Array(w * h);
  for (let i = 0, j = 0; j < grey.length; i += 4, j += 1) {
    grey[j] = (rgba[i] * 77 + rgba[i + 1] * 150 + rgba[i + 2] * 29) >> 8;
  }
  return { grey, w, h };
}

function scanned(text, t0) {
  const result = JSON.parse(verifier.verifyScanned(text, now()));
  showVerdict(result, performance.now() - t0);
}

$('paste-form').addEventListener('submit', (event) => {
  event.preventDefault();
  // As pasted: the verifier drops the line breaks and white space a paste adds, and keeps a
  // space that is part of the text.
  const text = $('paste').value;
  if (text.trim()) verifyText(text);
});

$('photo').addEventListener('change', async () => {
  const file = $('photo').files[0];
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    const t0 = performance.now();
    let text = null;
    // Try at a moderate size first (fast), then at full size for a small code in a big photo.
    for (const max of [1600, 4000]) {
      const { grey, w, h } = luma(bitmap, bitmap.width, bitmap.height, max);
      text = scanLuma(grey, w, h);
      if (text) break;
    }
    if (text) scanned(text, t0);
    else showVerdict(JSON.parse(verifier.noQrCode(now())), performance.now() - t0);
  } catch (e) {
    showUnreadable(`Not a readable image (${e.message}).`);
  }
});

$('pdf').addEventListener('change', async () => {
  const file = $('pdf').files[0];
  if (!file) return;
  try {
    const bytes = new Uint8Array(await file.arrayBuffer());
    const t0 = performance.now();
    const result = JSON.parse(verifier.verifyPdf(bytes, now()));
    showVerdict(result, performance.now() - t0);
  } catch (e) {
    showUnreadable(`This PDF could not be checked (${e.message}).`);
  }
});

// A certificate too long for one QR code is printed as several (GSC1-k/n-TAG:...); a camera
// frame may hold only some of them. The collector keeps the parts of one certificate (one TAG)
// across frames, and gives the text to verify once it has them all, or at once for a whole
// certificate's QR text (or a JWS).
class PartCollector {
  constructor() {
    this.tag = null;
    this.of = 0;
    this.parts = new Map();
    this.progress = '';
  }

  add(text) {
    for (const line of text.split('\n')) {
      if (/^(GSC1:|ey)/.test(line)) return line;
      const header = /^GSC1-(\d{1,2})\/(\d{1,2})-([0-9A-F]{8}):/.exec(line);
      if (!header) continue;
      const [, number, of, tag] = header;
      if (tag !== this.tag) {
        this.tag = tag;
        this.of = Number(of);
        this.parts = new Map();
      }
      this.parts.set(Number(number), line);
    }
    if (this.tag && this.parts.size >= this.of) {
      return [...this.parts.keys()].sort((a, b) => a - b).map((k) => this.parts.get(k)).join('\n');
    }
    if (this.tag) {
      this.progress = `Read ${this.parts.size} of the ${this.of} QR codes of this certificate; now hold the others inside the frame.`;
    }
    return null;
  }
}

// The camera: frames are read with the browser's BarcodeDetector where it exists, else in
// WebAssembly, a few times a second, until a certificate's QR code is found.
let stream = null;
let timer = null;

function stopCamera() {
  if (timer) clearTimeout(timer);
  timer = null;
  if (stream) stream.getTracks().forEach((track) => track.stop());
  stream = null;
  $('camera').hidden = true;
  $('camera-stop').hidden = true;
  $('camera-start').hidden = false;
}

async function detector() {
  if (!('BarcodeDetector' in window)) return null;
  try {
    const formats = await window.BarcodeDetector.getSupportedFormats();
    return formats.includes('qr_code') ? new window.BarcodeDetector({ formats: ['qr_code'] }) : null;
  } catch (e) {
    return null;
  }
}

$('camera-start').addEventListener('click', async () => {
  try {
    stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
  } catch (e) {
    $('camera').hidden = false;
    $('camera-status').textContent = `The camera could not start (${e.message}). Use a photo, the PDF or the QR text instead.`;
    return;
  }
  const video = $('video');
  video.srcObject = stream;
  await video.play();
  $('camera').hidden = false;
  $('camera-start').hidden = true;
  $('camera-stop').hidden = false;
  $('camera-status').textContent = 'Hold the QR code inside the frame.';
  const native = await detector();
  const parts = new PartCollector();
  const tick = async () => {
    if (!stream) return;
    if (video.videoWidth) {
      const t0 = performance.now();
      let text = null;
      if (native) {
        const codes = await native.detect(video).catch(() => []);
        text = codes.length ? codes.map((code) => code.rawValue).join('\n') : null;
      }
      if (!text) {
        const { grey, w, h } = luma(video, video.videoWidth, video.videoHeight, 1280);
        text = scanLuma(grey, w, h);
      }
      const found = text ? parts.add(text) : null;
      if (found) {
        stopCamera();
        scanned(found, t0);
        return;
      }
      if (parts.progress) $('camera-status').textContent = parts.progress;
    }
    timer = setTimeout(tick, 150);
  };
  tick();
});

$('camera-stop').addEventListener('click', stopCamera);

// For automation and benchmarks (tests/web/): verify as the page does, and time the steps.
// `at` (seconds since 1970) pins the time, as `goodstanding verify --at` does.
window.goodstanding = {
  // The camera's collector, fed texts as frames would give them: the text to verify, or null.
  collectParts(texts) {
    const collector = new PartCollector();
    let found = null;
    for (const text of texts) found = found || collector.add(text);
    return { found, progress: collector.progress };
  },
  verifyText: (text, at) => JSON.parse(verifier.verifyText(text, at ?? now())).verdict,
  verifyPdf: (bytes, at) => JSON.parse(verifier.verifyPdf(new Uint8Array(bytes), at ?? now())).verdict,
  async scanImage(blob) {
    const bitmap = await createImageBitmap(blob);
    const t0 = performance.now();
    const { grey, w, h } = luma(bitmap, bitmap.width, bitmap.height, 1280);
    const t1 = performance.now();
    const text = scanLuma(grey, w, h);
    const t2 = performance.now();
    const verdict = text ? JSON.parse(verifier.verifyScanned(text, now())).verdict : null;
    const t3 = performance.now();
    return { valid: verdict ? verdict.valid : false, grey_ms: t1 - t0, scan_ms: t2 - t1, verify_ms: t3 - t2, total_ms: t3 - t0 };
  },
};

if ('serviceWorker' in navigator) {
  navigator.serviceWorker.register('sw.js').catch(() => {});
}

start().catch((e) => {
  $('trust-status').textContent = `The verifier could not start: ${e.message}`;
});
