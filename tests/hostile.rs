//! Hostile servers on 127.0.0.1, started by the tests: every one must end within the probe's
//! time limit, within bounded memory, and never get a pass — no grade of A or B, no
//! "verified" — for what the probe did not see.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{HttpReply, Pki, Response, http_server, openssl_server, raw_server, rustls_server};
use rampart::probe::tls::{self, TlsOptions, TlsReport};
use rampart::verify::{self, EndpointStatus};

const TIMEOUT: Duration = Duration::from_secs(3);
/// What a probe may take beyond its limit (the last connection's teardown, thread joins).
const MARGIN: Duration = Duration::from_millis(1500);

fn probe(port: u16) -> (TlsReport, Duration) {
    let options = TlsOptions {
        timeout: TIMEOUT,
        ..TlsOptions::default()
    };
    let started = Instant::now();
    let r = tls::probe(&format!("127.0.0.1:{port}"), &options, &mut |_| {}).unwrap();
    (r, started.elapsed())
}

/// Reads the client's first bytes (a ClientHello) so the server answers after it.
fn read_hello(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
    let _ = s.read(&mut buf);
}

/// A TLS record.
fn record(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind, 0x03, 0x03];
    out.extend_from_slice(&u16::try_from(body.len()).unwrap().to_be_bytes());
    out.extend_from_slice(body);
    out
}

/// A handshake message.
fn handshake(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![kind];
    out.extend_from_slice(&u32::try_from(body.len()).unwrap().to_be_bytes()[1..]);
    out.extend_from_slice(body);
    out
}

/// A TLS 1.2 ServerHello choosing ECDHE-RSA-AES128-GCM-SHA256.
fn server_hello() -> Vec<u8> {
    let mut body = vec![0x03, 0x03];
    body.extend_from_slice(&[7u8; 32]);
    body.push(0); // no session id
    body.extend_from_slice(&[0xc0, 0x2f, 0x00]);
    handshake(2, &body)
}

/// Asserts what every hostile case must: no pass, within the time limit.
fn assert_no_pass(r: &TlsReport, took: Duration, case: &str) {
    assert!(took < TIMEOUT + MARGIN, "{case}: took {took:?}");
    assert!(
        !matches!(r.grade.as_str(), "A+" | "A" | "A-" | "B" | "C"),
        "{case}: graded {} {r:#?}",
        r.grade
    );
    assert!(
        r.findings
            .iter()
            .any(|f| f.severity >= rampart::analysis::Severity::High),
        "{case}: no high finding {r:#?}"
    );
}

#[test]
fn alerts_only_is_a_failed_handshake_not_a_grade_a() {
    // Answers every ClientHello with a handshake_failure alert.
    let port = raw_server(|mut s| {
        read_hello(&mut s);
        let _ = s.write_all(&record(21, &[2, 40]));
    });
    let (r, took) = probe(port);
    assert_no_pass(&r, took, "alerts only");
    assert!(!r.speaks_tls);
    assert!(r.protocols.values().all(|v| !v), "{:?}", r.protocols);
    assert_eq!(r.grade, "F");
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "tls.handshake-failed")
        .unwrap();
    assert!(
        f.evidence.contains("every ClientHello with an alert")
            && f.evidence.contains("handshake_failure"),
        "{f:?}"
    );
}

#[test]
fn openssl_speaking_only_tls_1_0_under_security_level_2_is_not_graded() {
    // The real case behind the alerts-only server: OpenSSL 3 refuses TLS 1.0 at its default
    // security level, so `-tls1` answers every hello with an alert.
    let pki = Pki::new();
    let (cert, key) = pki.openssl_leaf("tls1", 2048, "sha256");
    let server = openssl_server(&cert, &key, &["-tls1"]);
    let (r, took) = probe(server.port);
    assert_no_pass(&r, took, "openssl -tls1");
    assert!(!r.speaks_tls, "{r:#?}");
    assert_eq!(r.grade, "F");
}

#[test]
fn a_bare_server_hello_then_silence_is_not_tls() {
    let port = raw_server(|mut s| {
        read_hello(&mut s);
        let _ = s.write_all(&record(22, &server_hello()));
        std::thread::sleep(Duration::from_secs(20));
    });
    let (r, took) = probe(port);
    assert_no_pass(&r, took, "bare ServerHello");
    assert!(!r.speaks_tls, "{r:#?}");
    assert!(r.certificate.is_none());
    assert_ne!(
        r.client_cert, "none",
        "no handshake: the client-cert policy is unknown"
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.id == "tls.handshake-failed")
        .unwrap();
    assert!(f.evidence.contains("timed out"), "{f:?}");
}

