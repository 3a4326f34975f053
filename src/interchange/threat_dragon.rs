//! OWASP Threat Dragon models (v2 JSON: `summary`, `detail.diagrams[].cells[]`) into Rampart.
//!
//! Cells become elements by their `data.type`: `tm.Actor` an actor, `tm.Process` a service
//! (an identity provider when it `providesAuthentication`), `tm.Store` a data store,
//! `tm.Flow` a flow, `tm.BoundaryBox` a trust boundary whose members are the nodes whose centre
//! lies inside its box (the smallest box wins; boxes inside boxes nest). Threat Dragon draws
//! request and response as two flows; a flow whose reverse is also drawn is merged into it.
//! Element properties map where Rampart has them (`isEncrypted`, `protocol`, `storesCredentials`,
//! `isALog`, `privilegeLevel`, `outOfScope` with its reason, positions); what has no place —
//! curve boundaries (a line carries no membership), written threats, flows with a loose end — is
//! kept as a note in the result and, for threats, in the element's description.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::Imported;
use crate::model::{
    AuthKind, Boundary, BoundaryKind, Classification, DataAsset, DataTag, Encryption, Flow, Model,
    Node, NodeKind, Pos, id_from_name, is_valid_id,
};

/// Whether a JSON document looks like a Threat Dragon model.
#[must_use]
pub fn detect(doc: &Value) -> bool {
    doc.get("detail")
        .and_then(|d| d.get("diagrams"))
        .is_some_and(Value::is_array)
        && doc.get("summary").is_some()
}

fn text<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

