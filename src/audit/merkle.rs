//! RFC 9162 §2.1 Merkle tree math: leaf and node hashes, tree heads, inclusion and consistency
//! proofs. Pure functions over a [`MemoryTree`] of complete-subtree hashes; no I/O.

use crate::crypto::sha256;

/// A SHA-256 tree hash.
pub type Hash = [u8; 32];

/// The longest proof accepted: trees never exceed 2^63 leaves, and proofs are at most
/// ⌈log₂ n⌉ + 1 hashes long.
pub const MAX_PROOF_LEN: usize = 64;

/// Why a proof was refused, or could not be built.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ProofError {
    /// The index is not below the tree size.
    #[error("index {index} is not in a tree of size {size}")]
    IndexOutOfRange {
        /// The index asked for.
        index: u64,
        /// The tree size.
        size: u64,
    },
    /// The old size is larger than the new one (or a size beyond the stored tree).
    #[error("tree size {old} cannot precede {new}")]
    SizeOutOfRange {
        /// The earlier size.
        old: u64,
        /// The later size.
        new: u64,
    },
    /// The proof has the wrong number of hashes for these sizes.
    #[error("proof has {got} hashes, expected {expected}")]
    WrongProofLength {
        /// Hashes received.
        got: usize,
        /// Hashes the sizes require.
        expected: usize,
    },
    /// The proof does not lead to the expected root (or roots).
    #[error("proof does not match the tree head")]
    RootMismatch,
    /// Two heads of the same size with different roots.
    #[error("equal tree sizes with different roots")]
    EqualSizesDiffer,
    /// A consistency proof from the empty tree, which proves nothing (every tree extends it).
    #[error("a consistency proof from the empty tree proves nothing")]
    FromEmptyTree,
    /// `[start, end)` is not a subtree any tree has (see [`crate::audit::subtree`]).
    #[error("leaves {start}..{end} are not a subtree")]
    InvalidSubtree {
        /// The first leaf.
        start: u64,
        /// One past the last leaf.
        end: u64,
    },
}

/// `SHA-256(0x00 ‖ entry)`.
#[must_use]
pub fn leaf_hash(entry: &[u8]) -> Hash {
    use sha2::Digest as _;
    sha2::Sha256::new()
        .chain_update([0u8])
        .chain_update(entry)
        .finalize()
        .into()
}

/// `SHA-256(0x01 ‖ left ‖ right)`.
#[must_use]
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    let mut data = [0u8; 65];
    data[0] = 1;
    data[1..33].copy_from_slice(left);
    data[33..].copy_from_slice(right);
    sha256(&data)
}

/// The hash of the empty tree, `SHA-256("")`.
#[must_use]
pub fn empty_root() -> Hash {
    sha256(&[])
}

/// Largest power of two strictly below `n` (n ≥ 2).
pub(crate) fn split_point(n: u64) -> u64 {
    1 << (63 - (n - 1).leading_zeros())
}

/// A source of complete-subtree hashes — the tree in memory, or the hashes a log stores in a
/// file — over which tree heads and proofs are computed.
pub trait Subtrees {
    /// What reading a hash can fail with ([`ProofError`] alone for a tree in memory).
    type Error: From<ProofError>;

    /// Number of leaves.
    fn size(&self) -> u64;

    /// The hash of the complete subtree over leaves `index·2^level .. (index+1)·2^level`,
    /// which lies inside the tree.
    ///
    /// # Errors
    /// When the hash cannot be read.
    fn node(&self, level: u32, index: u64) -> Result<Hash, Self::Error>;
}

/// `MTH(D[start : start + len])`; the range must lie inside the tree.
pub(crate) fn range_hash<T: Subtrees + ?Sized>(
    tree: &T,
    start: u64,
    len: u64,
) -> Result<Hash, T::Error> {
    if len.is_power_of_two() && start.is_multiple_of(len) {
        let level = len.trailing_zeros();
        return tree.node(level, start >> level);
    }
    let k = split_point(len);
    Ok(node_hash(
        &range_hash(tree, start, k)?,
        &range_hash(tree, start + k, len - k)?,
    ))
}

/// Refuses a `size` beyond the tree's.
pub(crate) fn within<T: Subtrees + ?Sized>(tree: &T, size: u64) -> Result<(), ProofError> {
    if size > tree.size() {
        return Err(ProofError::SizeOutOfRange {
            old: size,
            new: tree.size(),
        });
    }
    Ok(())
}

