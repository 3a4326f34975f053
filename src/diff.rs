//! What changed between two versions of a model, semantically: elements added, removed,
//! renamed or changed (each property with its old and new value), findings introduced,
//! resolved or changed (by their stable ids), attack paths new, gone, cheaper or costlier,
//! compliance requirements that became gaps or were closed, and blast radius growth. Layout-only
//! changes are one line. `rampart diff` renders it (text, Markdown for a pull request, JSON) and
//! gates CI on what a change introduces.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::Value;

use crate::analysis::compliance::Verdict;
use crate::analysis::{Analysis, Severity};
use crate::model::{Model, ModelFile, Status};

/// One property that differs, in the model file's words.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PropertyChange {
    pub property: String,
    /// The old and new values as the model file writes them (`none` when absent).
    pub old: String,
    pub new: String,
}

/// An element of one kind (node, flow, boundary, data asset, decision) that differs.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ElementChange {
    pub kind: &'static str,
    pub id: String,
    /// How people know it (its name in the new version, else the old one's, else the id).
    pub name: String,
    pub change: Change,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<PropertyChange>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Added,
    Removed,
    /// Same id, new name (and possibly other changes).
    Renamed,
    Changed,
}

/// A finding that appeared, went away or changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FindingChange {
    pub id: String,
    pub title: &'static str,
    pub severity: Severity,
    pub status: Status,
    /// For a changed finding: its old severity and status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<(Severity, Status)>,
    pub message: String,
}

/// An attack path whose existence or strength changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PathChange {
    pub entry: String,
    pub target: String,
    /// `new`, `gone`, `cheaper` (weaker defence) or `costlier`.
    pub change: &'static str,
    /// Average hop strength before and after (1 = no controls, 10 = strong).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_average: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_average: Option<f64>,
    pub nodes: Vec<String>,
}

/// A compliance requirement whose verdict changed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RequirementChange {
    pub framework: String,
    pub requirement: String,
    pub title: String,
    pub old: Option<Verdict>,
    pub new: Option<Verdict>,
}

/// A node whose blast radius grew.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BlastChange {
    pub node: String,
    pub old_reached: usize,
    pub new_reached: usize,
    /// High-value assets it reaches now and did not before.
    pub new_assets: Vec<String>,
}

/// Everything that differs.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Diff {
    pub elements: Vec<ElementChange>,
    /// Positions moved, with nothing else changed (one line in every format).
    pub layout_only: bool,
    /// Number of positions that differ.
    pub moved: usize,
    pub introduced: Vec<FindingChange>,
    pub resolved: Vec<FindingChange>,
    pub changed: Vec<FindingChange>,
    pub paths: Vec<PathChange>,
    pub compliance: Vec<RequirementChange>,
    pub blast_radius: Vec<BlastChange>,
}

