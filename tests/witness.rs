//! Witnessing (C2SP tlog-witness, tlog-cosignature): two provinces' witnesses cosign a log's
//! checkpoints after checking consistency, a k-of-n policy counts them, and a log that shows
//! the two witnesses different trees is caught.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use yinzheng::audit::bundle::ConsistencyBundle;
use yinzheng::audit::bundle::UpdateError;
use yinzheng::audit::witness::{
    MemoryWitnessStore, PolicyError, Witness, WitnessError, WitnessPolicy, add_cosignatures,
};
use yinzheng::audit::{CheckpointAuditor, Event, EventKind, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::AuditLog;
use yinzheng::time::UnixTime;

const ORIGIN: &str = "audit.scjg.example.gov.cn/licences";
const NOW: u64 = 1_795_226_400;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("yz-witness-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn log_key() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x4B; 32])
}

fn log_note_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_key().public_key()).unwrap()
}

fn witness(name: &str, seed: u8) -> Witness<MemoryWitnessStore> {
    let signer = Ed25519SigningKey::from_seed(&[seed; 32]);
    let key = NoteKey::new(name, KeyRole::Witness, signer.public_key()).unwrap();
    Witness::new(
        key,
        signer,
        vec![log_note_key()],
        MemoryWitnessStore::default(),
    )
    .unwrap()
}

fn append(log: &AuditLog, from: u64, to: u64, branch: u8) {
    let events = (from..to)
        .map(|i| Event {
            kind: EventKind::CertificateIssued,
            actor_key_id: [branch; 32],
            subject: format!("1.2.156.3005.2.WIT.{i:08}").into_bytes(),
            object_digest: yinzheng::crypto::sha256(&i.to_be_bytes()),
            attributes: vec![0xa0],
        })
        .collect();
    log.append_batch(events, UnixTime::from_secs(NOW + from))
        .unwrap();
}

