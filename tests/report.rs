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

/// Text in reading order with lines that a table cell broke after an id's own punctuation
/// (`-`, `@`, `.`) joined again: ids are wrapped only there.
fn joined(pdf: &Path) -> String {
    let raw = tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"]);
    raw.replace("-\n", "-")
        .replace("@\n", "@")
        .replace(".\n", ".")
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
    let ids = joined(&pdf);
    for f in &result.findings {
        assert!(
            squashed.contains(f.rule.title),
            "{}: title of {}",
            model_file.display(),
            f.id
        );
        assert!(ids.contains(&f.id), "{}: id {}", model_file.display(), f.id);
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
        out_of_scope: None,
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
        integrity: None,
        availability: None,
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

/// The bookmarks: (depth, title, page number), in the order a reader's panel shows them.
fn outline(pdf: &Path) -> Vec<(usize, String, usize)> {
    use lopdf::Object;
    let doc = lopdf::Document::load(pdf).unwrap();
    let pages: std::collections::HashMap<lopdf::ObjectId, usize> = doc
        .get_pages()
        .into_iter()
        .map(|(n, id)| (id, n as usize))
        .collect();
    let title = |d: &lopdf::Dictionary| -> String {
        let bytes = d.get(b"Title").unwrap().as_str().unwrap();
        assert_eq!(&bytes[..2], [0xFE, 0xFF], "titles are UTF-16 text strings");
        let units: Vec<u16> = bytes[2..]
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16(&units).unwrap()
    };
    let mut out = Vec::new();
    fn walk(
        doc: &lopdf::Document,
        first: Option<lopdf::ObjectId>,
        depth: usize,
        pages: &std::collections::HashMap<lopdf::ObjectId, usize>,
        title: &dyn Fn(&lopdf::Dictionary) -> String,
        out: &mut Vec<(usize, String, usize)>,
    ) {
        let mut next = first;
        while let Some(id) = next {
            let d = doc.get_dictionary(id).unwrap();
            let dest = d.get(b"Dest").unwrap().as_array().unwrap();
            let page = pages[&dest[0].as_reference().unwrap()];
            out.push((depth, title(d), page));
            let child = d.get(b"First").ok().map(|o| o.as_reference().unwrap());
            walk(doc, child, depth + 1, pages, title, out);
            next = d.get(b"Next").ok().map(|o| o.as_reference().unwrap());
        }
    }
    let catalog = doc.catalog().unwrap();
    assert_eq!(
        catalog.get(b"PageMode").unwrap(),
        &Object::Name(b"UseOutlines".to_vec()),
        "the bookmarks panel opens"
    );
    assert!(catalog.get(b"Lang").is_ok(), "the language is named");
    let outlines = doc
        .get_dictionary(catalog.get(b"Outlines").unwrap().as_reference().unwrap())
        .unwrap();
    let first = outlines
        .get(b"First")
        .ok()
        .map(|o| o.as_reference().unwrap());
    walk(&doc, first, 0, &pages, &title, &mut out);
    let info = doc
        .get_dictionary(doc.trailer.get(b"Info").unwrap().as_reference().unwrap())
        .unwrap();
    assert!(
        info.get(b"GTS_PDFXVersion").is_err(),
        "no PDF/X claim the file does not meet"
    );
    out
}

/// Link annotations: (page they are on, page they go to).
fn links(pdf: &Path) -> Vec<(usize, usize)> {
    let doc = lopdf::Document::load(pdf).unwrap();
    let pages = doc.get_pages();
    let number: std::collections::HashMap<lopdf::ObjectId, usize> =
        pages.iter().map(|(n, id)| (*id, *n as usize)).collect();
    let mut out = Vec::new();
    for (n, id) in &pages {
        let page = doc.get_dictionary(*id).unwrap();
        let Ok(annots) = page.get(b"Annots") else {
            continue;
        };
        let annots = match annots {
            lopdf::Object::Reference(r) => doc.get_object(*r).unwrap().as_array().unwrap(),
            o => o.as_array().unwrap(),
        };
        for a in annots {
            let a = match a {
                lopdf::Object::Reference(r) => doc.get_dictionary(*r).unwrap(),
                o => o.as_dict().unwrap(),
            };
            if a.get(b"Subtype").unwrap().as_name().unwrap() != b"Link" {
                continue;
            }
            let action = a.get(b"A").unwrap().as_dict().unwrap();
            let dest = action.get(b"D").unwrap().as_array().unwrap();
            out.push((*n as usize, number[&dest[0].as_reference().unwrap()]));
        }
    }
    out
}

fn page_text(pdf: &Path, page: usize) -> String {
    let s = page.to_string();
    tool(
        "pdftotext",
        &["-raw", "-f", &s, "-l", &s, pdf.to_str().unwrap(), "-"],
    )
    .replace("-\n", "-")
    .replace("@\n", "@")
}

/// Counts agree everywhere: the cover, the summary, the findings headings and the bookmarks
/// all count open findings (Open or In progress), as the JSON does; nothing is truncated; the
/// bookmarks are nested in document order; every register row links to its finding's card.
#[test]
fn counts_agree_and_navigation_works_for_every_example() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["ecommerce", "payments", "healthcare"] {
        let file = PathBuf::from(format!("models/{name}.ron"));
        let m = model::load(&file).unwrap().model;
        let a = analysis::analyze(&m);
        let input = rampart::report::Input {
            model: &m,
            analysis: &a,
            file: None,
            source: None,
        };
        let view = rampart::report::view::View::new(&input);
        let pdf = dir.path().join(format!("{name}.pdf"));
        report(&file, &pdf, "a4");
        let all: String = text(&pdf).split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            all.contains(&format!(
                "{} open (open or in progress) of {}",
                view.open_total,
                a.findings.len()
            )),
            "{name}: cover count"
        );
        assert!(!all.contains("and 1 more") && !all.contains(" more)"));
        assert!(
            !regex_like_and_n_more(&all),
            "{name}: a list is cut short with 'and N more'"
        );
        for f in &a.findings {
            for e in &f.elements {
                assert!(
                    !all.contains(&format!("`{e}`")),
                    "{name}: Markdown backticks on paper around {e}"
                );
            }
        }
        assert!(!all.contains("`rampart"), "{name}: backticks on paper");
        assert!(!all.contains("(s)"), "{name}: 'finding(s)'-style plurals");
        let marks = outline(&pdf);
        // Top level: the sections, in the order of the document.
        let top: Vec<&str> = marks
            .iter()
            .filter(|m| m.0 == 0)
            .map(|m| m.1.as_str())
            .collect();
        assert_eq!(
            top,
            [
                "Executive summary",
                "Architecture",
                "Attack paths",
                "Finding register",
                "Findings",
                "Compliance",
                "Risk decisions",
                "Verification against live endpoints",
                "Appendix: inventories and rules",
            ],
            "{name}"
        );
        assert!(
            marks.windows(2).all(|w| w[0].2 <= w[1].2),
            "{name}: bookmarks in page order: {marks:?}"
        );
        // The findings headings (bookmarks under Findings) count what the cover counts.
        for (s, n) in &view.open {
            let total = a.findings.iter().filter(|f| f.severity == *s).count();
            if total == 0 {
                continue;
            }
            let heading = if total == *n {
                format!("{}: {n} open", s.label())
            } else {
                format!("{}: {n} open, {} resolved", s.label(), total - n)
            };
            assert!(
                marks.iter().any(|m| m.0 == 1 && m.1 == heading),
                "{name}: no bookmark {heading:?} in {marks:?}"
            );
            assert!(all.contains(&heading), "{name}: heading {heading}");
        }
        // JSON says the same.
        let json: serde_json::Value =
            serde_json::from_str(&rampart::report::json::render(&input)).unwrap();
        assert_eq!(json["summary"]["open"], view.open_total);
        assert_eq!(json["summary"]["posture"], view.posture.as_str());
        // The register links every finding to its card, and the worst one's link lands on the
        // page with its card.
        let register = marks.iter().find(|m| m.1 == "Finding register").unwrap().2;
        let cards = marks.iter().find(|m| m.1 == "Findings").unwrap().2;
        let from_register: Vec<(usize, usize)> = links(&pdf)
            .into_iter()
            .filter(|(from, to)| *from >= register && *from < cards && *to >= cards)
            .collect();
        assert!(
            from_register.len() >= a.findings.len(),
            "{name}: {} register links for {} findings",
            from_register.len(),
            a.findings.len()
        );
        let mut worst: Vec<&analysis::Finding> = a.findings.iter().collect();
        worst.sort_by(|x, y| y.severity.cmp(&x.severity).then(x.id.cmp(&y.id)));
        let target = from_register[0].1;
        assert!(
            page_text(&pdf, target).contains(&worst[0].id),
            "{name}: the first register link goes to page {target}, which lacks {}",
            worst[0].id
        );
        // Contents entries are links too.
        assert!(links(&pdf).iter().filter(|(from, _)| *from == 2).count() >= top.len());
    }
}