/// The tree head (root hash) at `size`, for any size up to the tree's.
///
/// # Errors
/// [`ProofError::SizeOutOfRange`] beyond the tree's size, or a failed read.
pub fn root_at<T: Subtrees + ?Sized>(tree: &T, size: u64) -> Result<Hash, T::Error> {
    within(tree, size)?;
    if size == 0 {
        Ok(empty_root())
    } else {
        range_hash(tree, 0, size)
    }
}

/// The inclusion proof of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1).
///
/// # Errors
/// [`ProofError`] if `index ≥ size` or `size` exceeds the tree, or a failed read.
pub fn inclusion_proof_in<T: Subtrees + ?Sized>(
    tree: &T,
    index: u64,
    size: u64,
) -> Result<Vec<Hash>, T::Error> {
    within(tree, size)?;
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size }.into());
    }
    let mut proof = Vec::new();
    path(tree, index, 0, size, &mut proof)?;
    Ok(proof)
}

fn path<T: Subtrees + ?Sized>(
    tree: &T,
    m: u64,
    start: u64,
    n: u64,
    proof: &mut Vec<Hash>,
) -> Result<(), T::Error> {
    if n <= 1 {
        return Ok(());
    }
    let k = split_point(n);
    if m < k {
        path(tree, m, start, k, proof)?;
        proof.push(range_hash(tree, start + k, n - k)?);
    } else {
        path(tree, m - k, start + k, n - k, proof)?;
        proof.push(range_hash(tree, start, k)?);
    }
    Ok(())
}

/// The consistency proof between sizes `old` and `new` (RFC 9162 §2.1.4.1); empty when
/// `old` is 0 or equals `new`.
///
/// # Errors
/// [`ProofError::SizeOutOfRange`] if `old > new` or `new` exceeds the tree, or a failed read.
pub fn consistency_proof_in<T: Subtrees + ?Sized>(
    tree: &T,
    old: u64,
    new: u64,
) -> Result<Vec<Hash>, T::Error> {
    if old > new || new > tree.size() {
        return Err(ProofError::SizeOutOfRange { old, new }.into());
    }
    let mut proof = Vec::new();
    if old > 0 && old < new {
        subproof(tree, old, 0, new, true, &mut proof)?;
    }
    Ok(proof)
}

fn subproof<T: Subtrees + ?Sized>(
    tree: &T,
    m: u64,
    start: u64,
    n: u64,
    whole: bool,
    proof: &mut Vec<Hash>,
) -> Result<(), T::Error> {
    if m == n {
        if !whole {
            proof.push(range_hash(tree, start, n)?);
        }
        return Ok(());
    }
    let k = split_point(n);
    if m <= k {
        subproof(tree, m, start, k, whole, proof)?;
        proof.push(range_hash(tree, start + k, n - k)?);
    } else {
        subproof(tree, m - k, start + k, n - k, false, proof)?;
        proof.push(range_hash(tree, start, k)?);
    }
    Ok(())
}

/// Every complete subtree's hash, level by level: `levels[l][i]` covers leaves
/// `i·2^l .. (i+1)·2^l`. About two hashes (64 bytes) per leaf; appending costs one leaf hash
/// and on average one node hash.
#[derive(Clone, Debug, Default)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    /// An empty tree.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |l| l.len() as u64)
    }

    /// Appends a leaf hash.
    pub fn push(&mut self, leaf: Hash) {
        let mut hash = leaf;
        let mut level = 0;
        loop {
            if self.levels.len() == level {
                self.levels.push(Vec::new());
            }
            self.levels[level].push(hash);
            let len = self.levels[level].len();
            if len % 2 == 1 {
                break;
            }
            hash = node_hash(&self.levels[level][len - 2], &self.levels[level][len - 1]);
            level += 1;
        }
    }

    /// Removes leaves beyond `size` (no effect if already smaller).
    pub fn truncate(&mut self, size: u64) {
        for (level, hashes) in self.levels.iter_mut().enumerate() {
            hashes.truncate(usize::try_from(size >> level).unwrap_or(usize::MAX));
        }
    }

    /// The leaf hash at `index`.
    #[must_use]
    pub fn leaf(&self, index: u64) -> Option<Hash> {
        self.levels
            .first()?
            .get(usize::try_from(index).ok()?)
            .copied()
    }

    /// The tree head (root hash) at `size`, for any size up to the current one.
    ///
    /// # Errors
    /// [`ProofError::SizeOutOfRange`] beyond the current size.
    pub fn root(&self, size: u64) -> Result<Hash, ProofError> {
        root_at(self, size)
    }

    /// The inclusion proof of leaf `index` in the tree of `size` (RFC 9162 §2.1.3.1).
    ///
    /// # Errors
    /// [`ProofError`] if `index ≥ size` or `size` exceeds the tree.
    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        inclusion_proof_in(self, index, size)
    }

    /// The consistency proof between sizes `old` and `new` (RFC 9162 §2.1.4.1); empty when
    /// `old` is 0 or equals `new`.
    ///
    /// # Errors
    /// [`ProofError::SizeOutOfRange`] if `old > new` or `new` exceeds the tree.
    pub fn consistency_proof(&self, old: u64, new: u64) -> Result<Vec<Hash>, ProofError> {
        consistency_proof_in(self, old, new)
    }
}

