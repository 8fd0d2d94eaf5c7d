//! Splits an expression into tokens, remembering where each one is for error messages.

use super::ast::Comparator;

/// What a token is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tok {
    /// A bare word: an attribute name, a keyword or a function name.
    Ident(String),
    /// `#name`.
    NameRef(String),
    /// `:value`.
    ValueRef(String),
    /// A run of digits (list indexes).
    Number(String),
    /// A comparator: `=`, `<>`, `<`, `<=`, `>`, `>=`.
    Compare(Comparator),
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `,`
    Comma,
    /// `.`
    Dot,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// A character no token starts with.
    Bad,
    /// The end of the text.
    Eof,
}

/// A token and its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// Where it starts.
    pub start: usize,
    /// Where it ends.
    pub end: usize,
}

fn is_word(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Tokenizes `text`; always ends with [`Tok::Eof`].
pub fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut chars = text.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        if c.is_whitespace() {
            continue;
        }
        let word = |chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>| {
            let mut end = start + c.len_utf8();
            while let Some(&(i, next)) = chars.peek() {
                if !is_word(next) {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
            end
        };
        let (tok, end) = match c {
            '#' | ':' => {
                let end = word(&mut chars);
                let name = text[start + 1..end].to_string();
                match (name.is_empty(), c) {
                    (true, _) => (Tok::Bad, end),
                    (false, '#') => (Tok::NameRef(name), end),
                    (false, _) => (Tok::ValueRef(name), end),
                }
            }
            c if c.is_ascii_digit() => {
                let mut end = start + 1;
                while let Some(&(i, next)) = chars.peek() {
                    if !next.is_ascii_digit() {
                        break;
                    }
                    end = i + 1;
                    chars.next();
                }
                (Tok::Number(text[start..end].to_string()), end)
            }
            c if is_word(c) => {
                let end = word(&mut chars);
                (Tok::Ident(text[start..end].to_string()), end)
            }
            '<' | '>' => {
                let two = chars.peek().map(|&(_, n)| n);
                let (tok, long) = match (c, two) {
                    ('<', Some('>')) => (Comparator::Ne, true),
                    ('<', Some('=')) => (Comparator::Le, true),
                    ('>', Some('=')) => (Comparator::Ge, true),
                    ('<', _) => (Comparator::Lt, false),
                    _ => (Comparator::Gt, false),
                };
                let tok = Tok::Compare(tok);
                if long {
                    chars.next();
                }
                (tok, start + if long { 2 } else { 1 })
            }
            other => {
                let tok = match other {
                    '=' => Tok::Compare(Comparator::Eq),
                    '(' => Tok::LParen,
                    ')' => Tok::RParen,
                    '[' => Tok::LBracket,
                    ']' => Tok::RBracket,
                    ',' => Tok::Comma,
                    '.' => Tok::Dot,
                    '+' => Tok::Plus,
                    '-' => Tok::Minus,
                    _ => Tok::Bad,
                };
                (tok, start + other.len_utf8())
            }
        };
        tokens.push(Token { tok, start, end });
    }
    tokens.push(Token {
        tok: Tok::Eof,
        start: text.len(),
        end: text.len(),
    });
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_with_positions() {
        let toks: Vec<Tok> = tokenize("#a.b[10] <> :v_1 AND size(x)>=3")
            .into_iter()
            .map(|t| t.tok)
            .collect();
        assert_eq!(
            toks,
            vec![
                Tok::NameRef("a".into()),
                Tok::Dot,
                Tok::Ident("b".into()),
                Tok::LBracket,
                Tok::Number("10".into()),
                Tok::RBracket,
                Tok::Compare(Comparator::Ne),
                Tok::ValueRef("v_1".into()),
                Tok::Ident("AND".into()),
                Tok::Ident("size".into()),
                Tok::LParen,
                Tok::Ident("x".into()),
                Tok::RParen,
                Tok::Compare(Comparator::Ge),
                Tok::Number("3".into()),
                Tok::Eof
            ]
        );
        assert_eq!(tokenize("a $")[1].tok, Tok::Bad);
        assert_eq!(tokenize("# x")[0].tok, Tok::Bad);
    }
}
