//! Subtree proofs: that a leaf lies in the subtree over leaves `[start, end)`, and that such a
//! subtree is part of a tree of some size — the generalisation of RFC 9162 consistency that
//! C2SP tlog-tiles readers and Merkle Tree Certificates (draft-ietf-plants-merkle-tree-certs)
//! use. Pure functions; `start = 0, end = m` is RFC 9162 consistency from size `m`.
//!
//! A subtree `[start, end)` is one a tree could have: `start` is a multiple of the smallest
//! power of two at least `end − start` (so the subtree sits under one node of every larger
//! tree). The proof is built by the recursion of RFC 9162 §2.1.4.1 on `[start, end)` instead of
//! `[0, m)`: the node the recursion ends at (omitted when it is the subtree itself), then the
//! sibling at each level, deepest first.

use crate::audit::merkle::{
    Hash, MAX_PROOF_LEN, ProofError, Subtrees, empty_root, node_hash, range_hash, split_point,
    verify_inclusion, within,
};

/// Whether `[start, end)` is a subtree some tree has: `start ≤ end` and `start` a multiple of
/// the smallest power of two not below `end − start`.
#[must_use]
pub fn subtree_is_valid(start: u64, end: u64) -> bool {
    if start > end {
        return false;
    }
    match (end - start).checked_next_power_of_two() {
        Some(width) => start.is_multiple_of(width),
        // Wider than 2^63: only a subtree from leaf 0 fits.
        None => start == 0,
    }
}

/// Verifies that `leaf` is at `index` in the subtree `[start, end)` whose hash is
/// `subtree_root`: an RFC 9162 inclusion proof within the subtree.
///
/// # Errors
/// [`ProofError::InvalidSubtree`], [`ProofError::IndexOutOfRange`], or the inclusion proof's
/// own errors.
pub fn verify_subtree_inclusion(
    leaf: &Hash,
    index: u64,
    start: u64,
    end: u64,
    proof: &[Hash],
    subtree_root: &Hash,
) -> Result<(), ProofError> {
    if !subtree_is_valid(start, end) {
        return Err(ProofError::InvalidSubtree { start, end });
    }
    if index < start || index >= end {
        return Err(ProofError::IndexOutOfRange { index, size: end });
    }
    verify_inclusion(leaf, index - start, end - start, proof, subtree_root)
}

/// One level of the recursion, from the top: where the subtree lies in the node.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Level {
    /// Inside the left child; the proof gives the right child.
    InLeft,
    /// Inside the right child; the proof gives the left child.
    InRight,
    /// Over the whole left child and part of the right; the proof gives the left child.
    Across,
}

/// The recursion's levels, top first, and whether it ends at the subtree itself (whose hash
/// the verifier knows, so the proof omits it).
struct Path {
    levels: Vec<Level>,
    ends_at_subtree: bool,
}

/// Walks `[start, end)` down a tree of `size` (`start < end ≤ size`, a valid subtree).
fn path(start: u64, end: u64, size: u64) -> Result<Path, ProofError> {
    let (mut start, mut end, mut n) = (start, end, size);
    let mut levels = Vec::new();
    let mut ends_at_subtree = true;
    while !(start == 0 && end == n) {
        let k = split_point(n);
        if end <= k {
            levels.push(Level::InLeft);
            n = k;
        } else if start >= k {
            levels.push(Level::InRight);
            (start, end, n) = (start - k, end - k, n - k);
        } else if start == 0 {
            levels.push(Level::Across);
            (end, n) = (end - k, n - k);
            ends_at_subtree = false;
        } else {
            // A valid subtree never straddles a split point away from its node's start.
            return Err(ProofError::InvalidSubtree { start, end });
        }
    }
    Ok(Path {
        levels,
        ends_at_subtree,
    })
}

/// Checks the bounds shared by proving and verifying; `Ok(true)` for the empty subtree, which
/// needs no proof.
fn check_bounds(start: u64, end: u64, size: u64) -> Result<bool, ProofError> {
    if end > size {
        return Err(ProofError::SizeOutOfRange {
            old: end,
            new: size,
        });
    }
    if !subtree_is_valid(start, end) {
        return Err(ProofError::InvalidSubtree { start, end });
    }
    Ok(start == end)
}

/// The proof that the subtree `[start, end)` is part of the tree of `size`.
///
/// # Errors
/// [`ProofError`] for bounds outside the tree or an invalid subtree, or a failed read.
pub fn subtree_consistency_proof_in<T: Subtrees + ?Sized>(
    tree: &T,
    start: u64,
    end: u64,
    size: u64,
) -> Result<Vec<Hash>, T::Error> {
    within(tree, size)?;
    if check_bounds(start, end, size)? {
        return Ok(Vec::new());
    }
    let path = path(start, end, size)?;
    // Replay the walk to find each level's node, then emit deepest first.
    let mut siblings = Vec::with_capacity(path.levels.len());
    let (mut base, mut n) = (0, size);
    for level in &path.levels {
        let k = split_point(n);
        match level {
            Level::InLeft => {
                siblings.push((base + k, n - k));
                n = k;
            }
            Level::InRight | Level::Across => {
                siblings.push((base, k));
                (base, n) = (base + k, n - k);
            }
        }
    }
    let mut proof = Vec::with_capacity(siblings.len() + 1);
    if !path.ends_at_subtree {
        proof.push(range_hash(tree, base, n)?);
    }
    for &(at, len) in siblings.iter().rev() {
        proof.push(range_hash(tree, at, len)?);
    }
    Ok(proof)
}

