//! Presentation (亮证) vectors in `test-vectors/presentations/`: certificates bound to a
//! holder device key, presented with chosen fields, and a failing case for each part of
//! check 8 (and the checks around it).

use std::path::Path;

use serde::Serialize;
use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, SeededRandom, Signer, sign_cose};
use yinzheng::encoding::qr::to_qr_text;
use yinzheng::issue::Issuer;
use yinzheng::model::presentation::{PRESENTATION_TYP, PresentationClaims};
use yinzheng::model::{Agency, StatusReference};
use yinzheng::present::{PresentationOptions, Presenter};
use yinzheng::status::{StatusList, StatusListToken};
use yinzheng::time::UnixTime;

use crate::kit::{
    Expected, JILIN, Parts, Result, TrustEntry, accept, parts, reject, resident_certificate,
    ten_years, with_status, write_manifest,
};

#[derive(Serialize)]
struct PresentationManifest {
    description: &'static str,
    trust: Vec<TrustEntry>,
    vectors: Vec<PresentationVector>,
}

#[derive(Serialize)]
struct PresentationVector {
    id: &'static str,
    description: &'static str,
    /// `presentation` (verify as one) or `certificate` (verify the bytes as a certificate).
    kind: &'static str,
    file: String,
    qr: String,
    /// Verification time, Unix seconds.
    time: u64,
    /// The nonce the verifier expects (hex), if any.
    nonce: Option<String>,
    /// The verifier's audience, if any.
    audience: Option<&'static str>,
    /// Verify twice with one replay cache: the second must fail as a replay.
    replay: bool,
    status_lists: Vec<String>,
    expected: Expected,
}

const NONCE: &[u8] = b"verifier-nonce-0001";
const AUDIENCE: &str = "长春示例酒店前台";
const LIST_URI: &str = "https://status.example.gov.cn/jilin/devices";

/// A presentation of `certificate` signed by `key` with the test nonce and audience, built by
/// hand for the cases `Presenter` refuses to make.
fn signed_by(key: &dyn Signer, certificate: &[u8], at: UnixTime, lifetime: u64) -> Result<Vec<u8>> {
    let claims = PresentationClaims {
        certificate,
        issued_at: at,
        expires_at: at.saturating_add(lifetime),
        nonce: Some(NONCE),
        audience: Some(AUDIENCE),
        purpose: None,
    };
    Ok(sign_cose(key, PRESENTATION_TYP, &claims.encode())?)
}

