//! Where each element of a model file sits in its text, so that problems found after parsing
//! (unknown references, duplicates) can be reported as `FILE:LINE:COL`, and SARIF results can
//! point at the element's line.
//!
//! `ron` reports positions for syntax errors but not for values it parsed successfully, so this
//! module re-reads the (already valid) text and records the position of every struct field, list
//! item and map entry. It only tracks structure; `ron` stays the one real parser.

/// A 1-based line and column (in characters).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub col: u32,
}

/// One step into a value: a struct field, a list item, or a map key.
#[derive(Clone, Copy, Debug)]
pub enum Seg<'a> {
    Field(&'a str),
    Item(usize),
    Key(&'a str),
}

#[derive(Debug, Default)]
struct Located {
    pos: Position,
    children: Children,
}

#[derive(Debug, Default)]
enum Children {
    #[default]
    Leaf,
    Fields(Vec<(String, Located)>),
    Items(Vec<Located>),
    Entries(Vec<(String, Located)>),
}

/// Positions of the values in one model file.
#[derive(Debug, Default)]
pub struct SourceMap {
    root: Located,
    /// Where each element (a struct with an `id`, or a flow with `from` and `to`) starts.
    elements: std::collections::HashMap<String, Position>,
}

impl SourceMap {
    /// Scans `text`, which should already have parsed as RON.
    #[must_use]
    pub fn scan(text: &str) -> Self {
        let mut scanner = Scanner {
            src: text,
            i: 0,
            pos: Position { line: 1, col: 1 },
            elements: std::collections::HashMap::new(),
        };
        scanner.skip_trivia();
        let root = scanner.value(0);
        SourceMap {
            root,
            elements: scanner.elements,
        }
    }

    /// Where the element with this id starts (flows without an id by their default id).
    #[must_use]
    pub fn element(&self, id: &str) -> Option<Position> {
        self.elements.get(id).copied()
    }

    /// The position of the value at `path`, or of its deepest ancestor that exists.
    #[must_use]
    pub fn locate(&self, path: &[Seg<'_>]) -> Position {
        let mut here = &self.root;
        for seg in path {
            let next = match (seg, &here.children) {
                (Seg::Field(name), Children::Fields(fields)) => {
                    fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
                }
                (Seg::Item(i), Children::Items(items)) => items.get(*i),
                (Seg::Key(key), Children::Entries(entries)) => {
                    entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
                }
                _ => None,
            };
            match next {
                Some(next) => here = next,
                None => break,
            }
        }
        here.pos
    }
}

const MAX_DEPTH: usize = 256;

struct Scanner<'a> {
    src: &'a str,
    i: usize,
    pos: Position,
    elements: std::collections::HashMap<String, Position>,
}

impl Scanner<'_> {
    fn char_at(&self, at: usize) -> Option<char> {
        let b = *self.src.as_bytes().get(at)?;
        if b.is_ascii() {
            Some(char::from(b))
        } else {
            self.src.get(at..)?.chars().next()
        }
    }

    fn peek(&self) -> Option<char> {
        self.char_at(self.i)
    }

    /// The character after the next one.
    fn peek_second(&self) -> Option<char> {
        let first = self.peek()?;
        self.char_at(self.i + first.len_utf8())
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.i += c.len_utf8();
        if c == '\n' {
            self.pos.line += 1;
            self.pos.col = 1;
        } else {
            self.pos.col += 1;
        }
        Some(c)
    }

    /// Whitespace, comments and `#![enable(..)]` attributes.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(), self.peek_second()) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while let Some(c) = self.bump() {
                        if c == '\n' {
                            break;
                        }
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    let mut depth = 1;
                    while depth > 0 {
                        match (self.bump(), self.peek()) {
                            (None, _) => return,
                            (Some('*'), Some('/')) => {
                                self.bump();
                                depth -= 1;
                            }
                            (Some('/'), Some('*')) => {
                                self.bump();
                                depth += 1;
                            }
                            _ => {}
                        }
                    }
                }
                (Some('#'), Some('!')) => {
                    while let Some(c) = self.bump() {
                        if c == ']' {
                            break;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> String {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_alphanumeric() || c == '_' || c == '#' {
                self.bump();
            } else {
                break;
            }
        }
        self.src[start..self.i].to_string()
    }

    /// A quoted or raw string; returns its content without unescaping (ids never need it).
    fn string(&mut self) -> String {
        if self.peek() == Some('r') {
            self.bump();
            let mut hashes = 0;
            while self.peek() == Some('#') {
                self.bump();
                hashes += 1;
            }
            self.bump(); // opening quote
            let start = self.i;
            loop {
                let end = self.i;
                match self.bump() {
                    None => return self.src[start..end].to_string(),
                    Some('"') => {
                        let mut n = 0;
                        while n < hashes && self.peek() == Some('#') {
                            self.bump();
                            n += 1;
                        }
                        if n == hashes {
                            return self.src[start..end].to_string();
                        }
                    }
                    Some(_) => {}
                }
            }
        }
        self.bump(); // opening quote
        let start = self.i;
        loop {
            let end = self.i;
            match self.bump() {
                None | Some('"') => return self.src[start..end].to_string(),
                Some('\\') => {
                    self.bump();
                }
                Some(_) => {}
            }
        }
    }

    fn is_string_start(&self) -> bool {
        match self.peek() {
            Some('"') => true,
            Some('r') => matches!(self.peek_second(), Some('"' | '#')),
            _ => false,
        }
    }

    fn value(&mut self, depth: usize) -> Located {
        let pos = self.pos;
        let leaf = |pos| Located {
            pos,
            children: Children::Leaf,
        };
        if depth > MAX_DEPTH {
            return leaf(pos);
        }
        if self.is_string_start() {
            self.string();
            return leaf(pos);
        }
        match self.peek() {
            None => leaf(pos),
            Some('(') => self.parens(pos, depth),
            Some('[') => self.list(pos, depth),
            Some('{') => self.map(pos, depth),
            Some('\'') => {
                self.bump();
                while let Some(c) = self.bump() {
                    match c {
                        '\\' => {
                            self.bump();
                        }
                        '\'' => break,
                        _ => {}
                    }
                }
                leaf(pos)
            }
            Some(c) if c.is_alphabetic() || c == '_' => {
                self.ident();
                self.skip_trivia();
                if self.peek() == Some('(') {
                    self.parens(pos, depth)
                } else {
                    leaf(pos)
                }
            }
            Some(_) => {
                while let Some(c) = self.peek() {
                    if c.is_whitespace() || matches!(c, ',' | ')' | ']' | '}' | ':') {
                        break;
                    }
                    self.bump();
                }
                leaf(pos)
            }
        }
    }

    /// A struct `(a: 1, b: 2)` or a tuple `(1, 2)`.
    fn parens(&mut self, pos: Position, depth: usize) -> Located {
        self.bump();
        let mut fields = Vec::new();
        let mut items = Vec::new();
        let (mut id, mut from, mut to) = (None, None, None);
        loop {
            self.skip_trivia();
            match self.peek() {
                None => break,
                Some(')') => {
                    self.bump();
                    break;
                }
                _ => {}
            }
            let save = (self.i, self.pos);
            let mut is_field = false;
            if self.peek().is_some_and(|c| c.is_alphabetic() || c == '_') {
                let name = self.ident();
                self.skip_trivia();
                if self.peek() == Some(':') {
                    self.bump();
                    self.skip_trivia();
                    if matches!(name.as_str(), "id" | "from" | "to") && self.is_string_start() {
                        let start = (self.i, self.pos);
                        let text = self.string();
                        (self.i, self.pos) = start;
                        match name.as_str() {
                            "id" => id = Some(text),
                            "from" => from = Some(text),
                            _ => to = Some(text),
                        }
                    }
                    let mut value = self.value(depth + 1);
                    value.pos = save.1;
                    fields.push((name, value));
                    is_field = true;
                } else {
                    (self.i, self.pos) = save;
                }
            }
            if !is_field {
                items.push(self.value(depth + 1));
            }
            if !self.separator(')') {
                break;
            }
        }
        let element = id.or_else(|| {
            Some(crate::model::default_flow_id(
                from.as_deref()?,
                to.as_deref()?,
            ))
        });
        if let Some(element) = element {
            self.elements.entry(element).or_insert(pos);
        }
        let children = if fields.is_empty() {
            Children::Items(items)
        } else {
            Children::Fields(fields)
        };
        Located { pos, children }
    }

    fn list(&mut self, pos: Position, depth: usize) -> Located {
        self.bump();
        let mut items = Vec::new();
        loop {
            self.skip_trivia();
            match self.peek() {
                None => break,
                Some(']') => {
                    self.bump();
                    break;
                }
                _ => {}
            }
            items.push(self.value(depth + 1));
            if !self.separator(']') {
                break;
            }
        }
        Located {
            pos,
            children: Children::Items(items),
        }
    }

    fn map(&mut self, pos: Position, depth: usize) -> Located {
        self.bump();
        let mut entries = Vec::new();
        loop {
            self.skip_trivia();
            match self.peek() {
                None => break,
                Some('}') => {
                    self.bump();
                    break;
                }
                _ => {}
            }
            let key_pos = self.pos;
            let key = if self.is_string_start() {
                self.string()
            } else {
                let start = self.i;
                self.value(depth + 1);
                self.src[start..self.i].trim().to_string()
            };
            self.skip_trivia();
            if self.peek() == Some(':') {
                self.bump();
            }
            self.skip_trivia();
            let mut value = self.value(depth + 1);
            value.pos = key_pos;
            entries.push((key, value));
            if !self.separator('}') {
                break;
            }
        }
        Located {
            pos,
            children: Children::Entries(entries),
        }
    }

    /// After an element: consumes a comma, or stops before the closing delimiter.
    /// Returns false when neither is there (malformed text: give up on this container).
    fn separator(&mut self, close: char) -> bool {
        self.skip_trivia();
        match self.peek() {
            Some(',') => {
                self.bump();
                true
            }
            Some(c) if c == close => true,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_fields_items_and_keys() {
        let text = "// header\n(\n  rampart: 1,\n  nodes: [\n    (id: \"a\", kind: service),\n    (\n      id: \"b\",\n      boundary: \"x\",\n    ),\n  ],\n  layout: (nodes: {\"b\": (x: 1.0, y: 2.0)}),\n)\n";
        let map = SourceMap::scan(text);
        let at = |path: &[Seg]| {
            let p = map.locate(path);
            (p.line, p.col)
        };
        assert_eq!(at(&[Seg::Field("rampart")]), (3, 3));
        assert_eq!(at(&[Seg::Field("nodes"), Seg::Item(0)]), (5, 5));
        assert_eq!(
            at(&[Seg::Field("nodes"), Seg::Item(0), Seg::Field("kind")]),
            (5, 15)
        );
        assert_eq!(
            at(&[Seg::Field("nodes"), Seg::Item(1), Seg::Field("boundary")]),
            (8, 7)
        );
        assert_eq!(map.element("b"), Some(Position { line: 6, col: 5 }));
        assert_eq!(map.element("a"), Some(Position { line: 5, col: 5 }));
        // A missing field falls back to its element.
        assert_eq!(
            at(&[Seg::Field("nodes"), Seg::Item(1), Seg::Field("missing")]),
            (6, 5)
        );
        assert_eq!(
            at(&[Seg::Field("layout"), Seg::Field("nodes"), Seg::Key("b")]),
            (11, 20)
        );
    }

    #[test]
    fn survives_garbage() {
        for text in [
            "",
            "(",
            "((((",
            "[\"unterminated",
            "/* open",
            "r#\"x",
            "{:}",
            "'",
        ] {
            let map = SourceMap::scan(text);
            let _ = map.locate(&[Seg::Field("a"), Seg::Item(3)]);
        }
    }
}
