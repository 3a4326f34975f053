//! The certificate verdicts: chain, expiry, host name, key and signature, and the RFC 5280 rules strict clients enforce.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, ServerName, UnixTime};

use crate::probe::Target;

use super::handshakes::{Trust, provider};
use super::{CertReport, Evidence, Prober, TlsReport};

/// The certificate (and whether a client certificate is requested) from the newest complete
/// first flight before TLS 1.3 (whose certificate is encrypted).
pub(super) fn raw_certificate(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    trust: &Trust,
    target: &Target,
    evidence: &Evidence,
) {
    let Some((_, flight)) = evidence.flights.last() else {
        return;
    };
    let started = Instant::now();
    let chain = flight
        .iter()
        .find(|(t, _)| *t == 11)
        .map(|(_, body)| parse_certificate_list(body))
        .unwrap_or_default();
    if !chain.is_empty() {
        report.certificate = Some(certificate(
            &chain,
            trust,
            p.sni.as_deref().unwrap_or(&target.host),
        ));
    }
    // CertificateStatus follows the Certificate when the server staples.
    report.features.ocsp_stapling = Some(flight.iter().any(|(t, _)| *t == 22));
    let requested = flight.iter().any(|(t, _)| *t == 13);
    if report.client_cert == "unknown" || requested {
        report.client_cert = if requested { "requested" } else { "none" };
    }
    p.log(
        "certificate (from the hand-built handshake)",
        format!(
            "{} certificate{} in the chain",
            chain.len(),
            if chain.len() == 1 { "" } else { "s" }
        ),
        started,
    );
}

/// The certificates of a TLS 1.2 Certificate message body.
pub(super) fn parse_certificate_list(body: &[u8]) -> Vec<CertificateDer<'static>> {
    let mut out = Vec::new();
    if body.len() < 3 {
        return out;
    }
    let mut rest = &body[3..];
    while rest.len() >= 3 {
        let len = (usize::from(rest[0]) << 16) | (usize::from(rest[1]) << 8) | usize::from(rest[2]);
        if rest.len() < 3 + len {
            break;
        }
        out.push(CertificateDer::from(rest[3..3 + len].to_vec()));
        rest = &rest[3 + len..];
    }
    out
}

pub(super) fn oid_name(oid: &str) -> String {
    match oid {
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption".into(),
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption".into(),
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption".into(),
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption".into(),
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption".into(),
        "1.2.840.113549.1.1.10" => "rsassaPss".into(),
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1".into(),
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256".into(),
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384".into(),
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512".into(),
        "1.3.101.112" => "Ed25519".into(),
        other => other.to_string(),
    }
}

