//! Probe results as text for terminals.

use std::fmt::Write;

use crate::analysis::Severity;
use crate::probe::ProbeFinding;
use crate::probe::jwt::JwtReport;
use crate::probe::tls::{SuiteInfo, SuiteRating, TlsReport};

fn paint(on: bool, code: &str, text: &str) -> String {
    if on {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn severity_code(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "1;35",
        Severity::High => "1;31",
        Severity::Medium => "33",
        Severity::Low => "36",
        Severity::Info => "2",
    }
}

/// Findings, one per line with their evidence below.
pub fn findings_text(out: &mut String, findings: &[ProbeFinding], color: bool) {
    let _ = writeln!(
        out,
        "\n{}",
        paint(color, "1", &format!("Findings ({})", findings.len()))
    );
    if findings.is_empty() {
        let _ = writeln!(out, "  none");
    }
    for f in findings {
        let _ = writeln!(
            out,
            "  {}  {:<28} {}",
            paint(
                color,
                severity_code(f.severity),
                &format!("{:<8}", f.severity.key())
            ),
            f.id,
            f.title
        );
        let _ = writeln!(out, "            {}", paint(color, "2", &f.evidence));
    }
}

/// A TLS report for a terminal.
#[must_use]
pub fn tls_text(r: &TlsReport, color: bool) -> String {
    let mut out = String::new();
    let grade_code = match r.grade.as_str() {
        "A+" | "A" => "1;32",
        "B" => "1;33",
        _ => "1;31",
    };
    let _ = writeln!(
        out,
        "{}   grade {}   ({} ms)",
        paint(color, "1", &r.target),
        paint(color, grade_code, &r.grade),
        r.duration_ms
    );
    if let Some(pre) = r.starttls {
        let _ = writeln!(
            out,
            "  Upgrade      {pre} (in-band, before every handshake)"
        );
    }
    let _ = writeln!(
        out,
        "  Protocols    {}",
        r.protocol_summary("yes", "no", " · ")
    );
    let mut by_protocol: Vec<&str> = r.cipher_suites.iter().map(|s| s.protocol).collect();
    by_protocol.dedup();
    // One suite per line, as testssl.sh and sslyze list them, weak classes coloured.
    let width = r
        .cipher_suites
        .iter()
        .map(|s| s.name.len())
        .max()
        .unwrap_or(0);
    for (i, p) in by_protocol.iter().enumerate() {
        let suites: Vec<&SuiteInfo> = r
            .cipher_suites
            .iter()
            .filter(|s| s.protocol == *p)
            .collect();
        let order = match r.server_preference.get(p) {
            Some(true) => ", server's order",
            Some(false) => ", client's order",
            None => "",
        };
        let _ = writeln!(
            out,
            "  {}{p} ({} accepted{order})",
            if i == 0 {
                "Suites       "
            } else {
                "             "
            },
            suites.len()
        );
        for s in suites {
            let code = match s.rating() {
                SuiteRating::Weak => "31",
                SuiteRating::Fair => "33",
                SuiteRating::Good => "32",
            };
            let _ = writeln!(
                out,
                "               {}  {:<width$}  {:>3} bit  {}",
                s.id,
                s.name,
                s.bits,
                paint(color, code, &s.traits())
            );
        }
    }
    if !r.groups.is_empty() {
        let _ = writeln!(
            out,
            "  Groups       {}{}",
            r.groups.join(", "),
            r.groups_protocol
                .map(|p| format!("  ({p} key exchange)"))
                .unwrap_or_default()
        );
    }
    let config: Vec<String> = if r.speaks_tls {
        r.configuration()
            .iter()
            .map(|c| format!("{} {}", c.short, c.answer()))
            .collect()
    } else {
        Vec::new()
    };
    for (i, line) in config.chunks(4).enumerate() {
        let _ = writeln!(
            out,
            "  {}{}",
            if i == 0 {
                "Config       "
            } else {
                "             "
            },
            line.join(" · ")
        );
    }
    if r.speaks_tls {
        let _ = writeln!(out, "  Vulnerable   {}", r.vulnerability_summary());
    }
    if let Some(bits) = r.dh_bits {
        let _ = writeln!(out, "  DH group     {bits} bits");
    }
    if let Some(c) = &r.certificate {
        let _ = writeln!(out, "  Certificate  {}", c.subject);
        let _ = writeln!(out, "               issued by {}", c.issuer);
        let _ = writeln!(
            out,
            "               {}, {}, valid until {} ({} days), {}",
            c.key,
            c.signature,
            c.not_after,
            c.days_left,
            c.chain_description()
        );
        let _ = writeln!(
            out,
            "               names: {}",
            if c.names.is_empty() {
                "none".to_string()
            } else {
                c.names.join(", ")
            }
        );
        let _ = writeln!(
            out,
            "               {}{}",
            if c.trusted { "trusted" } else { "not trusted" },
            c.trust_error
                .as_ref()
                .map(|e| format!(": {e}"))
                .unwrap_or_default()
        );
        for problem in &c.strict_problems {
            let _ = writeln!(out, "               strict clients refuse it: {problem}");
        }
    }
    let _ = writeln!(
        out,
        "  Client cert  {}{}",
        r.client_cert,
        match r.client_cert_accepted {
            Some(true) => ", ours accepted",
            Some(false) => ", ours refused",
            None => "",
        }
    );
    if let Some(a) = &r.alpn {
        let _ = writeln!(out, "  ALPN         {a}");
    }
    if let Some(h) = &r.http {
        let _ = writeln!(out, "  HTTP         {}", h.status);
        let _ = writeln!(
            out,
            "  HSTS         {}",
            h.hsts.as_deref().unwrap_or("none")
        );
    } else if let Some(why) = r.http_untested() {
        let _ = writeln!(out, "  HTTP/HSTS    not tested: {why}");
    }
    findings_text(&mut out, &r.findings, color);
    if !r.grade_reasons.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1", "Grade"));
        for reason in &r.grade_reasons {
            let _ = writeln!(out, "  {reason}");
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        paint(color, "1", &format!("Checks ({})", r.checks.len()))
    );
    // One column as wide as the longest check name, so times and outcomes line up.
    let width = r
        .checks
        .iter()
        .map(|c| c.check.chars().count())
        .max()
        .unwrap_or(0);
    for c in &r.checks {
        let _ = writeln!(out, "  {:<width$} {:>5} ms  {}", c.check, c.ms, c.outcome);
    }
    out
}

/// A JWT report for a terminal.
#[must_use]
pub fn jwt_text(r: &JwtReport, color: bool) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}   {} requests   ({} ms)",
        paint(color, "1", &r.target),
        r.requests,
        r.duration_ms
    );
    if let Some(t) = &r.token {
        let _ = writeln!(out, "  Token        {}", t.token);
        let _ = writeln!(
            out,
            "               alg {}{}{}",
            t.alg,
            t.kid
                .as_ref()
                .map(|k| format!(", kid {k}"))
                .unwrap_or_default(),
            t.typ
                .as_ref()
                .map(|k| format!(", typ {k}"))
                .unwrap_or_default()
        );
        let _ = writeln!(
            out,
            "               iss {}, aud {}",
            t.iss.as_deref().unwrap_or("none"),
            t.aud
                .as_ref()
                .map_or("none".to_string(), ToString::to_string)
        );
        let stamp = |v: Option<i64>| {
            v.and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
                .map_or("none".to_string(), |d| {
                    format!("{} {:02}:{:02} UTC", d.date(), d.hour(), d.minute())
                })
        };
        let _ = writeln!(
            out,
            "               issued {}, expires {}{}",
            stamp(t.iat),
            stamp(t.exp),
            t.lifetime_seconds
                .map(|l| format!(" (lifetime {})", duration(l)))
                .unwrap_or_default()
        );
        let _ = writeln!(out, "               claims: {}", t.claims.join(", "));
    }
    if let Some(i) = &r.issuer {
        let _ = writeln!(
            out,
            "  Issuer       {}",
            i.issuer.as_deref().unwrap_or("(no discovery document)")
        );
        if let Some(u) = &i.jwks_uri {
            let _ = writeln!(out, "               JWKS {u}");
        }
        if !i.signing_algs.is_empty() {
            let _ = writeln!(
                out,
                "               algorithms: {}",
                i.signing_algs.join(", ")
            );
        }
        for k in &i.keys {
            let _ = writeln!(
                out,
                "               key {} {}{}{}",
                k.kid.as_deref().unwrap_or("(no kid)"),
                k.kty,
                k.bits.map(|b| format!(" {b} bits")).unwrap_or_default(),
                k.alg.as_ref().map(|a| format!(", {a}")).unwrap_or_default()
            );
        }
    }
    if let Some(s) = &r.weak_secret {
        let _ = writeln!(out, "  HMAC secret  cracked: {s}");
    }
    findings_text(&mut out, &r.findings, color);
    if !r.attempts.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            paint(color, "1", &format!("Requests ({})", r.attempts.len()))
        );
        for a in &r.attempts {
            let status = a.status.map_or("no answer".to_string(), |s| s.to_string());
            let verdict = match (a.accepted, a.must_refuse) {
                (true, true) => paint(color, "1;31", "accepted"),
                (true, false) => "accepted".to_string(),
                (false, true) => "refused".to_string(),
                (false, false) => paint(color, "33", "refused"),
            };
            let _ = writeln!(out, "  {:<46} {:>9}  {verdict}", a.check, status);
        }
    }
    if !r.not_tested.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1", "Not tested"));
        for (check, why) in &r.not_tested {
            let _ = writeln!(out, "  {check}: {why}");
        }
    }
    if !r.errors.is_empty() {
        let _ = writeln!(out, "\n{}", paint(color, "1", "Problems"));
        for e in &r.errors {
            let _ = writeln!(out, "  {e}");
        }
    }
    out
}

fn duration(seconds: i64) -> String {
    match seconds {
        s if s >= 86_400 => format!("{} days", s / 86_400),
        s if s >= 3600 => format!("{} h", s / 3600),
        s if s >= 60 => format!("{} min", s / 60),
        s => format!("{s} s"),
    }
}
