//! National seal and stamp vectors (`test-vectors/gm/`): GB/T 38540 seals (`*.esl`) and stamps
//! (`*.ses`) signed with SM2 under SM2 certificates that `make_sm2_x509.py` makes with Python
//! gmssl + asn1crypto, a failing case for every check. `test-vectors/check_gm.py` verifies
//! them again with Python and OpenSSL.

use std::path::Path;

use serde::Serialize;
use serde_json::json;
use yinzheng::Limits;
use yinzheng::crypto::{Sm2SigningKey, sm3};
use yinzheng::gm::{
    CertDigest, SealDraft, SealPicture, SealProperty, SignerList, StampDraft, make_seal,
    make_signed_data, make_stamp,
};
use yinzheng::time::UnixTime;
use yinzheng::trust::Role;

use crate::kit::{Expected, Result, RootEntry, accept, reject, write, write_manifest};
use crate::seals::SEAL_SVG;
use crate::x509::{
    CA_USAGE, LEAF_USAGE, Made, Y2020, Y2021, Y2025, Y2028, der, make_certificates, role_oid, seed,
    spec,
};

/// The bytes the stamps sign (in an OFD they would be a `Signature.xml`).
const DOCUMENT: &[u8] = "<ofd:Signature xmlns:ofd=\"http://www.ofdspec.org/2016\">\
    yinzheng national stamp vector: 吉林省市场监督管理局</ofd:Signature>\n"
    .as_bytes();
const PROPERTY_INFO: &str = "/Doc_0/Signs/Sign_0/Signature.xml";
/// 2025-06-30, the end of the short-lived seal.
const MID_2025: u64 = 1_751_241_600;

/// An SM2 certificate spec: `role` marks a leaf, `None` makes a CA.
fn sm2_spec(
    name: &str,
    issuer: Option<&str>,
    key_seed: u8,
    role: Option<Role>,
) -> serde_json::Value {
    let mut s = match role {
        Some(role) => {
            let mut s = spec(name, issuer, key_seed, Some(false), LEAF_USAGE);
            s["eku"] = json!([role_oid(role)]);
            s
        }
        None => spec(name, issuer, key_seed, Some(true), CA_USAGE),
    };
    s["key"] = json!({ "sm2": seed(key_seed) });
    s["cn"] = json!(format!("yinzheng sm2 test {name}"));
    s
}

fn specs() -> Vec<serde_json::Value> {
    let mut expired = sm2_spec(
        "sm2-signer-expired",
        Some("sm2-root"),
        0x78,
        Some(Role::StampSigner),
    );
    expired["not_before"] = json!(Y2020);
    expired["not_after"] = json!(Y2021);
    vec![
        sm2_spec("sm2-root", None, 0x71, None),
        sm2_spec("sm2-maker", Some("sm2-root"), 0x72, Some(Role::SealMaker)),
        sm2_spec(
            "sm2-signer",
            Some("sm2-root"),
            0x73,
            Some(Role::StampSigner),
        ),
        sm2_spec(
            "sm2-signer-unlisted",
            Some("sm2-root"),
            0x74,
            Some(Role::StampSigner),
        ),
        sm2_spec("sm2-other-root", None, 0x75, None),
        sm2_spec(
            "sm2-signer-other-root",
            Some("sm2-other-root"),
            0x76,
            Some(Role::StampSigner),
        ),
        sm2_spec(
            "sm2-maker-other-root",
            Some("sm2-other-root"),
            0x79,
            Some(Role::SealMaker),
        ),
        sm2_spec(
            "sm2-maker-wrong-role",
            Some("sm2-root"),
            0x77,
            Some(Role::StampSigner),
        ),
        expired,
    ]
}

#[derive(Serialize)]
pub(crate) struct GmVector {
    pub(crate) id: &'static str,
    pub(crate) description: &'static str,
    /// `seal` (verify the seal at `time`), `stamp` (verify the stamp over `data`), or `sign`
    /// (verify the GB/T 35275 `SignedData` over `data`, claimed made at `signed_at`).
    pub(crate) kind: &'static str,
    pub(crate) file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) data: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) signed_at: Option<u64>,
    /// For `ofd`: what ofdrw's validator must say (`valid` or `invalid`); it checks digests
    /// and signatures, not trust.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) ofdrw: Option<&'static str>,
    pub(crate) expected: Expected,
}

