//! A national seal and a stamp made with fixed SM2 keys, for tests of the `gm` layer. The
//! certificate fields hold placeholder bytes: the DER layer carries them without reading them.
#![allow(dead_code)]

use yinzheng::Limits;
use yinzheng::crypto::Sm2SigningKey;
use yinzheng::gm::{
    Extension, SealDraft, SealPicture, SealProperty, SignerList, StampDraft, make_seal, make_stamp,
};
use yinzheng::time::UnixTime;

pub(crate) const MAKER_CERT: &[u8] = b"maker certificate (placeholder)";
pub(crate) const SIGNER_CERT: &[u8] = b"signer certificate (placeholder)";
/// 2025-01-01 and 2027-01-01.
pub(crate) const VALID_FROM: UnixTime = UnixTime::from_secs(1_735_689_600);
pub(crate) const VALID_UNTIL: UnixTime = UnixTime::from_secs(1_798_761_600);
pub(crate) const SIGNED_AT: UnixTime = UnixTime::from_secs(1_750_000_000);

pub(crate) fn maker_key() -> Sm2SigningKey {
    Sm2SigningKey::from_bytes(&[0x51; 32]).unwrap()
}

pub(crate) fn signer_key() -> Sm2SigningKey {
    Sm2SigningKey::from_bytes(&[0x52; 32]).unwrap()
}

pub(crate) fn draft() -> SealDraft {
    SealDraft {
        vendor: "yinzheng".into(),
        es_id: "22010000000000000001".into(),
        property: SealProperty {
            seal_type: 1,
            name: "吉林省市场监督管理厅业务专用章".into(),
            signers: SignerList::Certificates(vec![SIGNER_CERT.to_vec()]),
            created: VALID_FROM,
            valid_from: VALID_FROM,
            valid_until: VALID_UNTIL,
        },
        picture: SealPicture {
            kind: "PNG".into(),
            data: b"\x89PNG\r\n\x1a\n picture".to_vec(),
            width_mm: 40,
            height_mm: 40,
        },
        extensions: vec![Extension {
            id: "1.2.156.10197.6.1.4.2.9".into(),
            critical: false,
            value: b"vendor data".to_vec(),
        }],
    }
}

pub(crate) fn seal() -> Vec<u8> {
    make_seal(&draft(), MAKER_CERT, &maker_key()).unwrap()
}

pub(crate) fn stamp(seal: &[u8]) -> Vec<u8> {
    let draft = StampDraft {
        seal,
        signed_at: SIGNED_AT,
        data_hash: &yinzheng::crypto::sm3(b"Signature.xml bytes"),
        property_info: "/Doc_0/Signs/Sign_0/Signature.xml",
        extensions: Vec::new(),
    };
    make_stamp(&draft, SIGNER_CERT, &signer_key(), &Limits::default()).unwrap()
}
