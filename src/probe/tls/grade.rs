//! The grade, SSL Labs style: a pure function of the report and its findings.

use super::TlsReport;

/// The grade, modelled on SSL Labs' caps (documented in the README):
/// F: no TLS, SSLv2 or SSLv3, NULL/anonymous/EXPORT suites, an RSA key under 1024 bits, or a certificate
/// problem (expired, not yet valid, self-signed, untrusted, wrong host);
/// C: RC4, DES or 3DES suites, neither TLS 1.2 nor 1.3; a DH group under 1024 bits is an F,
/// 1024 to 2047 bits a B;
/// B: TLS 1.0 or 1.1, no forward secrecy, no AEAD suite, an RSA key under 2048 bits, a SHA-1
/// signature; A-: TLS_FALLBACK_SCSV not honoured or client-initiated renegotiation accepted;
/// A: none of those; A+: A with HSTS of at least six months. Heartbleed, CCS injection and
/// ROBOT cap at F, insecure renegotiation and TLS compression at C.
pub(super) fn grade(report: &mut TlsReport) {
    // Best first; a cap only ever lowers the grade.
    const SCALE: [&str; 5] = ["A", "A-", "B", "C", "F"];
    let mut cap = 0usize;
    // Each reason with its cap's rank, so the ones that set the grade can come first.
    let mut reasons: Vec<(usize, String)> = Vec::new();
    let mut lower = |grade: char, reason: &str, reasons: &mut Vec<(usize, String)>| {
        let rank = match grade {
            'A' => 0,
            '-' => 1,
            'B' => 2,
            'C' => 3,
            _ => 4,
        };
        reasons.push((rank, format!("capped at {}: {reason}", SCALE[rank])));
        cap = cap.max(rank);
    };
    if !report.reachable {
        report.grade = "-".into();
        report.grade_reasons = vec!["not graded: the endpoint could not be reached".into()];
        return;
    }
    if !report.speaks_tls {
        report.grade = "F".into();
        report.grade_reasons =
            vec!["capped at F: the endpoint does not complete a TLS handshake".into()];
        return;
    }
    let has = |id: &str, r: &TlsReport| r.findings.iter().any(|f| f.id == id);
    if has("tls.probe-incomplete", report) {
        report.grade = "-".into();
        report.grade_reasons =
            vec!["not graded: the probe could not finish its checks (see the findings)".into()];
        return;
    }
    if has("tls.no-certificate", report) {
        lower(
            'F',
            "the certificate could not be obtained and checked",
            &mut reasons,
        );
    }
    if report.accepts("SSLv2") {
        lower('F', "SSLv2 is accepted (DROWN)", &mut reasons);
    }
    if report.accepts("SSLv3") {
        lower('F', "SSLv3 is accepted", &mut reasons);
    }
    if report.cipher_suites.iter().any(|s| {
        s.classes
            .iter()
            .any(|c| matches!(*c, "NULL" | "anonymous" | "EXPORT"))
    }) {
        lower(
            'F',
            "NULL, anonymous or EXPORT cipher suites are accepted",
            &mut reasons,
        );
    }
    // The certificate's caps, apart from the configuration's (SSL Labs' "if trust issues are
    // ignored"): a private CA's server is told how its configuration grades.
    let trust_caps = reasons.len();
    for (id, why) in [
        ("tls.cert-expired", "the certificate has expired"),
        ("tls.cert-not-yet-valid", "the certificate is not yet valid"),
        ("tls.cert-self-signed", "the certificate is self-signed"),
        ("tls.cert-untrusted", "the certificate chain is not trusted"),
        (
            "tls.cert-hostname-mismatch",
            "the certificate does not match the host",
        ),
    ] {
        if has(id, report) {
            lower('F', why, &mut reasons);
        }
    }
    let trust_caps = trust_caps..reasons.len();
    if report
        .certificate
        .as_ref()
        .is_some_and(|c| c.key.starts_with("RSA") && c.key_bits < 1024)
    {
        lower('F', "the RSA key is under 1024 bits", &mut reasons);
    }
    if report.cipher_suites.iter().any(|s| {
        s.classes
            .iter()
            .any(|c| matches!(*c, "RC4" | "DES" | "3DES"))
    }) {
        lower(
            'C',
            "RC4, DES or 3DES cipher suites are accepted",
            &mut reasons,
        );
    }
    if report.dh_bits.is_some_and(|b| b < 1024) {
        lower('F', "the DH group is under 1024 bits", &mut reasons);
    } else if report.dh_bits.is_some_and(|b| b < 2048) {
        lower('B', "the DH group is under 2048 bits", &mut reasons);
    }
    if report.accepts("TLSv1.0") || report.accepts("TLSv1.1") {
        lower('B', "TLS 1.0 or 1.1 is accepted", &mut reasons);
    }
    if !report.accepts("TLSv1.2") && !report.accepts("TLSv1.3") {
        lower('C', "neither TLS 1.2 nor TLS 1.3 is accepted", &mut reasons);
    }
    if has("tls.no-forward-secrecy", report) {
        lower(
            'B',
            "key exchanges without forward secrecy are accepted",
            &mut reasons,
        );
    }
    if has("tls.no-aead", report) {
        lower('B', "no AEAD cipher suite is accepted", &mut reasons);
    }
    if report
        .certificate
        .as_ref()
        .is_some_and(|c| c.key.starts_with("RSA") && (1024..2048).contains(&c.key_bits))
    {
        lower('B', "the RSA key is under 2048 bits", &mut reasons);
    }
    if has("tls.weak-signature", report) {
        lower(
            'B',
            "the certificate is signed with SHA-1 or MD5",
            &mut reasons,
        );
    }
    let hsts_age = report
        .http
        .as_ref()
        .and_then(|h| h.hsts.as_ref())
        .and_then(|v| {
            v.split(';').find_map(|p| {
                let (k, val) = p.trim().split_once('=')?;
                k.trim()
                    .eq_ignore_ascii_case("max-age")
                    .then(|| val.trim().trim_matches('"').parse::<u64>().ok())?
            })
        });
    for (id, grade, why) in [
        (
            "tls.heartbleed",
            'F',
            "vulnerable to Heartbleed (CVE-2014-0160)",
        ),
        (
            "tls.ccs-injection",
            'F',
            "vulnerable to CCS injection (CVE-2014-0224)",
        ),
        (
            "tls.robot",
            'F',
            "vulnerable to ROBOT (a Bleichenbacher oracle)",
        ),
        (
            "tls.insecure-renegotiation",
            'C',
            "secure renegotiation (RFC 5746) is not supported",
        ),
        ("tls.compression", 'C', "TLS compression is on (CRIME)"),
        (
            "tls.no-fallback-scsv",
            '-',
            "TLS_FALLBACK_SCSV is not honoured",
        ),
        (
            "tls.client-renegotiation",
            '-',
            "client-initiated renegotiation is accepted",
        ),
    ] {
        if has(id, report) {
            lower(grade, why, &mut reasons);
        }
    }
    let hsts = hsts_age.is_some_and(|a| a >= 15_768_000);
    let untrusted_cap = reasons
        .iter()
        .enumerate()
        .filter(|(i, _)| !trust_caps.contains(i))
        .map(|(_, (rank, _))| *rank)
        .max()
        .unwrap_or(0);
    // Worst cap first: the reasons that set the grade lead, lesser caps follow.
    reasons.sort_by_key(|(rank, _)| std::cmp::Reverse(*rank));
    let mut reasons: Vec<String> = reasons.into_iter().map(|(_, r)| r).collect();
    report.grade = if cap == 0 && hsts {
        reasons.push("raised to A+: HSTS with a max-age of at least six months".into());
        "A+".into()
    } else {
        if cap == 0 {
            reasons.push(
                "A: no cap applies; A+ needs HSTS with a max-age of at least six months".into(),
            );
        }
        SCALE[cap].to_string()
    };
    if !trust_caps.is_empty() && untrusted_cap < cap {
        let without = if untrusted_cap == 0 && hsts {
            "A+"
        } else {
            SCALE[untrusted_cap]
        };
        reasons.push(format!(
            "with the certificate problems fixed: {without} (the configuration's own grade)"
        ));
    }
    report.grade_reasons = reasons;
}
