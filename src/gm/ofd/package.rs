//! Reading the ZIP container of an OFD, all entries into memory, within [`OfdLimits`].

use std::collections::BTreeMap;
use std::io::Read as _;

use super::{OfdError, OfdLimits};

/// The files of an OFD package by path (no leading `/`), exactly as stored.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfdPackage {
    files: BTreeMap<String, Vec<u8>>,
}

fn too_large(what: &'static str, limit: impl TryInto<u64>) -> OfdError {
    OfdError::TooLarge {
        what,
        limit: limit.try_into().unwrap_or(u64::MAX),
    }
}

/// A name is a plain relative path: no empty, `.` or `..` segment, no leading `/`, no
/// backslash, no NUL, no drive letter.
fn plain(name: &str) -> bool {
    !name.is_empty()
        && !name.contains(['\\', '\0', ':'])
        && name
            .trim_end_matches('/')
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
}

impl OfdPackage {
    /// Reads every entry of the package `bytes`.
    ///
    /// # Errors
    /// [`OfdError`]: not a ZIP, over a limit, an unsafe or duplicate name.
    pub fn read(bytes: &[u8], limits: &OfdLimits) -> Result<Self, OfdError> {
        if bytes.len() > limits.max_package_bytes {
            return Err(too_large("the package", limits.max_package_bytes));
        }
        let zip_error = |e: zip::result::ZipError| OfdError::Zip(e.to_string());
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(zip_error)?;
        if archive.len() > limits.max_entries {
            return Err(too_large("the number of entries", limits.max_entries));
        }
        let mut files = BTreeMap::new();
        let mut total: u64 = 0;
        for index in 0..archive.len() {
            let mut entry = archive.by_index(index).map_err(zip_error)?;
            let name = entry.name().map_err(zip_error)?.into_owned();
            if !plain(&name) {
                return Err(OfdError::UnsafeName(name));
            }
            if entry.is_dir() {
                continue;
            }
            if entry.encrypted() || entry.is_symlink() {
                return Err(OfdError::Zip(format!("{name}: encrypted or a link")));
            }
            let size = entry.size();
            if size > limits.max_entry_bytes {
                return Err(too_large("an entry", limits.max_entry_bytes));
            }
            total = total.saturating_add(size);
            if total > limits.max_total_bytes {
                return Err(too_large(
                    "the decompressed package",
                    limits.max_total_bytes,
                ));
            }
            if size > 64 << 10 && size / entry.compressed_size().max(1) > limits.max_ratio {
                return Err(too_large("an entry's compression ratio", limits.max_ratio));
            }
            // The declared size is a hard cap: a stream that inflates further is cut and
            // then refused for its CRC or length.
            let capacity = usize::try_from(size).map_err(|_| too_large("an entry", size))?;
            let mut content = Vec::with_capacity(capacity);
            entry
                .by_ref()
                .take(size.saturating_add(1))
                .read_to_end(&mut content)
                .map_err(|e| OfdError::Zip(format!("{name}: {e}")))?;
            if content.len() as u64 != size {
                return Err(OfdError::Zip(format!(
                    "{name}: size differs from the directory"
                )));
            }
            if files.insert(name.clone(), content).is_some() {
                return Err(OfdError::DuplicateName(name));
            }
        }
        if archive.has_duplicate_names() {
            return Err(OfdError::DuplicateName("(in the ZIP directory)".into()));
        }
        Ok(Self { files })
    }

    /// An empty package, to build a document in.
    #[must_use]
    pub fn new() -> Self {
        Self {
            files: BTreeMap::new(),
        }
    }

    /// Adds or replaces the file at package path `path`.
    pub fn insert(&mut self, path: impl Into<String>, bytes: Vec<u8>) {
        self.files.insert(path.into(), bytes);
    }

    /// The package as a ZIP archive: every file deflated, in path order, dated 1980-01-01
    /// (the ZIP epoch), so the same files always make the same bytes.
    ///
    /// # Errors
    /// [`OfdError::Zip`] if the archive cannot be written (a file over 4 GiB).
    pub fn to_zip(&self) -> Result<Vec<u8>, OfdError> {
        use std::io::Write as _;
        let zip_error = |e: zip::result::ZipError| OfdError::Zip(e.to_string());
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default());
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (path, bytes) in &self.files {
            out.start_file(path.as_str(), options).map_err(zip_error)?;
            out.write_all(bytes)
                .map_err(|e| OfdError::Zip(format!("{path}: {e}")))?;
        }
        Ok(out.finish().map_err(zip_error)?.into_inner())
    }

    /// The file at package path `path`, as stored.
    #[must_use]
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }

    /// The file at `path`, or [`OfdError::Missing`].
    ///
    /// # Errors
    /// [`OfdError::Missing`].
    pub fn file(&self, path: &str) -> Result<&[u8], OfdError> {
        self.get(path)
            .ok_or_else(|| OfdError::Missing(path.to_owned()))
    }

    /// Every path, in order.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_must_be_plain() {
        for good in ["OFD.xml", "Doc_0/Document.xml", "Doc_0/Res/", "a/b/c.png"] {
            assert!(plain(good), "{good}");
        }
        for bad in [
            "", "/OFD.xml", "../x", "a/../b", "a//b", "./a", "a\\b", "C:x", "a\0",
        ] {
            assert!(!plain(bad), "{bad:?}");
        }
    }

    #[test]
    fn garbage_is_not_a_package() {
        assert!(matches!(
            OfdPackage::read(b"not a zip", &OfdLimits::default()),
            Err(OfdError::Zip(_))
        ));
        let small = OfdLimits {
            max_package_bytes: 4,
            ..OfdLimits::default()
        };
        assert!(matches!(
            OfdPackage::read(b"not a zip", &small),
            Err(OfdError::TooLarge { .. })
        ));
    }
}
