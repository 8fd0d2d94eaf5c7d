//! The Pratt parser (the grammar of jsonata-js) producing the raw tree.

use std::sync::Arc;

use crate::ast::{BinOp, Kind, LambdaDef, Node, SortTerm, TransformDef};
use crate::error::{err, Error};
use crate::lexer::{Lexer, Tok, Token};
use crate::signature::Signature;

/// Deepest nesting of sub-expressions the parser accepts.
pub(crate) const MAX_PARSE_DEPTH: usize = 200;

/// The tallest expression tree accepted (long operator chains nest as deeply as brackets do).
pub(crate) const MAX_TREE_HEIGHT: usize = 300;

pub(crate) struct Parser {
    lex: Lexer,
    cur: Token,
    depth: usize,
}

fn lbp(tok: &Tok) -> u32 {
    match tok {
        Tok::Op(op) => match *op {
            "." => 75,
            "[" | "(" | "@" | "#" => 80,
            "{" => 70,
            "?" => 20,
            "+" | "-" | "&" => 50,
            "*" | "/" | "%" => 60,
            "=" | "<" | ">" | "^" | "!=" | "<=" | ">=" | "~>" | "?:" | "??" | "in" => 40,
            "and" => 30,
            "or" => 25,
            ":=" => 10,
            _ => 0,
        },
        _ => 0,
    }
}

fn tok_text(tok: &Tok) -> String {
    match tok {
        Tok::Name(s) | Tok::Str(s) => s.clone(),
        Tok::Var(s) => format!("${s}"),
        Tok::Num(n) => n.to_string(),
        Tok::Bool(b) => b.to_string(),
        Tok::Null => "null".into(),
        Tok::Regex(p, _) => p.clone(),
        Tok::Op(o) => o.to_string(),
        Tok::End => "(end)".into(),
    }
}

fn binop(op: &str) -> Option<BinOp> {
    Some(match op {
        "+" => BinOp::Add,
        "-" => BinOp::Sub,
        "*" => BinOp::Mul,
        "/" => BinOp::Div,
        "%" => BinOp::Mod,
        "=" => BinOp::Eq,
        "!=" => BinOp::Ne,
        "<" => BinOp::Lt,
        "<=" => BinOp::Le,
        ">" => BinOp::Gt,
        ">=" => BinOp::Ge,
        "&" => BinOp::Concat,
        "and" => BinOp::And,
        "or" => BinOp::Or,
        "in" => BinOp::In,
        _ => return None,
    })
}

/// Compiles a regex literal with its flags (`i`, `m`).
pub(crate) fn compile_regex(pattern: &str, flags: &str) -> Result<regex::Regex, Error> {
    let mut prefix = String::new();
    if flags.contains('i') {
        prefix.push_str("(?i)");
    }
    if flags.contains('m') {
        prefix.push_str("(?m)");
    }
    crate::pattern::compile(&format!("{prefix}{pattern}"))
        .map_err(|e| err("S0303", format!("Invalid regular expression: {e}")))
}

impl Parser {
    /// A parser; `v2_0` follows jsonata 2.0's grammar (no `??`, no `?:`).
    pub(crate) fn new(source: &str, v2_0: bool) -> Result<Parser, Error> {
        let mut lex = Lexer::new(source);
        lex.v2_0 = v2_0;
        let cur = lex.next(false)?;
        Ok(Parser { lex, cur, depth: 0 })
    }

    /// Parses the whole source.
    pub(crate) fn parse_all(&mut self) -> Result<Node, Error> {
        let e = self.expression(0)?;
        if self.cur.tok != Tok::End {
            return Err(err(
                "S0201",
                format!("Syntax error: {}", tok_text(&self.cur.tok)),
            )
            .at(self.cur.pos)
            .with_token(tok_text(&self.cur.tok)));
        }
        Ok(e)
    }

    fn is_op(&self, op: &str) -> bool {
        matches!(self.cur.tok, Tok::Op(o) if o == op)
    }

    fn advance(&mut self, expect: Option<&str>, infix: bool) -> Result<(), Error> {
        if let Some(id) = expect {
            if !self.is_op(id) {
                let code = if self.cur.tok == Tok::End {
                    "S0203"
                } else {
                    "S0202"
                };
                return Err(err(
                    code,
                    format!("Expected {id}, got {}", tok_text(&self.cur.tok)),
                )
                .at(self.cur.pos)
                .with_token(tok_text(&self.cur.tok)));
            }
        }
        self.cur = self.lex.next(infix)?;
        if let Tok::Op(o) = self.cur.tok {
            if o == "!" || o == "~" {
                return Err(err("S0204", format!("Unknown operator: {o}"))
                    .at(self.cur.pos)
                    .with_token(o));
            }
        }
        Ok(())
    }

