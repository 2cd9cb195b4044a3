#!/usr/bin/env python3
"""Writes crates/issuer/color/sRGB-v2-small.icc: a small ICC v2 display profile for sRGB, the
output intent of every certificate PDF (PDF/A-3 asks for one).

The primaries are those of IEC 61966-2.1 adapted to D50 (Bradford), as in the common sRGB
profiles; the tone curve is the sRGB one sampled at 64 points (readers interpolate). Written
deterministically (a fixed date), so the PDFs stay byte-identical. Run: python3
tools/make_srgb_icc.py; tests read the profile back with Little CMS (transicc).
"""
import struct
from pathlib import Path


def s15f16(v):
    return struct.pack(">i", round(v * 65536))


def xyz(x, y, z):
    return b"XYZ " + b"\0" * 4 + s15f16(x) + s15f16(y) + s15f16(z)


def srgb_to_linear(v):
    return v / 12.92 if v <= 0.04045 else ((v + 0.055) / 1.055) ** 2.4


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


description = b"sRGB IEC61966-2.1 (small, goodstanding)"
desc = (
    b"desc" + b"\0" * 4 + struct.pack(">I", len(description) + 1) + description + b"\0"
    + struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\0" * 67
)
cprt = b"text" + b"\0" * 4 + b"No copyright, use freely (CC0)\0"
points = 64
curve = b"curv" + b"\0" * 4 + struct.pack(">I", points) + b"".join(
    struct.pack(">H", round(srgb_to_linear(i / (points - 1)) * 65535)) for i in range(points)
)
tags = [
    (b"desc", desc),
    (b"cprt", cprt),
    (b"wtpt", xyz(0.9642, 1.0, 0.8249)),
    (b"rXYZ", xyz(0.4360747, 0.2225045, 0.0139322)),
    (b"gXYZ", xyz(0.3850649, 0.7168786, 0.0971045)),
    (b"bXYZ", xyz(0.1430804, 0.0606169, 0.7141733)),
    (b"rTRC", curve),
    (b"gTRC", curve),
    (b"bTRC", curve),
]
table_len = 4 + 12 * len(tags)
offset = 128 + table_len
entries, data, placed = [], b"", {}
for sig, body in tags:
    if body in placed:  # the three tone curves share one copy
        entries.append((sig, placed[body], len(body)))
        continue
    placed[body] = offset + len(data)
    entries.append((sig, offset + len(data), len(body)))
    data += pad4(body)
size = offset + len(data)
header = (
    struct.pack(">I", size) + b"\0" * 4 + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
    + struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"\0" * 4 + struct.pack(">I", 0)
    + b"\0" * 4 + b"\0" * 4 + b"\0" * 8 + struct.pack(">I", 0)
    + s15f16(0.9642) + s15f16(1.0) + s15f16(0.8249) + b"\0" * 4 + b"\0" * 16 + b"\0" * 28
)
assert len(header) == 128, len(header)
table = struct.pack(">I", len(tags)) + b"".join(struct.pack(">4sII", s, o, n) for s, o, n in entries)
profile = header + table + data
out = Path(__file__).resolve().parent.parent / "crates/issuer/color/sRGB-v2-small.icc"
out.write_bytes(profile)
print(f"{out}: {len(profile)} bytes")
