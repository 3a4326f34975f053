//! The SVG diagram as other tools read it: `rampart diagram` on every example and on a generated
//! 100-node model, parsed as XML. Every node, flow and boundary of the model is an element with
//! its `data-id`; flows name their ends; every flow has a label or a callout with a key entry;
//! routes pass through no box but their ends; labels overlap no label and no box; nodes sit
//! inside their boundaries and outside the others; the same model gives the same bytes.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use common::rampart;
use rampart::model::{self, Model};

#[derive(Clone, Copy, Debug)]
struct Rect {
    x: f64,
    y: f64,
    w: f64,
    h: f64,
}

impl Rect {
    fn contains(&self, o: &Rect) -> bool {
        o.x >= self.x - 0.5
            && o.y >= self.y - 0.5
            && o.x + o.w <= self.x + self.w + 0.5
            && o.y + o.h <= self.y + self.h + 0.5
    }
    fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w - 0.5
            && o.x < self.x + self.w - 0.5
            && self.y < o.y + o.h - 0.5
            && o.y < self.y + self.h - 0.5
    }
    /// Whether the straight piece a-b passes through the inside of the rectangle.
    fn crossed_by(&self, a: (f64, f64), b: (f64, f64)) -> bool {
        let (x0, x1) = (a.0.min(b.0), a.0.max(b.0));
        let (y0, y1) = (a.1.min(b.1), a.1.max(b.1));
        x1 > self.x + 0.5
            && x0 < self.x + self.w - 0.5
            && y1 > self.y + 0.5
            && y0 < self.y + self.h - 0.5
    }
}

fn rect_of(n: roxmltree::Node) -> Rect {
    let f = |a: &str| -> f64 {
        n.attribute(a)
            .unwrap_or_else(|| panic!("{} without {a}", n.tag_name().name()))
            .parse()
            .unwrap()
    };
    Rect {
        x: f("data-x"),
        y: f("data-y"),
        w: f("data-w"),
        h: f("data-h"),
    }
}

fn class_is(n: &roxmltree::Node, class: &str) -> bool {
    n.attribute("class") == Some(class)
}

fn points(d: &str) -> Vec<(f64, f64)> {
    d.split(['M', 'L'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (x, y) = p.split_once(',').unwrap();
            (x.trim().parse().unwrap(), y.trim().parse().unwrap())
        })
        .collect()
}

