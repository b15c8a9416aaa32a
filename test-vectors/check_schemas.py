#!/usr/bin/env python3
"""Checks the JSON Schemas of the request and trust files (docs/schemas) with an independent
validator, Python's `jsonschema` (Draft 2020-12): both schemas are valid schemas, every
example in docs/schemas/examples is accepted by its schema, and every `*-invalid-*` example
is refused. tests/cli/schema.rs runs the same examples through the CLI, so the schema and the
CLI's parser are held to the same verdicts. Prints 'N passed, N failed'.
"""
import json
import pathlib
import sys

from jsonschema import Draft202012Validator

ROOT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "schemas"


def main() -> int:
    passed = failed = 0
    validators = {}
    for kind in ("request", "trust"):
        schema = json.loads((ROOT / f"{kind}.schema.json").read_text(encoding="utf-8"))
        Draft202012Validator.check_schema(schema)
        validators[kind] = Draft202012Validator(schema)
    examples = sorted((ROOT / "examples").glob("*.json"))
    if len(examples) < 4:
        print(f"only {len(examples)} examples found in {ROOT / 'examples'}")
        return 1
    for path in examples:
        kind = path.name.split("-", 1)[0]
        expect_valid = "-invalid-" not in path.name
        errors = list(validators[kind].iter_errors(json.loads(path.read_text(encoding="utf-8"))))
        if (not errors) == expect_valid:
            passed += 1
        else:
            failed += 1
            what = "; ".join(e.message for e in errors) or "accepted"
            print(f"FAIL {path.name}: expected {'valid' if expect_valid else 'invalid'}, got {what}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
