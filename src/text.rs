//! Text as Rampart draws it: the fonts (DejaVu Sans, bundled, then fallback fonts found on the
//! system for the scripts DejaVu lacks, such as CJK and emoji), the width of a string in the font
//! that draws each character, and fitting a string into a box (wrapping, and an ellipsis when it
//! is cut). The diagram, the PDF and the SVG measure with this one module, so a label that fits
//! in one fits in all of them.

use std::sync::OnceLock;

/// The bundled regular and bold faces.
pub const REGULAR_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
pub const BOLD_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// Families tried, in order, for a character the bundled font does not have.
const FALLBACK_FAMILIES: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Noto Sans Arabic",
    "Noto Sans Hebrew",
    "Noto Sans Devanagari",
    "Noto Sans Thai",
    "Symbola",
    "Noto Emoji",
    "DejaVu Sans",
];

/// One font face: its bytes (for embedding) and its tables (for measuring), read with skrifa.
pub struct Face {
    pub family: String,
    pub data: &'static [u8],
    /// Index of the face in a collection (`.ttc`), 0 otherwise.
    pub index: u32,
    charmap: skrifa::charmap::Charmap<'static>,
    metrics: skrifa::metrics::GlyphMetrics<'static>,
}

impl Face {
    fn parse(family: &str, data: &'static [u8], index: u32) -> Option<Self> {
        use skrifa::MetadataProvider as _;
        let font = skrifa::FontRef::from_index(data, index).ok()?;
        // A face without outlines (colour bitmap emoji) draws nothing in a PDF or an SVG.
        font.outline_glyphs().format()?;
        Some(Face {
            family: family.to_string(),
            data,
            index,
            charmap: font.charmap(),
            metrics: font.glyph_metrics(
                skrifa::instance::Size::new(1.0),
                skrifa::instance::LocationRef::default(),
            ),
        })
    }

    /// Whether the face has a glyph for `c`.
    fn draws(&self, c: char) -> bool {
        self.charmap.map(c).is_some()
    }

    /// The advance of `c` at size 1.
    fn advance(&self, c: char) -> f32 {
        self.charmap
            .map(c)
            .and_then(|g| self.metrics.advance_width(g))
            .unwrap_or(0.6)
    }
}

/// The faces of one weight: the bundled face first, then fallbacks.
pub struct Chain {
    pub faces: Vec<Face>,
}

impl Chain {
    /// The face that draws `c`: the first that has it, else the bundled one (which shows a
    /// replacement box).
    #[must_use]
    pub fn face_for(&self, c: char) -> usize {
        if c.is_control() {
            return 0;
        }
        self.faces.iter().position(|f| f.draws(c)).unwrap_or(0)
    }

    /// Splits text into runs drawn by one face each: (face index, text).
    #[must_use]
    pub fn runs<'t>(&self, text: &'t str) -> Vec<(usize, &'t str)> {
        let mut out: Vec<(usize, &'t str)> = Vec::new();
        let mut start = 0;
        let mut current = None;
        for (i, c) in text.char_indices() {
            let f = self.face_for(c);
            match current {
                Some(cur) if cur == f => {}
                Some(cur) => {
                    out.push((cur, &text[start..i]));
                    start = i;
                    current = Some(f);
                }
                None => current = Some(f),
            }
        }
        if let Some(cur) = current {
            out.push((cur, &text[start..]));
        }
        out
    }

    /// Width of `text` at `size`, each character measured in the face that draws it.
    #[must_use]
    pub fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|c| self.faces[self.face_for(c)].advance(c))
            .sum::<f32>()
            * size
    }
}

/// Regular and bold.
pub struct Fonts {
    pub regular: Chain,
    pub bold: Chain,
}

impl Fonts {
    #[must_use]
    pub fn chain(&self, bold: bool) -> &Chain {
        if bold { &self.bold } else { &self.regular }
    }

    #[must_use]
    pub fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        self.chain(bold).width(text, size)
    }
}

/// The fonts, loaded once: the bundled DejaVu Sans and the system's fallback fonts.
///
/// # Panics
/// Never in practice: the bundled fonts are valid (a test checks them).
#[must_use]
pub fn fonts() -> &'static Fonts {
    static FONTS: OnceLock<Fonts> = OnceLock::new();
    FONTS.get_or_init(|| {
        let fallbacks = system_fallbacks();
        let chain = |primary: &'static [u8], name: &str| {
            let mut faces = vec![Face::parse(name, primary, 0).expect("the bundled font parses")];
            for (family, data, index) in &fallbacks {
                if let Some(f) = Face::parse(family, data, *index) {
                    faces.push(f);
                }
            }
            Chain { faces }
        };
        Fonts {
            regular: chain(REGULAR_TTF, "DejaVu Sans"),
            bold: chain(BOLD_TTF, "DejaVu Sans Bold"),
        }
    })
}

/// Fallback faces installed on this machine, in [`FALLBACK_FAMILIES`] order (faces without
/// outlines are dropped by [`Face::parse`]).
fn system_fallbacks() -> Vec<(String, &'static [u8], u32)> {
    let mut db = fontdb::Database::new();
    db.load_system_fonts();
    let mut out = Vec::new();
    for family in FALLBACK_FAMILIES {
        let query = fontdb::Query {
            families: &[fontdb::Family::Name(family)],
            ..fontdb::Query::default()
        };
        let Some(id) = db.query(&query) else {
            continue;
        };
        let Some((source, index)) = db.face_source(id) else {
            continue;
        };
        let bytes = match source {
            fontdb::Source::File(path) => std::fs::read(path).ok(),
            fontdb::Source::Binary(data) => Some(data.as_ref().as_ref().to_vec()),
        };
        let Some(bytes) = bytes else { continue };
        // Loaded once for the life of the process: the parsed faces borrow these bytes.
        let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        out.push(((*family).to_string(), data, index));
    }
    out
}