    fn expression(&mut self, rbp: u32) -> Result<Node, Error> {
        crate::stack::grown(|| self.expression_at(rbp))
    }

    fn expression_at(&mut self, rbp: u32) -> Result<Node, Error> {
        self.depth += 1;
        if self.depth > MAX_PARSE_DEPTH {
            return Err(err("U1001", "Expression is nested too deeply").at(self.cur.pos));
        }
        let t = self.cur.clone();
        self.advance(None, true)?;
        let mut left = self.nud(t)?;
        while rbp < lbp(&self.cur.tok) {
            let t = self.cur.clone();
            self.advance(None, false)?;
            left = self.led(t, left)?;
            if left.height > MAX_TREE_HEIGHT {
                return Err(err("U1001", "Expression is nested too deeply").at(self.cur.pos));
            }
        }
        self.depth -= 1;
        Ok(left)
    }

    fn nud(&mut self, t: Token) -> Result<Node, Error> {
        let pos = t.pos;
        let kind = match t.tok {
            Tok::Name(n) => Kind::Name(n),
            Tok::Var(v) => Kind::Var(v),
            Tok::Str(s) => Kind::Str(s),
            Tok::Num(n) => Kind::Num(n),
            Tok::Bool(b) => Kind::Bool(b),
            Tok::Null => Kind::Null,
            Tok::Regex(p, f) => {
                Kind::Regex(Arc::new(compile_regex(&p, &f).map_err(|e| e.at(pos))?))
            }
            Tok::Op(op) => match op {
                "and" | "or" | "in" => Kind::Name(op.to_string()),
                "-" => Kind::Neg(Box::new(self.expression(70)?)),
                "*" => Kind::Wildcard,
                "**" => Kind::Descendant,
                "%" => Kind::Parent(0),
                "(" => {
                    let mut items = Vec::new();
                    while !self.is_op(")") {
                        items.push(self.expression(0)?);
                        if !self.is_op(";") {
                            break;
                        }
                        self.advance(Some(";"), false)?;
                    }
                    self.advance(Some(")"), true)?;
                    Kind::Block(items)
                }
                "[" => {
                    let mut items = Vec::new();
                    if !self.is_op("]") {
                        loop {
                            let mut item = self.expression(0)?;
                            if self.is_op("..") {
                                let rpos = self.cur.pos;
                                self.advance(Some(".."), false)?;
                                let rhs = self.expression(0)?;
                                item = Node::new(
                                    Kind::Binary(BinOp::Range, Box::new(item), Box::new(rhs)),
                                    rpos,
                                );
                            }
                            items.push(item);
                            if !self.is_op(",") {
                                break;
                            }
                            self.advance(Some(","), false)?;
                        }
                    }
                    self.advance(Some("]"), true)?;
                    Kind::Array(items)
                }
                "{" => Kind::Object(self.object_pairs()?),
                "|" => {
                    let pattern = self.expression(0)?;
                    self.advance(Some("|"), false)?;
                    let update = self.expression(0)?;
                    let mut delete = None;
                    if self.is_op(",") {
                        self.advance(Some(","), false)?;
                        delete = Some(self.expression(0)?);
                    }
                    self.advance(Some("|"), false)?;
                    Kind::Transform(Arc::new(TransformDef {
                        pattern,
                        update,
                        delete,
                    }))
                }
                _ => {
                    return Err(err(
                        "S0211",
                        format!("The symbol {op} cannot be used as a unary operator"),
                    )
                    .at(pos)
                    .with_token(op))
                }
            },
            Tok::End => return Err(err("S0207", "Unexpected end of expression").at(pos)),
        };
        Ok(Node::new(kind, pos))
    }

