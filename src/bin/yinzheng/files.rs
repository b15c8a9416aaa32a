//! What the CLI reads: keys, certificate requests (JSON or TOML), trust configurations.

use std::path::Path;

use serde::Deserialize;
use yinzheng::crypto::{Ed25519SigningKey, P256SigningKey, PublicKey, Signer};
use yinzheng::issue::CertificateBuilder;
use yinzheng::model::{CertificateType, Field, FieldValue, Holder, ResidentId, Uscc, Validity};
use yinzheng::time::{Date, UnixTime};
use yinzheng::trust::{Role, Roles, TrustStore, key_digest};

pub(crate) type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

pub(crate) fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("reading {}: {e}", path.display()).into())
}

pub(crate) fn read_text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("reading {}: {e}", path.display()).into())
}

/// Writes `path` whole or not at all (a temporary name, then a rename): a process killed
/// mid-write never leaves a truncated certificate, list or key behind.
pub(crate) fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    static SUFFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(SUFFIX.get_or_init(|| format!(".tmp-{}", std::process::id())));
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, bytes)
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            format!("writing {}: {e}", path.display()).into()
        })
}

/// `f` over `items` on every core, in order; the first error wins. File work in bulk (reading
/// requests, writing certificates) waits on the filesystem as much as it computes.
pub(crate) fn parallel_map<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> Result<R> + Sync,
) -> Result<Vec<R>> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from) * 2;
    let chunk = items.len().div_ceil(threads).max(1);
    let mut chunks: Vec<Vec<T>> = Vec::with_capacity(threads);
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        chunks.push(items.by_ref().take(chunk).collect());
    }
    let f = &f;
    std::thread::scope(|scope| {
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .into_iter()
                        .map(|item| f(item).map_err(|e| e.to_string()))
                        .collect::<std::result::Result<Vec<R>, String>>()
                })
            })
            .collect();
        let mut done = Vec::new();
        for handle in handles {
            match handle.join() {
                Ok(part) => done.extend(part?),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        Ok(done)
    })
}

/// Where the password of encrypted key files comes from, set once from `--password-file`.
static PASSWORD_FILE: std::sync::OnceLock<Option<std::path::PathBuf>> = std::sync::OnceLock::new();

/// The environment variable holding the password of encrypted key files.
pub(crate) const PASSWORD_ENV: &str = "YINZHENG_KEY_PASSWORD";
/// The environment variable holding a PKCS#11 token's user PIN.
pub(crate) const PIN_ENV: &str = "YINZHENG_PKCS11_PIN";
/// The environment variable naming the PKCS#11 module when a URI has no `module-path`.
pub(crate) const MODULE_ENV: &str = "YINZHENG_PKCS11_MODULE";

pub(crate) fn set_password_file(path: Option<std::path::PathBuf>) {
    let _ = PASSWORD_FILE.set(path);
}

/// A secret from, in order: `file` (its first line), the environment variable `env`, or a
/// prompt on the terminal (twice when `confirm`). Never from a command-line value.
fn secret(
    file: Option<&Path>,
    env: &str,
    prompt: &str,
    confirm: bool,
) -> Result<Option<zeroize::Zeroizing<String>>> {
    use std::io::IsTerminal as _;
    use zeroize::Zeroizing;
    if let Some(file) = file {
        let text = Zeroizing::new(read_text(file)?);
        let line = text.lines().next().unwrap_or_default();
        return Ok(Some(Zeroizing::new(line.to_owned())));
    }
    if let Some(value) = std::env::var_os(env) {
        let value = value
            .into_string()
            .map_err(|_| format!("${env} is not UTF-8"))?;
        return Ok(Some(Zeroizing::new(value)));
    }
    if !std::io::stdin().is_terminal() {
        return Ok(None);
    }
    let first = Zeroizing::new(rpassword::prompt_password(format!("{prompt}: "))?);
    if confirm {
        let again = Zeroizing::new(rpassword::prompt_password(format!("{prompt} (again): "))?);
        if *again != *first {
            return Err("the two entries differ".into());
        }
    }
    Ok(Some(first))
}

