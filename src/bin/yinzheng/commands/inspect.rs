//! `yinzheng inspect FILE`: what an object is and what it says, without trust and without
//! checking any signature — for an operator looking at a file, never for a decision.
//!
//! Every object is decoded by the library's own strict decoders (the same bounds, the same
//! refusals as verification); this module only lays the result out, as an ordered tree that
//! prints as indented text or as JSON.

use std::path::Path;
use std::process::ExitCode;

use yinzheng::Limits;
use yinzheng::audit::note::{Checkpoint, Note};
use yinzheng::audit::{AuditEntry, ConsistencyBundle, InclusionBundle};
use yinzheng::crypto::Algorithm;
use yinzheng::encoding::cose::CoseSign1;
use yinzheng::encoding::qr;
use yinzheng::model::bundle::{TRUST_BUNDLE_TYP, TrustBundle};
use yinzheng::model::certificate::{CERTIFICATE_TYP, Certificate, DeviceKey, StatusReference};
use yinzheng::model::presentation::{PRESENTATION_TYP, PresentationClaims};
use yinzheng::model::seal::{SEAL_TYP, STAMP_TYP, Seal, StampClaims};
use yinzheng::status::StatusListToken;
use yinzheng::status::list::{STATUS_LIST_TYP, STATUS_LIST_TYP_SHORT};
use yinzheng::trust::Roles;

use crate::files::{self, Result, hex_encode};

/// What is printed: text, or labelled children in order, or a list.
enum Node {
    Text(String),
    Map(Vec<(String, Self)>),
    List(Vec<Self>),
}

/// Children in order, built a line at a time.
#[derive(Default)]
struct Fields(Vec<(String, Node)>);

impl Fields {
    fn text(mut self, label: &str, value: impl ToString) -> Self {
        self.0
            .push((label.to_owned(), Node::Text(value.to_string())));
        self
    }
    fn maybe(self, label: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(value) => self.text(label, value),
            None => self,
        }
    }
    fn node(mut self, label: &str, node: Node) -> Self {
        self.0.push((label.to_owned(), node));
        self
    }
    fn done(self) -> Node {
        Node::Map(self.0)
    }
}

/// `inspect FILE`.
pub(crate) fn run(path: &Path, json: bool) -> Result<ExitCode> {
    let bytes = files::read(path)?;
    let node =
        describe(&bytes, &Limits::default()).map_err(|e| format!("{}: {e}", path.display()))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&to_json(&node))?);
    } else {
        print!("{}", to_text(&node, 0));
    }
    Ok(ExitCode::SUCCESS)
}

/// The object in `bytes`, whichever it is.
fn describe(bytes: &[u8], limits: &Limits) -> Result<Node> {
    if let Ok(text) = core::str::from_utf8(bytes) {
        let line = text.trim();
        if line.starts_with("YZ1:") || line.starts_with("YZ2:") {
            let object = qr::from_qr_text(line, limits).map_err(|e| format!("QR text: {e}"))?;
            return Ok(Fields::default()
                .text("carried as", "QR text")
                .node("object", describe_cose(&object, limits)?)
                .done());
        }
        if text.starts_with("c2sp.org/tlog-proof@v1\n") {
            return inclusion_bundle(text);
        }
        if text.starts_with("old ") {
            return consistency_bundle(text);
        }
        if text.contains("\n\n\u{2014} ") {
            return checkpoint(text);
        }
    }
    if bytes.first() == Some(&0xD2) {
        return describe_cose(bytes, limits);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(
            "a ZIP file: if it is an OFD document, check its signatures with \
                    `yinzheng verify ofd`"
                .into(),
        );
    }
    #[cfg(feature = "gm")]
    if bytes.first() == Some(&0x30) {
        return national::describe(bytes, limits);
    }
    Err(
        "not an object yinzheng knows: a certificate, presentation, seal, stamp, status list \
         or trust bundle (COSE, or its YZ QR text), a GB/T 38540 seal or stamp (DER, with \
         feature gm), a checkpoint, or a tlog-proof or consistency bundle"
            .into(),
    )
}

