//! The root certificates every TLS connection trusts, read once per
//! process and shared: reqwest (Slack, the office webhook) gets one rustls
//! configuration built on the one root store, and the AWS SDK's HTTP client
//! is built on the same bundle's bytes instead of reading the system's
//! certificates again on its own.
//!
//! What is read: `SSL_CERT_FILE` / `SSL_CERT_DIR` when set (as OpenSSL and
//! `rustls-native-certs` honour them); else the system's bundle file alone
//! (`/etc/ssl/certs/ca-certificates.crt` on Debian,
//! `/etc/pki/tls/certs/ca-bundle.crt` on Amazon Linux, which Lambda's
//! `provided.al2023` runs): every distribution generates its certificate
//! directory and its bundle from the same certificates, and reading the
//! directory too (about 300 files here) cost init some 3 ms a time. Only
//! without a bundle is the directory read, and then once as well.

use std::sync::{Arc, LazyLock};

use aws_smithy_http_client::tls::{self, TlsContext, TrustStore};
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;

struct Roots {
    /// The certificates the store holds, as PEM, for the SDK's trust store.
    pem: Vec<u8>,
    store: Arc<RootCertStore>,
}

static ROOTS: LazyLock<Roots> = LazyLock::new(load);

/// The bundle file to read: `SSL_CERT_FILE` alone, else the system's.
fn bundle() -> Option<std::path::PathBuf> {
    let env_set =
        std::env::var_os("SSL_CERT_FILE").is_some() || std::env::var_os("SSL_CERT_DIR").is_some();
    if env_set {
        std::env::var_os("SSL_CERT_FILE")
            .filter(|_| std::env::var_os("SSL_CERT_DIR").is_none())
            .map(std::path::PathBuf::from)
    } else {
        openssl_probe::probe().cert_file
    }
}

fn load() -> Roots {
    let from_bundle: Vec<CertificateDer<'static>> = bundle()
        .and_then(|path| std::fs::read(path).ok())
        .map(|pem| {
            CertificateDer::pem_slice_iter(&pem)
                .filter_map(Result::ok)
                .collect()
        })
        .unwrap_or_default();
    if !from_bundle.is_empty() {
        return roots(from_bundle);
    }
    let found = rustls_native_certs::load_native_certs();
    if !found.errors.is_empty() {
        tracing::warn!(errors = ?found.errors, "some root certificates could not be read");
    }
    roots(found.certs)
}

/// The store of the certificates that parse, and the same as PEM: the SDK
/// adds every certificate of the PEM it is given and panics on one it
/// cannot parse, and reading them again would be the second read this
/// module exists to avoid.
fn roots(certs: Vec<CertificateDer<'static>>) -> Roots {
    let mut store = RootCertStore::empty();
    let mut pem = String::new();
    for cert in certs {
        if store.add(cert.clone()).is_ok() {
            pem.push_str(&pem_of(&cert));
        }
    }
    if store.is_empty() {
        tracing::warn!("no root certificates found: TLS connections will fail");
    }
    Roots {
        pem: pem.into_bytes(),
        store: Arc::new(store),
    }
}

/// One certificate as PEM, 64 base64 characters a line.
fn pem_of(cert: &CertificateDer<'_>) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert.as_ref());
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    out.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// The rustls configuration for reqwest: the shared roots, aws-lc-rs (the
/// provider the SDK and jsonwebtoken already link), HTTP/2 or 1.1.
pub fn client_config() -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("aws-lc-rs supports the default TLS versions")
        .with_root_certificates(ROOTS.store.clone())
        .with_no_client_auth();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    config
}

/// The AWS SDK's HTTP client (hyper, rustls with aws-lc-rs, as the SDK's
/// default) trusting the shared bundle rather than reading the system's
/// certificates itself.
pub fn aws_http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
    let trust = TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(ROOTS.pem.clone());
    let context = TlsContext::builder()
        .with_trust_store(trust)
        .build()
        .expect("a trust store without extra server names is valid");
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::AwsLc,
        ))
        .tls_context(context)
        .build_https()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_roots_are_read_once_and_both_clients_build_on_them() {
        let roots = &super::ROOTS;
        assert!(
            !roots.store.is_empty(),
            "this machine has root certificates"
        );
        if std::env::var_os("SSL_CERT_DIR").is_none() {
            assert!(
                super::bundle().is_some(),
                "a Linux with a CA bundle: read from the bundle, not the directory"
            );
        }
        let config = super::client_config();
        assert_eq!(config.alpn_protocols[0], b"h2");
        reqwest::Client::builder()
            .tls_backend_preconfigured(config)
            .build()
            .expect("reqwest takes the shared rustls configuration");
        let _ = super::aws_http_client();
        use rustls::pki_types::pem::PemObject;
        let again = rustls::pki_types::CertificateDer::pem_slice_iter(&roots.pem)
            .collect::<Result<Vec<_>, _>>()
            .expect("the PEM handed to the SDK parses whole");
        assert_eq!(again.len(), roots.store.len());
    }
}
