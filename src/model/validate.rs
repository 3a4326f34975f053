//! Checks a parsed model file for everything serde cannot: ids, references, cycles, dates.
//! Every problem is collected (not just the first), each with the path of the value at fault.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::file::{ModelFile, OLDEST_SCHEMA_VERSION, SCHEMA_VERSION};
use super::source::Seg;
use super::types::{Encryption, default_flow_id};

/// One step of a problem's path (owned form of [`Seg`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathSeg {
    Field(&'static str),
    Item(usize),
    Key(String),
}

/// Something wrong in a model, at a path into the file's structure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub path: Vec<PathSeg>,
    /// The id of the element at fault, when there is one (the GUI shows problems by element).
    pub element: Option<String>,
    pub message: String,
}

impl Problem {
    /// The path in the borrowed form the source map takes.
    #[must_use]
    pub fn segs(&self) -> Vec<Seg<'_>> {
        self.path
            .iter()
            .map(|s| match s {
                PathSeg::Field(f) => Seg::Field(f),
                PathSeg::Item(i) => Seg::Item(*i),
                PathSeg::Key(k) => Seg::Key(k),
            })
            .collect()
    }
}

/// Whether `id` is a valid element id: letters, digits, `-`, `_` and `.`, starting with a
/// letter or digit. (`@` and `*` are reserved for finding ids and patterns.)
#[must_use]
pub fn is_valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    chars.next().is_some_and(char::is_alphanumeric)
        && chars.all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && id.len() <= 200
}

struct Checker {
    problems: Vec<Problem>,
}

impl Checker {
    fn push(&mut self, path: Vec<PathSeg>, element: Option<&str>, message: String) {
        self.problems.push(Problem {
            path,
            element: element.map(str::to_string),
            message,
        });
    }
}

/// Records an element id, or reports it as invalid or already used.
fn claim<'s>(
    c: &mut Checker,
    seen: &mut HashMap<&'s str, &'static str>,
    id: &'s str,
    what: &'static str,
    path: Vec<PathSeg>,
) {
    if !is_valid_id(id) {
        c.push(
            path,
            Some(id),
            format!(
                "invalid {what} id `{id}`: use letters, digits, `-`, `_` or `.`, starting with a letter or digit"
            ),
        );
    } else if let Some(first) = seen.get(id) {
        c.push(
            path,
            Some(id),
            format!("duplicate id `{id}`: already used by a {first}"),
        );
    } else {
        seen.insert(id, what);
    }
}

fn at(section: &'static str, index: usize, field: &'static str) -> Vec<PathSeg> {
    vec![
        PathSeg::Field(section),
        PathSeg::Item(index),
        PathSeg::Field(field),
    ]
}

fn at_item(section: &'static str, index: usize, field: &'static str, item: usize) -> Vec<PathSeg> {
    let mut path = at(section, index, field);
    path.push(PathSeg::Item(item));
    path
}

