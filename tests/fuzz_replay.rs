//! Runs the fuzz target bodies on stable Rust: over every test vector, over any corpus files in
//! `fuzz/corpus/<target>/`, and over deterministic mutations of the vectors. (`cargo +nightly
//! fuzz run <target>` explores further with coverage guidance.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "../fuzz/src/lib.rs"]
#[allow(unreachable_pub)] // public for the fuzz binaries, private here
mod targets;

use std::path::Path;

fn seeds() -> Vec<Vec<u8>> {
    seeds_in("test-vectors/certificates", "cbor")
}

fn seeds_in(dir: &str, extension: &str) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut seeds = Vec::new();
    for entry in std::fs::read_dir(root.join(dir)).unwrap() {
        let path = entry.unwrap().path();
        if extension.is_empty() || path.extension().is_some_and(|e| e == extension) {
            seeds.push(std::fs::read(path).unwrap());
        }
    }
    assert!(seeds.len() >= 10, "test vectors missing in {dir}");
    seeds
}

fn corpus(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect()
}

/// xorshift64*: a fixed, dependency-free mutation stream so runs are reproducible.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut out = input.to_vec();
        for _ in 0..=self.below(3) {
            let at = self.below(out.len());
            match self.below(6) {
                0 if !out.is_empty() => out[at] ^= 1 << self.below(8),
                1 if !out.is_empty() => out[at] = self.next() as u8,
                2 => out.insert(at, self.next() as u8),
                3 if !out.is_empty() => {
                    out.remove(at);
                }
                4 => out.truncate(at),
                // Interesting CBOR heads: indefinite, break, big lengths, floats, tags.
                _ => out.insert(
                    at,
                    [0x9f, 0xff, 0x5b, 0x7b, 0xfb, 0xd2, 0xbf, 0x1b][self.below(8)],
                ),
            }
        }
        out
    }
}

const MUTATIONS_PER_SEED: usize = 400;

#[test]
fn decode_certificate_on_seeds_and_mutations() {
    let mut m = Mutator(0x9E37_79B9_7F4A_7C15);
    let mut runs = 0;
    for seed in seeds().iter().chain(&corpus("decode_certificate")) {
        targets::decode_certificate(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::decode_certificate(&m.mutate(seed));
            runs += 1;
        }
    }
    assert!(runs >= 25 * MUTATIONS_PER_SEED);
}

#[test]
fn verify_certificate_on_seeds_and_mutations() {
    let mut m = Mutator(0xD1B5_4A32_D192_ED03);
    let seeds = seeds();
    for seed in seeds.iter().chain(&corpus("verify_certificate")) {
        targets::verify_certificate(seed);
        for _ in 0..MUTATIONS_PER_SEED / 4 {
            targets::verify_certificate(&m.mutate(seed));
        }
    }
    // The valid Ed25519 vectors from the Jilin anchor are accepted by the fuzz verifier, so
    // mutations start from inputs that reach every check.
    let ctx = yinzheng::verify::VerificationContext::at(targets::VECTOR_TIME);
    let accepted = seeds
        .iter()
        .filter(|s| targets::verifier().verify_certificate(s, &ctx).is_ok())
        .count();
    assert!(
        accepted >= 5,
        "fuzz verifier accepted only {accepted} seeds"
    );
}

#[test]
fn qr_text_on_seeds_and_mutations() {
    let mut m = Mutator(0x0123_4567_89AB_CDEF);
    for seed in seeds()
        .iter()
        .map(|s| yinzheng::encoding::qr::to_qr_text(s).into_bytes())
        .chain(corpus("qr_text"))
    {
        targets::qr_text(&seed);
        for _ in 0..MUTATIONS_PER_SEED / 4 {
            targets::qr_text(&m.mutate(&seed));
        }
    }
}

