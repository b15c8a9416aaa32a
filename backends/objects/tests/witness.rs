//! `tlog-witness` over real HTTP on loopback: a log asks a witness to cosign, learns the
//! witness's size from a 409 and proves from there, and a "1 of 1" policy accepts the result;
//! a forked log is refused (422), an unknown log 404; a split view shown to two witnesses gets
//! each view one cosignature, so a policy needing both refuses both views.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::sync::Arc;

use yinzheng::audit::merkle::empty_root;
use yinzheng::audit::objects::{ObjectSink, SinkError};
use yinzheng::audit::publish::{PublishError, Publisher};
use yinzheng::audit::tile_client::{ClientError, TileClient};
use yinzheng::audit::witness::{MemoryWitnessStore, PolicyError, Witness, WitnessPolicy};
use yinzheng::audit::{ConsistencyBundle, Event, EventKind, KeyRole, NoteKey, SignedCheckpoint};
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::storage::AuditLog;
use yinzheng::storage::DirectoryObjects;
use yinzheng::time::{FixedClock, UnixTime};
use yinzheng_objects::witness_http::{WitnessClient, WitnessClientError, WitnessServer};
use yinzheng_objects::{CosignError, CosigningTarget};

const ORIGIN: &str = "audit.example.gov.cn/witnessed";
const AT: UnixTime = UnixTime::from_secs(1_780_000_000);

fn log_signer() -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[0x61; 32])
}

fn log_key() -> NoteKey {
    NoteKey::new(ORIGIN, KeyRole::Log, log_signer().public_key()).unwrap()
}

fn witness(name: &str, seed: u8) -> (WitnessServer, NoteKey) {
    let signer = Ed25519SigningKey::from_seed(&[seed; 32]);
    let key = NoteKey::new(name, KeyRole::Witness, signer.public_key()).unwrap();
    let witness = Witness::new(
        key.clone(),
        signer,
        vec![log_key()],
        MemoryWitnessStore::default(),
    )
    .unwrap();
    let server = WitnessServer::start(Arc::new(witness), FixedClock(AT), "127.0.0.1:0").unwrap();
    (server, key)
}

/// A file log published to a directory, grown to `size` with entries tagged `variant`.
struct PublishedLog {
    log: AuditLog,
    tiles: PathBuf,
    publisher: Publisher,
    variant: &'static str,
}