/// Finds every problem in a parsed model file.
#[must_use]
pub fn validate(file: &ModelFile) -> Vec<Problem> {
    let mut c = Checker {
        problems: Vec::new(),
    };
    if !(OLDEST_SCHEMA_VERSION..=SCHEMA_VERSION).contains(&file.rampart) {
        c.push(
            vec![PathSeg::Field("rampart")],
            None,
            format!(
                "unsupported schema version {}: this Rampart reads versions {OLDEST_SCHEMA_VERSION} to {SCHEMA_VERSION}",
                file.rampart
            ),
        );
    }

    // Ids are one namespace: findings name elements by id alone.
    let mut seen: HashMap<&str, &'static str> = HashMap::with_capacity(
        file.assets.len() + file.boundaries.len() + file.nodes.len() + file.flows.len(),
    );
    let default_ids: Vec<String> = file
        .flows
        .iter()
        .map(|f| {
            if f.id.is_empty() {
                default_flow_id(&f.from, &f.to)
            } else {
                String::new()
            }
        })
        .collect();
    let assets: HashSet<&str> = file.assets.iter().map(|a| a.id.as_str()).collect();
    let boundaries: HashMap<&str, usize> = file
        .boundaries
        .iter()
        .enumerate()
        .map(|(i, b)| (b.id.as_str(), i))
        .collect();
    let nodes: HashSet<&str> = file.nodes.iter().map(|n| n.id.as_str()).collect();
    let runtimes: HashSet<&str> = file.runtimes.iter().map(|r| r.id.as_str()).collect();

    for (i, asset) in file.assets.iter().enumerate() {
        claim(
            &mut c,
            &mut seen,
            &asset.id,
            "data asset",
            at("assets", i, "id"),
        );
    }

    for (i, boundary) in file.boundaries.iter().enumerate() {
        claim(
            &mut c,
            &mut seen,
            &boundary.id,
            "boundary",
            at("boundaries", i, "id"),
        );
        if let Some(trust) = boundary.trust
            && trust > 10
        {
            c.push(
                at("boundaries", i, "trust"),
                Some(&boundary.id),
                format!("trust level {trust} is out of range: use 0 (untrusted) to 10"),
            );
        }
        if let Some(parent) = &boundary.parent
            && !boundaries.contains_key(parent.as_str())
        {
            c.push(
                at("boundaries", i, "parent"),
                Some(&boundary.id),
                format!(
                    "boundary `{}` has unknown parent boundary `{parent}`",
                    boundary.id
                ),
            );
        }
    }
    // Parent cycles, in one linear pass: each boundary has at most one parent, so a walk up
    // either reaches the top, a boundary an earlier walk finished, or closes a loop, which is
    // reported once, at its first member.
    let parent_of: Vec<Option<usize>> = file
        .boundaries
        .iter()
        .map(|b| b.parent.as_deref().and_then(|p| boundaries.get(p).copied()))
        .collect();
    let mut state = vec![0u8; parent_of.len()]; // 0 new, 1 on this walk, 2 done
    let mut place = vec![0usize; parent_of.len()];
    let mut walk: Vec<usize> = Vec::new();
    for start in 0..parent_of.len() {
        if state[start] != 0 {
            continue;
        }
        walk.clear();
        let mut here = Some(start);
        while let Some(b) = here {
            match state[b] {
                0 => {
                    state[b] = 1;
                    place[b] = walk.len();
                    walk.push(b);
                    here = parent_of[b];
                }
                1 => {
                    let cycle = &walk[place[b]..];
                    let first = *cycle.iter().min().unwrap_or(&b);
                    const SHOWN: usize = 8;
                    let mut names: Vec<&str> = cycle
                        .iter()
                        .take(SHOWN)
                        .map(|&x| file.boundaries[x].id.as_str())
                        .collect();
                    let text = if cycle.len() > SHOWN {
                        names.push("…");
                        format!(
                            "boundary parents form a cycle of {} boundaries: {}",
                            cycle.len(),
                            names.join(" -> ")
                        )
                    } else {
                        names.push(file.boundaries[b].id.as_str());
                        format!("boundary parents form a cycle: {}", names.join(" -> "))
                    };
                    c.push(
                        at("boundaries", first, "parent"),
                        Some(&file.boundaries[first].id),
                        text,
                    );
                    break;
                }
                _ => break,
            }
        }
        for &b in &walk {
            state[b] = 2;
        }
    }

    for (i, runtime) in file.runtimes.iter().enumerate() {
        claim(
            &mut c,
            &mut seen,
            &runtime.id,
            "runtime",
            at("runtimes", i, "id"),
        );
    }

    for (i, node) in file.nodes.iter().enumerate() {
        endpoint(&mut c, "nodes", i, &node.id, node.endpoint.as_ref());
        claim(&mut c, &mut seen, &node.id, "node", at("nodes", i, "id"));
        if let Some(b) = &node.boundary
            && !boundaries.contains_key(b.as_str())
        {
            c.push(
                at("nodes", i, "boundary"),
                Some(&node.id),
                format!("node `{}` is in unknown boundary `{b}`", node.id),
            );
        }
        if let Some(r) = &node.runtime
            && !runtimes.contains(r.as_str())
        {
            c.push(
                at("nodes", i, "runtime"),
                Some(&node.id),
                format!("node `{}` runs on unknown runtime `{r}`", node.id),
            );
        }
        for (field, verb, list) in [
            ("stores", "stores", &node.stores),
            ("processes", "processes", &node.processes),
        ] {
            for (k, asset) in list.iter().enumerate() {
                if !assets.contains(asset.as_str()) {
                    c.push(
                        at_item("nodes", i, field, k),
                        Some(&node.id),
                        format!("node `{}` {verb} unknown data asset `{asset}`", node.id),
                    );
                }
            }
        }
        for (k, deploy) in node.deploys.iter().enumerate() {
            let message = if !nodes.contains(deploy.target.as_str()) {
                format!(
                    "`{}` deploys unknown node `{}` (deploys name the nodes a pipeline delivers to)",
                    node.id, deploy.target
                )
            } else if deploy.target == node.id {
                format!("`{}` deploys itself", node.id)
            } else {
                continue;
            };
            c.push(at_item("nodes", i, "deploys", k), Some(&node.id), message);
        }
        for (k, grant) in node.grants.iter().enumerate() {
            if !nodes.contains(grant.principal.as_str()) {
                c.push(
                    at_item("nodes", i, "grants", k),
                    Some(&node.id),
                    format!(
                        "grant on `{}` names unknown principal `{}` (grants name nodes)",
                        node.id, grant.principal
                    ),
                );
            }
        }
    }

    for (i, flow) in file.flows.iter().enumerate() {
        let id: &str = if flow.id.is_empty() {
            &default_ids[i]
        } else {
            &flow.id
        };
        let id_path = if flow.id.is_empty() {
            vec![PathSeg::Field("flows"), PathSeg::Item(i)]
        } else {
            at("flows", i, "id")
        };
        claim(&mut c, &mut seen, id, "flow", id_path);
        for (field, end) in [("from", &flow.from), ("to", &flow.to)] {
            if !nodes.contains(end.as_str()) {
                c.push(
                    at("flows", i, field),
                    Some(id),
                    format!("flow `{id}` {field} unknown node `{end}`"),
                );
            }
        }
        if flow.from == flow.to {
            c.push(
                at("flows", i, "to"),
                Some(id),
                format!("flow `{id}` goes from `{}` to itself", flow.from),
            );
        }
        endpoint(&mut c, "flows", i, id, flow.endpoint.as_ref());
        if flow.tls_min.is_some() && flow.encryption == Encryption::None {
            c.push(
                at("flows", i, "tls_min"),
                Some(id),
                format!("flow `{id}` gives tls_min but its encryption is none"),
            );
        }
        for (k, asset) in flow.data.iter().enumerate() {
            if !assets.contains(asset.as_str()) {
                c.push(
                    at_item("flows", i, "data", k),
                    Some(id),
                    format!("flow `{id}` carries unknown data asset `{asset}`"),
                );
            }
        }
    }

    for (i, decision) in file.decisions.iter().enumerate() {
        if decision.finding.trim().is_empty() {
            c.push(
                at("decisions", i, "finding"),
                None,
                "risk decision with an empty finding pattern".to_string(),
            );
        }
        if !decision.date.is_empty() && !is_valid_date(&decision.date) {
            c.push(
                at("decisions", i, "date"),
                None,
                format!(
                    "invalid date `{}`: use YYYY-MM-DD, e.g. 2026-01-31",
                    decision.date
                ),
            );
        }
    }

    let layout_key = |kind: &'static str, key: &str| {
        vec![
            PathSeg::Field("layout"),
            PathSeg::Field(kind),
            PathSeg::Key(key.to_string()),
        ]
    };
    let sorted: BTreeMap<_, _> = file.layout.nodes.iter().collect();
    for (id, pos) in sorted {
        if !nodes.contains(id.as_str()) {
            c.push(
                layout_key("nodes", id),
                None,
                format!("layout places unknown node `{id}`"),
            );
        } else if !(pos.x.is_finite() && pos.y.is_finite()) {
            c.push(
                layout_key("nodes", id),
                Some(id),
                format!("layout position of `{id}` is not a finite number"),
            );
        }
    }
    for (id, rect) in &file.layout.boundaries {
        if !boundaries.contains_key(id.as_str()) {
            c.push(
                layout_key("boundaries", id),
                None,
                format!("layout sizes unknown boundary `{id}`"),
            );
        } else if ![rect.x, rect.y, rect.w, rect.h]
            .iter()
            .all(|v| v.is_finite())
            || rect.w < 0.0
            || rect.h < 0.0
        {
            c.push(
                layout_key("boundaries", id),
                Some(id),
                format!("layout rectangle of `{id}` must be finite with non-negative size"),
            );
        }
    }
    c.problems
}

