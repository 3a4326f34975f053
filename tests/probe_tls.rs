//! The TLS probe against real servers on 127.0.0.1 that these tests start: in-process rustls
//! servers with rcgen certificates, `openssl s_server` for legacy protocols and ciphers rustls
//! will not serve, and hostile raw TCP servers. Each server's findings are asserted exactly.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use common::{
    HttpReply, Pki, openssl_echo_server, openssl_server, raw_server, rustls_server, server_config,
};
use rampart::probe::tls::{TlsOptions, TlsReport, probe};

const HSTS: HttpReply = HttpReply {
    hsts: Some("max-age=31536000; includeSubDomains"),
};

fn options(pki: &Pki) -> TlsOptions {
    TlsOptions {
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        timeout: Duration::from_secs(8),
        ..TlsOptions::default()
    }
}

fn run(port: u16, options: &TlsOptions) -> TlsReport {
    probe(&format!("127.0.0.1:{port}"), options, &mut |_| {}).unwrap()
}

fn ids(report: &TlsReport) -> Vec<&str> {
    let mut ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn assert_findings(report: &TlsReport, expected: &[&str]) {
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(ids(report), expected, "{report:#?}");
}

/// The report's finding with this id; fails the test when there is none.
fn finding<'r>(report: &'r TlsReport, id: &str) -> &'r rampart::probe::ProbeFinding {
    report
        .findings
        .iter()
        .find(|f| f.id == id)
        .unwrap_or_else(|| panic!("no {id} finding: {report:#?}"))
}

#[test]
fn a_well_configured_rustls_server_is_clean_and_grades_a_plus() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1", "localhost"], -1, 200, false);
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&pki));
    assert_findings(&r, &["tls.no-ocsp-stapling"]);
    assert_eq!(r.grade, "A+");
    assert!(r.protocols["TLSv1.2"] && r.protocols["TLSv1.3"]);
    assert!(!r.protocols["TLSv1.0"] && !r.protocols["TLSv1.1"] && !r.protocols["SSLv3"]);
    assert!(
        r.cipher_suites
            .iter()
            .all(|s| s.forward_secrecy && s.classes == ["AEAD"])
    );
    assert!(
        r.cipher_suites
            .iter()
            .any(|s| s.name == "TLS_AES_256_GCM_SHA384" && s.protocol == "TLSv1.3")
    );
    assert!(r.groups.contains(&"x25519".to_string()));
    // Key sizes as sslyze reports them (ChaCha20 keys are 256 bits, whatever tls-parser says).
    let bits = |name: &str| {
        r.cipher_suites
            .iter()
            .find(|s| s.name == name)
            .unwrap()
            .bits
    };
    assert_eq!(bits("TLS_CHACHA20_POLY1305_SHA256"), 256);
    assert_eq!(bits("TLS_AES_128_GCM_SHA256"), 128);
    assert_eq!(bits("TLS_AES_256_GCM_SHA384"), 256);
    let cert = r.certificate.as_ref().unwrap();
    assert!(cert.trusted && cert.hostname_matches && !cert.self_signed);
    assert_eq!(cert.key, "EC 256");
    assert!((198..=200).contains(&cert.days_left), "{}", cert.days_left);
    assert_eq!(r.client_cert, "none");
    assert_eq!(r.alpn.as_deref(), Some("http/1.1"));
    assert_eq!(
        r.http.as_ref().unwrap().hsts.as_deref(),
        Some("max-age=31536000; includeSubDomains")
    );
    // JSON keys of the contract.
    let json: serde_json::Value = serde_json::to_value(&r).unwrap();
    for key in [
        "target",
        "protocols",
        "cipher_suites",
        "certificate",
        "client_cert",
        "grade",
        "findings",
    ] {
        assert!(!json[key].is_null(), "{key}");
    }
    for v in ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"] {
        assert!(json["protocols"][v].is_boolean(), "{v}");
    }
    // Without the test CA the same server is untrusted.
    let mut bare = options(&pki);
    bare.ca_pem = None;
    let r = run(port, &bare);
    assert_findings(&r, &["tls.cert-untrusted", "tls.no-ocsp-stapling"]);
    assert_eq!(r.grade, "F");
    // Said in words, not as rustls's enum.
    let why = r.certificate.unwrap().trust_error.unwrap();
    assert!(
        why.starts_with("no trusted root issued this chain"),
        "{why}"
    );
}

#[test]
fn certificate_problems_are_named_exactly() {
    let pki = Pki::new();
    let expired = pki.leaf(&["127.0.0.1"], -400, -10, false);
    let port = rustls_server(server_config(&expired, None), HSTS);
    let r = run(port, &options(&pki));
    assert_findings(&r, &["tls.cert-expired", "tls.no-ocsp-stapling"]);
    assert_eq!(r.grade, "F");

    let soon = pki.leaf(&["127.0.0.1"], -10, 12, false);
    let port = rustls_server(server_config(&soon, None), HSTS);
    assert_findings(
        &run(port, &options(&pki)),
        &["tls.cert-expiring-soon", "tls.no-ocsp-stapling"],
    );

    let future = pki.leaf(&["127.0.0.1"], 5, 100, false);
    let port = rustls_server(server_config(&future, None), HSTS);
    assert_findings(
        &run(port, &options(&pki)),
        &["tls.cert-not-yet-valid", "tls.no-ocsp-stapling"],
    );

    let own = pki.self_signed(&["127.0.0.1"]);
    let port = rustls_server(server_config(&own, None), HSTS);
    let r = run(port, &options(&pki));
    assert_findings(&r, &["tls.cert-self-signed", "tls.no-ocsp-stapling"]);
    assert!(r.certificate.unwrap().self_signed);

    let wrong = pki.leaf(&["orders.internal"], -1, 100, false);
    let port = rustls_server(server_config(&wrong, None), HSTS);
    let r = run(port, &options(&pki));
    assert_findings(&r, &["tls.cert-hostname-mismatch", "tls.no-ocsp-stapling"]);
    assert!(r.findings[0].evidence.contains("orders.internal"));
}

#[test]
fn client_certificates_required_requested_and_accepted() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    let client = pki.leaf(&["probe-client"], -1, 30, true);
    let required = rustls_server(server_config(&leaf, Some((&pki, true))), HSTS);
    let r = run(required, &options(&pki));
    assert_eq!(r.client_cert, "required");
    assert_findings(&r, &["tls.no-ocsp-stapling"]);
    let mut with_cert = options(&pki);
    with_cert.client_cert = Some((
        client.cert_pem.clone().into_bytes(),
        client.key_pem.clone().into_bytes(),
    ));
    let r = run(required, &with_cert);
    assert_eq!(r.client_cert, "required");
    assert_eq!(r.client_cert_accepted, Some(true));
    // A certificate from another CA is refused.
    let other = Pki::new().leaf(&["intruder"], -1, 30, true);
    let mut wrong = options(&pki);
    wrong.client_cert = Some((other.cert_pem.into_bytes(), other.key_pem.into_bytes()));
    assert_eq!(run(required, &wrong).client_cert_accepted, Some(false));

    let optional = rustls_server(server_config(&leaf, Some((&pki, false))), HSTS);
    assert_eq!(run(optional, &options(&pki)).client_cert, "requested");
}

