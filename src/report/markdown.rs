//! Markdown, for pull-request comments and wikis.

use std::fmt::Write;

use super::Input;
use crate::analysis::Severity;
use crate::analysis::compliance::Verdict;

/// Escapes text for a Markdown table cell.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// The analysis as a Markdown document.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let a = input.analysis;
    let m = input.model;
    let mut out = String::new();
    let _ = writeln!(out, "# Threat model: {}\n", m.name);
    if !m.description.is_empty() {
        let _ = writeln!(out, "{}\n", m.description);
    }
    let _ = writeln!(
        out,
        "{} nodes, {} flows, {} trust boundaries, {} data assets. **{}.**\n",
        m.node_count(),
        m.flow_count(),
        m.boundaries.len(),
        m.assets.len(),
        super::text::summary(input)
    );
    let view = super::view::View::new(input);
    let _ = writeln!(out, "> {}\n", view.posture);
    let _ = writeln!(out, "| Severity | Open |\n|---|---:|");
    for (s, n) in &view.open {
        let _ = writeln!(out, "| {} | {n} |", s.label());
    }
    out.push('\n');
    if !view.fix_first.is_empty() {
        let _ = writeln!(
            out,
            "## Fix first\n\n| # | Severity | Change | Clears | Status |\n|---:|---|---|---|---|"
        );
        for (i, g) in view.fix_first.iter().take(10).enumerate() {
            let ids: Vec<String> = g.finding_ids.iter().map(|id| format!("`{id}`")).collect();
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} | {}{} |",
                i + 1,
                g.severity.label(),
                cell(&g.action),
                ids.join("<br>"),
                g.status.label(),
                if g.owner.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", cell(&g.owner))
                }
            );
        }
        out.push('\n');
    }

    estate(&mut out, m);

    let _ = writeln!(out, "## Findings\n");
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<_> = a
            .findings
            .iter()
            .filter(|f| f.severity == *severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let open = group.iter().filter(|f| f.is_open()).count();
        let _ = writeln!(
            out,
            "### {}: {open} open{}\n",
            severity.label(),
            match group.len() - open {
                0 => String::new(),
                n => format!(", {n} resolved"),
            }
        );
        let _ = writeln!(
            out,
            "| Finding | Id | Status | What | Fix |\n|---|---|---|---|---|"
        );
        for f in group {
            let _ = writeln!(
                out,
                "| {} | `{}` | {} | {} | {} |",
                cell(f.rule.title),
                cell(&f.id),
                f.status.label(),
                cell(&f.message),
                cell(&f.fix)
            );
        }
        out.push('\n');
    }

    let weak: Vec<_> = a.attack_paths.iter().filter(|p| p.weak).collect();
    if !weak.is_empty() {
        let _ = writeln!(out, "## Attack paths\n");
        for p in weak {
            let _ = writeln!(
                out,
                "- **{} → {}** (average hop strength {:.1}/10): {}",
                p.entry,
                p.target,
                p.average(),
                p.nodes.join(" → ")
            );
            for h in &p.hops {
                let gaps = if h.gaps.is_empty() {
                    "none".to_string()
                } else {
                    h.gaps.join("; ")
                };
                let _ = writeln!(
                    out,
                    "  - `{}`: controls {}; gaps: {gaps}",
                    h.flow, h.controls
                );
            }
        }
        out.push('\n');
    }

    for fw in &a.compliance {
        let (met, gap, na) = fw.totals();
        let _ = writeln!(
            out,
            "## {} ({met} met, {gap} gap, {na} not assessed)\n\nIn scope because {}.\n",
            fw.name, fw.scope_reason
        );
        let _ = writeln!(
            out,
            "| Requirement | Title | Verdict | Findings |\n|---|---|---|---|"
        );
        for r in &fw.requirements {
            let verdict = match r.verdict {
                Verdict::Met => "✅ met",
                Verdict::Gap => "❌ gap",
                Verdict::NotAssessed => "➖ not assessed",
            };
            let _ = writeln!(
                out,
                "| {} | {} | {verdict} | {} |",
                r.id,
                cell(&r.title),
                r.findings.len()
            );
        }
        out.push('\n');
    }
    out
}

/// The shared runtimes and the pipelines' deployments, when the model has them: the relations
/// the estate rules judge, for the reader to check against the real platform.
fn estate(out: &mut String, m: &crate::model::Model) {
    if !m.runtimes.is_empty() {
        let _ = writeln!(
            out,
            "## Runtimes\n\n| Runtime | Kind | Properties | Runs |\n|---|---|---|---|"
        );
        for r in &m.runtimes {
            let mut members: Vec<&str> =
                m.on_runtime(&r.id).map(crate::model::Node::label).collect();
            members.sort_unstable();
            let _ = writeln!(
                out,
                "| {} (`{}`) | {} | {} | {} |",
                cell(r.label()),
                r.id,
                r.kind.label(),
                r.traits(),
                cell(&members.join(", "))
            );
        }
        out.push('\n');
    }
    let mut pipelines: Vec<_> = m.nodes().filter(|n| !n.deploys.is_empty()).collect();
    pipelines.sort_by(|a, b| a.id.cmp(&b.id));
    if pipelines.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "## Deployments\n\n| Pipeline | Deploys to | How |\n|---|---|---|"
    );
    for p in pipelines {
        for d in &p.deploys {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                cell(p.label()),
                cell(m.element_name(&d.target).unwrap_or(&d.target)),
                d.mode.label()
            );
        }
    }
    out.push('\n');
}
