//! Recursive-descent parsers for the three expression grammars, with DynamoDB's messages.
//!
//! Precedence, loosest first: `OR`, `AND`, `NOT`, then comparisons, `BETWEEN`, `IN` and
//! functions; parentheses override. Syntax errors win over the other errors (reserved words,
//! undefined placeholders), which are reported once the whole text has parsed.

use super::ast::{
    Comparator, Condition, Operand, Path, PathElem, SetOperand, SetValue, UpdateAction,
};
use super::lexer::{tokenize, Tok, Token};
use super::paths::PathSet;
use super::reserved::is_reserved;
use super::{Kind, Placeholders};
use crate::error::AwsError;
use crate::services::dynamodb::value::{AttributeValue, TYPE_NAMES};

/// The longest expression DynamoDB accepts, in bytes.
const MAX_LENGTH: usize = 4096;
/// How deep parentheses and `NOT`s may nest (the length limit keeps real expressions far below).
const MAX_DEPTH: usize = 256;

/// Parses a condition (`ConditionExpression`, `FilterExpression`, `KeyConditionExpression`).
pub fn parse_condition(
    text: &str,
    kind: Kind,
    placeholders: &mut Placeholders,
) -> Result<Condition, AwsError> {
    let mut parser = Parser::new(text, kind, placeholders)?;
    let condition = parser.or()?;
    parser.finish()?;
    Ok(condition)
}

/// Parses an `UpdateExpression` into its actions, in the order written.
pub fn parse_update(
    text: &str,
    placeholders: &mut Placeholders,
) -> Result<Vec<UpdateAction>, AwsError> {
    let mut parser = Parser::new(text, Kind::Update, placeholders)?;
    let actions = parser.update()?;
    parser.finish()?;
    let mut paths = PathSet::default();
    for action in &actions {
        paths
            .insert(action.path())
            .map_err(|e| Kind::Update.error(e))?;
    }
    Ok(actions)
}

/// Parses a `ProjectionExpression` into the set of paths it names.
pub fn parse_projection(text: &str, placeholders: &mut Placeholders) -> Result<PathSet, AwsError> {
    let mut parser = Parser::new(text, Kind::Projection, placeholders)?;
    let mut paths = vec![parser.path()?];
    while parser.peek() == &Tok::Comma {
        parser.pos += 1;
        paths.push(parser.path()?);
    }
    parser.finish()?;
    let mut set = PathSet::default();
    for path in &paths {
        set.insert(path).map_err(|e| Kind::Projection.error(e))?;
    }
    Ok(set)
}

/// Names of the functions a condition may call.
const CONDITION_FUNCTIONS: &[&str] = &[
    "attribute_exists",
    "attribute_not_exists",
    "attribute_type",
    "begins_with",
    "contains",
];

struct Parser<'a, 'p> {
    text: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    kind: Kind,
    placeholders: &'p mut Placeholders,
    deferred: Option<AwsError>,
    depth: usize,
}

impl<'a, 'p> Parser<'a, 'p> {
    fn new(
        text: &'a str,
        kind: Kind,
        placeholders: &'p mut Placeholders,
    ) -> Result<Self, AwsError> {
        if text.trim().is_empty() {
            return Err(kind.error("The expression can not be empty;"));
        }
        if text.len() > MAX_LENGTH {
            return Err(kind.error(format!(
                "Expression size has exceeded the maximum allowed size; expression size: {}",
                text.len()
            )));
        }
        Ok(Parser {
            text,
            tokens: tokenize(text),
            pos: 0,
            kind,
            placeholders,
            deferred: None,
            depth: 0,
        })
    }

    fn peek(&self) -> &Tok {
        &self.tokens[self.pos.min(self.tokens.len() - 1)].tok
    }

    fn peek_at(&self, ahead: usize) -> &Tok {
        &self.tokens[(self.pos + ahead).min(self.tokens.len() - 1)].tok
    }

