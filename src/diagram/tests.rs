//! The diagram's promises, checked on the layout output of every example model and of generated
//! models: routes clear of other boxes, every flow labelled, labels clear of each other and of
//! boxes, nodes inside their boundaries and outside the others, siblings apart, determinism.

use super::*;
use crate::model::{self, Layout};

fn examples() -> Vec<(String, Model)> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir("models").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "ron") {
            let m = model::load(&path).unwrap().model;
            out.push((path.display().to_string(), m));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

fn generated(n: usize) -> Model {
    let mut m = model::generate::generate(n, 7);
    m.layout = Layout::default();
    m
}

/// Whether an axis-aligned piece passes through the inside of `r`.
fn crosses(a: Pos, b: Pos, r: Rect) -> bool {
    let (x0, x1) = (a.x.min(b.x), a.x.max(b.x));
    let (y0, y1) = (a.y.min(b.y), a.y.max(b.y));
    x1 > r.x + 0.5 && x0 < r.x + r.w - 0.5 && y1 > r.y + 0.5 && y0 < r.y + r.h - 0.5
}

fn check(name: &str, m: &Model, scene: &Scene) {
    // Every flow is drawn, with a label or a callout (unless a collapsed boundary holds both
    // its ends).
    let shown = |id: &str| -> Option<String> {
        if scene.node(id).is_some() {
            return Some(id.to_string());
        }
        let node = m.node(id)?;
        let chain = m.boundary_chain(node.boundary.as_deref()?);
        chain
            .iter()
            .rev()
            .find(|b| scene.node(&b.id).is_some())
            .map(|b| b.id.clone())
    };
    for f in m.flows() {
        if shown(&f.from) == shown(&f.to) {
            assert!(
                scene.flow(&f.id).is_none(),
                "{name}: {} is inside one box",
                f.id
            );
            continue;
        }
        let drawn = scene
            .flow(&f.id)
            .unwrap_or_else(|| panic!("{name}: flow {} is not drawn", f.id));
        assert!(drawn.points.len() >= 2, "{name}: {}", f.id);
        match &drawn.label {
            FlowLabel::Text { text, rect } => {
                assert!(!text.is_empty() && rect.w > 0.0, "{name}: {}", f.id);
            }
            FlowLabel::Callout { tag, text, .. } => {
                assert!(
                    scene.key.iter().any(|k| &k.tag == tag && &k.text == text),
                    "{name}: callout {tag} of {} is not in the key",
                    f.id
                );
            }
        }
    }
    // Routes are orthogonal and pass through no box but their own ends' (and those only by the
    // stub that leaves or enters them).
    for f in &scene.flows {
        let n = f.points.len();
        for (i, w) in f.points.windows(2).enumerate() {
            let (a, b) = (w[0], w[1]);
            assert!(
                (a.x - b.x).abs() < 0.01 || (a.y - b.y).abs() < 0.01,
                "{name}: {} has a diagonal piece {a:?} {b:?}",
                f.id
            );
            for node in &scene.nodes {
                let end = (node.id == f.from && i == 0) || (node.id == f.to && i == n - 2);
                if !end {
                    assert!(
                        !crosses(a, b, node.rect),
                        "{name}: flow {} runs through {} ({a:?} -> {b:?})",
                        f.id,
                        node.id
                    );
                }
            }
            for bnd in &scene.boundaries {
                assert!(
                    !crosses(a, b, bnd.title_rect),
                    "{name}: flow {} runs through the title of {}",
                    f.id,
                    bnd.id
                );
            }
        }
    }
    // Labels overlap neither each other nor a box.
    let labels: Vec<(&str, Rect)> = scene
        .flows
        .iter()
        .map(|f| (f.id.as_str(), f.label.rect()))
        .collect();
    for (i, (a, ra)) in labels.iter().enumerate() {
        for (b, rb) in &labels[i + 1..] {
            assert!(!overlaps(*ra, *rb), "{name}: labels of {a} and {b} overlap");
        }
        for node in &scene.nodes {
            assert!(
                !overlaps(*ra, node.rect),
                "{name}: label of {a} covers {}",
                node.id
            );
        }
    }
    // Boxes do not overlap.
    for (i, a) in scene.nodes.iter().enumerate() {
        for b in &scene.nodes[i + 1..] {
            assert!(
                !overlaps(a.rect, b.rect),
                "{name}: {} and {} overlap",
                a.id,
                b.id
            );
        }
    }
    // Each node is inside every boundary around it and outside every other.
    for node in m.nodes() {
        let Some(drawn) = scene.node(&node.id) else {
            continue;
        };
        let chain: Vec<&str> = node
            .boundary
            .as_deref()
            .map(|b| m.boundary_chain(b).iter().map(|x| x.id.as_str()).collect())
            .unwrap_or_default();
        for b in &scene.boundaries {
            if chain.contains(&b.id.as_str()) {
                assert!(
                    contains(b.rect, drawn.rect),
                    "{name}: {} is not inside its boundary {}",
                    node.id,
                    b.id
                );
            } else {
                assert!(
                    !overlaps(b.rect, drawn.rect),
                    "{name}: {} is drawn inside {}, which it is not in",
                    node.id,
                    b.id
                );
            }
        }
    }
    // Siblings apart; children inside parents.
    for (i, a) in scene.boundaries.iter().enumerate() {
        for b in &scene.boundaries[i + 1..] {
            if a.parent == b.parent {
                assert!(
                    !overlaps(a.rect, b.rect),
                    "{name}: {} and {} overlap",
                    a.id,
                    b.id
                );
            }
        }
        if let Some(p) = &a.parent {
            let parent = scene.boundary(p).unwrap();
            assert!(
                contains(parent.rect, a.rect),
                "{name}: {} outside {p}",
                a.id
            );
        }
        assert!(
            !a.truncated,
            "{name}: the title of {} is cut ({})",
            a.id, a.title
        );
    }
}

#[test]
fn every_example_keeps_the_promises() {
    for (name, m) in examples() {
        let scene = scene(&m, &Options::default());
        check(&name, &m, &scene);
        assert_eq!(scene.nodes.len(), m.node_count());
        assert_eq!(scene.flows.len(), m.flow_count());
    }
}

#[test]
fn generated_models_keep_the_promises() {
    for n in [50, 100, 300] {
        let m = generated(n);
        let scene = scene(&m, &Options::default());
        check(&format!("generated {n}"), &m, &scene);
    }
}

#[test]
fn hand_positions_are_kept_and_the_rest_placed_around_them() {
    let mut m = Model::example();
    m.layout = Layout::default();
    m.layout
        .nodes
        .insert("customer".into(), Pos { x: 500.0, y: 300.0 });
    m.layout
        .nodes
        .insert("api-gateway".into(), Pos { x: 900.0, y: 300.0 });
    let scene = scene(&m, &Options::default());
    assert_eq!(
        scene.node("customer").unwrap().center(),
        Pos { x: 500.0, y: 300.0 }
    );
    assert_eq!(
        scene.node("api-gateway").unwrap().center(),
        Pos { x: 900.0, y: 300.0 }
    );
    for (i, a) in scene.nodes.iter().enumerate() {
        for b in &scene.nodes[i + 1..] {
            assert!(!overlaps(a.rect, b.rect), "{} and {} overlap", a.id, b.id);
        }
    }
}

#[test]
fn zones_run_from_least_to_most_trusted() {
    let m = Model::example();
    let scene = scene(&m, &Options::default());
    // Left to right at the top level; inside the cloud account (whose zones are drawn top to
    // bottom) the public subnets above the private ones.
    let r = |id: &str| scene.boundary(id).unwrap().rect;
    assert!(r("internet").x + r("internet").w <= r("partners").x);
    assert!(r("partners").x + r("partners").w <= r("aws-prod").x);
    assert!(r("dmz").y + r("dmz").h <= r("k8s-shop").y);
    assert!(r("k8s-shop").y + r("k8s-shop").h <= r("data-tier").y);
}

#[test]
fn the_layout_is_deterministic() {
    for (name, m) in examples().into_iter().take(2) {
        let a = serde_json::to_string(&scene(&m, &Options::default())).unwrap();
        let b = serde_json::to_string(&scene(&m, &Options::default())).unwrap();
        assert_eq!(a, b, "{name}");
    }
}

#[test]
fn collapsed_boundaries_become_one_box_with_aggregated_flows() {
    let m = Model::example();
    let options = Options {
        collapsed: ["aws-prod".to_string()].into_iter().collect(),
        auto: true,
    };
    let scene = scene(&m, &options);
    let boxed = scene
        .node("aws-prod")
        .expect("the collapsed boundary is a box");
    assert!(boxed.collapsed.unwrap() > 10);
    assert!(scene.node("order-service").is_none());
    assert!(scene.boundary("dmz").is_none());
    // Every flow into or out of the account is counted in one of the aggregated routes.
    let inside = |id: &str| m.node(id).is_some_and(|n| m.is_within(n, "aws-prod"));
    let crossing = m
        .flows()
        .filter(|f| inside(&f.from) != inside(&f.to))
        .count();
    let aggregated: usize = scene
        .flows
        .iter()
        .filter(|f| f.from == "aws-prod" || f.to == "aws-prod")
        .map(|f| f.flows.len())
        .sum();
    assert_eq!(aggregated, crossing);
    check("collapsed", &m, &scene);
}

#[test]
fn empty_and_cyclic_boundaries_do_not_break_the_layout() {
    let mut m = Model::new("x");
    for (id, parent) in [("a", Some("b")), ("b", Some("a")), ("c", None)] {
        m.boundaries.push(crate::model::Boundary {
            id: id.into(),
            name: String::new(),
            kind: crate::model::BoundaryKind::Dmz,
            trust: None,
            parent: parent.map(str::to_string),
            scope: vec![],
            description: String::new(),
            out_of_scope: None,
        });
    }
    let scene = scene(&m, &Options::default());
    assert_eq!(scene.boundaries.len(), 3);
}

#[test]
fn a_long_boundary_chain_is_linear() {
    // A chain of 4,000 boundaries closed into a cycle: cut in one linear pass.
    let n = 4000;
    let parents: Vec<Option<usize>> = (0..n).map(|i| Some((i + 1) % n)).collect();
    let cut = structure::cut_cycles(&parents);
    assert_eq!(cut.iter().filter(|p| p.is_none()).count(), 1);
}

#[test]
fn flows_route_around_boxes_set_by_hand_close_together() {
    // A gateway, a database and a service stacked by hand in one zone with small gaps, and a
    // flow from the top box to the bottom one: it goes around the box in the middle.
    let text = r#"(rampart: 1, name: "t",
      boundaries: [(id: "z", name: "Internal", kind: internal_network)],
      nodes: [
        (id: "top", name: "API gateway", kind: gateway, boundary: "z"),
        (id: "mid", name: "Orders database", kind: data_store, boundary: "z"),
        (id: "low", name: "Orders service", kind: service, boundary: "z"),
        (id: "out", name: "Browser", kind: actor),
      ],
      flows: [
        (from: "top", to: "low", protocol: "https", encryption: tls),
        (from: "low", to: "mid", protocol: "postgres", encryption: tls),
        (from: "out", to: "top", protocol: "https", encryption: tls),
      ])"#;
    let base = model::parse(text, "t.ron").unwrap().model;
    for gap in [4.0, 12.0, 20.0, 24.0, 30.0, 40.0] {
        for shift in [-20.0, 0.0, 17.0] {
            let mut m = base.clone();
            let h = 52.0 + gap;
            m.layout.nodes.insert(
                "top".into(),
                Pos {
                    x: 520.0 + shift,
                    y: 0.0,
                },
            );
            m.layout.nodes.insert("mid".into(), Pos { x: 503.0, y: h });
            m.layout.nodes.insert(
                "low".into(),
                Pos {
                    x: 503.0 - shift,
                    y: 2.0 * h,
                },
            );
            m.layout.nodes.insert(
                "out".into(),
                Pos {
                    x: 100.0,
                    y: 2.0 * h,
                },
            );
            let scene = scene(&m, &Options::default());
            check(&format!("gap {gap} shift {shift}"), &m, &scene);
        }
    }
}