#[test]
fn legacy_protocols_and_ciphers_from_openssl() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("legacy", 2048, "sha256");
    // TLS 1.0 and 1.1 only, with a forward-secret CBC suite.
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_1", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"],
    );
    let r = run(s.port, &options(&pki));
    assert_findings(
        &r,
        &[
            "tls.legacy-protocol",
            "tls.lucky13",
            "tls.no-aead",
            // (HTTP over the hand-made session: rustls speaks neither TLS 1.1 nor CBC)
            "tls.no-hsts",
            "tls.no-modern-protocol",
            "tls.no-ocsp-stapling",
        ],
    );
    assert!(r.protocols["TLSv1.1"] && !r.protocols["TLSv1.2"]);
    assert_eq!(r.cipher_suites.len(), 1);
    assert_eq!(
        r.cipher_suites[0].name,
        "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"
    );
    assert!(r.certificate.as_ref().unwrap().trusted);
    // No TLS 1.2 or 1.3: capped at C, as SSL Labs does.
    assert_eq!(r.grade, "C");
    assert_eq!(
        r.grade_reasons[0],
        "capped at C: neither TLS 1.2 nor TLS 1.3 is accepted"
    );
    drop(s);
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1", "-cipher", "ECDHE-RSA-AES128-SHA:@SECLEVEL=0"],
    );
    let r = run(s.port, &options(&pki));
    assert!(r.protocols["TLSv1.0"] && !r.protocols["TLSv1.1"]);
    // CBC in TLS 1.0 is what BEAST needs.
    assert_findings(
        &r,
        &[
            "tls.beast",
            "tls.legacy-protocol",
            "tls.lucky13",
            "tls.no-aead",
            "tls.no-hsts",
            "tls.no-modern-protocol",
            "tls.no-ocsp-stapling",
        ],
    );
    drop(s);

    // Static RSA key exchange only (TLS 1.2, AEAD): no forward secrecy at all.
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_2", "-cipher", "AES128-GCM-SHA256:AES256-GCM-SHA384"],
    );
    let r = run(s.port, &options(&pki));
    // Several suites short of AEAD with forward secrecy, chosen in the client's order.
    assert_findings(
        &r,
        &[
            "tls.no-forward-secrecy",
            "tls.no-hsts",
            "tls.no-ocsp-stapling",
            "tls.no-server-cipher-order",
        ],
    );
    assert!(
        r.cipher_suites
            .iter()
            .all(|s| s.classes.contains(&"static-RSA"))
    );
    assert_eq!(r.findings[0].severity, rampart::analysis::Severity::High);
    drop(s);

    // CBC only.
    let s = openssl_server(
        &cert,
        &key,
        &[
            "-tls1_2",
            "-cipher",
            "ECDHE-RSA-AES128-SHA256:ECDHE-RSA-AES256-SHA384",
        ],
    );
    let r = run(s.port, &options(&pki));
    assert_findings(
        &r,
        &[
            "tls.lucky13",
            "tls.no-aead",
            "tls.no-hsts",
            "tls.no-ocsp-stapling",
            "tls.no-server-cipher-order",
        ],
    );
    assert_eq!(r.cipher_suites.len(), 2);
    drop(s);

    // NULL encryption (and so no forward secrecy, no AEAD).
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_2", "-cipher", "NULL-SHA256:@SECLEVEL=0"],
    );
    let r = run(s.port, &options(&pki));
    assert_findings(
        &r,
        &[
            "tls.no-aead",
            "tls.no-forward-secrecy",
            "tls.no-ocsp-stapling",
            "tls.weak-cipher",
        ],
    );
    assert!(r.cipher_suites[0].classes.contains(&"NULL"));
    assert_eq!(r.grade, "F");
    drop(s);

    // Server-chosen order is observed.
    let s = openssl_server(
        &cert,
        &key,
        &[
            "-tls1_2",
            "-serverpref",
            "-cipher",
            "ECDHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-AES128-GCM-SHA256",
        ],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(r.server_preference.get("TLSv1.2"), Some(&true));
    assert_eq!(
        r.cipher_suites[0].name,
        "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"
    );
}

#[test]
fn weak_keys_and_signatures_from_openssl() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("weak", 1024, "sha256");
    let s = openssl_server(
        &cert,
        &key,
        &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(r.certificate.as_ref().unwrap().key, "RSA 1024");
    // rustls refuses the 1024-bit key's signature; HTTP goes over the hand-made session
    // (which checks no signature), and finds no HSTS.
    // OpenSSL 3.0 has no ML-KEM: TLS 1.3 without a post-quantum group.
    assert_findings(
        &r,
        &[
            "tls.no-hsts",
            "tls.no-ocsp-stapling",
            "tls.no-post-quantum",
            "tls.weak-key",
        ],
    );
    drop(s);
    let (cert, key) = pki.openssl_leaf("sha1", 2048, "sha1");
    let s = openssl_server(
        &cert,
        &key,
        &["-cipher", "ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0"],
    );
    let r = run(s.port, &options(&pki));
    // The test CA has an EC key, so the SHA-1 signature is ECDSA.
    assert_eq!(r.certificate.as_ref().unwrap().signature, "ecdsa-with-SHA1");
    // SHA-1 chains are not trusted by modern verifiers either.
    assert_findings(
        &r,
        &[
            "tls.cert-untrusted",
            "tls.no-hsts",
            "tls.no-ocsp-stapling",
            "tls.no-post-quantum",
            "tls.weak-signature",
        ],
    );
}

#[test]
fn plain_http_and_closed_ports_are_reported_not_crashed_on() {
    let port = raw_server(|mut s| {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    });
    let r = run(port, &TlsOptions::default());
    assert_findings(&r, &["tls.no-tls"]);
    assert!(r.findings[0].evidence.contains("plain HTTP"));
    assert_eq!(r.grade, "F");

    // A closed port.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let r = run(closed, &TlsOptions::default());
    assert_findings(&r, &["tls.unreachable"]);
    assert!(!r.reachable);
    // Nothing was learnt: not graded, and no version is said to be refused.
    assert_eq!(r.grade, "-");
    assert_eq!(
        r.grade_reasons,
        ["not graded: the endpoint could not be reached"]
    );
    assert_eq!(
        r.protocol_summary("yes", "no", " · "),
        "not tested: the endpoint could not be reached"
    );
}

