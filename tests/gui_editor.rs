//! The editor as a first-time architect uses it, driven headless through egui_kittest: a small
//! system modelled from File > New, nothing lost without asking, the canvas always showing the
//! model, drags that say what they change, and a monkey test of random actions.

#![cfg(feature = "gui")]
#![allow(clippy::unwrap_used)] // a panic is a failed test

use egui::{Key, Modifiers, Pos2};
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use rampart::editor::{Edit, Onto};
use rampart::model::{self, Encryption, NodeKind, Pos, Status};
use rampart::ui::{Command, RampartApp, Selection, Tool};

fn harness() -> Harness<'static, RampartApp> {
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1440.0, 900.0))
        .build_ui_state(
            |ui, app: &mut RampartApp| app.frame(ui),
            RampartApp::for_tests(),
        );
    harness.run_steps(4);
    harness
}

fn steps(h: &mut Harness<'_, RampartApp>, n: usize) {
    h.run_steps(n);
}

/// Drags with the pointer from one screen point to another, in small steps.
fn drag(h: &mut Harness<'_, RampartApp>, from: Pos2, to: Pos2) {
    h.drag_at(from);
    steps(h, 1);
    for k in 1..=4 {
        let t = k as f32 / 4.0;
        h.hover_at(from + (to - from) * t);
        steps(h, 1);
    }
    h.drop_at(to);
    steps(h, 3);
}

fn node_at(h: &Harness<'_, RampartApp>, id: &str) -> Pos2 {
    h.state()
        .canvas
        .node_screen_pos(id)
        .unwrap_or_else(|| panic!("{id} is not on the canvas"))
}

/// Every node and flow of the model is on the canvas, each node inside its boundaries' drawn
/// rectangles and tinted by its worst open finding.
fn assert_canvas_shows_model(h: &Harness<'_, RampartApp>, what: &str) {
    let app = h.state();
    let m = app.session.model();
    let drawn = app.canvas.drawn();
    let worst = app.session.analysis().worst_by_element();
    for node in m.nodes() {
        let (_, rect, tint) = drawn
            .nodes
            .iter()
            .find(|(id, _, _)| *id == node.id)
            .unwrap_or_else(|| panic!("{what}: {} is not drawn", node.id));
        assert_eq!(
            *tint,
            worst.get(node.id.as_str()).copied(),
            "{what}: tint of {}",
            node.id
        );
        if let Some(b) = &node.boundary {
            for chain in m.boundary_chain(b) {
                let (_, region) = drawn
                    .boundaries
                    .iter()
                    .find(|(id, _)| *id == chain.id)
                    .unwrap_or_else(|| panic!("{what}: boundary {} is not drawn", chain.id));
                assert!(
                    region.expand(1.0).contains_rect(*rect),
                    "{what}: {} outside {}",
                    node.id,
                    chain.id
                );
            }
        }
    }
    for flow in m.flows() {
        assert!(
            drawn
                .flows
                .iter()
                .any(|(id, points)| *id == flow.id && points.len() >= 2),
            "{what}: flow {} is not drawn",
            flow.id
        );
    }
}

