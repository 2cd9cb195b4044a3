#!/usr/bin/env bash
# The whole test suite on a fresh machine (Rust, Python 3, Node and apt-get as root): installs
# what the tests need, then runs every test of the workspace. The README's test command, and the
# first thing .ci/run does.
#
# Installs (each only if missing):
# - Debian packages: openssl (the key-file tests read our PKCS#8 keys with `openssl pkey`),
#   poppler-utils (pdftotext, pdftoppm, pdftocairo, pdfdetach: PDF text, pages and attachments),
#   zbar-tools (zbarimg: a second QR reader), imagemagick (photo-like images of pages), chromium
#   (the web page's tests drive it headless), softhsm2 (a PKCS#11 token in software: the HSM
#   tests make a token of their own in a temporary folder), opensc (pkcs11-tool: reads that
#   token independently of goodstanding), liblcms2-utils (transicc: Little CMS reads the PDFs'
#   sRGB output profile), postgresql (the register's tests run on a real PostgreSQL server as
#   well as on SQLite: this script starts one for the whole run, below), sqlite3 and psql (the
#   audit trail's tests tamper with its rows directly in each database, as an insider would);
# - the wasm32-unknown-unknown target and wasm-bindgen-cli at the version crates/web pins (the
#   web page's test builds the WebAssembly verifier);
# - npm packages pinned by their package-lock.json: jose (tests/jose: a stock JOSE library
#   verifies our .jws) and playwright-core (tests/web: drives Chromium; it downloads no browser);
# - PyPI packages pinned by tests/openapi/requirements.txt, in tests/openapi/.venv:
#   openapi-spec-validator (checks the service's OpenAPI 3.1 document independently of us).
# - cargo-nextest, if the machine lacks it (it runs each test in a process of its own, so the
#   timing-sensitive ones, such as the PIN prompt, concurrent batches and the service's limits,
#   do not share a process with the rest of the one end-to-end test binary).
# Then: cargo nextest run --workspace, the doc tests (which nextest does not run), and a closing
# line with the total over both.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s (disk free: %s)\n' "$*" "$(df -h --output=avail . | tail -n 1 | tr -d ' ')"; }

step "install what the tests need"
need=()
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || need+=(zbar-tools)
# (A stand-in `convert` may sit earlier in PATH; it hands every call to /usr/bin/convert.)
[ -x /usr/bin/convert ] || need+=(imagemagick)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/lib/softhsm/libsofthsm2.so ] || need+=(softhsm2)
command -v pkcs11-tool >/dev/null 2>&1 || need+=(opensc)
command -v transicc >/dev/null 2>&1 || need+=(liblcms2-utils)
pg_bindir() {
  local dir
  dir=$(pg_config --bindir 2>/dev/null || true)
  if [ -n "$dir" ] && [ -x "$dir/initdb" ]; then echo "$dir"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
[ -n "$(pg_bindir)" ] || need+=(postgresql)
command -v sqlite3 >/dev/null 2>&1 || need+=(sqlite3)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "tools/test.sh: needs the Debian packages ${need[*]}: run as root, or first:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${need[*]}" >&2
    exit 2
  fi
  echo "Debian packages: ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown \
  || rustup target add wasm32-unknown-unknown
(cd tests/jose && npm ci --no-audit --no-fund --loglevel=error)
(cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
if ! cmp -s tests/openapi/requirements.txt tests/openapi/.venv/installed.txt 2>/dev/null; then
  rm -rf tests/openapi/.venv
  python3 -m venv tests/openapi/.venv
  tests/openapi/.venv/bin/pip install --quiet --disable-pip-version-check \
    -r tests/openapi/requirements.txt
  cp tests/openapi/requirements.txt tests/openapi/.venv/installed.txt
fi
wasm_bindgen=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' crates/web/Cargo.toml)
if [ "$(wasm-bindgen --version 2>/dev/null | awk '{print $2}')" != "$wasm_bindgen" ]; then
  echo "wasm-bindgen-cli $wasm_bindgen (a few minutes, once)"
  cargo install --quiet --force wasm-bindgen-cli --version "$wasm_bindgen"
fi

command -v cargo-nextest >/dev/null 2>&1 || cargo install --locked --quiet cargo-nextest

# One PostgreSQL server for the whole run (the register's tests make a database each in it):
# the Debian package's binaries in a temporary folder, on a free loopback port, as an
# unprivileged user (initdb refuses root), fsync and synchronous_commit on; never the packaged
# cluster on 5432. Stopped and removed when this script ends, whatever the tests did.
step "a PostgreSQL server for the register's tests"
pg_dir=$(mktemp -d /tmp/goodstanding-pg-run.XXXXXX)
pg_bin=$(pg_bindir)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres:postgres "$pg_dir"; as_pg=(runuser -u postgres --); fi
stop_postgres() {
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$pg_dir"
}
trap stop_postgres EXIT
pg_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U goodstanding --auth=trust --no-locale -E UTF8 \
  --no-instructions >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on" \
  start >/dev/null
export GOODSTANDING_TEST_POSTGRES="postgres://goodstanding@127.0.0.1:$pg_port"
echo "PostgreSQL $("$pg_bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$pg_port ($pg_dir)"

step "cargo nextest run --workspace (one process per test)"
log=$(mktemp)
trap 'rm -f "$log"; stop_postgres' EXIT
set +e
cargo nextest run --workspace --no-fail-fast "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
step "cargo test --workspace --doc"
cargo test --workspace --doc 2>&1 | tee -a "$log"
doc_status=${PIPESTATUS[0]}
set -e
# Close with the total: nextest's summary line and the doc tests' result lines.
awk '/^ *Summary .* tests run:/ { for (i = 1; i <= NF; i++) { if ($(i) ~ /^passed/) p += $(i-1); if ($(i) ~ /^failed/) f += $(i-1) } }
     /^test result:/ { p += $4; f += $6 }
     END { printf "\ntests: %d passed, %d failed\n", p, f }' "$log"
[ "$status" -eq 0 ] && [ "$doc_status" -eq 0 ]
