//! The analysis engine: the rule catalog's invariants, a fixture pair per rule, graph analyses
//! on hand-made graphs with known answers, the example models, risk decisions, and the CLI's
//! output formats and exit codes.

#![allow(clippy::unwrap_used)] // test helpers may panic: a panic is a failed test

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
mod common;

use common::rampart;
use rampart::analysis::{self, Family, RULES, Severity, compliance};
use rampart::model::{
    self, Access, AuthKind, Authorization, Boundary, BoundaryKind, Classification, DataAsset,
    DataTag, Encryption, Flow, Model, Node, NodeKind, RiskDecision, Status,
};

fn fixture(rule: &str, variant: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(format!("{rule}.{variant}.ron"))
}

fn ids(model: &Model) -> BTreeSet<String> {
    analysis::analyze(model)
        .findings
        .into_iter()
        .map(|f| f.id)
        .collect()
}

#[test]
fn catalog_invariants() {
    let mut seen = BTreeSet::new();
    for rule in RULES {
        assert!(seen.insert(rule.id), "duplicate rule id {}", rule.id);
        // Drift rules are `drift.` + kebab-case, and verification reports them (tests/verify.rs).
        let drift = rule.family == Family::Drift;
        assert_eq!(drift, rule.id.starts_with("drift."), "{}", rule.id);
        assert!(
            rule.id
                .trim_start_matches("drift.")
                .split('-')
                .all(|w| !w.is_empty()
                    && w.chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())),
            "{} is kebab-case",
            rule.id
        );
        assert!(rule.title.len() > 10, "{} has a title", rule.id);
        assert!(
            rule.explanation.len() > 80,
            "{} explains what and why",
            rule.id
        );
        assert!(rule.mitigation.len() > 30, "{} says how to fix", rule.id);
        assert!(
            !rule.compliance().is_empty(),
            "{} has compliance references",
            rule.id
        );
        if drift {
            continue;
        }
        assert!(
            fixture(rule.id, "fires").exists(),
            "{} has a firing fixture",
            rule.id
        );
        assert!(
            fixture(rule.id, "quiet").exists(),
            "{} has a near-miss fixture",
            rule.id
        );
    }
    for family in Family::ALL {
        assert!(
            RULES.iter().filter(|r| r.family == *family).count() >= 6,
            "{family} has at least six rules"
        );
    }
    // Every rule a framework names exists, and every framework has requirements.
    for fw in compliance::frameworks() {
        assert!(!fw.requirements.is_empty());
        for req in &fw.requirements {
            for r in &req.rules {
                assert!(
                    analysis::rule(r).is_some(),
                    "{}:{} names unknown rule {r}",
                    fw.id,
                    req.id
                );
            }
        }
    }
    // No stray fixtures for rules that do not exist.
    for entry in std::fs::read_dir(fixture("x", "y").parent().unwrap()).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let rule = name.split('.').next().unwrap().to_string();
        assert!(
            analysis::rule(&rule).is_some(),
            "fixture {name} names no rule"
        );
    }
}

#[test]
fn every_rule_fires_on_its_fixture_and_not_on_its_near_miss() {
    for rule in RULES.iter().filter(|r| r.family != Family::Drift) {
        for (variant, should_fire) in [("fires", true), ("quiet", false)] {
            let path = fixture(rule.id, variant);
            let loaded = model::load(&path).unwrap_or_else(|e| panic!("{e}"));
            let result = analysis::analyze(&loaded.model);
            let fired: Vec<&str> = result
                .findings
                .iter()
                .filter(|f| f.rule.id == rule.id)
                .map(|f| f.id.as_str())
                .collect();
            assert_eq!(
                !fired.is_empty(),
                should_fire,
                "{}: {} {:?}",
                path.display(),
                if should_fire {
                    "should fire"
                } else {
                    "should stay quiet, got"
                },
                fired
            );
            if should_fire {
                // The fixture names exactly the findings it must produce.
                let text = std::fs::read_to_string(&path).unwrap();
                let expect: Vec<&str> = text
                    .lines()
                    .find_map(|l| l.strip_prefix("// expect: "))
                    .unwrap_or_else(|| panic!("{} names no `// expect:` ids", path.display()))
                    .split(", ")
                    .collect();
                let mut got = fired.clone();
                got.sort_unstable();
                assert_eq!(got, expect, "{}", path.display());
            }
            for f in result.findings.iter().filter(|f| f.rule.id == rule.id) {
                assert!(f.id.starts_with(&format!("{}@", rule.id)));
                assert!(!f.elements.is_empty());
                assert!(!f.message.is_empty() && !f.fix.is_empty());
                for e in &f.elements {
                    assert!(loaded.model.id_in_use(e), "{}: element {e} exists", f.id);
                }
            }
        }
    }
}

