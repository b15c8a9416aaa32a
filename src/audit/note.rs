//! C2SP `signed-note` and `tlog-checkpoint`, with `cosignature/v1` witness lines.
//!
//! ```text
//! <origin>\n<tree size>\n<base64 root hash>\n      checkpoint body (the note text)
//! \n
//! — <key name> <base64(key id[4] ‖ signature)>\n    one line per signature
//! ```
//!
//! Key id = `SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]`; type `0x01` is an Ed25519 note
//! signature over the text, `0x04` an Ed25519 `cosignature/v1` whose signed message is
//! `"cosignature/v1\ntime <t>\n" ‖ text` and whose signature bytes are `t (u64 BE) ‖ sig`.
//! Verifiers ignore signatures by unknown keys (key rotation, extra witnesses) and require at
//! least one by a known key; a known key with a bad signature is an error.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;

use crate::audit::merkle::Hash;
use crate::crypto::{Algorithm, PublicKey, Signer, sha256};

/// Most signature lines accepted on one note.
pub const MAX_SIGNATURES: usize = 100;
/// Longest note accepted, in bytes.
pub const MAX_NOTE_LEN: usize = 64 * 1024;

const TYPE_ED25519: u8 = 0x01;
const TYPE_COSIGNATURE: u8 = 0x04;

/// Why a note, key or checkpoint was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NoteError {
    /// The text breaks the signed-note or checkpoint grammar.
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    /// A key name is empty or contains whitespace or `+`.
    #[error("invalid key name")]
    KeyName,
    /// A verifier key string or public key is invalid.
    #[error("invalid key: {0}")]
    Key(&'static str),
    /// More than [`MAX_SIGNATURES`] lines, or a note over [`MAX_NOTE_LEN`].
    #[error("note too large")]
    TooLarge,
    /// A known key's signature does not verify.
    #[error("signature by {name} does not verify")]
    BadSignature {
        /// The key name.
        name: String,
    },
    /// No signature by any known key.
    #[error("no signature by a known key")]
    NoKnownSignature,
    /// The signer failed or is not Ed25519.
    #[error("signer: {0}")]
    Signer(String),
}

/// The role of a note key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyRole {
    /// The log's own key (type 0x01).
    Log,
    /// A witness's `cosignature/v1` key (type 0x04).
    Witness,
}

impl KeyRole {
    fn type_byte(self) -> u8 {
        match self {
            Self::Log => TYPE_ED25519,
            Self::Witness => TYPE_COSIGNATURE,
        }
    }
}

/// A named Ed25519 note key: the log's or a witness's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteKey {
    name: String,
    role: KeyRole,
    pub(crate) public: PublicKey,
    key_id: [u8; 4],
}

fn check_name(name: &str) -> Result<(), NoteError> {
    if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c == '+') {
        Err(NoteError::KeyName)
    } else {
        Ok(())
    }
}

impl NoteKey {
    /// A key named `name` with role `role`; the public key must be Ed25519.
    ///
    /// # Errors
    /// [`NoteError::KeyName`] or [`NoteError::Key`].
    pub fn new(name: &str, role: KeyRole, public: PublicKey) -> Result<Self, NoteError> {
        check_name(name)?;
        if public.algorithm() != Algorithm::Ed25519 {
            return Err(NoteError::Key("note keys are Ed25519"));
        }
        let mut data = name.as_bytes().to_vec();
        data.push(b'\n');
        data.push(role.type_byte());
        data.extend_from_slice(&public.to_bytes());
        let digest = sha256(&data);
        let key_id = [digest[0], digest[1], digest[2], digest[3]];
        Ok(Self {
            name: name.to_owned(),
            role,
            public,
            key_id,
        })
    }

