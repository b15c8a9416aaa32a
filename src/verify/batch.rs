//! Many certificates at once: a verifier's queue, an agency re-checking its register.
//!
//! Each certificate gets exactly the outcome and report [`Verifier::verify_certificate`]
//! would give it. Only with [`VerifierBuilder::allow_cofactored_batch`] do Ed25519 issuer
//! signatures share one batch equation per [`BATCH_SIZE`] certificates; if the equation
//! fails, those signatures are checked one by one, so a bad certificate is still named with
//! its own error and costs at most one batch of single checks.
//!
//! [`VerifierBuilder::allow_cofactored_batch`]: super::VerifierBuilder::allow_cofactored_batch

use super::{Check, Rejected, Report, VerificationContext, Verified, Verifier, conclude};
use crate::crypto::{Algorithm, Ed25519Batch};
use crate::model::Certificate;

/// Certificates whose signatures share one batch equation.
pub const BATCH_SIZE: usize = 128;

impl Verifier {
    /// Verifies certificates (checks 1–9 each), returning one result per input, in order.
    ///
    /// ```
    /// # use yinzheng::crypto::{Ed25519SigningKey, SeededRandom, Signer as _};
    /// # use yinzheng::issue::{CertificateBuilder, Issuer};
    /// # use yinzheng::model::{Agency, CertificateType, Holder, Uscc, Validity};
    /// # use yinzheng::time::Date;
    /// # use yinzheng::trust::TrustStore;
    /// # use yinzheng::verify::{VerificationContext, Verifier};
    /// let key = Ed25519SigningKey::from_seed(&[7; 32]);
    /// let mut trust = TrustStore::new();
    /// let agency = Uscc::parse("11100000000013338W")?;
    /// trust.add_issuer_key("市场监管局", agency.clone(), key.public_key())?;
    /// let issuer = Issuer::new(Agency::new("市场监管局", agency.as_str())?, key)
    ///     .with_rng(SeededRandom::from_seed([1; 32]));
    /// let issued_on = Date::new(2026, 1, 5)?;
    /// let licences = (0..3)
    ///     .map(|i| {
    ///         let builder = CertificateBuilder::new(
    ///             CertificateType::new("11100000000013338W001", "营业执照")?,
    ///             format!("9111000000000000{i}X"),
    ///             Holder::organisation("示例商店", &Uscc::parse("91110108MA01A2B3CF")?),
    ///             issued_on,
    ///             Validity::long_term(issued_on),
    ///         );
    ///         Ok(issuer.issue(builder, issued_on.start_in_china())?.into_bytes())
    ///     })
    ///     .collect::<Result<Vec<_>, Box<dyn std::error::Error>>>()?;
    ///
    /// let verifier = Verifier::builder(trust).allow_cofactored_batch().build()?;
    /// let ctx = VerificationContext::at(issued_on.start_in_china().saturating_add(60));
    /// let results = verifier.verify_certificates(&licences, &ctx);
    /// assert!(results.iter().all(Result::is_ok));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn verify_certificates<B: AsRef<[u8]>>(
        &self,
        certificates: &[B],
        ctx: &VerificationContext,
    ) -> Vec<Result<Verified<Certificate>, Rejected>> {
        let mut results = Vec::with_capacity(certificates.len());
        for chunk in certificates.chunks(BATCH_SIZE) {
            self.verify_chunk(chunk, ctx, &mut results);
        }
        results
    }

    fn verify_chunk<B: AsRef<[u8]>>(
        &self,
        chunk: &[B],
        ctx: &VerificationContext,
        results: &mut Vec<Result<Verified<Certificate>, Rejected>>,
    ) {
        let mut prepared = Vec::with_capacity(chunk.len());
        for bytes in chunk {
            let mut report = Report::new(&Check::CERTIFICATE);
            let item = self.prepare(bytes.as_ref(), ctx, &mut report);
            prepared.push((item, report));
        }
        let mut batch = Ed25519Batch::new();
        let mut batched = vec![false; chunk.len()];
        if self.allow_cofactored_batch {
            for ((item, _), joined) in prepared.iter().zip(&mut batched) {
                if let Ok(p) = item
                    && p.decoded.envelope.algorithm() == Ok(Algorithm::Ed25519)
                    && let [key] = p.candidates.as_slice()
                {
                    let signature = p.decoded.envelope.sign1.signature;
                    *joined = batch.push(&key.key, &p.to_be_signed, signature);
                }
            }
        }
        let batch_holds = !batch.is_empty() && batch.verify();
        for ((item, mut report), joined) in prepared.into_iter().zip(batched) {
            let result = item.and_then(|p| {
                let key = if joined && batch_holds {
                    0
                } else {
                    p.signing_key()?
                };
                self.finish(p, key, ctx, &mut report, None)
            });
            results.push(conclude(report, result));
        }
    }
}
