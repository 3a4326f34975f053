//! Findings from a finished scan: a pure function of the report.

use crate::probe::{ProbeFinding, Target};
use crate::vocab::Severity;

use super::{SuiteInfo, SuiteRating, TlsReport, capped};

/// Turns the observations into findings.
pub(super) fn findings(report: &mut TlsReport, target: &Target) {
    if !report.speaks_tls {
        return;
    }
    let legacy: Vec<&str> = ["SSLv3", "TLSv1.0", "TLSv1.1"]
        .into_iter()
        .filter(|k| report.accepts(k))
        .collect();
    if !legacy.is_empty() {
        let severity = if legacy.contains(&"SSLv3") {
            Severity::High
        } else {
            Severity::Medium
        };
        report.findings.push(ProbeFinding::of(
            "tls.legacy-protocol",
            severity,
            format!("the server accepts {}", legacy.join(", ")),
        ));
    }
    if !report.accepts("TLSv1.2") && !report.accepts("TLSv1.3") {
        let spoken = report.accepted_protocols();
        report.findings.push(ProbeFinding::of(
            "tls.no-modern-protocol",
            Severity::High,
            format!(
                "only {} is accepted: current clients (browsers since 2020, TLS libraries' \
                 defaults) refuse anything older than TLS 1.2 and cannot connect",
                spoken.join(", ")
            ),
        ));
    }
    let weak: Vec<&SuiteInfo> = report
        .cipher_suites
        .iter()
        .filter(|s| {
            s.classes
                .iter()
                .any(|c| matches!(*c, "NULL" | "anonymous" | "EXPORT" | "RC4" | "DES" | "3DES"))
        })
        .collect();
    if !weak.is_empty() {
        let broken = weak.iter().any(|s| {
            s.classes
                .iter()
                .any(|c| matches!(*c, "NULL" | "anonymous" | "EXPORT"))
        });
        let mut names: Vec<String> = weak
            .iter()
            .map(|s| format!("{} ({})", s.name, s.protocol))
            .collect();
        names.dedup();
        report.findings.push(ProbeFinding::of(
            "tls.weak-cipher",
            if broken {
                Severity::Critical
            } else {
                Severity::High
            },
            format!("accepted: {}{}", names.join(", "), {
                let mut attacks = Vec::new();
                let any = |class: &str| weak.iter().any(|s| s.classes.contains(&class));
                if any("RC4") {
                    attacks.push("RC4's biased keystream (RFC 7465 prohibits it)");
                }
                if any("EXPORT") {
                    attacks.push("EXPORT keys that FREAK and Logjam break in hours");
                }
                if any("anonymous") {
                    attacks.push(
                        "anonymous key exchange (no server authentication: any man in the middle)",
                    );
                }
                if any("NULL") {
                    attacks.push("NULL encryption (plaintext)");
                }
                if attacks.is_empty() {
                    String::new()
                } else {
                    format!("; {}", attacks.join("; "))
                }
            }),
        ));
    }
    let static_rsa: Vec<&SuiteInfo> = report
        .cipher_suites
        .iter()
        .filter(|s| !s.forward_secrecy && !s.classes.contains(&"anonymous"))
        .collect();
    if !static_rsa.is_empty() {
        let none_fs = !report.cipher_suites.iter().any(|s| s.forward_secrecy);
        let mut names: Vec<String> = static_rsa.iter().map(|s| s.name.clone()).collect();
        names.sort();
        names.dedup();
        report.findings.push(ProbeFinding::new(
            "tls.no-forward-secrecy",
            if none_fs {
                Severity::High
            } else {
                Severity::Medium
            },
            if none_fs {
                "No forward secrecy"
            } else {
                "Key exchanges without forward secrecy accepted"
            },
            format!("static key exchange: {}", names.join(", ")),
        ));
    }
    if !report.cipher_suites.is_empty()
        && !report
            .cipher_suites
            .iter()
            .any(|s| s.classes.contains(&"AEAD"))
    {
        report.findings.push(ProbeFinding::of(
            "tls.no-aead",
            Severity::Medium,
            "no AEAD cipher suite (GCM, CCM, ChaCha20-Poly1305) is accepted",
        ));
    }
    if let Some(bits) = report.dh_bits
        && bits < 2048
    {
        report.findings.push(ProbeFinding::of(
            "tls.weak-dh",
            if bits < 1024 {
                Severity::High
            } else {
                Severity::Medium
            },
            format!("the server's DHE group is {bits} bits"),
        ));
    }
    if let Some(c) = report.certificate.clone() {
        let host = &target.host;
        if c.days_left < 0 {
            report.findings.push(ProbeFinding::of(
                "tls.cert-expired",
                Severity::High,
                format!("expired {} ({} days ago)", c.not_after, -c.days_left),
            ));
        } else if c.days_left < 30 {
            report.findings.push(ProbeFinding::of(
                "tls.cert-expiring-soon",
                Severity::Medium,
                format!("expires {} ({} days left)", c.not_after, c.days_left),
            ));
        }
        if c.not_yet_valid {
            report.findings.push(ProbeFinding::of(
                "tls.cert-not-yet-valid",
                Severity::High,
                format!("valid from {}", c.not_before),
            ));
        }
        if c.self_signed {
            report.findings.push(ProbeFinding::of(
                "tls.cert-self-signed",
                Severity::High,
                format!("subject and issuer are both {}", c.subject),
            ));
        } else if !c.trusted {
            report.findings.push(ProbeFinding::of(
                "tls.cert-untrusted",
                Severity::High,
                format!(
                    "issued by {}: {}",
                    c.issuer,
                    c.trust_error.clone().unwrap_or_default()
                ),
            ));
        }
        if !c.strict_problems.is_empty() {
            report.findings.push(ProbeFinding::of(
                "tls.cert-chain-nonconformant",
                Severity::Low,
                format!(
                    "{}: OpenSSL with X509_STRICT (Python 3.13+ `ssl`, sslyze) refuses this \
                     chain, although browsers and webpki accept it",
                    c.strict_problems.join("; ")
                ),
            ));
        }
        if c.chain_includes_root && !c.self_signed {
            report.findings.push(ProbeFinding::of(
                "tls.cert-chain-includes-root",
                Severity::Info,
                "the chain sent includes its own self-signed root, which clients never use (they \
                 trust only roots they hold): bytes in every handshake for nothing",
            ));
        }
        if let Some(why) = &c.chain_order_problem {
            report.findings.push(ProbeFinding::of(
                "tls.cert-chain-out-of-order",
                Severity::Low,
                format!(
                    "{why}: the chain is out of order or carries an unrelated certificate; \
                     strict and older clients fail to build a path"
                ),
            ));
        }
        if !c.hostname_matches {
            report.findings.push(ProbeFinding::of(
                "tls.cert-hostname-mismatch",
                Severity::High,
                format!(
                    "{host} is not among {}",
                    if c.names.is_empty() {
                        "(no names)".to_string()
                    } else {
                        c.names.join(", ")
                    }
                ),
            ));
        }
        let weak_key = (c.key.starts_with("RSA") && c.key_bits < 2048)
            || (c.key.starts_with("EC") && c.key_bits < 224);
        if weak_key {
            report.findings.push(ProbeFinding::of(
                "tls.weak-key",
                if c.key.starts_with("RSA") && c.key_bits < 1024 {
                    Severity::Critical
                } else {
                    Severity::High
                },
                format!("{} key", c.key),
            ));
        }
        if c.signature.contains("sha1")
            || c.signature.contains("SHA1")
            || c.signature.contains("md5")
        {
            report.findings.push(ProbeFinding::of(
                "tls.weak-signature",
                Severity::High,
                format!("signed with {}", c.signature),
            ));
        }
    }
    let https = target.scheme.as_deref() == Some("https") || report.http.is_some();
    if https
        && let Some(http) = &report.http
        && http.hsts.is_none()
    {
        report.findings.push(ProbeFinding::of(
            "tls.no-hsts",
            Severity::Low,
            format!(
                "{} answered `{}` without a Strict-Transport-Security header",
                target.authority(),
                http.status
            ),
        ));
    }
    let more = configuration_findings(report);
    report.findings.extend(more);
}

