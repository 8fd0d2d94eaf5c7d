//! A character cursor over an expression, shared by the JSONPath and intrinsic parsers, and
//! the parser type both build on.

use std::marker::PhantomData;
use std::ops::{Deref, DerefMut};

/// What a parser step returns: the value, or a message saying what was expected.
pub(crate) type Parse<T> = Result<T, String>;

/// A parser of the language `L` over a [`Cursor`] (it derefs to it): each language's module
/// writes its grammar as methods of `Parser<'_, ItsLanguage>`.
pub(crate) struct Parser<'s, L> {
    cursor: Cursor<'s>,
    language: PhantomData<L>,
}

impl<'s, L> Parser<'s, L> {
    /// A parser at the start of `text`.
    pub fn new(text: &'s str) -> Self {
        Parser {
            cursor: Cursor::new(text),
            language: PhantomData,
        }
    }
}

impl<'s, L> Deref for Parser<'s, L> {
    type Target = Cursor<'s>;
    fn deref(&self) -> &Cursor<'s> {
        &self.cursor
    }
}

impl<L> DerefMut for Parser<'_, L> {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.cursor
    }
}

/// Position in the text being parsed, and how deeply the parser has nested.
pub(crate) struct Cursor<'s> {
    /// The whole expression.
    pub text: &'s str,
    /// Byte offset of the next character.
    pub pos: usize,
    /// Current nesting depth (filters, nested calls), for the parsers' limits.
    pub depth: usize,
}

impl<'s> Cursor<'s> {
    /// A cursor at the start of `text`.
    pub fn new(text: &'s str) -> Self {
        Cursor {
            text,
            pos: 0,
            depth: 0,
        }
    }

    /// What is left to parse.
    pub fn rest(&self) -> &'s str {
        self.text.get(self.pos..).unwrap_or("")
    }

    /// The next character, if any.
    pub fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    /// Takes the next character.
    pub fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += c.len_utf8();
        Some(c)
    }

    /// Takes `c` if it comes next.
    pub fn eat(&mut self, c: char) -> bool {
        if self.peek() == Some(c) {
            self.pos += c.len_utf8();
            true
        } else {
            false
        }
    }

    /// Takes `s` if it comes next.
    pub fn eat_str(&mut self, s: &str) -> bool {
        if self.rest().starts_with(s) {
            self.pos += s.len();
            true
        } else {
            false
        }
    }

    /// Takes `true`, `false` or `null` if one comes next as a whole word, and gives its value.
    pub fn eat_keyword_literal(&mut self) -> Option<serde_json::Value> {
        for (word, value) in [
            ("true", serde_json::Value::Bool(true)),
            ("false", serde_json::Value::Bool(false)),
            ("null", serde_json::Value::Null),
        ] {
            let after = self.rest().get(word.len()..).and_then(|r| r.chars().next());
            if self.rest().starts_with(word)
                && !after.is_some_and(|c| c.is_alphanumeric() || c == '_')
            {
                self.pos += word.len();
                return Some(value);
            }
        }
        None
    }

    /// Skips white space.
    pub fn skip_blanks(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.bump();
        }
    }

    /// "Expected X at position N but found 'c'" (or "but the `<what>` ended").
    pub fn unexpected(&self, expected: &str, what: &str) -> String {
        match self.peek() {
            Some(c) => format!(
                "Expected {expected} at position {} but found '{c}'",
                self.pos
            ),
            None => format!(
                "Expected {expected} at position {} but the {what} ended",
                self.pos
            ),
        }
    }
}
