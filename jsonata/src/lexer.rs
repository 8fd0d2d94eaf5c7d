//! The tokenizer: turns the source into tokens on demand (the parser says whether a `/` may start a regex).

use crate::error::{err, Error};

/// A token's kind and value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Tok {
    Name(String),
    Var(String),
    Str(String),
    Num(f64),
    Bool(bool),
    Null,
    Regex(String, String),
    Op(&'static str),
    End,
}

/// A token and the offset just past it.
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub tok: Tok,
    pub pos: usize,
}

const SINGLE: &str = ".[]{}(),@#;:?+-*/%|=<>^&!~";
const DOUBLE: [&str; 9] = ["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"];

pub(crate) struct Lexer {
    src: Vec<char>,
    pos: usize,
    /// jsonata 2.0 has no `??` or `?:` (they came in 2.1): lex them as two tokens.
    pub(crate) v2_0: bool,
}

fn op_static(s: &str) -> &'static str {
    for d in DOUBLE {
        if d == s {
            return d;
        }
    }
    const SINGLES: [&str; 26] = [
        ".", "[", "]", "{", "}", "(", ")", ",", "@", "#", ";", ":", "?", "+", "-", "*", "/", "%",
        "|", "=", "<", ">", "^", "&", "!", "~",
    ];
    SINGLES.iter().find(|x| **x == s).copied().unwrap_or("?")
}

impl Lexer {
    pub(crate) fn new(source: &str) -> Lexer {
        Lexer {
            src: source.chars().collect(),
            pos: 0,
            v2_0: false,
        }
    }

    fn at(&self, i: usize) -> char {
        self.src.get(i).copied().unwrap_or('\0')
    }

    /// The next token; `infix` means an operand just ended, so `/` is division.
    pub(crate) fn next(&mut self, infix: bool) -> Result<Token, Error> {
        loop {
            while self.pos < self.src.len() && " \t\n\r\u{b}".contains(self.src[self.pos]) {
                self.pos += 1;
            }
            if self.at(self.pos) == '/' && self.at(self.pos + 1) == '*' {
                let start = self.pos;
                self.pos += 2;
                loop {
                    if self.pos >= self.src.len() {
                        return Err(err("S0106", "Comment has no closing tag").at(start));
                    }
                    if self.at(self.pos) == '*' && self.at(self.pos + 1) == '/' {
                        self.pos += 2;
                        break;
                    }
                    self.pos += 1;
                }
                continue;
            }
            break;
        }
        if self.pos >= self.src.len() {
            return Ok(Token {
                tok: Tok::End,
                pos: self.pos,
            });
        }
        let c = self.src[self.pos];
        if !infix && c == '/' {
            self.pos += 1;
            return self.regex();
        }
        let two: String = [c, self.at(self.pos + 1)].iter().collect();
        if DOUBLE.contains(&two.as_str()) && !(self.v2_0 && (two == "??" || two == "?:")) {
            self.pos += 2;
            return Ok(self.tok(Tok::Op(op_static(&two))));
        }
        if SINGLE.contains(c) {
            self.pos += 1;
            return Ok(self.tok(Tok::Op(op_static(&c.to_string()))));
        }
        if c == '"' || c == '\'' {
            return self.string(c);
        }
        if c.is_ascii_digit() {
            return self.number();
        }
        if c == '`' {
            let start = self.pos;
            self.pos += 1;
            let mut name = String::new();
            loop {
                if self.pos >= self.src.len() {
                    return Err(err(
                        "S0105",
                        "Quoted property name must be terminated with a backquote (`)",
                    )
                    .at(start));
                }
                let ch = self.src[self.pos];
                self.pos += 1;
                if ch == '`' {
                    break;
                }
                name.push(ch);
            }
            return Ok(self.tok(Tok::Name(name)));
        }
        let start = self.pos;
        let mut i = self.pos;
        while i < self.src.len()
            && !" \t\n\r\u{b}".contains(self.src[i])
            && !SINGLE.contains(self.src[i])
        {
            i += 1;
        }
        let word: String = self.src[start..i].iter().collect();
        self.pos = i;
        if let Some(v) = word.strip_prefix('$') {
            return Ok(self.tok(Tok::Var(v.to_string())));
        }
        let tok = match word.as_str() {
            "or" => Tok::Op("or"),
            "and" => Tok::Op("and"),
            "in" => Tok::Op("in"),
            "true" => Tok::Bool(true),
            "false" => Tok::Bool(false),
            "null" => Tok::Null,
            _ => Tok::Name(word),
        };
        Ok(self.tok(tok))
    }

    fn tok(&self, tok: Tok) -> Token {
        Token { tok, pos: self.pos }
    }

