//! Writes `test-vectors/certificates/`: one `.cbor` file per case and `manifest.json` with
//! the trust, time and expected outcome of each. Every input comes from fixed seeds, so the
//! output is identical on every run; CI regenerates it and fails on any difference.
//!
//! Usage: `cargo run -p yinzheng-vectors [-- OUTPUT_DIR]` (default `test-vectors/certificates`).

mod bundles;
mod presentations;
mod seals;
mod security;
mod x509;

use std::error::Error;
use std::path::{Path, PathBuf};

use serde::Serialize;
use yinzheng::Limits;
use yinzheng::audit::{AuditLog, Event, EventKind};
use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, PublicKey, SeededRandom, Signer};
use yinzheng::encoding::cose::{CoseSign1, ProtectedHeader, encode_sign1, sig_structure};
use yinzheng::encoding::qr::to_qr_text;
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{
    Agency, CertificateType, Disclosure, Field, Holder, ResidentId, StatusReference, Uscc, Validity,
};
use yinzheng::present::select_disclosures;
use yinzheng::status::{StatusList, StatusListToken};
use yinzheng::time::{Date, UnixTime};

type Result<T> = std::result::Result<T, Box<dyn Error>>;

const JILIN: &str = "11220000013544541J";
const HUNAN: &str = "11430000006122244L";

#[derive(Serialize)]
struct Manifest {
    description: &'static str,
    /// Verification time for every case, Unix seconds.
    time: u64,
    trust: Vec<TrustEntry>,
    /// X.509 roots to trust (DER, hex); the certificates are also in `test-vectors/x509/`.
    x509_roots: Vec<x509::RootEntry>,
    /// Trusted seal makers.
    seal_makers: Vec<TrustEntry>,
    /// Agency seals the verifier holds (hex of each seal's `COSE_Sign1`).
    seals: Vec<String>,
    vectors: Vec<Vector>,
}

#[derive(Clone, Serialize)]
struct TrustEntry {
    name: &'static str,
    agency: &'static str,
    alg: &'static str,
    public_key: String,
    /// What the key is trusted for (`issuer`, `status-lists`, `seal-maker`, …).
    roles: &'static [&'static str],
}

/// An agency's own key: it issues certificates and signs its status lists.
const AGENCY_ROLES: &[&str] = &["issuer", "status-lists"];

#[derive(Serialize)]
struct Vector {
    id: &'static str,
    description: &'static str,
    file: String,
    hex: String,
    qr: String,
    /// Status list tokens to give the verifier first, in order.
    status_lists: Vec<String>,
    /// Whether the verifier allows an unknown status.
    allow_unknown_status: bool,
    expected: Expected,
}

#[derive(Serialize)]
struct Expected {
    outcome: &'static str,
    failed_check: Option<&'static str>,
    disclosed: Vec<String>,
    warnings: usize,
    /// `valid`, `revoked`, `suspended` or `unknown` for certificates with a status reference.
    status: Option<&'static str>,
}

fn accept(disclosed: &[&str], warnings: usize) -> Expected {
    Expected {
        outcome: "accept",
        failed_check: None,
        disclosed: disclosed.iter().map(|s| (*s).to_owned()).collect(),
        warnings,
        status: None,
    }
}

fn reject(check: &'static str) -> Expected {
    Expected {
        outcome: "reject",
        failed_check: Some(check),
        disclosed: Vec::new(),
        warnings: 0,
        status: None,
    }
}

fn with_status(mut e: Expected, status: &'static str) -> Expected {
    e.status = Some(status);
    e
}

struct Keys {
    jilin: Ed25519SigningKey,
    other: Ed25519SigningKey,
    device_issuer: P256SigningKey,
}

fn seeded_issuer(agency: &str, name: &str, key_seed: u8, rng_seed: u8) -> Result<Issuer> {
    let agency = Agency::new(name, agency)?;
    Ok(
        Issuer::new(agency, Ed25519SigningKey::from_seed(&[key_seed; 32]))
            .with_rng(SeededRandom::from_seed([rng_seed; 32])),
    )
}

fn business_licence() -> Result<CertificateBuilder> {
    business_licence_valid(Validity::long_term(Date::new(2024, 3, 15)?))
}

