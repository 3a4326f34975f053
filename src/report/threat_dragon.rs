//! The model as an OWASP Threat Dragon v2 document, drawn where the diagram engine draws it:
//! actors, processes and stores at their boxes, trust boundaries as boxes around their members,
//! flows between them with their protocol and encryption, and each open or decided finding as
//! a threat on its first element (STRIDE category, severity, status, why it fired and how to
//! fix it) — so findings reach the teams that work in Threat Dragon.

use serde_json::{Value, json};

use super::Input;
use crate::analysis::Severity;
use crate::diagram;
use crate::model::{Encryption, NodeKind, Status};

fn shape(kind: NodeKind) -> (&'static str, &'static str) {
    match kind {
        NodeKind::Actor | NodeKind::ExternalSystem => ("actor", "tm.Actor"),
        NodeKind::DataStore
        | NodeKind::SecretStore
        | NodeKind::MessageQueue
        | NodeKind::SourceRepository
        | NodeKind::ArtifactRegistry => ("store", "tm.Store"),
        NodeKind::Service | NodeKind::Gateway | NodeKind::IdentityProvider | NodeKind::Pipeline => {
            ("process", "tm.Process")
        }
    }
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical | Severity::High => "High",
        Severity::Medium => "Medium",
        Severity::Low | Severity::Info => "Low",
    }
}

fn status(s: Status) -> &'static str {
    match s {
        Status::Open | Status::InProgress => "Open",
        Status::Mitigated | Status::Accepted => "Mitigated",
        Status::FalsePositive => "NotApplicable",
    }
}

/// The element a finding is drawn on: its first element, or for a runtime (which Threat Dragon
/// cannot draw) the first node running on it.
fn home<'a>(input: &'a Input<'_>, f: &'a crate::analysis::Finding) -> Option<&'a str> {
    let first = f.elements.first()?.as_str();
    if input.model.runtime(first).is_none() {
        return Some(first);
    }
    input.model.on_runtime(first).map(|n| n.id.as_str()).min()
}

/// The threats of one element: every finding drawn on it (see [`home`]).
fn threats(input: &Input<'_>, id: &str, number: &mut u64) -> Vec<Value> {
    input
        .analysis
        .findings
        .iter()
        .filter(|f| home(input, f) == Some(id))
        .map(|f| {
            *number += 1;
            json!({
                "title": f.rule.title,
                "type": f.rule.stride.first().map_or("", |s| s.label()),
                "status": status(f.status),
                "severity": severity(f.severity),
                "description": format!("{} [{}]", crate::text::plain(&f.message), f.id),
                "mitigation": format!("{} {}", crate::text::plain(&f.fix), crate::text::plain(f.rule.mitigation)),
                "modelType": "STRIDE",
                "number": *number,
                "score": f.severity.key(),
                "ruleId": f.rule.id,
            })
        })
        .collect()
}

/// The model as Threat Dragon v2 JSON.
///
/// # Panics
/// Never: every value here serializes.
#[must_use]
pub fn render(input: &Input<'_>) -> String {
    let m = input.model;
    let scene = diagram::scene(m, &diagram::Options::default());
    let mut cells = Vec::new();
    let mut number = 0u64;
    for (z, b) in scene.boundaries.iter().enumerate() {
        let boundary = m.boundary(&b.id);
        cells.push(json!({
            "id": b.id,
            "shape": "trust-boundary-box",
            "zIndex": -100 + i64::try_from(z).unwrap_or(0),
            "position": { "x": b.rect.x, "y": b.rect.y },
            "size": { "width": b.rect.w, "height": b.rect.h },
            "attrs": { "label": { "text": b.full_title } },
            "data": {
                "type": "tm.BoundaryBox",
                "name": boundary.map_or(b.id.as_str(), |x| if x.name.is_empty() { x.id.as_str() } else { x.name.as_str() }),
                "description": boundary.map_or("", |x| x.description.as_str()),
                "isTrustBoundary": true,
                "hasOpenThreats": false,
            },
        }));
    }
    for n in &scene.nodes {
        let Some(node) = m.node(&n.id) else { continue };
        let (shape, kind) = shape(node.kind);
        let t = threats(input, &node.id, &mut number);
        let open = t.iter().any(|x| x["status"] == "Open");
        cells.push(json!({
            "id": node.id,
            "shape": shape,
            "zIndex": 1,
            "position": { "x": n.rect.x, "y": n.rect.y },
            "size": { "width": n.rect.w, "height": n.rect.h },
            "attrs": { "text": { "text": node.label() } },
            "data": {
                "type": kind,
                "name": node.label(),
                "description": node.description,
                "providesAuthentication": node.kind == NodeKind::IdentityProvider,
                "privilegeLevel": if node.privileged { "root" } else { "" },
                "storesCredentials": node.stores.iter().any(|a| m.assets.iter().any(|x| x.id == *a && x.tags.contains(&crate::model::DataTag::Credentials))),
                "isALog": node.audit_logging,
                "outOfScope": false,
                "hasOpenThreats": open,
                "threats": t,
            },
        }));
    }
    for f in m.flows() {
        let t = threats(input, &f.id, &mut number);
        let open = t.iter().any(|x| x["status"] == "Open");
        let name = if f.name.is_empty() {
            f.id.as_str()
        } else {
            f.name.as_str()
        };
        cells.push(json!({
            "id": f.id,
            "shape": "flow",
            "zIndex": 10,
            "source": { "cell": f.from },
            "target": { "cell": f.to },
            "labels": [ { "attrs": { "label": { "text": name } }, "position": 0.5 } ],
            "data": {
                "type": "tm.Flow",
                "name": name,
                "description": f.data.join(", "),
                "protocol": f.protocol,
                "isEncrypted": f.encryption != Encryption::None,
                "isPublicNetwork": m.node(&f.from).is_some_and(|n| m.trust_of(n) <= 1),
                "isBidirectional": false,
                "hasOpenThreats": open,
                "threats": t,
            },
        }));
    }
    let doc = json!({
        "version": "2.2.0",
        "summary": {
            "title": m.name,
            "owner": m.author,
            "description": m.description,
            "id": 0,
        },
        "detail": {
            "contributors": m.review.reviewers.iter().map(|r| json!({ "name": r })).collect::<Vec<_>>(),
            "diagrams": [ {
                "id": 0,
                "title": m.name,
                "diagramType": "STRIDE",
                "placeholder": "",
                "thumbnail": "./public/content/images/thumbnail.stride.jpg",
                "version": "2.2.0",
                "cells": cells,
            } ],
            "diagramTop": 1,
            "reviewer": "",
            "threatTop": number,
        },
    });
    let mut s = serde_json::to_string_pretty(&doc).expect("JSON serializes");
    s.push('\n');
    s
}
