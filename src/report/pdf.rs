//! The PDF report for design reviews (printpdf): cover, contents, executive summary with a bar
//! chart, the architecture diagram drawn as vectors in the canvas's notation, the worst attack
//! paths hop by hop, every finding, the compliance matrices, risk decisions, verification results
//! and an appendix with inventories and the rule catalog.
//!
//! printpdf gives low-level drawing operations; this module does its own layout: text is measured
//! with the embedded font's glyph widths and wrapped, tables repeat their header on each page,
//! sections get bookmarks and a table of contents, and every page but the cover gets a running
//! header and a page number.

use std::collections::HashMap;
use std::sync::OnceLock;

use printpdf::{
    Color, FontId, LineDashPattern, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument,
    PdfFontHandle, PdfPage, PdfSaveOptions, Point, Polygon, PolygonRing, Pt, Rgb, TextItem,
    WindingOrder,
};

use super::Input;
use crate::analysis::compliance::Verdict;
use crate::analysis::{Family, Finding, RULES, Severity};
use crate::diagram;
use crate::model::{Encryption, NodeKind, Status};

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
    /// SHA-256 of the model file (or of the canonical model text), shown shortened on the cover.
    pub model_hash: String,
    /// The last verification against the live endpoints, if there is one.
    pub verification: Option<crate::verify::Verification>,
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
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, source);
        let model_hash = digest.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        Options {
            paper,
            date: now.date(),
            model_hash,
            verification: None,
        }
    }
}

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the bundled font could not be parsed")]
    Font,
}

struct Fonts {
    regular: ParsedFont,
    bold: ParsedFont,
}

fn fonts() -> Option<&'static Fonts> {
    static FONTS: OnceLock<Option<Fonts>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let regular = ParsedFont::from_bytes(
                include_bytes!("../../assets/fonts/DejaVuSans.ttf"),
                0,
                &mut Vec::new(),
            )?;
            let bold = ParsedFont::from_bytes(
                include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf"),
                0,
                &mut Vec::new(),
            )?;
            Some(Fonts { regular, bold })
        })
        .as_ref()
}

/// Advance widths per character, cached (text is measured many times while wrapping).
struct Metrics {
    font: &'static ParsedFont,
    upm: f32,
    cache: HashMap<char, f32>,
}

impl Metrics {
    fn new(font: &'static ParsedFont) -> Self {
        Metrics {
            font,
            upm: f32::from(font.pdf_font_metrics.units_per_em.max(1)),
            cache: HashMap::new(),
        }
    }

    /// Width of `c` at size 1.
    fn advance(&mut self, c: char) -> f32 {
        if let Some(w) = self.cache.get(&c) {
            return *w;
        }
        let font = self.font;
        let w = font.lookup_glyph_index(c as u32).map_or(0.5, |g| {
            f32::from(font.get_horizontal_advance(g)) / self.upm
        });
        self.cache.insert(c, w);
        w
    }

    fn width(&mut self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.advance(c)).sum::<f32>() * size
    }
}

#[derive(Clone, Copy)]
struct Rgba(f32, f32, f32);

const BLACK: Rgba = Rgba(0.1, 0.11, 0.13);
const GREY: Rgba = Rgba(0.42, 0.44, 0.48);
const LIGHT: Rgba = Rgba(0.93, 0.94, 0.96);
const RULE: Rgba = Rgba(0.75, 0.77, 0.8);
const ACCENT: Rgba = Rgba(0.08, 0.35, 0.7);
const WHITE: Rgba = Rgba(1.0, 1.0, 1.0);

fn severity_color(s: Severity) -> Rgba {
    match s {
        Severity::Critical => Rgba(0.63, 0.08, 0.47),
        Severity::High => Rgba(0.8, 0.14, 0.12),
        Severity::Medium => Rgba(0.82, 0.49, 0.0),
        Severity::Low => Rgba(0.08, 0.47, 0.67),
        Severity::Info => GREY,
    }
}

fn verdict_color(v: Verdict) -> Rgba {
    match v {
        Verdict::Met => Rgba(0.08, 0.55, 0.27),
        Verdict::Gap => severity_color(Severity::High),
        Verdict::NotAssessed => GREY,
    }
}

fn mix(a: Rgba, b: Rgba, t: f32) -> Rgba {
    Rgba(
        a.0 + (b.0 - a.0) * t,
        a.1 + (b.1 - a.1) * t,
        a.2 + (b.2 - a.2) * t,
    )
}

fn color(c: Rgba) -> Color {
    Color::Rgb(Rgb {
        r: c.0,
        g: c.1,
        b: c.2,
        icc_profile: None,
    })
}

/// One table cell: text, and optionally a colour and boldness.
#[derive(Clone)]
struct Cell {
    text: String,
    color: Rgba,
    bold: bool,
}

fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        color: BLACK,
        bold: false,
    }
}

fn cell_colored(text: impl Into<String>, color: Rgba) -> Cell {
    Cell {
        text: text.into(),
        color,
        bold: true,
    }
}

/// How a shape is painted.
struct Style<'a> {
    fill: Option<Rgba>,
    stroke: Option<(Rgba, f32)>,
    dash: Option<&'a [f32]>,
}

impl Style<'_> {
    fn filled(fill: Rgba, stroke: Rgba, width: f32) -> Self {
        Style {
            fill: Some(fill),
            stroke: Some((stroke, width)),
            dash: None,
        }
    }
}

struct Page {
    w: f32,
    h: f32,
    ops: Vec<Op>,
}

/// The layout engine: pages, a cursor, text measuring and drawing primitives in top-down points.
struct Writer {
    portrait: (f32, f32),
    margin: f32,
    pages: Vec<Page>,
    y: f32,
    regular: FontId,
    bold: FontId,
    m_regular: Metrics,
    m_bold: Metrics,
    toc: Vec<(u8, String, usize)>,
    /// Draw on this page instead of the last (contents, running headers).
    target: Option<usize>,
}

const BODY: f32 = 9.5;

impl Writer {
    /// The page being drawn on: the last one, or `target` when going back to one.
    fn page(&mut self) -> &mut Page {
        let index = self.target.unwrap_or(self.pages.len() - 1);
        &mut self.pages[index]
    }

    fn current(&self) -> Option<&Page> {
        self.target.map_or(self.pages.last(), |i| self.pages.get(i))
    }

    fn page_no(&self) -> usize {
        self.pages.len()
    }

    fn width(&self) -> f32 {
        self.current().map_or(self.portrait.0, |p| p.w) - 2.0 * self.margin
    }

    fn bottom(&self) -> f32 {
        self.current().map_or(self.portrait.1, |p| p.h) - self.margin - 14.0
    }

    fn new_page(&mut self, landscape: bool) {
        let (w, h) = if landscape {
            (self.portrait.1, self.portrait.0)
        } else {
            self.portrait
        };
        self.pages.push(Page {
            w,
            h,
            ops: Vec::new(),
        });
        self.y = self.margin + 16.0;
    }

