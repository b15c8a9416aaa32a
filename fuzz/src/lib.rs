//! Fuzz target bodies. Each takes arbitrary bytes, must never panic on its own, and asserts
//! the invariants that must hold for whatever the library accepts.
#![allow(clippy::panic, clippy::unwrap_used, clippy::expect_used)]

use std::sync::OnceLock;

use yinzheng::Limits;
use yinzheng::crypto::{Ed25519SigningKey, Signer as _};
use yinzheng::encoding::cose::CoseSign1;
use yinzheng::encoding::qr;
use yinzheng::model::{Certificate, Disclosure, Uscc};
use yinzheng::time::UnixTime;
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{VerificationContext, Verifier};

/// A verifier trusting the test-vector anchors: the Jilin key (seed 0x11, agency
/// 11220000013544541J, issuer and status lists), the seal maker (seed 0x61) and the two
/// X.509 test roots (issuer, seal maker, status lists), so mutated vectors of every kind
/// reach every check.
pub fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| Verifier::builder(vector_trust()).build().unwrap())
}

/// The same trust, with Ed25519 issuer signatures checked by the cofactored batch equation.
pub fn batch_verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        Verifier::builder(vector_trust())
            .allow_cofactored_batch()
            .build()
            .unwrap()
    })
}

fn vector_trust() -> TrustStore {
    let mut trust = TrustStore::new();
    let key = Ed25519SigningKey::from_seed(&[0x11; 32]).public_key();
    let agency = Uscc::parse("11220000013544541J").unwrap();
    trust
        .add_agency_key("fuzz", agency, key, Roles::AGENCY)
        .unwrap();
    let maker = Ed25519SigningKey::from_seed(&[0x61; 32]).public_key();
    trust.add_seal_maker("fuzz maker", maker).unwrap();
    let roles = Roles::AGENCY | Roles::SEAL_MAKER;
    trust
        .add_x509_root(
            "root",
            include_bytes!("../../test-vectors/x509/root.der"),
            roles,
        )
        .unwrap();
    trust
        .add_x509_root(
            "root-p256",
            include_bytes!("../../test-vectors/x509/root-p256.der"),
            roles,
        )
        .unwrap();
    trust
}

/// Decoding: whatever decodes re-encodes to the same bytes (one encoding per value).
pub fn decode_certificate(data: &[u8]) {
    let limits = Limits::default();
    let Ok(sign1) = CoseSign1::decode(data, &limits) else {
        return;
    };
    assert_eq!(sign1.encode(), data, "envelope re-encoding differs");
    assert_eq!(
        sign1.protected.encode(),
        sign1.protected_bytes,
        "protected header re-encoding differs"
    );
    if let Ok((certificate, _)) = Certificate::decode_claims(sign1.payload, &limits) {
        assert_eq!(
            certificate.encode_claims(),
            sign1.payload,
            "claims re-encoding differs"
        );
    }
    for raw in &sign1.disclosures {
        if let Ok(item) = Disclosure::decode(raw, &limits) {
            assert_eq!(
                Disclosure::new(*item.salt(), item.field().clone()).as_bytes(),
                *raw
            );
        }
    }
}

/// The verification time of the test vectors.
pub const VECTOR_TIME: UnixTime = UnixTime::from_secs(1_795_226_400);

/// Full verification at the vectors' time: a verdict is deterministic, the same in a batch
/// (next to a valid certificate, with the batch equation) as alone, and every accepted
/// certificate also decodes on its own.
pub fn verify_certificate(data: &[u8]) {
    let ctx = VerificationContext::at(VECTOR_TIME);
    let single = verifier().verify_certificate(data, &ctx);
    let valid: &[u8] = include_bytes!("../../test-vectors/certificates/valid-plain.cbor");
    let batch = batch_verifier().verify_certificates(&[data, valid, data], &ctx);
    assert!(batch[1].is_ok(), "the valid vector was refused in a batch");
    for batched in [&batch[0], &batch[2]] {
        match (&single, batched) {
            (Ok(a), Ok(b)) => assert_eq!(a.report(), b.report(), "reports differ"),
            (Err(a), Err(b)) => assert_eq!(a.error(), b.error(), "errors differ"),
            _ => panic!("single and batch verdicts differ"),
        }
    }
    if let Ok(verified) = single {
        assert!(verified.report().failure().is_none());
        decode_certificate(data);
    }
}

