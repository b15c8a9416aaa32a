//! Property tests: every encoder/decoder pair round-trips, and issue → verify preserves every
//! field for arbitrary field values.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use proptest::prelude::*;
use yinzheng::Limits;
use yinzheng::crypto::{Ed25519SigningKey, SeededRandom, Signer as _};
use yinzheng::encoding::cbor::{Reader, Writer};
use yinzheng::encoding::qr;
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{
    Agency, CertificateType, Disclosure, Field, FieldValue, Holder, ResidentId, Uscc, Validity,
};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::TrustStore;
use yinzheng::verify::{VerificationContext, Verifier};

fn date() -> impl Strategy<Value = Date> {
    (1u16..=9999, 1u8..=12, 1u8..=28).prop_map(|(y, m, d)| Date::new(y, m, d).unwrap())
}

fn value() -> impl Strategy<Value = FieldValue> {
    let leaf = prop_oneof![
        ".{0,12}".prop_map(FieldValue::Text),
        any::<i64>().prop_map(FieldValue::Integer),
        any::<bool>().prop_map(FieldValue::Bool),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(FieldValue::Bytes),
        date().prop_map(FieldValue::Date),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(FieldValue::List),
            proptest::collection::btree_map("[a-z住址]{1,6}", inner, 0..4)
                .prop_map(|m| FieldValue::Map(m.into_iter().collect())),
        ]
    })
}

/// Maps are decoded in canonical key order; compare sorted.
fn canonical(v: &FieldValue) -> FieldValue {
    match v {
        FieldValue::List(items) => FieldValue::List(items.iter().map(canonical).collect()),
        FieldValue::Map(entries) => {
            let mut sorted: Vec<(String, FieldValue)> = entries
                .iter()
                .map(|(k, v)| (k.clone(), canonical(v)))
                .collect();
            sorted.sort_by(|a, b| yinzheng::encoding::cbor::canonical_text_order(&a.0, &b.0));
            FieldValue::Map(sorted)
        }
        other => other.clone(),
    }
}

