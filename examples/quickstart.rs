//! The whole story: an agency makes a key and issues a business licence and a resident's
//! certificate bound to the holder's phone key, each recorded in a tamper-evident audit log;
//! the phone shows a rotating QR code (亮证) revealing only what a hotel desk asked for; the
//! desk verifies it offline with its nonce and prints the report, then refuses the same code
//! scanned twice, a screenshot shown later and the certificate copied off the phone; a tampered copy is
//! rejected with the failing check named; the agency revokes one certificate and suspends and
//! reinstates another, and the offline verifier sees each status from the published lists; a
//! seal maker makes the agency's electronic seal (SVG picture), the agency stamps a PDF-like
//! document and signs a certificate under the seal, and a verifier configured only from a signed
//! trust bundle checks both offline, then rejects the document with one byte altered; an
//! auditor verifies the whole log and one inclusion proof with nothing but the log's public key.
//!
//! Run with `cargo run --example quickstart`.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;
use std::time::Duration;

use yinzheng::audit::InclusionBundle;
use yinzheng::crypto::{Ed25519SigningKey, OsRandom, P256SigningKey, Signer as _};
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::presentation::PresentationRequest;
use yinzheng::model::{Agency, CertificateType, Holder, ResidentId, Uscc, Validity};
use yinzheng::present::{PresentationOptions, Presenter, QrCode, QrLevel, select_disclosures};
use yinzheng::status::{LegalStatus, RegistryConfig, StatusRegistry};
use yinzheng::storage::AuditLog;
use yinzheng::storage::log::verify_segment;
use yinzheng::time::{Clock as _, Date, SystemClock};
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{ReplayCache, VerificationContext, Verifier};

