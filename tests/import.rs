//! `rampart import`: models from other tools, from fixtures written for these tests from the
//! published formats (tests/fixtures/import/).

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use common::rampart;
use rampart::model::{BoundaryKind, Encryption, NodeKind};

const SHOP: &str = "tests/fixtures/import/threat-dragon-shop.json";

#[test]
fn a_threat_dragon_model_becomes_a_rampart_model_with_notes_for_what_had_no_place() {
    let text = std::fs::read_to_string(SHOP).unwrap();
    let imported = rampart::interchange::import(&text, None).unwrap();
    let m = &imported.model;
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    assert_eq!(m.name, "Shop written in Threat Dragon");
    assert_eq!(m.author, "Web team");
    assert_eq!(m.review.reviewers, ["Alice Architect", "Bob Reviewer"]);
    // Kinds, from data.type and providesAuthentication.
    let kind = |id: &str| m.node(id).unwrap().kind;
    assert_eq!(kind("customer-browser"), NodeKind::Actor);
    assert_eq!(kind("web-application"), NodeKind::Service);
    assert_eq!(kind("single-sign-on"), NodeKind::IdentityProvider);
    assert_eq!(kind("orders-db"), NodeKind::DataStore);
    assert!(
        m.node("web-application").unwrap().privileged,
        "privilegeLevel root"
    );
    // Membership from geometry: the smallest box around each node's centre; boxes nest.
    let boundary = |id: &str| m.node(id).unwrap().boundary.clone();
    assert_eq!(boundary("customer-browser").as_deref(), Some("internet"));
    assert_eq!(boundary("web-application").as_deref(), Some("data-centre"));
    assert_eq!(
        boundary("orders-db").as_deref(),
        Some("restricted-database-zone")
    );
    let db_zone = m.boundary("restricted-database-zone").unwrap();
    assert_eq!(db_zone.parent.as_deref(), Some("data-centre"));
    assert_eq!(db_zone.kind, BoundaryKind::RestrictedZone);
    assert_eq!(m.boundary("internet").unwrap().kind, BoundaryKind::Internet);
    assert_eq!(
        m.boundary("data-centre").unwrap().kind,
        BoundaryKind::InternalNetwork
    );
    // Flows: the drawn response merged into its request, the dangling one left out.
    assert_eq!(m.flow_count(), 3);
    let sql = m
        .flows()
        .find(|f| f.from == "web-application" && f.to == "orders-db")
        .unwrap();
    assert_eq!(sql.encryption, Encryption::None);
    assert_eq!(sql.protocol, "sql");
    assert!(
        m.flows()
            .all(|f| !(f.from == "orders-db" && f.to == "web-application"))
    );
    let https = m.flows().find(|f| f.from == "customer-browser").unwrap();
    assert_eq!(https.encryption, Encryption::Tls);
    // Stores credentials: a credentials asset on the store.
    assert_eq!(m.node("orders-db").unwrap().stores, ["credentials"]);
    // Out of scope with its reason; written threats kept on their element.
    assert_eq!(
        m.review.out_of_scope,
        ["Legacy reports: Decommissioned in Q1"]
    );
    assert!(
        m.node("web-application")
            .unwrap()
            .description
            .contains("[Threat Dragon, Open, High] Session fixation — mitigation: Rotate on login")
    );
    // Positions carried (centres of the drawn boxes).
    let p = m.layout.nodes["customer-browser"];
    assert_eq!((p.x, p.y), (120.0, 140.0));
    // Every dropped or merged thing is said.
    let notes = imported.notes.join("\n");
    for expected in [
        "curve boundary \"Old firewall line\" not imported",
        "flow \"Order rows\" (Orders DB → Web application) merged into \"Read and write orders\"",
        "flow \"Dangling export\" not imported",
        "1 written threat kept",
        "authentication none",
    ] {
        assert!(
            notes.contains(expected),
            "missing note {expected:?} in\n{notes}"
        );
    }
    // And the analysis sees what the Threat Dragon model says: a plaintext database link.
    let a = rampart::analysis::analyze(m);
    assert!(
        a.findings
            .iter()
            .any(|f| f.id == "plaintext-datastore-connection@web-application-read-and-write-orders"),
        "{:?}",
        a.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
}

#[test]
fn the_cli_writes_a_model_that_loads_and_reports_bad_input_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop.ron");
    let (code, _, err) = rampart(&["import", SHOP, "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("note: flow \"Dangling export\" not imported"),
        "{err}"
    );
    let (code, out_text, _) = rampart(&["check", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out_text.contains("5 nodes, 3 flows, 3 boundaries"),
        "{out_text}"
    );
    // Standard output when no -o; the same model.
    let (code, text, _) = rampart(&["import", SHOP]);
    assert_eq!(code, 0);
    assert_eq!(text, std::fs::read_to_string(&out).unwrap());
    // Not JSON: file, line and column.
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{\n  \"summary\": {,\n}").unwrap();
    let (code, _, err) = rampart(&["import", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("bad.json:2:"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // JSON of another kind.
    std::fs::write(&bad, "{\"otmVersion\": \"0.2.0\"}").unwrap();
    let (code, _, err) = rampart(&["import", bad.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(err.contains("not a model format Rampart imports"), "{err}");
}

/// Export to Threat Dragon and back: the document has what Threat Dragon's v2 schema requires
/// (checked field by field here), every element survives the round trip with its kind family,
/// boundary and encryption, and every finding travels as a threat on its element.
#[test]
fn a_model_exported_to_threat_dragon_imports_back_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("shop.json");
    let (code, _, err) = rampart(&[
        "export",
        "models/ecommerce.ron",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let text = std::fs::read_to_string(&out).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    // The schema's required fields.
    for k in ["version", "summary", "detail"] {
        assert!(doc.get(k).is_some(), "{k}");
    }
    assert!(doc["summary"]["title"].is_string());
    for k in [
        "contributors",
        "diagrams",
        "diagramTop",
        "reviewer",
        "threatTop",
    ] {
        assert!(doc["detail"].get(k).is_some(), "detail.{k}");
    }
    let diagram = &doc["detail"]["diagrams"][0];
    for k in ["diagramType", "id", "thumbnail", "title", "version"] {
        assert!(diagram.get(k).is_some(), "diagram.{k}");
    }
    let cells = diagram["cells"].as_array().unwrap();
    let mut threats = 0;
    for c in cells {
        assert!(
            c["id"].is_string() && c["shape"].is_string() && c["zIndex"].is_i64(),
            "{c}"
        );
        assert!(c["data"]["type"].is_string() && c["data"]["hasOpenThreats"].is_boolean());
        if let Some(size) = c.get("size") {
            assert!(
                size["width"].as_f64().unwrap() >= 10.0 && size["height"].as_f64().unwrap() >= 10.0
            );
        }
        for t in c["data"]["threats"].as_array().into_iter().flatten() {
            for k in [
                "description",
                "mitigation",
                "severity",
                "status",
                "title",
                "type",
            ] {
                assert!(t[k].is_string(), "threat.{k}: {t}");
            }
            threats += 1;
        }
    }
    let m = rampart::model::load(std::path::Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    let a = rampart::analysis::analyze(&m);
    assert_eq!(threats, a.findings.len(), "every finding is a threat");

    // Back into Rampart.
    let imported = rampart::interchange::import(&text, None).unwrap();
    let back = &imported.model;
    assert!(back.problems().is_empty(), "{:?}", back.problems());
    assert_eq!(back.node_count(), m.node_count());
    assert_eq!(back.flow_count(), m.flow_count());
    assert_eq!(back.boundaries.len(), m.boundaries.len());
    let family = |k: NodeKind| match k {
        NodeKind::Actor | NodeKind::ExternalSystem => 0,
        NodeKind::DataStore | NodeKind::SecretStore | NodeKind::MessageQueue => 1,
        _ => 2,
    };
    let boundary_name = |model: &rampart::model::Model, n: &rampart::model::Node| {
        n.boundary
            .as_deref()
            .and_then(|b| model.boundary(b))
            .map(|b| {
                if b.name.is_empty() {
                    b.id.clone()
                } else {
                    b.name.clone()
                }
            })
    };
    for n in m.nodes() {
        let twin = back
            .nodes()
            .find(|x| x.label() == n.label())
            .unwrap_or_else(|| panic!("{} is lost", n.label()));
        assert_eq!(family(twin.kind), family(n.kind), "{}", n.label());
        assert_eq!(
            boundary_name(back, twin),
            boundary_name(&m, n),
            "{} changed boundary",
            n.label()
        );
    }
    for f in m.flows() {
        let name =
            |model: &rampart::model::Model, id: &str| model.node(id).unwrap().label().to_string();
        let twin = back
            .flows()
            .find(|x| {
                name(back, &x.from) == name(&m, &f.from) && name(back, &x.to) == name(&m, &f.to)
            })
            .unwrap_or_else(|| panic!("flow {} is lost", f.id));
        assert_eq!(
            twin.encryption == Encryption::None,
            f.encryption == Encryption::None,
            "{}",
            f.id
        );
    }
}

/// Findings for a tracker: one CSV row per finding under the documented header, read back with
/// a CSV reader (quoted commas and newlines survive), elements by name, decisions' owners.
#[test]
fn findings_export_as_csv_for_a_tracker() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("findings.csv");
    let (code, _, err) = rampart(&["export", "models/payments.ron", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let mut reader = csv::Reader::from_path(&out).unwrap();
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_string)
        .collect();
    assert_eq!(header, rampart::report::csv::COLUMNS);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let m = rampart::model::load(std::path::Path::new("models/payments.ron"))
        .unwrap()
        .model;
    let a = rampart::analysis::analyze(&m);
    assert_eq!(rows.len(), a.findings.len());
    for (row, f) in rows.iter().zip(&a.findings) {
        assert_eq!(&row[0], f.id.as_str());
        assert_eq!(&row[3], f.severity.key());
        assert_eq!(&row[4], f.status.key());
        let first = m.element_name(&f.elements[0]).unwrap_or(&f.elements[0]);
        assert!(row[5].starts_with(first), "{} {}", &row[5], first);
        if let Some(d) = &f.decision {
            assert_eq!(&row[9], d.owner.as_str());
            assert_eq!(&row[10], d.justification.as_str());
        }
        assert!(!row[6].contains('`'));
    }
    // --to overrides the extension.
    let json = dir.path().join("findings.txt");
    let (code, _, _) = rampart(&[
        "export",
        "models/payments.ron",
        "-o",
        json.to_str().unwrap(),
        "--to",
        "csv",
    ]);
    assert_eq!(code, 0);
    assert!(
        std::fs::read_to_string(&json)
            .unwrap()
            .starts_with("id,rule,title")
    );
}
