//! Security vectors (`test-vectors/security/`): one scenario per finding of the attacker's
//! review (issue 13), each giving the outcome the fixed verifier must give where the code
//! before the fix gave the opposite (`before` says what it did), with positive counterparts.
//!
//! A scenario is run on one verifier (one replay cache): its revoked keys and optional trust
//! bundle first, then its seals and status lists in order (each with the outcome of adding
//! it), then its checks in order.

use std::path::Path;

use serde_json::{Value, json};
use yinzheng::crypto::{P256SigningKey, SeededRandom, Signer};
use yinzheng::encoding::cose::{CoseSign1, ProtectedHeader, encode_sign1, sig_structure};
use yinzheng::issue::{Issuer, SealMaker, sign_trust_bundle, stamp};
use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, BundleRevokedKey, TrustBundle};
use yinzheng::model::seal::SEAL_TYP;
use yinzheng::model::{Agency, Seal, SealKind, SealPicture, StatusReference, Uscc, Validity};
use yinzheng::present::{PresentationOptions, Presenter};
use yinzheng::status::{ListAuthority, StatusList, StatusListToken};
use yinzheng::time::UnixTime;
use yinzheng::trust::{Roles, key_digest};

use crate::kit::{
    HUNAN, JILIN, Result, RootEntry, business_licence, business_licence_valid, write,
    write_manifest,
};
use crate::seals::key;
use crate::x509::Chains;

/// The agency the IETF draft's example status list is trusted for here.
const IETF_AGENCY: &str = "91110000MA01ETF01L";
/// draft-ietf-oauth-status-list-20 §5.2: the Status List Token in CWT form, as published
/// (`kid` "12" in the unprotected header, signed with the draft's example key).
const IETF_EXAMPLE: &str = concat!(
    "d2845820a2012610781a6170706c69636174696f6e2f7374617475736c6973742b63",
    "7774a1044231325850a502782168747470733a2f2f6578616d706c652e636f6d2f73",
    "74617475736c697374732f31061a648c5bea041a8898dfea19fffe19a8c019fffda2",
    "646269747301636c73744a78dadbb918000217015d584093fa4d01032b18c35e2fe1",
    "101b77fd6cc9440022caa4694450c4e4e9feab4e99d1fa6d9772ce2bf3a12e0323de",
    "d7c982c5e101a5e67f0cbc1e2b6f57ce99c279"
);
/// The draft's example key (its `src/util.py`), compressed SEC1.
const IETF_KEY: &str = "032371d69bfd03b3574f308f885a67f8981987f9869e0156cf56eeef076ec2c57a";
const LIST_URI: &str = "https://status.example.gov.cn/jilin/security";
const DOCUMENT: &[u8] = b"%PDF-1.7\n% a contract stamped in the security vectors\n%%EOF\n";
/// The order of the P-256 group, big-endian (for the high-S twin of a signature).
const P256_ORDER: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

const JILIN_KEY: u8 = 0x11;
const HUNAN_KEY: u8 = 0x22;
const MAKER: u8 = 0x81;
const STAMPER: u8 = 0x82;
const STAMPER_2: u8 = 0x84;
const JILIN_SECOND: u8 = 0x85;
const ISSUER_LEAF: u8 = 0x43;
const MAKER_LEAF: u8 = 0x64;
const LIST_LEAF: u8 = 0x65;

/// One scenario, built up as its files are written.
struct Scenario<'d> {
    dir: &'d Path,
    value: Value,
}

impl<'d> Scenario<'d> {
    fn new(dir: &'d Path, id: &str, finding: u8, description: &str, before: &str) -> Self {
        let value = json!({
            "id": id, "finding": finding, "description": description, "before": before,
            "allow_unknown_status": false, "replay_cache": false, "revoked_keys": [],
            "bundle": null, "seals": [], "status_lists": [], "checks": [],
        });
        Self { dir, value }
    }

    fn file(&self, name: &str, bytes: &[u8]) -> Result<String> {
        write(self.dir, name, bytes)
    }

    fn set(mut self, key: &str, value: Value) -> Self {
        self.value[key] = value;
        self
    }

