//! The pieces every vector family shares: the certificates manifest's types and its
//! expected outcomes, the seeded keys and issuers, the certificates the families start from,
//! byte surgery on issued certificates, and the writers of the output files.

use std::error::Error;
use std::path::Path;

use serde::Serialize;
use yinzheng::Limits;
use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, PublicKey, SeededRandom, Signer};
use yinzheng::encoding::cose::{CoseSign1, ProtectedHeader, encode_sign1, sig_structure};
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Uscc, Validity};
use yinzheng::time::Date;

pub(crate) type Result<T> = std::result::Result<T, Box<dyn Error>>;

pub(crate) const JILIN: &str = "11220000013544541J";
pub(crate) const HUNAN: &str = "11430000006122244L";

#[derive(Serialize)]
pub(crate) struct Manifest {
    pub(crate) description: &'static str,
    /// Verification time for every case, Unix seconds.
    pub(crate) time: u64,
    pub(crate) trust: Vec<TrustEntry>,
    /// X.509 roots to trust (DER, hex); the certificates are also in `test-vectors/x509/`.
    pub(crate) x509_roots: Vec<RootEntry>,
    /// Trusted seal makers.
    pub(crate) seal_makers: Vec<TrustEntry>,
    /// Agency seals the verifier holds (hex of each seal's `COSE_Sign1`).
    pub(crate) seals: Vec<String>,
    pub(crate) vectors: Vec<Vector>,
}

#[derive(Clone, Serialize)]
pub(crate) struct TrustEntry {
    pub(crate) name: &'static str,
    pub(crate) agency: &'static str,
    pub(crate) alg: &'static str,
    pub(crate) public_key: String,
    /// What the key is trusted for (`issuer`, `status-lists`, `seal-maker`, …).
    pub(crate) roles: &'static [&'static str],
}

/// A root the manifest tells verifiers to trust, and for which roles.
#[derive(Clone, Serialize)]
pub(crate) struct RootEntry {
    pub(crate) name: &'static str,
    pub(crate) der: String,
    pub(crate) roles: &'static [&'static str],
}

/// An agency's own key: it issues certificates and signs its status lists.
pub(crate) const AGENCY_ROLES: &[&str] = &["issuer", "status-lists"];

#[derive(Serialize)]
pub(crate) struct Vector {
    pub(crate) id: &'static str,
    pub(crate) description: &'static str,
    pub(crate) file: String,
    pub(crate) hex: String,
    pub(crate) qr: String,
    /// Status list tokens to give the verifier first, in order.
    pub(crate) status_lists: Vec<String>,
    /// Whether the verifier allows an unknown status.
    pub(crate) allow_unknown_status: bool,
    pub(crate) expected: Expected,
}

#[derive(Serialize)]
pub(crate) struct Expected {
    pub(crate) outcome: &'static str,
    pub(crate) failed_check: Option<&'static str>,
    pub(crate) disclosed: Vec<String>,
    pub(crate) warnings: usize,
    /// `valid`, `revoked`, `suspended` or `unknown` for certificates with a status reference.
    pub(crate) status: Option<&'static str>,
}

pub(crate) fn accept(disclosed: &[&str], warnings: usize) -> Expected {
    Expected {
        outcome: "accept",
        failed_check: None,
        disclosed: disclosed.iter().map(|s| (*s).to_owned()).collect(),
        warnings,
        status: None,
    }
}

pub(crate) fn reject(check: &'static str) -> Expected {
    Expected {
        outcome: "reject",
        failed_check: Some(check),
        disclosed: Vec::new(),
        warnings: 0,
        status: None,
    }
}

pub(crate) fn with_status(mut e: Expected, status: &'static str) -> Expected {
    e.status = Some(status);
    e
}

/// The agency keys the certificate vectors (and the families built on them) sign with.
pub(crate) struct Keys {
    pub(crate) jilin: Ed25519SigningKey,
    pub(crate) other: Ed25519SigningKey,
    pub(crate) device_issuer: P256SigningKey,
}