/// QR text: whatever decodes re-encodes to a text that decodes to the same bytes, and an
/// uncompressed (`YZ1:`) text is the one encoding of its bytes when they do not compress.
pub fn qr_text(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = qr::from_qr_text(text, &Limits::default()) {
        let again = qr::to_qr_text(&bytes);
        assert_eq!(
            qr::from_qr_text(&again, &Limits::default()).as_deref(),
            Ok(bytes.as_slice()),
            "QR text does not round-trip"
        );
        if text.starts_with(qr::QR_PREFIX) && again.starts_with(qr::QR_PREFIX) {
            assert_eq!(again, text, "uncompressed QR text is not canonical");
        }
        verify_certificate(&bytes);
    }
}

/// RFC 7512 URIs (the hand-written parser behind `pkcs11:` keys): no panic on any text, and
/// what parses is shown without its PIN and parses again to the same key address.
#[cfg(feature = "pkcs11")]
pub fn pkcs11_uri(data: &[u8]) {
    use yinzheng::crypto::pkcs11::Pkcs11Uri;
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(uri) = text.parse::<Pkcs11Uri>() else {
        return;
    };
    let again: Pkcs11Uri = uri.to_string().parse().expect("a shown URI parses");
    assert_eq!(again.pin_value(), None);
    assert_eq!(
        (
            &again.token,
            &again.object,
            &again.id,
            &again.module_path,
            &again.pin_source
        ),
        (
            &uri.token,
            &uri.object,
            &uri.id,
            &uri.module_path,
            &uri.pin_source
        )
    );
}

/// Identifier, code and time parsers: strict acceptance implies lenient acceptance without a
/// warning, and an accepted text is kept verbatim (a time: the same instant).
pub fn codes(data: &[u8]) {
    use yinzheng::model::{CertificateId, ResidentId};
    use yinzheng::time::{Date, UnixTime};
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(id) = CertificateId::parse(text) {
        assert_eq!(id.as_str(), text);
        assert!(matches!(CertificateId::parse_lenient(text), Ok((_, None))));
    }
    if let Ok(code) = Uscc::parse(text) {
        assert_eq!(code.as_str(), text);
        assert!(matches!(Uscc::parse_lenient(text), Ok((_, None))));
    }
    if let Ok(id) = ResidentId::parse(text) {
        assert_eq!(id.as_str(), text);
    }
    if let Ok(date) = Date::parse(text) {
        assert_eq!(date.to_string(), text);
    }
    // A time read from any offset is the same instant when written back in UTC.
    if let Ok(time) = text.parse::<UnixTime>() {
        assert_eq!(time.to_string().parse(), Ok(time));
    }
}

/// Audit entries: whatever decodes re-encodes to the same bytes.
pub fn audit_entry(data: &[u8]) {
    use yinzheng::audit::AuditEntry;
    if let Ok(entry) = AuditEntry::decode(data) {
        assert_eq!(entry.encode().unwrap(), data, "entry re-encoding differs");
    }
}

/// Segment frames and whole segments: never panic; a parsed frame stays within the input and
/// on the 8-byte grid; a segment that verifies reports a size its checkpoint signs.
pub fn audit_segment(data: &[u8]) {
    use yinzheng::storage::log::{parse_frame, verify_segment};
    if let Ok((_, len)) = parse_frame(data) {
        assert!(len <= data.len() && len % 8 == 0);
    }
    let key = audit_key();
    if let Ok(summary) = verify_segment(data, AUDIT_ORIGIN, &key) {
        let size = summary.checkpoint.map_or(0, |c| c.checkpoint.size);
        assert_eq!(summary.size, size);
    }
}

