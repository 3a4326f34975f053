//! The model as an Open Threat Model 0.2 document (JSON): boundaries as trust zones (trust
//! 0-10 as a rating 0-100), nodes as components, flows as dataflows, data assets as assets,
//! and every finding as a threat on its first element with its state from the decisions and
//! the rule's fix as a mitigation. OTM has no fields for most of Rampart's security properties
//! (encryption, authentication, grants, secrets, endpoints...), so each element also carries
//! them as `rampart:PROPERTY` attributes, which `rampart import` reads back: export then import
//! gives the same model. Tools that drop attributes keep what OTM itself holds.

use serde_json::{Map, Value, json};

use super::Input;
use crate::analysis::Severity;
use crate::diagram;
use crate::interchange::otm::{DIAGRAM, PREFIX, STATES, UNZONED};
use crate::model::{Classification, Status};

/// Confidentiality rating (0-100) per classification, as written (import reads ratings back
/// by the same bands).
#[must_use]
pub fn confidentiality(c: Classification) -> u8 {
    match c {
        Classification::Public => 10,
        Classification::Internal => 40,
        Classification::Confidential => 70,
        Classification::Restricted => 100,
    }
}

fn state(s: Status) -> &'static str {
    STATES
        .iter()
        .find(|(k, _)| *k == s)
        .map_or("exposed", |(_, v)| v)
}

/// An integrity or availability rating as 0-100 (import reads it back by the same bands).
fn rating(r: crate::model::Rating) -> u8 {
    match r {
        crate::model::Rating::Low => 10,
        crate::model::Rating::Medium => 40,
        crate::model::Rating::High => 70,
        crate::model::Rating::Critical => 100,
    }
}

fn impact(s: Severity) -> u8 {
    match s {
        Severity::Critical => 100,
        Severity::High => 75,
        Severity::Medium => 50,
        Severity::Low => 25,
        Severity::Info => 0,
    }
}

/// The properties of an element that OTM has no field for, as `rampart:` attributes: strings as
/// they are, everything else as compact JSON.
fn attributes(value: &Value, native: &[&str]) -> Map<String, Value> {
    let mut out = Map::new();
    if let Value::Object(fields) = value {
        for (k, v) in fields {
            if native.contains(&k.as_str()) {
                continue;
            }
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out.insert(format!("{PREFIX}{k}"), Value::String(text));
        }
    }
    out
}

fn position(x: f32, y: f32, w: f32, h: f32, id: &str) -> Value {
    json!({
        "representation": DIAGRAM,
        "id": format!("{id}-shape"),
        "position": { "x": x, "y": y },
        "size": { "width": w, "height": h },
    })
}