#[test]
fn codes_on_known_identifiers_and_mutations() {
    let mut m = Mutator(0x5851_F42D_4C95_7F2D);
    let known = [
        "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F",
        "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U",
        "91350100M000100Y43",
        "11010519491231002X",
        "2026-11-21",
        "2026-12-05T09:30:00.25+08:00",
    ];
    let mut distinct = std::collections::HashSet::new();
    for seed in known {
        targets::codes(seed.as_bytes());
        for _ in 0..2000 {
            let mutated = m.mutate(seed.as_bytes());
            targets::codes(&mutated);
            distinct.insert(mutated);
        }
    }
    // The invariants are asserted inside `codes`; this guards the mutator's reach.
    assert!(
        distinct.len() > 5000,
        "only {} distinct inputs",
        distinct.len()
    );
}

#[cfg(feature = "pkcs11")]
#[test]
fn pkcs11_uris_and_mutations() {
    let mut m = Mutator(0x2545_F491_4F6C_DD1D);
    let known = [
        "pkcs11:token=my%20token;object=issuing;id=%01%02;type=private?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234",
        "pkcs11:token=agency;serial=0123;manufacturer=SoftHSM;model=v2?pin-source=file:/run/pin",
        "pkcs11:object=yz-p256",
    ];
    let mut distinct = std::collections::HashSet::new();
    for seed in known {
        targets::pkcs11_uri(seed.as_bytes());
        for _ in 0..2000 {
            let mutated = m.mutate(seed.as_bytes());
            targets::pkcs11_uri(&mutated);
            distinct.insert(mutated);
        }
    }
    assert!(
        distinct.len() > 3000,
        "only {} distinct inputs",
        distinct.len()
    );
}

