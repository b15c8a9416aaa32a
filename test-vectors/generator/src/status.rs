//! Status vectors (in `test-vectors/certificates/`): certificates with status references and
//! the status list tokens a verifier is given for each, from valid to a zip bomb.

use std::path::Path;

use yinzheng::crypto::Signer;
use yinzheng::encoding::cose::{ProtectedHeader, encode_sign1, sig_structure};
use yinzheng::model::StatusReference;
use yinzheng::status::{StatusList, StatusListToken};
use yinzheng::time::UnixTime;

use crate::kit::{
    CertVectors, Expected, JILIN, Keys, Result, accept, business_licence, reject, seeded_issuer,
    with_status,
};

/// Certificates with status references, and the status list tokens (signed by the Jilin key
/// unless said otherwise) a verifier is given for each.
pub(crate) fn status_vectors(
    out: &Path,
    keys: &Keys,
    now: UnixTime,
    signed: UnixTime,
    vectors: &mut CertVectors,
) -> Result<()> {
    const BASE: &str = "https://status.example.gov.cn/jilin/";
    let issuer = seeded_issuer(JILIN, "吉林省市场监督管理局（测试）", 0x11, 0x09)?;
    let cert = |name: &str, index: u64| -> Result<Vec<u8>> {
        let builder = business_licence()?
            .serial(format!("ST{}", name.len() * 1000 + index as usize))
            .status(StatusReference {
                index,
                uri: format!("{BASE}{name}"),
            });
        Ok(issuer.issue(builder, signed)?.into_bytes())
    };
    let list = |name: &str,
                set: &[(u64, u8)],
                iat: UnixTime,
                ttl: Option<u64>,
                signer: &dyn Signer|
     -> Result<Vec<u8>> {
        let mut list = StatusList::new(2, 64)?;
        for &(i, v) in set {
            list.set(i, v)?;
        }
        let token = StatusListToken {
            uri: format!("{BASE}{name}"),
            issued_at: iat,
            expires_at: None,
            ttl,
            list,
        };
        Ok(token.sign(signer)?)
    };
    let fresh = now.saturating_sub(3600);
    let day = Some(86_400);
    let mut emit = |id: &'static str,
                    description: &'static str,
                    bytes: Vec<u8>,
                    expected: Expected,
                    lists: Vec<(String, Vec<u8>)>,
                    allow: bool|
     -> Result<()> {
        let mut files = Vec::new();
        for (file, token) in lists {
            std::fs::write(out.join(&file), token)?;
            files.push(file);
        }
        vectors.push((id, description, bytes, expected, files, allow));
        Ok(())
    };
    emit(
        "status-valid",
        "status list says VALID (0)",
        cert("valid", 5)?,
        with_status(accept(&[], 0), "valid"),
        vec![(
            "list-valid.cwt".into(),
            list("valid", &[(4, 1)], fresh, day, &keys.jilin)?,
        )],
        false,
    )?;
    emit(
        "status-revoked",
        "status list says INVALID (1): revoked",
        cert("revoked", 5)?,
        with_status(reject("status"), "revoked"),
        vec![(
            "list-revoked.cwt".into(),
            list("revoked", &[(5, 1)], fresh, day, &keys.jilin)?,
        )],
        false,
    )?;
    emit(
        "status-suspended",
        "status list says SUSPENDED (2)",
        cert("suspended", 5)?,
        with_status(reject("status"), "suspended"),
        vec![(
            "list-suspended.cwt".into(),
            list("suspended", &[(5, 2)], fresh, day, &keys.jilin)?,
        )],
        false,
    )?;
    emit(
        "status-reinstated",
        "a newer list reinstates a suspended certificate (older list given first)",
        cert("reinstated", 5)?,
        with_status(accept(&[], 0), "valid"),
        vec![
            (
                "list-reinstated-old.cwt".into(),
                list(
                    "reinstated",
                    &[(5, 2)],
                    fresh.saturating_sub(600),
                    day,
                    &keys.jilin,
                )?,
            ),
            (
                "list-reinstated-new.cwt".into(),
                list("reinstated", &[], fresh, day, &keys.jilin)?,
            ),
        ],
        false,
    )?;
    emit(
        "status-stale-list",
        "the only list says revoked but is past its ttl: UNKNOWN, never REVOKED",
        cert("stale", 5)?,
        with_status(reject("status"), "unknown"),
        vec![(
            "list-stale.cwt".into(),
            list(
                "stale",
                &[(5, 1)],
                now.saturating_sub(2 * 86_400),
                Some(3600),
                &keys.jilin,
            )?,
        )],
        false,
    )?;
    emit(
        "status-no-list",
        "no status list given: UNKNOWN rejects by default",
        cert("absent", 5)?,
        with_status(reject("status"), "unknown"),
        vec![],
        false,
    )?;
    emit(
        "status-no-list-allowed",
        "no status list, but the policy allows unknown status",
        cert("absent", 5)?,
        with_status(accept(&[], 0), "unknown"),
        vec![],
        true,
    )?;
    emit(
        "status-wrong-signer",
        "the list for this URI is signed by another agency's key",
        cert("foreign", 5)?,
        with_status(reject("status"), "unknown"),
        vec![(
            "list-wrong-signer.cwt".into(),
            list("foreign", &[], fresh, day, &keys.device_issuer)?,
        )],
        false,
    )?;
    emit(
        "status-sub-mismatch",
        "the only list given is for another URI",
        cert("mine", 5)?,
        with_status(reject("status"), "unknown"),
        vec![(
            "list-other-uri.cwt".into(),
            list("other", &[], fresh, day, &keys.jilin)?,
        )],
        false,
    )?;
    emit(
        "status-index-out-of-range",
        "the index is beyond the list",
        cert("short", 500)?,
        with_status(reject("status"), "unknown"),
        vec![(
            "list-short.cwt".into(),
            list("short", &[], fresh, day, &keys.jilin)?,
        )],
        false,
    )?;
    // Lists the verifier must refuse outright: broken zlib, and a zip bomb over the limits.
    let raw = |name: &str, status_list: Vec<u8>| -> Result<Vec<u8>> {
        let mut w = yinzheng::encoding::Writer::new();
        w.map(4)
            .int(2)
            .text(&format!("{BASE}{name}"))
            .int(6)
            .uint(fresh.as_secs())
            .int(65_533)
            .raw(&status_list)
            .int(65_534)
            .uint(86_400);
        let payload = w.into_bytes();
        let kid = keys.jilin.public_key().key_id();
        let protected =
            ProtectedHeader::new(-19, kid.as_bytes(), "application/statuslist+cwt").encode();
        let sig = keys.jilin.sign(&sig_structure(&protected, &payload))?;
        Ok(encode_sign1(&protected, &[], &payload, &sig))
    };
    let mut broken = yinzheng::encoding::Writer::new();
    broken
        .map(2)
        .text("bits")
        .uint(2)
        .text("lst")
        .bytes(&[0x78, 0xda, 0xff, 0xff, 0x00]);
    emit(
        "status-malformed-zlib",
        "the list's zlib data is broken: the list is refused, status UNKNOWN",
        cert("broken", 5)?,
        with_status(reject("status"), "unknown"),
        vec![(
            "list-malformed-zlib.cwt".into(),
            raw("broken", broken.into_bytes())?,
        )],
        false,
    )?;
    let bomb = StatusList::new(8, 4 << 20)?.encode();
    emit(
        "status-zip-bomb",
        "the list inflates to 4 MiB, over Limits: refused, status UNKNOWN",
        cert("bomb", 5)?,
        with_status(reject("status"), "unknown"),
        vec![("list-zip-bomb.cwt".into(), raw("bomb", bomb)?)],
        false,
    )?;
    Ok(())
}
