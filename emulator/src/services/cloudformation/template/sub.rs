//! The `Fn::Sub` string syntax: `${Name}`, `${Resource.Attribute}`, and `${!Literal}` for a
//! literal `${Literal}`.

/// One piece of a `Fn::Sub` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<'a> {
    /// Text copied as it is.
    Literal(String),
    /// A `${…}` variable (trimmed): a parameter, pseudo parameter, resource, `Res.Attr`, or a key
    /// of the variable map.
    Variable(&'a str),
}

/// Splits a `Fn::Sub` string into literal text and variables. An unterminated `${` is literal.
pub fn parse(text: &str) -> Vec<Part<'_>> {
    let mut parts = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        literal.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let Some(end) = after.find('}') else {
            literal.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let inner = &after[..end];
        if let Some(escaped) = inner.strip_prefix('!') {
            literal.push_str("${");
            literal.push_str(escaped);
            literal.push('}');
        } else {
            if !literal.is_empty() {
                parts.push(Part::Literal(std::mem::take(&mut literal)));
            }
            parts.push(Part::Variable(inner.trim()));
        }
        rest = &after[end + 1..];
    }
    literal.push_str(rest);
    if !literal.is_empty() {
        parts.push(Part::Literal(literal));
    }
    parts
}

/// The variables a `Fn::Sub` string names, in order.
pub fn variables(text: &str) -> Vec<&str> {
    parse(text)
        .into_iter()
        .filter_map(|part| match part {
            Part::Variable(name) => Some(name),
            Part::Literal(_) => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_literals_and_escapes() {
        assert_eq!(
            parse("arn:${AWS::Partition}:s3:::${Bucket}/${!Literal}-${ Role.Arn }"),
            vec![
                Part::Literal("arn:".into()),
                Part::Variable("AWS::Partition"),
                Part::Literal(":s3:::".into()),
                Part::Variable("Bucket"),
                Part::Literal("/${Literal}-".into()),
                Part::Variable("Role.Arn"),
            ]
        );
        assert_eq!(parse("a ${b"), vec![Part::Literal("a ${b".into())]);
        assert_eq!(variables("${A}${B.C}"), vec!["A", "B.C"]);
        assert!(parse("").is_empty());
    }
}
