//! OWASP Threat Dragon models into Rampart: v2 JSON (`summary`, `detail.diagrams[].cells[]`,
//! properties under each cell's `data`) and v1 (`detail.diagrams[].diagramJson.cells[]`,
//! properties on the cell itself).
//!
//! Cells become elements by their type ([`CELL_KINDS`]). Box boundaries hold the nodes whose
//! centre lies inside them (the smallest box wins; boxes inside boxes nest). A curve boundary
//! is a line: when it closes on itself it holds what it encloses; otherwise it splits the
//! canvas in two and holds the side without the external entities (or, when both or neither
//! side has them, the smaller side), the boxes on that side nesting in it. Threat Dragon draws
//! request and response as two flows; a flow whose reverse is also drawn is merged into it.
//! Element properties map per [`PROPERTIES`]; written threats stay in their element's
//! description and are counted in the notes.

use std::collections::HashMap;

use serde_json::Value;

use super::geometry::{self, Bounds, P};
use super::{Exchanges, Ids, Imported, Note, boundary_kind_from_words, flag, text, unnamed};
use crate::model::{
    AuthKind, Boundary, BoundaryKind, Classification, DataAsset, DataTag, Encryption, Flow, Model,
    Node, NodeKind, Pos,
};

/// What a cell is, by its v2 `data.type` / v1 `type` or its v2 `shape`.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Cell {
    Node(NodeKind),
    BoundaryBox,
    BoundaryCurve,
    Flow,
    Text,
}

/// Threat Dragon cell types and shapes -> what they become. A process that
/// `providesAuthentication` becomes an identity provider.
pub const CELL_KINDS: &[(&str, Cell)] = &[
    ("tm.Actor", Cell::Node(NodeKind::Actor)),
    ("actor", Cell::Node(NodeKind::Actor)),
    ("tm.Process", Cell::Node(NodeKind::Service)),
    ("process", Cell::Node(NodeKind::Service)),
    ("tm.Store", Cell::Node(NodeKind::DataStore)),
    ("store", Cell::Node(NodeKind::DataStore)),
    ("tm.BoundaryBox", Cell::BoundaryBox),
    ("trust-boundary-box", Cell::BoundaryBox),
    ("tm.Boundary", Cell::BoundaryCurve),
    ("trust-boundary-curve", Cell::BoundaryCurve),
    ("tm.Flow", Cell::Flow),
    ("flow", Cell::Flow),
    ("tm.Text", Cell::Text),
    ("td-text-block", Cell::Text),
];

/// Element properties and where they go (documentation; the code below follows it).
pub const PROPERTIES: &[(&str, &str)] = &[
    ("name", "name (and the id, normalised)"),
    ("description", "description"),
    (
        "outOfScope, reasonOutOfScope",
        "out_of_scope with the reason",
    ),
    ("privilegeLevel (root, admin, system)", "privileged"),
    ("providesAuthentication (process)", "kind identity_provider"),
    ("isALog", "audit_logging"),
    (
        "storesCredentials (store)",
        "stores a restricted `credentials` asset",
    ),
    ("isEncrypted (store)", "encrypted_at_rest"),
    ("isEncrypted (flow)", "encryption tls"),
    ("protocol (flow)", "protocol"),
    (
        "isPublicNetwork (flow)",
        "a note when the source is in no boundary",
    ),
    (
        "isBidirectional (flow)",
        "one flow; data in both directions",
    ),
    ("threats", "the element's description, and a note"),
    ("position, size", "layout (the centre); boundary membership"),
];

/// Whether a JSON document looks like a Threat Dragon model.
#[must_use]
pub fn detect(doc: &Value) -> bool {
    doc.get("detail")
        .and_then(|d| d.get("diagrams"))
        .is_some_and(Value::is_array)
        && doc.get("summary").is_some()
}

