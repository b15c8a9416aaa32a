//! X.509 chain vectors. The certificates are made by `make_x509.py` (Python `cryptography`),
//! an implementation independent of the Rust validator; this module says what to make and
//! signs yinzheng certificates under the resulting chains.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};

use serde::Deserialize;
use serde_json::json;
use yinzheng::crypto::{Ed25519SigningKey, SeededRandom, Signer};
use yinzheng::encoding::cose::ProtectedHeader;
use yinzheng::issue::Issuer;
use yinzheng::model::Agency;
use yinzheng::time::UnixTime;
use yinzheng::trust::Role;

use crate::kit::{
    CertVectors, HUNAN, JILIN, Parts, Result, RootEntry, accept, business_licence, parts, reject,
};

/// The roles the test roots are trusted for.
pub(crate) const ROOT_ROLES: &[&str] = &["issuer", "seal-maker", "status-lists"];

/// The yinzheng key purpose (extendedKeyUsage) OID of a role, dotted (FORMAT.md).
pub(crate) fn role_oid(role: Role) -> String {
    format!(
        "2.25.98423080381985072152566409646909312332.{}",
        role.number()
    )
}

/// A certificate as a Python maker wrote it.
#[derive(Deserialize)]
pub(crate) struct Made {
    pub(crate) der: String,
    pub(crate) pem: String,
}

pub(crate) const Y2020: u64 = 1_577_836_800;
pub(crate) const Y2021: u64 = 1_609_459_200;
pub(crate) const Y2024: u64 = 1_704_067_200;
pub(crate) const Y2025: u64 = 1_735_689_600;
pub(crate) const Y2028: u64 = 1_830_297_600;
pub(crate) const Y2030: u64 = 1_893_456_000;
pub(crate) const Y2040: u64 = 2_208_988_800;

pub(crate) fn seed(byte: u8) -> String {
    hex::encode([byte; 32])
}

/// One certificate spec for `make_x509.py`.
pub(crate) fn spec(
    name: &str,
    issuer: Option<&str>,
    key_seed: u8,
    ca: Option<bool>,
    key_usage: &[&str],
) -> serde_json::Value {
    let leaf = ca != Some(true);
    json!({
        "name": name,
        "cn": format!("yinzheng test {name}"),
        "org_id": if leaf { Some(JILIN) } else { None },
        "issuer": issuer,
        "key": {"ed25519": seed(key_seed)},
        "serial": u64::from(key_seed) * 1000 + 7,
        "not_before": if leaf { Y2025 } else if issuer.is_none() { Y2020 } else { Y2024 },
        "not_after": if leaf { Y2028 } else if issuer.is_none() { Y2040 } else { Y2030 },
        "ca": ca,
        "key_usage": key_usage,
        // Leaves are issuers unless said otherwise (the key purpose marks the role).
        "eku": if leaf { vec![role_oid(Role::Issuer)] } else { Vec::new() },
    })
}

pub(crate) const CA_USAGE: &[&str] = &["key_cert_sign"];
pub(crate) const LEAF_USAGE: &[&str] = &["digital_signature"];