#[test]
fn a_server_hello_then_close_is_not_tls_either() {
    let port = raw_server(|mut s| {
        read_hello(&mut s);
        let _ = s.write_all(&record(22, &server_hello()));
    });
    let (r, took) = probe(port);
    assert_no_pass(&r, took, "ServerHello then close");
    assert!(!r.speaks_tls, "{r:#?}");
}

/// A certificate chain of `n` certificates: a leaf for 127.0.0.1 from an untrusted CA, then
/// copies of that CA.
fn long_chain(n: usize) -> (rustls::ServerConfig, usize) {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 90, false);
    let mut chain = vec![leaf.cert_der.clone()];
    chain.extend(std::iter::repeat_n(pki.ca_der.clone(), n - 1));
    let bytes: usize = chain.iter().map(|c| c.len() + 3).sum();
    let mut config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(chain, leaf.key_der.clone_key())
        .unwrap();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    (config, bytes)
}

#[test]
fn a_chain_over_64_kib_is_read_and_judged() {
    let (config, bytes) = long_chain(200);
    assert!(bytes > 64 * 1024, "{bytes}");
    let port = rustls_server(config, HttpReply { hsts: None });
    let (r, took) = probe(port);
    assert_no_pass(&r, took, "long chain");
    let c = r.certificate.as_ref().expect("the chain was parsed");
    assert_eq!(c.chain_length, 200);
    assert!(!c.trusted);
    assert!(
        r.findings.iter().any(|f| f.id == "tls.cert-untrusted"),
        "{r:#?}"
    );
    assert_eq!(r.grade, "F");
}

#[test]
fn a_chain_over_the_limit_is_a_finding_not_a_skip() {
    // 800 copies: about 300 KiB, over the 256 KiB accepted for a Certificate message.
    let (config, bytes) = long_chain(800);
    assert!(bytes > 256 * 1024, "{bytes}");
    let port = rustls_server(config, HttpReply { hsts: None });
    let (r, took) = probe(port);
    assert_no_pass(&r, took, "oversized chain");
    assert!(
        r.findings
            .iter()
            .any(|f| f.evidence.contains("more than the 262144")),
        "{r:#?}"
    );
}

/// A model with one TLS flow to `url`.
fn model_with_endpoint(url: &str, auth: &str) -> rampart::model::Model {
    let text = format!(
        r#"(
  rampart: 1,
  name: "Hostile",
  boundaries: [(id: "internet", kind: internet), (id: "app", kind: internal_network)],
  nodes: [
    (id: "client", kind: actor, boundary: "internet"),
    (id: "api", kind: service, boundary: "app"),
  ],
  flows: [
    (id: "call", from: "client", to: "api", protocol: "https", encryption: tls, tls_min: tls1_2,
      authentication: {auth}, endpoint: (url: "{url}")),
  ],
)"#
    );
    rampart::model::parse(&text, "hostile.ron").unwrap().model
}

fn verify_one(url: &str, auth: &str) -> verify::EndpointResult {
    let model = model_with_endpoint(url, auth);
    let options = verify::Options {
        timeout: TIMEOUT,
        ..verify::Options::default()
    };
    let started = Instant::now();
    let v = verify::verify(&model, None, None, &options, &|_, _, _| {});
    assert!(started.elapsed() < TIMEOUT * 2 + MARGIN);
    v.endpoints.into_iter().next().unwrap()
}

#[test]
fn verify_never_calls_a_hostile_tls_server_verified() {
    let alerts = raw_server(|mut s| {
        read_hello(&mut s);
        let _ = s.write_all(&record(21, &[2, 40]));
    });
    let bare = raw_server(|mut s| {
        read_hello(&mut s);
        let _ = s.write_all(&record(22, &server_hello()));
        std::thread::sleep(Duration::from_secs(20));
    });
    let (config, _) = long_chain(200);
    let chain = rustls_server(config, HttpReply { hsts: None });
    for (port, case) in [
        (alerts, "alerts"),
        (bare, "bare hello"),
        (chain, "long chain"),
    ] {
        let e = verify_one(&format!("127.0.0.1:{port}"), "none");
        assert_eq!(e.status, EndpointStatus::Drift, "{case}: {e:#?}");
        if case != "long chain" {
            // Nothing was proved about the protocols of a server that never completed a hello.
            assert!(e.matched.is_empty(), "{case}: {e:#?}");
        }
        let rules: Vec<&str> = e.drift.iter().map(|d| d.rule.as_str()).collect();
        let expected = if case == "long chain" {
            "drift.certificate-problem"
        } else {
            "drift.plaintext-where-tls-declared"
        };
        assert_eq!(rules, [expected], "{case}: {e:#?}");
    }
}

