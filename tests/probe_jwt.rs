//! The JWT probe against APIs on 127.0.0.1 that these tests start: an issuer with OIDC discovery
//! and a JWKS, and APIs that verify tokens with jsonwebtoken — correctly, or with one classic
//! flaw each. Every server's findings are asserted exactly, so a false positive fails as surely
//! as a miss. Hostile servers (huge, silent, redirecting, garbage) must give errors, not panics.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::io::{Read, Write};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::jwt::{AUDIENCE, Flaw, Signer, claims, jwt_api, now};
use common::{Pki, Response, http_server, raw_server, server_config};
use rampart::probe::jwt::{JwtOptions, JwtReport, probe};
use serde_json::{Value, json};

fn signer() -> Arc<Signer> {
    static SIGNER: std::sync::OnceLock<Arc<Signer>> = std::sync::OnceLock::new();
    SIGNER.get_or_init(|| Arc::new(Signer::new())).clone()
}

fn ids(report: &JwtReport) -> Vec<&str> {
    let mut ids: Vec<&str> = report.findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn assert_findings(report: &JwtReport, expected: &[&str]) {
    let mut expected = expected.to_vec();
    expected.sort_unstable();
    assert_eq!(ids(report), expected, "{report:#?}");
}

/// Probes a flawed API actively with a valid token and the test environment's key.
fn active_probe(flaw: Flaw) -> (JwtReport, usize) {
    let signer = signer();
    let server = jwt_api(signer.clone(), flaw, None);
    let token = signer.token(&claims(&server.url("http", "")));
    let options = JwtOptions {
        token: Some(token),
        key: Some(signer.private_pem.clone()),
        active: true,
        timeout: Duration::from_secs(8),
        ..JwtOptions::default()
    };
    let report = probe(&server.url("http", "/orders"), &options, &mut |_| {}).unwrap();
    (report, server.count())
}

#[test]
fn a_correct_verifier_gives_no_findings_and_every_forgery_is_refused() {
    let (report, served) = active_probe(Flaw::Secure);
    assert_findings(&report, &[]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // The issuer was found from `iss`, its key read from the JWKS.
    let issuer = report.issuer.as_ref().unwrap();
    assert_eq!(issuer.keys.len(), 1);
    assert_eq!(issuer.keys[0].bits, Some(2048));
    assert_eq!(issuer.signing_algs, ["RS256"]);
    // Baselines first, then every forgery, all refused.
    let checks: Vec<&str> = report.attempts.iter().map(|a| a.check.as_str()).collect();
    assert_eq!(checks[0], "baseline without a token");
    assert_eq!(checks[1], "baseline with the given token");
    assert!(report.attempts[1].accepted);
    assert!(
        report.attempts[2..].iter().all(|a| !a.accepted),
        "{report:#?}"
    );
    for expected in [
        "alg `none` without signature",
        "signature stripped",
        "payload tampered, original signature",
        "HS256 keyed with the public key, PEM",
        "expired token (validly signed)",
        "wrong audience (validly signed)",
    ] {
        assert!(
            checks.contains(&expected),
            "{expected} missing from {checks:?}"
        );
    }
    // Everything the report says it sent reached the server, and stayed within the budget.
    assert_eq!(report.requests, served);
    assert!(served <= JwtOptions::default().max_requests);
}

#[test]
fn alg_none_acceptance_is_found() {
    let (report, _) = active_probe(Flaw::AlgNone);
    assert_findings(&report, &["jwt.alg-none-accepted"]);
    let f = &report.findings[0];
    assert!(f.evidence.contains("`none`"), "{}", f.evidence);
    assert!(
        f.evidence.contains("/orders"),
        "the finding names the request"
    );
}

#[test]
fn an_endpoint_that_never_checks_signatures_is_found_once() {
    let (report, _) = active_probe(Flaw::NoSignatureCheck);
    // It checks expiry but not the audience, so a validly signed token for another audience
    // gets through too.
    assert_findings(
        &report,
        &["jwt.signature-not-verified", "jwt.wrong-audience-accepted"],
    );
    assert!(report.findings[0].evidence.contains("signature removed"));
    // alg none and key confusion would also be accepted; they prove nothing more and say so.
    assert!(
        report
            .not_tested
            .iter()
            .any(|(check, why)| check == "alg none" && why.contains("does not verify signatures"))
    );
}

#[test]
fn rs256_to_hs256_key_confusion_is_found() {
    let (report, _) = active_probe(Flaw::KeyConfusion);
    assert_findings(&report, &["jwt.key-confusion"]);
    assert!(
        report.findings[0].evidence.contains("public key (PEM)"),
        "{}",
        report.findings[0].evidence
    );
}

#[test]
fn psychic_ecdsa_signatures_are_found_and_a_correct_es256_verifier_refuses_them() {
    let signer = Arc::new(Signer::es256());
    let run = |flaw: Flaw| {
        let server = jwt_api(signer.clone(), flaw, None);
        let options = JwtOptions {
            token: Some(signer.token(&claims(&server.url("http", "")))),
            key: Some(signer.private_pem.clone()),
            active: true,
            timeout: Duration::from_secs(8),
            ..JwtOptions::default()
        };
        probe(&server.url("http", "/orders"), &options, &mut |_| {}).unwrap()
    };
    let psychic = |r: &JwtReport| {
        r.attempts
            .iter()
            .find(|a| a.check.contains("CVE-2022-21449"))
            .map(|a| a.accepted)
    };
    // jsonwebtoken's ES256 verification: every forgery refused, the zero signature too.
    let secure = run(Flaw::Secure);
    assert_findings(&secure, &[]);
    assert_eq!(psychic(&secure), Some(false));
    assert!(secure.attempts.iter().all(|a| a.accepted != a.must_refuse));
    // A verifier with Java's old bug.
    let broken = run(Flaw::PsychicSignature);
    assert_findings(&broken, &["jwt.psychic-signature-accepted"]);
    assert_eq!(psychic(&broken), Some(true));
    assert!(
        broken.findings[0]
            .evidence
            .contains("ES256 signature replaced by zeros")
    );
    // An RS256 token cannot carry the test: it is listed as not tested, with why.
    let (rs, _) = active_probe(Flaw::Secure);
    assert!(
        rs.not_tested
            .iter()
            .any(|(c, why)| c.contains("CVE-2022-21449") && why.contains("not ECDSA"))
    );
}

#[test]
fn expired_tokens_accepted_is_found_with_the_test_key() {
    let (report, _) = active_probe(Flaw::IgnoresExpiry);
    assert_findings(&report, &["jwt.expired-accepted"]);
}

#[test]
fn an_expired_token_the_user_gives_is_a_test_without_any_key() {
    let signer = signer();
    let server = jwt_api(signer.clone(), Flaw::IgnoresExpiry, None);
    let mut c = claims(&server.url("http", ""));
    c["iat"] = json!(now() - 7200);
    c["nbf"] = json!(now() - 7200);
    c["exp"] = json!(now() - 3600);
    let options = JwtOptions {
        token: Some(signer.token(&c)),
        active: true,
        ..JwtOptions::default()
    };
    let report = probe(&server.url("http", "/orders"), &options, &mut |_| {}).unwrap();
    assert_findings(&report, &["jwt.expired-accepted"]);
    // The same token against a correct verifier: refused, and the forgeries are not tested.
    let secure = jwt_api(signer.clone(), Flaw::Secure, None);
    let mut c = claims(&secure.url("http", ""));
    c["exp"] = json!(now() - 3600);
    let options = JwtOptions {
        token: Some(signer.token(&c)),
        active: true,
        ..JwtOptions::default()
    };
    let report = probe(&secure.url("http", "/orders"), &options, &mut |_| {}).unwrap();
    assert_findings(&report, &[]);
    assert!(
        report
            .not_tested
            .iter()
            .any(|(_, why)| why.contains("refuses the given token"))
    );
}

#[test]
fn wrong_audience_accepted_is_found() {
    let (report, _) = active_probe(Flaw::IgnoresAudience);
    assert_findings(&report, &["jwt.wrong-audience-accepted"]);
}

#[test]
fn an_endpoint_without_authentication_is_found_and_forgeries_are_skipped() {
    let (report, served) = active_probe(Flaw::NoAuth);
    assert_findings(&report, &["jwt.unauthenticated-access"]);
    assert_eq!(
        served - 2,
        1,
        "discovery, JWKS, then only the anonymous baseline"
    );
}

#[test]
fn a_weak_hmac_secret_is_cracked_offline_and_only_that() {
    // An API that verifies HS256 tokens correctly (jsonwebtoken, exp and aud checked), with a
    // secret from every word list.
    let server = http_server(None, |_| {
        |r: &common::Request| {
            let mut v = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
            v.set_audience(&[AUDIENCE]);
            let key = jsonwebtoken::DecodingKey::from_secret(b"secret123");
            match r
                .bearer()
                .map(|t| jsonwebtoken::decode::<Value>(t, &key, &v))
            {
                Some(Ok(_)) => Response::new(200, "{}"),
                _ => Response::new(401, ""),
            }
        }
    });
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let c = json!({"sub": "svc-billing", "aud": AUDIENCE, "iss": "billing", "iat": now(), "exp": now() + 600});
    let key = jsonwebtoken::EncodingKey::from_secret(b"secret123");
    let token = jsonwebtoken::encode(&header, &c, &key).unwrap();
    let options = JwtOptions {
        token: Some(token.clone()),
        ..JwtOptions::default()
    };
    let report = probe(&server.url("http", "/"), &options, &mut |_| {}).unwrap();
    assert_findings(&report, &["jwt.weak-hmac-secret"]);
    assert_eq!(
        server.count(),
        0,
        "passive checks send nothing to the endpoint"
    );
    // Actively, every forgery is refused: the weak secret is the one problem.
    let active = JwtOptions {
        active: true,
        ..options.clone()
    };
    let r = probe(&server.url("http", "/"), &active, &mut |_| {}).unwrap();
    assert_findings(&r, &["jwt.weak-hmac-secret"]);
    assert!(r.attempts.len() > 4 && r.attempts.iter().all(|a| a.accepted != a.must_refuse));
    // The cracked secret signs the expired and wrong-audience tokens, as an attacker's would.
    assert!(
        r.attempts
            .iter()
            .any(|a| a.check == "expired token (validly signed)")
    );
    // The secret is masked: its first two characters and its length.
    assert_eq!(report.weak_secret.as_deref(), Some("se… (9 characters)"));
    let json = serde_json::to_string(&report).unwrap();
    assert!(!json.contains("secret123"));
    assert!(
        !json.contains(&token),
        "the token never appears in the output"
    );
    assert!(!json.contains(token.split('.').nth(1).unwrap()));
}

#[test]
fn a_token_signed_with_the_empty_secret_is_found() {
    // Some libraries sign with an empty HMAC key when the configured secret is missing.
    let header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::HS256);
    let c =
        json!({"sub": "svc", "aud": AUDIENCE, "iss": "billing", "iat": now(), "exp": now() + 600});
    let token =
        jsonwebtoken::encode(&header, &c, &jsonwebtoken::EncodingKey::from_secret(b"")).unwrap();
    let options = JwtOptions {
        token: Some(token),
        ..JwtOptions::default()
    };
    let report = probe("http://127.0.0.1:9/", &options, &mut |_| {}).unwrap();
    assert_findings(&report, &["jwt.weak-hmac-secret"]);
    assert_eq!(report.weak_secret.as_deref(), Some("the empty secret"));
    // A secret that is in no list is not "found".
    let token = jsonwebtoken::encode(
        &header,
        &c,
        &jsonwebtoken::EncodingKey::from_secret(b"kJ8#vQ2!mZ7$wR4^tY6&uI1*oP3"),
    )
    .unwrap();
    let options = JwtOptions {
        token: Some(token),
        ..JwtOptions::default()
    };
    let report = probe("http://127.0.0.1:9/", &options, &mut |_| {}).unwrap();
    assert_findings(&report, &[]);
}

#[test]
fn passive_checks_read_the_token() {
    let header = json!({"alg": "HS256", "typ": "JWT", "jku": "https://attacker.invalid/keys"});
    let c = json!({"sub": "42", "email": "ann@example.com", "card": "4111-1111-1111-1111"});
    let token = {
        use base64::Engine as _;
        let b = |v: &Value| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(serde_json::to_vec(v).unwrap())
        };
        // Signed with a strong random secret: the token is not crackable.
        let key = jsonwebtoken::EncodingKey::from_secret(b"Zt8#qL2!vN9@wX4$kR7^mB1&hJ6*pD3%");
        let input = format!("{}.{}", b(&header), b(&c));
        let sig =
            jsonwebtoken::crypto::sign(input.as_bytes(), &key, jsonwebtoken::Algorithm::HS256)
                .unwrap();
        format!("{input}.{sig}")
    };
    let options = JwtOptions {
        token: Some(token),
        ..JwtOptions::default()
    };
    let report = probe("https://127.0.0.1:9/", &options, &mut |_| {}).unwrap();
    assert_findings(
        &report,
        &[
            "jwt.embedded-key-header",
            "jwt.no-audience",
            "jwt.no-expiry",
            "jwt.no-issuer",
            "jwt.sensitive-claims",
        ],
    );
    let info = report.token.as_ref().unwrap();
    assert_eq!(info.key_headers, ["jku"]);
    assert!(
        info.sensitive_claims
            .iter()
            .any(|c| c.contains("card number"))
    );
    assert!(report.requests == 0 && report.attempts.is_empty());
    assert!(report.not_tested.iter().any(|(c, _)| c == "forged tokens"));
}

