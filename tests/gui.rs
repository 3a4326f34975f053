//! The real app, driven headless through egui_kittest: buttons found by their labels through
//! AccessKit, pointer drags on the canvas, keyboard shortcuts; assertions on the app's state.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)] // a panic is a failed test

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use rampart::model::{self, Encryption};
use rampart::ui::{RampartApp, Selection, Tool};

fn harness() -> Harness<'static, RampartApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(
            |ui, app: &mut RampartApp| app.frame(ui),
            RampartApp::for_tests(),
        );
    harness.run_steps(4);
    harness
}

/// The finding's row shows its id (after the names of what it is about).
fn finding_listed(harness: &Harness<'_, RampartApp>, id: &str) -> bool {
    harness.query_by_label_contains(id).is_some()
}

#[test]
fn edit_a_model_end_to_end() {
    let mut harness = harness();
    // The built-in example is open, with its findings listed.
    assert!(
        harness
            .query_by_label_contains("26 nodes · 37 flows")
            .is_some()
    );
    assert!(finding_listed(
        &harness,
        "attack-path-to-sensitive-data@admin-user@user-db"
    ));
    assert!(harness.query_by_label_contains("Critical (1)").is_some());

    // Select the Kubernetes namespace boundary in the outline, then add a service into it.
    harness
        .get_by_label("▣ Kubernetes namespace `shop` (trust 6)")
        .click();
    harness.run_steps(2);
    harness.get_by_label("+ Service").click();
    harness.run_steps(3);
    let service = harness
        .state()
        .session
        .model()
        .node("service")
        .cloned()
        .expect("a new service");
    assert_eq!(service.boundary.as_deref(), Some("k8s-shop"));
    assert_eq!(
        harness.state().selection,
        Selection::Element("service".into())
    );

    // Draw a flow from it to the user database (another boundary) with the connect tool.
    harness.get_by_label("✏ Draw flows").click();
    harness.run_steps(2);
    assert_eq!(harness.state().canvas.tool, Tool::Connect);
    let from = harness.state().canvas.node_screen_pos("service").unwrap();
    let to = harness.state().canvas.node_screen_pos("user-db").unwrap();
    harness.drag_at(from);
    harness.run_steps(1);
    harness.hover_at(Pos2::new(
        f32::midpoint(from.x, to.x),
        f32::midpoint(from.y, to.y),
    ));
    harness.run_steps(1);
    harness.hover_at(to);
    harness.run_steps(1);
    harness.drop_at(to);
    harness.run_steps(3);
    let flow = harness
        .state()
        .session
        .model()
        .flow("service-to-user-db")
        .cloned()
        .expect("a flow was drawn");
    assert_eq!(flow.encryption, Encryption::Tls);

    // Make it plaintext in the inspector: the finding appears in the findings panel.
    harness.key_press(Key::Escape);
    harness.run_steps(1);
    harness.state_mut().selection = Selection::Element("service-to-user-db".into());
    harness.run_steps(2);
    harness.get_by_label("Encryption").click();
    harness.run_steps(2);
    harness.get_by_label("None (plaintext)").click();
    harness.run_steps(3);
    let id = "plaintext-datastore-connection@service-to-user-db";
    // The list only builds the rows in view: search for the flow, as a user would.
    harness.get_by_label("Search findings").focus();
    harness.run_steps(1);
    harness
        .get_by_label("Search findings")
        .type_text("service-to-user-db");
    harness.run_steps(3);
    assert_eq!(
        harness
            .state()
            .session
            .model()
            .flow("service-to-user-db")
            .unwrap()
            .encryption,
        Encryption::None
    );
    assert!(finding_listed(&harness, id), "the new finding is listed");

    // Undo removes it, from the model and from the panel. (Leave the search field first: in a
    // text field, Ctrl+Z undoes typing.)
    harness.get_by_label("Findings").click();
    harness.run_steps(1);
    harness.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    harness.run_steps(3);
    assert_eq!(
        harness
            .state()
            .session
            .model()
            .flow("service-to-user-db")
            .unwrap()
            .encryption,
        Encryption::Tls
    );
    assert!(!finding_listed(&harness, id));
    // Redo brings it back.
    harness.key_press_modifiers(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
    harness.run_steps(3);
    assert!(finding_listed(&harness, id));
}

#[test]
fn selecting_a_finding_selects_and_highlights_its_elements() {
    let mut harness = harness();
    // Two attack paths share this title; the critical one is listed first.
    harness
        .get_all_by_label("Weakly defended path from an untrusted entry to high-value data")
        .next()
        .unwrap()
        .click();
    harness.run_steps(3);
    let app = harness.state();
    assert_eq!(
        app.selected_finding.as_deref(),
        Some("attack-path-to-sensitive-data@admin-user@user-db")
    );
    assert_eq!(app.selection, Selection::Element("admin-user".into()));
    let lit = app.highlighted();
    for element in [
        "admin-user",
        "admin-console",
        "user-db",
        "admin-login",
        "admin-console-to-user-db",
    ] {
        assert!(lit.contains(element), "{element} is highlighted");
    }
    // The detail pane explains the path hop by hop.
    assert!(
        harness
            .query_by_label_contains("Support staff -> Admin console via Back-office UI")
            .is_some()
    );
}

#[test]
fn record_a_risk_decision() {
    let mut harness = harness();
    // Narrow the list with the search field, then pick the finding.
    harness.get_by_label("Search findings").focus();
    harness.run_steps(1);
    harness
        .get_by_label("Search findings")
        .type_text("gateway-bypass");
    harness.run_steps(2);
    harness
        .get_by_label("External client bypasses the gateway")
        .click();
    harness.run_steps(3);
    assert_eq!(
        harness.state().selected_finding.as_deref(),
        Some("gateway-bypass@partner-legacy-stock")
    );
    // The decision form is below the explanation: scroll it into view, as a user would.
    harness.get_by_label("Status").scroll_to_me();
    harness.run_steps(40); // let the smooth scroll finish
    harness.get_by_label("Status").click();
    harness.run_steps(2);
    harness.get_by_label("Accepted").click();
    harness.run_steps(2);
    harness.get_by_label("Justification").focus();
    harness.run_steps(1);
    harness
        .get_by_label("Justification")
        .type_text("Partner moves to the gateway in Q2; firewall allow-list meanwhile.");
    harness.run_steps(2);
    harness.get_by_label("Record decision").scroll_to_me();
    harness.run_steps(40);
    harness.get_by_label("Record decision").click();
    harness.run_steps(3);
    let app = harness.state();
    let d = app
        .session
        .model()
        .decisions
        .iter()
        .find(|d| d.finding == "gateway-bypass@partner-legacy-stock")
        .expect("decision recorded in the model");
    assert_eq!(d.status, model::Status::Accepted);
    assert!(d.justification.starts_with("Partner moves"));
    let f = app
        .session
        .analysis()
        .findings
        .iter()
        .find(|f| f.id == "gateway-bypass@partner-legacy-stock")
        .unwrap();
    assert!(!f.is_open());
}

#[test]
fn save_and_reopen_through_the_file_menu() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("saved.ron");
    let mut harness = harness();
    harness.get_by_label("+ Data store").click();
    harness.run_steps(2);
    assert!(harness.state().session.is_dirty());
    // No native dialog here: Save as asks for a typed path.
    harness.get_by_label("File").click();
    harness.run_steps(1);
    harness.get_by_label("Save as…").click();
    harness.run_steps(2);
    // The prompt suggests a path; replace it.
    harness.get_by_label("Path").focus();
    harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    harness
        .get_by_label("Path")
        .type_text(path.to_str().unwrap());
    harness.run_steps(1);
    harness.get_by_label("OK").click();
    harness.run_steps(3);
    assert!(!harness.state().session.is_dirty());
    assert_eq!(harness.state().session.path(), Some(path.as_path()));
    let saved = harness.state().session.model().clone();

    // Reopen through File > Open path…
    harness.get_by_label("File").click();
    harness.run_steps(1);
    harness.get_by_label("Open path…").click();
    harness.run_steps(2);
    harness.get_by_label("Path").focus();
    harness.run_steps(1);
    harness
        .get_by_label("Path")
        .type_text(path.to_str().unwrap());
    harness.run_steps(1);
    harness.get_by_label("OK").click();
    harness.run_steps(3);
    assert!(harness.state().session.model() == &saved);
    assert!(model::load(&path).unwrap().model == saved);
}

