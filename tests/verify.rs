//! `rampart verify` end to end: a model whose endpoints point at servers these tests start on
//! 127.0.0.1 — some deployed as the model declares, some drifting from it — must give exactly
//! the expected drift findings, merged with the analysis, and a sidecar with the results.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::collections::BTreeMap;
use std::process::Command;
use std::sync::Arc;

use common::jwt::{Flaw, Signer, claims, jwt_api};
use common::{
    HttpReply, Pki, Response, http_server, openssl_server, rampart, rustls_server, server_config,
};
use rampart::verify::{EndpointStatus, Verification};
use serde_json::Value;

const OK: HttpReply = HttpReply { hsts: None };

/// Servers for every case, and the model that points at them.
struct World {
    pki: Pki,
    model: std::path::PathBuf,
    _keep: Vec<Box<dyn std::any::Any>>,
}

fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn world() -> World {
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 90, false);
    let signer = Arc::new(Signer::new());

    // Deployed as declared: TLS 1.2+, JWT verified correctly.
    let good = jwt_api(
        signer.clone(),
        Flaw::Secure,
        Some(server_config(&leaf, None)),
    );
    let good_token = signer.token(&claims(&good.url("https", "")));
    // Plain HTTP where TLS is declared.
    let plain = http_server(None, |_| |_: &common::Request| Response::new(200, "hello"));
    // TLS 1.0 still accepted where 1.2 is the declared minimum.
    let (cert, key) = pki.openssl_leaf("legacy", 2048, "sha256");
    let legacy = openssl_server(
        &cert,
        &key,
        &[
            "-min_protocol",
            "TLSv1",
            "-cipher",
            "ECDHE-RSA-AES128-SHA:ECDHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0",
        ],
    );
    // Mutual TLS declared, client certificate not even requested.
    let one_way = rustls_server(server_config(&leaf, None), OK);
    // Mutual TLS declared and enforced (a node's endpoint).
    let vault = rustls_server(server_config(&leaf, Some((&pki, true))), OK);
    // JWT declared; the API takes alg none.
    let forged = jwt_api(
        signer.clone(),
        Flaw::AlgNone,
        Some(server_config(&leaf, None)),
    );
    let forged_token = signer.token(&claims(&forged.url("https", "")));
    // API key declared; the endpoint answers anyone.
    let keyed = http_server(None, |_| |_: &common::Request| Response::new(200, "{}"));
    // A self-signed certificate where TLS is declared.
    let self_signed = pki.self_signed(&["127.0.0.1"]);
    let bad_cert = rustls_server(server_config(&self_signed, None), OK);

    let model = format!(
        r#"// Verification fixture: endpoints on 127.0.0.1.
(
  rampart: 1,
  name: "Verify fixture",
  assets: [(id: "order-data", classification: confidential, tags: [pii])],
  boundaries: [
    (id: "internet", kind: internet),
    (id: "app", kind: internal_network),
  ],
  nodes: [
    (id: "client", kind: actor, boundary: "internet"),
    (id: "api", kind: service, boundary: "app"),
    (id: "orders-svc", kind: service, boundary: "app"),
    (id: "legacy-svc", kind: service, boundary: "app"),
    (id: "ledger", kind: service, boundary: "app"),
    (id: "payments", kind: service, boundary: "app"),
    (id: "gone-svc", kind: service, boundary: "app"),
    (id: "keyed-svc", kind: service, boundary: "app"),
    (id: "certs-svc", kind: service, boundary: "app"),
    (id: "vault", kind: secret_store, boundary: "app", endpoint: (url: "127.0.0.1:{vault}", ca: "ca.pem")),
  ],
  flows: [
    (id: "good", from: "client", to: "api", protocol: "https", encryption: tls, tls_min: tls1_2, authentication: jwt, data: ["order-data"],
      endpoint: (url: "https://127.0.0.1:{good}/orders", ca: "ca.pem", token: "{good_token}", active: true)),
    (id: "plain", from: "client", to: "orders-svc", protocol: "https", encryption: tls, authentication: jwt, data: ["order-data"],
      endpoint: (url: "127.0.0.1:{plain}")),
    (id: "legacy", from: "api", to: "legacy-svc", protocol: "https", encryption: tls, tls_min: tls1_2, authentication: jwt, data: ["order-data"],
      endpoint: (url: "127.0.0.1:{legacy}", ca: "ca.pem")),
    (id: "mtls", from: "api", to: "ledger", protocol: "grpc", encryption: mtls, authentication: mtls, data: ["order-data"],
      endpoint: (url: "127.0.0.1:{one_way}", ca: "ca.pem")),
    (id: "forged", from: "client", to: "payments", protocol: "https", encryption: tls, authentication: jwt, data: ["order-data"],
      endpoint: (url: "https://127.0.0.1:{forged}/orders", ca: "ca.pem", token: "{forged_token}", active: true)),
    (id: "gone", from: "api", to: "gone-svc", protocol: "https", encryption: tls, authentication: mtls, data: ["order-data"],
      endpoint: (url: "127.0.0.1:{gone}")),
    (id: "keyed", from: "client", to: "keyed-svc", protocol: "http", authentication: api_key, data: ["order-data"],
      endpoint: (url: "http://127.0.0.1:{keyed}/")),
    (id: "certs", from: "api", to: "certs-svc", protocol: "https", encryption: tls, authentication: jwt, data: ["order-data"],
      endpoint: (url: "127.0.0.1:{bad_cert}", ca: "ca.pem")),
    (id: "to-vault", from: "api", to: "vault", protocol: "https", encryption: mtls, authentication: mtls, data: ["order-data"]),
  ],
)
"#,
        good = good.port,
        plain = plain.port,
        legacy = legacy.port,
        one_way = one_way,
        forged = forged.port,
        gone = closed_port(),
        keyed = keyed.port,
        bad_cert = bad_cert,
        vault = vault,
    );
    let path = pki.write("system.ron", &model);
    World {
        pki,
        model: path,
        _keep: vec![
            Box::new(good),
            Box::new(plain),
            Box::new(legacy),
            Box::new(forged),
            Box::new(keyed),
        ],
    }
}

