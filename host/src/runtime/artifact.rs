//! A component as an OCI artifact, for `epmcp components push|pull`.
//!
//! The layout is the CNCF one for WebAssembly where it fits: config media type
//! `application/vnd.wasm.config.v0+json` (architecture `wasm`, os `wasip2`) and the code as
//! the one `application/wasm` layer, which tools that know that layout can read. Beside it
//! are two layers of our own: the component's manifest and the manifest's signature, so
//! the policy travels with the code and is checked as a load checks it.
//!
//! Pulling checks what the registry sends against what it claims: a pinned reference
//! (`…@sha256:…`) against the manifest's own digest, every layer against its descriptor's
//! digest, and every size against the caps a load applies. Trust (signature or pin, and the
//! manifest naming the code's digest) is the caller's to check, on the files, as a load does.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use futures::StreamExt;
use oci_client::client::{ClientConfig, ClientProtocol};
use oci_client::manifest::{OCI_IMAGE_MEDIA_TYPE, OciDescriptor, OciImageManifest};
use oci_client::secrets::RegistryAuth;
use oci_client::{Client, Reference};

use super::install::{MAX_COMPONENT_BYTES, MAX_MANIFEST_BYTES};
use super::manifest;
use crate::digest::sha256_hex;

pub const CONFIG_MEDIA_TYPE: &str = "application/vnd.wasm.config.v0+json";
pub const WASM_MEDIA_TYPE: &str = "application/wasm";
pub const MANIFEST_MEDIA_TYPE: &str = "application/vnd.epmcp.component.manifest.v1+toml";
pub const SIGNATURE_MEDIA_TYPE: &str = "application/vnd.epmcp.component.manifest.signature.v1";
const TITLE: &str = "org.opencontainers.image.title";
const VERSION: &str = "org.opencontainers.image.version";
/// An OCI manifest of three layers is a few hundred bytes.
const MAX_OCI_MANIFEST_BYTES: usize = 64 << 10;

/// A component's files: `STEM.wasm`, `STEM.manifest.toml`, `STEM.manifest.sig`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Files {
    pub stem: String,
    pub wasm: Vec<u8>,
    pub manifest: Vec<u8>,
    pub signature: Option<Vec<u8>>,
}

impl Files {
    /// `STEM.wasm` and the manifest (and signature, if any) beside it.
    pub fn read(wasm: &Path) -> Result<Files> {
        let stem = wasm.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".wasm")).context("a component's code is a .wasm file")?;
        let stem = checked_stem(stem)?;
        let (manifest_path, signature_path) = manifest::paths(wasm);
        let read = |path: &Path| std::fs::read(path).with_context(|| format!("reading {}", path.display()));
        let signature = signature_path.exists().then(|| read(&signature_path)).transpose()?;
        Ok(Files { stem, wasm: read(wasm)?, manifest: read(&manifest_path)?, signature })
    }

    /// Writes the files into `dir`, each through a hidden temporary file and a rename:
    /// the signature, then the manifest, then the code. A watching server that reloads in
    /// between finds a manifest naming other code and keeps the old version serving; it
    /// never serves a mix. A signature left from an older version goes when this has none.
    pub fn install(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = |suffix: &str| dir.join(format!("{}.{suffix}", self.stem));
        let place = |suffix: &str, bytes: &[u8]| -> Result<()> {
            let part = dir.join(format!(".{}.{suffix}.part{}", self.stem, std::process::id()));
            std::fs::write(&part, bytes).with_context(|| format!("writing {}", part.display()))?;
            std::fs::rename(&part, path(suffix)).with_context(|| format!("installing {}", path(suffix).display()))
        };
        match &self.signature {
            Some(signature) => place("manifest.sig", signature)?,
            None => match std::fs::remove_file(path("manifest.sig")) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e).context("removing an older signature"),
                _ => {}
            },
        }
        place("manifest.toml", &self.manifest)?;
        place("wasm", &self.wasm)
    }
}

/// A file stem a registry may name: it becomes a file name in the components directory.
fn checked_stem(stem: &str) -> Result<String> {
    let ok = !stem.is_empty()
        && stem.len() <= 64
        && stem.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && !stem.starts_with('-');
    if !ok {
        bail!("'{stem}' is not a component file name (a-z, 0-9, '_' and '-', at most 64)");
    }
    Ok(stem.to_string())
}

/// An OCI reference: `registry[:port]/repository[:tag][@sha256:…]`.
pub fn reference(text: &str) -> Result<Reference> {
    text.parse::<Reference>().map_err(|e| anyhow::anyhow!("'{text}' is not an OCI reference ({e}): write registry/repository:tag or …@sha256:…"))
}

/// A registry client for one reference's registry.
pub struct Remote {
    client: Client,
    auth: RegistryAuth,
}

