//! GB/T 38540 seals and stamps we make: they read back field for field, their signatures
//! cover what the standard says, and every departure from strict DER is refused or reported.
#![cfg(feature = "gm")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "support/gm.rs"]
mod gm_support;

use gm_support::{MAKER_CERT, SIGNED_AT, SIGNER_CERT, draft, maker_key, seal, signer_key, stamp};
use proptest::prelude::*;
use yinzheng::Limits;
use yinzheng::crypto::{Ed25519SigningKey, Signer as _, sm3};
use yinzheng::gm::{
    CertDigest, Deviation, MakeError, NationalSeal, NationalStamp, SealVersion, SesError,
    SignedData, SignerList, StampDraft, make_seal, make_signed_data, make_stamp,
};
use yinzheng::time::UnixTime;

#[test]
fn a_seal_we_make_reads_back_and_its_maker_signature_verifies() {
    let bytes = seal();
    let read = NationalSeal::decode(&bytes, &Limits::default()).unwrap();
    let d = draft();
    assert_eq!(read.version, SealVersion::V4);
    assert_eq!(read.deviations, Vec::<Deviation>::new());
    assert_eq!(read.info.header_version, 4);
    assert_eq!(read.info.es_id, d.es_id);
    assert_eq!(read.info.property, d.property);
    assert_eq!(read.info.picture, d.picture);
    assert_eq!(read.info.extensions, d.extensions);
    assert_eq!(read.maker_certificate, MAKER_CERT);
    assert!(read.maker_signature_verifies(&maker_key().public_key()));
    assert!(!read.maker_signature_verifies(&signer_key().public_key()));
    // The maker signs DER(SES_SealInfo): the first element of the SESeal.
    assert!(bytes[4..].starts_with(read.maker_signed_bytes()));
}

#[test]
fn a_stamp_we_make_reads_back_and_covers_the_seal() {
    let sealed = seal();
    let bytes = stamp(&sealed);
    let read = NationalStamp::decode(&bytes, &Limits::default()).unwrap();
    assert_eq!(read.version, 4);
    assert_eq!(read.seal.as_bytes(), sealed.as_slice());
    assert_eq!(read.signed_at, SIGNED_AT);
    assert_eq!(read.data_hash, sm3(b"Signature.xml bytes"));
    assert_eq!(read.property_info, "/Doc_0/Signs/Sign_0/Signature.xml");
    assert_eq!(read.signer_certificate, SIGNER_CERT);
    assert_eq!(read.timestamp, None);
    assert!(read.signer_signature_verifies(&signer_key().public_key()));
    assert!(!read.signer_signature_verifies(&maker_key().public_key()));
    assert!(
        read.seal
            .maker_signature_verifies(&maker_key().public_key())
    );
    // A changed byte of the embedded seal (its picture) breaks both signatures.
    let at = bytes.windows(8).position(|w| w == b" picture").unwrap() + 2;
    let mut tampered = bytes.clone();
    tampered[at] ^= 0x20;
    let read = NationalStamp::decode(&tampered, &Limits::default()).unwrap();
    assert!(!read.signer_signature_verifies(&signer_key().public_key()));
    assert!(
        !read
            .seal
            .maker_signature_verifies(&maker_key().public_key())
    );
}

#[test]
fn seals_by_digest_round_trip() {
    let mut d = draft();
    d.property.signers = SignerList::Digests(vec![CertDigest {
        kind: "SM3".into(),
        value: sm3(SIGNER_CERT).to_vec(),
    }]);
    let bytes = make_seal(&d, MAKER_CERT, &maker_key()).unwrap();
    let read = NationalSeal::decode(&bytes, &Limits::default()).unwrap();
    assert_eq!(read.info.property.signers, d.property.signers);
}

#[test]
fn only_sm2_signs_and_only_what_can_be_written_is_made() {
    let ed = Ed25519SigningKey::from_seed(&[1; 32]);
    assert!(matches!(
        make_seal(&draft(), MAKER_CERT, &ed),
        Err(MakeError::NotSm2(_))
    ));
    let mut d = draft();
    d.es_id = "印章".into();
    assert!(matches!(
        make_seal(&d, MAKER_CERT, &maker_key()),
        Err(MakeError::Encoding(SesError::Unwritable {
            field: "SES_SealInfo.esID",
            ..
        }))
    ));
    let stamp_draft = StampDraft {
        seal: b"not a seal",
        signed_at: SIGNED_AT,
        data_hash: &[0; 32],
        property_info: "/Doc_0/Signs/Sign_0/Signature.xml",
        extensions: Vec::new(),
    };
    assert!(matches!(
        make_stamp(&stamp_draft, SIGNER_CERT, &signer_key(), &Limits::default()),
        Err(MakeError::Encoding(SesError::Malformed {
            field: "SESeal",
            ..
        }))
    ));
}

