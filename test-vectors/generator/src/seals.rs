//! Seal vectors: certificates signed under an agency seal (in the certificates manifest) and
//! stamps over a document (`test-vectors/seals/`), a failing case for every check.

use std::path::Path;

use serde::Serialize;
use yinzheng::crypto::{Ed25519SigningKey, SeededRandom, Signer, sha256, sign_cose};
use yinzheng::issue::{Issuer, SealMaker, Stamper};
use yinzheng::model::seal::{SHA256_ALG, STAMP_TYP};
use yinzheng::model::{Agency, Seal, SealKind, SealPicture, StampClaims, StatusReference};
use yinzheng::status::{StatusList, StatusListToken};
use yinzheng::time::UnixTime;

use crate::kit::{
    CertVectors, Expected, JILIN, Parts, Result, RootEntry, TrustEntry, accept, business_licence,
    parts, reject, replace_once, typ_header, with_status, write_manifest,
};

/// The seal picture: a red circle with the agency's name, as SVG.
pub(crate) const SEAL_SVG: &str = concat!(
    r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42">"##,
    r##"<circle cx="21" cy="21" r="19" fill="none" stroke="#d40000" stroke-width="1.5"/>"##,
    r##"<text x="21" y="24" font-size="4" text-anchor="middle" fill="#d40000">吉林省市场监督管理局</text>"##,
    r##"<text x="21" y="30" font-size="6" text-anchor="middle" fill="#d40000">★</text></svg>"##
);

const LIST_URI: &str = "https://status.example.gov.cn/jilin/seals";
pub(crate) const Y2025: u64 = 1_735_689_600;
const Y2026: u64 = 1_767_225_600;
pub(crate) const Y2029: u64 = 1_861_920_000;

pub(crate) struct SealKeys {
    pub(crate) maker: Ed25519SigningKey,
    pub(crate) stamper: Ed25519SigningKey,
    pub(crate) stranger: Ed25519SigningKey,
}

const MAKER: u8 = 0x61;
const STAMPER: u8 = 0x62;
pub(crate) const STRANGER: u8 = 0x63;

/// A fresh copy of the key with `seed` (signing keys are not `Clone`).
pub(crate) fn key(seed: u8) -> Ed25519SigningKey {
    Ed25519SigningKey::from_seed(&[seed; 32])
}

pub(crate) fn seal_keys() -> SealKeys {
    SealKeys {
        maker: key(MAKER),
        stamper: key(STAMPER),
        stranger: key(STRANGER),
    }
}

/// The agency seal with esID `id`, authorising the stamper key.
pub(crate) fn seal(
    keys: &SealKeys,
    id: &str,
    until: u64,
    status_index: Option<u64>,
) -> Result<Seal> {
    Ok(Seal {
        id: id.to_owned(),
        kind: SealKind::Official,
        name: "吉林省市场监督管理局（测试）电子公章".into(),
        owner: Agency::new("吉林省市场监督管理局（测试）", JILIN)?,
        authorised_keys: vec![sha256(&keys.stamper.public_key().to_bytes())],
        created: UnixTime::from_secs(Y2025),
        valid_from: UnixTime::from_secs(Y2025),
        valid_until: UnixTime::from_secs(until),
        picture: SealPicture {
            format: "svg".into(),
            data: SEAL_SVG.as_bytes().to_vec(),
            width_mm: 42,
            height_mm: 42,
        },
        status: status_index.map(|index| StatusReference {
            index,
            uri: LIST_URI.into(),
        }),
    })
}

/// The seals the verifiers hold: [good (status index 1), revoked (3), suspended (4),
/// expired (ends 2026-01-01)], each made by the seal maker.
pub(crate) fn agency_seals(keys: &SealKeys) -> Result<Vec<Vec<u8>>> {
    let maker = SealMaker::new(key(MAKER));
    let at = UnixTime::from_secs(Y2025);
    Ok(vec![
        maker.make(&seal(keys, "2200000000000001", Y2029, Some(1))?, at)?,
        maker.make(&seal(keys, "2200000000000003", Y2029, Some(3))?, at)?,
        maker.make(&seal(keys, "2200000000000004", Y2029, Some(4))?, at)?,
        maker.make(&seal(keys, "2200000000000005", Y2026, None)?, at)?,
    ])
}

/// The seals' status list: 3 revoked, 4 suspended, signed by the owner agency's key.
pub(crate) fn seal_status_list(now: UnixTime, jilin: &dyn Signer) -> Result<Vec<u8>> {
    let mut list = StatusList::new(2, 64)?;
    list.set(3, 1)?;
    list.set(4, 2)?;
    Ok(StatusListToken {
        uri: LIST_URI.into(),
        issued_at: now.saturating_sub(3600),
        expires_at: None,
        ttl: Some(86_400),
        list,
    }
    .sign(jilin)?)
}

