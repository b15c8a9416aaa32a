#!/usr/bin/env bash
# Builds the FFI library (debug) and the workspace's uniffi-bindgen, then generates the Python,
# Kotlin (host JVM) and Swift bindings into target/bindings/<language>/. Generated code is
# never committed.
set -euo pipefail
cd "$(dirname "$0")/../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target}"
# Built together: the same feature set as `cargo test --workspace`, so artefacts are shared.
# (Release libraries are built alone by build-mobile.sh.)
cargo build --locked --quiet -p yinzheng-ffi -p uniffi-bindgen
lib="$CARGO_TARGET_DIR/debug/libyinzheng_ffi.so"
bindgen="$CARGO_TARGET_DIR/debug/uniffi-bindgen"
out="$CARGO_TARGET_DIR/bindings"
rm -rf "$out" && mkdir -p "$out"
"$bindgen" generate "$lib" --language python --out-dir "$out/python"
cp "$lib" "$out/python/"
"$bindgen" generate "$lib" --language kotlin --no-format --config bindings/kotlin/jvm-host.toml --out-dir "$out/kotlin"
"$bindgen" generate "$lib" --language swift --no-format --out-dir "$out/swift"
find "$out" -type f -name '*.py' -o -type f -name '*.kt' -o -type f -name '*.swift' -o -type f -name '*.h' -o -type f -name '*.modulemap' | sort
