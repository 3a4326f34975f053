//! The PDF report for design reviews (printpdf): a cover with the classification, the one-line
//! posture and the review facts; contents; the executive summary (fix first, counts by status,
//! severity and family); scope and assumptions; the architecture drawn as vectors by the diagram
//! engine; attack paths; a finding register linking to every finding card; the compliance
//! matrices with their evidence; risk decisions; verification; and an appendix of inventories.
//!
//! `layout` is the engine (pages, a cursor, text in the face that draws each character, wrapped
//! paragraphs, headings kept with what follows, tables that keep short tables whole and never
//! break a header word or a short id, anchors and links); `sections` and `architecture` write
//! the content from [`crate::report::view::View`], so every count agrees. printpdf's output is
//! finished with lopdf: nested bookmarks in document order, the page mode, language and id.

mod architecture;
mod layout;
mod sections;

use printpdf::{Mm, PdfDocument, PdfPage, PdfSaveOptions, Pt};

use super::Input;
use super::view::View;
use layout::{ACCENT, BLACK, GREY, RULE, Rgba, WHITE, Writer, mix, severity_color};

/// Paper sizes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Paper {
    #[default]
    A4,
    Letter,
}

impl Paper {
    /// Portrait width and height in points.
    #[must_use]
    pub fn size(self) -> (f32, f32) {
        match self {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        }
    }
}

/// What the report needs besides the model and analysis.
#[derive(Clone, Debug)]
pub struct Options {
    pub paper: Paper,
    /// The report's date (`YYYY-MM-DD`), also the PDF's creation date.
    pub date: time::Date,
    /// SHA-256 of the model file (or of the canonical model text), printed in full on the cover.
    pub model_hash: String,
    /// The last verification against the live endpoints, if there is one.
    pub verification: Option<crate::verify::Verification>,
    /// The classification marking on every page; the model's, else "Confidential".
    pub classification: Option<String>,
    /// The revision of the model file in version control (a short git hash), when known.
    pub revision: Option<String>,
}

impl Options {
    /// Today (or `SOURCE_DATE_EPOCH`, for reproducible builds) and the hash of `source`.
    #[must_use]
    pub fn new(paper: Paper, source: &[u8]) -> Self {
        let now = std::env::var("SOURCE_DATE_EPOCH")
            .ok()
            .and_then(|s| s.parse::<i64>().ok())
            .and_then(|t| time::OffsetDateTime::from_unix_timestamp(t).ok())
            .unwrap_or_else(time::OffsetDateTime::now_utc);
        let model_hash = crate::fsio::sha256_hex(source);
        Options {
            paper,
            date: now.date(),
            model_hash,
            verification: None,
            classification: None,
            revision: None,
        }
    }

    /// The marking printed on every page.
    #[must_use]
    pub fn marking(&self, model: &crate::model::Model) -> String {
        self.classification
            .clone()
            .filter(|c| !c.trim().is_empty())
            .or_else(|| Some(model.review.classification.clone()).filter(|c| !c.is_empty()))
            .unwrap_or_else(|| "Confidential".to_string())
    }
}

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the bundled font could not be parsed")]
    Font,
    #[error("the PDF could not be written: {0}")]
    Write(String),
}

/// Renders the report.
///
/// # Errors
/// The bundled font could not be parsed (never with the shipped assets), or the finished
/// document could not be serialized.
pub fn render(input: &Input<'_>, options: &Options) -> Result<Vec<u8>, PdfError> {
    let m = input.model;
    let title = if m.name.is_empty() {
        "Untitled model"
    } else {
        m.name.as_str()
    };
    let view = View::new(input);
    let doc = PdfDocument::new(&format!("Threat model report: {title}"));
    let mut w = Writer::new(doc, options.paper.size()).ok_or(PdfError::Font)?;
    cover(&mut w, input, &view, options, title);
    // The contents page is filled in at the end, when the page numbers are known.
    w.new_page(false);
    let contents_page = w.page_no();
    sections::summary(&mut w, input, &view);
    sections::scope(&mut w, input);
    architecture::architecture(&mut w, input);
    sections::attack_paths(&mut w, input, &view);
    sections::register(&mut w, input);
    sections::findings(&mut w, input);
    sections::compliance(&mut w, input);
    sections::decisions(&mut w, input);
    sections::verification(&mut w, input, options);
    sections::appendix(&mut w, input);
    contents(&mut w, contents_page);
    running_headers(&mut w, title, options, &options.marking(m));
    w.resolve_links();

    let Writer {
        mut doc,
        pages: drawn,
        toc,
        ..
    } = w;
    let mut pages = Vec::with_capacity(drawn.len());
    for page in drawn {
        pages.push(PdfPage::new(
            Mm::from(Pt(page.w)),
            Mm::from(Pt(page.h)),
            page.ops,
        ));
    }
    doc.with_pages(pages);
    let date = time_to_pdf(options.date);
    doc.metadata.info.creation_date = date;
    doc.metadata.info.modification_date = date;
    doc.metadata.info.metadata_date = date;
    doc.metadata.info.author.clone_from(&m.author);
    doc.metadata.info.creator = format!("Rampart {}", env!("CARGO_PKG_VERSION"));
    doc.metadata.info.producer = "Rampart (printpdf)".into();
    doc.metadata.info.subject = format!(
        "Threat model report: {} open findings ({})",
        view.open_total,
        options.marking(m)
    );
    let opts = PdfSaveOptions::default();
    let mut lo = doc.to_lopdf_document(&opts, &mut Vec::new());
    finish(&mut lo, &toc, &options.model_hash).map_err(|e| PdfError::Write(e.to_string()))?;
    lo.compress();
    let mut bytes = Vec::new();
    lo.save_to(&mut bytes)
        .map_err(|e| PdfError::Write(e.to_string()))?;
    Ok(bytes)
}

