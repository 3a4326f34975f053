//! Parsing a large model file on two threads.
//!
//! `ron` parses about 60 MB/s on one core, so a 10,000-node model (11 MB) spends most of its
//! load in the parser. The elements of its longest top-level list (`flows` or `nodes`) are
//! independent values, so the file is cut between two of them: this thread parses the file
//! with the list's tail removed, a second thread parses the tail as a list of its own, and the
//! tail is appended. `ron` stays the one real parser of every byte; this module only finds a
//! comma that separates two elements of that list, which needs no more than RON's lexical
//! rules (strings, raw strings, comments) and bracket depth.
//!
//! Either piece failing, or anything unusual in the file (attributes such as
//! `#![enable(..)]`, which change how the whole text parses; a field given twice; a character
//! or byte literal, which the model has no use for beyond one `trust` byte), gives
//! `None`, and the caller parses the whole text on one thread, which also gives the exact
//! diagnostics. When both pieces parse, the result equals the one-thread parse: the whole text
//! is the first piece with the tail's elements put back in their place, and each element parses
//! the same wherever it stands (the tail is given two levels less of the recursion limit, the
//! two levels it stands under in the file).

use std::ops::Range;

use super::file::ModelFile;

/// A file is split only when the tail a second thread would parse is at least this long;
/// below it, starting a thread costs more than it saves.
pub const MIN_TAIL_BYTES: usize = 256 * 1024;

/// Where to cut a file: the tail `tail` of the list `field` (element text, without the list's
/// brackets), so that `text[..tail.start] + text[tail.end..]` is the file without the tail and
/// `[` + `text[tail]` + `]` is the tail as a list.
#[derive(Debug, PartialEq, Eq)]
struct Cut {
    field: &'static str,
    tail: Range<usize>,
}

/// Parses `text` on two threads when it is large enough to gain from it; `None` when it is
/// not, or when either piece does not parse (the caller then parses it whole).
pub fn parse(text: &str, options: &ron::Options, min_tail: usize) -> Option<ModelFile> {
    let cut = find_cut(text, min_tail)?;
    let tail_text = format!("[{}]", &text[cut.tail.clone()]);
    let mut head_text = String::with_capacity(text.len() - cut.tail.len());
    head_text.push_str(&text[..cut.tail.start]);
    head_text.push_str(&text[cut.tail.end..]);
    // The tail stands two levels deep in the file (the model, the list).
    let mut tail_options = options.clone();
    tail_options.recursion_limit = options.recursion_limit.map(|l| l.saturating_sub(2));
    std::thread::scope(|scope| {
        // No thread to be had (a process at its limit): the caller parses on one.
        let tail = std::thread::Builder::new()
            .spawn_scoped(scope, || -> Option<Tail> {
                Some(match cut.field {
                    "nodes" => Tail::Nodes(tail_options.from_str(&tail_text).ok()?),
                    _ => Tail::Flows(tail_options.from_str(&tail_text).ok()?),
                })
            })
            .ok()?;
        let head: Option<ModelFile> = options.from_str(&head_text).ok();
        let tail = tail.join().ok()??;
        let mut head = head?;
        match tail {
            Tail::Nodes(mut nodes) => head.nodes.append(&mut nodes),
            Tail::Flows(mut flows) => head.flows.append(&mut flows),
        }
        Some(head)
    })
}

// The same boxes as ModelFile's lists: appended without moving a node or flow.
#[allow(clippy::vec_box)]
enum Tail {
    Nodes(Vec<Box<super::Node>>),
    Flows(Vec<Box<super::Flow>>),
}