/// The findings of the configuration checks ([`Features`]) and the attacks the accepted suites
/// are known for, from the observations alone.
pub(super) fn configuration_findings(report: &TlsReport) -> Vec<ProbeFinding> {
    let f = &report.features;
    let mut out = Vec::new();
    let legacy_versions: Vec<&str> = ["SSLv3", "TLSv1.0", "TLSv1.1", "TLSv1.2"]
        .into_iter()
        .filter(|k| report.accepts(k))
        .collect();
    let best_legacy = legacy_versions.last().copied().unwrap_or("TLS 1.2");
    if f.secure_renegotiation == Some(false) {
        out.push(ProbeFinding::of(
            "tls.insecure-renegotiation",
            Severity::High,
            format!(
                "the {best_legacy} ServerHello carries no renegotiation_info extension: RFC 5746 secure renegotiation is not supported, so a renegotiation can splice an attacker's prefix into the session"
            ),
        ));
    }
    if f.compression == Some(true) {
        out.push(ProbeFinding::of(
            "tls.compression",
            Severity::High,
            format!("offered DEFLATE and null, the server chose DEFLATE ({best_legacy}): TLS compression leaks secrets through sizes (CRIME)"),
        ));
    }
    if f.extended_master_secret == Some(false) && !legacy_versions.is_empty() {
        out.push(ProbeFinding::of(
            "tls.no-extended-master-secret",
            Severity::Low,
            format!("the {best_legacy} ServerHello does not answer extended_master_secret (RFC 7627): sessions are open to triple-handshake attacks"),
        ));
    }
    if f.fallback_scsv == Some(false) {
        out.push(ProbeFinding::of(
            "tls.no-fallback-scsv",
            Severity::Medium,
            "a ClientHello below the server's best version carrying TLS_FALLBACK_SCSV was answered with a ServerHello (no inappropriate_fallback alert, no RFC 8446 downgrade sentinel): a forced downgrade goes unnoticed",
        ));
    }
    if f.ocsp_stapling == Some(false) {
        let must = report.certificate.as_ref().is_some_and(|c| c.must_staple);
        out.push(ProbeFinding::new(
            "tls.no-ocsp-stapling",
            if must { Severity::High } else { Severity::Info },
            if must {
                "The certificate demands OCSP stapling (must-staple) and the server sends none"
            } else {
                "No OCSP stapling"
            },
            if must {
                "asked with status_request, the server sent no OCSP response; the certificate's TLS Feature extension says it must, so strict clients refuse the connection"
            } else {
                "asked with status_request, the server sent no OCSP response: each client must ask the CA itself (slower, and revocation is often not checked)"
            },
        ));
    }
    if f.early_data == Some(true) {
        out.push(ProbeFinding::of(
            "tls.early-data",
            Severity::Medium,
            "a resumed TLS 1.3 connection's 0-RTT request was accepted: early data can be replayed, so it must only carry idempotent requests",
        ));
    }
    let client_order: Vec<&str> = report
        .server_preference
        .iter()
        .filter(|(k, pref)| !**pref && **k != "TLSv1.3")
        .map(|(k, _)| *k)
        // With only strong suites the client's choice is as good as the server's (Mozilla's
        // guidelines turn server order off then); it matters when weaker ones are accepted.
        .filter(|k| {
            report
                .cipher_suites
                .iter()
                .any(|s| s.protocol == *k && s.rating() != SuiteRating::Good)
        })
        .collect();
    if !client_order.is_empty() {
        out.push(ProbeFinding::of(
            "tls.no-server-cipher-order",
            Severity::Low,
            format!(
                "{}: the suite chosen follows the client's order, so a client preferring weak suites gets them",
                client_order.join(", ")
            ),
        ));
    }
    if f.post_quantum == Some(false) && report.accepts("TLSv1.3") {
        out.push(ProbeFinding::of(
            "tls.no-post-quantum",
            Severity::Info,
            format!(
                "TLS 1.3 groups accepted: {}; none is a hybrid post-quantum group (X25519MLKEM768, SecP256r1MLKEM768), so recorded traffic can be decrypted once quantum computers break ECDH",
                report.groups.join(", ")
            ),
        ));
    }
    let named = |test: &dyn Fn(&SuiteInfo) -> bool| -> Vec<String> {
        let mut names: Vec<String> = report
            .cipher_suites
            .iter()
            .filter(|s| test(s))
            .map(|s| format!("{} ({})", s.name, s.protocol))
            .collect();
        names.dedup();
        names
    };
    let cbc = |s: &SuiteInfo| s.classes.contains(&"CBC");
    let beast = named(&|s| cbc(s) && matches!(s.protocol, "SSLv3" | "TLSv1.0"));
    if !beast.is_empty() {
        out.push(ProbeFinding::of(
            "tls.beast",
            Severity::Low,
            format!(
                "CBC suites in SSLv3/TLS 1.0, whose predictable IVs BEAST exploits: {}",
                capped(&beast, 4, ", ")
            ),
        ));
    }
    let lucky = named(&|s| cbc(s) && s.protocol != "TLSv1.3");
    if !lucky.is_empty() {
        out.push(ProbeFinding::of(
            "tls.lucky13",
            Severity::Low,
            format!("CBC suites with MAC-then-encrypt, open to padding-timing attacks (Lucky Thirteen) where the implementation is not constant-time: {}", capped(&lucky, 4, ", ")),
        ));
    }
    let sweet = named(&|s| {
        s.classes.iter().any(|c| matches!(*c, "3DES" | "DES"))
            || s.name.contains("IDEA")
            || s.name.contains("RC2")
    });
    if !sweet.is_empty() {
        out.push(ProbeFinding::of(
            "tls.sweet32",
            Severity::Medium,
            format!("64-bit block ciphers, whose collisions after a few hundred GB reveal plaintext (SWEET32): {}", capped(&sweet, 4, ", ")),
        ));
    }
    out
}