/// Facts about the leaf certificate, and whether the chain is trusted: judged at a moment inside
/// the validity period and for a name the certificate carries, so that expiry and hostname are
/// reported as themselves rather than hiding behind a generic trust error.
pub(super) fn certificate(
    chain: &[CertificateDer<'static>],
    trust: &Trust,
    host: &str,
) -> CertReport {
    use x509_parser::prelude::*;
    let mut report = CertReport {
        chain_length: chain.len(),
        ..CertReport::default()
    };
    let Some(leaf) = chain.first() else {
        return report;
    };
    let Ok((_, cert)) = X509Certificate::from_der(leaf.as_ref()) else {
        report.trust_error = Some("the certificate is not valid DER".into());
        return report;
    };
    report.subject = cert.subject().to_string();
    report.issuer = cert.issuer().to_string();
    report.must_staple = cert
        .extensions()
        .iter()
        .any(|e| e.oid.to_id_string() == "1.3.6.1.5.5.7.1.24");
    let validity = cert.validity();
    report.not_before = validity.not_before.to_string();
    report.not_after = validity.not_after.to_string();
    let now = ::time::OffsetDateTime::now_utc().unix_timestamp();
    report.days_left = (validity.not_after.timestamp() - now).div_euclid(86_400);
    report.not_yet_valid = validity.not_before.timestamp() > now;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        for name in &san.value.general_names {
            match name {
                GeneralName::DNSName(d) => report.names.push((*d).to_string()),
                GeneralName::IPAddress(ip) => {
                    let ip = match ip.len() {
                        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                        16 => std::net::IpAddr::from(<[u8; 16]>::try_from(*ip).unwrap_or_default())
                            .to_string(),
                        _ => continue,
                    };
                    report.names.push(ip);
                }
                _ => {}
            }
        }
    }
    match cert.public_key().parsed() {
        Ok(x509_parser::public_key::PublicKey::RSA(rsa)) => {
            report.key_bits = u32::try_from(rsa.key_size()).unwrap_or(0);
            report.key = format!("RSA {}", report.key_bits);
        }
        Ok(x509_parser::public_key::PublicKey::EC(ec)) => {
            report.key_bits = u32::try_from(ec.key_size()).unwrap_or(0);
            report.key = format!("EC {}", report.key_bits);
        }
        Ok(other) => {
            report.key = format!("{other:?}")
                .split('(')
                .next()
                .unwrap_or("other")
                .to_string();
            report.key_bits = 256;
        }
        Err(_) => report.key = "unknown".into(),
    }
    report.signature = oid_name(&cert.signature_algorithm.algorithm.to_id_string());
    let ski = cert
        .tbs_certificate
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0.to_vec()),
            _ => None,
        });
    let aki = cert
        .tbs_certificate
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => {
                a.key_identifier.as_ref().map(|k| k.0.to_vec())
            }
            _ => None,
        });
    report.self_signed = cert.subject() == cert.issuer() && (aki.is_none() || aki == ski);
    report.hostname_matches = hostname_matches(&report.names, host);
    // Trust, judged in the middle of the validity period, for a name the certificate carries.
    let mid = validity.not_before.timestamp() / 2 + validity.not_after.timestamp() / 2;
    let judge_at =
        UnixTime::since_unix_epoch(Duration::from_secs(u64::try_from(mid.max(0)).unwrap_or(0)));
    let name = report
        .names
        .iter()
        .find_map(|n| ServerName::try_from(n.trim_start_matches("*.").to_string()).ok())
        .or_else(|| ServerName::try_from(host.to_string()).ok());
    let verifier = rustls::client::WebPkiServerVerifier::builder_with_provider(
        Arc::new(trust.roots.clone()),
        provider(),
    )
    .build();
    match (verifier, name) {
        (Ok(v), Some(name)) => {
            let result = rustls::client::danger::ServerCertVerifier::verify_server_cert(
                v.as_ref(),
                leaf,
                &chain[1..],
                &name,
                &[],
                judge_at,
            );
            report.trusted = result.is_ok();
            report.trust_error = result.err().map(|e| trust_error(&e));
        }
        _ => report.trust_error = Some("the certificate names no usable host".into()),
    }
    report.strict_problems = strict_problems(chain, &trust.cas);
    (report.chain_includes_root, report.chain_order_problem) = chain_shape(chain);
    report
}