fn boundary(id: &str, kind: BoundaryKind) -> Boundary {
    Boundary {
        id: id.into(),
        name: String::new(),
        kind,
        trust: None,
        parent: None,
        scope: vec![],
        description: String::new(),
        out_of_scope: None,
    }
}

fn node(id: &str, kind: NodeKind, b: &str) -> Node {
    let mut n = Node::new(id, kind);
    n.boundary = Some(b.into());
    n
}

fn flow(from: &str, to: &str, enc: Encryption, auth: AuthKind, data: &[&str]) -> Flow {
    let mut f = Flow::new(from, to);
    f.protocol = "https".into();
    f.encryption = enc;
    f.authentication = auth;
    f.data = data.iter().map(|d| (*d).to_string()).collect();
    f
}

/// user -> gw -> a -> b -> db (four weak hops) and user -> gw -> strong -> db (strong).
fn graph_with_two_routes() -> Model {
    let mut m = Model::new("paths");
    m.assets.push(DataAsset {
        id: "cards".into(),
        name: String::new(),
        classification: Classification::Restricted,
        tags: vec![DataTag::Pci],
        description: String::new(),
        integrity: None,
        availability: None,
    });
    for (id, kind) in [
        ("net", BoundaryKind::Internet),
        ("dmz", BoundaryKind::Dmz),
        ("app", BoundaryKind::InternalNetwork),
        ("data", BoundaryKind::RestrictedZone),
    ] {
        m.boundaries.push(boundary(id, kind));
    }
    m.add_node(node("user", NodeKind::Actor, "net")).unwrap();
    let mut gw = node("gw", NodeKind::Gateway, "dmz");
    gw.authorization = Authorization::TechnicalUser;
    m.add_node(gw).unwrap();
    m.add_node(node("a", NodeKind::Service, "app")).unwrap();
    m.add_node(node("b", NodeKind::Service, "app")).unwrap();
    let mut strong = node("strong", NodeKind::Service, "app");
    strong.authorization = Authorization::EndUser;
    m.add_node(strong).unwrap();
    let mut db = node("db", NodeKind::DataStore, "data");
    db.stores = vec!["cards".into()];
    m.add_node(db).unwrap();
    m.add_flow(flow("user", "gw", Encryption::Tls, AuthKind::ApiKey, &[]))
        .unwrap(); // 1+1+1+1 = 4
    m.add_flow(flow("gw", "a", Encryption::None, AuthKind::None, &[]))
        .unwrap(); // 1
    m.add_flow(flow("a", "b", Encryption::None, AuthKind::None, &[]))
        .unwrap(); // 1
    m.add_flow(flow(
        "b",
        "db",
        Encryption::None,
        AuthKind::None,
        &["cards"],
    ))
    .unwrap(); // 1
    m.add_flow(flow("gw", "strong", Encryption::Mtls, AuthKind::Mtls, &[]))
        .unwrap(); // 1+2+3+3 = 9
    m.add_flow(flow(
        "strong",
        "db",
        Encryption::Mtls,
        AuthKind::Mtls,
        &["cards"],
    ))
    .unwrap(); // 6
    m
}

#[test]
fn attack_path_takes_the_route_of_least_resistance() {
    let m = graph_with_two_routes();
    let result = analysis::analyze(&m);
    let path = result
        .attack_paths
        .iter()
        .find(|p| p.target == "db")
        .expect("a path to db");
    assert_eq!(path.entry, "user");
    assert_eq!(path.nodes, ["user", "gw", "a", "b", "db"]);
    assert_eq!(path.cost, 4 + 1 + 1 + 1);
    assert!(path.weak);
    assert_eq!(path.hops.len(), 4);
    assert!(path.hops[1].gaps.iter().any(|g| g == "no encryption"));
    assert!(path.hops[1].gaps.iter().any(|g| g == "no authentication"));
    let finding = result
        .findings
        .iter()
        .find(|f| f.id == "attack-path-to-sensitive-data@user@db")
        .expect("the weak path is a finding");
    assert_eq!(finding.path, ["user", "gw", "a", "b", "db"]);
    assert_eq!(finding.severity, Severity::Critical);

    // Protect the long route: the path moves to the strong route and is no longer weak.
    let mut fixed = m.clone();
    for id in ["gw-to-a", "a-to-b", "b-to-db"] {
        let f = fixed.flow_mut(id).unwrap();
        f.encryption = Encryption::Mtls;
        f.authentication = AuthKind::Mtls;
    }
    for id in ["a", "b"] {
        fixed.node_mut(id).unwrap().authorization = Authorization::EndUser;
    }
    let result = analysis::analyze(&fixed);
    let path = result
        .attack_paths
        .iter()
        .find(|p| p.target == "db")
        .unwrap();
    assert_eq!(path.nodes, ["user", "gw", "strong", "db"]);
    assert_eq!(path.cost, 4 + 9 + 6);
    assert!(!path.weak);
    assert!(
        !result
            .findings
            .iter()
            .any(|f| f.rule.id == "attack-path-to-sensitive-data")
    );
}

