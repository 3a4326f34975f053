//! The report's text sections: executive summary (posture, fix first, counts), scope and
//! assumptions, attack paths, the finding register and cards, compliance, risk decisions,
//! verification and the appendix.

use super::layout::{
    ACCENT, BLACK, BODY, Cell, GREY, Rgba, WHITE, Writer, cell, cell_colored, finding_anchor,
    severity_color, verdict_color,
};
use super::{Input, Options};
use crate::analysis::compliance::Verdict;
use crate::analysis::{Family, Finding, RULES, Severity};
use crate::model::Status;
use crate::report::view::View;
use crate::text::plain;

/// Room kept below a heading that a table follows: its header and a first two-line row, so
/// the heading never ends a page alone.
const TABLE_KEEP: f32 = 64.0;

/// "1 finding", "2 findings".
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// A cell with the text, or a dash when there is none.
fn or_dash(text: &str) -> Cell {
    cell(if text.is_empty() { "–" } else { text })
}

/// A severity badge at (x, y).
fn badge(w: &mut Writer, x: f32, y: f32, s: Severity) {
    w.rect(x, y + 1.0, 52.0, 11.0, Some(severity_color(s)), None);
    w.text(x + 4.0, y + 2.5, 7.0, true, WHITE, &s.key().to_uppercase());
}

fn status_color(s: Status) -> Rgba {
    if s.is_resolved() {
        verdict_color(Verdict::Met)
    } else if s == Status::InProgress {
        ACCENT
    } else {
        BLACK
    }
}

pub(super) fn summary(w: &mut Writer, input: &Input<'_>, view: &View<'_>) {
    let a = input.analysis;
    w.heading(1, "Executive summary");
    w.para(&view.posture, 11.0, true, BLACK, 0.0);
    w.gap(6.0);
    let resolved = a.findings.len() - view.open_total;
    w.para(
        &format!(
            "Rampart analysed {}, {}, {} and {} against {} rules: {} {} open (status Open or In progress){}. Every count in this report is of open findings unless it says otherwise.",
            count(input.model.node_count(), "node", "nodes"),
            count(input.model.flow_count(), "data flow", "data flows"),
            count(input.model.boundaries.len(), "trust boundary", "trust boundaries"),
            count(input.model.assets.len(), "data asset", "data assets"),
            RULES.len(),
            count(view.open_total, "finding", "findings"),
            if view.open_total == 1 { "is" } else { "are" },
            match resolved {
                0 => String::new(),
                1 => "; 1 more is resolved by a recorded risk decision".to_string(),
                n => format!("; {n} more are resolved by recorded risk decisions"),
            }
        ),
        BODY,
        false,
        GREY,
        0.0,
    );
    w.gap(4.0);
    w.heading_with(2, "Fix first", 60.0);
    if view.fix_first.is_empty() {
        w.para(
            "Nothing to fix: no finding is open.",
            BODY,
            false,
            BLACK,
            0.0,
        );
    } else {
        w.para(
            "Open findings grouped by the change that clears them, worst first, then by how many each change clears. Owners and status come from the recorded risk decisions.",
            8.5,
            false,
            GREY,
            0.0,
        );
        w.gap(3.0);
        let rows: Vec<Vec<Cell>> = view
            .fix_first
            .iter()
            .take(10)
            .enumerate()
            .map(|(i, g)| {
                vec![
                    cell(format!("{}", i + 1)),
                    cell_colored(g.severity.label(), severity_color(g.severity)),
                    cell(g.action.clone()),
                    cell(g.finding_ids.join("\n")).finding_ids(),
                    cell(format!(
                        "{}{}",
                        match (g.in_progress, g.findings.len()) {
                            (0, _) => "Open".to_string(),
                            (p, n) if p == n => "In progress".to_string(),
                            (p, n) => format!("{p} of {n} in progress"),
                        },
                        if g.owner.is_empty() {
                            "\nno owner".to_string()
                        } else {
                            format!("\n{}", g.owner)
                        }
                    )),
                ]
            })
            .collect();
        w.table(
            &[
                ("#", 0.35),
                ("Severity", 0.9),
                ("Change", 3.4),
                ("Clears", 3.6),
                ("Status, owner", 1.4),
            ],
            &rows,
            8.0,
        );
        if view.fix_first.len() > 10 {
            w.para(
                &format!(
                    "{} further changes; every finding is in the finding register.",
                    view.fix_first.len() - 10
                ),
                8.5,
                false,
                GREY,
                0.0,
            );
        }
    }
    w.heading_with(2, "Findings by status", 6.0 * 17.0);
    let rows: Vec<Vec<Cell>> = view
        .statuses
        .iter()
        .map(|(s, n)| {
            vec![
                cell_colored(s.label(), status_color(*s)),
                cell(n.to_string()),
                cell(if s.is_resolved() {
                    "resolved: not counted as open"
                } else {
                    "open: counted"
                }),
            ]
        })
        .collect();
    w.table(
        &[("Status", 1.5), ("Findings", 1.0), ("Counts as", 3.0)],
        &rows,
        8.5,
    );
    // Bar chart of open findings by severity, drawn as vectors.
    w.heading_with(2, "Open findings by severity", 95.0);
    let max = view.open.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f32;
    let x = w.margin;
    let bar_x = x + 70.0;
    let full = w.width() - 110.0;
    for (s, n) in &view.open {
        w.ensure(18.0);
        let y = w.y;
        w.text(x, y + 2.0, BODY, false, BLACK, s.label());
        let len = (*n as f32 / max * full).max(if *n > 0 { 2.0 } else { 0.0 });
        if len > 0.0 {
            w.rect(bar_x, y, len, 12.0, Some(severity_color(*s)), None);
        }
        w.text(
            bar_x + len + 5.0,
            y + 1.5,
            BODY,
            true,
            BLACK,
            &n.to_string(),
        );
        w.gap(17.0);
    }
    w.gap(6.0);
    w.heading_with(2, "Open findings by family", 120.0);
    let open: Vec<&Finding> = a.findings.iter().filter(|f| f.is_open()).collect();
    let rows: Vec<Vec<Cell>> = Family::ALL
        .iter()
        .map(|fam| {
            let mut row = vec![cell(fam.label())];
            for s in Severity::ALL.iter().rev() {
                let n = open
                    .iter()
                    .filter(|f| f.rule.family == *fam && f.severity == *s)
                    .count();
                row.push(if n > 0 {
                    cell_colored(n.to_string(), severity_color(*s))
                } else {
                    cell("–")
                });
            }
            row
        })
        .collect();
    w.table(
        &[
            ("Family", 3.0),
            ("Critical", 1.0),
            ("High", 1.0),
            ("Medium", 1.0),
            ("Low", 1.0),
            ("Info", 1.0),
        ],
        &rows,
        BODY,
    );
}