#[derive(Serialize)]
struct GmManifest {
    description: &'static str,
    time: u64,
    /// The SM2 roots, trusted for their roles (`sm2-other-root` is deliberately absent).
    x509_roots: Vec<RootEntry>,
    /// Every certificate the vectors use, as PEM files beside the manifest.
    certificates: Vec<String>,
    /// The agency key the e-licence's attached certificate is signed with.
    licence_issuer: crate::kit::TrustEntry,
    vectors: Vec<GmVector>,
}

/// The certificates, the seals they make and the stamps made with them.
pub(crate) struct Kit {
    specs: Vec<serde_json::Value>,
    made: std::collections::BTreeMap<String, Made>,
}

impl Kit {
    pub(crate) fn cert(&self, name: &str) -> Result<Vec<u8>> {
        der(&self.made, name)
    }

    /// The key of certificate `name`, from the scalar its spec gave the Python maker.
    pub(crate) fn key(&self, name: &str) -> Result<Sm2SigningKey> {
        let scalar = self
            .specs
            .iter()
            .find(|s| s["name"] == name)
            .and_then(|s| s["key"]["sm2"].as_str())
            .ok_or(format!("no SM2 spec named {name}"))?;
        let scalar: [u8; 32] = hex::decode(scalar)?
            .try_into()
            .map_err(|_| format!("{name}: the scalar is not 32 bytes"))?;
        Ok(Sm2SigningKey::from_bytes(&scalar)?)
    }

    /// A seal made by the holder of certificate `maker` listing `signers`, valid until
    /// `until`.
    pub(crate) fn seal(&self, maker: &str, signers: SignerList, until: u64) -> Result<Vec<u8>> {
        let draft = SealDraft {
            vendor: "yinzheng".into(),
            es_id: "22010000000000000001".into(),
            property: SealProperty {
                seal_type: 1,
                name: "吉林省市场监督管理局业务专用章（测试）".into(),
                signers,
                created: UnixTime::from_secs(Y2025),
                valid_from: UnixTime::from_secs(Y2025),
                valid_until: UnixTime::from_secs(until),
            },
            picture: SealPicture {
                kind: "SVG".into(),
                data: SEAL_SVG.as_bytes().to_vec(),
                width_mm: 40,
                height_mm: 40,
            },
            extensions: Vec::new(),
        };
        Ok(make_seal(&draft, &self.cert(maker)?, &self.key(maker)?)?)
    }

    /// A stamp with `seal` by the holder of certificate `signer` over [`DOCUMENT`].
    fn stamp(&self, seal: &[u8], signer: &str, at: UnixTime) -> Result<Vec<u8>> {
        let draft = StampDraft {
            seal,
            signed_at: at,
            data_hash: &sm3(DOCUMENT),
            property_info: PROPERTY_INFO,
            extensions: Vec::new(),
        };
        let cert = self.cert(signer)?;
        Ok(make_stamp(
            &draft,
            &cert,
            &self.key(signer)?,
            &Limits::default(),
        )?)
    }
}

impl Kit {
    /// A GB/T 35275 `SignedData` by the holder of certificate `signer` over [`DOCUMENT`].
    fn signed_data(&self, signer: &str) -> Result<Vec<u8>> {
        Ok(make_signed_data(
            DOCUMENT,
            &self.cert(signer)?,
            &self.key(signer)?,
        )?)
    }
}

pub(crate) fn flip_last(mut bytes: Vec<u8>) -> Vec<u8> {
    if let Some(last) = bytes.last_mut() {
        *last ^= 0x01;
    }
    bytes
}

/// Re-encodes the outer length of a DER element in one more byte than needed.
fn non_minimal_length(bytes: &[u8]) -> Result<Vec<u8>> {
    let [tag, 0x82, hi, lo, rest @ ..] = bytes else {
        return Err("expected a two-byte long-form length".into());
    };
    Ok([&[*tag, 0x83, 0, *hi, *lo][..], rest].concat())
}

