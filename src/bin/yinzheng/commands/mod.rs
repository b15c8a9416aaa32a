//! One module per command; what several share (the clock) is here.

pub(crate) mod bulk;
pub(crate) mod bundle;
pub(crate) mod inspect;
pub(crate) mod issue;
pub(crate) mod keygen;
pub(crate) mod log;
#[cfg(feature = "gm")]
pub(crate) mod national;
pub(crate) mod present;
pub(crate) mod qr;
pub(crate) mod seal;
pub(crate) mod stamp;
pub(crate) mod status;
pub(crate) mod tiles;
pub(crate) mod verify;
pub(crate) mod witness;

use yinzheng::time::{Clock as _, SystemClock, UnixTime};

use crate::files::Result;

pub(crate) fn now() -> Result<UnixTime> {
    Ok(SystemClock.now()?)
}