fn hostile(port: u16) -> (TlsReport, Duration) {
    let options = TlsOptions {
        timeout: Duration::from_secs(3),
        ..TlsOptions::default()
    };
    let started = Instant::now();
    let r = run(port, &options);
    (r, started.elapsed())
}

#[test]
fn hostile_servers_end_within_the_timeout() {
    // Accepts and never answers.
    let silent = raw_server(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s);
    });
    // Answers with random bytes.
    let noise = raw_server(|mut s| {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf);
        let noise: Vec<u8> = (0..4096u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x80)
            .collect();
        let _ = s.write_all(&noise);
    });
    // Closes in the middle of a handshake record.
    let cut = raw_server(|mut s| {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf);
        let _ = s.write_all(&[0x16, 0x03, 0x03, 0x00, 0x40, 0x02, 0x00]);
    });
    // Announces a 10 MB handshake message and starts sending it.
    let flood = raw_server(|mut s| {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf);
        let len: u32 = 10 * 1024 * 1024;
        let mut first = vec![0x16, 0x03, 0x03, 0x40, 0x00, 0x02];
        first.extend_from_slice(&len.to_be_bytes()[1..]);
        first.resize(5 + 0x4000, 0);
        for _ in 0..640 {
            if s.write_all(&first).is_err() {
                return;
            }
            first = vec![0x16, 0x03, 0x03, 0x40, 0x00];
            first.resize(5 + 0x4000, 0);
        }
    });
    // Answers a byte at a time, slowly.
    let slow = raw_server(|mut s| {
        let mut buf = [0u8; 2048];
        let _ = s.read(&mut buf);
        for b in [
            0x16u8, 0x03, 0x03, 0x00, 0x30, 0x02, 0x00, 0x00, 0x2c, 0x03, 0x03,
        ] {
            std::thread::sleep(Duration::from_millis(400));
            if s.write_all(&[b]).is_err() {
                return;
            }
        }
        std::thread::sleep(Duration::from_secs(30));
    });
    let cases = [
        (silent, "timed out"),
        (noise, "not TLS"),
        (cut, "closed the connection mid-record"),
        (flood, "10485760 bytes"),
        (slow, "timed out"),
    ];
    let handles: Vec<_> = cases
        .into_iter()
        .map(|(port, expect)| std::thread::spawn(move || (hostile(port), expect)))
        .collect();
    for h in handles {
        let ((r, took), expect) = h.join().unwrap();
        assert!(
            took < Duration::from_millis(4500),
            "{expect}: took {took:?}"
        );
        assert_eq!(r.findings.len(), 1, "{r:#?}");
        let f = &r.findings[0];
        assert!(
            f.id == "tls.handshake-failed" || f.id == "tls.no-tls",
            "{expect}: {f:?}"
        );
        assert!(
            f.evidence.contains(expect) || r.checks.iter().any(|c| c.outcome.contains(expect)),
            "{expect}: {r:#?}"
        );
        assert_eq!(r.grade, "F");
        assert!(!r.checks.is_empty());
    }
}

#[test]
fn the_command_line_gates_ci_with_fail_on() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1", "localhost"], -1, 200, false);
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let target = format!("127.0.0.1:{port}");
    let rampart = |args: &[&str]| {
        let all = [&["probe", "tls", &target, "--timeout-ms", "8000"], args].concat();
        let (code, out, _) = common::rampart(&all);
        (code, out)
    };
    // Trusted through the internal CA: clean, so even --fail-on low passes.
    let ca = ca.to_str().unwrap();
    let (code, text) = rampart(&["--ca", ca, "--fail-on", "low"]);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("A+"), "{text}");
    // One suite per line: id, name, key size, classes.
    assert!(
        text.lines().any(|l| l.trim_start().starts_with("0x1303")
            && l.contains("TLS_CHACHA20_POLY1305_SHA256")
            && l.contains("256 bit")
            && l.contains("AEAD, forward secrecy")),
        "{text}"
    );
    // Without it the chain is untrusted (a high finding): exit 1 at --fail-on high, 0 without
    // --fail-on or above the finding's severity.
    let (code, json) = rampart(&["--format", "json", "--fail-on", "high"]);
    assert_eq!(code, 1);
    let json: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(json["findings"][0]["id"], "tls.cert-untrusted");
    assert_eq!(json["findings"][0]["severity"], "high");
    assert_eq!(rampart(&[]).0, 0);
    assert_eq!(rampart(&["--fail-on", "critical"]).0, 0);
}

/// `openssl verify -x509_strict` on a leaf and its CA: what strict clients decide.
fn openssl_strict_accepts(pki: &Pki, leaf: &common::Leaf) -> bool {
    let leaf_file = pki.path("strict-leaf.pem");
    std::fs::write(&leaf_file, &leaf.cert_pem).unwrap();
    std::process::Command::new("openssl")
        .args(["verify", "-x509_strict", "-CAfile"])
        .arg(pki.path("ca.pem"))
        .arg(&leaf_file)
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn a_chain_strict_clients_refuse_is_reported_as_openssl_x509_strict_decides() {
    // A conforming PKI: OpenSSL's strict mode accepts it and the probe says nothing.
    let good = Pki::new();
    let leaf = good.leaf(&["127.0.0.1"], -1, 200, false);
    assert!(openssl_strict_accepts(&good, &leaf));
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&good));
    assert_findings(&r, &["tls.no-ocsp-stapling"]);
    assert!(r.certificate.unwrap().strict_problems.is_empty());

    // A CA without keyUsage whose leaf has no authorityKeyIdentifier: webpki (and browsers)
    // trust it, OpenSSL's strict mode (Python 3.13's default) refuses it. Low, grade kept.
    let bad = Pki::nonconformant();
    let leaf = bad.leaf(&["127.0.0.1"], -1, 200, false);
    assert!(!openssl_strict_accepts(&bad, &leaf));
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&bad));
    assert_findings(
        &r,
        &["tls.cert-chain-nonconformant", "tls.no-ocsp-stapling"],
    );
    assert_eq!(r.findings[0].severity, rampart::analysis::Severity::Low);
    assert_eq!(r.grade, "A+");
    let cert = r.certificate.unwrap();
    assert!(cert.trusted);
    assert_eq!(
        cert.strict_problems,
        [
            "`CN=127.0.0.1` has no authorityKeyIdentifier",
            "CA `CN=Rampart test CA` has no keyUsage extension",
        ]
    );
}

