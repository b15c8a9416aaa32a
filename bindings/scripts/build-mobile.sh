#!/usr/bin/env bash
# Builds the library shipped to apps on its own (no feature unification with the bindgen) in
# the release-mobile profile, for aarch64 — what Android arm64-v8a phones and iOS devices run
# (aarch64-unknown-linux-gnu with Debian's cross linker: the same codegen as
# aarch64-linux-android, without the NDK) — and checks its size against the budget. The
# x86_64 host build is larger (curve25519-dalek's AVX2 backend, x86 assembly) and ships to no
# phone; YINZHENG_MOBILE_TARGET=host measures it instead. Built twice: without the national
# algorithms (feature `gm`: SM2/SM3, GB/T 38540, OFD) within 2 MB, and with them within 3 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
triple=aarch64-unknown-linux-gnu
build() {  # build FEATURE-ARGS...: builds the library, prints its path
  if [ "${YINZHENG_MOBILE_TARGET:-aarch64}" = host ]; then
    cargo build --locked --quiet -p yinzheng-ffi --profile release-mobile "$@"
    echo "$target_dir/release-mobile/libyinzheng_ffi.so"
  else
    CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc \
      CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc \
      cargo build --locked --quiet -p yinzheng-ffi --profile release-mobile --target "$triple" "$@"
    echo "$target_dir/$triple/release-mobile/libyinzheng_ffi.so"
  fi
}
if [ "${YINZHENG_MOBILE_TARGET:-aarch64}" != host ]; then
  rustup target list --installed | grep -qx "$triple" || rustup target add "$triple" >/dev/null
  if ! command -v aarch64-linux-gnu-gcc >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gcc-aarch64-linux-gnu >/dev/null
  fi
fi
over=0
check() {  # check LABEL BUDGET LIB
  local size gz
  size=$(stat -c %s "$3")
  gz=$(gzip -9 -c "$3" | wc -c)
  echo "${3#"$target_dir"/} ($1): $size bytes ($gz gzipped); budget $2 bytes"
  if [ "$size" -gt "$2" ]; then echo "over the size budget" >&2; over=1; fi
}
lib=$(build --no-default-features)
check "without gm" "${YINZHENG_SIZE_BUDGET:-2000000}" "$lib"
lib=$(build)
check "with gm" "${YINZHENG_GM_SIZE_BUDGET:-3000000}" "$lib"
exit "$over"