fn main() -> Result<(), Box<dyn Error>> {
    // The time is an explicit input everywhere; here it comes from the system clock.
    let now = SystemClock.now()?;
    let today = now.date_in_china();

    // 1. The agency (发证机关) makes its signing key. In production the key would live in an
    //    HSM behind the `Signer` trait; the PEM is what an operator would store.
    let key = Ed25519SigningKey::generate(&OsRandom)?;
    let public_key = key.public_key();
    let pem = key.to_pkcs8_pem()?;
    println!("== 1. Agency key ==");
    println!(
        "key id {} (PKCS#8 PEM: {} bytes, kept secret)",
        public_key.key_id(),
        pem.len()
    );
    let agency = Agency::new("吉林省市场监督管理局（示例）", "11220000013544541J")?;

    // The agency's audit log: every issuance is recorded (identifiers and digests only)
    // before the certificate is released.
    let log_dir = std::env::temp_dir().join(format!("yinzheng-quickstart-{}", std::process::id()));
    let origin = "audit.example.gov.cn/jilin-amr";
    let log = Arc::new(AuditLog::open(
        &log_dir,
        origin,
        Ed25519SigningKey::generate(&OsRandom)?,
    )?);
    println!(
        "audit log {origin} in {}, key {}",
        log_dir.display(),
        log.key().to_vkey()
    );
    // The status registry gives each certificate a random entry in a status list.
    let registry = Arc::new(
        StatusRegistry::open_file(
            &log_dir.join("status.journal"),
            RegistryConfig::new("https://status.example.gov.cn/jilin-amr/"),
        )?
        .with_observer(log.clone())?,
    );
    // Status lists must be signed by a key that speaks for the agency: here the same key,
    // loaded again from the operator's PEM.
    let list_signer = Ed25519SigningKey::from_pkcs8_pem(&pem)?;
    let issuer = Issuer::new(agency.clone(), key)
        .with_audit_log(log.clone())
        .with_status_registry(registry.clone());

    // 2. A business licence (营业执照): every field plain, always shown.
    let company = Uscc::parse("91350100M000100Y43")?;
    let founded = Date::new(2018, 6, 1)?;
    let licence = issuer.issue(
        CertificateBuilder::new(
            CertificateType::new("11100000MB0341032Y002", "营业执照")?,
            company.as_str(),
            Holder::organisation("福州示例科技有限公司", &company),
            today,
            Validity::long_term(founded),
        )
        .jurisdiction("220000")
        .field("类型", "有限责任公司")
        .field("法定代表人", "林示例")
        .field("注册资本", "壹佰万元整")
        .field("成立日期", founded)
        .field("住所", "吉林省长春市示例路1号"),
        now,
    )?;
    println!(
        "\n== 2. Business licence, {} bytes ==",
        licence.as_bytes().len()
    );
    print!("{}", licence.certificate());

    // 3. A resident's certificate with fields the holder may withhold, bound to the holder's
    //    phone: its P-256 key (Secure Enclave / StrongBox in a real app) must sign every
    //    showing, so a copy or a screenshot is useless.
    let phone = P256SigningKey::generate(&OsRandom)?;
    let phone_key = phone.public_key();
    let birth = Date::new(1949, 12, 31)?;
    let resident = issuer.issue(
        CertificateBuilder::new(
            CertificateType::new("11100000000013338W032", "建筑施工特种作业人员操作资格证书")?,
            "吉A042012000939",
            Holder::resident("李示例", &ResidentId::parse("11010519491231002X")?),
            today,
            Validity::days(today, Date::new(today.year() + 6, today.month(), 1)?),
        )
        .field("操作类别", "建筑电工")
        .disclosable_field("性别", "男")
        .disclosable_field("出生日期", birth)
        .disclosable_field("住址", "吉林省长春市示例街2号")
        .age_over(18, birth, today)
        .holder_key(&phone_key),
        now,
    )?;
    println!(
        "\n== 3. Resident's certificate, {} bytes ==",
        resident.as_bytes().len()
    );
    print!("{}", resident.certificate());
    println!(
        "{} disclosable fields signed as {} salted digests (decoys included)",
        resident.disclosures().len(),
        resident.certificate().digests.len()
    );

    // 4. 亮证 at a hotel desk. The desk's app shows a request (the fields it needs, a fresh
    //    nonce, its name); the holder's phone answers with a rotating code that reveals only
    //    性别 and age_over_18, signed by the phone, valid 60 s.
    let mut nonce = [0u8; 16];
    yinzheng::crypto::RandomSource::fill(&OsRandom, &mut nonce)?;
    let request = PresentationRequest {
        fields: vec!["性别".into(), "age_over_18".into()],
        nonce: Some(nonce.to_vec()),
        audience: Some("长春示例酒店前台".into()),
        purpose: Some("住宿登记".into()),
    };
    let presenter = Presenter::new(resident.as_bytes().to_vec(), phone)?;
    let (qr_text, refresh_at) = presenter.rotating_qr_text(
        &PresentationOptions::answering(&request),
        now,
        Duration::from_secs(30),
    )?;
    let code = QrCode::new(&qr_text, QrLevel::M)?;
    println!(
        "\n== 4. 亮证: the phone shows 性别 and age_over_18 only ({} characters, QR version {} at level M, next code at {}) ==",
        qr_text.len(),
        code.version(),
        refresh_at
    );
    print!("{}", code.to_terminal());
    let shown = select_disclosures(
        resident.as_bytes(),
        &["性别", "age_over_18"],
        &yinzheng::Limits::default(),
    )?;

    // 5. The verifier trusts the agency's key (from a trust bundle, normally) and checks the
    //    QR text fully offline.
    let mut trust = TrustStore::new();
    // Trusted for its roles: it issues the agency's certificates and signs its status lists.
    trust.add_agency_key(
        "吉林省市场监督管理局 2026",
        agency.code.clone(),
        public_key.clone(),
        Roles::AGENCY,
    )?;
    let verifier = Verifier::builder(trust.clone())
        .with_replay_cache(Arc::new(ReplayCache::new(10_000)))
        .build()?;
    let ctx = VerificationContext::at(now);
    let scan = VerificationContext::at(now.saturating_add(4))
        .with_nonce(nonce.to_vec())
        .with_audience("长春示例酒店前台");
    // The app fetched the agency's current status lists (the library does no network I/O).
    let publish_all = |at| -> Result<Vec<Vec<u8>>, Box<dyn Error>> {
        registry
            .uris()
            .iter()
            .map(|uri| Ok(registry.publish(uri, &list_signer, at, Duration::from_secs(3600))?))
            .collect()
    };
    for token in publish_all(now)? {
        verifier.add_status_list(&token, &ctx)?;
    }
    let verified = verifier.verify_presentation_qr(&qr_text, &scan)?;
    println!("\n== 5. The desk scans the code and verifies it offline ==");
    print!("{}", verified.report());
    println!("-- what the verifier sees --");
    print!("{}", verified.certificate);
    match verifier.verify_presentation_qr(&qr_text, &scan) {
        Ok(_) => return Err("a replayed presentation was accepted".into()),
        Err(rejected) => println!("the same code scanned again: {rejected}"),
    }
    let screenshot = VerificationContext::at(now.saturating_add(120));
    match verifier.verify_presentation_qr(&qr_text, &screenshot) {
        Ok(_) => return Err("an expired presentation was accepted".into()),
        Err(rejected) => println!("a screenshot shown 2 minutes later: {rejected}"),
    }
    match verifier.verify_certificate(resident.as_bytes(), &ctx) {
        Ok(_) => return Err("a bound certificate was accepted without its device".into()),
        Err(rejected) => println!("the certificate copied off the phone: {rejected}"),
    }
    let licence_ok = verifier.verify_certificate(licence.as_bytes(), &ctx)?;
    println!(
        "business licence {}: {}",
        licence_ok.number,
        if licence_ok.report().failure().is_none() {
            "valid"
        } else {
            "invalid"
        }
    );

    // 6. A forged copy: the holder's name changed from 李 to 王 inside the signed payload.
    let (from, to) = ("李示例".as_bytes(), "王示例".as_bytes());
    let position = shown
        .windows(from.len())
        .position(|w| w == from)
        .ok_or("holder name not found")?;
    let mut forged = shown.clone();
    forged[position..position + to.len()].copy_from_slice(to);
    println!(
        "\n== 6. Forged copy: holder name changed to 王示例 (bytes {position}..{}) ==",
        position + to.len()
    );
    match verifier.verify_certificate(&forged, &ctx) {
        Ok(_) => return Err("a forged certificate was accepted".into()),
        Err(rejected) => {
            println!("{rejected}");
            print!("{}", rejected.report());
        }
    }

    // 7. Revocation and suspension, seen offline through fresh status lists.
    let later = VerificationContext::at(now.saturating_add(10));
    let describe =
        |result: Result<yinzheng::verify::Report, yinzheng::verify::Rejected>| match result {
            Ok(report) => format!(
                "accepted, status {}",
                report.status().map_or("-".to_owned(), |s| s.to_string())
            ),
            Err(r) => format!("rejected at {}: {}", r.failed_check().name(), r.error()),
        };
    let status_of = |bytes: &[u8]| {
        describe(
            verifier
                .verify_certificate(bytes, &later)
                .map(|v| v.report().clone()),
        )
    };
    // The resident's certificate is only ever shown through the phone.
    let resident_status = || -> Result<String, Box<dyn Error>> {
        let fresh = presenter.present(&PresentationOptions::revealing(&[]), later.now)?;
        Ok(describe(
            verifier
                .verify_presentation(&fresh, &later)
                .map(|v| v.report().clone()),
        ))
    };
    println!("\n== 7. Revocation and suspension ==");
    registry.set_status(
        resident.certificate().id.as_str(),
        LegalStatus::Revoked,
        "operator-0042",
        now,
    )?;
    registry.set_status(
        licence.certificate().id.as_str(),
        LegalStatus::Suspended,
        "operator-0042",
        now,
    )?;
    for token in publish_all(now.saturating_add(1))? {
        verifier.add_status_list(&token, &later)?;
    }
    println!(
        "resident's certificate after {} (revoked): {}",
        LegalStatus::Revoked.label(),
        resident_status()?
    );
    println!(
        "business licence after {} (suspended): {}",
        LegalStatus::Suspended.label(),
        status_of(licence.as_bytes())
    );
    registry.set_status(
        licence.certificate().id.as_str(),
        LegalStatus::Valid,
        "operator-0042",
        now,
    )?;
    for token in publish_all(now.saturating_add(2))? {
        verifier.add_status_list(&token, &later)?;
    }
    println!(
        "business licence reinstated ({}): {}",
        LegalStatus::Valid.label(),
        status_of(licence.as_bytes())
    );

    // 8. Bulk: the agency issues 200 licences with one audit-log commit, and a bank's back
    //    office re-checks them as one queue, with the Ed25519 batch equation.
    let licences: Vec<CertificateBuilder> = (0..200)
        .map(|i| -> Result<CertificateBuilder, Box<dyn Error>> {
            Ok(CertificateBuilder::new(
                CertificateType::new("11100000MB0341032Y002", "营业执照")?,
                format!("JL2026{i:06}"),
                Holder::organisation(&format!("长春示例商店{i:03}"), &company),
                today,
                Validity::long_term(today),
            )
            .field("类型", "个体工商户"))
        })
        .collect::<Result<_, Box<dyn Error>>>()?;
    let issued = issuer.issue_batch(licences, now)?;
    let back_office = Verifier::builder(trust).allow_cofactored_batch().build()?;
    for token in publish_all(now.saturating_add(3))? {
        back_office.add_status_list(&token, &later)?;
    }
    let queue: Vec<&[u8]> = issued.iter().map(|c| c.as_bytes()).collect();
    let verdicts = back_office.verify_certificates(&queue, &later);
    println!(
        "\n== 8. {} licences issued in one audit commit; the back office verifies them as one queue: {} accepted ==",
        issued.len(),
        verdicts.iter().filter(|v| v.is_ok()).count(),
    );
    // A bad certificate in a queue is named with its own error, the rest still verify.
    if let Some(Err(first)) = verdicts.iter().find(|v| v.is_err()) {
        println!("first refusal: {first}");
    }

    // 9. Seals (电子印章) and stamps (电子签章).
    seals_and_stamps(&log, &agency, &public_key, &registry, &list_signer, now)?;

    // 10. The auditor: the whole log and one inclusion proof, with only the log's public key.
    let summary = verify_segment(&std::fs::read(log_dir.join("log.seg"))?, origin, log.key())?;
    println!(
        "\n== 10. Audit log verified: {} entries, every frame, the hash chain and every signed checkpoint ==",
        summary.size
    );
    let bundle = log
        .inclusion_bundle(resident.audit_index().ok_or("not logged")?)?
        .encode();
    println!("{bundle}");
    let included =
        InclusionBundle::parse(&bundle)?.verify(origin, std::slice::from_ref(log.key()))?;
    println!(
        "entry {} ({:?}) is in the log at size {}; subject {}",
        included.index,
        included.entry.event.kind,
        included.checkpoint.checkpoint.size,
        String::from_utf8_lossy(&included.entry.event.subject)
    );
    drop((issuer, registry, log));
    std::fs::remove_dir_all(&log_dir)?;
    Ok(())
}