/// Tiles and entry bundles of a published log (each behind its width byte), and mutations.
#[test]
fn tile_parsers_on_published_tiles_and_mutations() {
    use yinzheng::audit::publish::Publisher;
    use yinzheng::audit::{Event, EventKind};
    use yinzheng::storage::AuditLog;
    let dir = std::env::temp_dir().join(format!("yz-fuzz-tiles-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::open(
        &dir.join("log"),
        targets::AUDIT_ORIGIN,
        yinzheng::crypto::Ed25519SigningKey::from_seed(&[0x5A; 32]),
    )
    .unwrap();
    let events = (0..300u64)
        .map(|i| Event {
            kind: EventKind::CertificateIssued,
            actor_key_id: [3; 32],
            subject: format!("FUZZ.{i}").into_bytes(),
            object_digest: [i as u8; 32],
            attributes: Vec::new(),
        })
        .collect();
    log.append_batch(events, yinzheng::time::UnixTime::from_secs(1_795_226_400))
        .unwrap();
    let sink = yinzheng::storage::DirectoryObjects::new(&dir.join("tiles"));
    log.reader().publish(&mut Publisher::new(), &sink).unwrap();
    let mut seeds = Vec::new();
    for (path, width) in [
        ("tile/0/000", 255u8),
        ("tile/0/001.p/44", 43),
        ("tile/entries/000", 255),
        ("tile/entries/001.p/44", 43),
        ("tile/1/000.p/1", 0),
    ] {
        let mut seed = vec![width];
        seed.extend(std::fs::read(dir.join("tiles").join(path)).unwrap());
        seeds.push(seed);
    }
    let mut m = Mutator(0x9E37_79B9_7F4A_7C15);
    for seed in seeds.iter().chain(&corpus("tiles")) {
        targets::tiles(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::tiles(&m.mutate(seed));
        }
    }
    // The checkpoint and a request a witness would get, as text.
    let request = log.reader().consistency_bundle(0).unwrap().encode();
    targets::audit_text(request.as_bytes());
    for _ in 0..MUTATIONS_PER_SEED {
        targets::audit_text(&m.mutate(request.as_bytes()));
    }
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn audit_parsers_on_vectors_and_mutations() {
    let mut m = Mutator(0x2545_F491_4F6C_DD1D);
    let seeds = seeds_in("test-vectors/audit", "");
    for seed in seeds
        .iter()
        .chain(&corpus("audit_text"))
        .chain(&corpus("audit_segment"))
        .chain(&corpus("audit_entry"))
    {
        targets::audit_text(seed);
        targets::audit_segment(seed);
        targets::audit_entry(seed);
        for _ in 0..MUTATIONS_PER_SEED / 4 {
            let mutated = m.mutate(seed);
            targets::audit_text(&mutated);
            targets::audit_segment(&mutated);
            targets::audit_entry(&mutated);
        }
    }
    // The valid segment verifies under the fuzz key, so mutations start from a real log.
    let segment =
        std::fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/audit/log.seg"))
            .unwrap();
    let summary = yinzheng::storage::log::verify_segment(
        &segment,
        targets::AUDIT_ORIGIN,
        &targets::audit_key(),
    )
    .unwrap();
    assert_eq!(summary.size, 12);
    // Entries carved out of the segment decode and re-encode.
    let (frame, _) = yinzheng::storage::log::parse_frame(&segment[64..]).unwrap();
    let yinzheng::storage::log::Frame::Entry { entry, .. } = frame else {
        panic!("first frame is an entry")
    };
    targets::audit_entry(entry);
    assert!(yinzheng::audit::AuditEntry::decode(entry).is_ok());
}

#[test]
fn status_parsers_on_vectors_and_mutations() {
    let mut m = Mutator(0x853C_49E6_748F_EA9B);
    let tokens = seeds_in("test-vectors/certificates", "cwt");
    let lists: Vec<Vec<u8>> = [
        "a2646269747301636c73744a78dadbb918000217015d",
        "a2646269747302636c73744b78da3be9f2130003df0207",
    ]
    .iter()
    .map(|h| hex::decode(h).unwrap())
    .collect();
    for seed in tokens.iter().chain(&corpus("status_list_token")) {
        targets::status_list_token(seed);
        for _ in 0..MUTATIONS_PER_SEED / 4 {
            targets::status_list_token(&m.mutate(seed));
        }
    }
    for seed in lists.iter().chain(&corpus("status_list")) {
        targets::status_list(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::status_list(&m.mutate(seed));
        }
    }
    // The Jilin-signed tokens among the vectors verify under the fuzz trust store.
    let ctx = yinzheng::verify::VerificationContext::at(targets::VECTOR_TIME);
    let verified = tokens
        .iter()
        .filter(|t| targets::verifier().verify_status_list(t, &ctx).is_ok())
        .count();
    assert!(verified >= 6, "only {verified} tokens verified");
}

#[test]
fn envelope_on_every_signed_vector_and_mutations() {
    let mut seeds = Vec::new();
    for (dir, extension) in [
        ("test-vectors/certificates", "cbor"),
        ("test-vectors/certificates", "cwt"),
        ("test-vectors/presentations", "cbor"),
        ("test-vectors/seals", ""),
        ("test-vectors/bundles", "cose"),
        ("test-vectors/security", "cose"),
    ] {
        seeds.extend(seeds_in(dir, extension));
    }
    assert!(seeds.len() >= 80, "only {} seeds", seeds.len());
    let mut m = Mutator(0x6A09_E667_F3BC_C908);
    for seed in seeds.iter().chain(&corpus("envelope")) {
        targets::envelope(seed);
        for _ in 0..MUTATIONS_PER_SEED / 8 {
            targets::envelope(&m.mutate(seed));
        }
    }
}

#[test]
fn seal_and_stamp_parsers_on_seeds_and_mutations() {
    use yinzheng::crypto::{Ed25519SigningKey, Signer as _, sha256};
    use yinzheng::model::{Agency, Seal, SealKind, SealPicture};
    let maker = Ed25519SigningKey::from_seed(&[0x51; 32]);
    let stamper = Ed25519SigningKey::from_seed(&[0x52; 32]);
    let seal = Seal {
        id: "3501000012345678".into(),
        kind: SealKind::Official,
        name: "示例公章".into(),
        owner: Agency::new("示例", "91350100M000100Y43").unwrap(),
        authorised_keys: vec![sha256(&stamper.public_key().to_bytes())],
        created: targets::VECTOR_TIME,
        valid_from: targets::VECTOR_TIME,
        valid_until: targets::VECTOR_TIME.saturating_add(86_400),
        picture: SealPicture {
            format: "png".into(),
            data: vec![0x89, b'P', b'N', b'G'],
            width_mm: 40,
            height_mm: 40,
        },
        status: None,
    };
    let sealed = yinzheng::issue::make_seal(&seal, &maker).unwrap();
    let stamped = yinzheng::issue::stamp(
        &sealed,
        b"document",
        "whole document",
        &stamper,
        targets::VECTOR_TIME,
    )
    .unwrap();
    let seeds = [seal.encode(), sealed, stamped];
    let mut m = Mutator(0xA076_1D64_78BD_642F);
    for seed in seeds.iter().chain(&corpus("seal_stamp")) {
        targets::seal_stamp(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::seal_stamp(&m.mutate(seed));
        }
    }
}

#[cfg(feature = "gm")]
#[path = "support/gm.rs"]
mod gm_support;

#[cfg(feature = "gm")]
#[test]
fn national_seal_and_stamp_parsers_on_seeds_and_mutations() {
    let seal = gm_support::seal();
    let stamp = gm_support::stamp(&seal);
    let mut m = Mutator(0xD1B5_4A32_D192_ED03);
    for seed in [&seal, &stamp]
        .into_iter()
        .chain(&corpus("national_seal"))
        .chain(&corpus("national_stamp"))
    {
        targets::national_seal(seed);
        targets::national_stamp(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            let mutated = m.mutate(seed);
            targets::national_seal(&mutated);
            targets::national_stamp(&mutated);
        }
    }
}

#[cfg(feature = "gm")]
#[test]
fn signed_data_parser_on_seeds_and_mutations() {
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/gm");
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(&vectors)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "p7s"))
        .map(|p| std::fs::read(p).unwrap())
        .chain(corpus("signed_data"))
        .collect();
    assert!(
        !seeds.is_empty(),
        "no SignedData vectors in {}",
        vectors.display()
    );
    let mut m = Mutator(0x3C6E_F372_FE94_F82B);
    for seed in &seeds {
        targets::signed_data(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::signed_data(&m.mutate(seed));
        }
    }
}