    fn push(mut self, list: &str, item: Value) -> Self {
        if let Some(items) = self.value[list].as_array_mut() {
            items.push(item);
        }
        self
    }

    fn seal(self, name: &str, bytes: &[u8], expect: &str) -> Result<Self> {
        let file = self.file(name, bytes)?;
        Ok(self.push("seals", json!({ "file": file, "expect": expect })))
    }

    fn list(self, name: &str, bytes: &[u8], expect: &str) -> Result<Self> {
        let file = self.file(name, bytes)?;
        Ok(self.push("status_lists", json!({ "file": file, "expect": expect })))
    }

    fn check(self, kind: &str, name: &str, bytes: &[u8], expected: Value) -> Result<Self> {
        let file = self.file(name, bytes)?;
        let mut check = json!({ "kind": kind, "file": file, "expected": expected });
        if kind == "stamp" {
            check["document"] = json!(self.file("document.bin", DOCUMENT)?);
        }
        Ok(self.push("checks", check))
    }

    /// The last check also happens at `time` instead of the manifest's.
    fn at(mut self, time: UnixTime) -> Self {
        if let Some(last) = self.value["checks"]
            .as_array_mut()
            .and_then(|c| c.last_mut())
        {
            last["time"] = json!(time.as_secs());
        }
        self
    }
}

fn accept() -> Value {
    json!({ "outcome": "accept", "failed_check": null, "status": null })
}

fn reject(check: &str) -> Value {
    json!({ "outcome": "reject", "failed_check": check, "status": null })
}

fn with_status(mut expected: Value, status: &str) -> Value {
    expected["status"] = json!(status);
    expected
}

/// A seal owned by 吉林 (or `owner`), authorising `keys`, made at `created`.
fn seal(id: &str, owner: (&str, &str), keys: &[&dyn Signer], created: UnixTime) -> Result<Seal> {
    let mut authorised: Vec<[u8; 32]> = keys.iter().map(|k| key_digest(&k.public_key())).collect();
    authorised.sort_unstable();
    Ok(Seal {
        id: id.to_owned(),
        kind: SealKind::Contract,
        name: format!("{}合同专用章", owner.0),
        owner: Agency::new(owner.0, owner.1)?,
        authorised_keys: authorised,
        created,
        valid_from: created,
        valid_until: created.saturating_add(5 * 365 * 86_400),
        picture: SealPicture {
            format: "svg".into(),
            data: br#"<svg xmlns="http://www.w3.org/2000/svg"/>"#.to_vec(),
            width_mm: 40,
            height_mm: 40,
        },
        status: None,
    })
}

/// Signs `payload` under `header` with no checks (for objects the library refuses to make).
fn sign_raw(key: &dyn Signer, header: &ProtectedHeader<'_>, payload: &[u8]) -> Result<Vec<u8>> {
    let protected = header.encode();
    let signature = key.sign(&sig_structure(&protected, payload))?;
    Ok(encode_sign1(&protected, &[], payload, &signature))
}

/// A seal signed by the X.509 leaf `leaf` with `chain` in its header.
fn seal_under_chain(seal: &Seal, leaf: &dyn Signer, chain: &[Vec<u8>]) -> Result<Vec<u8>> {
    let kid = leaf.public_key().key_id();
    let mut header = ProtectedHeader::new(-19, kid.as_bytes(), SEAL_TYP);
    header.x5chain = chain.iter().map(Vec::as_slice).collect();
    sign_raw(leaf, &header, &seal.encode())
}

/// `bytes` with an unsigned item added to the unprotected header (a "disclosure", which the
/// decoder accepts on any object; only the envelope rule refuses it on a seal).
fn with_unprotected_item(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut sign1 = CoseSign1::decode(bytes, &yinzheng::Limits::default())?;
    sign1.disclosures = vec![b"\x80"];
    Ok(sign1.encode())
}