#[test]
fn effective_privilege_follows_services_and_scoping() {
    let mut m = graph_with_two_routes();
    m.flow_mut("b-to-db").unwrap().access = Access::Admin;
    m.flow_mut("gw-to-a").unwrap().access = Access::Write;
    m.flow_mut("a-to-b").unwrap().access = Access::Admin;
    m.flow_mut("user-to-gw").unwrap().access = Access::Admin;
    m.flow_mut("strong-to-db").unwrap().access = Access::Admin;
    m.flow_mut("gw-to-strong").unwrap().access = Access::Admin;
    let result = analysis::analyze(&m);
    let p = result
        .privileges
        .iter()
        .find(|p| p.actor_id(&m) == "user" && p.store_id(&m) == "db")
        .expect("user reaches db");
    // Through a and b (no per-user authorization) the user gets the weakest link's access,
    // write; through `strong` it would be admin, but scoped to the user's own records.
    assert!(!p.scoped);
    assert_eq!(p.access, Access::Write);
    assert_eq!(p.via_ids(&m), ["user", "gw", "a", "b", "db"]);

    m.remove_flow("a-to-b");
    let result = analysis::analyze(&m);
    let p = result
        .privileges
        .iter()
        .find(|p| p.actor_id(&m) == "user" && p.store_id(&m) == "db")
        .unwrap();
    assert!(p.scoped);
    assert_eq!(p.access, Access::Admin);
    assert_eq!(p.via_ids(&m), ["user", "gw", "strong", "db"]);
}

#[test]
fn blast_radius_counts_reachable_high_value_assets() {
    let mut m = graph_with_two_routes();
    m.node_mut("gw").unwrap().internet_facing = true;
    m.assets.push(DataAsset {
        id: "other".into(),
        name: String::new(),
        classification: Classification::Confidential,
        tags: vec![],
        description: String::new(),
        integrity: None,
        availability: None,
    });
    let result = analysis::analyze(&m);
    let b = result.blast_radius.iter().find(|b| b.node == "gw").unwrap();
    assert_eq!(b.assets, ["cards"]);
    assert!((b.share - 0.5).abs() < 1e-9);
    assert_eq!(b.reached, 4); // a, b, strong, db
    assert!(
        !result
            .findings
            .iter()
            .any(|f| f.rule.id == "excessive-blast-radius")
    );
}

fn expect_findings(file: &str, expected: &[&str]) {
    let m = model::load(Path::new(file)).unwrap().model;
    let result = analysis::analyze(&m);
    let found: BTreeSet<&str> = result.findings.iter().map(|f| f.id.as_str()).collect();
    for id in expected {
        assert!(found.contains(id), "{file}: expected finding {id}");
    }
    for family in Family::ALL.iter().filter(|f| **f != Family::Drift) {
        assert!(
            result.findings.iter().any(|f| f.rule.family == *family),
            "{file}: findings from family {family}"
        );
    }
    // Sorted: severity descending.
    assert!(
        result
            .findings
            .windows(2)
            .all(|w| w[0].severity >= w[1].severity)
    );
    // Deterministic.
    let again: Vec<String> = analysis::analyze(&m)
        .findings
        .into_iter()
        .map(|f| f.id)
        .collect();
    let first: Vec<String> = result.findings.iter().map(|f| f.id.clone()).collect();
    assert_eq!(first, again);
}

#[test]
fn ecommerce_weaknesses_are_found() {
    expect_findings(
        "models/ecommerce.ron",
        &[
            "gateway-bypass@partner-legacy-stock",
            "unencrypted-cross-boundary-flow@partner-legacy-stock",
            "credentials-in-cleartext@partner-legacy-stock",
            "weak-tls-version@admin-login",
            "weak-authentication-over-internet@admin-login",
            "missing-mfa-for-human-access@admin-user",
            "admin-access-from-exposed-service@admin-console@user-db",
            "attack-path-to-sensitive-data@admin-user@user-db",
            "plaintext-datastore-connection@order-service-to-order-db",
            "unencrypted-sensitive-storage@order-db",
            "anonymous-service-call@order-service-to-payment-service",
            "pci-scope-leak@payment-service",
            "unauthenticated-datastore-access@inventory-service-to-inventory-db",
            "unauthenticated-datastore-access@log-collector-to-log-store",
            "secrets-outside-vault@inventory-service",
            "secrets-outside-vault@admin-console",
            "unnecessary-write-access@order-db@monitoring",
            "unnecessary-write-access@inventory-db@inventory-service",
            "shared-service-identity@notification-service@order-service",
            "privileged-runtime@log-collector",
            "unencrypted-cross-boundary-flow@api-gateway-to-log-collector",
        ],
    );
}