    /// Parses a verifier key string `name+hex(key id)+base64(type ‖ public key)`.
    ///
    /// # Errors
    /// [`NoteError`] if malformed or the key id does not match.
    pub fn from_vkey(vkey: &str) -> Result<Self, NoteError> {
        // Names never contain '+', but the base64 key may: split off two fields only.
        let mut parts = vkey.splitn(3, '+');
        let (Some(name), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(NoteError::Key("expected name+id+key"));
        };
        let key = B64
            .decode(key)
            .map_err(|_| NoteError::Key("key is not base64"))?;
        let (role, raw) = match key.split_first() {
            Some((&TYPE_ED25519, raw)) => (KeyRole::Log, raw),
            Some((&TYPE_COSIGNATURE, raw)) => (KeyRole::Witness, raw),
            _ => return Err(NoteError::Key("unsupported key type")),
        };
        let raw: &[u8; 32] = raw
            .try_into()
            .map_err(|_| NoteError::Key("Ed25519 keys are 32 bytes"))?;
        let public = PublicKey::ed25519(raw).map_err(|_| NoteError::Key("invalid Ed25519 key"))?;
        let key = Self::new(name, role, public)?;
        if id.len() != 8 || !id.eq_ignore_ascii_case(&hex8(key.key_id)) {
            return Err(NoteError::Key("key id does not match the key"));
        }
        Ok(key)
    }

    /// The verifier key string.
    #[must_use]
    pub fn to_vkey(&self) -> String {
        let mut key = vec![self.role.type_byte()];
        key.extend_from_slice(&self.public.to_bytes());
        format!("{}+{}+{}", self.name, hex8(self.key_id), B64.encode(key))
    }

    /// The key name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The public key: one key under two names is still one signer.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The 4-byte key id.
    #[must_use]
    pub fn key_id(&self) -> [u8; 4] {
        self.key_id
    }

    /// The role.
    #[must_use]
    pub fn role(&self) -> KeyRole {
        self.role
    }
}

fn hex8(id: [u8; 4]) -> String {
    id.iter().map(|b| format!("{b:02x}")).collect()
}

fn cosigned_message(timestamp: u64, text: &str) -> Vec<u8> {
    format!("cosignature/v1\ntime {timestamp}\n{text}").into_bytes()
}

/// One signature line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NoteSignature {
    /// The key name.
    pub name: String,
    /// The key id.
    pub key_id: [u8; 4],
    /// The signature bytes after the key id.
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// Parses a signature line (`— <name> <base64 key id ‖ signature>`, no newline).
    ///
    /// # Errors
    /// [`NoteError::Malformed`] or [`NoteError::KeyName`].
    pub fn parse_line(line: &str) -> Result<Self, NoteError> {
        let rest = line.strip_prefix("\u{2014} ").ok_or(NoteError::Malformed(
            "signature line must start with an em dash",
        ))?;
        let (name, blob) = rest.split_once(' ').ok_or(NoteError::Malformed(
            "signature line needs a name and a signature",
        ))?;
        check_name(name)?;
        let blob = B64
            .decode(blob)
            .map_err(|_| NoteError::Malformed("signature is not base64"))?;
        if blob.len() < 5 {
            return Err(NoteError::Malformed("signature too short"));
        }
        Ok(Self {
            name: name.to_owned(),
            key_id: [blob[0], blob[1], blob[2], blob[3]],
            signature: blob[4..].to_vec(),
        })
    }

    /// The signature line, with its newline.
    #[must_use]
    pub fn line(&self) -> String {
        let mut blob = self.key_id.to_vec();
        blob.extend_from_slice(&self.signature);
        format!("\u{2014} {} {}\n", self.name, B64.encode(blob))
    }
}

/// A signed note: text and signature lines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Note {
    text: String,
    signatures: Vec<NoteSignature>,
}

/// What verifying a note established.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedNote {
    /// The text, now known to be signed.
    pub text: String,
    /// Names of the log keys whose signatures verified.
    pub log_signers: Vec<String>,
    /// Names and times of the witness cosignatures that verified.
    pub cosigners: Vec<(String, u64)>,
}