    /// Starts a new page unless `h` more points fit on this one.
    fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() {
            self.new_page(false);
        }
    }

    fn metrics(&mut self, bold: bool) -> &mut Metrics {
        if bold {
            &mut self.m_bold
        } else {
            &mut self.m_regular
        }
    }

    fn measure(&mut self, text: &str, size: f32, bold: bool) -> f32 {
        self.metrics(bold).width(text, size)
    }

    /// Wraps text to `width`, breaking at spaces, and inside words that are too long alone.
    fn wrap(&mut self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        for paragraph in text.split('\n') {
            let mut line = String::new();
            let mut line_w = 0.0;
            let space = self.measure(" ", size, bold);
            for word in paragraph.split(' ') {
                let word_w = self.measure(word, size, bold);
                if !line.is_empty() && line_w + space + word_w > width {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                if word_w > width {
                    // A long word (an id, a URL): break after `-`, `@`, `/` or `.` where
                    // possible, and character by character only where not.
                    if !line.is_empty() {
                        line.push(' ');
                        line_w += space;
                    }
                    for piece in word.split_inclusive(['-', '@', '/', '.', ',']) {
                        let pw = self.measure(piece, size, bold);
                        if line_w + pw > width && !line.is_empty() {
                            lines.push(std::mem::take(&mut line));
                            line_w = 0.0;
                        }
                        if pw <= width {
                            line.push_str(piece);
                            line_w += pw;
                            continue;
                        }
                        for c in piece.chars() {
                            let cw = self.metrics(bold).advance(c) * size;
                            if line_w + cw > width && !line.is_empty() {
                                lines.push(std::mem::take(&mut line));
                                line_w = 0.0;
                            }
                            line.push(c);
                            line_w += cw;
                        }
                    }
                    continue;
                }
                if !line.is_empty() {
                    line.push(' ');
                    line_w += space;
                }
                line.push_str(word);
                line_w += word_w;
            }
            lines.push(line);
        }
        lines
    }

    /// Text with its top at `y` (page coordinates from the top).
    fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, c: Rgba, s: &str) {
        if s.is_empty() {
            return;
        }
        let font = if bold {
            self.bold.clone()
        } else {
            self.regular.clone()
        };
        let h = self.page().h;
        let ops = &mut self.page().ops;
        ops.push(Op::StartTextSection);
        ops.push(Op::SetFont {
            font: PdfFontHandle::External(font),
            size: Pt(size),
        });
        ops.push(Op::SetFillColor { col: color(c) });
        ops.push(Op::SetTextCursor {
            pos: Point {
                x: Pt(x),
                y: Pt(h - y - size * 0.82),
            },
        });
        ops.push(Op::ShowText {
            items: vec![TextItem::Text(s.to_string())],
        });
        ops.push(Op::EndTextSection);
    }

    fn rect(
        &mut self,
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        fill: Option<Rgba>,
        stroke: Option<(Rgba, f32)>,
    ) {
        let pts = [(x, y), (x + w, y), (x + w, y + h), (x, y + h)];
        self.shape(&pts, fill, stroke, None, true);
    }

    /// A path through points (top-down coordinates), filled and/or stroked, optionally dashed.
    fn shape(
        &mut self,
        points: &[(f32, f32)],
        fill: Option<Rgba>,
        stroke: Option<(Rgba, f32)>,
        dash: Option<&[f32]>,
        closed: bool,
    ) {
        let h = self.page().h;
        let ring: Vec<LinePoint> = points
            .iter()
            .map(|(x, y)| LinePoint {
                p: Point {
                    x: Pt(*x),
                    y: Pt(h - *y),
                },
                bezier: false,
            })
            .collect();
        self.path(ring, fill, stroke, dash, closed);
    }

    fn path(
        &mut self,
        ring: Vec<LinePoint>,
        fill: Option<Rgba>,
        stroke: Option<(Rgba, f32)>,
        dash: Option<&[f32]>,
        closed: bool,
    ) {
        let ops = &mut self.page().ops;
        ops.push(Op::SaveGraphicsState);
        if let Some(f) = fill {
            ops.push(Op::SetFillColor { col: color(f) });
        }
        if let Some((c, w)) = stroke {
            ops.push(Op::SetOutlineColor { col: color(c) });
            ops.push(Op::SetOutlineThickness { pt: Pt(w) });
        }
        if let Some(d) = dash {
            ops.push(Op::SetLineDashPattern {
                dash: LineDashPattern::new(0.0, d),
            });
        }
        let mode = match (fill.is_some(), stroke.is_some()) {
            (true, true) => PaintMode::FillStroke,
            (true, false) => PaintMode::Fill,
            _ => PaintMode::Stroke,
        };
        if fill.is_some() || closed {
            ops.push(Op::DrawPolygon {
                polygon: Polygon {
                    rings: vec![PolygonRing { points: ring }],
                    mode,
                    winding_order: WindingOrder::NonZero,
                },
            });
        } else {
            ops.push(Op::DrawLine {
                line: printpdf::Line {
                    points: ring,
                    is_closed: false,
                },
            });
        }
        ops.push(Op::RestoreGraphicsState);
    }

    fn line(&mut self, a: (f32, f32), b: (f32, f32), c: Rgba, w: f32, dash: Option<&[f32]>) {
        self.shape(&[a, b], None, Some((c, w)), dash, false);
    }

    /// A rounded rectangle (corners as cubic Béziers).
    fn rounded(&mut self, (x, y, w, h): (f32, f32, f32, f32), r: f32, style: Style<'_>) {
        let Style { fill, stroke, dash } = style;
        let r = r.min(w / 2.0).min(h / 2.0);
        let k = 0.552_284_8 * r;
        let ph = self.page().h;
        let p = |x: f32, y: f32, bezier: bool| LinePoint {
            p: Point {
                x: Pt(x),
                y: Pt(ph - y),
            },
            bezier,
        };
        let ring = vec![
            p(x + r, y, false),
            p(x + w - r, y, false),
            p(x + w - r + k, y, true),
            p(x + w, y + r - k, true),
            p(x + w, y + r, false),
            p(x + w, y + h - r, false),
            p(x + w, y + h - r + k, true),
            p(x + w - r + k, y + h, true),
            p(x + w - r, y + h, false),
            p(x + r, y + h, false),
            p(x + r - k, y + h, true),
            p(x, y + h - r + k, true),
            p(x, y + h - r, false),
            p(x, y + r, false),
            p(x, y + r - k, true),
            p(x + r - k, y, true),
            p(x + r, y, false),
        ];
        self.path(ring, fill, stroke, dash, true);
    }

    /// A wrapped paragraph at the cursor, breaking pages as needed.
    fn para(&mut self, text: &str, size: f32, bold: bool, c: Rgba, indent: f32) {
        let lh = size * 1.38;
        let width = self.width() - indent;
        for line in self.wrap(text, size, bold, width) {
            self.ensure(lh);
            let x = self.margin + indent;
            let y = self.y;
            self.text(x, y, size, bold, c, &line);
            self.y += lh;
        }
    }

    fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// A section heading, recorded for the table of contents and the bookmarks.
    fn heading(&mut self, level: u8, title: &str) {
        let size = match level {
            1 => 17.0,
            2 => 12.5,
            _ => 10.5,
        };
        if level == 1 {
            self.new_page(false);
        } else {
            self.ensure(size * 4.0);
            self.gap(size * 0.6);
        }
        self.toc.push((level, title.to_string(), self.page_no()));
        let (x, y) = (self.margin, self.y);
        self.text(
            x,
            y,
            size,
            true,
            if level == 1 { ACCENT } else { BLACK },
            title,
        );
        self.y += size * 1.5;
        if level == 1 {
            let w = self.width();
            let y = self.y - 4.0;
            self.line((x, y), (x + w, y), ACCENT, 0.8, None);
            self.gap(6.0);
        }
    }

    /// A table with bordered cells, wrapped text, and the header repeated on every page.
    fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<Cell>], size: f32) {
        let total: f32 = columns.iter().map(|c| c.1).sum();
        let width = self.width();
        let widths: Vec<f32> = columns.iter().map(|c| c.1 / total * width).collect();
        let pad = 3.0;
        let lh = size * 1.3;
        let headers: Vec<Vec<String>> = columns
            .iter()
            .enumerate()
            .map(|(i, (title, _))| self.wrap(title, size, true, widths[i] - 2.0 * pad))
            .collect();
        let header_lines = headers.iter().map(Vec::len).max().unwrap_or(1) as f32;
        let header_h = header_lines * lh + 2.0 * pad;
        let draw_header = |w: &mut Writer| {
            let mut x = w.margin;
            let y = w.y;
            let full: f32 = widths.iter().sum();
            w.rect(x, y, full, header_h, Some(LIGHT), Some((RULE, 0.5)));
            for (i, lines) in headers.iter().enumerate() {
                for (k, line) in lines.iter().enumerate() {
                    w.text(x + pad, y + pad + k as f32 * lh, size, true, BLACK, line);
                }
                x += widths[i];
            }
            w.y += header_h;
        };
        self.ensure(header_h + lh * 2.0 + 2.0 * pad);
        draw_header(self);
        let max_lines = ((self.bottom() - self.margin - 40.0 - header_h) / lh)
            .floor()
            .max(1.0) as usize;
        for row in rows {
            let mut wrapped: Vec<Vec<String>> = row
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    self.wrap(
                        &c.text,
                        size,
                        c.bold,
                        widths.get(i).copied().unwrap_or(50.0) - 2.0 * pad,
                    )
                })
                .collect();
            for lines in &mut wrapped {
                if lines.len() > max_lines {
                    lines.truncate(max_lines);
                    if let Some(last) = lines.last_mut() {
                        last.push_str(" …");
                    }
                }
            }
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let h = n as f32 * lh + 2.0 * pad;
            if self.y + h > self.bottom() {
                self.new_page(false);
                draw_header(self);
            }
            let mut x = self.margin;
            let y = self.y;
            for (i, lines) in wrapped.iter().enumerate() {
                let w = widths.get(i).copied().unwrap_or(50.0);
                self.rect(x, y, w, h, None, Some((RULE, 0.5)));
                let c = &row[i];
                for (k, line) in lines.iter().enumerate() {
                    self.text(
                        x + pad,
                        y + pad + k as f32 * lh,
                        size,
                        c.bold,
                        c.color,
                        line,
                    );
                }
                x += w;
            }
            self.y += h;
        }
        self.gap(8.0);
    }
}