/// Scope: what the model assumes and leaves out (from its `review`), and the review itself.
pub(super) fn scope(w: &mut Writer, input: &Input<'_>) {
    let r = &input.model.review;
    w.heading(2, "Scope, assumptions and review");
    let list = |w: &mut Writer, title: &str, items: &[String], none: &str| {
        w.para(title, BODY, true, BLACK, 0.0);
        if items.is_empty() {
            w.para(none, BODY, false, GREY, 10.0);
        }
        for item in items {
            w.para(&format!("• {item}"), BODY, false, BLACK, 10.0);
        }
        w.gap(4.0);
    };
    list(
        w,
        "Assumptions",
        &r.assumptions,
        "None recorded in the model (add review.assumptions); the defaults below are the analysis's own.",
    );
    let m = input.model;
    let mut defaults = Vec::new();
    let no_tls_min = m
        .flows()
        .filter(|f| f.effective_tls_min().is_some() && f.tls_min.is_none())
        .count();
    if no_tls_min > 0 {
        defaults.push(format!(
            "{} encrypted flow{} declare no lowest TLS version; the analysis assumes TLS 1.2 (marked \"assumed\" in the appendix).",
            no_tls_min,
            if no_tls_min == 1 { "" } else { "s" }
        ));
    }
    let no_trust: Vec<String> = m
        .boundaries
        .iter()
        .filter(|b| b.trust.is_none())
        .map(|b| {
            format!(
                "{} ({})",
                if b.name.is_empty() { &b.id } else { &b.name },
                b.trust_level()
            )
        })
        .collect();
    if !no_trust.is_empty() {
        defaults.push(format!(
            "Trust levels taken from the boundary kind, not declared: {}.",
            no_trust.join(", ")
        ));
    }
    let loose = m.nodes().filter(|n| n.boundary.is_none()).count();
    if loose > 0 {
        defaults.push(format!(
            "{loose} node{} in no trust boundary and so treated as untrusted (trust 0).",
            if loose == 1 { " sits" } else { "s sit" }
        ));
    }
    list(
        w,
        "Defaults the analysis assumed",
        &defaults,
        "None: every TLS version and trust level the analysis uses is declared in the model.",
    );
    let mut out_of_scope = r.out_of_scope.clone();
    out_of_scope.extend(
        m.out_of_scope_elements()
            .into_iter()
            .map(|e| format!("{e} (drawn; no rule reports on it)")),
    );
    list(
        w,
        "Out of scope",
        &out_of_scope,
        "Nothing recorded as out of scope (add review.out_of_scope, or out_of_scope on an element).",
    );
    list(
        w,
        "Reviewers",
        &r.reviewers,
        "No reviewers recorded (add review.reviewers to the model).",
    );
}