#[test]
fn verify_reports_exactly_the_drift_and_keeps_results_beside_the_model() {
    let w = world();
    let model = w.model.to_str().unwrap();
    let (code, out, err) = rampart(&["verify", model, "--format", "json", "--timeout-ms", "6000"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();

    // Exactly these drift findings, one per drifting endpoint.
    let mut drift: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["family"] == "drift")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    drift.sort_unstable();
    assert_eq!(
        drift,
        [
            "drift.auth-not-enforced@keyed",
            "drift.certificate-problem@certs",
            "drift.endpoint-unreachable@gone",
            "drift.forged-token-accepted@forged",
            "drift.mtls-not-enforced@mtls",
            "drift.plaintext-where-tls-declared@plain",
            "drift.tls-version-below-declared@legacy",
        ],
        "{:#}",
        doc["verification"]
    );
    // Merged with the analysis: the static findings are there too, in the same list.
    assert!(
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["family"] != "drift")
    );
    // Each endpoint's status.
    let status: BTreeMap<&str, &str> = doc["verification"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["element"].as_str().unwrap(),
                e["status"].as_str().unwrap(),
            )
        })
        .collect();
    let expected: BTreeMap<&str, &str> = [
        ("good", "verified"),
        ("vault", "verified"),
        ("plain", "drift"),
        ("legacy", "drift"),
        ("mtls", "drift"),
        ("forged", "drift"),
        ("keyed", "drift"),
        ("certs", "drift"),
        ("gone", "unreachable"),
    ]
    .into_iter()
    .collect();
    assert_eq!(status, expected);

    // The evidence names what was declared and what was seen.
    let message = |id: &str| {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["id"] == id)
            .unwrap()["message"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert!(message("drift.tls-version-below-declared@legacy").contains("TLS 1.0"));
    assert!(message("drift.forged-token-accepted@forged").contains("alg `none`"));
    assert!(message("drift.auth-not-enforced@keyed").contains("HTTP 200"));
    // The good endpoint's forgeries were all sent and refused.
    let good = doc["verification"]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["element"] == "good")
        .unwrap();
    assert!(
        good["matched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m.as_str().unwrap().contains("forged tokens refused")),
        "{good:#}"
    );
    // Tokens from the model never appear in the output.
    let text = std::fs::read_to_string(&w.model).unwrap();
    let token = text
        .split("token: \"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(!out.contains(token));

    // The sidecar holds the same run, for the same model bytes; the model is untouched.
    let sidecar = Verification::load(&w.model).unwrap().unwrap();
    assert!(sidecar.is_for(text.as_bytes()));
    assert_eq!(sidecar.endpoints.len(), 9);
    assert_eq!(sidecar.status_of("gone"), Some(EndpointStatus::Unreachable));
    assert_eq!(std::fs::read_to_string(&w.model).unwrap(), text);
    assert!(
        !std::fs::read_to_string(Verification::sidecar(&w.model))
            .unwrap()
            .contains(token)
    );

    // The PDF report carries the verification and the drift findings.
    let pdf = w.pki.path("report.pdf");
    let (code, _, err) = rampart(&["report", model, "-o", pdf.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let text = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext is needed for this test: install Debian's poppler-utils (bash .ci/test does)");
    let text = String::from_utf8_lossy(&text.stdout);
    assert!(text.contains("Verification against live endpoints"));
    assert!(
        text.contains("2 verified, 6 with drift, 1 unreachable"),
        "{text}"
    );
    for id in &drift {
        assert!(text.contains(id), "the report lists {id}");
    }

    // analyze merges the saved verification by the same rule, and says so.
    let (code, out, err) = rampart(&["analyze", model, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("with the verification of"), "{err}");
    assert!(err.contains("9 of 9 endpoint results still match"), "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let mut merged: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["family"] == "drift")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    merged.sort_unstable();
    assert_eq!(merged, drift);

    // --fail-on gates on the merged findings.
    let (code, _, _) = rampart(&["verify", model, "--fail-on", "critical", "--no-save"]);
    assert_eq!(code, 1);
    drop(w.pki);
}

#[test]
fn text_and_sarif_carry_the_drift() {
    let w = world();
    let model = w.model.to_str().unwrap();
    let (code, out, err) = rampart(&["verify", model, "--no-save"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("9 endpoints"), "{out}");
    assert!(out.contains("2 verified, 6 drift, 1 unreachable"), "{out}");
    assert!(out.contains("drift.mtls-not-enforced@mtls"));
    assert!(
        !Verification::sidecar(&w.model).exists(),
        "--no-save writes nothing"
    );
    let (_, sarif, _) = rampart(&["verify", model, "--no-save", "--format", "sarif"]);
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "drift.plaintext-where-tls-declared")
    );
}

#[test]
fn a_model_without_endpoints_or_with_a_broken_sidecar_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("m.ron");
    std::fs::write(
        &model,
        "(rampart: 1, name: \"x\", nodes: [(id: \"a\", kind: service)])\n",
    )
    .unwrap();
    let (code, _, err) = rampart(&["verify", model.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("m.ron") && err.contains("endpoint"), "{err}");
    assert_eq!(err.lines().count(), 1);
    std::fs::write(
        Verification::sidecar(&model),
        "{\n  \"version\": 1,\n  oops\n}",
    )
    .unwrap();
    let e = Verification::load(&model).unwrap_err();
    assert!(e.contains("m.verify.json:3:3"), "{e}");
}