#[test]
fn a_redirect_is_not_a_refusal() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 90, false);
    let server = http_server(Some(common::server_config(&leaf, None)), |_| {
        |_: &common::Request| {
            let mut r = Response::new(302, "");
            r.headers
                .push(("Location".into(), "https://127.0.0.1/login".into()));
            r
        }
    });
    let model = model_with_endpoint(&server.url("https", "/orders"), "jwt");
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ca.pem"), &pki.ca_pem).unwrap();
    let mut model = model;
    if let Some(f) = model.flow_mut("call") {
        f.endpoint.as_mut().unwrap().ca = Some("ca.pem".into());
    }
    let options = verify::Options {
        timeout: TIMEOUT,
        ..verify::Options::default()
    };
    let v = verify::verify(&model, Some(dir.path()), None, &options, &|_, _, _| {});
    let e = &v.endpoints[0];
    assert_eq!(e.status, EndpointStatus::Unverified, "{e:#?}");
    assert!(!e.matched.iter().any(|m| m.contains("refused")), "{e:#?}");
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("HTTP 302 to \"https://127.0.0.1/login\"")),
        "{e:#?}"
    );
}

#[test]
fn the_jwt_probe_keeps_its_time_limit() {
    // Accepts and never answers.
    let silent = raw_server(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s);
    });
    for limit in [100u64, 1000] {
        let options = rampart::probe::jwt::JwtOptions {
            timeout: Duration::from_millis(limit),
            check_anonymous: true,
            discovery: Some(format!(
                "http://127.0.0.1:{silent}/.well-known/openid-configuration"
            )),
            ..rampart::probe::jwt::JwtOptions::default()
        };
        let started = Instant::now();
        let r = rampart::probe::jwt::probe(
            &format!("http://127.0.0.1:{silent}/api"),
            &options,
            &mut |_| {},
        )
        .unwrap();
        let took = started.elapsed();
        // Before: every request took at least 800 ms (100 ms -> 0.85 s, 1 s -> 1.68 s).
        assert!(
            took < Duration::from_millis(limit + 250),
            "{limit} ms limit: took {took:?}"
        );
        assert!(!r.errors.is_empty(), "{r:#?}");
    }
}

#[test]
fn an_http_server_that_never_answers_is_not_called_unreachable() {
    let silent = raw_server(|s| {
        std::thread::sleep(Duration::from_secs(30));
        drop(s);
    });
    let text = format!(
        r#"(
  rampart: 1,
  name: "Silent",
  boundaries: [(id: "app", kind: internal_network)],
  nodes: [
    (id: "a", kind: service, boundary: "app"),
    (id: "b", kind: service, boundary: "app"),
  ],
  flows: [
    (id: "call", from: "a", to: "b", protocol: "http", authentication: api_key,
      endpoint: (url: "http://127.0.0.1:{silent}/")),
  ],
)"#
    );
    let model = rampart::model::parse(&text, "silent.ron").unwrap().model;
    let options = verify::Options {
        timeout: Duration::from_millis(500),
        ..verify::Options::default()
    };
    let v = verify::verify(&model, None, None, &options, &|_, _, _| {});
    let e = &v.endpoints[0];
    assert_eq!(e.status, EndpointStatus::Unverified, "{e:#?}");
    assert!(
        e.notes
            .iter()
            .any(|n| n.contains("accepts connections but did not answer")),
        "{e:#?}"
    );
}

