#!/usr/bin/env bash
# goodstanding against a plain Python peer (peer.py: reportlab, segno, PyNaCl), side by side in
# one run on the same synthetic requests, on disk (issue 27):
#
#   tools/python-peer/compare.sh [COUNT] [JOBS] [RUNS]     (default 2000 2 3)
#
# Each run: `goodstanding bench batch --count COUNT --jobs JOBS --log --keep DIR` (validate,
# sign, log with two witnesses on loopback, QR, PDF, write, SQLite register, fsync), then the
# peer on the same DIR/synthetic.jsonl with JOBS processes. Prints each run and the medians, and
# goodstanding's rate as a multiple of the peer's. Uses the release build (built here if
# missing; GOODSTANDING=path picks another binary) and a virtual environment of the pinned
# requirements in tools/python-peer/.venv. Folders go under $TMPDIR (default /tmp: on disk).
set -euo pipefail
cd "$(dirname "$0")/../.."
count=${1:-2000}
jobs=${2:-2}
runs=${3:-3}
here=tools/python-peer
venv=$here/.venv
if ! cmp -s "$here/requirements.txt" "$venv/installed.txt" 2>/dev/null; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$venv/installed.txt"
fi
exe=${GOODSTANDING:-target/release/goodstanding}
if [ -z "${GOODSTANDING:-}" ]; then
  cargo build --quiet --release -p goodstanding-cli
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/goodstanding-vs-python.XXXXXX")
trap 'rm -rf "$work"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "goodstanding $("$exe" --version | awk '{print $2}'), $("$venv/bin/python" --version), $count requests, $jobs jobs, $runs runs, in $work"
printf '%4s  %22s  %22s  %14s\n' run "goodstanding (cert/s)" "+log (cert/s)" "python (cert/s)"
: > "$work/plain"; : > "$work/logged"; : > "$work/python"
for run in $(seq "$runs"); do
  dir="$work/run-$run"
  table=$("$exe" bench batch --count "$count" --jobs "$jobs" --log --keep "$dir")
  plain=$(awk '$1 == "file" { print $3 }' <<< "$table")
  logged=$(awk '$1 == "+log" { print $3 }' <<< "$table")
  python=$("$venv/bin/python" "$here/peer.py" "$dir/synthetic.jsonl" "$dir/python" "$jobs" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["per_second"])')
  printf '%4s  %22s  %22s  %14s\n' "$run" "$plain" "$logged" "$python"
  echo "$plain" >> "$work/plain"; echo "$logged" >> "$work/logged"; echo "$python" >> "$work/python"
  # Each run's files stay until the end: on ext4 without a journal, files made within minutes
  # of deleting many others are slow to create (the allocator skips recently freed inodes), which
  # would slow the next run for a reason of the measurement's own making.
done
plain=$(median < "$work/plain"); logged=$(median < "$work/logged"); python=$(median < "$work/python")
printf 'median  %22s  %22s  %14s\n' "$plain" "$logged" "$python"
awk -v p="$plain" -v l="$logged" -v y="$python" \
  'BEGIN { printf "goodstanding / python: %.1fx (%.1fx with the log)\n", p / y, l / y }'