impl Note {
    /// An unsigned note; the text must be non-empty UTF-8 ending in a newline, with no blank
    /// line at its end.
    ///
    /// # Errors
    /// [`NoteError::Malformed`].
    pub fn new(text: &str) -> Result<Self, NoteError> {
        if text.is_empty() || !text.ends_with('\n') || text.ends_with("\n\n") {
            return Err(NoteError::Malformed("text must end in exactly one newline"));
        }
        if text.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        Ok(Self {
            text: text.to_owned(),
            signatures: Vec::new(),
        })
    }

    /// Adds a log signature (type 0x01) made by `signer`, which must hold the Ed25519 key
    /// `key`.
    ///
    /// # Errors
    /// [`NoteError::Signer`] if the signer fails or is not that key.
    pub fn sign(&mut self, key: &NoteKey, signer: &dyn Signer) -> Result<(), NoteError> {
        if signer.public_key() != key.public || key.role != KeyRole::Log {
            return Err(NoteError::Signer(
                "the signer does not hold this log key".into(),
            ));
        }
        let signature = signer
            .sign(self.text.as_bytes())
            .map_err(|e| NoteError::Signer(e.to_string()))?;
        self.signatures.push(NoteSignature {
            name: key.name.clone(),
            key_id: key.key_id,
            signature,
        });
        Ok(())
    }

    /// Adds a witness cosignature (`cosignature/v1`) at `timestamp` (Unix seconds).
    ///
    /// # Errors
    /// [`NoteError::Signer`] if the signer fails or is not that key.
    pub fn cosign(
        &mut self,
        key: &NoteKey,
        signer: &dyn Signer,
        timestamp: u64,
    ) -> Result<(), NoteError> {
        if signer.public_key() != key.public || key.role != KeyRole::Witness {
            return Err(NoteError::Signer(
                "the signer does not hold this witness key".into(),
            ));
        }
        let signed = signer
            .sign(&cosigned_message(timestamp, &self.text))
            .map_err(|e| NoteError::Signer(e.to_string()))?;
        let mut signature = timestamp.to_be_bytes().to_vec();
        signature.extend_from_slice(&signed);
        self.signatures.push(NoteSignature {
            name: key.name.clone(),
            key_id: key.key_id,
            signature,
        });
        Ok(())
    }

    /// The note text.
    #[must_use]
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The signature lines.
    #[must_use]
    pub fn signatures(&self) -> &[NoteSignature] {
        &self.signatures
    }

    /// The serialized note.
    #[must_use]
    pub fn encode(&self) -> String {
        let mut out = self.text.clone();
        out.push('\n');
        for s in &self.signatures {
            out.push_str(&s.line());
        }
        out
    }

    /// Parses a serialized note (without verifying it).
    ///
    /// # Errors
    /// [`NoteError`] for anything but the signed-note grammar within the limits.
    pub fn parse(note: &str) -> Result<Self, NoteError> {
        if note.len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        let split = note
            .rfind("\n\n")
            .ok_or(NoteError::Malformed("no blank line before signatures"))?;
        let text = &note[..=split];
        let block = &note[split + 2..];
        if !block.ends_with('\n') {
            return Err(NoteError::Malformed(
                "signature block must end in a newline",
            ));
        }
        let mut signatures = Vec::new();
        for line in block[..block.len() - 1].split('\n') {
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooLarge);
            }
            signatures.push(NoteSignature::parse_line(line)?);
        }
        let mut parsed = Self::new(text)?;
        parsed.signatures = signatures;
        Ok(parsed)
    }

    /// Verifies the note against known keys: every signature by a known key must verify, at
    /// least one log signature must, and signatures by unknown keys are ignored.
    ///
    /// # Errors
    /// [`NoteError::BadSignature`] or [`NoteError::NoKnownSignature`].
    pub fn verify(&self, keys: &[NoteKey]) -> Result<VerifiedNote, NoteError> {
        let mut verified = VerifiedNote {
            text: self.text.clone(),
            log_signers: Vec::new(),
            cosigners: Vec::new(),
        };
        for s in &self.signatures {
            let Some(key) = keys
                .iter()
                .find(|k| k.name == s.name && k.key_id == s.key_id)
            else {
                continue;
            };
            let time = self.check_signature(s, key)?;
            match key.role {
                KeyRole::Log => verified.log_signers.push(s.name.clone()),
                KeyRole::Witness => verified.cosigners.push((s.name.clone(), time)),
            }
        }
        if verified.log_signers.is_empty() {
            return Err(NoteError::NoKnownSignature);
        }
        Ok(verified)
    }
}