/// A `COSE_Sign1`: its header, then its payload by its `typ`.
fn describe_cose(bytes: &[u8], limits: &Limits) -> Result<Node> {
    let cose = CoseSign1::decode(bytes, limits).map_err(|e| format!("COSE_Sign1: {e}"))?;
    let typ = cose.protected.typ;
    let algorithm = Algorithm::from_cose(cose.protected.alg).map_or_else(
        || format!("COSE algorithm {}", cose.protected.alg),
        |a| a.to_string(),
    );
    let kid = cose.protected.kid.or(cose.unprotected_kid);
    let header = Fields::default()
        .text("type", typ)
        .text(
            "signature",
            format!("{algorithm} (not checked: use `yinzheng verify`)"),
        )
        .maybe("key id", kid.map(hex_encode));
    let header = match cose.protected.seal.as_ref() {
        Some(seal) => header.text("under seal", seal.id),
        None => header,
    };
    let body = match typ {
        CERTIFICATE_TYP => certificate(&cose, limits)?,
        PRESENTATION_TYP => {
            let claims = PresentationClaims::decode(cose.payload, limits)
                .map_err(|e| format!("presentation: {e}"))?;
            Fields::default()
                .text("issued at", claims.issued_at)
                .text("expires at", claims.expires_at)
                .maybe("nonce", claims.nonce.map(hex_encode))
                .maybe("audience", claims.audience)
                .maybe("purpose", claims.purpose)
                .node("certificate", describe_cose(claims.certificate, limits)?)
        }
        SEAL_TYP => seal(cose.payload, limits)?,
        STAMP_TYP => {
            let claims =
                StampClaims::decode(cose.payload, limits).map_err(|e| format!("stamp: {e}"))?;
            Fields::default()
                .text("signed at", claims.signed_at)
                .text("document digest", hex_encode(claims.digest))
                .text("digest algorithm", claims.digest_alg)
                .text("property", claims.property)
                .text("signer key", hex_encode(claims.signer_key))
                .node("seal", describe_cose(claims.seal, limits)?)
        }
        STATUS_LIST_TYP | STATUS_LIST_TYP_SHORT => status_list(cose.payload, limits)?,
        TRUST_BUNDLE_TYP => trust_bundle(cose.payload, limits)?,
        other => return Err(format!("COSE_Sign1 of unknown type {other:?}").into()),
    };
    let mut all = header.0;
    all.extend(body.0);
    Ok(Node::Map(all))
}

fn certificate(cose: &CoseSign1<'_>, limits: &Limits) -> Result<Fields> {
    let (certificate, warnings) = Certificate::decode_claims(cose.payload, limits)
        .map_err(|e| format!("certificate: {e}"))?;
    let face = certificate
        .labelled_metadata()
        .into_iter()
        .map(|(label, value)| (label.to_owned(), Node::Text(value)))
        .chain(
            certificate
                .fields
                .iter()
                .map(|field| (field.name.clone(), Node::Text(field.value.to_string()))),
        )
        .collect();
    let device_key = certificate.holder_key.as_ref().map(|key| match key {
        DeviceKey::Ed25519(_) => format!("Ed25519 {}", hex_encode(&key.key_bytes())),
        _ => format!("P-256 {}", hex_encode(&key.key_bytes())),
    });
    let fields = Fields::default()
        .node("face", Node::Map(face))
        .text("signed at", certificate.signed_at)
        .maybe("status", certificate.status.as_ref().map(status_reference))
        .maybe("device key", device_key);
    let fields = if certificate.digests.is_empty() {
        fields
    } else {
        fields.text(
            "selective disclosure",
            format!(
                "{} digests signed (decoys included), {} items carried",
                certificate.digests.len(),
                cose.disclosures.len()
            ),
        )
    };
    let fields = match &certificate.seal {
        Some(seal) => fields.node(
            "seal",
            Fields::default()
                .text("id", &seal.id)
                .text("digest", hex_encode(&seal.digest))
                .text("signer key", hex_encode(&seal.signer_key))
                .done(),
        ),
        None => fields,
    };
    Ok(with_warnings(fields, warnings.iter()))
}