impl Keys {
    /// The keys from their fixed seeds.
    pub(crate) fn seeded() -> Result<Self> {
        Ok(Self {
            jilin: Ed25519SigningKey::from_seed(&[0x11; 32]),
            other: Ed25519SigningKey::from_seed(&[0x22; 32]),
            device_issuer: P256SigningKey::from_bytes(&[0x33; 32])?,
        })
    }
}

/// The Jilin agency key as the verifiers' trust anchor.
pub(crate) fn jilin_anchor(key: &Ed25519SigningKey) -> TrustEntry {
    TrustEntry {
        name: "吉林省 test anchor",
        agency: JILIN,
        alg: "Ed25519",
        public_key: hex::encode(key.public_key().to_bytes()),
        roles: AGENCY_ROLES,
    }
}

pub(crate) fn seeded_issuer(
    agency: &str,
    name: &str,
    key_seed: u8,
    rng_seed: u8,
) -> Result<Issuer> {
    let agency = Agency::new(name, agency)?;
    Ok(
        Issuer::new(agency, Ed25519SigningKey::from_seed(&[key_seed; 32]))
            .with_rng(SeededRandom::from_seed([rng_seed; 32])),
    )
}

pub(crate) fn business_licence() -> Result<CertificateBuilder> {
    business_licence_valid(Validity::long_term(Date::new(2024, 3, 15)?))
}

/// The business licence with another validity.
pub(crate) fn business_licence_valid(validity: Validity) -> Result<CertificateBuilder> {
    let kind = CertificateType::new("11100000MB0341032Y002", "营业执照")?;
    let company = Uscc::parse("91350100M000100Y43")?;
    let holder = Holder::organisation("福州示例科技有限公司", &company);
    let issued = Date::new(2024, 3, 15)?;
    Ok(
        CertificateBuilder::new(kind, "91350100M000100Y43", holder, issued, validity)
            .serial("2024031500001")
            .jurisdiction("350100")
            .field("类型", "有限责任公司")
            .field("法定代表人", "林示例")
            .field("注册资本", "壹佰万元整")
            .field("成立日期", Date::new(2018, 6, 1)?)
            .field("住所", "福建省福州市鼓楼区示例路1号"),
    )
}

pub(crate) fn resident_certificate(validity: Validity) -> Result<CertificateBuilder> {
    let kind = CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")?;
    let holder = Holder::resident("李示例", &ResidentId::parse("11010519491231002X")?);
    Ok(CertificateBuilder::new(
        kind,
        "吉A042012000939",
        holder,
        Date::new(2024, 1, 8)?,
        validity,
    )
    .serial("2430599")
    .jurisdiction("220000")
    .field("操作类别", "建筑电工")
    .disclosable_field("性别", "男")
    .disclosable_field("出生日期", Date::new(1949, 12, 31)?)
    .disclosable_field("住址", "吉林省长春市示例街2号")
    .disclosable_field(
        "照片",
        vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46],
    )
    .disclosable_field("age_over_18", true))
}

pub(crate) fn ten_years(from: Date) -> Result<Validity> {
    Ok(Validity::days(
        from,
        Date::new(from.year() + 10, from.month(), from.day())?,
    ))
}

/// The parts of an issued certificate, to rebuild variants.
pub(crate) struct Parts {
    pub(crate) protected: Vec<u8>,
    pub(crate) payload: Vec<u8>,
    pub(crate) signature: Vec<u8>,
    pub(crate) disclosures: Vec<Vec<u8>>,
}

pub(crate) fn parts(bytes: &[u8]) -> Result<Parts> {
    let s = CoseSign1::decode(bytes, &Limits::default())?;
    Ok(Parts {
        protected: s.protected_bytes.to_vec(),
        payload: s.payload.to_vec(),
        signature: s.signature.to_vec(),
        disclosures: s.disclosures.iter().map(|d| d.to_vec()).collect(),
    })
}

impl Parts {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let items: Vec<&[u8]> = self.disclosures.iter().map(Vec::as_slice).collect();
        encode_sign1(&self.protected, &items, &self.payload, &self.signature)
    }

    pub(crate) fn resign(mut self, key: &dyn Signer) -> Result<Vec<u8>> {
        self.signature = key.sign(&sig_structure(&self.protected, &self.payload))?;
        Ok(self.encode())
    }
}

