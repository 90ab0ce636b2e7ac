//! Authentication on the hosted listener. API keys: the configuration holds only their
//! SHA-256 (`role:hash`), so a leaked config file gives no key away. Bearer JWTs: see
//! `jwt`. A request with no credentials gets the anonymous role, if one is configured; a
//! request with wrong credentials is refused, never downgraded to anonymous.

pub mod certificate;
pub mod jwt;

use std::collections::HashMap;
use std::net::IpAddr;

use anyhow::{Context, Result, bail};
use http::HeaderMap;

use crate::digest::sha256_hex;
use crate::identity::{Caller, digest_id, label, valid_role};
use crate::auth::jwt::TokenValidator;
use certificate::ClientCertificate;
use crate::identity::DEFAULT_TENANT;

/// Prefix of keys made by `epmcp keys add` (tells a key from a token at a glance).
const KEY_PREFIX: &str = "epk_";

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum AuthError {
    #[error("authentication required")]
    Missing,
    #[error("invalid credentials: {0}")]
    Invalid(&'static str),
    #[error("the token carries no scope this server grants a role for")]
    InsufficientScope,
}

impl AuthError {
    /// A fixed word for audit records and metrics.
    pub fn reason(&self) -> &'static str {
        match self {
            AuthError::Missing => "missing",
            AuthError::Invalid(reason) => reason,
            AuthError::InsufficientScope => "insufficient scope",
        }
    }
}

/// What a key or certificate grants: a role within a tenant.
#[derive(Debug, Clone, PartialEq)]
struct Grant {
    role: String,
    tenant: String,
}

impl Grant {
    /// `role[@tenant]`: a role name, and a tenant `tenants` holds (none named: `default`).
    fn parse(text: &str, tenants: &[String]) -> Result<Grant> {
        let (role, tenant) = text.split_once('@').unwrap_or((text, DEFAULT_TENANT));
        if !valid_role(role) {
            bail!("'{role}' is not a role name (lower-case letters, digits, - and _)");
        }
        if tenant != DEFAULT_TENANT && !tenants.iter().any(|t| t == tenant) {
            bail!("no such tenant '{tenant}' in the tenants file");
        }
        Ok(Grant { role: role.to_string(), tenant: tenant.to_string() })
    }
}

#[derive(Debug, Clone, Default)]
pub struct Authenticator {
    /// SHA-256 (hex) of each key → its role and tenant.
    keys: HashMap<String, Grant>,
    /// The tenants credentials may name.
    tenants: Vec<String>,
    /// Client certificates' common names → role and tenant (mutual TLS).
    certificates: HashMap<String, Grant>,
    /// The role of requests without credentials; `None`: they are refused.
    anonymous_role: Option<String>,
    /// Bearer JWTs, when an issuer is configured.
    tokens: Option<TokenValidator>,
}

