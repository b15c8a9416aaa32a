//! A provincial platform in one run: two agencies' issuing services (市场监管 and 住建) issue
//! certificates at the same time into one audit log in PostgreSQL, each through its own
//! connection; an integrator signs checkpoints and publishes tlog-tiles to an object store
//! (`s3://…`) or a directory, what a static HTTP front serves. 市场监管's certificates get their status entries from the
//! status registry in the same database; one is revoked there, in the same transaction as its audit entry, and the
//! list is published beside the tiles. Then an offline verifier with the fetched list sees one
//! certificate revoked and another valid, and an auditor with nothing but the log's public key
//! fetches the checkpoint and tiles and verifies an issuance's inclusion.
//!
//! Needs a server: `eval "$(bash .ci/postgres.sh start)"`, then
//! `cargo run -p yinzheng-platform --example platform [TARGET]`, where TARGET is where the
//! tiles go (`s3://BUCKET/PREFIX` with the `AWS_*` settings `.ci/seaweedfs.sh start` prints, or
//! `file:DIR`; a fresh temporary directory by default). It works in the schema
//! `yz_example_platform`, which it drops and creates.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use yinzheng::Limits;
use yinzheng::audit::objects::ObjectSource as _;
use yinzheng::audit::tile_client::TileClient;
use yinzheng::audit::{AuditSink, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, OsRandom, Signer as _};
use yinzheng::issue::{CertificateBuilder, IssuedCertificate, Issuer};
use yinzheng::model::{Agency, CertificateType, Holder, Uscc, Validity};
use yinzheng::status::{LegalStatus, RegistryConfig};
use yinzheng::storage::publish_status_list;
use yinzheng::time::{Clock as _, Date, SystemClock};
use yinzheng::trust::{Roles, TrustStore};
use yinzheng::verify::{StatusOutcome, VerificationContext, Verifier};
use yinzheng_objects::open_target;
use yinzheng_postgres::{PgLog, PgStatusRegistry};

const ORIGIN: &str = "audit.example.gov.cn/jilin-platform";
/// Where the status lists are served: the tiles directory's `status/` under this URL.
const STATUS_BASE: &str = "https://tiles.example.gov.cn/jilin-platform/";

