//! What every report says about a model, computed once: the counts (so the PDF's cover, summary,
//! contents and headings, the JSON summary and the Markdown agree by construction), a one-line
//! posture, the "fix first" list (findings grouped by the change that clears them) and the attack
//! paths in the order a reader should take them.
//!
//! Counting rule, stated once: a finding is *open* when its status is Open or In progress (it
//! counts toward `--fail-on`); Accepted, Mitigated and False positive findings are *resolved*.
//! Severity counts are of open findings; the status breakdown counts every finding.

use std::collections::HashMap;

use serde::Serialize;

use super::Input;
use crate::analysis::paths::AttackPath;
use crate::analysis::{Change, Finding, Severity};
use crate::model::{Model, Status};

/// One item of the "fix first" list: a change and every open finding it clears.
#[derive(Clone, Debug, Serialize)]
pub struct FixGroup<'a> {
    /// What to change, in the model's words ("Set Encryption to TLS on the 2 flows into Order
    /// database").
    pub action: String,
    /// The worst severity among the findings it clears.
    pub severity: Severity,
    /// Indices into the analysis's findings, worst first.
    #[serde(skip)]
    pub findings: Vec<usize>,
    /// The ids of those findings.
    pub finding_ids: Vec<&'a str>,
    /// Names of the elements the change touches.
    pub elements: Vec<&'a str>,
    /// Owners named by the risk decisions on these findings.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub owner: String,
    /// In progress when a decision says someone is on it, else Open.
    pub status: Status,
    /// How many of the findings are in progress (the rest are open).
    pub in_progress: usize,
}

/// The report's view of one analysis.
pub struct View<'a> {
    pub model: &'a Model,
    /// Open findings (Open or In progress) per severity, worst first.
    pub open: Vec<(Severity, usize)>,
    /// Every finding per status, in [`Status::ALL`] order.
    pub statuses: Vec<(Status, usize)>,
    /// Open findings in total.
    pub open_total: usize,
    /// One sentence a CISO can read first.
    pub posture: String,
    pub fix_first: Vec<FixGroup<'a>>,
    /// Weakly defended attack paths: worst severity first, then weakest.
    pub paths: Vec<&'a AttackPath>,
    path_findings: PathFindings<'a>,
}

/// The findings that report weak paths, by the path's nodes: a finding's severity is its
/// path's, and its status (a decision may have resolved it) says whether the path counts as
/// open. Built once: a model with thousands of paths and findings would otherwise scan every
/// finding for every path.
struct PathFindings<'f>(HashMap<&'f [String], &'f Finding>);

impl<'f> PathFindings<'f> {
    fn new(findings: &'f [Finding]) -> Self {
        PathFindings(
            findings
                .iter()
                .filter(|f| f.rule.id == "attack-path-to-sensitive-data")
                .map(|f| (f.path.as_slice(), f))
                .collect(),
        )
    }

    fn of(&self, p: &AttackPath) -> Option<&'f Finding> {
        self.0.get(p.nodes.as_slice()).copied()
    }
}

/// What a change does to a group of elements, for people.
fn action(change: &Change, model: &Model, flows: usize, target: &str) -> String {
    let name = |id| model.element_name(id).unwrap_or(id);
    match change {
        Change::FlowEncryption { .. }
        | Change::FlowTlsMin { .. }
        | Change::FlowAuthentication { .. } => {
            if flows == 1 {
                format!("{} on flow {}", change.describe(), name(change.element()))
            } else {
                format!(
                    "{} on the {flows} flows into {}",
                    change.describe(),
                    name(target)
                )
            }
        }
        _ => format!("{} on {}", change.describe(), name(change.element())),
    }
}

