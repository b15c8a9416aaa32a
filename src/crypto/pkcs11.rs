//! Signing keys kept in an HSM or smart card, through its PKCS#11 module (feature `pkcs11`,
//! on `cryptoki`): a [`Pkcs11Signer`] signs with Ed25519 (`CKM_EDDSA`) or P-256
//! (`CKM_ECDSA` over SHA-256, made low-S) and the private key never leaves the token. Keys
//! are named by RFC 7512 `pkcs11:` URIs; the parser is written here because the subset a
//! signer needs (the token and object attributes, `module-path`, `pin-source`, `pin-value`)
//! is a few lines and the crates that parse them pull in a URI stack.
//!
//! ```no_run
//! use yinzheng::crypto::Signer as _;
//! use yinzheng::crypto::pkcs11::{Pkcs11Signer, Pkcs11Uri};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let uri: Pkcs11Uri =
//!     "pkcs11:token=agency;object=issuing-2026?module-path=/usr/lib/softhsm/libsofthsm2.so"
//!         .parse()?;
//! let signer = Pkcs11Signer::open(&uri, Some("user PIN"))?;
//! println!("{}", signer.public_key().key_id());
//! # Ok(())
//! # }
//! ```

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Mutex, OnceLock, PoisonError};

use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::error::{Error as CkError, RvError};
use cryptoki::mechanism::Mechanism;
use cryptoki::mechanism::eddsa::{EddsaParams, EddsaSignatureScheme};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, SessionState, UserType};
use cryptoki::types::AuthPin;

use super::{Algorithm, PublicKey, SignError, Signer, sha256};

/// The DER of OID 1.2.840.10045.3.1.7 (prime256v1), as `CKA_EC_PARAMS` holds it.
const P256_PARAMS: [u8; 10] = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// Why a PKCS#11 key could not be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// The URI is not a `pkcs11:` URI this signer understands.
    #[error("pkcs11 URI: {0}")]
    Uri(String),
    /// No module to load: the URI has no `module-path`.
    #[error("the pkcs11 URI names no module-path (the token's PKCS#11 library)")]
    NoModule,
    /// The module failed (loading, a call, or the PIN): the function and its return value.
    #[error("PKCS#11: {0}")]
    Module(String),
    /// No token matches the URI's token attributes.
    #[error("no token matches {0}")]
    NoToken(String),
    /// More than one token matches: the URI must say which (`token=`, `serial=`).
    #[error("{found} tokens match {uri} (name one with token= or serial=)")]
    TokenCount {
        /// Tokens found.
        found: usize,
        /// The URI.
        uri: String,
    },
    /// The token wants a login and no PIN was given: its private keys are invisible until then.
    #[error("the token of {0} needs a PIN (pin-source=, or the caller's PIN)")]
    NeedsPin(String),
    /// No private key, or more than one, matches the URI's object attributes.
    #[error("{found} private keys match {uri} (exactly one must)")]
    KeyCount {
        /// Keys found.
        found: usize,
        /// The URI.
        uri: String,
    },
    /// The key is neither Ed25519 nor P-256, or its public half is missing or malformed.
    #[error("unusable key: {0}")]
    Key(String),
}

fn module_error(e: CkError) -> Pkcs11Error {
    Pkcs11Error::Module(e.to_string())
}

/// A parsed RFC 7512 URI: `pkcs11:` path attributes naming the token and the key, query
/// attributes naming the module and where the PIN comes from.
#[derive(Clone, PartialEq, Eq)]
pub struct Pkcs11Uri {
    /// `token`, `manufacturer`, `model`, `serial`: which token.
    pub token: TokenMatch,
    /// `object`: the key's label (`CKA_LABEL`).
    pub object: Option<String>,
    /// `id`: the key's `CKA_ID` bytes.
    pub id: Option<Vec<u8>>,
    /// `module-path`: the PKCS#11 library to load.
    pub module_path: Option<String>,
    /// `pin-source`: a file holding the PIN (a `file:` URI or a path).
    pub pin_source: Option<String>,
    /// `pin-value`: the PIN itself (RFC 7512 allows it; prefer `pin-source`).
    pin_value: Option<String>,
    text: String,
}

/// The token attributes of a [`Pkcs11Uri`]; `None` matches any.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TokenMatch {
    /// The token's label.
    pub label: Option<String>,
    /// Its manufacturer id.
    pub manufacturer: Option<String>,
    /// Its model.
    pub model: Option<String>,
    /// Its serial number.
    pub serial: Option<String>,
}

