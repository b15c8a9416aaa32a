//! The request and trust files' JSON Schemas: shipped by `yinzheng schema`, and held to the
//! CLI's own parser — every example in docs/schemas/examples gets the same verdict from the
//! CLI as from the schema (test-vectors/check_schemas.py checks the schema's side with
//! Python's `jsonschema`).

use std::path::PathBuf;

use crate::Agency;
use crate::support::{AGENCY, expect, output};

fn examples(kind: &str) -> Vec<PathBuf> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/schemas/examples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("{kind}-"))
        })
        .collect();
    paths.sort();
    assert!(paths.len() >= 3, "{kind} examples: {paths:?}");
    paths
}

fn expected_valid(path: &std::path::Path) -> bool {
    !path
        .file_name()
        .unwrap()
        .to_string_lossy()
        .contains("-invalid-")
}

#[test]
fn the_schemas_shipped_are_the_documented_files() {
    let agency = Agency::set_up("schema-text");
    for kind in ["request", "trust"] {
        let printed = expect(agency.dir(), 0, &["schema", kind]);
        let file = std::fs::read_to_string(format!(
            "{}/docs/schemas/{kind}.schema.json",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        assert_eq!(printed, file);
        let schema: serde_json::Value = serde_json::from_str(&printed).unwrap();
        assert_eq!(
            schema["$schema"],
            "https://json-schema.org/draft/2020-12/schema"
        );
    }
}

#[test]
fn the_cli_agrees_with_the_request_schema_on_every_example() {
    let agency = Agency::set_up("schema-request");
    let d = agency.dir();
    for (i, path) in examples("request").iter().enumerate() {
        let out_file = format!("example-{i}.cbor");
        let out = output(
            d,
            &[
                "issue",
                "--key",
                "agency.pem",
                "--agency-name",
                "吉林省测试局",
                "--agency-uscc",
                AGENCY,
                "--request",
                path.to_str().unwrap(),
                "--out",
                &out_file,
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if expected_valid(path) {
            assert_eq!(out.status.code(), Some(0), "{}: {stderr}", path.display());
            assert!(d.join(&out_file).exists());
        } else {
            assert_eq!(out.status.code(), Some(1), "{}: accepted", path.display());
            // The error names the file.
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(stderr.contains(&*name), "{stderr}");
        }
    }
}

#[test]
fn the_cli_agrees_with_the_trust_schema_on_every_example() {
    let agency = Agency::set_up("schema-trust");
    let d = agency.dir();
    for path in examples("trust") {
        let out = output(
            d,
            &[
                "verify",
                "certificate",
                "--trust",
                path.to_str().unwrap(),
                "--in",
                "resident.cbor",
            ],
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        if expected_valid(&path) {
            // Loaded: the verdict is a rejection (the fixture's keys are not in it), not an
            // error reading the file.
            assert_eq!(out.status.code(), Some(10), "{}: {stderr}", path.display());
        } else {
            assert_eq!(out.status.code(), Some(1), "{}: accepted", path.display());
            let name = path.file_name().unwrap().to_string_lossy();
            assert!(stderr.contains(&*name), "{stderr}");
        }
    }
}
