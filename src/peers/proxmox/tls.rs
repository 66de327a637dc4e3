//! Trust in a Proxmox node's certificate. Proxmox ships a self-signed
//! cluster CA, so the public roots never apply: the user pins the CA, pins
//! the certificate's SHA-256 fingerprint, or (only when explicitly asked)
//! turns verification off. This module builds the rustls configuration for
//! each choice and explains a refused certificate in terms of the
//! configuration to change.

use std::fmt;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::WebPkiSupportedAlgorithms;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};

use super::{truncate, ProxmoxError};

/// How the client decides to trust the server's certificate; Proxmox ships a
/// self-signed cluster CA, so the usual public roots never apply.
#[derive(Clone, PartialEq, Eq)]
pub enum TlsTrust {
    /// PEM bytes of the CA (read by the caller from `ca_file`, normally
    /// `/etc/pve/pve-root-ca.pem`): only certificates it signed, for the host
    /// name in the URL, are accepted; no built-in roots.
    Ca(Vec<u8>),
    /// SHA-256 of the server's end-entity certificate (DER), as the web UI
    /// shows it under Node → System → Certificates: exactly that certificate
    /// is accepted, whatever the host name or issuer. The handshake signature
    /// is still verified, so only the holder of its private key gets in.
    Fingerprint([u8; 32]),
    /// No verification at all: anyone on the network path can impersonate
    /// the host. Only for an explicit configuration option; logged loudly.
    InsecureNoVerify,
}

impl fmt::Debug for TlsTrust {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TlsTrust::Ca(pem) => write!(f, "Ca({} bytes of PEM)", pem.len()),
            TlsTrust::Fingerprint(fp) => write!(f, "Fingerprint({})", format_fingerprint(fp)),
            TlsTrust::InsecureNoVerify => f.write_str("InsecureNoVerify"),
        }
    }
}

/// Why a configured certificate fingerprint was not understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid sha-256 fingerprint `{value}`: {reason} (expected 32 hex bytes, \
     e.g. `AB:CD:…` as shown by Proxmox, or 64 hex digits)"
)]
pub struct FingerprintError {
    value: String,
    reason: String,
}

/// Parses a SHA-256 certificate fingerprint written as 64 hex digits, either
/// plain or as 32 `:`-separated pairs (Proxmox's and OpenSSL's style), in any
/// case.
pub fn parse_fingerprint(s: &str) -> Result<[u8; 32], FingerprintError> {
    let value = s.trim();
    let fail = |reason: &str| FingerprintError {
        value: truncate(value, 120),
        reason: reason.to_owned(),
    };
    let digits: String = if value.contains(':') {
        let groups: Vec<&str> = value.split(':').collect();
        if groups.len() != 32 || groups.iter().any(|g| g.len() != 2) {
            return Err(fail(
                "with `:` separators it must be 32 pairs of hex digits",
            ));
        }
        groups.concat()
    } else {
        value.to_owned()
    };
    if digits.len() != 64 {
        return Err(fail(&format!("found {} hex digits", digits.len())));
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        let pair = digits
            .get(2 * i..2 * i + 2)
            .ok_or_else(|| fail("not hex"))?;
        *byte = u8::from_str_radix(pair, 16).map_err(|_| fail("not hex"))?;
    }
    Ok(out)
}

/// Formats a fingerprint the way Proxmox displays it (`AB:CD:…`), so a user
/// can compare it with the web UI.
pub fn format_fingerprint(fp: &[u8; 32]) -> String {
    let pairs: Vec<String> = fp.iter().map(|b| format!("{b:02X}")).collect();
    pairs.join(":")
}

/// Explains a certificate rejection in terms of the configuration.
pub(super) fn describe_tls(err: &rustls::Error) -> String {
    match err {
        rustls::Error::InvalidCertificate(CertificateError::Other(other)) => other.0.to_string(),
        // BadSignature: an issuer with the right name but another key, e.g.
        // the CA of a reinstalled Proxmox.
        rustls::Error::InvalidCertificate(
            CertificateError::UnknownIssuer | CertificateError::BadSignature,
        ) => "the server certificate is not signed by the pinned ca (use the cluster ca, \
             /etc/pve/pve-root-ca.pem, not the node certificate)"
            .to_owned(),
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
        ) => format!(
            "{err} (use a host name or address the certificate lists, or pin its fingerprint)"
        ),
        rustls::Error::InvalidMessage(_) => {
            format!("{err} (is this port serving https? proxmox listens on 8006)")
        }
        other => other.to_string(),
    }
}

