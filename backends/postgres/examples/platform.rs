//! A provincial platform in one run: two agencies' issuing services (市场监管 and 住建) issue
//! certificates at the same time into one audit log in PostgreSQL, each through its own
//! connection; an integrator signs checkpoints and publishes tlog-tiles to a directory (what
//! a static HTTP front would serve); one certificate is revoked through the shared status
//! registry, in the same transaction as its audit entry; then an auditor with nothing but the
//! log's public key fetches the checkpoint and tiles and verifies an issuance's inclusion.
//!
//! Needs a server: `eval "$(bash .ci/postgres.sh start)"`, then
//! `cargo run -p yinzheng-postgres --example platform`. It works in the schema
//! `yz_example_platform`, which it drops and creates.
#![allow(clippy::print_stdout)]

use std::error::Error;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use yinzheng::audit::tile_client::TileClient;
use yinzheng::audit::{AuditSink, KeyRole, NoteKey};
use yinzheng::crypto::{Ed25519SigningKey, OsRandom, Signer as _};
use yinzheng::issue::{CertificateBuilder, Issuer};
use yinzheng::model::{Agency, CertificateType, Holder, Uscc, Validity};
use yinzheng::status::{LegalStatus, RegistryConfig};
use yinzheng::storage::DirectoryObjects;
use yinzheng::time::{Clock as _, Date, SystemClock};
use yinzheng_postgres::{PgLog, PgStatusRegistry};

const ORIGIN: &str = "audit.example.gov.cn/jilin-platform";

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
    let tiles = std::env::temp_dir().join(format!("yz-platform-tiles-{}", std::process::id()));
    let integrator = PgLog::connect(&url, ORIGIN, log_key.clone())?
        .with_signer(log_signer)?
        .with_tiles(DirectoryObjects::new(&tiles));
    println!("log {ORIGIN}: {}", log_key.to_vkey());
    println!("tiles published under {}", tiles.display());
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
    let services: Vec<_> = agencies
        .into_iter()
        .enumerate()
        .map(|(n, (name, code, kind))| {
            let url = url.clone();
            let log_key = log_key.clone();
            std::thread::spawn(
                move || -> Result<Vec<(String, u64)>, Box<dyn Error + Send + Sync>> {
                    let log: Arc<dyn AuditSink> = Arc::new(PgLog::connect(&url, ORIGIN, log_key)?);
                    let issuer = Issuer::new(
                        Agency::new(name, code)?,
                        Ed25519SigningKey::generate(&OsRandom)?,
                    )
                    .with_audit_log(log);
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
                    Ok(issued
                        .iter()
                        .map(|c| (c.certificate().id.to_string(), c.audit_index().unwrap_or(0)))
                        .collect())
                },
            )
        })
        .collect();
    let mut issued = Vec::new();
    for service in services {
        let certificates = service
            .join()
            .map_err(|_| "an issuing service panicked")??;
        println!(
            "an issuing service recorded {} issuances",
            certificates.len()
        );
        issued.extend(certificates);
    }

    // A revocation through the shared registry, logged in the same transaction.
    let registry = PgStatusRegistry::connect(
        &url,
        RegistryConfig::new("https://status.example.gov.cn/jilin-platform/"),
    )?;
    let (revoked, _) = &issued[7];
    registry.allocate(revoked)?;
    let change = registry.set_status(revoked, LegalStatus::Revoked, "operator-3", now)?;
    println!(
        "revoked {revoked} (change {} in the registry)",
        change.sequence
    );

    stop.store(true, Ordering::Relaxed);
    integrating
        .join()
        .map_err(|_| "the integrator panicked")??;

    // The auditor: only the published tiles and the log's public key.
    let auditor = TileClient::new(DirectoryObjects::new(&tiles), ORIGIN, vec![log_key.clone()]);
    let checkpoint = auditor.checkpoint()?;
    println!(
        "published checkpoint: {} entries",
        checkpoint.checkpoint.size
    );
    let all = auditor.verify_all(&checkpoint)?;
    println!("every published tile and entry bundle checks against it ({all} entries)");
    let (certificate, index) = &issued[issued.len() - 1];
    let bundle = auditor.inclusion_bundle(&checkpoint, *index)?;
    let verified = bundle.verify(ORIGIN, std::slice::from_ref(&log_key))?;
    println!(
        "inclusion of {certificate}'s issuance at index {index} verified: {} proof hashes, \
         event {:?}",
        bundle.proof.len(),
        verified.entry.event.kind
    );
    std::fs::remove_dir_all(&tiles)?;
    Ok(())
}
