//! The editing session without a window: new elements go into free space (never on another
//! box, never into a boundary they are not in, boundaries never grown into their neighbours),
//! drops keep or change membership as asked, ids follow names until saved, one-click fixes
//! clear their finding, and undo walks back to the start.

#![allow(clippy::unwrap_used)] // a panic is a failed test

use rampart::diagram::{self, Scene, contains, overlaps};
use rampart::editor::{Edit, Onto, Session};
use rampart::model::{BoundaryKind, Model, NodeKind, Pos};

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

/// Nodes apart; sibling boundaries apart; each node inside its boundaries and outside others.
fn assert_tidy(m: &Model, scene: &Scene, step: &str) {
    for (i, a) in scene.nodes.iter().enumerate() {
        for b in &scene.nodes[i + 1..] {
            assert!(
                !overlaps(a.rect, b.rect),
                "{step}: {} and {} overlap",
                a.id,
                b.id
            );
        }
    }
    for (i, a) in scene.boundaries.iter().enumerate() {
        for b in &scene.boundaries[i + 1..] {
            if a.parent == b.parent {
                assert!(
                    !overlaps(a.rect, b.rect),
                    "{step}: boundaries {} and {} overlap",
                    a.id,
                    b.id
                );
            }
        }
    }
    for node in m.nodes() {
        let drawn = scene.node(&node.id).unwrap();
        let chain: Vec<String> = node
            .boundary
            .as_deref()
            .map(|b| m.boundary_chain(b).iter().map(|x| x.id.clone()).collect())
            .unwrap_or_default();
        for b in &scene.boundaries {
            if chain.contains(&b.id) {
                assert!(
                    contains(b.rect, drawn.rect),
                    "{step}: {} outside its {}",
                    node.id,
                    b.id
                );
            } else {
                assert!(
                    !overlaps(b.rect, drawn.rect),
                    "{step}: {} drawn inside {}",
                    node.id,
                    b.id
                );
            }
        }
    }
}

#[test]
fn two_hundred_random_additions_never_stack_or_overlap() {
    for seed in [1u64, 2, 3] {
        let mut rng = Rng(seed);
        let mut s = Session::new(Model::new("random"), None);
        for step in 0..200 {
            let boundaries: Vec<String> =
                s.model().boundaries.iter().map(|b| b.id.clone()).collect();
            let pick = |rng: &mut Rng| -> Option<String> {
                if boundaries.is_empty() || rng.below(5) == 0 {
                    None
                } else {
                    Some(boundaries[rng.below(boundaries.len())].clone())
                }
            };
            let what;
            if rng.below(4) == 0 || boundaries.is_empty() {
                let kind = BoundaryKind::ALL[rng.below(BoundaryKind::ALL.len())];
                let parent = pick(&mut rng);
                what = format!("boundary {kind:?} in {parent:?}");
                s.add_boundary(kind, parent).unwrap();
            } else {
                let kind = NodeKind::ALL[rng.below(NodeKind::ALL.len())];
                let b = pick(&mut rng);
                what = format!("node {kind:?} in {b:?}");
                s.add_node(kind, b, None).unwrap();
            }
            // Every step with DEBUG_PLACE=1 (slow), every twentieth otherwise.
            if std::env::var_os("DEBUG_PLACE").is_some() {
                assert_tidy(
                    s.model(),
                    &s.scene(),
                    &format!("seed {seed} step {step} after {what}"),
                );
            }
            assert!(
                s.problems().is_empty(),
                "seed {seed} step {step}: {:?}",
                s.problems()
            );
            if step % 20 == 19 || step == 199 {
                assert_tidy(s.model(), &s.scene(), &format!("seed {seed} step {step}"));
            }
        }
        assert_eq!(s.model().node_count() + s.model().boundaries.len(), 200);
    }
}

