//! Grounding signatures at the HTTP boundary: process-persona signs the grounding it returns,
//! save-persona verifies what comes back and, under [`SignaturePolicy::Require`], refuses an
//! entry the server did not sign.

use std::fmt;
use std::str::FromStr;

use persona_domain::{Grounding, GroundingKey, Persona};
use tracing::info;

use crate::error::{ApiError, Detail, Refusal};

/// At most this many unverified entries are listed in a refusal.
const MAX_DETAILS: usize = 20;

/// What save-persona does with a grounding entry whose signature does not hold.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SignaturePolicy {
    /// Stores it as the client's claim, `verified: false`.
    #[default]
    Accept,
    /// Refuses the save with a 400 naming each such entry.
    Require,
}

/// A policy name that is neither `accept` nor `require`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownSignaturePolicy;

impl fmt::Display for UnknownSignaturePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the signature policy must be accept or require")
    }
}

impl std::error::Error for UnknownSignaturePolicy {}

impl FromStr for SignaturePolicy {
    type Err = UnknownSignaturePolicy;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "accept" => Ok(Self::Accept),
            "require" => Ok(Self::Require),
            _ => Err(UnknownSignaturePolicy),
        }
    }
}

impl fmt::Display for SignaturePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Accept => "accept",
            Self::Require => "require",
        })
    }
}

/// The key and the policy. Without a key nothing is signed and every saved entry is the
/// client's claim (an API built without [`crate::Api::with_signatures`]).
#[derive(Debug, Clone, Default)]
pub(crate) struct Signatures {
    pub(crate) key: Option<GroundingKey>,
    pub(crate) policy: SignaturePolicy,
}

impl Signatures {
    /// Signs the grounding process-persona returns for `persona`.
    pub(crate) fn sign(&self, grounding: &mut Grounding, persona: &Persona) {
        if let Some(key) = &self.key {
            grounding.sign(persona, key);
        }
    }

    /// Marks each entry of a saved grounding verified or not.
    ///
    /// # Errors
    ///
    /// Under [`SignaturePolicy::Require`], a 400 listing the entries whose signature does not
    /// hold, saying how to send them.
    pub(crate) fn verify(
        &self,
        grounding: &mut Grounding,
        persona: &Persona,
    ) -> Result<(), ApiError> {
        grounding.verify(persona, self.key.as_ref());
        let unverified = grounding.unverified().count();
        // Counts only: how much of a saved grounding is the server's finding.
        info!(
            verified = grounding.fields.len() - unverified,
            unverified,
            policy = %self.policy,
            "grounding signatures checked"
        );
        if self.policy == SignaturePolicy::Accept {
            return Ok(());
        }
        let details: Vec<Detail> = grounding
            .unverified()
            .take(MAX_DETAILS)
            .map(|pointer| Detail {
                field: format!(
                    "/grounding/fields/{}/signature",
                    pointer.replace('~', "~0").replace('/', "~1")
                ),
                message: "no signature of this server holds for this entry and value".to_owned(),
            })
            .collect();
        if details.is_empty() {
            return Ok(());
        }
        Err(Refusal::Unsigned(details).into())
    }
}

#[cfg(test)]
mod tests;