impl Note {
    /// Checks one signature line under `key` (whose name and id it carries); for a witness's
    /// cosignature, returns its time (0 for a log signature).
    fn check_signature(&self, s: &NoteSignature, key: &NoteKey) -> Result<u64, NoteError> {
        let bad = || NoteError::BadSignature {
            name: s.name.clone(),
        };
        match key.role {
            KeyRole::Log => {
                key.public
                    .verify(Algorithm::Ed25519, self.text.as_bytes(), &s.signature)
                    .map_err(|_| bad())?;
                Ok(0)
            }
            KeyRole::Witness => {
                let (time, sig) = s.signature.split_at_checked(8).ok_or_else(bad)?;
                let time = u64::from_be_bytes(time.try_into().map_err(|_| bad())?);
                key.public
                    .verify(Algorithm::Ed25519, &cosigned_message(time, &self.text), sig)
                    .map_err(|_| bad())?;
                Ok(time)
            }
        }
    }

    /// The cosignatures by `witnesses` that verify, with their times, one per witness key;
    /// a line that does not verify is passed over, not fatal (a witness, or whoever relayed
    /// its answer, cannot veto the others' cosignatures).
    #[must_use]
    pub fn valid_cosignatures(&self, witnesses: &[NoteKey]) -> Vec<(NoteKey, u64)> {
        let mut found: Vec<(NoteKey, u64)> = Vec::new();
        for key in witnesses.iter().filter(|k| k.role == KeyRole::Witness) {
            let valid = self
                .signatures
                .iter()
                .filter(|s| s.name == key.name && s.key_id == key.key_id)
                .find_map(|s| self.check_signature(s, key).ok());
            if let Some(time) = valid
                && !found.iter().any(|(k, _)| k == key)
            {
                found.push((key.clone(), time));
            }
        }
        found
    }

    /// Adds `key`'s cosignature lines from `lines` (a witness's `add-checkpoint` answer),
    /// each checked over this note's text first, so that nothing unverified is attached.
    ///
    /// # Errors
    /// [`NoteError::Malformed`] for a line by another key, [`NoteError::BadSignature`] for a
    /// line that does not verify, [`NoteError::TooLarge`] past the note limits.
    pub fn add_cosignatures(&mut self, key: &NoteKey, lines: &str) -> Result<(), NoteError> {
        if key.role != KeyRole::Witness {
            return Err(NoteError::Key("not a witness key"));
        }
        for line in lines.lines().filter(|l| !l.is_empty()) {
            let signature = NoteSignature::parse_line(line)?;
            if signature.name != key.name || signature.key_id != key.key_id {
                return Err(NoteError::Malformed(
                    "a line by another key than the witness's",
                ));
            }
            self.check_signature(&signature, key)?;
            if self.signatures.contains(&signature) {
                continue;
            }
            if self.signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooLarge);
            }
            self.signatures.push(signature);
        }
        if self.encode().len() > MAX_NOTE_LEN {
            return Err(NoteError::TooLarge);
        }
        Ok(())
    }
}

/// A decimal number as the C2SP formats write it: digits only, no leading zeros.
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    let canonical = !text.is_empty()
        && text.bytes().all(|c| c.is_ascii_digit())
        && (text.len() == 1 || !text.starts_with('0'));
    canonical.then(|| text.parse().ok()).flatten()
}

/// A `tlog-checkpoint` body: origin, tree size, root hash (and extension lines, kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's origin line, e.g. `audit.example.gov.cn/licences`.
    pub origin: String,
    /// Number of entries.
    pub size: u64,
    /// The tree head.
    pub root: Hash,
    /// Extension lines (not recommended; kept verbatim).
    pub extensions: Vec<String>,
}

