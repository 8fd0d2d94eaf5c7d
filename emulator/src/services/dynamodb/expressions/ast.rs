//! The parsed forms of DynamoDB's expressions, with placeholders already resolved.

use super::super::value::AttributeValue;

/// One step of a document path: an attribute name or a list index.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum PathElem {
    /// `name`, `#name` resolved, or `.name`.
    Name(String),
    /// `[n]`.
    Index(usize),
}

/// A document path such as `a.b[1].c`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<PathElem>);

impl Path {
    /// The top-level attribute the path starts at.
    pub fn attribute(&self) -> &str {
        match self.0.first() {
            Some(PathElem::Name(name)) => name,
            _ => "",
        }
    }
}

impl std::fmt::Display for Path {
    /// DynamoDB's rendering in messages: `[a, b, [1]]`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .0
            .iter()
            .map(|e| match e {
                PathElem::Name(n) => n.clone(),
                PathElem::Index(i) => format!("[{i}]"),
            })
            .collect();
        write!(f, "[{}]", parts.join(", "))
    }
}

/// A value in a condition: an attribute, a literal from `ExpressionAttributeValues`, or `size`.
#[derive(Debug, Clone, PartialEq)]
pub enum Operand {
    /// A document path.
    Path(Path),
    /// `:placeholder`, resolved.
    Value(AttributeValue),
    /// `size(path)`.
    Size(Path),
}

/// The six comparators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparator {
    /// `=`
    Eq,
    /// `<>`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Comparator {
    /// The operator as written.
    pub fn symbol(self) -> &'static str {
        match self {
            Comparator::Eq => "=",
            Comparator::Ne => "<>",
            Comparator::Lt => "<",
            Comparator::Le => "<=",
            Comparator::Gt => ">",
            Comparator::Ge => ">=",
        }
    }
}

/// A condition (ConditionExpression, FilterExpression, KeyConditionExpression).
#[derive(Debug, Clone, PartialEq)]
pub enum Condition {
    /// `a op b`.
    Compare(Comparator, Operand, Operand),
    /// `a BETWEEN low AND high`.
    Between(Operand, Operand, Operand),
    /// `a IN (b, c, …)`.
    In(Operand, Vec<Operand>),
    /// `attribute_exists(path)`.
    Exists(Path),
    /// `attribute_not_exists(path)`.
    NotExists(Path),
    /// `attribute_type(path, :type)`.
    Type(Path, String),
    /// `begins_with(a, b)`.
    BeginsWith(Operand, Operand),
    /// `contains(a, b)`.
    Contains(Operand, Operand),
    /// `a AND b`.
    And(Box<Condition>, Box<Condition>),
    /// `a OR b`.
    Or(Box<Condition>, Box<Condition>),
    /// `NOT a`.
    Not(Box<Condition>),
}

/// An operand on the right of `SET path = …`.
#[derive(Debug, Clone, PartialEq)]
pub enum SetOperand {
    /// A document path of the current item.
    Path(Path),
    /// A literal.
    Value(AttributeValue),
    /// `if_not_exists(path, operand)`.
    IfNotExists(Path, Box<SetOperand>),
    /// `list_append(a, b)`.
    ListAppend(Box<SetOperand>, Box<SetOperand>),
}

/// The right side of a SET action.
#[derive(Debug, Clone, PartialEq)]
pub enum SetValue {
    /// `operand`.
    Operand(SetOperand),
    /// `a + b`.
    Plus(SetOperand, SetOperand),
    /// `a - b`.
    Minus(SetOperand, SetOperand),
}

/// One action of an update expression.
#[derive(Debug, Clone, PartialEq)]
pub enum UpdateAction {
    /// `SET path = value`.
    Set(Path, SetValue),
    /// `REMOVE path`.
    Remove(Path),
    /// `ADD path :value`.
    Add(Path, AttributeValue),
    /// `DELETE path :value`.
    Delete(Path, AttributeValue),
}

impl UpdateAction {
    /// The path the action changes.
    pub fn path(&self) -> &Path {
        match self {
            UpdateAction::Set(p, _)
            | UpdateAction::Remove(p)
            | UpdateAction::Add(p, _)
            | UpdateAction::Delete(p, _) => p,
        }
    }
}
