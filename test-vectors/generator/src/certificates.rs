//! Certificate vectors (`test-vectors/certificates/`): a valid certificate and a failing case
//! for each verification check, each written as a `.cbor` file, with `manifest.json` (and the
//! same as TSV) giving the trust, time and expected outcome of each. The status, X.509 and
//! seal families add their certificates to the same manifest.

use std::path::Path;

use yinzheng::Limits;
use yinzheng::crypto::{P256SigningKey, Signer};
use yinzheng::encoding::qr::to_qr_text;
use yinzheng::issue::Issuer;
use yinzheng::model::{Agency, Disclosure, Field, Validity};
use yinzheng::present::select_disclosures;
use yinzheng::time::{Date, UnixTime};

use crate::kit::{
    AGENCY_ROLES, CertVectors, HUNAN, JILIN, Keys, Manifest, Parts, Result, RootEntry, TrustEntry,
    Vector, accept, business_licence, jilin_anchor, parts, protected, reject, replace_once,
    resident_certificate, seeded_issuer, ten_years, text_head, typ_header, write, write_manifest,
    write_tsv,
};
use crate::seals::{self, SealKeys};

/// The certificate vectors proper: issued at `signed`, to be verified at `now`.
pub(crate) fn certificate_vectors(
    keys: &Keys,
    now: UnixTime,
    signed: UnixTime,
) -> Result<CertVectors> {
    let jilin_key = keys.jilin.public_key();
    let market = seeded_issuer(JILIN, "吉林省市场监督管理局（测试）", 0x11, 0x01)?;
    let jilin = seeded_issuer(JILIN, "吉林省住房和城乡建设厅（测试）", 0x11, 0x02)?;

    let licence = market.issue(business_licence()?, signed)?;
    let resident_validity = ten_years(Date::new(2024, 1, 8)?)?;
    let resident = jilin.issue(resident_certificate(resident_validity)?, signed)?;
    let plain = parts(licence.as_bytes())?;
    let iat = u32::try_from(signed.as_secs())?;

    let mut vectors: CertVectors = Vec::new();
    let mut add = |id, description, bytes, expected| {
        vectors.push((id, description, bytes, expected, Vec::new(), false));
    };

    add(
        "valid-plain",
        "business licence (营业执照) with plain fields only",
        licence.as_bytes().to_vec(),
        accept(&[], 0),
    );
    let all: Vec<String> = resident
        .disclosures()
        .iter()
        .map(|d| d.field().name.clone())
        .collect();
    let all_refs: Vec<&str> = all.iter().map(String::as_str).collect();
    add(
        "valid-all-disclosed",
        "resident's certificate as issued, every disclosable field present",
        resident.as_bytes().to_vec(),
        accept(&all_refs, 0),
    );
    add(
        "valid-disclosed-and-withheld",
        "resident's certificate revealing 性别 and age_over_18, withholding 出生日期, 住址, 照片",
        select_disclosures(
            resident.as_bytes(),
            &["性别", "age_over_18"],
            &Limits::default(),
        )?,
        accept(&["性别", "age_over_18"], 0),
    );
    add(
        "valid-none-disclosed",
        "resident's certificate with every disclosable field withheld",
        select_disclosures(resident.as_bytes(), &[], &Limits::default())?,
        accept(&[], 0),
    );
    add(
        "valid-alg-minus-8",
        "signed with alg -8 (polymorphic EdDSA), accepted on input",
        Parts {
            protected: protected(-8, &jilin_key),
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        accept(&[], 0),
    );
    let p256_issuer = Issuer::new(
        Agency::new("湖南省测试厅", HUNAN)?,
        P256SigningKey::from_bytes(&[0x33; 32])?,
    );
    let hunan_licence = business_licence()?;
    add(
        "valid-es256-issuer",
        "issuer key on P-256 (ES256, alg -7)",
        p256_issuer.issue(hunan_licence, signed)?.into_bytes(),
        accept(&[], 0),
    );
    let id = licence.certificate().id.as_str().to_owned();
    let last = id.chars().last().ok_or("empty id")?;
    let wrong_check = format!(
        "{}{}",
        &id[..id.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    add(
        "valid-imported-identifier-bad-check",
        "third-party identifier with a wrong MOD 37,36 check character: accepted with a warning",
        Parts {
            payload: replace_once(&plain.payload, id.as_bytes(), wrong_check.as_bytes())?,
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        accept(&[], 1),
    );

    // Check 6: validity.
    let expired_validity = Validity::days(Date::new(2016, 1, 1)?, Date::new(2025, 12, 31)?);
    let expired = seeded_issuer(JILIN, "吉林省住房和城乡建设厅（测试）", 0x11, 0x03)?.issue(
        resident_certificate(expired_validity)?,
        now.saturating_sub(3000 * 86_400),
    )?;
    add(
        "expired",
        "validity ended 2025-12-31",
        expired.into_bytes(),
        reject("validity"),
    );
    let future = ten_years(Date::new(2027, 1, 1)?)?;
    let not_yet = seeded_issuer(JILIN, "吉林省住房和城乡建设厅（测试）", 0x11, 0x04)?
        .issue(resident_certificate(future)?, signed)?;
    add(
        "not-yet-valid",
        "validity starts 2027-01-01",
        not_yet.into_bytes(),
        reject("validity"),
    );
    let in_future = seeded_issuer(JILIN, "吉林省住房和城乡建设厅（测试）", 0x11, 0x05)?.issue(
        resident_certificate(resident_validity)?,
        now.saturating_add(3600),
    )?;
    add(
        "signed-in-future",
        "iat one hour after the verification time",
        in_future.into_bytes(),
        reject("validity"),
    );

    // Checks 3–5: keys and agencies.
    let stranger = seeded_issuer(JILIN, "吉林省住房和城乡建设厅（测试）", 0x44, 0x06)?
        .issue(business_licence()?, signed)?;
    add(
        "unknown-issuer",
        "signed by a key no anchor holds",
        stranger.into_bytes(),
        reject("issuer-key"),
    );
    add(
        "wrong-key",
        "kid names the trusted key, signature made by another key",
        parts(licence.as_bytes())?.resign(&keys.other)?,
        reject("issuer-signature"),
    );
    let hunan_claims =
        seeded_issuer(HUNAN, "湖南省测试厅", 0x11, 0x07)?.issue(business_licence()?, signed)?;
    add(
        "issuer-code-mismatch",
        "claims the Hunan agency but the key is certified for the Jilin agency",
        hunan_claims.into_bytes(),
        reject("issuer-identity"),
    );

    // Check 4: tampering with signed bytes.
    add(
        "payload-byte-flipped",
        "one byte of the address field changed after signing (示例路1号 → 示例路2号)",
        Parts {
            payload: replace_once(&plain.payload, "路1号".as_bytes(), "路2号".as_bytes())?,
            ..parts(licence.as_bytes())?
        }
        .encode(),
        reject("issuer-signature"),
    );
    add(
        "protected-header-changed",
        "alg rewritten from -19 to -8 after signing",
        Parts {
            protected: protected(-8, &jilin_key),
            ..parts(licence.as_bytes())?
        }
        .encode(),
        reject("issuer-signature"),
    );
    let mut truncated = parts(licence.as_bytes())?;
    truncated.signature.truncate(63);
    add(
        "signature-truncated",
        "signature cut to 63 bytes",
        truncated.encode(),
        reject("issuer-signature"),
    );

    // Check 1: decoding, each re-signed so only the encoding is at fault.
    let mut wide = vec![0x06, 0x1b, 0, 0, 0, 0];
    wide.extend_from_slice(&iat.to_be_bytes());
    let mut narrow = vec![0x06, 0x1a];
    narrow.extend_from_slice(&iat.to_be_bytes());
    add(
        "non-canonical-integer",
        "iat written with an 8-byte argument where 4 suffice, validly signed",
        Parts {
            payload: replace_once(&plain.payload, &narrow, &wide)?,
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("decode"),
    );
    let mut iss_entry = vec![0x01];
    iss_entry.extend(text_head(JILIN)?);
    iss_entry.extend_from_slice(JILIN.as_bytes());
    let mut twice = iss_entry.clone();
    twice.extend_from_slice(&iss_entry);
    let mut dup_payload = replace_once(&plain.payload, &iss_entry, &twice)?;
    if let Some(head) = dup_payload.first_mut() {
        *head += 1; // one more map entry
    }
    add(
        "duplicate-map-key",
        "claim 1 (iss) present twice, validly signed",
        Parts {
            payload: dup_payload,
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("decode"),
    );
    let mut trailing = licence.as_bytes().to_vec();
    trailing.push(0x00);
    add(
        "trailing-bytes",
        "a zero byte after the COSE_Sign1",
        trailing,
        reject("decode"),
    );
    let field_count = u8::try_from(licence.certificate().fields.len())?;
    let mut indefinite = replace_once(&plain.payload, &[0x09, 0x80 + field_count], &[0x09, 0x9f])?;
    indefinite.push(0xff);
    add(
        "indefinite-length",
        "face field array with indefinite length, validly signed",
        Parts {
            payload: indefinite,
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("decode"),
    );
    add(
        "wrong-typ",
        "typ says application/yz-seal+cose, validly signed",
        Parts {
            protected: typ_header("application/yz-seal+cose", &jilin_key),
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("decode"),
    );
    let holder_code = licence.certificate().holder.code.clone();
    let mut sub_entry = vec![0x02];
    sub_entry.extend(text_head(&holder_code)?);
    sub_entry.extend_from_slice(holder_code.as_bytes());
    let mut with_aud = sub_entry.clone();
    with_aud.extend_from_slice(&[0x03, 0x61, b'x']); // 3 (aud): "x"
    let mut aud_payload = replace_once(&plain.payload, &sub_entry, &with_aud)?;
    if let Some(head) = aud_payload.first_mut() {
        *head += 1;
    }
    add(
        "unknown-claim",
        "claim 3 (aud) is not part of the format, validly signed",
        Parts {
            payload: aud_payload,
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("decode"),
    );

    // Check 2: algorithms.
    add(
        "alg-key-type-mismatch",
        "alg -7 (ES256) with the kid of an Ed25519 key, validly signed with that key",
        Parts {
            protected: protected(-7, &jilin_key),
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("algorithm"),
    );
    add(
        "alg-not-allowed",
        "alg -50 (ML-DSA-87; once a draft Ed25519 value), validly signed with Ed25519",
        Parts {
            protected: protected(-50, &jilin_key),
            ..parts(licence.as_bytes())?
        }
        .resign(&keys.jilin)?,
        reject("algorithm"),
    );

    // Check 7: disclosures.
    let mut altered = parts(resident.as_bytes())?;
    let original = Disclosure::decode(&altered.disclosures[0], &Limits::default())?;
    let forged = Disclosure::new(
        *original.salt(),
        Field::new(original.field().name.clone(), "女"),
    );
    altered.disclosures[0] = forged.as_bytes().to_vec();
    add(
        "disclosure-altered",
        "a disclosed item's value changed (its digest no longer matches)",
        altered.encode(),
        reject("disclosures"),
    );
    let mut doubled = parts(resident.as_bytes())?;
    let first = doubled.disclosures[0].clone();
    doubled.disclosures.push(first);
    add(
        "disclosure-duplicated",
        "the same disclosed item twice",
        doubled.encode(),
        reject("disclosures"),
    );
    let device = P256SigningKey::from_bytes(&[0x71; 32])?;
    add(
        "holder-bound-shown-statically",
        "bound to a holder device (cnf) but shown as itself, not in a presentation the device signs",
        jilin
            .issue(
                resident_certificate(resident_validity)?.holder_key(&device.public_key()),
                signed,
            )?
            .into_bytes(),
        reject("holder-binding"),
    );
    Ok(vectors)
}

/// Writes every collected vector as `<id>.cbor` into `out_dir`, then `manifest.json` and the
/// TSV files, trusting `keys`, `x509_roots` and the seals of `seal_keys`.
pub(crate) fn write_certificates(
    out_dir: &Path,
    keys: &Keys,
    now: UnixTime,
    x509_roots: Vec<RootEntry>,
    seal_keys: &SealKeys,
    vectors: CertVectors,
) -> Result<Manifest> {
    let trust = vec![
        jilin_anchor(&keys.jilin),
        TrustEntry {
            name: "湖南省 test anchor (P-256)",
            agency: HUNAN,
            alg: "ES256",
            public_key: hex::encode(keys.device_issuer.public_key().to_bytes()),
            roles: AGENCY_ROLES,
        },
    ];
    let manifest = Manifest {
        description: "yinzheng certificate vectors: verify each file at `time` against `trust`; see test-vectors/README.md",
        time: now.as_secs(),
        trust,
        x509_roots,
        seal_makers: vec![seals::seal_maker_entry(seal_keys)],
        seals: seals::agency_seals(seal_keys)?
            .iter()
            .map(hex::encode)
            .collect(),
        vectors: vectors
            .into_iter()
            .map(
                |(id, description, bytes, expected, status_lists, allow_unknown_status)| {
                    let file = format!("{id}.cbor");
                    Ok(Vector {
                        id,
                        description,
                        hex: hex::encode(&bytes),
                        qr: to_qr_text(&bytes),
                        status_lists,
                        allow_unknown_status,
                        expected,
                        file: write(out_dir, &file, &bytes)?,
                    })
                },
            )
            .collect::<Result<_>>()?,
    };
    write_manifest(out_dir, &manifest)?;
    write_tsv(out_dir, &manifest)?;
    Ok(manifest)
}