impl Subtrees for MemoryTree {
    type Error = ProofError;

    fn size(&self) -> u64 {
        Self::size(self)
    }

    fn node(&self, level: u32, index: u64) -> Result<Hash, ProofError> {
        self.levels
            .get(level as usize)
            .and_then(|l| l.get(usize::try_from(index).ok()?))
            .copied()
            .ok_or(ProofError::IndexOutOfRange {
                index: index << level,
                size: self.size(),
            })
    }
}

/// The right edge of a tree: the heads of its largest complete subtrees, one per set bit of
/// the size, largest first. Enough to append leaves and compute the new head without the
/// rest of the tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompactRange {
    size: u64,
    nodes: Vec<Hash>,
}

impl CompactRange {
    /// The range of a tree of `size` from its subtree heads (largest first); `None` unless
    /// there is one head per set bit of `size`.
    #[must_use]
    pub fn from_nodes(size: u64, nodes: Vec<Hash>) -> Option<Self> {
        (nodes.len() == size.count_ones() as usize).then_some(Self { size, nodes })
    }

    /// The `(level, index)` of each subtree head of a tree of `size`, largest first.
    pub fn positions(size: u64) -> impl Iterator<Item = (u32, u64)> {
        (0..64u32)
            .rev()
            .filter(move |&level| size >> level & 1 == 1)
            .map(move |level| (level, size.checked_shr(level + 1).unwrap_or(0) << 1))
    }

    /// Number of leaves.
    #[must_use]
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The subtree heads, largest first (what [`Self::from_nodes`] takes back).
    #[must_use]
    pub fn nodes(&self) -> &[Hash] {
        &self.nodes
    }

    /// Appends a leaf, pushing onto `completed` the hashes it completes in the order a log
    /// stores them: the leaf, then each parent it finishes, lowest first.
    pub fn push(&mut self, leaf: Hash, completed: &mut Vec<Hash>) {
        completed.push(leaf);
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let Some(left) = self.nodes.pop() else { break };
            hash = node_hash(&left, &hash);
            completed.push(hash);
            size >>= 1;
        }
        self.nodes.push(hash);
        self.size += 1;
    }

    /// The tree head.
    #[must_use]
    pub fn root(&self) -> Hash {
        let mut heads = self.nodes.iter().rev();
        match heads.next() {
            None => empty_root(),
            Some(last) => heads.fold(*last, |right, left| node_hash(left, &right)),
        }
    }
}

/// Position of the subtree hash `(level, index)` in a log's stored hashes, which hold each
/// leaf followed by the parents it completes (the layout of Go's `tlog.StoredHashIndex`).
#[must_use]
pub fn stored_hash_index(level: u32, index: u64) -> u64 {
    // Saturates rather than overflows for positions no log can reach (a hostile mark).
    let last_leaf = index
        .checked_add(1)
        .and_then(|n| n.checked_mul(1u64.checked_shl(level)?))
        .map_or(u64::MAX / 2, |n| n - 1);
    stored_hash_count(last_leaf).saturating_add(u64::from(level))
}

/// How many hashes a log of `size` leaves stores: `2·size − popcount(size)`.
#[must_use]
pub fn stored_hash_count(size: u64) -> u64 {
    size.saturating_mul(2) - u64::from(size.count_ones())
}

