//! Ed25519 batch verification: many signatures checked with one multi-scalar multiplication.
//!
//! The batch equation is the cofactored one, `[8](Σ zᵢ·([sᵢ]B − Rᵢ − [kᵢ]Aᵢ)) = 0`, the only
//! form that is sound for random `zᵢ` (a cofactorless batch can pass or fail depending on
//! `zᵢ` when an `Rᵢ` carries a small-order component). Everything else `verify_strict`
//! demands is checked per signature before it joins: canonical `S`, a canonical and not
//! small-order `R`, a not small-order key. Keys must also be torsion-free, which makes the
//! remaining difference exact: the batch accepts what `verify_strict` accepts, plus
//! signatures whose `R` carries a small-order component — which only the holder of the
//! private key can make, because `kᵢ` hashes the `R` bytes. Callers therefore use it only
//! where the signer is trusted anyway, behind an explicit allowance.
//!
//! The `zᵢ` are 128-bit values derived from a SHA-512 transcript of every `kᵢ` (which
//! hashes `R`, `A` and the message) and every `sᵢ`, so the batch needs no random source and
//! its result depends on nothing but its inputs.

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity as _, VartimeMultiscalarMul as _};
use sha2::{Digest as _, Sha512};

use super::{KeyInner, PublicKey};

const TRANSCRIPT_DOMAIN: &[u8] = b"yinzheng ed25519 batch v1";

/// Signatures waiting to be checked together.
#[derive(Default)]
pub struct Ed25519Batch {
    /// Distinct keys (encoded and decompressed), each checked torsion-free once.
    keys: Vec<([u8; 32], EdwardsPoint)>,
    entries: Vec<Entry>,
}

struct Entry {
    key: usize,
    r: EdwardsPoint,
    s: Scalar,
    k: Scalar,
}

impl Ed25519Batch {
    /// An empty batch.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of signatures in the batch.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the batch holds no signature.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds one signature. Returns `false`, leaving the batch unchanged, when it cannot take
    /// part: not an Ed25519 key, a key with a small-order component, or a signature that
    /// `verify_strict` would refuse on its form alone. Such a signature is verified on its
    /// own by the caller, which then reports the exact failure.
    pub fn push(&mut self, key: &PublicKey, message: &[u8], signature: &[u8]) -> bool {
        let KeyInner::Ed25519(verifying) = &key.0 else {
            return false;
        };
        let Ok(signature) = <&[u8; 64]>::try_from(signature) else {
            return false;
        };
        let (Some(&r_bytes), Some(&s_bytes)) =
            (signature.first_chunk::<32>(), signature.last_chunk::<32>())
        else {
            return false;
        };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s_bytes)) else {
            return false;
        };
        // verify_strict compares R byte for byte with the recomputed one, so a non-canonical
        // encoding never verifies there; refuse it here too.
        if !is_canonical_y(&r_bytes) {
            return false;
        }
        let Some(r) = CompressedEdwardsY(r_bytes).decompress() else {
            return false;
        };
        if r.is_small_order() {
            return false;
        }
        let key_bytes = *verifying.as_bytes();
        let key = match self.keys.iter().position(|(bytes, _)| *bytes == key_bytes) {
            Some(index) => index,
            None => {
                let point = verifying.to_edwards();
                if point.is_small_order() || !point.is_torsion_free() {
                    return false;
                }
                self.keys.push((key_bytes, point));
                self.keys.len() - 1
            }
        };
        let mut h = Sha512::new();
        h.update(r_bytes);
        h.update(key_bytes);
        h.update(message);
        let k = Scalar::from_bytes_mod_order_wide(&h.finalize().into());
        self.entries.push(Entry { key, r, s, k });
        true
    }

    /// Whether every signature in the batch is valid (see the module documentation for the
    /// exact meaning). An empty batch holds. On `false` at least one signature is invalid;
    /// verify them one by one to find which.
    #[must_use]
    pub fn verify(self) -> bool {
        if self.entries.is_empty() {
            return true;
        }
        let weights = self.weights();
        let mut basepoint = Scalar::ZERO;
        let mut key_coefficients = vec![Scalar::ZERO; self.keys.len()];
        let mut scalars = Vec::with_capacity(self.entries.len() + self.keys.len() + 1);
        let mut points = Vec::with_capacity(scalars.capacity());
        for (entry, z) in self.entries.iter().zip(&weights) {
            basepoint += z * entry.s;
            key_coefficients[entry.key] += z * entry.k;
            scalars.push(-z);
            points.push(entry.r);
        }
        scalars.push(basepoint);
        points.push(ED25519_BASEPOINT_POINT);
        for ((_, point), coefficient) in self.keys.iter().zip(key_coefficients) {
            scalars.push(-coefficient);
            points.push(*point);
        }
        EdwardsPoint::vartime_multiscalar_mul(scalars, points)
            .mul_by_cofactor()
            .is_identity()
    }

    /// The 128-bit `zᵢ`, from a transcript binding every `kᵢ` and `sᵢ`.
    fn weights(&self) -> Vec<Scalar> {
        let mut transcript = Sha512::new();
        transcript.update(TRANSCRIPT_DOMAIN);
        transcript.update((self.entries.len() as u64).to_le_bytes());
        for entry in &self.entries {
            transcript.update(entry.k.as_bytes());
            transcript.update(entry.s.as_bytes());
        }
        let seed = transcript.finalize();
        let mut weights = Vec::with_capacity(self.entries.len());
        let mut block = 0u64;
        while weights.len() < self.entries.len() {
            let mut h = Sha512::new();
            h.update(seed);
            h.update(block.to_le_bytes());
            let bytes: [u8; 64] = h.finalize().into();
            for chunk in bytes.chunks_exact(16) {
                if weights.len() == self.entries.len() {
                    break;
                }
                let mut z = [0u8; 16];
                z.copy_from_slice(chunk);
                weights.push(Scalar::from(u128::from_le_bytes(z)));
            }
            block += 1;
        }
        weights
    }
}