#[test]
fn a_malformed_file_shows_its_errors_and_keeps_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.ron");
    std::fs::write(
        &path,
        "(rampart: 1, name: \"x\",\n nodes: [(id: \"a\", kind: mainframe)])",
    )
    .unwrap();
    let mut harness = harness();
    let before = harness.state().session.model().clone();
    harness
        .state_mut()
        .push(rampart::ui::Command::OpenPath(path.clone()));
    harness.run_steps(3);
    assert!(harness.state().session.model() == &before);
    assert!(harness.query_by_label("Could not open model").is_some());
    assert!(harness.query_by_label_contains("bad.ron:2:").is_some());
    assert!(
        harness
            .query_by_label_contains("unknown value `mainframe`")
            .is_some()
    );

    // Every example model and a generated one draw without panicking.
    for file in ["models/healthcare.ron", "models/payments.ron"] {
        harness
            .state_mut()
            .push(rampart::ui::Command::OpenPath(file.into()));
        harness.run_steps(3);
        assert_eq!(
            harness.state().session.path(),
            Some(std::path::Path::new(file))
        );
    }
    let generated = dir.path().join("gen.ron");
    model::save(&model::generate::generate(300, 3), &generated).unwrap();
    harness
        .state_mut()
        .push(rampart::ui::Command::OpenPath(generated));
    harness.run_steps(3);
    assert_eq!(harness.state().session.model().node_count(), 300);
}

