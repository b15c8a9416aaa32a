//! The audit log as the status registry's observer: every status change and list publication
//! becomes an event (identifiers, codes and digests only), and on recovery the log says which
//! of a registry's changes it holds. A log store implements [`crate::status::StatusObserver`]
//! with these (the file log in `storage`, the database log in its own crate).
//!
//! ```text
//! StatusChanged        actor_key_id = SHA-256(operator identifier)   (no key signs a change)
//!                      subject = certificate identifier
//!                      attributes = {1: status code, 2: list value, 3: index,
//!                                    4: journal sequence, 5: list URI}
//!                      object_digest = SHA-256(subject ‖ attributes ‖ u64 time)
//! StatusListPublished  actor_key_id = SHA-256(signing key's public key bytes)
//!                      subject = list URI (at most 255 bytes); object_digest = SHA-256(token)
//! ```

use crate::audit::entry::{AuditEntry, Event, EventKind};
use crate::crypto::sha256;
use crate::encoding::{Reader, Writer};
use crate::status::{LegalStatus, ObserverError, RecordedChange, StatusChange};

/// The event recording `change`.
#[must_use]
pub fn status_change_event(change: &StatusChange) -> Event {
    let mut attributes = Writer::new();
    attributes
        .map(5)
        .int(1)
        .uint(u64::from(change.status.code()))
        .int(2)
        .uint(u64::from(change.status.list_value()))
        .int(3)
        .uint(change.reference.index)
        .int(4)
        .uint(change.sequence)
        .int(5)
        .text(&change.reference.uri);
    let attributes = attributes.into_bytes();
    let mut record = change.certificate.as_bytes().to_vec();
    record.extend_from_slice(&attributes);
    record.extend_from_slice(&change.at.as_secs().to_be_bytes());
    Event {
        kind: EventKind::StatusChanged,
        actor_key_id: sha256(change.operator.as_bytes()),
        subject: change.certificate.as_bytes().to_vec(),
        object_digest: sha256(&record),
        attributes,
    }
}

/// The event recording that the list at `uri` was published as a token of SHA-256
/// `digest`, signed by the key whose public key bytes hash to `signer_key_id`.
#[must_use]
pub fn list_published_event(uri: &str, digest: [u8; 32], signer_key_id: [u8; 32]) -> Event {
    let subject = uri.as_bytes();
    Event {
        kind: EventKind::StatusListPublished,
        actor_key_id: signer_key_id,
        subject: subject[..subject.len().min(255)].to_vec(),
        object_digest: digest,
        attributes: Vec::new(),
    }
}

/// The journal sequence, list URI and status of a status-change event, if it carries them
/// (events written before sequence numbers were recorded do not).
fn change_fields(attributes: &[u8]) -> Option<(u64, &str, LegalStatus)> {
    let mut reader = Reader::new(attributes, &crate::Limits::default()).ok()?;
    let mut keys = reader.map().ok()?;
    let (mut sequence, mut uri, mut status) = (None, None, None);
    while let Some((key, _)) = keys.next_int(&mut reader).ok()? {
        match key {
            1 => status = LegalStatus::from_code(u8::try_from(reader.uint().ok()?).ok()?),
            4 => sequence = Some(reader.uint().ok()?),
            5 => uri = Some(reader.text().ok()?),
            _ => {
                reader.uint().ok()?;
            }
        }
    }
    Some((sequence?, uri?, status?))
}

/// The changes of the registry publishing under `uri_prefix` with journal sequence `from` or
/// later, newest first, read backwards from the last of `size` entries (`entry` reads one)
/// until the first older change of that registry: cost in proportion to the entries since
/// the registry's last change.
///
/// # Errors
/// Whatever `entry` returns, or an entry that does not decode.
pub fn changes_recorded_since<E>(
    size: u64,
    mut entry: impl FnMut(u64) -> Result<Vec<u8>, E>,
    uri_prefix: &str,
    from: u64,
) -> Result<Vec<RecordedChange>, ObserverError>
where
    E: Into<ObserverError>,
{
    let mut held = Vec::new();
    for index in (0..size).rev() {
        let bytes = entry(index).map_err(Into::into)?;
        let entry = AuditEntry::decode(&bytes)?;
        if entry.event.kind != EventKind::StatusChanged {
            continue;
        }
        let Some((sequence, uri, status)) = change_fields(&entry.event.attributes) else {
            continue;
        };
        if !crate::status::registry::is_list_of(uri, uri_prefix) {
            continue;
        }
        if sequence < from {
            break;
        }
        held.push(RecordedChange {
            sequence,
            certificate: String::from_utf8_lossy(&entry.event.subject).into_owned(),
            status,
        });
    }
    Ok(held)
}
