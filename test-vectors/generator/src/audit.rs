//! Audit-log vectors (`test-vectors/audit/`): checkpoints, a log segment, inclusion and
//! consistency bundles (including fork evidence) and the events the status registry logs,
//! each verifiable with nothing but the log's `vkey`.

use std::path::{Path, PathBuf};

use serde::Serialize;
use yinzheng::audit::{Event, EventKind};
use yinzheng::crypto::{Ed25519SigningKey, SeededRandom};
use yinzheng::storage::AuditLog;
use yinzheng::time::UnixTime;

use crate::kit::{Result, write_manifest};

#[derive(Serialize)]
struct AuditManifest {
    description: &'static str,
    origin: &'static str,
    vkey: String,
    vectors: Vec<AuditVector>,
}

#[derive(Serialize)]
struct AuditVector {
    id: &'static str,
    description: &'static str,
    /// `inclusion` (a tlog-proof bundle), `consistency` (an update bundle, checked against
    /// `held`), `segment` (a whole log file) or `checkpoint` (a signed note).
    kind: &'static str,
    // `outcome`: `accept`, `reject`, or `fork` (refused with evidence that the log forked).
    file: String,
    held: Option<String>,
    outcome: &'static str,
}

const AUDIT_ORIGIN: &str = "audit.example.gov.cn/licences";