mod common;

/// Runs frames until the background probe or verification has ended.
fn wait_for_job(harness: &mut Harness<'_, RampartApp>) {
    for _ in 0..300 {
        harness.run_steps(1);
        if harness.state().probes.job.is_none() {
            harness.run_steps(2);
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
    }
    panic!("the job did not end");
}

#[test]
fn verify_and_probe_from_the_gui() {
    use common::{HttpReply, Pki, Response, http_server, rustls_server, server_config};
    use rampart::verify::EndpointStatus;
    let pki = Pki::new();
    let leaf = pki.leaf(&["127.0.0.1"], -1, 90, false);
    let tls = rustls_server(server_config(&leaf, None), HttpReply { hsts: None });
    let plain = http_server(None, |_| |_: &common::Request| Response::new(200, "hi"));
    let text = format!(
        r#"(
  rampart: 1,
  name: "Probed",
  boundaries: [(id: "app", kind: internal_network)],
  nodes: [
    (id: "web", kind: service, boundary: "app"),
    (id: "api", kind: service, boundary: "app"),
    (id: "db", kind: data_store, boundary: "app"),
  ],
  flows: [
    (id: "good", from: "web", to: "api", protocol: "https", encryption: tls, authentication: mtls,
      endpoint: (url: "127.0.0.1:{tls}", ca: "ca.pem")),
    (id: "plain", from: "api", to: "db", protocol: "postgres", encryption: tls, authentication: mtls,
      endpoint: (url: "127.0.0.1:{}")),
  ],
)
"#,
        plain.port
    );
    let path = pki.write("probed.ron", &text);
    let mut harness = harness();
    harness
        .state_mut()
        .push(rampart::ui::Command::OpenPath(path.clone()));
    harness.run_steps(3);

    // Verify > Verify against live endpoints runs in the background.
    harness.get_by_label("Verify").click();
    harness.run_steps(1);
    harness
        .get_by_label("Verify against live endpoints")
        .click();
    harness.run_steps(1);
    assert!(harness.state().probes.job.is_some());
    wait_for_job(&mut harness);
    let statuses = harness.state().probes.badges.1.clone();
    // mTLS is declared on both: the one-way TLS server drifts too.
    assert_eq!(statuses.get("good"), Some(&EndpointStatus::Drift));
    assert_eq!(statuses.get("plain"), Some(&EndpointStatus::Drift));
    assert!(finding_listed(
        &harness,
        "drift.plaintext-where-tls-declared@plain"
    ));
    assert!(finding_listed(&harness, "drift.mtls-not-enforced@good"));
    // The results are kept beside the model, which is untouched.
    assert!(rampart::verify::Verification::sidecar(&path).exists());
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert!(!harness.state().session.is_dirty());

    // Probe the flow's endpoint from its inspector; the result attaches to the flow.
    harness
        .state_mut()
        .push(rampart::ui::Command::Select(Selection::Element(
            "good".into(),
        )));
    harness.run_steps(2);
    // The inspector scrolls; the button is at its foot, as a user would scroll to it. (Pressed
    // through accessibility: the verification window opened above may lie over it.)
    harness.get_by_label("Probe TLS…").scroll_to_me();
    harness.run_steps(2);
    harness.get_by_label("Probe TLS…").click_accesskit();
    harness.run_steps(2);
    assert!(harness.query_by_label("Probe endpoint").is_some());
    assert!(
        harness
            .state()
            .probes
            .form
            .target
            .ends_with(&tls.to_string())
    );
    harness.get_by_label("Run probe").click();
    harness.run_steps(1);
    wait_for_job(&mut harness);
    let attached = harness
        .state()
        .probes
        .attached
        .get("good")
        .map(rampart::ui::Attached::summary);
    assert!(
        attached
            .as_deref()
            .is_some_and(|s| s.starts_with("TLS probe: grade A")),
        "{attached:?}"
    );
    assert!(
        harness
            .query_by_label_contains("TLS probe: grade")
            .is_some()
    );
    // The result shows every check the probe ran, and says so when the form has moved on to
    // another endpoint (the old result is not passed off as the new one's).
    assert!(harness.query_by_label_contains("Checks (").is_some());
    assert!(
        harness
            .query_by_label_contains("not the endpoint above")
            .is_none()
    );
    assert!(harness.query_by_label_contains("other settings").is_none());
    // Another SNI (or CA file, client certificate) than the result was run with: said too.
    harness.state_mut().probes.form.sni = "other.test".into();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("other settings").is_some());
    harness.state_mut().probes.form.sni = String::new();
    harness.run_steps(2);
    assert!(harness.query_by_label_contains("other settings").is_none());
    harness.state_mut().probes.form.target = "127.0.0.1:1".into();
    harness.run_steps(2);
    assert!(
        harness
            .query_by_label_contains("not the endpoint above")
            .is_some()
    );

    // Active JWT checks ask first; an unusable endpoint is a message, not a crash.
    {
        let form = &mut harness.state_mut().probes.form;
        form.kind = rampart::ui::ProbeKind::Jwt;
        form.target = "not an endpoint".into();
        form.active = true;
    }
    harness.run_steps(2);
    harness.get_by_label("Run probe").click();
    harness.run_steps(2);
    assert!(harness.state().probes.form.confirming);
    assert!(harness.query_by_label("Send forged tokens?").is_some());
    harness.run_steps(10);
    harness.get_by_label("Send forged tokens").click();
    harness.run_steps(2);
    assert!(harness.state().probes.job.is_none());
    let notice = harness
        .state()
        .notice
        .as_ref()
        .map(|n| (n.text.clone(), n.error));
    assert!(
        notice
            .as_ref()
            .is_some_and(|(t, e)| *e && t.contains("invalid target")),
        "{notice:?}"
    );
    // A client certificate without its key is a message too, before anything is sent.
    {
        let form = &mut harness.state_mut().probes.form;
        form.kind = rampart::ui::ProbeKind::Tls;
        form.target = format!("127.0.0.1:{tls}");
        form.client_cert = "client.pem".into();
        form.client_key = String::new();
    }
    harness.run_steps(2);
    harness.get_by_label("Run probe").click();
    harness.run_steps(2);
    assert!(harness.state().probes.job.is_none());
    let notice = harness.state().notice.as_ref().map(|n| n.text.clone());
    assert!(
        notice
            .as_deref()
            .is_some_and(|t| t.contains("needs both files")),
        "{notice:?}"
    );

    // Another model: the old model's probe results and badges go with it.
    harness.state_mut().push(rampart::ui::Command::OpenPath(
        "models/healthcare.ron".into(),
    ));
    harness.run_steps(3);
    assert!(harness.state().probes.attached.is_empty());
    assert!(harness.state().probes.badges.1.is_empty());
    assert!(harness.state().session.verification().is_none());
}