    fn advance(&mut self) -> Tok {
        let tok = self.peek().clone();
        if tok != Tok::Eof {
            self.pos += 1;
        }
        tok
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Tok::Ident(w) if w.eq_ignore_ascii_case(word))
    }

    fn expect(&mut self, tok: Tok) -> Result<(), AwsError> {
        if self.peek() == &tok {
            self.advance();
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    fn expect_keyword(&mut self, word: &str) -> Result<(), AwsError> {
        if self.keyword(word) {
            self.advance();
            Ok(())
        } else {
            Err(self.syntax_error())
        }
    }

    /// `Syntax error; token: "x", near: "a x"`: the offending token and the one before it.
    fn syntax_error(&self) -> AwsError {
        let i = self.pos.min(self.tokens.len() - 1);
        let token = &self.tokens[i];
        let shown = if token.tok == Tok::Eof {
            "<EOF>"
        } else {
            &self.text[token.start..token.end]
        };
        let near_start = if i > 0 {
            self.tokens[i - 1].start
        } else {
            token.start
        };
        let near = &self.text[near_start..token.end];
        self.kind.error(format!(
            "Syntax error; token: \"{shown}\", near: \"{near}\""
        ))
    }

    fn defer(&mut self, error: AwsError) {
        self.deferred.get_or_insert(error);
    }

    fn finish(&mut self) -> Result<(), AwsError> {
        if self.peek() != &Tok::Eof {
            return Err(self.syntax_error());
        }
        match self.deferred.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn enter(&mut self) -> Result<(), AwsError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(self.kind.error("The expression is nested too deeply;"));
        }
        Ok(())
    }

    // ----- document paths and placeholders -----

    fn path(&mut self) -> Result<Path, AwsError> {
        let mut elems = vec![self.path_name()?];
        loop {
            match self.peek() {
                Tok::Dot => {
                    self.advance();
                    elems.push(self.path_name()?);
                }
                Tok::LBracket => {
                    self.advance();
                    let index = match self.peek() {
                        Tok::Number(n) => n.parse::<usize>().ok(),
                        _ => None,
                    };
                    let Some(index) = index else {
                        return Err(self.syntax_error());
                    };
                    self.advance();
                    self.expect(Tok::RBracket)?;
                    elems.push(PathElem::Index(index));
                }
                _ => return Ok(Path(elems)),
            }
        }
    }

    fn path_name(&mut self) -> Result<PathElem, AwsError> {
        match self.peek().clone() {
            Tok::Ident(word) => {
                self.advance();
                if is_reserved(&word) {
                    let error = self.kind.error(format!(
                        "Attribute name is a reserved keyword; reserved keyword: {word}"
                    ));
                    self.defer(error);
                }
                Ok(PathElem::Name(word))
            }
            Tok::NameRef(name) => {
                self.advance();
                match self.placeholders.name(&name) {
                    Some(resolved) => Ok(PathElem::Name(resolved)),
                    None => {
                        let error = self.kind.error(format!(
                            "An expression attribute name used in the document path is not defined; attribute name: #{name}"
                        ));
                        self.defer(error);
                        Ok(PathElem::Name(String::new()))
                    }
                }
            }
            _ => Err(self.syntax_error()),
        }
    }

    fn value_ref(&mut self, name: &str) -> AttributeValue {
        match self.placeholders.value(name) {
            Some(value) => value,
            None => {
                let error = self.kind.error(format!(
                    "An expression attribute value used in expression is not defined; attribute value: :{name}"
                ));
                self.defer(error);
                AttributeValue::Null
            }
        }
    }

    /// `name(` starts a function call.
    fn function_name(&self) -> Option<String> {
        match (self.peek(), self.peek_at(1)) {
            (Tok::Ident(name), Tok::LParen) => Some(name.clone()),
            _ => None,
        }
    }

    /// The comma-separated arguments of a call, the name and `(` already read.
    fn arguments<T>(
        &mut self,
        mut argument: impl FnMut(&mut Self) -> Result<T, AwsError>,
    ) -> Result<Vec<T>, AwsError> {
        let mut args = vec![argument(self)?];
        while self.peek() == &Tok::Comma {
            self.advance();
            args.push(argument(self)?);
        }
        self.expect(Tok::RParen)?;
        Ok(args)
    }

    fn arity<T>(&self, function: &str, args: Vec<T>, wanted: usize) -> Result<Vec<T>, AwsError> {
        if args.len() == wanted {
            Ok(args)
        } else {
            Err(self.kind.error(format!(
                "Incorrect number of operands for operator or function; operator or function: {function}, number of operands: {}",
                args.len()
            )))
        }
    }

    fn requires_path(&self, function: &str) -> AwsError {
        self.kind.error(format!(
            "Operator or function requires a document path; operator or function: {function}"
        ))
    }

    fn operand_type_error(&self, function: &str, value: &AttributeValue) -> AwsError {
        self.kind.error(format!(
            "Incorrect operand type for operator or function; operator or function: {function}, operand type: {}",
            value.type_name()
        ))
    }

    fn invalid_function(&self, name: &str) -> AwsError {
        self.kind
            .error(format!("Invalid function name; function: {name}"))
    }

    fn misused_function(&self, name: &str) -> AwsError {
        self.kind.error(format!(
            "The function is not allowed to be used this way in an expression; function: {name}"
        ))
    }

    // ----- conditions -----

    fn or(&mut self) -> Result<Condition, AwsError> {
        let mut left = self.and()?;
        while self.keyword("OR") {
            self.advance();
            let right = self.and()?;
            left = Condition::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Condition, AwsError> {
        let mut left = self.not()?;
        while self.keyword("AND") {
            self.advance();
            let right = self.not()?;
            left = Condition::And(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<Condition, AwsError> {
        if self.keyword("NOT") {
            self.advance();
            self.enter()?;
            let inner = self.not()?;
            self.depth -= 1;
            return Ok(Condition::Not(Box::new(inner)));
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<Condition, AwsError> {
        if self.peek() == &Tok::LParen {
            self.advance();
            if self.peek() == &Tok::LParen && self.is_redundant_paren() {
                return Err(self.kind.error("The expression has redundant parentheses;"));
            }
            self.enter()?;
            let inner = self.or()?;
            self.depth -= 1;
            self.expect(Tok::RParen)?;
            return Ok(inner);
        }
        if let Some(name) = self.function_name() {
            if CONDITION_FUNCTIONS.contains(&name.as_str()) {
                let condition = self.condition_function(&name)?;
                if self.comparator().is_some() {
                    return Err(self.misused_function(&name));
                }
                return Ok(condition);
            }
        }
        let left = self.operand()?;
        self.comparison(left)
    }

    /// `((` … `))` with nothing between the closing parentheses.
    fn is_redundant_paren(&self) -> bool {
        let mut depth = 0usize;
        for (i, token) in self.tokens.iter().enumerate().skip(self.pos) {
            match token.tok {
                Tok::LParen => depth += 1,
                Tok::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        return self.tokens.get(i + 1).map(|t| &t.tok) == Some(&Tok::RParen);
                    }
                }
                Tok::Eof => return false,
                _ => {}
            }
        }
        false
    }

    fn comparator(&self) -> Option<Comparator> {
        match self.peek() {
            Tok::Compare(op) => Some(*op),
            _ => None,
        }
    }

    fn comparison(&mut self, left: Operand) -> Result<Condition, AwsError> {
        if let Some(op) = self.comparator() {
            self.advance();
            let right = self.operand()?;
            if op != Comparator::Eq && op != Comparator::Ne {
                self.check_ordered(op.symbol(), &[&left, &right])?;
            }
            return Ok(Condition::Compare(op, left, right));
        }
        if self.keyword("BETWEEN") {
            self.advance();
            let low = self.operand()?;
            self.expect_keyword("AND")?;
            let high = self.operand()?;
            self.check_ordered("BETWEEN", &[&left, &low, &high])?;
            self.check_bounds(&low, &high)?;
            return Ok(Condition::Between(left, low, high));
        }
        if self.keyword("IN") {
            self.advance();
            self.expect(Tok::LParen)?;
            let list = self.arguments(Self::operand)?;
            return Ok(Condition::In(left, list));
        }
        if let Operand::Size(_) = left {
            return Err(self.misused_function("size"));
        }
        Err(self.syntax_error())
    }

    /// Literals compared with `<`, `BETWEEN`… must be numbers, strings or binaries.
    fn check_ordered(&self, operator: &str, operands: &[&Operand]) -> Result<(), AwsError> {
        for operand in operands {
            if let Operand::Value(v) = operand {
                if !matches!(
                    v,
                    AttributeValue::N(_) | AttributeValue::S(_) | AttributeValue::B(_)
                ) {
                    return Err(self.operand_type_error(operator, v));
                }
            }
        }
        Ok(())
    }

    fn check_bounds(&self, low: &Operand, high: &Operand) -> Result<(), AwsError> {
        let (Operand::Value(low), Operand::Value(high)) = (low, high) else {
            return Ok(());
        };
        let message = if low.type_name() != high.type_name() {
            "The BETWEEN operator requires same data type for lower and upper bounds"
        } else if super::eval::compare(low, high) == Some(std::cmp::Ordering::Greater) {
            "The BETWEEN operator requires upper bound to be greater than or equal to lower bound"
        } else {
            return Ok(());
        };
        Err(self.kind.error(format!(
            "{message}; lower bound operand: AttributeValue: {}, upper bound operand: AttributeValue: {}",
            low.describe(),
            high.describe()
        )))
    }

    fn operand(&mut self) -> Result<Operand, AwsError> {
        if let Some(name) = self.function_name() {
            if name == "size" {
                self.advance();
                self.advance();
                let args = self.arguments(Self::operand)?;
                let mut args = self.arity("size", args, 1)?;
                return match args.remove(0) {
                    Operand::Path(path) => Ok(Operand::Size(path)),
                    _ => Err(self.requires_path("size")),
                };
            }
            if CONDITION_FUNCTIONS.contains(&name.as_str()) {
                return Err(self.misused_function(&name));
            }
            return Err(self.invalid_function(&name));
        }
        match self.peek().clone() {
            Tok::ValueRef(name) => {
                self.advance();
                Ok(Operand::Value(self.value_ref(&name)))
            }
            Tok::Ident(_) | Tok::NameRef(_) => Ok(Operand::Path(self.path()?)),
            _ => Err(self.syntax_error()),
        }
    }

    fn condition_function(&mut self, name: &str) -> Result<Condition, AwsError> {
        self.advance();
        self.advance();
        let args = self.arguments(Self::operand)?;
        match name {
            "attribute_exists" | "attribute_not_exists" => {
                let mut args = self.arity(name, args, 1)?;
                let Operand::Path(path) = args.remove(0) else {
                    return Err(self.requires_path(name));
                };
                Ok(if name == "attribute_exists" {
                    Condition::Exists(path)
                } else {
                    Condition::NotExists(path)
                })
            }
            "attribute_type" => {
                let mut args = self.arity(name, args, 2)?;
                let kind = args.remove(1);
                let Operand::Path(path) = args.remove(0) else {
                    return Err(self.requires_path(name));
                };
                match kind {
                    Operand::Value(AttributeValue::S(t)) if TYPE_NAMES.contains(&t.as_str()) => {
                        Ok(Condition::Type(path, t))
                    }
                    Operand::Value(AttributeValue::S(t)) => Err(self.kind.error(format!(
                        "Invalid attribute type name found; type: {t}, valid types: {{B,NULL,SS,BOOL,L,BS,N,NS,S,M}}"
                    ))),
                    Operand::Value(other) => Err(self.operand_type_error(name, &other)),
                    _ => Err(self.kind.error(format!(
                        "Incorrect operand type for operator or function; operator or function: {name}, operand type: document path"
                    ))),
                }
            }
            _ => {
                let mut args = self.arity(name, args, 2)?;
                let right = args.remove(1);
                let left = args.remove(0);
                if !matches!(left, Operand::Path(_)) {
                    return Err(self.requires_path(name));
                }
                if name == "begins_with" {
                    if let Operand::Value(v) = &right {
                        if !matches!(v, AttributeValue::S(_) | AttributeValue::B(_)) {
                            return Err(self.operand_type_error(name, v));
                        }
                    }
                    Ok(Condition::BeginsWith(left, right))
                } else {
                    Ok(Condition::Contains(left, right))
                }
            }
        }
    }

    // ----- update expressions -----

    fn update(&mut self) -> Result<Vec<UpdateAction>, AwsError> {
        let mut actions = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        loop {
            let clause = match self.peek() {
                Tok::Ident(w)
                    if ["SET", "REMOVE", "ADD", "DELETE"]
                        .iter()
                        .any(|k| w.eq_ignore_ascii_case(k)) =>
                {
                    w.to_ascii_uppercase()
                }
                _ => return Err(self.syntax_error()),
            };
            if seen.contains(&clause) {
                return Err(self.kind.error(format!(
                    "The \"{clause}\" section can only be used once in an update expression;"
                )));
            }
            self.advance();
            loop {
                actions.push(self.update_action(&clause)?);
                if self.peek() != &Tok::Comma {
                    break;
                }
                self.advance();
            }
            seen.push(clause);
            if self.peek() == &Tok::Eof {
                return Ok(actions);
            }
        }
    }

    fn update_action(&mut self, clause: &str) -> Result<UpdateAction, AwsError> {
        let path = self.path()?;
        match clause {
            "SET" => {
                self.expect(Tok::Compare(Comparator::Eq))?;
                let left = self.set_operand()?;
                let value = match self.peek() {
                    Tok::Plus => {
                        self.advance();
                        SetValue::Plus(left, self.set_operand()?)
                    }
                    Tok::Minus => {
                        self.advance();
                        SetValue::Minus(left, self.set_operand()?)
                    }
                    _ => SetValue::Operand(left),
                };
                Ok(UpdateAction::Set(path, value))
            }
            "REMOVE" => Ok(UpdateAction::Remove(path)),
            _ => {
                let Tok::ValueRef(name) = self.peek().clone() else {
                    return Err(self.syntax_error());
                };
                self.advance();
                let value = self.value_ref(&name);
                let fits = match clause {
                    "ADD" => matches!(
                        value,
                        AttributeValue::N(_)
                            | AttributeValue::Ss(_)
                            | AttributeValue::Ns(_)
                            | AttributeValue::Bs(_)
                    ),
                    _ => matches!(
                        value,
                        AttributeValue::Ss(_) | AttributeValue::Ns(_) | AttributeValue::Bs(_)
                    ),
                };
                // An undefined placeholder already has its error deferred.
                if !fits && self.deferred.is_none() {
                    return Err(self.operand_type_error(clause, &value));
                }
                Ok(if clause == "ADD" {
                    UpdateAction::Add(path, value)
                } else {
                    UpdateAction::Delete(path, value)
                })
            }
        }
    }

    fn set_operand(&mut self) -> Result<SetOperand, AwsError> {
        if let Some(name) = self.function_name() {
            self.advance();
            self.advance();
            self.enter()?;
            let args = self.arguments(Self::set_operand)?;
            self.depth -= 1;
            return match name.as_str() {
                "if_not_exists" => {
                    let mut args = self.arity(&name, args, 2)?;
                    let fallback = args.remove(1);
                    match args.remove(0) {
                        SetOperand::Path(path) => {
                            Ok(SetOperand::IfNotExists(path, Box::new(fallback)))
                        }
                        _ => Err(self.requires_path(&name)),
                    }
                }
                "list_append" => {
                    let mut args = self.arity(&name, args, 2)?;
                    let second = args.remove(1);
                    let first = args.remove(0);
                    Ok(SetOperand::ListAppend(Box::new(first), Box::new(second)))
                }
                _ => Err(self.invalid_function(&name)),
            };
        }
        match self.peek().clone() {
            Tok::ValueRef(name) => {
                self.advance();
                Ok(SetOperand::Value(self.value_ref(&name)))
            }
            Tok::Ident(_) | Tok::NameRef(_) => Ok(SetOperand::Path(self.path()?)),
            _ => Err(self.syntax_error()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn placeholders() -> Placeholders {
        let names = json!({"#n": "name", "#s": "status"});
        let values = json!({":v": {"S": "x"}, ":n": {"N": "5"}, ":one": {"N": "1"}, ":b": {"BOOL": true}, ":ss": {"SS": ["a"]}});
        Placeholders::from_request(names.as_object(), values.as_object(), true).unwrap()
    }

    fn condition(text: &str) -> Result<Condition, AwsError> {
        parse_condition(text, Kind::Condition, &mut placeholders())
    }

    fn message(text: &str) -> String {
        condition(text).unwrap_err().message
    }

    fn path(names: &[&str]) -> Path {
        Path(
            names
                .iter()
                .map(|n| PathElem::Name(n.to_string()))
                .collect(),
        )
    }

    #[test]
    fn precedence_is_not_then_and_then_or() {
        let parsed = condition("a = :v OR NOT b = :v AND c = :v").unwrap();
        let Condition::Or(left, right) = parsed else {
            panic!("{parsed:?}")
        };
        assert!(matches!(*left, Condition::Compare(Comparator::Eq, _, _)));
        let Condition::And(not, _) = *right else {
            panic!()
        };
        assert!(matches!(*not, Condition::Not(_)));
        let grouped = condition("(a = :v OR b = :v) AND c = :v").unwrap();
        assert!(matches!(grouped, Condition::And(_, _)));
    }

    #[test]
    fn paths_functions_and_placeholders() {
        let parsed = condition("attribute_not_exists(#n.b[2].c) AND size(x) > :n").unwrap();
        let Condition::And(first, second) = parsed else {
            panic!()
        };
        assert_eq!(
            *first,
            Condition::NotExists(Path(vec![
                PathElem::Name("name".into()),
                PathElem::Name("b".into()),
                PathElem::Index(2),
                PathElem::Name("c".into())
            ]))
        );
        assert!(matches!(
            *second,
            Condition::Compare(Comparator::Gt, Operand::Size(_), _)
        ));
        assert!(matches!(condition("a IN (:v, :n)").unwrap(), Condition::In(_, l) if l.len() == 2));
        assert!(matches!(
            condition("a between :one and :n").unwrap(),
            Condition::Between(..)
        ));
    }

    #[test]
    fn messages_match_dynamodb() {
        assert_eq!(
            message("attribute_not_exists(id"),
            "Invalid ConditionExpression: Syntax error; token: \"<EOF>\", near: \"id\""
        );
        assert_eq!(
            message("a = :v x"),
            "Invalid ConditionExpression: Syntax error; token: \"x\", near: \":v x\""
        );
        assert_eq!(
            message("a = :missing"),
            "Invalid ConditionExpression: An expression attribute value used in expression is not defined; attribute value: :missing"
        );
        assert_eq!(
            message("#nope = :v"),
            "Invalid ConditionExpression: An expression attribute name used in the document path is not defined; attribute name: #nope"
        );
        assert_eq!(
            message("status = :v"),
            "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status"
        );
        assert_eq!(
            message("foo(a)"),
            "Invalid ConditionExpression: Invalid function name; function: foo"
        );
        assert!(message("a < :b").contains("operand type: BOOL"));
        assert!(message("a BETWEEN :n AND :one").contains("upper bound to be greater"));
        assert!(message("((a = :v))").contains("redundant parentheses"));
        assert!(message("size(a)").contains("not allowed to be used this way"));
        assert!(message("attribute_exists(a) = :v").contains("not allowed to be used this way"));
        assert!(message("").contains("can not be empty"));
        assert!(message(&format!("{}a = :v", "NOT ".repeat(1000))).contains("nested too deeply"));
        assert!(message(&"(".repeat(5000)).contains("maximum allowed size"));
        // A syntax error wins over an undefined placeholder seen before it.
        assert!(message("a = :missing =").contains("Syntax error"));
    }

    #[test]
    fn update_expressions() {
        let mut ph = placeholders();
        let actions = parse_update(
            "SET a = a + :one, b = if_not_exists(b, :n), c = list_append(c, :v) REMOVE d[1] ADD e :n DELETE f :ss",
            &mut ph,
        )
        .unwrap();
        assert_eq!(actions.len(), 6);
        assert!(
            matches!(&actions[0], UpdateAction::Set(p, SetValue::Plus(..)) if *p == path(&["a"]))
        );
        assert!(matches!(&actions[3], UpdateAction::Remove(_)));
        let err = |t: &str| parse_update(t, &mut placeholders()).unwrap_err().message;
        assert!(err("SET a = :v SET b = :v").contains("\"SET\" section can only be used once"));
        assert!(err("SET a = :v REMOVE a").contains("Two document paths overlap"));
        assert!(err("SET a.b = :v, a = :n").contains("path one: [a, b], path two: [a]"));
        assert!(err("ADD a :v").contains("operand type: S"));
        assert!(err("SET a = :v,").contains("Syntax error; token: \"<EOF>\""));
        assert!(err("SET a :v").contains("Syntax error"));
    }

    #[test]
    fn projections() {
        let mut ph = placeholders();
        assert!(parse_projection("a, #n.b[0], c", &mut ph).is_ok());
        let err = parse_projection("a, a.b", &mut placeholders()).unwrap_err();
        assert!(err
            .message
            .starts_with("Invalid ProjectionExpression: Two document paths overlap"));
    }
}