#[test]
fn an_unsafe_issuer_is_reported() {
    // Advertises none and HS256; its JWKS has a 1024-bit RSA key, a duplicate kid and a
    // symmetric key.
    let n1024 = {
        use base64::Engine as _;
        let mut n = vec![0xC3u8; 128];
        n[127] = 0x01;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(n)
    };
    let issuer = http_server(None, move |port| {
        move |r: &common::Request| match r.path.as_str() {
            "/.well-known/openid-configuration" => Response::json(&json!({
                "issuer": format!("http://127.0.0.1:{port}"),
                "jwks_uri": format!("http://127.0.0.1:{port}/keys"),
                "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
            })),
            "/keys" => Response::json(&json!({"keys": [
                {"kty": "RSA", "kid": "a", "n": n1024, "e": "AQAB"},
                {"kty": "RSA", "kid": "a", "n": n1024, "e": "AQAB"},
                {"kty": "oct", "kid": "b", "k": "c2VjcmV0"},
            ]})),
            _ => Response::new(404, ""),
        }
    });
    let options = JwtOptions {
        discovery: Some(issuer.url("http", "/.well-known/openid-configuration")),
        ..JwtOptions::default()
    };
    let report = probe("http://127.0.0.1:9/api", &options, &mut |_| {}).unwrap();
    assert_findings(
        &report,
        &[
            "jwt.alg-none-advertised",
            "jwt.jwks-problem",
            "jwt.symmetric-alg-advertised",
            "jwt.weak-jwks-key",
        ],
    );
    let problem = report
        .findings
        .iter()
        .find(|f| f.id == "jwt.jwks-problem")
        .unwrap();
    assert!(problem.evidence.contains("kid `a` is used twice"));
    assert!(problem.evidence.contains("symmetric"));
    assert_eq!(report.issuer.as_ref().unwrap().keys[0].bits, Some(1024));
}