/// "… and 12 more" anywhere in the text.
fn regex_like_and_n_more(text: &str) -> bool {
    text.match_indices(" and ").any(|(i, _)| {
        let rest = &text[i + 5..];
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        !digits.is_empty() && rest[digits.len()..].starts_with(" more")
    })
}

/// The CISO's list: ecommerce's two order-db flows, each with two findings (cleartext
/// credentials and a plaintext data-store connection), are one fix, with the in-progress
/// decision's owner; the list is ordered by severity then by how much each fix clears.
#[test]
fn fix_first_groups_the_findings_one_change_clears() {
    let m = model::load(Path::new("models/ecommerce.ron"))
        .unwrap()
        .model;
    let a = analysis::analyze(&m);
    let input = rampart::report::Input {
        model: &m,
        analysis: &a,
        file: None,
        source: None,
    };
    let view = rampart::report::view::View::new(&input);
    let group = view
        .fix_first
        .iter()
        .find(|g| {
            g.finding_ids
                .contains(&"plaintext-datastore-connection@order-service-to-order-db")
        })
        .unwrap();
    let mut ids = group.finding_ids.clone();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "credentials-in-cleartext@admin-console-to-order-db",
            "credentials-in-cleartext@order-service-to-order-db",
            "plaintext-datastore-connection@admin-console-to-order-db",
            "plaintext-datastore-connection@order-service-to-order-db",
        ]
    );
    assert_eq!(
        group.action,
        "Set Encryption to TLS on the 2 flows into Order DB"
    );
    assert_eq!(group.status, model::Status::InProgress);
    assert_eq!(group.owner, "Orders team");
    assert!(
        view.fix_first
            .windows(2)
            .all(|w| w[0].severity > w[1].severity
                || (w[0].severity == w[1].severity && w[0].findings.len() >= w[1].findings.len()))
    );
    // Every open finding is in exactly one group; resolved ones in none.
    let listed: usize = view.fix_first.iter().map(|g| g.findings.len()).sum();
    assert_eq!(listed, view.open_total);
    // The PDF shows it in the summary, before the architecture.
    let dir = tempfile::tempdir().unwrap();
    let pdf = dir.path().join("e.pdf");
    report(Path::new("models/ecommerce.ron"), &pdf, "a4");
    let summary = page_with(&pdf, "Fix first");
    assert!(summary <= 4, "Fix first is on page {summary}");
    let all: String = tool("pdftotext", &["-raw", pdf.to_str().unwrap(), "-"])
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    assert!(all.contains("Set Encryption to TLS on the 2 flows into Order DB"));
    assert!(all.contains(&view.posture));
}