#[test]
fn a_still_canvas_stops_repainting_and_still_answers_clicks() {
    // egui_graphs asks for another frame after every frame it draws; a still canvas replays its
    // last frame instead, so the app settles (no busy core while nobody touches it).
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .with_max_steps(40)
        .build_ui_state(
            |ui, app: &mut RampartApp| app.frame(ui),
            RampartApp::for_tests(),
        );
    // (The builder already ran it until it settled, or for 40 frames.)
    assert_eq!(harness.try_run().ok(), Some(1), "the app went idle");

    // The example opens at a readable zoom, larger than the window: Fit shows it all.
    harness.state_mut().canvas.fit();
    assert!(harness.try_run().is_ok(), "idle again after the fit");
    // A click on a node of the still canvas selects it, and the app settles again.
    let at = harness.state().canvas.node_screen_pos("order-db").unwrap();
    harness.drag_at(at);
    harness.drop_at(at);
    harness.run_steps(2);
    assert_eq!(
        harness.state().selection,
        Selection::Element("order-db".into())
    );
    let steps = harness.try_run().expect("idle again after the click");
    assert!(
        steps >= 4,
        "live for a moment after the click ({steps} frames)"
    );

    // An edit made while still shows up: the canvas comes back to life and rebuilds.
    harness.state_mut().selection = Selection::Element("user-db".into());
    harness.try_run().expect("idle after the selection changed");
    let at = harness
        .state()
        .canvas
        .node_screen_pos("payment-db")
        .unwrap();
    harness.drag_at(at);
    harness.drop_at(at);
    harness.run_steps(2);
    assert_eq!(
        harness.state().selection,
        Selection::Element("payment-db".into())
    );
}

