//! `yinzheng keygen`: a private key, encrypted PKCS#8 PEM readable by its owner only, and its
//! public key beside it.

use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use yinzheng::crypto::{
    Ed25519SigningKey, OsRandom, P256SigningKey, Signer as _, encrypt_pkcs8_pem,
};

use crate::cli::KeyAlg;
use crate::files::{Result, hex_encode, key_password, write};
use crate::output;

pub(crate) fn run(alg: KeyAlg, out: &Path, allow_unencrypted: bool) -> Result<ExitCode> {
    // `symlink_metadata`: a dangling link is there too (and writing would follow it).
    if out.symlink_metadata().is_ok() {
        return Err(format!("{} exists: refusing to overwrite a key", out.display()).into());
    }
    if out.with_extension("pub") == out {
        return Err(format!(
            "{}: the public key would overwrite it; name the key *.pem",
            out.display()
        )
        .into());
    }
    let password = if allow_unencrypted {
        None
    } else {
        Some(key_password(out, true)?)
    };
    let (pem, public) = match alg {
        KeyAlg::Ed25519 => {
            let key = Ed25519SigningKey::generate(&OsRandom)?;
            (key.to_pkcs8_pem()?, key.public_key())
        }
        KeyAlg::P256 => {
            let key = P256SigningKey::generate(&OsRandom)?;
            (key.to_pkcs8_pem()?, key.public_key())
        }
        #[cfg(feature = "gm")]
        KeyAlg::Sm2 => {
            let key = yinzheng::crypto::Sm2SigningKey::generate(&OsRandom)?;
            (key.to_pkcs8_pem()?, key.public_key())
        }
    };
    let written = match &password {
        Some(password) => encrypt_pkcs8_pem(&pem, password.as_bytes(), &OsRandom)
            .map_err(|e| format!("{}: {e}", out.display()))?,
        None => pem,
    };
    write_private(out, written.as_bytes())?;
    let public_hex = hex_encode(&public.to_bytes());
    write(&out.with_extension("pub"), public_hex.as_bytes())?;
    output::emit(
        &public_hex,
        serde_json::json!({
            "public_key": public_hex, "algorithm": public.algorithm().to_string(),
            "key_id": public.key_id().to_string(), "private_key_file": out,
            "public_key_file": out.with_extension("pub"), "encrypted": password.is_some(),
        }),
    );
    eprintln!(
        "{} key written to {} ({}, owner-only; public key in {}, key id {})",
        public.algorithm(),
        out.display(),
        if password.is_some() {
            "encrypted"
        } else {
            "UNENCRYPTED"
        },
        out.with_extension("pub").display(),
        public.key_id()
    );
    Ok(ExitCode::SUCCESS)
}

/// Writes a new file only its owner can read, whole or not at all, never over an existing
/// one: a temporary file made with mode 0600, synced, then linked to `path` (a link, unlike a
/// rename, fails when `path` exists).
fn write_private(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".tmp-{}", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options
        .open(&tmp)
        .and_then(|mut file| file.write_all(bytes).and_then(|()| file.sync_all()))
        .and_then(|()| std::fs::hard_link(&tmp, path));
    let _ = std::fs::remove_file(&tmp);
    written.map_err(|e| format!("writing {}: {e}", path.display()).into())
}
