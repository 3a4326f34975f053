//! The probe checks are declared once (src/probe/catalog.rs): every `tls.*` / `jwt.*` id the
//! probes and verify use is in the catalog, once, and each drift rule it names exists.

#![allow(clippy::unwrap_used)] // a panic is a failed test

use std::collections::BTreeSet;

use rampart::probe::catalog::{CHECKS, check, feeding};

/// Every `"tls.x"` / `"jwt.x"` string literal in a source file.
fn ids_in(path: &str) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices('"') {
        let rest = &text[i + 1..];
        for prefix in ["tls.", "jwt."] {
            if let Some(tail) = rest.strip_prefix(prefix) {
                let name: String = tail
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-')
                    .collect();
                if !name.is_empty() && tail[name.len()..].starts_with('"') {
                    out.insert(format!("{prefix}{name}"));
                }
            }
        }
    }
    out
}

#[test]
fn every_probe_check_is_catalogued_once() {
    let mut seen = BTreeSet::new();
    for c in CHECKS {
        assert!(seen.insert(c.id), "{} is declared twice", c.id);
        assert!(!c.title.is_empty() && !c.explanation.is_empty(), "{}", c.id);
        if let Some(d) = c.drift {
            assert!(
                rampart::analysis::rule(d).is_some(),
                "{}: no rule {d}",
                c.id
            );
        }
    }
    let mut used = BTreeSet::new();
    let mut files: Vec<String> = std::fs::read_dir("src/probe/tls")
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    assert!(files.len() >= 8, "the TLS probe's modules: {files:?}");
    files.extend(
        [
            "src/probe/starttls.rs",
            "src/probe/jwt.rs",
            "src/probe/mod.rs",
            "src/verify.rs",
        ]
        .map(String::from),
    );
    for file in &files {
        used.extend(ids_in(file));
    }
    assert!(used.len() > 30, "the scan finds the ids ({})", used.len());
    for id in &used {
        assert!(check(id).is_some(), "{id} is used but not in the catalog");
    }
    // The drift groups verify relies on.
    assert_eq!(feeding("drift.forged-token-accepted").count(), 6);
    assert!(feeding("drift.certificate-problem").any(|c| c == "tls.cert-untrusted"));
}

#[test]
fn rampart_rules_lists_the_probe_checks() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_rampart"))
        .arg("rules")
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("LIVE PROBE CHECKS"));
    for c in CHECKS {
        assert!(text.contains(c.id), "{}", c.id);
    }
    assert!(text.contains(&format!("{} probe checks.", CHECKS.len())));
}