/// The cut that gives the second thread about half of the text, from the longer of `nodes`
/// and `flows`; `None` when the tail would be shorter than `min_tail` or the file is unusual.
fn find_cut(text: &str, min_tail: usize) -> Option<Cut> {
    // The tail is part of the text: a shorter file is not even scanned.
    if text.len() < min_tail {
        return None;
    }
    let lists = top_level_lists(text)?;
    let (field, list) = lists
        .into_iter()
        .max_by_key(|(_, list)| list.end - list.start)?;
    let half = text.len() / 2;
    // The last boundary that leaves at least half of the text (or the whole list) to the tail.
    let start = list
        .boundaries
        .iter()
        .copied()
        .take_while(|&b| list.end - b >= half.min(list.end - list.start))
        .last()?;
    (list.end - start >= min_tail.max(1)).then_some(Cut {
        field,
        tail: start..list.end,
    })
}

/// A top-level list: where its element text ends (at its closing `]`), where it starts, and
/// the offsets where an element may be cut off (just after each separating comma; the first
/// is the list's start).
#[derive(Debug)]
struct List {
    start: usize,
    end: usize,
    boundaries: Vec<usize>,
}

/// The `nodes` and `flows` lists of a model file. `None` when the file does not look like a
/// plain model (attributes, a field twice, a value that is not a list, unbalanced text).
fn top_level_lists(text: &str) -> Option<Vec<(&'static str, List)>> {
    let mut lx = Lexer {
        b: text.as_bytes(),
        i: 0,
    };
    lx.trivia()?;
    // An optional struct name, then the model's parenthesis.
    lx.ident();
    lx.trivia()?;
    lx.expect(b'(')?;
    let mut seen: Vec<&[u8]> = Vec::new();
    let mut lists = Vec::new();
    loop {
        lx.trivia()?;
        if lx.peek()? == b')' {
            break;
        }
        let name = lx.ident();
        if name.is_empty() || seen.contains(&name) {
            return None;
        }
        seen.push(name);
        lx.trivia()?;
        lx.expect(b':')?;
        lx.trivia()?;
        let field = match name {
            b"nodes" => Some("nodes"),
            b"flows" => Some("flows"),
            _ => None,
        };
        match field {
            Some(field) => {
                lx.expect(b'[')?;
                let start = lx.i;
                let mut boundaries = vec![start];
                loop {
                    lx.trivia()?;
                    if lx.peek()? == b']' {
                        break;
                    }
                    match lx.skip_value()? {
                        b',' => {
                            lx.i += 1;
                            boundaries.push(lx.i);
                        }
                        b']' => break,
                        _ => return None,
                    }
                }
                // The last boundary may stand just before `]` (a trailing comma): no element
                // follows it.
                let end = lx.i;
                boundaries.retain(|&b| text[b..end].bytes().any(|c| !c.is_ascii_whitespace()));
                lists.push((
                    field,
                    List {
                        start,
                        end,
                        boundaries,
                    },
                ));
                lx.i += 1;
            }
            None => {
                lx.skip_value()?;
            }
        }
        lx.trivia()?;
        match lx.peek()? {
            b',' => lx.i += 1,
            b')' => break,
            _ => return None,
        }
    }
    Some(lists)
}

