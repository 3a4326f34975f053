//! Microsoft Threat Modeling Tool models (`.tm7`: the tool's .NET DataContract XML) into
//! Rampart. Elements are read by their local names, whatever the namespace prefixes:
//! `DrawingSurfaceModel` per diagram, its `Borders` (stencils: processes, external
//! interactors, data stores, border boundaries) and `Lines` (data flows, line boundaries),
//! each with `GenericTypeId`, `TypeId`, `Guid`, geometry and `Properties` (a list of display
//! attributes, each a `DisplayName` with a `Value` or a `SelectedIndex` into its values);
//! `ThreatInstances` with their state and justification; `MetaInformation` for the model's
//! name, owner, reviewer and assumptions.
//!
//! Stencils map per [`STENCILS`] and [`TYPE_WORDS`]; properties per [`PROPERTIES`]. Border
//! boundaries hold the stencils whose centre lies inside (the smallest wins); line boundaries
//! are drawn lines and take their membership from geometry as Threat Dragon's curves do.

use std::collections::HashMap;

use roxmltree::{Document, Node as X};

use super::geometry::{self, Bounds};
use super::{Ids, Imported, Note, boundary_kind_from_words};
use crate::model::{
    AuthKind, Boundary, BoundaryKind, Classification, DataAsset, DataTag, Encryption, Flow, Model,
    Node, NodeKind, Pos,
};

/// `GenericTypeId` -> node kind (boundaries and flows are read apart).
pub const STENCILS: &[(&str, NodeKind)] = &[
    ("GE.P", NodeKind::Service),
    ("GE.EI", NodeKind::Actor),
    ("GE.DS", NodeKind::DataStore),
];

/// Words in a stencil's `TypeId` (e.g. `SE.P.TMCore.WebApp`, `SE.DS.TMCore.AzureKeyVault`) that
/// refine its kind; first match wins.
pub const TYPE_WORDS: &[(&[&str], NodeKind)] = &[
    (&["keyvault", "vault", "hsm", "kms"], NodeKind::SecretStore),
    (
        &["queue", "servicebus", "eventhub", "kafka"],
        NodeKind::MessageQueue,
    ),
    (
        &[
            "identity",
            "adfs",
            "azuread",
            "entra",
            "oauth",
            "authserver",
        ],
        NodeKind::IdentityProvider,
    ),
    (
        &[
            "gateway",
            "apimanagement",
            "loadbalancer",
            "proxy",
            "frontdoor",
            "firewall",
        ],
        NodeKind::Gateway,
    ),
    (
        &[
            "externalwebservice",
            "externalweb",
            "thirdparty",
            "externalsystem",
            "webservice",
            "saas",
        ],
        NodeKind::ExternalSystem,
    ),
];

/// Display attributes -> Rampart properties (documentation; the code below follows it).
pub const PROPERTIES: &[(&str, &str)] = &[
    ("Name", "name (and the id, normalised)"),
    (
        "Out Of Scope, Reason For Out Of Scope",
        "out_of_scope with the reason",
    ),
    ("Running As (Kernel, System, Administrator)", "privileged"),
    (
        "Implements or Uses an Authentication Mechanism: Yes",
        "authentication: authenticated (mechanism unknown)",
    ),
    (
        "Type: Human (external interactor)",
        "actor; Code: external system",
    ),
    (
        "Stores Credentials: Yes (data store)",
        "stores a restricted `credentials` asset",
    ),
    ("Stores Log Data: Yes", "audit_logging"),
    ("Encrypted: Yes (data store)", "encrypted_at_rest"),
    (
        "Provides Confidentiality: Yes, or an HTTPS/IPsec/SSH flow type",
        "encryption tls",
    ),
    (
        "Source Authenticated: Yes (flow)",
        "authentication (mechanism unknown)",
    ),
    (
        "Protocol, or the flow's TypeId (HTTPS, HTTP, IPsec, Binary...)",
        "protocol",
    ),
    (
        "Left, Top, Width, Height",
        "layout (the centre); boundary membership",
    ),
    (
        "ThreatInstances: Title, State, StateInformation (justification)",
        "the element's description, and a note",
    ),
];