/// Step 9: the seal maker makes the agency's seal, the agency stamps a document and signs a
/// certificate under the seal; a verifier loaded from a trust bundle checks both offline.
fn seals_and_stamps(
    log: &Arc<AuditLog>,
    agency: &Agency,
    agency_key: &yinzheng::crypto::PublicKey,
    registry: &StatusRegistry,
    list_signer: &Ed25519SigningKey,
    now: yinzheng::time::UnixTime,
) -> Result<(), Box<dyn Error>> {
    use yinzheng::crypto::sha256;
    use yinzheng::issue::{SealMaker, Stamper, sign_trust_bundle};
    use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, TrustBundle};
    use yinzheng::model::{Seal, SealKind, SealPicture};

    println!("\n== 9. Seal, stamp and trust bundle ==");
    let maker_key = Ed25519SigningKey::generate(&OsRandom)?;
    let maker_public = maker_key.public_key();
    let stamping_key = Ed25519SigningKey::generate(&OsRandom)?;
    let stamping_public = stamping_key.public_key();
    let svg = concat!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 42 42">"##,
        r##"<circle cx="21" cy="21" r="19" fill="none" stroke="#d40000"/>"##,
        r##"<text x="21" y="23" font-size="3.5" text-anchor="middle" fill="#d40000">吉林省市场监督管理局</text>"##,
        r##"<text x="21" y="30" font-size="6" text-anchor="middle" fill="#d40000">★</text></svg>"##
    );
    let seal = Seal {
        id: "2200000000000001".into(),
        kind: SealKind::Official,
        name: format!("{}电子公章", agency.name),
        owner: agency.clone(),
        authorised_keys: vec![sha256(&stamping_public.to_bytes())],
        created: now,
        valid_from: now,
        valid_until: now.saturating_add(3 * 365 * 86_400),
        picture: SealPicture {
            format: "svg".into(),
            data: svg.as_bytes().to_vec(),
            width_mm: 42,
            height_mm: 42,
        },
        status: None,
    };
    let sealed = SealMaker::new(maker_key)
        .with_audit_log(log.clone())
        .make(&seal, now)?;
    println!(
        "seal {} ({}) made by the seal maker: {} bytes, picture {} bytes of SVG",
        seal.id,
        seal.kind.label(),
        sealed.len(),
        svg.len()
    );

    let document = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% \xe5\x85\xb3\xe4\xba\x8e\xe5\x87\xba\xe5\x85\xb7\xe8\xaf\x81\xe6\x98\x8e\n%%EOF\n";
    // The same stamping key also signs certificates under the seal (a second handle to it).
    let issuing_handle = Ed25519SigningKey::from_pkcs8_pem(&stamping_key.to_pkcs8_pem()?)?;
    let stamper = Stamper::new(sealed.clone(), stamping_key)?.with_audit_log(log.clone());
    let stamp = stamper.stamp(document, "全文 (whole document)", now)?;
    println!(
        "document of {} bytes stamped: stamp {} bytes",
        document.len(),
        stamp.len()
    );
    let company = Uscc::parse("91220101MA00000000")?;
    let certificate = Issuer::new(agency.clone(), issuing_handle)
        .with_seal(&sealed)?
        .with_audit_log(log.clone())
        .issue(
            CertificateBuilder::new(
                CertificateType::new("11100000MB0341032Y002", "营业执照")?,
                company.as_str(),
                Holder::organisation("长春示例商贸有限公司", &company),
                now.date_in_china(),
                Validity::long_term(now.date_in_china()),
            )
            .field("类型", "有限责任公司"),
            now,
        )?;

    // What a verifier downloads: a trust bundle signed by the platform it pins.
    let publisher = Ed25519SigningKey::generate(&OsRandom)?;
    let mut lists = Vec::new();
    for uri in registry.uris() {
        lists.push(registry.publish(&uri, list_signer, now, Duration::from_secs(3600))?);
    }
    let bundle = TrustBundle {
        publisher: "全国一体化政务服务平台（示例）".into(),
        issued_at: now,
        expires_at: now.saturating_add(7 * 86_400),
        issuer_keys: vec![BundleIssuerKey {
            name: agency.name.clone(),
            agency: agency.code.clone(),
            alg: agency_key.algorithm().cose_id().ok_or("a COSE key")?,
            key: agency_key.to_bytes(),
            roles: Roles::STATUS_LISTS.bits(),
        }],
        x509_roots: Vec::new(),
        seal_makers: vec![BundleNamed {
            name: "吉林省印章制作中心（示例）".into(),
            alg: maker_public.algorithm().cose_id().ok_or("a COSE key")?,
            bytes: maker_public.to_bytes(),
            roles: Roles::SEAL_MAKER.bits(),
        }],
        seals: vec![sealed.clone()],
        status_lists: lists,
        revoked_keys: Vec::new(),
    };
    let bundle_bytes = sign_trust_bundle(&bundle, &publisher)?;
    let ctx = VerificationContext::at(now);
    let verifier = Verifier::from_trust_bundle(
        &bundle_bytes,
        &publisher.public_key(),
        &ctx,
        &yinzheng::Limits::default(),
    )?
    .build()?;
    println!("trust bundle: {} bytes, valid 7 days", bundle_bytes.len());

    let verified = verifier.verify_stamp(&stamp, document, &ctx)?;
    println!("-- stamp verified offline, in the GB/T 38540 order --");
    print!("{}", verified.report());
    println!(
        "seal {} of {}, made by {}, picture {}×{} mm",
        verified.seal.name,
        verified.seal.owner.name,
        verified.seal_maker,
        verified.seal.picture.width_mm,
        verified.seal.picture.height_mm
    );
    let on_face = verifier.verify_certificate(certificate.as_bytes(), &ctx)?;
    let seal_on_face = on_face.seal().ok_or("no seal on the certificate")?;
    println!(
        "certificate signed under the seal verified through it; draw {} ({} bytes of {})",
        seal_on_face.name,
        seal_on_face.picture.data.len(),
        seal_on_face.picture.format
    );
    let mut altered = document.to_vec();
    altered[10] ^= 0x01;
    match verifier.verify_stamp(&stamp, &altered, &ctx) {
        Ok(_) => return Err("an altered document verified".into()),
        Err(rejected) => println!("one byte of the document altered: {rejected}"),
    }
    Ok(())
}