/// The model as OTM 0.2 JSON.
///
/// # Panics
/// Never: every value here serializes.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let m = input.model;
    let scene = diagram::scene(m, &diagram::Options::default());
    let file = m.to_file();
    let threat_instances = |id: &str| -> Vec<Value> {
        input
            .analysis
            .findings
            .iter()
            .filter(|f| f.elements.first().map(String::as_str) == Some(id))
            .map(|f| {
                json!({
                    "threat": f.id,
                    "state": state(f.status),
                    "mitigations": [ {
                        "mitigation": format!("fix:{}", f.rule.id),
                        "state": if f.status == Status::Mitigated { "implemented" } else { "required" },
                    } ],
                })
            })
            .collect()
    };

    let mut zones = Vec::new();
    for b in &file.boundaries {
        let mut attrs = attributes(
            &serde_json::to_value(b).unwrap_or(Value::Null),
            &["id", "name", "description", "parent"],
        );
        attrs.insert(format!("{PREFIX}kind"), Value::String(b.kind.key().into()));
        let mut zone = json!({
            "id": b.id,
            "name": if b.name.is_empty() { &b.id } else { &b.name },
            "type": b.kind.key(),
            "description": b.description,
            "risk": { "trustRating": u32::from(b.trust_level()) * 10 },
            "attributes": attrs,
        });
        if let Some(p) = &b.parent {
            zone["parent"] = json!({ "trustZone": p });
        }
        if let Some(r) = scene.boundaries.iter().find(|x| x.id == b.id) {
            zone["representations"] =
                json!([position(r.rect.x, r.rect.y, r.rect.w, r.rect.h, &b.id)]);
        }
        zones.push(zone);
    }
    if m.nodes().any(|n| n.boundary.is_none()) {
        zones.push(json!({
            "id": UNZONED,
            "name": "No boundary",
            "type": "none",
            "description": "Nodes the Rampart model places in no trust boundary (OTM needs a parent for every component).",
            "risk": { "trustRating": 0 },
            "attributes": { format!("{PREFIX}synthetic"): "true" },
        }));
    }

    let mut components = Vec::new();
    for n in m.nodes() {
        let mut attrs = attributes(
            &serde_json::to_value(n).unwrap_or(Value::Null),
            &["id", "name", "kind", "boundary", "description", "stores"],
        );
        let processed: Vec<&String> = {
            let mut d: Vec<&String> = m
                .flows()
                .filter(|f| f.from == n.id || f.to == n.id)
                .flat_map(|f| f.data.iter())
                .collect();
            d.sort();
            d.dedup();
            d
        };
        let mut c = json!({
            "id": n.id,
            "name": n.label(),
            "type": n.kind.key(),
            "description": n.description,
            "parent": { "trustZone": n.boundary.as_deref().unwrap_or(UNZONED) },
            "assets": { "processed": processed, "stored": n.stores },
            "threats": threat_instances(&n.id),
            "tags": if n.technology.is_empty() { vec![] } else { vec![n.technology.clone()] },
        });
        if let Some(r) = scene.node(&n.id) {
            if !m.layout.nodes.contains_key(&n.id) {
                attrs.insert(format!("{PREFIX}placed"), Value::String("false".into()));
            }
            c["representations"] = json!([position(r.rect.x, r.rect.y, r.rect.w, r.rect.h, &n.id)]);
        }
        c["attributes"] = Value::Object(attrs);
        components.push(c);
    }

    let mut dataflows = Vec::new();
    for f in m.flows() {
        let attrs = attributes(
            &serde_json::to_value(f).unwrap_or(Value::Null),
            &["id", "from", "to", "name", "data"],
        );
        let id = f.id.clone();
        let mut tags: Vec<String> = Vec::new();
        if !f.protocol.is_empty() {
            tags.push(f.protocol.clone());
        }
        if f.encryption != crate::model::Encryption::None {
            tags.push(f.encryption.key().to_string());
        }
        dataflows.push(json!({
            "id": id,
            "name": if f.name.is_empty() { format!("{} to {}", f.from, f.to) } else { f.name.clone() },
            "description": "",
            "bidirectional": false,
            "source": f.from,
            "destination": f.to,
            "assets": f.data,
            "threats": threat_instances(&id),
            "tags": tags,
            "attributes": attrs,
        }));
    }
    // Findings whose first element is a boundary or an asset travel on no element; OTM keeps
    // them in the root threats all the same.

    let assets: Vec<Value> = file
        .assets
        .iter()
        .map(|a| {
            json!({
                "id": a.id,
                "name": if a.name.is_empty() { &a.id } else { &a.name },
                "description": a.description,
                "risk": {
                    "confidentiality": confidentiality(a.classification),
                    "integrity": a.integrity.map_or(50, rating),
                    "availability": a.availability.map_or(50, rating),
                    "comment": if a.integrity.is_none() || a.availability.is_none() {
                        "Integrity or availability not rated in Rampart: written as 50."
                    } else {
                        ""
                    },
                },
                "attributes": attributes(&serde_json::to_value(a).unwrap_or(Value::Null), &["id", "name", "description"]),
            })
        })
        .collect();

    let mut threats = Vec::new();
    let mut rules = Vec::new();
    for f in &input.analysis.findings {
        threats.push(json!({
            "id": f.id,
            "name": f.rule.title,
            "description": crate::text::plain(&f.message),
            "categories": f.rule.stride.iter().map(|s| s.label()).collect::<Vec<_>>(),
            "cwes": [],
            "risk": {
                "likelihood": null,
                "impact": impact(f.severity),
                "impactComment": format!("Rampart severity {}", f.severity.key()),
            },
            "tags": [f.rule.id, f.severity.key()],
            "attributes": {
                format!("{PREFIX}rule"): f.rule.id,
                format!("{PREFIX}severity"): f.severity.key(),
                format!("{PREFIX}elements"): f.elements.join(" "),
                format!("{PREFIX}fix"): crate::text::plain(&f.fix),
            },
        }));
        if !rules.contains(&f.rule.id) {
            rules.push(f.rule.id);
        }
    }
    let mitigations: Vec<Value> = rules
        .iter()
        .filter_map(|r| crate::analysis::rule(r))
        .map(|r| {
            json!({
                "id": format!("fix:{}", r.id),
                "name": format!("Fix: {}", r.title),
                "description": crate::text::plain(r.mitigation),
                "riskReduction": 75,
            })
        })
        .collect();

    let mut project_attrs = Map::new();
    for (key, value) in [
        ("review", serde_json::to_value(&file.review)),
        ("frameworks", serde_json::to_value(&file.frameworks)),
        ("decisions", serde_json::to_value(&file.decisions)),
        ("runtimes", serde_json::to_value(&file.runtimes)),
        (
            "boundary_layout",
            serde_json::to_value(&file.layout.boundaries),
        ),
    ] {
        match value {
            Ok(Value::Array(a)) if a.is_empty() => {}
            Ok(Value::Object(o)) if o.is_empty() => {}
            Ok(v) => {
                project_attrs.insert(format!("{PREFIX}{key}"), Value::String(v.to_string()));
            }
            Err(_) => {}
        }
    }
    let project_id = match crate::model::id_from_name(&m.name) {
        id if id.is_empty() => "rampart-model".to_string(),
        id => id,
    };
    let doc = json!({
        "otmVersion": "0.2.0",
        "project": {
            "name": m.name,
            "id": project_id,
            "description": m.description,
            "owner": m.author,
            "attributes": project_attrs,
        },
        "representations": [ {
            "name": "Rampart diagram",
            "id": DIAGRAM,
            "type": "diagram",
            "size": { "width": scene.bounds.w.round(), "height": scene.bounds.h.round() },
        } ],
        "assets": assets,
        "trustZones": zones,
        "components": components,
        "dataflows": dataflows,
        "threats": threats,
        "mitigations": mitigations,
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON serializes");
    s.push('\n');
    s
}