/// Whether a text is a TMT model (its root element is `ThreatModel`).
#[must_use]
pub fn detect(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect();
    head.contains("<ThreatModel")
}

fn child<'a, 'i>(n: X<'a, 'i>, name: &str) -> Option<X<'a, 'i>> {
    n.children().find(|c| c.tag_name().name() == name)
}

fn child_text(n: X<'_, '_>, name: &str) -> String {
    child(n, name)
        .and_then(|c| c.text())
        .unwrap_or("")
        .trim()
        .to_string()
}

fn num(n: X<'_, '_>, name: &str) -> f32 {
    child_text(n, name)
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .map_or(0.0, |v| v.clamp(-1.0e6, 1.0e6) as f32)
}

/// A stencil's or line's display attributes, by display name: the value (for a list, the
/// selected entry).
fn properties(n: X<'_, '_>) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let Some(props) = child(n, "Properties") else {
        return out;
    };
    for p in props.children().filter(X::is_element) {
        let name = child_text(p, "DisplayName");
        if name.is_empty() {
            continue;
        }
        let Some(value) = child(p, "Value") else {
            continue;
        };
        let entries: Vec<String> = value
            .children()
            .filter(X::is_element)
            .filter_map(|c| c.text().map(|t| t.trim().to_string()))
            .collect();
        let v = if entries.is_empty() {
            value.text().unwrap_or("").trim().to_string()
        } else {
            let i: usize = child_text(p, "SelectedIndex").parse().unwrap_or(0);
            entries.get(i).cloned().unwrap_or_default()
        };
        out.insert(name, v);
    }
    out
}

/// The display attributes this importer reads (see [`PROPERTIES`]).
const MAPPED: &[&str] = &[
    "Name",
    "Out Of Scope",
    "Reason For Out Of Scope",
    "Running As",
    "Implements or Uses an Authentication Mechanism",
    "Stores Credentials",
    "Stores Log Data",
    "Encrypted",
    "Type",
    "Provides Confidentiality",
    "Source Authenticated",
    "Protocol",
];

/// Every set display attribute this importer does not read, as "Name: value", sorted.
fn unmapped(props: &HashMap<String, String>) -> Vec<String> {
    let mut out: Vec<String> = props
        .iter()
        .filter(|(k, v)| {
            !MAPPED.contains(&k.as_str())
                && !matches!(
                    v.as_str(),
                    "" | "Not Selected" | "Select" | "Not Applicable" | "false"
                )
        })
        .map(|(k, v)| format!("{k}: {v}"))
        .collect();
    out.sort();
    out
}

fn yes(props: &HashMap<String, String>, key: &str) -> bool {
    props
        .get(key)
        .is_some_and(|v| matches!(v.to_lowercase().as_str(), "yes" | "true"))
}

/// The `Value` elements of a `Borders` or `Lines` map (`KeyValueOfguidanyType`).
fn entries<'a, 'i>(surface: X<'a, 'i>, name: &str) -> Vec<X<'a, 'i>> {
    child(surface, name)
        .map(|m| {
            m.children()
                .filter(X::is_element)
                .filter_map(|kv| child(kv, "Value"))
                .collect()
        })
        .unwrap_or_default()
}