/// A small OFD package whose one signature entry points at a Signature.xml.
#[cfg(feature = "gm")]
fn sample_ofd() -> Vec<u8> {
    use std::io::Write as _;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let files: [(&str, &str); 3] = [
        (
            "OFD.xml",
            r#"<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody><ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot><ofd:Signatures>/Doc_0/Signs/Signatures.xml</ofd:Signatures></ofd:DocBody></ofd:OFD>"#,
        ),
        (
            "Doc_0/Signs/Signatures.xml",
            r#"<ofd:Signatures xmlns:ofd="http://www.ofdspec.org/2016"><ofd:Signature ID="1" Type="Seal" BaseLoc="Sign_0/Signature.xml"/><ofd:Signature ID="2" BaseLoc="/Doc_0/Signs/Sign_0/Signature.xml"/></ofd:Signatures>"#,
        ),
        (
            "Doc_0/Signs/Sign_0/Signature.xml",
            r#"<ofd:Signature xmlns:ofd="http://www.ofdspec.org/2016"><ofd:SignedInfo><ofd:References CheckMethod="SM3"><ofd:Reference FileRef="/OFD.xml"><ofd:CheckValue>AAAA</ofd:CheckValue></ofd:Reference></ofd:References><ofd:Seal><ofd:BaseLoc>Seal.esl</ofd:BaseLoc></ofd:Seal></ofd:SignedInfo><ofd:SignedValue>SignedValue.dat</ofd:SignedValue></ofd:Signature>"#,
        ),
    ];
    for (name, text) in files {
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        out.write_all(text.as_bytes()).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[cfg(feature = "gm")]
#[test]
fn ofd_package_reader_on_seeds_and_mutations() {
    let seed = sample_ofd();
    let mut m = Mutator(0x8CB9_2BA7_2F3D_8DD7);
    for seed in core::iter::once(&seed).chain(&corpus("ofd_package")) {
        targets::ofd_package(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::ofd_package(&m.mutate(seed));
        }
    }
}

#[test]
fn trust_bundle_parser_on_seeds_and_mutations() {
    use yinzheng::crypto::Ed25519SigningKey;
    use yinzheng::model::Uscc;
    use yinzheng::model::bundle::{BundleIssuerKey, TrustBundle};
    // The publisher of the bundle vectors, so their mutations reach past the signature.
    let publisher = Ed25519SigningKey::from_seed(&[0x71; 32]);
    let bundle = TrustBundle {
        publisher: "fuzz".into(),
        issued_at: targets::VECTOR_TIME,
        expires_at: targets::VECTOR_TIME.saturating_add(86_400),
        issuer_keys: vec![BundleIssuerKey {
            name: "anchor".into(),
            agency: Uscc::parse("11220000013544541J").unwrap(),
            alg: -19,
            key: vec![0xD0; 32],
            roles: 5,
        }],
        ..TrustBundle::default()
    };
    let signed = yinzheng::issue::sign_trust_bundle(&bundle, &publisher).unwrap();
    let mut seeds = vec![bundle.encode(), signed];
    seeds.extend(seeds_in("test-vectors/bundles", "cose"));
    let mut m = Mutator(0x9E37_79B9_7F4A_7C15);
    for seed in seeds.iter().chain(&corpus("trust_bundle")) {
        targets::trust_bundle(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::trust_bundle(&m.mutate(seed));
        }
    }
}

#[test]
fn x509_chain_validation_on_seeds_and_mutations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/x509");
    let read = |n: &str| std::fs::read(dir.join(format!("{n}.der"))).unwrap();
    let join = |names: &[&str]| {
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&[0xFF, 0xFE]);
            }
            out.extend(read(n));
        }
        out
    };
    let seeds = [
        join(&["leaf", "intermediate", "root"]),
        join(&["leaf-p256-root", "root-p256"]),
        join(&["leaf-loop", "loop-a", "loop-b-again", "loop-a"]),
    ];
    let mut m = Mutator(0xD1B5_4A32_D192_ED03);
    for seed in seeds.iter().chain(&corpus("x509_chain")) {
        targets::x509_chain(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::x509_chain(&m.mutate(seed));
        }
    }
}