#[test]
fn the_probe_works_over_https_with_an_internal_ca() {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 30, false);
    let signer = signer();
    let server = jwt_api(
        signer.clone(),
        Flaw::AlgNone,
        Some(server_config(&leaf, None)),
    );
    let options = JwtOptions {
        token: Some(signer.token(&claims(&server.url("https", "")))),
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        active: true,
        ..JwtOptions::default()
    };
    let report = probe(&server.url("https", "/orders"), &options, &mut |_| {}).unwrap();
    assert_findings(&report, &["jwt.alg-none-accepted"]);
    assert!(report.errors.is_empty(), "{:?}", report.errors);
    // Without the CA, the certificate is refused: an error, no findings, no panic.
    let options = JwtOptions {
        ca_pem: None,
        ..options
    };
    let report = probe(&server.url("https", "/orders"), &options, &mut |_| {}).unwrap();
    assert!(report.findings.is_empty());
    assert!(!report.errors.is_empty());
}

#[test]
fn hostile_and_broken_servers_give_errors_not_panics() {
    // A 50 MB discovery document: cut at the size limit.
    let huge = raw_server(|mut s| {
        let mut buf = [0u8; 4096];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 52428800\r\n\r\n");
        let chunk = vec![b' '; 1 << 16];
        for _ in 0..800 {
            if s.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    // Accepts and never answers.
    let silent = raw_server(|s| {
        std::thread::sleep(Duration::from_secs(20));
        drop(s);
    });
    // Garbage discovery, and a redirect to another host that must not be followed.
    let broken = http_server(None, |port| {
        move |r: &common::Request| match r.path.as_str() {
            "/garbage" => Response::new(200, "<html>not json</html>"),
            // A good discovery document whose JWKS is garbage.
            "/with-bad-jwks" => Response::json(&json!({
                "issuer": format!("http://127.0.0.1:{port}"),
                "jwks_uri": format!("http://127.0.0.1:{port}/jwks-garbage"),
            })),
            "/jwks-garbage" => Response::new(200, vec![0xffu8, 0x00, 0x7b, 0x7b, 0x22]),
            _ => {
                let mut resp = Response::new(302, "");
                resp.headers.push((
                    "Location".into(),
                    "http://198.51.100.7/.well-known/openid-configuration".into(),
                ));
                resp
            }
        }
    });
    let cases = [
        (format!("http://127.0.0.1:{huge}/d"), "larger than 1024 KB"),
        (format!("http://127.0.0.1:{silent}/d"), "timed out"),
        (
            broken.url("http", "/garbage"),
            "discovery document is not JSON (line 1, column 1)",
        ),
        (broken.url("http", "/with-bad-jwks"), "the JWKS is not JSON"),
        (broken.url("http", "/redirect"), "not followed"),
    ];
    for (discovery, expected) in cases {
        let started = Instant::now();
        let options = JwtOptions {
            discovery: Some(discovery.clone()),
            timeout: Duration::from_secs(4),
            ..JwtOptions::default()
        };
        let report = probe("http://127.0.0.1:9/", &options, &mut |_| {}).unwrap();
        assert!(
            report.errors.iter().any(|e| e.contains(expected)),
            "{discovery}: {:?}",
            report.errors
        );
        assert!(
            report.findings.is_empty(),
            "{discovery}: {:?}",
            report.findings
        );
        assert!(
            started.elapsed() < Duration::from_secs(8),
            "{discovery} was not bounded"
        );
    }
    // An endpoint that refuses connections: the baseline fails, forgeries are not tested.
    let options = JwtOptions {
        active: true,
        token: Some(signer().token(&claims("urn:none"))),
        ..JwtOptions::default()
    };
    let report = probe("http://127.0.0.1:9/orders", &options, &mut |_| {}).unwrap();
    assert!(report.findings.is_empty(), "{:?}", report.findings);
    assert!(
        report
            .errors
            .iter()
            .any(|e| e.contains("127.0.0.1:9") || e.contains("refused")),
        "{:?}",
        report.errors
    );
    assert!(report.not_tested.iter().any(|(c, _)| c == "forged tokens"));
}

#[test]
fn bad_input_is_one_line_on_the_command_line() {
    let cases: [(&[&str], &str); 3] = [
        (
            &["probe", "jwt", "http://127.0.0.1:9/", "--token", "abc.def"],
            "malformed",
        ),
        (
            &["probe", "jwt", "127.0.0.1:9", "--token", "a.b.c"],
            "127.0.0.1:9",
        ),
        (
            &[
                "probe",
                "jwt",
                "http://127.0.0.1:9/",
                "--token",
                "@/nonexistent/token.txt",
            ],
            "/nonexistent/token.txt",
        ),
    ];
    for (args, expected) in cases {
        let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(args)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let err = String::from_utf8(out.stderr).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

#[test]
fn the_command_line_prints_findings_as_text_and_json_with_the_token_masked() {
    let signer = signer();
    let server = jwt_api(signer.clone(), Flaw::AlgNone, None);
    let token = signer.token(&claims(&server.url("http", "")));
    let dir = tempfile::tempdir().unwrap();
    let token_file = dir.path().join("token");
    std::fs::write(&token_file, format!("{token}\n")).unwrap();
    let url = server.url("http", "/orders");
    let run = |format: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args([
                "probe", "jwt", &url, "--active", "--format", format, "--token",
            ])
            .arg(format!("@{}", token_file.display()))
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run("text");
    assert!(text.contains("jwt.alg-none-accepted"), "{text}");
    assert!(text.contains("accepted") && text.contains("refused"));
    let json: Value = serde_json::from_str(&run("json")).unwrap();
    assert_eq!(json["target"], url);
    assert_eq!(json["findings"][0]["id"], "jwt.alg-none-accepted");
    for output in [&text, &json.to_string()] {
        assert!(!output.contains(&token));
        assert!(!output.contains(token.split('.').nth(2).unwrap()));
    }
    // --fail-on gates CI on the accepted forgery (critical).
    let token_arg = format!("@{}", token_file.display());
    let code = |fail_on: &str| {
        let args = ["probe", "jwt", &url, "--active", "--fail-on", fail_on];
        common::rampart(&[&args[..], &["--token", &token_arg]].concat()).0
    };
    assert_eq!(json["findings"][0]["severity"], "critical");
    assert_eq!(code("critical"), 1);
    assert_eq!(code("high"), 1);
}

/// One CA loader for both probes: a CA file with a block that does not parse is refused by the
/// JWT probe as by the TLS probe (it used to drop the bad block silently and go on).
#[test]
fn a_ca_file_that_does_not_parse_is_refused_by_both_probes() {
    let pki = common::Pki::new();
    let bad = format!(
        "{}-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=!!\n-----END CERTIFICATE-----\n",
        pki.ca_pem
    );
    let path = pki.write("bad-ca.pem", &bad);
    let path = path.to_str().unwrap();
    for args in [
        vec![
            "probe",
            "jwt",
            "https://127.0.0.1:9/",
            "--ca",
            path,
            "--timeout-ms",
            "500",
        ],
        vec![
            "probe",
            "tls",
            "127.0.0.1:9",
            "--ca",
            path,
            "--timeout-ms",
            "500",
        ],
    ] {
        let (code, _, err) = common::rampart(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains("invalid PEM certificate"), "{args:?}: {err}");
    }
}