/// Verifies that `leaf` is at `index` in the tree of `size` with head `root`
/// (RFC 9162 §2.1.3.2).
///
/// # Errors
/// [`ProofError`] describing the mismatch.
pub fn verify_inclusion(
    leaf: &Hash,
    index: u64,
    size: u64,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexOutOfRange { index, size });
    }
    let expected = inclusion_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            expected,
        });
    }
    let (mut fnode, mut snode) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if snode == 0 {
            return Err(ProofError::RootMismatch);
        }
        if fnode % 2 == 1 || fnode == snode {
            r = node_hash(p, &r);
            if fnode % 2 == 0 {
                while fnode % 2 == 0 && fnode != 0 {
                    fnode >>= 1;
                    snode >>= 1;
                }
            }
        } else {
            r = node_hash(&r, p);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode == 0 && r == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// Length of the inclusion proof for `index` in a tree of `size`: the recursion of
/// [`MemoryTree::inclusion_proof`] on sizes alone.
fn inclusion_len(mut index: u64, mut size: u64) -> usize {
    let mut len = 0;
    while size > 1 {
        let k = split_point(size);
        if index < k {
            size = k;
        } else {
            index -= k;
            size -= k;
        }
        len += 1;
    }
    len
}

/// Verifies that the tree of size `new` with head `new_root` extends the tree of size `old`
/// with head `old_root` (RFC 9162 §2.1.4.2): `0 < old ≤ new`, and equal sizes need equal roots
/// and an empty proof. The empty tree is a prefix of every tree, so there is nothing to prove
/// from it: `old = 0` is refused, and callers that hold the empty tree accept any later one.
///
/// # Errors
/// [`ProofError`] describing the inconsistency, [`ProofError::FromEmptyTree`] for `old = 0`.
pub fn verify_consistency(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
    new_root: &Hash,
) -> Result<(), ProofError> {
    if old > new {
        return Err(ProofError::SizeOutOfRange { old, new });
    }
    if old == 0 {
        return Err(ProofError::FromEmptyTree);
    }
    if old == new {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                expected: 0,
            });
        }
        return if old_root == new_root {
            Ok(())
        } else {
            Err(ProofError::EqualSizesDiffer)
        };
    }
    let (old_computed, new_computed) = consistency_roots(old, new, proof, old_root)?;
    if old_computed == *old_root && new_computed == *new_root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