    fn object_pairs(&mut self) -> Result<Vec<(Node, Node)>, Error> {
        let mut pairs = Vec::new();
        if !self.is_op("}") {
            loop {
                let k = self.expression(0)?;
                self.advance(Some(":"), false)?;
                let v = self.expression(0)?;
                pairs.push((k, v));
                if !self.is_op(",") {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some("}"), true)?;
        Ok(pairs)
    }

    fn led(&mut self, t: Token, left: Node) -> Result<Node, Error> {
        let pos = t.pos;
        let Tok::Op(op) = t.tok else {
            return Err(err("S0201", "Syntax error").at(pos));
        };
        let l = Box::new(left);
        let kind = match op {
            "." => Kind::RawDot(l, Box::new(self.expression(75)?)),
            "~>" => Kind::Apply(l, Box::new(self.expression(40)?)),
            "??" => Kind::Coalesce(l, Box::new(self.expression(0)?)),
            "?:" => Kind::Elvis(l, Box::new(self.expression(0)?)),
            "?" => {
                let then = self.expression(0)?;
                let mut els = None;
                if self.is_op(":") {
                    self.advance(Some(":"), false)?;
                    els = Some(Box::new(self.expression(0)?));
                }
                Kind::Condition(l, Box::new(then), els)
            }
            ":=" => {
                let Kind::Var(name) = &l.kind else {
                    return Err(err(
                        "S0212",
                        "The left side of := must be a variable name (start with $)",
                    )
                    .at(pos));
                };
                let name = name.clone();
                Kind::Bind(name, Box::new(self.expression(9)?))
            }
            "@" | "#" => {
                let rhs = self.expression(80)?;
                let Kind::Var(name) = rhs.kind else {
                    return Err(err(
                        "S0214",
                        format!("The right side of {op} must be a variable name (start with $)"),
                    )
                    .at(pos)
                    .with_token(op));
                };
                if op == "@" {
                    Kind::RawFocus(l, name)
                } else {
                    Kind::RawIndex(l, name)
                }
            }
            "(" => return self.call(*l, pos),
            "[" => {
                if self.is_op("]") {
                    let mut left = *l;
                    mark_keep_array(&mut left);
                    self.advance(Some("]"), false)?;
                    return Ok(left);
                }
                let rhs = self.expression(0)?;
                self.advance(Some("]"), true)?;
                Kind::RawFilter(l, Box::new(rhs))
            }
            "^" => {
                self.advance(Some("("), false)?;
                let mut terms = Vec::new();
                loop {
                    let mut descending = false;
                    if self.is_op("<") {
                        self.advance(Some("<"), false)?;
                    } else if self.is_op(">") {
                        descending = true;
                        self.advance(Some(">"), false)?;
                    }
                    terms.push(SortTerm {
                        descending,
                        expr: self.expression(0)?,
                    });
                    if !self.is_op(",") {
                        break;
                    }
                    self.advance(Some(","), false)?;
                }
                self.advance(Some(")"), false)?;
                Kind::RawSort(l, terms)
            }
            "{" => Kind::RawGroup(l, self.object_pairs()?),
            _ => match binop(op) {
                Some(b) => Kind::Binary(b, l, Box::new(self.expression(lbp(&Tok::Op(op)))?)),
                None => {
                    return Err(err("S0201", format!("Syntax error: {op}"))
                        .at(pos)
                        .with_token(op))
                }
            },
        };
        Ok(Node::new(kind, pos))
    }

    fn call(&mut self, procedure: Node, pos: usize) -> Result<Node, Error> {
        let mut args = Vec::new();
        let mut partial = false;
        if !self.is_op(")") {
            loop {
                if self.is_op("?") {
                    partial = true;
                    args.push(Node::new(Kind::Placeholder, self.cur.pos));
                    self.advance(Some("?"), false)?;
                } else {
                    args.push(self.expression(0)?);
                }
                if !self.is_op(",") {
                    break;
                }
                self.advance(Some(","), false)?;
            }
        }
        self.advance(Some(")"), true)?;
        let is_lambda = matches!(&procedure.kind, Kind::Name(n) if n == "function" || n == "λ");
        if !is_lambda {
            return Ok(Node::new(
                Kind::Call {
                    proc: Box::new(procedure),
                    args,
                    partial,
                },
                pos,
            ));
        }
        let mut params = Vec::new();
        for (i, a) in args.into_iter().enumerate() {
            match a.kind {
                Kind::Var(v) => params.push(v),
                _ => {
                    return Err(err("S0208", format!("Parameter {} of function definition must be a variable name (start with $)", i + 1)).at(a.pos))
                }
            }
        }
        let mut signature = None;
        if self.is_op("<") {
            let text = self.lex.take_signature().map_err(|e| e.at(self.cur.pos))?;
            signature = Some(Signature::parse(&text).map_err(|e| e.at(self.cur.pos))?);
            self.cur = self.lex.next(false)?;
        }
        self.advance(Some("{"), false)?;
        let body = self.expression(0)?;
        self.advance(Some("}"), true)?;
        Ok(Node::new(
            Kind::Lambda(Arc::new(LambdaDef {
                params,
                signature,
                body,
            })),
            pos,
        ))
    }
}

/// `[]` after a step: keep singleton results as arrays (on the innermost filtered step).
fn mark_keep_array(node: &mut Node) {
    match &mut node.kind {
        Kind::RawFilter(lhs, _) => mark_keep_array(lhs),
        _ => node.keep_array = true,
    }
}