impl Checkpoint {
    /// The note text.
    #[must_use]
    pub fn body(&self) -> String {
        let mut body = format!(
            "{}\n{}\n{}\n",
            self.origin,
            self.size,
            B64.encode(self.root)
        );
        for e in &self.extensions {
            body.push_str(e);
            body.push('\n');
        }
        body
    }

    /// Parses a checkpoint body strictly (decimal size without leading zeros, 32-byte root).
    ///
    /// # Errors
    /// [`NoteError::Malformed`].
    pub fn parse(body: &str) -> Result<Self, NoteError> {
        let lines = body
            .strip_suffix('\n')
            .ok_or(NoteError::Malformed("checkpoint must end in a newline"))?;
        let mut lines = lines.split('\n');
        let origin = lines
            .next()
            .filter(|o| !o.is_empty())
            .ok_or(NoteError::Malformed("empty origin"))?;
        let size = lines
            .next()
            .and_then(parse_decimal)
            .ok_or(NoteError::Malformed(
                "size must be decimal without leading zeros",
            ))?;
        let root = lines.next().ok_or(NoteError::Malformed("missing root"))?;
        let root: Hash = B64
            .decode(root)
            .ok()
            .and_then(|r| r.try_into().ok())
            .ok_or(NoteError::Malformed("root must be 32 bytes of base64"))?;
        let extensions: Vec<String> = lines.map(str::to_owned).collect();
        if extensions.iter().any(String::is_empty) {
            return Err(NoteError::Malformed("empty extension line"));
        }
        Ok(Self {
            origin: origin.to_owned(),
            size,
            root,
            extensions,
        })
    }
}

/// A checkpoint whose note verified under the log key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignedCheckpoint {
    /// The checkpoint.
    pub checkpoint: Checkpoint,
    /// The whole signed note, as received or produced.
    pub note: String,
}

impl SignedCheckpoint {
    /// Signs the checkpoint of `origin` at `size` and `root` with `signer`, whose public key
    /// `key` names (role [`KeyRole::Log`]).
    ///
    /// # Errors
    /// [`NoteError`] if the origin cannot head a note or the signer refuses.
    pub fn sign(
        origin: &str,
        key: &NoteKey,
        signer: &dyn Signer,
        size: u64,
        root: Hash,
    ) -> Result<Self, NoteError> {
        let checkpoint = Checkpoint {
            origin: origin.to_owned(),
            size,
            root,
            extensions: Vec::new(),
        };
        let mut note = Note::new(&checkpoint.body())?;
        note.sign(key, signer)?;
        Ok(Self {
            checkpoint,
            note: note.encode(),
        })
    }

