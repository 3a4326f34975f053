//! Real handshakes with rustls: trust, the recorded certificate chain, client certificates, ALPN, HTTP (HSTS) and session resumption.

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};

use crate::probe::{ProbeError, Target, describe_io};

use super::certificate::{certificate, raw_certificate};
use super::hello::open;
use super::{Evidence, HttpInfo, Prober, TlsReport};

/// What the probe trusts: the root store webpki verifies against, and the CA certificates
/// themselves when the user gave them (`--ca`), so that their conformance is checked too.
pub(super) struct Trust {
    pub(super) roots: rustls::RootCertStore,
    pub(super) cas: Vec<CertificateDer<'static>>,
}

pub(super) fn trust(ca_pem: Option<&[u8]>) -> Result<Trust, ProbeError> {
    let mut roots = rustls::RootCertStore::empty();
    let mut cas = Vec::new();
    match ca_pem {
        Some(pem) => {
            cas = crate::probe::ca_certificates(pem)?;
            for c in &cas {
                roots
                    .add(c.clone())
                    .map_err(|e| ProbeError::Input(format!("unusable CA certificate: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    Ok(Trust { roots, cas })
}

pub(super) fn pem_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, ProbeError> {
    crate::probe::pem_certificates(pem)
}

/// A client certificate chain and key.
pub(super) type Identity = (Vec<CertificateDer<'static>>, PrivateKeyDer<'static>);

pub(super) fn client_identity(cert: &[u8], key: &[u8]) -> Result<Identity, ProbeError> {
    use rustls::pki_types::pem::PemObject;
    let certs = pem_certs(cert)?;
    if certs.is_empty() {
        return Err(ProbeError::Input(
            "the client certificate file holds no certificate".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key)
        .map_err(|e| ProbeError::Input(format!("invalid client key: {e}")))?;
    Ok((certs, key))
}

pub(super) fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

/// Accepts any server certificate and records the chain: trust is judged afterwards, so the
/// probe can describe a certificate it would not trust.
#[derive(Debug)]
pub(super) struct Recorder {
    pub(super) chain: Mutex<Vec<CertificateDer<'static>>>,
    /// The server stapled an OCSP response to its certificate.
    pub(super) stapled: std::sync::atomic::AtomicBool,
    /// The server signed the handshake with the certificate's key (TLS 1.2 ServerKeyExchange
    /// or TLS 1.3 CertificateVerify), and the signature verified.
    pub(super) proved: std::sync::atomic::AtomicBool,
    pub(super) provider: Arc<rustls::crypto::CryptoProvider>,
}

impl Recorder {
    pub(super) fn new(provider: Arc<rustls::crypto::CryptoProvider>) -> Self {
        Recorder {
            chain: Mutex::new(Vec::new()),
            stapled: std::sync::atomic::AtomicBool::new(false),
            proved: std::sync::atomic::AtomicBool::new(false),
            provider,
        }
    }

    pub(super) fn note(
        &self,
        result: Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error>,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        if result.is_ok() {
            self.proved
                .store(true, std::sync::atomic::Ordering::Relaxed);
        }
        result
    }
}

impl rustls::client::danger::ServerCertVerifier for Recorder {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        ocsp: &[u8],
        _: UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        self.stapled
            .store(!ocsp.is_empty(), std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut chain) = self.chain.lock() {
            chain.clear();
            chain.push(end_entity.clone().into_owned());
            chain.extend(intermediates.iter().map(|c| c.clone().into_owned()));
        }
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.note(rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.note(rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        ))
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// Notes whether the server asked for a client certificate, and offers one if we have it.
#[derive(Debug)]
pub(super) struct ClientCertWatch {
    pub(super) asked: Mutex<bool>,
    pub(super) key: Option<Arc<rustls::sign::CertifiedKey>>,
}

impl rustls::client::ResolvesClientCert for ClientCertWatch {
    fn resolve(
        &self,
        _: &[&[u8]],
        _: &[rustls::SignatureScheme],
    ) -> Option<Arc<rustls::sign::CertifiedKey>> {
        if let Ok(mut asked) = self.asked.lock() {
            *asked = true;
        }
        self.key.clone()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

/// What one rustls handshake showed.
pub(super) struct Handshake {
    pub(super) chain: Vec<CertificateDer<'static>>,
    /// The server proved it holds the certificate's key (see [`Recorder`]).
    pub(super) proved: bool,
    /// An OCSP response came with the certificate.
    pub(super) stapled: bool,
    /// The version negotiated, once the ServerHello was read.
    pub(super) version: Option<&'static str>,
    pub(super) asked_for_cert: bool,
    /// The server refused us after the handshake, or failed it (with the reason).
    pub(super) refused: Option<String>,
    pub(super) alpn: Option<String>,
    pub(super) http: Option<HttpInfo>,
}

/// The request that asks an HTTPS endpoint for its headers (and, in TLS 1.3, makes a server
/// that wants a client certificate say so).
pub(super) fn http_request(path: &str, host_header: &str) -> String {
    format!(
        "GET {path} HTTP/1.1\r\nHost: {host_header}\r\nUser-Agent: rampart\r\nConnection: close\r\n\r\n"
    )
}

/// The Host header for the target: the bare host on 443, host:port elsewhere.
pub(super) fn host_header(target: &Target) -> String {
    if target.port == 443 {
        target.host.clone()
    } else {
        target.authority()
    }
}

/// The status line and Strict-Transport-Security header of an HTTP answer, if it is one.
pub(super) fn http_info(response: &[u8]) -> Option<HttpInfo> {
    if !response.starts_with(b"HTTP/") {
        return None;
    }
    let text = String::from_utf8_lossy(response);
    let status = text.lines().next().unwrap_or_default().trim().to_string();
    let hsts = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case("strict-transport-security")
                .then(|| v.trim().to_string())
        });
    Some(HttpInfo { status, hsts })
}

pub(super) fn rustls_handshake(
    p: &mut Prober<'_>,
    check: &str,
    identity: Option<&Identity>,
    host_header: &str,
    path: &str,
) -> Option<Handshake> {
    if !p.may(check) {
        return None;
    }
    let started = Instant::now();
    let provider = provider();
    let recorder = Arc::new(Recorder::new(provider.clone()));
    let key = identity.and_then(|(certs, key)| {
        let signing = provider
            .key_provider
            .load_private_key(key.clone_key())
            .ok()?;
        Some(Arc::new(rustls::sign::CertifiedKey::new(
            certs.clone(),
            signing,
        )))
    });
    let watch = Arc::new(ClientCertWatch {
        asked: Mutex::new(false),
        key,
    });
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(recorder.clone())
                .with_client_cert_resolver(watch.clone())
        });
    let Ok(mut config) = config else {
        p.log(check, "cannot configure rustls".into(), started);
        return None;
    };
    config.alpn_protocols = match p.preamble {
        None => vec![b"h2".to_vec(), b"http/1.1".to_vec()],
        Some(pre) => pre.alpn().map(|a| vec![a.to_vec()]).unwrap_or_default(),
    };
    let name = p.server_name();
    let Ok(conn) = rustls::ClientConnection::new(Arc::new(config), name) else {
        p.log(check, "cannot start a TLS client".into(), started);
        return None;
    };
    let stream = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
        Ok(s) => s,
        Err(e) => {
            p.log(check, e, started);
            return None;
        }
    };
    let mut tls = rustls::StreamOwned::new(conn, stream);
    let mut result = Handshake {
        chain: Vec::new(),
        proved: false,
        stapled: false,
        version: None,
        asked_for_cert: false,
        refused: None,
        alpn: None,
        http: None,
    };
    let mut outcome = String::new();
    while tls.conn.is_handshaking() {
        if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
            let why = describe_rustls(&e);
            outcome = format!("handshake failed: {why}");
            result.refused = Some(why);
            break;
        }
    }
    result.chain = recorder.chain.lock().map(|c| c.clone()).unwrap_or_default();
    result.proved = recorder.proved.load(std::sync::atomic::Ordering::Relaxed);
    result.stapled = recorder.stapled.load(std::sync::atomic::Ordering::Relaxed);
    result.version = match tls.conn.protocol_version() {
        Some(rustls::ProtocolVersion::TLSv1_3) => Some("TLSv1.3"),
        Some(rustls::ProtocolVersion::TLSv1_2) => Some("TLSv1.2"),
        _ => None,
    };
    result.asked_for_cert = watch.asked.lock().is_ok_and(|a| *a);
    if result.refused.is_none() {
        result.alpn = tls
            .conn
            .alpn_protocol()
            .map(|a| String::from_utf8_lossy(a).into_owned());
        // In TLS 1.3 a server that wants a client certificate says so after the handshake, on
        // the first read; an HTTP request also tells whether it sends HSTS.
        let request = http_request(path, host_header);
        let mut response = Vec::new();
        let mut buf = [0u8; 4096];
        // Behind a preamble the server speaks its own protocol, not HTTP: no request (a
        // TLS 1.3 client-certificate demand has come with the server's flight anyway).
        let write = if p.preamble.is_some() {
            tls.conn.send_close_notify();
            let _ = tls.conn.complete_io(&mut tls.sock);
            Ok(())
        } else if result.alpn.as_deref() == Some("h2") {
            Ok(())
        } else {
            tls.write_all(request.as_bytes())
        };
        match write {
            Ok(()) => loop {
                match tls.read(&mut buf) {
                    Ok(0) => break,
                    Ok(n) => {
                        response.extend_from_slice(&buf[..n]);
                        if response.windows(4).any(|w| w == b"\r\n\r\n")
                            || response.len() > 64 * 1024
                        {
                            break;
                        }
                    }
                    Err(e) => {
                        let why = describe_io_tls(&e);
                        if why.contains("certificate") || why.contains("alert") {
                            result.refused = Some(why);
                        }
                        break;
                    }
                }
            },
            Err(e) => result.refused = Some(describe_io_tls(&e)),
        }
        result.http = http_info(&response);
        outcome = match &result.refused {
            Some(why) => format!("handshake completed, then refused: {why}"),
            None => format!(
                "handshake completed ({}{}; the certificate is recorded here and judged on its \
                 own, so an untrusted one still completes)",
                result.version.unwrap_or("an unknown version"),
                result
                    .alpn
                    .as_ref()
                    .map(|a| format!(", ALPN {a}"))
                    .unwrap_or_default()
            ),
        };
    }
    tls.conn.send_close_notify();
    let _ = tls.conn.complete_io(&mut tls.sock);
    p.log(check, outcome, started);
    Some(result)
}

/// Session resumption and 0-RTT, the way a browser meets them: two connections with one rustls
/// client whose session store keeps what the first was given (a TLS 1.2 session id or ticket,
/// TLS 1.3 tickets); the second offers it, and on TLS 1.3 sends early data when the ticket
/// allows it. Behind a preamble no early data is sent (the server's protocol is not HTTP).
pub(super) fn resumption(p: &mut Prober<'_>, report: &mut TlsReport) {
    const CHECK: &str = "session resumption and 0-RTT (rustls)";
    if !p.may(CHECK) {
        return;
    }
    let started = Instant::now();
    let provider = provider();
    let config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(Recorder::new(provider)))
                .with_no_client_auth()
        });
    let Ok(mut config) = config else {
        p.log(CHECK, "cannot configure rustls".into(), started);
        return;
    };
    config.enable_early_data = p.preamble.is_none();
    config.alpn_protocols = match p.preamble {
        None => vec![b"http/1.1".to_vec()],
        Some(pre) => pre.alpn().map(|a| vec![a.to_vec()]).unwrap_or_default(),
    };
    let config = Arc::new(config);
    let name = p.server_name();
    let request = http_request(&p.target.path, &host_header(p.target));
    let mut outcomes = Vec::new();
    let mut resumed = None;
    let mut early = None;
    for round in 0..2 {
        let stream = match open(p.target, p.deadline.within(p.per_connection), p.preamble) {
            Ok(s) => s,
            Err(e) => {
                outcomes.push(e);
                break;
            }
        };
        let Ok(mut conn) = rustls::ClientConnection::new(config.clone(), name.clone()) else {
            break;
        };
        let mut sent_early = false;
        if round == 1
            && p.preamble.is_none()
            && let Some(mut e) = conn.early_data()
        {
            sent_early = e.write_all(request.as_bytes()).is_ok();
        }
        let mut tls = rustls::StreamOwned::new(conn, stream);
        let mut failed = None;
        while tls.conn.is_handshaking() {
            if let Err(e) = tls.conn.complete_io(&mut tls.sock) {
                failed = Some(describe_rustls(&e));
                break;
            }
        }
        if let Some(why) = failed {
            outcomes.push(format!("handshake {} failed: {why}", round + 1));
            break;
        }
        if round == 0 {
            // TLS 1.3 tickets come after the handshake: ask for something and read the
            // answer so they arrive (behind a preamble, a short read).
            if p.preamble.is_none() {
                let _ = tls.write_all(request.as_bytes());
            }
            let before = tls.sock.shorten(Duration::from_millis(200));
            let mut buf = [0u8; 4096];
            while let Ok(n) = tls.read(&mut buf) {
                if n == 0 {
                    break;
                }
            }
            // The close_notify below must still go out: OpenSSL forgets the tickets of a
            // connection that was cut (with -early_data, which makes them single-use).
            tls.sock.restore(before);
        } else {
            resumed = Some(tls.conn.handshake_kind() == Some(rustls::HandshakeKind::Resumed));
            // TLS 1.3 resumes only by ticket (a PSK from NewSessionTicket).
            if resumed == Some(true)
                && tls.conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3)
            {
                report.features.session_tickets.get_or_insert(true);
            }
            if sent_early {
                early = Some(tls.conn.is_early_data_accepted());
            } else if tls.conn.protocol_version() == Some(rustls::ProtocolVersion::TLSv1_3) {
                early = Some(false);
            }
        }
        tls.conn.send_close_notify();
        let _ = tls.conn.complete_io(&mut tls.sock);
    }
    report.features.resumption = resumed;
    report.features.early_data = early;
    outcomes.push(match (resumed, early) {
        (Some(true), Some(true)) => "resumed; 0-RTT early data accepted".into(),
        (Some(true), _) => "resumed".into(),
        (Some(false), _) => "not resumed: the second connection had a full handshake".into(),
        (None, _) => "not tested".into(),
    });
    p.log(CHECK, outcomes.join("; "), started);
    if resumed.is_none() {
        explain_rustls_failure(p, report);
    }
}

/// The suites rustls speaks in TLS 1.2: ECDHE with AES-GCM or ChaCha20-Poly1305.
const RUSTLS_TLS12: [u16; 6] = [0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9];

/// After a failed rustls handshake, says so when the reason is rustls's own limits (a server
/// with none of the suites or versions it speaks) rather than the server's demands.
fn explain_rustls_failure(p: &mut Prober<'_>, report: &TlsReport) {
    let tls13 = report.accepts("TLSv1.3");
    let common = report
        .cipher_suites
        .iter()
        .any(|s| s.protocol == "TLSv1.2" && s.number().is_some_and(|n| RUSTLS_TLS12.contains(&n)));
    if !tls13
        && !common
        && let Some(last) = p.checks.last_mut()
    {
        last.outcome.push_str(
            " (expected: rustls speaks only TLS 1.3 and TLS 1.2 ECDHE with AES-GCM or ChaCha20, and the server showed none of the suites rustls speaks; the hand-made checks cover it)",
        );
    }
}

pub(super) fn describe_rustls(e: &std::io::Error) -> String {
    describe_io_tls(e)
}

pub(super) fn describe_io_tls(e: &std::io::Error) -> String {
    if let Some(inner) = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
        return match inner {
            rustls::Error::AlertReceived(a) => {
                format!("alert {} from the server", super::alert_name(u8::from(*a)))
            }
            other => other.to_string(),
        };
    }
    describe_io(e)
}