impl core::fmt::Debug for Pkcs11Uri {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        // Never the PIN.
        f.debug_struct("Pkcs11Uri")
            .field("token", &self.token)
            .field("object", &self.object)
            .field("id", &self.id)
            .field("module_path", &self.module_path)
            .finish_non_exhaustive()
    }
}

impl core::fmt::Display for Pkcs11Uri {
    /// The URI without `pin-value`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.text)
    }
}

impl Pkcs11Uri {
    /// The PIN written in the URI (`pin-value`), if any.
    #[must_use]
    pub fn pin_value(&self) -> Option<&str> {
        self.pin_value.as_deref()
    }
}

impl FromStr for Pkcs11Uri {
    type Err = Pkcs11Error;

    fn from_str(text: &str) -> Result<Self, Pkcs11Error> {
        let bad = |why: String| Pkcs11Error::Uri(why);
        let rest = text
            .strip_prefix("pkcs11:")
            .ok_or_else(|| bad("does not start with pkcs11:".into()))?;
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        let mut uri = Self {
            token: TokenMatch::default(),
            object: None,
            id: None,
            module_path: None,
            pin_source: None,
            pin_value: None,
            text: String::new(),
        };
        let mut shown = Vec::new();
        for (part, separator, is_query) in [(path, ';', false), (query, '&', true)] {
            for attribute in part.split(separator).filter(|a| !a.is_empty()) {
                let (name, value) = attribute
                    .split_once('=')
                    .ok_or_else(|| bad(format!("{attribute:?} is not name=value")))?;
                let bytes =
                    percent_decode(value).ok_or_else(|| bad(format!("{name}: bad %-escape")))?;
                let text_value = || {
                    String::from_utf8(bytes.clone()).map_err(|_| bad(format!("{name}: not UTF-8")))
                };
                let slot = match (is_query, name) {
                    (false, "token") => &mut uri.token.label,
                    (false, "manufacturer") => &mut uri.token.manufacturer,
                    (false, "model") => &mut uri.token.model,
                    (false, "serial") => &mut uri.token.serial,
                    (false, "object") => &mut uri.object,
                    (false, "id") => {
                        if uri.id.replace(bytes.clone()).is_some() {
                            return Err(bad("id given twice".into()));
                        }
                        shown.push((is_query, attribute));
                        continue;
                    }
                    // Only private keys sign; a URI may say so.
                    (false, "type") if value == "private" => continue,
                    (true, "module-path") => &mut uri.module_path,
                    (true, "pin-source") => &mut uri.pin_source,
                    (true, "pin-value") => {
                        if uri.pin_value.replace(text_value()?).is_some() {
                            return Err(bad("pin-value given twice".into()));
                        }
                        continue;
                    }
                    (_, other) => return Err(bad(format!("unsupported attribute {other:?}"))),
                };
                if slot.replace(text_value()?).is_some() {
                    return Err(bad(format!("{name} given twice")));
                }
                shown.push((is_query, attribute));
            }
        }
        let path_text: Vec<&str> = shown.iter().filter(|(q, _)| !q).map(|(_, a)| *a).collect();
        let query_text: Vec<&str> = shown.iter().filter(|(q, _)| *q).map(|(_, a)| *a).collect();
        uri.text = format!("pkcs11:{}", path_text.join(";"));
        if !query_text.is_empty() {
            uri.text = format!("{}?{}", uri.text, query_text.join("&"));
        }
        Ok(uri)
    }
}

fn percent_decode(value: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(value.len());
    let mut bytes = value.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next()?, bytes.next()?];
            if !hex.iter().all(u8::is_ascii_hexdigit) {
                return None;
            }
            out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// A loaded and initialised module per path: PKCS#11 allows one `C_Initialize` per process.
fn module(path: &str) -> Result<Pkcs11, Pkcs11Error> {
    static MODULES: OnceLock<Mutex<HashMap<String, Pkcs11>>> = OnceLock::new();
    let mut modules = MODULES
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    if let Some(loaded) = modules.get(path) {
        return Ok(loaded.clone());
    }
    let loaded = Pkcs11::new(path).map_err(module_error)?;
    match loaded.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK)) {
        Ok(()) | Err(CkError::Pkcs11(RvError::CryptokiAlreadyInitialized, _)) => {}
        Err(e) => return Err(module_error(e)),
    }
    modules.insert(path.to_owned(), loaded.clone());
    Ok(loaded)
}

/// A key in a PKCS#11 token. One session, used by one signature at a time.
pub struct Pkcs11Signer {
    session: Mutex<Session>,
    key: ObjectHandle,
    public: PublicKey,
    uri: String,
}

impl core::fmt::Debug for Pkcs11Signer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "Pkcs11Signer({}, {})", self.uri, self.public.key_id())
    }
}