impl<'a> View<'a> {
    /// Computes the view.
    #[must_use]
    pub fn new(input: &Input<'a>) -> Self {
        let a = input.analysis;
        let m = input.model;
        let open = a.counts();
        let statuses = Status::ALL
            .iter()
            .map(|s| (*s, a.findings.iter().filter(|f| f.status == *s).count()))
            .collect();
        let open_total = open.iter().map(|(_, n)| n).sum();
        let fix_first = fix_first(m, &a.findings);
        let path_findings = PathFindings::new(&a.findings);
        let rank = |p: &AttackPath| {
            path_findings.of(p).map_or((1, Severity::Info), |f| {
                (u8::from(!f.is_open()), f.severity)
            })
        };
        let mut paths: Vec<(&AttackPath, (u8, Severity))> = a
            .attack_paths
            .iter()
            .filter(|p| p.weak)
            .map(|p| (p, rank(p)))
            .collect();
        paths.sort_by(|(x, (ox, sx)), (y, (oy, sy))| {
            ox.cmp(oy)
                .then(sy.cmp(sx))
                .then(x.average().total_cmp(&y.average()))
                .then_with(|| x.target.cmp(&y.target))
                .then_with(|| x.entry.cmp(&y.entry))
        });
        let paths: Vec<&AttackPath> = paths.into_iter().map(|(p, _)| p).collect();
        let posture = posture(m, &a.findings, &path_findings, &open, &paths, &fix_first);
        View {
            model: m,
            open,
            statuses,
            open_total,
            posture,
            fix_first,
            paths,
            path_findings,
        }
    }

    /// The severity and openness of a weak path's finding.
    #[must_use]
    pub fn path_severity(&self, p: &AttackPath) -> Option<(Severity, Status)> {
        self.path_findings.of(p).map(|f| (f.severity, f.status))
    }

    /// How many open findings have this severity.
    #[must_use]
    pub fn open_count(&self, s: Severity) -> usize {
        self.open
            .iter()
            .find(|(x, _)| *x == s)
            .map_or(0, |(_, n)| *n)
    }
}

/// "3 critical, 12 high and 20 medium findings are open" (or that none are).
fn open_phrase(open: &[(Severity, usize)]) -> String {
    let parts: Vec<String> = open
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, n)| format!("{n} {}", s.key()))
        .collect();
    let total: usize = open.iter().map(|(_, n)| n).sum();
    match parts.len() {
        0 => "No findings are open".to_string(),
        1 => format!(
            "{} finding{} {} open",
            parts[0],
            if total == 1 { "" } else { "s" },
            if total == 1 { "is" } else { "are" }
        ),
        _ => {
            let (last, rest) = parts.split_last().unwrap_or((&parts[0], &[]));
            format!("{} and {last} findings are open", rest.join(", "))
        }
    }
}

fn posture(
    m: &Model,
    findings: &[Finding],
    path_findings: &PathFindings<'_>,
    open: &[(Severity, usize)],
    paths: &[&AttackPath],
    fix_first: &[FixGroup],
) -> String {
    let total: usize = open.iter().map(|(_, n)| n).sum();
    if total == 0 {
        return if findings.is_empty() {
            "No findings: the model shows no unprotected link, missing authentication or over-privileged path.".to_string()
        } else {
            "No findings are open: every finding is mitigated, accepted or marked a false positive by a recorded risk decision.".to_string()
        };
    }
    let mut out = open_phrase(open);
    let open_paths: Vec<&&AttackPath> = paths
        .iter()
        .filter(|p| path_findings.of(p).is_none_or(Finding::is_open))
        .collect();
    if !open_paths.is_empty() {
        let mut targets: Vec<&str> = open_paths
            .iter()
            .map(|p| m.element_name(&p.target).unwrap_or(&p.target))
            .collect();
        targets.sort_unstable();
        targets.dedup();
        let shown = crate::text::capped(
            &targets.iter().map(|t| (*t).to_string()).collect::<Vec<_>>(),
            3,
            ", ",
        );
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                "; {} weakly defended attack path{} reach{} {shown}",
                open_paths.len(),
                if open_paths.len() == 1 { "" } else { "s" },
                if open_paths.len() == 1 { "es" } else { "" },
            ),
        );
    }
    let first: usize = fix_first.iter().take(3).map(|g| g.findings.len()).sum();
    if fix_first.len() > 1 {
        let _ = std::fmt::Write::write_fmt(
            &mut out,
            format_args!(
                ". The first {} fixes below clear {first} of the {total} open findings.",
                fix_first.len().min(3)
            ),
        );
    } else {
        out.push('.');
    }
    out
}