#[test]
fn a_newcomer_models_browser_gateway_service_database_from_file_new() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    h.get_by_label("File").click();
    steps(&mut h, 1);
    h.get_by_label_contains("New ").click();
    steps(&mut h, 3);
    assert_eq!(h.state().session.model().node_count(), 0);

    // Three boundaries, four nodes, from the palette.
    let add_boundary = |h: &mut Harness<'_, RampartApp>, item: &str| {
        h.key_press(Key::Escape);
        steps(h, 1);
        h.get_by_label("+ Boundary…").click();
        steps(h, 2);
        h.get_by_label(item).click();
        steps(h, 3);
    };
    let rename = |h: &mut Harness<'_, RampartApp>, name: &str| {
        h.get_by_label("Name").focus();
        steps(h, 1);
        h.key_press_modifiers(Modifiers::COMMAND, Key::A);
        h.get_by_label("Name").type_text(name);
        steps(h, 2);
        h.key_press(Key::Escape);
        steps(h, 1);
    };
    add_boundary(&mut h, "Internet (trust 0)");
    h.get_by_label("+ Actor").click();
    steps(&mut h, 3);
    rename(&mut h, "Browser");
    add_boundary(&mut h, "DMZ (trust 3)");
    h.get_by_label("+ Gateway").click();
    steps(&mut h, 3);
    add_boundary(&mut h, "Internal network (trust 5)");
    h.get_by_label("+ Service").click();
    steps(&mut h, 3);
    rename(&mut h, "Orders");
    h.push_selection_boundary("internal-network");
    h.get_by_label("+ Data store").click();
    steps(&mut h, 3);
    rename(&mut h, "Orders DB");
    {
        let m = h.state().session.model();
        assert_eq!(m.node_count(), 4);
        for (id, boundary) in [
            ("browser", "internet"),
            ("gateway", "dmz"),
            ("orders", "internal-network"),
            ("orders-db", "internal-network"),
        ] {
            assert_eq!(
                m.node(id)
                    .unwrap_or_else(|| panic!("{id}"))
                    .boundary
                    .as_deref(),
                Some(boundary)
            );
        }
    }
    // Nothing stacked, everything inside its boundary.
    h.key_press(Key::F);
    steps(&mut h, 4);
    assert_canvas_shows_model(&h, "after adding");
    let rects: Vec<egui::Rect> = h.state().canvas.drawn().nodes.iter().map(|n| n.1).collect();
    for (i, a) in rects.iter().enumerate() {
        for b in &rects[i + 1..] {
            assert!(!a.intersects(*b), "stacked nodes");
        }
    }

    // Three flows with the flow tool.
    h.get_by_label("✏ Draw flows").click();
    steps(&mut h, 2);
    assert_eq!(h.state().canvas.tool, Tool::Connect);
    for (a, b) in [
        ("browser", "gateway"),
        ("gateway", "orders"),
        ("orders", "orders-db"),
    ] {
        let (from, to) = (node_at(&h, a), node_at(&h, b));
        drag(&mut h, from, to);
    }
    h.key_press(Key::Escape);
    steps(&mut h, 2);
    assert_eq!(h.state().session.model().flow_count(), 3);
    assert_canvas_shows_model(&h, "after drawing");

    // Findings appear; a one-click fix clears one.
    let fix = "unauthenticated-cross-boundary-flow@gateway-to-orders";
    assert!(
        h.state()
            .session
            .analysis()
            .findings
            .iter()
            .any(|f| f.id == fix)
    );
    h.state_mut().push(Command::SelectFinding(Some(fix.into())));
    steps(&mut h, 3);
    h.get_by_label("Apply fix").click();
    steps(&mut h, 3);
    assert!(
        !h.state()
            .session
            .analysis()
            .findings
            .iter()
            .any(|f| f.id == fix)
    );
    assert!(
        h.query_by_label_contains("Applied: Set Authentication to")
            .is_some()
    );

    // A risk decision on another.
    let decide = "unauthenticated-datastore-access@orders-to-orders-db";
    h.state_mut()
        .push(Command::SelectFinding(Some(decide.into())));
    steps(&mut h, 3);
    h.get_by_label("Status").click();
    steps(&mut h, 2);
    h.get_by_label("Accepted").click();
    steps(&mut h, 2);
    h.get_by_label("Justification").focus();
    steps(&mut h, 1);
    h.get_by_label("Justification")
        .type_text("Database is reachable only from the orders pod.");
    steps(&mut h, 2);
    h.get_by_label("Record decision").click();
    steps(&mut h, 3);
    assert!(
        h.state()
            .session
            .model()
            .decisions
            .iter()
            .any(|d| d.finding == decide),
        "{:?}",
        h.state().session.model().decisions
    );

    // Undo five times and redo five times: the same bytes.
    let before = model::to_text(h.state().session.model());
    for _ in 0..5 {
        h.state_mut().push(Command::Undo);
        steps(&mut h, 1);
    }
    assert_ne!(model::to_text(h.state().session.model()), before);
    for _ in 0..5 {
        h.state_mut().push(Command::Redo);
        steps(&mut h, 1);
    }
    assert_eq!(model::to_text(h.state().session.model()), before);

    // Saved and reopened, the decision is there.
    let path = dir.path().join("shop.ron");
    h.state_mut().push(Command::SaveAsPath(path.clone()));
    steps(&mut h, 2);
    assert!(!h.state().session.is_dirty());
    h.state_mut().push(Command::New);
    steps(&mut h, 2);
    h.state_mut().push(Command::OpenPath(path.clone()));
    steps(&mut h, 4);
    let d = h
        .state()
        .session
        .model()
        .decisions
        .iter()
        .find(|d| d.finding == decide)
        .cloned();
    assert_eq!(d.map(|d| d.status), Some(Status::Accepted));
    assert_canvas_shows_model(&h, "reopened");
}