/// The certificate (via rustls), the client-certificate policy, ALPN and HSTS. A rustls
/// handshake in which the server proved its key settles the version it negotiated (TLS 1.3,
/// which the hand-built hello cannot always prove); TLS 1.3 suites and groups seen without
/// such proof are dropped.
pub(super) fn handshakes(
    p: &mut Prober<'_>,
    report: &mut TlsReport,
    trust: &Trust,
    client: Option<&Identity>,
    target: &Target,
    evidence: &mut Evidence,
) {
    let modern = report.accepts("TLSv1.2") || evidence.tls13_offered;
    let host_header = host_header(target);
    if modern {
        if let Some(h) = rustls_handshake(
            p,
            "rustls handshake (as a modern client, no client certificate)",
            None,
            &host_header,
            &target.path,
        ) {
            if h.refused.is_some() {
                explain_rustls_failure(p, report);
            }
            if h.proved
                && let Some(version) = h.version
            {
                report.protocols.insert(version, true);
            }
            report.alpn.clone_from(&h.alpn);
            report.http.clone_from(&h.http);
            report.client_cert = match (&h.refused, h.asked_for_cert) {
                (Some(_), true) => "required",
                (None, true) => "requested",
                (_, false) => "none",
            };
            if h.refused.is_some() && !h.asked_for_cert && !h.proved {
                report.client_cert = "unknown";
            }
            if h.chain.is_empty() {
                evidence.certificate_failure = h
                    .refused
                    .as_ref()
                    .map(|why| format!("the handshake failed before the certificate: {why}"));
            } else {
                report.certificate = Some(certificate(
                    &h.chain,
                    trust,
                    p.sni.as_deref().unwrap_or(&target.host),
                ));
                report.features.ocsp_stapling = Some(h.stapled);
            }
        }
        if let Some(identity) = client
            && report.client_cert != "none"
            && let Some(h) = rustls_handshake(
                p,
                "rustls handshake with the client certificate",
                Some(identity),
                &host_header,
                &target.path,
            )
        {
            report.client_cert_accepted = Some(h.refused.is_none());
        }
    }
    if !report.accepts("TLSv1.3") {
        report.cipher_suites.retain(|s| s.protocol != "TLSv1.3");
        report.server_preference.remove("TLSv1.3");
        if report.groups_protocol == Some("TLSv1.3") {
            report.groups.clear();
            report.groups_protocol = None;
        }
    }
    if report.certificate.is_none() {
        // rustls could not finish (only suites it refuses, such as CBC, NULL or static RSA,
        // only legacy versions, or a chain over its 64 KiB limit): take the certificate from
        // the complete first flight a hand-built hello received.
        raw_certificate(p, report, trust, target, evidence);
    }
}