pub(crate) fn seal_maker_entry(keys: &SealKeys) -> TrustEntry {
    TrustEntry {
        name: "吉林省公安厅制章中心（测试）",
        agency: JILIN,
        alg: "Ed25519",
        public_key: hex::encode(keys.maker.public_key().to_bytes()),
        roles: &["seal-maker"],
    }
}

fn sealed_issuer(seal: &[u8]) -> Result<Issuer> {
    Ok(Issuer::new(
        Agency::new("吉林省市场监督管理局（测试）", JILIN)?,
        key(STAMPER),
    )
    .with_rng(SeededRandom::from_seed([0x0A; 32]))
    .with_seal(seal)?)
}

/// Certificates signed under a seal. Every vector gets the seal status list.
pub(crate) fn certificate_vectors(
    out: &Path,
    keys: &SealKeys,
    jilin: &dyn Signer,
    now: UnixTime,
    signed: UnixTime,
    vectors: &mut CertVectors,
) -> Result<()> {
    let seals = agency_seals(keys)?;
    let list_file = "list-seals.cwt".to_owned();
    std::fs::write(out.join(&list_file), seal_status_list(now, jilin)?)?;
    let mut add = |id, description, bytes, expected| {
        vectors.push((
            id,
            description,
            bytes,
            expected,
            vec![list_file.clone()],
            false,
        ));
    };
    let licence = |seal: &[u8]| -> Result<Vec<u8>> {
        Ok(sealed_issuer(seal)?
            .issue(business_licence()?, signed)?
            .into_bytes())
    };
    add(
        "sealed-valid",
        "signed under the agency's seal (esID + digest + key in the certificate), the seal held",
        licence(&seals[0])?,
        accept(&[], 0),
    );
    // A seal the verifier was never given (same content, another esID).
    let unknown = SealMaker::new(key(MAKER)).make(
        &seal(keys, "2200000000000099", Y2029, None)?,
        UnixTime::from_secs(Y2025),
    )?;
    add(
        "sealed-unknown-seal",
        "names a seal the verifier does not hold",
        licence(&unknown)?,
        reject("issuer-key"),
    );
    add(
        "sealed-seal-revoked",
        "the seal is revoked in its status list",
        licence(&seals[1])?,
        reject("issuer-key"),
    );
    add(
        "sealed-seal-suspended",
        "the seal is suspended (reported lost) in its status list",
        licence(&seals[2])?,
        reject("issuer-key"),
    );
    add(
        "sealed-seal-expired",
        "signed after the seal's validity ended",
        licence(&seals[3])?,
        reject("issuer-key"),
    );
    // The stranger's key is not authorised by the seal: the issuer refuses, so force it.
    let forced = {
        let good = licence(&seals[0])?;
        let claims = parts(&good)?;
        let stranger = keys.stranger.public_key().to_bytes();
        let stamper = keys.stamper.public_key().to_bytes();
        let payload = replace_once(&claims.payload, &stamper, &stranger)?;
        let protected = typ_header("application/yz-cert+cwt", &keys.stranger.public_key());
        Parts {
            protected,
            payload,
            ..claims
        }
        .resign(&keys.stranger)?
    };
    add(
        "sealed-key-not-authorised",
        "names the seal, but is signed by a key the seal does not list",
        forced,
        reject("issuer-key"),
    );
    Ok(())
}

#[derive(Serialize)]
struct StampManifest {
    description: &'static str,
    time: u64,
    /// Trusted seal makers.
    seal_makers: Vec<TrustEntry>,
    /// Trusted issuer keys (the seal owner's status lists are signed by one).
    trust: Vec<TrustEntry>,
    /// Trusted X.509 roots.
    x509_roots: Vec<RootEntry>,
    vectors: Vec<StampVector>,
}

#[derive(Serialize)]
struct StampVector {
    id: &'static str,
    description: &'static str,
    stamp: String,
    document: String,
    status_lists: Vec<String>,
    expected: Expected,
}

/// The document every stamp is over: a small PDF-like file.
pub(crate) const DOCUMENT: &[u8] = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n\
2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% \xe5\x85\xb3\xe4\xba\x8e\xe5\x87\xba\xe5\x85\xb7\xe8\xaf\x81\xe6\x98\x8e\n%%EOF\n";

