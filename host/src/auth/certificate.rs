//! Client certificates as identities: the listener's TLS handshake verifies the chain,
//! and this reads what the identity is made of.

/// A client certificate the handshake verified: the common name its role is mapped by,
/// and the certificate itself (the identity is its digest: two certificates with one name
/// are two callers).
#[derive(Debug)]
pub struct ClientCertificate {
    pub name: String,
    pub der: Vec<u8>,
}

/// The client certificate of a verified leaf, if its subject has a common name.
pub fn client_certificate(der: &[u8]) -> Option<ClientCertificate> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let name = cert.subject().iter_common_name().next()?.as_str().ok()?;
    Some(ClientCertificate { name: name.to_string(), der: der.to_vec() })
}