pub(super) fn attack_paths(w: &mut Writer, input: &Input<'_>, view: &View<'_>) {
    let m = input.model;
    w.heading(1, "Attack paths");
    w.para(
        "For every high-value target (stores of sensitive, regulated or credential data, secret stores, identity providers), Rampart finds the path of least resistance from any untrusted entry. Each hop scores 1 (no controls) to 10 (mutual TLS, strong authentication, per-user authorization). Paths whose hops average 4 or less are listed: open ones first, by their finding's severity, then weakest first.",
        BODY,
        false,
        GREY,
        0.0,
    );
    if view.paths.is_empty() {
        w.gap(4.0);
        w.para(
            "No weakly defended path from an untrusted entry to high-value data.",
            BODY,
            true,
            verdict_color(Verdict::Met),
            0.0,
        );
        return;
    }
    let name = |id: &str| m.element_name(id).unwrap_or(id).to_string();
    for p in view.paths.iter().take(10) {
        let (sev, status) = view
            .path_severity(p)
            .unwrap_or((Severity::Medium, Status::Open));
        w.heading_with(
            2,
            &format!(
                "{} → {} (average {:.1} of 10)",
                name(&p.entry),
                name(&p.target),
                p.average()
            ),
            70.0,
        );
        let y = w.y;
        let x = w.margin;
        badge(w, x, y, sev);
        w.text(
            x + 60.0,
            y + 1.0,
            8.5,
            status != Status::Open,
            status_color(status),
            status.label(),
        );
        w.gap(15.0);
        w.para(
            &p.nodes
                .iter()
                .map(|n| name(n))
                .collect::<Vec<_>>()
                .join(" → "),
            BODY,
            false,
            BLACK,
            0.0,
        );
        w.gap(3.0);
        let rows: Vec<Vec<Cell>> = p
            .hops
            .iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    cell(format!("{}", i + 1)),
                    cell(format!(
                        "{} → {}\n{}",
                        name(&h.from),
                        name(&h.to),
                        name(&h.flow)
                    )),
                    cell(h.cost.to_string()),
                    cell(plain(&h.controls)),
                    if h.gaps.is_empty() {
                        cell("none")
                    } else {
                        cell_colored(plain(&h.gaps.join("; ")), severity_color(Severity::High))
                    },
                ]
            })
            .collect();
        w.table(
            &[
                ("Hop", 0.5),
                ("Flow", 3.0),
                ("Score", 0.7),
                ("Controls", 3.0),
                ("Control gaps", 3.5),
            ],
            &rows,
            8.5,
        );
    }
    if view.paths.len() > 10 {
        w.para(
            &format!(
                "{} more weak paths are in the finding register (rule attack-path-to-sensitive-data).",
                view.paths.len() - 10
            ),
            BODY,
            false,
            GREY,
            0.0,
        );
    }
}

