//! YAML values to JSON values, turning CloudFormation's short-form tags (`!Ref X`, `!GetAtt A.B`,
//! `!Sub …`, …) into their long forms (`{"Ref": "X"}`, `{"Fn::GetAtt": ["A", "B"]}`, …).

use serde_json::{Map, Number, Value};
use serde_yaml::Value as Yaml;

use super::error::{Result, TemplateError};

/// The functions whose short form is `!<Name>` for `{"Fn::<Name>": …}`.
const FUNCTIONS: &[&str] = &[
    "Base64",
    "Cidr",
    "FindInMap",
    "GetAZs",
    "ImportValue",
    "Join",
    "Select",
    "Split",
    "Sub",
    "Transform",
    "If",
    "Equals",
    "And",
    "Or",
    "Not",
    "Length",
    "ToJsonString",
];

/// Converts a parsed YAML document to JSON, expanding short-form tags.
pub fn to_json(yaml: Yaml) -> Result<Value> {
    Ok(match yaml {
        Yaml::Null => Value::Null,
        Yaml::Bool(b) => Value::Bool(b),
        Yaml::Number(n) => number(&n),
        Yaml::String(s) => Value::String(s),
        Yaml::Sequence(items) => {
            Value::Array(items.into_iter().map(to_json).collect::<Result<_>>()?)
        }
        Yaml::Mapping(mapping) => {
            let mut object = Map::new();
            for (key, value) in mapping {
                object.insert(key_string(&key)?, to_json(value)?);
            }
            Value::Object(object)
        }
        Yaml::Tagged(tagged) => short_form(&tagged.tag.to_string(), tagged.value)?,
    })
}

fn number(n: &serde_yaml::Number) -> Value {
    if let Some(i) = n.as_i64() {
        Value::Number(i.into())
    } else if let Some(u) = n.as_u64() {
        Value::Number(u.into())
    } else {
        // .inf and .nan have no JSON number: keep their YAML spelling.
        n.as_f64()
            .and_then(Number::from_f64)
            .map_or_else(|| Value::String(n.to_string()), Value::Number)
    }
}

fn key_string(key: &Yaml) -> Result<String> {
    match key {
        Yaml::String(s) => Ok(s.clone()),
        Yaml::Number(n) => Ok(n.to_string()),
        Yaml::Bool(b) => Ok(b.to_string()),
        Yaml::Null => Ok("null".to_string()),
        Yaml::Sequence(_) | Yaml::Mapping(_) | Yaml::Tagged(_) => {
            Err(TemplateError::format("YAML not well-formed."))
        }
    }
}

fn single(key: &str, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key.to_string(), value);
    Value::Object(object)
}

fn short_form(tag: &str, inner: Yaml) -> Result<Value> {
    let name = tag.strip_prefix('!').unwrap_or(tag);
    match name {
        "Ref" | "Condition" => Ok(single(name, to_json(inner)?)),
        // `!GetAtt Res.Attr` splits at the first dot: attribute names may hold dots themselves.
        "GetAtt" => Ok(single(
            "Fn::GetAtt",
            match inner {
                Yaml::String(s) => match s.split_once('.') {
                    Some((resource, attribute)) => Value::Array(vec![
                        Value::String(resource.to_string()),
                        Value::String(attribute.to_string()),
                    ]),
                    None => Value::Array(vec![Value::String(s)]),
                },
                other => to_json(other)?,
            },
        )),
        _ if FUNCTIONS.contains(&name) => Ok(single(&format!("Fn::{name}"), to_json(inner)?)),
        // YAML's own tags (`!!str`, `!!int`…) keep the value as it is.
        _ if name.starts_with("tag:yaml.org,2002:") || name.starts_with('!') => to_json(inner),
        _ => Err(TemplateError::format(format!(
            "YAML not well-formed. Unknown tag {tag}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn yaml(text: &str) -> Value {
        to_json(serde_yaml::from_str(text).unwrap()).unwrap()
    }

    #[test]
    fn every_short_form_becomes_its_long_form() {
        let doc = yaml(
            r#"
a: !Ref Bucket
b: !GetAtt Role.Arn
c: !GetAtt [Db, Endpoint.Address]
d: !GetAtt Db.Endpoint.Address
e: !Sub "arn:${AWS::Partition}:s3:::${Bucket}"
f: !Sub ["${X}-y", {X: !Ref P}]
g: !Join [",", [a, b]]
h: !Select [1, !Split [",", "a,b,c"]]
i: !If [IsProd, 5, !Ref AWS::NoValue]
j: !Equals [!Ref Env, prod]
k: !And [!Condition A, !Or [!Condition B, !Not [!Condition C]]]
l: !FindInMap [M, !Ref AWS::Region, Ami]
m: !Base64 hello
n: !GetAZs ""
o: !ImportValue Shared
p: !Cidr ["10.0.0.0/16", 4, 8]
"#,
        );
        assert_eq!(
            doc,
            json!({
                "a": {"Ref": "Bucket"},
                "b": {"Fn::GetAtt": ["Role", "Arn"]},
                "c": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
                "d": {"Fn::GetAtt": ["Db", "Endpoint.Address"]},
                "e": {"Fn::Sub": "arn:${AWS::Partition}:s3:::${Bucket}"},
                "f": {"Fn::Sub": ["${X}-y", {"X": {"Ref": "P"}}]},
                "g": {"Fn::Join": [",", ["a", "b"]]},
                "h": {"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]},
                "i": {"Fn::If": ["IsProd", 5, {"Ref": "AWS::NoValue"}]},
                "j": {"Fn::Equals": [{"Ref": "Env"}, "prod"]},
                "k": {"Fn::And": [{"Condition": "A"}, {"Fn::Or": [{"Condition": "B"}, {"Fn::Not": [{"Condition": "C"}]}]}]},
                "l": {"Fn::FindInMap": ["M", {"Ref": "AWS::Region"}, "Ami"]},
                "m": {"Fn::Base64": "hello"},
                "n": {"Fn::GetAZs": ""},
                "o": {"Fn::ImportValue": "Shared"},
                "p": {"Fn::Cidr": ["10.0.0.0/16", 4, 8]},
            })
        );
    }

    #[test]
    fn scalars_keys_and_yaml_tags() {
        let doc = yaml("80: !!str 8080\ntrue: 1.5\nnull: .inf\nv: 2010-09-09\n");
        assert_eq!(
            doc,
            json!({"80": "8080", "true": 1.5, "null": ".inf", "v": "2010-09-09"})
        );
    }

    #[test]
    fn unknown_tags_are_rejected() {
        let err = to_json(serde_yaml::from_str("a: !Foo x").unwrap()).unwrap_err();
        assert_eq!(
            err.message,
            "Template format error: YAML not well-formed. Unknown tag !Foo"
        );
    }
}