/// Whether the chain sent includes a self-signed root, and where (if anywhere) a certificate
/// does not issue the one before it, as RFC 8446 4.4.2 and RFC 5246 7.4.2 ask.
pub(super) fn chain_shape(chain: &[CertificateDer<'static>]) -> (bool, Option<String>) {
    use x509_parser::prelude::*;
    let parsed: Vec<X509Certificate<'_>> = chain
        .iter()
        .map_while(|c| X509Certificate::from_der(c.as_ref()).ok().map(|(_, c)| c))
        .collect();
    // A root counts only on the leaf's path: an unrelated self-signed certificate is a
    // misordered chain, not this chain's anchor.
    let path = issuer_path(&parsed);
    let root = path
        .iter()
        .skip(1)
        .any(|&i| parsed[i].subject() == parsed[i].issuer());
    let disorder = parsed.windows(2).enumerate().find_map(|(i, pair)| {
        (pair[1].subject() != pair[0].issuer()).then(|| {
            format!(
                "certificate {} (`{}`) does not issue certificate {} (`{}`, issued by `{}`)",
                i + 2,
                pair[1].subject(),
                i + 1,
                pair[0].subject(),
                pair[0].issuer()
            )
        })
    });
    (root, disorder)
}

/// The indexes of the certificates sent that lead from the leaf (0) towards a root, each the
/// issuer (by name) of the one before, in any order the server sent them; certificates off
/// that path are left out. At most 10 long (webpki accepts 6 intermediates), so a hostile
/// chain of thousands costs a bounded search.
fn issuer_path(chain: &[x509_parser::certificate::X509Certificate<'_>]) -> Vec<usize> {
    let mut path = Vec::new();
    if chain.is_empty() {
        return path;
    }
    path.push(0);
    let mut at = 0;
    while path.len() < 10 && chain[at].subject() != chain[at].issuer() {
        let Some(next) = (0..chain.len())
            .find(|j| !path.contains(j) && chain[*j].subject() == chain[at].issuer())
        else {
            break;
        };
        path.push(next);
        at = next;
    }
    path
}

/// Why webpki refused the chain, in words an engineer can act on (rustls's own text names
/// enum variants such as `Other(OtherError(CaUsedAsEndEntity))`).
pub(super) fn trust_error(e: &rustls::Error) -> String {
    const WORDS: [(&str, &str); 14] = [
        (
            "CaUsedAsEndEntity",
            "the server's certificate is itself a CA certificate (basicConstraints CA:TRUE), which webpki and browsers refuse as a server certificate: issue a leaf with CA:FALSE from that CA",
        ),
        (
            "EndEntityUsedAsCa",
            "a certificate that issues another in the chain is not a CA (no basicConstraints CA:TRUE)",
        ),
        (
            "UnknownIssuer",
            "no trusted root issued this chain: its issuer is neither among the web roots nor in the CA file given to the probe (a missing intermediate, or a private CA not given as the CA file, --ca)",
        ),
        (
            "NotValidForName",
            "the certificate is not valid for the name probed",
        ),
        ("NotValidYet", "a certificate in the chain is not valid yet"),
        ("Expired", "a certificate in the chain has expired"),
        ("BadSignature", "a signature in the chain does not verify"),
        (
            "UnsupportedSignatureAlgorithm",
            "the chain is signed with an algorithm webpki refuses (SHA-1, MD5 or unknown)",
        ),
        (
            "InvalidPurpose",
            "the certificate's extended key usage does not allow TLS server authentication",
        ),
        ("Revoked", "the certificate is revoked"),
        (
            "PathLenConstraintViolated",
            "the chain is longer than a CA's pathLenConstraint allows",
        ),
        (
            "NameConstraintViolation",
            "the certificate's names break a CA's name constraints",
        ),
        (
            "UnsupportedCriticalExtension",
            "a certificate carries a critical extension webpki does not know",
        ),
        ("BadEncoding", "a certificate in the chain is not valid DER"),
    ];
    let debug = format!("{e:?}");
    WORDS
        .iter()
        .find(|(variant, _)| debug.contains(variant))
        .map_or_else(|| e.to_string(), |(_, words)| (*words).to_string())
}

/// RFC 5280 rules that webpki does not enforce but strict verifiers do (OpenSSL's X509_STRICT,
/// the default of Python 3.13's `ssl` and so of clients such as sslyze): CA certificates carry
/// keyUsage with keyCertSign, critical basicConstraints and a subjectKeyIdentifier; every
/// certificate not self-issued carries an authorityKeyIdentifier. Checked on the chain the
/// server sends and on the `--ca` certificate that issued it (the built-in web roots conform).
pub(super) fn strict_problems(
    chain: &[CertificateDer<'static>],
    cas: &[CertificateDer<'static>],
) -> Vec<String> {
    use x509_parser::prelude::*;
    let parsed: Vec<X509Certificate<'_>> = chain
        .iter()
        .filter_map(|c| X509Certificate::from_der(c.as_ref()).ok().map(|(_, c)| c))
        .collect();
    let mut problems = Vec::new();
    let mut check = |cert: &X509Certificate<'_>, as_ca: bool| {
        let name = cert.subject().to_string();
        let self_issued = cert.subject() == cert.issuer();
        let has = |f: &dyn Fn(&ParsedExtension<'_>) -> bool| {
            cert.extensions().iter().any(|e| f(e.parsed_extension()))
        };
        if !self_issued
            && !has(
                &|e| matches!(e, ParsedExtension::AuthorityKeyIdentifier(a) if a.key_identifier.is_some()),
            )
        {
            problems.push(format!("`{name}` has no authorityKeyIdentifier"));
        }
        if !as_ca {
            return;
        }
        match cert.key_usage() {
            Ok(Some(ku)) if !ku.value.key_cert_sign() => {
                problems.push(format!("CA `{name}` has keyUsage without keyCertSign"));
            }
            Ok(Some(_)) => {}
            _ => problems.push(format!("CA `{name}` has no keyUsage extension")),
        }
        if let Ok(Some(bc)) = cert.basic_constraints()
            && !bc.critical
        {
            problems.push(format!(
                "CA `{name}` has basicConstraints not marked critical"
            ));
        }
        if !has(&|e| matches!(e, ParsedExtension::SubjectKeyIdentifier(_))) {
            problems.push(format!("CA `{name}` has no subjectKeyIdentifier"));
        }
    };
    // The certificates on the leaf's path (one sent off it is a chain-order problem, and no
    // verifier looks at it).
    let path = issuer_path(&parsed);
    for (n, &i) in path.iter().enumerate() {
        check(&parsed[i], n > 0);
    }
    // The --ca certificate that issued the path's last certificate, unless the server sent it.
    if let Some(last) = path.last().map(|&i| &parsed[i]) {
        for ca in cas {
            if let Ok((_, ca)) = X509Certificate::from_der(ca.as_ref())
                && ca.subject() == last.issuer()
                && ca.subject() != last.subject()
            {
                check(&ca, true);
            }
        }
    }
    problems
}

/// Whether `host` matches one of the certificate's names (DNS names with one left-most
/// wildcard label, and IP addresses).
pub(super) fn hostname_matches(names: &[String], host: &str) -> bool {
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    names.iter().any(|n| {
        let n = n.to_ascii_lowercase();
        if n == host {
            return true;
        }
        match n.strip_prefix("*.") {
            Some(suffix) => host
                .split_once('.')
                .is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
            None => false,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trust_errors_are_said_in_words() {
        use rustls::CertificateError as C;
        let said = |e: C| trust_error(&rustls::Error::InvalidCertificate(e));
        assert!(said(C::UnknownIssuer).starts_with("no trusted root"));
        assert!(said(C::Expired).contains("expired"));
        assert!(said(C::NotValidForName).contains("not valid for the name"));
        // webpki's errors arrive wrapped as `Other`: matched by their variant's name.
        let wrapped = C::Other(rustls::OtherError(std::sync::Arc::new(
            std::io::Error::other("CaUsedAsEndEntity"),
        )));
        assert!(said(wrapped).contains("CA:TRUE"));
        // Anything else keeps rustls's text.
        assert_eq!(
            said(C::ApplicationVerificationFailure),
            "invalid peer certificate: ApplicationVerificationFailure"
        );
    }

    #[test]
    fn hostnames() {
        let names = vec!["*.example.com".to_string(), "127.0.0.1".to_string()];
        assert!(hostname_matches(&names, "api.example.com"));
        assert!(!hostname_matches(&names, "a.b.example.com"));
        assert!(!hostname_matches(&names, "example.com"));
        assert!(hostname_matches(&names, "127.0.0.1"));
    }
}