impl Diff {
    /// Nothing differs, not even positions.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.elements.is_empty() && self.moved == 0 && self.findings_unchanged()
    }

    /// No finding, path, requirement or blast radius changed.
    #[must_use]
    pub fn findings_unchanged(&self) -> bool {
        self.introduced.is_empty()
            && self.resolved.is_empty()
            && self.changed.is_empty()
            && self.paths.is_empty()
            && self.compliance.is_empty()
            && self.blast_radius.is_empty()
    }

    /// Introduced findings that are open at or above `severity` (what `--fail-on-new` gates on;
    /// an introduced finding that a decision already accepts does not count).
    pub fn new_open_at_or_above(&self, severity: Severity) -> impl Iterator<Item = &FindingChange> {
        self.introduced
            .iter()
            .filter(move |f| !f.status.is_resolved() && f.severity >= severity)
    }

    /// One line: what the change does to the model's risk.
    #[must_use]
    pub fn summary(&self) -> String {
        if self.is_empty() {
            return "No changes.".to_string();
        }
        let mut parts = Vec::new();
        if self.layout_only {
            parts.push(format!(
                "layout only ({} position{} moved)",
                self.moved,
                if self.moved == 1 { "" } else { "s" }
            ));
        } else if !self.elements.is_empty() {
            parts.push(format!(
                "{} element{} changed",
                self.elements.len(),
                if self.elements.len() == 1 { "" } else { "s" }
            ));
        }
        let worst = self.introduced.iter().map(|f| f.severity).max();
        parts.push(match (self.introduced.len(), worst) {
            (0, _) | (_, None) => "no new findings".to_string(),
            (n, Some(w)) => format!(
                "{n} new finding{} (worst {})",
                if n == 1 { "" } else { "s" },
                w.key()
            ),
        });
        if !self.resolved.is_empty() {
            parts.push(format!("{} resolved", self.resolved.len()));
        }
        let gaps = self
            .compliance
            .iter()
            .filter(|r| r.new == Some(Verdict::Gap))
            .count();
        if gaps > 0 {
            parts.push(format!(
                "{gaps} new compliance gap{}",
                if gaps == 1 { "" } else { "s" }
            ));
        }
        let weaker = self
            .paths
            .iter()
            .filter(|p| p.change == "new" || p.change == "cheaper")
            .count();
        if weaker > 0 {
            parts.push(format!(
                "{weaker} attack path{} new or weaker",
                if weaker == 1 { "" } else { "s" }
            ));
        }
        let mut s = parts.join(", ");
        if let Some(first) = s.get(..1) {
            s = first.to_uppercase() + &s[1..];
        }
        s.push('.');
        s
    }
}

/// A value as the model file would write it, for people: strings bare, lists joined.
fn show(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => "none".to_string(),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Array(a)) if a.is_empty() => "none".to_string(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| show(Some(x)))
            .collect::<Vec<_>>()
            .join(", "),
        Some(Value::Object(o)) => o
            .iter()
            .map(|(k, x)| format!("{k}: {}", show(Some(x))))
            .collect::<Vec<_>>()
            .join(", "),
        Some(other) => other.to_string(),
    }
}

/// Elements of one kind, by id, as JSON objects of their file form.
fn by_id<T: Serialize>(items: &[T], id: impl Fn(&T) -> String) -> BTreeMap<String, Value> {
    items
        .iter()
        .map(|x| (id(x), serde_json::to_value(x).unwrap_or(Value::Null)))
        .collect()
}

fn name_of(v: &Value, id: &str) -> String {
    v.get("name")
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .unwrap_or(id)
        .to_string()
}

fn compare(
    kind: &'static str,
    old: &BTreeMap<String, Value>,
    new: &BTreeMap<String, Value>,
    out: &mut Vec<ElementChange>,
) {
    let ids: BTreeSet<&String> = old.keys().chain(new.keys()).collect();
    for id in ids {
        match (old.get(id), new.get(id)) {
            (None, Some(n)) => out.push(ElementChange {
                kind,
                id: id.clone(),
                name: name_of(n, id),
                change: Change::Added,
                properties: Vec::new(),
            }),
            (Some(o), None) => out.push(ElementChange {
                kind,
                id: id.clone(),
                name: name_of(o, id),
                change: Change::Removed,
                properties: Vec::new(),
            }),
            (Some(o), Some(n)) if o != n => {
                let keys: BTreeSet<&String> = o
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.keys())
                    .chain(n.as_object().into_iter().flat_map(|m| m.keys()))
                    .collect();
                let properties: Vec<PropertyChange> = keys
                    .into_iter()
                    .filter(|k| o.get(k.as_str()) != n.get(k.as_str()))
                    .map(|k| PropertyChange {
                        property: k.clone(),
                        old: show(o.get(k.as_str())),
                        new: show(n.get(k.as_str())),
                    })
                    .collect();
                let renamed = properties.iter().any(|p| p.property == "name");
                out.push(ElementChange {
                    kind,
                    id: id.clone(),
                    name: name_of(n, id),
                    change: if renamed {
                        Change::Renamed
                    } else {
                        Change::Changed
                    },
                    properties,
                });
            }
            _ => {}
        }
    }
}