/// Text written for a terminal or Markdown (ids in backticks) as it reads on paper or in a
/// GUI: the ids stand on their own.
#[must_use]
pub fn plain(text: &str) -> String {
    text.replace('`', "")
}

/// At most `max` characters of text that came from outside (a server's answer, a header, a
/// file's content), in quotes, with control characters shown as spaces and what was cut said:
/// a hostile input is never echoed whole.
#[must_use]
pub fn quote(text: &str, max: usize) -> String {
    let count = text.chars().count();
    let shown: String = text
        .chars()
        .take(max)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if count > max {
        format!("\"{shown}…\" ({count} characters)")
    } else {
        format!("\"{shown}\"")
    }
}

/// At most `max` characters of `text`, with "…" when cut (no quotes).
#[must_use]
pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max).collect();
    out.push('…');
    out
}

/// The first `shown` items joined with `sep`, and how many were left out: evidence lists
/// stay bounded however much a hostile peer sends.
#[must_use]
pub fn capped(items: &[String], shown: usize, sep: &str) -> String {
    let mut text = items
        .iter()
        .take(shown)
        .cloned()
        .collect::<Vec<_>>()
        .join(sep);
    if items.len() > shown {
        text.push_str(&format!("{sep}and {} more", items.len() - shown));
    }
    text
}

/// Text fitted into a box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fitted {
    pub lines: Vec<String>,
    /// Something was cut (the last line ends with an ellipsis).
    pub truncated: bool,
}

const ELLIPSIS: &str = "…";

/// Cuts `text` to `max_width` at `size`, ending with an ellipsis when something was cut.
#[must_use]
pub fn ellipsize(text: &str, size: f32, bold: bool, max_width: f32) -> (String, bool) {
    let f = fonts();
    if f.width(text, size, bold) <= max_width {
        return (text.to_string(), false);
    }
    let room = max_width - f.width(ELLIPSIS, size, bold);
    let mut out = String::new();
    let mut w = 0.0;
    for c in text.chars() {
        let cw = f.width(c.encode_utf8(&mut [0; 4]), size, bold);
        if w + cw > room {
            break;
        }
        w += cw;
        out.push(c);
    }
    let trimmed = out.trim_end().to_string();
    (format!("{trimmed}{ELLIPSIS}"), true)
}

/// Wraps `text` into at most `max_lines` lines of `max_width`, breaking at spaces (and inside
/// words that are wider than a line, as CJK text needs); an ellipsis ends the last line when
/// the text does not fit.
#[must_use]
pub fn fit(text: &str, size: f32, bold: bool, max_width: f32, max_lines: usize) -> Fitted {
    let lines = wrap(text, size, bold, max_width);
    if lines.len() <= max_lines.max(1) {
        return Fitted {
            lines,
            truncated: false,
        };
    }
    let keep = max_lines.max(1);
    let mut out: Vec<String> = lines[..keep - 1].to_vec();
    let rest = lines[keep - 1..].join(" ");
    let (last, _) = ellipsize(&rest, size, bold, max_width);
    out.push(last);
    Fitted {
        lines: out,
        truncated: true,
    }
}

/// Greedy line breaking.
#[must_use]
pub fn wrap(text: &str, size: f32, bold: bool, max_width: f32) -> Vec<String> {
    let f = fonts();
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if f.width(&candidate, size, bold) <= max_width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            if f.width(word, size, bold) <= max_width {
                line = word.to_string();
                continue;
            }
            // A word wider than the line: break it between characters.
            for c in word.chars() {
                let mut next = line.clone();
                next.push(c);
                if !line.is_empty() && f.width(&next, size, bold) > max_width {
                    lines.push(std::mem::take(&mut line));
                    line.push(c);
                } else {
                    line = next;
                }
            }
        }
        lines.push(line);
    }
    while lines.len() > 1 && lines.last().is_some_and(String::is_empty) {
        lines.pop();
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundled_fonts_measure() {
        let f = fonts();
        let w = f.width("Order service", 12.0, false);
        assert!(w > 60.0 && w < 100.0, "{w}");
        assert!(f.width("Order service", 12.0, true) > w);
        assert_eq!(f.width("", 12.0, false), 0.0);
    }

    #[test]
    fn fitting_wraps_then_ends_with_an_ellipsis() {
        let fitted = fit("Payment service provider gateway", 12.0, false, 110.0, 2);
        assert_eq!(fitted.lines.len(), 2);
        assert!(!fitted.truncated, "{fitted:?}");
        let fitted = fit(
            "A very long node name that cannot possibly fit in two lines of a box",
            12.0,
            false,
            110.0,
            2,
        );
        assert!(fitted.truncated);
        assert!(fitted.lines[1].ends_with('…'), "{fitted:?}");
        for line in &fitted.lines {
            assert!(fonts().width(line, 12.0, false) <= 110.0, "{line}");
        }
        let (cut, truncated) = ellipsize("DMZ (connected-to-partners) · trust 3", 12.0, true, 90.0);
        assert!(truncated && cut.ends_with('…'));
        assert!(fonts().width(&cut, 12.0, true) <= 90.0);
    }

    #[test]
    fn words_wider_than_a_line_break_between_characters() {
        let lines = wrap("患者記録サービスと画像アーカイブ", 12.0, false, 60.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.concat(), "患者記録サービスと画像アーカイブ");
    }

    #[test]
    fn runs_split_by_face() {
        let chain = &fonts().regular;
        let runs = chain.runs("abc");
        assert_eq!(runs, vec![(0, "abc")]);
        assert!(chain.runs("").is_empty());
    }
}
