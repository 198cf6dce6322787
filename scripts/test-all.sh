#!/usr/bin/env bash
# Runs every test of ajpgate on a fresh Debian 12 machine: installs what the tests need (Tomcat 10.1,
# Apache httpd + mod_jk 1.2.48 for the real-backend and differential tests, cargo-fuzz where a nightly
# toolchain exists), then formatting, lints, all cargo tests and the fuzz-target build.
# Nothing is skipped: a test that needs Tomcat fails when Tomcat cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "system packages"
missing=()
# chromium renders the jk-status page in a test; prometheus brings promtool, which checks /metrics.
for pkg in tomcat10 apache2 libapache2-mod-jk curl chromium prometheus python3 haproxy nghttp2-client openssl default-jdk-headless; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}"
  sudo_cmd=""; [ "$(id -u)" = 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq "${missing[@]}" >/dev/null
fi
dpkg-query -W -f='${Package} ${Version}\n' tomcat10 apache2 libapache2-mod-jk chromium prometheus

step "module graph: no import circles, no edge up the layers"
python3 scripts/module-graph.py --cycles-only

step "comments cite only documents that are in the repository"
python3 scripts/check-citations.py

step "file and function sizes"
python3 scripts/check-sizes.py

step "format and lints"
cargo fmt --all -- --check
cargo clippy --locked --all-targets -- -D warnings

step "tests (unit, property, fuzz corpora, protocol fixtures, real Tomcat + mod_jk)"
cargo test --locked --all-targets

step "fuzz targets build"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  command -v cargo-fuzz >/dev/null || cargo install --locked cargo-fuzz
  (cd fuzz && cargo +nightly fuzz build)
else
  echo "no nightly toolchain on this machine: fuzz targets need one to build (their corpora ran above on stable)"
fi