/// The password for the key file `path` (`confirm`: a new key, asked twice on a terminal).
pub(crate) fn key_password(path: &Path, confirm: bool) -> Result<zeroize::Zeroizing<String>> {
    let file = PASSWORD_FILE.get().and_then(Option::as_deref);
    secret(file, PASSWORD_ENV, &format!("password for {}", path.display()), confirm)?
        .ok_or_else(|| {
            format!(
                "{}: needs a password: give --password-file FILE, set ${PASSWORD_ENV}, or run on a terminal",
                path.display()
            )
            .into()
        })
}

/// A key file's bytes, decrypted (to plain PKCS#8 PEM) when it is an encrypted key.
fn key_bytes(path: &Path) -> Result<zeroize::Zeroizing<Vec<u8>>> {
    let raw = zeroize::Zeroizing::new(read(path)?);
    let Some(encrypted) = std::str::from_utf8(&raw)
        .ok()
        .filter(|text| yinzheng::crypto::is_encrypted_pem(text))
    else {
        return Ok(raw);
    };
    let password = key_password(path, false)?;
    let plain = yinzheng::crypto::decrypt_pkcs8_pem(encrypted, password.as_bytes())
        .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(zeroize::Zeroizing::new(plain.as_bytes().to_vec()))
}

/// A signing key: an RFC 7512 `pkcs11:` URI naming a key in a token, or a private key file —
/// PKCS#8 PEM, plain or encrypted, Ed25519 or P-256 (or, with feature gm, SM2 in PKCS#8 or
/// SEC1, PEM or DER).
pub(crate) fn signing_key(path: &Path) -> Result<Box<dyn Signer>> {
    if let Some(uri) = path.to_str().filter(|p| p.starts_with("pkcs11:")) {
        return Ok(Box::new(token_key(uri)?));
    }
    let bytes = key_bytes(path)?;
    let pem = String::from_utf8_lossy(&bytes);
    if let Ok(key) = Ed25519SigningKey::from_pkcs8_pem(&pem) {
        return Ok(Box::new(key));
    }
    if let Ok(key) = P256SigningKey::from_pkcs8_pem(&pem) {
        return Ok(Box::new(key));
    }
    #[cfg(feature = "gm")]
    if let Ok(key) = yinzheng::crypto::Sm2SigningKey::from_any(&bytes) {
        return Ok(Box::new(key));
    }
    Err(format!(
        "{}: not an Ed25519, P-256 or SM2 private key",
        path.display()
    )
    .into())
}

/// The key a `pkcs11:` URI names; the module from the URI or `$YINZHENG_PKCS11_MODULE`, the
/// PIN from the URI's `pin-source` file, `$YINZHENG_PKCS11_PIN`, or a prompt. A `pin-value`
/// is refused: a command line is readable by every user of the machine (`ps`).
fn token_key(text: &str) -> Result<yinzheng::crypto::pkcs11::Pkcs11Signer> {
    use yinzheng::crypto::pkcs11::{Pkcs11Signer, Pkcs11Uri};
    let mut uri: Pkcs11Uri = text.parse()?;
    if uri.pin_value().is_some() {
        return Err(format!(
            "{uri}: a PIN on the command line (pin-value) is visible to every user of this machine; \
             give pin-source=FILE or set ${PIN_ENV}"
        )
        .into());
    }
    if uri.module_path.is_none() {
        uri.module_path = std::env::var(MODULE_ENV).ok();
    }
    let source = uri
        .pin_source
        .as_deref()
        .map(|s| std::path::PathBuf::from(s.strip_prefix("file:").unwrap_or(s)));
    let pin = secret(source.as_deref(), PIN_ENV, &format!("PIN for {uri}"), false)?;
    Pkcs11Signer::open(&uri, pin.as_deref().map(String::as_str))
        .map_err(|e| format!("{uri}: {e}").into())
}

/// An X.509 certificate file, PEM (the first certificate) or DER.
pub(crate) fn certificate(path: &Path) -> Result<Vec<u8>> {
    let bytes = read(path)?;
    match std::str::from_utf8(&bytes) {
        Ok(pem) if pem.contains("-----BEGIN") => yinzheng::trust::x509::pem_certificates(pem)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .into_iter()
            .next()
            .ok_or_else(|| format!("{}: no certificate in it", path.display()).into()),
        _ => Ok(bytes),
    }
}