impl Pkcs11Signer {
    /// Opens the one private key `uri` names, logging in with `pin` (or the URI's
    /// `pin-value`) when given; the public key is read from the token's public-key object with
    /// the same `CKA_ID` (or label). PKCS#11 logs a token in for the whole process: once one
    /// signer logged in, later ones on that token are not asked for (or checked against) a PIN.
    ///
    /// # Errors
    /// [`Pkcs11Error`]: no module path, a module failure or wrong PIN, no matching token,
    /// not exactly one matching key, or a key of another kind.
    pub fn open(uri: &Pkcs11Uri, pin: Option<&str>) -> Result<Self, Pkcs11Error> {
        let path = uri.module_path.as_deref().ok_or(Pkcs11Error::NoModule)?;
        let module = module(path)?;
        let mut tokens = Vec::new();
        for slot in module.get_slots_with_token().map_err(module_error)? {
            let info = module.get_token_info(slot).map_err(module_error)?;
            // An uninitialised token (SoftHSM always offers one) holds no keys to find.
            if info.token_initialized() && token_matches(&uri.token, &info) {
                tokens.push((slot, info));
            }
        }
        // A key found on whichever token came first is not the key the URI meant.
        let (slot, info) = match tokens.len() {
            0 => return Err(Pkcs11Error::NoToken(uri.to_string())),
            1 => tokens.swap_remove(0),
            found => {
                return Err(Pkcs11Error::TokenCount {
                    found,
                    uri: uri.to_string(),
                });
            }
        };
        let session = module.open_ro_session(slot).map_err(module_error)?;
        if let Some(pin) = pin.or(uri.pin_value()) {
            match session.login(UserType::User, Some(&AuthPin::from(pin))) {
                Ok(()) | Err(CkError::Pkcs11(RvError::UserAlreadyLoggedIn, _)) => {}
                Err(e) => return Err(module_error(e)),
            }
        } else if info.login_required() {
            let state = session.get_session_info().map_err(module_error)?;
            if state.session_state() != SessionState::RoUser {
                return Err(Pkcs11Error::NeedsPin(uri.to_string()));
            }
        }
        let mut template = vec![Attribute::Class(ObjectClass::PRIVATE_KEY)];
        if let Some(label) = &uri.object {
            template.push(Attribute::Label(label.as_bytes().to_vec()));
        }
        if let Some(id) = &uri.id {
            template.push(Attribute::Id(id.clone()));
        }
        let keys = session.find_objects(&template).map_err(module_error)?;
        let [key] = keys[..] else {
            return Err(Pkcs11Error::KeyCount {
                found: keys.len(),
                uri: uri.to_string(),
            });
        };
        let public = public_key(&session, key)?;
        Ok(Self {
            session: Mutex::new(session),
            key,
            public,
            uri: uri.to_string(),
        })
    }
}

fn token_matches(wanted: &TokenMatch, info: &cryptoki::slot::TokenInfo) -> bool {
    let matches =
        |want: &Option<String>, have: &str| want.as_deref().is_none_or(|w| w == have.trim_end());
    matches(&wanted.label, info.label())
        && matches(&wanted.manufacturer, info.manufacturer_id())
        && matches(&wanted.model, info.model())
        && matches(&wanted.serial, info.serial_number())
}