/// Helper: select a boundary as a click in the outline would.
trait SelectBoundary {
    fn push_selection_boundary(&mut self, id: &str);
}

impl SelectBoundary for Harness<'_, RampartApp> {
    fn push_selection_boundary(&mut self, id: &str) {
        self.state_mut()
            .push(Command::Select(Selection::Element(id.into())));
        self.run_steps(2);
    }
}

#[test]
fn new_and_open_with_unsaved_changes_ask_and_cancel_keeps_the_model() {
    let mut h = harness();
    h.get_by_label("+ Data store").click();
    steps(&mut h, 3);
    let edited = model::to_text(h.state().session.model());
    assert!(h.state().session.is_dirty());
    for command in [
        Command::New,
        Command::OpenPath("models/healthcare.ron".into()),
        Command::ImportPath("tests/fixtures/import/threat-dragon-shop.json".into()),
    ] {
        h.state_mut().push(command);
        // (The question fades in; its buttons take clicks once it is shown.)
        steps(&mut h, 10);
        assert!(h.query_by_label("Save your changes?").is_some());
        h.get_by_label("Cancel").click();
        steps(&mut h, 2);
        assert!(h.state().unsaved.is_none(), "the question is gone");
        assert_eq!(model::to_text(h.state().session.model()), edited);
        assert!(h.state().session.is_dirty());
    }
    // Discard goes on with what was asked.
    h.state_mut()
        .push(Command::OpenPath("models/healthcare.ron".into()));
    steps(&mut h, 10);
    h.get_by_label("Discard changes").click();
    steps(&mut h, 3);
    assert_eq!(
        h.state().session.path(),
        Some(std::path::Path::new("models/healthcare.ron"))
    );
    // Save goes on too, after saving.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("h.ron");
    h.state_mut().push(Command::SaveAsPath(path.clone()));
    steps(&mut h, 2);
    h.get_by_label("+ Actor").click();
    steps(&mut h, 3);
    h.state_mut().push(Command::New);
    steps(&mut h, 10);
    h.get_by_label("Save").click();
    steps(&mut h, 3);
    assert_eq!(
        h.state().session.model().node_count(),
        0,
        "the new model is open"
    );
    let saved = model::load(&path).unwrap().model;
    assert!(
        saved
            .nodes()
            .any(|n| n.kind == NodeKind::Actor && n.name == "New actor")
    );
}

#[test]
fn the_canvas_shows_every_model_it_opens() {
    let dir = tempfile::tempdir().unwrap();
    let mut h = harness();
    assert_canvas_shows_model(&h, "built-in example");
    for file in [
        "models/healthcare.ron",
        "models/payments.ron",
        "models/ecommerce.ron",
    ] {
        h.state_mut().push(Command::OpenPath(file.into()));
        steps(&mut h, 4);
        assert_canvas_shows_model(&h, file);
    }
    // A small model saved and opened again (the case that once showed empty boundaries).
    h.state_mut().push(Command::New);
    steps(&mut h, 2);
    let b = h
        .state_mut()
        .session
        .add_boundary(model::BoundaryKind::InternalNetwork, None)
        .unwrap();
    for kind in [
        NodeKind::Actor,
        NodeKind::Gateway,
        NodeKind::Service,
        NodeKind::DataStore,
    ] {
        h.state_mut()
            .session
            .add_node(kind, Some(b.clone()), None)
            .unwrap();
    }
    h.state_mut()
        .session
        .apply(Edit::AddFlow {
            from: "service".into(),
            to: "data-store".into(),
        })
        .unwrap();
    let path = dir.path().join("four.ron");
    h.state_mut().push(Command::SaveAsPath(path.clone()));
    steps(&mut h, 2);
    h.state_mut().push(Command::New);
    steps(&mut h, 2);
    assert!(
        h.state().canvas.drawn().nodes.is_empty(),
        "a new model shows nothing old"
    );
    h.state_mut().push(Command::OpenPath(path));
    steps(&mut h, 4);
    assert_eq!(h.state().canvas.drawn().nodes.len(), 4);
    assert_canvas_shows_model(&h, "saved and reopened");
}

