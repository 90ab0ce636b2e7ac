//! Which components the host trusts: a component's manifest (which names the SHA-256 of
//! its `.wasm`) must carry an Ed25519 signature by a key in the host's configuration, or
//! the manifest's own SHA-256 must be pinned there. Anything else is refused, unless the
//! operator started the host with `--allow-unsigned` (development only).
//!
//! Formats (text, one line each): a public key `ed25519:<base64 of 32 bytes>`; a private
//! key `ed25519-private:<base64 of the 32-byte seed>`; a signature file
//! `<key id> <base64 of 64 bytes>`, the key id being the first 16 hex digits of the
//! SHA-256 of the public key.

use std::path::Path;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};

use crate::digest::sha256_hex;

const PUBLIC_PREFIX: &str = "ed25519:";
/// The public key of the build this binary comes from (see `build.rs`): trusted unless
/// `--trust-build-key false`, so the components built and signed with it load as built.
pub const BUILD_KEY: &str = include_str!(concat!(env!("OUT_DIR"), "/build_key.pub"));
const PRIVATE_PREFIX: &str = "ed25519-private:";

/// Why the host accepted a component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Its manifest is signed by the trusted key with this id.
    Signed(String),
    /// Its manifest's SHA-256 is pinned in the configuration.
    Pinned,
    /// Accepted without a signature or pin because of `--allow-unsigned`.
    Unverified,
}

impl std::fmt::Display for Verdict {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Verdict::Signed(key) => write!(f, "signed by {key}"),
            Verdict::Pinned => f.write_str("pinned by digest"),
            Verdict::Unverified => f.write_str("unverified (--allow-unsigned)"),
        }
    }
}

/// The operator's trust settings.
#[derive(Debug, Clone, Default)]
pub struct Trust {
    keys: Vec<VerifyingKey>,
    /// `sha256:<hex>` of manifests trusted without a signature.
    pins: Vec<String>,
    pub allow_unsigned: bool,
    /// Whether the build's own key ([`BUILD_KEY`]) is among `keys`.
    pub build_key: bool,
}

impl Trust {
    /// `keys`: public keys, each inline (`ed25519:…`) or a path to a file holding one.
    pub fn new(keys: &[String], pins: &[String], allow_unsigned: bool) -> Result<Trust> {
        let keys = keys.iter().map(|k| read_public_key(k)).collect::<Result<Vec<_>>>()?;
        let pins = pins
            .iter()
            .map(|p| {
                let hex = p.strip_prefix("sha256:").unwrap_or(p).to_ascii_lowercase();
                if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
                    bail!("pinned digest '{p}' is not sha256:<64 hex digits>");
                }
                Ok(format!("sha256:{hex}"))
            })
            .collect::<Result<_>>()?;
        Ok(Trust { keys, pins, allow_unsigned, build_key: false })
    }

    /// Key ids of the trusted keys (for `admin_config` and logs).
    pub fn key_ids(&self) -> Vec<String> {
        self.keys.iter().map(key_id).collect()
    }

    /// Adds the build's own key.
    pub fn with_build_key(mut self) -> Result<Trust> {
        let key = read_public_key(BUILD_KEY)?;
        if !self.keys.contains(&key) {
            self.keys.push(key);
        }
        self.build_key = true;
        Ok(self)
    }

    pub fn pins(&self) -> &[String] {
        &self.pins
    }

    /// Whether a manifest (its exact bytes) and its signature file, if any, are trusted.
    /// A signature that is present but wrong is refused even with `--allow-unsigned`: it
    /// means the manifest was changed after signing.
    pub fn check(&self, manifest: &[u8], signature: Option<&str>) -> Result<Verdict> {
        if let Some(signature) = signature {
            let (id, signature) = parse_signature(signature)?;
            return match self.keys.iter().find(|k| key_id(k) == id) {
                Some(key) => match key.verify_strict(manifest, &signature) {
                    Ok(()) => Ok(Verdict::Signed(id)),
                    Err(_) => bail!("the manifest's signature by key {id} does not verify (the manifest changed after signing)"),
                },
                None if self.is_pinned(manifest) => Ok(Verdict::Pinned),
                None if self.allow_unsigned => Ok(Verdict::Unverified),
                None => bail!("the manifest is signed by key {id}, which is not a trusted key"),
            };
        }
        if self.is_pinned(manifest) {
            Ok(Verdict::Pinned)
        } else if self.allow_unsigned {
            Ok(Verdict::Unverified)
        } else {
            bail!("the manifest is neither signed by a trusted key nor pinned by digest (sha256:{})", sha256_hex(manifest))
        }
    }

    fn is_pinned(&self, manifest: &[u8]) -> bool {
        let digest = format!("sha256:{}", sha256_hex(manifest));
        self.pins.contains(&digest)
    }
}

pub fn key_id(key: &VerifyingKey) -> String {
    sha256_hex(key.as_bytes())[..16].to_string()
}

/// A public key inline (`ed25519:…`) or from the file a path names.
fn read_public_key(text: &str) -> Result<VerifyingKey> {
    let inline = if text.starts_with(PUBLIC_PREFIX) {
        text.to_string()
    } else {
        std::fs::read_to_string(text).with_context(|| format!("reading the public key file {text}"))?
    };
    let bytes = decode_32(inline.trim().strip_prefix(PUBLIC_PREFIX).context("a public key starts with 'ed25519:'")?)
        .context("a public key is 32 bytes in base64")?;
    VerifyingKey::from_bytes(&bytes).context("not an Ed25519 public key")
}