/// A PDF text string: UTF-16BE with a byte-order mark, so any script survives.
fn text_string(s: &str) -> lopdf::Object {
    let mut bytes = vec![0xFE, 0xFF];
    for unit in s.encode_utf16() {
        bytes.extend_from_slice(&unit.to_be_bytes());
    }
    lopdf::Object::String(bytes, lopdf::StringFormat::Hexadecimal)
}

/// What printpdf leaves to do: bookmarks nested by heading level in document order (printpdf's
/// are flat and sorted by page), a catalog that opens the bookmarks panel and names the
/// language, no empty PDF/X entry (which makes readers call the file PDF/X), and a stable
/// document id (the model's hash) so the same model and date give the same file.
fn finish(doc: &mut lopdf::Document, toc: &[layout::Toc], hash: &str) -> lopdf::Result<()> {
    use lopdf::{Dictionary, Object};
    let pages: Vec<lopdf::ObjectId> = doc.get_pages().values().copied().collect();
    let page_height = |doc: &lopdf::Document, id: lopdf::ObjectId| -> f32 {
        doc.get_dictionary(id)
            .ok()
            .and_then(|d| d.get(b"MediaBox").ok())
            .and_then(|b| b.as_array().ok())
            .and_then(|a| a.get(3))
            .and_then(|v| v.as_float().ok())
            .unwrap_or(842.0)
    };
    let outlines_id = doc.new_object_id();
    // Entries of levels 1 and 2; level 2 nests under the level 1 before it.
    let entries: Vec<&layout::Toc> = toc.iter().filter(|t| t.level <= 2).collect();
    let ids: Vec<lopdf::ObjectId> = entries.iter().map(|_| doc.new_object_id()).collect();
    let parent: Vec<Option<usize>> = entries
        .iter()
        .enumerate()
        .map(|(i, e)| {
            if e.level == 1 {
                None
            } else {
                (0..i).rev().find(|j| entries[*j].level == 1)
            }
        })
        .collect();
    let children = |p: Option<usize>| -> Vec<usize> {
        (0..entries.len()).filter(|i| parent[*i] == p).collect()
    };
    let mut dicts: Vec<Dictionary> = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        let page = pages.get(e.page.saturating_sub(1)).copied();
        let mut d = Dictionary::new();
        d.set("Title", text_string(&e.title));
        d.set(
            "Parent",
            Object::Reference(parent[i].map_or(outlines_id, |p| ids[p])),
        );
        if let Some(page) = page {
            let top = page_height(doc, page) - (e.y - 14.0).max(0.0);
            d.set(
                "Dest",
                vec![
                    Object::Reference(page),
                    Object::Name(b"XYZ".to_vec()),
                    Object::Null,
                    Object::Real(top),
                    Object::Null,
                ],
            );
        }
        dicts.push(d);
    }
    let link = |dicts: &mut Vec<Dictionary>, list: &[usize]| {
        for (k, i) in list.iter().enumerate() {
            if k > 0 {
                dicts[*i].set("Prev", Object::Reference(ids[list[k - 1]]));
            }
            if let Some(next) = list.get(k + 1) {
                dicts[*i].set("Next", Object::Reference(ids[*next]));
            }
        }
    };
    let top = children(None);
    link(&mut dicts, &top);
    for t in &top {
        let kids = children(Some(*t));
        link(&mut dicts, &kids);
        if let (Some(first), Some(last)) = (kids.first(), kids.last()) {
            dicts[*t].set("First", Object::Reference(ids[*first]));
            dicts[*t].set("Last", Object::Reference(ids[*last]));
            // Negative: the section opens closed, so the panel reads as a table of contents.
            dicts[*t].set("Count", Object::Integer(-(kids.len() as i64)));
        }
    }
    for (id, d) in ids.iter().zip(dicts) {
        doc.objects.insert(*id, Object::Dictionary(d));
    }
    let mut outlines = Dictionary::new();
    outlines.set("Type", Object::Name(b"Outlines".to_vec()));
    if let (Some(first), Some(last)) = (top.first(), top.last()) {
        outlines.set("First", Object::Reference(ids[*first]));
        outlines.set("Last", Object::Reference(ids[*last]));
    }
    outlines.set("Count", Object::Integer(top.len() as i64));
    doc.objects
        .insert(outlines_id, Object::Dictionary(outlines));

    let catalog = doc.catalog_mut()?;
    catalog.set("Outlines", Object::Reference(outlines_id));
    catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
    catalog.set("Lang", Object::string_literal("en"));
    let mut prefs = Dictionary::new();
    prefs.set("DisplayDocTitle", Object::Boolean(true));
    catalog.set("ViewerPreferences", Object::Dictionary(prefs));
    if let Ok(info) = doc.trailer.get(b"Info").and_then(Object::as_reference)
        && let Ok(d) = doc.get_dictionary_mut(info)
    {
        d.remove(b"GTS_PDFXVersion");
        d.remove(b"Trapped");
    }
    let id = Object::String(
        hash.get(..32).unwrap_or(hash).as_bytes().to_vec(),
        lopdf::StringFormat::Literal,
    );
    doc.trailer.set("ID", vec![id.clone(), id]);
    Ok(())
}