/// Renders the report.
///
/// # Errors
/// The bundled font could not be parsed (never with the shipped assets).
pub fn render(input: &Input<'_>, options: &Options) -> Result<Vec<u8>, PdfError> {
    let fonts = fonts().ok_or(PdfError::Font)?;
    let m = input.model;
    let title = if m.name.is_empty() {
        "Untitled model"
    } else {
        m.name.as_str()
    };
    let mut doc = PdfDocument::new(&format!("Threat model report: {title}"));
    let regular = doc.add_font(&fonts.regular);
    let bold = doc.add_font(&fonts.bold);
    let mut w = Writer {
        portrait: options.paper.size(),
        margin: 48.0,
        pages: Vec::new(),
        y: 0.0,
        regular,
        bold,
        m_regular: Metrics::new(&fonts.regular),
        m_bold: Metrics::new(&fonts.bold),
        toc: Vec::new(),
        target: None,
    };
    cover(&mut w, input, options, title);
    // The contents page is filled in at the end, when the page numbers are known.
    w.new_page(false);
    let contents_page = w.page_no();
    summary(&mut w, input);
    architecture(&mut w, input);
    attack_paths(&mut w, input);
    findings(&mut w, input);
    compliance(&mut w, input);
    decisions(&mut w, input);
    verification(&mut w, input, options);
    appendix(&mut w, input);
    contents(&mut w, contents_page);
    running_headers(&mut w, title, options);

    let total = w.pages.len();
    let mut pages = Vec::with_capacity(total);
    for page in w.pages {
        pages.push(PdfPage::new(
            Mm::from(Pt(page.w)),
            Mm::from(Pt(page.h)),
            page.ops,
        ));
    }
    doc.with_pages(pages);
    for (level, name, page) in &w.toc {
        if *level <= 2 {
            doc.add_bookmark(name, *page);
        }
    }
    let date = time_to_pdf(options.date);
    doc.metadata.info.creation_date = date;
    doc.metadata.info.modification_date = date;
    doc.metadata.info.metadata_date = date;
    doc.metadata.info.author = m.author.clone();
    doc.metadata.info.creator = format!("Rampart {}", env!("CARGO_PKG_VERSION"));
    doc.metadata.info.producer = "Rampart (printpdf)".into();
    doc.metadata.info.subject = "Threat model report".into();
    Ok(doc.save(&PdfSaveOptions::default(), &mut Vec::new()))
}

fn time_to_pdf(date: time::Date) -> printpdf::OffsetDateTime {
    let t = date.midnight().assume_utc().unix_timestamp();
    printpdf::OffsetDateTime::from_unix_timestamp(t)
        .unwrap_or_else(|_| printpdf::OffsetDateTime::now_utc())
}