/// Element ids as names, for people.
fn element_names(input: &Input<'_>, f: &Finding) -> String {
    f.elements
        .iter()
        .map(|e| input.model.element_name(e).unwrap_or(e).to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// One line per finding, before the cards: id (linked to its card), severity, status, elements.
pub(super) fn register(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Finding register");
    if a.findings.is_empty() {
        w.para("No findings.", BODY, false, BLACK, 0.0);
        return;
    }
    w.para(
        "Every finding, worst first; click an id to go to its card. Open counts include In progress.",
        8.5,
        false,
        GREY,
        0.0,
    );
    w.gap(3.0);
    let mut order: Vec<&Finding> = a.findings.iter().collect();
    order.sort_by(|x, y| y.severity.cmp(&x.severity).then(x.id.cmp(&y.id)));
    let rows: Vec<Vec<Cell>> = order
        .iter()
        .map(|f| {
            vec![
                cell(f.id.clone()).linked(finding_anchor(&f.id)),
                cell_colored(f.severity.label(), severity_color(f.severity)),
                cell_colored(f.status.label(), status_color(f.status)),
                cell(format!("{}\n{}", f.rule.title, element_names(input, f))),
            ]
        })
        .collect();
    w.table(
        &[
            ("Id", 3.3),
            ("Severity", 0.9),
            ("Status", 1.0),
            ("Rule and elements", 4.0),
        ],
        &rows,
        7.2,
    );
}

/// The paragraphs of one finding card: (text, size, bold, colour, indent).
fn card(f: &Finding, input: &Input<'_>, in_scope: &[&str]) -> Vec<(String, f32, bool, Rgba, f32)> {
    let mut out = Vec::new();
    out.push((f.id.clone(), 7.5, false, GREY, 60.0));
    let stride: Vec<&str> = f.rule.stride.iter().map(|s| s.label()).collect();
    out.push((
        format!(
            "{} · STRIDE: {} · Elements: {}",
            f.rule.family.label(),
            if stride.is_empty() {
                "–".to_string()
            } else {
                stride.join(", ")
            },
            element_names(input, f)
        ),
        8.0,
        false,
        GREY,
        60.0,
    ));
    out.push((
        format!("Why it fired: {}", plain(&f.message)),
        BODY,
        false,
        BLACK,
        60.0,
    ));
    for (i, hop) in f.hops.iter().enumerate() {
        out.push((
            format!("{}. {}", i + 1, plain(hop)),
            8.0,
            false,
            BLACK,
            72.0,
        ));
    }
    let fix = match &f.change {
        Some(c) => format!(
            "{} on {} {}.",
            c.describe(),
            if input.model.flow(c.element()).is_some() {
                "flow"
            } else {
                "node"
            },
            input.model.element_name(c.element()).unwrap_or(c.element())
        ),
        None => plain(&f.fix),
    };
    out.push((
        format!("How to fix: {fix} {}", plain(f.rule.mitigation)),
        BODY,
        false,
        BLACK,
        60.0,
    ));
    let refs: Vec<&str> = f
        .rule
        .compliance()
        .iter()
        .map(String::as_str)
        .filter(|r| in_scope.iter().any(|fw| r.split(':').next() == Some(fw)))
        .collect();
    if !refs.is_empty() {
        out.push((
            format!("Compliance: {}", refs.join(", ")),
            8.0,
            false,
            GREY,
            60.0,
        ));
    }
    let status = match &f.decision {
        Some(d) => format!(
            "Status: {}{}{}{}",
            f.status.label(),
            if d.justification.is_empty() {
                String::new()
            } else {
                format!(" — {}", d.justification)
            },
            if d.owner.is_empty() {
                String::new()
            } else {
                format!(" (owner: {})", d.owner)
            },
            if d.date.is_empty() {
                String::new()
            } else {
                format!(", {}", d.date)
            }
        ),
        None => format!("Status: {}", f.status.label()),
    };
    out.push((
        status,
        8.5,
        f.status != Status::Open,
        status_color(f.status),
        60.0,
    ));
    out
}

/// One card per finding, grouped by severity. Cards never split across pages (one taller than
/// a page starts on a fresh page and flows on). Above [`CARDS_PER_RULE`] findings, each rule gets
/// one card with a table of the elements it hit.
pub(super) fn findings(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Findings");
    if a.findings.is_empty() {
        w.para("No findings.", BODY, false, BLACK, 0.0);
        return;
    }
    let in_scope: Vec<&str> = a.compliance.iter().map(|c| c.id.as_str()).collect();
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.severity == *severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        let open = group.iter().filter(|f| f.is_open()).count();
        let resolved = group.len() - open;
        let title = if resolved == 0 {
            format!("{}: {open} open", severity.label())
        } else {
            format!("{}: {open} open, {resolved} resolved", severity.label())
        };
        let mut first = true;
        if group.len() > CARDS_PER_RULE {
            w.heading_with(2, &title, 80.0);
            rule_tables(w, input, &group);
            continue;
        }
        for f in group {
            let paras = card(f, input, &in_scope);
            let title_lines = w.wrap(f.rule.title, 10.5, true, w.width() - 60.0);
            let mut h = title_lines.len() as f32 * 14.0 + 8.0 + 2.0;
            for (t, size, bold, _, indent) in &paras {
                h += w.para_height(t, *size, *bold, *indent);
            }
            if first {
                w.heading_with(2, &title, h.min(300.0));
                first = false;
            } else {
                w.ensure(h.min(w.bottom() - w.margin - 40.0));
            }
            w.anchor(&finding_anchor(&f.id));
            let x = w.margin;
            let y = w.y;
            badge(w, x, y - 1.0, f.severity);
            for line in title_lines {
                let y = w.y;
                w.text(x + 60.0, y, 10.5, true, BLACK, &line);
                w.gap(14.0);
            }
            for (t, size, bold, c, indent) in paras {
                w.para(&t, size, bold, c, indent);
            }
            w.gap(8.0);
        }
    }
}

/// Above this many findings of one severity, cards are one per rule with a table of elements.
const CARDS_PER_RULE: usize = 60;

fn rule_tables(w: &mut Writer, input: &Input<'_>, group: &[&Finding]) {
    let mut rules: Vec<&'static str> = group.iter().map(|f| f.rule.id).collect();
    rules.dedup();
    rules.sort_unstable();
    rules.dedup();
    for rule in rules {
        let hits: Vec<&&Finding> = group.iter().filter(|f| f.rule.id == rule).collect();
        let Some(first) = hits.first() else { continue };
        w.heading_with(3, &format!("{} ({})", first.rule.title, hits.len()), 60.0);
        w.para(&plain(first.rule.mitigation), 8.5, false, GREY, 0.0);
        let rows: Vec<Vec<Cell>> = hits
            .iter()
            .map(|f| {
                w.anchor(&finding_anchor(&f.id));
                vec![
                    cell(f.id.clone()),
                    cell(element_names(input, f)),
                    cell(plain(&f.message)),
                    cell_colored(f.status.label(), status_color(f.status)),
                ]
            })
            .collect();
        w.table(
            &[
                ("Id", 2.6),
                ("Elements", 2.0),
                ("Why it fired", 4.0),
                ("Status", 1.0),
            ],
            &rows,
            7.0,
        );
    }
}

pub(super) fn compliance(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Compliance");
    if a.compliance.is_empty() {
        w.para("No framework is in scope: the model holds no cardholder, health or personal data and declares no framework.", BODY, false, BLACK, 0.0);
        return;
    }
    w.para("Each requirement is tested by the rules listed beside it. \"No gap found in the model\" means those rules ran on every element of the model and none has an open finding; it is evidence from the design, not an audit of the deployed system. A gap lists every open finding (click an id for its card). Exceptions are findings of those rules resolved by a risk decision. \"Not assessed\" means no rule can judge the requirement from a diagram (it needs code review or testing).", BODY, false, GREY, 0.0);
    for fw in &a.compliance {
        let (met, gap, na) = fw.totals();
        w.heading_with(
            2,
            &format!(
                "{} — {gap} gap, {met} no gap found, {na} not assessed",
                fw.name
            ),
            80.0,
        );
        w.para(
            &format!("In scope because {}.", fw.scope_reason),
            BODY,
            false,
            GREY,
            0.0,
        );
        w.gap(3.0);
        let rows: Vec<Vec<Cell>> = fw
            .requirements
            .iter()
            .map(|r| {
                let ids: Vec<&str> = r
                    .findings
                    .iter()
                    .filter_map(|i| a.findings.get(*i))
                    .map(|f| f.id.as_str())
                    .collect();
                let key = format!("{}:{}", fw.id, r.id);
                let exceptions: Vec<String> = a
                    .findings
                    .iter()
                    .filter(|f| !f.is_open() && f.rule.compliance().contains(&key))
                    .map(|f| f.id.clone())
                    .collect();
                let verdict = match r.verdict {
                    Verdict::Met => "No gap found".to_string(),
                    v => v.label().to_string(),
                };
                let not_run = if r.not_run.is_empty() {
                    String::new()
                } else {
                    format!(
                        "\nLive checks not run (no verification recorded): {}",
                        r.not_run.join(", ")
                    )
                };
                let evidence = match r.verdict {
                    Verdict::Gap => ids.join("\n"),
                    Verdict::Met => format!("Rules run: {}{not_run}", r.rules.join(", ")),
                    _ if !r.not_run.is_empty() => format!(
                        "Only live checks can judge this; run rampart verify ({})",
                        r.not_run.join(", ")
                    ),
                    Verdict::NotAssessed => "No rule can judge this from the model".to_string(),
                };
                vec![
                    cell(r.id.clone()),
                    cell(r.title.clone()),
                    cell_colored(verdict, verdict_color(r.verdict)),
                    if r.verdict == Verdict::Gap {
                        cell(evidence).finding_ids()
                    } else {
                        cell(evidence)
                    },
                    if exceptions.is_empty() {
                        cell("–")
                    } else {
                        cell(exceptions.join("\n")).finding_ids()
                    },
                ]
            })
            .collect();
        w.table(
            &[
                ("Requirement", 1.1),
                ("Title", 2.6),
                ("Verdict", 0.9),
                ("Open findings or rules run", 3.6),
                ("Exceptions", 1.8),
            ],
            &rows,
            7.5,
        );
    }
}

pub(super) fn decisions(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    let a = input.analysis;
    w.heading(1, "Risk decisions");
    if m.decisions.is_empty() {
        w.para(
            "No risk decisions are recorded in the model.",
            BODY,
            false,
            BLACK,
            0.0,
        );
        return;
    }
    let rows: Vec<Vec<Cell>> = m
        .decisions
        .iter()
        .map(|d| {
            let n = a
                .findings
                .iter()
                .filter(|f| f.decision.as_ref().is_some_and(|x| x.finding == d.finding))
                .count();
            let id = if a.findings.iter().any(|f| f.id == d.finding) {
                cell(d.finding.clone()).linked(finding_anchor(&d.finding))
            } else {
                cell(d.finding.clone())
            };
            vec![
                id,
                cell_colored(
                    d.status.label(),
                    if d.status.is_resolved() {
                        verdict_color(Verdict::Met)
                    } else {
                        BLACK
                    },
                ),
                or_dash(&d.owner),
                or_dash(&d.date),
                or_dash(&d.justification),
                cell(if n == 0 {
                    "none (stale?)".to_string()
                } else {
                    n.to_string()
                }),
            ]
        })
        .collect();
    w.table(
        &[
            ("Finding or pattern", 2.8),
            ("Status", 1.0),
            ("Owner", 1.2),
            ("Date", 1.1),
            ("Justification", 3.5),
            ("Findings", 0.8),
        ],
        &rows,
        8.0,
    );
}

pub(super) fn verification(w: &mut Writer, input: &Input<'_>, options: &Options) {
    use crate::verify::EndpointStatus;
    w.heading(1, "Verification against live endpoints");
    let declared = crate::verify::declared(input.model).len();
    let Some(v) = &options.verification else {
        w.para(
            &if declared == 0 {
                "The model declares no live endpoints, so nothing was verified against the deployed system. Give flows or nodes an endpoint and run rampart verify to check that the system matches the diagram.".to_string()
            } else {
                format!("The model declares {declared} live endpoint{}, but no verification has been recorded: the findings above describe the diagram, not the deployed system. Run rampart verify to check them.", if declared == 1 { "" } else { "s" })
            },
            BODY,
            false,
            BLACK,
            0.0,
        );
        return;
    };
    let summary = v.summary("with drift");
    let same = v.model_sha256 == options.model_hash;
    w.para(
        &format!(
            "Verified on {} (in {:.1} s) against the model with hash {}{} {} endpoint{}: {summary}.",
            v.started.replace('T', " ").replace('Z', " UTC"),
            v.duration_ms as f32 / 1000.0,
            v.model_sha256.get(..12).unwrap_or("(unsaved)"),
            if same {
                ", the model of this report."
            } else {
                "; the model has changed since. Results count above only for endpoints still declared as they were verified; the others are shown as not probed."
            },
            v.endpoints.len(),
            if v.endpoints.len() == 1 { "" } else { "s" },
        ),
        BODY,
        false,
        BLACK,
        0.0,
    );
    w.gap(6.0);
    let rows: Vec<Vec<Cell>> = v
        .endpoints
        .iter()
        .map(|e| {
            let (label, c) = match e.status {
                EndpointStatus::Verified => ("Verified", verdict_color(Verdict::Met)),
                EndpointStatus::Drift => ("Drift", severity_color(Severity::High)),
                EndpointStatus::Unreachable => ("Unreachable", severity_color(Severity::Medium)),
                EndpointStatus::NotProbed => ("Not probed", GREY),
                EndpointStatus::Unverified => {
                    ("Could not verify", severity_color(Severity::Medium))
                }
            };
            let mut seen: Vec<String> =
                e.drift.iter().map(|d| format!("✗ {}", d.message)).collect();
            seen.extend(e.matched.iter().map(|m| format!("✓ {m}")));
            seen.extend(e.notes.iter().map(|n| format!("– {n}")));
            vec![
                cell(e.element.clone()),
                cell(e.url.clone()),
                cell(e.expected.describe()),
                cell_colored(label, c),
                cell(seen.join("\n")),
            ]
        })
        .collect();
    w.table(
        &[
            ("Element", 1.3),
            ("Endpoint", 1.9),
            ("Declared", 1.7),
            ("Status", 1.25),
            ("What was seen", 4.4),
        ],
        &rows,
        8.0,
    );
}

/// The runtimes several nodes share and what each pipeline deploys: the two relations the
/// estate rules read, listed so a reviewer can check them against the real platform.
fn runtimes_and_deployments(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    if !m.runtimes.is_empty() {
        w.heading_with(2, "Runtimes", TABLE_KEEP);
        let rows: Vec<Vec<Cell>> = m
            .runtimes
            .iter()
            .map(|r| {
                let mut members: Vec<&str> =
                    m.on_runtime(&r.id).map(crate::model::Node::label).collect();
                members.sort_unstable();
                vec![
                    cell(format!("{}\n{}", r.label(), r.id)),
                    cell(r.kind.label()),
                    cell(r.traits()),
                    or_dash(&members.join(", ")),
                ]
            })
            .collect();
        w.table(
            &[
                ("Runtime", 2.0),
                ("Kind", 1.4),
                ("Properties", 1.6),
                ("Runs", 4.0),
            ],
            &rows,
            7.5,
        );
    }
    let mut pipelines: Vec<_> = m.nodes().filter(|n| !n.deploys.is_empty()).collect();
    pipelines.sort_by(|a, b| a.id.cmp(&b.id));
    if pipelines.is_empty() {
        return;
    }
    w.heading_with(2, "Deployments", TABLE_KEEP);
    let zone = |id: &str| {
        m.node(id).and_then(|n| n.boundary.as_deref()).map_or_else(
            || "–".to_string(),
            |b| m.element_name(b).unwrap_or(b).to_string(),
        )
    };
    let rows: Vec<Vec<Cell>> = pipelines
        .iter()
        .flat_map(|p| {
            p.deploys.iter().map(move |d| {
                vec![
                    cell(format!("{}\n{}", p.label(), zone(&p.id))),
                    cell(format!(
                        "{}\n{}",
                        m.element_name(&d.target).unwrap_or(&d.target),
                        zone(&d.target)
                    )),
                    cell(d.mode.label()),
                ]
            })
        })
        .collect();
    w.table(
        &[
            ("Pipeline, zone", 2.6),
            ("Deploys to, zone", 2.6),
            ("How", 2.4),
        ],
        &rows,
        7.5,
    );
}

pub(super) fn appendix(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    w.heading(1, "Appendix: inventories and rules");
    w.heading_with(2, "Nodes", TABLE_KEEP);
    let mut nodes: Vec<_> = m.nodes().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let rows: Vec<Vec<Cell>> = nodes
        .iter()
        .map(|n| {
            let auth = if n.authentication.is_empty() {
                "none".to_string()
            } else {
                n.authentication
                    .iter()
                    .map(|a| a.label())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut controls = Vec::new();
            if n.audit_logging {
                controls.push("audit logging");
            }
            if n.encrypted_at_rest {
                controls.push("encrypted at rest");
            }
            if n.rate_limited {
                controls.push("rate limited");
            }
            if n.privileged {
                controls.push("privileged runtime");
            }
            if n.waf {
                controls.push("WAF");
            }
            let mut kind = format!(
                "{}\n{}",
                n.kind.label(),
                if n.technology.is_empty() {
                    "–"
                } else {
                    n.technology.as_str()
                }
            );
            if let Some(role) = n.role {
                kind.push_str(&format!("\n{}", role.label()));
            }
            let mut place = n.boundary.as_ref().map_or_else(
                || "–".to_string(),
                |b| m.element_name(b).unwrap_or(b).to_string(),
            );
            if let Some(r) = &n.runtime {
                place.push_str(&format!("\non {}", m.element_name(r).unwrap_or(r)));
            }
            let mut name = format!("{}\n{}", n.label(), n.id);
            if !n.stores.is_empty() {
                name.push_str(&format!("\nstores {}", n.stores.join(", ")));
            }
            if !n.processes.is_empty() {
                name.push_str(&format!("\nprocesses {}", n.processes.join(", ")));
            }
            vec![
                cell(name),
                cell(kind),
                cell(place),
                cell(if n.internet_facing {
                    "internet-facing"
                } else if n
                    .boundary
                    .as_deref()
                    .and_then(|b| m.boundary(b))
                    .is_some_and(|b| b.trust_level() <= 1)
                {
                    "in an untrusted zone"
                } else if n.boundary.is_none() {
                    "no boundary (trust 0)"
                } else {
                    "internal"
                }),
                cell(format!("{auth}\n{}", n.authorization.label())),
                cell(n.secrets.label()),
                cell(if controls.is_empty() {
                    "none".to_string()
                } else {
                    controls.join(", ")
                }),
            ]
        })
        .collect();
    w.table(
        &[
            ("Node", 2.0),
            ("Kind, technology", 1.7),
            ("Boundary, runtime", 1.4),
            ("Exposure", 1.2),
            ("Authentication, authorization", 2.0),
            ("Secrets", 1.1),
            ("Controls", 1.6),
        ],
        &rows,
        7.0,
    );
    runtimes_and_deployments(w, input);
    w.heading_with(2, "Data flows", TABLE_KEEP);
    let mut flows: Vec<_> = m.flows().collect();
    flows.sort_by(|a, b| a.id.cmp(&b.id));
    let rows: Vec<Vec<Cell>> = flows
        .iter()
        .map(|f| {
            vec![
                cell(format!("{}\n{} → {}", f.id, f.from, f.to)),
                or_dash(&f.protocol),
                cell({
                    let mut text = match (f.effective_tls_min(), f.tls_min) {
                        (Some(v), Some(_)) => {
                            format!("{} ({}+)", f.encryption.label(), v.label())
                        }
                        (Some(v), None) => format!(
                            "{} ({}+ assumed: not declared)",
                            f.encryption.label(),
                            v.label()
                        ),
                        (None, _) => f.encryption.label().to_string(),
                    };
                    if f.transport == crate::model::Transport::Local {
                        text.push_str("\nlocal: no network");
                    }
                    for c in &f.controls {
                        text.push_str(&format!("\n{}", c.label()));
                    }
                    text
                }),
                cell(match f.authorization {
                    Some(z) => format!("{}\n{}", f.authentication.label(), z.label()),
                    None => f.authentication.label().to_string(),
                }),
                cell(f.access.label()),
                or_dash(&f.data.join(", ")),
            ]
        })
        .collect();
    w.table(
        &[
            ("Flow", 3.0),
            ("Protocol", 1.1),
            ("Encryption", 1.5),
            ("Authentication, authorization", 1.4),
            ("Access", 0.8),
            ("Data", 2.2),
        ],
        &rows,
        7.5,
    );
    w.heading_with(2, "Trust boundaries", TABLE_KEEP);
    let rows: Vec<Vec<Cell>> = m
        .boundaries
        .iter()
        .map(|b| {
            vec![
                cell(b.id.clone()),
                or_dash(&b.name),
                cell(b.kind.label()),
                cell(b.trust_level().to_string()),
                cell(b.parent.clone().unwrap_or_else(|| "–".into())),
                or_dash(&{
                    let mut inside: Vec<&str> = m
                        .nodes()
                        .filter(|n| n.boundary.as_deref() == Some(b.id.as_str()))
                        .map(crate::model::Node::label)
                        .collect();
                    inside.sort_unstable();
                    inside.join(", ")
                }),
                cell(
                    b.scope
                        .iter()
                        .map(|t| t.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]
        })
        .collect();
    w.table(
        &[
            ("Id", 1.8),
            ("Name", 2.6),
            ("Kind", 1.5),
            ("Trust", 0.6),
            ("Inside", 1.3),
            ("Members", 3.0),
            ("Zone for", 1.0),
        ],
        &rows,
        7.5,
    );
    w.heading_with(2, "Data assets", TABLE_KEEP);
    let rows: Vec<Vec<Cell>> = m
        .assets
        .iter()
        .map(|a| {
            vec![
                cell(a.id.clone()),
                or_dash(&a.name),
                cell(a.classification.label()),
                cell(a.integrity.map_or("–", |r| r.label())),
                cell(a.availability.map_or("–", |r| r.label())),
                cell(
                    a.tags
                        .iter()
                        .map(|t| t.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]
        })
        .collect();
    w.table(
        &[
            ("Id", 2.0),
            ("Name", 3.0),
            ("Classification", 1.4),
            ("Integrity", 0.9),
            ("Availability", 0.9),
            ("Tags", 1.6),
        ],
        &rows,
        7.5,
    );
    w.heading_with(2, "Rules checked", TABLE_KEEP);
    let rows: Vec<Vec<Cell>> = RULES
        .iter()
        .map(|r| {
            vec![
                cell(r.id),
                cell(r.title),
                cell(r.family.label()),
                cell_colored(r.severity.label(), severity_color(r.severity)),
            ]
        })
        .collect();
    w.table(
        &[
            ("Rule", 2.6),
            ("Title", 3.6),
            ("Family", 1.8),
            ("Default severity", 1.2),
        ],
        &rows,
        7.5,
    );
}
