//! The registry journal's records: one binary record per operation (docs/FORMAT.md).

use crate::status::legal::LegalStatus;
use crate::time::UnixTime;

/// One journalled operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Record {
    NewList {
        uri: String,
        size: u64,
    },
    Allocate {
        list: u32,
        index: u64,
        certificate: String,
    },
    Change {
        status: LegalStatus,
        at: UnixTime,
        operator: String,
        certificate: String,
    },
}

impl Record {
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut out = Vec::new();
        let text = |out: &mut Vec<u8>, s: &str| {
            out.extend_from_slice(&u16::try_from(s.len()).unwrap_or(0).to_be_bytes());
            out.extend_from_slice(s.as_bytes());
        };
        match self {
            Self::NewList { uri, size } => {
                out.push(1);
                out.extend_from_slice(&size.to_be_bytes());
                text(&mut out, uri);
            }
            Self::Allocate {
                list,
                index,
                certificate,
            } => {
                out.push(2);
                out.extend_from_slice(&list.to_be_bytes());
                out.extend_from_slice(&index.to_be_bytes());
                text(&mut out, certificate);
            }
            Self::Change {
                status,
                at,
                operator,
                certificate,
            } => {
                out.push(3);
                out.push(status.code());
                out.extend_from_slice(&at.as_secs().to_be_bytes());
                text(&mut out, operator);
                text(&mut out, certificate);
            }
        }
        out
    }

    pub(crate) fn decode(bytes: &[u8]) -> Option<Self> {
        let mut c = Cursor { bytes, pos: 1 };
        let record = match bytes.first()? {
            1 => {
                let size = c.u64()?;
                Self::NewList {
                    size,
                    uri: c.text()?,
                }
            }
            2 => {
                let list = u32::from_be_bytes(c.take(4)?.try_into().ok()?);
                let index = c.u64()?;
                Self::Allocate {
                    list,
                    index,
                    certificate: c.text()?,
                }
            }
            3 => {
                let status = LegalStatus::from_code(*c.take(1)?.first()?)?;
                let at = UnixTime::from_secs(c.u64()?);
                let operator = c.text()?;
                Self::Change {
                    status,
                    at,
                    operator,
                    certificate: c.text()?,
                }
            }
            _ => return None,
        };
        (c.pos == bytes.len()).then_some(record)
    }
}

/// Reads a record's fields in order.
struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.bytes.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }

    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_be_bytes(self.take(8)?.try_into().ok()?))
    }

    fn text(&mut self) -> Option<String> {
        let len = self.take(2)?;
        let len = usize::from(u16::from_be_bytes([len[0], len[1]]));
        String::from_utf8(self.take(len)?.to_vec()).ok()
    }
}