#[test]
fn presentation_parser_on_seeds_and_mutations() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/presentations");
    let mut seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "cbor"))
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    seeds.sort();
    let request = yinzheng::model::presentation::PresentationRequest {
        fields: vec!["age_over_18".into()],
        nonce: Some(vec![1; 8]),
        audience: Some("desk".into()),
        purpose: None,
    };
    seeds.push(request.encode());
    assert!(seeds.len() >= 10);
    let mut m = Mutator(0x2545_F491_4F6C_DD1D);
    for seed in seeds.iter().chain(&corpus("presentation")) {
        targets::presentation(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::presentation(&m.mutate(seed));
        }
    }
}

/// No public verify path panics on a million mutations of valid inputs: certificates (bytes
/// and QR text), presentations, stamps, status lists, trust bundles, X.509 chains and audit
/// artefacts, each through its fuzz target body (which also asserts the round-trip
/// invariants). Slow in a debug build: CI runs it with `--release -- --ignored`.
#[test]
#[ignore = "a million mutations: run with --release -- --ignored"]
fn a_million_mutations_never_panic_any_public_verify_path() {
    type Target = fn(&[u8]);
    let chain = |names: &[&str]| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("test-vectors/x509");
        let mut out = Vec::new();
        for (i, n) in names.iter().enumerate() {
            if i > 0 {
                out.extend_from_slice(&[0xFF, 0xFE]);
            }
            out.extend(std::fs::read(dir.join(format!("{n}.der"))).unwrap());
        }
        out
    };
    let qr: Vec<Vec<u8>> = seeds()
        .iter()
        .map(|s| yinzheng::encoding::qr::to_qr_text(s).into_bytes())
        .collect();
    let groups: Vec<(Target, Vec<Vec<u8>>)> = vec![
        (targets::verify_certificate, seeds()),
        (targets::qr_text, qr),
        (
            targets::presentation,
            seeds_in("test-vectors/presentations", "cbor"),
        ),
        (targets::seal_stamp, seeds_in("test-vectors/seals", "")),
        (
            targets::status_list_token,
            seeds_in("test-vectors/certificates", "cwt"),
        ),
        (targets::envelope, seeds_in("test-vectors/security", "cose")),
        (targets::audit_text, seeds_in("test-vectors/audit", "")),
        (
            targets::x509_chain,
            vec![
                chain(&["leaf", "intermediate", "root"]),
                chain(&["leaf-p256-root", "root-p256"]),
                chain(&["leaf-path-too-deep", "sub-ca", "intermediate-pathlen-0"]),
            ],
        ),
    ];
    const TOTAL: usize = 1_000_000;
    let seed_count: usize = groups.iter().map(|(_, s)| s.len()).sum();
    let per_seed = TOTAL.div_ceil(seed_count);
    let mut m = Mutator(0x9E37_79B9_7F4A_7C15);
    let mut runs = 0;
    for (target, seeds) in &groups {
        for seed in seeds {
            for _ in 0..per_seed {
                target(&m.mutate(seed));
                runs += 1;
            }
        }
    }
    assert!(runs >= TOTAL, "{runs} mutations");
}