#[cfg(test)]
mod verdicts {
    //! The findings and the grade are pure functions of the observations: each configuration
    //! fact gives its finding and cap, and nothing else does.
    use super::*;
    use crate::probe::tls::suites::classify;
    use crate::probe::tls::{CertReport, Features, VERSIONS, grade};
    use std::collections::BTreeMap;

    fn report() -> TlsReport {
        TlsReport {
            target: "127.0.0.1:443".into(),
            reachable: true,
            speaks_tls: true,
            protocols: VERSIONS
                .iter()
                .map(|(_, k)| (*k, matches!(*k, "TLSv1.2" | "TLSv1.3")))
                .collect(),
            cipher_suites: vec![classify(0xc02f, "TLSv1.2"), classify(0x1301, "TLSv1.3")],
            server_preference: BTreeMap::new(),
            groups: vec!["x25519".into(), "X25519MLKEM768".into()],
            dh_bits: None,
            features: Features {
                secure_renegotiation: Some(true),
                extended_master_secret: Some(true),
                compression: Some(false),
                heartbeat: Some(false),
                session_ids: Some(true),
                session_tickets: Some(true),
                resumption: Some(true),
                ocsp_stapling: Some(true),
                early_data: Some(false),
                fallback_scsv: Some(true),
                post_quantum: Some(true),
                client_renegotiation: Some(false),
            },
            certificate: None,
            vulnerabilities: crate::probe::tls::Vulnerabilities::default(),
            starttls: None,
            client_cert: "none",
            client_cert_accepted: None,
            alpn: None,
            http: None,
            groups_protocol: None,
            grade: String::new(),
            grade_reasons: Vec::new(),
            findings: Vec::new(),
            checks: Vec::new(),
            duration_ms: 0,
        }
    }

