"""Puts the generated bindings on sys.path: $YINZHENG_PY_BINDINGS, else target/bindings/python
(written by bindings/scripts/test-python.sh). With YINZHENG_PY_BINDINGS=installed the tests
import the installed wheel instead."""
import os
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[3]
where = os.environ.get("YINZHENG_PY_BINDINGS", str(ROOT / "target" / "bindings" / "python"))
if where != "installed":
    sys.path.insert(0, where)
