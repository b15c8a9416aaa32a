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
use yinzheng::trust::TrustStore;
use yinzheng::verify::{VerificationContext, Verifier};

/// A verifier trusting the test-vector anchor: seed 0x11, agency 11220000013544541J.
pub fn verifier() -> &'static Verifier {
    static VERIFIER: OnceLock<Verifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let mut trust = TrustStore::new();
        let key = Ed25519SigningKey::from_seed(&[0x11; 32]).public_key();
        trust
            .add_issuer_key("fuzz", Uscc::parse("11220000013544541J").unwrap(), key)
            .unwrap();
        Verifier::builder(trust).build().unwrap()
    })
}

/// Decoding: whatever decodes re-encodes to the same bytes (one encoding per value).
pub fn decode_certificate(data: &[u8]) {
    let limits = Limits::default();
    let Ok(sign1) = CoseSign1::decode(data, &limits) else {
        return;
    };
    assert_eq!(
        sign1.with_disclosures(&sign1.disclosures),
        data,
        "envelope re-encoding differs"
    );
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

/// Full verification at the vectors' time: a verdict is deterministic, and every accepted
/// certificate also decodes on its own.
pub fn verify_certificate(data: &[u8]) {
    let ctx = VerificationContext::at(VECTOR_TIME);
    let first = verifier().verify_certificate(data, &ctx);
    let second = verifier().verify_certificate(data, &ctx);
    assert_eq!(
        first.is_ok(),
        second.is_ok(),
        "verdict is not deterministic"
    );
    if let Ok(verified) = first {
        assert!(verified.report().failure().is_none());
        decode_certificate(data);
    }
}

/// QR text: whatever decodes re-encodes to the same text.
pub fn qr_text(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    if let Ok(bytes) = qr::from_qr_text(text, &Limits::default()) {
        assert_eq!(qr::to_qr_text(&bytes), text, "QR text is not canonical");
        verify_certificate(&bytes);
    }
}

/// Identifier and code parsers: strict acceptance implies lenient acceptance without a
/// warning, and an accepted text is kept verbatim.
pub fn codes(data: &[u8]) {
    use yinzheng::model::{CertificateId, ResidentId};
    use yinzheng::time::Date;
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
}