struct Lexer<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Lexer<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn expect(&mut self, c: u8) -> Option<()> {
        (self.peek()? == c).then(|| self.i += 1)
    }

    fn ident(&mut self) -> &'a [u8] {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.i += 1;
        }
        &self.b[start..self.i]
    }

    /// Whitespace and comments. `None` at an attribute (`#![..]`) or an unclosed comment.
    fn trivia(&mut self) -> Option<()> {
        loop {
            match (self.peek(), self.b.get(self.i + 1)) {
                (Some(c), _) if c.is_ascii_whitespace() => self.i += 1,
                (Some(b'/'), Some(b'/' | b'*')) => self.comment()?,
                (Some(b'#'), _) => return None,
                _ => return Some(()),
            }
        }
    }

    /// A `//` or (nested) `/* */` comment starting here.
    fn comment(&mut self) -> Option<()> {
        if self.b.get(self.i + 1) == Some(&b'/') {
            match self.b[self.i..].iter().position(|&c| c == b'\n') {
                Some(n) => self.i += n + 1,
                None => self.i = self.b.len(),
            }
            return Some(());
        }
        self.i += 2;
        let mut depth = 1usize;
        while depth > 0 {
            match (self.peek()?, self.b.get(self.i + 1)) {
                (b'*', Some(b'/')) => {
                    depth -= 1;
                    self.i += 2;
                }
                (b'/', Some(b'*')) => {
                    depth += 1;
                    self.i += 2;
                }
                _ => self.i += 1,
            }
        }
        Some(())
    }

    /// Moves past one value, to the `,`, `)`, `]` or `}` that ends it (not consumed), which is
    /// returned. `None` at the end of the text or an attribute.
    fn skip_value(&mut self) -> Option<u8> {
        let mut depth = 0usize;
        loop {
            let c = self.peek()?;
            match c {
                b'"' => self.string()?,
                // A character or byte literal (`'a'`, `b'''`): the model has no character fields
                // and one byte field (`trust`), so rather than follow ron's rules for them
                // (`'''` is a quote), leave such a file to the one-thread parse.
                b'\'' => return None,
                b'/' if matches!(self.b.get(self.i + 1), Some(b'/' | b'*')) => self.comment()?,
                b'#' if self.raw_string_hashes().is_none() => return None,
                b'#' => self.raw_string()?,
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.i += 1;
                }
                b')' | b']' | b'}' | b',' if depth == 0 => return Some(c),
                b')' | b']' | b'}' => {
                    depth -= 1;
                    self.i += 1;
                }
                _ => self.i += 1,
            }
        }
    }

    /// Whether the `r` just before `at` opens a raw string: it starts a token (`r"`, `r#"`),
    /// or follows a `b` that does (`br"`).
    fn raw_prefix_before(&self, at: usize) -> bool {
        let starts_token = |p: usize| {
            p == 0 || {
                let c = self.b[p - 1];
                !(c.is_ascii_alphanumeric() || c == b'_')
            }
        };
        at >= 1
            && self.b[at - 1] == b'r'
            && (starts_token(at - 1) || (at >= 2 && self.b[at - 2] == b'b' && starts_token(at - 2)))
    }

    /// Whether the `#`s starting here open a raw string (`r#"`, `br##"`): the number of them.
    fn raw_string_hashes(&self) -> Option<usize> {
        let hashes = self.b[self.i..].iter().take_while(|&&c| c == b'#').count();
        (self.raw_prefix_before(self.i) && self.b.get(self.i + hashes) == Some(&b'"'))
            .then_some(hashes)
    }

    /// A raw string with hashes (`r#"…"#`), from its first `#`.
    fn raw_string(&mut self) -> Option<()> {
        let hashes = self.raw_string_hashes()?;
        self.i += hashes + 1;
        loop {
            let n = self.b[self.i..].iter().position(|&c| c == b'"')?;
            self.i += n + 1;
            if self.b[self.i..].iter().take_while(|&&c| c == b'#').count() >= hashes {
                self.i += hashes;
                return Some(());
            }
        }
    }

    /// A string from its opening quote: an escaped one, or a raw one without hashes (`r"…"`,
    /// in which a backslash is an ordinary character).
    fn string(&mut self) -> Option<()> {
        let raw = self.raw_prefix_before(self.i);
        self.i += 1;
        loop {
            let n = self.b[self.i..]
                .iter()
                .position(|&c| c == b'"' || (c == b'\\' && !raw))?;
            self.i += n;
            if self.b[self.i] == b'"' {
                self.i += 1;
                return Some(());
            }
            // A backslash and the byte it escapes (a file may end on the backslash).
            if self.i + 1 >= self.b.len() {
                return None;
            }
            self.i += 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options() -> ron::Options {
        ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .with_recursion_limit(64)
    }

    fn whole(text: &str) -> ModelFile {
        options().from_str(text).expect("the text parses whole")
    }

    /// A model whose flows hold everything the lexer must step over: commas, brackets and
    /// quotes in strings, raw strings with and without hashes, escapes, comments of both kinds
    /// (nested too) between and inside elements, and a trailing comma.
    const TRICKY: &str = r##"// header, with a comma [ and a bracket
(
  rampart: 2,
  name: "tricky ], (\"",
  nodes: [
    (id: "a", name: "A, ]", kind: service),
    (id: "b", name: r"back\slash ] ,", kind: service),
    (id: "c", name: r#"raw "quoted" ], ("#, kind: data_store),
  ],
  flows: [
    (from: "a", to: "b", name: "one, ]"), // a comment, with ] brackets
    /* a block /* nested, ] */ comment */
    (from: "b", to: "c", name: "two \" ], ("),
    (from: "a", to: "c", name: r#"three "], "#),
    (from: "c", to: "a", name: "four"),
  ],
)
"##;

    #[test]
    fn every_cut_of_a_tricky_file_parses_as_the_whole_file() {
        let expected = whole(TRICKY);
        let lists = top_level_lists(TRICKY).expect("a plain model");
        let flows = &lists.iter().find(|(f, _)| *f == "flows").unwrap().1;
        let nodes = &lists.iter().find(|(f, _)| *f == "nodes").unwrap().1;
        assert_eq!(flows.boundaries.len(), 4, "one boundary before each flow");
        assert_eq!(nodes.boundaries.len(), 3, "one boundary before each node");
        for (field, list) in [("flows", flows), ("nodes", nodes)] {
            for &start in &list.boundaries {
                let cut = Cut {
                    field,
                    tail: start..list.end,
                };
                let tail = format!("[{}]", &TRICKY[cut.tail.clone()]);
                let head = format!("{}{}", &TRICKY[..start], &TRICKY[list.end..]);
                let mut parsed = whole(&head);
                if field == "flows" {
                    parsed.flows.extend(
                        options()
                            .from_str::<Vec<Box<super::super::Flow>>>(&tail)
                            .unwrap(),
                    );
                } else {
                    parsed.nodes.extend(
                        options()
                            .from_str::<Vec<Box<super::super::Node>>>(&tail)
                            .unwrap(),
                    );
                }
                assert_eq!(parsed, expected, "cut of {field} at byte {start}");
            }
        }
        assert_eq!(parse(TRICKY, &options(), 1), Some(expected));
    }

    #[test]
    fn a_generated_model_splits_near_the_middle_and_parses_the_same() {
        let text = super::super::to_text(&super::super::generate::generate(400, 7));
        let cut = find_cut(&text, 1).expect("a generated model splits");
        assert_eq!(cut.field, "flows");
        let share = cut.tail.len() as f64 / text.len() as f64;
        assert!((0.4..=0.6).contains(&share), "tail share {share}");
        assert_eq!(parse(&text, &options(), 1), Some(whole(&text)));
        // Below the threshold nothing is split.
        assert_eq!(find_cut(&text, text.len()), None);
    }

    #[test]
    fn a_large_file_loads_through_the_split_and_keeps_its_error_positions() {
        let text = super::super::to_text(&super::super::generate::generate(1000, 3));
        assert!(
            find_cut(&text, MIN_TAIL_BYTES).is_some(),
            "{} bytes",
            text.len()
        );
        let loaded = super::super::parse(&text, "big.ron").expect("loads");
        assert_eq!(super::super::to_text(&loaded.model), text);
        // A wrong type in the last flow, in the tail the second thread parses: the error is the
        // one-thread parse's, at the value's own line and column.
        let at = text.rfind("to: \"").unwrap() + "to: ".len();
        let line_start = text[..at].rfind('\n').unwrap() + 1;
        let (line, col) = (text[..at].matches('\n').count() + 1, at - line_start + 1);
        let end = at + text[at..].find(',').unwrap();
        let broken = format!("{}5{}", &text[..at], &text[end..]);
        let Err(err) = super::super::parse(&broken, "big.ron") else {
            panic!("the broken file loaded");
        };
        let d = &err.diagnostics[0];
        assert_eq!((d.line as usize, d.col as usize), (line, col), "{d}");
        assert!(d.message.contains("expected string"), "{d}");
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Whatever an edit does to a file (a quote, a bracket or a comment opened in the middle
        /// of it, text cut out), the split either declines or gives exactly the one-thread
        /// result, and never succeeds where the one-thread parse fails.
        #[test]
        fn the_split_agrees_with_the_whole_parse_on_edited_files(
            seed in 0u64..4,
            at in 0.0f64..1.0,
            len in 0usize..40,
            insert in proptest::sample::select(vec![
                "", "\"", "\\", ",", "]", "[", ")", "(", "'", "'\"'", "/*", "*/", "//", "\n",
                "r\"", "r#\"", "\"#", "br#\"", "(from: \"a\", to: \"b\"),", "#![enable(implicit_some)]",
                "flows: [],", "/* ] */", "\"], [\"", "b'''", "trust: b''',",
            ]),
        ) {
            let text = super::super::to_text(&super::super::generate::generate(30, seed));
            let mut start = ((text.len() as f64) * at) as usize;
            while !text.is_char_boundary(start) {
                start -= 1;
            }
            let mut end = (start + len).min(text.len());
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            let edited = format!("{}{insert}{}", &text[..start], &text[end..]);
            let split = parse(&edited, &options(), 1);
            match options().from_str::<ModelFile>(&edited) {
                Ok(whole) => proptest::prop_assert!(split.is_none_or(|s| s == whole)),
                Err(_) => proptest::prop_assert!(split.is_none()),
            }
        }
    }

    #[test]
    fn unusual_files_are_left_to_the_one_thread_parse() {
        let text = super::super::to_text(&super::super::generate::generate(50, 1));
        // Attributes change the meaning of the whole text.
        assert!(find_cut(&format!("#![enable(unwrap_newtypes)]\n{text}"), 1).is_none());
        // A field given twice is an error the whole parse reports.
        let twice = text.replacen("  flows: [", "  flows: [],\n  flows: [", 1);
        assert!(find_cut(&twice, 1).is_none());
        // An error in either piece: no result, so the caller reports the whole parse's error.
        let broken = text.replacen("kind: service", "kind: servce", 1);
        assert!(find_cut(&broken, 1).is_some());
        assert_eq!(parse(&broken, &options(), 1), None);
        let last = text.rfind("to: \"").unwrap();
        let broken_tail = format!("{}to: 5{}", &text[..last], &text[last + 4..]);
        assert_eq!(parse(&broken_tail, &options(), 1), None);
        // Truncated and unbalanced text.
        assert!(top_level_lists(&text[..text.len() / 2]).is_none());
        assert!(top_level_lists("(flows: [\"unterminated]").is_none());
        assert!(top_level_lists("(flows: [/* unclosed ]").is_none());
        assert!(top_level_lists("(flows: 5)").is_none());
        // A file that ends on a backslash in a string (a truncated Windows path).
        assert!(top_level_lists("(a:\"\\").is_none());
        assert!(top_level_lists("(flows: [\"x\\").is_none());
        // `b'''` is the byte `'` to ron: a lexer that took `''` for an empty character would
        // see the raw string's `)], flows: [..` as structure and append two phantom flows.
        let byte = r###"(
  rampart: 2,
  name: "n",
  boundaries: [(id: "b", kind: dmz, trust: b''', description: r##"')], flows: [(from: "a", to: "b"), (from: "c", to: "d")])"##)],
)"###;
        assert!(whole(byte).flows.is_empty());
        assert_eq!(parse(byte, &options(), 1), None);
    }
}