/// Signed notes, checkpoints and bundles: whatever parses re-encodes to the same text.
pub fn audit_text(data: &[u8]) {
    use yinzheng::audit::note::{Checkpoint, Note};
    use yinzheng::audit::{ConsistencyBundle, InclusionBundle};
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(note) = Note::parse(text) {
        assert_eq!(note.encode(), text, "note re-encoding differs");
        let _ = note.verify(&[audit_key()]);
    }
    if let Ok(cp) = Checkpoint::parse(text) {
        assert_eq!(cp.body(), text, "checkpoint re-encoding differs");
    }
    if let Ok(bundle) = InclusionBundle::parse(text) {
        assert_eq!(
            bundle.encode(),
            text,
            "inclusion bundle re-encoding differs"
        );
        let _ = bundle.verify(AUDIT_ORIGIN, &[audit_key()]);
    }
    if let Ok(bundle) = ConsistencyBundle::parse(text) {
        assert_eq!(
            bundle.encode(),
            text,
            "consistency bundle re-encoding differs"
        );
    }
    // Any text as an add-checkpoint request: a refusal has a status, an answer is a line.
    match audit_witness().add_checkpoint(text, 1_795_226_400) {
        Ok(line) => assert!(line.starts_with('\u{2014}') && line.ends_with('\n')),
        Err(e) => assert!([400, 403, 404, 409, 422].contains(&e.http_status())),
    }
}

/// A witness of the audit-log test vectors' log (seed 0x77), holding nothing.
fn audit_witness() -> yinzheng::audit::witness::Witness<yinzheng::audit::witness::MemoryWitnessStore>
{
    use yinzheng::audit::{KeyRole, NoteKey};
    let signer = Ed25519SigningKey::from_seed(&[0x77; 32]);
    let key = NoteKey::new(
        "witness.fuzz.example",
        KeyRole::Witness,
        signer.public_key(),
    )
    .unwrap();
    yinzheng::audit::witness::Witness::new(key, signer, vec![audit_key()], Default::default())
        .unwrap()
}

/// Tile data: the first byte picks a width (1 to 256) for the rest as a tile and as an entry
/// bundle; what parses re-encodes to the same bytes, and partial tiles resume only against
/// the root they give.
pub fn tiles(data: &[u8]) {
    use yinzheng::audit::tiles::{
        TileBuilder, TileId, encode_entry_bundle, parse_entry_bundle, parse_tile,
    };
    let Some((&width, rest)) = data.split_first() else {
        return;
    };
    let id = TileId {
        level: 0,
        index: 0,
        width: u16::from(width) + 1,
    };
    if let Ok(entries) = parse_entry_bundle(id, rest) {
        assert_eq!(entries.len(), usize::from(id.width));
        assert_eq!(
            encode_entry_bundle(&entries).unwrap(),
            rest,
            "bundle re-encoding differs"
        );
    }
    if let Ok(hashes) = parse_tile(id, rest) {
        assert_eq!(hashes.concat(), rest, "tile re-encoding differs");
        if id.width < 256 {
            let size = u64::from(id.width);
            let builder = TileBuilder::resume(size, vec![hashes.clone()], &[0; 32]);
            if let Ok(b) = builder {
                assert_eq!(b.root(), [0; 32]);
            }
            let mut fresh = TileBuilder::new();
            let mut completed = Vec::new();
            for h in &hashes {
                fresh.push(*h, &mut completed);
            }
            let resumed = TileBuilder::resume(size, vec![hashes], &fresh.root()).unwrap();
            assert_eq!(resumed, fresh);
        }
    }
}

/// Origin of the audit-log test vectors.
pub const AUDIT_ORIGIN: &str = "audit.example.gov.cn/licences";

/// The audit-log test vectors' log key (seed 0x5A).
pub fn audit_key() -> yinzheng::audit::NoteKey {
    let key = Ed25519SigningKey::from_seed(&[0x5A; 32]).public_key();
    yinzheng::audit::NoteKey::new(AUDIT_ORIGIN, yinzheng::audit::KeyRole::Log, key).unwrap()
}