fn time_to_pdf(date: time::Date) -> printpdf::OffsetDateTime {
    let t = date.midnight().assume_utc().unix_timestamp();
    printpdf::OffsetDateTime::from_unix_timestamp(t)
        .unwrap_or_else(|_| printpdf::OffsetDateTime::now_utc())
}

/// The model's revision for the cover: its declared version and the git revision, when known.
fn version_line(model: &crate::model::Model, options: &Options) -> String {
    match (model.review.version.as_str(), options.revision.as_deref()) {
        ("", None) => "not given (set review.version in the model)".to_string(),
        (v, None) => v.to_string(),
        ("", Some(r)) => format!("git {r}"),
        (v, Some(r)) => format!("{v} (git {r})"),
    }
}

fn cover(w: &mut Writer, input: &Input<'_>, view: &View<'_>, options: &Options, title: &str) {
    let m = input.model;
    w.new_page(false);
    let x = w.margin;
    let width = w.width();
    let marking = options.marking(m).to_uppercase();
    // Classification banner.
    let mw = w.measure(&marking, 10.0, true) + 20.0;
    w.rect(
        x,
        70.0,
        mw,
        20.0,
        None,
        Some((severity_color(crate::analysis::Severity::High), 1.2)),
    );
    w.text(
        x + 10.0,
        75.0,
        10.0,
        true,
        severity_color(crate::analysis::Severity::High),
        &marking,
    );
    w.y = 130.0;
    w.text(x, w.y, 11.0, true, ACCENT, "THREAT MODEL REPORT");
    w.gap(24.0);
    for line in w.wrap(title, 24.0, true, width) {
        let y = w.y;
        w.text(x, y, 24.0, true, BLACK, &line);
        w.gap(31.0);
    }
    w.gap(6.0);
    if !m.description.is_empty() {
        w.para(&m.description, 11.0, false, GREY, 0.0);
    }
    w.gap(14.0);
    // The posture, boxed: the one sentence to read first.
    let lines = w.wrap(&view.posture, 11.0, true, width - 20.0);
    let h = lines.len() as f32 * 15.0 + 16.0;
    let y = w.y;
    w.rect(
        x,
        y,
        width,
        h,
        Some(mix(ACCENT, WHITE, 0.92)),
        Some((ACCENT, 0.8)),
    );
    for (i, line) in lines.iter().enumerate() {
        w.text(x + 10.0, y + 8.0 + i as f32 * 15.0, 11.0, true, BLACK, line);
    }
    w.y = y + h + 16.0;
    let not_given = |s: &str| {
        if s.is_empty() {
            "not given".to_string()
        } else {
            s.to_string()
        }
    };
    let facts = [
        ("Classification", options.marking(m)),
        ("Date", options.date.to_string()),
        ("Model version", version_line(m, options)),
        ("Author", not_given(&m.author)),
        ("Reviewers", not_given(&m.review.reviewers.join(", "))),
        ("Model SHA-256", options.model_hash.clone()),
        (
            "Scope",
            format!(
                "{} nodes, {} flows, {} trust boundaries, {} data assets",
                m.node_count(),
                m.flow_count(),
                m.boundaries.len(),
                m.assets.len()
            ),
        ),
        (
            "Findings",
            format!(
                "{} open (open or in progress) of {}; {}",
                view.open_total,
                input.analysis.findings.len(),
                view.statuses
                    .iter()
                    .map(|(s, n)| format!("{n} {}", s.label().to_lowercase()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        (
            "Generated by",
            format!("Rampart {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    for (k, v) in facts {
        let y = w.y;
        w.text(x, y, 9.5, true, GREY, k);
        let size = if k == "Model SHA-256" { 7.6 } else { 9.5 };
        let lines = w.wrap(&v, size, false, width - 110.0);
        for line in lines {
            let y = w.y;
            w.text(x + 110.0, y, size, false, BLACK, &line);
            w.gap(13.0);
        }
        w.gap(2.0);
    }
    w.gap(14.0);
    // Severity tiles: open findings only, the same counts as the summary and the headings.
    let tile = (width - 4.0 * 8.0) / 5.0;
    let y = w.y;
    for (i, (s, n)) in view.open.iter().enumerate() {
        let tx = x + i as f32 * (tile + 8.0);
        w.rect(
            tx,
            y,
            tile,
            54.0,
            Some(mix(severity_color(*s), WHITE, 0.85)),
            Some((severity_color(*s), 1.0)),
        );
        w.text(
            tx + 8.0,
            y + 8.0,
            20.0,
            true,
            severity_color(*s),
            &n.to_string(),
        );
        w.text(
            tx + 8.0,
            y + 34.0,
            9.0,
            false,
            BLACK,
            &format!("{} open", s.label()),
        );
    }
    w.y = y + 70.0;
}

fn contents(w: &mut Writer, page: usize) {
    let saved_y = w.y;
    w.target = Some(page - 1);
    w.y = w.margin + 16.0;
    let x = w.margin;
    let y = w.y;
    w.text(x, y, 17.0, true, ACCENT, "Contents");
    w.y += 30.0;
    let entries = w.toc.clone();
    let width = w.width();
    let shown: Vec<(usize, &layout::Toc)> = entries
        .iter()
        .enumerate()
        .filter(|(_, t)| t.level <= 2)
        .collect();
    // Level-2 entries are left out when they would not fit on the page (the bookmarks hold them
    // all); sections always fit.
    let room = ((w.bottom() - w.y) / (9.5 * 1.7)) as usize;
    let all_fit = shown.len() <= room;
    for (i, t) in shown {
        if !all_fit && t.level > 1 {
            continue;
        }
        let size = if t.level == 1 { 11.0 } else { 9.5 };
        let indent = if t.level == 1 { 0.0 } else { 16.0 };
        if w.y > w.bottom() {
            break;
        }
        let y = w.y;
        let lines = w.wrap(&t.title, size, t.level == 1, width - indent - 60.0);
        for (k, line) in lines.iter().take(2).enumerate() {
            w.text(
                x + indent,
                y + k as f32 * size * 1.25,
                size,
                t.level == 1,
                BLACK,
                line,
            );
        }
        let extra = (lines.len().clamp(1, 2) - 1) as f32 * size * 1.25;
        let num = t.page.to_string();
        let nw = w.measure(&num, size, false);
        w.text(x + width - nw, y, size, false, GREY, &num);
        w.link(
            [x + indent, y, width - indent, size * 1.4 + extra],
            &format!("toc:{i}"),
        );
        w.y += size * 1.7 + extra;
    }
    w.target = None;
    w.y = saved_y;
}

fn running_headers(w: &mut Writer, title: &str, options: &Options, marking: &str) {
    let total = w.pages.len();
    let date = options.date.to_string();
    let head = format!("{title} — threat model report");
    let marking = marking.to_uppercase();
    let red: Rgba = severity_color(crate::analysis::Severity::High);
    for i in 0..total {
        w.target = Some(i);
        let (pw, ph) = (w.pages[i].w, w.pages[i].h);
        let m = w.margin;
        let mw = w.measure(&marking, 7.5, true);
        w.text((pw - mw) / 2.0, ph - 16.0, 7.5, true, red, &marking);
        if i == 0 {
            continue;
        }
        let head = w
            .wrap(&head, 7.5, false, pw - 2.0 * m - 80.0)
            .into_iter()
            .next()
            .unwrap_or_default();
        w.text(m, 22.0, 7.5, false, GREY, &head);
        let dw = w.measure(&date, 7.5, false);
        w.text(pw - m - dw, 22.0, 7.5, false, GREY, &date);
        w.line((m, 33.0), (pw - m, 33.0), RULE, 0.4, None);
        let footer = format!("Page {} of {total}", i + 1);
        let fw = w.measure(&footer, 7.5, false);
        w.text((pw - fw) / 2.0, ph - 28.0, 7.5, false, GREY, &footer);
    }
    w.target = None;
}