/// Runs the `rampart` binary and samples its resident memory while it runs: (exit code,
/// stdout, peak RSS in KiB, time taken).
fn run_measured(args: &[&str]) -> (i32, String, u64, Duration) {
    let started = Instant::now();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let status_file = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let stdout = child.stdout.take().unwrap();
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let mut stdout = stdout;
        let _ = stdout.read_to_string(&mut s);
        s
    });
    loop {
        if let Ok(text) = std::fs::read_to_string(&status_file)
            && let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let out = reader.join().unwrap();
            return (status.code().unwrap_or(-1), out, peak, started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Memory a probe of a hostile server may use at most: a few MiB above an idle binary.
const MEMORY_KIB: u64 = 200 * 1024;

#[test]
fn hostile_tls_servers_end_in_time_with_bounded_memory_and_no_grade() {
    // A 16 MB handshake message announced, then sent.
    let huge = raw_server(|mut s| {
        read_hello(&mut s);
        let mut first = vec![0x16, 0x03, 0x03, 0x40, 0x00, 0x02, 0xff, 0xff, 0xff];
        first.resize(5 + 0x4000, 0);
        for _ in 0..1100 {
            if s.write_all(&first).is_err() {
                return;
            }
            first = vec![0x16, 0x03, 0x03, 0x40, 0x00];
            first.resize(5 + 0x4000, 0);
        }
    });
    // Endless one-byte handshake fragments.
    let fragments = raw_server(|mut s| {
        read_hello(&mut s);
        let hello = record(22, &server_hello());
        let _ = s.write_all(&hello);
        loop {
            if s.write_all(&[0x16, 0x03, 0x03, 0x00, 0x01, 0x0b]).is_err() {
                return;
            }
        }
    });
    // Slowloris: a byte every 150 ms, forever.
    let slow = raw_server(|mut s| {
        read_hello(&mut s);
        for b in record(22, &server_hello()).iter().cycle() {
            std::thread::sleep(Duration::from_millis(150));
            if s.write_all(&[*b]).is_err() {
                return;
            }
        }
    });
    for (port, case) in [
        (huge, "16 MB message"),
        (fragments, "endless fragments"),
        (slow, "slowloris"),
    ] {
        let target = format!("127.0.0.1:{port}");
        let (code, out, peak, took) = run_measured(&[
            "probe",
            "tls",
            &target,
            "--timeout-ms",
            "3000",
            "--format",
            "json",
        ]);
        assert!(took < TIMEOUT + MARGIN * 2, "{case}: {took:?}");
        assert!(peak < MEMORY_KIB, "{case}: {peak} KiB");
        assert_eq!(code, 0, "{case}");
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert!(
            !matches!(v["grade"].as_str(), Some("A+" | "A" | "A-" | "B" | "C")),
            "{case}: {v}"
        );
        assert_eq!(v["speaks_tls"], false, "{case}: {v}");
    }
}

#[test]
fn hostile_http_servers_end_in_time_and_say_what_happened() {
    use common::Response;
    // Declares 10 GB and sends forever.
    let endless = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10737418240\r\n\r\n");
        let chunk = [b' '; 16384];
        while s.write_all(&chunk).is_ok() {}
    });
    // Headers forever.
    let headers = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\n");
        let mut i = 0u64;
        while s
            .write_all(format!("X-Junk-{i}: {}\r\n", "a".repeat(100)).as_bytes())
            .is_ok()
        {
            i += 1;
        }
    });
    // Slowloris: the status line a byte at a time.
    let slow = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        for b in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}"
            .iter()
            .cycle()
        {
            std::thread::sleep(Duration::from_millis(200));
            if s.write_all(&[*b]).is_err() {
                return;
            }
        }
    });
    // Redirects to itself, forever.
    let redirects = http_server(None, |port| {
        move |_: &common::Request| {
            let mut r = Response::new(302, "");
            r.headers
                .push(("Location".into(), format!("http://127.0.0.1:{port}/again")));
            r
        }
    });
    // A discovery document nested 100,000 deep, and a JWKS of 100,000 empty keys.
    let issuer = http_server(None, |port| {
        move |req: &common::Request| {
            if req.path.starts_with("/.well-known") {
                Response::json(&serde_json::json!({
                    "issuer": format!("http://127.0.0.1:{port}"),
                    "jwks_uri": format!("http://127.0.0.1:{port}/jwks"),
                }))
            } else {
                let keys = vec![serde_json::json!({}); 100_000];
                Response::json(&serde_json::json!({ "keys": keys }))
            }
        }
    });
    let deep = http_server(None, |_| {
        |_: &common::Request| {
            let depth = 100_000;
            let body = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
            Response::new(200, body)
        }
    });
    let cases: Vec<(String, Option<String>, &str)> = vec![
        (
            format!("http://127.0.0.1:{endless}/api"),
            None,
            "larger than 1024 KB",
        ),
        (format!("http://127.0.0.1:{headers}/api"), None, ""),
        (format!("http://127.0.0.1:{slow}/api"), None, "timed out"),
        (redirects.url("http", "/api"), None, ""),
        (
            redirects.url("http", "/api"),
            Some(deep.url("http", "/.well-known/openid-configuration")),
            "nested more than 128 levels deep",
        ),
        (
            redirects.url("http", "/api"),
            Some(issuer.url("http", "/.well-known/openid-configuration")),
            "the JWKS holds 100000 keys",
        ),
    ];
    for (url, discovery, expect) in cases {
        // --active: the request without a token is sent (it is the one these servers abuse).
        let mut args = vec![
            "probe",
            "jwt",
            url.as_str(),
            "--active",
            "--timeout-ms",
            "2000",
            "--format",
            "json",
        ];
        if let Some(d) = &discovery {
            args.push("--discovery");
            args.push(d);
        }
        let (code, out, peak, took) = run_measured(&args);
        assert!(
            took < Duration::from_secs(2) + MARGIN * 2,
            "{url}: {took:?}"
        );
        assert!(peak < MEMORY_KIB, "{url}: {peak} KiB");
        assert_eq!(code, 0, "{url}");
        assert!(out.len() < 200_000, "{url}: {} bytes of output", out.len());
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors = v["errors"].to_string();
        assert!(errors.contains(expect), "{url}: {errors}");
        // Nothing here is a pass: no finding says the endpoint checks tokens.
        assert!(v["findings"].as_array().is_some());
    }
    // A redirect answered to the request without credentials is not taken as a refusal (see
    // a_redirect_is_not_a_refusal); here it is at least reported as the status it is.
}