impl PublishedLog {
    fn new(name: &str, variant: &'static str) -> Self {
        let dir = std::env::temp_dir().join(format!("yz-witness-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        Self {
            log: AuditLog::open(&dir.join("log"), ORIGIN, log_signer()).unwrap(),
            tiles: dir.join("tiles"),
            publisher: Publisher::new(),
            variant,
        }
    }

    fn grow_to(&mut self, size: u64) -> SignedCheckpoint {
        let sink = DirectoryObjects::new(&self.tiles);
        self.grow_through(size, &sink).unwrap()
    }

    /// Grows the log and publishes it through `sink` (which writes into the tiles directory).
    fn grow_through(
        &mut self,
        size: u64,
        sink: &dyn ObjectSink,
    ) -> Result<SignedCheckpoint, PublishError> {
        let events = (self.log.size()..size)
            .map(|n| Event {
                kind: EventKind::CertificateIssued,
                actor_key_id: [0x62; 32],
                subject: format!("{}-{n}", self.variant).into_bytes(),
                object_digest: [0x63; 32],
                attributes: Vec::new(),
            })
            .collect();
        self.log.append_batch(events, AT).unwrap();
        self.log.reader().publish(&mut self.publisher, sink)
    }

    fn published_note(&self) -> String {
        TileClient::new(DirectoryObjects::new(&self.tiles), ORIGIN, vec![log_key()])
            .checkpoint()
            .unwrap()
            .note
    }

    fn cosign(&self, client: &WitnessClient, believed: u64) -> Result<String, WitnessClientError> {
        let reader = TileClient::new(DirectoryObjects::new(&self.tiles), ORIGIN, vec![log_key()]);
        let checkpoint = reader.checkpoint().unwrap();
        client.cosign(
            &checkpoint.note,
            believed,
            |old| -> Result<_, ClientError> {
                let root = reader.root_at(&checkpoint, old)?;
                reader.consistency_bundle(old, &root, &checkpoint)
            },
        )
    }
}

#[test]
fn a_witness_cosigns_over_http_and_a_policy_accepts_it() {
    let (server, key) = witness("witness.example.gov.cn/fujian", 0x71);
    let client = WitnessClient::new(&format!("http://{}", server.address()), key.clone());
    let mut log = PublishedLog::new("honest", "a");
    log.grow_to(100);
    let first = log.cosign(&client, 0).unwrap();
    let policy = WitnessPolicy::new(log_key(), vec![key.clone()], 1).unwrap();
    let witnessed = policy.check(&first).unwrap();
    assert_eq!(witnessed.checkpoint.checkpoint.size, 100);
    assert_eq!(
        witnessed.cosigners,
        vec![(key.name().to_owned(), AT.as_secs())]
    );

    // The log forgot what the witness holds: the 409 tells it, and it proves from there.
    log.grow_to(300);
    let second = log.cosign(&client, 0).unwrap();
    assert_eq!(
        policy.check(&second).unwrap().checkpoint.checkpoint.size,
        300
    );

    // A log the witness does not know: 404.
    let unknown = "audit.example.gov.cn/unknown";
    let stranger_signer = Ed25519SigningKey::from_seed(&[0x64; 32]);
    let stranger = NoteKey::new(unknown, KeyRole::Log, stranger_signer.public_key()).unwrap();
    let note = SignedCheckpoint::sign(unknown, &stranger, &stranger_signer, 0, empty_root())
        .unwrap()
        .note;
    let bundle = ConsistencyBundle {
        old_size: 0,
        proof: Vec::new(),
        checkpoint_note: note.clone(),
    };
    match client.cosign(&note, 0, |_| Ok::<_, ClientError>(bundle.clone())) {
        Err(WitnessClientError::Refused { status, text, .. }) => {
            assert_eq!(status, 404);
            assert!(text.contains(unknown), "{text}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing is listening: a transport error naming the witness.
    let address = server.address();
    drop(server);
    let gone = WitnessClient::new(&format!("http://{address}"), key);
    match log.cosign(&gone, 300) {
        Err(WitnessClientError::Transport { url, .. }) => {
            assert!(url.contains(&address.to_string()))
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_fork_is_refused_and_a_split_view_cannot_satisfy_two_witnesses() {
    let (first_server, first) = witness("witness.example.gov.cn/one", 0x72);
    let (second_server, second) = witness("witness.example.gov.cn/two", 0x73);
    let one = WitnessClient::new(&format!("http://{}", first_server.address()), first.clone());
    let two = WitnessClient::new(
        &format!("http://{}", second_server.address()),
        second.clone(),
    );
    let mut view_a = PublishedLog::new("view-a", "a");
    let mut view_b = PublishedLog::new("view-b", "b");
    view_a.grow_to(200);
    view_b.grow_to(200);
    // The log shows witness one view A and witness two view B: each cosigns what it saw.
    let a = view_a.cosign(&one, 0).unwrap();
    let b = view_b.cosign(&two, 0).unwrap();
    let both = WitnessPolicy::new(log_key(), vec![first, second], 2).unwrap();
    for view in [&a, &b] {
        assert!(matches!(
            both.check(view),
            Err(PolicyError::Quorum { got: 1, needed: 2 })
        ));
    }
    // Showing witness one the other view, even grown, is refused as inconsistent.
    view_b.grow_to(260);
    match view_b.cosign(&one, 200) {
        Err(WitnessClientError::Refused { status, .. }) => assert_eq!(status, 422),
        other => panic!("{other:?}"),
    }
}

fn client(server: &WitnessServer, key: &NoteKey) -> WitnessClient {
    WitnessClient::new(&format!("http://{}", server.address()), key.clone())
        .with_timeout(std::time::Duration::from_secs(5))
}

/// Why publishing through a [`CosigningTarget`] failed.
fn cosign_error(result: Result<SignedCheckpoint, PublishError>) -> CosignError {
    match result {
        Err(PublishError::Sink(SinkError::Store { source, .. })) => {
            *source.downcast::<CosignError>().unwrap()
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_checkpoint_is_published_once_a_quorum_cosigned_it_and_every_failure_is_reported() {
    let (one_server, one) = witness("witness.example.gov.cn/q1", 0x74);
    let (two_server, two) = witness("witness.example.gov.cn/q2", 0x75);
    let (gone_server, gone) = witness("witness.example.gov.cn/q3", 0x76);
    let gone_client = client(&gone_server, &gone);
    drop(gone_server);
    let mut log = PublishedLog::new("quorum", "q");
    log.grow_to(50);
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let tiles = log.tiles.clone();
    let target = |quorum| {
        let seen = failures.clone();
        CosigningTarget::new(
            DirectoryObjects::new(&tiles),
            log_key(),
            vec![
                client(&one_server, &one),
                client(&two_server, &two),
                gone_client.clone(),
            ],
            quorum,
        )
        .unwrap()
        .on_witness_failure(move |e| seen.lock().unwrap().push(e.to_string()))
    };

    // Two of three answer: published with both cosignatures, the third's failure reported.
    let two_of_three = target(2);
    let published = log.grow_through(120, &two_of_three).unwrap();
    assert_eq!(published.checkpoint.size, 120);
    let note = log.published_note();
    let policy =
        WitnessPolicy::new(log_key(), vec![one.clone(), two.clone(), gone.clone()], 2).unwrap();
    let names: Vec<String> = policy
        .check(&note)
        .unwrap()
        .cosigners
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(names, [one.name(), two.name()]);
    assert_eq!(failures.lock().unwrap().len(), 1);
    assert!(failures.lock().unwrap()[0].contains(gone_client.url()));

    // All three required: nothing is published, the last witnessed checkpoint stays.
    match cosign_error(log.grow_through(180, &target(3))) {
        CosignError::TooFew {
            got: 2,
            quorum: 3,
            failures,
        } => {
            assert!(matches!(
                failures[..],
                [WitnessClientError::Transport { .. }]
            ));
        }
        other => panic!("{other}"),
    }
    assert_eq!(log.published_note(), note);
    // The next publication with the quorum met proves from what each witness holds.
    assert_eq!(
        log.grow_through(200, &two_of_three)
            .unwrap()
            .checkpoint
            .size,
        200
    );
    assert_ne!(log.published_note(), note);
}

#[test]
fn a_fork_reported_by_a_witness_is_an_alarm_and_nothing_is_published() {
    let (server, key) = witness("witness.example.gov.cn/f1", 0x77);
    let mut view_a = PublishedLog::new("fork-a", "a");
    view_a.grow_to(100);
    view_a.cosign(&client(&server, &key), 0).unwrap();
    let mut view_b = PublishedLog::new("fork-b", "b");
    view_b.grow_to(100);
    let before = view_b.published_note();
    let forks = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = forks.clone();
    let target = CosigningTarget::new(
        DirectoryObjects::new(&view_b.tiles),
        log_key(),
        vec![client(&server, &key)],
        1,
    )
    .unwrap()
    .on_witness_failure(move |e| {
        if e.is_fork() {
            seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        }
    });
    // The witness holds view A at 100: after its 409 the proof from 100 is refused with 422.
    let error = cosign_error(view_b.grow_through(150, &target));
    assert!(error.is_fork(), "{error}");
    assert!(forks.load(std::sync::atomic::Ordering::Relaxed) >= 1);
    assert_eq!(view_b.published_note(), before);
}

#[test]
fn a_witness_counts_once_and_only_witness_keys_count() {
    let (server, key) = witness("witness.example.gov.cn/d1", 0x78);
    let (other_server, other) = witness("witness.example.gov.cn/d2", 0x79);
    let (_, same_name) = witness("witness.example.gov.cn/d1", 0x7a);
    let tiles = || DirectoryObjects::new(&std::env::temp_dir().join("yz-witness-unused"));
    let make = |witnesses: Vec<WitnessClient>, quorum| {
        CosigningTarget::new(tiles(), log_key(), witnesses, quorum).map(|_| ())
    };
    let at = |url: &WitnessServer, key: &NoteKey| client(url, key);
    assert!(matches!(
        make(vec![at(&server, &key), at(&server, &key)], 2),
        Err(CosignError::DuplicateWitness(_))
    ));
    // Another key under the same name, or the same URL with another key, is the same witness.
    assert!(matches!(
        make(vec![at(&server, &key), at(&other_server, &same_name)], 2),
        Err(CosignError::DuplicateWitness(name)) if name == key.name()
    ));
    assert!(matches!(
        make(vec![at(&server, &key), at(&server, &other)], 2),
        Err(CosignError::DuplicateWitness(_))
    ));
    // One key under two names is one witness: its cosignature verifies under either name.
    let renamed = NoteKey::new(
        "witness.example.gov.cn/d3",
        KeyRole::Witness,
        key.public_key().clone(),
    )
    .unwrap();
    assert!(matches!(
        make(vec![at(&server, &key), at(&other_server, &renamed)], 2),
        Err(CosignError::DuplicateWitness(vkey)) if vkey == renamed.to_vkey()
    ));
    assert!(matches!(
        make(vec![WitnessClient::new("http://127.0.0.1:1", log_key())], 1),
        Err(CosignError::NotAWitnessKey(_))
    ));
    for quorum in [0, 3] {
        assert!(matches!(
            make(vec![at(&server, &key), at(&other_server, &other)], quorum),
            Err(CosignError::Quorum { witnesses: 2, .. })
        ));
    }
    make(vec![at(&server, &key), at(&other_server, &other)], 2).unwrap();
}
