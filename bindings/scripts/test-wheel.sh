#!/usr/bin/env bash
# Builds the Python wheel with maturin, installs it in a fresh virtualenv, and runs the README's
# three-line example and the pytest suite against the installed package. (The plain release
# profile: release-mobile strips the symbols UniFFI reads its metadata from.)
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r bindings/python/requirements.txt
rm -rf "$target/wheels" "$target/wheel-venv"
python3 -m maturin build --quiet --release -m bindings/ffi/Cargo.toml -o "$target/wheels"
python3 -m venv "$target/wheel-venv"
venv="$target/wheel-venv/bin"
"$venv/pip" install --quiet --disable-pip-version-check "$target"/wheels/yinzheng-*.whl -r bindings/python/requirements.txt
ls -l "$target"/wheels/
"$venv/python" bindings/python/readme_example.py test-vectors/certificates/valid-plain.cbor
YINZHENG_PY_BINDINGS=installed "$venv/python" -m pytest -q bindings/python/tests
