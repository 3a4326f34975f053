//! A real PostgreSQL server (Debian's postgresql package; `bash .ci/test` installs it), started
//! by the test on a free loopback port, with TLS on and off: `rampart probe tls postgres://`
//! runs the SSLRequest preamble before every handshake, and `rampart verify` checks a flow
//! declared `protocol: "postgres"` with a bare HOST:PORT endpoint through it.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Pki, rampart};
use rampart::probe::tls::{TlsOptions, probe};
use serde_json::Value;

/// The directory of Debian's PostgreSQL server programs.
fn bin_dir() -> PathBuf {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|d| d.flatten().map(|e| e.path().join("bin")).collect())
        .unwrap_or_default();
    found.retain(|p| p.join("postgres").exists() && p.join("initdb").exists());
    found.sort();
    found.pop().expect(
        "PostgreSQL is needed for this test: install Debian's postgresql package (bash .ci/test does)",
    )
}

/// A command run as the postgres user when the tests run as root (initdb refuses root).
fn as_postgres(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A running PostgreSQL cluster; stopped when dropped.
struct Postgres {
    port: u16,
    child: Child,
    _dir: tempfile::TempDir,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn postgres(pki: &Pki, ssl: bool) -> Postgres {
    let bin = bin_dir();
    let dir = tempfile::tempdir().unwrap();
    std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir(&data).unwrap();
    std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o700)).unwrap();
    let leaf = pki.leaf(&["127.0.0.1", "localhost"], -1, 90, false);
    std::fs::write(dir.path().join("server.crt"), &leaf.cert_pem).unwrap();
    std::fs::write(dir.path().join("server.key"), &leaf.key_pem).unwrap();
    std::fs::set_permissions(
        dir.path().join("server.key"),
        std::fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir.path())
            .status()
            .unwrap();
        assert!(status.success(), "chown to the postgres user");
    }
    let out = as_postgres(&bin.join("initdb"))
        .args(["-D"])
        .arg(&data)
        .args(["-A", "trust", "-U", "rampart", "--no-sync"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "initdb: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let child = as_postgres(&bin.join("postgres"))
        .arg("-D")
        .arg(&data)
        .args(["-p", &port.to_string(), "-k"])
        .arg(dir.path())
        .args(["-c", "listen_addresses=127.0.0.1"])
        .args(["-c", &format!("ssl={}", if ssl { "on" } else { "off" })])
        .args([
            "-c",
            &format!("ssl_cert_file={}", dir.path().join("server.crt").display()),
        ])
        .args([
            "-c",
            &format!("ssl_key_file={}", dir.path().join("server.key").display()),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Postgres {
        port,
        child,
        _dir: dir,
    };
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "PostgreSQL did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server
}

fn options(pki: &Pki) -> TlsOptions {
    TlsOptions {
        ca_pem: Some(pki.ca_pem.clone().into_bytes()),
        timeout: Duration::from_secs(8),
        ..TlsOptions::default()
    }
}

fn ids(r: &rampart::probe::tls::TlsReport) -> Vec<&str> {
    let mut ids: Vec<&str> = r.findings.iter().map(|f| f.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

fn model(pki: &Pki, port: u16) -> PathBuf {
    pki.write(
        &format!("db-{port}.ron"),
        &format!(
            r#"(
  rampart: 2,
  name: "Orders and their database",
  assets: [(id: "orders", classification: confidential)],
  boundaries: [(id: "internal", kind: internal_network)],
  nodes: [
    (id: "api", kind: service, boundary: "internal", processes: ["orders"]),
    (id: "db", kind: data_store, technology: "PostgreSQL 15", boundary: "internal",
      stores: ["orders"], authentication: [basic], encrypted_at_rest: true),
  ],
  flows: [
    (id: "api-to-db", from: "api", to: "db", protocol: "postgres", encryption: tls,
      tls_min: tls1_2, authentication: basic, access: write, data: ["orders"],
      endpoint: (url: "127.0.0.1:{port}", ca: "ca.pem")),
  ],
)
"#
        ),
    )
}

#[test]
fn a_real_postgresql_server_with_tls_is_probed_through_its_sslrequest() {
    let pki = Pki::new();
    let pg = postgres(&pki, true);
    let r = probe(
        &format!("postgres://127.0.0.1:{}", pg.port),
        &options(&pki),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(r.starttls, Some("postgres"));
    assert!(r.speaks_tls, "{r:#?}");
    // PostgreSQL 15's defaults: TLS 1.2 minimum, and 1.3.
    assert!(r.protocols["TLSv1.2"] && r.protocols["TLSv1.3"], "{r:#?}");
    assert!(!r.protocols["TLSv1.1"] && !r.protocols["TLSv1.0"]);
    let cert = r.certificate.as_ref().unwrap();
    assert!(cert.trusted && cert.hostname_matches, "{cert:#?}");
    assert_eq!(r.features.secure_renegotiation, Some(true));
    assert!(
        !ids(&r).iter().any(|id| id.starts_with("tls.cert")),
        "{r:#?}"
    );
    assert!(
        r.checks
            .iter()
            .any(|c| c.check == "postgres upgrade" && c.outcome == "the server agreed to start TLS")
    );

    // verify: a flow declared postgres + TLS at a bare HOST:PORT is checked through it.
    let path = model(&pki, pg.port);
    let (code, out, err) = rampart(&["verify", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let endpoint = &doc["verification"]["endpoints"][0];
    assert_eq!(endpoint["status"], "verified", "{endpoint:#}");
    assert!(
        !doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["family"] == "drift"),
        "{:#}",
        doc["findings"]
    );
}

#[test]
fn a_real_postgresql_server_without_tls_is_drift_where_tls_is_declared() {
    let pki = Pki::new();
    let pg = postgres(&pki, false);
    let r = probe(
        &format!("postgres://127.0.0.1:{}", pg.port),
        &options(&pki),
        &mut |_| {},
    )
    .unwrap();
    assert!(r.reachable && !r.speaks_tls);
    assert_eq!(ids(&r), ["tls.no-tls"], "{r:#?}");
    assert!(
        r.findings[0]
            .evidence
            .contains("answered SSLRequest with N"),
        "{}",
        r.findings[0].evidence
    );
    // Without the preamble the same port is not TLS at all: the probe would have said
    // "not TLS" for the wrong reason.
    let path = model(&pki, pg.port);
    let (code, out, err) = rampart(&["verify", path.to_str().unwrap(), "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let doc: Value = serde_json::from_str(&out).unwrap();
    let drift: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["family"] == "drift")
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        drift,
        ["drift.plaintext-where-tls-declared@api-to-db"],
        "{:#}",
        doc["verification"]
    );
    let text = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["family"] == "drift")
        .unwrap()
        .to_string();
    assert!(text.contains("SSLRequest"), "{text}");
}
