//! Plain text for terminals: findings grouped by severity, coloured only when asked (the CLI
//! asks when standard output is a terminal and `NO_COLOR` is unset).

use std::fmt::Write;

use super::Input;
use crate::analysis::{Finding, Severity};

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, s: Severity, text: &str) -> String {
        let code = match s {
            Severity::Critical => "1;35",
            Severity::High => "1;31",
            Severity::Medium => "33",
            Severity::Low => "36",
            Severity::Info => "2",
        };
        self.wrap(code, text)
    }

    fn dim(&self, text: &str) -> String {
        self.wrap("2", text)
    }

    fn bold(&self, text: &str) -> String {
        self.wrap("1", text)
    }
}

/// The summary line: "41 open findings: 2 critical, 15 high, ...".
#[must_use]
pub fn summary(input: &Input<'_>) -> String {
    let counts = input.analysis.counts();
    let open: usize = counts.iter().map(|(_, n)| n).sum();
    let parts: Vec<String> = counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.key()))
        .collect();
    let resolved = input
        .analysis
        .findings
        .iter()
        .filter(|f| !f.is_open())
        .count();
    let mut line = format!("{open} open finding{}", if open == 1 { "" } else { "s" });
    if !parts.is_empty() {
        let _ = write!(line, ": {}", parts.join(", "));
    }
    if resolved > 0 {
        let _ = write!(line, "; {resolved} resolved by risk decisions");
    }
    line
}

fn finding(out: &mut String, p: &Paint, f: &Finding, in_scope: &[&str]) {
    let status = if f.status == crate::model::Status::Open {
        String::new()
    } else {
        format!("  [{}]", f.status.label().to_lowercase())
    };
    let _ = writeln!(
        out,
        "  {}  {}{status}",
        p.severity(f.severity, &format!("{:<8}", f.severity.key())),
        p.bold(f.rule.title)
    );
    let _ = writeln!(out, "            {}", p.dim(&f.id));
    let _ = writeln!(out, "            {}", f.message);
    for (i, hop) in f.hops.iter().enumerate() {
        let _ = writeln!(out, "              {}. {hop}", i + 1);
    }
    let _ = writeln!(out, "            Fix: {}", f.fix);
    let refs: Vec<&str> = f
        .rule
        .compliance()
        .iter()
        .map(String::as_str)
        .filter(|r| in_scope.iter().any(|fw| r.split(':').next() == Some(fw)))
        .collect();
    if !refs.is_empty() {
        let _ = writeln!(out, "            {}", p.dim(&refs.join("  ")));
    }
}

/// Findings grouped by severity, then resolved ones, then the compliance summary.
#[must_use]
pub fn render(input: &Input<'_>, color: bool) -> String {
    let p = Paint { on: color };
    let mut out = String::new();
    let m = input.model;
    let _ = writeln!(
        out,
        "{}{}",
        p.bold(&m.name),
        input.file.map(|f| format!("  ({f})")).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{} nodes, {} flows, {} boundaries, {} data assets. {}\n",
        m.node_count(),
        m.flow_count(),
        m.boundaries.len(),
        m.assets.len(),
        summary(input)
    );
    let in_scope: Vec<&str> = input
        .analysis
        .compliance
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<&Finding> = input
            .analysis
            .findings
            .iter()
            .filter(|f| f.is_open() && f.severity == *severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "{}",
            p.severity(
                *severity,
                &format!("{} ({})", severity.label().to_uppercase(), group.len())
            )
        );
        for f in group {
            finding(&mut out, &p, f, &in_scope);
        }
        out.push('\n');
    }
    let resolved: Vec<&Finding> = input
        .analysis
        .findings
        .iter()
        .filter(|f| !f.is_open())
        .collect();
    if !resolved.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.bold(&format!("RESOLVED BY RISK DECISIONS ({})", resolved.len()))
        );
        for f in resolved {
            let d = f.decision.as_ref();
            let _ = writeln!(
                out,
                "  {:<15} {}  {}",
                f.status.key(),
                f.id,
                p.dim(
                    &d.map(|d| format!("{} ({}, {})", d.justification, d.owner, d.date))
                        .unwrap_or_default()
                )
            );
        }
        out.push('\n');
    }
    for i in &input.analysis.unused_decisions {
        if let Some(d) = m.decisions.get(*i) {
            let _ = writeln!(
                out,
                "note: risk decision `{}` matches no finding (stale?)",
                d.finding
            );
        }
    }
    if !input.analysis.compliance.is_empty() {
        let _ = writeln!(out, "{}", p.bold("COMPLIANCE"));
        for fw in &input.analysis.compliance {
            let (met, gap, na) = fw.totals();
            let _ = writeln!(
                out,
                "  {:<28} {met:>2} met  {gap:>2} gap  {na:>2} not assessed   {}",
                fw.name,
                p.dim(&format!("({})", fw.scope_reason))
            );
        }
    }
    out
}

/// `rampart verify` for a terminal: each endpoint with its status, what matched and what
/// drifted, then the drift findings in full and the merged summary.
#[must_use]
pub fn verification(input: &Input<'_>, v: &crate::verify::Verification, color: bool) -> String {
    use crate::verify::EndpointStatus;
    let p = Paint { on: color };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{}{}",
        p.bold(&format!("Verification of {}", input.model.name)),
        input.file.map(|f| format!("  ({f})")).unwrap_or_default()
    );
    let _ = writeln!(
        out,
        "{} endpoints in {} ms: {}\n",
        v.endpoints.len(),
        v.duration_ms,
        v.summary("drift")
    );
    for e in &v.endpoints {
        let badge = match e.status {
            EndpointStatus::Verified => p.wrap("1;32", "verified   "),
            EndpointStatus::Drift => p.wrap("1;31", "drift      "),
            EndpointStatus::Unreachable => p.wrap("33", "unreachable"),
            EndpointStatus::NotProbed => p.dim("not probed "),
            EndpointStatus::Unverified => p.wrap("33", "unverified "),
        };
        let _ = writeln!(out, "  {badge}  {}  {}", p.bold(&e.element), e.url);
        let _ = writeln!(
            out,
            "               {}",
            p.dim(&format!("declared: {}", e.expected.describe()))
        );
        for d in &e.drift {
            let _ = writeln!(out, "               ✗ {}: {}", d.rule, d.message);
        }
        for m in &e.matched {
            let _ = writeln!(out, "               ✓ {m}");
        }
        for n in &e.notes {
            let _ = writeln!(out, "               {}", p.dim(&format!("– {n}")));
        }
    }
    let in_scope: Vec<&str> = input
        .analysis
        .compliance
        .iter()
        .map(|c| c.id.as_str())
        .collect();
    let drift: Vec<&Finding> = input
        .analysis
        .findings
        .iter()
        .filter(|f| f.rule.family == crate::analysis::Family::Drift)
        .collect();
    if !drift.is_empty() {
        let _ = writeln!(
            out,
            "\n{}",
            p.bold(&format!("DRIFT FINDINGS ({})", drift.len()))
        );
        for f in drift {
            finding(&mut out, &p, f, &in_scope);
        }
    }
    let _ = writeln!(
        out,
        "\nWith the model's own analysis: {} (`rampart analyze` lists them all).",
        summary(input)
    );
    out
}