/// A curve boundary's line: source, vertices, target.
fn polyline(cell: &Value, dx: f32) -> Vec<P> {
    let point = |v: &Value| -> Option<P> {
        Some((
            super::coordinate(v.get("x"))? + dx,
            super::coordinate(v.get("y"))?,
        ))
    };
    let mut pts = Vec::new();
    pts.extend(cell.get("source").and_then(point));
    if let Some(vs) = cell.get("vertices").and_then(Value::as_array) {
        pts.extend(vs.iter().filter_map(point));
    }
    pts.extend(cell.get("target").and_then(point));
    pts.dedup();
    pts
}

/// A cell, whichever version wrote it: its properties, its kind and its ends.
struct Normal<'a> {
    cell: &'a Value,
    data: &'a Value,
    kind: Option<Cell>,
}

fn normal(cell: &Value) -> Normal<'_> {
    let v2 = cell.get("data").filter(|d| d.is_object());
    let data = v2.unwrap_or(cell);
    let ty = text(data, "type");
    let shape = text(cell, "shape");
    let kind = CELL_KINDS
        .iter()
        .find(|(k, _)| *k == ty)
        .or_else(|| CELL_KINDS.iter().find(|(k, _)| *k == shape))
        .map(|(_, c)| *c);
    Normal { cell, data, kind }
}

impl Normal<'_> {
    fn name(&self) -> String {
        let n = text(self.data, "name");
        if !n.is_empty() {
            return n;
        }
        [
            "/attrs/text/text",
            "/attrs/label/text",
            "/labels/0/attrs/label/text",
            "/labels/0/attrs/text/text",
        ]
        .iter()
        .find_map(|p| self.cell.pointer(p).and_then(Value::as_str))
        .unwrap_or("")
        .trim()
        .to_string()
    }

    /// The id of the cell at a flow's end (v2 `cell`, v1 `id`).
    fn end(&self, key: &str) -> Option<String> {
        let end = self.cell.get(key)?;
        end.get("cell")
            .or_else(|| end.get("id"))
            .map(|c| super::scalar(Some(c)))
    }
}