#[test]
fn configuration_checks_against_openssl() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("config", 2048, "sha256");
    // OpenSSL's defaults: RFC 5746, EMS, tickets and a session cache, TLS_FALLBACK_SCSV;
    // no stapling, no early data, and (3.0) no ML-KEM.
    let s = openssl_server(&cert, &key, &[]);
    let r = run(s.port, &options(&pki));
    let f = &r.features;
    assert_eq!(f.secure_renegotiation, Some(true), "{r:#?}");
    assert_eq!(f.extended_master_secret, Some(true));
    assert_eq!(f.compression, Some(false));
    assert_eq!(f.session_tickets, Some(true));
    assert_eq!(f.resumption, Some(true), "{:#?}", r.checks);
    assert_eq!(f.fallback_scsv, Some(true), "{:#?}", r.checks);
    assert_eq!(f.ocsp_stapling, Some(false));
    assert_eq!(f.early_data, Some(false));
    assert_eq!(f.post_quantum, Some(false));
    // OpenSSL 3 refuses renegotiations the client starts.
    assert_eq!(f.client_renegotiation, Some(false), "{:#?}", r.checks);
    // Its default suites include CBC and static RSA ones, taken in the client's order.
    assert_findings(
        &r,
        &[
            "tls.lucky13",
            "tls.no-forward-secrecy",
            "tls.no-hsts",
            "tls.no-ocsp-stapling",
            "tls.no-post-quantum",
            "tls.no-server-cipher-order",
        ],
    );
    drop(s);

    // A stapled OCSP response, TLS 1.2 (CertificateStatus) and TLS 1.3 (in the Certificate).
    let response = pki.ocsp_response(&cert);
    for version in ["-tls1_2", "-tls1_3"] {
        let s = openssl_server(
            &cert,
            &key,
            &[version, "-status_file", response.to_str().unwrap()],
        );
        let r = run(s.port, &options(&pki));
        assert_eq!(r.features.ocsp_stapling, Some(true), "{version}: {r:#?}");
        assert!(!ids(&r).contains(&"tls.no-ocsp-stapling"), "{version}");
    }

    // 0-RTT: s_server will not take -early_data with -www, so it runs without; it then
    // answers nothing, but the resumed connection's early data is still accepted or not.
    let s = openssl_echo_server(&cert, &key, &["-tls1_3", "-early_data"]);
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.resumption, Some(true), "{:#?}", r.checks);
    assert_eq!(r.features.early_data, Some(true), "{:#?}", r.checks);
    assert!(ids(&r).contains(&"tls.early-data"), "{r:#?}");
    // TLS 1.3 only: the attacks on older versions do not apply.
    assert_eq!(
        r.vulnerability_summary(),
        "Heartbleed n/a · CCS injection n/a · ROBOT n/a"
    );
    // TLS 1.3 resumes only by ticket: tickets are "yes", not "n/a", beside resumption.
    assert_eq!(r.features.session_tickets, Some(true));
    let tickets = r
        .configuration()
        .into_iter()
        .find(|c| c.label == "Session tickets");
    assert_eq!(tickets.map(|c| c.answer()), Some("yes"));
    drop(s);
    let s = openssl_echo_server(&cert, &key, &["-tls1_3"]);
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.resumption, Some(true), "{:#?}", r.checks);
    assert_eq!(r.features.early_data, Some(false), "{:#?}", r.checks);
    drop(s);

    // No tickets: the session-id cache still resumes.
    let s = openssl_server(&cert, &key, &["-tls1_2", "-no_ticket"]);
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.session_tickets, Some(false));
    assert_eq!(r.features.session_ids, Some(true));
    assert_eq!(r.features.resumption, Some(true), "{:#?}", r.checks);
    drop(s);

    // No resumption at all, and the server's own cipher order with weak suites on offer.
    let suites = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:AES128-SHA";
    let s = openssl_server(
        &cert,
        &key,
        &[
            "-tls1_2",
            "-no_ticket",
            "-no_cache",
            "-serverpref",
            "-cipher",
            suites,
        ],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.resumption, Some(false), "{:#?}", r.checks);
    assert_eq!(r.server_preference.get("TLSv1.2"), Some(&true));
    assert!(!ids(&r).contains(&"tls.no-server-cipher-order"), "{r:#?}");
    drop(s);
    let s = openssl_server(&cert, &key, &["-tls1_2", "-cipher", suites]);
    let r = run(s.port, &options(&pki));
    assert!(ids(&r).contains(&"tls.no-server-cipher-order"), "{r:#?}");

    // TLS 1.2 and 1.1: the fallback hello at 1.1 is refused with inappropriate_fallback.
    drop(s);
    let s = openssl_server(
        &cert,
        &key,
        &[
            "-no_tls1_3",
            "-cipher",
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-SHA:@SECLEVEL=0",
        ],
    );
    let r = run(s.port, &options(&pki));
    assert!(r.protocols["TLSv1.1"] && r.protocols["TLSv1.2"]);
    assert_eq!(r.features.fallback_scsv, Some(true), "{:#?}", r.checks);
    assert!(
        r.checks
            .iter()
            .any(|c| c.check == "TLSv1.1 ClientHello with TLS_FALLBACK_SCSV"
                && c.outcome.contains("inappropriate_fallback")),
        "{:#?}",
        r.checks
    );
}

#[test]
fn post_quantum_key_exchange_from_rustls() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    // rustls with aws-lc-rs offers X25519MLKEM768 by default.
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&pki));
    assert!(
        r.groups.contains(&"X25519MLKEM768".to_string()),
        "{:?}",
        r.groups
    );
    assert_eq!(r.features.post_quantum, Some(true));
    assert!(!ids(&r).contains(&"tls.no-post-quantum"));
    // The same server with classical groups only.
    let mut provider = rustls::crypto::aws_lc_rs::default_provider();
    provider.kx_groups = vec![rustls::crypto::aws_lc_rs::kx_group::X25519];
    let mut config = rustls::ServerConfig::builder_with_provider(std::sync::Arc::new(provider))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![leaf.cert_der.clone()], leaf.key_der.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let port = rustls_server(config, HSTS);
    let r = run(port, &options(&pki));
    assert_eq!(r.groups, ["x25519"]);
    assert_eq!(r.features.post_quantum, Some(false));
    assert_findings(&r, &["tls.no-ocsp-stapling", "tls.no-post-quantum"]);
    // Informational findings do not lower the grade.
    assert_eq!(r.grade, "A+");
}

#[test]
fn early_data_accepted_is_reported() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    let mut config = server_config(&leaf, None);
    config.max_early_data_size = 16 * 1024;
    let port = rustls_server(config, HSTS);
    let r = run(port, &options(&pki));
    assert_eq!(r.features.resumption, Some(true), "{:#?}", r.checks);
    assert_eq!(r.features.early_data, Some(true), "{:#?}", r.checks);
    assert_findings(&r, &["tls.early-data", "tls.no-ocsp-stapling"]);
    // Without it (rustls's default), the resumed connection's early data is refused.
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&pki));
    assert_eq!(r.features.resumption, Some(true));
    assert_eq!(r.features.early_data, Some(false));
}

/// The outcome of the check whose name starts with `name`.
fn check(r: &TlsReport, name: &str) -> String {
    r.checks
        .iter()
        .find(|c| c.check.starts_with(name))
        .map_or_else(
            || panic!("no {name} check: {:#?}", r.checks),
            |c| c.outcome.clone(),
        )
}