/// The other valid form of an ES256 signature: `(r, n − s)`.
fn high_s_twin(bytes: &[u8]) -> Result<Vec<u8>> {
    let sign1 = CoseSign1::decode(bytes, &yinzheng::Limits::default())?;
    let (r, s) = sign1.signature.split_at(32);
    let mut twin = r.to_vec();
    let mut borrow = 0i16;
    let mut low = [0u8; 32];
    for i in (0..32).rev() {
        let d = i16::from(P256_ORDER[i]) - i16::from(s[i]) - borrow;
        borrow = i16::from(d < 0);
        low[i] = u8::try_from(d.rem_euclid(256))?;
    }
    twin.extend_from_slice(&low);
    Ok(encode_sign1(
        sign1.protected_bytes,
        &sign1.disclosures,
        sign1.payload,
        &twin,
    ))
}

fn issuer(agency: (&str, &str), signer: impl Signer + 'static, rng: u8) -> Result<Issuer> {
    Ok(Issuer::new(Agency::new(agency.0, agency.1)?, signer)
        .with_rng(SeededRandom::from_seed([rng; 32])))
}

fn licence(issuer: &Issuer, serial: &str, index: Option<u64>, at: UnixTime) -> Result<Vec<u8>> {
    let mut builder = business_licence()?.serial(serial);
    if let Some(index) = index {
        builder = builder.status(StatusReference {
            index,
            uri: LIST_URI.into(),
        });
    }
    Ok(issuer.issue(builder, at)?.into_bytes())
}

/// A 2-bit list at `uri` with `revoked` indices set to 1, issued at `iat`.
fn list(uri: &str, revoked: &[u64], iat: UnixTime) -> Result<StatusListToken> {
    let mut list = StatusList::new(2, 64)?;
    for &i in revoked {
        list.set(i, 1)?;
    }
    Ok(StatusListToken {
        uri: uri.into(),
        issued_at: iat,
        expires_at: None,
        ttl: Some(86_400),
        list,
    })
}

const JL: (&str, &str) = ("吉林省市场监督管理局（测试）", JILIN);
const HN: (&str, &str) = ("湖南省市场监督管理局（测试）", HUNAN);

