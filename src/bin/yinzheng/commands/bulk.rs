//! Bulk issuance from a directory of requests: every request checked first, each issued
//! once (an issuance ledger beside the output directory, keyed by the request file's
//! SHA-256), in batches, with a manifest, resuming where a crash stopped.

use std::collections::HashSet;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use yinzheng::crypto::sha256;
use yinzheng::issue::{IssuanceLedger, Issuer};
use yinzheng::status::StatusRegistry;
use yinzheng::time::UnixTime;

use crate::files::{self, RequestSpec, Result, hex_encode, read, write};

/// Where and how to issue.
pub(crate) struct Bulk<'a> {
    pub requests: &'a Path,
    pub out: &'a Path,
    pub batch: usize,
    pub force: bool,
}

/// `<out>.ledger`: beside the output directory, so the directory holds only certificates
/// and the manifest.
pub(crate) fn ledger_path(out: &Path) -> PathBuf {
    let mut name = out.as_os_str().to_owned();
    name.push(".ledger");
    PathBuf::from(name)
}

/// Issues every request in `bulk.requests` once; returns (total, newly issued).
pub(crate) fn issue_all(
    bulk: &Bulk<'_>,
    issuer: Issuer,
    registry: Option<&Arc<StatusRegistry>>,
    t: UnixTime,
) -> Result<(usize, usize)> {
    let mut requests: Vec<PathBuf> = std::fs::read_dir(bulk.requests)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json" || x == "toml"))
        .collect();
    requests.sort();
    let names: Vec<PathBuf> = requests
        .iter()
        .map(|p| Path::new(p.file_stem().unwrap_or_default()).with_extension("cbor"))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
        return Err(format!(
            "two requests would both be written to {}",
            pair[0].display()
        )
        .into());
    }
    std::fs::create_dir_all(bulk.out)?;
    // One listing instead of a lookup per certificate.
    let existing: HashSet<OsString> = std::fs::read_dir(bulk.out)?
        .filter_map(|e| e.ok().map(|e| e.file_name()))
        .collect();
    let ledger = Arc::new(IssuanceLedger::open_file(&ledger_path(bulk.out))?);
    let issuer = issuer.with_ledger(ledger.clone());
    // Every request is read (once) and checked, and every output name is free (or holds
    // what the ledger says this request was issued as), before anything is signed.
    let loaded = files::parallel_map(requests.iter().collect(), |path| {
        let bytes = read(path)?;
        let builder = RequestSpec::from_bytes(path, &bytes)?
            .builder()
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok((sha256(&bytes), builder))
    })?;
    let taken = |name: &Path| existing.contains(name.as_os_str());
    for ((id, _), name) in loaded.iter().zip(&names) {
        let out = bulk.out.join(name);
        if bulk.force || !taken(name) {
            continue;
        }
        let resumable = ledger
            .get(id)
            .is_some_and(|first| std::fs::read(&out).is_ok_and(|b| b == first.bytes));
        if !resumable {
            return Err(format!("{} exists (use --force to overwrite)", out.display()).into());
        }
    }
    let bar = indicatif::ProgressBar::new(requests.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {per_sec} {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    // Rebuilt from the start by every run (a resumed one lists what was issued before as
    // "before"); each batch's rows are appended whole, so the manifest grows linearly.
    let manifest_path = bulk.out.join("manifest.tsv");
    write(
        &manifest_path,
        b"request\trequest_sha256\tidentifier\tstatus_list\tstatus_index\tcertificate\tissued\n",
    )?;
    let mut manifest = std::fs::OpenOptions::new()
        .append(true)
        .open(&manifest_path)?;
    let mut fresh = 0;
    let mut work = loaded
        .into_iter()
        .zip(requests.iter().zip(&names))
        .peekable();
    while work.peek().is_some() {
        let (batch, outputs): (Vec<_>, Vec<_>) = work.by_ref().take(bulk.batch).unzip();
        let issued = issuer.issue_once(batch, t)?;
        // Only what is not already on disk as issued (a resumed run) is written.
        let unwritten: Vec<_> = issued
            .iter()
            .zip(&outputs)
            .filter(|(issued, (_, name))| {
                !taken(name)
                    || std::fs::read(bulk.out.join(name)).ok().as_deref()
                        != Some(issued.bytes.as_slice())
            })
            .collect();
        files::parallel_map(unwritten, |(issued, (_, name))| {
            write(&bulk.out.join(name), &issued.bytes)
        })?;
        let mut rows = String::new();
        for (issued, (request, name)) in issued.iter().zip(&outputs) {
            fresh += usize::from(issued.new);
            let status = registry.and_then(|r| r.status(&issued.identifier));
            writeln!(
                rows,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                request.display(),
                hex_encode(&issued.request),
                issued.identifier,
                status.as_ref().map_or("-", |s| s.1.uri.as_str()),
                status
                    .as_ref()
                    .map_or("-".to_owned(), |s| s.1.index.to_string()),
                name.display(),
                if issued.new { "new" } else { "before" },
            )?;
            bar.inc(1);
        }
        // After each batch: the rows of what it released, in one write.
        manifest.write_all(rows.as_bytes())?;
    }
    bar.finish();
    Ok((requests.len(), fresh))
}