/// Writes `test-vectors/gm/` as of `now`.
pub(crate) fn gm_vectors(dir: &Path, now: UnixTime) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let specs = specs();
    let kit = Kit {
        made: make_certificates("make_sm2_x509.py", &specs)?,
        specs,
    };
    let mut certificates = Vec::new();
    for (name, cert) in &kit.made {
        certificates.push(write(dir, &format!("{name}.pem"), cert.pem.as_bytes())?);
    }
    write(dir, "document.xml", DOCUMENT)?;
    let mut altered = DOCUMENT.to_vec();
    altered[60] ^= 0x01;
    write(dir, "document-altered.xml", &altered)?;

    let listed = |names: &[&str]| -> Result<SignerList> {
        Ok(SignerList::Certificates(
            names.iter().map(|n| kit.cert(n)).collect::<Result<_>>()?,
        ))
    };
    let signers = listed(&["sm2-signer", "sm2-signer-other-root", "sm2-signer-expired"])?;
    let maker = "sm2-maker";
    let seal = kit.seal(maker, signers.clone(), Y2028)?;
    let by_digest = kit.seal(
        maker,
        SignerList::Digests(vec![CertDigest {
            kind: "SM3".into(),
            value: sm3(&kit.cert("sm2-signer")?).to_vec(),
        }]),
        Y2028,
    )?;
    let short = kit.seal(maker, signers.clone(), MID_2025)?;
    let signed = now.saturating_sub(30 * 86_400);
    let signer = "sm2-signer";

    let mut vectors = Vec::new();
    let mut add = |id: &'static str,
                   description: &'static str,
                   kind: &'static str,
                   bytes: Vec<u8>,
                   data: Option<&'static str>,
                   expected: Expected|
     -> Result<()> {
        let extension = match kind {
            "seal" => "esl",
            "stamp" => "ses",
            _ => "p7s",
        };
        let file = write(dir, &format!("{id}.{extension}"), &bytes)?;
        let signed_at = (kind == "sign").then_some(signed.as_secs());
        vectors.push(GmVector {
            id,
            description,
            kind,
            file,
            data,
            signed_at,
            ofdrw: None,
            expected,
        });
        Ok(())
    };
    add(
        "seal-valid",
        "a seal made by a trusted maker, listing its signers' certificates",
        "seal",
        seal.clone(),
        None,
        accept(&[], 0),
    )?;
    add(
        "seal-by-digest",
        "a seal listing its signer by the SM3 digest of the certificate",
        "seal",
        by_digest.clone(),
        None,
        accept(&[], 0),
    )?;
    add(
        "seal-bad-signature",
        "the maker's signature has one bit flipped",
        "seal",
        flip_last(seal.clone()),
        None,
        reject("seal-maker"),
    )?;
    add(
        "seal-not-der",
        "the outer length is not minimal (BER, not DER)",
        "seal",
        non_minimal_length(&seal)?,
        None,
        reject("decode"),
    )?;
    add(
        "seal-maker-untrusted",
        "the maker's certificate chains to a root that is not trusted",
        "seal",
        kit.seal("sm2-maker-other-root", signers.clone(), Y2028)?,
        None,
        reject("seal-maker"),
    )?;
    add(
        "seal-maker-wrong-role",
        "the maker's certificate is marked for stamping, not for making seals",
        "seal",
        kit.seal("sm2-maker-wrong-role", signers.clone(), Y2028)?,
        None,
        reject("seal-maker"),
    )?;
    add(
        "seal-expired",
        "the seal's validity ended before the verification time",
        "seal",
        short.clone(),
        None,
        reject("seal-validity"),
    )?;

    let document = Some("document.xml");
    let stamp = kit.stamp(&seal, signer, signed)?;
    add(
        "stamp-valid",
        "a document stamped by a listed signer with a valid seal",
        "stamp",
        stamp.clone(),
        document,
        accept(&[], 0),
    )?;
    add(
        "stamp-seal-by-digest",
        "stamped with a seal that lists the signer by certificate digest",
        "stamp",
        kit.stamp(&by_digest, signer, signed)?,
        document,
        accept(&[], 0),
    )?;
    add(
        "stamp-bad-signature",
        "the signer's signature has one bit flipped",
        "stamp",
        flip_last(stamp.clone()),
        document,
        reject("stamp-signature"),
    )?;
    add(
        "stamp-signer-not-listed",
        "stamped by a trusted signer the seal does not list",
        "stamp",
        kit.stamp(&seal, "sm2-signer-unlisted", signed)?,
        document,
        reject("seal-authorisation"),
    )?;
    add(
        "stamp-seal-untrusted-maker",
        "stamped with a seal whose maker is not trusted",
        "stamp",
        kit.stamp(
            &kit.seal("sm2-maker-other-root", signers.clone(), Y2028)?,
            signer,
            signed,
        )?,
        document,
        reject("seal-maker"),
    )?;
    add(
        "stamp-after-seal-expired",
        "stamped after the seal's validity ended",
        "stamp",
        kit.stamp(&short, signer, signed)?,
        document,
        reject("seal-validity"),
    )?;
    add(
        "stamp-signer-untrusted",
        "the signer's certificate chains to a root that is not trusted",
        "stamp",
        kit.stamp(&seal, "sm2-signer-other-root", signed)?,
        document,
        reject("signer-certificate"),
    )?;
    add(
        "stamp-signer-expired",
        "the signer's certificate had expired at the signing time",
        "stamp",
        kit.stamp(&seal, "sm2-signer-expired", signed)?,
        document,
        reject("signer-certificate"),
    )?;
    add(
        "stamp-document-altered",
        "one byte of the signed data changed after stamping",
        "stamp",
        stamp,
        Some("document-altered.xml"),
        reject("document-digest"),
    )?;

    // OFD digital signatures (Type="Sign"): GB/T 35275 SignedData over the same data.
    let signed_data = kit.signed_data(signer)?;
    add(
        "sign-valid",
        "a GB/T 35275 SignedData by a trusted signer over the data",
        "sign",
        signed_data.clone(),
        document,
        accept(&[], 0),
    )?;
    add(
        "sign-bad-signature",
        "the signer's signature has one bit flipped",
        "sign",
        flip_last(signed_data.clone()),
        document,
        reject("stamp-signature"),
    )?;
    add(
        "sign-not-der",
        "the outer length is not minimal (BER, not DER)",
        "sign",
        non_minimal_length(&signed_data)?,
        document,
        reject("decode"),
    )?;
    add(
        "sign-signer-untrusted",
        "the signer's certificate chains to a root that is not trusted",
        "sign",
        kit.signed_data("sm2-signer-other-root")?,
        document,
        reject("signer-certificate"),
    )?;
    add(
        "sign-signer-expired",
        "the signer's certificate had expired at the signing time",
        "sign",
        kit.signed_data("sm2-signer-expired")?,
        document,
        reject("signer-certificate"),
    )?;
    add(
        "sign-document-altered",
        "one byte of the signed data changed after signing",
        "sign",
        signed_data.clone(),
        Some("document-altered.xml"),
        reject("document-digest"),
    )?;
    add(
        "sign-in-future",
        "the claimed signing time is a day after the verification time",
        "sign",
        signed_data,
        document,
        reject("validity"),
    )?;
    if let Some(future) = vectors.iter_mut().find(|v| v.id == "sign-in-future") {
        future.signed_at = Some(now.as_secs() + 86_400);
    }
    let licence_issuer = crate::ofd::ofd_vectors(dir, &kit, (&seal, &short), signed, &mut vectors)?;

    let root = |name: &'static str, roles: &'static [&'static str]| -> Result<RootEntry> {
        Ok(RootEntry {
            name,
            der: hex::encode(kit.cert(name)?),
            roles,
        })
    };
    let manifest = GmManifest {
        description: "yinzheng national (GB/T 38540, GB/T 35275, SM2) vectors: verify each \
                      seal at `time`, each stamp and SignedData over its data; see \
                      test-vectors/README.md",
        time: now.as_secs(),
        x509_roots: vec![root("sm2-root", &["seal-maker", "stamp-signer"])?],
        certificates,
        licence_issuer,
        vectors,
    };
    write_manifest(dir, &manifest)
}