#[test]
fn healthcare_weaknesses_are_found() {
    expect_findings(
        "models/healthcare.ron",
        &[
            "unencrypted-cross-boundary-flow@hl7-orders",
            "unencrypted-cross-boundary-flow@hl7-results",
            "regulated-data-to-third-party@fhir-server-to-imaging-ai",
            "unencrypted-sensitive-storage@backup-storage",
            "privileged-runtime@backup-agent",
            "secrets-outside-vault@backup-agent",
            "missing-rate-limiting@patient-portal",
            "missing-mfa-for-human-access@remote-clinician",
            "confused-deputy@fhir-server@ehr-service",
            "missing-audit-logging@scheduling-service",
            "unnecessary-write-access@ehr-db@interface-engine",
        ],
    );
}

#[test]
fn payments_weaknesses_are_found() {
    expect_findings(
        "models/payments.ron",
        &[
            "pci-scope-leak@fraud-service",
            "pci-scope-leak@reporting-service-to-transaction-db",
            "unnecessary-write-access@transaction-db@reporting-service",
            "missing-mfa-for-human-access@ops-engineer",
            "weak-tls-version@settlement-service-to-acquirer",
            "secrets-outside-vault@merchant-portal",
            "missing-mtls-service-to-service@tokenization-service-to-authorization-service",
            "unauthenticated-datastore-access@tokenization-service-to-siem",
        ],
    );
}

