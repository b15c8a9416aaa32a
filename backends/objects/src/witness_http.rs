//! C2SP `tlog-witness` over HTTP: [`WitnessServer`] serves a [`Witness`]'s `add-checkpoint`
//! endpoint, [`WitnessClient`] is the log's side, asking a witness to cosign and attaching the
//! answer. The protocol logic is the core's ([`Witness::add_checkpoint`],
//! [`add_cosignatures`]); this module only carries it over HTTP.
//!
//! ```text
//! POST <witness>/add-checkpoint          body: old N / proof lines / blank / checkpoint note
//!   200  cosignature line(s)             409  the witness's size (text/x.tlog.size)
//!   400 malformed  403 bad log signature  404 unknown log  422 inconsistent (a fork)
//! ```

use std::io::Read as _;
use std::sync::Arc;
use std::thread::JoinHandle;

use yinzheng::audit::bundle::ConsistencyBundle;
use yinzheng::audit::note::NoteKey;
use yinzheng::audit::witness::{Witness, WitnessError, WitnessStore, add_cosignatures};
use yinzheng::time::Clock;

/// The largest `add-checkpoint` body accepted (a checkpoint, its signatures and a proof of
/// at most 64 hashes fit in far less).
pub const MAX_REQUEST: usize = 64 * 1024;
/// The largest response read back (cosignature lines).
const MAX_RESPONSE: u64 = 16 * 1024;

/// A witness listening on HTTP until dropped.
pub struct WitnessServer {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    address: std::net::SocketAddr,
}

impl core::fmt::Debug for WitnessServer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("WitnessServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

fn text(
    status: u16,
    body: String,
    content_type: &str,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    let response = tiny_http::Response::from_string(body).with_status_code(status);
    // The content types are ASCII literals; a header that did not build is left off.
    match tiny_http::Header::from_bytes(&b"Content-Type"[..], content_type.as_bytes()) {
        Ok(header) => response.with_header(header),
        Err(()) => response,
    }
}

/// The answer to one request.
fn answer<S: WitnessStore>(
    witness: &Witness<S>,
    clock: &dyn Clock,
    request: &mut tiny_http::Request,
) -> tiny_http::Response<std::io::Cursor<Vec<u8>>> {
    if request.method() != &tiny_http::Method::Post || request.url() != "/add-checkpoint" {
        return text(
            404,
            "only POST /add-checkpoint is served\n".into(),
            "text/plain",
        );
    }
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_REQUEST as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return text(400, "the body could not be read\n".into(), "text/plain");
    }
    if body.len() > MAX_REQUEST {
        return text(413, "the body is too large\n".into(), "text/plain");
    }
    let Ok(body) = String::from_utf8(body) else {
        return text(400, "the body is not UTF-8\n".into(), "text/plain");
    };
    let Ok(now) = clock.now() else {
        return text(
            503,
            "the witness has no trustworthy time\n".into(),
            "text/plain",
        );
    };
    match witness.add_checkpoint(&body, now.as_secs()) {
        Ok(lines) => text(200, lines, "text/plain; charset=utf-8"),
        Err(WitnessError::Conflict { held, .. }) => {
            text(409, format!("{held}\n"), "text/x.tlog.size")
        }
        Err(e) => text(
            e.http_status(),
            format!("{e}\n"),
            "text/plain; charset=utf-8",
        ),
    }
}

impl WitnessServer {
    /// Serves `witness` on `address` (e.g. `127.0.0.1:0` for any free port), cosigning at
    /// the time `clock` gives.
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub fn start<S: WitnessStore + 'static>(
        witness: Arc<Witness<S>>,
        clock: impl Clock + 'static,
        address: &str,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let server = Arc::new(tiny_http::Server::http(address)?);
        let address = server
            .server_addr()
            .to_ip()
            .ok_or("the witness is not listening on an IP address")?;
        let serving = Arc::clone(&server);
        let thread = std::thread::spawn(move || {
            for mut request in serving.incoming_requests() {
                let response = answer(&witness, &clock, &mut request);
                let _ = request.respond(response);
            }
        });
        Ok(Self {
            server,
            thread: Some(thread),
            address,
        })
    }

    /// The address it listens on.
    #[must_use]
    pub fn address(&self) -> std::net::SocketAddr {
        self.address
    }
}