/// The business licence with another validity.
fn business_licence_valid(validity: Validity) -> Result<CertificateBuilder> {
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

fn resident_certificate(validity: Validity) -> Result<CertificateBuilder> {
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

fn ten_years(from: Date) -> Result<Validity> {
    Ok(Validity::days(
        from,
        Date::new(from.year() + 10, from.month(), from.day())?,
    ))
}

/// The parts of an issued certificate, to rebuild variants.
struct Parts {
    protected: Vec<u8>,
    payload: Vec<u8>,
    signature: Vec<u8>,
    disclosures: Vec<Vec<u8>>,
}

fn parts(bytes: &[u8]) -> Result<Parts> {
    let s = CoseSign1::decode(bytes, &Limits::default())?;
    Ok(Parts {
        protected: s.protected_bytes.to_vec(),
        payload: s.payload.to_vec(),
        signature: s.signature.to_vec(),
        disclosures: s.disclosures.iter().map(|d| d.to_vec()).collect(),
    })
}

impl Parts {
    fn encode(&self) -> Vec<u8> {
        let items: Vec<&[u8]> = self.disclosures.iter().map(Vec::as_slice).collect();
        encode_sign1(&self.protected, &items, &self.payload, &self.signature)
    }

    fn resign(mut self, key: &dyn Signer) -> Result<Vec<u8>> {
        self.signature = key.sign(&sig_structure(&self.protected, &self.payload))?;
        Ok(self.encode())
    }
}

fn protected(alg: i64, key: &PublicKey) -> Vec<u8> {
    ProtectedHeader::new(alg, key.key_id().as_bytes(), "application/yz-cert+cwt").encode()
}

fn typ_header(typ: &str, key: &PublicKey) -> Vec<u8> {
    ProtectedHeader::new(-19, key.key_id().as_bytes(), typ).encode()
}

/// `haystack` with the single occurrence of `needle` replaced.
fn replace_once(haystack: &[u8], needle: &[u8], replacement: &[u8]) -> Result<Vec<u8>> {
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

fn text_head(s: &str) -> Result<Vec<u8>> {
    let len = u8::try_from(s.len())?;
    Ok(if len < 24 {
        vec![0x60 + len]
    } else {
        vec![0x78, len]
    })
}

fn main() -> Result<()> {
    let out_dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("test-vectors/certificates"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;

    let verify_day = Date::new(2026, 11, 21)?;
    let now = verify_day.start_in_china().saturating_add(10 * 3600);
    let signed = now.saturating_sub(30 * 86_400);
    let keys = Keys {
        jilin: Ed25519SigningKey::from_seed(&[0x11; 32]),
        other: Ed25519SigningKey::from_seed(&[0x22; 32]),
        device_issuer: P256SigningKey::from_bytes(&[0x33; 32])?,
    };
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

    status_vectors(&out_dir, &keys, now, signed, &mut vectors)?;
    let x509_dir = out_dir.parent().unwrap_or(&out_dir).join("x509");
    let (x509_roots, chains) = x509::x509_vectors(&x509_dir, signed, &mut vectors)?;
    let seal_keys = seals::seal_keys();
    seals::certificate_vectors(&out_dir, &seal_keys, &keys.jilin, now, signed, &mut vectors)?;
    let jilin_entry = TrustEntry {
        name: "吉林省 test anchor",
        agency: JILIN,
        alg: "Ed25519",
        public_key: hex::encode(keys.jilin.public_key().to_bytes()),
        roles: AGENCY_ROLES,
    };
    presentations::presentation_vectors(
        &out_dir.parent().unwrap_or(&out_dir).join("presentations"),
        (&keys.jilin, jilin_entry.clone()),
        now,
    )?;
    seals::stamp_vectors(
        &out_dir.parent().unwrap_or(&out_dir).join("seals"),
        &seal_keys,
        (&keys.jilin, jilin_entry),
        (
            x509_roots.clone(),
            chains.seal_maker.clone(),
            &Ed25519SigningKey::from_seed(&[0x64; 32]),
        ),
        now,
    )?;

    bundles::bundle_vectors(
        &out_dir.parent().unwrap_or(&out_dir).join("bundles"),
        &seal_keys,
        &keys.jilin,
        &hex::decode(&x509_roots[0].der)?,
        now,
    )?;

    let trust = vec![
        TrustEntry {
            name: "吉林省 test anchor",
            agency: JILIN,
            alg: "Ed25519",
            public_key: hex::encode(keys.jilin.public_key().to_bytes()),
            roles: AGENCY_ROLES,
        },
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
        seal_makers: vec![seals::seal_maker_entry(&seal_keys)],
        seals: seals::agency_seals(&seal_keys)?
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
                        file: write(&out_dir, &file, &bytes)?,
                    })
                },
            )
            .collect::<Result<_>>()?,
    };
    write_manifest(&out_dir, &manifest)?;
    write_tsv(&out_dir, &manifest)?;
    audit_vectors(&out_dir.parent().unwrap_or(&out_dir).join("audit"))?;
    security::security_vectors(
        &out_dir.parent().unwrap_or(&out_dir).join("security"),
        &manifest.x509_roots,
        &chains,
        now,
    )?;
    Ok(())
}

