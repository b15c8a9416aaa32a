//! Issuing certificates: the [`Issuer`] (an agency and its signer) and the
//! [`CertificateBuilder`], whose constructor takes every required part, so a certificate
//! missing one cannot be expressed.
//!
//! Signing is one call ([`Issuer::issue`]) or two phases for keys outside the process
//! ([`Issuer::prepare`] → [`PreparedCertificate::to_be_signed`] → [`Issuer::complete`]).

mod builder;
mod error;
mod issuer;
mod ledger;
mod prepared;
mod seal;

pub use builder::CertificateBuilder;
pub use error::IssueError;
pub use issuer::Issuer;
pub use ledger::{IssuanceLedger, IssuedOnce, RequestId};
pub use prepared::{IssuedCertificate, PreparedCertificate};
pub use seal::{SealMaker, Stamper, make_seal, sign_trust_bundle, stamp};

#[cfg(test)]
mod tests {
    use super::issuer::default_decoys;
    use super::*;
    use crate::crypto::{Ed25519SigningKey, SeededRandom};
    use crate::model::{
        Agency, CertificateId, CertificateType, CodeError, Holder, ResidentId, Uscc, Validity,
    };
    use crate::time::{Date, UnixTime};

    fn builder() -> CertificateBuilder {
        let kind = CertificateType::new("11100000000013338W032", "资格证书").unwrap();
        let holder = Holder::resident("张三", &ResidentId::parse("11010519491231002X").unwrap());
        let day = Date::new(2026, 1, 1).unwrap();
        CertificateBuilder::new(kind, "A-1", holder, day, Validity::long_term(day))
    }

    fn issuer() -> Issuer {
        let agency = Agency::new("吉林省住房和城乡建设厅", "11220000013544541J").unwrap();
        Issuer::new(agency, Ed25519SigningKey::from_seed(&[3; 32]))
            .with_rng(SeededRandom::from_seed([4; 32]))
    }

    #[test]
    fn decoys_pad_to_a_multiple_of_four() {
        assert_eq!(default_decoys(0), 0);
        assert_eq!(default_decoys(1), 3);
        assert_eq!(default_decoys(3), 1);
        assert_eq!(default_decoys(4), 0);
        assert_eq!(default_decoys(5), 3);
        let issued = issuer()
            .issue(
                builder()
                    .disclosable_field("a", 1)
                    .disclosable_field("b", 2),
                UnixTime::from_secs(9),
            )
            .unwrap();
        assert_eq!(issued.certificate().digests.len(), 4);
        assert!(issued.certificate().digests.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn builder_errors_are_typed() {
        let now = UnixTime::from_secs(0);
        let i = issuer();
        assert!(matches!(
            i.issue(builder().field("x", 1).field("x", 2), now),
            Err(IssueError::DuplicateFieldName { index: 1 })
        ));
        assert!(matches!(
            i.issue(builder().field("x", 1).disclosable_field("x", 2), now),
            Err(IssueError::DuplicateFieldName { index: 1 })
        ));
        assert!(matches!(
            i.issue(builder().field("", 1), now),
            Err(IssueError::EmptyFieldName { index: 0 })
        ));
        assert!(matches!(
            i.issue(builder().serial("bad serial"), now),
            Err(IssueError::Identifier(_))
        ));
        let bad_holder = Holder::other("x", "111", "110105194912310021");
        let b = CertificateBuilder::new(
            CertificateType::new("11100000000013338W032", "x").unwrap(),
            "1",
            bad_holder,
            Date::new(2026, 1, 1).unwrap(),
            Validity::long_term(Date::new(2026, 1, 1).unwrap()),
        );
        assert!(matches!(
            i.issue(b, now),
            Err(IssueError::HolderCode(CodeError::CheckCharacter { .. }))
        ));
        let org = Holder::organisation("某公司", &Uscc::parse("91350100M000100Y43").unwrap());
        assert_eq!(org.code_type.code(), "001");
    }

    #[test]
    fn two_phase_signing_checks_the_signature() {
        let key = Ed25519SigningKey::from_seed(&[3; 32]);
        let i = issuer();
        let prepared = i
            .prepare(builder().serial("S1"), UnixTime::from_secs(5))
            .unwrap();
        let wrong = prepared.to_be_signed().to_vec();
        let signature = key.sign_bytes(prepared.to_be_signed());
        let one_shot = i
            .issue(builder().serial("S1"), UnixTime::from_secs(5))
            .unwrap();
        let completed = i.complete(prepared, &signature).unwrap();
        assert_eq!(completed.as_bytes(), one_shot.as_bytes());
        let again = i
            .prepare(builder().serial("S1"), UnixTime::from_secs(5))
            .unwrap();
        assert!(matches!(
            i.complete(again, &wrong[..64]),
            Err(IssueError::SignatureRejected)
        ));
    }

    #[test]
    fn random_serials_are_valid_identifiers() {
        let issued = issuer().issue(builder(), UnixTime::from_secs(1)).unwrap();
        let serial = issued.certificate().id.serial();
        assert_eq!(serial.len(), 20);
        assert!(CertificateId::parse(issued.certificate().id.as_str()).is_ok());
    }
}
