//! The PDF layout engine: fonts, measuring, pages, a cursor, wrapped paragraphs, headings and
//! tables, in top-down page points.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use printpdf::{
    Actions, BorderArray, Color, Destination, FontId, LineDashPattern, LinePoint, LinkAnnotation,
    Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, Point, Polygon, PolygonRing, Pt, Rect,
    Rgb, TextItem, WindingOrder,
};

use crate::text;

use crate::analysis::Severity;
use crate::analysis::compliance::Verdict;

#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Rgba(pub(super) f32, pub(super) f32, pub(super) f32);

pub(super) const BLACK: Rgba = Rgba(0.1, 0.11, 0.13);
pub(super) const GREY: Rgba = Rgba(0.42, 0.44, 0.48);
pub(super) const LIGHT: Rgba = Rgba(0.93, 0.94, 0.96);
pub(super) const RULE: Rgba = Rgba(0.75, 0.77, 0.8);
pub(super) const ACCENT: Rgba = Rgba(0.08, 0.35, 0.7);
pub(super) const WHITE: Rgba = Rgba(1.0, 1.0, 1.0);

pub(super) fn severity_color(s: Severity) -> Rgba {
    match s {
        Severity::Critical => Rgba(0.63, 0.08, 0.47),
        Severity::High => Rgba(0.8, 0.14, 0.12),
        Severity::Medium => Rgba(0.82, 0.49, 0.0),
        Severity::Low => Rgba(0.08, 0.47, 0.67),
        Severity::Info => GREY,
    }
}

pub(super) fn verdict_color(v: Verdict) -> Rgba {
    match v {
        Verdict::Met => Rgba(0.08, 0.55, 0.27),
        Verdict::Gap => severity_color(Severity::High),
        Verdict::NotAssessed => GREY,
    }
}

pub(super) fn mix(a: Rgba, b: Rgba, t: f32) -> Rgba {
    Rgba(
        a.0 + (b.0 - a.0) * t,
        a.1 + (b.1 - a.1) * t,
        a.2 + (b.2 - a.2) * t,
    )
}

pub(super) fn color(c: Rgba) -> Color {
    Color::Rgb(Rgb {
        r: c.0,
        g: c.1,
        b: c.2,
        icc_profile: None,
    })
}

/// One table cell: text, and optionally a colour and boldness.
#[derive(Clone)]
pub(super) struct Cell {
    pub(super) text: String,
    pub(super) color: Rgba,
    pub(super) bold: bool,
    /// Where a click on the cell goes (an anchor name).
    pub(super) link: Option<String>,
    /// Each word of the text is a finding id linking to its card.
    pub(super) finding_ids: bool,
}

impl Cell {
    /// The cell links to an anchor.
    pub(super) fn linked(mut self, anchor: impl Into<String>) -> Self {
        self.link = Some(anchor.into());
        self
    }

    /// Every word of the cell is a finding id linking to its card.
    pub(super) fn finding_ids(mut self) -> Self {
        self.finding_ids = true;
        self
    }
}

/// The anchor of a finding's card.
pub(super) fn finding_anchor(id: &str) -> String {
    format!("finding:{id}")
}

pub(super) fn cell(text: impl Into<String>) -> Cell {
    Cell {
        text: text.into(),
        color: BLACK,
        bold: false,
        link: None,
        finding_ids: false,
    }
}

pub(super) fn cell_colored(text: impl Into<String>, color: Rgba) -> Cell {
    Cell {
        text: text.into(),
        color,
        bold: true,
        link: None,
        finding_ids: false,
    }
}

/// How a shape is painted.
pub(super) struct Style<'a> {
    pub(super) fill: Option<Rgba>,
    pub(super) stroke: Option<(Rgba, f32)>,
    pub(super) dash: Option<&'a [f32]>,
}

impl Style<'_> {
    pub(super) fn filled(fill: Rgba, stroke: Rgba, width: f32) -> Self {
        Style {
            fill: Some(fill),
            stroke: Some((stroke, width)),
            dash: None,
        }
    }
}

pub(super) struct Page {
    pub(super) w: f32,
    pub(super) h: f32,
    pub(super) ops: Vec<Op>,
}