#[test]
fn two_witnesses_cosign_and_a_policy_counts_them() {
    let dir = temp_dir("cosign");
    let log = AuditLog::open(&dir, ORIGIN, log_key()).unwrap();
    let (beijing, shanghai) = (
        witness("witness.bj.example", 1),
        witness("witness.sh.example", 2),
    );
    let policy = WitnessPolicy::new(
        log_note_key(),
        vec![beijing.key().clone(), shanghai.key().clone()],
        2,
    )
    .unwrap();

    append(&log, 0, 10, 0);
    let first = log.reader().consistency_bundle(0).unwrap();
    let mut note = first.checkpoint_note.clone();
    for w in [&beijing, &shanghai] {
        let response = w.add_checkpoint(&first.encode(), NOW).unwrap();
        assert!(response.starts_with("\u{2014} witness."));
        note = add_cosignatures(&note, w.key(), &response).unwrap();
    }
    let witnessed = policy.check(&note).unwrap();
    assert_eq!(witnessed.checkpoint.checkpoint.size, 10);
    assert_eq!(witnessed.cosigners.len(), 2);
    // One witness is not two, however often it cosigns (the same head again is cosigned).
    let again = ConsistencyBundle {
        old_size: 10,
        proof: Vec::new(),
        checkpoint_note: first.checkpoint_note.clone(),
    };
    let mut twice = first.checkpoint_note.clone();
    for now in [NOW + 1, NOW + 2] {
        twice = add_cosignatures(
            &twice,
            beijing.key(),
            &beijing.add_checkpoint(&again.encode(), now).unwrap(),
        )
        .unwrap();
    }
    assert!(matches!(
        policy.check(&twice),
        Err(PolicyError::Quorum { got: 1, needed: 2 })
    ));
    assert!(add_cosignatures(&twice, beijing.key(), "not a signature line").is_err());
    // Lines are checked before they are attached: another key's line, or a forged one under
    // the witness's own name and key id, is refused.
    let beijing_line = beijing.add_checkpoint(&again.encode(), NOW + 3).unwrap();
    assert!(add_cosignatures(&first.checkpoint_note, shanghai.key(), &beijing_line).is_err());
    let forged = {
        let mut blob = base64::Engine::decode(
            &base64::engine::general_purpose::STANDARD,
            beijing_line.trim_end().rsplit(' ').next().unwrap(),
        )
        .unwrap();
        let last = blob.len() - 1;
        blob[last] ^= 1;
        format!(
            "\u{2014} witness.bj.example {}\n",
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, &blob)
        )
    };
    assert!(add_cosignatures(&first.checkpoint_note, beijing.key(), &forged).is_err());
    // A bad line smuggled into the note some other way does not veto the others: the policy
    // skips it and counts the valid cosignatures.
    let smuggled = format!("{note}{forged}");
    let counted = policy.check(&smuggled).unwrap();
    assert_eq!(counted.cosigners.len(), 2);
    // A policy listing one witness twice, or a log key as a witness, is refused.
    assert!(
        WitnessPolicy::new(
            log_note_key(),
            vec![beijing.key().clone(), beijing.key().clone()],
            1
        )
        .is_err()
    );
    assert!(WitnessPolicy::new(log_note_key(), vec![log_note_key()], 1).is_err());
    assert!(matches!(
        policy.check(&first.checkpoint_note),
        Err(PolicyError::Quorum { got: 0, needed: 2 })
    ));

    // The log grows; each witness takes the consistency proof from the size it holds.
    append(&log, 10, 700, 0);
    let update = log.reader().consistency_bundle(10).unwrap();
    let mut note = update.checkpoint_note.clone();
    for w in [&beijing, &shanghai] {
        note = add_cosignatures(
            &note,
            w.key(),
            &w.add_checkpoint(&update.encode(), NOW + 60).unwrap(),
        )
        .unwrap();
    }
    assert_eq!(policy.check(&note).unwrap().checkpoint.checkpoint.size, 700);

    // A request from a size the witness does not hold: 409 with its size.
    let stale = log.reader().consistency_bundle(10).unwrap();
    let refused = beijing
        .add_checkpoint(&stale.encode(), NOW + 61)
        .unwrap_err();
    assert!(matches!(
        refused,
        WitnessError::Conflict {
            held: 700,
            stated: 10
        }
    ));
    assert_eq!(refused.http_status(), 409);
    // A proof with a hash changed: 422.
    append(&log, 700, 710, 0);
    let mut bad = log.reader().consistency_bundle(700).unwrap();
    bad.proof[0][0] ^= 1;
    assert_eq!(
        beijing
            .add_checkpoint(&bad.encode(), NOW + 62)
            .unwrap_err()
            .http_status(),
        422
    );
    // A checkpoint of another log, and one not signed by the log: 404 and 403.
    let other = Ed25519SigningKey::from_seed(&[9; 32]);
    let stranger = AuditLog::open(&dir.join("other"), "other.example/log", other).unwrap();
    append(&stranger, 0, 1, 0);
    let foreign = stranger.reader().consistency_bundle(0).unwrap();
    assert_eq!(
        beijing
            .add_checkpoint(&foreign.encode(), NOW)
            .unwrap_err()
            .http_status(),
        404
    );
    let impostor = AuditLog::open(
        &dir.join("impostor"),
        ORIGIN,
        Ed25519SigningKey::from_seed(&[8; 32]),
    )
    .unwrap();
    append(&impostor, 0, 1, 0);
    let forged = impostor.reader().consistency_bundle(0).unwrap();
    let fresh = witness("witness.gd.example", 3);
    assert_eq!(
        fresh
            .add_checkpoint(&forged.encode(), NOW)
            .unwrap_err()
            .http_status(),
        403
    );
    assert_eq!(
        fresh
            .add_checkpoint("not a request", NOW)
            .unwrap_err()
            .http_status(),
        400
    );
    drop((log, stranger, impostor));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_split_view_shown_to_two_witnesses_is_detected() {
    let dir = temp_dir("split");
    // One log key, two histories that agree on the first 10 entries and then part.
    let (view_a, view_b) = (
        AuditLog::open(&dir.join("a"), ORIGIN, log_key()).unwrap(),
        AuditLog::open(&dir.join("b"), ORIGIN, log_key()).unwrap(),
    );
    append(&view_a, 0, 10, 0);
    append(&view_b, 0, 10, 0);
    let (beijing, shanghai) = (
        witness("witness.bj.example", 1),
        witness("witness.sh.example", 2),
    );
    let start = view_a.reader().consistency_bundle(0).unwrap();
    assert_eq!(start, view_b.reader().consistency_bundle(0).unwrap());
    for w in [&beijing, &shanghai] {
        w.add_checkpoint(&start.encode(), NOW).unwrap();
    }
    append(&view_a, 10, 20, 0xA);
    append(&view_b, 10, 20, 0xB);
    let (to_a, to_b): (ConsistencyBundle, ConsistencyBundle) = (
        view_a.reader().consistency_bundle(10).unwrap(),
        view_b.reader().consistency_bundle(10).unwrap(),
    );
    // Each witness, shown one view, finds it consistent with what it cosigned and cosigns.
    let note_a = add_cosignatures(
        &to_a.checkpoint_note,
        beijing.key(),
        &beijing.add_checkpoint(&to_a.encode(), NOW + 1).unwrap(),
    )
    .unwrap();
    let note_b = add_cosignatures(
        &to_b.checkpoint_note,
        shanghai.key(),
        &shanghai.add_checkpoint(&to_b.encode(), NOW + 1).unwrap(),
    )
    .unwrap();
    // A verifier needing both witnesses accepts neither view.
    let policy = WitnessPolicy::new(
        log_note_key(),
        vec![beijing.key().clone(), shanghai.key().clone()],
        2,
    )
    .unwrap();
    for note in [&note_a, &note_b] {
        assert!(matches!(
            policy.check(note),
            Err(PolicyError::Quorum { got: 1, needed: 2 })
        ));
    }
    // Nor can the log bring the other witness round: the other view is not an extension of
    // what that witness cosigned at size 20.
    let same_size = ConsistencyBundle {
        old_size: 20,
        proof: Vec::new(),
        checkpoint_note: to_b.checkpoint_note.clone(),
    };
    assert!(matches!(
        beijing.add_checkpoint(&same_size.encode(), NOW + 2),
        Err(WitnessError::Inconsistent { held: 20 })
    ));
    append(&view_b, 20, 30, 0xB);
    let onward = view_b.reader().consistency_bundle(20).unwrap();
    assert_eq!(
        beijing
            .add_checkpoint(&onward.encode(), NOW + 3)
            .unwrap_err()
            .http_status(),
        422
    );
    // The two cosigned checkpoints are portable evidence of the fork.
    let mut auditor = CheckpointAuditor::new(ORIGIN, vec![log_note_key()], None);
    auditor
        .update(&ConsistencyBundle {
            old_size: 0,
            proof: Vec::new(),
            checkpoint_note: note_a,
        })
        .unwrap();
    let fork = auditor
        .update(&ConsistencyBundle {
            old_size: 20,
            proof: Vec::new(),
            checkpoint_note: note_b,
        })
        .unwrap_err();
    let UpdateError::Inconsistent(evidence) = fork else {
        panic!("{fork:?}")
    };
    evidence.check(ORIGIN, &[log_note_key()]).unwrap();
    drop((view_a, view_b));
    let _ = std::fs::remove_dir_all(&dir);
}
