//! OAuth 2.1 resource server: bearer JWTs (RS256 or ES256) checked against the keys of a
//! JWKS file — signature, `iss`, `aud`, `exp`, `nbf` (with a clock-skew leeway) and `sub` —
//! and their scopes mapped to a role. The metadata clients use to find the authorization
//! server is served at `/.well-known/oauth-protected-resource` (RFC 9728).

use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::auth::AuthError;

#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub jwks_file: PathBuf,
    pub issuer: String,
    pub audience: String,
    pub leeway_secs: u64,
    /// `scope → role`, in order of preference: a token's role is that of the first listed
    /// scope it carries.
    pub scope_roles: Vec<(String, String)>,
}

#[derive(Clone)]
pub struct TokenValidator {
    config: TokenConfig,
    keys: Vec<Key>,
}

#[derive(Clone)]
struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

impl std::fmt::Debug for TokenValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenValidator").field("config", &self.config).field("keys", &self.keys.len()).finish()
    }
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    /// RFC 8693 / OAuth: space-separated scopes.
    #[serde(default)]
    scope: Option<String>,
    /// Some servers send scopes as an array.
    #[serde(default)]
    scp: Option<Vec<String>>,
}

impl TokenValidator {
    /// Reads the JWKS; keys other than RSA (RS256) and P-256 (ES256) are skipped.
    pub fn load(config: TokenConfig) -> Result<TokenValidator> {
        let text = std::fs::read_to_string(&config.jwks_file).with_context(|| format!("reading JWKS {}", config.jwks_file.display()))?;
        let set: JwkSet = serde_json::from_str(&text).with_context(|| format!("JWKS {} is not a JWK set", config.jwks_file.display()))?;
        let mut keys = Vec::new();
        for jwk in &set.keys {
            let (algorithm, key) = match &jwk.algorithm {
                AlgorithmParameters::RSA(rsa) => (Algorithm::RS256, DecodingKey::from_rsa_components(&rsa.n, &rsa.e)?),
                AlgorithmParameters::EllipticCurve(ec) if matches!(ec.curve, jsonwebtoken::jwk::EllipticCurve::P256) => {
                    (Algorithm::ES256, DecodingKey::from_ec_components(&ec.x, &ec.y)?)
                }
                _ => continue,
            };
            keys.push(Key { kid: jwk.common.key_id.clone(), algorithm, key });
        }
        if keys.is_empty() {
            bail!("JWKS {} holds no RS256 or ES256 key", config.jwks_file.display());
        }
        if config.issuer.is_empty() || config.audience.is_empty() {
            bail!("bearer tokens need --token-issuer and --token-audience");
        }
        Ok(TokenValidator { config, keys })
    }

    /// The token's subject and role, or why it is refused.
    pub fn validate(&self, token: &str) -> Result<(String, String), AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid("malformed token"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(AuthError::Invalid("token algorithm not accepted"));
        }
        let key = self
            .keys
            .iter()
            .filter(|k| k.algorithm == header.alg)
            .find(|k| header.kid.is_none() || k.kid == header.kid)
            .ok_or(AuthError::Invalid("token signed by an unknown key"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.leeway = self.config.leeway_secs;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map_err(|e| AuthError::Invalid(reason(&e)))?.claims;
        let scopes: Vec<&str> = claims.scope.as_deref().unwrap_or_default().split_whitespace().chain(claims.scp.iter().flatten().map(String::as_str)).collect();
        let role = self
            .config
            .scope_roles
            .iter()
            .find(|(scope, _)| scopes.contains(&scope.as_str()))
            .map(|(_, role)| role.clone())
            .ok_or(AuthError::InsufficientScope)?;
        let subject: String = claims.sub.chars().filter(|c| !c.is_control()).take(128).collect();
        Ok((subject, role))
    }

    /// RFC 9728 protected resource metadata.
    pub fn metadata(&self) -> serde_json::Value {
        let scopes: Vec<&str> = self.config.scope_roles.iter().map(|(s, _)| s.as_str()).collect();
        serde_json::json!({
            "resource": self.config.audience,
            "authorization_servers": [self.config.issuer],
            "scopes_supported": scopes,
            "bearer_methods_supported": ["header"],
            "resource_signing_alg_values_supported": ["RS256", "ES256"],
        })
    }
}

/// A fixed word per failure (for clients, audit records and metrics).
fn reason(e: &jsonwebtoken::errors::Error) -> &'static str {
    use jsonwebtoken::errors::ErrorKind;
    match e.kind() {
        ErrorKind::ExpiredSignature => "token expired",
        ErrorKind::ImmatureSignature => "token not yet valid",
        ErrorKind::InvalidAudience => "token for another audience",
        ErrorKind::InvalidIssuer => "token from another issuer",
        ErrorKind::InvalidSignature => "token signature invalid",
        ErrorKind::MissingRequiredClaim(_) => "token lacks a required claim",
        _ => "malformed token",
    }
}

/// `scope=role,scope=role` → ordered pairs.
pub fn parse_scope_roles(raw: &str) -> Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    for entry in raw.split(',').map(str::trim).filter(|e| !e.is_empty()) {
        let (scope, role) = entry.split_once('=').with_context(|| format!("scope mapping '{entry}' is not scope=role"))?;
        let (scope, role) = (scope.trim(), role.trim());
        if scope.is_empty() || scope.chars().any(|c| c.is_whitespace() || c.is_control()) {
            bail!("scope mapping '{entry}': '{scope}' is not a scope");
        }
        if !crate::identity::valid_role(role) {
            bail!("scope mapping '{entry}': '{role}' is not a role name");
        }
        pairs.push((scope.to_string(), role.to_string()));
    }
    Ok(pairs)
}
