//! Probe and verification speed against servers this benchmark starts on 127.0.0.1: a full TLS
//! probe, a full active JWT probe, and `verify` of 50 endpoints of mixed kinds compared with the
//! slowest single endpoint.

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

#[path = "../tests/common/mod.rs"]
mod common;

use std::sync::Arc;
use std::time::Duration;

use common::jwt::{Flaw, Signer, claims, jwt_api_slow};
use common::{HttpReply, Pki, Response, http_server, rustls_server, server_config};
use criterion::{Criterion, criterion_group, criterion_main};
use rampart::probe::{jwt, tls};
use rampart::{model, verify};

/// One endpoint of each kind a model declares, as a flow line for the model file.
struct Servers {
    _keep: Vec<Box<dyn std::any::Any>>,
    flows: Vec<(&'static str, String)>,
}

/// `copies` endpoints of each kind; HTTP answers come after `rtt` (a network round trip).
fn servers(pki: &Pki, signer: &Arc<Signer>, copies: usize, rtt: Duration) -> Servers {
    let leaf = pki.leaf(&["127.0.0.1"], -1, 90, false);
    let mut keep: Vec<Box<dyn std::any::Any>> = Vec::new();
    let mut flows = Vec::new();
    for _ in 0..copies {
        let p = rustls_server(server_config(&leaf, None), HttpReply { hsts: None });
        flows.push((
            "tls",
            format!("encryption: tls, endpoint: (url: \"127.0.0.1:{p}\", ca: \"ca.pem\")"),
        ));
        let p = rustls_server(
            server_config(&leaf, Some((pki, true))),
            HttpReply { hsts: None },
        );
        flows.push((
            "mtls",
            format!(
                "encryption: mtls, authentication: mtls, endpoint: (url: \"127.0.0.1:{p}\", ca: \"ca.pem\")"
            ),
        ));
        let api = jwt_api_slow(
            signer.clone(),
            Flaw::Secure,
            Some(server_config(&leaf, None)),
            rtt,
        );
        let token = signer.token(&claims(&api.url("https", "")));
        flows.push((
            "jwt (active)",
            format!(
                "encryption: tls, authentication: jwt, endpoint: (url: \"{}\", ca: \"ca.pem\", token: \"{token}\", active: true)",
                api.url("https", "/orders")
            ),
        ));
        keep.push(Box::new(api));
        let plain = http_server(None, move |_| {
            move |_: &common::Request| {
                std::thread::sleep(rtt);
                Response::new(401, "no")
            }
        });
        flows.push((
            "http + api key",
            format!(
                "authentication: api_key, endpoint: (url: \"{}\")",
                plain.url("http", "/")
            ),
        ));
        keep.push(Box::new(plain));
    }
    Servers { _keep: keep, flows }
}

fn model_text(flows: &[&(&'static str, String)]) -> String {
    let mut nodes = String::from("(id: \"caller\", kind: service, boundary: \"app\"),\n");
    let mut lines = String::new();
    for (i, (_, f)) in flows.iter().enumerate() {
        nodes.push_str(&format!(
            "(id: \"s{i}\", kind: service, boundary: \"app\"),\n"
        ));
        lines.push_str(&format!(
            "(id: \"f{i}\", from: \"caller\", to: \"s{i}\", protocol: \"https\", {f}),\n"
        ));
    }
    format!(
        "(rampart: 1, name: \"bench\", boundaries: [(id: \"app\", kind: internal_network)],\nnodes: [{nodes}],\nflows: [{lines}])\n"
    )
}

fn bench(c: &mut Criterion) {
    let pki = Pki::new();
    let signer = Arc::new(Signer::new());
    let leaf = pki.leaf(&["127.0.0.1"], -1, 90, false);
    let ca = Some(pki.ca_pem.clone().into_bytes());

    let mut group = c.benchmark_group("probe");
    group.sample_size(10);
    let tls_port = rustls_server(server_config(&leaf, None), HttpReply { hsts: None });
    let tls_options = tls::TlsOptions {
        ca_pem: ca.clone(),
        ..tls::TlsOptions::default()
    };
    let target = format!("127.0.0.1:{tls_port}");
    let r = tls::probe(&target, &tls_options, &mut |_| {}).unwrap();
    eprintln!("TLS probe: {} checks, grade {}", r.checks.len(), r.grade);
    group.bench_function("tls full probe (loopback rustls)", |b| {
        b.iter(|| tls::probe(&target, &tls_options, &mut |_| {}).unwrap());
    });
    let api = jwt_api_slow(
        signer.clone(),
        Flaw::Secure,
        Some(server_config(&leaf, None)),
        Duration::ZERO,
    );
    let jwt_options = jwt::JwtOptions {
        token: Some(signer.token(&claims(&api.url("https", "")))),
        key: Some(signer.private_pem.clone()),
        active: true,
        ca_pem: ca.clone(),
        ..jwt::JwtOptions::default()
    };
    let url = api.url("https", "/orders");
    let r = jwt::probe(&url, &jwt_options, &mut |_| {}).unwrap();
    eprintln!(
        "JWT probe: {} requests, {} findings, secret list of {} checked offline",
        r.requests,
        r.findings.len(),
        include_str!("../assets/jwt-secrets.txt").lines().count()
    );
    group.bench_function("jwt full active probe (loopback, HTTPS)", |b| {
        b.iter(|| jwt::probe(&url, &jwt_options, &mut |_| {}).unwrap());
    });
    group.finish();

    // Verification: each kind alone, then 50 endpoints of all kinds together; on bare loopback
    // (CPU-bound: the servers share this machine's two cores) and with 20 ms per HTTP answer,
    // like a network round trip.
    for (label, rtt) in [
        ("loopback", Duration::ZERO),
        ("20 ms rtt", Duration::from_millis(20)),
    ] {
        let fleet = servers(&pki, &signer, 13, rtt);
        let options = verify::Options {
            timeout: Duration::from_secs(10),
            ..verify::Options::default()
        };
        let base = pki.dir.path().to_path_buf();
        let mut group = c.benchmark_group(format!("verify ({label})"));
        group.sample_size(10);
        for kind in ["tls", "mtls", "jwt (active)", "http + api key"] {
            let one: Vec<_> = fleet
                .flows
                .iter()
                .filter(|(k, _)| *k == kind)
                .take(1)
                .collect();
            let m = model::parse(&model_text(&one), "one.ron").unwrap().model;
            let v = verify::verify(&m, Some(&base), None, &options, &|_, _, _| {});
            assert_eq!(v.counts()[0], 1, "{kind}: {:?}", v.endpoints);
            group.bench_function(format!("1 endpoint: {kind}"), |b| {
                b.iter(|| verify::verify(&m, Some(&base), None, &options, &|_, _, _| {}));
            });
        }
        let fifty: Vec<_> = fleet.flows.iter().take(50).collect();
        let m = model::parse(&model_text(&fifty), "fifty.ron")
            .unwrap()
            .model;
        let v = verify::verify(&m, Some(&base), None, &options, &|_, _, _| {});
        assert_eq!(v.counts()[0], 50, "all verified: {:?}", v.counts());
        group.bench_function(
            format!("50 endpoints, concurrency {}", options.concurrency),
            |b| {
                b.iter(|| verify::verify(&m, Some(&base), None, &options, &|_, _, _| {}));
            },
        );
        group.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