impl Remote {
    /// HTTPS with the system's roots; plain HTTP (`plain_http`) only to a registry on this
    /// machine. `credentials` are a user name and password (or token) for basic auth.
    pub fn new(reference: &Reference, plain_http: bool, credentials: Option<(String, String)>) -> Result<Remote> {
        // reqwest's rustls takes the process's provider: the same ring the host uses.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let registry = reference.resolve_registry().to_string();
        let protocol = if plain_http {
            let host = registry.rsplit_once(':').map_or(registry.as_str(), |(host, _)| host);
            if !matches!(host, "localhost" | "127.0.0.1" | "[::1]") {
                bail!("plain HTTP is only for a registry on this machine, not {registry}");
            }
            ClientProtocol::Http
        } else {
            ClientProtocol::Https
        };
        let config = ClientConfig {
            protocol,
            connect_timeout: Some(Duration::from_secs(10)),
            read_timeout: Some(Duration::from_secs(60)),
            ..ClientConfig::default()
        };
        let auth = credentials.map_or(RegistryAuth::Anonymous, |(user, password)| RegistryAuth::Basic(user, password));
        Ok(Remote { client: Client::new(config), auth })
    }

    /// Pushes the files as one artifact at `reference`; returns its manifest's digest. The
    /// artifact carries no time stamp, so the same files give the same digest.
    pub async fn push(&self, reference: &Reference, files: &Files, name: &str, version: &str) -> Result<String> {
        let descriptor = |bytes: &[u8], media_type: &str, file: Option<String>| OciDescriptor {
            media_type: media_type.to_string(),
            digest: format!("sha256:{}", sha256_hex(bytes)),
            size: bytes.len() as i64,
            annotations: file.map(|file| BTreeMap::from([(TITLE.to_string(), file)])),
            ..OciDescriptor::default()
        };
        let code = descriptor(&files.wasm, WASM_MEDIA_TYPE, Some(format!("{}.wasm", files.stem)));
        let config = serde_json::to_vec(&serde_json::json!({
            "architecture": "wasm",
            "os": "wasip2",
            "layerDigests": [code.digest],
        }))?;
        // The config first, then the layers: the code, its manifest, its signature.
        let mut blobs: Vec<(&[u8], OciDescriptor)> = vec![
            (&config, descriptor(&config, CONFIG_MEDIA_TYPE, None)),
            (&files.wasm, code),
            (&files.manifest, descriptor(&files.manifest, MANIFEST_MEDIA_TYPE, Some(format!("{}.manifest.toml", files.stem)))),
        ];
        if let Some(signature) = &files.signature {
            blobs.push((signature, descriptor(signature, SIGNATURE_MEDIA_TYPE, Some(format!("{}.manifest.sig", files.stem)))));
        }
        let manifest = OciImageManifest {
            media_type: Some(OCI_IMAGE_MEDIA_TYPE.to_string()),
            config: blobs[0].1.clone(),
            layers: blobs[1..].iter().map(|(_, layer)| layer.clone()).collect(),
            annotations: Some(BTreeMap::from([(TITLE.to_string(), name.to_string()), (VERSION.to_string(), version.to_string())])),
            ..OciImageManifest::default()
        };
        self.client.store_auth_if_needed(reference.resolve_registry(), &self.auth).await;
        for (bytes, blob) in &blobs {
            self.client.push_blob(reference, bytes.to_vec(), &blob.digest).await.with_context(|| format!("pushing a layer to {reference}"))?;
        }
        let body = serde_json::to_vec(&manifest)?;
        let content_type = OCI_IMAGE_MEDIA_TYPE.parse().expect("a valid header value");
        self.client.push_manifest_raw(reference, body.clone(), content_type).await.with_context(|| format!("pushing the manifest to {reference}"))?;
        Ok(format!("sha256:{}", sha256_hex(&body)))
    }

    /// The digest of the artifact `reference` names now (a HEAD request: nothing downloaded).
    pub async fn digest(&self, reference: &Reference) -> Result<String> {
        self.client.fetch_manifest_digest(reference, &self.auth).await.with_context(|| format!("looking up {reference}"))
    }