#[test]
fn adding_to_an_automatic_layout_moves_nothing_else() {
    let mut s = Session::new(Model::example(), None);
    let before = s.scene();
    let added = s
        .add_node(NodeKind::Service, Some("dmz".into()), None)
        .unwrap();
    assert_eq!(added.note, None);
    let after = s.scene();
    for n in &before.nodes {
        assert_eq!(after.node(&n.id).unwrap().rect, n.rect, "{} moved", n.id);
    }
    assert_tidy(s.model(), &after, "after adding");
    // A full boundary: what is right of it moves over, and nothing overlaps. (The example
    // without its build chain, whose layout leaves the Kubernetes namespace no room to grow.)
    let mut m = Model::example();
    for id in ["source-repo", "ci-pipeline", "image-registry"] {
        assert!(m.remove_node(id).is_some(), "{id}");
    }
    let mut s = Session::new(m, None);
    let added = s
        .add_node(NodeKind::Service, Some("k8s-shop".into()), None)
        .unwrap();
    assert!(added.note.unwrap().contains("moved right to make room"));
    assert_tidy(s.model(), &s.scene(), "after making room");
}

#[test]
fn a_drop_keeps_membership_unless_onto_another_boundary() {
    let mut s = Session::new(Model::example(), None);
    let scene = s.scene();
    let customer = scene.node("customer").unwrap().center();
    // Dropped a little further inside its own boundary: it stays, and nothing else moves.
    let near = Pos {
        x: customer.x,
        y: customer.y + 4.0,
    };
    assert_eq!(s.drop_node("customer", near, &Onto::Keep).unwrap(), None);
    assert_eq!(
        s.model().node("customer").unwrap().boundary.as_deref(),
        Some("internet")
    );
    // Dropped just outside its boundary's outline: it stays in it, the boundary grows or the
    // node is kept inside; never silently moved out.
    let internet = scene.boundary("internet").unwrap().rect;
    let outside = Pos {
        x: internet.x + internet.w + 30.0,
        y: customer.y,
    };
    assert_eq!(s.drop_node("customer", outside, &Onto::Keep).unwrap(), None);
    assert_eq!(
        s.model().node("customer").unwrap().boundary.as_deref(),
        Some("internet")
    );
    assert_tidy(s.model(), &s.scene(), "kept");
    // Dropped onto the DMZ: it moves there, says so, and undo puts it back.
    let dmz = s.scene().boundary("dmz").unwrap().rect;
    let into = Pos {
        x: dmz.x + dmz.w / 2.0,
        y: dmz.y + dmz.h / 2.0,
    };
    let said = s
        .drop_node("customer", into, &Onto::Boundary("dmz".into()))
        .unwrap();
    assert_eq!(
        said.as_deref(),
        Some("Customer (browser) moved to DMZ (public subnets), trust 3")
    );
    assert_eq!(
        s.model().node("customer").unwrap().boundary.as_deref(),
        Some("dmz")
    );
    assert_tidy(s.model(), &s.scene(), "moved");
    assert!(s.undo());
    assert_eq!(
        s.model().node("customer").unwrap().boundary.as_deref(),
        Some("internet")
    );
    // Outside every boundary only when asked.
    let far = Pos {
        x: -2000.0,
        y: -2000.0,
    };
    let said = s.drop_node("customer", far, &Onto::Outside).unwrap();
    assert!(said.unwrap().contains("out of every boundary"));
    assert_eq!(s.model().node("customer").unwrap().boundary, None);
}