/// Writes `test-vectors/seals/`: stamps over [`DOCUMENT`], one failure per stamp check.
pub(crate) fn stamp_vectors(
    dir: &Path,
    keys: &SealKeys,
    jilin: (&dyn Signer, TrustEntry),
    x509: (Vec<RootEntry>, Vec<Vec<u8>>, &Ed25519SigningKey),
    now: UnixTime,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let seals = agency_seals(keys)?;
    let at = now.saturating_sub(86_400);
    std::fs::write(dir.join("document.pdf"), DOCUMENT)?;
    let list = "list-seals.cwt".to_owned();
    std::fs::write(dir.join(&list), seal_status_list(now, jilin.0)?)?;
    let stamp = |seal: &[u8], document: &[u8]| -> Result<Vec<u8>> {
        Ok(Stamper::new(seal.to_vec(), key(STAMPER))?.stamp(
            document,
            "全文 (whole document)",
            at,
        )?)
    };
    let mut vectors = Vec::new();
    let mut add = |id: &'static str,
                   description: &'static str,
                   stamp: Vec<u8>,
                   document: &str,
                   expected: Expected|
     -> Result<()> {
        let file = format!("{id}.cose");
        std::fs::write(dir.join(&file), stamp)?;
        vectors.push(StampVector {
            id,
            description,
            stamp: file,
            document: document.to_owned(),
            status_lists: vec![list.clone()],
            expected,
        });
        Ok(())
    };
    add(
        "stamp-valid",
        "the document stamped with a valid seal by an authorised key",
        stamp(&seals[0], DOCUMENT)?,
        "document.pdf",
        with_status(accept(&[], 0), "valid"),
    )?;
    // A seal made by a key certified through X.509 (the maker sends its chain).
    let (roots, maker_chain, maker_leaf_key) = x509;
    let x509_seal = {
        let seal = seal(keys, "2200000000000006", Y2029, None)?;
        let payload = seal.encode();
        let public = maker_leaf_key.public_key();
        let kid = public.key_id();
        let mut header = yinzheng::encoding::cose::ProtectedHeader::new(
            -19,
            kid.as_bytes(),
            yinzheng::model::seal::SEAL_TYP,
        );
        header.x5chain = maker_chain.iter().map(Vec::as_slice).collect();
        let protected = header.encode();
        let signature = maker_leaf_key.sign(&yinzheng::encoding::cose::sig_structure(
            &protected, &payload,
        ))?;
        yinzheng::encoding::cose::encode_sign1(&protected, &[], &payload, &signature)
    };
    add(
        "stamp-valid-x509-maker",
        "the seal maker is certified by an X.509 chain to a trusted root",
        stamp(&x509_seal, DOCUMENT)?,
        "document.pdf",
        accept(&[], 0),
    )?;
    // The stamp is signed by a key the seal does not list (built by hand: Stamper refuses).
    let unauthorised = {
        let key = keys.stranger.public_key().to_bytes();
        let digest = sha256(DOCUMENT);
        let claims = StampClaims {
            seal: &seals[0],
            signed_at: at,
            digest_alg: SHA256_ALG,
            digest: &digest,
            property: "全文 (whole document)",
            signer_key: &key,
        };
        sign_cose(&keys.stranger, STAMP_TYP, &claims.encode())?
    };
    add(
        "stamp-key-not-authorised",
        "stamped by a key the seal does not authorise",
        unauthorised,
        "document.pdf",
        reject("seal-authorisation"),
    )?;
    let rogue = SealMaker::new(key(STRANGER)).make(
        &seal(keys, "2200000000000007", Y2029, None)?,
        UnixTime::from_secs(Y2025),
    )?;
    add(
        "stamp-untrusted-maker",
        "the seal was made by a key that is not a trusted seal maker",
        stamp(&rogue, DOCUMENT)?,
        "document.pdf",
        reject("seal-maker"),
    )?;
    add(
        "stamp-seal-expired",
        "stamped after the seal's validity ended",
        stamp(&seals[3], DOCUMENT)?,
        "document.pdf",
        reject("seal-validity"),
    )?;
    add(
        "stamp-seal-revoked",
        "the seal is revoked in its status list",
        stamp(&seals[1], DOCUMENT)?,
        "document.pdf",
        with_status(reject("seal-status"), "revoked"),
    )?;
    add(
        "stamp-seal-suspended",
        "the seal is suspended (reported lost) in its status list",
        stamp(&seals[2], DOCUMENT)?,
        "document.pdf",
        with_status(reject("seal-status"), "suspended"),
    )?;
    let mut altered = DOCUMENT.to_vec();
    altered[10] ^= 0x01;
    std::fs::write(dir.join("document-altered.pdf"), &altered)?;
    add(
        "stamp-document-altered",
        "one byte of the document changed after stamping",
        stamp(&seals[0], DOCUMENT)?,
        "document-altered.pdf",
        with_status(reject("document-digest"), "valid"),
    )?;
    let mut broken = stamp(&seals[0], DOCUMENT)?;
    if let Some(last) = broken.last_mut() {
        *last ^= 0x01;
    }
    add(
        "stamp-bad-signature",
        "the stamp's signature has one bit flipped",
        broken,
        "document.pdf",
        reject("stamp-signature"),
    )?;
    let manifest = StampManifest {
        description: "yinzheng stamp vectors: verify each stamp over its document at `time`; see test-vectors/README.md",
        time: now.as_secs(),
        seal_makers: vec![seal_maker_entry(keys)],
        trust: vec![jilin.1],
        x509_roots: roots,
        vectors,
    };
    write_manifest(dir, &manifest)?;
    Ok(())
}