    /// The component at `reference`, with the digest of its OCI manifest. Refused: a
    /// manifest whose digest is not the pinned one, an artifact that is not a component's,
    /// and any layer larger than a load accepts or whose bytes are not its digest's.
    pub async fn pull(&self, reference: &Reference) -> Result<(Files, String)> {
        let (body, _) = self
            .client
            .pull_manifest_raw(reference, &self.auth, &[OCI_IMAGE_MEDIA_TYPE])
            .await
            .with_context(|| format!("fetching the manifest of {reference}"))?;
        if body.len() > MAX_OCI_MANIFEST_BYTES {
            bail!("the OCI manifest of {reference} is larger than {} KiB", MAX_OCI_MANIFEST_BYTES >> 10);
        }
        // The digest of the bytes received, not the one the registry states.
        let digest = format!("sha256:{}", sha256_hex(&body));
        if let Some(pinned) = reference.digest()
            && pinned != digest
        {
            bail!("{reference} is pinned to {pinned}, but the registry sent a manifest whose digest is {digest}");
        }
        let manifest: OciImageManifest = serde_json::from_slice(&body).with_context(|| format!("the OCI manifest of {reference} does not parse"))?;
        if manifest.config.media_type != CONFIG_MEDIA_TYPE {
            bail!("{reference} is not a WebAssembly artifact (config media type '{}')", manifest.config.media_type);
        }
        let one = |media_type: &str| -> Result<Option<&OciDescriptor>> {
            let mut found = manifest.layers.iter().filter(|l| l.media_type == media_type);
            let first = found.next();
            if found.next().is_some() {
                bail!("{reference} has more than one layer of type {media_type}");
            }
            Ok(first)
        };
        let known = [WASM_MEDIA_TYPE, MANIFEST_MEDIA_TYPE, SIGNATURE_MEDIA_TYPE];
        if let Some(other) = manifest.layers.iter().find(|l| !known.contains(&l.media_type.as_str())) {
            bail!("{reference} has a layer epmcp does not know ({})", other.media_type);
        }
        let wasm = one(WASM_MEDIA_TYPE)?.with_context(|| format!("{reference} has no application/wasm layer"))?;
        let component_manifest = one(MANIFEST_MEDIA_TYPE)?.with_context(|| format!("{reference} has no epmcp manifest layer: it is not an epmcp component"))?;
        let signature = one(SIGNATURE_MEDIA_TYPE)?;
        let title = wasm.annotations.as_ref().and_then(|a| a.get(TITLE)).with_context(|| format!("{reference}: the wasm layer has no file name"))?;
        let stem = checked_stem(title.strip_suffix(".wasm").with_context(|| format!("{reference}: the wasm layer's name '{title}' is not NAME.wasm"))?)?;
        let files = Files {
            stem,
            wasm: self.blob(reference, wasm, MAX_COMPONENT_BYTES).await?,
            manifest: self.blob(reference, component_manifest, MAX_MANIFEST_BYTES).await?,
            signature: match signature {
                Some(signature) => Some(self.blob(reference, signature, MAX_MANIFEST_BYTES).await?),
                None => None,
            },
        };
        Ok((files, digest))
    }

    /// One layer, at most `cap` bytes, whose bytes must have the descriptor's digest.
    async fn blob(&self, reference: &Reference, layer: &OciDescriptor, cap: u64) -> Result<Vec<u8>> {
        let what = format!("{reference}: the {} layer", layer.media_type);
        if layer.size < 0 || layer.size as u64 > cap {
            bail!("{what} is {} bytes, more than the {cap} a component may have", layer.size);
        }
        let mut stream = self.client.pull_blob_stream(reference, layer).await.with_context(|| format!("fetching {what}"))?;
        let mut bytes = Vec::with_capacity(layer.size as usize);
        while let Some(chunk) = stream.next().await {
            match chunk {
                Ok(chunk) if (bytes.len() + chunk.len()) as u64 <= cap => bytes.extend_from_slice(&chunk),
                Ok(_) => bail!("{what} is larger than the {cap} bytes a component may have"),
                Err(e) => return Err(anyhow::anyhow!("{e}")).with_context(|| format!("fetching {what}")),
            }
        }
        let digest = format!("sha256:{}", sha256_hex(&bytes));
        if digest != layer.digest {
            bail!("{what} was tampered with: its bytes are {digest}, the manifest names {}", layer.digest);
        }
        Ok(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_file_names_come_from_a_registry() {
        for good in ["meps", "hostile_js", "demo-tool", "v2"] {
            assert_eq!(checked_stem(good).unwrap(), good);
        }
        for bad in ["", "../meps", "a/b", ".hidden", "-x", "Meps", "m\u{e9}ps", "x".repeat(65).as_str(), "meps.wasm"] {
            assert!(checked_stem(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        assert!(Remote::new(&reference("127.0.0.1:5000/epmcp/meps:1").unwrap(), true, None).is_ok());
        assert!(Remote::new(&reference("localhost:5000/epmcp/meps:1").unwrap(), true, None).is_ok());
        let remote = Remote::new(&reference("registry.example.org/epmcp/meps:1").unwrap(), true, None);
        assert!(remote.err().unwrap().to_string().contains("plain HTTP"));
        assert!(Remote::new(&reference("registry.example.org/epmcp/meps:1").unwrap(), false, None).is_ok());
    }

    #[test]
    fn install_replaces_a_stale_signature_and_leaves_no_temporary_file() {
        let dir = std::env::temp_dir().join(format!("epmcp-artifact-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let signed = Files { stem: "c".into(), wasm: b"code".to_vec(), manifest: b"m".to_vec(), signature: Some(b"s".to_vec()) };
        signed.install(&dir).unwrap();
        assert_eq!(Files::read(&dir.join("c.wasm")).unwrap(), signed);
        let pinned = Files { signature: None, wasm: b"code 2".to_vec(), ..signed };
        pinned.install(&dir).unwrap();
        assert_eq!(Files::read(&dir.join("c.wasm")).unwrap(), pinned);
        let names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        assert_eq!(names.len(), 2, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
