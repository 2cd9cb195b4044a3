#!/usr/bin/env python3
"""A plain Python peer of `goodstanding batch`, for the side-by-side benchmark of issue 27.

It does what a small issuing script written with the usual libraries would do for each request
of a JSON Lines file (as `goodstanding bench batch --keep DIR` writes DIR/synthetic.jsonl):
- reads the request and makes the certificate (an id, the issue and expiry times);
- signs it as a compact JWS with Ed25519 (PyNaCl);
- makes the QR text (the JWS deflated, in base45) and its QR code (segno);
- draws a one-page PDF with reportlab (DejaVu Sans embedded, the QR code as rectangles, one a
  run of dark modules in a row) with the name, registrations and every record;
- writes the .jws, .qr.txt and .pdf, each under a temporary name renamed into place, and
  flushes them to disk once at the end (as goodstanding flushes a chunk at a time).

It does less than goodstanding: no rules, no register, no log, no PDF/A or PDF/UA, no attachment.
Usage: peer.py REQUESTS.jsonl OUT_DIR [JOBS]; prints one JSON line: issued, seconds, per_second.
"""

import base64
import datetime
import json
import multiprocessing
import os
import secrets
import sys
import time
import zlib

import nacl.signing
import segno
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

FONT = os.path.join(os.path.dirname(__file__), "..", "..", "crates", "issuer", "fonts", "DejaVuSans.ttf")
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MM = 72 / 25.4


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def base45(data: bytes) -> str:
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        out += [BASE45[n % 45], BASE45[n // 45 % 45], BASE45[n // 2025]]
    if len(data) % 2:
        n = data[-1]
        out += [BASE45[n % 45], BASE45[n // 45]]
    return "".join(out)


def init(seed: bytes) -> None:
    global KEY
    KEY = nacl.signing.SigningKey(seed)
    pdfmetrics.registerFont(TTFont("DejaVu", FONT))


def issue(args):
    line, out_dir = args
    request = json.loads(line)
    now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
    certificate = dict(request)
    certificate["id"] = base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()
    certificate["issued_at"] = now.isoformat().replace("+00:00", "Z")
    certificate["valid_until"] = (now + datetime.timedelta(days=90)).isoformat().replace("+00:00", "Z")
    header = b64url(json.dumps({"alg": "EdDSA", "kid": "peer"}, separators=(",", ":")).encode())
    payload = b64url(json.dumps(certificate, separators=(",", ":"), ensure_ascii=False).encode())
    signature = KEY.sign(f"{header}.{payload}".encode()).signature
    jws = f"{header}.{payload}.{b64url(signature)}"
    qr_text = "GSC1:" + base45(zlib.compress(jws.encode(), 9))
    qr = segno.make(qr_text, error="m", micro=False)
    name = certificate["id"]
    pdf_path = os.path.join(out_dir, name + ".pdf")
    pdf = canvas.Canvas(pdf_path + ".partial", pagesize=A4)
    width, height = A4
    pdf.setTitle("Certificate of good standing: " + request["subject"]["full_name"])
    pdf.setFont("DejaVu", 16)
    pdf.drawString(20 * MM, height - 25 * MM, "Certificate of good standing")
    pdf.setFont("DejaVu", 10)
    y = height - 40 * MM
    subject = request["subject"]
    lines = [
        "Name: " + subject["full_name"],
        "Date of birth: " + subject["date_of_birth"],
        "Reference: " + subject["reference"],
        "Registrations: " + ", ".join(f'{r["regulator"]} {r["number"]}' for r in subject["registrations"]),
        "Issued by: " + request["issuer"],
        "Certificate: " + name + ", issued " + certificate["issued_at"],
    ]
    for kind in ("findings", "convictions", "departures"):
        records = request.get(kind, [])
        lines.append(f"{kind.capitalize()}: {len(records) or 'none'}")
        for record in records:
            lines.append("  " + "; ".join(f"{k}: {v}" for k, v in record.items() if isinstance(v, str)))
    for text in lines:
        pdf.drawString(20 * MM, y, text[:110])
        y -= 5 * MM
    # The QR code: one rectangle a run of dark modules in a row, 0.55 mm a module.
    module = 0.55 * MM
    matrix = qr.matrix
    left, top = width - 20 * MM - len(matrix) * module, height - 20 * MM
    path = pdf.beginPath()
    for row, modules in enumerate(matrix):
        x = 0
        while x < len(modules):
            if modules[x]:
                start = x
                while x < len(modules) and modules[x]:
                    x += 1
                path.rect(left + start * module, top - (row + 1) * module, (x - start) * module, module)
            else:
                x += 1
    pdf.drawPath(path, stroke=0, fill=1)
    pdf.showPage()
    pdf.save()
    for suffix, data in ((".jws", jws + "\n"), (".qr.txt", qr_text + "\n")):
        with open(os.path.join(out_dir, name + suffix + ".partial"), "w", encoding="utf-8") as f:
            f.write(data)
    for suffix in (".pdf", ".jws", ".qr.txt"):
        final = os.path.join(out_dir, name + suffix)
        os.replace(final + ".partial", final)
    return name


def main() -> None:
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    requests, out_dir = sys.argv[1], sys.argv[2]
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    os.makedirs(out_dir, exist_ok=True)
    with open(requests, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    seed = secrets.token_bytes(32)
    start = time.perf_counter()
    with multiprocessing.Pool(jobs, initializer=init, initargs=(seed,)) as pool:
        issued = sum(1 for _ in pool.imap_unordered(issue, ((line, out_dir) for line in lines), chunksize=16))
    os.sync()
    seconds = time.perf_counter() - start
    print(json.dumps({"issued": issued, "seconds": round(seconds, 3), "per_second": round(issued / seconds, 1)}))


if __name__ == "__main__":
    main()