pub fn read_signing_key(path: &Path) -> Result<SigningKey> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading the signing key {}", path.display()))?;
    let seed = text.trim().strip_prefix(PRIVATE_PREFIX).and_then(|b| decode_32(b).ok());
    Ok(SigningKey::from_bytes(&seed.with_context(|| format!("{} is not an epmcp signing key", path.display()))?))
}

fn decode_32(text: &str) -> Result<[u8; 32]> {
    let bytes = BASE64.decode(text.trim())?;
    bytes.try_into().map_err(|_| anyhow::anyhow!("expected 32 bytes"))
}

fn parse_signature(text: &str) -> Result<(String, Signature)> {
    let (id, signature) = text.trim().split_once(' ').context("a signature file is '<key id> <base64 signature>'")?;
    let bytes: [u8; 64] = BASE64
        .decode(signature)
        .ok()
        .and_then(|b| b.try_into().ok())
        .context("a signature is 64 bytes in base64")?;
    Ok((id.to_string(), Signature::from_bytes(&bytes)))
}

/// The signature file's text for `manifest`.
pub fn sign(key: &SigningKey, manifest: &[u8]) -> String {
    format!("{} {}\n", key_id(&key.verifying_key()), BASE64.encode(key.sign(manifest).to_bytes()))
}

/// A new key pair: `<stem>.key` (readable by the owner only) and `<stem>.pub`. Refuses to
/// overwrite an existing key.
pub fn generate(stem: &Path) -> Result<String> {
    let (private, public) = (stem.with_extension("key"), stem.with_extension("pub"));
    if private.exists() {
        bail!("{} exists; not overwriting a key", private.display());
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|e| anyhow::anyhow!("no randomness: {e}"))?;
    let key = SigningKey::from_bytes(&seed);
    if let Some(dir) = stem.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    {
        use std::io::Write;
        use std::os::unix::fs::OpenOptionsExt;
        let mut file = std::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&private)?;
        writeln!(file, "{PRIVATE_PREFIX}{}", BASE64.encode(seed))?;
    }
    let public_text = format!("{PUBLIC_PREFIX}{}", BASE64.encode(key.verifying_key().as_bytes()));
    std::fs::write(&public, format!("{public_text}\n"))?;
    Ok(key_id(&key.verifying_key()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn public(key: &SigningKey) -> String {
        format!("{PUBLIC_PREFIX}{}", BASE64.encode(key.verifying_key().as_bytes()))
    }

    #[test]
    fn a_signature_by_a_trusted_key_verifies_and_any_change_breaks_it() {
        let signer = key(1);
        let trust = Trust::new(&[public(&signer)], &[], false).unwrap();
        let signature = sign(&signer, b"name = \"meps\"\n");
        assert_eq!(trust.check(b"name = \"meps\"\n", Some(&signature)).unwrap(), Verdict::Signed(key_id(&signer.verifying_key())));
        let changed = trust.check(b"name = \"mePs\"\n", Some(&signature)).unwrap_err().to_string();
        assert!(changed.contains("does not verify"), "{changed}");
        // Even the development flag does not accept a broken signature.
        let lax = Trust::new(&[public(&signer)], &[], true).unwrap();
        assert!(lax.check(b"other", Some(&signature)).is_err());
    }

    #[test]
    fn unknown_keys_missing_signatures_and_pins() {
        let trust = Trust::new(&[public(&key(1))], &[], false).unwrap();
        let foreign = trust.check(b"m", Some(&sign(&key(2), b"m"))).unwrap_err().to_string();
        assert!(foreign.contains("not a trusted key"), "{foreign}");
        let unsigned = trust.check(b"m", None).unwrap_err().to_string();
        assert!(unsigned.contains("neither signed") && unsigned.contains(&sha256_hex(b"m")), "{unsigned}");
        let pinned = Trust::new(&[], &[format!("sha256:{}", sha256_hex(b"m").to_uppercase())], false).unwrap();
        assert_eq!(pinned.check(b"m", None).unwrap(), Verdict::Pinned);
        assert!(pinned.check(b"m2", None).is_err());
        assert_eq!(Trust::new(&[], &[], true).unwrap().check(b"m", None).unwrap(), Verdict::Unverified);
        assert!(Trust::new(&[], &["sha256:12".into()], false).is_err());
        assert!(Trust::new(&["ed25519:AAAA".into()], &[], false).is_err());
        assert!(parse_signature("abc notbase64!").is_err());
    }

    #[test]
    fn generated_keys_round_trip_through_their_files() {
        let dir = std::env::temp_dir().join(format!("epmcp-trust-{}", std::process::id()));
        let stem = dir.join("dev");
        let id = generate(&stem).unwrap();
        assert!(generate(&stem).is_err(), "a key is never overwritten");
        let signer = read_signing_key(&stem.with_extension("key")).unwrap();
        let trust = Trust::new(&[stem.with_extension("pub").display().to_string()], &[], false).unwrap();
        assert_eq!(trust.key_ids(), vec![id.clone()]);
        assert_eq!(trust.check(b"x", Some(&sign(&signer, b"x"))).unwrap(), Verdict::Signed(id));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(stem.with_extension("key")).unwrap().permissions().mode() & 0o777, 0o600);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