/// An Ed25519 key file (audit logs sign checkpoints with Ed25519 only).
pub(crate) fn ed25519_key(path: &Path) -> Result<Ed25519SigningKey> {
    // Not echoed: a URI may carry a PIN.
    if path.to_str().is_some_and(|p| p.starts_with("pkcs11:")) {
        return Err("log and witness keys must be Ed25519 key files; PKCS#11 keys sign certificates, seals, stamps and lists".into());
    }
    Ed25519SigningKey::from_pkcs8_pem(&String::from_utf8_lossy(&key_bytes(path)?))
        .map_err(|_| format!("{}: not an Ed25519 PKCS#8 key", path.display()).into())
}

/// A public key given on the command line: hex, or a file holding hex (a `.pub` from
/// `keygen`); the error names the argument's file or says it is neither.
pub(crate) fn public_key_arg(arg: &str) -> Result<PublicKey> {
    let path = Path::new(arg);
    if path.is_file() {
        return public_key(&read_text(path)?)
            .map_err(|e| format!("{}: {e}", path.display()).into());
    }
    public_key(arg)
        .map_err(|e| format!("{arg}: neither a file nor a public key in hex ({e})").into())
}

/// A public key from hex: 32 bytes Ed25519, 33/65 bytes SEC1 P-256.
pub(crate) fn public_key(hex_text: &str) -> Result<PublicKey> {
    let bytes = hex_decode(hex_text)?;
    let key = match <[u8; 32]>::try_from(bytes.as_slice()) {
        Ok(raw) => PublicKey::ed25519(&raw)?,
        Err(_) => PublicKey::p256(&bytes)?,
    };
    Ok(key)
}

pub(crate) fn hex_decode(text: &str) -> Result<Vec<u8>> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return Err("hex text has an odd length".into());
    }
    // `from_str_radix` alone would take a sign ("+f"), which is not hex.
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err("invalid hex".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(text.get(i..i + 2).unwrap_or("zz"), 16)
                .map_err(|_| "invalid hex".into())
        })
        .collect()
}

pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A field value in a request: text, integer, boolean, `{"date": "YYYY-MM-DD"}` or
/// `{"hex": "…"}` for bytes.
#[derive(Deserialize)]
#[serde(untagged)]
enum ValueSpec {
    Text(String),
    Integer(i64),
    Bool(bool),
    Date { date: String },
    Bytes { hex: String },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FieldSpec {
    name: String,
    value: ValueSpec,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct HolderSpec {
    name: String,
    code: String,
    /// `111` resident identity number, `001` USCC, or another code type.
    code_type: String,
}

/// A certificate request file.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RequestSpec {
    type_code: String,
    type_name: String,
    number: String,
    holder: HolderSpec,
    issued_on: String,
    valid_from: String,
    valid_until: Option<String>,
    jurisdiction: Option<String>,
    #[serde(default)]
    fields: Vec<FieldSpec>,
    #[serde(default)]
    disclosable: Vec<FieldSpec>,
    serial: Option<String>,
    /// The holder's device public key (hex), to bind the certificate to it.
    holder_key: Option<String>,
}

fn value(spec: ValueSpec) -> Result<FieldValue> {
    Ok(match spec {
        ValueSpec::Text(t) => FieldValue::Text(t),
        ValueSpec::Integer(i) => FieldValue::Integer(i),
        ValueSpec::Bool(b) => FieldValue::Bool(b),
        ValueSpec::Date { date } => FieldValue::Date(Date::parse(&date)?),
        ValueSpec::Bytes { hex } => FieldValue::Bytes(hex_decode(&hex)?),
    })
}

impl RequestSpec {
    /// Reads a request: TOML for `.toml` files, JSON otherwise.
    pub(crate) fn load(path: &Path) -> Result<Self> {
        Self::from_bytes(path, &read(path)?)
    }