impl Authenticator {
    /// `role[@tenant]:sha256hex,…`, the anonymous role (`none`: no anonymous access), and
    /// the tenants a key or token may name (besides `default`).
    pub fn new(keys: &str, anonymous_role: &str, tokens: Option<TokenValidator>, tenants: &[String]) -> Result<Authenticator> {
        let mut parsed = HashMap::new();
        for entry in keys.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (grant, hash) = entry.split_once(':').with_context(|| format!("API key entry '{entry}' is not role[@tenant]:sha256"))?;
            let grant = Grant::parse(grant, tenants).with_context(|| format!("API key entry for '{grant}'"))?;
            if hash.len() != 64 || !hash.chars().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()) {
                bail!("API key entry for role '{}': the hash must be 64 lower-case hex digits (from `epmcp keys add`)", grant.role);
            }
            parsed.insert(hash.to_string(), grant);
        }
        let anonymous_role = match anonymous_role {
            "none" => None,
            role if valid_role(role) => Some(role.to_string()),
            role => bail!("anonymous role '{role}' is not a role name (or `none`)"),
        };
        Ok(Authenticator { keys: parsed, tenants: tenants.to_vec(), certificates: HashMap::new(), anonymous_role, tokens })
    }

    /// Client certificates as identities: `CN=role[@tenant],…` (tenants as given to [`Self::new`]).
    pub fn with_certificates(mut self, raw: &str) -> Result<Authenticator> {
        for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (name, grant) = entry.rsplit_once('=').with_context(|| format!("client certificate entry '{entry}' is not CN=role[@tenant]"))?;
            let name = name.trim();
            if name.is_empty() || name.chars().any(char::is_control) {
                bail!("client certificate entry '{entry}': empty or unprintable common name");
            }
            let grant = Grant::parse(grant, &self.tenants).with_context(|| format!("client certificate entry '{entry}'"))?;
            self.certificates.insert(name.to_string(), grant);
        }
        Ok(self)
    }

    /// API keys counted per role (`role@tenant` outside the default tenant), and the
    /// anonymous role (no hashes: see `admin_config`).
    pub fn summary(&self) -> serde_json::Value {
        let mut per_role = std::collections::BTreeMap::<String, usize>::new();
        for grant in self.keys.values() {
            let name = if grant.tenant == DEFAULT_TENANT { grant.role.clone() } else { format!("{}@{}", grant.role, grant.tenant) };
            *per_role.entry(name).or_default() += 1;
        }
        let tokens = self.tokens.as_ref().map(TokenValidator::metadata);
        let certificates: std::collections::BTreeMap<&str, String> =
            self.certificates.iter().map(|(name, g)| (name.as_str(), format!("{}@{}", g.role, g.tenant))).collect();
        serde_json::json!({"apiKeys": per_role, "anonymousRole": self.anonymous_role, "bearerTokens": tokens, "clientCertificates": certificates})
    }

    /// The bearer-token validator, when tokens are accepted.
    pub fn tokens(&self) -> Option<&TokenValidator> {
        self.tokens.as_ref()
    }

    /// RFC 9728 metadata, when bearer tokens are accepted.
    pub fn resource_metadata(&self) -> Option<serde_json::Value> {
        self.tokens.as_ref().map(TokenValidator::metadata)
    }

    /// The caller a request's headers identify, else the connection's client certificate
    /// (its common name, verified against the client CA in the handshake), else anonymous.
    /// Each identity is a digest of the principal whole (a token's issuer and full subject,
    /// a certificate's DER): names that differ anywhere, even after a length cut or only in
    /// control characters, are different callers. The readable label is for logs only.
    pub fn authenticate(&self, headers: &HeaderMap, peer: IpAddr, certificate: Option<&ClientCertificate>) -> Result<Caller, AuthError> {
        let address = Some(peer.to_string());
        let Some(credential) = credential(headers)? else {
            if let Some(certificate) = certificate {
                let grant = self.certificates.get(&certificate.name).ok_or(AuthError::Invalid("client certificate not mapped to a role"))?;
                return Ok(Caller {
                    id: digest_id("cert", &certificate.der),
                    label: label("cert", &certificate.name),
                    role: grant.role.clone(),
                    tenant: grant.tenant.clone(),
                    address,
                    expires: None,
                });
            }
            let role = self.anonymous_role.clone().ok_or(AuthError::Missing)?;
            let id = format!("addr:{peer}");
            return Ok(Caller { label: id.clone(), id, role, tenant: DEFAULT_TENANT.into(), address, expires: None });
        };
        if !credential.starts_with(KEY_PREFIX) {
            return match &self.tokens {
                Some(tokens) if credential.matches('.').count() == 2 => {
                    let token = tokens.validate(credential)?;
                    let tenant = match token.tenant {
                        None => DEFAULT_TENANT.to_string(),
                        Some(t) if self.tenants.contains(&t) => t,
                        Some(_) => return Err(AuthError::Invalid("token for an unknown tenant")),
                    };
                    let principal = [token.issuer.as_bytes(), b"\0", token.subject.as_bytes()].concat();
                    Ok(Caller {
                        id: digest_id("sub", &principal),
                        label: label("sub", &token.subject),
                        role: token.role,
                        tenant,
                        address,
                        expires: Some(token.expires),
                    })
                }
                _ => Err(AuthError::Invalid("unknown credential type")),
            };
        }
        let hash = sha256_hex(credential.as_bytes());
        let grant = self.keys.get(&hash).ok_or(AuthError::Invalid("unknown API key"))?;
        // The identity is a prefix of the hash: stable, and useless for guessing the key.
        let id = format!("key:{}", &hash[..12]);
        Ok(Caller { label: id.clone(), id, role: grant.role.clone(), tenant: grant.tenant.clone(), address, expires: None })
    }
}

/// `Authorization: Bearer …` or `X-API-Key: …`; two different ones are an error.
fn credential(headers: &HeaderMap) -> Result<Option<&str>, AuthError> {
    let bearer = match headers.get(http::header::AUTHORIZATION) {
        None => None,
        Some(value) => {
            let value = value.to_str().map_err(|_| AuthError::Invalid("malformed Authorization header"))?;
            let (scheme, token) = value.split_once(' ').ok_or(AuthError::Invalid("malformed Authorization header"))?;
            if !scheme.eq_ignore_ascii_case("bearer") {
                return Err(AuthError::Invalid("unsupported Authorization scheme"));
            }
            Some(token.trim())
        }
    };
    let api_key = match headers.get("x-api-key") {
        None => None,
        Some(value) => Some(value.to_str().map_err(|_| AuthError::Invalid("malformed X-API-Key header"))?.trim()),
    };
    match (bearer, api_key) {
        (Some(a), Some(b)) if a != b => Err(AuthError::Invalid("conflicting credentials")),
        (Some(c), _) | (None, Some(c)) if c.is_empty() => Err(AuthError::Invalid("empty credential")),
        (Some(c), _) | (None, Some(c)) => Ok(Some(c)),
        (None, None) => Ok(None),
    }
}


