//! The PDF report, checked with real PDF tools: `qpdf --check` validates the file, `pdfinfo`
//! reads the page size, `pdftotext` extracts the text, `pdftoppm` renders pages.

#![allow(clippy::unwrap_used)] // a panic is a failed test

use std::path::{Path, PathBuf};
use std::process::Command;

use rampart::analysis;
use rampart::model::{
    self, Boundary, BoundaryKind, Classification, DataAsset, Encryption, Flow, Model, Node,
    NodeKind,
};

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} is needed for this test: install Debian's poppler-utils and qpdf (bash .ci/test does): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn report(model_file: &Path, out: &Path, paper: &str) {
    let status = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["report"])
        .arg(model_file)
        .arg("-o")
        .arg(out)
        .args(["--paper", paper])
        .status()
        .unwrap();
    assert!(status.success());
}

/// Text of the whole document with line breaks and hyphenation undone as far as possible.
fn text(pdf: &Path) -> String {
    tool("pdftotext", &["-layout", pdf.to_str().unwrap(), "-"])
}

fn pages(pdf: &Path) -> usize {
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    info.lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}

/// Share of dark pixels on a page rendered in grey at low resolution.
fn ink(pdf: &Path, page: usize, dir: &Path) -> f64 {
    let prefix = dir.join(format!("page{page}"));
    tool(
        "pdftoppm",
        &[
            "-r",
            "30",
            "-gray",
            "-f",
            &page.to_string(),
            "-l",
            &page.to_string(),
            pdf.to_str().unwrap(),
            prefix.to_str().unwrap(),
        ],
    );
    let file = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with(&format!("page{page}-"))
        })
        .unwrap();
    let bytes = std::fs::read(&file).unwrap();
    // Binary PGM: "P5\n<w> <h>\n<max>\n" then one byte per pixel.
    let mut fields = 0;
    let mut i = 0;
    while fields < 4 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields += 1;
    }
    let pixels = &bytes[i + 1..];
    pixels.iter().filter(|p| **p < 200).count() as f64 / pixels.len() as f64
}

/// The first page whose text contains `needle`.
fn page_with(pdf: &Path, needle: &str) -> usize {
    (1..=pages(pdf))
        .find(|p| {
            let s = p.to_string();
            tool(
                "pdftotext",
                &["-f", &s, "-l", &s, pdf.to_str().unwrap(), "-"],
            )
            .contains(needle)
        })
        .unwrap_or_else(|| panic!("no page contains {needle}"))
}

fn check_report(model_file: &Path, dir: &Path) {
    let m = model::load(model_file).unwrap().model;
    let result = analysis::analyze(&m);
    let pdf = dir.join(format!(
        "{}.pdf",
        model_file.file_stem().unwrap().to_string_lossy()
    ));
    report(model_file, &pdf, "a4");
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Page size:       595.28 x 841.89") || info.contains("595.28 x 841.891"),
        "{info}"
    );
    let all = text(&pdf);
    let squashed: String = all.split_whitespace().collect::<Vec<_>>().join(" ");
    for f in &result.findings {
        assert!(
            squashed.contains(f.rule.title),
            "{}: title of {}",
            model_file.display(),
            f.id
        );
        assert!(all.contains(&f.id), "{}: id {}", model_file.display(), f.id);
    }
    for section in [
        "Executive summary",
        "Architecture",
        "Attack paths",
        "Findings",
        "Compliance",
        "Risk decisions",
        "Appendix: inventories and rules",
        "Contents",
    ] {
        assert!(all.contains(section), "{section}");
    }
    // Page 1 (the cover) and the diagram page have ink on them.
    assert!(ink(&pdf, 1, dir) > 0.01, "cover is blank");
    let diagram = page_with(&pdf, "mutual TLS");
    assert!(
        ink(&pdf, diagram, dir) > 0.03,
        "diagram page {diagram} is blank"
    );
}

#[test]
fn report_for_every_example_model() {
    let dir = tempfile::tempdir().unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir("models")
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for file in files {
        check_report(&file, dir.path());
    }
}

#[test]
fn report_for_a_large_generated_model() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("large.ron");
    model::save(&model::generate::generate(400, 11), &file).unwrap();
    check_report(&file, dir.path());
}

#[test]
fn paper_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("letter.pdf");
    report(Path::new("models/payments.ron"), &out, "letter");
    let info = tool("pdfinfo", &[out.to_str().unwrap()]);
    assert!(
        info.contains("612 x 792") && info.contains("(letter)"),
        "{info}"
    );
    let out = dir.path().join("a4.pdf");
    report(Path::new("models/payments.ron"), &out, "a4");
    let info = tool("pdfinfo", &[out.to_str().unwrap()]);
    assert!(info.contains("(A4)"), "{info}");
}

fn boundary(id: &str, name: &str, kind: BoundaryKind) -> Boundary {
    Boundary {
        id: id.into(),
        name: name.into(),
        kind,
        trust: None,
        parent: None,
        scope: vec![],
        description: String::new(),
    }
}

#[test]
fn awkward_text_and_empty_models_give_valid_readable_documents() {
    let dir = tempfile::tempdir().unwrap();
    // Empty model.
    let empty = dir.path().join("empty.ron");
    model::save(&Model::new("Nothing yet"), &empty).unwrap();
    let pdf = dir.path().join("empty.pdf");
    report(&empty, &pdf, "a4");
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    assert!(text(&pdf).contains("The model has no nodes yet."));

    // Long, accented and right-to-left names.
    let long =
        "Σύστημα πληρωμών — ".to_string() + &"very-long-service-name-without-spaces-".repeat(6);
    let mut m = Model::new("Café Müller — système de réservation (ملف عربي) עברית");
    m.description = long.clone();
    m.assets.push(DataAsset {
        id: "données".into(),
        name: "Données personnelles".into(),
        classification: Classification::Confidential,
        tags: vec![model::DataTag::Pii],
        description: String::new(),
    });
    m.boundaries
        .push(boundary("net", "Internet", BoundaryKind::Internet));
    m.boundaries.push(boundary(
        "zone",
        "Zone à haute confiance",
        BoundaryKind::RestrictedZone,
    ));
    let mut user = Node::new("utilisateur", NodeKind::Actor);
    user.name = "Utilisateur (مستخدم)".into();
    user.boundary = Some("net".into());
    m.add_node(user).unwrap();
    let mut svc = Node::new("service", NodeKind::Service);
    svc.name = long.chars().take(200).collect();
    svc.boundary = Some("zone".into());
    m.add_node(svc).unwrap();
    let mut f = Flow::new("utilisateur", "service");
    f.name = "Réservation über HTTPS".into();
    f.encryption = Encryption::None;
    f.data = vec!["données".into()];
    m.add_flow(f).unwrap();
    let file = dir.path().join("awkward.ron");
    model::save(&m, &file).unwrap();
    let pdf = dir.path().join("awkward.pdf");
    report(&file, &pdf, "a4");
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    let all = text(&pdf);
    assert!(all.contains("Café Müller"), "accented text survives");
    assert!(all.contains("Zone à haute confiance"));
    assert!(all.contains("very-long-service-name"));
    let result = analysis::analyze(&m);
    for f in &result.findings {
        assert!(all.contains(&f.id), "{}", f.id);
    }
}