const AGENCY: &str = "11220000013544541J";

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn issue_then_verify_preserves_fields(
        plain in proptest::collection::vec(value(), 0..4),
        secret in proptest::collection::vec(value(), 0..4),
        reveal in proptest::collection::vec(any::<bool>(), 4),
        seed in any::<[u8; 32]>(),
    ) {
        let key = Ed25519SigningKey::from_seed(&seed);
        let public = key.public_key();
        let issuer = Issuer::new(Agency::new("测试", AGENCY).unwrap(), key).with_rng(SeededRandom::from_seed(seed));
        let day = Date::new(2026, 1, 1).unwrap();
        let kind = CertificateType::new("11100000000013338W032", "资格证书").unwrap();
        let holder = Holder::resident("张三", &ResidentId::parse("11010519491231002X").unwrap());
        let mut builder = CertificateBuilder::new(kind, "N1", holder, day, Validity::long_term(day));
        for (i, v) in plain.iter().enumerate() {
            builder = builder.field(format!("p{i}"), v.clone());
        }
        for (i, v) in secret.iter().enumerate() {
            builder = builder.disclosable_field(format!("s{i}"), v.clone());
        }
        let issued = issuer.issue(builder, day.start_in_china()).unwrap();
        let names: Vec<String> = (0..secret.len()).filter(|&i| reveal[i]).map(|i| format!("s{i}")).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        let shown = yinzheng::present::select_disclosures(issued.as_bytes(), &refs, &Limits::default()).unwrap();

        let mut trust = TrustStore::new();
        trust.add_issuer_key("k", Uscc::parse(AGENCY).unwrap(), public).unwrap();
        let verifier = Verifier::builder(trust).build().unwrap();
        let verified = verifier.verify_certificate(&shown, &VerificationContext::at(UnixTime::from_secs(1_800_000_000))).unwrap();
        prop_assert_eq!(verified.fields.len(), plain.len());
        for (field, v) in verified.fields.iter().zip(&plain) {
            prop_assert_eq!(&field.value, &canonical(v));
        }
        let revealed: Vec<&str> = verified.disclosed.iter().map(|f| f.name.as_str()).collect();
        prop_assert_eq!(revealed, refs);
        for field in &verified.disclosed {
            let i: usize = field.name[1..].parse().unwrap();
            prop_assert_eq!(&field.value, &canonical(&secret[i]));
        }
    }

    #[test]
    fn disclosure_items_round_trip(salt in any::<[u8; 16]>(), name in ".{1,10}", v in value()) {
        let item = Disclosure::new(salt, Field::new(name, v));
        let decoded = Disclosure::decode(item.as_bytes(), &Limits::default()).unwrap();
        prop_assert_eq!(decoded.as_bytes(), item.as_bytes());
        prop_assert_eq!(&decoded.field().value, &canonical(&item.field().value));
    }

    #[test]
    fn base45_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let text = qr::to_qr_text(&bytes);
        prop_assert_eq!(qr::from_qr_text(&text, &Limits::default()).unwrap(), bytes);
    }

    /// Compressible inputs take the `YZ2:` path: dictionary words, repeats and noise mixed.
    #[test]
    fn dictionary_qr_texts_round_trip(
        parts in proptest::collection::vec(
            prop_oneof![
                Just("application/yz-cert+cwt".as_bytes().to_vec()),
                Just("吉林省长春市公安局".as_bytes().to_vec()),
                Just("出生日期".as_bytes().to_vec()),
                proptest::collection::vec(any::<u8>(), 0..40),
                "[0-9]{1,30}".prop_map(String::into_bytes),
            ],
            0..40,
        )
    ) {
        let bytes = parts.concat();
        let text = qr::to_qr_text(&bytes);
        prop_assert_eq!(&qr::from_qr_text(&text, &Limits::default()).unwrap(), &bytes);
        if text.starts_with(qr::QR_PREFIX_ZLIB) {
            prop_assert!(text.len() < bytes.len().div_ceil(2) * 3 + 4);
        }
    }

    #[test]
    fn cbor_integers_and_strings_round_trip(n in any::<i64>(), u in any::<u64>(), s in ".{0,40}", b in proptest::collection::vec(any::<u8>(), 0..64)) {
        let mut w = Writer::new();
        w.array(4).int(n).uint(u).text(&s).bytes(&b);
        let bytes = w.into_bytes();
        let limits = Limits::default();
        let mut r = Reader::new(&bytes, &limits).unwrap();
        prop_assert_eq!(r.array().unwrap(), 4);
        prop_assert_eq!(r.int().unwrap(), n);
        prop_assert_eq!(r.uint().unwrap(), u);
        prop_assert_eq!(r.text().unwrap(), s.as_str());
        prop_assert_eq!(r.bytes().unwrap(), b.as_slice());
        prop_assert!(r.finish().is_ok());
    }

    #[test]
    fn arbitrary_bytes_never_panic_the_reader(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
        let limits = Limits::default();
        let decoded = yinzheng::encoding::cose::CoseSign1::decode(&bytes, &limits);
        prop_assert!(decoded.is_err() || bytes.first() == Some(&0xd2));
    }
}

const ALNUM: &str = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const USCC_CHARS: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