/// The public half of private key `key`: the public-key object sharing its `CKA_ID`, or
/// its label when it has no id.
fn public_key(session: &Session, key: ObjectHandle) -> Result<PublicKey, Pkcs11Error> {
    let unusable = |why: &str| Pkcs11Error::Key(why.to_owned());
    let attributes = session
        .get_attributes(
            key,
            &[
                AttributeType::KeyType,
                AttributeType::Id,
                AttributeType::Label,
                AttributeType::AlwaysAuthenticate,
            ],
        )
        .map_err(module_error)?;
    let (mut kind, mut id, mut label) = (None, None, None);
    for attribute in attributes {
        match attribute {
            Attribute::KeyType(k) => kind = Some(k),
            Attribute::Id(value) if !value.is_empty() => id = Some(value),
            Attribute::Label(value) if !value.is_empty() => label = Some(value),
            // Such a key wants the PIN again before every signature; a signer that keeps no
            // PIN cannot give it, so say so now rather than fail at the first signature.
            Attribute::AlwaysAuthenticate(true) => {
                return Err(unusable(
                    "it asks for the PIN at every signature (CKA_ALWAYS_AUTHENTICATE)",
                ));
            }
            _ => {}
        }
    }
    let kind = kind.ok_or_else(|| unusable("no CKA_KEY_TYPE"))?;
    // Paired by CKA_ID (or, without one, by label) and by key type: an empty template would
    // match every public key on the token.
    let pairing = match (id, label) {
        (Some(id), _) => Attribute::Id(id),
        (None, Some(label)) => Attribute::Label(label),
        (None, None) => {
            return Err(unusable(
                "no CKA_ID or CKA_LABEL to find its public half by",
            ));
        }
    };
    let template = [
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(kind),
        pairing,
    ];
    let publics = session.find_objects(&template).map_err(module_error)?;
    let [public] = publics[..] else {
        return Err(unusable(&format!(
            "{} public-key objects of its type share its CKA_ID or label (exactly one must)",
            publics.len()
        )));
    };
    let values = session
        .get_attributes(public, &[AttributeType::EcPoint, AttributeType::EcParams])
        .map_err(module_error)?;
    let (mut point, mut params) = (None, None);
    for value in values {
        match value {
            Attribute::EcPoint(p) => point = Some(p),
            Attribute::EcParams(p) => params = Some(p),
            _ => {}
        }
    }
    let point = point.ok_or_else(|| unusable("no CKA_EC_POINT"))?;
    // CKA_EC_POINT is a DER OCTET STRING around the point; some modules give it bare.
    let bare = |len: usize| match point.as_slice() {
        [0x04, l, rest @ ..] if usize::from(*l) == len && rest.len() == len => rest,
        other => other,
    };
    if kind == KeyType::EC_EDWARDS {
        let raw: &[u8; 32] = bare(32)
            .try_into()
            .map_err(|_| unusable("an Edwards key that is not Ed25519"))?;
        PublicKey::ed25519(raw).map_err(|e| Pkcs11Error::Key(e.to_string()))
    } else if kind == KeyType::EC && params.as_deref() == Some(&P256_PARAMS[..]) {
        PublicKey::p256(bare(65)).map_err(|e| Pkcs11Error::Key(e.to_string()))
    } else {
        Err(unusable("neither Ed25519 nor P-256"))
    }
}

impl Signer for Pkcs11Signer {
    fn public_key(&self) -> PublicKey {
        self.public.clone()
    }

    fn sign(&self, message: &[u8]) -> Result<Vec<u8>, SignError> {
        let session = self.session.lock().unwrap_or_else(PoisonError::into_inner);
        let failed = |e: CkError| SignError::from_source(e.to_string());
        let signature = match self.public.algorithm() {
            Algorithm::Ed25519 => session
                .sign(
                    &Mechanism::Eddsa(EddsaParams::new(EddsaSignatureScheme::Pure)),
                    self.key,
                    message,
                )
                .map_err(failed)?,
            _ => {
                let raw = session
                    .sign(&Mechanism::Ecdsa, self.key, &sha256(message))
                    .map_err(failed)?;
                // Low S: the one form of the two that verify (see `crypto::sign_cose`).
                p256::ecdsa::Signature::from_slice(&raw)
                    .map_err(SignError::from_source)?
                    .normalize_s()
                    .to_bytes()
                    .to_vec()
            }
        };
        drop(session);
        // A token that signs with another key than the public one read is caught here, not
        // by every verifier later.
        self.public
            .verify(self.public.algorithm(), message, &signature)
            .map_err(|_| {
                SignError::from_source("the token's signature does not verify under its public key")
            })?;
        Ok(signature)
    }
}

#[cfg(test)]
mod tests {
    use super::Pkcs11Uri;

    #[test]
    fn uris_name_the_token_the_key_and_the_module_and_never_show_the_pin() {
        let uri: Pkcs11Uri = "pkcs11:token=my%20token;object=issuing;id=%01%02;type=private\
                              ?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234"
            .parse()
            .unwrap();
        assert_eq!(uri.token.label.as_deref(), Some("my token"));
        assert_eq!(uri.object.as_deref(), Some("issuing"));
        assert_eq!(uri.id.as_deref(), Some(&[1, 2][..]));
        assert_eq!(uri.pin_value(), Some("1234"));
        assert!(!uri.to_string().contains("1234"), "{uri}");
        assert!(!format!("{uri:?}").contains("1234"));
        for bad in [
            "pkcs12:token=a",
            "pkcs11:token",
            "pkcs11:token=a;token=b",
            "pkcs11:object=%zz",
            "pkcs11:object=%+1",
            "pkcs11:id=%01;id=%02",
            "pkcs11:slot-manufacturer=x",
            "pkcs11:type=public",
        ] {
            assert!(bad.parse::<Pkcs11Uri>().is_err(), "{bad}");
        }
    }
}
