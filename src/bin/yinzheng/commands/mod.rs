//! One module per command; what several share (a boxed signer, the clock) is here.

pub(crate) mod bulk;
pub(crate) mod bundle;
pub(crate) mod issue;
pub(crate) mod keygen;
pub(crate) mod log;
pub(crate) mod present;
pub(crate) mod qr;
pub(crate) mod seal;
pub(crate) mod stamp;
pub(crate) mod status;
pub(crate) mod verify;

use yinzheng::crypto::Signer;
use yinzheng::time::{Clock as _, SystemClock, UnixTime};

use crate::files::Result;

pub(crate) fn now() -> Result<UnixTime> {
    Ok(SystemClock.now()?)
}

/// A boxed signer as an owned `Signer` (the library's builders take `impl Signer`).
pub(crate) struct SignerBox(pub(crate) Box<dyn Signer>);

impl Signer for SignerBox {
    fn public_key(&self) -> yinzheng::crypto::PublicKey {
        self.0.public_key()
    }

    fn sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, yinzheng::crypto::SignError> {
        self.0.sign(message)
    }
}