fn renegotiation_check(r: &TlsReport) -> String {
    check(r, "Client-initiated renegotiation")
}

#[test]
fn client_initiated_renegotiation_inside_a_real_session() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("reneg", 2048, "sha256");
    // Allowed: the renegotiating hello, sent inside a verified TLS 1.2 session, gets a
    // ServerHello.
    let s = openssl_server(&cert, &key, &["-tls1_2", "-client_renegotiation"]);
    let r = run(s.port, &options(&pki));
    assert_eq!(
        r.features.client_renegotiation,
        Some(true),
        "{:#?}",
        r.checks
    );
    let outcome = renegotiation_check(&r);
    assert!(
        outcome.starts_with("ACCEPTED") && outcome.contains("secure (RFC 5746)"),
        "{outcome}"
    );
    let f = finding(&r, "tls.client-renegotiation");
    assert_eq!(f.severity, rampart::analysis::Severity::Medium);
    assert!(
        r.grade_reasons
            .iter()
            .any(|g| g == "capped at A-: client-initiated renegotiation is accepted"),
        "{:?}",
        r.grade_reasons
    );
    drop(s);
    // OpenSSL's default and -no_renegotiation answer with the no_renegotiation alert.
    for args in [&["-tls1_2"][..], &["-tls1_2", "-no_renegotiation"]] {
        let s = openssl_server(&cert, &key, args);
        let r = run(s.port, &options(&pki));
        assert_eq!(
            renegotiation_check(&r),
            "refused: the renegotiating ClientHello was answered with the alert no_renegotiation",
            "{args:?}"
        );
        assert_eq!(r.features.client_renegotiation, Some(false));
        assert!(!ids(&r).contains(&"tls.client-renegotiation"));
    }
    // rustls (ECDSA certificate, X25519) never renegotiates.
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&pki));
    assert!(
        renegotiation_check(&r).starts_with("refused"),
        "{}",
        renegotiation_check(&r)
    );
    assert_eq!(r.features.client_renegotiation, Some(false));
}

#[test]
fn renegotiation_is_tested_with_every_key_exchange_and_record_type() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("suites", 2048, "sha256");
    // Static RSA with CBC and HMAC-SHA1 (what sslyze tests and rustls cannot speak), DHE,
    // SHA-384 CBC, ChaCha20 and AES-256-GCM: each completes a verified session and has its
    // renegotiation answered.
    for suite in [
        "AES128-SHA",
        "AES256-SHA256",
        "AES128-GCM-SHA256",
        "DHE-RSA-AES256-SHA",
        "DHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-SHA384",
        "ECDHE-RSA-CHACHA20-POLY1305",
        "ECDHE-RSA-AES256-GCM-SHA384",
    ] {
        let s = openssl_server(
            &cert,
            &key,
            &["-tls1_2", "-cipher", suite, "-client_renegotiation"],
        );
        let r = run(s.port, &options(&pki));
        let outcome = renegotiation_check(&r);
        assert!(outcome.starts_with("ACCEPTED"), "{suite}: {outcome}");
        assert_eq!(r.features.client_renegotiation, Some(true), "{suite}");
        drop(s);
    }
    // And the refusal is seen over CBC records too.
    let s = openssl_server(&cert, &key, &["-tls1_2", "-cipher", "AES128-SHA"]);
    let r = run(s.port, &options(&pki));
    assert_eq!(
        renegotiation_check(&r),
        "refused: the renegotiating ClientHello was answered with the alert no_renegotiation"
    );
    // rustls speaks none of these suites: its failure is explained, not read as a demand
    // for a client certificate, and resumption is still tested (by hand).
    let rustls = r
        .checks
        .iter()
        .find(|c| c.check.starts_with("rustls handshake"))
        .unwrap();
    assert!(
        rustls.outcome.contains("none of the suites rustls speaks"),
        "{}",
        rustls.outcome
    );
    // (The server's first flight has no CertificateRequest.)
    assert_eq!(r.client_cert, "none");
    assert_eq!(r.features.session_ids, Some(true), "{:#?}", r.checks);
    assert_eq!(r.features.resumption, Some(true), "{:#?}", r.checks);
}

#[test]
fn groups_are_enumerated_for_tls12_only_servers_and_ffdhe_in_tls13() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("groups", 2048, "sha256");
    // No TLS 1.3: the curves come from the ECDHE ServerKeyExchange, one offered at a time.
    let s = openssl_server(&cert, &key, &["-tls1_2", "-groups", "P-384:P-256"]);
    let r = run(s.port, &options(&pki));
    assert_eq!(r.groups, ["secp256r1", "secp384r1"], "{:#?}", r.checks);
    assert_eq!(r.groups_protocol, Some("TLSv1.2"));
    // What needs TLS 1.3 does not apply; what could not be tested says so.
    let config = r.configuration();
    let answer = |short: &str| config.iter().find(|c| c.short == short).unwrap().answer();
    assert_eq!(answer("0-RTT"), "n/a");
    assert_eq!(answer("post-quantum"), "n/a");
    assert_eq!(answer("downgrade protection"), "n/a");
    assert_eq!(answer("session-id resumption"), "yes");
    let text = rampart::report::probe::tls_text(&r, false);
    assert!(text.contains("0-RTT n/a"), "{text}");
    assert!(text.contains("(TLSv1.2 key exchange)"), "{text}");
    drop(s);
    // TLS 1.3 with the RFC 7919 finite-field groups, the large ones included.
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_3", "-groups", "ffdhe4096:X25519:ffdhe8192"],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(
        r.groups,
        ["x25519", "ffdhe4096", "ffdhe8192"],
        "{:#?}",
        r.checks
    );
    assert_eq!(r.groups_protocol, Some("TLSv1.3"));
}