/// An endpoint's address must be one the probes can use.
fn endpoint(
    c: &mut Checker,
    section: &'static str,
    index: usize,
    id: &str,
    endpoint: Option<&super::types::Endpoint>,
) {
    let Some(e) = endpoint else { return };
    if let Err(err) = super::target::Target::parse(&e.url) {
        let mut path = at(section, index, "endpoint");
        path.push(PathSeg::Field("url"));
        c.push(path, Some(id), format!("endpoint of `{id}`: {err}"));
    }
}

/// `YYYY-MM-DD` naming a real calendar day.
#[must_use]
pub fn is_valid_date(text: &str) -> bool {
    let format = time::macros::format_description!("[year]-[month]-[day]");
    text.len() == 10 && time::Date::parse(text, &format).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids() {
        assert!(is_valid_id("api-gateway"));
        assert!(is_valid_id("db.orders_v2"));
        assert!(is_valid_id("zähler"));
        assert!(!is_valid_id(""));
        assert!(!is_valid_id("-x"));
        assert!(!is_valid_id("a b"));
        assert!(!is_valid_id("a@b"));
        assert!(!is_valid_id("a*"));
    }

    #[test]
    fn dates() {
        assert!(is_valid_date("2026-02-28"));
        assert!(!is_valid_date("2026-02-30"));
        assert!(!is_valid_date("26-02-01"));
        assert!(!is_valid_date("yesterday"));
    }
}
