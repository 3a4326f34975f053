//! `rampart diff`: what a change to a model does, by element and by finding, in text, Markdown
//! and JSON, gating CI on what it introduces; against a file or a git revision.

#![allow(clippy::unwrap_used)] // a panic is a failed test

mod common;

use std::path::Path;
use std::process::Command;

use common::rampart;
use serde_json::Value;

/// The e-commerce example with one flow's protection and one node's name edited.
fn edited(dir: &Path) -> (String, String) {
    let old = std::fs::read_to_string("models/ecommerce.ron").unwrap();
    // The gateway -> order service flow: mutual TLS in the example.
    let at = old.find("name: \"Orders API\"").unwrap();
    let enc = at + old[at..].find("encryption: mtls").unwrap();
    let mut new = old.clone();
    new.replace_range(enc..enc + "encryption: mtls".len(), "encryption: none");
    let new = new.replacen("name: \"Order service\"", "name: \"Orders\"", 1);
    let (o, n) = (dir.join("old.ron"), dir.join("new.ron"));
    std::fs::write(&o, &old).unwrap();
    std::fs::write(&n, &new).unwrap();
    (
        o.to_str().unwrap().to_string(),
        n.to_str().unwrap().to_string(),
    )
}

#[test]
fn a_flow_made_plaintext_is_reported_by_element_and_by_finding_and_gates() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = edited(dir.path());
    let (code, out, err) = rampart(&["diff", &old, &new, "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let flow = d["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "api-gateway-to-order-service")
        .expect("the edited flow is listed");
    assert_eq!(flow["change"], "changed");
    assert_eq!(flow["properties"][0]["property"], "encryption");
    assert_eq!(flow["properties"][0]["old"], "mtls");
    assert_eq!(flow["properties"][0]["new"], "none");
    let node = d["elements"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == "order-service")
        .unwrap();
    assert_eq!(node["change"], "renamed");
    let introduced: Vec<&str> = d["introduced"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(
        introduced.contains(&"unencrypted-cross-boundary-flow@api-gateway-to-order-service"),
        "{introduced:?}"
    );
    assert!(d["resolved"].as_array().unwrap().is_empty());
    assert!(d["summary"].as_str().unwrap().contains("new finding"));
    assert!(!d["layout_only"].as_bool().unwrap());

    // The gate: a new open high finding fails --fail-on-new high, not critical.
    let (code, _, _) = rampart(&["diff", &old, &new, "--fail-on-new", "high"]);
    assert_eq!(code, 1);
    let (code, _, _) = rampart(&["diff", &old, &new, "--fail-on-new", "critical"]);
    assert_eq!(code, 0);
    // Reversed, the same change resolves them and introduces nothing.
    let (code, out, _) = rampart(&[
        "diff",
        &new,
        &old,
        "--format",
        "json",
        "--fail-on-new",
        "info",
    ]);
    assert_eq!(code, 0);
    let back: Value = serde_json::from_str(&out).unwrap();
    assert!(back["introduced"].as_array().unwrap().is_empty());
    assert_eq!(
        back["resolved"].as_array().unwrap().len(),
        d["introduced"].as_array().unwrap().len()
    );

    // Text names the flow by its ends, in the model's words.
    let (_, text, _) = rampart(&["diff", &old, &new]);
    assert!(
        text.contains("flow Orders API [api-gateway-to-order-service] (API gateway → Orders): encryption: mtls → none"),
        "{text}"
    );
    // Markdown for a pull request: the summary first, new findings open.
    let (_, md, _) = rampart(&["diff", &old, &new, "--format", "markdown"]);
    let lines: Vec<&str> = md.lines().collect();
    assert!(lines[0].starts_with("### Threat model:"));
    assert!(lines[2].starts_with("**") && lines[2].contains("new finding"));
    assert!(md.contains("<details open><summary>Findings introduced"));
    assert!(md.contains("`unencrypted-cross-boundary-flow@api-gateway-to-order-service`"));
}

#[test]
fn an_accepted_new_finding_does_not_fail_the_gate() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = edited(dir.path());
    let text = std::fs::read_to_string(&new).unwrap();
    let decided = text.replacen(
        "decisions: [",
        "decisions: [\n    (finding: \"*@api-gateway-to-order-service\", status: accepted, justification: \"Mesh sidecar encrypts\", owner: \"Platform\", date: \"2026-12-01\"),",
        1,
    );
    assert_ne!(decided, text, "the example has a decisions list");
    std::fs::write(&new, decided).unwrap();
    let (code, out, err) = rampart(&["diff", &old, &new, "--fail-on-new", "high"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("[Accepted]"), "{out}");
}

#[test]
fn moving_boxes_only_is_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let old = std::fs::read_to_string("models/healthcare.ron").unwrap();
    let m = rampart::model::parse(&old, "old").unwrap().model;
    let mut moved = m.clone();
    let id = moved.nodes().next().unwrap().id.clone();
    let at = moved
        .layout
        .nodes
        .get(&id)
        .copied()
        .unwrap_or(rampart::model::Pos { x: 0.0, y: 0.0 });
    moved.layout.nodes.insert(
        id,
        rampart::model::Pos {
            x: at.x + 40.0,
            y: at.y,
        },
    );
    let (o, n) = (dir.path().join("a.ron"), dir.path().join("b.ron"));
    rampart::model::save(&m, &o).unwrap();
    rampart::model::save(&moved, &n).unwrap();
    let (code, out, _) = rampart(&["diff", o.to_str().unwrap(), n.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert_eq!(
        out.trim(),
        "Layout only (1 position moved), no new findings."
    );
    let (_, same, _) = rampart(&["diff", o.to_str().unwrap(), o.to_str().unwrap()]);
    assert_eq!(same.trim(), "No changes.");
}

#[test]
fn against_a_git_revision() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = edited(dir.path());
    let git = |args: &[&str]| {
        let out = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(args)
            .output()
            .expect("git is needed for this test");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let model = dir.path().join("model.ron");
    std::fs::copy(&old, &model).unwrap();
    git(&["init", "-q"]);
    git(&["add", "model.ron"]);
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@localhost",
        "commit",
        "-qm",
        "model",
    ]);
    std::fs::copy(&new, &model).unwrap();
    let (code, out, err) = rampart(&[
        "diff",
        model.to_str().unwrap(),
        "--base",
        "HEAD",
        "--fail-on-new",
        "high",
    ]);
    assert_eq!(code, 1, "{err}");
    assert!(out.contains("encryption: mtls → none"), "{out}");
    // An unknown revision is a one-line error naming it.
    let (code, _, err) = rampart(&["diff", model.to_str().unwrap(), "--base", "no-such-rev"]);
    assert_eq!(code, 2);
    assert!(err.contains("no-such-rev:"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
}

/// SARIF for code scanning: the new version's results, each with its baselineState against the
/// old, and the resolved ones as absent; valid against the SARIF 2.1.0 schema.
#[test]
fn sarif_carries_the_baseline_state_of_every_result() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = edited(dir.path());
    let (code, out, err) = rampart(&["diff", &old, &new, "--format", "sarif"]);
    assert_eq!(code, 0, "{err}");
    let log: Value = serde_json::from_str(&out).unwrap();
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string("tests/data/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let results = log["runs"][0]["results"].as_array().unwrap();
    let state = |id: &str| {
        results
            .iter()
            .find(|r| r["partialFingerprints"]["rampartFindingId/v1"] == id)
            .map(|r| r["baselineState"].as_str().unwrap().to_string())
    };
    assert_eq!(
        state("unencrypted-cross-boundary-flow@api-gateway-to-order-service").as_deref(),
        Some("new")
    );
    assert!(results.iter().all(|r| r["baselineState"].is_string()));
    let unchanged = results
        .iter()
        .filter(|r| r["baselineState"] == "unchanged")
        .count();
    assert!(unchanged > 40, "{unchanged} unchanged results");
    // Reversed: the findings the change would add are absent.
    let (_, out, _) = rampart(&["diff", &new, &old, "--format", "sarif"]);
    let log: Value = serde_json::from_str(&out).unwrap();
    let absent = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["baselineState"] == "absent")
        .count();
    assert!(absent >= 2, "{absent}");
}

/// A node moved into another boundary and a decision recorded: each is reported as what it is
/// (a changed property with old and new boundary; an added decision and the finding it
/// changes from open to accepted).
#[test]
fn a_boundary_move_and_a_new_decision_are_named_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let old_text = std::fs::read_to_string("models/payments.ron").unwrap();
    let old_model = rampart::model::parse(&old_text, "old").unwrap().model;
    let old_findings = rampart::analysis::analyze(&old_model);
    let open = old_findings
        .findings
        .iter()
        .find(|f| f.is_open() && f.elements.len() == 1)
        .unwrap()
        .id
        .clone();
    let mut m = old_model.clone();
    let node = m.nodes().find(|n| n.boundary.is_some()).unwrap().id.clone();
    let from = m.node(&node).unwrap().boundary.clone().unwrap();
    let to = m
        .boundaries
        .iter()
        .find(|b| b.id != from && b.parent.as_deref() != Some(from.as_str()))
        .unwrap()
        .id
        .clone();
    m.node_mut(&node).unwrap().boundary = Some(to.clone());
    m.decisions.push(rampart::model::RiskDecision {
        finding: open.clone(),
        status: rampart::model::Status::Accepted,
        justification: "Compensating control".into(),
        owner: "Security".into(),
        date: "2026-12-01".into(),
    });
    let (o, n) = (dir.path().join("a.ron"), dir.path().join("b.ron"));
    rampart::model::save(&old_model, &o).unwrap();
    rampart::model::save(&m, &n).unwrap();
    let (code, out, err) = rampart(&[
        "diff",
        o.to_str().unwrap(),
        n.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, 0, "{err}");
    let d: Value = serde_json::from_str(&out).unwrap();
    let elements = d["elements"].as_array().unwrap();
    let moved = elements.iter().find(|e| e["id"] == node.as_str()).unwrap();
    assert_eq!(moved["change"], "changed");
    let prop = moved["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["property"] == "boundary")
        .unwrap();
    assert_eq!(prop["old"], from.as_str());
    assert_eq!(prop["new"], to.as_str());
    let decision = elements
        .iter()
        .find(|e| e["kind"] == "decision" && e["id"] == open.as_str())
        .unwrap();
    assert_eq!(decision["change"], "added");
    let changed = d["changed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == open.as_str())
        .expect("the decided finding is listed as changed");
    assert_eq!(changed["status"], "accepted");
    assert_eq!(changed["was"][1], "open");
}
