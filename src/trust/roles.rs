//! What an anchor is trusted for. A key or chain accepted for one role is never accepted for
//! another: an issuer issues certificates for its own agency, a seal maker makes seals (for
//! any organisation) and issues nothing, a status-list signer publishes its agency's lists, a
//! bundle publisher signs trust bundles, a stamp signer's certificate stamps documents with
//! the national seals that list it.

use core::fmt;
use core::ops::BitOr;

/// One role an anchor can be trusted for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Role {
    /// Signs certificates for its agency (签发机构).
    Issuer,
    /// Makes electronic seals (制章者) for organisations.
    SealMaker,
    /// Signs its agency's status lists (状态列表).
    StatusLists,
    /// Signs trust bundles (信任包发布者).
    BundlePublisher,
    /// Stamps documents (签章者) with a GB/T 38540 seal that lists its certificate.
    StampSigner,
}

/// The yinzheng role arc: 2.25 (X.667 UUID OIDs, no registration needed) followed by the
/// integer of UUID 4a0b9884-8e6e-4b05-acfd-a8b46ac24d4c, as DER object identifier contents.
const ROLE_ARC: [u8; 20] = [
    0x69, 0x81, 0x94, 0x8B, 0xCC, 0xA1, 0x91, 0xE6, 0xF2, 0xAC, 0x8B, 0xAC, 0xFE, 0xEA, 0x96, 0xC6,
    0xD6, 0x89, 0x9A, 0x4C,
];

impl Role {
    /// Every role, in the order of their numbers.
    pub const ALL: [Self; 5] = [
        Self::Issuer,
        Self::SealMaker,
        Self::StatusLists,
        Self::BundlePublisher,
        Self::StampSigner,
    ];

    /// The role's number: the last arc of its key-purpose OID.
    #[must_use]
    pub fn number(self) -> u8 {
        match self {
            Self::Issuer => 1,
            Self::SealMaker => 2,
            Self::StatusLists => 3,
            Self::BundlePublisher => 4,
            Self::StampSigner => 5,
        }
    }

    /// A stable machine name (trust files, JSON reports, test vectors).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Issuer => "issuer",
            Self::SealMaker => "seal-maker",
            Self::StatusLists => "status-lists",
            Self::BundlePublisher => "bundle-publisher",
            Self::StampSigner => "stamp-signer",
        }
    }

    /// The role for a machine name.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The Chinese label for display.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Issuer => "证照签发",
            Self::SealMaker => "制章",
            Self::StatusLists => "状态列表签发",
            Self::BundlePublisher => "信任包发布",
            Self::StampSigner => "签章",
        }
    }

    /// The extended key usage (key purpose) that marks an X.509 leaf for this role:
    /// `2.25.98423080381985072152566409646909312332.<number>`, as DER OID contents.
    #[must_use]
    pub fn key_purpose_oid(self) -> [u8; 21] {
        let mut oid = [0; 21];
        oid[..20].copy_from_slice(&ROLE_ARC);
        oid[20] = self.number();
        oid
    }

    /// The role whose key-purpose OID is `oid` (DER contents), if any.
    #[must_use]
    pub fn from_key_purpose_oid(oid: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.key_purpose_oid() == oid)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of roles.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Roles(u8);

impl Roles {
    /// No role.
    pub const NONE: Self = Self(0);
    /// [`Role::Issuer`].
    pub const ISSUER: Self = Self(1);
    /// [`Role::SealMaker`].
    pub const SEAL_MAKER: Self = Self(2);
    /// [`Role::StatusLists`].
    pub const STATUS_LISTS: Self = Self(4);
    /// [`Role::BundlePublisher`].
    pub const BUNDLE_PUBLISHER: Self = Self(8);
    /// [`Role::StampSigner`].
    pub const STAMP_SIGNER: Self = Self(16);
    /// What an agency's own key usually does: issue certificates and sign its status lists.
    pub const AGENCY: Self = Self(1 | 4);

    /// The set for role bits (1 issuer, 2 seal maker, 4 status lists, 8 bundle publisher,
    /// 16 stamp signer), if every bit names a role.
    #[must_use]
    pub fn from_bits(bits: u64) -> Option<Self> {
        u8::try_from(bits)
            .ok()
            .filter(|b| b & !0b1_1111 == 0)
            .map(Self)
    }

    /// The role bits.
    #[must_use]
    pub fn bits(self) -> u64 {
        u64::from(self.0)
    }

    /// Whether `role` is in the set.
    #[must_use]
    pub fn contains(self, role: Role) -> bool {
        self.0 & Self::from(role).0 != 0
    }

    /// Whether the set is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The roles in the set.
    pub fn iter(self) -> impl Iterator<Item = Role> {
        Role::ALL.into_iter().filter(move |r| self.contains(*r))
    }

    /// Whether the set holds exactly one role.
    #[must_use]
    pub fn single(self) -> Option<Role> {
        let mut roles = self.iter();
        match (roles.next(), roles.next()) {
            (Some(role), None) => Some(role),
            _ => None,
        }
    }
}

impl From<Role> for Roles {
    fn from(role: Role) -> Self {
        Self(1 << (role.number() - 1))
    }
}

impl BitOr for Roles {
    type Output = Self;

    fn bitor(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }
}

impl FromIterator<Role> for Roles {
    fn from_iter<I: IntoIterator<Item = Role>>(roles: I) -> Self {
        roles.into_iter().fold(Self::NONE, |set, r| set | r.into())
    }
}

impl fmt::Debug for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

impl fmt::Display for Roles {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.iter().map(Role::name).collect();
        f.write_str(&names.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn role_sets_and_oids() {
        let agency = Roles::AGENCY;
        assert!(agency.contains(Role::Issuer) && agency.contains(Role::StatusLists));
        assert!(!agency.contains(Role::SealMaker));
        assert_eq!(agency.to_string(), "issuer,status-lists");
        assert_eq!(Roles::from(Role::SealMaker).single(), Some(Role::SealMaker));
        assert_eq!(agency.single(), None);
        for role in Role::ALL {
            assert_eq!(Role::from_name(role.name()), Some(role));
            assert_eq!(
                Role::from_key_purpose_oid(&role.key_purpose_oid()),
                Some(role)
            );
        }
        assert_eq!(Role::from_key_purpose_oid(&ROLE_ARC), None);
        assert_eq!(Role::ALL.into_iter().collect::<Roles>().iter().count(), 5);
        assert_eq!(Roles::from_bits(0b1_1111).map(Roles::bits), Some(0b1_1111));
        assert_eq!(Roles::from_bits(0b10_0000), None);
    }
}