#[derive(Serialize)]
struct AuditManifest {
    description: &'static str,
    origin: &'static str,
    vkey: String,
    vectors: Vec<AuditVector>,
}

#[derive(Serialize)]
struct AuditVector {
    id: &'static str,
    description: &'static str,
    /// `inclusion` (a tlog-proof bundle), `consistency` (an update bundle, checked against
    /// `held`), `segment` (a whole log file) or `checkpoint` (a signed note).
    kind: &'static str,
    // `outcome`: `accept`, `reject`, or `fork` (refused with evidence that the log forked).
    file: String,
    held: Option<String>,
    outcome: &'static str,
}

const AUDIT_ORIGIN: &str = "audit.example.gov.cn/licences";

fn audit_event(i: u64, subject: &str) -> Event {
    Event {
        kind: if i % 5 == 4 {
            EventKind::StatusChanged
        } else {
            EventKind::CertificateIssued
        },
        actor_key_id: yinzheng::crypto::sha256(b"issuer key"),
        subject: format!("{subject}.{i:06}").into_bytes(),
        object_digest: yinzheng::crypto::sha256(&i.to_be_bytes()),
        attributes: Vec::new(),
    }
}

/// A registry revokes `subject` and publishes its list into a fresh log under the vectors'
/// log key: the inclusion bundles of both events.
fn status_events(subject: &str) -> Result<(String, String)> {
    use yinzheng::status::{LegalStatus, RegistryConfig, StatusRegistry};
    let dir = std::env::temp_dir().join(format!("yz-vectors-events-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = std::sync::Arc::new(AuditLog::open(
        &dir.join("audit"),
        AUDIT_ORIGIN,
        Ed25519SigningKey::from_seed(&[0x5A; 32]),
    )?);
    let registry = StatusRegistry::open_file(
        &dir.join("status.journal"),
        RegistryConfig::new("https://status.example.gov.cn/jilin/"),
    )?
    .with_rng(SeededRandom::from_seed([4; 32]))
    .with_observer(log.clone())?;
    let at = UnixTime::from_secs(1_795_226_400);
    let reference = registry.allocate(subject)?;
    registry.set_status(subject, LegalStatus::Revoked, "operator-7", at)?;
    registry.publish(
        &reference.uri,
        &Ed25519SigningKey::from_seed(&[0x11; 32]),
        at,
        3600,
    )?;
    let bundles = (
        log.inclusion_bundle(0)?.encode(),
        log.inclusion_bundle(1)?.encode(),
    );
    drop(registry);
    drop(log);
    let _ = std::fs::remove_dir_all(&dir);
    Ok(bundles)
}

