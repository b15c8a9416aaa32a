//! `yinzheng bundle`: signed trust bundles for offline verifiers.

use std::process::ExitCode;

use yinzheng::Limits;
use yinzheng::issue::sign_trust_bundle;
use yinzheng::model::bundle::{BundleIssuerKey, BundleNamed, BundleRevokedKey, TrustBundle};
use yinzheng::trust::Roles;
use yinzheng::verify::{VerificationContext, Verifier};

use super::now;
use crate::cli::BundleCommand;
use crate::files::{self, Result, TrustSpec, read, write};
use crate::output;

pub(crate) fn run(cmd: BundleCommand) -> Result<ExitCode> {
    match cmd {
        BundleCommand::Make {
            publisher_key,
            name,
            trust,
            seal,
            status_list,
            days,
            out,
        } => {
            let store = TrustSpec::load(&trust)?;
            let t = now()?;
            let mut bundle = TrustBundle {
                publisher: name,
                issued_at: t,
                expires_at: t.saturating_add(days.saturating_mul(86_400)),
                ..TrustBundle::default()
            };
            let mut keys: Vec<_> = store.keys().collect();
            keys.sort_by(|a, b| a.name().cmp(b.name()));
            for key in keys {
                let algorithm = key.public_key().algorithm();
                let alg = algorithm.cose_id().ok_or_else(|| {
                    format!(
                        "{}: a {algorithm} key cannot go in a trust bundle",
                        key.name()
                    )
                })?;
                let bytes = key.public_key().to_bytes();
                match key.agency() {
                    Some(agency) => bundle.issuer_keys.push(BundleIssuerKey {
                        name: key.name().to_owned(),
                        agency: agency.clone(),
                        alg,
                        key: bytes,
                        roles: key.roles().bits(),
                    }),
                    None if key.roles() == Roles::SEAL_MAKER => {
                        bundle.seal_makers.push(BundleNamed {
                            name: key.name().to_owned(),
                            alg,
                            bytes,
                            roles: key.roles().bits(),
                        });
                    }
                    None => {
                        return Err(format!(
                            "{}: a bundle carries agency keys and seal makers, not {} keys",
                            key.name(),
                            key.roles()
                        )
                        .into());
                    }
                }
            }
            for root in store.x509_roots() {
                if root.is_pinned() {
                    return Err(format!(
                        "{}: a bundle carries X.509 roots, not pinned certificates",
                        root.name()
                    )
                    .into());
                }
                bundle.x509_roots.push(BundleNamed {
                    name: root.name().to_owned(),
                    alg: 0,
                    bytes: root.der().to_vec(),
                    roles: root.roles().bits(),
                });
            }
            let mut revoked: Vec<_> = store.revoked_keys().collect();
            revoked.sort_by_key(|r| r.digest);
            bundle.revoked_keys = revoked
                .into_iter()
                .map(|r| BundleRevokedKey {
                    digest: r.digest,
                    since: r.since,
                })
                .collect();
            for path in &seal {
                bundle.seals.push(read(path)?);
            }
            for path in &status_list {
                bundle.status_lists.push(read(path)?);
            }
            let signer = files::signing_key(&publisher_key)?;
            let bytes = sign_trust_bundle(&bundle, signer.as_ref())?;
            write(&out, &bytes)?;
            output::emit(
                format_args!("trust bundle {} bytes → {}", bytes.len(), out.display()),
                serde_json::json!({ "out": out, "bytes": bytes.len() }),
            );
        }
        BundleCommand::Verify { input, publisher } => {
            let t = now()?;
            let bytes = read(&input)?;
            Verifier::from_trust_bundle(
                &bytes,
                &files::public_key_arg(&publisher)?,
                &VerificationContext::at(t),
                &Limits::default(),
            )?
            .build()?;
            // Verified above; read the content again to list it.
            let sign1 = yinzheng::encoding::cose::CoseSign1::decode(&bytes, &Limits::default())?;
            let bundle = TrustBundle::decode(sign1.payload, &Limits::default())?;
            output::emit(
                format_args!(
                    "trust bundle from {} verified and fresh until {}: {} agency keys, {} X.509 roots, {} seal makers, {} seals, {} status lists, {} revoked keys",
                    bundle.publisher,
                    bundle.expires_at,
                    bundle.issuer_keys.len(),
                    bundle.x509_roots.len(),
                    bundle.seal_makers.len(),
                    bundle.seals.len(),
                    bundle.status_lists.len(),
                    bundle.revoked_keys.len()
                ),
                serde_json::json!({
                    "verified": true, "publisher": bundle.publisher,
                    "issued_at": bundle.issued_at.to_string(),
                    "expires_at": bundle.expires_at.to_string(),
                    "agency_keys": bundle.issuer_keys.len(), "x509_roots": bundle.x509_roots.len(),
                    "seal_makers": bundle.seal_makers.len(), "seals": bundle.seals.len(),
                    "status_lists": bundle.status_lists.len(),
                    "revoked_keys": bundle.revoked_keys.len(),
                }),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