    /// Verifies `note` under `keys` (the log key, and witness keys if any) and parses its
    /// body; the origin must be `origin`.
    ///
    /// # Errors
    /// [`NoteError`] if the note does not verify or is not a checkpoint of that origin.
    pub fn verify(
        note: &str,
        origin: &str,
        keys: &[NoteKey],
    ) -> Result<(Self, VerifiedNote), NoteError> {
        let verified = Note::parse(note)?.verify(keys)?;
        let checkpoint = Checkpoint::parse(&verified.text)?;
        if checkpoint.origin != origin {
            return Err(NoteError::Malformed("checkpoint is for another origin"));
        }
        Ok((
            Self {
                checkpoint,
                note: note.to_owned(),
            },
            verified,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Ed25519SigningKey;

    /// The example from golang.org/x/mod/sumdb/note and C2SP signed-note.
    const PETER_VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
    const PETER_NOTE: &str = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

    #[test]
    fn verifier_keys_whose_base64_contains_plus_round_trip() {
        let mut with_plus = 0;
        for seed in 0..64u8 {
            let public = Ed25519SigningKey::from_seed(&[seed; 32]).public_key();
            let key = NoteKey::new("audit.example/log", KeyRole::Log, public).unwrap();
            let vkey = key.to_vkey();
            with_plus += usize::from(vkey.matches('+').count() > 2);
            assert_eq!(NoteKey::from_vkey(&vkey).unwrap(), key, "{vkey}");
        }
        assert!(with_plus > 0, "no key with '+' in its base64 was tried");
    }

    #[test]
    fn published_signed_note_example_verifies() {
        let key = NoteKey::from_vkey(PETER_VKEY).unwrap();
        assert_eq!(key.to_vkey(), PETER_VKEY);
        let note = Note::parse(PETER_NOTE).unwrap();
        let verified = note.verify(std::slice::from_ref(&key)).unwrap();
        assert_eq!(verified.log_signers, vec!["PeterNeumann"]);
        assert_eq!(note.encode(), PETER_NOTE);
        let tampered = PETER_NOTE.replace("cryptography", "Cryptography");
        assert!(matches!(
            Note::parse(&tampered).unwrap().verify(&[key]),
            Err(NoteError::BadSignature { .. })
        ));
        let wrong_id = PETER_VKEY.replace("c74f20a3", "c74f20a4");
        assert!(NoteKey::from_vkey(&wrong_id).is_err());
    }

    #[test]
    fn checkpoints_round_trip_with_rotation_and_witnesses() {
        let old = Ed25519SigningKey::from_seed(&[1; 32]);
        let new = Ed25519SigningKey::from_seed(&[2; 32]);
        let witness = Ed25519SigningKey::from_seed(&[3; 32]);
        let old_key = NoteKey::new("example.gov.cn/log", KeyRole::Log, old.public_key()).unwrap();
        let new_key = NoteKey::new("example.gov.cn/log", KeyRole::Log, new.public_key()).unwrap();
        let witness_key =
            NoteKey::new("witness.example", KeyRole::Witness, witness.public_key()).unwrap();
        let cp = Checkpoint {
            origin: "example.gov.cn/log".into(),
            size: 42,
            root: [7; 32],
            extensions: vec![],
        };
        let mut note = Note::new(&cp.body()).unwrap();
        note.sign(&old_key, &old).unwrap();
        note.sign(&new_key, &new).unwrap();
        note.cosign(&witness_key, &witness, 1_795_226_400).unwrap();
        let text = note.encode();
        // A verifier that only knows the new key (rotation) ignores the old signature.
        let (signed, verified) = SignedCheckpoint::verify(
            &text,
            "example.gov.cn/log",
            &[new_key.clone(), witness_key.clone()],
        )
        .unwrap();
        assert_eq!(signed.checkpoint, cp);
        assert_eq!(
            verified.cosigners,
            vec![("witness.example".to_owned(), 1_795_226_400)]
        );
        // Unknown keys only: no known signature.
        let stranger = NoteKey::new("x", KeyRole::Log, witness.public_key()).unwrap();
        assert!(matches!(
            Note::parse(&text).unwrap().verify(&[stranger]),
            Err(NoteError::NoKnownSignature)
        ));
        // A witness key alone is not enough: a log signature is required.
        assert!(matches!(
            Note::parse(&text)
                .unwrap()
                .verify(std::slice::from_ref(&witness_key)),
            Err(NoteError::NoKnownSignature)
        ));
        assert!(SignedCheckpoint::verify(&text, "other/log", &[new_key]).is_err());
    }

    #[test]
    fn strict_checkpoint_grammar() {
        for bad in [
            "o\n01\nAAAA\n",
            "o\n1\n",
            "\n1\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
            "o\n-1\nx\n",
            "o\n1\nAAAA",
        ] {
            assert!(Checkpoint::parse(bad).is_err(), "{bad:?}");
        }
        for bad in [
            "no blank line\n— a AAAAAAA=\n",
            "t\n\nnot a signature\n",
            "t\n\n— a !!!\n",
            "t\n\n— a AAAA\n",
        ] {
            assert!(Note::parse(bad).is_err(), "{bad:?}");
        }
    }
}
