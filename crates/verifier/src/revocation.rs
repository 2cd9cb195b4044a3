//! What a verified revocation list says: which certificates are revoked, when and why. The
//! trust store holds one; [`crate::lists`] verifies one (signature, signer, order) before it is
//! made. Kept apart from the list's verification so that the trust store and the lists do not
//! import each other.

use serde::{Deserialize, Serialize};

use crate::model::RevocationReason;
use crate::text::CertificateId;
use crate::time::{Date, Timestamp};

/// One revoked certificate: its id, the day it was revoked, why. Serialized as a JSON array
/// `[id, "YYYY-MM-DD", reason]` to keep a long list small.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RevokedEntry(pub CertificateId, pub Date, pub RevocationReason);

/// The signed content of a revocation list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RevocationListContent {
    /// Format version: 1.
    pub revocation_list_version: u32,
    /// Increases with every new list.
    pub sequence: u64,
    /// When it was signed.
    pub issued_at: Timestamp,
    /// When the next list is due; after that this one is stale.
    pub next_update: Timestamp,
    /// Revoked certificates, sorted by id.
    pub revoked: Vec<RevokedEntry>,
}

/// A revocation list whose signature verified with a key of the trust list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RevocationList {
    /// What it says.
    pub content: RevocationListContent,
    /// The issuing key that signed it.
    pub signer: String,
}

impl RevocationList {
    /// The revocation of certificate `id`, if it is revoked.
    pub fn find(&self, id: &CertificateId) -> Option<&RevokedEntry> {
        self.content
            .revoked
            .binary_search_by(|entry| entry.0.cmp(id))
            .ok()
            .map(|i| &self.content.revoked[i])
    }
}
