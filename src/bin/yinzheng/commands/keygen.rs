//! `yinzheng keygen`: a private key (PKCS#8 PEM), its public key beside it.

use std::path::Path;
use std::process::ExitCode;

use yinzheng::crypto::{Ed25519SigningKey, OsRandom, P256SigningKey, Signer as _};

use crate::cli::KeyAlg;
use crate::files::{Result, hex_encode, write};

pub(crate) fn run(alg: KeyAlg, out: &Path) -> Result<ExitCode> {
    if out.exists() {
        return Err(format!("{} exists: refusing to overwrite a key", out.display()).into());
    }
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
    write(out, pem.as_bytes())?;
    let public_hex = hex_encode(&public.to_bytes());
    write(&out.with_extension("pub"), public_hex.as_bytes())?;
    println!("{public_hex}");
    eprintln!(
        "{} key written to {} (public key in {}, key id {})",
        public.algorithm(),
        out.display(),
        out.with_extension("pub").display(),
        public.key_id()
    );
    Ok(ExitCode::SUCCESS)
}