#[test]
fn ids_follow_names_until_saved() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Session::new(Model::new("x"), None);
    let b = s.add_boundary(BoundaryKind::Internet, None).unwrap();
    assert_eq!(b, "internet");
    let mut boundary = s.model().boundary(&b).unwrap().clone();
    boundary.name = "Public internet".into();
    let applied = s.apply(Edit::UpdateBoundary(Box::new(boundary))).unwrap();
    assert_eq!(
        applied.renamed,
        vec![("internet".to_string(), "public-internet".to_string())]
    );
    let n = s
        .add_node(NodeKind::Actor, Some("public-internet".into()), None)
        .unwrap()
        .id;
    // Typing the name letter by letter: one undo step, the id following.
    for name in ["B", "Br", "Browser"] {
        let mut node = s
            .model()
            .node(s.model().nodes().next().unwrap().id.as_str())
            .unwrap()
            .clone();
        node.name = name.into();
        let key = s.typing_key(&node.id, "name");
        s.apply_coalescing(Edit::UpdateNode(Box::new(node)), Some(&key))
            .unwrap();
    }
    assert!(s.model().node("browser").is_some(), "{n} -> browser");
    assert_eq!(
        s.model().node("browser").unwrap().boundary.as_deref(),
        Some("public-internet")
    );
    s.undo();
    assert!(s.model().node(&n).is_some(), "typing undoes in one step");
    s.redo();
    s.save_as(&dir.path().join("m.ron")).unwrap();
    let mut node = s.model().node("browser").unwrap().clone();
    node.name = "Web browser".into();
    let applied = s.apply(Edit::UpdateNode(Box::new(node))).unwrap();
    assert!(applied.renamed.is_empty(), "saved ids stay");
    assert!(s.model().node("browser").is_some());
}

#[test]
fn one_click_fixes_clear_their_finding() {
    let mut s = Session::new(Model::example(), None);
    let fixable: Vec<(String, rampart::analysis::Change)> = s
        .analysis()
        .findings
        .iter()
        .filter_map(|f| f.change.clone().map(|c| (f.id.clone(), c)))
        .collect();
    assert!(fixable.len() >= 5, "{}", fixable.len());
    for (id, change) in fixable {
        if !s.analysis().findings.iter().any(|f| f.id == id) {
            continue; // an earlier fix cleared it too
        }
        s.apply_fix(&change).unwrap();
        assert!(
            !s.analysis().findings.iter().any(|f| f.id == id),
            "{id} still fires after {change:?}"
        );
    }
}

#[test]
fn undo_walks_back_to_the_start_byte_for_byte() {
    let mut s = Session::new(Model::example(), None);
    let start = rampart::model::to_text(s.model());
    let mut rng = Rng(9);
    for _ in 0..60 {
        let nodes: Vec<String> = s.model().nodes().map(|n| n.id.clone()).collect();
        match rng.below(4) {
            0 => {
                s.add_node(NodeKind::Service, Some("k8s-shop".into()), None)
                    .unwrap();
            }
            1 => {
                let a = &nodes[rng.below(nodes.len())];
                let b = &nodes[rng.below(nodes.len())];
                let _ = s.apply(Edit::AddFlow {
                    from: a.clone(),
                    to: b.clone(),
                });
            }
            2 => {
                let id = &nodes[rng.below(nodes.len())];
                let p = s.scene().node(id).unwrap().center();
                s.drop_node(
                    id,
                    Pos {
                        x: p.x + 40.0,
                        y: p.y,
                    },
                    &Onto::Keep,
                )
                .unwrap();
            }
            _ => {
                let id = nodes[rng.below(nodes.len())].clone();
                s.apply(Edit::Delete(id)).unwrap();
            }
        }
    }
    let end = rampart::model::to_text(s.model());
    while s.undo() {}
    assert_eq!(rampart::model::to_text(s.model()), start);
    while s.redo() {}
    assert_eq!(rampart::model::to_text(s.model()), end);
    let _ = diagram::NODE_W;
}

/// Undo names what the user did: adding a node that moved others to make room is "add actor",
/// not "move 18 nodes and more".
#[test]
fn undo_names_the_addition_not_the_room_it_made() {
    let mut s = Session::new(Model::new("t"), None);
    s.apply(Edit::AddNode {
        kind: NodeKind::Service,
        pos: Pos { x: 0.0, y: 0.0 },
        boundary: None,
    })
    .unwrap();
    let id = s.model().nodes().next().unwrap().id.clone();
    s.apply(Edit::Batch(vec![
        Edit::Move(vec![(id, Pos { x: 400.0, y: 0.0 })]),
        Edit::AddNode {
            kind: NodeKind::Actor,
            pos: Pos { x: 0.0, y: 0.0 },
            boundary: None,
        },
    ]))
    .unwrap();
    assert_eq!(s.undo_label(), Some("add actor"));
    assert!(s.undo());
    assert_eq!(s.redo_label(), Some("add actor"));
}