/// Builds a log in a scratch directory: `batches` of entries (sizes), from seed `key_seed`.
fn build_log(
    name: &str,
    key_seed: u8,
    subject: &str,
    batches: &[u64],
) -> Result<(AuditLog, PathBuf)> {
    let dir = std::env::temp_dir().join(format!("yz-vectors-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let log = AuditLog::open(
        &dir,
        AUDIT_ORIGIN,
        Ed25519SigningKey::from_seed(&[key_seed; 32]),
    )?;
    let mut next = 0;
    for &end in batches {
        let events = (next..end).map(|i| audit_event(i, subject)).collect();
        log.append_batch(events, UnixTime::from_secs(1_795_226_400 + next))?;
        next = end;
    }
    Ok((log, dir))
}

fn audit_vectors(out: &Path) -> Result<()> {
    std::fs::create_dir_all(out)?;
    let mut vectors = Vec::new();
    let mut add = |id,
                   description,
                   kind,
                   file: &str,
                   bytes: &[u8],
                   held: Option<&str>,
                   outcome|
     -> Result<()> {
        std::fs::write(out.join(file), bytes)?;
        vectors.push(AuditVector {
            id,
            description,
            kind,
            file: file.to_owned(),
            held: held.map(str::to_owned),
            outcome,
        });
        Ok(())
    };
    let subject = "1.2.156.3005.2.11100000000013338W032.11220000013544541J";
    let (small, small_dir) = build_log("small", 0x5A, subject, &[5])?;
    let held5 = small.checkpoint().note;
    drop(small);
    let (log, dir) = build_log("main", 0x5A, subject, &[5, 9, 12])?;
    let vkey = log.key().to_vkey();
    add(
        "checkpoint-5",
        "signed checkpoint at size 5",
        "checkpoint",
        "checkpoint-5.note",
        held5.as_bytes(),
        None,
        "accept",
    )?;
    add(
        "checkpoint-12",
        "signed checkpoint at size 12",
        "checkpoint",
        "checkpoint-12.note",
        log.checkpoint().note.as_bytes(),
        None,
        "accept",
    )?;
    let segment = std::fs::read(dir.join("log.seg"))?;
    add(
        "segment",
        "the whole log file: 12 entries in 3 commits",
        "segment",
        "log.seg",
        &segment,
        None,
        "accept",
    )?;
    let mut flipped = segment.clone();
    let mid = flipped.len() / 2;
    flipped[mid] ^= 0x01;
    add(
        "segment-byte-flipped",
        "one byte of the log file flipped",
        "segment",
        "log-flipped.seg",
        &flipped,
        None,
        "reject",
    )?;

    let inclusion = log.inclusion_bundle(3)?;
    add(
        "inclusion-3",
        "entry 3 with its proof to the size-12 checkpoint",
        "inclusion",
        "inclusion-3.tlog-proof",
        inclusion.encode().as_bytes(),
        None,
        "accept",
    )?;
    let mut altered = inclusion.clone();
    let at = altered.entry.len() - 3;
    altered.entry[at] ^= 0x01;
    add(
        "inclusion-entry-altered",
        "entry 3 with one byte of its subject changed",
        "inclusion",
        "inclusion-entry-altered.tlog-proof",
        altered.encode().as_bytes(),
        None,
        "reject",
    )?;
    let mut bad_proof = inclusion.clone();
    bad_proof.proof[0][0] ^= 0x01;
    add(
        "inclusion-proof-altered",
        "entry 3 with one proof hash changed",
        "inclusion",
        "inclusion-proof-altered.tlog-proof",
        bad_proof.encode().as_bytes(),
        None,
        "reject",
    )?;
    let mut wrong_index = inclusion.clone();
    wrong_index.index = 2;
    add(
        "inclusion-wrong-index",
        "entry 3's proof claimed for index 2",
        "inclusion",
        "inclusion-wrong-index.tlog-proof",
        wrong_index.encode().as_bytes(),
        None,
        "reject",
    )?;
    let (stranger, stranger_dir) = build_log("stranger", 0x77, subject, &[5, 9, 12])?;
    add(
        "inclusion-unknown-key",
        "a valid bundle from a log signed by another key",
        "inclusion",
        "inclusion-unknown-key.tlog-proof",
        stranger.inclusion_bundle(3)?.encode().as_bytes(),
        None,
        "reject",
    )?;

    add(
        "consistency-5-12",
        "update from the held size-5 checkpoint to size 12",
        "consistency",
        "consistency-5-12.txt",
        log.consistency_bundle(5)?.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "accept",
    )?;
    let (fork, fork_dir) = build_log("fork", 0x5A, "1.2.156.3005.2.FORKED", &[5, 12])?;
    add(
        "consistency-fork",
        "same key, different first entries: a valid proof to the fork's signed root implies another root for size 5 (fork evidence)",
        "consistency",
        "consistency-fork.txt",
        fork.consistency_bundle(5)?.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "fork",
    )?;
    let same_size = yinzheng::audit::ConsistencyBundle {
        old_size: 12,
        proof: Vec::new(),
        checkpoint_note: fork.checkpoint().note,
    };
    add(
        "consistency-same-size-fork",
        "the fork's size-12 checkpoint against the held size-12 one: two signed roots for one size (fork evidence)",
        "consistency",
        "consistency-same-size-fork.txt",
        same_size.encode().as_bytes(),
        Some("checkpoint-12.note"),
        "fork",
    )?;
    let rollback = yinzheng::audit::ConsistencyBundle {
        old_size: 12,
        proof: Vec::new(),
        checkpoint_note: held5.clone(),
    };
    add(
        "consistency-rollback",
        "an older checkpoint offered after size 12: refused, but no evidence against the log",
        "consistency",
        "consistency-rollback.txt",
        rollback.encode().as_bytes(),
        Some("checkpoint-12.note"),
        "reject",
    )?;
    let mut garbage = log.consistency_bundle(5)?;
    for (i, hash) in garbage.proof.iter_mut().enumerate() {
        *hash = yinzheng::crypto::sha256(&[u8::try_from(i)?]);
    }
    add(
        "consistency-garbage-proof",
        "the honest size-12 checkpoint with garbage proof hashes: refused, not fork evidence",
        "consistency",
        "consistency-garbage-proof.txt",
        garbage.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "reject",
    )?;
    let mut wrong_old = log.consistency_bundle(4)?;
    wrong_old.old_size = 4;
    add(
        "consistency-wrong-old",
        "an honest proof from size 4 offered to an auditor holding size 5: refused, not fork evidence",
        "consistency",
        "consistency-wrong-old.txt",
        wrong_old.encode().as_bytes(),
        Some("checkpoint-5.note"),
        "reject",
    )?;

    // The events the status registry records, as the audit log writes them (the
    // actor_key_id rules of docs/FORMAT.md).
    let (change, publication) = status_events(subject)?;
    add(
        "inclusion-status-change",
        "a 吊销 recorded through the status registry: actor_key_id = SHA-256(\"operator-7\"), attributes {1: 5, 2: 1, 3: index, 4: journal sequence, 5: list URI}",
        "inclusion",
        "inclusion-status-change.tlog-proof",
        change.as_bytes(),
        None,
        "accept",
    )?;
    add(
        "inclusion-list-published",
        "a status list publication: actor_key_id = SHA-256 of the signing key's public key bytes (seed 0x11), object_digest = SHA-256 of the token",
        "inclusion",
        "inclusion-list-published.tlog-proof",
        publication.as_bytes(),
        None,
        "accept",
    )?;

    let manifest = AuditManifest {
        description: "yinzheng audit-log vectors: verify each file with nothing but `vkey`; see test-vectors/README.md",
        origin: AUDIT_ORIGIN,
        vkey,
        vectors,
    };
    write_manifest(out, &manifest)?;
    let mut index = String::from("id\tkind\tfile\theld\toutcome\n");
    for v in &manifest.vectors {
        index += &format!(
            "{}\t{}\t{}\t{}\t{}\n",
            v.id,
            v.kind,
            v.file,
            v.held.as_deref().unwrap_or("-"),
            v.outcome
        );
    }
    std::fs::write(out.join("index.tsv"), index)?;
    std::fs::write(
        out.join("vkey.txt"),
        format!("{}\n{}\n", AUDIT_ORIGIN, manifest.vkey),
    )?;
    drop((log, stranger, fork));
    for d in [dir, small_dir, stranger_dir, fork_dir] {
        std::fs::remove_dir_all(d)?;
    }
    Ok(())
}

/// The same manifest as tab-separated text, for test suites without a JSON parser (the
/// host-JVM Kotlin tests): `trust.tsv` and `index.tsv`, each with a header line.
fn write_tsv(dir: &Path, manifest: &Manifest) -> Result<()> {
    let mut trust = String::from("name\tagency\talg\tpublic_key\troles\n");
    for t in &manifest.trust {
        let roles = t.roles.join(",");
        trust += &format!(
            "{}\t{}\t{}\t{}\t{roles}\n",
            t.name, t.agency, t.alg, t.public_key
        );
    }
    std::fs::write(dir.join("trust.tsv"), trust)?;
    let mut makers = String::from("name\tagency\talg\tpublic_key\troles\n");
    for t in &manifest.seal_makers {
        let roles = t.roles.join(",");
        makers += &format!(
            "{}\t{}\t{}\t{}\t{roles}\n",
            t.name, t.agency, t.alg, t.public_key
        );
    }
    std::fs::write(dir.join("seal_makers.tsv"), makers)?;
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

type CertVectors = Vec<(
    &'static str,
    &'static str,
    Vec<u8>,
    Expected,
    Vec<String>,
    bool,
)>;

/// Certificates with status references, and the status list tokens (signed by the Jilin key
/// unless said otherwise) a verifier is given for each.
fn status_vectors(
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

/// Writes `manifest` as `dir/manifest.json` (pretty JSON, final newline).
fn write_manifest(dir: &Path, manifest: &impl Serialize) -> Result<()> {
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_string_pretty(manifest)? + "\n",
    )?;
    Ok(())
}

fn write(dir: &Path, file: &str, bytes: &[u8]) -> Result<String> {
    std::fs::write(dir.join(file), bytes)?;
    Ok(file.to_owned())
}
