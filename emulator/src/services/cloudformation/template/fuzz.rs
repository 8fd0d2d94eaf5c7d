//! Fuzzing: random template text (JSON and YAML, with short-form tags) and random intrinsic
//! function trees never panic; they parse, evaluate, or fail with a template error.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{json, Map, Value};

use super::*;

const NAMES: &[&str] = &[
    "A",
    "B",
    "P",
    "C",
    "AWS::Region",
    "AWS::NoValue",
    "M",
    "x.y",
    "",
];

const FUNCTIONS: &[&str] = &[
    "Ref",
    "Fn::GetAtt",
    "Fn::Sub",
    "Fn::Join",
    "Fn::Select",
    "Fn::Split",
    "Fn::If",
    "Fn::Equals",
    "Fn::And",
    "Fn::Or",
    "Fn::Not",
    "Fn::FindInMap",
    "Fn::Base64",
    "Fn::GetAZs",
    "Fn::ImportValue",
    "Fn::Cidr",
    "Condition",
    "Fn::Nope",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        proptest::sample::select(NAMES).prop_map(|s| json!(s)),
        "[a-zA-Z0-9${}!.:,/ -]{0,12}".prop_map(Value::String),
        Just(json!("10.0.0.0/16")),
    ]
}

/// Random JSON trees rich in intrinsic functions.
fn tree() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(5, 64, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            (proptest::sample::select(FUNCTIONS), inner.clone())
                .prop_map(|(f, args)| json!({ f: args })),
            (
                proptest::sample::select(FUNCTIONS),
                proptest::collection::vec(inner.clone(), 0..4)
            )
                .prop_map(|(f, args)| json!({ f: args })),
            proptest::collection::btree_map("[A-Za-z]{1,3}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn template_with(properties: Value, condition: Value) -> String {
    json!({
        "Parameters": {"P": {"Type": "String", "Default": "p,q"}},
        "Mappings": {"M": {"A": {"B": "v"}}},
        "Conditions": {"C": condition},
        "Resources": {
            "A": {"Type": "X", "Properties": {"V": properties}},
            "B": {"Type": "X"}
        },
        "Outputs": {"O": {"Value": {"Fn::GetAtt": ["B", "Arn"]}}}
    })
    .to_string()
}

fn evaluate_all(body: &str) {
    let Ok(template) = Template::parse(body) else {
        return;
    };
    let _ = template.summary();
    let _ = template.check_capabilities(&[]);
    let Ok(stack) = Instance::new(
        template,
        Pseudo::new("us-east-1", "s", "id"),
        &BTreeMap::new(),
    ) else {
        return;
    };
    let mut resources = KnownResources::default();
    resources.physical_ids.insert("B".into(), "b-1".into());
    resources
        .attributes
        .insert(("B".into(), "Arn".into()), json!("arn:b"));
    let exports = BTreeMap::from([("A".to_string(), "exported".to_string())]);
    for id in ["A", "B"] {
        if stack.is_active(id) {
            let _ = stack.properties(id, &resources, &exports);
        }
    }
    let _ = stack.outputs(&resources, &exports);
    let _ = stack.graph().creation_waves();
    let _ = stack.graph().deletion_waves();
}

proptest! {
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

    #[test]
    fn random_text_never_panics(text in "\\PC{0,200}") {
        let _ = Template::parse(&text);
    }

    #[test]
    fn random_yaml_with_tags_never_panics(
        lines in proptest::collection::vec(
            (0usize..3, "[A-Za-z]{1,4}", proptest::sample::select(vec![
                "", "!Ref A", "!GetAtt A.B", "!GetAtt [A, B]", "!Sub '${A}'", "!Join [',', [a]]",
                "!Select [0, [a]]", "!Split [',', 'a,b']", "!If [C, 1, 2]", "!Equals [a, b]",
                "!And [!Condition C, !Condition C]", "!Not [!Condition C]", "!FindInMap [M, A, B]",
                "!Base64 x", "!GetAZs ''", "!ImportValue x", "!Condition C", "!Cidr [10.0.0.0/16, 2, 8]",
                "!Foo x", "[", "{a: 1}", "- x", "&a x", "*a", "Type: X", "AWS::S3::Bucket",
            ])),
            0..12,
        )
    ) {
        let mut text = String::from("Resources:\n");
        for (indent, key, value) in lines {
            text.push_str(&format!("{}{key}: {value}\n", "  ".repeat(indent + 1)));
        }
        evaluate_all(&text);
    }

    #[test]
    fn random_intrinsic_trees_never_panic(properties in tree(), condition in tree()) {
        evaluate_all(&template_with(properties, condition));
    }

    #[test]
    fn random_trees_never_panic_when_evaluated(value in tree()) {
        let template = Template::parse(&template_with(json!(1), json!({"Fn::Equals": [1, 1]}))).unwrap();
        let stack = Instance::new(template, Pseudo::new("eu-west-1", "s", "id"), &BTreeMap::new()).unwrap();
        let _ = stack.evaluator(&NoResources, &NoExports, "Resources").evaluate(&value);
    }

    #[test]
    fn cidr_never_panics(block in "[0-9a-f:./]{0,24}", count in 0u32..300, bits in 0u32..140) {
        let _ = cidr(&block, count, bits);
    }
}