fn specs() -> Vec<serde_json::Value> {
    let mut s = vec![
        spec("root", None, 0x41, Some(true), CA_USAGE),
        spec("intermediate", Some("root"), 0x42, Some(true), CA_USAGE),
        spec("leaf", Some("intermediate"), 0x43, Some(false), LEAF_USAGE),
    ];
    // A P-256 root (ECDSA signatures over the chain) with an Ed25519 leaf under it.
    let mut p256_root = spec("root-p256", None, 0x44, Some(true), CA_USAGE);
    p256_root["key"] = json!({"p256": seed(0x44)});
    s.push(p256_root);
    s.push(spec(
        "leaf-p256-root",
        Some("root-p256"),
        0x45,
        Some(false),
        LEAF_USAGE,
    ));
    let mut expired = spec(
        "intermediate-expired",
        Some("root"),
        0x46,
        Some(true),
        CA_USAGE,
    );
    expired["not_before"] = json!(Y2020);
    expired["not_after"] = json!(Y2021);
    s.push(expired);
    s.push(spec(
        "leaf-under-expired",
        Some("intermediate-expired"),
        0x47,
        Some(false),
        LEAF_USAGE,
    ));
    s.push(spec(
        "leaf-wrong-usage",
        Some("intermediate"),
        0x48,
        Some(false),
        CA_USAGE,
    ));
    s.push(spec(
        "intermediate-not-ca",
        Some("root"),
        0x49,
        Some(false),
        &["key_cert_sign", "digital_signature"],
    ));
    s.push(spec(
        "leaf-under-not-ca",
        Some("intermediate-not-ca"),
        0x4A,
        Some(false),
        LEAF_USAGE,
    ));
    // A loop: B self-signed, A issued by B, B again issued by A (same name and key).
    s.push(spec("loop-b", None, 0x4C, Some(true), CA_USAGE));
    s.push(spec("loop-a", Some("loop-b"), 0x4B, Some(true), CA_USAGE));
    let mut b_again = spec("loop-b-again", Some("loop-a"), 0x4C, Some(true), CA_USAGE);
    b_again["cn"] = json!("yinzheng test loop-b");
    s.push(b_again);
    s.push(spec(
        "leaf-loop",
        Some("loop-a"),
        0x4D,
        Some(false),
        LEAF_USAGE,
    ));
    // Six certificates: root, four intermediates, leaf.
    let mut above = "root".to_owned();
    for i in 1..=4u8 {
        let name = format!("long-{i}");
        s.push(spec(&name, Some(&above), 0x50 + i, Some(true), CA_USAGE));
        above = name;
    }
    s.push(spec(
        "leaf-long",
        Some(&above),
        0x55,
        Some(false),
        LEAF_USAGE,
    ));
    // pathLen 0 on the intermediate, then another CA below it.
    let mut constrained = spec(
        "intermediate-pathlen-0",
        Some("root"),
        0x56,
        Some(true),
        CA_USAGE,
    );
    constrained["path_len"] = json!(0);
    s.push(constrained);
    s.push(spec(
        "sub-ca",
        Some("intermediate-pathlen-0"),
        0x57,
        Some(true),
        CA_USAGE,
    ));
    s.push(spec(
        "leaf-path-too-deep",
        Some("sub-ca"),
        0x58,
        Some(false),
        LEAF_USAGE,
    ));
    s.push(spec("other-root", None, 0x59, Some(true), CA_USAGE));
    s.push(spec(
        "leaf-other-root",
        Some("other-root"),
        0x5A,
        Some(false),
        LEAF_USAGE,
    ));
    let mut hunan = spec(
        "leaf-hunan",
        Some("intermediate"),
        0x5B,
        Some(false),
        LEAF_USAGE,
    );
    hunan["org_id"] = json!(HUNAN);
    s.push(hunan);
    let mut maker = spec(
        "seal-maker-leaf",
        Some("intermediate"),
        0x64,
        Some(false),
        LEAF_USAGE,
    );
    maker["eku"] = json!([role_oid(Role::SealMaker)]);
    s.push(maker);
    // A status-list signer for 吉林 (its lists carry this chain).
    let mut lists = spec(
        "status-list-leaf",
        Some("intermediate"),
        0x65,
        Some(false),
        LEAF_USAGE,
    );
    lists["eku"] = json!([role_oid(Role::StatusLists)]);
    s.push(lists);
    // A leaf marked for no yinzheng role at all.
    let mut unmarked = spec(
        "leaf-unmarked",
        Some("intermediate"),
        0x66,
        Some(false),
        LEAF_USAGE,
    );
    unmarked["eku"] = json!([]);
    s.push(unmarked);
    let mut critical = spec(
        "leaf-critical-policy",
        Some("intermediate"),
        0x5C,
        Some(false),
        LEAF_USAGE,
    );
    critical["critical_policy"] = json!(true);
    s.push(critical);
    s
}

/// Runs the Python certificate maker `script` (beside this crate's manifest) on `specs`;
/// returns name → certificate.
pub(crate) fn make_certificates(
    script: &str,
    specs: &[serde_json::Value],
) -> Result<BTreeMap<String, Made>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join(script);
    let mut child = Command::new("python3")
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("running python3 {}: {e}", script.display()))?;
    let input = serde_json::to_vec(specs)?;
    std::io::Write::write_all(child.stdin.as_mut().ok_or("no stdin")?, &input)?;
    drop(child.stdin.take());
    let output = child.wait_with_output()?;
    if !output.status.success() {
        return Err(format!(
            "{} failed: install its dependencies with \
             `python3 -m pip install -r test-vectors/requirements.txt`",
            script.display()
        )
        .into());
    }
    Ok(serde_json::from_slice(&output.stdout)?)
}

