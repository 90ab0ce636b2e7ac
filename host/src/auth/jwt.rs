//! OAuth 2.1 resource server: bearer JWTs (RS256 or ES256) checked against the keys of a
//! JWKS — signature, `iss`, `aud`, `exp`, `nbf` (with a clock-skew leeway) and `sub` — and
//! their scopes mapped to a role. The JWKS comes from a file or from the authorization
//! server's URL, and is read again every [`REFRESH`] (rotated keys need no restart; a
//! failed refresh keeps the keys it has). The metadata clients use to find the
//! authorization server is served at `/.well-known/oauth-protected-resource` (RFC 9728).

use std::path::PathBuf;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

use crate::auth::AuthError;

/// How often the JWKS is read again.
pub const REFRESH: Duration = Duration::from_secs(600);
/// Largest JWKS accepted from a URL.
const MAX_JWKS_BYTES: usize = 1 << 20;

#[derive(Debug, Clone)]
pub enum JwksSource {
    File(PathBuf),
    /// https, or http to a loopback address (tests).
    Url(http::Uri),
}

impl std::fmt::Display for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JwksSource::File(path) => write!(f, "{}", path.display()),
            JwksSource::Url(uri) => write!(f, "{uri}"),
        }
    }
}

#[derive(Debug, Clone)]
pub struct TokenConfig {
    pub jwks: JwksSource,
    pub issuer: String,
    pub audience: String,
    pub leeway_secs: u64,
    /// `exp − iat` a token may span at most (`--max-token-lifetime-secs`).
    pub max_lifetime_secs: Option<u64>,
    /// `scope → role`, in order of preference: a token's role is that of the first listed
    /// scope it carries.
    pub scope_roles: Vec<(String, String)>,
}

/// Cheap to clone: clones share the keys, so a refresh reaches them all.
#[derive(Clone)]
pub struct TokenValidator {
    config: TokenConfig,
    keys: Arc<RwLock<Arc<Vec<Key>>>>,
}

#[derive(Clone)]
struct Key {
    kid: Option<String>,
    algorithm: Algorithm,
    key: DecodingKey,
}

impl std::fmt::Debug for TokenValidator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenValidator").field("config", &self.config).field("keys", &self.current().len()).finish()
    }
}

/// A valid token's principal (issuer and whole subject), role, tenant claim and expiry.
#[derive(Debug)]
pub struct Verified {
    pub issuer: String,
    pub subject: String,
    pub role: String,
    pub tenant: Option<String>,
    /// Seconds since the Unix epoch (`exp`).
    pub expires: u64,
}

#[derive(Deserialize)]
struct Claims {
    sub: String,
    exp: u64,
    #[serde(default)]
    iat: Option<u64>,
    /// RFC 8693 / OAuth: space-separated scopes.
    #[serde(default)]
    scope: Option<String>,
    /// Some servers send scopes as an array.
    #[serde(default)]
    scp: Option<Vec<String>>,
    /// The tenant the subject belongs to (absent: the default tenant).
    #[serde(default)]
    tenant: Option<String>,
}

impl TokenValidator {
    /// Checks the settings and, for a file, reads its keys now; a URL is first read by
    /// [`Self::refresh`] when the listener starts.
    pub fn load(config: TokenConfig) -> Result<TokenValidator> {
        if config.issuer.is_empty() || config.audience.is_empty() {
            bail!("bearer tokens need --token-issuer and --token-audience");
        }
        let validator = TokenValidator { config, keys: Arc::default() };
        if let JwksSource::File(path) = &validator.config.jwks {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading JWKS {}", path.display()))?;
            validator.install(&text)?;
        }
        Ok(validator)
    }

    fn current(&self) -> Arc<Vec<Key>> {
        self.keys.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Parses a JWKS and makes its keys the current ones. Keys other than RSA (RS256) and
    /// P-256 (ES256) are skipped; a set without any is refused (the old keys stay).
    fn install(&self, text: &str) -> Result<usize> {
        let source = &self.config.jwks;
        let set: JwkSet = serde_json::from_str(text).with_context(|| format!("JWKS {source} is not a JWK set"))?;
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
            bail!("JWKS {source} holds no RS256 or ES256 key");
        }
        let count = keys.len();
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(keys);
        Ok(count)
    }

