#!/usr/bin/env bash
# Builds the library shipped to apps on its own (no feature unification with the bindgen) in
# the release-mobile profile, and checks its size against the budget.
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
budget=${YINZHENG_SIZE_BUDGET:-2000000}
cargo build --locked --quiet -p yinzheng-ffi --profile release-mobile
lib="$target/release-mobile/libyinzheng_ffi.so"
size=$(stat -c %s "$lib")
gz=$(gzip -9 -c "$lib" | wc -c)
echo "release-mobile libyinzheng_ffi.so: $size bytes ($gz gzipped); budget $budget bytes"
if [ "$size" -gt "$budget" ]; then
  echo "over the size budget" >&2
  exit 1
fi