#[test]
fn unsaved_work_reaches_the_recovery_file_once_per_change_and_per_model() {
    use rampart::editor::{Edit, Session};
    use rampart::ui::{Command, Settings};
    let dir = tempfile::tempdir().unwrap();
    let mut app = RampartApp::new(
        Session::new(model::Model::example(), None),
        Settings::default(),
        Some(dir.path().to_path_buf()),
    );
    app.native_dialogs = false;
    app.autosave.as_mut().unwrap().every = std::time::Duration::ZERO;
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_ui_state(|ui, app: &mut RampartApp| app.frame(ui), app);
    let recovery = dir.path().join("autosave.ron");
    assert!(!recovery.exists(), "nothing unsaved yet");
    let rename = |harness: &mut Harness<'_, RampartApp>, name: &str| {
        let m = harness.state().session.model().clone();
        harness
            .state_mut()
            .session
            .apply(Edit::SetInfo {
                name: name.into(),
                description: m.description,
                author: m.author,
            })
            .unwrap();
        harness.run_steps(1);
    };
    rename(&mut harness, "Edited shop");
    assert_eq!(model::load(&recovery).unwrap().model.name, "Edited shop");
    // Written once per change: a frame without a change leaves the file alone.
    std::fs::remove_file(&recovery).unwrap();
    harness.run_steps(2);
    assert!(!recovery.exists());
    // Another model: its edits are written too, although its revisions count from the start.
    // (New asks first: the edited model is not saved.)
    harness.state_mut().push(Command::New);
    harness.run_steps(2);
    harness.get_by_label("Discard changes").click();
    harness.run_steps(2);
    rename(&mut harness, "Second model");
    assert_eq!(model::load(&recovery).unwrap().model.name, "Second model");
}

/// The zoom buttons drawn over the canvas answer a real pointer click (press and release in
/// one frame, as a quick mouse click arrives), and the diagram beneath does not take it.
#[test]
fn zoom_buttons_over_the_canvas_answer_clicks() {
    let mut harness = harness();
    harness.state_mut().push(rampart::ui::Command::OpenPath(
        "models/healthcare.ron".into(),
    ));
    harness.run_steps(6);
    let before = harness.state().canvas.zoom_level();
    harness.get_by_label("+").click();
    harness.run_steps(4);
    let after = harness.state().canvas.zoom_level();
    assert!(after > before * 1.05, "+ did nothing: {before} -> {after}");
    assert_eq!(
        harness.state().selection,
        Selection::None,
        "the click went through"
    );
    harness.get_by_label("Fit").click();
    harness.run_steps(6);
    let fitted = harness.state().canvas.zoom_level();
    assert!(
        fitted < after * 0.95,
        "Fit did nothing: {after} -> {fitted}"
    );
    assert_eq!(harness.state().selection, Selection::None);
}

