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
        m.out_of_scope_elements(),
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
    let notes: Vec<String> = imported.notes.iter().map(ToString::to_string).collect();
    let notes = notes.join("\n");
    for expected in [
        "Old firewall line: curve boundary: membership from its line",
        "Order rows: flow (Orders DB → Web application) merged into \"Read and write orders\"",
        "Dangling export: flow not imported",
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
        err.contains("not mapped: Dangling export: flow not imported"),
        "{err}"
    );
    let (code, out_text, _) = rampart(&["check", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(
        out_text.contains("5 nodes, 3 flows, 4 boundaries"),
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
    // Threat Dragon's three shapes: actors, stores (repositories and registries among them),
    // processes.
    let family = |k: NodeKind| match k {
        NodeKind::Actor | NodeKind::ExternalSystem => 0,
        k if k.is_store() => 1,
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

const THREAGILE: &str = "tests/fixtures/import/threagile-webshop.yaml";
const OTM: &str = "tests/fixtures/import/otm-clinic.yaml";
const TM7: &str = "tests/fixtures/import/tm7-payroll.tm7";

fn import_file(path: &str) -> rampart::interchange::Imported {
    let (imported, _) =
        rampart::interchange::import_file(std::path::Path::new(path), None).unwrap();
    assert!(
        imported.model.problems().is_empty(),
        "{:?}",
        imported.model.problems()
    );
    imported
}

fn notes_of(imported: &rampart::interchange::Imported) -> String {
    imported
        .notes
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every mapped Threagile field lands where the README's table says, includes are followed,
/// and what has no place (CIA ratings, runtimes, vpn...) is named per element.
#[test]
fn a_threagile_model_with_includes_maps_every_field() {
    use rampart::model::{Access, AuthKind, Authorization, Classification, DataTag, Status};
    let imported = import_file(THREAGILE);
    let m = &imported.model;
    assert_eq!(m.name, "Webshop in Threagile");
    assert_eq!(m.author, "Platform Security");
    assert!(m.description.starts_with("Customer-facing shop"));
    // Data assets: Threagile's five confidentiality levels onto four; tags from the tags.
    let asset = |id: &str| m.asset(id).unwrap();
    assert_eq!(
        asset("customer-accounts").classification,
        Classification::Restricted
    );
    assert_eq!(asset("customer-accounts").tags, [DataTag::Credentials]);
    assert_eq!(
        asset("customer-orders").classification,
        Classification::Restricted
    );
    assert_eq!(asset("customer-orders").tags, [DataTag::Pii]);
    assert_eq!(
        asset("product-catalogue").classification,
        Classification::Public
    );
    // Technical assets, including the two from the included file.
    let mut kinds: Vec<(String, NodeKind)> = m.nodes().map(|n| (n.id.clone(), n.kind)).collect();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            ("customer-browser".to_string(), NodeKind::Actor),
            ("customer-db".to_string(), NodeKind::DataStore),
            ("legacy-reporting".to_string(), NodeKind::Service),
            ("order-service".to_string(), NodeKind::Service),
            ("payment-provider".to_string(), NodeKind::ExternalSystem),
            ("shop-idp".to_string(), NodeKind::IdentityProvider),
            ("shop-lb".to_string(), NodeKind::Gateway),
        ]
    );
    let node = |id: &str| m.node(id).unwrap();
    assert!(node("shop-lb").internet_facing);
    assert!(node("customer-db").encrypted_at_rest);
    assert_eq!(
        node("customer-db").stores,
        ["customer-orders", "customer-accounts"]
    );
    assert_eq!(node("order-service").technology, "web-service-rest");
    // Boundaries: kinds from type (and name), membership, nesting; internet entities in an
    // Internet boundary the import makes.
    let boundary = |id: &str| node(id).boundary.clone().unwrap_or_default();
    assert_eq!(boundary("customer-browser"), "internet");
    assert_eq!(boundary("payment-provider"), "internet");
    assert_eq!(boundary("shop-lb"), "shop-cloud");
    assert_eq!(boundary("order-service"), "app-namespace");
    assert_eq!(boundary("customer-db"), "db-zone");
    let b = |id: &str| m.boundary(id).unwrap();
    assert_eq!(b("shop-cloud").kind, BoundaryKind::CloudAccount);
    assert_eq!(b("app-namespace").kind, BoundaryKind::ClusterNamespace);
    assert_eq!(b("app-namespace").parent.as_deref(), Some("shop-cloud"));
    assert_eq!(
        b("db-zone").kind,
        BoundaryKind::RestrictedZone,
        "named Restricted"
    );
    assert_eq!(b("db-zone").parent.as_deref(), Some("app-namespace"));
    assert_eq!(b("internet").kind, BoundaryKind::Internet);
    // Links: protocol to encryption, authentication, authorization onto the target, data both
    // ways, readonly to read access.
    let flow = |from: &str, to: &str| m.flows().find(|f| f.from == from && f.to == to).unwrap();
    let visit = flow("customer-browser", "shop-lb");
    assert_eq!(
        (visit.encryption, visit.authentication, visit.access),
        (Encryption::Tls, AuthKind::Session, Access::Write)
    );
    assert_eq!(
        visit.data,
        ["customer-orders", "customer-accounts", "product-catalogue"]
    );
    let lb = flow("shop-lb", "order-service");
    assert_eq!(
        (lb.encryption, lb.protocol.as_str()),
        (Encryption::None, "http")
    );
    let db = flow("order-service", "customer-db");
    assert_eq!(
        (db.encryption, db.protocol.as_str(), db.authentication),
        (Encryption::Tls, "jdbc", AuthKind::Basic),
        "jdbc-encrypted is TLS; credentials a password"
    );
    let idp = flow("order-service", "shop-idp");
    assert_eq!(
        (idp.encryption, idp.authentication, idp.access),
        (Encryption::Mtls, AuthKind::Mtls, Access::Read)
    );
    assert_eq!(
        flow("payment-provider", "order-service").authentication,
        AuthKind::Bearer
    );
    assert_eq!(node("shop-lb").authorization, Authorization::EndUser);
    assert_eq!(
        node("order-service").authorization,
        Authorization::TechnicalUser
    );
    // Out of scope with its reason.
    assert_eq!(
        m.out_of_scope_elements(),
        [
            "Customer Browser: Owned by customers",
            "Legacy Reporting: Decommissioned next quarter"
        ]
    );
    // CIA: Threagile's five criticality levels onto Rampart's ratings.
    assert_eq!(
        (
            asset("customer-accounts").integrity,
            asset("customer-accounts").availability
        ),
        (
            Some(rampart::model::Rating::Critical),
            Some(rampart::model::Rating::High)
        )
    );
    // Network controls and the per-link authorization travel on the flow.
    assert_eq!(db.controls, [rampart::model::NetworkControl::IpAllowlist]);
    assert_eq!(db.authorization, Some(Authorization::TechnicalUser));
    assert_eq!(visit.authorization, Some(Authorization::EndUser));
    // People: signed in without MFA (no link of theirs says two-factor).
    assert_eq!(
        node("customer-browser").users,
        rampart::model::HumanUsers::NoMfa
    );
    // Risk tracking through the crosswalk: decisions on exactly the findings each tracked
    // risk matches (the link's flow for a link risk, the asset else), nothing wider.
    let lb_flow = &lb.id;
    let decisions: Vec<(String, Status, String)> = m
        .decisions
        .iter()
        .map(|d| (d.finding.clone(), d.status, d.owner.clone()))
        .collect();
    assert_eq!(
        decisions,
        [
            (
                "missing-vault@order-service".to_string(),
                Status::InProgress,
                "Bob Builder".to_string()
            ),
            (
                format!("unencrypted-cross-boundary-flow@{lb_flow}"),
                Status::Accepted,
                "Alice Architect".to_string()
            ),
        ]
    );
    // The decisions really apply: the accepted plaintext link is not open.
    let a = rampart::analysis::analyze(m);
    let lb_findings: Vec<_> = a
        .findings
        .iter()
        .filter(|f| f.elements.contains(lb_flow))
        .filter(|f| f.rule.id.starts_with("unencrypted"))
        .collect();
    assert!(!lb_findings.is_empty());
    assert!(lb_findings.iter().all(|f| f.status == Status::Accepted));
    // What had no place, per element.
    let notes = notes_of(&imported);
    for expected in [
        "Customer Accounts: data asset: usage \"business\", origin \"Customers\"",
        "xml-external-entity@order-service: tracked risk (mitigated) not carried over",
        "Shop Load Balancer: machine virtual",
    ] {
        assert!(notes.contains(expected), "missing {expected:?} in\n{notes}");
    }
    // The header lists the same, so the file says what it lost.
    assert!(
        m.header
            .starts_with("// Imported from Threagile (threagile-webshop.yaml)")
    );
    assert!(
        m.header
            .contains("//   - Shop Load Balancer: machine virtual")
    );
    // The shared runtime is a runtime, a container cluster from its assets' machine, with the
    // two assets on it.
    let cluster = m.runtime("app-cluster").expect("the shared runtime");
    assert_eq!(
        (cluster.name.as_str(), cluster.kind),
        ("App Cluster", rampart::model::RuntimeKind::Cluster)
    );
    let mut on: Vec<&str> = m
        .nodes()
        .filter(|n| n.runtime.as_deref() == Some("app-cluster"))
        .map(|n| n.id.as_str())
        .collect();
    on.sort_unstable();
    assert_eq!(on, ["order-service", "shop-idp"]);
}

/// Stable ids: importing twice gives the same text.
#[test]
fn imports_are_deterministic() {
    for f in [THREAGILE, OTM, TM7, SHOP] {
        let a = rampart::model::to_text(&import_file(f).model);
        let b = rampart::model::to_text(&import_file(f).model);
        assert_eq!(a, b, "{f}");
    }
}

#[test]
fn an_otm_model_from_another_tool_maps_zones_components_and_flows() {
    use rampart::model::{AuthKind, Classification, DataTag};
    let imported = import_file(OTM);
    let m = &imported.model;
    assert_eq!(m.name, "Clinic booking (OTM)");
    assert_eq!(m.author, "Clinic IT");
    // Readable ids: from names where the source's ids are GUIDs.
    assert_eq!(
        m.boundaries
            .iter()
            .map(|b| b.id.as_str())
            .collect::<Vec<_>>(),
        ["internet", "clinic-vpc", "records-zone"]
    );
    let b = |id: &str| m.boundary(id).unwrap();
    assert_eq!(b("internet").kind, BoundaryKind::Internet);
    assert_eq!(b("internet").trust_level(), 0);
    assert_eq!(b("clinic-vpc").trust_level(), 6);
    assert_eq!(b("records-zone").kind, BoundaryKind::RestrictedZone);
    assert_eq!(b("records-zone").trust_level(), 9);
    assert_eq!(b("records-zone").parent.as_deref(), Some("clinic-vpc"));
    let kind = |id: &str| m.node(id).unwrap().kind;
    assert_eq!(kind("patient"), NodeKind::Actor);
    assert_eq!(kind("booking-api"), NodeKind::Service);
    assert_eq!(kind("records-db"), NodeKind::DataStore);
    assert_eq!(kind("booking-queue"), NodeKind::MessageQueue);
    assert_eq!(
        m.node("booking-worker").unwrap().boundary.as_deref(),
        Some("clinic-vpc"),
        "a component inside a component takes its zone"
    );
    assert_eq!(m.node("records-db").unwrap().technology, "postgresql");
    let records = m.asset("patient-records").unwrap();
    assert_eq!(
        (records.integrity, records.availability),
        (
            Some(rampart::model::Rating::Critical),
            Some(rampart::model::Rating::High)
        )
    );
    assert_eq!(records.classification, Classification::Restricted);
    assert_eq!(records.tags, [DataTag::Phi]);
    assert_eq!(
        m.asset("appointment-slots").unwrap().classification,
        Classification::Public
    );
    assert_eq!(
        m.node("records-db").unwrap().stores,
        ["patient-records", "appointment-slots"]
    );
    let flow = |id: &str| m.flow(id).unwrap();
    assert_eq!(flow("df-1").encryption, Encryption::Tls);
    assert_eq!(flow("df-1").authentication, AuthKind::Oauth2);
    assert_eq!(flow("df-1").data, ["appointment-slots"]);
    assert_eq!(flow("df-2").encryption, Encryption::None);
    assert_eq!(flow("df-2").protocol, "jdbc");
    assert_eq!(flow("df-3").encryption, Encryption::Tls);
    let p = m.layout.nodes["patient"];
    assert_eq!((p.x, p.y), (90.0, 130.0), "centre of the drawn box");
    assert!(
        m.node("booking-api")
            .unwrap()
            .description
            .contains("[OTM threat, exposed] Patient impersonation — mitigations: Require strong authentication (required)")
    );
    let notes = notes_of(&imported);
    assert!(
        !notes.contains("Store records: 1 threat"),
        "a flow's threats are notes, not a count: {notes}"
    );
    for expected in [
        "Booking worker: inside component \"booking-api\"",
        "Store records: [OTM threat, mitigated] Patient impersonation",
        "Store records: OTM records no encryption or authentication",
    ] {
        assert!(notes.contains(expected), "missing {expected:?} in\n{notes}");
    }
    // And the analysis sees the PHI written to its store over a plaintext link.
    let a = rampart::analysis::analyze(m);
    assert!(
        a.findings
            .iter()
            .any(|f| f.id == "plaintext-datastore-connection@df-2"),
        "{:?}",
        a.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
}

#[test]
fn a_tm7_model_maps_stencils_boundaries_flows_and_threats() {
    use rampart::model::AuthKind;
    let imported = import_file(TM7);
    let m = &imported.model;
    assert_eq!(m.name, "Payroll (TMT)");
    assert_eq!(m.author, "HR Systems");
    assert_eq!(m.review.reviewers, ["Carol Reviewer", "Dan Auditor"]);
    assert_eq!(
        m.review.assumptions,
        [
            "The HR clerk uses a managed laptop.",
            "Payroll runs monthly."
        ]
    );
    let node = |id: &str| m.node(id).unwrap();
    assert_eq!(node("hr-clerk").kind, NodeKind::Actor);
    assert_eq!(node("payroll-web-app").kind, NodeKind::Service);
    assert!(
        node("payroll-web-app").privileged,
        "Running As Administrator"
    );
    assert_eq!(
        node("payroll-web-app").authentication,
        [AuthKind::Authenticated]
    );
    assert_eq!(node("payroll-db").kind, NodeKind::DataStore);
    assert!(node("payroll-db").encrypted_at_rest);
    assert_eq!(node("payroll-db").stores, ["credentials"]);
    assert_eq!(node("key-vault").kind, NodeKind::SecretStore);
    assert_eq!(node("bank-api").kind, NodeKind::ExternalSystem);
    assert_eq!(m.out_of_scope_elements(), ["Bank API: Run by the bank"]);
    // Border boundary by geometry; the line boundary holds the clerk's side.
    let boundary = |id: &str| node(id).boundary.clone().unwrap_or_default();
    assert_eq!(boundary("payroll-web-app"), "corporate-network");
    assert_eq!(boundary("payroll-db"), "corporate-network");
    assert_eq!(boundary("hr-clerk"), "internet-boundary");
    assert_eq!(
        boundary("bank-api"),
        "",
        "below the corporate box, right of the line"
    );
    assert_eq!(
        m.boundary("internet-boundary").unwrap().kind,
        BoundaryKind::Internet
    );
    let flow = |from: &str, to: &str| m.flows().find(|f| f.from == from && f.to == to).unwrap();
    let submit = flow("hr-clerk", "payroll-web-app");
    assert_eq!(
        (
            submit.encryption,
            submit.authentication,
            submit.protocol.as_str()
        ),
        (Encryption::Tls, AuthKind::Authenticated, "https")
    );
    assert_eq!(
        m.flow_count(),
        4,
        "the drawn response is merged into its request"
    );
    assert!(m.flows().all(|f| f.from != "payroll-db"));
    let rows = flow("payroll-web-app", "payroll-db");
    assert_eq!(
        (rows.encryption, rows.protocol.as_str()),
        (Encryption::None, "binary")
    );
    assert_eq!(
        flow("payroll-web-app", "bank-api").encryption,
        Encryption::None
    );
    let p = m.layout.nodes["payroll-db"];
    assert_eq!((p.x, p.y), (760.0, 220.0));
    let notes = notes_of(&imported);
    for expected in [
        "Payroll rows: [TMT threat, NeedsInvestigation, High] Payroll rows tampered in transit",
        "Submit timesheet: [TMT threat, Mitigated, Medium] Timesheet replay — Nonces on every form",
        "Payroll Web App: Sanitizes Input: Yes",
        "Submit timesheet: Provides Integrity: Yes",
        "Payroll rows returned: flow (Payroll DB → Payroll Web App) merged into \"Payroll rows\", its request",
    ] {
        assert!(notes.contains(expected), "missing {expected:?} in\n{notes}");
    }
    let a = rampart::analysis::analyze(m);
    assert!(
        a.findings
            .iter()
            .any(|f| f.rule.id == "plaintext-datastore-connection"),
        "{:?}",
        a.findings.iter().map(|f| &f.id).collect::<Vec<_>>()
    );
}

/// A curve that closes on itself holds what it encloses; an open one splits the canvas.
#[test]
fn threat_dragon_curves_take_membership_from_geometry() {
    let cell = |id: &str, shape: &str, name: &str, x: f32, y: f32| {
        serde_json::json!({"id": id, "shape": shape, "position": {"x": x, "y": y},
            "size": {"width": 80, "height": 60}, "data": {"type": "", "name": name}})
    };
    let doc = serde_json::json!({
        "summary": {"title": "Curves"},
        "detail": {"diagrams": [{"cells": [
            cell("a", "actor", "User", 0.0, 100.0),
            cell("s", "process", "Api", 300.0, 100.0),
            cell("d", "store", "Db", 600.0, 100.0),
            // A closed loop around the store.
            {"id": "loop", "shape": "trust-boundary-curve", "source": {"x": 550, "y": 50},
             "vertices": [{"x": 750, "y": 50}, {"x": 750, "y": 250}, {"x": 550, "y": 250}],
             "target": {"x": 552, "y": 60}, "data": {"name": "Database enclave"}},
            // An open, bent line between the user and the rest.
            {"id": "line", "shape": "trust-boundary-curve", "source": {"x": 200, "y": -100},
             "vertices": [{"x": 180, "y": 130}], "target": {"x": 210, "y": 400},
             "data": {"name": "Company"}},
        ]}]}
    });
    let imported = rampart::interchange::import(
        &doc.to_string(),
        Some(rampart::interchange::Format::ThreatDragon),
    )
    .unwrap();
    let m = &imported.model;
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    let boundary = |id: &str| m.node(id).unwrap().boundary.clone().unwrap_or_default();
    assert_eq!(boundary("db"), "database-enclave");
    assert_eq!(boundary("api"), "company");
    assert_eq!(boundary("user"), "");
    assert_eq!(
        m.boundary("database-enclave").unwrap().parent.as_deref(),
        Some("company"),
        "the enclave's side lies within the company's"
    );
}

/// Threat Dragon v1 (cells under diagramJson, properties on the cell, ends by id).
#[test]
fn threat_dragon_v1_imports() {
    let doc = serde_json::json!({
        "summary": {"title": "Old model", "owner": "Ops"},
        "detail": {"contributors": [], "diagrams": [{"title": "Main", "diagramJson": {"cells": [
            {"type": "tm.Actor", "id": "u", "position": {"x": 0, "y": 0}, "size": {"width": 100, "height": 100},
             "attrs": {"text": {"text": "Browser"}}},
            {"type": "tm.Process", "id": "p", "position": {"x": 300, "y": 0}, "size": {"width": 100, "height": 100},
             "attrs": {"text": {"text": "Web app"}}, "privilegeLevel": "root",
             "threats": [{"title": "XSS", "status": "Open", "severity": "High"}]},
            {"type": "tm.Store", "id": "s", "position": {"x": 600, "y": 0}, "size": {"width": 100, "height": 100},
             "attrs": {"text": {"text": "Sessions"}}, "isEncrypted": true, "storesCredentials": true},
            {"type": "tm.Flow", "id": "f1", "source": {"id": "u"}, "target": {"id": "p"},
             "labels": [{"attrs": {"text": {"text": "HTTPS"}}}], "isEncrypted": true, "protocol": "HTTPS"},
            {"type": "tm.Flow", "id": "f2", "source": {"id": "p"}, "target": {"id": "s"},
             "labels": [{"attrs": {"text": {"text": "Read sessions"}}}]},
        ]}}]}
    });
    let imported = rampart::interchange::import(&doc.to_string(), None).unwrap();
    let m = &imported.model;
    assert!(m.problems().is_empty(), "{:?}", m.problems());
    assert_eq!(m.node("browser").unwrap().kind, NodeKind::Actor);
    assert!(m.node("web-app").unwrap().privileged);
    assert!(
        m.node("web-app")
            .unwrap()
            .description
            .contains("[Threat Dragon, Open, High] XSS")
    );
    assert!(m.node("sessions").unwrap().encrypted_at_rest);
    assert_eq!(m.node("sessions").unwrap().stores, ["credentials"]);
    let f = m.flows().find(|f| f.from == "browser").unwrap();
    assert_eq!(
        (f.encryption, f.protocol.as_str(), f.name.as_str()),
        (Encryption::Tls, "https", "HTTPS")
    );
    assert_eq!(m.flow_count(), 2);
}

/// OTM out and back: the document validates against the published OTM 0.2.0 schema, carries
/// every finding as a threat with its state, and imports back to the same model.
#[test]
fn a_model_exported_to_otm_validates_and_imports_back_the_same() {
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string("tests/data/otm-0.2.0.schema.json").unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "models/ecommerce.ron",
        "models/healthcare.ron",
        "models/payments.ron",
    ] {
        let out = dir.path().join("model.otm");
        let (code, _, err) = rampart(&["export", file, "-o", out.to_str().unwrap()]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("Open Threat Model"), "{err}");
        let doc: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
        let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
        let original = rampart::model::load(std::path::Path::new(file))
            .unwrap()
            .model;
        let analysis = rampart::analysis::analyze(&original);
        // Every finding is a root threat, and an instance on its first element with its state.
        let threats = doc["threats"].as_array().unwrap();
        assert_eq!(threats.len(), analysis.findings.len());
        for f in &analysis.findings {
            let on = doc["components"]
                .as_array()
                .unwrap()
                .iter()
                .chain(doc["dataflows"].as_array().unwrap())
                .find(|c| c["id"] == f.elements[0].as_str());
            if let Some(element) = on {
                let instance = element["threats"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|t| t["threat"] == f.id.as_str())
                    .unwrap_or_else(|| panic!("{}: no instance", f.id));
                let expected = match f.status {
                    rampart::model::Status::Open => "exposed",
                    rampart::model::Status::Accepted => "accepted",
                    rampart::model::Status::Mitigated => "mitigated",
                    rampart::model::Status::InProgress => "in-progress",
                    rampart::model::Status::FalsePositive => "not-applicable",
                };
                assert_eq!(instance["state"], expected, "{}", f.id);
            }
        }
        // Back in: the same model (the canonical texts agree, header aside).
        let back = dir.path().join("back.ron");
        let (code, _, err) = rampart(&[
            "import",
            out.to_str().unwrap(),
            "-o",
            back.to_str().unwrap(),
        ]);
        assert_eq!(code, 0, "{err}");
        assert!(err.contains("0 not mapped"), "{err}");
        let mut again = rampart::model::load(&back).unwrap().model;
        again.header.clone_from(&original.header);
        assert_eq!(
            rampart::model::to_text(&again),
            rampart::model::to_text(&original),
            "{file}"
        );
    }
}

#[test]
fn strict_refuses_what_did_not_map_and_bad_input_names_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x.ron");
    let (code, _, err) = rampart(&["import", THREAGILE, "--strict", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 2);
    let unmapped = import_file(THREAGILE)
        .notes
        .iter()
        .filter(|n| n.unmapped)
        .count();
    assert!(unmapped > 5);
    assert!(
        err.contains(&format!(
            "--strict: {unmapped} elements or properties of the Threagile model could not be mapped"
        )),
        "{err}"
    );
    assert!(!out.exists());
    // A model Rampart exported maps whole, so --strict accepts it.
    let otm = dir.path().join("m.otm");
    assert_eq!(
        rampart(&["export", "models/payments.ron", "-o", otm.to_str().unwrap()]).0,
        0
    );
    let (code, _, err) = rampart(&[
        "import",
        otm.to_str().unwrap(),
        "--strict",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    // Malformed YAML and XML: file, line and column, one line, exit 2.
    for (name, text, at) in [
        (
            "bad.yaml",
            "threagile_version: 1.0.0\ntechnical_assets:\n  a: [1, 2\n",
            "bad.yaml:",
        ),
        (
            "bad.tm7",
            "<ThreatModel>\n  <Borders>\n</ThreatModel>\n",
            "bad.tm7:3:",
        ),
        (
            "bad.otm",
            "otmVersion: 0.2.0\nproject:\n  name: x\n  id: y\n\tcomponents: []\n",
            "bad.otm:",
        ),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = rampart(&["import", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{name}: {err}");
        assert!(err.contains(at), "{name}: {err}");
        let first = err.trim();
        assert_eq!(first.lines().count(), 1, "{name}: {err}");
        let pos = first.split(':').nth(1).unwrap_or("");
        assert!(
            pos.parse::<u32>().is_ok_and(|l| l > 0),
            "{name}: no line in {err}"
        );
    }
    // A Threagile link to an asset that is not there is said, not dropped silently.
    let path = dir.path().join("dangling.yaml");
    std::fs::write(
        &path,
        "threagile_version: 1.0.0\ntitle: t\ntechnical_assets:\n  A:\n    id: a\n    type: process\n    communication_links:\n      L:\n        target: nowhere\n        protocol: https\n",
    )
    .unwrap();
    let (code, _, err) = rampart(&["import", path.to_str().unwrap()]);
    assert_eq!(code, 2, "a link to nothing is a broken Threagile model");
    assert!(
        err.contains(
            "dangling.yaml:9:9: A → L: the link's target \"nowhere\" is not a technical asset"
        ),
        "{err}"
    );
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    // Two elements with one id: an error naming the second, not a silent rewiring.
    std::fs::write(
        &path,
        "threagile_version: 1.0.0\ntitle: t\ntechnical_assets:\n  A:\n    id: a\n    type: process\n  B:\n    id: a\n    type: process\n",
    )
    .unwrap();
    let (code, _, err) = rampart(&["import", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "dangling.yaml:8:5: technical asset \"B\" uses the id \"a\" another element already has"
        ),
        "{err}"
    );
    // A Rampart model given to import says what it is.
    let (code, _, err) = rampart(&["import", "models/payments.ron"]);
    assert_eq!(code, 2);
    assert!(err.contains("already a Rampart model"), "{err}");
}

/// The README's mapping tables name every row of the importers' tables (the tables are the
/// code's data; a row added without documentation fails here).
#[test]
fn the_readme_documents_every_mapping_row() {
    use rampart::interchange::{otm, threagile, threat_dragon, tm7};
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = &readme[readme.find("## Interchange").unwrap()..];
    let section = &section[..section.find("\n## Model files").unwrap()];
    let mut keys: Vec<String> = Vec::new();
    keys.extend(
        threagile::CONFIDENTIALITY
            .iter()
            .map(|(k, _)| (*k).to_string()),
    );
    keys.extend(
        threagile::TECHNOLOGY_KINDS
            .iter()
            .map(|(k, _)| (*k).to_string()),
    );
    keys.extend(
        threagile::PROTOCOLS
            .iter()
            .map(|(k, _, _)| (*k).to_string()),
    );
    keys.extend(
        threagile::AUTHENTICATION
            .iter()
            .map(|(k, _, _)| (*k).to_string()),
    );
    keys.extend(
        threagile::AUTHORIZATION
            .iter()
            .map(|(k, _)| (*k).to_string()),
    );
    keys.extend(
        threagile::BOUNDARY_TYPES
            .iter()
            .map(|(k, _)| (*k).to_string()),
    );
    keys.extend(threagile::RISK_STATUS.iter().map(|(k, _)| (*k).to_string()));
    for (category, rules) in threagile::RISK_CROSSWALK {
        keys.push((*category).to_string());
        keys.extend(rules.iter().map(|r| (*r).to_string()));
    }
    keys.extend(
        threat_dragon::CELL_KINDS
            .iter()
            .map(|(k, _)| format!("`{k}`")),
    );
    for (words, _) in otm::COMPONENT_WORDS {
        keys.extend(words.iter().map(|w| (*w).to_string()));
    }
    keys.extend(otm::FLOW_WORDS.iter().map(|(w, _, _)| (*w).to_string()));
    keys.extend(otm::STATES.iter().map(|(_, s)| (*s).to_string()));
    keys.extend(tm7::STENCILS.iter().map(|(k, _)| (*k).to_string()));
    for (words, _) in tm7::TYPE_WORDS {
        keys.extend(words.iter().map(|w| (*w).to_string()));
    }
    let missing: Vec<&String> = keys
        .iter()
        .filter(|k| !section.contains(k.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the README's Interchange section: {missing:?}"
    );
}
