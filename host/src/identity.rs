//! Who is calling. Rate limits and audit records are kept per identity; the role picks
//! the identity's rate (and, with the hosted transports, the tools it may use).

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    /// Stable identity the buckets and records are keyed by (`stdio` for the one local client).
    pub id: String,
    pub role: String,
    /// The tenant the identity belongs to (`default` unless its credential names one).
    pub tenant: String,
    /// The client's network address, when it has one.
    pub address: Option<String>,
}

impl Caller {
    /// The local client on stdio: the user who started the process, in the configured role.
    pub fn stdio(role: &str) -> Caller {
        Caller { id: "stdio".into(), role: role.into(), tenant: crate::tenant::DEFAULT.into(), address: None }
    }

    /// The host itself, reading EP data for its own purposes (completion values).
    pub fn host() -> Caller {
        Caller { id: "host".into(), role: "host".into(), tenant: crate::tenant::DEFAULT.into(), address: None }
    }
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