#[test]
fn session_id_resumption_is_told_apart_from_tickets() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("resume", 2048, "sha256");
    // No session cache, tickets on: a session id is still handed out, but only the ticket
    // resumes. A hello without the ticket extension shows it.
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_2", "-cipher", "AES128-SHA", "-no_cache"],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.session_ids, Some(false), "{:#?}", r.checks);
    assert_eq!(r.features.session_tickets, Some(true));
    assert_eq!(r.features.resumption, Some(true), "{:#?}", r.checks);
    assert!(
        check(&r, "session-ticket resumption (TLS 1.2 and older)").starts_with("resumed"),
        "{:#?}",
        r.checks
    );
    drop(s);
    // Neither: nothing resumes.
    let s = openssl_server(
        &cert,
        &key,
        &[
            "-tls1_2",
            "-cipher",
            "AES128-SHA",
            "-no_cache",
            "-no_ticket",
        ],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.session_ids, Some(false), "{:#?}", r.checks);
    assert_eq!(r.features.resumption, Some(false), "{:#?}", r.checks);
    drop(s);
    // A cache and no tickets: the id resumes.
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_2", "-cipher", "AES128-SHA", "-no_ticket"],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(r.features.session_ids, Some(true), "{:#?}", r.checks);
    assert_eq!(r.features.resumption, Some(true));
    assert!(
        check(&r, "session-id resumption (TLS 1.2 and older)").starts_with("resumed"),
        "{:#?}",
        r.checks
    );
}

#[test]
fn tls10_and_tls11_only_servers_are_tested_for_renegotiation_and_resumption() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("legacy", 2048, "sha256");
    // TLS 1.0 chains the CBC IV from record to record, TLS 1.1 sends one; both use the
    // MD5/SHA-1 PRF. Each key exchange once, renegotiation allowed.
    for (version, suite, name) in [
        ("-tls1", "ECDHE-RSA-AES128-SHA", "TLSv1.0"),
        ("-tls1", "DHE-RSA-AES256-SHA", "TLSv1.0"),
        ("-tls1_1", "AES256-SHA", "TLSv1.1"),
        ("-tls1_1", "ECDHE-RSA-AES256-SHA", "TLSv1.1"),
    ] {
        let cipher = format!("{suite}:@SECLEVEL=0");
        let s = openssl_server(
            &cert,
            &key,
            &[version, "-cipher", &cipher, "-client_renegotiation"],
        );
        let r = run(s.port, &options(&pki));
        assert!(r.protocols[name] && !r.protocols["TLSv1.2"], "{r:#?}");
        assert_eq!(
            r.vulnerability_summary(),
            "Heartbleed no · CCS injection no · ROBOT no"
        );
        let outcome = renegotiation_check(&r);
        assert!(
            outcome.starts_with(&format!("ACCEPTED: after a full {name} handshake")),
            "{suite}: {outcome}"
        );
        assert_eq!(r.features.client_renegotiation, Some(true), "{suite}");
        // rustls cannot talk to it; HTTP over the hand-made session still finds no HSTS.
        let http = r
            .http
            .as_ref()
            .expect("an HTTP answer over the hand-made session");
        assert!(http.status.starts_with("HTTP/1.0 200"), "{}", http.status);
        assert!(ids(&r).contains(&"tls.no-hsts"), "{suite}: {:?}", ids(&r));
        assert_eq!(
            r.features.session_ids,
            Some(true),
            "{suite}: {:#?}",
            r.checks
        );
        assert_eq!(r.features.resumption, Some(true), "{suite}");
        assert!(
            check(&r, "session-ticket resumption (TLS 1.2 and older)")
                .starts_with(&format!("resumed: a second {name} connection")),
            "{suite}: {:#?}",
            r.checks
        );
        drop(s);
    }
    // Refusals too: OpenSSL's default answers no_renegotiation; no cache, no tickets.
    let s = openssl_server(
        &cert,
        &key,
        &[
            "-tls1",
            "-cipher",
            "AES128-SHA:@SECLEVEL=0",
            "-no_cache",
            "-no_ticket",
        ],
    );
    let r = run(s.port, &options(&pki));
    assert_eq!(
        renegotiation_check(&r),
        "refused: the renegotiating ClientHello was answered with the alert no_renegotiation"
    );
    assert_eq!(r.features.session_ids, Some(false), "{:#?}", r.checks);
    assert_eq!(r.features.resumption, Some(false), "{:#?}", r.checks);
}

/// How a simulated TLS 1.2 server (hand-built first flight, no real key exchange) treats the
/// records that Heartbleed and CCS injection are detected with.
#[derive(Clone, Copy)]
struct Simulated {
    /// Echo a heartbeat's claimed length, reading past the request (vulnerable OpenSSL 1.0.1).
    heartbleed: bool,
    /// Take an early ChangeCipherSpec and fail the next record's MAC (OpenSSL before 1.0.1h).
    ccs: bool,
}

fn handshake_message(kind: u8, body: &[u8]) -> Vec<u8> {
    let len = u32::try_from(body.len()).unwrap().to_be_bytes();
    let mut out = vec![kind, len[1], len[2], len[3]];
    out.extend_from_slice(body);
    out
}

/// A TLS 1.2 record holding ServerHello (the given suite and extensions), Certificate and
/// ServerHelloDone.
fn first_flight(cert_der: &[u8], suite: [u8; 2], exts: &[u8]) -> Vec<u8> {
    let mut sh = vec![3, 3];
    sh.extend_from_slice(&[7u8; 32]);
    sh.push(0);
    sh.extend_from_slice(&[suite[0], suite[1], 0]);
    sh.extend_from_slice(&u16::try_from(exts.len()).unwrap().to_be_bytes());
    sh.extend_from_slice(exts);
    let mut list = Vec::new();
    let n = u32::try_from(cert_der.len()).unwrap().to_be_bytes();
    list.extend_from_slice(&n[1..]);
    list.extend_from_slice(cert_der);
    let mut certs = u32::try_from(list.len()).unwrap().to_be_bytes()[1..].to_vec();
    certs.extend_from_slice(&list);
    let mut flight = handshake_message(2, &sh);
    flight.extend(handshake_message(11, &certs));
    flight.extend(handshake_message(14, &[]));
    let mut record = vec![22, 3, 3];
    record.extend_from_slice(&u16::try_from(flight.len()).unwrap().to_be_bytes());
    record.extend_from_slice(&flight);
    record
}

/// One TLS record: its content type and body.
fn read_record(s: &mut impl Read) -> Option<(u8, Vec<u8>)> {
    let mut header = [0u8; 5];
    s.read_exact(&mut header).ok()?;
    let mut body = vec![0u8; usize::from(u16::from_be_bytes([header[3], header[4]]))];
    s.read_exact(&mut body).ok()?;
    Some((header[0], body))
}

fn simulated_server(cert_der: Vec<u8>, how: Simulated) -> u16 {
    raw_server(move |mut s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if !matches!(read_record(&mut s), Some((22, _))) {
            return;
        }
        // TLS 1.2, ECDHE-RSA-AES128-GCM-SHA256, renegotiation_info and heartbeat.
        let exts = [0xff, 0x01, 0, 1, 0, 0x00, 0x0f, 0, 1, 1];
        if s.write_all(&first_flight(&cert_der, [0xc0, 0x2f], &exts))
            .is_err()
        {
            return;
        }
        let mut changes = 0;
        while let Some((kind, body)) = read_record(&mut s) {
            match kind {
                24 if how.heartbleed && body.len() >= 3 => {
                    // Echo what the request claims, whatever it carries.
                    let claimed = usize::from(u16::from_be_bytes([body[1], body[2]]));
                    let mut answer = vec![2];
                    answer.extend_from_slice(&body[1..3]);
                    let mut memory = body[3..].to_vec();
                    memory.resize(claimed, 0x5a);
                    answer.extend_from_slice(&memory);
                    answer.extend_from_slice(&[0u8; 16]);
                    let mut out = vec![24, 3, 3];
                    out.extend_from_slice(&u16::try_from(answer.len()).unwrap().to_be_bytes());
                    out.extend_from_slice(&answer);
                    let _ = s.write_all(&out);
                }
                24 => {} // RFC 6520: drop it silently.
                20 if how.ccs => {
                    changes += 1;
                    if changes == 2 {
                        let _ = s.write_all(&[21, 3, 3, 0, 2, 2, 20]); // bad_record_mac
                        return;
                    }
                }
                20 => {
                    let _ = s.write_all(&[21, 3, 3, 0, 2, 2, 10]); // unexpected_message
                    return;
                }
                _ => return,
            }
        }
    })
}