#[test]
fn dragging_keeps_membership_inside_and_changes_it_onto_another_boundary_with_undo() {
    let mut h = harness();
    h.key_press(Key::F);
    steps(&mut h, 3);
    // A small move inside its boundary: still in the internet.
    let at = node_at(&h, "customer");
    drag(&mut h, at, at + egui::vec2(4.0, 6.0));
    assert_eq!(
        h.state()
            .session
            .model()
            .node("customer")
            .unwrap()
            .boundary
            .as_deref(),
        Some("internet")
    );
    // Dropped onto the DMZ: it moves there and says so; undo puts it back.
    let dmz = h.state().canvas.boundary_screen_rect("dmz").unwrap();
    let target = dmz.left_top() + egui::vec2(dmz.width() * 0.1, dmz.height() * 0.5);
    let from = node_at(&h, "customer");
    drag(&mut h, from, target);
    assert_eq!(
        h.state()
            .session
            .model()
            .node("customer")
            .unwrap()
            .boundary
            .as_deref(),
        Some("dmz")
    );
    let notice = h
        .state()
        .notice
        .as_ref()
        .map(|n| n.text.clone())
        .unwrap_or_default();
    assert!(notice.contains("moved to DMZ"), "{notice}");
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    steps(&mut h, 3);
    assert_eq!(
        h.state()
            .session
            .model()
            .node("customer")
            .unwrap()
            .boundary
            .as_deref(),
        Some("internet")
    );
    assert_canvas_shows_model(&h, "after undo");
}

