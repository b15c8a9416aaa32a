//! [`Limits`]: the bounds on work and memory that untrusted input may cause.

/// Upper bounds applied to every decode and verification of untrusted bytes.
///
/// Exceeding any of them is a typed error, never a panic or an unbounded allocation. The
/// defaults are conservative for certificates that carry a photo; tighten them for QR-only
/// verifiers. Change fields on a default value:
///
/// ```
/// let mut limits = yinzheng::Limits::default();
/// limits.max_input_bytes = 8 * 1024;
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest encoded object accepted, in bytes (after base45 / zlib decoding).
    pub max_input_bytes: usize,
    /// Deepest nesting of arrays and maps inside a field value.
    pub max_depth: usize,
    /// Most entries in one CBOR array or map.
    pub max_collection_len: usize,
    /// Most face fields (plain plus disclosed) in one certificate.
    pub max_fields: usize,
    /// Most selective-disclosure digests (including decoys) in one certificate.
    pub max_digests: usize,
    /// Most trusted keys tried for one key id before giving up.
    pub max_key_candidates: usize,
    /// Largest decompressed status list, in bytes (zip-bomb bound; 1 MiB holds 4 M entries
    /// at 2 bits).
    pub max_status_list_bytes: usize,
    /// Most certificates in an X.509 chain (`x5chain`), the root included if sent.
    pub max_chain_len: usize,
}

impl Limits {
    /// The default limits, usable in `const` contexts.
    pub const DEFAULT: Self = Self {
        max_input_bytes: 256 * 1024,
        max_depth: 8,
        max_collection_len: 1024,
        max_fields: 256,
        max_digests: 512,
        max_key_candidates: 4,
        max_status_list_bytes: 1 << 20,
        max_chain_len: 5,
    };
}

impl Default for Limits {
    fn default() -> Self {
        Self::DEFAULT
    }
}