fn flag(v: &Value, key: &str) -> bool {
    v.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn num(v: &Value, path: &[&str]) -> f32 {
    let mut at = v;
    for k in path {
        match at.get(k) {
            Some(x) => at = x,
            None => return 0.0,
        }
    }
    // Kept on the canvas: a hostile or broken file's huge or non-finite coordinates would not
    // survive a save.
    let v = at.as_f64().unwrap_or(0.0);
    if v.is_finite() {
        v.clamp(-1.0e6, 1.0e6) as f32
    } else {
        0.0
    }
}

/// A box on the Threat Dragon canvas.
#[derive(Clone, Copy)]
struct Bounds {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl Bounds {
    fn of(cell: &Value) -> Self {
        Bounds {
            x: num(cell, &["position", "x"]),
            y: num(cell, &["position", "y"]),
            w: num(cell, &["size", "width"]).max(1.0),
            h: num(cell, &["size", "height"]).max(1.0),
        }
    }
    fn centre(self) -> (f32, f32) {
        (self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    fn contains(self, (px, py): (f32, f32)) -> bool {
        px >= self.x && px <= self.x + self.w && py >= self.y && py <= self.y + self.h
    }
    fn area(self) -> f32 {
        self.w * self.h
    }
}

/// A boundary kind from the words of its name and description.
fn boundary_kind(name: &str, description: &str) -> BoundaryKind {
    let words = format!("{name} {description}").to_lowercase();
    let has = |w: &[&str]| w.iter().any(|x| words.contains(x));
    if has(&["internet", "public", "untrusted", "external"]) {
        BoundaryKind::Internet
    } else if has(&["dmz", "demilitari", "perimeter", "edge"]) {
        BoundaryKind::Dmz
    } else if has(&["third", "partner", "vendor", "saas"]) {
        BoundaryKind::ThirdParty
    } else if has(&["cloud", "aws", "azure", "gcp", "account", "subscription"]) {
        BoundaryKind::CloudAccount
    } else if has(&["kubernetes", "cluster", "namespace"]) {
        BoundaryKind::ClusterNamespace
    } else if has(&["restricted", "database", "secure", "pci", "cde"]) {
        BoundaryKind::RestrictedZone
    } else if has(&["device", "browser", "mobile", "client"]) {
        BoundaryKind::Device
    } else {
        BoundaryKind::InternalNetwork
    }
}

/// Unique, valid ids from names.
struct Ids {
    used: std::collections::HashSet<String>,
}

impl Ids {
    fn take(&mut self, name: &str, fallback: &str) -> String {
        let mut base = id_from_name(name);
        if base.is_empty() || !is_valid_id(&base) {
            base = fallback.to_string();
        }
        let mut id = base.clone();
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        self.used.insert(id.clone());
        id
    }
}

/// Converts a Threat Dragon v2 document.
///
/// # Errors
/// The document has no diagrams (it is not a Threat Dragon model).
pub fn import(doc: &Value) -> Result<Imported, String> {
    if !detect(doc) {
        return Err(
            "not a Threat Dragon model: expected `summary` and `detail.diagrams`".to_string(),
        );
    }
    let summary = &doc["summary"];
    let mut model = Model::new(match text(summary, "title") {
        "" => "Imported from Threat Dragon",
        t => t,
    });
    model.description = text(summary, "description").to_string();
    model.author = text(summary, "owner").to_string();
    model.review.reviewers = doc["detail"]
        .get("contributors")
        .and_then(Value::as_array)
        .map(|c| {
            c.iter()
                .map(|x| text(x, "name").to_string())
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let mut notes = Vec::new();
    let mut ids = Ids {
        used: std::collections::HashSet::new(),
    };
    let diagrams = doc["detail"]["diagrams"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    if diagrams.len() > 1 {
        notes.push(format!(
            "{} diagrams were merged into one model (their elements are placed side by side)",
            diagrams.len()
        ));
    }
    // Cell id -> node id, and node bounds for membership.
    let mut node_of: HashMap<String, String> = HashMap::new();
    let mut node_bounds: Vec<(String, Bounds)> = Vec::new();
    let mut boxes: Vec<(String, Bounds)> = Vec::new();
    let mut threats = 0usize;
    let mut offset_x = 0.0f32;
    let mut flows: Vec<(String, Value)> = Vec::new();
    for (d, diagram) in diagrams.iter().enumerate() {
        let cells = diagram
            .get("cells")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut right = 0.0f32;
        for (c, cell) in cells.iter().enumerate() {
            let data = cell.get("data").cloned().unwrap_or(Value::Null);
            let kind = text(&data, "type");
            let shape = text(cell, "shape");
            let cell_id = format!("{d}:{}", text(cell, "id"));
            let name = match text(&data, "name") {
                "" => cell
                    .pointer("/attrs/text/text")
                    .or_else(|| cell.pointer("/attrs/label/text"))
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_string(),
                n => n.to_string(),
            };
            let mut b = Bounds::of(cell);
            b.x += offset_x;
            right = right.max(b.x + b.w);
            match (kind, shape) {
                ("tm.Actor" | "tm.Process" | "tm.Store", _)
                | ("", "actor" | "process" | "store") => {
                    let nk = match (kind, shape) {
                        ("tm.Actor", _) | ("", "actor") => NodeKind::Actor,
                        ("tm.Store", _) | ("", "store") => NodeKind::DataStore,
                        _ if flag(&data, "providesAuthentication") => NodeKind::IdentityProvider,
                        _ => NodeKind::Service,
                    };
                    let id = ids.take(&name, &format!("element-{}", c + 1));
                    let mut node = Node::new(id.clone(), nk);
                    node.name.clone_from(&name);
                    node.description = text(&data, "description").to_string();
                    let privilege = text(&data, "privilegeLevel").to_lowercase();
                    node.privileged = ["root", "admin", "system", "privileged"]
                        .iter()
                        .any(|w| privilege.contains(w));
                    if flag(&data, "isALog") {
                        node.audit_logging = true;
                    }
                    if nk == NodeKind::DataStore && flag(&data, "storesCredentials") {
                        let asset = "credentials";
                        if model.assets.iter().all(|a| a.id != asset) {
                            model.assets.push(DataAsset {
                                id: asset.into(),
                                name: "Credentials".into(),
                                classification: Classification::Restricted,
                                tags: vec![DataTag::Credentials],
                                description: "Stored by the stores Threat Dragon marks storesCredentials".into(),
                            });
                        }
                        node.stores.push(asset.into());
                    }
                    if flag(&data, "outOfScope") {
                        let why = text(&data, "reasonOutOfScope");
                        model.review.out_of_scope.push(if why.is_empty() {
                            name.clone()
                        } else {
                            format!("{name}: {why}")
                        });
                    }
                    threats += carry_threats(&data, &mut node.description);
                    model.layout.nodes.insert(
                        id.clone(),
                        Pos {
                            x: b.centre().0,
                            y: b.centre().1,
                        },
                    );
                    node_of.insert(cell_id, id.clone());
                    node_bounds.push((id.clone(), b));
                    if model.add_node(node).is_err() {
                        notes.push(format!("{name}: could not be added"));
                    }
                }
                ("tm.BoundaryBox", _) | ("", "trust-boundary-box") => {
                    let label = if name.is_empty() {
                        "Trust boundary".to_string()
                    } else {
                        name.clone()
                    };
                    let id = ids.take(&label, &format!("boundary-{}", c + 1));
                    let description = text(&data, "description").to_string();
                    model.boundaries.push(Boundary {
                        id: id.clone(),
                        name: label.clone(),
                        kind: boundary_kind(&label, &description),
                        trust: None,
                        parent: None,
                        scope: vec![],
                        description,
                    });
                    boxes.push((id, b));
                }
                ("tm.Boundary", _) | ("", "trust-boundary-curve") => notes.push(format!(
                    "curve boundary \"{}\" not imported: a line carries no membership; draw it as a box",
                    if name.is_empty() { "(unnamed)" } else { &name }
                )),
                ("tm.Flow", _) | ("", "flow") => flows.push((format!("{d}"), cell.clone())),
                _ => {}
            }
        }
        offset_x = right + 200.0;
    }
    // Membership: each node in the smallest box around its centre; boxes nest the same way.
    let smallest = |p: (f32, f32), except: Option<&str>| -> Option<String> {
        boxes
            .iter()
            .filter(|(id, b)| Some(id.as_str()) != except && b.contains(p))
            .min_by(|a, b| a.1.area().total_cmp(&b.1.area()))
            .map(|(id, _)| id.clone())
    };
    for (id, b) in &node_bounds {
        if let (Some(boundary), Some(node)) = (smallest(b.centre(), None), model.node_mut(id)) {
            node.boundary = Some(boundary);
        }
    }
    let parents: BTreeMap<String, Option<String>> = boxes
        .iter()
        .map(|(id, b)| {
            let parent = boxes
                .iter()
                .filter(|(other, ob)| {
                    other != id
                        && ob.area() > b.area()
                        && ob.contains((b.x, b.y))
                        && ob.contains((b.x + b.w, b.y + b.h))
                })
                .min_by(|a, c| a.1.area().total_cmp(&c.1.area()))
                .map(|(o, _)| o.clone());
            (id.clone(), parent)
        })
        .collect();
    for b in &mut model.boundaries {
        b.parent = parents.get(&b.id).cloned().flatten();
    }
    // Flows, with a drawn reverse merged into the first of the pair.
    let mut seen: HashMap<(String, String), String> = HashMap::new();
    for (d, cell) in flows {
        let data = cell.get("data").cloned().unwrap_or(Value::Null);
        let name = match text(&data, "name") {
            "" => cell
                .pointer("/labels/0/attrs/label/text")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            n => n.to_string(),
        };
        let end = |k: &str| {
            cell.get(k)
                .and_then(|s| s.get("cell"))
                .and_then(Value::as_str)
                .and_then(|c| node_of.get(&format!("{d}:{c}")))
                .cloned()
        };
        let (Some(from), Some(to)) = (end("source"), end("target")) else {
            notes.push(format!(
                "flow \"{}\" not imported: one of its ends is not attached to an element",
                if name.is_empty() { "(unnamed)" } else { &name }
            ));
            continue;
        };
        if from == to {
            notes.push(format!(
                "flow \"{name}\" not imported: it loops on one element"
            ));
            continue;
        }
        if let Some(first) = seen.get(&(to.clone(), from.clone())) {
            notes.push(format!(
                "flow \"{name}\" ({} → {}) merged into \"{first}\", its request: Rampart draws one flow per exchange, in the direction of the request",
                model.element_name(&from).unwrap_or(&from),
                model.element_name(&to).unwrap_or(&to),
            ));
            continue;
        }
        if seen.contains_key(&(from.clone(), to.clone())) {
            notes.push(format!(
                "flow \"{name}\" merged into the flow drawn before it between the same elements"
            ));
            continue;
        }
        let mut flow = Flow::new(from.clone(), to.clone());
        let fid = ids.take(
            &if name.is_empty() {
                format!("{from}-to-{to}")
            } else {
                format!("{from}-{name}")
            },
            &format!("{from}-to-{to}"),
        );
        flow.id = fid;
        flow.name.clone_from(&name);
        flow.protocol = text(&data, "protocol").to_lowercase();
        flow.encryption = if flag(&data, "isEncrypted") {
            Encryption::Tls
        } else {
            Encryption::None
        };
        flow.authentication = AuthKind::None;
        let mut description = String::new();
        threats += carry_threats(&data, &mut description);
        if flag(&data, "isPublicNetwork") && model.node(&from).is_some_and(|n| n.boundary.is_none())
        {
            notes.push(format!(
                "flow \"{name}\" crosses a public network but its source is in no boundary: put it in an internet boundary",
            ));
        }
        seen.insert(
            (from, to),
            if name.is_empty() {
                flow.id.clone()
            } else {
                name.clone()
            },
        );
        if model.add_flow(flow).is_err() {
            notes.push(format!("flow \"{name}\": could not be added"));
        }
    }
    if threats > 0 {
        notes.push(format!(
            "{threats} written threat{} kept in the descriptions of their elements (Rampart finds its own; decisions on them can be recorded after the analysis)",
            if threats == 1 { "" } else { "s" }
        ));
    }
    let unauthenticated = model.flow_count();
    if unauthenticated > 0 {
        notes.push(
            "Threat Dragon records no authentication per flow: every flow is imported with authentication none; set it where the system has it".to_string(),
        );
    }
    Ok(Imported { model, notes })
}

/// Appends an element's written threats to its description; returns how many.
fn carry_threats(data: &Value, description: &mut String) -> usize {
    let Some(list) = data.get("threats").and_then(Value::as_array) else {
        return 0;
    };
    for t in list {
        let line = format!(
            "[Threat Dragon, {}{}] {}{}",
            match text(t, "status") {
                "" => "Open",
                s => s,
            },
            match text(t, "severity") {
                "" => String::new(),
                s => format!(", {s}"),
            },
            text(t, "title"),
            match text(t, "mitigation") {
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