#[test]
fn heartbleed_and_ccs_injection_are_detected_on_simulated_servers() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    let der = leaf.cert_der.to_vec();
    let run_on = |how: Simulated| {
        let port = simulated_server(der.clone(), how);
        run(port, &options(&pki))
    };

    let r = run_on(Simulated {
        heartbleed: true,
        ccs: false,
    });
    assert_eq!(r.features.heartbeat, Some(true));
    assert!(ids(&r).contains(&"tls.heartbleed"), "{r:#?}");
    assert!(!ids(&r).contains(&"tls.ccs-injection"));
    let f = finding(&r, "tls.heartbleed");
    assert_eq!(f.severity, rampart::analysis::Severity::Critical);
    // 19 claimed + type and length + 16 padding.
    assert!(
        f.evidence.contains("claiming 19") && f.evidence.contains("38-byte"),
        "{}",
        f.evidence
    );
    assert_eq!(r.grade, "F");
    assert!(
        r.grade_reasons.iter().any(|g| g.contains("Heartbleed")),
        "{:?}",
        r.grade_reasons
    );
    assert!(check(&r, "CCS injection").starts_with("not vulnerable"));
    assert_eq!(r.vulnerabilities.heartbleed, Some(true));
    assert_eq!(r.vulnerabilities.ccs_injection, Some(false));

    let r = run_on(Simulated {
        heartbleed: false,
        ccs: true,
    });
    assert_eq!(r.vulnerabilities.heartbleed, Some(false));
    assert_eq!(r.vulnerabilities.ccs_injection, Some(true));
    assert!(!ids(&r).contains(&"tls.heartbleed"), "{r:#?}");
    assert!(
        check(&r, "Heartbleed").starts_with("not vulnerable: the malformed heartbeat was dropped")
    );
    assert!(ids(&r).contains(&"tls.ccs-injection"), "{r:#?}");
    assert_eq!(r.grade, "F");

    let r = run_on(Simulated {
        heartbleed: false,
        ccs: false,
    });
    assert!(!ids(&r).contains(&"tls.heartbleed") && !ids(&r).contains(&"tls.ccs-injection"));
    assert!(check(&r, "CCS injection").contains("unexpected_message"));
}

/// A TLS 1.2 server with RSA key exchange (AES128-SHA) that really decrypts the client's
/// premaster secret. The vulnerable one answers a bad PKCS#1 padding at once with
/// decrypt_error and a good one, after the Finished, with bad_record_mac: the difference an
/// attacker needs. The patched one always waits for the Finished and says bad_record_mac.
fn robot_server(cert_der: Vec<u8>, key_pkcs8: &[u8], vulnerable: bool) -> u16 {
    use aws_lc_rs::rsa::{Pkcs1PrivateDecryptingKey, PrivateDecryptingKey};
    let key = std::sync::Arc::new(
        Pkcs1PrivateDecryptingKey::new(PrivateDecryptingKey::from_pkcs8(key_pkcs8).unwrap())
            .unwrap(),
    );
    raw_server(move |mut s| {
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if !matches!(read_record(&mut s), Some((22, _))) {
            return;
        }
        if s.write_all(&first_flight(
            &cert_der,
            [0x00, 0x2f],
            &[0xff, 0x01, 0, 1, 0],
        ))
        .is_err()
        {
            return;
        }
        while let Some((kind, body)) = read_record(&mut s) {
            match (kind, body.first()) {
                (22, Some(16)) => {
                    // ClientKeyExchange: 4-byte header, 2-byte length, the encrypted premaster.
                    let mut out = vec![0u8; key.min_output_size()];
                    let padded = body
                        .get(6..)
                        .is_some_and(|c| key.decrypt(c, &mut out).is_ok());
                    if vulnerable && !padded {
                        let _ = s.write_all(&[21, 3, 3, 0, 2, 2, 51]); // decrypt_error
                        return;
                    }
                }
                (20, _) => {}
                _ => {
                    let _ = s.write_all(&[21, 3, 3, 0, 2, 2, 20]); // bad_record_mac
                    return;
                }
            }
        }
    })
}

#[test]
fn robot_oracle_is_detected_on_a_simulated_server() {
    use rustls::pki_types::pem::PemObject;
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("oracle", 2048, "sha256");
    let cert_der = rustls::pki_types::CertificateDer::from_pem_file(&cert)
        .unwrap()
        .to_vec();
    let key_der = rustls::pki_types::PrivatePkcs8KeyDer::from_pem_file(&key)
        .unwrap()
        .secret_pkcs8_der()
        .to_vec();
    let robot = |r: &TlsReport| {
        r.checks
            .iter()
            .find(|c| c.check.starts_with("ROBOT"))
            .map_or_else(
                || panic!("no ROBOT check: {:#?}", r.checks),
                |c| c.outcome.clone(),
            )
    };

    let r = run(
        robot_server(cert_der.clone(), &key_der, true),
        &options(&pki),
    );
    let outcome = robot(&r);
    assert!(outcome.starts_with("VULNERABLE"), "{outcome}");
    // The padding variants the simulated server rejects are named with its answer.
    for expected in [
        "well-formed: bad_record_mac",
        "wrong first bytes: decrypt_error",
        "no 0x00 separator: decrypt_error",
    ] {
        assert!(outcome.contains(expected), "{expected}: {outcome}");
    }
    let f = finding(&r, "tls.robot");
    assert_eq!(r.vulnerabilities.robot, Some(true));
    assert_eq!(f.severity, rampart::analysis::Severity::Critical);
    assert_eq!(r.grade, "F");
    assert!(
        r.grade_reasons.iter().any(|g| g.contains("ROBOT")),
        "{:?}",
        r.grade_reasons
    );

    let r = run(robot_server(cert_der, &key_der, false), &options(&pki));
    assert!(robot(&r).starts_with("not vulnerable"), "{}", robot(&r));
    assert!(!ids(&r).contains(&"tls.robot"));
    assert_eq!(r.vulnerabilities.robot, Some(false));
}