fn seal(payload: &[u8], limits: &Limits) -> Result<Fields> {
    let seal = Seal::decode(payload, limits).map_err(|e| format!("seal: {e}"))?;
    let keys = seal
        .authorised_keys
        .iter()
        .map(|key| Node::Text(hex_encode(key)))
        .collect();
    Ok(Fields::default()
        .text("id", &seal.id)
        .text(
            "kind",
            format!("{:02} {}", seal.kind.code(), seal.kind.label()),
        )
        .text("name", &seal.name)
        .text(
            "owner",
            format!("{} ({})", seal.owner.name, seal.owner.code),
        )
        .text("made", seal.created)
        .text(
            "valid",
            format!("{} to {}", seal.valid_from, seal.valid_until),
        )
        .text(
            "picture",
            format!(
                "{}, {} bytes, {}×{} mm",
                seal.picture.format,
                seal.picture.data.len(),
                seal.picture.width_mm,
                seal.picture.height_mm
            ),
        )
        .node("authorised signing keys (SHA-256)", Node::List(keys))
        .maybe("status", seal.status.as_ref().map(status_reference)))
}

fn status_list(payload: &[u8], limits: &Limits) -> Result<Fields> {
    let token =
        StatusListToken::decode_claims(payload, limits).map_err(|e| format!("status list: {e}"))?;
    // How many entries hold each value: one pass over a list the decoder already bounded.
    let mut counts = [0_u64; 256];
    for index in 0..token.list.len() {
        let value = token
            .list
            .get(index)
            .map_err(|e| format!("status list: {e}"))?;
        if let Some(count) = counts.get_mut(usize::from(value)) {
            *count += 1;
        }
    }
    let counts = counts
        .iter()
        .enumerate()
        .filter(|(_, count)| **count > 0)
        .map(|(value, count)| {
            let name = match value {
                0 => "valid",
                1 => "invalid (revoked)",
                2 => "suspended",
                _ => "application-specific",
            };
            (
                format!("{value:#04x} {name}"),
                Node::Text(count.to_string()),
            )
        })
        .collect();
    Ok(Fields::default()
        .text("uri", &token.uri)
        .text("issued at", token.issued_at)
        .maybe("expires at", token.expires_at)
        .maybe("ttl (seconds)", token.ttl)
        .text(
            "entries",
            format!("{} of {} bits", token.list.len(), token.list.bits()),
        )
        .node("entries by value", Node::Map(counts)))
}

fn trust_bundle(payload: &[u8], limits: &Limits) -> Result<Fields> {
    let bundle = TrustBundle::decode(payload, limits).map_err(|e| format!("trust bundle: {e}"))?;
    let roles =
        |bits: u64| Roles::from_bits(bits).map_or_else(|| format!("{bits:#x}"), |r| r.to_string());
    let algorithm = |alg: i64| {
        Algorithm::from_cose(alg).map_or_else(|| format!("COSE algorithm {alg}"), |a| a.to_string())
    };
    let issuers = bundle
        .issuer_keys
        .iter()
        .map(|key| {
            Fields::default()
                .text("name", &key.name)
                .text("agency", &key.agency)
                .text(
                    "key",
                    format!("{} {}", algorithm(key.alg), hex_encode(&key.key)),
                )
                .text("roles", roles(key.roles))
                .done()
        })
        .collect();
    let makers = bundle
        .seal_makers
        .iter()
        .map(|maker| {
            Fields::default()
                .text("name", &maker.name)
                .text(
                    "key",
                    format!("{} {}", algorithm(maker.alg), hex_encode(&maker.bytes)),
                )
                .text("roles", roles(maker.roles))
                .done()
        })
        .collect();
    let nested = |objects: &[Vec<u8>]| -> Result<Node> {
        Ok(Node::List(
            objects
                .iter()
                .map(|object| describe_cose(object, limits))
                .collect::<Result<_>>()?,
        ))
    };
    let revoked = bundle
        .revoked_keys
        .iter()
        .map(|key| {
            Node::Text(match key.since {
                Some(since) => format!("{} since {since}", hex_encode(&key.digest)),
                None => hex_encode(&key.digest),
            })
        })
        .collect();
    Ok(Fields::default()
        .text("publisher", &bundle.publisher)
        .text("issued at", bundle.issued_at)
        .text("expires at", bundle.expires_at)
        .node("issuer keys", Node::List(issuers))
        .node("seal makers", Node::List(makers))
        .node("seals", nested(&bundle.seals)?)
        .node("status lists", nested(&bundle.status_lists)?)
        .node("revoked keys", Node::List(revoked)))
}