/// The layout engine: pages, a cursor, text measuring and drawing primitives in top-down points.
pub(super) struct Writer {
    pub(super) doc: PdfDocument,
    pub(super) portrait: (f32, f32),
    pub(super) margin: f32,
    pub(super) pages: Vec<Page>,
    pub(super) y: f32,
    /// The PDF font of each face of [`text::fonts`] used so far: (bold, face index).
    fonts: HashMap<(bool, usize), FontId>,
    /// Character widths at size 1, cached (text is measured many times while wrapping).
    widths: HashMap<(bool, char), f32>,
    pub(super) toc: Vec<Toc>,
    /// Draw on this page instead of the last (contents, running headers).
    pub(super) target: Option<usize>,
    /// Named places (page index, top-down y) that links go to.
    anchors: HashMap<String, (usize, f32)>,
    /// Links drawn so far: page index, rectangle (top-down x, y, w, h), anchor name.
    links: Vec<(usize, [f32; 4], String)>,
}

/// One contents and bookmark entry.
#[derive(Clone)]
pub(super) struct Toc {
    pub(super) level: u8,
    pub(super) title: String,
    /// 1-based page number.
    pub(super) page: usize,
    /// Top-down y of the heading on its page.
    pub(super) y: f32,
}

/// A face of [`text::fonts`] parsed for printpdf, once per process (a CJK face is large).
fn parsed(bold: bool, face: usize) -> Option<Arc<ParsedFont>> {
    type Cache = Mutex<HashMap<(bool, usize), Option<Arc<ParsedFont>>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    cache
        .entry((bold, face))
        .or_insert_with(|| {
            let f = text::fonts().chain(bold).faces.get(face)?;
            let index = usize::try_from(f.index).ok()?;
            ParsedFont::from_bytes(f.data, index, &mut Vec::new()).map(Arc::new)
        })
        .clone()
}

pub(super) const BODY: f32 = 9.5;

impl Writer {
    /// The page being drawn on: the last one, or `target` when going back to one.
    pub(super) fn page(&mut self) -> &mut Page {
        let index = self.target.unwrap_or(self.pages.len() - 1);
        &mut self.pages[index]
    }

    pub(super) fn current(&self) -> Option<&Page> {
        self.target.map_or(self.pages.last(), |i| self.pages.get(i))
    }

    pub(super) fn page_no(&self) -> usize {
        self.pages.len()
    }

    pub(super) fn width(&self) -> f32 {
        self.current().map_or(self.portrait.0, |p| p.w) - 2.0 * self.margin
    }

    pub(super) fn bottom(&self) -> f32 {
        self.current().map_or(self.portrait.1, |p| p.h) - self.margin - 14.0
    }