impl Drop for WitnessServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Why a witness did not cosign.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WitnessClientError {
    /// The witness could not be reached, or its answer could not be read.
    #[error("witness {url}: {message}")]
    Transport {
        /// The witness's URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// The witness refused (its HTTP status and text): 403 bad signature, 404 unknown log,
    /// 422 inconsistent with what it cosigned before — a fork, if the proof was honest.
    #[error("witness {url} refused with {status}: {text}")]
    Refused {
        /// The witness's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The witness's explanation.
        text: String,
    },
    /// The proof for the size the witness holds could not be made.
    #[error("proving consistency from size {size}: {message}")]
    Proof {
        /// The witness's size.
        size: u64,
        /// What failed.
        message: String,
    },
    /// The cosignature does not verify under the witness's key.
    #[error("the witness's answer does not verify: {0}")]
    BadCosignature(yinzheng::audit::note::NoteError),
}

impl WitnessClientError {
    /// The witness refused because the checkpoint is inconsistent with one it cosigned
    /// before (HTTP 422): with an honest proof, the log was forked. An alarm, not a retry.
    #[must_use]
    pub fn is_fork(&self) -> bool {
        matches!(self, Self::Refused { status: 422, .. })
    }
}

/// The log's side of `add-checkpoint` for one witness.
#[derive(Clone, Debug)]
pub struct WitnessClient {
    url: String,
    key: NoteKey,
    agent: ureq::Agent,
}

impl WitnessClient {
    /// A client for the witness at `url` (its base; `/add-checkpoint` is appended) whose
    /// cosignatures verify under `key`.
    #[must_use]
    pub fn new(url: &str, key: NoteKey) -> Self {
        Self {
            url: url.trim_end_matches('/').to_owned(),
            key,
            agent: ureq::AgentBuilder::new()
                .timeout(std::time::Duration::from_secs(10))
                .build(),
        }
    }

    /// How long one request may take (10 s by default): a witness that does not answer in
    /// time counts as one that refused.
    #[must_use]
    pub fn with_timeout(mut self, timeout: std::time::Duration) -> Self {
        self.agent = ureq::AgentBuilder::new().timeout(timeout).build();
        self
    }

    /// The witness's base URL.
    #[must_use]
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The key its cosignatures verify under.
    #[must_use]
    pub fn key(&self) -> &NoteKey {
        &self.key
    }

    /// Asks the witness to cosign `note`, proving consistency from `believed_size` (what
    /// the log thinks the witness holds; 0 the first time) with `prove(old_size)`; on a 409
    /// it proves again from the size the witness states. Returns `note` with the checked
    /// cosignature attached.
    ///
    /// # Errors
    /// [`WitnessClientError`].
    pub fn cosign<E: std::fmt::Display>(
        &self,
        note: &str,
        believed_size: u64,
        prove: impl FnMut(u64) -> Result<ConsistencyBundle, E>,
    ) -> Result<String, WitnessClientError> {
        let lines = self.cosignatures(note, believed_size, prove)?;
        add_cosignatures(note, &self.key, &lines).map_err(WitnessClientError::BadCosignature)
    }

    /// Like [`cosign`](Self::cosign), but returns only the witness's cosignature lines, each
    /// checked over `note`.
    ///
    /// # Errors
    /// [`WitnessClientError`].
    pub fn cosignatures<E: std::fmt::Display>(
        &self,
        note: &str,
        believed_size: u64,
        mut prove: impl FnMut(u64) -> Result<ConsistencyBundle, E>,
    ) -> Result<String, WitnessClientError> {
        let mut size = believed_size;
        for _ in 0..2 {
            let bundle = prove(size).map_err(|e| WitnessClientError::Proof {
                size,
                message: e.to_string(),
            })?;
            match self.post(&bundle.encode())? {
                // An answer without a line would otherwise count as a cosignature.
                (200, lines) if lines.lines().all(str::is_empty) => {
                    return Err(self.refused(200, "an answer without a cosignature".into()));
                }
                (200, lines) => {
                    add_cosignatures(note, &self.key, &lines)
                        .map_err(WitnessClientError::BadCosignature)?;
                    return Ok(lines);
                }
                (409, held) => {
                    size = held.trim().parse().map_err(|_| self.refused(409, held))?;
                }
                (status, text) => return Err(self.refused(status, text)),
            }
        }
        Err(self.refused(409, "the witness's size changed twice".into()))
    }

    fn refused(&self, status: u16, text: String) -> WitnessClientError {
        WitnessClientError::Refused {
            url: self.url.clone(),
            status,
            text: text.trim_end().to_owned(),
        }
    }

    fn post(&self, body: &str) -> Result<(u16, String), WitnessClientError> {
        let url = format!("{}/add-checkpoint", self.url);
        let transport = |message: String| WitnessClientError::Transport {
            url: url.clone(),
            message,
        };
        let response = match self.agent.post(&url).send_string(body) {
            Ok(response) => response,
            Err(ureq::Error::Status(_, response)) => response,
            Err(e) => return Err(transport(e.to_string())),
        };
        let status = response.status();
        let mut text = String::new();
        response
            .into_reader()
            .take(MAX_RESPONSE)
            .read_to_string(&mut text)
            .map_err(|e| transport(e.to_string()))?;
        Ok((status, text))
    }
}