/// Status lists: whatever decodes and came from our encoder's layout re-encodes identically;
/// every index answers or is out of range; decompression stays within the limits.
pub fn status_list(data: &[u8]) {
    use yinzheng::status::StatusList;
    let limits = Limits::default();
    if let Ok(list) = StatusList::decode(data, &limits) {
        assert!(list.packed().len() <= limits.max_status_list_bytes);
        let len = list.len();
        assert!(list.get(len).is_err());
        if len > 0 {
            assert!(u16::from(list.get(len - 1).unwrap()) < 1u16 << list.bits());
        }
        let again = StatusList::decode(&list.encode(), &limits).unwrap();
        assert_eq!(again, list, "status list round trip differs");
    }
}

/// Status list tokens: verification never panics; a verified token's claims are the signed
/// payload's, for the agency its key speaks for.
pub fn status_list_token(data: &[u8]) {
    use yinzheng::status::StatusListToken;
    let limits = Limits::default();
    let ctx = VerificationContext::at(VECTOR_TIME);
    if let Ok(verified) = verifier().verify_status_list(data, &ctx) {
        let sign1 = CoseSign1::decode(data, &limits).unwrap();
        let claims = StatusListToken::decode_claims(sign1.payload, &limits).unwrap();
        assert_eq!(&claims, verified.token());
        assert!(
            claims.issued_at <= VECTOR_TIME,
            "a list from the future was accepted"
        );
    }
    let _ = StatusListToken::decode_claims(data, &limits);
}

/// The envelope every signed object goes through: whatever decodes re-encodes to the same
/// bytes; no input is accepted as two kinds of object; and an accepted object carries only
/// the unsigned items its kind allows.
pub fn envelope(data: &[u8]) {
    let limits = Limits::default();
    let ctx = VerificationContext::at(VECTOR_TIME)
        .with_nonce(b"verifier-nonce-0001".to_vec())
        .with_audience("长春示例酒店前台");
    let Ok(sign1) = CoseSign1::decode(data, &limits) else {
        return;
    };
    assert_eq!(sign1.encode(), data, "envelope re-encoding differs");
    let v = verifier();
    let accepted = [
        ("certificate", v.verify_certificate(data, &ctx).is_ok()),
        ("presentation", v.verify_presentation(data, &ctx).is_ok()),
        ("stamp", v.verify_stamp(data, b"document", &ctx).is_ok()),
        ("status list", v.verify_status_list(data, &ctx).is_ok()),
        (
            "trust bundle",
            Verifier::from_trust_bundle(data, &bundle_publisher(), &ctx, &limits).is_ok(),
        ),
    ];
    let kinds: Vec<&str> = accepted
        .iter()
        .filter(|(_, ok)| *ok)
        .map(|(k, _)| *k)
        .collect();
    assert!(kinds.len() <= 1, "accepted as {kinds:?}");
    match kinds.first() {
        Some(&"certificate") => assert!(sign1.unprotected_kid.is_none()),
        Some(&"status list") => assert!(sign1.disclosures.is_empty()),
        Some(_) => assert!(sign1.disclosures.is_empty() && sign1.unprotected_kid.is_none()),
        None => {}
    }
}

/// Seals and stamps: seal info and stamp claims that decode re-encode to the same bytes, and
/// stamp verification never panics.
pub fn seal_stamp(data: &[u8]) {
    use yinzheng::model::{Seal, StampClaims};
    let limits = Limits::default();
    if let Ok(seal) = Seal::decode(data, &limits) {
        assert_eq!(seal.encode(), data, "seal re-encoding differs");
    }
    if let Ok(claims) = StampClaims::decode(data, &limits) {
        assert_eq!(claims.encode(), data, "stamp re-encoding differs");
    }
    if let Ok(sign1) = CoseSign1::decode(data, &limits)
        && let Ok(seal) = Seal::decode(sign1.payload, &limits)
    {
        assert_eq!(seal.encode(), sign1.payload);
    }
    let ctx = VerificationContext::at(VECTOR_TIME);
    let _ = verifier().verify_stamp(data, b"document", &ctx);
}

/// The key fuzzed trust bundles are checked against: the bundle vectors' publisher (seed 0x71).
pub fn bundle_publisher() -> yinzheng::crypto::PublicKey {
    Ed25519SigningKey::from_seed(&[0x71; 32]).public_key()
}