fn svg_of(model: &Path, dir: &Path, name: &str) -> String {
    let out = dir.join(name);
    let (code, _, err) = rampart(&[
        "diagram",
        model.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    std::fs::read_to_string(out).unwrap()
}

fn check(label: &str, m: &Model, svg: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{label}: {e}"));
    let all: Vec<_> = doc.descendants().collect();
    let nodes: BTreeMap<&str, Rect> = all
        .iter()
        .filter(|n| n.tag_name().name() == "g" && class_is(n, "node"))
        .map(|n| (n.attribute("data-id").unwrap(), rect_of(*n)))
        .collect();
    let boundaries: BTreeMap<&str, Rect> = all
        .iter()
        .filter(|n| n.tag_name().name() == "g" && class_is(n, "boundary"))
        .map(|n| (n.attribute("data-id").unwrap(), rect_of(*n)))
        .collect();
    let flows: Vec<_> = all
        .iter()
        .filter(|n| n.tag_name().name() == "path" && class_is(n, "flow"))
        .collect();
    let labels: BTreeMap<&str, (Rect, &str)> = all
        .iter()
        .filter(|n| class_is(n, "flow-label"))
        .map(|n| {
            (
                n.attribute("data-id").unwrap(),
                (rect_of(*n), n.attribute("data-label").unwrap()),
            )
        })
        .collect();
    let keyed: BTreeSet<&str> = all
        .iter()
        .filter(|n| class_is(n, "key-entry"))
        .map(|n| n.attribute("data-id").unwrap())
        .collect();

    // Every element of the model is there, once, under its id.
    let model_nodes: BTreeSet<&str> = m.nodes().map(|n| n.id.as_str()).collect();
    assert_eq!(
        nodes.keys().copied().collect::<BTreeSet<_>>(),
        model_nodes,
        "{label}: nodes"
    );
    let model_boundaries: BTreeSet<&str> = m.boundaries.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(
        boundaries.keys().copied().collect::<BTreeSet<_>>(),
        model_boundaries,
        "{label}: boundaries"
    );
    assert_eq!(flows.len(), m.flow_count(), "{label}: flows");
    for path in &flows {
        let id = path.attribute("data-id").unwrap();
        let flow = m
            .flow(id)
            .unwrap_or_else(|| panic!("{label}: flow {id} not in the model"));
        assert_eq!(path.attribute("data-from"), Some(flow.from.as_str()));
        assert_eq!(path.attribute("data-to"), Some(flow.to.as_str()));
        // Drawn as it is on the wire: TLS with client certificates is mutual TLS.
        assert_eq!(
            path.attribute("data-encryption"),
            Some(flow.transport().key())
        );
        // Every flow is labelled: its name, or a callout whose full text is in the key.
        let (_, kind) = labels
            .get(id)
            .unwrap_or_else(|| panic!("{label}: flow {id} has no label"));
        if *kind == "callout" {
            assert!(
                keyed.contains(id),
                "{label}: callout of {id} not in the key"
            );
        }
        // The route starts at its source box, ends at its target box, and passes through no
        // other box.
        let pts = points(path.attribute("d").unwrap());
        assert!(pts.len() >= 2, "{label}: {id} has no route");
        let near = |r: &Rect, p: (f64, f64)| {
            p.0 >= r.x - 1.0 && p.0 <= r.x + r.w + 1.0 && p.1 >= r.y - 1.0 && p.1 <= r.y + r.h + 1.0
        };
        assert!(
            near(&nodes[flow.from.as_str()], pts[0]),
            "{label}: {id} starts away from {}",
            flow.from
        );
        assert!(
            near(&nodes[flow.to.as_str()], *pts.last().unwrap()),
            "{label}: {id} ends away from {}",
            flow.to
        );
        for (other, r) in &nodes {
            if *other == flow.from || *other == flow.to {
                continue;
            }
            for w in pts.windows(2) {
                assert!(
                    !r.crossed_by(w[0], w[1]),
                    "{label}: flow {id} passes through node {other}"
                );
            }
        }
    }
    // Labels overlap no other label and no node.
    let label_list: Vec<_> = labels.iter().collect();
    for (i, (a, (ra, _))) in label_list.iter().enumerate() {
        for (b, (rb, _)) in &label_list[i + 1..] {
            assert!(!ra.overlaps(rb), "{label}: labels of {a} and {b} overlap");
        }
        for (n, rn) in &nodes {
            assert!(!ra.overlaps(rn), "{label}: label of {a} covers node {n}");
        }
    }
    // Nodes inside each of their boundaries and outside every other.
    for node in m.nodes() {
        let r = nodes[node.id.as_str()];
        let chain: BTreeSet<&str> = node
            .boundary
            .as_deref()
            .map(|b| m.boundary_chain(b).iter().map(|b| b.id.as_str()).collect())
            .unwrap_or_default();
        for (bid, br) in &boundaries {
            if chain.contains(bid) {
                assert!(
                    br.contains(&r),
                    "{label}: {} outside its boundary {bid}",
                    node.id
                );
            } else {
                assert!(
                    !br.overlaps(&r),
                    "{label}: {} inside foreign boundary {bid}",
                    node.id
                );
            }
        }
    }
    // Sibling boundaries do not overlap.
    for a in &m.boundaries {
        for b in &m.boundaries {
            if a.id < b.id && a.parent == b.parent {
                assert!(
                    !boundaries[a.id.as_str()].overlaps(&boundaries[b.id.as_str()]),
                    "{label}: sibling boundaries {} and {} overlap",
                    a.id,
                    b.id
                );
            }
        }
    }
}

fn examples() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir("models")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .collect();
    out.sort();
    assert!(out.len() >= 3);
    out
}

#[test]
fn every_example_svg_is_readable_geometry_and_keeps_the_promises() {
    let dir = tempfile::tempdir().unwrap();
    for path in examples() {
        let m = model::load(&path).unwrap().model;
        let svg = svg_of(&path, dir.path(), "a.svg");
        check(&path.display().to_string(), &m, &svg);
        // Same model, same bytes.
        assert_eq!(
            svg,
            svg_of(&path, dir.path(), "b.svg"),
            "{}",
            path.display()
        );
    }
}

#[test]
fn a_generated_100_node_model_keeps_the_promises_in_svg() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gen.ron");
    let (code, _, err) = rampart(&[
        "gen",
        "--nodes",
        "100",
        "--seed",
        "3",
        "-o",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let m = model::load(&file).unwrap().model;
    assert_eq!(m.node_count(), 100);
    let svg = svg_of(&file, dir.path(), "gen.svg");
    check("generated 100", &m, &svg);
}

#[test]
fn png_export_is_a_picture_of_the_diagram() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("d.png");
    let (code, _, err) = rampart(&[
        "diagram",
        "models/payments.ron",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let bytes = std::fs::read(&out).unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    // IHDR width and height match the SVG's size (the PNG is rendered from it, at 2x).
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    let svg = svg_of(Path::new("models/payments.ron"), dir.path(), "d.svg");
    let doc = roxmltree::Document::parse(&svg).unwrap();
    let sw: f64 = doc
        .root_element()
        .attribute("width")
        .unwrap()
        .parse()
        .unwrap();
    let sh: f64 = doc
        .root_element()
        .attribute("height")
        .unwrap()
        .parse()
        .unwrap();
    let scale = f64::from(w) / sw;
    assert!(scale >= 1.0, "PNG {w}x{h} smaller than the SVG {sw}x{sh}");
    assert!((f64::from(h) / sh - scale).abs() < 0.01, "aspect changed");
    // A picture, not a blank page: a good share of the pixels are not white. Decoding needs a
    // PNG decoder; the image is compressed, so its size tells the same: a blank canvas of this
    // size compresses to a few kilobytes.
    assert!(
        bytes.len() > 40_000,
        "PNG of {} bytes looks blank",
        bytes.len()
    );
}

#[test]
fn an_unwritable_output_or_unknown_extension_is_one_line() {
    let (code, _, err) = rampart(&["diagram", "models/payments.ron", "-o", "/tmp/x.bmp"]);
    assert_ne!(code, 0);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("x.bmp"), "{err}");
    let (code, _, err) = rampart(&[
        "diagram",
        "models/payments.ron",
        "-o",
        "/nonexistent-dir/x.svg",
    ]);
    assert_ne!(code, 0);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent-dir/x.svg"), "{err}");
}