fn main() -> Result<(), Box<dyn Error + Send + Sync>> {
    let Ok(base) = std::env::var("YINZHENG_TEST_POSTGRES") else {
        return Err("set YINZHENG_TEST_POSTGRES to a server URL \
                    (eval \"$(bash .ci/postgres.sh start)\" starts a throwaway one)"
            .into());
    };
    let mut admin = postgres::Client::connect(&base, postgres::NoTls)?;
    admin.batch_execute(
        "DROP SCHEMA IF EXISTS yz_example_platform CASCADE; CREATE SCHEMA yz_example_platform",
    )?;
    let separator = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{separator}options=-csearch_path%3Dyz_example_platform");
    let now = SystemClock.now()?;
    let today = now.date_in_china();

    // The platform's log key, and the integrator that alone holds it.
    let log_signer = Ed25519SigningKey::generate(&OsRandom)?;
    let log_key = NoteKey::new(ORIGIN, KeyRole::Log, log_signer.public_key())?;
    let scratch = std::env::temp_dir().join(format!("yz-platform-tiles-{}", std::process::id()));
    let tiles = std::env::args()
        .nth(1)
        .unwrap_or_else(|| format!("file:{}", scratch.display()));
    let integrator = PgLog::connect(&url, ORIGIN, log_key.clone())?
        .with_signer(log_signer)?
        .with_tiles(open_target(&tiles)?);
    println!("log {ORIGIN}: {}", log_key.to_vkey());
    println!("tiles published to {tiles}");
    let stop = Arc::new(AtomicBool::new(false));
    let integrating = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || -> Result<(), yinzheng_postgres::PgError> {
            while !stop.load(Ordering::Relaxed) {
                integrator.integrate()?;
                std::thread::sleep(Duration::from_millis(20));
            }
            integrator.integrate().map(|_| ())
        })
    };

    // Two issuing services, each with its own agency key and its own database connection.
    let agencies = [
        (
            "吉林省市场监督管理局（示例）",
            "11220000013544541J",
            "营业执照",
        ),
        (
            "吉林省住房和城乡建设厅（示例）",
            "112200000135445840",
            "建筑业企业资质证书",
        ),
    ];
    let status_config = RegistryConfig::new(&format!("{STATUS_BASE}status/"));
    let services: Vec<_> = agencies
        .into_iter()
        .enumerate()
        .map(|(n, (name, code, kind))| {
            let url = url.clone();
            let log_key = log_key.clone();
            let status_config = status_config.clone();
            std::thread::spawn(move || -> Result<_, Box<dyn Error + Send + Sync>> {
                let log: Arc<dyn AuditSink> = Arc::new(PgLog::connect(&url, ORIGIN, log_key)?);
                let key = Ed25519SigningKey::generate(&OsRandom)?;
                let public = key.public_key();
                let mut issuer = Issuer::new(Agency::new(name, code)?, key).with_audit_log(log);
                // The schema's status registry is 市场监管's: its lists are signed for it.
                if n == 0 {
                    let registry = PgStatusRegistry::connect(&url, status_config)?;
                    issuer = issuer.with_status_registry(Arc::new(registry));
                }
                let company = Uscc::parse("91350100M000100Y43")?;
                let builders = (0..50)
                    .map(|i| {
                        Ok(CertificateBuilder::new(
                            CertificateType::new("11100000MB0341032Y002", kind)?,
                            format!("JL-{n}-{i:04}"),
                            Holder::organisation(&format!("长春示例企业{i:03}"), &company),
                            today,
                            Validity::long_term(Date::new(2020, 1, 1)?),
                        ))
                    })
                    .collect::<Result<Vec<_>, Box<dyn Error + Send + Sync>>>()?;
                let issued = issuer.issue_batch(builders, now)?;
                Ok((Uscc::parse(code)?, public, issued))
            })
        })
        .collect();
    let mut trust = TrustStore::new();
    let mut issued: Vec<IssuedCertificate> = Vec::new();
    for (n, service) in services.into_iter().enumerate() {
        let (agency, public, certificates) = service
            .join()
            .map_err(|_| "an issuing service panicked")??;
        println!(
            "an issuing service recorded {} issuances ({} with a status entry)",
            certificates.len(),
            certificates
                .iter()
                .filter(|c| c.certificate().status.is_some())
                .count()
        );
        trust.add_agency_key(&format!("agency-{n}"), agency, public, Roles::AGENCY)?;
        issued.extend(certificates);
    }

    // A revocation through the shared registry, logged in the same transaction, and the list
    // published beside the tiles, cached no longer than its ttl.
    let registry = PgStatusRegistry::connect(&url, status_config)?;
    let revoked = &issued[7];
    let revoked_id = revoked.certificate().id.to_string();
    let change = registry.set_status(&revoked_id, LegalStatus::Revoked, "operator-3", now)?;
    println!(
        "revoked {revoked_id} (change {} in the registry)",
        change.sequence
    );
    let reference = revoked
        .certificate()
        .status
        .clone()
        .ok_or("no status entry")?;
    let list_signer = Ed25519SigningKey::generate(&OsRandom)?;
    trust.add_agency_key(
        "lists",
        Uscc::parse("11220000013544541J")?,
        list_signer.public_key(),
        Roles::STATUS_LISTS,
    )?;
    let token = registry.publish(&reference.uri, &list_signer, now, Duration::from_secs(600))?;
    let store = open_target(&tiles)?;
    let path = publish_status_list(&store, STATUS_BASE, &token, now, &Limits::default())?;
    println!("status list {} published at {path}", reference.uri);

    stop.store(true, Ordering::Relaxed);
    integrating
        .join()
        .map_err(|_| "the integrator panicked")??;

    // The auditor: only the published tiles and the log's public key.
    let auditor = TileClient::new(open_target(&tiles)?, ORIGIN, vec![log_key.clone()]);
    let checkpoint = auditor.checkpoint()?;
    println!(
        "published checkpoint: {} entries",
        checkpoint.checkpoint.size
    );
    let all = auditor.verify_all(&checkpoint)?;
    println!("every published tile and entry bundle checks against it ({all} entries)");
    let last = &issued[issued.len() - 1];
    let (certificate, index) = (
        last.certificate().id.to_string(),
        last.audit_index().ok_or("not logged")?,
    );
    let bundle = auditor.inclusion_bundle(&checkpoint, index)?;
    let verified = bundle.verify(ORIGIN, std::slice::from_ref(&log_key))?;
    println!(
        "inclusion of {certificate}'s issuance at index {index} verified: {} proof hashes, \
         event {:?}",
        bundle.proof.len(),
        verified.entry.event.kind
    );

    // A desk verifier, offline, with the list fetched from where it was published.
    let verifier = Verifier::builder(trust).build()?;
    let context = VerificationContext::at(now);
    let fetched = store
        .fetch(&path, 1 << 20)?
        .ok_or("the list is not published")?;
    verifier.add_status_list(&fetched, &context)?;
    let outcome = match verifier.verify_certificate(revoked.as_bytes(), &context) {
        Ok(_) => None,
        Err(rejected) => rejected.report().status(),
    };
    println!("{revoked_id}: refused, {outcome:?}");
    if outcome != Some(StatusOutcome::Revoked) {
        return Err("the revoked certificate was not refused as revoked".into());
    }
    let same_list = issued
        .iter()
        .find(|c| {
            c.certificate()
                .status
                .as_ref()
                .is_some_and(|s| s.uri == reference.uri)
                && c.certificate().id != revoked.certificate().id
        })
        .ok_or("no other certificate on the list")?;
    let valid = verifier.verify_certificate(same_list.as_bytes(), &context)?;
    println!(
        "{}: {:?}",
        same_list.certificate().id,
        valid.report().status()
    );
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(())
}
