//! OFD packages (GB/T 33190): the ZIP container and the signature descriptions in it
//! (`OFD.xml` → `Signatures.xml` → each `Signature.xml`), as the verifier needs them.
//!
//! ZIP through the `zip` crate and XML through `quick-xml`, both under [`OfdLimits`]: the
//! package size, the entry count, each entry's and the total decompressed size, and the
//! compression ratio are bounded before anything is inflated, and every entry is read with
//! its declared size as a hard cap. Names with `..`, a leading `/`, a backslash or a NUL,
//! and duplicate names, are refused: two entries of one name could show a verifier one file
//! and a viewer another. XML with a DOCTYPE (entity expansion) is refused.

mod document;
mod licence;
mod package;
mod sign;
mod xml;

pub use document::{OfdAttachment, OfdDocumentDraft, OfdText, make_ofd};
pub use licence::{LICENCE_ATTACHMENT, LICENCE_FORMAT, licence_draft};
pub use package::OfdPackage;
pub use sign::{OfdSignError, OfdSignatureDraft, StampPlacement, sign_ofd};
pub use xml::{
    IntegrityList, OfdReference, OfdSignature, SignatureEntry, SignatureKind, SignatureList,
    StampAnnot, signature_time, signature_time_text,
};

/// Bounds on an OFD package. Change fields on the default value, as for
/// [`crate::Limits`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfdLimits {
    /// The package's own size.
    pub max_package_bytes: usize,
    /// Entries in the ZIP directory.
    pub max_entries: usize,
    /// One entry, decompressed.
    pub max_entry_bytes: u64,
    /// All entries, decompressed.
    pub max_total_bytes: u64,
    /// Decompressed size over compressed size, for entries over 64 KiB.
    pub max_ratio: u64,
    /// Signatures in a `Signatures.xml`, references in a `Signature.xml`, stamp annotations.
    pub max_items: usize,
}

impl OfdLimits {
    /// The defaults: 64 MiB packages, 10 000 entries, 64 MiB per entry, 256 MiB in all,
    /// ratio 200, 10 000 items per list.
    pub const DEFAULT: Self = Self {
        max_package_bytes: 64 << 20,
        max_entries: 10_000,
        max_entry_bytes: 64 << 20,
        max_total_bytes: 256 << 20,
        max_ratio: 200,
        max_items: 10_000,
    };
}

impl Default for OfdLimits {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why an OFD package or one of its signature files was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OfdError {
    /// Not a ZIP archive we read (or a feature of one we do not: encryption, a method other
    /// than stored and deflate).
    #[error("not a readable OFD (ZIP) package: {0}")]
    Zip(String),
    /// A bound of [`OfdLimits`] was exceeded.
    #[error("{what} exceeds the limit of {limit}")]
    TooLarge {
        /// What was too large.
        what: &'static str,
        /// The limit.
        limit: u64,
    },
    /// An entry name that could escape the package or is ambiguous.
    #[error("entry name {0:?} is not a plain relative path")]
    UnsafeName(String),
    /// Two entries of the same name.
    #[error("the package holds two entries named {0:?}")]
    DuplicateName(String),
    /// A file the package or a reference names is not in it.
    #[error("{0} is not in the package")]
    Missing(String),
    /// An XML file is not well-formed, or not the element expected.
    #[error("{file}: {problem}")]
    Xml {
        /// The package path of the file.
        file: String,
        /// What is wrong.
        problem: String,
    },
}

/// Resolves an OFD location against the directory of the file that names it: `/a/b` is
/// from the package root, `a/b` from `base_dir`; `.` segments are dropped and `..` may not
/// climb above the root. Returns the package path (no leading `/`).
pub fn resolve(base_dir: &str, location: &str) -> Option<String> {
    let (mut parts, rest): (Vec<&str>, &str) = match location.strip_prefix('/') {
        Some(absolute) => (Vec::new(), absolute),
        None => (
            base_dir.split('/').filter(|p| !p.is_empty()).collect(),
            location,
        ),
    };
    for segment in rest.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            name if name.contains('\\') || name.contains('\0') => return None,
            name => parts.push(name),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// The directory part of a package path (`Doc_0/Signs` for `Doc_0/Signs/Signatures.xml`).
pub fn directory(path: &str) -> &str {
    path.rfind('/').map_or("", |at| &path[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_like_ofd_readers() {
        assert_eq!(
            resolve("", "Doc_0/Document.xml").as_deref(),
            Some("Doc_0/Document.xml")
        );
        assert_eq!(
            resolve("Doc_0/Signs", "/Doc_0/Signs/Sign_0/Signature.xml").as_deref(),
            Some("Doc_0/Signs/Sign_0/Signature.xml")
        );
        assert_eq!(
            resolve("Doc_0/Signs", "Sign_0/./Signature.xml").as_deref(),
            Some("Doc_0/Signs/Sign_0/Signature.xml")
        );
        assert_eq!(resolve("Doc_0", "../OFD.xml").as_deref(), Some("OFD.xml"));
        assert_eq!(resolve("Doc_0", "../../OFD.xml"), None);
        assert_eq!(resolve("", "a\\b"), None);
        assert_eq!(resolve("", "/"), None);
        assert_eq!(directory("Doc_0/Signs/Signatures.xml"), "Doc_0/Signs");
        assert_eq!(directory("OFD.xml"), "");
    }
}