    /// A request already read from `path` (named in errors; its extension picks the syntax).
    pub(crate) fn from_bytes(path: &Path, bytes: &[u8]) -> Result<Self> {
        let text = std::str::from_utf8(bytes)
            .map_err(|_| format!("{}: not UTF-8 text", path.display()))?;
        Self::parse(text, path.extension().is_some_and(|e| e == "toml"))
            .map_err(|e| format!("{}: {e}", path.display()).into())
    }

    pub(crate) fn parse(text: &str, toml: bool) -> Result<Self> {
        Ok(if toml {
            toml::from_str(text)?
        } else {
            serde_json::from_str(text)?
        })
    }

    /// The builder the request describes; an error names the field (its key and its name on
    /// the licence face) and what is wrong with its value.
    pub(crate) fn builder(self) -> Result<CertificateBuilder> {
        let kind = CertificateType::new(&self.type_code, &self.type_name)
            .map_err(|e| field_error("type_code (证照类型代码)", e))?;
        let code = "holder.code (持证主体代码)";
        let holder = match self.holder.code_type.as_str() {
            "111" => Holder::resident(
                &self.holder.name,
                &ResidentId::parse(&self.holder.code).map_err(|e| field_error(code, e))?,
            ),
            "001" => Holder::organisation(
                &self.holder.name,
                &Uscc::parse(&self.holder.code).map_err(|e| field_error(code, e))?,
            ),
            other => Holder::other(&self.holder.name, other, &self.holder.code),
        };
        let date = |key: &str, text: &str| {
            Date::parse(text).map_err(|e| field_error(key, format!("{text:?}: {e}")))
        };
        let from = date("valid_from (有效期起始日期)", &self.valid_from)?;
        let validity = match &self.valid_until {
            Some(until) => Validity::days(from, date("valid_until (有效期截止日期)", until)?),
            None => Validity::long_term(from),
        };
        let mut builder = CertificateBuilder::new(
            kind,
            self.number,
            holder,
            date("issued_on (颁发日期)", &self.issued_on)?,
            validity,
        );
        if let Some(j) = self.jurisdiction {
            builder = builder.jurisdiction(j);
        }
        for (i, f) in self.fields.into_iter().enumerate() {
            let v =
                value(f.value).map_err(|e| field_error(&format!("fields[{i}] ({})", f.name), e))?;
            builder = builder.field(f.name, v);
        }
        for (i, f) in self.disclosable.into_iter().enumerate() {
            let v = value(f.value)
                .map_err(|e| field_error(&format!("disclosable[{i}] ({})", f.name), e))?;
            builder = builder.disclosable_field(f.name, v);
        }
        if let Some(serial) = self.serial {
            builder = builder.serial(serial);
        }
        if let Some(key) = self.holder_key {
            builder = builder.holder_key(
                &public_key(&key).map_err(|e| field_error("holder_key (持证设备公钥)", e))?,
            );
        }
        Ok(builder)
    }
}

/// "`field`: `problem`", the form every request error takes (the caller adds the file).
fn field_error(field: &str, problem: impl core::fmt::Display) -> Box<dyn std::error::Error> {
    format!("{field}: {problem}").into()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct KeySpec {
    name: String,
    agency: Option<String>,
    public_key: String,
    /// `issuer`, `status-lists`, `seal-maker`, `bundle-publisher` (seal makers: implied).
    #[serde(default)]
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RootSpec {
    name: String,
    /// A DER or PEM file, relative to the trust file.
    file: String,
    /// What chains to it are accepted for; their leaves must be marked for the role.
    roles: Vec<String>,
    /// Accept leaves that carry no yinzheng role marking, for the root's one role.
    #[serde(default)]
    allow_unmarked_leaves: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokedSpec {
    /// SHA-256 of the key bytes (hex), or the key itself (`public_key`).
    #[serde(default)]
    key_sha256: Option<String>,
    #[serde(default)]
    public_key: Option<String>,
    /// Unix seconds from when nothing it signed is accepted (absent: always).
    #[serde(default)]
    since: Option<u64>,
}

/// A trust file: what a verifier trusts, for which roles, and which keys are compromised.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct TrustSpec {
    #[serde(default)]
    issuer_keys: Vec<KeySpec>,
    #[serde(default)]
    x509_roots: Vec<RootSpec>,
    /// End-entity certificates trusted by themselves (a national seal maker's or signer's).
    #[serde(default)]
    pinned_certificates: Vec<RootSpec>,
    #[serde(default)]
    seal_makers: Vec<KeySpec>,
    #[serde(default)]
    revoked_keys: Vec<RevokedSpec>,
}

fn roles(names: &[String], whose: &str) -> Result<Roles> {
    if names.is_empty() {
        return Err(format!(
            "{whose}: give its roles (issuer, status-lists, seal-maker, bundle-publisher, stamp-signer)"
        )
        .into());
    }
    names
        .iter()
        .map(|n| Role::from_name(n).ok_or_else(|| format!("{whose}: unknown role {n:?}").into()))
        .collect()
}

impl TrustSpec {
    pub(crate) fn load(path: &Path) -> Result<TrustStore> {
        let text = read_text(path)?;
        let spec: Self =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let base = path.parent().unwrap_or(Path::new("."));
        let whose = |what: &str, name: &str| format!("{}: {what} {name}", path.display());
        let mut trust = TrustStore::new();
        for k in spec.issuer_keys {
            let agency = k
                .agency
                .as_deref()
                .ok_or_else(|| format!("{}: needs an agency", whose("issuer key", &k.name)))?;
            let roles = roles(&k.roles, &whose("issuer key", &k.name))?;
            trust.add_agency_key(
                &k.name,
                Uscc::parse(agency)?,
                public_key(&k.public_key)?,
                roles,
            )?;
        }
        for r in spec.x509_roots {
            let bytes = read(&base.join(&r.file))?;
            let roles = roles(&r.roles, &whose("X.509 root", &r.name))?;
            match std::str::from_utf8(&bytes) {
                Ok(pem) if pem.contains("-----BEGIN") => {
                    trust.add_x509_roots_pem(&r.name, pem, roles)?;
                }
                _ => {
                    trust.add_x509_root(&r.name, &bytes, roles)?;
                }
            }
            if r.allow_unmarked_leaves {
                let role = roles.single().ok_or_else(|| {
                    format!(
                        "{}: unmarked leaves need exactly one role",
                        whose("X.509 root", &r.name)
                    )
                })?;
                trust.allow_unmarked_leaves(&r.name, role)?;
            }
        }
        for p in spec.pinned_certificates {
            let roles = roles(&p.roles, &whose("pinned certificate", &p.name))?;
            let der = certificate(&base.join(&p.file))?;
            trust.add_pinned_certificate(&p.name, &der, roles)?;
        }
        for m in spec.seal_makers {
            if let Some(other) = m.roles.iter().find(|r| *r != "seal-maker") {
                return Err(format!(
                    "{}: a seal maker's role is seal-maker, not {other:?}",
                    whose("seal maker", &m.name)
                )
                .into());
            }
            trust.add_seal_maker(&m.name, public_key(&m.public_key)?)?;
        }
        for r in spec.revoked_keys {
            let digest = match (r.key_sha256, r.public_key) {
                (Some(digest), None) => {
                    <[u8; 32]>::try_from(hex_decode(&digest)?).map_err(|_| {
                        format!("{}: revoked key_sha256 is not 32 bytes", path.display())
                    })?
                }
                (None, Some(key)) => key_digest(&public_key(&key)?),
                _ => {
                    return Err(format!(
                        "{}: a revoked key needs key_sha256 or public_key (one of them)",
                        path.display()
                    )
                    .into());
                }
            };
            trust.revoke_key(digest, r.since.map(UnixTime::from_secs));
        }
        Ok(trust)
    }
}

/// Field values of a verified certificate, for the JSON report.
pub(crate) fn field_json(field: &Field) -> serde_json::Value {
    let value = match &field.value {
        FieldValue::Text(t) => serde_json::json!(t),
        FieldValue::Integer(i) => serde_json::json!(i),
        FieldValue::Bool(b) => serde_json::json!(b),
        FieldValue::Date(d) => serde_json::json!({ "date": d.to_string() }),
        FieldValue::Bytes(b) => serde_json::json!({ "hex": hex_encode(b) }),
        other => serde_json::json!(other.to_string()),
    };
    serde_json::json!({ "name": field.name, "value": value })
}
