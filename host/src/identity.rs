//! Who is calling. Rate limits and audit records are kept per identity; the role picks
//! the identity's rate (and, with the hosted transports, the tools it may use).

use std::time::{SystemTime, UNIX_EPOCH};

/// The operator's tenant: stdio, anonymous callers, and credentials naming no tenant.
pub const DEFAULT_TENANT: &str = "default";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable identity the buckets, sessions and records are keyed by: `stdio` for the one
    /// local client, else a digest of the whole credential's principal (see `auth.rs`), so
    /// two principals never share one however alike their names.
    pub id: String,
    /// What logs show: readable, bounded, and never used as a key.
    pub label: String,
    pub role: String,
    /// The tenant the identity belongs to (`default` unless its credential names one).
    pub tenant: String,
    /// The client's network address, when it has one.
    pub address: Option<String>,
    /// When the credential ends (a token's `exp`, seconds since the Unix epoch): a
    /// connection that outlives it is closed.
    pub expires: Option<u64>,
}

impl Caller {
    /// The local client on stdio: the user who started the process, in the configured role.
    pub fn stdio(role: &str) -> Caller {
        Caller { id: "stdio".into(), label: "stdio".into(), role: role.into(), tenant: DEFAULT_TENANT.into(), address: None, expires: None }
    }

    /// Whether its credential has ended.
    pub fn has_expired(&self) -> bool {
        self.expires.is_some_and(|exp| exp <= now_secs())
    }

    /// A caller without a credential: its identity is its network address.
    pub fn is_anonymous(&self) -> bool {
        self.id.starts_with("addr:")
    }
}

/// Seconds since the Unix epoch (what a token's `exp` counts).
pub fn now_secs() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_secs()
}

/// A principal's identity: `kind:` and 128 bits of the SHA-256 of what names it whole.
pub fn digest_id(kind: &str, principal: &[u8]) -> String {
    format!("{kind}:{}", &crate::digest::sha256_hex(principal)[..32])
}

/// A readable label from untrusted text: printable characters only, at most 64 of them.
pub fn label(kind: &str, text: &str) -> String {
    let shown: String = text.chars().filter(|c| !c.is_control()).take(64).collect();
    let cut = if text.chars().filter(|c| !c.is_control()).count() > 64 { "…" } else { "" };
    format!("{kind}:{shown}{cut}")
}

/// Role (and tenant) names: lower-case words (`public`, `researcher`, `admin`, or an operator's own).
pub fn valid_role(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && name.len() <= 32
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    #[test]
    fn role_names() {
        assert!(super::valid_role("researcher"));
        assert!(super::valid_role("team-2"));
        for bad in ["", "Admin", "2x", "a b", &"r".repeat(33)] {
            assert!(!super::valid_role(bad), "{bad:?}");
        }
    }
}