/// Trust bundles: whatever decodes re-encodes to the same bytes; loading never panics.
pub fn trust_bundle(data: &[u8]) {
    use yinzheng::model::bundle::TrustBundle;
    let limits = Limits::default();
    if let Ok(bundle) = TrustBundle::decode(data, &limits) {
        assert_eq!(bundle.encode(), data, "bundle re-encoding differs");
    }
    if let Ok(sign1) = CoseSign1::decode(data, &limits)
        && let Ok(bundle) = TrustBundle::decode(sign1.payload, &limits)
    {
        assert_eq!(bundle.encode(), sign1.payload);
    }
    let ctx = VerificationContext::at(VECTOR_TIME);
    let _ = Verifier::from_trust_bundle(data, &bundle_publisher(), &ctx, &limits);
}

/// X.509 chains: the input is split into certificates at every 0xFF 0xFE pair; validation
/// (and root loading) never panics, whatever the bytes.
pub fn x509_chain(data: &[u8]) {
    use yinzheng::trust::x509::{X509Anchor, leaf_identity, validate_chain};
    let mut parts: Vec<&[u8]> = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(2).position(|w| w == [0xFF, 0xFE]) {
        parts.push(&rest[..at]);
        rest = &rest[at + 2..];
    }
    parts.push(rest);
    let roles = Roles::AGENCY | Roles::SEAL_MAKER | Roles::BUNDLE_PUBLISHER;
    let roots: Vec<X509Anchor> = parts
        .iter()
        .filter_map(|p| X509Anchor::from_der("fuzz", p, roles).ok())
        .collect();
    let _ = leaf_identity(parts[0]);
    for role in yinzheng::trust::Role::ALL {
        if let Ok(chain) = validate_chain(&parts, &roots, role, VECTOR_TIME, &Limits::default()) {
            assert_eq!(chain.role, role);
            // The leaf's key first, the root's last: every key on the path can be revoked.
            assert!(chain.key_digests.len() >= 2);
            let leaf = yinzheng::trust::key_digest(&chain.leaf_key);
            assert_eq!(chain.key_digests[0], leaf);
        }
    }
}

/// Presentations and presentation requests: whatever decodes re-encodes to the same bytes;
/// verification (with a nonce, an audience and a replay cache) never panics.
pub fn presentation(data: &[u8]) {
    use yinzheng::model::presentation::{PresentationClaims, PresentationRequest};
    let limits = Limits::default();
    if let Ok(claims) = PresentationClaims::decode(data, &limits) {
        assert_eq!(claims.encode(), data, "presentation re-encoding differs");
    }
    if let Ok(request) = PresentationRequest::decode(data, &limits) {
        assert_eq!(request.encode(), data, "request re-encoding differs");
    }
    let ctx = VerificationContext::at(VECTOR_TIME)
        .with_nonce(b"verifier-nonce-0001".to_vec())
        .with_audience("长春示例酒店前台");
    let _ = verifier().verify_presentation(data, &ctx);
    if let Ok(text) = core::str::from_utf8(data) {
        let _ = verifier().verify_presentation_qr(text, &ctx);
    }
}

/// The durable stores' parsers: a status journal with its anchor (the first two bytes say
/// where the journal ends), and issuance-ledger records (u16-length-prefixed). Never panic;
/// what is accepted stays within what was given.
pub fn durable_stores(data: &[u8]) {
    use yinzheng::issue::IssuanceLedger;
    use yinzheng::status::{LoadedRecords, RegistryError, StatusStore};
    use yinzheng::storage::journal::verify_journal;
    let split = data
        .get(..2)
        .map_or(0, |b| usize::from(u16::from_be_bytes([b[0], b[1]])));
    let rest = data.get(2..).unwrap_or_default();
    let (journal, anchor) = rest.split_at(split.min(rest.len()));
    if let Ok(records) = verify_journal(journal, anchor) {
        assert!(
            records as usize <= journal.len() / 16,
            "more records than frames fit"
        );
    }

    struct Records(Vec<Vec<u8>>);
    impl StatusStore for Records {
        fn load(&mut self) -> Result<LoadedRecords, RegistryError> {
            Ok(LoadedRecords {
                records: std::mem::take(&mut self.0),
                observed: 0,
            })
        }
        fn append(&mut self, _: &[Vec<u8>]) -> Result<(), RegistryError> {
            Err(RegistryError::ReadOnly)
        }
        fn mark_observed(&mut self, _: u64) -> Result<(), RegistryError> {
            Ok(())
        }
    }
    let mut records = Vec::new();
    let mut at = rest;
    while let Some(len) = at
        .get(..2)
        .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
    {
        let Some(record) = at.get(2..2 + len) else {
            break;
        };
        records.push(record.to_vec());
        at = &at[2 + len..];
    }
    let count = records.len();
    if let Ok(ledger) = IssuanceLedger::open(Records(records)) {
        assert!(ledger.len() <= count);
    }
}