pub(crate) fn protected(alg: i64, key: &PublicKey) -> Vec<u8> {
    ProtectedHeader::new(alg, key.key_id().as_bytes(), "application/yz-cert+cwt").encode()
}

pub(crate) fn typ_header(typ: &str, key: &PublicKey) -> Vec<u8> {
    ProtectedHeader::new(-19, key.key_id().as_bytes(), typ).encode()
}

/// `haystack` with the single occurrence of `needle` replaced.
pub(crate) fn replace_once(haystack: &[u8], needle: &[u8], replacement: &[u8]) -> Result<Vec<u8>> {
    let hits: Vec<usize> = haystack
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| *w == needle)
        .map(|(i, _)| i)
        .collect();
    let [at] = hits[..] else {
        return Err(format!(
            "expected one occurrence of {}, found {}",
            hex::encode(needle),
            hits.len()
        )
        .into());
    };
    let mut out = haystack[..at].to_vec();
    out.extend_from_slice(replacement);
    out.extend_from_slice(&haystack[at + needle.len()..]);
    Ok(out)
}

pub(crate) fn text_head(s: &str) -> Result<Vec<u8>> {
    let len = u8::try_from(s.len())?;
    Ok(if len < 24 {
        vec![0x60 + len]
    } else {
        vec![0x78, len]
    })
}

/// The same manifest as tab-separated text, for test suites without a JSON parser (the
/// host-JVM Kotlin tests): `trust.tsv` and `index.tsv`, each with a header line.
pub(crate) fn write_tsv(dir: &Path, manifest: &Manifest) -> Result<()> {
    let key_table = |entries: &[TrustEntry]| {
        let mut table = String::from("name\tagency\talg\tpublic_key\troles\n");
        for t in entries {
            let roles = t.roles.join(",");
            table += &format!(
                "{}\t{}\t{}\t{}\t{roles}\n",
                t.name, t.agency, t.alg, t.public_key
            );
        }
        table
    };
    std::fs::write(dir.join("trust.tsv"), key_table(&manifest.trust))?;
    std::fs::write(
        dir.join("seal_makers.tsv"),
        key_table(&manifest.seal_makers),
    )?;
    let mut roots = String::from("name\tder\troles\n");
    for r in &manifest.x509_roots {
        roots += &format!("{}\t{}\t{}\n", r.name, r.der, r.roles.join(","));
    }
    std::fs::write(dir.join("x509_roots.tsv"), roots)?;
    let seals: String = manifest.seals.iter().map(|s| format!("{s}\n")).collect();
    std::fs::write(dir.join("seals.tsv"), format!("seal\n{seals}"))?;
    let mut index = String::from(
        "id\tfile\ttime\toutcome\tfailed_check\tdisclosed\twarnings\tstatus_lists\tallow_unknown_status\tstatus\n",
    );
    for v in &manifest.vectors {
        let e = &v.expected;
        let or_dash = |items: &[String]| {
            if items.is_empty() {
                "-".to_owned()
            } else {
                items.join(",")
            }
        };
        index += &format!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
            v.id,
            v.file,
            manifest.time,
            e.outcome,
            e.failed_check.unwrap_or("-"),
            or_dash(&e.disclosed),
            e.warnings,
            or_dash(&v.status_lists),
            u8::from(v.allow_unknown_status),
            e.status.unwrap_or("-"),
        );
    }
    std::fs::write(dir.join("index.tsv"), index)?;
    Ok(())
}

/// The certificates manifest's cases as the families collect them: id, description, bytes,
/// expected outcome, status list files and whether an unknown status is allowed.
pub(crate) type CertVectors = Vec<(
    &'static str,
    &'static str,
    Vec<u8>,
    Expected,
    Vec<String>,
    bool,
)>;

/// Writes `manifest` as `dir/manifest.json` (pretty JSON, final newline).
pub(crate) fn write_manifest(dir: &Path, manifest: &impl Serialize) -> Result<()> {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(manifest)? + "\n",
    )?;
    Ok(())
}

/// Writes `bytes` as `dir/file` and returns `file`.
pub(crate) fn write(dir: &Path, file: &str, bytes: &[u8]) -> Result<String> {
    std::fs::write(dir.join(file), bytes)?;
    Ok(file.to_owned())
}