/// Seeds for `durable_stores`: a real status journal with its anchor, and the records of a
/// real issuance ledger.
fn durable_seeds() -> Vec<Vec<u8>> {
    use yinzheng::issue::{CertificateBuilder, IssuanceLedger, Issuer};
    use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Validity};
    use yinzheng::status::{RegistryConfig, StatusRegistry, StatusStore as _};
    use yinzheng::storage::FileStatusStore;
    let dir = std::env::temp_dir().join(format!("yz-fuzz-durable-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let journal = dir.join("status.journal");
    let registry = StatusRegistry::open_file(
        &journal,
        RegistryConfig::new("https://status.example.gov.cn/fuzz/"),
    )
    .unwrap();
    for c in ["A", "B", "C"] {
        registry.allocate(c).unwrap();
    }
    drop(registry);
    let (journal_bytes, anchor) = (
        std::fs::read(&journal).unwrap(),
        std::fs::read(dir.join("status.journal.anchor")).unwrap(),
    );
    assert_eq!(
        yinzheng::storage::journal::verify_journal(&journal_bytes, &anchor).unwrap(),
        4
    );
    let mut store_seed = u16::try_from(journal_bytes.len())
        .unwrap()
        .to_be_bytes()
        .to_vec();
    store_seed.extend_from_slice(&journal_bytes);
    store_seed.extend_from_slice(&anchor);
    let ledger_path = dir.join("issued.ledger");
    let day = yinzheng::time::Date::new(2026, 1, 1).unwrap();
    let builder = CertificateBuilder::new(
        CertificateType::new("11100000000013338W032", "资格证书").unwrap(),
        "No.1",
        Holder::resident("李示例", &ResidentId::parse("11010519491231002X").unwrap()),
        day,
        Validity::long_term(day),
    );
    Issuer::new(
        Agency::new("吉林省住房和城乡建设厅", "11220000013544541J").unwrap(),
        yinzheng::crypto::Ed25519SigningKey::from_seed(&[7; 32]),
    )
    .with_ledger(std::sync::Arc::new(
        IssuanceLedger::open_file(&ledger_path).unwrap(),
    ))
    .issue_once(
        vec![([1; 32], builder)],
        yinzheng::time::UnixTime::from_secs(1_795_226_400),
    )
    .unwrap();
    let records = FileStatusStore::open_read_only(&ledger_path)
        .unwrap()
        .load()
        .unwrap()
        .records;
    assert_eq!(records.len(), 1);
    // No journal (split 0), then the ledger's records, each u16-length-prefixed.
    let mut ledger_seed = vec![0, 0];
    for record in &records {
        ledger_seed.extend_from_slice(&u16::try_from(record.len()).unwrap().to_be_bytes());
        ledger_seed.extend_from_slice(record);
    }
    let _ = std::fs::remove_dir_all(dir);
    vec![store_seed, ledger_seed]
}

#[test]
fn durable_store_parsers_on_real_stores_and_mutations() {
    let mut m = Mutator(0x9E37_79B9_7F4A_7C15);
    for seed in durable_seeds().iter().chain(&corpus("durable_stores")) {
        targets::durable_stores(seed);
        for _ in 0..MUTATIONS_PER_SEED {
            targets::durable_stores(&m.mutate(seed));
        }
    }
}