/// The PDF exported from the GUI carries the verification the app holds: a model verified
/// against a plaintext server where TLS is declared shows the drift in the report's findings
/// and in its verification section (the export once said "no verification has been recorded").
#[test]
fn pdf_exported_from_the_gui_includes_the_verification() {
    use std::io::{Read, Write};
    let dir = tempfile::tempdir().unwrap();
    // A plaintext HTTP server where the model declares TLS.
    let port = common::raw_server(|mut s| {
        let mut buf = [0u8; 1024];
        let _ = s.read(&mut buf);
        let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
    });
    let model_path = dir.path().join("shop.ron");
    std::fs::write(
        &model_path,
        format!(
            r#"(
  rampart: 1,
  name: "Shop",
  nodes: [
    (id: "client", kind: actor),
    (id: "api", name: "Orders API", kind: service),
  ],
  flows: [
    (id: "orders", from: "client", to: "api", protocol: "https", encryption: tls, authentication: oauth2,
      endpoint: (url: "127.0.0.1:{port}")),
  ],
)
"#
        ),
    )
    .unwrap();
    let (code, _, err) = common::rampart(&[
        "verify",
        model_path.to_str().unwrap(),
        "--timeout-ms",
        "3000",
        "--fail-on",
        "high",
    ]);
    assert_eq!(code, 1, "drift is found: {err}");
    let mut harness = harness();
    harness
        .state_mut()
        .push(rampart::ui::Command::OpenPath(model_path.clone()));
    harness.run_steps(4);
    assert!(harness.state().session.verification().is_some());
    let pdf = dir.path().join("shop.pdf");
    harness.state_mut().push(rampart::ui::Command::ExportPath(
        rampart::ui::ExportKind::Pdf,
        pdf.clone(),
    ));
    harness.run_steps(3);
    let out = std::process::Command::new("pdftotext")
        .args(["-raw", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext (poppler-utils) is needed: bash .ci/test installs it");
    let text = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(
        text.contains("drift.plaintext-where-tls-declared@orders"),
        "the drift finding is in the report"
    );
    assert!(!text.contains("no verification has been recorded"));
    let section = text
        .split("Verification against live endpoints")
        .last()
        .unwrap();
    assert!(section.contains("Verified on"), "{section}");
    assert!(section.contains("Drift"), "{section}");
}

/// File > Import: a Threat Dragon model opens as a new, unsaved model (asking first when the
/// current one has unsaved changes), with the notes on what had no place shown; a bad file
/// leaves the current model as it is and says why.
#[test]
fn importing_a_threat_dragon_model_opens_it_unsaved_with_its_notes() {
    let mut harness = harness();
    harness.state_mut().push(rampart::ui::Command::ImportPath(
        "tests/fixtures/import/threat-dragon-shop.json".into(),
    ));
    harness.run_steps(4);
    let state = harness.state();
    assert_eq!(state.session.model().name, "Shop written in Threat Dragon");
    assert_eq!(state.session.model().node_count(), 5);
    assert!(
        state.session.path().is_none(),
        "an import is not saved anywhere yet"
    );
    let notes = state.import_notes.as_ref().expect("the notes are shown");
    assert!(notes.1.iter().any(|n| n.contains("merged into")));
    assert!(harness.query_by_label_contains("Imported model").is_some());
    // The canvas shows the imported nodes.
    assert!(
        harness
            .state()
            .canvas
            .node_screen_pos("orders-db")
            .is_some()
    );

    // A file that is not a model: the model stays, the error names the file.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{ not json").unwrap();
    harness
        .state_mut()
        .push(rampart::ui::Command::ImportPath(bad.clone()));
    harness.run_steps(3);
    assert_eq!(
        harness.state().session.model().name,
        "Shop written in Threat Dragon"
    );
    let errors = harness
        .state()
        .load_errors
        .as_ref()
        .expect("an error is shown");
    assert!(
        errors.1[0].starts_with(&format!("{}:1:", bad.display())),
        "{errors:?}"
    );
}

/// File > Import takes every format (here Threagile, with its included file) and
/// File > Export > Open Threat Model writes the imported model out again with its findings.
#[test]
fn importing_threagile_and_exporting_otm_from_the_gui() {
    let mut harness = harness();
    harness.state_mut().push(rampart::ui::Command::ImportPath(
        "tests/fixtures/import/threagile-webshop.yaml".into(),
    ));
    harness.run_steps(4);
    let state = harness.state();
    assert_eq!(state.session.model().name, "Webshop in Threagile");
    assert_eq!(
        state.session.model().node_count(),
        7,
        "the included clients too"
    );
    let notes = state.import_notes.as_ref().expect("the notes are shown");
    assert!(
        notes
            .1
            .iter()
            .any(|n| n.contains("Shop Load Balancer: machine virtual")),
        "{notes:?}"
    );
    assert_eq!(
        state.session.model().runtimes.len(),
        1,
        "the shared runtime"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("webshop.otm");
    harness.state_mut().push(rampart::ui::Command::ExportPath(
        rampart::ui::ExportKind::Otm,
        out.clone(),
    ));
    harness.run_steps(3);
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(doc["otmVersion"], "0.2.0");
    assert_eq!(doc["components"].as_array().unwrap().len(), 7);
    assert_eq!(
        doc["threats"].as_array().unwrap().len(),
        harness.state().session.analysis().findings.len()
    );
}

/// View > Changes since last save: what an edit does, by element and by finding, with the
/// changed elements highlighted on the canvas; kept current as the model is edited.
#[test]
fn the_changes_view_shows_what_an_edit_does_and_follows_undo() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shop.ron");
    std::fs::copy("models/ecommerce.ron", &path).unwrap();
    let mut harness = harness();
    harness
        .state_mut()
        .push(rampart::ui::Command::OpenPath(path.clone()));
    harness.run_steps(4);
    let mut flow = harness
        .state()
        .session
        .model()
        .flow("api-gateway-to-order-service")
        .unwrap()
        .clone();
    flow.encryption = Encryption::None;
    harness.state_mut().push(rampart::ui::Command::Edit(
        rampart::editor::Edit::UpdateFlow(Box::new(flow)),
    ));
    harness.run_steps(3);
    harness
        .state_mut()
        .push(rampart::ui::Command::ShowChanges(None));
    harness.run_steps(3);
    let changes = harness
        .state()
        .changes
        .as_ref()
        .expect("the Changes window");
    assert!(changes.against.contains("shop.ron"));
    assert!(
        changes
            .diff
            .introduced
            .iter()
            .any(|f| f.id == "unencrypted-cross-boundary-flow@api-gateway-to-order-service")
    );
    assert!(
        changes.text.contains("encryption: mtls → none"),
        "{}",
        changes.text
    );
    assert!(
        harness
            .state()
            .highlighted()
            .contains("api-gateway-to-order-service")
    );
    assert!(harness.query_by_label_contains("Changes against").is_some());
    // Undo: the view follows, and nothing differs any more.
    harness.state_mut().push(rampart::ui::Command::Undo);
    harness.run_steps(4);
    let changes = harness.state().changes.as_ref().unwrap();
    assert!(changes.diff.is_empty(), "{}", changes.text);
    assert!(changes.text.starts_with("No changes."));
}

/// The non-ASCII characters inside string literals of the UI's source.
fn symbols_in_ui_strings(
    dir: &std::path::Path,
    found: &mut std::collections::BTreeMap<char, String>,
) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            symbols_in_ui_strings(&path, found);
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            let (mut inside, mut escaped) = (false, false);
            for c in line.chars() {
                match c {
                    '"' if !escaped => inside = !inside,
                    c if inside && !c.is_ascii() => {
                        found
                            .entry(c)
                            .or_insert_with(|| format!("{}:{}", path.display(), n + 1));
                    }
                    _ => {}
                }
                escaped = c == '\\' && !escaped;
            }
        }
    }
}

#[test]
fn every_symbol_the_ui_shows_is_in_its_fonts() {
    use skrifa::MetadataProvider;
    // A symbol missing from egui's fonts is drawn as an empty box: a "no" mark that reads as
    // an unticked checkbox, pass and fail told apart by nothing.
    let fonts = egui::FontDefinitions::default();
    let family = &fonts.families[&egui::FontFamily::Proportional];
    let mut found = std::collections::BTreeMap::new();
    symbols_in_ui_strings(std::path::Path::new("src/ui"), &mut found);
    assert!(found.contains_key(&'✔'), "the scan sees the UI's symbols");
    let missing: Vec<String> = found
        .iter()
        .filter(|(c, _)| {
            !family.iter().any(|name| {
                skrifa::FontRef::new(&fonts.font_data[name].font)
                    .is_ok_and(|f| f.charmap().map(**c).is_some())
            })
        })
        .map(|(c, at)| format!("{c} (U+{:04X}) at {at}", *c as u32))
        .collect();
    assert!(missing.is_empty(), "not in egui's fonts: {missing:#?}");
}