/// Names in Chinese, Japanese, Arabic and emoji are drawn with a font that has them (Noto CJK,
/// DejaVu, Symbola) and come back out of the PDF as the same characters.
#[test]
fn every_script_round_trips_through_the_pdf() {
    let dir = tempfile::tempdir().unwrap();
    let mut m = Model::new("订单系统 注文システム");
    m.boundaries
        .push(boundary("net", "互联网 🌐", BoundaryKind::Internet));
    let mut user = Node::new("user", NodeKind::Actor);
    user.name = "お客様 👤".into();
    user.boundary = Some("net".into());
    m.add_node(user).unwrap();
    let mut svc = Node::new("svc", NodeKind::Service);
    svc.name = "خدمة الطلبات 🔒".into();
    m.add_node(svc).unwrap();
    m.add_flow(Flow::new("user", "svc")).unwrap();
    let file = dir.path().join("scripts.ron");
    model::save(&m, &file).unwrap();
    let pdf = dir.path().join("scripts.pdf");
    report(&file, &pdf, "a4");
    tool("qpdf", &["--check", pdf.to_str().unwrap()]);
    let fonts = tool("pdffonts", &[pdf.to_str().unwrap()]);
    assert!(
        fonts.contains("CJK"),
        "no CJK face embedded (install Debian's fonts-noto-cjk and fonts-symbola; bash .ci/test does): {fonts}"
    );
    let all = text(&pdf);
    for s in [
        "订单系统",
        "注文システム",
        "お客様",
        "互联网",
        "🌐",
        "👤",
        "🔒",
    ] {
        assert!(all.contains(s), "{s} is lost: {all}");
    }
    // Arabic is drawn letter by letter in logical order (no shaping yet): the letters survive.
    let arabic: String = "خدمة".chars().collect();
    assert!(
        arabic.chars().all(|c| all.contains(c)),
        "Arabic letters are lost"
    );
}