/// Writes `dir`: the scenarios and `manifest.json`.
pub(crate) fn security_vectors(
    dir: &Path,
    roots: &[RootEntry],
    chains: &Chains,
    now: UnixTime,
) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let signed = now.saturating_sub(30 * 86_400);
    let hour_ago = now.saturating_sub(3600);
    let made = now.saturating_sub(365 * 86_400);
    let mut all: Vec<Scenario<'_>> = Vec::new();

    // Finding 1: X.509 roles. An issuer leaf makes a "seal" for any organisation, then
    // certificates are issued as that organisation under it.
    let issuer_leaf = key(ISSUER_LEAF);
    let rogue_seal = seal_under_chain(
        &seal("4300000000000001", HN, &[&key(STAMPER)], made)?,
        &issuer_leaf,
        &chains.issuer,
    )?;
    let rogue_stamp = stamp(&rogue_seal, DOCUMENT, "全文", &key(STAMPER), signed)?;
    let as_hunan = issuer(HN, key(STAMPER), 0x31)?.with_seal(&rogue_seal)?;
    all.push(
        Scenario::new(
            dir,
            "role-issuer-leaf-makes-seals",
            1,
            "an issuer-marked X.509 leaf signs a seal for a 湖南 company; the seal, its stamp and a certificate issued as 湖南 under it are refused",
            "accepted: seal chains were validated against the issuer roots with no role check",
        )
        .seal("seal-by-issuer-leaf.cose", &rogue_seal, "refused")?
        .check("stamp", "stamp-under-issuer-leaf-seal.cose", &rogue_stamp, reject("seal-maker"))?
        .check(
            "certificate",
            "certificate-as-hunan-under-rogue-seal.cose",
            &licence(&as_hunan, "ROLE0001", None, signed)?,
            reject("issuer-key"),
        )?,
    );
    let maker_leaf = key(MAKER_LEAF);
    let maker_issuer =
        issuer(JL, key(MAKER_LEAF), 0x32)?.with_x509_chain(chains.seal_maker.clone())?;
    let good_seal = seal_under_chain(
        &seal("2200000000000101", JL, &[&key(STAMPER)], made)?,
        &maker_leaf,
        &chains.seal_maker,
    )?;
    let issuer_chain =
        issuer(JL, key(ISSUER_LEAF), 0x33)?.with_x509_chain(chains.issuer.clone())?;
    all.push(
        Scenario::new(
            dir,
            "role-seal-maker-leaf-issues",
            1,
            "a seal-maker-marked leaf signs a certificate for its own agency: refused; the same leaf's seal, and an issuer leaf's certificate, are accepted",
            "accepted: any leaf under a trusted root issued for the agency in it",
        )
        .check(
            "certificate",
            "certificate-by-seal-maker-leaf.cose",
            &licence(&maker_issuer, "ROLE0002", None, signed)?,
            reject("issuer-key"),
        )?
        .check(
            "stamp",
            "stamp-under-seal-maker-leaf-seal.cose",
            &stamp(&good_seal, DOCUMENT, "全文", &key(STAMPER), signed)?,
            accept(),
        )?
        .check(
            "certificate",
            "certificate-by-issuer-leaf.cose",
            &licence(&issuer_chain, "ROLE0003", None, signed)?,
            accept(),
        )?,
    );

    // Finding 2: status lists held by URI alone.
    let jilin = issuer(JL, key(JILIN_KEY), 0x34)?;
    let with_status_5 = licence(&jilin, "LIST0005", Some(5), signed)?;
    let jilin_revoked = list(LIST_URI, &[5], hour_ago)?.sign(&key(JILIN_KEY))?;
    let hunan_over = list(LIST_URI, &[], now.saturating_sub(60))?.sign(&key(HUNAN_KEY))?;
    all.push(
        Scenario::new(
            dir,
            "list-overwrite-by-other-agency",
            2,
            "湖南's key publishes a newer list under 吉林's URI; 吉林's certificate stays REVOKED, even under allow_unknown_status",
            "accepted: the newer list replaced 吉林's whoever signed it, the status turned UNKNOWN and the policy let it through",
        )
        .set("allow_unknown_status", json!(true))
        .list("list-jilin-revoked-5.cose", &jilin_revoked, "stored")?
        .list("list-hunan-same-uri.cose", &hunan_over, "stored")?
        .check("certificate", "certificate-status-5.cose", &with_status_5, with_status(reject("status"), "revoked"))?,
    );
    let far_future =
        list(LIST_URI, &[], now.saturating_add(10 * 365 * 86_400))?.sign(&key(JILIN_KEY))?;
    all.push(
        Scenario::new(
            dir,
            "list-far-future-lockout",
            2,
            "a list dated ten years ahead is refused, so the real list (REVOKED) is held and used",
            "accepted: the future list was held, the real one silently dropped as older, the status UNKNOWN and allowed",
        )
        .set("allow_unknown_status", json!(true))
        .list("list-far-future.cose", &far_future, "refused")?
        .list("list-jilin-revoked-5.cose", &jilin_revoked, "stored")?
        .check("certificate", "certificate-status-5.cose", &with_status_5, with_status(reject("status"), "revoked"))?,
    );

    // Finding 3: the replay cache keyed on signature bytes.
    let device = P256SigningKey::from_bytes(&[0x83; 32])?;
    let bound = jilin.issue(
        business_licence()?
            .serial("BOUND001")
            .holder_key(&device.public_key()),
        signed,
    )?;
    let presenter = Presenter::new(bound.into_bytes(), P256SigningKey::from_bytes(&[0x83; 32])?)?;
    let shown = presenter.present(&PresentationOptions::default(), now.saturating_sub(10))?;
    all.push(
        Scenario::new(
            dir,
            "replay-high-s-twin",
            3,
            "a presentation, then its high-S twin (r, n − s) within its lifetime: the replay is refused",
            "accepted: the cache was keyed on the signature bytes, which the twin changes",
        )
        .set("replay_cache", json!(true))
        .check("presentation", "presentation.cose", &shown, accept())?
        .check("presentation", "presentation-high-s-twin.cose", &high_s_twin(&shown)?, reject("holder-binding"))?,
    );

    // Finding 4: held seals last-write-wins by esID.
    let maker = SealMaker::new(key(MAKER));
    let v1 = maker.make(
        &seal(
            "2200000000000201",
            JL,
            &[&key(STAMPER), &key(STAMPER_2)],
            made,
        )?,
        made,
    )?;
    let v2 = maker.make(
        &seal(
            "2200000000000201",
            JL,
            &[&key(STAMPER_2)],
            made.saturating_add(86_400),
        )?,
        made,
    )?;
    let under_v1 = licence(
        &issuer(JL, key(STAMPER), 0x35)?.with_seal(&v1)?,
        "SEAL0001",
        None,
        signed,
    )?;
    let under_v1_by_2 = licence(
        &issuer(JL, key(STAMPER_2), 0x36)?.with_seal(&v1)?,
        "SEAL0002",
        None,
        signed,
    )?;
    let malleated = with_unprotected_item(&v1)?;
    all.push(
        Scenario::new(
            dir,
            "seal-unsigned-byte-added",
            4,
            "a genuine seal re-sent with an unsigned unprotected item is refused, and the certificates naming the genuine seal still verify; a stamp embedding the altered seal is refused",
            "the altered copy replaced the held seal (its digest covered the unsigned header), so every certificate under it failed, and the stamp verified",
        )
        .seal("seal-v1.cose", &v1, "stored")?
        .seal("seal-v1-unsigned-item.cose", &malleated, "refused")?
        .check("certificate", "certificate-under-seal-v1.cose", &under_v1, accept())?
        .check(
            "stamp",
            "stamp-with-altered-seal.cose",
            &stamp(&malleated, DOCUMENT, "全文", &key(STAMPER), signed)?,
            reject("decode"),
        )?,
    );
    all.push(
        Scenario::new(
            dir,
            "seal-rollback",
            4,
            "version 2 of a seal drops a key; re-adding version 1 does not bring it back: its certificates are refused, the kept key's still verify",
            "accepted: re-adding version 1 made it the held seal again",
        )
        .seal("seal-v1.cose", &v1, "stored")?
        .seal("seal-v2.cose", &v2, "replaced")?
        .seal("seal-v1.cose", &v1, "already-held")?
        .check("certificate", "certificate-under-seal-v1.cose", &under_v1, reject("issuer-key"))?
        .check("certificate", "certificate-under-seal-v1-kept-key.cose", &under_v1_by_2, accept())?
        .check(
            "stamp",
            "stamp-by-dropped-key-under-v1.cose",
            &stamp(&v1, DOCUMENT, "全文", &key(STAMPER), signed)?,
            reject("seal-authorisation"),
        )?,
    );

    // Finding 7: times beyond i64::MAX seconds.
    let forever = business_licence_valid(Validity {
        not_before: signed,
        not_after: Some(UnixTime::from_secs(u64::MAX)),
    })?
    .serial("TIME0001");
    all.push(
        Scenario::new(
            dir,
            "expiry-beyond-i64",
            7,
            "a trusted certificate whose exp is 2^64 − 1 verifies (and the bindings show it without panicking)",
            "the bindings panicked converting the expiry to a platform time",
        )
        .check("certificate", "certificate-exp-u64-max.cose", &jilin.issue(forever, signed)?.into_bytes(), accept())?,
    );

    // Finding 8: the IETF draft's status list example (kid in the unprotected header).
    let ietf = hex::decode(IETF_EXAMPLE)?;
    all.push(
        Scenario::new(
            dir,
            "ietf-status-list-example",
            8,
            "draft-ietf-oauth-status-list-20's CWT example, signed with the draft's example key, verifies and decodes to its statuses",
            "refused at decoding: kid in the unprotected header, none in the protected one",
        )
        .check(
            "status-list",
            "ietf-status-list-cwt-draft-20.cose",
            &ietf,
            json!({ "outcome": "accept", "failed_check": null, "status": null,
                    "statuses": [1, 0, 0, 1, 1, 1, 0, 1, 1, 1, 0, 0, 0, 1, 0, 1] }),
        )?,
    );

    // Finding 9: status lists under a chain or a seal; bundle expiry; compromised keys.
    let chain_issued = licence(&issuer_chain, "LIST0006", Some(6), signed)?;
    let chain_list = list(LIST_URI, &[6], hour_ago)?.sign_as(
        &key(LIST_LEAF),
        &ListAuthority::X509Chain(&chains.status_lists),
    )?;
    all.push(
        Scenario::new(
            dir,
            "list-under-x509-chain",
            9,
            "an X.509-issued certificate's status comes from a list signed by a status-list leaf of the same agency: REVOKED",
            "UNKNOWN: lists verified only under raw keys, so X.509 agencies had no status",
        )
        .list("list-x509-revoked-6.cose", &chain_list, "stored")?
        .check("certificate", "certificate-x509-status-6.cose", &chain_issued, with_status(reject("status"), "revoked"))?,
    );
    let list_leaf = hex::encode(key_digest(&key(LIST_LEAF).public_key()));
    all.push(
        Scenario::new(
            dir,
            "held-list-signer-revoked",
            9,
            "the status-list leaf's key is revoked an hour after its list was held: two hours later the held list no longer counts (UNKNOWN)",
            "no revocation: the list would have counted until it went stale",
        )
        .set(
            "revoked_keys",
            json!([{ "key_sha256": list_leaf, "since": now.saturating_add(3600).as_secs() }]),
        )
        .list("list-x509-revoked-6.cose", &chain_list, "stored")?
        .check("certificate", "certificate-x509-status-6.cose", &chain_issued, with_status(reject("status"), "unknown"))
        .map(|s| s.at(now.saturating_add(2 * 3600)))?,
    );
    let agency_seal = maker.make(&seal("2200000000000301", JL, &[&key(STAMPER)], made)?, made)?;
    let sealed_issued = licence(
        &issuer(JL, key(STAMPER), 0x37)?.with_seal(&agency_seal)?,
        "LIST0007",
        Some(7),
        signed,
    )?;
    let seal_list = list(LIST_URI, &[], hour_ago)?
        .sign_as(&key(STAMPER), &ListAuthority::Seal(&agency_seal))?;
    all.push(
        Scenario::new(
            dir,
            "list-under-seal",
            9,
            "a certificate signed under a seal gets its status from a list signed under the same seal: VALID",
            "UNKNOWN: a seal-trusted agency could not have its status checked at all",
        )
        .seal("seal-agency.cose", &agency_seal, "stored")?
        .list("list-under-seal.cose", &seal_list, "stored")?
        .check("certificate", "certificate-sealed-status-7.cose", &sealed_issued, with_status(accept(), "valid"))?,
    );

    let bundle = TrustBundle {
        publisher: "吉林省政务服务和数字化建设管理局（测试）".into(),
        issued_at: now.saturating_sub(60),
        expires_at: now.saturating_add(3600),
        issuer_keys: vec![BundleIssuerKey {
            name: "吉林省 test anchor".into(),
            agency: Uscc::parse(JILIN)?,
            alg: -19,
            key: key(JILIN_KEY).public_key().to_bytes(),
            roles: Roles::AGENCY.bits(),
        }],
        seal_makers: vec![BundleNamed {
            name: "制章中心（测试）".into(),
            alg: -19,
            bytes: key(MAKER).public_key().to_bytes(),
            roles: Roles::SEAL_MAKER.bits(),
        }],
        revoked_keys: vec![BundleRevokedKey {
            digest: key_digest(&key(STAMPER_2).public_key()),
            since: None,
        }],
        ..TrustBundle::default()
    };
    let publisher = key(0x71);
    let bundle_bytes = sign_trust_bundle(&bundle, &publisher)?;
    let good_stamp = stamp(&agency_seal, DOCUMENT, "全文", &key(STAMPER), signed)?;
    let by_revoked = maker.make(
        &seal("2200000000000302", JL, &[&key(STAMPER_2)], made)?,
        made,
    )?;
    all.push(
        Scenario::new(
            dir,
            "bundle-expiry-and-revocations",
            9,
            "a verifier loaded from a bundle valid for an hour: a stamp verifies now and is refused two hours later (check 0); a stamp by a key the bundle revokes is refused",
            "accepted both: a bundle's expiry was checked only when loaded, and bundles could not revoke keys",
        )
        .set(
            "bundle",
            json!({ "file": write(dir, "bundle.cose", &bundle_bytes)?,
                    "publisher_key": hex::encode(publisher.public_key().to_bytes()) }),
        )
        .check("stamp", "stamp-by-agency-seal.cose", &good_stamp, accept())?
        .check("stamp", "stamp-by-agency-seal.cose", &good_stamp, reject("trust-bundle"))
        .map(|s| s.at(now.saturating_add(2 * 3600)))?
        .check(
            "stamp",
            "stamp-by-revoked-key.cose",
            &stamp(&by_revoked, DOCUMENT, "全文", &key(STAMPER_2), signed)?,
            reject("stamp-signature"),
        )?
        .check("status-list", "list-jilin-revoked-5.cose", &jilin_revoked, reject("trust-bundle"))
        .map(|s| s.at(now.saturating_add(2 * 3600)))?,
    );

    let second = issuer(JL, key(JILIN_SECOND), 0x38)?;
    let backdated = licence(&second, "KEY00001", None, now.saturating_sub(400 * 86_400))?;
    let revoked_digest = hex::encode(key_digest(&key(JILIN_SECOND).public_key()));
    let since_yesterday = now.saturating_sub(86_400).as_secs();
    all.push(
        Scenario::new(
            dir,
            "revoked-issuer-key-backdated",
            9,
            "吉林's second key, compromised since yesterday, signs a certificate dated a year ago: refused; the same verifier re-checking history as of two days ago accepts it",
            "accepted: a key could not be marked compromised, and a backdated iat passed every time check",
        )
        .set("revoked_keys", json!([{ "key_sha256": revoked_digest, "since": since_yesterday }]))
        .check("certificate", "certificate-by-revoked-key.cose", &backdated, reject("issuer-key"))?
        .check("certificate", "certificate-by-revoked-key.cose", &backdated, accept())
        .map(|s| s.at(now.saturating_sub(2 * 86_400)))?,
    );
    let maker_digest = hex::encode(key_digest(&key(MAKER).public_key()));
    all.push(
        Scenario::new(
            dir,
            "revoked-seal-maker",
            9,
            "the seal maker's key is revoked: its seals stamp nothing and authorise no certificate",
            "accepted: nothing could revoke a seal maker",
        )
        .set(
            "revoked_keys",
            json!([{ "key_sha256": maker_digest, "since": null }]),
        )
        .seal("seal-agency.cose", &agency_seal, "refused")?
        .check(
            "stamp",
            "stamp-by-agency-seal.cose",
            &good_stamp,
            reject("seal-maker"),
        )?,
    );

    let ietf_key = hex::decode(IETF_KEY)?;
    let manifest = json!({
        "description": "yinzheng security vectors (issue 13): one scenario per finding; see test-vectors/README.md",
        "time": now.as_secs(),
        "trust": [
            { "name": "吉林省 test anchor", "agency": JILIN, "alg": "Ed25519",
              "public_key": hex::encode(key(JILIN_KEY).public_key().to_bytes()), "roles": ["issuer", "status-lists"] },
            { "name": "湖南省 test anchor", "agency": HUNAN, "alg": "Ed25519",
              "public_key": hex::encode(key(HUNAN_KEY).public_key().to_bytes()), "roles": ["issuer", "status-lists"] },
            { "name": "吉林省 second key", "agency": JILIN, "alg": "Ed25519",
              "public_key": hex::encode(key(JILIN_SECOND).public_key().to_bytes()), "roles": ["issuer"] },
            { "name": "IETF draft example issuer", "agency": IETF_AGENCY, "alg": "ES256",
              "public_key": hex::encode(ietf_key), "roles": ["status-lists"], "key_id": hex::encode(b"12") },
        ],
        "seal_makers": [
            { "name": "制章中心（测试）", "alg": "Ed25519", "public_key": hex::encode(key(MAKER).public_key().to_bytes()) },
        ],
        "x509_roots": roots,
        "vectors": all.into_iter().map(|s| s.value).collect::<Vec<_>>(),
    });
    write_manifest(dir, &manifest)
}
