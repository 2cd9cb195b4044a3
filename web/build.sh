#!/usr/bin/env bash
# Builds the verifier web page.
#
#   web/build.sh --out SITE [--trust TRUST_DIR] [--from URL]
#
# 1. compiles the verifier (crates/web) to WebAssembly and binds it with wasm-bindgen into web/pkg
#    (or $PKG_DIR);
# 2. runs `goodstanding site`, which writes the page, web/pkg and the trust data of TRUST_DIR
#    (a folder made by `goodstanding trust update`) into SITE, with a service worker that caches
#    it all for offline use.
# Needs the wasm32-unknown-unknown target and wasm-bindgen-cli of the same version as the
# wasm-bindgen crate (see crates/web/Cargo.toml):
#   rustup target add wasm32-unknown-unknown
#   cargo install wasm-bindgen-cli --version 0.2.130
set -euo pipefail
cd "$(dirname "$0")/.."
want=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' crates/web/Cargo.toml)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
if [ "$have" != "$want" ]; then
  echo "web/build.sh: needs wasm-bindgen-cli $want (found: ${have:-none}): cargo install wasm-bindgen-cli --version $want" >&2
  exit 2
fi
# Whole-program optimisation for the WebAssembly only (the native release build keeps thin LTO):
# 1,831,096 bytes (769,927 deflated); 1,942,744 (781,850) before issue 22 with thin LTO.
CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
  cargo build -p goodstanding-web --target wasm32-unknown-unknown --release
pkg=${PKG_DIR:-web/pkg}
wasm-bindgen --target web --no-typescript --out-dir "$pkg" \
  "${CARGO_TARGET_DIR:-target}/wasm32-unknown-unknown/release/goodstanding_web.wasm"
if [ $# -gt 0 ]; then
  if [ -n "${GOODSTANDING:-}" ]; then
    "$GOODSTANDING" site --wasm "$pkg" "$@"
  else
    cargo run -q -p goodstanding-cli -- site --wasm "$pkg" "$@"
  fi
fi