/// Verifies that the subtree `[start, end)` with hash `subtree_root` is part of the tree of
/// `size` with head `root`. The empty subtree (`start = end`) needs an empty proof and the
/// empty root, and says nothing of `root`.
///
/// # Errors
/// [`ProofError`] describing the mismatch.
pub fn verify_subtree_consistency(
    start: u64,
    end: u64,
    size: u64,
    proof: &[Hash],
    subtree_root: &Hash,
    root: &Hash,
) -> Result<(), ProofError> {
    if check_bounds(start, end, size)? {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofLength {
                got: proof.len(),
                expected: 0,
            });
        }
        return if *subtree_root == empty_root() {
            Ok(())
        } else {
            Err(ProofError::RootMismatch)
        };
    }
    let path = path(start, end, size)?;
    let expected = path.levels.len() + usize::from(!path.ends_at_subtree);
    if proof.len() != expected || proof.len() > MAX_PROOF_LEN {
        return Err(ProofError::WrongProofLength {
            got: proof.len(),
            expected,
        });
    }
    let (first, siblings) = if path.ends_at_subtree {
        (*subtree_root, proof)
    } else {
        (proof[0], &proof[1..])
    };
    // The subtree's hash grows only at `Across` levels: at the highest one the subtree is
    // that node's prefix, and below it the prefix splits where the node does. Every other
    // level holds the subtree inside one child.
    let (mut tree_hash, mut subtree_hash) = (first, first);
    for (level, sibling) in path.levels.iter().rev().zip(siblings) {
        match level {
            Level::InLeft => tree_hash = node_hash(&tree_hash, sibling),
            Level::InRight => tree_hash = node_hash(sibling, &tree_hash),
            Level::Across => {
                tree_hash = node_hash(sibling, &tree_hash);
                subtree_hash = node_hash(sibling, &subtree_hash);
            }
        }
    }
    if !path.ends_at_subtree && subtree_hash != *subtree_root {
        return Err(ProofError::RootMismatch);
    }
    if tree_hash == *root {
        Ok(())
    } else {
        Err(ProofError::RootMismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::merkle::{MemoryTree, leaf_hash};

    fn tree(n: u64) -> MemoryTree {
        let mut t = MemoryTree::new();
        for i in 0..n {
            t.push(leaf_hash(&i.to_be_bytes()));
        }
        t
    }

    /// Every valid subtree of every tree up to 33 leaves: the proof verifies, and changing any
    /// hash in it, or either root, is refused.
    #[test]
    fn every_small_subtree_proves_and_tampering_is_refused() {
        let t = tree(33);
        let mut proved = 0;
        for size in 1..=33 {
            let root = t.root(size).unwrap();
            for end in 1..=size {
                for start in (0..end).filter(|&s| subtree_is_valid(s, end)) {
                    let sub = range_hash(&t, start, end - start).unwrap();
                    let proof = subtree_consistency_proof_in(&t, start, end, size).unwrap();
                    assert_eq!(
                        verify_subtree_consistency(start, end, size, &proof, &sub, &root),
                        Ok(())
                    );
                    let mut wrong = root;
                    wrong[0] ^= 1;
                    assert!(
                        verify_subtree_consistency(start, end, size, &proof, &sub, &wrong).is_err()
                    );
                    assert!(
                        verify_subtree_consistency(start, end, size, &proof, &wrong, &root)
                            .is_err()
                    );
                    for i in 0..proof.len() {
                        let mut bad = proof.clone();
                        bad[i][31] ^= 0x80;
                        assert!(
                            verify_subtree_consistency(start, end, size, &bad, &sub, &root)
                                .is_err(),
                            "[{start}, {end}) in {size}: hash {i} changed"
                        );
                    }
                    for index in start..end {
                        let local = {
                            let mut s = MemoryTree::new();
                            for i in start..end {
                                s.push(leaf_hash(&i.to_be_bytes()));
                            }
                            s.inclusion_proof(index - start, end - start).unwrap()
                        };
                        let leaf = leaf_hash(&index.to_be_bytes());
                        assert_eq!(
                            verify_subtree_inclusion(&leaf, index, start, end, &local, &sub),
                            Ok(())
                        );
                    }
                    proved += 1;
                }
            }
        }
        assert!(proved > 500, "{proved}");
    }

    #[test]
    fn a_subtree_must_be_aligned() {
        assert!(subtree_is_valid(0, 7));
        assert!(subtree_is_valid(8, 12));
        assert!(subtree_is_valid(5, 5));
        assert!(!subtree_is_valid(2, 5));
        assert!(!subtree_is_valid(6, 5));
        assert!(subtree_is_valid(0, u64::MAX));
        assert!(!subtree_is_valid(1, u64::MAX));
        let t = tree(8);
        assert_eq!(
            subtree_consistency_proof_in(&t, 2, 5, 8),
            Err(ProofError::InvalidSubtree { start: 2, end: 5 })
        );
        assert_eq!(
            subtree_consistency_proof_in(&t, 0, 9, 8),
            Err(ProofError::SizeOutOfRange { old: 9, new: 8 })
        );
    }
}
