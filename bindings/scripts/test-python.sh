#!/usr/bin/env bash
# pytest against freshly generated Python bindings (run generate.sh first).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r bindings/python/requirements.txt
YINZHENG_PY_BINDINGS="${CARGO_TARGET_DIR:-$PWD/target}/bindings/python" python3 -m pytest -q bindings/python/tests