    fn number(&mut self) -> Result<Token, Error> {
        let start = self.pos;
        let mut i = self.pos;
        let digits = |i: &mut usize, s: &Vec<char>| {
            let b = *i;
            while *i < s.len() && s[*i].is_ascii_digit() {
                *i += 1;
            }
            *i > b
        };
        if self.at(i) == '0' {
            i += 1;
        } else {
            digits(&mut i, &self.src);
        }
        if self.at(i) == '.' && self.at(i + 1).is_ascii_digit() {
            i += 1;
            digits(&mut i, &self.src);
        }
        if matches!(self.at(i), 'e' | 'E') {
            let mut j = i + 1;
            if matches!(self.at(j), '+' | '-') {
                j += 1;
            }
            if digits(&mut j, &self.src) {
                i = j;
            }
        }
        let text: String = self.src[start..i].iter().collect();
        self.pos = i;
        let n: f64 = text
            .parse()
            .map_err(|_| err("S0102", "Number out of range").at(start))?;
        if !n.is_finite() {
            return Err(err("S0102", format!("Number out of range: {text}")).at(start));
        }
        Ok(self.tok(Tok::Num(n)))
    }

    fn string(&mut self, quote: char) -> Result<Token, Error> {
        let start = self.pos;
        self.pos += 1;
        let mut s = String::new();
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if c == '\\' {
                self.pos += 1;
                let e = self.at(self.pos);
                match e {
                    '"' | '\\' | '/' | '\'' => s.push(e),
                    'b' => s.push('\u{8}'),
                    'f' => s.push('\u{c}'),
                    'n' => s.push('\n'),
                    'r' => s.push('\r'),
                    't' => s.push('\t'),
                    'u' => {
                        let hex: String = self
                            .src
                            .get(self.pos + 1..self.pos + 5)
                            .unwrap_or(&[])
                            .iter()
                            .collect();
                        let code = (hex.len() == 4)
                            .then(|| u32::from_str_radix(&hex, 16).ok())
                            .flatten();
                        let Some(mut code) = code else {
                            return Err(err(
                                "S0104",
                                "The escape sequence \\u must be followed by 4 hex digits",
                            )
                            .at(self.pos));
                        };
                        self.pos += 4;
                        // A surrogate pair spells one character.
                        if (0xD800..0xDC00).contains(&code)
                            && self.at(self.pos + 1) == '\\'
                            && self.at(self.pos + 2) == 'u'
                        {
                            let hex2: String = self
                                .src
                                .get(self.pos + 3..self.pos + 7)
                                .unwrap_or(&[])
                                .iter()
                                .collect();
                            if let Ok(lo) = u32::from_str_radix(&hex2, 16) {
                                if (0xDC00..0xE000).contains(&lo) {
                                    code = 0x10000 + ((code - 0xD800) << 10) + (lo - 0xDC00);
                                    self.pos += 6;
                                }
                            }
                        }
                        s.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                    }
                    _ => {
                        return Err(err("S0103", format!("Unsupported escape sequence: \\{e}"))
                            .at(self.pos))
                    }
                }
            } else if c == quote {
                self.pos += 1;
                return Ok(self.tok(Tok::Str(s)));
            } else {
                s.push(c);
            }
            self.pos += 1;
        }
        Err(err(
            "S0101",
            "String literal must be terminated by a matching quote",
        )
        .at(start))
    }

    fn regex(&mut self) -> Result<Token, Error> {
        let start = self.pos;
        let mut depth: i32 = 0;
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            if c == '/' && depth == 0 {
                let mut bs = 0;
                while self.pos > bs && self.src[self.pos - bs - 1] == '\\' {
                    bs += 1;
                }
                if bs % 2 == 0 {
                    let pattern: String = self.src[start..self.pos].iter().collect();
                    if pattern.is_empty() {
                        return Err(
                            err("S0301", "Empty regular expressions are not allowed").at(self.pos)
                        );
                    }
                    self.pos += 1;
                    let fstart = self.pos;
                    while matches!(self.at(self.pos), 'i' | 'm') {
                        self.pos += 1;
                    }
                    let flags: String = self.src[fstart..self.pos].iter().collect();
                    return Ok(self.tok(Tok::Regex(pattern, flags)));
                }
            }
            let prev = if self.pos > 0 {
                self.src[self.pos - 1]
            } else {
                '\0'
            };
            if "([{".contains(c) && prev != '\\' {
                depth += 1;
            }
            if ")]}".contains(c) && prev != '\\' {
                depth -= 1;
            }
            self.pos += 1;
        }
        Err(err("S0302", "No terminating / in regular expression").at(self.pos))
    }
}

impl Lexer {
    /// After a `<` token: the signature text up to its matching `>`, including both.
    pub(crate) fn take_signature(&mut self) -> Result<String, Error> {
        let mut depth = 1;
        let mut s = String::from("<");
        while self.pos < self.src.len() {
            let c = self.src[self.pos];
            self.pos += 1;
            s.push(c);
            if c == '<' {
                depth += 1;
            } else if c == '>' {
                depth -= 1;
                if depth == 0 {
                    return Ok(s);
                }
            } else if c == '{' {
                break;
            }
        }
        Err(err("S0203", "Expected > to end the function signature"))
    }
}