fn checkpoint(text: &str) -> Result<Node> {
    let note = Note::parse(text).map_err(|e| format!("signed note: {e}"))?;
    let checkpoint = Checkpoint::parse(note.text()).map_err(|e| format!("checkpoint: {e}"))?;
    let signatures = note
        .signatures()
        .iter()
        .map(|s| Node::Text(format!("{} (key id {})", s.name, hex_encode(&s.key_id))))
        .collect();
    let extensions = checkpoint
        .extensions
        .iter()
        .map(|e| Node::Text(e.clone()))
        .collect();
    Ok(Fields::default()
        .text("type", "checkpoint (C2SP signed note)")
        .text("origin", &checkpoint.origin)
        .text("size", checkpoint.size)
        .text("root", hex_encode(&checkpoint.root))
        .node("extensions", Node::List(extensions))
        .node(
            "signatures (not checked: use `yinzheng log check-checkpoint`)",
            Node::List(signatures),
        )
        .done())
}

fn inclusion_bundle(text: &str) -> Result<Node> {
    let bundle = InclusionBundle::parse(text).map_err(|e| format!("tlog-proof bundle: {e}"))?;
    let entry = AuditEntry::decode(&bundle.entry).map_err(|e| format!("audit entry: {e}"))?;
    let event = &entry.event;
    let subject = core::str::from_utf8(&event.subject)
        .map_or_else(|_| hex_encode(&event.subject), str::to_owned);
    Ok(Fields::default()
        .text(
            "type",
            "tlog-proof inclusion bundle (not checked: use `yinzheng log check-proof`)",
        )
        .text("index", bundle.index)
        .text("proof hashes", bundle.proof.len())
        .node(
            "entry",
            Fields::default()
                .text("event", event.kind.name())
                .text("subject", subject)
                .text("object digest", hex_encode(&event.object_digest))
                .text("actor key id", hex_encode(&event.actor_key_id))
                .text("log time (ms)", entry.log_time_ms)
                .done(),
        )
        .node("checkpoint", checkpoint(&bundle.checkpoint_note)?)
        .done())
}

fn consistency_bundle(text: &str) -> Result<Node> {
    let bundle = ConsistencyBundle::parse(text).map_err(|e| format!("consistency bundle: {e}"))?;
    Ok(Fields::default()
        .text(
            "type",
            "consistency bundle (not checked: use `yinzheng log check-consistency`)",
        )
        .text("old size", bundle.old_size)
        .text("proof hashes", bundle.proof.len())
        .node("checkpoint", checkpoint(&bundle.checkpoint_note)?)
        .done())
}

fn status_reference(status: &StatusReference) -> String {
    format!("{} index {}", status.uri, status.index)
}

fn with_warnings<W: ToString>(fields: Fields, warnings: impl Iterator<Item = W>) -> Fields {
    let warnings: Vec<Node> = warnings.map(|w| Node::Text(w.to_string())).collect();
    if warnings.is_empty() {
        fields
    } else {
        fields.node("warnings", Node::List(warnings))
    }
}