    pub(super) fn new_page(&mut self, landscape: bool) {
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
    pub(super) fn ensure(&mut self, h: f32) {
        if self.y + h > self.bottom() {
            self.new_page(false);
        }
    }

    /// A new writer on an empty document; fails when the bundled font cannot be parsed.
    pub(super) fn new(doc: PdfDocument, portrait: (f32, f32)) -> Option<Self> {
        let mut w = Writer {
            doc,
            portrait,
            margin: 48.0,
            pages: Vec::new(),
            y: 0.0,
            fonts: HashMap::new(),
            widths: HashMap::new(),
            toc: Vec::new(),
            target: None,
            anchors: HashMap::new(),
            links: Vec::new(),
        };
        w.font(false, 0)?;
        w.font(true, 0)?;
        Some(w)
    }

    /// The PDF font for a face, added to the document the first time it is used.
    fn font(&mut self, bold: bool, face: usize) -> Option<FontId> {
        if let Some(id) = self.fonts.get(&(bold, face)) {
            return Some(id.clone());
        }
        let parsed = parsed(bold, face)?;
        let id = self.doc.add_font(&parsed);
        self.fonts.insert((bold, face), id.clone());
        Some(id)
    }

    /// Width of one character at size 1, in the face that draws it.
    fn advance(&mut self, c: char, bold: bool) -> f32 {
        *self.widths.entry((bold, c)).or_insert_with(|| {
            let mut buf = [0u8; 4];
            text::fonts().width(c.encode_utf8(&mut buf), 1.0, bold)
        })
    }

    pub(super) fn measure(&mut self, text: &str, size: f32, bold: bool) -> f32 {
        text.chars().map(|c| self.advance(c, bold)).sum::<f32>() * size
    }

    /// Names the current place (the cursor on the current page) as a link target.
    pub(super) fn anchor(&mut self, name: &str) {
        let page = self.target.unwrap_or(self.pages.len().saturating_sub(1));
        self.anchors
            .entry(name.to_string())
            .or_insert((page, self.y));
    }

    /// Makes a rectangle of the current page (top-down) a link to an anchor.
    pub(super) fn link(&mut self, rect: [f32; 4], anchor: &str) {
        let page = self.target.unwrap_or(self.pages.len().saturating_sub(1));
        self.links.push((page, rect, anchor.to_string()));
    }

    /// Turns the recorded links into link annotations (links to anchors never placed are
    /// dropped: a link that goes nowhere is worse than none).
    pub(super) fn resolve_links(&mut self) {
        for (page, [x, y, w, h], name) in std::mem::take(&mut self.links) {
            let Some(&(to_page, to_y)) = self.anchors.get(&name) else {
                continue;
            };
            let (Some(from), Some(to)) = (self.pages.get(page), self.pages.get(to_page)) else {
                continue;
            };
            let top = to.h - (to_y - 12.0).max(0.0);
            let rect = Rect::from_xywh(Pt(x), Pt(from.h - y - h), Pt(w), Pt(h));
            let link = LinkAnnotation::new(
                rect,
                Actions::Goto(Destination::Xyz {
                    page: to_page + 1,
                    left: None,
                    top: Some(top),
                    zoom: None,
                }),
                Some(BorderArray::Solid([0.0, 0.0, 0.0])),
                None,
                None,
            );
            self.pages[page].ops.push(Op::LinkAnnotation { link });
        }
    }

    /// Wraps text to `width`, breaking at spaces, and inside words that are too long alone.
    pub(super) fn wrap(&mut self, text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
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
                            let cw = self.advance(c, bold) * size;
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

    /// Text with its top at `y` (page coordinates from the top), each run of characters in the
    /// face that has them (DejaVu Sans, then the CJK, Arabic or emoji fallbacks).
    pub(super) fn text(&mut self, x: f32, y: f32, size: f32, bold: bool, c: Rgba, s: &str) {
        if s.is_empty() {
            return;
        }
        let runs: Vec<(usize, String)> = text::fonts()
            .chain(bold)
            .runs(s)
            .into_iter()
            .map(|(f, r)| (f, r.to_string()))
            .collect();
        let mut placed = Vec::with_capacity(runs.len());
        let mut cx = x;
        for (face, run) in runs {
            let font = match self.font(bold, face) {
                Some(id) => id,
                None => self
                    .font(bold, 0)
                    .unwrap_or_else(|| self.fonts[&(false, 0)].clone()),
            };
            let w = self.measure(&run, size, bold);
            placed.push((font, cx, run));
            cx += w;
        }
        let h = self.page().h;
        let ops = &mut self.page().ops;
        // One text object per run: the text cursor operator moves relative to the start of
        // the line, so a second cursor in the same object would land off the page.
        for (font, x, run) in placed {
            ops.push(Op::StartTextSection);
            ops.push(Op::SetFillColor { col: color(c) });
            ops.push(Op::SetFont {
                font: PdfFontHandle::External(font),
                size: Pt(size),
            });
            ops.push(Op::SetTextCursor {
                pos: Point {
                    x: Pt(x),
                    y: Pt(h - y - size * 0.82),
                },
            });
            ops.push(Op::ShowText {
                items: vec![TextItem::Text(run)],
            });
            ops.push(Op::EndTextSection);
        }
    }

    pub(super) fn rect(
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
    pub(super) fn shape(
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

    pub(super) fn path(
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

    pub(super) fn line(
        &mut self,
        a: (f32, f32),
        b: (f32, f32),
        c: Rgba,
        w: f32,
        dash: Option<&[f32]>,
    ) {
        self.shape(&[a, b], None, Some((c, w)), dash, false);
    }

    /// A rounded rectangle (corners as cubic Béziers).
    pub(super) fn rounded(
        &mut self,
        (x, y, w, h): (f32, f32, f32, f32),
        r: f32,
        style: &Style<'_>,
    ) {
        let (fill, stroke, dash) = (style.fill, style.stroke, style.dash);
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
    pub(super) fn para(&mut self, text: &str, size: f32, bold: bool, c: Rgba, indent: f32) {
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

    pub(super) fn gap(&mut self, h: f32) {
        self.y += h;
    }

    /// A section heading, recorded for the table of contents and the bookmarks, and kept on
    /// one page with the first `next` points of what follows it.
    pub(super) fn heading_with(&mut self, level: u8, title: &str, next: f32) -> String {
        let size = match level {
            1 => 17.0,
            2 => 12.5,
            _ => 10.5,
        };
        if level == 1 {
            self.new_page(false);
        } else {
            self.ensure(size * 2.1 + next);
            self.gap(size * 0.6);
        }
        let anchor = format!("toc:{}", self.toc.len());
        self.anchor(&anchor);
        self.toc.push(Toc {
            level,
            title: title.to_string(),
            page: self.page_no(),
            y: self.y,
        });
        let (x, y) = (self.margin, self.y);
        let width = self.width();
        for line in self.wrap(title, size, true, width) {
            let ly = self.y;
            self.text(
                x,
                ly,
                size,
                true,
                if level == 1 { ACCENT } else { BLACK },
                &line,
            );
            self.y += size * 1.3;
        }
        self.y += size * 0.2;
        if level == 1 {
            let y = self.y - 4.0;
            self.line((x, y), (x + width, y), ACCENT, 0.8, None);
            self.gap(6.0);
        }
        let _ = y;
        anchor
    }

    /// Records a contents and bookmark entry at the cursor, for a heading drawn by the caller.
    pub(super) fn mark(&mut self, level: u8, title: &str) {
        let anchor = format!("toc:{}", self.toc.len());
        self.anchor(&anchor);
        self.toc.push(Toc {
            level,
            title: title.to_string(),
            page: self.page_no(),
            y: self.y,
        });
    }

    /// A heading kept with at least a few lines of what follows.
    pub(super) fn heading(&mut self, level: u8, title: &str) -> String {
        self.heading_with(level, title, BODY * 1.38 * 3.0)
    }

    /// The height a wrapped paragraph will take (see [`Writer::para`]).
    pub(super) fn para_height(&mut self, text: &str, size: f32, bold: bool, indent: f32) -> f32 {
        let width = self.width() - indent;
        self.wrap(text, size, bold, width).len() as f32 * size * 1.38
    }

    /// A table with bordered cells, wrapped text, and the header repeated on every page.
    ///
    /// Columns share the width by their weights, but never so narrow that a header word or a
    /// short token of a cell (a requirement id such as `164.312(a)(2)(i)`) has to break.
    pub(super) fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<Cell>], size: f32) {
        let pad = 3.0;
        let widths = self.column_widths(columns, rows, size, pad);
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
        let max_lines = ((self.bottom() - self.margin - 40.0 - header_h) / lh)
            .floor()
            .max(1.0) as usize;
        // A short table (a few one-line rows) is kept on one page.
        if rows.len() <= 8
            && rows
                .iter()
                .all(|r| r.iter().all(|c| !c.text.contains('\n')))
        {
            self.ensure(header_h + rows.len() as f32 * (lh + 2.0 * pad) + 4.0);
        }
        for (r, row) in rows.iter().enumerate() {
            // Each cell's lines, and for a cell of finding ids the id each line belongs to (an
            // id wrapped over two lines links from both).
            let mut owners: Vec<Vec<Option<String>>> = Vec::with_capacity(row.len());
            let wrapped: Vec<Vec<String>> = row
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    let w = widths.get(i).copied().unwrap_or(50.0) - 2.0 * pad;
                    if !c.finding_ids {
                        owners.push(Vec::new());
                        return self.wrap(&c.text, size, c.bold, w);
                    }
                    let mut lines = Vec::new();
                    let mut ids = Vec::new();
                    for id in c.text.split('\n') {
                        for line in self.wrap(id, size, c.bold, w) {
                            lines.push(line);
                            ids.push(Some(id.trim().to_string()).filter(|s| !s.is_empty()));
                        }
                    }
                    owners.push(ids);
                    lines
                })
                .collect();
            let n = wrapped.iter().map(Vec::len).max().unwrap_or(1).max(1);
            if r == 0 {
                // The header never stands alone at a page's foot.
                self.ensure(header_h + n.min(3) as f32 * lh + 2.0 * pad);
                draw_header(self);
            }
            // A row taller than a page is split across pages, line by line; others move to the
            // next page whole.
            let mut start = 0;
            while start < n {
                let room = ((self.bottom() - self.y - 2.0 * pad) / lh).floor();
                let take = if room >= (n - start) as f32 {
                    n - start
                } else if n - start > max_lines && room >= 3.0 {
                    room as usize
                } else {
                    self.new_page(false);
                    draw_header(self);
                    continue;
                };
                let h = take as f32 * lh + 2.0 * pad;
                let mut x = self.margin;
                let y = self.y;
                for (i, lines) in wrapped.iter().enumerate() {
                    let w = widths.get(i).copied().unwrap_or(50.0);
                    self.rect(x, y, w, h, None, Some((RULE, 0.5)));
                    let c = &row[i];
                    for (k, line) in lines.iter().skip(start).take(take).enumerate() {
                        let ty = y + pad + k as f32 * lh;
                        self.text(x + pad, ty, size, c.bold, c.color, line);
                        if let Some(Some(id)) = owners[i].get(start + k) {
                            let ww = self.measure(line, size, c.bold);
                            self.link([x + pad, ty, ww, lh], &finding_anchor(id));
                        }
                    }
                    if let Some(anchor) = &c.link {
                        self.link([x, y, w, h], anchor);
                    }
                    x += w;
                }
                self.y += h;
                start += take;
            }
        }
        if rows.is_empty() {
            self.ensure(header_h + lh);
            draw_header(self);
        }
        self.gap(8.0);
    }

    /// Column widths: the weights' share of the page, each at least as wide as its widest
    /// header word and its widest short token, the rest taken from the widest columns.
    fn column_widths(
        &mut self,
        columns: &[(&str, f32)],
        rows: &[Vec<Cell>],
        size: f32,
        pad: f32,
    ) -> Vec<f32> {
        let total: f32 = columns.iter().map(|c| c.1).sum::<f32>().max(f32::EPSILON);
        let width = self.width();
        let mut widths: Vec<f32> = columns.iter().map(|c| c.1 / total * width).collect();
        let mut mins: Vec<f32> = columns
            .iter()
            .map(|(title, _)| {
                title
                    .split([' ', '\n'])
                    .map(|word| self.measure(word, size, true))
                    .fold(0.0, f32::max)
                    + 2.0 * pad
                    + 1.0
            })
            .collect();
        for row in rows.iter().take(2_000) {
            for (i, c) in row.iter().enumerate().take(mins.len()) {
                for word in c.text.split([' ', '\n']) {
                    if word.chars().count() <= 18 {
                        let w = self.measure(word, size, c.bold) + 2.0 * pad + 1.0;
                        mins[i] = mins[i].max(w);
                    }
                }
            }
        }
        // Never more than the page: scale the minimums down if they alone overflow it.
        let min_total: f32 = mins.iter().sum();
        if min_total > width {
            for m in &mut mins {
                *m *= width / min_total;
            }
        }
        for _ in 0..columns.len() {
            let short: f32 = widths
                .iter()
                .zip(&mins)
                .map(|(w, m)| (m - w).max(0.0))
                .sum();
            if short <= 0.01 {
                break;
            }
            let spare: f32 = widths
                .iter()
                .zip(&mins)
                .map(|(w, m)| (w - m).max(0.0))
                .sum();
            for (w, m) in widths.iter_mut().zip(&mins) {
                if *w < *m {
                    *w = *m;
                } else if spare > 0.0 {
                    *w -= (*w - *m) / spare * short;
                }
            }
        }
        widths
    }
}
