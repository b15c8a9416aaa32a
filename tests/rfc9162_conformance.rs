//! Inclusion, consistency and subtree proofs made by another implementation (the test data of
//! transparency-dev/merkle, copied in `test-vectors/conformance/rfc9162-proofs/`): each of our
//! proof verifiers must give every case's `wantErr`.
//!
//! Our verifiers take hashes as 32-byte arrays, and the Go library takes byte strings (and
//! checks the length of the leaf hash only): some cases carry roots or proof hashes with
//! garbage before or after them, and a few a 12-byte placeholder in a field the verifier must
//! not look at. A leaf hash of another length is refused as a caller's parsing would refuse
//! it; any other such value is given to our verifiers as a 32-byte stand-in (a tagged
//! SHA-256 of it, equal for equal values and unlike any hash in the cases), so the proof logic
//! decides those cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde_json::Value;
use yinzheng::audit::merkle::{Hash, ProofError, verify_consistency, verify_inclusion};
use yinzheng::audit::subtree::{verify_subtree_consistency, verify_subtree_inclusion};

fn cases(kind: &str) -> Vec<(PathBuf, Value)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors/conformance/rfc9162-proofs")
        .join(kind);
    let mut files = Vec::new();
    let mut dirs = vec![root];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                let case = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
                files.push((path, case));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    files
}

fn bytes(value: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(value.as_str().unwrap())
        .unwrap()
}

/// A base64 hash as 32 bytes, or the stand-in for a value of another length.
fn as_hash(value: &Value) -> Hash {
    let bytes = bytes(value);
    Hash::try_from(bytes.as_slice())
        .unwrap_or_else(|_| yinzheng::crypto::sha256(&[b"not a hash: ", bytes.as_slice()].concat()))
}

/// Why a case was refused: the leaf hash is not a hash, or the verifier's verdict.
#[derive(Debug)]
enum Refusal {
    LeafNotAHash,
    #[expect(dead_code, reason = "read through Debug, in the disagreement report")]
    Proof(ProofError),
}

impl From<ProofError> for Refusal {
    fn from(e: ProofError) -> Self {
        Self::Proof(e)
    }
}

fn leaf(case: &Value) -> Result<Hash, Refusal> {
    Hash::try_from(bytes(&case["leafHash"]).as_slice()).map_err(|_| Refusal::LeafNotAHash)
}

fn hash(case: &Value, field: &str) -> Hash {
    as_hash(&case[field])
}

fn proof(case: &Value) -> Vec<Hash> {
    match &case["proof"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().map(as_hash).collect(),
        other => panic!("proof is {other}"),
    }
}

fn number(case: &Value, field: &str) -> u64 {
    case[field].as_u64().unwrap()
}

/// Runs `verify` on every case of `kind` and checks it against `wantErr`; returns how many
/// cases there were and how many were to be refused.
fn agree(kind: &str, verify: impl Fn(&Value) -> Result<(), Refusal>) -> (usize, usize) {
    let cases = cases(kind);
    let mut refused = 0;
    let mut disagreements = Vec::new();
    for (path, case) in &cases {
        let want_err = case["wantErr"].as_bool().unwrap();
        refused += usize::from(want_err);
        let got = verify(case);
        if got.is_err() != want_err {
            disagreements.push(format!(
                "{}: wantErr {want_err}, got {got:?}",
                path.display()
            ));
        }
    }
    assert!(disagreements.is_empty(), "{}", disagreements.join("\n"));
    (cases.len(), refused)
}

#[test]
fn inclusion_proofs_agree() {
    let (all, refused) = agree("inclusion", |case| {
        Ok(verify_inclusion(
            &leaf(case)?,
            number(case, "leafIdx"),
            number(case, "treeSize"),
            &proof(case),
            &hash(case, "root"),
        )?)
    });
    assert_eq!((all, refused), (98, 92));
}

#[test]
fn consistency_proofs_agree() {
    let (all, refused) = agree("consistency", |case| {
        Ok(verify_consistency(
            number(case, "size1"),
            number(case, "size2"),
            &proof(case),
            &hash(case, "root1"),
            &hash(case, "root2"),
        )?)
    });
    assert_eq!((all, refused), (98, 92));
}

#[test]
fn subtree_inclusion_proofs_agree() {
    let (all, refused) = agree("subtreeinclusion", |case| {
        Ok(verify_subtree_inclusion(
            &leaf(case)?,
            number(case, "leafIdx"),
            number(case, "start"),
            number(case, "end"),
            &proof(case),
            &hash(case, "root"),
        )?)
    });
    assert_eq!((all, refused), (204, 192));
}

#[test]
fn subtree_consistency_proofs_agree() {
    let (all, refused) = agree("subtreeconsistency", |case| {
        Ok(verify_subtree_consistency(
            number(case, "start"),
            number(case, "end"),
            number(case, "size"),
            &proof(case),
            &hash(case, "root1"),
            &hash(case, "root2"),
        )?)
    });
    assert_eq!((all, refused), (118, 106));
}