/// GB/T 38540 seals (`SESeal`, versions 1, 4 and 5): decoding never panics, keeps the bytes
/// received, and what the maker signed lies inside them.
#[cfg(feature = "gm")]
pub fn national_seal(data: &[u8]) {
    use yinzheng::gm::NationalSeal;
    if let Ok(seal) = NationalSeal::decode(data, &Limits::default()) {
        assert_eq!(seal.as_bytes(), data);
        let signed = seal.maker_signed_bytes();
        let info = &signed[..signed.len().min(16)];
        assert!(
            data.windows(info.len()).any(|w| w == info),
            "signed bytes not received"
        );
        assert!(seal.info.property.valid_from.as_secs() < u64::MAX);
    }
}

/// GB/T 38540 stamps (`SES_Signature`): decoding never panics, and the signed `TBS_Sign` and
/// the embedded seal are exactly bytes received.
#[cfg(feature = "gm")]
pub fn national_stamp(data: &[u8]) {
    use yinzheng::gm::NationalStamp;
    if let Ok(stamp) = NationalStamp::decode(data, &Limits::default()) {
        let tbs = stamp.to_be_signed();
        assert!(
            data.windows(tbs.len()).any(|w| w == tbs),
            "TBS_Sign not received"
        );
        let seal = stamp.seal.as_bytes();
        assert!(
            tbs.windows(seal.len()).any(|w| w == seal),
            "seal not inside TBS_Sign"
        );
    }
}

/// OFD packages: the ZIP reader and the signature descriptions never panic, and what is read
/// stays within the limits.
#[cfg(feature = "gm")]
pub fn ofd_package(data: &[u8]) {
    use yinzheng::gm::ofd::{IntegrityList, OfdLimits, OfdPackage, OfdSignature, SignatureList};
    let limits = OfdLimits {
        max_total_bytes: 1 << 20,
        ..OfdLimits::default()
    };
    let Ok(package) = OfdPackage::read(data, &limits) else {
        return;
    };
    let total: usize = package
        .paths()
        .map(|p| package.get(p).map_or(0, <[u8]>::len))
        .sum();
    assert!(total as u64 <= limits.max_total_bytes);
    if let Ok(Some(list)) = IntegrityList::read(&package, &limits) {
        assert!(list.files.len() <= limits.max_items);
    }
    let Ok(lists) = package.signature_lists() else {
        return;
    };
    for path in lists {
        if let Ok(list) = SignatureList::read(&package, &path, &limits) {
            for (i, entry) in list.entries.iter().enumerate() {
                let _ = list.before_later_entries(i);
                let _ = OfdSignature::read(&package, &entry.location, &limits);
            }
        }
    }
}

/// GB/T 35275 `SignedData`: decoding never panics, and a signer's certificate, when found,
/// is one of the certificates received.
#[cfg(feature = "gm")]
pub fn signed_data(data: &[u8]) {
    use yinzheng::gm::SignedData;
    if let Ok(signed) = SignedData::decode(data, &Limits::default()) {
        assert!(!signed.signers.is_empty());
        for signer in &signed.signers {
            if let Some(cert) = signed.certificate_of(signer) {
                assert!(data.windows(cert.len()).any(|w| w == cert));
            }
        }
    }
}
