//! The legal statuses of a certificate (有效, 暂扣, 挂失, 注销, 吊销, 撤销, 失效, 转出), their
//! stable codes and list values, and which changes between them are lawful.

/// A certificate's legal status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LegalStatus {
    /// 有效: valid.
    Valid,
    /// 暂扣: suspended (temporarily withheld).
    Suspended,
    /// 挂失: reported lost (temporary).
    ReportedLost,
    /// 注销: cancelled (at the holder's request or administratively). Final.
    Cancelled,
    /// 吊销: revoked as a penalty. Final.
    Revoked,
    /// 撤销: annulled (unlawfully granted). Final.
    Annulled,
    /// 失效: expired or otherwise lapsed. Final.
    Expired,
    /// 转出: transferred out to another jurisdiction. Final.
    TransferredOut,
}

impl LegalStatus {
    const ALL: [Self; 8] = [
        Self::Valid,
        Self::Suspended,
        Self::ReportedLost,
        Self::Cancelled,
        Self::Revoked,
        Self::Annulled,
        Self::Expired,
        Self::TransferredOut,
    ];

    /// The stable code (journal, audit log).
    #[must_use]
    pub fn code(self) -> u8 {
        match self {
            Self::Valid => 1,
            Self::Suspended => 2,
            Self::ReportedLost => 3,
            Self::Cancelled => 4,
            Self::Revoked => 5,
            Self::Annulled => 6,
            Self::Expired => 7,
            Self::TransferredOut => 8,
        }
    }

    /// The status for a code.
    #[must_use]
    pub fn from_code(code: u8) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.code() == code)
    }

    /// The Chinese term.
    #[must_use]
    pub fn label(self) -> &'static str {
        match self {
            Self::Valid => "有效",
            Self::Suspended => "暂扣",
            Self::ReportedLost => "挂失",
            Self::Cancelled => "注销",
            Self::Revoked => "吊销",
            Self::Annulled => "撤销",
            Self::Expired => "失效",
            Self::TransferredOut => "转出",
        }
    }

    /// The English name used on command lines and in JSON (`valid`, `suspended`,
    /// `reported-lost`, `cancelled`, `revoked`, `annulled`, `expired`, `transferred-out`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Valid => "valid",
            Self::Suspended => "suspended",
            Self::ReportedLost => "reported-lost",
            Self::Cancelled => "cancelled",
            Self::Revoked => "revoked",
            Self::Annulled => "annulled",
            Self::Expired => "expired",
            Self::TransferredOut => "transferred-out",
        }
    }

    /// The Token Status List value: 0 VALID, 1 INVALID, 2 SUSPENDED.
    #[must_use]
    pub fn list_value(self) -> u8 {
        match self {
            Self::Valid => 0,
            Self::Suspended | Self::ReportedLost => 2,
            _ => 1,
        }
    }

    /// Whether no later change is possible.
    #[must_use]
    pub fn is_final(self) -> bool {
        self.list_value() == 1
    }

    /// Whether a certificate in this status may be changed to `to`: any change except to the
    /// same status, and none out of a final one.
    #[must_use]
    pub fn can_change_to(self, to: Self) -> bool {
        self != to && !self.is_final()
    }
}

/// A status name that is neither an English [`LegalStatus::name`] nor a Chinese
/// [`LegalStatus::label`].
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown status {0:?} (valid, suspended, reported-lost, cancelled, revoked, annulled, expired, transferred-out, or 有效, 暂扣, 挂失, 注销, 吊销, 撤销, 失效, 转出)"
)]
pub struct UnknownStatusName(pub String);

impl core::str::FromStr for LegalStatus {
    type Err = UnknownStatusName;

    /// Reads an English name or a Chinese label.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|s| s.name() == text || s.label() == text)
            .ok_or_else(|| UnknownStatusName(text.to_owned()))
    }
}