    fn ids(r: &TlsReport) -> Vec<&str> {
        configuration_findings(r)
            .iter()
            .map(|f| catalog_id(&f.id))
            .collect()
    }

    fn catalog_id(id: &str) -> &'static str {
        crate::probe::catalog::check(id).map_or("?", |c| c.id)
    }

    fn graded(mut r: TlsReport) -> (String, Vec<String>) {
        r.findings = configuration_findings(&r);
        grade(&mut r);
        (r.grade, r.grade_reasons)
    }

    #[test]
    fn a_clean_configuration_has_no_finding_and_grades_a() {
        let r = report();
        assert!(ids(&r).is_empty());
        let (grade, reasons) = graded(r);
        assert_eq!(grade, "A");
        // Why it is not an A+ is said too.
        assert_eq!(
            reasons,
            ["A: no cap applies; A+ needs HSTS with a max-age of at least six months"]
        );
    }

    #[test]
    fn each_fact_gives_its_finding_and_cap() {
        type Set = fn(&mut TlsReport);
        let cases: [(Set, &str, &str); 7] = [
            (
                |r| r.features.secure_renegotiation = Some(false),
                "tls.insecure-renegotiation",
                "C",
            ),
            (
                |r| r.features.compression = Some(true),
                "tls.compression",
                "C",
            ),
            (
                |r| r.features.fallback_scsv = Some(false),
                "tls.no-fallback-scsv",
                "A-",
            ),
            (
                |r| r.features.extended_master_secret = Some(false),
                "tls.no-extended-master-secret",
                "A",
            ),
            (
                |r| r.features.early_data = Some(true),
                "tls.early-data",
                "A",
            ),
            (
                |r| r.features.ocsp_stapling = Some(false),
                "tls.no-ocsp-stapling",
                "A",
            ),
            (
                |r| {
                    r.features.post_quantum = Some(false);
                    r.groups.pop();
                },
                "tls.no-post-quantum",
                "A",
            ),
        ];
        for (set, id, cap) in cases {
            let mut r = report();
            set(&mut r);
            assert_eq!(ids(&r), [id]);
            assert_eq!(graded(r).0, cap, "{id}");
        }
    }

    #[test]
    fn the_reasons_that_set_the_grade_come_first() {
        let mut r = report();
        r.features.fallback_scsv = Some(false);
        r.features.compression = Some(true);
        r.protocols.insert("TLSv1.0", true);
        let (grade, reasons) = graded(r);
        assert_eq!(grade, "C");
        assert_eq!(
            reasons,
            [
                "capped at C: TLS compression is on (CRIME)",
                "capped at B: TLS 1.0 or 1.1 is accepted",
                "capped at A-: TLS_FALLBACK_SCSV is not honoured",
            ]
        );
    }

    #[test]
    fn an_untrusted_certificate_still_tells_the_configuration_grade() {
        let mut r = report();
        r.protocols.insert("TLSv1.0", true);
        r.findings = configuration_findings(&r);
        r.findings.push(ProbeFinding::of(
            "tls.cert-untrusted",
            Severity::High,
            "issued by a private CA",
        ));
        grade(&mut r);
        assert_eq!(r.grade, "F");
        assert_eq!(
            r.grade_reasons,
            [
                "capped at F: the certificate chain is not trusted",
                "capped at B: TLS 1.0 or 1.1 is accepted",
                "with the certificate problems fixed: B (the configuration's own grade)",
            ]
        );
        // A configuration that is itself an F says nothing more.
        r.protocols.insert("SSLv3", true);
        grade(&mut r);
        assert!(r.grade_reasons.iter().all(|g| !g.starts_with("with the")));
    }

    #[test]
    fn must_staple_makes_missing_stapling_high() {
        let mut r = report();
        r.features.ocsp_stapling = Some(false);
        r.certificate = Some(CertReport {
            must_staple: true,
            ..CertReport::default()
        });
        let f = configuration_findings(&r);
        assert_eq!(f[0].severity, Severity::High);
        r.certificate = None;
        assert_eq!(configuration_findings(&r)[0].severity, Severity::Info);
    }

    #[test]
    fn suites_name_their_attacks() {
        let mut r = report();
        r.protocols.insert("TLSv1.0", true);
        r.cipher_suites = vec![
            classify(0xc013, "TLSv1.0"), // ECDHE-RSA-AES128-SHA
            classify(0x000a, "TLSv1.2"), // DES-CBC3-SHA
        ];
        let found = ids(&r);
        for id in ["tls.beast", "tls.lucky13", "tls.sweet32"] {
            assert!(found.contains(&id), "{id}: {found:?}");
        }
        // Client order only matters once weaker suites are on offer.
        r.server_preference.insert("TLSv1.2", false);
        assert!(ids(&r).contains(&"tls.no-server-cipher-order"));
        let mut strong = report();
        strong.server_preference.insert("TLSv1.2", false);
        assert!(ids(&strong).is_empty());
    }

    #[test]
    fn client_renegotiation_caps_at_a_minus() {
        let mut r = report();
        r.findings = vec![ProbeFinding::of(
            "tls.client-renegotiation",
            Severity::Medium,
            "seen",
        )];
        grade(&mut r);
        assert_eq!(r.grade, "A-");
    }

    #[test]
    fn vulnerabilities_cap_at_f() {
        for id in ["tls.heartbleed", "tls.ccs-injection", "tls.robot"] {
            let mut r = report();
            r.findings = vec![ProbeFinding::of(id, Severity::Critical, "seen")];
            grade(&mut r);
            assert_eq!(r.grade, "F", "{id}");
        }
    }
}