#[test]
fn decoding_is_bounded_and_strict() {
    let bytes = seal();
    let mut small = Limits::default();
    small.max_input_bytes = bytes.len() - 1;
    assert!(matches!(
        NationalSeal::decode(&bytes, &small),
        Err(SesError::TooLarge { .. })
    ));
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(NationalSeal::decode(&trailing, &Limits::default()).is_err());
    // The outer length in long form with a leading zero octet: not DER.
    let mut long = vec![0x30, 0x83, 0x00];
    long.extend_from_slice(&bytes[2..]);
    assert!(NationalSeal::decode(&long, &Limits::default()).is_err());
    // A truncated seal names the element it stopped at.
    let err = NationalSeal::decode(&bytes[..bytes.len() / 2], &Limits::default()).unwrap_err();
    assert!(err.to_string().starts_with("SESeal"), "{err}");
    // A stamp is not a seal and a seal is not a stamp.
    assert!(NationalSeal::decode(&stamp(&bytes), &Limits::default()).is_err());
    assert!(NationalStamp::decode(&bytes, &Limits::default()).is_err());
}

#[test]
fn an_explicit_critical_false_is_read_and_reported() {
    // ExtData { extnID, critical FALSE, extnValue }, as the tax bureau's seal system writes it,
    // in a seal built here by hand.
    let bytes = hand_made_seal(&[0x01, 0x01, 0x00]);
    let parsed = NationalSeal::decode(&bytes, &Limits::default()).unwrap();
    assert_eq!(parsed.deviations, vec![Deviation::ExplicitDefaultCritical]);
    assert!(!parsed.info.extensions[0].critical);
    assert!(parsed.maker_signature_verifies(&maker_key().public_key()));
    // Without it, the same seal is plain DER; with TRUE, critical and no deviation.
    let plain = NationalSeal::decode(&hand_made_seal(&[]), &Limits::default()).unwrap();
    assert_eq!(plain.deviations, vec![]);
    let critical = NationalSeal::decode(&hand_made_seal(&[0x01, 0x01, 0xFF]), &Limits::default());
    assert!(critical.unwrap().info.extensions[0].critical);
    // A BOOLEAN that is neither 00 nor FF is not DER.
    assert!(
        NationalSeal::decode(&hand_made_seal(&[0x01, 0x01, 0x01]), &Limits::default()).is_err()
    );
}

fn tlv(tag: u8, value: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    match value.len() {
        len @ 0..0x80 => out.push(u8::try_from(len).unwrap()),
        len @ 0x80..0x100 => out.extend([0x81, u8::try_from(len).unwrap()]),
        len => out.extend([
            0x82,
            u8::try_from(len >> 8).unwrap(),
            u8::try_from(len & 0xFF).unwrap(),
        ]),
    }
    out.extend_from_slice(value);
    out
}