/// Converts a Threat Dragon v2 or v1 document.
///
/// # Errors
/// The document has no diagrams (it is not a Threat Dragon model).
pub fn import(doc: &Value, source: &str) -> Result<Imported, String> {
    if !detect(doc) {
        return Err(
            "1:1: not a Threat Dragon model: expected `summary` and `detail.diagrams`".to_string(),
        );
    }
    let summary = &doc["summary"];
    let mut model = Model::new(match text(summary, "title").as_str() {
        "" => "Imported from Threat Dragon".to_string(),
        t => t.to_string(),
    });
    model.description = text(summary, "description");
    model.author = text(summary, "owner");
    model.review.reviewers = doc["detail"]
        .get("contributors")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|x| text(x, "name"))
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut notes = Vec::new();
    let mut ids = Ids::default();
    let empty = Vec::new();
    let diagrams = doc["detail"]["diagrams"].as_array().unwrap_or(&empty);
    if diagrams.len() > 1 {
        notes.push(Note::info(
            "",
            format!(
                "{} diagrams were merged into one model (their elements are placed side by side)",
                diagrams.len()
            ),
        ));
    }
    // Cell id -> node id, and node bounds for membership.
    let mut node_of: HashMap<String, String> = HashMap::new();
    let mut cell_ids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut node_bounds: Vec<(String, Bounds, bool)> = Vec::new();
    let mut boxes: Vec<(String, Bounds)> = Vec::new();
    let mut curves: Vec<(String, String, Vec<P>)> = Vec::new();
    let mut threats = 0usize;
    let mut offset_x = 0.0f32;
    let mut flows: Vec<(usize, Normal<'_>)> = Vec::new();
    for (d, diagram) in diagrams.iter().enumerate() {
        let cells = diagram
            .get("cells")
            .or_else(|| diagram.pointer("/diagramJson/cells"))
            .and_then(Value::as_array)
            .unwrap_or(&empty);
        let mut right = 0.0f32;
        for (c, cell) in cells.iter().enumerate() {
            let n = normal(cell);
            let data = n.data;
            let cell_id = format!("{d}:{}", text(cell, "id"));
            if !text(cell, "id").is_empty() && !cell_ids.insert(cell_id.clone()) {
                return Err(format!(
                    "{}: two cells share the id \"{}\"; Threat Dragon ids are unique",
                    super::position_of(source, "id", &text(cell, "id"), 1),
                    text(cell, "id")
                ));
            }
            let name = n.name();
            let mut b = Bounds::of(cell);
            b.x += offset_x;
            match n.kind {
                Some(Cell::Node(kind)) => {
                    right = right.max(b.x + b.w);
                    let kind = if kind == NodeKind::Service && flag(data, "providesAuthentication")
                    {
                        NodeKind::IdentityProvider
                    } else {
                        kind
                    };
                    let id = ids.take(&name, &format!("element-{}", c + 1));
                    let mut node = Node::new(id.clone(), kind);
                    node.name.clone_from(&name);
                    node.description = text(data, "description");
                    let privilege = text(data, "privilegeLevel").to_lowercase();
                    node.privileged = ["root", "admin", "system", "privileged"]
                        .iter()
                        .any(|w| privilege.contains(w));
                    node.audit_logging = flag(data, "isALog");
                    if kind == NodeKind::DataStore {
                        node.encrypted_at_rest = flag(data, "isEncrypted");
                        if flag(data, "storesCredentials") {
                            let asset = "credentials";
                            if model.assets.iter().all(|a| a.id != asset) {
                                model.assets.push(DataAsset {
                                    id: asset.into(),
                                    name: "Credentials".into(),
                                    classification: Classification::Restricted,
                                    tags: vec![DataTag::Credentials],
                                    description:
                                        "Stored by the stores Threat Dragon marks storesCredentials"
                                            .into(),
                                    integrity: None,
                                    availability: None,
                                });
                            }
                            node.stores.push(asset.into());
                        }
                        if flag(data, "isSigned") {
                            notes.push(Note::unmapped(
                                name.as_str(),
                                "isSigned (Rampart does not record signed stores)",
                            ));
                        }
                    }
                    if flag(data, "outOfScope") {
                        node.out_of_scope = Some(text(data, "reasonOutOfScope"));
                    }
                    threats += carry_threats(data, &mut node.description);
                    model.layout.nodes.insert(
                        id.clone(),
                        Pos {
                            x: b.centre().0,
                            y: b.centre().1,
                        },
                    );
                    node_of.insert(cell_id, id.clone());
                    node_bounds.push((id.clone(), b, kind.is_external()));
                    if model.add_node(node).is_err() {
                        notes.push(Note::unmapped(name.as_str(), "could not be added"));
                    }
                }
                Some(Cell::BoundaryBox) => {
                    right = right.max(b.x + b.w);
                    let label = if name.is_empty() {
                        "Trust boundary".to_string()
                    } else {
                        name.clone()
                    };
                    let id = ids.take(&label, &format!("boundary-{}", c + 1));
                    let description = text(data, "description");
                    model.boundaries.push(Boundary {
                        id: id.clone(),
                        name: label.clone(),
                        kind: boundary_kind(&label, ""),
                        trust: None,
                        parent: None,
                        scope: super::boundary_scope_from_words(&label),
                        description,
                        out_of_scope: None,
                    });
                    boxes.push((id, b));
                }
                Some(Cell::BoundaryCurve) => {
                    let line = polyline(cell, offset_x);
                    for p in &line {
                        right = right.max(p.0);
                    }
                    curves.push((name, String::new(), line));
                }
                Some(Cell::Flow) => flows.push((d, n)),
                Some(Cell::Text) => {
                    if !name.is_empty() {
                        notes.push(Note::unmapped(
                            "",
                            format!("text block \"{name}\" not imported"),
                        ));
                    }
                }
                None => notes.push(Note::unmapped(
                    unnamed(&name),
                    format!(
                        "cell of type \"{}\" not imported",
                        match text(data, "type") {
                            t if t.is_empty() => text(cell, "shape"),
                            t => t,
                        }
                    ),
                )),
            }
        }
        offset_x = right + 200.0;
    }
    geometry::box_membership(&mut model, &node_bounds, &boxes);
    geometry::curve_boundaries(
        &mut model,
        &mut ids,
        &mut notes,
        &curves,
        &node_bounds,
        &boxes,
    );
    // Flows, with a drawn reverse merged into the first of the pair.
    let mut exchanges = Exchanges::default();
    for (d, n) in flows {
        let data = n.data;
        let name = n.name();
        let end = |k: &str| {
            n.end(k)
                .and_then(|c| node_of.get(&format!("{d}:{c}")))
                .cloned()
        };
        let (Some(from), Some(to)) = (end("source"), end("target")) else {
            notes.push(Note::unmapped(
                unnamed(&name),
                "flow not imported: one of its ends is not attached to an element",
            ));
            continue;
        };
        if from == to {
            notes.push(Note::unmapped(
                unnamed(&name),
                "flow not imported: it loops on one element",
            ));
            continue;
        }
        if let Some((_, note)) = exchanges
            .response_of(&model, &from, &to, &name)
            .or_else(|| exchanges.repeat_of(&from, &to, &name))
        {
            notes.push(note);
            continue;
        }
        let mut flow = Flow::new(from.clone(), to.clone());
        flow.id = ids.flow(&from, &to, &name);
        flow.name.clone_from(&name);
        flow.protocol = text(data, "protocol").to_lowercase();
        flow.encryption = if flag(data, "isEncrypted") {
            Encryption::Tls
        } else {
            Encryption::None
        };
        flow.authentication = AuthKind::None;
        let mut description = String::new();
        let flow_threats = carry_threats(data, &mut description);
        threats += flow_threats;
        let said = text(data, "description");
        if !said.is_empty() {
            notes.push(Note::unmapped(
                unnamed(&name),
                format!("flow description \"{said}\" (Rampart flows have a name, no description)"),
            ));
        }
        for line in description.lines() {
            notes.push(Note::info(unnamed(&name), line.to_string()));
        }
        if flag(data, "isPublicNetwork") && model.node(&from).is_some_and(|n| n.boundary.is_none())
        {
            notes.push(Note::info(
                unnamed(&name),
                "flow crosses a public network but its source is in no boundary: put it in an internet boundary",
            ));
        }
        exchanges.take(&flow);
        if model.add_flow(flow).is_err() {
            notes.push(Note::unmapped(unnamed(&name), "flow could not be added"));
        }
    }
    if threats > 0 {
        notes.push(Note::info(
            "",
            format!(
                "{threats} written threat{} kept: in the descriptions of actors, processes and stores, and in these notes for flows (Rampart finds its own; decisions on them can be recorded after the analysis)",
                if threats == 1 { "" } else { "s" }
            ),
        ));
    }
    if model.flow_count() > 0 {
        notes.push(Note::info(
            "",
            "Threat Dragon records no authentication per flow: every flow is imported with authentication none; set it where the system has it",
        ));
    }
    Ok(Imported { model, notes })
}

/// A boundary kind from the words of its name and description (internal network when they
/// name none).
fn boundary_kind(name: &str, description: &str) -> BoundaryKind {
    boundary_kind_from_words(name, description).unwrap_or(BoundaryKind::InternalNetwork)
}

/// Appends an element's written threats to its description; returns how many.
fn carry_threats(data: &Value, description: &mut String) -> usize {
    let Some(list) = data.get("threats").and_then(Value::as_array) else {
        return 0;
    };
    for t in list {
        let line = format!(
            "[Threat Dragon, {}{}] {}{}",
            match text(t, "status").as_str() {
                "" => "Open".to_string(),
                s => s.to_string(),
            },
            match text(t, "severity").as_str() {
                "" => String::new(),
                s => format!(", {s}"),
            },
            text(t, "title"),
            match text(t, "mitigation").as_str() {
                "" => String::new(),
                m => format!(" — mitigation: {m}"),
            }
        );
        if !description.is_empty() {
            description.push('\n');
        }
        description.push_str(&line);
    }
    list.len()
}