/// Indented text: `label: value`, children two spaces further in.
fn to_text(node: &Node, depth: usize) -> String {
    let indent = "  ".repeat(depth);
    let mut out = String::new();
    match node {
        Node::Text(text) => out.push_str(&format!("{indent}{text}\n")),
        Node::Map(children) => {
            for (label, child) in children {
                match child {
                    Node::Text(text) => out.push_str(&format!("{indent}{label}: {text}\n")),
                    Node::List(items) if items.is_empty() => {
                        out.push_str(&format!("{indent}{label}: none\n"));
                    }
                    _ => {
                        out.push_str(&format!("{indent}{label}:\n"));
                        out.push_str(&to_text(child, depth + 1));
                    }
                }
            }
        }
        Node::List(items) => {
            for (i, item) in items.iter().enumerate() {
                match item {
                    Node::Text(text) => out.push_str(&format!("{indent}- {text}\n")),
                    _ => {
                        out.push_str(&format!("{indent}[{}]\n", i + 1));
                        out.push_str(&to_text(item, depth + 1));
                    }
                }
            }
        }
    }
    out
}

fn to_json(node: &Node) -> serde_json::Value {
    match node {
        Node::Text(text) => serde_json::Value::String(text.clone()),
        Node::Map(children) => serde_json::Value::Object(
            children
                .iter()
                .map(|(label, child)| (label.clone(), to_json(child)))
                .collect(),
        ),
        Node::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
    }
}

/// GB/T 38540 seals and stamps (feature gm).
#[cfg(feature = "gm")]
mod national {
    use yinzheng::Limits;
    use yinzheng::gm::{NationalSeal, NationalStamp, SealVersion, SignerList};

    use super::{Fields, Node, with_warnings};
    use crate::files::{Result, hex_encode};

    pub(super) fn describe(bytes: &[u8], limits: &Limits) -> Result<Node> {
        if let Ok(seal) = NationalSeal::decode(bytes, limits) {
            return Ok(seal_fields(&seal).done());
        }
        let stamp = NationalStamp::decode(bytes, limits).map_err(|e| {
            format!("neither a GB/T 38540 seal (SES_Seal) nor a stamp (SES_Signature): {e}")
        })?;
        Ok(Fields::default()
            .text(
                "type",
                format!("GB/T 38540 stamp (SES_Signature version {})", stamp.version),
            )
            .text(
                "signature",
                "not checked: use `yinzheng verify seal` or `verify ofd`",
            )
            .text("signed at", stamp.signed_at)
            .text("document digest", hex_encode(&stamp.data_hash))
            .text("property", &stamp.property_info)
            .text(
                "signer certificate",
                format!("{} bytes DER", stamp.signer_certificate.len()),
            )
            .node("seal", seal_fields(&stamp.seal).done())
            .done())
    }

    fn seal_fields(seal: &NationalSeal) -> Fields {
        let info = &seal.info;
        let signers = match &info.property.signers {
            SignerList::Certificates(certificates) => {
                format!("{} certificates", certificates.len())
            }
            SignerList::Digests(digests) => format!("{} certificate digests", digests.len()),
        };
        let version = match seal.version {
            SealVersion::V1 => "GM/T 0031-2014, version 1",
            SealVersion::V4 => "GB/T 38540-2020, version 4",
            _ => "GM/T 0031-2025, version 5",
        };
        let fields = Fields::default()
            .text("type", format!("GB/T 38540 seal (SES_Seal, {version})"))
            .text("signature", "not checked: use `yinzheng verify seal`")
            .text("id", &info.es_id)
            .text("name", &info.property.name)
            .text("seal type", info.property.seal_type)
            .text("vendor", &info.vendor)
            .text("made", info.property.created)
            .text(
                "valid",
                format!(
                    "{} to {}",
                    info.property.valid_from, info.property.valid_until
                ),
            )
            .text(
                "picture",
                format!(
                    "{}, {} bytes, {}×{} mm",
                    info.picture.kind,
                    info.picture.data.len(),
                    info.picture.width_mm,
                    info.picture.height_mm
                ),
            )
            .text("signers", signers);
        with_warnings(fields, seal.deviations.iter().map(|d| d.describe()))
    }
}
