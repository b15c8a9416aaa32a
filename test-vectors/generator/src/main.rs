//! Writes the test vectors under `test-vectors/`: the certificates (with their status, X.509
//! and seal cases), presentations, seals, trust bundles, audit logs, security scenarios and
//! national (GB/T 38540, SM2) seals and stamps,
//! each family into its own directory with a `manifest.json`. Every input comes from fixed
//! seeds, so the output is identical on every run; CI regenerates it and fails on any
//! difference.
//!
//! Usage: `cargo run -p yinzheng-vectors [-- OUTPUT_DIR]` (default `test-vectors/certificates`;
//! the other families go beside it).

mod audit;
mod bundles;
mod certificates;
mod gm;
mod kit;
mod ofd;
mod presentations;
mod seals;
mod security;
mod status;
mod x509;

use std::path::PathBuf;

use yinzheng::crypto::Ed25519SigningKey;
use yinzheng::time::Date;

use kit::{Keys, Result, jilin_anchor};

fn main() -> Result<()> {
    let out_dir = std::env::args()
        .nth(1)
        .map_or_else(|| PathBuf::from("test-vectors/certificates"), PathBuf::from);
    std::fs::create_dir_all(&out_dir)?;
    let root = out_dir.parent().unwrap_or(&out_dir);

    let verify_day = Date::new(2026, 11, 21)?;
    let now = verify_day.start_in_china().saturating_add(10 * 3600);
    let signed = now.saturating_sub(30 * 86_400);
    let keys = Keys::seeded()?;

    let mut vectors = certificates::certificate_vectors(&keys, now, signed)?;
    status::status_vectors(&out_dir, &keys, now, signed, &mut vectors)?;
    let (x509_roots, chains) = x509::x509_vectors(&root.join("x509"), signed, &mut vectors)?;
    let seal_keys = seals::seal_keys();
    seals::certificate_vectors(&out_dir, &seal_keys, &keys.jilin, now, signed, &mut vectors)?;
    let jilin_entry = jilin_anchor(&keys.jilin);
    presentations::presentation_vectors(
        &root.join("presentations"),
        (&keys.jilin, jilin_entry.clone()),
        now,
    )?;
    seals::stamp_vectors(
        &root.join("seals"),
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
        &root.join("bundles"),
        &seal_keys,
        &keys.jilin,
        &hex::decode(&x509_roots[0].der)?,
        now,
    )?;

    let manifest =
        certificates::write_certificates(&out_dir, &keys, now, x509_roots, &seal_keys, vectors)?;
    audit::audit_vectors(&root.join("audit"))?;
    gm::gm_vectors(&root.join("gm"), now)?;
    security::security_vectors(&root.join("security"), &manifest.x509_roots, &chains, now)?;
    Ok(())
}