/// A version 4 SESeal assembled byte by byte, its one extension carrying `critical` as
/// given (empty for none), signed by the maker key.
fn hand_made_seal(critical: &[u8]) -> Vec<u8> {
    let time = tlv(0x18, b"20250101000000Z");
    let header = tlv(
        0x30,
        &[tlv(0x16, b"ES"), tlv(0x02, &[4]), tlv(0x16, b"vendor")].concat(),
    );
    let cert_list = tlv(0x30, &tlv(0x04, SIGNER_CERT));
    let property = tlv(
        0x30,
        &[
            tlv(0x02, &[1]),
            tlv(0x0C, "章".as_bytes()),
            tlv(0x02, &[1]),
            cert_list,
            time.clone(),
            time.clone(),
            time,
        ]
        .concat(),
    );
    let picture = tlv(
        0x30,
        &[
            tlv(0x16, b"PNG"),
            tlv(0x04, b"png"),
            tlv(0x02, &[40]),
            tlv(0x02, &[40]),
        ]
        .concat(),
    );
    let oid = tlv(0x06, &[0x2A, 0x81, 0x1C, 0xCF, 0x55, 0x01, 0x83, 0x75]);
    let ext = tlv(
        0x30,
        &tlv(
            0x30,
            &[tlv(0x06, &[0x2A, 0x03]), critical.to_vec(), tlv(0x04, b"x")].concat(),
        ),
    );
    let info = tlv(
        0x30,
        &[header, tlv(0x16, b"seal-1"), property, picture, ext].concat(),
    );
    let raw = maker_key().sign(&info).unwrap();
    let signature = yinzheng::crypto::sm2_signature_to_der(&raw).unwrap();
    let bits = tlv(0x03, &[&[0u8][..], &signature].concat());
    tlv(0x30, &[info, tlv(0x04, MAKER_CERT), oid, bits].concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Every seal and stamp we make decodes to what was asked, and verifies.
    #[test]
    fn make_then_read(
        es_id in "[0-9A-Za-z]{1,40}",
        name in "\\PC{1,30}",
        seal_type in any::<u64>(),
        from in 0u64..4_000_000_000,
        span in 0u64..1_000_000_000,
        picture in proptest::collection::vec(any::<u8>(), 0..600),
        width in 0u64..1000,
        certs in proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..300), 0..4),
        property in "[ -~]{0,80}",
        hash in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let mut d = draft();
        d.es_id = es_id;
        d.property.name = name;
        d.property.seal_type = seal_type;
        d.property.valid_from = UnixTime::from_secs(from);
        d.property.valid_until = UnixTime::from_secs(from + span);
        d.property.created = d.property.valid_from;
        d.picture.data = picture;
        d.picture.width_mm = width;
        d.property.signers = SignerList::Certificates(certs);
        let bytes = make_seal(&d, MAKER_CERT, &maker_key()).unwrap();
        let read = NationalSeal::decode(&bytes, &Limits::default()).unwrap();
        prop_assert_eq!(&read.info.es_id, &d.es_id);
        prop_assert_eq!(&read.info.property, &d.property);
        prop_assert_eq!(&read.info.picture, &d.picture);
        prop_assert!(read.maker_signature_verifies(&maker_key().public_key()));
        let stamp_draft = StampDraft {
            seal: &bytes,
            signed_at: d.property.valid_from,
            data_hash: &hash,
            property_info: &property,
            extensions: Vec::new(),
        };
        let stamped = make_stamp(&stamp_draft, SIGNER_CERT, &signer_key(), &Limits::default()).unwrap();
        let read = NationalStamp::decode(&stamped, &Limits::default()).unwrap();
        prop_assert_eq!(&read.data_hash, &hash);
        prop_assert_eq!(&read.property_info, &property);
        prop_assert_eq!(read.signed_at, d.property.valid_from);
        prop_assert!(read.signer_signature_verifies(&signer_key().public_key()));
    }

    /// Every `SignedData` we make decodes to the digest of the file signed, carries the
    /// certificate, finds it by issuer and serial, and its signature verifies over the
    /// content only.
    #[test]
    fn signed_data_round_trip(file in proptest::collection::vec(any::<u8>(), 0..2000)) {
        let certificate = signer_certificate();
        let bytes = make_signed_data(&file, &certificate, &signer_key()).unwrap();
        let read = SignedData::decode(&bytes, &Limits::default()).unwrap();
        prop_assert_eq!(read.content.clone(), sm3(&file).to_vec());
        prop_assert_eq!(read.certificates.clone(), vec![certificate.clone()]);
        prop_assert!(read.deviations.is_empty());
        let [signer] = read.signers.as_slice() else { panic!("{read:?}") };
        prop_assert_eq!(read.certificate_of(signer), Some(certificate.as_slice()));
        prop_assert!(signer.verifies(&signer_key().public_key(), &read.content));
        prop_assert!(!signer.verifies(&maker_key().public_key(), &read.content));
    }
}

/// A real SM2 certificate from the vectors (its key is not `signer_key`'s: decoding does not
/// care, and `SignedData` finds it by issuer and serial).
fn signer_certificate() -> Vec<u8> {
    let pem = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/test-vectors/gm/sm2-signer.pem"
    ))
    .unwrap();
    yinzheng::trust::x509::pem_certificates(&pem)
        .unwrap()
        .remove(0)
}

#[test]
fn signed_data_refuses_what_it_does_not_read() {
    let certificate = signer_certificate();
    let good = make_signed_data(b"file", &certificate, &signer_key()).unwrap();
    let limits = Limits::default();
    assert!(SignedData::decode(&good, &limits).is_ok());
    // Every strict prefix, and one byte more, is refused.
    for end in 0..good.len() {
        assert!(SignedData::decode(&good[..end], &limits).is_err(), "{end}");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(SignedData::decode(&longer, &limits).is_err());
    // Too large for the limits.
    let mut small = Limits::default();
    small.max_input_bytes = good.len() - 1;
    assert!(matches!(
        SignedData::decode(&good, &small),
        Err(SesError::TooLarge { .. })
    ));
    // Not an X.509 certificate: nothing to name the signer by.
    assert!(matches!(
        make_signed_data(b"file", b"not a certificate", &signer_key()),
        Err(MakeError::Encoding(_))
    ));
    // An Ed25519 signer cannot make it.
    let ed = Ed25519SigningKey::from_seed(&[7; 32]);
    assert!(matches!(
        make_signed_data(b"file", &certificate, &ed),
        Err(MakeError::NotSm2(_))
    ));
}