fn uscc() -> impl Strategy<Value = Uscc> {
    proptest::collection::vec(
        proptest::sample::select(USCC_CHARS.chars().collect::<Vec<_>>()),
        17,
    )
    .prop_map(|body| {
        let body: String = body.into_iter().collect();
        // Exactly one of the 31 check characters completes a valid code.
        USCC_CHARS
            .chars()
            .find_map(|c| Uscc::parse(&format!("{body}{c}")).ok())
            .unwrap()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// RFC 3339 times: any instant written with any offset reads back as that instant.
    #[test]
    fn rfc3339_times_round_trip_at_any_offset(secs in 0u64..253_402_300_799, offset_minutes in -1439i64..=1439) {
        use yinzheng::time::UnixTime;
        let time = UnixTime::from_secs(secs);
        prop_assert_eq!(time.to_string().parse::<UnixTime>(), Ok(time));
        // The same instant as local time at the offset, where that is still after 1970.
        let local = i64::try_from(secs).unwrap() + offset_minutes * 60;
        if let Ok(local) = u64::try_from(local) {
            let utc = UnixTime::from_secs(local).to_string();
            let (sign, minutes) = if offset_minutes < 0 { ('-', -offset_minutes) } else { ('+', offset_minutes) };
            let text = format!("{}{sign}{:02}:{:02}", &utc[..19], minutes / 60, minutes % 60);
            if local < 253_402_300_800 {
                prop_assert_eq!(text.parse::<UnixTime>(), Ok(time), "{}", text);
            }
        }
    }

    /// Entry bundles and tiles: what is encoded parses back to the same entries and hashes.
    #[test]
    fn tile_objects_round_trip(
        entries in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 1..=256),
        hashes in proptest::collection::vec(any::<[u8; 32]>(), 1..=256),
        index in any::<u64>(),
    ) {
        use yinzheng::audit::tiles::{TileId, encode_entry_bundle, parse_entry_bundle, parse_tile};
        let id = TileId { level: 0, index, width: entries.len() as u16 };
        let bytes = encode_entry_bundle(&entries).unwrap();
        let parsed: Vec<Vec<u8>> = parse_entry_bundle(id, &bytes).unwrap().into_iter().map(<[u8]>::to_vec).collect();
        prop_assert_eq!(parsed, entries);
        let id = TileId { level: 3, index, width: hashes.len() as u16 };
        prop_assert_eq!(parse_tile(id, &hashes.concat()).unwrap(), hashes);
    }

    #[test]
    fn identifiers_round_trip(
        authority in uscc(),
        issuer in uscc(),
        sequence in 0u16..1000,
        serial in proptest::collection::vec(proptest::sample::select(ALNUM.chars().collect::<Vec<_>>()), 1..=64),
        version in 1u16..1000,
    ) {
        use yinzheng::model::CertificateId;
        let kind = CertificateType::new(&format!("{authority}{sequence:03}"), "证照").unwrap();
        let serial: String = serial.into_iter().collect();
        let id = CertificateId::new(&kind, &issuer, &serial, &format!("{version:03}")).unwrap();
        let parsed = CertificateId::parse(id.as_str()).unwrap();
        prop_assert_eq!(&parsed, &id);
        prop_assert_eq!(parsed.type_code(), kind.code());
        prop_assert_eq!(parsed.issuer_code(), issuer.as_str());
        prop_assert_eq!(parsed.serial(), serial.as_str());
        // Any other check character is refused.
        let stem = &id.as_str()[..id.as_str().len() - 1];
        let last = id.as_str().chars().last().unwrap();
        let other = ALNUM.chars().find(|&c| c != last).unwrap();
        let altered = format!("{stem}{other}");
        prop_assert!(CertificateId::parse(&altered).is_err());
    }

    #[test]
    fn resident_ids_and_dates_round_trip(area in 110_000u32..660_000, d in date(), seq in 0u16..1000) {
        let text = d.to_string();
        prop_assert_eq!(Date::parse(&text).unwrap(), d);
        let body = format!("{area:06}{:04}{:02}{:02}{seq:03}", d.year(), d.month(), d.day());
        let valid: Vec<ResidentId> = "0123456789X"
            .chars()
            .filter_map(|c| ResidentId::parse(&format!("{body}{c}")).ok())
            .collect();
        prop_assert_eq!(valid.len(), 1, "exactly one check character fits {}", body);
    }
}

/// A business licence with only the required parts.
fn minimal_licence() -> CertificateBuilder {
    let from = Date::new(2026, 1, 1).unwrap();
    CertificateBuilder::new(
        CertificateType::new("11100000MB0341032Y002", "营业执照").unwrap(),
        "1",
        Holder::organisation("示例", &Uscc::parse("11220000013544541J").unwrap()),
        from,
        Validity::long_term(from),
    )
}

/// Issues `builder` with the issuer key from `seed`; the certificate's content.
fn issue_minimal(builder: CertificateBuilder, seed: &[u8; 32]) -> yinzheng::model::Certificate {
    let agency = Agency::new("示例", "11220000013544541J").unwrap();
    let issuer = Issuer::new(agency, Ed25519SigningKey::from_seed(seed))
        .with_rng(SeededRandom::from_seed([1; 32]));
    issuer
        .issue(builder, UnixTime::from_secs(1_800_000_000))
        .unwrap()
        .certificate()
        .clone()
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(any::<u8>(), 0..max)
}

fn trust_bundle() -> impl Strategy<Value = yinzheng::model::bundle::TrustBundle> {
    use yinzheng::model::bundle::BundleRevokedKey;
    use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, TrustBundle};
    let roles = 1u64..16;
    let key = (".{1,8}", uscc(), any::<i64>(), bytes(40), roles.clone()).prop_map(
        |(name, agency, alg, key, roles)| BundleIssuerKey {
            name,
            agency,
            alg,
            key,
            roles,
        },
    );
    let named = move |with_alg: bool| {
        (".{1,8}", any::<i64>(), bytes(40), roles.clone()).prop_map(
            move |(name, alg, bytes, roles)| BundleNamed {
                name,
                alg: if with_alg { alg } else { 0 },
                bytes,
                // Seal makers are seal makers; roots carry their roles.
                roles: if with_alg { 2 } else { roles },
            },
        )
    };
    let revoked =
        (any::<[u8; 32]>(), proptest::option::of(any::<u64>())).prop_map(|(digest, since)| {
            BundleRevokedKey {
                digest,
                since: since.map(UnixTime::from_secs),
            }
        });
    (
        ".{0,12}",
        0u64..u64::MAX - 1,
        1u64..1_000_000,
        proptest::collection::vec(key, 0..3),
        proptest::collection::vec(named(false), 0..3),
        proptest::collection::vec(named(true), 0..3),
        proptest::collection::vec(bytes(30), 0..3),
        proptest::collection::vec(bytes(30), 0..3),
        proptest::collection::vec(revoked, 0..3),
    )
        .prop_map(
            |(
                publisher,
                iat,
                life,
                issuer_keys,
                x509_roots,
                seal_makers,
                seals,
                lists,
                revoked,
            )| {
                TrustBundle {
                    publisher,
                    issued_at: UnixTime::from_secs(iat),
                    expires_at: UnixTime::from_secs(iat.saturating_add(life)),
                    issuer_keys,
                    x509_roots,
                    seal_makers,
                    seals,
                    status_lists: lists,
                    revoked_keys: revoked,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn trust_bundles_round_trip(bundle in trust_bundle()) {
        use yinzheng::model::bundle::TrustBundle;
        let encoded = bundle.encode();
        let decoded = TrustBundle::decode(&encoded, &Limits::default()).unwrap();
        prop_assert_eq!(&decoded, &bundle);
        prop_assert_eq!(decoded.encode(), encoded);
    }

    #[test]
    fn seal_references_round_trip(id in "[0-9]{1,16}", digest in any::<[u8; 32]>(), seed in any::<[u8; 32]>()) {
        let key = Ed25519SigningKey::from_seed(&seed);
        let mut certificate = issue_minimal(minimal_licence(), &seed);
        certificate.seal = Some(yinzheng::model::SealReference { id, digest, signer_key: key.public_key().to_bytes() });
        let claims = certificate.encode_claims();
        let (decoded, _) = yinzheng::model::Certificate::decode_claims(&claims, &Limits::default()).unwrap();
        prop_assert_eq!(&decoded.seal, &certificate.seal);
        prop_assert_eq!(decoded.encode_claims(), claims);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn presentation_claims_and_requests_round_trip(
        certificate in bytes(200),
        iat in 0u64..u64::MAX / 2,
        life in 1u64..=300,
        nonce in proptest::option::of(proptest::collection::vec(any::<u8>(), 1..64)),
        audience in proptest::option::of(".{0,12}"),
        purpose in proptest::option::of(".{0,12}"),
        fields in proptest::collection::vec(".{1,6}", 0..4),
    ) {
        use yinzheng::model::presentation::{PresentationClaims, PresentationRequest};
        let claims = PresentationClaims {
            certificate: &certificate,
            issued_at: UnixTime::from_secs(iat),
            expires_at: UnixTime::from_secs(iat + life),
            nonce: nonce.as_deref(),
            audience: audience.as_deref(),
            purpose: purpose.as_deref(),
        };
        let encoded = claims.encode();
        let decoded = PresentationClaims::decode(&encoded, &Limits::default()).unwrap();
        prop_assert_eq!(&decoded, &claims);
        let request = PresentationRequest { fields, nonce, audience, purpose };
        let encoded = request.encode();
        prop_assert_eq!(PresentationRequest::decode(&encoded, &Limits::default()).unwrap(), request);
    }

    #[test]
    fn device_keys_round_trip_through_the_certificate(seed in any::<[u8; 32]>(), p256 in any::<bool>()) {
        let key = if p256 {
            match yinzheng::crypto::P256SigningKey::from_bytes(&seed) {
                Ok(k) => k.public_key(),
                Err(_) => return Ok(()), // not a valid scalar
            }
        } else {
            Ed25519SigningKey::from_seed(&seed).public_key()
        };
        let device = yinzheng::model::DeviceKey::from_key_bytes(&key.to_bytes()).unwrap();
        prop_assert_eq!(yinzheng::crypto::PublicKey::from_bytes(&device.key_bytes()).unwrap(), key.clone());
        let claims = issue_minimal(minimal_licence().holder_key(&key), &[5; 32]).encode_claims();
        let (decoded, _) = yinzheng::model::Certificate::decode_claims(&claims, &Limits::default()).unwrap();
        prop_assert_eq!(decoded.holder_key, Some(device));
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// P-256 verification (ring's) agrees with the RustCrypto `p256` crate, on valid
    /// signatures and on signatures or messages with one byte changed.
    #[test]
    fn p256_verification_agrees_with_rustcrypto(
        scalar in any::<[u8; 32]>(),
        message in proptest::collection::vec(any::<u8>(), 0..64),
        flip in any::<(u8, usize, bool)>(),
    ) {
        use p256::ecdsa::signature::Verifier as _;
        let Ok(key) = yinzheng::crypto::P256SigningKey::from_bytes(&scalar) else {
            return Ok(());
        };
        let public = key.public_key();
        let mut signature = key.sign(&message).unwrap();
        let mut message = message;
        let (xor, at, in_signature) = flip;
        if xor != 0 {
            if in_signature {
                signature[at % 64] ^= xor;
            } else if !message.is_empty() {
                let i = at % message.len();
                message[i] ^= xor;
            }
        }
        let ours = public.verify(public.algorithm(), &message, &signature).is_ok();
        let sec1 = public.to_bytes();
        let theirs = p256::ecdsa::VerifyingKey::from_sec1_bytes(&sec1)
            .ok()
            .zip(p256::ecdsa::Signature::from_slice(&signature).ok())
            .is_some_and(|(k, s)| k.verify(&message, &s).is_ok());
        prop_assert_eq!(ours, theirs);
        if xor == 0 || (!in_signature && message.is_empty()) {
            prop_assert!(ours);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// Seals and stamp claims: encode → decode → encode is the identity.
    #[test]
    fn seals_and_stamps_round_trip(
        id in "[0-9]{1,16}",
        kind in proptest::sample::select(vec![1u64, 2, 3, 4, 5, 99]),
        name in ".{1,12}",
        keys in proptest::collection::btree_set(any::<[u8; 32]>(), 1..4),
        times in (0u64..1 << 40, 1u64..1 << 30),
        picture in bytes(64),
        status in proptest::option::of((any::<u64>(), "[a-z]{1,8}")),
        signed_at in any::<u64>(),
        digest in bytes(40),
        property in ".{0,12}",
        signer_key in bytes(40),
    ) {
        use yinzheng::model::{Seal, SealKind, SealPicture, StampClaims, StatusReference};
        let seal = Seal {
            id,
            kind: SealKind::from_code(kind).unwrap(),
            name,
            owner: Agency::new("示例", "11220000013544541J").unwrap(),
            authorised_keys: keys.into_iter().collect(),
            created: UnixTime::from_secs(times.0),
            valid_from: UnixTime::from_secs(times.0),
            valid_until: UnixTime::from_secs(times.0 + times.1),
            picture: SealPicture { format: "svg".into(), data: picture, width_mm: 40, height_mm: 40 },
            status: status.map(|(index, uri)| StatusReference { index, uri: format!("https://{uri}") }),
        };
        let encoded = seal.encode();
        let decoded = Seal::decode(&encoded, &Limits::default()).unwrap();
        prop_assert_eq!(&decoded, &seal);
        let claims = StampClaims {
            seal: &encoded,
            signed_at: UnixTime::from_secs(signed_at),
            digest_alg: -16,
            digest: &digest,
            property: &property,
            signer_key: &signer_key,
        };
        let stamp = claims.encode();
        prop_assert_eq!(StampClaims::decode(&stamp, &Limits::default()).unwrap(), claims);
    }

    /// Status lists of every width keep every value, byte for byte.
    #[test]
    fn status_lists_round_trip(
        bits in proptest::sample::select(vec![1u8, 2, 4, 8]),
        len in 1u64..2000,
        sets in proptest::collection::vec((any::<u64>(), any::<u8>()), 0..50),
    ) {
        use yinzheng::status::StatusList;
        let mut list = StatusList::new(bits, len).unwrap();
        let mask = u8::MAX >> (8 - bits);
        for (index, value) in &sets {
            list.set(index % len, value & mask).unwrap();
        }
        let encoded = list.encode();
        let decoded = StatusList::decode(&encoded, &Limits::default()).unwrap();
        for i in 0..len {
            prop_assert_eq!(decoded.get(i).unwrap(), list.get(i).unwrap());
        }
        prop_assert_eq!(decoded.encode(), encoded);
    }

    /// Audit entries: encode → decode → encode is the identity.
    #[test]
    fn audit_entries_round_trip(
        kind in 1u8..=6,
        subject in bytes(60),
        digest in any::<[u8; 32]>(),
        actor in any::<[u8; 32]>(),
        time in any::<u64>(),
        previous in any::<[u8; 32]>(),
    ) {
        use yinzheng::audit::{AuditEntry, Event, EventKind};
        let entry = AuditEntry {
            event: Event {
                kind: EventKind::from_code(kind).unwrap(),
                actor_key_id: actor,
                subject,
                object_digest: digest,
                attributes: vec![0xA0],
            },
            log_time_ms: time,
            previous_leaf: previous,
        };
        let Ok(encoded) = entry.encode() else {
            return Ok(()); // e.g. an empty subject is refused at encode
        };
        let decoded = AuditEntry::decode(&encoded).unwrap();
        prop_assert_eq!(decoded.encode().unwrap(), encoded);
    }
}