/// Writes the presentation vectors; `jilin` signs the certificates and the status list.
pub(crate) fn presentation_vectors(
    dir: &Path,
    jilin: (&Ed25519SigningKey, TrustEntry),
    now: UnixTime,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let device = P256SigningKey::from_bytes(&[0x71; 32])?;
    let device_ed = Ed25519SigningKey::from_seed(&[0x72; 32]);
    let stranger = P256SigningKey::from_bytes(&[0x73; 32])?;
    let signed = now.saturating_sub(30 * 86_400);
    let issuer = Issuer::new(
        Agency::new("吉林省住房和城乡建设厅（测试）", JILIN)?,
        Ed25519SigningKey::from_seed(&[0x11; 32]),
    )
    .with_rng(SeededRandom::from_seed([0x0B; 32]));
    let validity = ten_years(yinzheng::time::Date::new(2024, 1, 8)?)?;
    let bound = |key: &dyn Signer, status: Option<u64>| -> Result<Vec<u8>> {
        let mut builder = resident_certificate(validity)?.holder_key(&key.public_key());
        if let Some(index) = status {
            builder = builder.status(StatusReference {
                index,
                uri: LIST_URI.into(),
            });
        }
        Ok(issuer.issue(builder, signed)?.into_bytes())
    };
    let certificate = bound(&device, None)?;
    let at = now.saturating_sub(10);
    let options = PresentationOptions {
        reveal: vec!["性别".into(), "age_over_18".into()],
        nonce: Some(NONCE.to_vec()),
        audience: Some(AUDIENCE.into()),
        purpose: Some("住宿登记".into()),
        ..PresentationOptions::default()
    };
    let present = |cert: &[u8], key: P256SigningKey, opts: &PresentationOptions, t| {
        Presenter::new(cert.to_vec(), key)?.present(opts, t)
    };
    let good = present(
        &certificate,
        P256SigningKey::from_bytes(&[0x71; 32])?,
        &options,
        at,
    )?;

    let mut vectors = Vec::new();
    let mut add = |id: &'static str,
                   description: &'static str,
                   kind: &'static str,
                   bytes: Vec<u8>,
                   time: UnixTime,
                   replay: bool,
                   status_lists: Vec<String>,
                   expected: Expected|
     -> Result<()> {
        let file = format!("{id}.cbor");
        std::fs::write(dir.join(&file), &bytes)?;
        vectors.push(PresentationVector {
            id,
            description,
            kind,
            qr: to_qr_text(&bytes),
            file,
            time: time.as_secs(),
            nonce: Some(hex::encode(NONCE)),
            audience: Some(AUDIENCE),
            replay,
            status_lists,
            expected,
        });
        Ok(())
    };
    let shown = || accept(&["性别", "age_over_18"], 0);
    add(
        "presentation-valid",
        "P-256 device key, 性别 and age_over_18 revealed, nonce and audience as the verifier expects",
        "presentation",
        good.clone(),
        now,
        false,
        vec![],
        shown(),
    )?;
    let ed_certificate = bound(&device_ed, None)?;
    add(
        "presentation-valid-ed25519-device",
        "Ed25519 device key",
        "presentation",
        Presenter::new(ed_certificate, Ed25519SigningKey::from_seed(&[0x72; 32]))?
            .present(&options, at)?,
        now,
        false,
        vec![],
        shown(),
    )?;
    add(
        "presentation-expired",
        "verified 61 s after it was signed (a screenshot)",
        "presentation",
        good.clone(),
        at.saturating_add(61),
        false,
        vec![],
        reject("holder-binding"),
    )?;
    add(
        "presentation-future",
        "signed 120 s after the verification time",
        "presentation",
        good.clone(),
        at.saturating_sub(120),
        false,
        vec![],
        reject("holder-binding"),
    )?;
    // Signed by another key, with that key's kid: built by hand (Presenter refuses).
    let revealed = yinzheng::present::select_disclosures(
        &certificate,
        &["性别", "age_over_18"],
        &yinzheng::Limits::default(),
    )?;
    let forged = signed_by(&stranger, &revealed, at, 60)?;
    add(
        "presentation-wrong-device-key",
        "signed by a key other than the certificate's cnf",
        "presentation",
        forged,
        now,
        false,
        vec![],
        reject("holder-binding"),
    )?;
    // The revealed 性别 item altered inside the presented certificate, then re-signed by the
    // genuine device: only the disclosure digest check can catch it.
    let altered = {
        let mut p: Parts = parts(&revealed)?;
        let item = p
            .disclosures
            .iter_mut()
            .find(|d| d.windows(3).any(|w| w == "男".as_bytes()))
            .ok_or("no 性别 item")?;
        let at_value = item
            .windows(3)
            .position(|w| w == "男".as_bytes())
            .ok_or("no value")?;
        item[at_value..at_value + 3].copy_from_slice("女".as_bytes());
        signed_by(&device, &p.encode(), at, 60)?
    };
    add(
        "presentation-altered-value",
        "the revealed 性别 changed from 男 to 女 (re-signed by the genuine device)",
        "presentation",
        altered,
        now,
        false,
        vec![],
        reject("disclosures"),
    )?;
    let other_nonce = PresentationOptions {
        nonce: Some(b"another-verifier-nonce".to_vec()),
        ..options.clone()
    };
    add(
        "presentation-nonce-mismatch",
        "carries another verifier's nonce",
        "presentation",
        present(
            &certificate,
            P256SigningKey::from_bytes(&[0x71; 32])?,
            &other_nonce,
            at,
        )?,
        now,
        false,
        vec![],
        reject("holder-binding"),
    )?;
    let other_audience = PresentationOptions {
        audience: Some("另一家酒店".into()),
        ..options.clone()
    };
    add(
        "presentation-audience-mismatch",
        "addressed to another verifier",
        "presentation",
        present(
            &certificate,
            P256SigningKey::from_bytes(&[0x71; 32])?,
            &other_audience,
            at,
        )?,
        now,
        false,
        vec![],
        reject("holder-binding"),
    )?;
    add(
        "presentation-replay",
        "the valid presentation shown a second time to a verifier with a replay cache",
        "presentation",
        good.clone(),
        now,
        true,
        vec![],
        reject("holder-binding"),
    )?;
    let revoked_cert = bound(&device, Some(9))?;
    let mut list = StatusList::new(2, 64)?;
    list.set(9, 1)?;
    let token = StatusListToken {
        uri: LIST_URI.into(),
        issued_at: now.saturating_sub(3600),
        expires_at: None,
        ttl: Some(86_400),
        list,
    }
    .sign(jilin.0)?;
    std::fs::write(dir.join("list-devices.cwt"), token)?;
    add(
        "presentation-revoked-certificate",
        "a fresh, well-signed presentation of a revoked certificate",
        "presentation",
        present(
            &revoked_cert,
            P256SigningKey::from_bytes(&[0x71; 32])?,
            &options,
            at,
        )?,
        now,
        false,
        vec!["list-devices.cwt".into()],
        with_status(reject("status"), "revoked"),
    )?;
    add(
        "certificate-bound-shown-statically",
        "a device-bound certificate shown as itself, without a presentation (a copy)",
        "certificate",
        yinzheng::present::select_disclosures(&certificate, &[], &yinzheng::Limits::default())?,
        now,
        false,
        vec![],
        reject("holder-binding"),
    )?;
    let unbound = issuer
        .issue(resident_certificate(validity)?, signed)?
        .into_bytes();
    let unbound_presentation = signed_by(&device, &unbound, at, 60)?;
    add(
        "presentation-unbound-certificate",
        "a presentation wrapping a certificate that has no device key",
        "presentation",
        unbound_presentation,
        now,
        false,
        vec![],
        reject("holder-binding"),
    )?;
    let too_long = signed_by(&device, &certificate, at, 301)?;
    add(
        "presentation-lifetime-too-long",
        "exp 301 s after iat (at most 300)",
        "presentation",
        too_long,
        now,
        false,
        vec![],
        reject("decode"),
    )?;
    let manifest = PresentationManifest {
        description: "yinzheng presentation vectors: verify each at its `time` with its nonce and audience; see test-vectors/README.md",
        trust: vec![jilin.1],
        vectors,
    };
    write_manifest(dir, &manifest)?;
    Ok(())
}