/// Whether the `y` coordinate of an encoded point is below `p = 2²⁵⁵ − 19`. Points with
/// `x = 0` and the sign bit set are also non-canonical, but they have small order and are
/// refused anyway.
fn is_canonical_y(bytes: &[u8; 32]) -> bool {
    let top = bytes[31] & 0x7f;
    !(top == 0x7f && bytes[1..31].iter().all(|&b| b == 0xff) && bytes[0] >= 0xed)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::crypto::{Algorithm, Ed25519SigningKey, Signer as _};

    /// Messages with their signatures.
    type Signed = Vec<(Vec<u8>, Vec<u8>)>;

    fn signed(seed: u8, count: usize) -> (PublicKey, Signed) {
        let key = Ed25519SigningKey::from_seed(&[seed; 32]);
        let items = (0..count)
            .map(|i| {
                let message = format!("certificate {i}").into_bytes();
                let signature = key.sign(&message).unwrap();
                (message, signature)
            })
            .collect();
        (key.public_key(), items)
    }

    #[test]
    fn a_batch_of_valid_signatures_holds_and_one_bad_signature_breaks_it() {
        let (key, items) = signed(1, 40);
        let (other, more) = signed(2, 9);
        let mut batch = Ed25519Batch::new();
        for (message, signature) in &items {
            assert!(batch.push(&key, message, signature));
        }
        for (message, signature) in &more {
            assert!(batch.push(&other, message, signature));
        }
        assert_eq!(batch.len(), 49);
        assert!(batch.verify());

        for victim in [0, 17, 39] {
            let mut batch = Ed25519Batch::new();
            for (i, (message, signature)) in items.iter().enumerate() {
                let mut message = message.clone();
                if i == victim {
                    message.push(b'!');
                }
                assert!(batch.push(&key, &message, signature));
            }
            assert!(!batch.verify(), "altered message {victim} passed");
        }
        // A valid signature presented under the wrong key.
        let mut batch = Ed25519Batch::new();
        assert!(batch.push(&key, &items[0].0, &items[0].1));
        assert!(batch.push(&other, &items[1].0, &items[1].1));
        assert!(!batch.verify());
    }

    #[test]
    fn forms_that_verify_strict_refuses_never_join() {
        let (key, items) = signed(3, 1);
        let (message, signature) = &items[0];
        let mut batch = Ed25519Batch::new();
        // S + ℓ: the same scalar, non-canonical.
        let mut high_s = signature.clone();
        let mut carry = 0u16;
        let l: [u8; 32] = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
        ];
        for (byte, add) in high_s[32..].iter_mut().zip(l) {
            let sum = u16::from(*byte) + u16::from(add) + carry;
            *byte = sum.to_le_bytes()[0];
            carry = sum >> 8;
        }
        assert!(key.verify(Algorithm::Ed25519, message, &high_s).is_err());
        assert!(!batch.push(&key, message, &high_s));
        // An identity R (small order) and a non-canonical y.
        let mut small_r = signature.clone();
        small_r[..32].copy_from_slice(&{
            use curve25519_dalek::traits::Identity as _;
            CompressedEdwardsY::identity().to_bytes()
        });
        assert!(!batch.push(&key, message, &small_r));
        let mut big_y = signature.clone();
        big_y[..32].copy_from_slice(&[0xff; 32]);
        big_y[31] = 0x7f;
        assert!(!batch.push(&key, message, &big_y));
        assert!(!batch.push(&key, message, &signature[..63]));
        // A P-256 key is not for this batch.
        let device = crate::crypto::P256SigningKey::from_bytes(&[9; 32]).unwrap();
        assert!(!batch.push(&device.public_key(), message, signature));
        assert!(batch.is_empty());
        assert!(batch.verify());
    }

    #[test]
    fn a_key_with_a_small_order_component_is_left_to_single_verification() {
        let (key, items) = signed(4, 1);
        let KeyInner::Ed25519(verifying) = &key.0 else {
            unreachable!()
        };
        // A + T for T of order 8: accepted by `PublicKey::ed25519` (not small order itself).
        let torsion = curve25519_dalek::constants::EIGHT_TORSION[1];
        let mixed = (verifying.to_edwards() + torsion).compress().to_bytes();
        let mixed = PublicKey::ed25519(&mixed).unwrap();
        let mut batch = Ed25519Batch::new();
        assert!(!batch.push(&mixed, &items[0].0, &items[0].1));
    }

    /// The one difference from `verify_strict`, made the only way it can be: with the private
    /// scalar, choosing an `R` with a small-order component.
    #[test]
    fn the_one_difference_from_verify_strict_needs_the_private_key() {
        let seed = [5u8; 32];
        let key = Ed25519SigningKey::from_seed(&seed).public_key();
        let expanded: [u8; 64] = Sha512::digest(seed).into();
        let mut clamped = [0u8; 32];
        clamped.copy_from_slice(&expanded[..32]);
        clamped[0] &= 248;
        clamped[31] &= 127;
        clamped[31] |= 64;
        let a = Scalar::from_bytes_mod_order(clamped);
        assert_eq!(
            (ED25519_BASEPOINT_POINT * a).compress().to_bytes(),
            key.to_bytes().as_slice()
        );
        let nonce = Scalar::from(987_654_321u64);
        let r = ED25519_BASEPOINT_POINT * nonce + curve25519_dalek::constants::EIGHT_TORSION[2];
        let r_bytes = r.compress().to_bytes();
        let message = b"crafted by the key holder";
        let k: [u8; 64] = Sha512::new()
            .chain_update(r_bytes)
            .chain_update(key.to_bytes())
            .chain_update(message)
            .finalize()
            .into();
        let s = nonce + Scalar::from_bytes_mod_order_wide(&k) * a;
        let mut signature = r_bytes.to_vec();
        signature.extend_from_slice(s.as_bytes());
        assert!(key.verify(Algorithm::Ed25519, message, &signature).is_err());
        let mut batch = Ed25519Batch::new();
        assert!(batch.push(&key, message, &signature));
        assert!(batch.verify());
    }

    #[test]
    fn the_canonical_y_test_matches_the_field_order() {
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        assert!(!is_canonical_y(&p));
        p[0] = 0xec;
        assert!(is_canonical_y(&p));
        p[31] = 0xff; // the sign bit does not count
        assert!(is_canonical_y(&p));
        p[0] = 0xee;
        assert!(!is_canonical_y(&p));
    }
}