/// Converts a TMT model's XML.
///
/// # Errors
/// The text is not XML (with the line and column) or its root is not `ThreatModel`.
pub fn import(text: &str) -> Result<Imported, String> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: false,
        nodes_limit: 4_000_000,
        ..roxmltree::ParsingOptions::default()
    };
    let doc = Document::parse_with_options(text, opts).map_err(|e| {
        let p = e.pos();
        let message = e.to_string();
        let message = message
            .strip_suffix(&format!(" at {}:{}", p.row, p.col))
            .unwrap_or(&message)
            .to_string();
        format!("{}:{}: not valid XML: {message}", p.row, p.col)
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "ThreatModel" {
        return Err(format!(
            "1:1: not a Microsoft Threat Modeling Tool model: the root element is <{}>, not <ThreatModel>",
            root.tag_name().name()
        ));
    }
    let mut notes = Vec::new();
    let meta = child(root, "MetaInformation");
    let meta_text = |k: &str| meta.map(|m| child_text(m, k)).unwrap_or_default();
    let mut model = Model::new(match meta_text("ThreatModelName").as_str() {
        "" => "Imported from Microsoft Threat Modeling Tool".to_string(),
        n => n.to_string(),
    });
    model.description = meta_text("HighLevelSystemDescription");
    model.author = meta_text("Owner");
    model.review.reviewers = meta_text("Reviewer")
        .split([',', ';'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    model.review.assumptions = meta_text("Assumptions")
        .lines()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    let mut ids = Ids::default();
    let mut node_of: HashMap<String, String> = HashMap::new();
    let mut guids: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut node_bounds: Vec<(String, Bounds, bool)> = Vec::new();
    let mut boxes: Vec<(String, Bounds)> = Vec::new();
    let mut lines: Vec<(String, Vec<(f32, f32)>)> = Vec::new();
    let mut flows: Vec<X<'_, '_>> = Vec::new();
    let mut offset_x = 0.0f32;
    let surfaces: Vec<X<'_, '_>> = root
        .descendants()
        .filter(|n| n.tag_name().name() == "DrawingSurfaceModel")
        .collect();
    if surfaces.len() > 1 {
        notes.push(Note::info(
            "",
            format!(
                "{} diagrams were merged into one model (placed side by side)",
                surfaces.len()
            ),
        ));
    }
    for surface in surfaces {
        let mut right = 0.0f32;
        for s in entries(surface, "Borders") {
            let generic = child_text(s, "GenericTypeId");
            let type_id = child_text(s, "TypeId");
            let props = properties(s);
            let name = props.get("Name").cloned().unwrap_or_default();
            let b = Bounds {
                x: num(s, "Left") + offset_x,
                y: num(s, "Top"),
                w: num(s, "Width").max(1.0),
                h: num(s, "Height").max(1.0),
            };
            right = right.max(b.x + b.w);
            let guid = child_text(s, "Guid");
            if !guid.is_empty() && !guids.insert(guid.clone()) {
                let p = doc.text_pos_at(s.range().start);
                return Err(format!(
                    "{}:{}: two stencils share the Guid {guid}; TMT Guids are unique",
                    p.row, p.col
                ));
            }
            if generic.starts_with("GE.TB") {
                let label = if name.is_empty() {
                    "Trust boundary".to_string()
                } else {
                    name.clone()
                };
                let id = ids.take(&label, "boundary");
                model.boundaries.push(Boundary {
                    id: id.clone(),
                    name: label.clone(),
                    kind: boundary_kind_from_words(&label, &type_id)
                        .unwrap_or(BoundaryKind::InternalNetwork),
                    trust: None,
                    parent: None,
                    scope: super::boundary_scope_from_words(&label),
                    description: String::new(),
                    out_of_scope: None,
                });
                boxes.push((id, b));
                continue;
            }
            let Some(base) = STENCILS
                .iter()
                .find(|(g, _)| *g == generic)
                .map(|(_, k)| *k)
            else {
                notes.push(Note::unmapped(
                    if name.is_empty() {
                        type_id.as_str()
                    } else {
                        name.as_str()
                    },
                    format!("stencil {generic} ({type_id}) not imported"),
                ));
                continue;
            };
            let words = type_id.to_lowercase().replace(['.', '_', ' '], "");
            let refined = TYPE_WORDS
                .iter()
                .find(|(w, _)| w.iter().any(|x| words.contains(x)))
                .map(|(_, k)| *k);
            let kind = match (base, refined) {
                (NodeKind::Actor, _) if props.get("Type").is_some_and(|t| t == "Code") => {
                    NodeKind::ExternalSystem
                }
                (NodeKind::Actor, Some(NodeKind::ExternalSystem)) => NodeKind::ExternalSystem,
                (NodeKind::Actor, _) => NodeKind::Actor,
                (NodeKind::DataStore, Some(k)) if k.is_store() => k,
                (NodeKind::DataStore, _) => NodeKind::DataStore,
                (NodeKind::Service, Some(k)) if k.is_process() => k,
                (k, _) => k,
            };
            let label = if name.is_empty() {
                type_id.clone()
            } else {
                name.clone()
            };
            let id = ids.take(&label, "element");
            let mut node = Node::new(id.clone(), kind);
            node.name.clone_from(&label);
            node.technology = type_id.rsplit('.').next().unwrap_or("").to_string();
            let running = props
                .get("Running As")
                .map(|s| s.to_lowercase())
                .unwrap_or_default();
            node.privileged = ["kernel", "system", "administrator"]
                .iter()
                .any(|w| running.contains(w));
            if yes(&props, "Implements or Uses an Authentication Mechanism") {
                node.authentication.push(AuthKind::Authenticated);
            }
            node.audit_logging = yes(&props, "Stores Log Data");
            if kind.is_store() {
                node.encrypted_at_rest = yes(&props, "Encrypted");
                if yes(&props, "Stores Credentials") {
                    if model.asset("credentials").is_none() {
                        model.assets.push(DataAsset {
                            id: "credentials".into(),
                            name: "Credentials".into(),
                            classification: Classification::Restricted,
                            tags: vec![DataTag::Credentials],
                            description: "Stored by the data stores TMT marks Stores Credentials"
                                .into(),
                            integrity: None,
                            availability: None,
                        });
                    }
                    node.stores.push("credentials".into());
                }
            }
            if yes(&props, "Out Of Scope") {
                let why = props
                    .get("Reason For Out Of Scope")
                    .cloned()
                    .unwrap_or_default();
                node.out_of_scope = Some(why);
            }
            let lost = unmapped(&props);
            if !lost.is_empty() {
                notes.push(Note::unmapped(label.as_str(), lost.join(", ")));
            }
            model.layout.nodes.insert(
                id.clone(),
                Pos {
                    x: b.centre().0,
                    y: b.centre().1,
                },
            );
            node_of.insert(guid, id.clone());
            node_bounds.push((id.clone(), b, kind.is_external()));
            if model.add_node(node).is_err() {
                notes.push(Note::unmapped(label.as_str(), "could not be added"));
            }
        }
        for l in entries(surface, "Lines") {
            let generic = child_text(l, "GenericTypeId");
            if generic == "GE.DF" {
                flows.push(l);
            } else if generic.starts_with("GE.TB") {
                let props = properties(l);
                let mut pts = vec![(num(l, "SourceX") + offset_x, num(l, "SourceY"))];
                if child(l, "HandleX").is_some() {
                    pts.push((num(l, "HandleX") + offset_x, num(l, "HandleY")));
                }
                pts.push((num(l, "TargetX") + offset_x, num(l, "TargetY")));
                for p in &pts {
                    right = right.max(p.0);
                }
                lines.push((props.get("Name").cloned().unwrap_or_default(), pts));
            } else {
                notes.push(Note::unmapped("", format!("line {generic} not imported")));
            }
        }
        offset_x = right + 200.0;
    }
    geometry::box_membership(&mut model, &node_bounds, &boxes);
    let curves: Vec<(String, String, Vec<geometry::P>)> = lines
        .into_iter()
        .map(|(n, p)| (n, String::new(), p))
        .collect();
    geometry::curve_boundaries(
        &mut model,
        &mut ids,
        &mut notes,
        &curves,
        &node_bounds,
        &boxes,
    );

    // Flows.
    let mut flow_of: HashMap<String, String> = HashMap::new();
    let mut exchanges = super::Exchanges::default();
    for l in flows {
        let props = properties(l);
        let name = props.get("Name").cloned().unwrap_or_default();
        let type_id = child_text(l, "TypeId");
        let (Some(from), Some(to)) = (
            node_of.get(&child_text(l, "SourceGuid")).cloned(),
            node_of.get(&child_text(l, "TargetGuid")).cloned(),
        ) else {
            notes.push(Note::unmapped(
                if name.is_empty() {
                    "(unnamed flow)"
                } else {
                    name.as_str()
                },
                "flow not imported: one of its ends is not attached to a stencil",
            ));
            continue;
        };
        if from == to {
            notes.push(Note::unmapped(
                name.as_str(),
                "flow not imported: it loops on one stencil",
            ));
            continue;
        }
        // A response drawn against its request is merged into it, its threats with it.
        if let Some((request, note)) = exchanges.response_of(&model, &from, &to, &name) {
            notes.push(note);
            flow_of.insert(child_text(l, "Guid"), request);
            continue;
        }
        let mut flow = Flow::new(from.clone(), to.clone());
        flow.id = ids.flow(&from, &to, &name);
        flow.name.clone_from(&name);
        let kind_word = type_id.rsplit('.').next().unwrap_or("").to_lowercase();
        flow.protocol = props
            .get("Protocol")
            .filter(|p| !p.is_empty() && *p != "Not Selected")
            .map_or_else(|| kind_word.clone(), |p| p.to_lowercase());
        let encrypted = yes(&props, "Provides Confidentiality")
            || ["https", "ipsec", "ssh", "tls"]
                .iter()
                .any(|w| kind_word.contains(w));
        flow.encryption = if encrypted {
            Encryption::Tls
        } else {
            Encryption::None
        };
        if yes(&props, "Source Authenticated") {
            flow.authentication = AuthKind::Authenticated;
        }
        let lost = unmapped(&props);
        if !lost.is_empty() {
            notes.push(Note::unmapped(name.as_str(), lost.join(", ")));
        }
        flow_of.insert(child_text(l, "Guid"), flow.id.clone());
        exchanges.take(&flow);
        if model.add_flow(flow).is_err() {
            notes.push(Note::unmapped(name.as_str(), "flow could not be added"));
        }
    }

    // Threats: kept on their flow (or element) as text, with state and justification.
    let mut threats = 0usize;
    if let Some(ti) = child(root, "ThreatInstances") {
        for kv in ti.children().filter(X::is_element) {
            let Some(t) = child(kv, "Value") else {
                continue;
            };
            let mut tprops: HashMap<String, String> = HashMap::new();
            if let Some(ps) = child(t, "Properties") {
                for p in ps.children().filter(X::is_element) {
                    tprops.insert(child_text(p, "Key"), child_text(p, "Value"));
                }
            }
            let title = tprops
                .get("Title")
                .cloned()
                .unwrap_or_else(|| child_text(t, "TypeId"));
            let state = child_text(t, "State");
            let why = tprops.get("StateInformation").cloned().unwrap_or_default();
            let target = flow_of
                .get(&child_text(t, "FlowGuid"))
                .or_else(|| node_of.get(&child_text(t, "TargetGuid")))
                .cloned();
            let line = format!(
                "[TMT threat, {}{}] {title}{}",
                if state.is_empty() {
                    "NotStarted"
                } else {
                    state.as_str()
                },
                match child_text(t, "Priority").as_str() {
                    "" => String::new(),
                    p => format!(", {p}"),
                },
                if why.is_empty() {
                    String::new()
                } else {
                    format!(" — {why}")
                }
            );
            threats += 1;
            match target {
                Some(id) if model.node(&id).is_some() => {
                    if let Some(n) = model.node_mut(&id) {
                        if !n.description.is_empty() {
                            n.description.push('\n');
                        }
                        n.description.push_str(&line);
                    }
                }
                Some(id) => {
                    let flow_name = model.element_name(&id).unwrap_or(&id).to_string();
                    notes.push(Note::info(flow_name, line));
                }
                None => notes.push(Note::unmapped(
                    "",
                    format!("{line} (on no imported element)"),
                )),
            }
        }
    }
    if threats > 0 {
        notes.push(Note::info(
            "",
            format!("{threats} TMT threat{} kept on their elements (stencils' descriptions, flows' notes); Rampart finds its own", if threats == 1 { "" } else { "s" }),
        ));
    }
    Ok(Imported { model, notes })
}