fn cover(w: &mut Writer, input: &Input<'_>, options: &Options, title: &str) {
    let m = input.model;
    w.new_page(false);
    let x = w.margin;
    w.y = 150.0;
    w.text(x, w.y, 11.0, true, ACCENT, "THREAT MODEL REPORT");
    w.gap(24.0);
    let width = w.width();
    for line in w.wrap(title, 24.0, true, width) {
        let y = w.y;
        w.text(x, y, 24.0, true, BLACK, &line);
        w.gap(31.0);
    }
    w.gap(6.0);
    if !m.description.is_empty() {
        w.para(&m.description, 11.0, false, GREY, 0.0);
    }
    w.gap(24.0);
    let counts = input.analysis.counts();
    let open: usize = counts.iter().map(|(_, n)| n).sum();
    let facts = [
        ("Date", options.date.to_string()),
        (
            "Model fingerprint",
            format!(
                "SHA-256 {}",
                &options.model_hash[..16.min(options.model_hash.len())]
            ),
        ),
        (
            "Author",
            if m.author.is_empty() {
                "not given".to_string()
            } else {
                m.author.clone()
            },
        ),
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
        ("Open findings", format!("{open}")),
        (
            "Generated by",
            format!("Rampart {}", env!("CARGO_PKG_VERSION")),
        ),
    ];
    for (k, v) in facts {
        let y = w.y;
        w.text(x, y, 10.0, true, GREY, k);
        let lines = w.wrap(&v, 10.0, false, width - 130.0);
        for line in lines {
            let y = w.y;
            w.text(x + 130.0, y, 10.0, false, BLACK, &line);
            w.gap(14.0);
        }
        w.gap(3.0);
    }
    w.gap(20.0);
    // Severity tiles.
    let tile = (width - 4.0 * 8.0) / 5.0;
    let y = w.y;
    for (i, (s, n)) in counts.iter().enumerate() {
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
        w.text(tx + 8.0, y + 34.0, 9.0, false, BLACK, s.label());
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
    for (level, name, p) in entries.iter().filter(|(l, _, _)| *l <= 2) {
        let size = if *level == 1 { 11.0 } else { 9.5 };
        let indent = if *level == 1 { 0.0 } else { 16.0 };
        if w.y > w.bottom() {
            break;
        }
        let y = w.y;
        let label = w
            .wrap(name, size, *level == 1, width - indent - 60.0)
            .into_iter()
            .next()
            .unwrap_or_default();
        w.text(x + indent, y, size, *level == 1, BLACK, &label);
        let num = p.to_string();
        let nw = w.measure(&num, size, false);
        w.text(x + width - nw, y, size, false, GREY, &num);
        w.y += size * 1.7;
    }
    w.target = None;
    w.y = saved_y;
}

fn running_headers(w: &mut Writer, title: &str, options: &Options) {
    let total = w.pages.len();
    let date = options.date.to_string();
    let head = format!("{title} — threat model report");
    for i in 1..total {
        w.target = Some(i);
        let (pw, ph) = (w.pages[i].w, w.pages[i].h);
        let m = w.margin;
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
        w.text((pw - fw) / 2.0, ph - 26.0, 7.5, false, GREY, &footer);
    }
    w.target = None;
}

/// Findings quote ids in Markdown backticks; on paper the ids stand on their own.
fn plain(text: &str) -> String {
    text.replace('`', "")
}

fn one_sentence(f: &Finding) -> String {
    let first = f.message.split(". ").next().unwrap_or(&f.message);
    let first = first.trim_end_matches('.');
    format!("{}: {}.", f.rule.title, plain(first))
}

fn summary(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Executive summary");
    let open: Vec<&Finding> = a.findings.iter().filter(|f| f.is_open()).collect();
    let resolved = a.findings.len() - open.len();
    w.para(
        &format!(
            "Rampart analysed {} nodes, {} data flows, {} trust boundaries and {} data assets against {} rules. It found {} open finding(s){}. The worst attack path and each finding below name the elements involved and the change that would clear them.",
            input.model.node_count(),
            input.model.flow_count(),
            input.model.boundaries.len(),
            input.model.assets.len(),
            RULES.len(),
            open.len(),
            match resolved {
                0 => String::new(),
                1 => ", and 1 more is covered by a recorded risk decision".to_string(),
                n => format!(", and {n} more are covered by recorded risk decisions"),
            }
        ),
        BODY + 0.5,
        false,
        BLACK,
        0.0,
    );
    w.gap(8.0);
    // Bar chart of open findings by severity, drawn as vectors.
    w.heading(2, "Open findings by severity");
    let counts = a.counts();
    let max = counts.iter().map(|(_, n)| *n).max().unwrap_or(0).max(1) as f32;
    let x = w.margin;
    let bar_x = x + 70.0;
    let full = w.width() - 110.0;
    for (s, n) in &counts {
        w.ensure(18.0);
        let y = w.y;
        w.text(x, y + 2.0, BODY, false, BLACK, s.label());
        let len = (*n as f32 / max * full).max(if *n > 0 { 2.0 } else { 0.0 });
        if len > 0.0 {
            w.rect(bar_x, y, len, 12.0, Some(severity_color(*s)), None);
        }
        w.text(
            bar_x + len + 5.0,
            y + 1.5,
            BODY,
            true,
            BLACK,
            &n.to_string(),
        );
        w.gap(17.0);
    }
    w.gap(6.0);
    w.heading(2, "Open findings by family");
    let rows: Vec<Vec<Cell>> = Family::ALL
        .iter()
        .map(|fam| {
            let mut row = vec![cell(fam.label())];
            for s in Severity::ALL.iter().rev() {
                let n = open
                    .iter()
                    .filter(|f| f.rule.family == *fam && f.severity == *s)
                    .count();
                row.push(if n > 0 {
                    cell_colored(n.to_string(), severity_color(*s))
                } else {
                    cell("–")
                });
            }
            row
        })
        .collect();
    w.table(
        &[
            ("Family", 3.0),
            ("Critical", 1.0),
            ("High", 1.0),
            ("Medium", 1.0),
            ("Low", 1.0),
            ("Info", 1.0),
        ],
        &rows,
        BODY,
    );
    w.heading(2, "Top risks");
    if open.is_empty() {
        w.para("No open findings.", BODY, false, BLACK, 0.0);
    }
    for (i, f) in open.iter().take(7).enumerate() {
        w.ensure(30.0);
        let y = w.y;
        let x = w.margin;
        w.rect(
            x,
            y + 1.0,
            52.0,
            11.0,
            Some(severity_color(f.severity)),
            None,
        );
        w.text(
            x + 4.0,
            y + 2.5,
            7.0,
            true,
            WHITE,
            &f.severity.key().to_uppercase(),
        );
        w.y = y;
        let text = format!("{}. {}", i + 1, one_sentence(f));
        let lines = w.wrap(&text, BODY, false, w.width() - 60.0);
        for line in lines {
            let y = w.y;
            w.text(x + 60.0, y, BODY, false, BLACK, &line);
            w.gap(BODY * 1.38);
        }
        w.gap(3.0);
    }
}

/// The architecture diagram, as vectors, in the canvas's notation.
/// Above this many nodes the architecture is shown as a trust-zone overview and one page per
/// zone: a single page of hundreds of boxes is unreadable at print size.
const OVERVIEW_NODES: usize = 40;

fn architecture(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    let worst = input.analysis.worst_by_element();
    if m.node_count() == 0 {
        w.new_page(false);
        w.toc.push((1, "Architecture".to_string(), w.page_no()));
        let (x, y) = (w.margin, w.y);
        w.text(x, y, 15.0, true, ACCENT, "Architecture");
        w.y += 24.0;
        w.para("The model has no nodes yet.", BODY, false, GREY, 0.0);
        return;
    }
    if m.node_count() <= OVERVIEW_NODES {
        let scene = diagram::scene(m, &diagram::Options::default());
        diagram_page(w, "Architecture", None, &scene, &worst);
        return;
    }
    // Overview: every top-level boundary as one box, flows between zones counted.
    let tops: Vec<&crate::model::Boundary> = m
        .boundaries
        .iter()
        .filter(|b| b.parent.as_deref().and_then(|p| m.boundary(p)).is_none())
        .collect();
    let overview = diagram::scene(
        m,
        &diagram::Options {
            collapsed: tops.iter().map(|b| b.id.clone()).collect(),
            auto: true,
        },
    );
    diagram_page(
        w,
        "Architecture",
        Some(&format!(
            "Trust-zone overview: {} nodes in {} top-level zones. Each box is a zone with the number of nodes inside; each line stands for the flows between two zones, drawn in the weakest protection among them. One page per zone follows.",
            m.node_count(),
            tops.len()
        )),
        &overview,
        &worst,
    );
    let mut zones = tops.clone();
    zones.sort_by_key(|b| (b.trust_level(), b.id.clone()));
    for zone in zones {
        let mut sub = m.clone();
        let outside: Vec<String> = m
            .nodes()
            .filter(|n| !m.is_within(n, &zone.id))
            .map(|n| n.id.clone())
            .collect();
        let leaving = m
            .flows()
            .filter(|f| {
                let inside = |id: &str| m.node(id).is_some_and(|n| m.is_within(n, &zone.id));
                inside(&f.from) != inside(&f.to)
            })
            .count();
        for id in &outside {
            sub.remove_node(id);
        }
        sub.boundaries
            .retain(|b| b.id == zone.id || m.boundary_chain(&b.id).iter().any(|c| c.id == zone.id));
        if sub.node_count() == 0 {
            continue;
        }
        let scene = diagram::scene(&sub, &diagram::Options::default());
        let name = if zone.name.is_empty() {
            &zone.id
        } else {
            &zone.name
        };
        diagram_page(
            w,
            &format!("Zone: {name}"),
            Some(&format!(
                "{} nodes and {} flows inside; {leaving} flow{} cross the zone's boundary (see the overview).",
                sub.node_count(),
                sub.flow_count(),
                if leaving == 1 { "" } else { "s" }
            )),
            &scene,
            &worst,
        );
    }
}

/// One page with a diagram: title, an optional note, the drawing scaled to fit, the key of
/// callouts and cut names beside it, and the legend below.
fn diagram_page(
    w: &mut Writer,
    title: &str,
    note: Option<&str>,
    scene: &diagram::Scene,
    worst: &HashMap<&str, Severity>,
) {
    let b = scene.bounds;
    let landscape = b.w > b.h * 1.15;
    w.new_page(landscape);
    w.toc.push((
        if title == "Architecture" { 1 } else { 2 },
        title.to_string(),
        w.page_no(),
    ));
    let (x, y) = (w.margin, w.y);
    w.text(x, y, 15.0, true, ACCENT, title);
    w.y += 22.0;
    if let Some(note) = note {
        w.para(note, 8.5, false, GREY, 0.0);
        w.gap(4.0);
    }
    let key_w = if scene.key.is_empty() { 0.0 } else { 170.0 };
    let legend_h = 40.0;
    let top = w.y;
    let (avail_w, avail_h) = (w.width() - key_w, w.bottom() - top - legend_h);
    let scale = (avail_w / b.w.max(1.0))
        .min(avail_h / b.h.max(1.0))
        .min(1.0);
    let left = w.margin;
    draw_scene(w, scene, worst, (left, top), scale);
    // The key: callouts and names the drawing had to cut.
    if !scene.key.is_empty() {
        let kx = w.margin + avail_w + 10.0;
        let mut ky = top;
        w.text(kx, ky, 8.5, true, BLACK, "Key");
        ky += 12.0;
        for entry in &scene.key {
            let line = format!("{}  {}", entry.tag, entry.text);
            for (i, l) in w
                .wrap(&line, 7.0, false, key_w - 14.0)
                .into_iter()
                .enumerate()
            {
                if ky > w.bottom() - legend_h {
                    break;
                }
                w.text(
                    kx + if i == 0 { 0.0 } else { 8.0 },
                    ky,
                    7.0,
                    i == 0 && entry.tag.starts_with('F'),
                    BLACK,
                    &l,
                );
                ky += 9.0;
            }
        }
    }
    // Legend.
    let ly = top + avail_h + 8.0;
    let mut lx = left;
    for (label, c, dash, width) in [
        ("mutual TLS", flow_color(Encryption::Mtls), None, 1.4),
        ("TLS", flow_color(Encryption::Tls), None, 0.8),
        (
            "plaintext",
            flow_color(Encryption::None),
            Some(&[3.0f32, 2.0][..]),
            0.8,
        ),
    ] {
        w.line((lx, ly + 4.0), (lx + 26.0, ly + 4.0), c, width, dash);
        w.text(lx + 30.0, ly, 7.5, false, BLACK, label);
        lx += 90.0;
    }
    w.text(
        lx,
        ly,
        7.5,
        false,
        GREY,
        "Tint and dot: worst open finding. Dashed regions: trust boundaries (red: untrusted, amber: partly trusted, green: trusted, purple: compliance zone). F1, F2…: flows named in the key.",
    );
    w.text(left, ly + 12.0, 7.5, false, GREY, "Boxes: actors · double boxes: external systems · rounded: services and identity providers · hexagons: gateways · open boxes: data and secret stores · striped: queues");
}

fn flow_color(e: Encryption) -> Rgba {
    match e {
        Encryption::None => Rgba(0.84, 0.16, 0.12),
        Encryption::Tls => Rgba(0.35, 0.39, 0.45),
        Encryption::Mtls => Rgba(0.08, 0.55, 0.27),
    }
}

fn boundary_color(b: &diagram::SceneBoundary) -> Rgba {
    let [r, g, bl] = b.band().rgb();
    Rgba(
        f32::from(r) / 255.0,
        f32::from(g) / 255.0,
        f32::from(bl) / 255.0,
    )
}

/// Draws a scene with its top-left corner at `origin` (page points), scaled.
fn draw_scene(
    w: &mut Writer,
    scene: &diagram::Scene,
    worst: &HashMap<&str, Severity>,
    origin: (f32, f32),
    scale: f32,
) {
    let b = scene.bounds;
    let to_page = |x: f32, y: f32| (origin.0 + (x - b.x) * scale, origin.1 + (y - b.y) * scale);
    for region in &scene.boundaries {
        let r = region.rect;
        let (px, py) = to_page(r.x, r.y);
        let base = boundary_color(region);
        w.rounded(
            (px, py, r.w * scale, r.h * scale),
            8.0 * scale,
            Style {
                fill: Some(mix(base, WHITE, 0.9)),
                stroke: Some((base, 0.8)),
                dash: Some(&[4.0, 3.0]),
            },
        );
        let (tx, ty) = to_page(region.title_rect.x, region.title_rect.y);
        w.text(
            tx + 2.0 * scale,
            ty + 2.0 * scale,
            diagram::TITLE_FONT * scale,
            true,
            mix(base, BLACK, 0.25),
            &region.title,
        );
    }
    for f in &scene.flows {
        let c = flow_color(f.encryption);
        let points: Vec<(f32, f32)> = f.points.iter().map(|p| to_page(p.x, p.y)).collect();
        let (width, dash): (f32, Option<&[f32]>) = match f.encryption {
            Encryption::None => (0.8, Some(&[3.0, 2.0])),
            Encryption::Tls => (0.8, None),
            Encryption::Mtls => (1.5, None),
        };
        w.shape(
            &points,
            None,
            Some((c, width * scale.max(0.5))),
            dash,
            false,
        );
        if let [.., a, q] = points.as_slice() {
            let (dx, dy) = (q.0 - a.0, q.1 - a.1);
            let len = (dx * dx + dy * dy).sqrt().max(0.01);
            let (ux, uy) = (dx / len, dy / len);
            let s = 6.5 * scale.max(0.6);
            let (hx, hy) = (q.0 - ux * s, q.1 - uy * s);
            w.shape(
                &[
                    *q,
                    (hx - uy * s * 0.45, hy + ux * s * 0.45),
                    (hx + uy * s * 0.45, hy - ux * s * 0.45),
                ],
                Some(c),
                None,
                None,
                true,
            );
        }
    }
    for f in &scene.flows {
        let r = f.label.rect();
        let (x, y) = to_page(r.x, r.y);
        let size = diagram::FLOW_FONT * scale;
        match &f.label {
            diagram::FlowLabel::Text { text, .. } => {
                w.rect(
                    x,
                    y,
                    r.w * scale,
                    r.h * scale,
                    Some(WHITE),
                    Some((mix(flow_color(f.encryption), WHITE, 0.5), 0.3)),
                );
                w.text(x + 4.0 * scale, y + 2.5 * scale, size, false, BLACK, text);
            }
            diagram::FlowLabel::Callout { tag, .. } => {
                w.rounded(
                    (x, y, r.w * scale, r.h * scale),
                    3.0 * scale,
                    Style::filled(
                        mix(flow_color(f.encryption), WHITE, 0.85),
                        flow_color(f.encryption),
                        0.4,
                    ),
                );
                w.text(x + 4.0 * scale, y + 2.5 * scale, size, true, BLACK, tag);
            }
        }
    }
    for n in &scene.nodes {
        let (x, y) = to_page(n.rect.x, n.rect.y);
        let (nw, nh) = (n.rect.w * scale, n.rect.h * scale);
        let base_fill = if n.collapsed.is_some() {
            Rgba(0.95, 0.95, 0.97)
        } else if n.kind.is_external() {
            Rgba(0.99, 0.95, 0.89)
        } else if n.kind.is_store() {
            Rgba(0.89, 0.96, 0.95)
        } else {
            Rgba(0.91, 0.94, 0.99)
        };
        let tint = worst.get(n.id.as_str()).copied();
        let (fill, stroke) = match tint {
            Some(s) => (mix(base_fill, severity_color(s), 0.18), severity_color(s)),
            None => (base_fill, Rgba(0.27, 0.31, 0.39)),
        };
        let sw = 0.9;
        if n.collapsed.is_some() {
            w.rounded(
                (x, y, nw, nh),
                4.0 * scale,
                Style {
                    fill: Some(fill),
                    stroke: Some((stroke, sw)),
                    dash: Some(&[3.0, 2.0]),
                },
            );
        } else {
            node_shape(w, n.kind, (x, y, nw, nh), scale, fill, stroke, sw);
        }
        let size = diagram::NODE_FONT * scale;
        let lh = size * 1.2;
        let total = n.lines.len() as f32 * lh;
        let text_x = x + (diagram::NODE_W - diagram::NAME_W) * 0.6 * scale;
        for (k, line) in n.lines.iter().enumerate() {
            let lw = w.measure(line, size, false);
            w.text(
                text_x + (diagram::NAME_W * scale - lw) / 2.0,
                y + (nh - total) / 2.0 + k as f32 * lh,
                size,
                n.collapsed.is_some() && k == 0,
                BLACK,
                line,
            );
        }
        if let Some(s) = tint {
            w.shape(
                &circle(x + nw - 6.0 * scale, y + 6.0 * scale, 3.5 * scale),
                Some(severity_color(s)),
                None,
                None,
                true,
            );
        }
    }
}

/// A node's shape in data-flow-diagram notation.
#[allow(clippy::too_many_arguments)]
fn node_shape(
    w: &mut Writer,
    kind: NodeKind,
    (x, y, nw, nh): (f32, f32, f32, f32),
    scale: f32,
    fill: Rgba,
    stroke: Rgba,
    sw: f32,
) {
    match kind {
        NodeKind::Actor => w.rect(x, y, nw, nh, Some(fill), Some((stroke, sw * 1.6))),
        NodeKind::ExternalSystem => {
            w.rect(x, y, nw, nh, Some(fill), Some((stroke, sw)));
            let i = 3.0 * scale;
            w.rect(
                x + i,
                y + i,
                nw - 2.0 * i,
                nh - 2.0 * i,
                None,
                Some((stroke, sw * 0.7)),
            );
        }
        NodeKind::Service | NodeKind::IdentityProvider => {
            w.rounded((x, y, nw, nh), nh / 2.0, Style::filled(fill, stroke, sw));
        }
        NodeKind::Gateway => {
            let i = 14.0 * scale;
            w.shape(
                &[
                    (x + i, y),
                    (x + nw - i, y),
                    (x + nw, y + nh / 2.0),
                    (x + nw - i, y + nh),
                    (x + i, y + nh),
                    (x, y + nh / 2.0),
                ],
                Some(fill),
                Some((stroke, sw)),
                None,
                true,
            );
        }
        NodeKind::DataStore | NodeKind::SecretStore => {
            w.rect(x, y, nw, nh, Some(fill), None);
            w.line((x, y), (x + nw, y), stroke, sw, None);
            w.line((x, y + nh), (x + nw, y + nh), stroke, sw, None);
            w.line((x, y), (x, y + nh), stroke, sw, None);
            let bar = x + 10.0 * scale;
            w.line((bar, y), (bar, y + nh), stroke, sw, None);
            if kind == NodeKind::SecretStore {
                w.line((x + nw, y), (x + nw, y + nh), stroke, sw, None);
            }
        }
        NodeKind::MessageQueue => {
            w.rounded((x, y, nw, nh), 5.0 * scale, Style::filled(fill, stroke, sw));
            for k in 1..=3 {
                let lx = x + nw - k as f32 * 6.0 * scale;
                w.line(
                    (lx, y + 5.0 * scale),
                    (lx, y + nh - 5.0 * scale),
                    stroke,
                    sw * 0.7,
                    None,
                );
            }
        }
    }
}

fn circle(cx: f32, cy: f32, r: f32) -> Vec<(f32, f32)> {
    (0..16)
        .map(|i| {
            let a = i as f32 / 16.0 * std::f32::consts::TAU;
            (cx + r * a.cos(), cy + r * a.sin())
        })
        .collect()
}

fn attack_paths(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Attack paths");
    let mut weak: Vec<_> = a.attack_paths.iter().filter(|p| p.weak).collect();
    weak.sort_by(|x, y| {
        x.average()
            .total_cmp(&y.average())
            .then_with(|| x.target.cmp(&y.target))
    });
    w.para(
        "For every high-value target (stores of sensitive, regulated or credential data, secret stores, identity providers), Rampart finds the path of least resistance from any untrusted entry. Each hop scores 1 (no controls) to 10 (mutual TLS, strong authentication, per-user authorization). Paths whose hops average 4 or less are listed, weakest first.",
        BODY,
        false,
        GREY,
        0.0,
    );
    if weak.is_empty() {
        w.gap(4.0);
        w.para(
            "No weakly defended path from an untrusted entry to high-value data.",
            BODY,
            true,
            verdict_color(Verdict::Met),
            0.0,
        );
        return;
    }
    for p in weak.iter().take(10) {
        w.heading(
            2,
            &format!(
                "{} → {} (average {:.1} of 10)",
                p.entry,
                p.target,
                p.average()
            ),
        );
        w.para(&p.nodes.join(" → "), BODY, false, BLACK, 0.0);
        w.gap(3.0);
        let rows: Vec<Vec<Cell>> = p
            .hops
            .iter()
            .enumerate()
            .map(|(i, h)| {
                vec![
                    cell(format!("{}", i + 1)),
                    cell(format!("{} → {}\n{}", h.from, h.to, h.flow)),
                    cell(h.cost.to_string()),
                    cell(h.controls.clone()),
                    if h.gaps.is_empty() {
                        cell("none")
                    } else {
                        cell_colored(h.gaps.join("; "), severity_color(Severity::High))
                    },
                ]
            })
            .collect();
        w.table(
            &[
                ("Hop", 0.5),
                ("Flow", 3.0),
                ("Score", 0.7),
                ("Controls", 3.0),
                ("Control gaps", 3.5),
            ],
            &rows,
            8.5,
        );
    }
    if weak.len() > 10 {
        w.para(
            &format!(
                "{} more weak paths are listed in the findings.",
                weak.len() - 10
            ),
            BODY,
            false,
            GREY,
            0.0,
        );
    }
}

fn findings(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Findings");
    if a.findings.is_empty() {
        w.para("No findings.", BODY, false, BLACK, 0.0);
        return;
    }
    let in_scope: Vec<&str> = a.compliance.iter().map(|c| c.id.as_str()).collect();
    for severity in Severity::ALL.iter().rev() {
        let group: Vec<&Finding> = a
            .findings
            .iter()
            .filter(|f| f.severity == *severity)
            .collect();
        if group.is_empty() {
            continue;
        }
        w.heading(2, &format!("{} ({})", severity.label(), group.len()));
        for f in group {
            w.ensure(70.0);
            let x = w.margin;
            let y = w.y;
            w.rect(x, y, 52.0, 12.0, Some(severity_color(f.severity)), None);
            w.text(
                x + 4.0,
                y + 2.0,
                7.0,
                true,
                WHITE,
                &f.severity.key().to_uppercase(),
            );
            let title_w = w.width() - 60.0;
            let lines = w.wrap(f.rule.title, 10.5, true, title_w);
            for line in lines {
                let y = w.y;
                w.text(x + 60.0, y, 10.5, true, BLACK, &line);
                w.gap(14.0);
            }
            w.para(&f.id, 7.5, false, GREY, 60.0);
            let stride: Vec<&str> = f.rule.stride.iter().map(|s| s.label()).collect();
            w.para(
                &format!(
                    "{} · STRIDE: {} · Elements: {}",
                    f.rule.family.label(),
                    if stride.is_empty() {
                        "–".to_string()
                    } else {
                        stride.join(", ")
                    },
                    f.elements.join(", ")
                ),
                8.0,
                false,
                GREY,
                60.0,
            );
            w.gap(2.0);
            w.para(
                &format!("Why it fired: {}", plain(&f.message)),
                BODY,
                false,
                BLACK,
                60.0,
            );
            for (i, hop) in f.hops.iter().enumerate() {
                w.para(
                    &format!("{}. {}", i + 1, plain(hop)),
                    8.0,
                    false,
                    BLACK,
                    72.0,
                );
            }
            w.para(
                &format!("How to fix: {} {}", plain(&f.fix), plain(f.rule.mitigation)),
                BODY,
                false,
                BLACK,
                60.0,
            );
            let refs: Vec<&str> = f
                .rule
                .compliance()
                .iter()
                .map(String::as_str)
                .filter(|r| in_scope.iter().any(|fw| r.split(':').next() == Some(fw)))
                .collect();
            if !refs.is_empty() {
                w.para(
                    &format!("Compliance: {}", refs.join(", ")),
                    8.0,
                    false,
                    GREY,
                    60.0,
                );
            }
            let status = match &f.decision {
                Some(d) => format!(
                    "Status: {}{}{}{}",
                    f.status.label(),
                    if d.justification.is_empty() {
                        String::new()
                    } else {
                        format!(" — {}", d.justification)
                    },
                    if d.owner.is_empty() {
                        String::new()
                    } else {
                        format!(" (owner: {})", d.owner)
                    },
                    if d.date.is_empty() {
                        String::new()
                    } else {
                        format!(", {}", d.date)
                    }
                ),
                None => format!("Status: {}", f.status.label()),
            };
            let c = if f.status.is_resolved() {
                verdict_color(Verdict::Met)
            } else {
                BLACK
            };
            w.para(&status, 8.5, f.status != Status::Open, c, 60.0);
            w.gap(8.0);
        }
    }
}

fn compliance(w: &mut Writer, input: &Input<'_>) {
    let a = input.analysis;
    w.heading(1, "Compliance");
    if a.compliance.is_empty() {
        w.para("No framework is in scope: the model holds no cardholder, health or personal data and declares no framework.", BODY, false, BLACK, 0.0);
        return;
    }
    w.para("A requirement is met when the rules that test it find nothing open, a gap when they do, and not assessed when no rule can judge it from a diagram (it needs code review or testing).", BODY, false, GREY, 0.0);
    for fw in &a.compliance {
        let (met, gap, na) = fw.totals();
        w.heading(
            2,
            &format!("{} — {met} met, {gap} gap, {na} not assessed", fw.name),
        );
        w.para(
            &format!("In scope because {}.", fw.scope_reason),
            BODY,
            false,
            GREY,
            0.0,
        );
        w.gap(3.0);
        let rows: Vec<Vec<Cell>> = fw
            .requirements
            .iter()
            .map(|r| {
                let ids: Vec<&str> = r
                    .findings
                    .iter()
                    .filter_map(|i| a.findings.get(*i))
                    .map(|f| f.id.as_str())
                    .collect();
                let shown = if ids.len() > 4 {
                    format!("{} and {} more", ids[..4].join(", "), ids.len() - 4)
                } else {
                    ids.join(", ")
                };
                vec![
                    cell(r.id.clone()),
                    cell(r.title.clone()),
                    cell_colored(r.verdict.label(), verdict_color(r.verdict)),
                    cell(shown),
                ]
            })
            .collect();
        w.table(
            &[
                ("Requirement", 1.2),
                ("Title", 3.2),
                ("Verdict", 1.0),
                ("Open findings", 3.6),
            ],
            &rows,
            8.0,
        );
    }
}

fn decisions(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    let a = input.analysis;
    w.heading(1, "Risk decisions");
    if m.decisions.is_empty() {
        w.para(
            "No risk decisions are recorded in the model.",
            BODY,
            false,
            BLACK,
            0.0,
        );
        return;
    }
    let rows: Vec<Vec<Cell>> = m
        .decisions
        .iter()
        .map(|d| {
            let n = a
                .findings
                .iter()
                .filter(|f| f.decision.as_ref().is_some_and(|x| x.finding == d.finding))
                .count();
            vec![
                cell(d.finding.clone()),
                cell_colored(
                    d.status.label(),
                    if d.status.is_resolved() {
                        verdict_color(Verdict::Met)
                    } else {
                        BLACK
                    },
                ),
                cell(if d.owner.is_empty() {
                    "–".into()
                } else {
                    d.owner.clone()
                }),
                cell(if d.date.is_empty() {
                    "–".into()
                } else {
                    d.date.clone()
                }),
                cell(if d.justification.is_empty() {
                    "–".into()
                } else {
                    d.justification.clone()
                }),
                cell(if n == 0 {
                    "none (stale?)".to_string()
                } else {
                    n.to_string()
                }),
            ]
        })
        .collect();
    w.table(
        &[
            ("Finding or pattern", 2.8),
            ("Status", 1.0),
            ("Owner", 1.2),
            ("Date", 1.1),
            ("Justification", 3.5),
            ("Findings", 0.8),
        ],
        &rows,
        8.0,
    );
}

fn verification(w: &mut Writer, input: &Input<'_>, options: &Options) {
    use crate::verify::EndpointStatus;
    w.heading(1, "Verification against live endpoints");
    let declared = crate::verify::declared(input.model).len();
    let Some(v) = &options.verification else {
        w.para(
            &if declared == 0 {
                "The model declares no live endpoints, so nothing was verified against the deployed system. Give flows or nodes an `endpoint` and run `rampart verify` to check that the system matches the diagram.".to_string()
            } else {
                format!("The model declares {declared} live endpoint{}, but no verification has been recorded: the findings above describe the diagram, not the deployed system. Run `rampart verify` to check them.", if declared == 1 { "" } else { "s" })
            },
            BODY,
            false,
            BLACK,
            0.0,
        );
        return;
    };
    let summary = v.summary("with drift");
    let same = v.model_sha256 == options.model_hash;
    w.para(
        &format!(
            "Verified on {} (in {:.1} s) against the model with hash {}{} {} endpoint{}: {summary}.",
            v.started.replace('T', " ").replace('Z', " UTC"),
            v.duration_ms as f32 / 1000.0,
            v.model_sha256.get(..12).unwrap_or("(unsaved)"),
            if same {
                ", the model of this report."
            } else {
                "; the model has changed since, so its drift findings are not counted above."
            },
            v.endpoints.len(),
            if v.endpoints.len() == 1 { "" } else { "s" },
        ),
        BODY,
        false,
        BLACK,
        0.0,
    );
    w.gap(6.0);
    let rows: Vec<Vec<Cell>> = v
        .endpoints
        .iter()
        .map(|e| {
            let (label, c) = match e.status {
                EndpointStatus::Verified => ("Verified", verdict_color(Verdict::Met)),
                EndpointStatus::Drift => ("Drift", severity_color(Severity::High)),
                EndpointStatus::Unreachable => ("Unreachable", severity_color(Severity::Medium)),
                EndpointStatus::NotProbed => ("Not probed", GREY),
                EndpointStatus::Unverified => {
                    ("Could not verify", severity_color(Severity::Medium))
                }
            };
            let mut seen: Vec<String> =
                e.drift.iter().map(|d| format!("✗ {}", d.message)).collect();
            seen.extend(e.matched.iter().map(|m| format!("✓ {m}")));
            seen.extend(e.notes.iter().map(|n| format!("– {n}")));
            vec![
                cell(e.element.clone()),
                cell(e.url.clone()),
                cell(e.expected.describe()),
                cell_colored(label, c),
                cell(seen.join("\n")),
            ]
        })
        .collect();
    w.table(
        &[
            ("Element", 1.3),
            ("Endpoint", 1.9),
            ("Declared", 1.7),
            ("Status", 1.25),
            ("What was seen", 4.4),
        ],
        &rows,
        8.0,
    );
}

fn appendix(w: &mut Writer, input: &Input<'_>) {
    let m = input.model;
    w.heading(1, "Appendix: inventories and rules");
    w.heading(2, "Nodes");
    let mut nodes: Vec<_> = m.nodes().collect();
    nodes.sort_by(|a, b| a.id.cmp(&b.id));
    let rows: Vec<Vec<Cell>> = nodes
        .iter()
        .map(|n| {
            vec![
                cell(n.id.clone()),
                cell(n.label().to_string()),
                cell(n.kind.label()),
                cell(n.boundary.clone().unwrap_or_else(|| "–".into())),
                cell(if n.technology.is_empty() {
                    "–".into()
                } else {
                    n.technology.clone()
                }),
            ]
        })
        .collect();
    w.table(
        &[
            ("Id", 2.2),
            ("Name", 2.4),
            ("Kind", 1.4),
            ("Boundary", 1.6),
            ("Technology", 2.0),
        ],
        &rows,
        7.5,
    );
    w.heading(2, "Data flows");
    let mut flows: Vec<_> = m.flows().collect();
    flows.sort_by(|a, b| a.id.cmp(&b.id));
    let rows: Vec<Vec<Cell>> = flows
        .iter()
        .map(|f| {
            vec![
                cell(format!("{}\n{} → {}", f.id, f.from, f.to)),
                cell(if f.protocol.is_empty() {
                    "–".into()
                } else {
                    f.protocol.clone()
                }),
                cell(match f.effective_tls_min() {
                    Some(v) => format!("{} ({}+)", f.encryption.label(), v.label()),
                    None => f.encryption.label().to_string(),
                }),
                cell(f.authentication.label()),
                cell(f.access.label()),
                cell(if f.data.is_empty() {
                    "–".into()
                } else {
                    f.data.join(", ")
                }),
            ]
        })
        .collect();
    w.table(
        &[
            ("Flow", 3.0),
            ("Protocol", 1.1),
            ("Encryption", 1.5),
            ("Authentication", 1.4),
            ("Access", 0.8),
            ("Data", 2.2),
        ],
        &rows,
        7.5,
    );
    w.heading(2, "Trust boundaries");
    let rows: Vec<Vec<Cell>> = m
        .boundaries
        .iter()
        .map(|b| {
            vec![
                cell(b.id.clone()),
                cell(if b.name.is_empty() {
                    "–".into()
                } else {
                    b.name.clone()
                }),
                cell(b.kind.label()),
                cell(b.trust_level().to_string()),
                cell(b.parent.clone().unwrap_or_else(|| "–".into())),
                cell(
                    b.scope
                        .iter()
                        .map(|t| t.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]
        })
        .collect();
    w.table(
        &[
            ("Id", 1.8),
            ("Name", 2.6),
            ("Kind", 1.5),
            ("Trust", 0.6),
            ("Inside", 1.5),
            ("Zone for", 1.0),
        ],
        &rows,
        7.5,
    );
    w.heading(2, "Data assets");
    let rows: Vec<Vec<Cell>> = m
        .assets
        .iter()
        .map(|a| {
            vec![
                cell(a.id.clone()),
                cell(if a.name.is_empty() {
                    "–".into()
                } else {
                    a.name.clone()
                }),
                cell(a.classification.label()),
                cell(
                    a.tags
                        .iter()
                        .map(|t| t.key())
                        .collect::<Vec<_>>()
                        .join(", "),
                ),
            ]
        })
        .collect();
    w.table(
        &[
            ("Id", 2.0),
            ("Name", 3.0),
            ("Classification", 1.4),
            ("Tags", 1.6),
        ],
        &rows,
        7.5,
    );
    w.heading(2, "Rules checked");
    let rows: Vec<Vec<Cell>> = RULES
        .iter()
        .map(|r| {
            vec![
                cell(r.id),
                cell(r.title),
                cell(r.family.label()),
                cell_colored(r.severity.label(), severity_color(r.severity)),
            ]
        })
        .collect();
    w.table(
        &[
            ("Rule", 2.6),
            ("Title", 3.6),
            ("Family", 1.8),
            ("Default severity", 1.2),
        ],
        &rows,
        7.5,
    );
}
