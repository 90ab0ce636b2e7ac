//! TLS for the hosted listener (rustls): TLS 1.3 only, certificate chain and key from PEM
//! files, reloaded when either file changes (a renewed certificate needs no restart; a
//! broken one is logged and the old one keeps serving).

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};
use std::time::{Duration, SystemTime};

use anyhow::{Context, Result};
use rustls::crypto::ring;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use tokio_util::sync::CancellationToken;

/// How often the certificate files are checked for changes.
const RELOAD_CHECK: Duration = Duration::from_secs(2);

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// Mutual TLS: client certificates must chain to this CA (PEM).
    pub client_ca: Option<PathBuf>,
    /// With `client_ca`: a client may also connect without a certificate.
    pub client_cert_optional: bool,
}

/// The certificate served now; swapped whole on reload.
#[derive(Debug)]
struct Current(RwLock<Arc<CertifiedKey>>);

impl ResolvesServerCert for Current {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.0.read().unwrap_or_else(|e| e.into_inner()).clone())
    }
}

fn load(files: &TlsFiles) -> Result<Arc<CertifiedKey>> {
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("reading TLS certificate {}", files.cert.display()))?
        .collect::<Result<_, _>>()
        .with_context(|| format!("TLS certificate {} is not PEM", files.cert.display()))?;
    anyhow::ensure!(!chain.is_empty(), "TLS certificate {} holds no certificate", files.cert.display());
    let key = PrivateKeyDer::from_pem_file(&files.key).with_context(|| format!("reading TLS key {}", files.key.display()))?;
    let certified = CertifiedKey::from_der(chain, key, &ring::default_provider())
        .with_context(|| format!("TLS key {} does not match certificate {}", files.key.display(), files.cert.display()))?;
    Ok(Arc::new(certified))
}

fn modified(files: &TlsFiles) -> Option<(SystemTime, SystemTime)> {
    let time = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    Some((time(&files.cert)?, time(&files.key)?))
}

/// The acceptor for the listener, and a task that reloads the files when they change
/// (until `stop`).
pub fn acceptor(files: TlsFiles, stop: CancellationToken) -> Result<tokio_rustls::TlsAcceptor> {
    let current = Arc::new(Current(RwLock::new(load(&files)?)));
    let provider = Arc::new(ring::default_provider());
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone()).with_protocol_versions(&[&rustls::version::TLS13])?;
    let builder = match &files.client_ca {
        None => builder.with_no_client_auth(),
        Some(ca) => builder.with_client_cert_verifier(client_verifier(ca, files.client_cert_optional, provider)?),
    };
    let mut config = builder.with_cert_resolver(current.clone());
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    tokio::spawn(async move {
        let mut seen = modified(&files);
        loop {
            tokio::select! {
                () = tokio::time::sleep(RELOAD_CHECK) => {}
                () = stop.cancelled() => return,
            }
            let now = modified(&files);
            if now == seen {
                continue;
            }
            seen = now;
            match load(&files) {
                Ok(certified) => {
                    *current.0.write().unwrap_or_else(|e| e.into_inner()) = certified;
                    tracing::info!(cert = %files.cert.display(), "TLS certificate reloaded");
                }
                Err(e) => tracing::error!("TLS certificate not reloaded, the previous one stays: {e:#}"),
            }
        }
    });
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(config)))
}

/// Client certificates must chain to the CA of `ca` (webpki: validity, key usage, chain).
fn client_verifier(ca: &Path, optional: bool, provider: Arc<rustls::crypto::CryptoProvider>) -> Result<Arc<dyn rustls::server::danger::ClientCertVerifier>> {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).with_context(|| format!("reading client CA {}", ca.display()))? {
        roots.add(cert.with_context(|| format!("client CA {} is not PEM", ca.display()))?).with_context(|| format!("client CA {}", ca.display()))?;
    }
    anyhow::ensure!(!roots.is_empty(), "client CA {} holds no certificate", ca.display());
    let builder = rustls::server::WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider);
    let builder = if optional { builder.allow_unauthenticated() } else { builder };
    Ok(builder.build()?)
}

/// The client side of `epmcp --health` against a TLS listener: it trusts exactly the
/// certificate the configuration names (it asks its own server, by address).
pub fn pinned_connector(files: &TlsFiles) -> Result<tokio_rustls::TlsConnector> {
    let leaf = CertificateDer::pem_file_iter(&files.cert)
        .with_context(|| format!("reading TLS certificate {}", files.cert.display()))?
        .next()
        .with_context(|| format!("TLS certificate {} holds no certificate", files.cert.display()))??;
    let provider = Arc::new(ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&[&rustls::version::TLS13])?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(Pinned { leaf, provider }))
        .with_no_client_auth();
    Ok(tokio_rustls::TlsConnector::from(Arc::new(config)))
}

#[derive(Debug)]
struct Pinned {
    leaf: CertificateDer<'static>,
    provider: Arc<rustls::crypto::CryptoProvider>,
}

impl rustls::client::danger::ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.leaf.as_ref() {
            Ok(rustls::client::danger::ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("the server's certificate is not the configured one".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}