fn audit_event(i: u64, subject: &str) -> Event {
    Event {
        kind: if i % 5 == 4 {
            EventKind::StatusChanged
        } else {
            EventKind::CertificateIssued
        },
        actor_key_id: yinzheng::crypto::sha256(b"issuer key"),
        subject: format!("{subject}.{i:06}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&i.to_be_bytes()),
        attributes: Vec::new(),
    }
}

/// A registry revokes `subject` and publishes its list into a fresh log under the vectors'
/// log key: the inclusion bundles of both events.
fn status_events(subject: &str) -> Result<(String, String)> {
    use yinzheng::status::{LegalStatus, RegistryConfig, StatusRegistry};
    let dir = std::env::temp_dir().join(format!("yz-vectors-events-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = std::sync::Arc::new(AuditLog::open(
        &dir.join("audit"),
        AUDIT_ORIGIN,
        Ed25519SigningKey::from_seed(&[0x5A; 32]),
    )?);
    let registry = StatusRegistry::open_file(
        &dir.join("status.journal"),
        RegistryConfig::new("https://status.example.gov.cn/jilin/"),
    )?
    .with_rng(SeededRandom::from_seed([4; 32]))
    .with_observer(log.clone())?;
    let at = UnixTime::from_secs(1_795_226_400);
    let reference = registry.allocate(subject)?;
    registry.set_status(subject, LegalStatus::Revoked, "operator-7", at)?;
    registry.publish(
        &reference.uri,
        &Ed25519SigningKey::from_seed(&[0x11; 32]),
        at,
        std::time::Duration::from_secs(3600),
    )?;
    let bundles = (
        log.inclusion_bundle(0)?.encode(),
        log.inclusion_bundle(1)?.encode(),
    );
    drop(registry);
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(bundles)
}

/// Builds a log in a scratch directory: `batches` of entries (sizes), from seed `key_seed`.
fn build_log(
    name: &str,
    key_seed: u8,
    subject: &str,
    batches: &[u64],
) -> Result<(AuditLog, PathBuf)> {
    let dir = std::env::temp_dir().join(format!("yz-vectors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::open(
        &dir,
        AUDIT_ORIGIN,
        Ed25519SigningKey::from_seed(&[key_seed; 32]),
    )?;
    let mut next = 0;
    for &end in batches {
        let events = (next..end).map(|i| audit_event(i, subject)).collect();
        log.append_batch(events, UnixTime::from_secs(1_795_226_400 + next))?;
        next = end;
    }
    Ok((log, dir))
}

/// Writes the audit vectors, their manifest, `index.tsv` and `vkey.txt` into `out`.
pub(crate) fn audit_vectors(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let mut vectors = Vec::new();
    let mut add = |id,
                   description,
                   kind,
                   file: &str,
                   bytes: &[u8],
                   held: Option<&str>,
                   outcome|
     -> Result<()> {
        std::fs::write(out.join(file), bytes)?;
        vectors.push(AuditVector {
            id,
            description,
            kind,
            file: file.to_owned(),
            held: held.map(str::to_owned),
            outcome,
        });
        Ok(())
    };
    let subject = "1.2.156.3005.2.11100000000013338W032.11220000013544541J";
    let (small, small_dir) = build_log("small", 0x5A, subject, &[5])?;
    let held5 = small.checkpoint().note;
    drop(small);
    let (log, dir) = build_log("main", 0x5A, subject, &[5, 9, 12])?;
    let vkey = log.key().to_vkey();
    add(
        "checkpoint-5",
        "signed checkpoint at size 5",
        "checkpoint",
        "checkpoint-5.note",
        held5.as_bytes(),
        None,
        "accept",
    )?;
    add(
        "checkpoint-12",
        "signed checkpoint at size 12",
        "checkpoint",
        "checkpoint-12.note",
        log.checkpoint().note.as_bytes(),
        None,
        "accept",
    )?;
    let segment = std::fs::read(dir.join("log.seg"))?;
    add(
        "segment",
        "the whole log file: 12 entries in 3 commits",
        "segment",
        "log.seg",
        &segment,
        None,
        "accept",
    )?;
    let mut flipped = segment.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    add(
        "segment-byte-flipped",
        "one byte of the log file flipped",
        "segment",
        "log-flipped.seg",
        &flipped,
        None,
        "reject",
    )?;

    let inclusion = log.inclusion_bundle(3)?;
    add(
        "inclusion-3",
        "entry 3 with its proof to the size-12 checkpoint",
        "inclusion",
        "inclusion-3.tlog-proof",
        inclusion.encode().as_bytes(),
        None,
        "accept",
    )?;
    let mut altered = inclusion.clone();
    let at = altered.entry.len() - 3;
    altered.entry[at] ^= 0x01;
    add(
        "inclusion-entry-altered",
        "entry 3 with one byte of its subject changed",
        "inclusion",
        "inclusion-entry-altered.tlog-proof",
        altered.encode().as_bytes(),
        None,
        "reject",
    )?;
    let mut bad_proof = inclusion.clone();
    bad_proof.proof[0][0] ^= 0x01;
    add(
        "inclusion-proof-altered",
        "entry 3 with one proof hash changed",
        "inclusion",
        "inclusion-proof-altered.tlog-proof",
        bad_proof.encode().as_bytes(),
        None,
        "reject",
    )?;
    let mut wrong_index = inclusion.clone();
    wrong_index.index = 2;
    add(
        "inclusion-wrong-index",
        "entry 3's proof claimed for index 2",
        "inclusion",
        "inclusion-wrong-index.tlog-proof",
        wrong_index.encode().as_bytes(),
        None,
        "reject",
    )?;
    let (stranger, stranger_dir) = build_log("stranger", 0x77, subject, &[5, 9, 12])?;
    add(
        "inclusion-unknown-key",
        "a valid bundle from a log signed by another key",
        "inclusion",
        "inclusion-unknown-key.tlog-proof",
        stranger.inclusion_bundle(3)?.encode().as_bytes(),
        None,
        "reject",
    )?;

    add(
        "consistency-5-12",
        "update from the held size-5 checkpoint to size 12",
        "consistency",
        "consistency-5-12.txt",
        log.consistency_bundle(5)?.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "accept",
    )?;
    let (fork, fork_dir) = build_log("fork", 0x5A, "1.2.156.3005.2.FORKED", &[5, 12])?;
    add(
        "consistency-fork",
        "same key, different first entries: a valid proof to the fork's signed root implies another root for size 5 (fork evidence)",
        "consistency",
        "consistency-fork.txt",
        fork.consistency_bundle(5)?.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "fork",
    )?;
    let same_size = yinzheng::audit::ConsistencyBundle {
        old_size: 12,
        proof: Vec::new(),
        checkpoint_note: fork.checkpoint().note,
    };
    add(
        "consistency-same-size-fork",
        "the fork's size-12 checkpoint against the held size-12 one: two signed roots for one size (fork evidence)",
        "consistency",
        "consistency-same-size-fork.txt",
        same_size.encode().as_bytes(),
        Some("checkpoint-12.note"),
        "fork",
    )?;
    let rollback = yinzheng::audit::ConsistencyBundle {
        old_size: 12,
        proof: Vec::new(),
        checkpoint_note: held5.clone(),
    };
    add(
        "consistency-rollback",
        "an older checkpoint offered after size 12: refused, but no evidence against the log",
        "consistency",
        "consistency-rollback.txt",
        rollback.encode().as_bytes(),
        Some("checkpoint-12.note"),
        "reject",
    )?;
    let mut garbage = log.consistency_bundle(5)?;
    for (i, hash) in garbage.proof.iter_mut().enumerate() {
        *hash = yinzheng::crypto::sha256(&[u8::try_from(i)?]);
    }
    add(
        "consistency-garbage-proof",
        "the honest size-12 checkpoint with garbage proof hashes: refused, not fork evidence",
        "consistency",
        "consistency-garbage-proof.txt",
        garbage.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "reject",
    )?;
    let mut wrong_old = log.consistency_bundle(4)?;
    wrong_old.old_size = 4;
    add(
        "consistency-wrong-old",
        "an honest proof from size 4 offered to an auditor holding size 5: refused, not fork evidence",
        "consistency",
        "consistency-wrong-old.txt",
        wrong_old.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "reject",
    )?;

    // The events the status registry records, as the audit log writes them (the
    // actor_key_id rules of docs/FORMAT.md).
    let (change, publication) = status_events(subject)?;
    add(
        "inclusion-status-change",
        "a 吊销 recorded through the status registry: actor_key_id = SHA-256(\"operator-7\"), attributes {1: 5, 2: 1, 3: index, 4: journal sequence, 5: list URI}",
        "inclusion",
        "inclusion-status-change.tlog-proof",
        change.as_bytes(),
        None,
        "accept",
    )?;
    add(
        "inclusion-list-published",
        "a status list publication: actor_key_id = SHA-256 of the signing key's public key bytes (seed 0x11), object_digest = SHA-256 of the token",
        "inclusion",
        "inclusion-list-published.tlog-proof",
        publication.as_bytes(),
        None,
        "accept",
    )?;

    let manifest = AuditManifest {
        description: "yinzheng audit-log vectors: verify each file with nothing but `vkey`; see test-vectors/README.md",
        origin: AUDIT_ORIGIN,
        vkey,
        vectors,
    };
    write_manifest(out, &manifest)?;
    let mut index = String::from("id\tkind\tfile\theld\toutcome\n");
    for v in &manifest.vectors {
        index += &format!(
            "{}\t{}\t{}\t{}\t{}\n",
            v.id,
            v.kind,
            v.file,
            v.held.as_deref().unwrap_or("-"),
            v.outcome
        );
    }
    std::fs::write(out.join("index.tsv"), index)?;
    std::fs::write(
        out.join("vkey.txt"),
        format!("{}\n{}\n", AUDIT_ORIGIN, manifest.vkey),
    )?;
    drop((log, stranger, fork));
    for d in [dir, small_dir, stranger_dir, fork_dir] {
        std::fs::remove_dir_all(d)?;
    }
    Ok(())
}