/// Open findings grouped by the change that clears them: one change to one element (a node
/// property, or one flow property set the same way on every flow into the same node) clears
/// every finding it is the fix for. Findings with no single-property fix stand alone. Ordered
/// by worst severity, then by how many findings the change clears.
fn fix_first<'a>(m: &'a Model, findings: &'a [Finding]) -> Vec<FixGroup<'a>> {
    // The change a group shares: what it sets (its kind and value, which is what its
    // description says, without writing the sentence for every finding) and the node or flow
    // it is made on. A finding with no single-property fix is a group of its own (no key).
    #[derive(Hash, PartialEq, Eq)]
    struct Key<'f>(std::mem::Discriminant<Change>, &'static str, &'f str);
    let group_key = |c: &Change, at| Key(std::mem::discriminant(c), c.value(), at);
    let mut groups: Vec<(Option<&Change>, &str, Vec<usize>)> = Vec::new();
    let mut index: HashMap<Key<'_>, usize> = HashMap::new();
    for (i, f) in findings.iter().enumerate() {
        if !f.is_open() {
            continue;
        }
        let (key, target) = match &f.change {
            Some(
                c @ (Change::FlowEncryption { flow, .. }
                | Change::FlowTlsMin { flow, .. }
                | Change::FlowAuthentication { flow, .. }),
            ) => {
                let to = m.flow(flow).map_or(flow.as_str(), |x| x.to.as_str());
                (Some(group_key(c, to)), to)
            }
            Some(c) => (Some(group_key(c, c.element())), ""),
            None => (None, ""),
        };
        match key {
            None => groups.push((None, "", vec![i])),
            Some(key) => {
                let at = *index.entry(key).or_insert_with(|| {
                    groups.push((f.change.as_ref(), target, Vec::new()));
                    groups.len() - 1
                });
                groups[at].2.push(i);
            }
        }
    }
    let mut out: Vec<FixGroup> = groups
        .into_iter()
        .map(|(change, target, mut idx)| {
            idx.sort_by(|a, b| findings[*b].severity.cmp(&findings[*a].severity));
            let first = &findings[idx[0]];
            let mut touched: Vec<&str> = Vec::new();
            for i in &idx {
                let e = match &findings[*i].change {
                    Some(c) => Some(c.element()),
                    None => findings[*i].elements.first().map(String::as_str),
                };
                if let Some(e) = e
                    && !touched.contains(&e)
                {
                    touched.push(e);
                }
            }
            let action = match change {
                Some(c) => action(c, m, touched.len(), target),
                None => crate::text::plain(&first.fix),
            };
            let mut owners: Vec<String> = idx
                .iter()
                .filter_map(|i| findings[*i].decision.as_ref())
                .map(|d| d.owner.clone())
                .filter(|o| !o.is_empty())
                .collect();
            owners.sort();
            owners.dedup();
            let in_progress = idx
                .iter()
                .filter(|i| findings[**i].status == Status::InProgress)
                .count();
            let status = if in_progress > 0 {
                Status::InProgress
            } else {
                Status::Open
            };
            FixGroup {
                action,
                severity: first.severity,
                finding_ids: idx.iter().map(|i| findings[*i].id.as_str()).collect(),
                findings: idx,
                elements: touched
                    .iter()
                    .map(|e| m.element_name(e).unwrap_or(e))
                    .collect(),
                owner: owners.join(", "),
                status,
                in_progress,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then(b.findings.len().cmp(&a.findings.len()))
    });
    out
}