/// A flow's id in a model file: written only when it is not the default `FROM-to-TO`.
fn flow_id(f: &crate::model::Flow) -> String {
    if f.id.is_empty() {
        crate::model::default_flow_id(&f.from, &f.to)
    } else {
        f.id.clone()
    }
}

fn finding_change(f: &crate::analysis::Finding) -> FindingChange {
    FindingChange {
        id: f.id.clone(),
        title: f.rule.title,
        severity: f.severity,
        status: f.status,
        was: None,
        message: crate::text::plain(&f.message),
    }
}

/// The difference from `old` to `new` (each with its analysis).
#[must_use]
pub fn diff(old: &Model, old_a: &Analysis, new: &Model, new_a: &Analysis) -> Diff {
    let (fo, fnew): (ModelFile, ModelFile) = (old.to_file(), new.to_file());
    let mut elements = Vec::new();
    compare(
        "data asset",
        &by_id(&fo.assets, |a| a.id.clone()),
        &by_id(&fnew.assets, |a| a.id.clone()),
        &mut elements,
    );
    compare(
        "boundary",
        &by_id(&fo.boundaries, |b| b.id.clone()),
        &by_id(&fnew.boundaries, |b| b.id.clone()),
        &mut elements,
    );
    compare(
        "node",
        &by_id(&fo.nodes, |n| n.id.clone()),
        &by_id(&fnew.nodes, |n| n.id.clone()),
        &mut elements,
    );
    compare(
        "flow",
        &by_id(&fo.flows, |f| flow_id(f)),
        &by_id(&fnew.flows, |f| flow_id(f)),
        &mut elements,
    );
    compare(
        "decision",
        &by_id(&fo.decisions, |d| d.finding.clone()),
        &by_id(&fnew.decisions, |d| d.finding.clone()),
        &mut elements,
    );
    // Model-level properties (name, description, frameworks, review).
    let top = |f: &ModelFile| {
        let mut v = serde_json::json!({
            "name": f.name,
            "description": f.description,
            "author": f.author,
            "frameworks": f.frameworks,
        });
        if let (Some(m), Ok(r)) = (v.as_object_mut(), serde_json::to_value(&f.review)) {
            m.insert("review".into(), r);
        }
        v
    };
    let (to, tn) = (top(&fo), top(&fnew));
    if to != tn {
        let mut one = Vec::new();
        compare(
            "model",
            &BTreeMap::from([(String::from("model"), to)]),
            &BTreeMap::from([(String::from("model"), tn)]),
            &mut one,
        );
        for mut e in one {
            e.change = Change::Changed;
            elements.insert(0, e);
        }
    }
    let moved = {
        let (lo, ln) = (&fo.layout, &fnew.layout);
        let nodes: BTreeSet<&String> = lo.nodes.keys().chain(ln.nodes.keys()).collect();
        let boundaries: BTreeSet<&String> =
            lo.boundaries.keys().chain(ln.boundaries.keys()).collect();
        nodes
            .into_iter()
            .filter(|k| lo.nodes.get(*k) != ln.nodes.get(*k))
            .count()
            + boundaries
                .into_iter()
                .filter(|k| lo.boundaries.get(*k) != ln.boundaries.get(*k))
                .count()
    };

    let old_f: BTreeMap<&str, &crate::analysis::Finding> =
        old_a.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let new_f: BTreeMap<&str, &crate::analysis::Finding> =
        new_a.findings.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut introduced = Vec::new();
    let mut resolved = Vec::new();
    let mut changed = Vec::new();
    for (id, f) in &new_f {
        match old_f.get(id) {
            None => introduced.push(finding_change(f)),
            Some(o) if o.severity != f.severity || o.status != f.status => {
                let mut c = finding_change(f);
                c.was = Some((o.severity, o.status));
                changed.push(c);
            }
            _ => {}
        }
    }
    for (id, f) in &old_f {
        if !new_f.contains_key(id) {
            resolved.push(finding_change(f));
        }
    }
    let worst_first = |v: &mut Vec<FindingChange>| {
        v.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.id.cmp(&b.id)));
    };
    worst_first(&mut introduced);
    worst_first(&mut resolved);
    worst_first(&mut changed);

    let key = |p: &crate::analysis::paths::AttackPath| (p.entry.clone(), p.target.clone());
    let old_p: BTreeMap<_, _> = old_a.attack_paths.iter().map(|p| (key(p), p)).collect();
    let new_p: BTreeMap<_, _> = new_a.attack_paths.iter().map(|p| (key(p), p)).collect();
    let mut paths = Vec::new();
    for (k, p) in &new_p {
        let change = match old_p.get(k) {
            None => Some("new"),
            Some(o) if p.average() + 1e-9 < o.average() => Some("cheaper"),
            Some(o) if p.average() > o.average() + 1e-9 => Some("costlier"),
            _ => None,
        };
        if let Some(change) = change {
            paths.push(PathChange {
                entry: k.0.clone(),
                target: k.1.clone(),
                change,
                old_average: old_p.get(k).map(|o| o.average()),
                new_average: Some(p.average()),
                nodes: p.nodes.clone(),
            });
        }
    }
    for (k, o) in &old_p {
        if !new_p.contains_key(k) {
            paths.push(PathChange {
                entry: k.0.clone(),
                target: k.1.clone(),
                change: "gone",
                old_average: Some(o.average()),
                new_average: None,
                nodes: o.nodes.clone(),
            });
        }
    }

    let verdicts = |a: &Analysis| -> BTreeMap<(String, String), (Verdict, String)> {
        a.compliance
            .iter()
            .flat_map(|fw| {
                fw.requirements.iter().map(move |r| {
                    (
                        (fw.name.clone(), r.id.clone()),
                        (r.verdict, r.title.clone()),
                    )
                })
            })
            .collect()
    };
    let (vo, vn) = (verdicts(old_a), verdicts(new_a));
    let reqs: BTreeSet<&(String, String)> = vo.keys().chain(vn.keys()).collect();
    let compliance = reqs
        .into_iter()
        .filter_map(|k| {
            let (o, n) = (vo.get(k), vn.get(k));
            (o.map(|x| x.0) != n.map(|x| x.0)).then(|| RequirementChange {
                framework: k.0.clone(),
                requirement: k.1.clone(),
                title: n.or(o).map(|x| x.1.clone()).unwrap_or_default(),
                old: o.map(|x| x.0),
                new: n.map(|x| x.0),
            })
        })
        .collect();

    let old_b: BTreeMap<&str, &crate::analysis::paths::BlastRadius> = old_a
        .blast_radius
        .iter()
        .map(|b| (b.node.as_str(), b))
        .collect();
    let blast_radius = new_a
        .blast_radius
        .iter()
        .filter_map(|b| {
            let (reached, assets) = old_b
                .get(b.node.as_str())
                .map_or((0, Vec::new()), |o| (o.reached, o.assets.clone()));
            let new_assets: Vec<String> = b
                .assets
                .iter()
                .filter(|a| !assets.contains(a))
                .cloned()
                .collect();
            (b.reached > reached || !new_assets.is_empty()).then(|| BlastChange {
                node: b.node.clone(),
                old_reached: reached,
                new_reached: b.reached,
                new_assets,
            })
        })
        .collect();

    let mut d = Diff {
        elements,
        layout_only: false,
        moved,
        introduced,
        resolved,
        changed,
        paths,
        compliance,
        blast_radius,
    };
    d.layout_only = d.elements.is_empty() && d.moved > 0 && d.findings_unchanged();
    d
}