/// SplitMix64, for reproducible random actions.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Random actions, in episodes that each start from a fresh model (new, or an example opened):
/// no panic, every model the GUI holds valid, and undo back to the episode's start gives its
/// starting model. `RAMPART_MONKEY_STEPS` sets the number (2,000 here; the fuzz script runs
/// 10,000).
#[test]
fn monkey() {
    let total: usize = std::env::var("RAMPART_MONKEY_STEPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut rng = Rng(0x00C0_FFEE);
    let mut h = harness();
    let mut start = model::to_text(h.state().session.model());
    let mut in_episode = 0;
    let examples = [
        "models/ecommerce.ron",
        "models/healthcare.ron",
        "models/payments.ron",
    ];
    for step in 0..total {
        let (nodes, boundaries, elements) = {
            let m = h.state().session.model();
            let nodes: Vec<String> = m.nodes().map(|n| n.id.clone()).collect();
            let boundaries: Vec<String> = m.boundaries.iter().map(|b| b.id.clone()).collect();
            let mut elements = nodes.clone();
            elements.extend(m.flows().map(|f| f.id.clone()));
            elements.extend(boundaries.iter().cloned());
            (nodes, boundaries, elements)
        };
        let pick = |rng: &mut Rng, list: &[String]| {
            (!list.is_empty()).then(|| list[rng.below(list.len())].clone())
        };
        let episode_over = in_episode >= 120;
        let action = if episode_over { 99 } else { rng.below(14) };
        match action {
            0 | 1 => {
                let kind = NodeKind::ALL[rng.below(NodeKind::ALL.len())];
                let boundary = if rng.below(4) == 0 {
                    None
                } else {
                    pick(&mut rng, &boundaries)
                };
                h.state_mut().push(Command::AddNode {
                    kind,
                    boundary,
                    near: None,
                });
            }
            2 => {
                let kind = model::BoundaryKind::ALL[rng.below(model::BoundaryKind::ALL.len())];
                let parent = if rng.below(2) == 0 {
                    None
                } else {
                    pick(&mut rng, &boundaries)
                };
                h.state_mut().push(Command::AddBoundary { kind, parent });
            }
            3 | 4 => {
                if let (Some(a), Some(b)) = (pick(&mut rng, &nodes), pick(&mut rng, &nodes)) {
                    h.state_mut()
                        .push(Command::Edit(Edit::AddFlow { from: a, to: b }));
                }
            }
            5 => {
                // A real pointer drag on the canvas.
                if let Some(id) = pick(&mut rng, &nodes)
                    && let Some(at) = h.state().canvas.node_screen_pos(&id)
                {
                    let to = at
                        + egui::vec2(rng.below(200) as f32 - 100.0, rng.below(160) as f32 - 80.0);
                    drag(&mut h, at, to);
                }
            }
            6 => {
                if let Some(id) = pick(&mut rng, &nodes) {
                    let onto = match rng.below(3) {
                        0 => Onto::Keep,
                        1 => pick(&mut rng, &boundaries).map_or(Onto::Keep, Onto::Boundary),
                        _ => Onto::Outside,
                    };
                    let pos = Pos {
                        x: rng.below(2000) as f32 - 500.0,
                        y: rng.below(1400) as f32 - 300.0,
                    };
                    h.state_mut().push(Command::DropNode { id, pos, onto });
                }
            }
            7 => {
                if let Some(id) = pick(&mut rng, &elements) {
                    h.state_mut().push(Command::Edit(Edit::Delete(id)));
                }
            }
            8 => {
                // Typing a name into a node, as the inspector does.
                if let Some(id) = pick(&mut rng, &nodes) {
                    let mut node = h.state().session.model().node(&id).unwrap().clone();
                    node.name = format!("Node {}", rng.below(50));
                    node.encrypted_at_rest = rng.below(2) == 0;
                    let key = h.state().session.typing_key(&id, "name");
                    h.state_mut()
                        .push(Command::EditTyping(Edit::UpdateNode(Box::new(node)), key));
                }
            }
            9 => {
                if let Some(f) = pick(&mut rng, &elements)
                    && let Some(flow) = h.state().session.model().flow(&f).cloned()
                {
                    let mut flow = flow;
                    flow.encryption = Encryption::ALL[rng.below(3)];
                    h.state_mut()
                        .push(Command::Edit(Edit::UpdateFlow(Box::new(flow))));
                }
            }
            10 => h.state_mut().push(Command::Undo),
            11 => h.state_mut().push(Command::Redo),
            12 => {
                let fix = h
                    .state()
                    .session
                    .analysis()
                    .findings
                    .iter()
                    .find_map(|f| f.change.clone());
                if let Some(change) = fix {
                    h.state_mut().push(Command::ApplyFix(change));
                }
            }
            13 => {
                if let Some(id) = pick(&mut rng, &boundaries) {
                    h.state_mut().push(Command::ToggleCollapse(id));
                }
            }
            _ => {
                // End of an episode: undo to its start, then a fresh model.
                while h.state_mut().session.undo() {}
                assert_eq!(
                    model::to_text(h.state().session.model()),
                    start,
                    "step {step}: undo back to the start"
                );
                let next = if rng.below(3) == 0 {
                    Command::New
                } else {
                    Command::OpenPath(examples[rng.below(examples.len())].into())
                };
                h.state_mut().push(Command::Confirmed(Box::new(next)));
                steps(&mut h, 2);
                start = model::to_text(h.state().session.model());
                in_episode = 0;
                continue;
            }
        }
        steps(&mut h, 1);
        in_episode += 1;
        let problems = h.state().session.problems().to_vec();
        assert!(
            problems.is_empty(),
            "step {step} (action {action}): the model is invalid: {problems:?}"
        );
    }
}

#[test]
fn typing_an_endpoint_keeps_focus_while_problems_come_and_go_above() {
    // Tall enough that the inspector's endpoint fields are on screen without scrolling.
    let mut h = Harness::builder()
        .with_size(egui::vec2(1440.0, 2400.0))
        .build_ui_state(
            |ui, app: &mut RampartApp| app.frame(ui),
            RampartApp::for_tests(),
        );
    steps(&mut h, 4);
    h.get_by_label("+ Service").click();
    steps(&mut h, 3);
    h.get_by_label("Live endpoint (for probes and verify)")
        .click();
    steps(&mut h, 3);
    h.get_by_label("URL or host:port").focus();
    steps(&mut h, 1);
    // One key per frame, as a person types: the half-typed URL is a problem shown above the
    // field, and the field must keep the focus as that message appears and goes.
    for c in "127.0.0.1:5602".chars() {
        h.get_by_label("URL or host:port").type_text(&c.to_string());
        steps(&mut h, 2);
    }
    let app = h.state();
    let Selection::Element(id) = app.selection.clone() else {
        panic!("the new service is selected")
    };
    let node = app.session.model().node(&id).cloned().unwrap();
    let endpoint = node.endpoint.expect("the endpoint was switched on");
    assert_eq!(endpoint.url, "127.0.0.1:5602");
    assert_eq!(endpoint.sni, None, "no keystroke went to the SNI field");
}