/// The heads of the trees of sizes `old` and `new` that a consistency proof implies, for
/// `0 < old < new` (RFC 9162 §2.1.4.2). When `old` is a power of two its head is the first
/// node and is omitted from the proof, so `old_root` stands in for it (and is then returned
/// as the old head); otherwise `old_root` is not used, and a proof that gives the signed new
/// head but another old head proves the two heads inconsistent.
///
/// # Errors
/// [`ProofError`] if the sizes are out of range or the proof has the wrong shape.
pub fn consistency_roots(
    old: u64,
    new: u64,
    proof: &[Hash],
    old_root: &Hash,
) -> Result<(Hash, Hash), ProofError> {
    if old == 0 || old >= new {
        return Err(ProofError::SizeOutOfRange { old, new });
    }
    if proof.is_empty() || proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            expected: consistency_len(old, new),
        });
    }
    let expected = consistency_len(old, new);
    if proof.len() != expected {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            expected,
        });
    }
    let mut path: Vec<Hash> = Vec::with_capacity(proof.len() + 1);
    if old.is_power_of_two() {
        path.push(*old_root);
    }
    path.extend_from_slice(proof);
    let (mut fnode, mut snode) = (old - 1, new - 1);
    while fnode % 2 == 1 {
        fnode >>= 1;
        snode >>= 1;
    }
    let (mut fr, mut sr) = (path[0], path[0]);
    for c in &path[1..] {
        if snode == 0 {
            return Err(ProofError::RootMismatch);
        }
        if fnode % 2 == 1 || fnode == snode {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            while fnode % 2 == 0 && fnode != 0 {
                fnode >>= 1;
                snode >>= 1;
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fnode >>= 1;
        snode >>= 1;
    }
    if snode != 0 {
        return Err(ProofError::RootMismatch);
    }
    Ok((fr, sr))
}

/// Length of the consistency proof from `old` to `new` (0 < old < new): the recursion of
/// [`MemoryTree::consistency_proof`] on sizes alone.
fn consistency_len(mut old: u64, mut new: u64) -> usize {
    let (mut len, mut whole) = (0, true);
    while old != new {
        let k = split_point(new);
        if old <= k {
            new = k;
        } else {
            old -= k;
            new -= k;
            whole = false;
        }
        len += 1;
    }
    len + usize::from(!whole)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The eight leaves of the RFC 6962 / transparency-dev test tree.
    fn leaves() -> Vec<Vec<u8>> {
        [
            "",
            "00",
            "10",
            "2021",
            "3031",
            "40414243",
            "5051525354555657",
            "606162636465666768696a6b6c6d6e6f",
        ]
        .iter()
        .map(|h| hex::decode(h).unwrap())
        .collect()
    }

    fn tree(n: usize) -> MemoryTree {
        let mut t = MemoryTree::new();
        for l in &leaves()[..n] {
            t.push(leaf_hash(l));
        }
        t
    }

    #[test]
    fn published_roots() {
        let roots = [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
            "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
        ];
        let t = tree(8);
        assert_eq!(
            hex::encode(t.root(0).unwrap()),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        for (i, root) in roots.iter().enumerate() {
            assert_eq!(
                hex::encode(t.root(i as u64 + 1).unwrap()),
                *root,
                "size {}",
                i + 1
            );
        }
    }

    #[test]
    fn published_inclusion_proofs() {
        let t = tree(8);
        let cases: [(u64, u64, &[&str]); 4] = [
            (
                0,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                5,
                8,
                &[
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                3,
                &["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
            ),
            (
                1,
                5,
                &[
                    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (index, size, want) in cases {
            let proof = t.inclusion_proof(index, size).unwrap();
            let got: Vec<String> = proof.iter().map(hex::encode).collect();
            assert_eq!(got, want, "index {index} size {size}");
            let root = t.root(size).unwrap();
            let leaf = t.leaf(index).unwrap();
            assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
            assert!(verify_inclusion(&leaf, index ^ 1, size, &proof, &root).is_err());
        }
    }

    #[test]
    fn published_consistency_proofs() {
        let t = tree(8);
        let cases: [(u64, u64, &[&str]); 3] = [
            (
                1,
                8,
                &[
                    "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
                ],
            ),
            (
                6,
                8,
                &[
                    "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
                ],
            ),
            (
                2,
                5,
                &[
                    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                    "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                ],
            ),
        ];
        for (old, new, want) in cases {
            let proof = t.consistency_proof(old, new).unwrap();
            let got: Vec<String> = proof.iter().map(hex::encode).collect();
            assert_eq!(got, want, "{old} → {new}");
            let (a, b) = (t.root(old).unwrap(), t.root(new).unwrap());
            assert_eq!(verify_consistency(old, new, &proof, &a, &b), Ok(()));
            assert!(verify_consistency(old, new, &proof, &b, &a).is_err());
        }
    }

    #[test]
    fn all_small_trees_round_trip() {
        let mut t = MemoryTree::new();
        for i in 0..70u32 {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        for size in 1..=70 {
            let root = t.root(size).unwrap();
            for index in 0..size {
                let proof = t.inclusion_proof(index, size).unwrap();
                assert_eq!(proof.len(), inclusion_len(index, size));
                assert_eq!(
                    verify_inclusion(&t.leaf(index).unwrap(), index, size, &proof, &root),
                    Ok(())
                );
            }
            for old in 1..size {
                let proof = t.consistency_proof(old, size).unwrap();
                assert_eq!(proof.len(), consistency_len(old, size), "{old} → {size}");
                assert_eq!(
                    verify_consistency(old, size, &proof, &t.root(old).unwrap(), &root),
                    Ok(())
                );
            }
        }
        t.truncate(33);
        assert_eq!(t.size(), 33);
        let mut fresh = MemoryTree::new();
        for i in 0..33u32 {
            fresh.push(leaf_hash(&i.to_be_bytes()));
        }
        assert_eq!(t.root(33), fresh.root(33));
    }

    #[test]
    fn compact_range_and_stored_hashes_agree_with_the_memory_tree() {
        let (mut tree, mut range, mut stored) =
            (MemoryTree::new(), CompactRange::default(), vec![]);
        for i in 0..300u32 {
            let leaf = leaf_hash(&i.to_be_bytes());
            tree.push(leaf);
            range.push(leaf, &mut stored);
            let size = tree.size();
            assert_eq!(range.root(), tree.root(size).unwrap(), "size {size}");
            assert_eq!(stored.len() as u64, stored_hash_count(size));
            let heads: Vec<Hash> = CompactRange::positions(size)
                .map(|(level, index)| tree.node(level, index).unwrap())
                .collect();
            assert_eq!(CompactRange::from_nodes(size, heads), Some(range.clone()));
        }
        for level in 0..9u32 {
            for index in 0..(300u64 >> level) {
                let at = usize::try_from(stored_hash_index(level, index)).unwrap();
                assert_eq!(
                    stored[at],
                    tree.node(level, index).unwrap(),
                    "({level}, {index})"
                );
            }
        }
        assert_eq!(CompactRange::from_nodes(3, vec![[0; 32]]), None);
        assert_eq!(CompactRange::default().root(), empty_root());
    }
}