/// A new API key and the `role[@tenant]:hash` entry that admits it.
pub fn new_key(role: &str, tenant: Option<&str>) -> Result<(String, String)> {
    if !valid_role(role) {
        bail!("'{role}' is not a role name (lower-case letters, digits, - and _)");
    }
    if let Some(tenant) = tenant.filter(|t| !valid_role(t)) {
        bail!("'{tenant}' is not a tenant name (lower-case letters, digits, - and _)");
    }
    let mut secret = [0u8; 32];
    getrandom::fill(&mut secret).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let key = format!("{KEY_PREFIX}{}", secret.iter().map(|b| format!("{b:02x}")).collect::<String>());
    let grant = match tenant {
        Some(tenant) if tenant != DEFAULT_TENANT => format!("{role}@{tenant}"),
        _ => role.to_string(),
    };
    let entry = format!("{grant}:{}", sha256_hex(key.as_bytes()));
    Ok((key, entry))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        pairs.iter().map(|(k, v)| (k.parse().unwrap(), v.parse().unwrap())).collect()
    }

    #[test]
    fn keys_admit_their_role_and_nothing_else() {
        let (key, entry) = new_key("researcher", None).unwrap();
        let (other, _) = new_key("admin", None).unwrap();
        let auth = Authenticator::new(&entry, "public", None, &[]).unwrap();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let caller = auth.authenticate(&headers(&[("authorization", &format!("Bearer {key}"))]), peer, None).unwrap();
        assert_eq!(caller.role, "researcher");
        assert!(caller.id.starts_with("key:") && !caller.id.contains(&key[4..20]));
        assert_eq!(auth.authenticate(&headers(&[("x-api-key", &key)]), peer, None).unwrap(), caller);
        assert_eq!(auth.authenticate(&headers(&[("x-api-key", &other)]), peer, None), Err(AuthError::Invalid("unknown API key")));
        assert_eq!(auth.authenticate(&headers(&[]), peer, None).unwrap().role, "public");
        let closed = Authenticator::new(&entry, "none", None, &[]).unwrap();
        assert_eq!(closed.authenticate(&headers(&[]), peer, None), Err(AuthError::Missing));
        for bad in [vec![("authorization", "Basic abc")], vec![("authorization", "Bearer ")], vec![("authorization", "Bearer epk_1"), ("x-api-key", "epk_2")]] {
            assert!(matches!(auth.authenticate(&headers(&bad), peer, None), Err(AuthError::Invalid(_))), "{bad:?}");
        }
    }

    #[test]
    fn bad_entries_are_refused() {
        for bad in ["researcher", "Researcher:00", &format!("x:{}", "A".repeat(64)), "x:abc", &format!("x@nobody:{}", "a".repeat(64))] {
            assert!(Authenticator::new(bad, "public", None, &[]).is_err(), "{bad}");
        }
        assert!(Authenticator::new("", "Root", None, &[]).is_err());
    }

    #[test]
    fn keys_name_their_tenant() {
        let (key, entry) = new_key("researcher", Some("acme")).unwrap();
        assert!(entry.starts_with("researcher@acme:"), "{entry}");
        let auth = Authenticator::new(&entry, "public", None, &["acme".into()]).unwrap();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let caller = auth.authenticate(&headers(&[("x-api-key", &key)]), peer, None).unwrap();
        assert_eq!((caller.role.as_str(), caller.tenant.as_str()), ("researcher", "acme"));
        assert_eq!(auth.authenticate(&headers(&[]), peer, None).unwrap().tenant, "default", "anonymous callers are the operator's");
    }

    #[test]
    fn client_certificates_map_to_roles_and_tenants() {
        let auth = Authenticator::new("", "none", None, &["acme".into()]).unwrap().with_certificates("alice=researcher@acme, ops.example=admin").unwrap();
        let peer: IpAddr = "127.0.0.1".parse().unwrap();
        let certificate = |name: &str, der: &[u8]| ClientCertificate { name: name.into(), der: der.to_vec() };
        let alice = auth.authenticate(&headers(&[]), peer, Some(&certificate("alice", b"one"))).unwrap();
        assert_eq!((alice.label.as_str(), alice.role.as_str(), alice.tenant.as_str()), ("cert:alice", "researcher", "acme"));
        assert_eq!(alice.id, digest_id("cert", b"one"));
        // Another certificate of the same name is another identity.
        assert_ne!(auth.authenticate(&headers(&[]), peer, Some(&certificate("alice", b"two"))).unwrap().id, alice.id);
        assert_eq!(auth.authenticate(&headers(&[]), peer, Some(&certificate("ops.example", b"x"))).unwrap().tenant, "default");
        let mallory = auth.authenticate(&headers(&[]), peer, Some(&certificate("mallory", b"y")));
        assert_eq!(mallory, Err(AuthError::Invalid("client certificate not mapped to a role")));
        assert_eq!(auth.authenticate(&headers(&[]), peer, None), Err(AuthError::Missing));
        for bad in ["alice", "alice=Admin", "alice=researcher@nobody", "=researcher"] {
            let auth = Authenticator::new("", "none", None, &["acme".into()]).unwrap();
            assert!(auth.with_certificates(bad).is_err(), "{bad}");
        }
    }
}