pub(crate) fn der(made: &BTreeMap<String, Made>, name: &str) -> Result<Vec<u8>> {
    Ok(hex::decode(&made.get(name).ok_or(name.to_owned())?.der)?)
}

fn licence_under(chain: Vec<Vec<u8>>, key_seed: u8, signed: UnixTime) -> Result<Vec<u8>> {
    let agency = Agency::new("吉林省市场监督管理局（测试）", JILIN)?;
    let issuer = Issuer::new(agency, Ed25519SigningKey::from_seed(&[key_seed; 32]))
        .with_rng(SeededRandom::from_seed([0x07; 32]))
        .with_x509_chain(chain)?;
    Ok(issuer.issue(business_licence()?, signed)?.into_bytes())
}

/// A licence whose protected header carries `chain`, signed by `key` (for cases the issuer
/// refuses to make).
fn forced(chain: &[Vec<u8>], key: &Ed25519SigningKey, signed: UnixTime) -> Result<Vec<u8>> {
    let agency = Agency::new("吉林省市场监督管理局（测试）", JILIN)?;
    let plain = Issuer::new(agency, Ed25519SigningKey::from_seed(&[0x43; 32]))
        .with_rng(SeededRandom::from_seed([0x07; 32]))
        .issue(business_licence()?, signed)?;
    let public = key.public_key();
    let kid = public.key_id();
    let mut header = ProtectedHeader::new(-19, kid.as_bytes(), "application/yz-cert+cwt");
    header.x5chain = chain.iter().map(Vec::as_slice).collect();
    let protected = header.encode();
    Parts {
        protected,
        ..parts(plain.as_bytes())?
    }
    .resign(key)
}

/// Chains (leaf first, root not included) for the other vector families.
pub(crate) struct Chains {
    /// An issuer leaf for 吉林 (key seed 0x43).
    pub(crate) issuer: Vec<Vec<u8>>,
    /// A seal-maker leaf (key seed 0x64).
    pub(crate) seal_maker: Vec<Vec<u8>>,
    /// A status-list signer for 吉林 (key seed 0x65).
    pub(crate) status_lists: Vec<Vec<u8>>,
}

