#!/usr/bin/env bash
# Builds the library shipped to apps on its own (no feature unification with the bindgen) in
# the release-mobile profile, for aarch64 — what Android arm64-v8a phones and iOS devices run
# (aarch64-unknown-linux-gnu with Debian's cross linker: the same codegen as
# aarch64-linux-android, without the NDK) — and checks its size against the budget. The
# x86_64 host build is larger (curve25519-dalek's AVX2 backend, x86 assembly) and ships to no
# phone; YINZHENG_MOBILE_TARGET=host measures it instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
budget=${YINZHENG_SIZE_BUDGET:-2000000}
triple=aarch64-unknown-linux-gnu
if [ "${YINZHENG_MOBILE_TARGET:-aarch64}" = host ]; then
  cargo build --locked --quiet -p yinzheng-ffi --profile release-mobile
  lib="$target_dir/release-mobile/libyinzheng_ffi.so"
else
  rustup target list --installed | grep -qx "$triple" || rustup target add "$triple" >/dev/null
  if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu >/dev/null
  fi
  CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
    CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
    cargo build --locked --quiet -p yinzheng-ffi --profile release-mobile --target "$triple"
  lib="$target_dir/$triple/release-mobile/libyinzheng_ffi.so"
fi
size=$(stat -c %s "$lib")
gz=$(gzip -9 -c "$lib" | wc -c)
echo "${lib#"$target_dir"/}: $size bytes ($gz gzipped); budget $budget bytes"
if [ "$size" -gt "$budget" ]; then
  echo "over the size budget" >&2
  exit 1
fi