#[test]
fn well_protected_flows_stay_quiet() {
    let m = model::load(Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    let found = ids(&m);
    // The customer's and the gateway's main flows are well protected: no finding names them.
    for flow in [
        "api-gateway-to-order-service",
        "api-gateway-to-user-service",
        "user-service-to-vault",
    ] {
        assert!(
            !found
                .iter()
                .any(|id| id.split('@').skip(1).any(|e| e == flow)),
            "{flow} is well protected"
        );
    }
}

#[test]
fn finding_ids_survive_unrelated_edits() {
    let m = model::load(Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    let before = ids(&m);
    let mut edited = m.clone();
    let mut extra = node("reporting-job", NodeKind::Service, "platform");
    extra.audit_logging = true;
    edited.add_node(extra).unwrap();
    edited
        .add_flow(flow(
            "reporting-job",
            "monitoring",
            Encryption::Mtls,
            AuthKind::Mtls,
            &["app-logs"],
        ))
        .unwrap();
    edited.node_mut("web-frontend").unwrap().technology = "Remix".into();
    edited.rename("jwks", "signing-keys").unwrap();
    let after = ids(&edited);
    let lost: Vec<_> = before.difference(&after).collect();
    assert!(lost.is_empty(), "ids lost after unrelated edits: {lost:?}");
}

#[test]
fn risk_decisions_apply_by_id_and_wildcard() {
    let mut m = model::load(Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    m.decisions.clear();
    let open_high = |m: &Model| {
        analysis::analyze(m)
            .open_at_or_above(Severity::High)
            .count()
    };
    let before = open_high(&m);
    m.decisions.push(RiskDecision {
        finding: "pci-scope-leak@*".into(),
        status: Status::Accepted,
        justification: "Tokenization project PAY-12 removes card data from these services.".into(),
        owner: "CISO".into(),
        date: "2026-11-01".into(),
    });
    m.decisions.push(RiskDecision {
        finding: "gateway-bypass@partner-legacy-stock".into(),
        status: Status::Mitigated,
        justification: "Firewall rule blocks it.".into(),
        owner: "NetOps".into(),
        date: "2026-11-02".into(),
    });
    m.decisions.push(RiskDecision {
        finding: "no-such-rule@*".into(),
        status: Status::FalsePositive,
        justification: String::new(),
        owner: String::new(),
        date: String::new(),
    });
    let result = analysis::analyze(&m);
    let pci: Vec<_> = result
        .findings
        .iter()
        .filter(|f| f.rule.id == "pci-scope-leak")
        .collect();
    assert!(pci.len() >= 3);
    assert!(
        pci.iter()
            .all(|f| f.status == Status::Accepted && !f.is_open())
    );
    let bypass = result
        .findings
        .iter()
        .find(|f| f.id == "gateway-bypass@partner-legacy-stock")
        .unwrap();
    assert_eq!(bypass.status, Status::Mitigated);
    assert_eq!(bypass.decision.as_ref().unwrap().owner, "NetOps");
    assert_eq!(open_high(&m), before - pci.len() - 1);
    assert_eq!(result.unused_decisions, [2]);
}

#[test]
fn compliance_scope_follows_data_and_declarations() {
    let m = model::load(Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    let result = analysis::analyze(&m);
    let names: Vec<&str> = result.compliance.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(names, ["ASVS-5.0", "PCI-DSS-4.0.1", "GDPR"]);
    let pci = &result.compliance[1];
    let req = pci.requirements.iter().find(|r| r.id == "8.4.2").unwrap();
    assert_eq!(req.verdict, compliance::Verdict::Gap);
    assert!(
        req.findings
            .iter()
            .any(|i| result.findings[*i].id == "missing-mfa-for-human-access@admin-user")
    );
    let na = pci.requirements.iter().find(|r| r.id == "11.4.1").unwrap();
    assert_eq!(na.verdict, compliance::Verdict::NotAssessed);

    // A model with no regulated data and nothing declared has nothing in scope; declaring NIST
    // brings it in, and a requirement whose rules find nothing is met.
    let mut plain = Model::new("plain");
    plain
        .boundaries
        .push(boundary("app", BoundaryKind::InternalNetwork));
    plain.add_node(node("a", NodeKind::Service, "app")).unwrap();
    plain.add_node(node("b", NodeKind::Service, "app")).unwrap();
    plain
        .add_flow(flow("a", "b", Encryption::Mtls, AuthKind::Mtls, &[]))
        .unwrap();
    assert!(analysis::analyze(&plain).compliance.is_empty());
    plain.frameworks.push(model::Framework::Nist);
    let result = analysis::analyze(&plain);
    assert_eq!(result.compliance.len(), 1);
    let sc28 = result.compliance[0]
        .requirements
        .iter()
        .find(|r| r.id == "SC-28")
        .unwrap();
    assert_eq!(sc28.verdict, compliance::Verdict::Met);
}

#[test]
fn analyze_exit_codes_follow_fail_on() {
    let (code, out, _) = rampart(&["analyze", "models/ecommerce.ron"]);
    assert_eq!(code, 0);
    assert!(out.contains("CRITICAL"), "{out}");
    assert!(!out.contains("\x1b["), "no colour when not on a terminal");
    let (code, _, _) = rampart(&["analyze", "models/ecommerce.ron", "--fail-on", "critical"]);
    assert_eq!(code, 1);
    // payments has no open critical finding, but high ones.
    let (code, _, _) = rampart(&["analyze", "models/payments.ron", "--fail-on", "critical"]);
    assert_eq!(code, 0);
    let (code, _, _) = rampart(&["analyze", "models/payments.ron", "--fail-on", "high"]);
    assert_eq!(code, 1);
    // A well-protected fixture passes even at info.
    let quiet = fixture("privileged-runtime", "quiet");
    let (code, out, _) = rampart(&["analyze", quiet.to_str().unwrap(), "--fail-on", "low"]);
    assert_eq!(code, 0, "{out}");
    // Bad input and usage: exit 2 with a one-line reason.
    let (code, _, err) = rampart(&["analyze", "models/missing.ron"]);
    assert_eq!(code, 2);
    assert_eq!(err.trim(), "models/missing.ron: no such file");
    let (code, _, err) = rampart(&["analyze", "models/ecommerce.ron", "--fail-on", "severe"]);
    assert_eq!(code, 2);
    assert!(err.contains("unknown severity `severe`"), "{err}");
}

#[test]
fn json_output_follows_the_contract() {
    let (code, out, _) = rampart(&["analyze", "models/ecommerce.ron", "--format", "json"]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = v["findings"].as_array().unwrap();
    assert_eq!(
        findings.len(),
        analysis::analyze(&Model::example()).findings.len()
    );
    for f in findings {
        for key in [
            "id",
            "rule",
            "title",
            "severity",
            "stride",
            "elements",
            "mitigation",
            "compliance",
            "status",
        ] {
            assert!(!f[key].is_null(), "finding has `{key}`: {f}");
        }
        let sev = f["severity"].as_str().unwrap();
        assert!(["critical", "high", "medium", "low", "info"].contains(&sev));
        // The rule's own text, escaped once per report: the same strings, character for
        // character.
        let rule = RULES.iter().find(|r| r.id == f["rule"]).unwrap();
        assert_eq!(f["title"], rule.title);
        assert_eq!(f["mitigation"], rule.mitigation);
        assert_eq!(f["compliance"], serde_json::json!(rule.compliance()));
        assert!(
            f["id"]
                .as_str()
                .unwrap()
                .starts_with(f["rule"].as_str().unwrap())
        );
    }
    let path = findings
        .iter()
        .find(|f| f["id"] == "attack-path-to-sensitive-data@admin-user@user-db")
        .unwrap();
    assert_eq!(
        path["path"],
        serde_json::json!(["admin-user", "admin-console", "user-db"])
    );
    assert!(
        path["compliance"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c == "PCI-DSS-4.0.1:1.4.1")
    );
    let accepted = findings
        .iter()
        .find(|f| f["id"] == "missing-rate-limiting@identity-provider")
        .unwrap();
    assert_eq!(accepted["status"], "accepted");
    assert_eq!(accepted["owner"], "IAM team");
    assert!(v["compliance"].as_array().unwrap().len() == 3);

    let (code, out, _) = rampart(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let rules: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(rules.as_array().unwrap().len(), RULES.len());
}

#[test]
fn sarif_output_is_valid_sarif_2_1_0_located_in_the_model() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for file in [
        "models/ecommerce.ron",
        "models/healthcare.ron",
        "models/payments.ron",
    ] {
        let (code, out, _) = rampart(&["analyze", file, "--format", "sarif"]);
        assert_eq!(code, 0);
        let log: serde_json::Value = serde_json::from_str(&out).unwrap();
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{file}: {errors:?}");
        let run = &log["runs"][0];
        assert_eq!(
            run["tool"]["driver"]["rules"].as_array().unwrap().len(),
            RULES.len()
        );
        let text = std::fs::read_to_string(file).unwrap();
        for result in run["results"].as_array().unwrap() {
            let loc = &result["locations"][0]["physicalLocation"];
            assert_eq!(loc["artifactLocation"]["uri"], file);
            let line = loc["region"]["startLine"]
                .as_u64()
                .expect("every result has a line") as usize;
            // The line points at the element: its id (or, for flows without one, its `(`).
            let element = result["locations"][0]["logicalLocations"][0]["name"]
                .as_str()
                .unwrap();
            let window: String = text
                .lines()
                .skip(line - 1)
                .take(4)
                .collect::<Vec<_>>()
                .join("\n");
            assert!(
                window.contains(&format!("\"{element}\"")) || window.contains("from:"),
                "{file}:{line} shows {element}: {window}"
            );
        }
    }
}

#[test]
fn markdown_and_rules_text_list_everything() {
    let (code, out, _) = rampart(&["analyze", "models/healthcare.ron", "--format", "markdown"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("# Threat model: "));
    let m = model::load(Path::new("models/healthcare.ron"))
        .unwrap()
        .model;
    for f in analysis::analyze(&m).findings {
        assert!(out.contains(&f.id), "markdown lists {}", f.id);
    }
    assert!(out.contains("## HIPAA Security Rule (45 CFR 164.308(b)(1), 164.312)"));
    let (_, out, _) = rampart(&["rules"]);
    for r in RULES {
        assert!(out.contains(r.id));
    }
}

/// A well-built system — one gateway, every service behind it authorizing per end user, mutual
/// TLS everywhere — does not get `excessive-blast-radius`: a compromised gateway borrows only
/// the users' rights. The same system whose services authorize only the calling service does
/// (they lend the gateway their whole access).
#[test]
fn blast_radius_stops_at_services_that_authorize_per_end_user() {
    let model = |orders_authz: &str, people_authz: &str| {
        format!(
            r#"(
  rampart: 1,
  name: "Fortress",
  assets: [
    (id: "orders", classification: restricted, tags: [pci]),
    (id: "people", classification: confidential, tags: [pii]),
  ],
  boundaries: [
    (id: "internet", kind: internet),
    (id: "dmz", kind: dmz),
    (id: "app", kind: internal_network),
    (id: "data", kind: restricted_zone),
  ],
  nodes: [
    (id: "customer", kind: actor, boundary: "internet"),
    (id: "gateway", kind: gateway, boundary: "dmz", internet_facing: true, rate_limited: true, audit_logging: true, authentication: [oauth2]),
    (id: "orders-svc", kind: service, boundary: "app", authorization: {orders_authz}, audit_logging: true, authentication: [mtls]),
    (id: "people-svc", kind: service, boundary: "app", authorization: {people_authz}, audit_logging: true, authentication: [mtls]),
    (id: "orders-db", kind: data_store, boundary: "data", stores: ["orders"], encrypted_at_rest: true, audit_logging: true),
    (id: "people-db", kind: data_store, boundary: "data", stores: ["people"], encrypted_at_rest: true, audit_logging: true),
  ],
  flows: [
    (from: "customer", to: "gateway", protocol: "https", encryption: tls, authentication: oauth2, data: ["orders", "people"]),
    (from: "gateway", to: "orders-svc", protocol: "grpc", encryption: mtls, authentication: mtls, access: write, data: ["orders"]),
    (from: "gateway", to: "people-svc", protocol: "grpc", encryption: mtls, authentication: mtls, access: write, data: ["people"]),
    (from: "orders-svc", to: "orders-db", protocol: "postgres", encryption: mtls, authentication: mtls, access: write, data: ["orders"]),
    (from: "people-svc", to: "people-db", protocol: "postgres", encryption: mtls, authentication: mtls, access: write, data: ["people"]),
  ],
)"#
        )
    };
    let fires = |text: &str| {
        let m = model::parse(text, "fortress.ron").unwrap().model;
        analysis::analyze(&m)
            .findings
            .iter()
            .any(|f| f.id == "excessive-blast-radius@gateway")
    };
    assert!(
        !fires(&model("end_user", "end_user")),
        "a fortress is not a blast radius"
    );
    assert!(
        fires(&model("technical_user", "technical_user")),
        "services that lend their access are"
    );
}

/// An identity provider that checks end users' credentials against its own directory is doing
/// its job: no `confused-deputy`. The same identity provider writing to an orders store is
/// (its callers borrow write access to card data).
#[test]
fn an_identity_provider_using_its_directory_is_not_a_confused_deputy() {
    let model = |store_data: &str| {
        format!(
            r#"(
  rampart: 1,
  name: "Login",
  assets: [
    (id: "accounts", classification: restricted, tags: [credentials, pii]),
    (id: "orders", classification: restricted, tags: [pci]),
  ],
  boundaries: [
    (id: "internet", kind: internet),
    (id: "dmz", kind: dmz),
    (id: "data", kind: restricted_zone),
  ],
  nodes: [
    (id: "user", kind: actor, boundary: "internet"),
    (id: "idp", kind: identity_provider, boundary: "dmz", authorization: technical_user),
    (id: "directory", kind: data_store, boundary: "data", stores: ["{store_data}"]),
  ],
  flows: [
    (from: "user", to: "idp", protocol: "https", encryption: tls, authentication: basic, data: ["accounts"]),
    (from: "idp", to: "directory", protocol: "ldaps", encryption: tls, authentication: mtls, access: write, data: ["{store_data}"]),
  ],
)"#
        )
    };
    let deputy = |text: &str| {
        let m = model::parse(text, "login.ron").unwrap().model;
        analysis::analyze(&m)
            .findings
            .iter()
            .any(|f| f.rule.id == "confused-deputy")
    };
    assert!(!deputy(&model("accounts")), "an IdP and its directory");
    assert!(deputy(&model("orders")), "an IdP writing card data");
}

fn findings_of(path: &str) -> Vec<(String, rampart::analysis::Severity)> {
    let loaded = model::load(std::path::Path::new(path)).unwrap_or_else(|e| panic!("{e}"));
    analysis::analyze(&loaded.model)
        .findings
        .iter()
        .map(|f| (f.id.clone(), f.severity))
        .collect()
}

/// A well-built system (tests/data/fortress.ron: WAF'd entry, per-user authorization to the
/// data, mTLS, a vault and an identity provider in zones of their own, MFA for staff) gives no
/// finding of medium or worse; its one remark is the flow that declares no data.
#[test]
fn a_well_built_system_gives_no_medium_or_worse_finding() {
    use rampart::analysis::Severity;
    assert_eq!(
        findings_of("tests/data/fortress.ron"),
        [
            (
                "missing-build-infrastructure@shop".to_string(),
                Severity::Info
            ),
            (
                "incomplete-model@gateway-to-idp".to_string(),
                Severity::Info
            )
        ]
    );
}

/// A confused deputy behind a per-user-authorizing gateway, at equal trust, and back-office
/// staff without MFA who can change the same records: exactly what a reviewer expects.
#[test]
fn a_confused_deputy_behind_a_gateway_is_found() {
    use rampart::analysis::Severity;
    assert_eq!(
        findings_of("tests/data/deputy-behind-gateway.ron"),
        [
            (
                "missing-mfa-for-human-access@support".to_string(),
                Severity::High
            ),
            (
                "missing-identity-propagation@orders@records-db".to_string(),
                Severity::High
            ),
            (
                "missing-build-infrastructure@admin".to_string(),
                Severity::Info
            ),
        ]
    );
    // Fixed the way the finding says (the service authorizes per end user): nothing left.
    let text = std::fs::read_to_string("tests/data/deputy-behind-gateway.ron")
        .unwrap()
        .replace("authorization: technical_user", "authorization: end_user")
        .replace("users: no_mfa", "users: mfa");
    let m = model::parse(&text, "fixed.ron").unwrap().model;
    let left: Vec<String> = analysis::analyze(&m)
        .findings
        .iter()
        .map(|f| f.id.clone())
        .collect();
    assert_eq!(left, ["missing-build-infrastructure@admin"]);
}

/// Severity follows the data: integrity critical is high, high is medium; availability the
/// same; a local flow has no wire; network controls count as an entry control.
#[test]
fn severity_follows_the_data_ratings_and_schema_2_controls_count() {
    use rampart::analysis::Severity;
    let fires = "tests/fixtures/rules/high-integrity-data-without-integrity-protection.fires.ron";
    let sev = |text: &str, rule: &str| {
        let m = model::parse(text, "x.ron").unwrap().model;
        analysis::analyze(&m)
            .findings
            .iter()
            .find(|f| f.rule.id == rule)
            .map(|f| f.severity)
    };
    let text = std::fs::read_to_string(fires).unwrap();
    let rule = "high-integrity-data-without-integrity-protection";
    assert_eq!(sev(&text, rule), Some(Severity::High));
    assert_eq!(
        sev(
            &text.replace("integrity: critical", "integrity: high"),
            rule
        ),
        Some(Severity::Medium)
    );
    assert_eq!(
        sev(
            &text.replace("integrity: critical", "integrity: medium"),
            rule
        ),
        None
    );
    let dos = std::fs::read_to_string(
        "tests/fixtures/rules/dos-risky-access-across-trust-boundary.fires.ron",
    )
    .unwrap();
    let rule = "dos-risky-access-across-trust-boundary";
    assert_eq!(sev(&dos, rule), Some(Severity::High));
    assert_eq!(
        sev(
            &dos.replace("availability: critical", "availability: high"),
            rule
        ),
        Some(Severity::Medium)
    );
    let unguarded =
        std::fs::read_to_string("tests/fixtures/rules/unguarded-access-from-internet.fires.ron")
            .unwrap();
    let rule = "unguarded-access-from-internet";
    assert!(sev(&unguarded, rule).is_some());
    assert_eq!(
        sev(
            &unguarded.replace(
                "authentication: oauth2, data",
                "authentication: oauth2, controls: [ip_allowlist], data"
            ),
            rule
        ),
        None,
        "an IP allowlist is an entry control"
    );
    // Out of scope: no finding about the element (a flow, a node, a node in an out-of-scope
    // boundary).
    assert_eq!(
        sev(
            &unguarded.replace(
                "(from: \"user\", to: \"api\",",
                "(from: \"user\", to: \"api\", out_of_scope: \"legacy path\","
            ),
            rule
        ),
        None
    );
    let vault = std::fs::read_to_string("tests/fixtures/rules/missing-vault.fires.ron").unwrap();
    assert!(sev(&vault, "missing-vault").is_some());
    assert_eq!(
        sev(
            &vault.replace(
                "(id: \"svc\", kind: service,",
                "(id: \"svc\", kind: service, out_of_scope: \"owned by another team\","
            ),
            "missing-vault"
        ),
        None
    );
    assert_eq!(
        sev(
            &vault.replace(
                "(id: \"app\", kind: internal_network)",
                "(id: \"app\", kind: internal_network, out_of_scope: \"\")"
            ),
            "missing-vault"
        ),
        None
    );
}

/// A CI/CD estate: a repository written over the internet with a password, a privileged runner
/// beside the registry, a push into the production zone. Exactly what a reviewer expects, and
/// the build-chain findings go once the chain is fixed (VPN and two-factor for pushes, an
/// unprivileged runner, a pull deployment).
#[test]
fn a_cicd_estate_shows_its_build_chain_risks() {
    use rampart::analysis::Severity;
    let want = [
        ("code-backdooring@repo", Severity::Critical),
        ("runtime-escape-reach@ci@build-vm", Severity::High),
        (
            "push-deployment-into-trusted-zone@ci@billing",
            Severity::High,
        ),
        ("pci-scope-leak@ci-to-billing", Severity::High),
        (
            "weak-authentication-over-internet@developer-to-repo",
            Severity::Medium,
        ),
        (
            "attack-path-to-sensitive-data@developer@repo",
            Severity::Medium,
        ),
        (
            "missing-network-segmentation@developer-to-repo",
            Severity::Medium,
        ),
        ("privileged-runtime@ci", Severity::Medium),
    ];
    let want: Vec<(String, Severity)> = want.iter().map(|(i, s)| ((*i).to_string(), *s)).collect();
    assert_eq!(findings_of("tests/data/cicd-estate.ron"), want);
    let text = std::fs::read_to_string("tests/data/cicd-estate.ron")
        .unwrap()
        .replace(
            "authentication: basic, access: write, data: [\"source\"]",
            "authentication: two_factor, access: write, data: [\"source\"], controls: [vpn]",
        )
        .replace("privileged: true, ", "")
        .replace("(target: \"billing\")", "(target: \"billing\", mode: pull)");
    let m = model::parse(&text, "fixed.ron").unwrap().model;
    let left: Vec<String> = analysis::analyze(&m)
        .findings
        .iter()
        .map(|f| f.id.clone())
        .filter(|id| {
            [
                "code-backdooring",
                "runtime-escape-reach",
                "push-deployment",
            ]
            .iter()
            .any(|r| id.starts_with(r))
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A vault on the same runtime as an internet-facing workload is not isolated, whatever the
/// boundaries say; on a runtime of its own it is.
#[test]
fn vault_isolation_looks_at_shared_runtimes() {
    let text =
        std::fs::read_to_string("tests/fixtures/rules/missing-vault-isolation.quiet.ron").unwrap();
    let fires = |t: &str| {
        let m = model::parse(t, "x.ron").unwrap().model;
        analysis::analyze(&m)
            .findings
            .iter()
            .any(|f| f.rule.id == "missing-vault-isolation")
    };
    assert!(!fires(&text));
    let shared = text
        .replacen(
            "rampart: 1,",
            "rampart: 2,\n  runtimes: [(id: \"host\", kind: host)],",
            1,
        )
        .replace("kind: gateway,", "kind: gateway, runtime: \"host\",")
        .replace(
            "kind: secret_store,",
            "kind: secret_store, runtime: \"host\",",
        );
    assert!(shared.contains("runtime: \"host\""), "{shared}");
    assert!(fires(&shared), "{shared}");
}
