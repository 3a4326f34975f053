//! `rampart diff` output: text (coloured on a terminal), Markdown made for a pull-request comment
//! (the summary line first, then collapsible sections) and JSON.

use std::fmt::Write as _;

use crate::analysis::compliance::Verdict;
use crate::diff::{Change, Diff, ElementChange, FindingChange};
use crate::model::Model;

fn verdict(v: Option<Verdict>) -> &'static str {
    match v {
        None => "not in scope",
        Some(Verdict::Met) => "no gap found",
        Some(Verdict::Gap) => "gap",
        Some(Verdict::NotAssessed) => "not assessed",
    }
}

/// "flow Orders (gateway → orders)", "node Orders DB".
fn element(e: &ElementChange, new: &Model, old: &Model) -> String {
    let ends = if e.kind == "flow" {
        new.flow(&e.id)
            .or_else(|| old.flow(&e.id))
            .map(|f| {
                let name = |id: &str| {
                    new.element_name(id)
                        .or_else(|| old.element_name(id))
                        .unwrap_or(id)
                        .to_string()
                };
                format!(" ({} → {})", name(&f.from), name(&f.to))
            })
            .unwrap_or_default()
    } else {
        String::new()
    };
    if e.kind == "model" {
        "the model".to_string()
    } else if e.name == e.id {
        format!("{} {}{ends}", e.kind, e.id)
    } else {
        format!("{} {} [{}]{ends}", e.kind, e.name, e.id)
    }
}

fn mark(c: Change) -> char {
    match c {
        Change::Added => '+',
        Change::Removed => '-',
        Change::Renamed | Change::Changed => '~',
    }
}

fn element_line(e: &ElementChange, new: &Model, old: &Model) -> String {
    let what = element(e, new, old);
    let props: Vec<String> = e
        .properties
        .iter()
        .map(|p| format!("{}: {} → {}", p.property, p.old, p.new))
        .collect();
    match e.change {
        Change::Added => format!("added {what}"),
        Change::Removed => format!("removed {what}"),
        Change::Renamed | Change::Changed => format!("{what}: {}", props.join("; ")),
    }
}

fn finding_line(f: &FindingChange) -> String {
    let was = f
        .was
        .map(|(s, st)| {
            let mut parts = Vec::new();
            if s != f.severity {
                parts.push(format!("severity {} → {}", s.key(), f.severity.key()));
            }
            if st != f.status {
                parts.push(format!("status {} → {}", st.label(), f.status.label()));
            }
            format!(" ({})", parts.join(", "))
        })
        .unwrap_or_default();
    let status = if f.was.is_none() && f.status.is_resolved() {
        format!(" [{}]", f.status.label())
    } else {
        String::new()
    };
    format!(
        "{} {}{status}{was}: {}",
        f.severity.key().to_uppercase(),
        f.id,
        f.title
    )
}