/// Builds the rustls configuration for the chosen trust mode, always with
/// the ring provider (never aws-lc-rs: it does not build lean on a Pi).
pub(super) fn tls_config(
    trust: &TlsTrust,
    base: &str,
) -> Result<rustls::ClientConfig, ProxmoxError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let algorithms = provider.signature_verification_algorithms;
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ProxmoxError::ClientSetup {
            url: base.to_owned(),
            reason: e.to_string(),
        })?;
    let config = match trust {
        TlsTrust::Ca(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert = cert.map_err(|e| ProxmoxError::InvalidCa {
                    reason: format!("unreadable pem: {e}"),
                })?;
                roots.add(cert).map_err(|e| ProxmoxError::InvalidCa {
                    reason: format!("not a usable certificate: {e}"),
                })?;
            }
            if roots.is_empty() {
                return Err(ProxmoxError::InvalidCa {
                    reason: "no `BEGIN CERTIFICATE` block found".to_owned(),
                });
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        TlsTrust::Fingerprint(sha256) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
                sha256: Some(*sha256),
                algorithms,
            }))
            .with_no_client_auth(),
        TlsTrust::InsecureNoVerify => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedCertificate {
                sha256: None,
                algorithms,
            }))
            .with_no_client_auth(),
    };
    Ok(config)
}

/// Accepts exactly the certificate whose SHA-256 is pinned (or, with `None`,
/// any certificate), but still checks that the server signed the handshake
/// with that certificate's key.
#[derive(Debug)]
struct PinnedCertificate {
    sha256: Option<[u8; 32]>,
    algorithms: WebPkiSupportedAlgorithms,
}

/// The certificate presented is not the pinned one; both fingerprints are
/// shown so the user can compare with the web UI.
#[derive(Debug, thiserror::Error)]
#[error(
    "the server certificate's sha-256 fingerprint is {}, not the pinned {}",
    format_fingerprint(.presented),
    format_fingerprint(.pinned)
)]
struct FingerprintMismatch {
    presented: [u8; 32],
    pinned: [u8; 32],
}

impl ServerCertVerifier for PinnedCertificate {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let Some(pinned) = self.sha256 else {
            return Ok(ServerCertVerified::assertion());
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, end_entity.as_ref());
        let mut presented = [0u8; 32];
        presented.copy_from_slice(digest.as_ref());
        if presented == pinned {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(CertificateError::Other(
                rustls::OtherError(Arc::new(FingerprintMismatch { presented, pinned })),
            )))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FP_HEX: &str = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF";

    #[test]
    fn fingerprint_accepts_plain_and_colon_hex_in_any_case() {
        let plain = parse_fingerprint(FP_HEX).unwrap();
        assert_eq!(plain[0], 0x00);
        assert_eq!(plain[31], 0xff);
        let colons = format_fingerprint(&plain);
        assert_eq!(parse_fingerprint(&colons).unwrap(), plain);
        assert_eq!(
            parse_fingerprint(&format!("  {}\n", colons.to_lowercase())).unwrap(),
            plain
        );
    }

    #[test]
    fn fingerprint_rejects_wrong_length_bad_digits_and_bad_grouping() {
        assert!(parse_fingerprint(&FP_HEX[..62]).is_err());
        assert!(parse_fingerprint(&FP_HEX.replace('a', "g")).is_err());
        assert!(parse_fingerprint("").is_err());
        // 64 digits but grouped oddly.
        let odd = format!("{}:{}", &FP_HEX[..3], &FP_HEX[3..]);
        assert!(parse_fingerprint(&odd).is_err());
        // Multi-byte characters must not make slicing panic.
        assert!(parse_fingerprint(&"é".repeat(32)).is_err());
        let msg = parse_fingerprint("zz").unwrap_err().to_string();
        assert!(msg.contains("sha-256"), "{msg}");
    }
}