#[test]
fn openssl_with_rsa_key_exchange_is_not_a_robot_oracle() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("robot", 2048, "sha256");
    let s = openssl_server(
        &cert,
        &key,
        &["-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"],
    );
    let r = run(s.port, &options(&pki));
    assert!(r.protocols["TLSv1.2"]);
    let robot = r
        .checks
        .iter()
        .find(|c| c.check.starts_with("ROBOT"))
        .unwrap();
    assert!(
        robot.outcome.starts_with("not vulnerable: all five"),
        "{robot:?}"
    );
    assert!(!ids(&r).contains(&"tls.robot"));
}

#[test]
fn real_servers_are_not_vulnerable_to_heartbleed_or_ccs_injection() {
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("patched", 2048, "sha256");
    let s = openssl_server(&cert, &key, &["-tls1_2"]);
    let r = run(s.port, &options(&pki));
    // OpenSSL 3 has no heartbeat at all, and refuses an early ChangeCipherSpec.
    assert_eq!(r.features.heartbeat, Some(false));
    let ccs = r
        .checks
        .iter()
        .find(|c| c.check.starts_with("CCS injection"))
        .unwrap();
    assert!(ccs.outcome.starts_with("not vulnerable"), "{ccs:?}");
    assert!(!ids(&r).contains(&"tls.ccs-injection"));
}

/// A rustls server sending `chain` for `leaf`'s key.
fn chain_server(
    leaf: &common::Leaf,
    chain: Vec<rustls::pki_types::CertificateDer<'static>>,
) -> u16 {
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, leaf.key_der.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    rustls_server(config, HSTS)
}

#[test]
fn a_chain_with_its_root_or_out_of_order_is_reported_as_sslyze_does() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    // Leaf then its root: trusted, the root sent for nothing.
    let port = chain_server(&leaf, vec![leaf.cert_der.clone(), pki.ca_der.clone()]);
    let r = run(port, &options(&pki));
    let c = r.certificate.as_ref().unwrap();
    assert!(c.trusted && c.chain_includes_root, "{c:#?}");
    assert_eq!(c.chain_order_problem, None);
    assert_eq!(c.chain_description(), "chain of 2 including its root");
    assert_findings(
        &r,
        &["tls.cert-chain-includes-root", "tls.no-ocsp-stapling"],
    );
    assert_eq!(r.grade, "A+");

    // Leaf then an unrelated certificate: out of order, though the leaf alone is trusted.
    let stranger = pki.self_signed(&["stranger.test"]);
    let port = chain_server(
        &leaf,
        vec![leaf.cert_der.clone(), stranger.cert_der.clone()],
    );
    let r = run(port, &options(&pki));
    let c = r.certificate.as_ref().unwrap();
    assert_eq!(
        c.chain_order_problem.as_deref(),
        Some(
            "certificate 2 (`CN=stranger.test`) does not issue certificate 1 (`CN=127.0.0.1`, \
             issued by `CN=Rampart test CA`)"
        )
    );
    // Self-signed, but not this chain's root; and off the leaf's path, no verifier (strict or
    // not) looks at it, so it breaks no CA rules either.
    assert!(!c.chain_includes_root);
    assert!(c.strict_problems.is_empty(), "{:?}", c.strict_problems);
    assert_findings(&r, &["tls.cert-chain-out-of-order", "tls.no-ocsp-stapling"]);
    let out = finding(&r, "tls.cert-chain-out-of-order");
    assert_eq!(out.severity, rampart::analysis::Severity::Low);

    // Leaf, stranger, then the real root: out of order, and the root is still found on the
    // leaf's path.
    let port = chain_server(
        &leaf,
        vec![
            leaf.cert_der.clone(),
            stranger.cert_der.clone(),
            pki.ca_der.clone(),
        ],
    );
    let r = run(port, &options(&pki));
    let c = r.certificate.as_ref().unwrap();
    assert!(
        c.chain_includes_root && c.chain_order_problem.is_some(),
        "{c:#?}"
    );
    assert_findings(
        &r,
        &[
            "tls.cert-chain-includes-root",
            "tls.cert-chain-out-of-order",
            "tls.no-ocsp-stapling",
        ],
    );

    // The leaf alone: neither.
    let port = chain_server(&leaf, vec![leaf.cert_der.clone()]);
    let r = run(port, &options(&pki));
    let c = r.certificate.as_ref().unwrap();
    assert!(!c.chain_includes_root && c.chain_order_problem.is_none());
    assert_eq!(c.chain_description(), "chain of 1");
}

/// A server that speaks only SSL 2.0: an SSLv2 CLIENT-HELLO gets a SERVER-HELLO (with the
/// leaf's DER as its certificate and two cipher kinds); anything else is closed.
fn sslv2_server(cert_der: Vec<u8>) -> u16 {
    raw_server(move |mut s| {
        use std::io::{Read, Write};
        let mut head = [0u8; 2];
        if s.read_exact(&mut head).is_err() || head[0] & 0x80 == 0 {
            return;
        }
        let len = usize::from(u16::from_be_bytes([head[0] & 0x7f, head[1]]));
        let mut body = vec![0u8; len];
        if s.read_exact(&mut body).is_err() || body.first() != Some(&1) {
            return;
        }
        let cert_len = u16::try_from(cert_der.len()).unwrap().to_be_bytes();
        let mut hello = vec![4, 0, 1, 0, 2, cert_len[0], cert_len[1], 0, 6, 0, 16];
        hello.extend_from_slice(&cert_der);
        hello.extend_from_slice(&[1, 0, 0x80, 7, 0, 0xc0]);
        hello.extend_from_slice(&[0x5a; 16]);
        let len = u16::try_from(hello.len()).unwrap() | 0x8000;
        let _ = s.write_all(&[&len.to_be_bytes()[..], &hello].concat());
    })
}

#[test]
fn sslv2_is_found_and_fails_the_grade() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 200, false);
    let r = run(sslv2_server(leaf.cert_der.to_vec()), &options(&pki));
    assert_eq!(r.protocols.get("SSLv2"), Some(&true), "{:#?}", r.checks);
    assert!(r.speaks_tls);
    assert_findings(&r, &["tls.no-modern-protocol", "tls.sslv2"]);
    let f = finding(&r, "tls.sslv2");
    assert_eq!(f.severity, rampart::analysis::Severity::Critical);
    assert!(
        f.evidence.contains("2 SSLv2 cipher kinds"),
        "{}",
        f.evidence
    );
    assert_eq!(r.grade, "F");
    assert_eq!(r.grade_reasons[0], "capped at F: SSLv2 is accepted (DROWN)");
    // A modern server refuses it (in TLS), and says so.
    let port = rustls_server(server_config(&leaf, None), HSTS);
    let r = run(port, &options(&pki));
    assert_eq!(r.protocols.get("SSLv2"), Some(&false));
    assert!(
        check(&r, "SSLv2 CLIENT-HELLO").starts_with("refused"),
        "{:#?}",
        r.checks
    );
}
