#!/usr/bin/env bash
# Runs every fuzz target in fuzz/ for SECONDS each (default 600), on a copy of its seed corpus,
# and prints libFuzzer's last status line (executions, coverage) for each.
#
#   tools/fuzz.sh [SECONDS] [TARGET...]
#
# Needs cargo-fuzz (cargo install cargo-fuzz) and a nightly toolchain; with only a stable one,
# RUSTC_BOOTSTRAP=1 lets it take the nightly flags cargo-fuzz passes. A finding stops the run
# and leaves the crashing input in fuzz/artifacts/TARGET/: add it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
seconds=${1:-600}
shift || true
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  cargo_fuzz=(cargo +nightly fuzz)
else
  export RUSTC_BOOTSTRAP=1
  cargo_fuzz=(cargo fuzz)
fi
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${cargo_fuzz[@]}" list)
"${cargo_fuzz[@]}" build -O
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for target in "${targets[@]}"; do
  mkdir -p "$work/$target"
  cp -r "corpus/$target/." "$work/$target/"
  log="$work/$target.log"
  if ! "${cargo_fuzz[@]}" run -O "$target" "$work/$target" -- \
      -max_total_time="$seconds" -rss_limit_mb=2048 -print_final_stats=1 >"$log" 2>&1; then
    tail -40 "$log"
    echo "fuzz: $target found a problem; the input is in fuzz/artifacts/$target/" >&2
    exit 1
  fi
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
  cov=$(grep -E '^#[0-9]+.*(DONE|pulse|NEW|REDUCE)' "$log" | tail -1 | grep -o 'cov: [0-9]*' || echo 'cov: ?')
  echo "fuzz: $target: ${seconds}s, $runs executions, $cov, corpus $(ls "$work/$target" | wc -l) inputs"
done