    /// Reads the JWKS again (from its file or URL); the keys in use stay if that fails.
    pub async fn refresh(&self) -> Result<usize> {
        let text = match &self.config.jwks {
            JwksSource::File(path) => std::fs::read_to_string(path).with_context(|| format!("reading JWKS {}", path.display()))?,
            JwksSource::Url(uri) => fetch(uri).await?,
        };
        self.install(&text)
    }

    /// Refreshes every [`REFRESH`] until `stop`.
    pub fn keep_fresh(&self, stop: tokio_util::sync::CancellationToken) {
        let validator = self.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    () = tokio::time::sleep(REFRESH) => {}
                    () = stop.cancelled() => return,
                }
                match validator.refresh().await {
                    Ok(keys) => tracing::debug!(keys, "JWKS refreshed"),
                    Err(e) => tracing::warn!("JWKS refresh failed, the keys in use stay: {e:#}"),
                }
            }
        });
    }

    /// What a valid token says, or why it is refused.
    pub fn validate(&self, token: &str) -> Result<Verified, AuthError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Invalid("malformed token"))?;
        if !matches!(header.alg, Algorithm::RS256 | Algorithm::ES256) {
            return Err(AuthError::Invalid("token algorithm not accepted"));
        }
        let keys = self.current();
        let mut candidates = keys.iter().filter(|k| k.algorithm == header.alg);
        // Without a `kid`, a token names its key only if the JWKS has one key of its algorithm.
        if header.kid.is_none() && keys.iter().filter(|k| k.algorithm == header.alg).count() > 1 {
            return Err(AuthError::Invalid("token without kid, and several keys could have signed it"));
        }
        let key = candidates.find(|k| header.kid.is_none() || k.kid == header.kid).ok_or(AuthError::Invalid("token signed by an unknown key"))?;
        let mut validation = Validation::new(header.alg);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.leeway = self.config.leeway_secs;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        let claims = jsonwebtoken::decode::<Claims>(token, &key.key, &validation).map_err(|e| AuthError::Invalid(reason(&e)))?.claims;
        if let Some(max) = self.config.max_lifetime_secs {
            match claims.iat {
                None => return Err(AuthError::Invalid("token without iat (a lifetime limit is set)")),
                Some(iat) if claims.exp.saturating_sub(iat) > max => return Err(AuthError::Invalid("token lifetime longer than allowed")),
                Some(_) => {}
            }
        }
        let scopes: Vec<&str> = claims.scope.as_deref().unwrap_or_default().split_whitespace().chain(claims.scp.iter().flatten().map(String::as_str)).collect();
        let role = self
            .config
            .scope_roles
            .iter()
            .find(|(scope, _)| scopes.contains(&scope.as_str()))
            .map(|(_, role)| role.clone())
            .ok_or(AuthError::InsufficientScope)?;
        Ok(Verified { issuer: self.config.issuer.clone(), subject: claims.sub, role, tenant: claims.tenant, expires: claims.exp })
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

/// GET the JWKS with the same client rules as the EP API (no redirects, capped, timed out).
async fn fetch(uri: &http::Uri) -> Result<String> {
    let origin = format!("{}://{}", uri.scheme_str().unwrap_or("https"), uri.authority().map(|a| a.as_str()).unwrap_or_default());
    let path = uri.path_and_query().map(|p| p.as_str().trim_start_matches('/')).unwrap_or_default().to_string();
    let client = crate::egress::upstream::Upstream::new(crate::egress::upstream::UpstreamConfig {
        base_url: crate::egress::upstream::parse_base_url(&origin)?,
        total_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        max_body_bytes: MAX_JWKS_BYTES,
    })?;
    let accept = http::HeaderValue::from_static("application/jwk-set+json, application/json");
    let response = client.get(&path, Some(accept)).await.with_context(|| format!("fetching JWKS {uri}"))?;
    if !response.status().is_success() {
        bail!("fetching JWKS {uri}: HTTP {}", response.status());
    }
    Ok(String::from_utf8_lossy(response.body()).into_owned())
}
