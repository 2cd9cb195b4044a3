#!/usr/bin/env bash
# Issues the demo certificates, rasterizes page 1 at 150 and 300 dpi, makes photo-like versions
# (tilted, blurred, noisy, unevenly lit, JPEG) and compares the two QR decoders on them.
# Needs poppler-utils and imagemagick.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
(cd "$here/../.." && cargo run -q -- demo --out "$work/demo" >/dev/null)
mkdir -p "$work/images"
i=0
for pdf in "$work"/demo/*.pdf; do
  i=$((i + 1))
  for dpi in 150 300; do pdftoppm -r "$dpi" -gray -png -f 1 -l 1 "$pdf" "$work/images/page$i-$dpi"; done
  page="$work/images/page$i-150-1.png"
  convert "$page" -rotate 3 -background white -flatten "$work/images/photo-rot3-$i.png"
  convert "$page" -rotate -5 -blur 0x1.2 -background white -flatten "$work/images/photo-rot5-blur-$i.png"
  convert "$page" \( +clone -sparse-color Barycentric '0,0 white %[w],%[h] gray45' \) \
    -compose multiply -composite -attenuate 0.4 +noise Gaussian "$work/images/photo-light-noise-$i.png"
  convert "$page" -rotate 2 -blur 0x1 -attenuate 0.3 +noise Gaussian -quality 70 "$work/images/photo-$i.jpg"
done
cargo run -q --release --manifest-path "$here/Cargo.toml" -- "$work/images"