/// Adds the chain vectors; writes the certificates to `x509_dir`; returns the roots to trust
/// and the chains other vectors sign under.
pub(crate) fn x509_vectors(
    x509_dir: &Path,
    signed: UnixTime,
    vectors: &mut CertVectors,
) -> Result<(Vec<RootEntry>, Chains)> {
    let made = make_certificates("make_x509.py", &specs())?;
    std::fs::create_dir_all(x509_dir)?;
    for (name, cert) in &made {
        std::fs::write(
            x509_dir.join(format!("{name}.der")),
            hex::decode(&cert.der)?,
        )?;
    }
    let pem = format!("{}{}", made["root"].pem, made["root-p256"].pem);
    std::fs::write(x509_dir.join("roots.pem"), pem)?;

    let c = |name: &str| der(&made, name);
    let mut add = |id, description, bytes, expected| {
        vectors.push((id, description, bytes, expected, Vec::new(), false));
    };
    add(
        "x509-valid",
        "issuer key certified by leaf → intermediate → trusted root (root not sent)",
        licence_under(vec![c("leaf")?, c("intermediate")?], 0x43, signed)?,
        accept(&[], 0),
    );
    add(
        "x509-valid-root-included",
        "the same chain with the root sent too (matched by its bytes)",
        licence_under(
            vec![c("leaf")?, c("intermediate")?, c("root")?],
            0x43,
            signed,
        )?,
        accept(&[], 0),
    );
    add(
        "x509-valid-p256-root",
        "one-certificate x5chain (a bstr) whose issuer is a P-256 root (ECDSA chain signature)",
        licence_under(vec![c("leaf-p256-root")?], 0x45, signed)?,
        accept(&[], 0),
    );
    add(
        "x509-expired-intermediate",
        "the intermediate expired before the signing time",
        licence_under(
            vec![c("leaf-under-expired")?, c("intermediate-expired")?],
            0x47,
            signed,
        )?,
        reject("issuer-key"),
    );
    add(
        "x509-wrong-key-usage",
        "the leaf's keyUsage lacks digitalSignature",
        licence_under(
            vec![c("leaf-wrong-usage")?, c("intermediate")?],
            0x48,
            signed,
        )?,
        reject("issuer-key"),
    );
    add(
        "x509-ca-false-intermediate",
        "the intermediate has basicConstraints CA:false",
        licence_under(
            vec![c("leaf-under-not-ca")?, c("intermediate-not-ca")?],
            0x4A,
            signed,
        )?,
        reject("issuer-key"),
    );
    let mut broken = c("leaf")?;
    if let Some(last) = broken.last_mut() {
        *last ^= 0x01;
    }
    add(
        "x509-broken-signature",
        "the leaf's signature has one bit flipped",
        licence_under(vec![broken, c("intermediate")?], 0x43, signed)?,
        reject("issuer-key"),
    );
    add(
        "x509-loop",
        "two CAs certify each other: leaf → A → B → A",
        licence_under(
            vec![
                c("leaf-loop")?,
                c("loop-a")?,
                c("loop-b-again")?,
                c("loop-a")?,
            ],
            0x4D,
            signed,
        )?,
        reject("issuer-key"),
    );
    add(
        "x509-too-long",
        "six certificates, over the limit of five",
        forced(
            &[
                c("leaf-long")?,
                c("long-4")?,
                c("long-3")?,
                c("long-2")?,
                c("long-1")?,
                c("root")?,
            ],
            &Ed25519SigningKey::from_seed(&[0x55; 32]),
            signed,
        )?,
        reject("decode"),
    );
    add(
        "x509-path-length",
        "a CA below an intermediate with pathLenConstraint 0",
        licence_under(
            vec![
                c("leaf-path-too-deep")?,
                c("sub-ca")?,
                c("intermediate-pathlen-0")?,
            ],
            0x58,
            signed,
        )?,
        reject("issuer-key"),
    );
    add(
        "x509-untrusted-root",
        "a well-formed chain to a root the verifier does not trust",
        licence_under(vec![c("leaf-other-root")?], 0x5A, signed)?,
        reject("issuer-key"),
    );
    add(
        "x509-critical-extension",
        "the leaf has a critical certificatePolicies extension the validator does not implement",
        licence_under(
            vec![c("leaf-critical-policy")?, c("intermediate")?],
            0x5C,
            signed,
        )?,
        reject("issuer-key"),
    );
    add(
        "x509-agency-mismatch",
        "a valid chain certifying 湖南 (organizationIdentifier) on a certificate issued as 吉林",
        forced(
            &[c("leaf-hunan")?, c("intermediate")?],
            &Ed25519SigningKey::from_seed(&[0x5B; 32]),
            signed,
        )?,
        reject("issuer-identity"),
    );
    add(
        "x509-leaf-key-mismatch",
        "a valid chain, but the certificate is signed (and its kid names) another key",
        forced(
            &[c("leaf")?, c("intermediate")?],
            &Ed25519SigningKey::from_seed(&[0x5D; 32]),
            signed,
        )?,
        reject("issuer-key"),
    );
    add(
        "x509-leaf-not-marked",
        "a valid chain whose leaf carries no yinzheng key purpose (not marked as an issuer)",
        forced(
            &[c("leaf-unmarked")?, c("intermediate")?],
            &Ed25519SigningKey::from_seed(&[0x66; 32]),
            signed,
        )?,
        reject("issuer-key"),
    );
    let roots = vec![
        RootEntry {
            name: "yinzheng test root (Ed25519)",
            der: made["root"].der.clone(),
            roles: ROOT_ROLES,
        },
        RootEntry {
            name: "yinzheng test root (P-256)",
            der: made["root-p256"].der.clone(),
            roles: ROOT_ROLES,
        },
    ];
    let chains = Chains {
        issuer: vec![c("leaf")?, c("intermediate")?],
        seal_maker: vec![c("seal-maker-leaf")?, c("intermediate")?],
        status_lists: vec![c("status-list-leaf")?, c("intermediate")?],
    };
    Ok((roots, chains))
}
