//! The fuzz targets' entry points on stable, in every `cargo test`: random and mutated inputs
//! must never panic (the long runs are `bash .ci/fuzz`, with cargo-fuzz), and every crash a
//! fuzzer found stays here as a regression test.

#![allow(clippy::unwrap_used)] // a panic is a failed test

use proptest::prelude::*;
use rampart::model;

/// A model text mutated: a few bytes replaced, inserted or cut, by position.
fn mutate(text: &str, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    let mut bytes = text.as_bytes().to_vec();
    for &(at, kind, value) in edits {
        if bytes.is_empty() {
            break;
        }
        let i = at % bytes.len();
        // Printable ASCII, so that the text stays UTF-8 and reaches the parser.
        let value = b' ' + value % 95;
        match kind % 3 {
            0 => bytes[i] = value,
            1 => bytes.insert(i, value),
            _ => {
                bytes.truncate(i);
            }
        }
    }
    bytes
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    #[test]
    fn mutated_models_of_every_format_import_or_fail_never_panic(
        which in 0usize..5,
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)
    ) {
        let fixture = [
            "tests/fixtures/import/threat-dragon-shop.json",
            "tests/fixtures/import/threagile-webshop.yaml",
            "tests/fixtures/import/threagile-clients.yaml",
            "tests/fixtures/import/otm-clinic.yaml",
            "tests/fixtures/import/tm7-payroll.tm7",
        ][which];
        let text = std::fs::read_to_string(fixture).unwrap();
        let bytes = mutate(&text, &edits);
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(imported) = rampart::interchange::import(text, None)
            && imported.model.problems().is_empty()
        {
            let saved = model::to_text(&imported.model);
            let again = model::parse(&saved, "imported.ron");
            prop_assert!(again.is_ok(), "{:?}", again.err());
        }
    }

    #[test]
    fn any_text_after_a_format_marker_imports_or_fails_never_panic(
        which in 0usize..4,
        tail in ".{0,300}"
    ) {
        let head = [
            "threagile_version: 1.0.0\ntechnical_assets:\n",
            "otmVersion: 0.2.0\nproject: {name: a, id: b}\n",
            "<ThreatModel>",
            "{\"summary\": {}, \"detail\": {\"diagrams\": [",
        ][which];
        let _ = rampart::interchange::import(&format!("{head}{tail}"), None);
    }

    #[test]
    fn mutated_models_load_or_fail_with_positions_never_panic(
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 1..6)
    ) {
        let text = std::fs::read_to_string("models/payments.ron").unwrap();
        let bytes = mutate(&text, &edits);
        if let Ok(text) = std::str::from_utf8(&bytes) {
            match model::parse(text, "m.ron") {
                Ok(loaded) => {
                    let saved = model::to_text(&loaded.model);
                    let again = model::parse(&saved, "m.ron").unwrap();
                    prop_assert!(again.model == loaded.model);
                    let _ = rampart::analysis::analyze(&loaded.model);
                }
                Err(e) => {
                    for d in &e.diagnostics {
                        prop_assert!(d.to_string().starts_with("m.ron"));
                        prop_assert!(d.message.len() < 2000);
                    }
                }
            }
        }
    }

    #[test]
    fn any_bytes_from_a_tls_server_are_read_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        let _ = rampart::probe::tls::describe_server_bytes(&bytes, true);
        // And the same after a valid record header, to get past the first check.
        let mut framed = vec![0x16, 0x03, 0x03];
        framed.extend_from_slice(&u16::try_from(bytes.len()).unwrap().to_be_bytes());
        framed.extend_from_slice(&bytes);
        let text = rampart::probe::tls::describe_server_bytes(&framed, true);
        prop_assert!(text.len() < 4000);
    }

    #[test]
    fn any_token_text_is_inspected_without_panic(token in "[A-Za-z0-9_.=-]{0,300}") {
        let _ = rampart::probe::jwt::inspect_token(&token);
    }

    #[test]
    fn any_claims_are_inspected_without_panic(exp in any::<f64>(), iat in any::<i64>(), nbf in any::<u64>()) {
        use base64::Engine as _;
        let b64 = |v: &serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        let token = format!(
            "{}.{}.c2ln",
            b64(&serde_json::json!({"alg": "HS256"})),
            b64(&serde_json::json!({"exp": exp, "iat": iat, "nbf": nbf}))
        );
        let (info, findings) = rampart::probe::jwt::inspect_token(&token).unwrap();
        let valid = |t: f64| t.is_finite() && (0.0..=253_402_300_799.0).contains(&t);
        let flagged = findings.iter().any(|f| f.id == "jwt.invalid-time-claim");
        // JSON has no NaN or infinity: serde_json writes them as null, which is not a time.
        prop_assert_eq!(flagged, !valid(exp) || iat < 0 || nbf > 253_402_300_799);
        if let (Some(e), Some(i)) = (info.exp, info.iat) {
            prop_assert_eq!(info.lifetime_seconds, e.checked_sub(i));
        }
    }

    #[test]
    fn any_sidecar_json_is_read_without_panic(text in ".{0,400}") {
        if let Ok(v) = serde_json::from_str::<rampart::verify::Verification>(&text) {
            let m = model::Model::example();
            let _ = v.findings(&m);
        }
    }
}

/// Crashes found by fuzzing, kept as regression tests.
#[test]
fn regressions() {
    // JWT inspection: time claims that overflowed a subtraction (reliability pass).
    for claims in [
        r#"{"exp":1e300,"iat":-686715}"#,
        r#"{"exp":9223372036854775807,"iat":-1}"#,
    ] {
        use base64::Engine as _;
        let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
        let token = format!("{}.{}.c2ln", b64(r#"{"alg":"HS256"}"#), b64(claims));
        let (_, findings) = rampart::probe::jwt::inspect_token(&token).unwrap();
        assert!(
            findings.iter().any(|f| f.id == "jwt.invalid-time-claim"),
            "{claims}"
        );
    }
}