/// The diff as text for a terminal (`color`: ANSI colours).
#[must_use]
pub fn text(d: &Diff, old: &Model, new: &Model, color: bool) -> String {
    let paint = |code: &str, s: &str| {
        if color {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let _ = writeln!(out, "{}", d.summary());
    if d.layout_only {
        return out;
    }
    let mut section = |title: &str, lines: Vec<(char, String)>| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(out, "\n{}", paint("1", title));
        for (m, l) in lines {
            let code = match m {
                '+' => "32",
                '-' => "31",
                _ => "33",
            };
            let _ = writeln!(out, "  {} {l}", paint(code, &m.to_string()));
        }
    };
    let mut arch: Vec<(char, String)> = d
        .elements
        .iter()
        .map(|e| (mark(e.change), element_line(e, new, old)))
        .collect();
    if d.moved > 0 {
        arch.push((
            '~',
            format!(
                "{} position{} moved",
                d.moved,
                if d.moved == 1 { "" } else { "s" }
            ),
        ));
    }
    section("Architecture", arch);
    section(
        "Findings introduced",
        d.introduced
            .iter()
            .map(|f| ('+', finding_line(f)))
            .collect(),
    );
    section(
        "Findings resolved",
        d.resolved.iter().map(|f| ('-', finding_line(f))).collect(),
    );
    section(
        "Findings changed",
        d.changed.iter().map(|f| ('~', finding_line(f))).collect(),
    );
    section("Attack paths", path_lines(d, new, old));
    section(
        "Compliance",
        d.compliance
            .iter()
            .map(|r| {
                let m = if r.new == Some(Verdict::Gap) {
                    '+'
                } else if r.old == Some(Verdict::Gap) {
                    '-'
                } else {
                    '~'
                };
                (
                    m,
                    format!(
                        "{} {} {}: {} → {}",
                        r.framework,
                        r.requirement,
                        r.title,
                        verdict(r.old),
                        verdict(r.new)
                    ),
                )
            })
            .collect(),
    );
    section(
        "Blast radius",
        d.blast_radius
            .iter()
            .map(|b| {
                (
                    '+',
                    format!(
                        "{} reaches {} nodes (was {}){}",
                        new.element_name(&b.node).unwrap_or(&b.node),
                        b.new_reached,
                        b.old_reached,
                        if b.new_assets.is_empty() {
                            String::new()
                        } else {
                            format!(", now also {}", b.new_assets.join(", "))
                        }
                    ),
                )
            })
            .collect(),
    );
    out
}

fn path_lines(d: &Diff, new: &Model, old: &Model) -> Vec<(char, String)> {
    let name = |id: &str| {
        new.element_name(id)
            .or_else(|| old.element_name(id))
            .unwrap_or(id)
            .to_string()
    };
    d.paths
        .iter()
        .map(|p| {
            let avg = |v: Option<f64>| v.map_or("–".to_string(), |a| format!("{a:.1}"));
            let m = match p.change {
                "new" | "cheaper" => '+',
                "gone" | "costlier" => '-',
                _ => '~',
            };
            (
                m,
                format!(
                    "{} {} → {}: average hop strength {} → {} ({})",
                    p.change,
                    name(&p.entry),
                    name(&p.target),
                    avg(p.old_average),
                    avg(p.new_average),
                    p.nodes
                        .iter()
                        .map(|n| name(n))
                        .collect::<Vec<_>>()
                        .join(" → ")
                ),
            )
        })
        .collect()
}

fn md(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The diff as Markdown for a pull-request comment: the summary line first, then one
/// collapsible section per kind of change (open when it holds new findings or gaps).
#[must_use]
pub fn markdown(d: &Diff, old: &Model, new: &Model, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "### Threat model: {}\n\n**{}**\n",
        md(title),
        md(&d.summary())
    );
    if d.layout_only || d.is_empty() {
        return out;
    }
    let details = |out: &mut String, title: &str, open: bool, lines: &[String]| {
        if lines.is_empty() {
            return;
        }
        let _ = writeln!(
            out,
            "<details{}><summary>{title} ({})</summary>\n",
            if open { " open" } else { "" },
            lines.len()
        );
        for l in lines {
            let _ = writeln!(out, "- {l}");
        }
        let _ = writeln!(out, "\n</details>\n");
    };
    let mut arch: Vec<String> = d
        .elements
        .iter()
        .map(|e| md(&element_line(e, new, old)))
        .collect();
    if d.moved > 0 {
        arch.push(format!("{} positions moved", d.moved));
    }
    let f = |list: &[FindingChange], sign: &str| -> Vec<String> {
        list.iter()
            .map(|x| {
                let line = finding_line(x);
                // "HIGH id: title" → "**HIGH** `id`: title"
                let (sev, rest) = line.split_once(' ').unwrap_or(("", &line));
                let rest = rest.replacen(&x.id, &format!("`{}`", x.id), 1);
                format!("{sign} **{sev}** {}", md(&rest))
            })
            .collect()
    };
    details(
        &mut out,
        "Findings introduced",
        true,
        &f(&d.introduced, "🔺"),
    );
    details(
        &mut out,
        "Compliance",
        d.compliance.iter().any(|r| r.new == Some(Verdict::Gap)),
        &d.compliance
            .iter()
            .map(|r| {
                md(&format!(
                    "{} {} {}: {} → {}",
                    r.framework,
                    r.requirement,
                    r.title,
                    verdict(r.old),
                    verdict(r.new)
                ))
            })
            .collect::<Vec<_>>(),
    );
    details(
        &mut out,
        "Attack paths",
        d.paths
            .iter()
            .any(|p| p.change == "new" || p.change == "cheaper"),
        &path_lines(d, new, old)
            .into_iter()
            .map(|(_, l)| md(&l))
            .collect::<Vec<_>>(),
    );
    details(&mut out, "Architecture", false, &arch);
    details(&mut out, "Findings resolved", false, &f(&d.resolved, "✅"));
    details(&mut out, "Findings changed", false, &f(&d.changed, "✏️"));
    out
}

/// The diff as JSON: the summary line and every change.
///
/// # Panics
/// Never: every type here serializes.
#[must_use]
pub fn json(d: &Diff) -> String {
    let mut v = serde_json::to_value(d).expect("a diff serializes");
    if let Some(m) = v.as_object_mut() {
        m.insert("summary".into(), d.summary().into());
    }
    let mut s = serde_json::to_string_pretty(&v).expect("a diff serializes");
    s.push('\n');
    s
}
