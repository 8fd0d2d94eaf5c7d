use super::*;
use proptest::prelude::*;
use serde_json::json;

fn pattern(p: Value) -> Pattern {
    Pattern::from_value(&p).unwrap_or_else(|e| panic!("{p} should be valid: {e}"))
}

fn matches(p: Value, event: Value) -> bool {
    pattern(p).matches(&event)
}

fn refused(p: Value) -> String {
    match Pattern::from_value(&p) {
        Ok(_) => panic!("{p} should be refused"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn exact_strings_numbers_booleans_and_null() {
    let p = json!({"source": ["aws.ec2", "aws.fargate"]});
    assert!(matches(p.clone(), json!({"source": "aws.fargate"})));
    assert!(!matches(p.clone(), json!({"source": "aws.s3"})));
    assert!(!matches(p, json!({"other": "aws.ec2"})));
    // Numbers compare numerically; strings never equal numbers.
    assert!(matches(json!({"n": [300]}), json!({"n": 3.0e2})));
    assert!(!matches(json!({"n": [300]}), json!({"n": "300"})));
    assert!(!matches(json!({"n": ["300"]}), json!({"n": 300})));
    assert!(matches(json!({"b": [true]}), json!({"b": true})));
    assert!(!matches(json!({"b": [true]}), json!({"b": "true"})));
    // null matches a present null, never an absent field.
    assert!(matches(json!({"x": [null]}), json!({"x": null})));
    assert!(!matches(json!({"x": [null]}), json!({})));
    assert!(matches(json!({"x": [""]}), json!({"x": ""})));
    assert!(!matches(json!({"x": [""]}), json!({"x": null})));
}

#[test]
fn arrays_in_events_match_if_any_element_matches() {
    let p = json!({"resources": ["arn:a", "arn:b"]});
    assert!(matches(p.clone(), json!({"resources": ["arn:z", "arn:b"]})));
    assert!(!matches(p.clone(), json!({"resources": ["arn:z"]})));
    assert!(!matches(p, json!({"resources": []})));
    // Arrays of objects: fields must match within one element.
    let p = json!({"items": {"kind": ["a"], "size": [1]}});
    assert!(matches(
        p.clone(),
        json!({"items": [{"kind": "b", "size": 1}, {"kind": "a", "size": 1}]})
    ));
    assert!(!matches(
        p,
        json!({"items": [{"kind": "a", "size": 2}, {"kind": "b", "size": 1}]})
    ));
    // Nested arrays are flattened.
    assert!(matches(json!({"x": [3]}), json!({"x": [[1, 2], [3]]})));
}

#[test]
fn nested_objects_and_all_fields_required() {
    let p = json!({"source": ["s"], "detail": {"state": ["ok"], "deep": {"n": [1]}}});
    assert!(matches(
        p.clone(),
        json!({"source": "s", "detail": {"state": "ok", "deep": {"n": 1}, "x": 2}})
    ));
    assert!(!matches(
        p.clone(),
        json!({"source": "s", "detail": {"state": "ok"}})
    ));
    assert!(!matches(p.clone(), json!({"source": "s", "detail": "ok"})));
    // A leaf pattern never matches an object value.
    assert!(!matches(
        json!({"detail": ["x"]}),
        json!({"detail": {"a": "x"}})
    ));
}

#[test]
fn prefix_and_prefix_ignoring_case() {
    let p = json!({"time": [{"prefix": "2017-10-02"}]});
    assert!(matches(p.clone(), json!({"time": "2017-10-02T18:43:48Z"})));
    assert!(!matches(p.clone(), json!({"time": "2017-10-03T00:00:00Z"})));
    assert!(!matches(p, json!({"time": 2017})));
    let p = json!({"service": [{"prefix": {"equals-ignore-case": "EventB"}}]});
    assert!(matches(p.clone(), json!({"service": "eventbridge"})));
    assert!(matches(p.clone(), json!({"service": "EVENTBRIDGE"})));
    assert!(!matches(p, json!({"service": "lambda"})));
}

#[test]
fn suffix_and_suffix_ignoring_case() {
    let p = json!({"FileName": [{"suffix": ".png"}]});
    assert!(matches(p.clone(), json!({"FileName": "a.png"})));
    assert!(!matches(p.clone(), json!({"FileName": "a.PNG"})));
    assert!(!matches(p, json!({"FileName": "a.jpg"})));
    let p = json!({"FileName": [{"suffix": {"equals-ignore-case": ".png"}}]});
    assert!(matches(p.clone(), json!({"FileName": "a.PNG"})));
    assert!(!matches(p, json!({"FileName": "a.jpg"})));
}

#[test]
fn equals_ignore_case() {
    let p = json!({"name": [{"equals-ignore-case": "alice"}]});
    assert!(matches(p.clone(), json!({"name": "ALICE"})));
    assert!(matches(p.clone(), json!({"name": ["bob", "Alice"]})));
    assert!(!matches(p, json!({"name": "alicia"})));
}

#[test]
fn wildcard_matching_and_limits() {
    let p = json!({"path": [{"wildcard": "dir/*.png"}]});
    assert!(matches(p.clone(), json!({"path": "dir/a.png"})));
    assert!(matches(p.clone(), json!({"path": "dir/.png"})));
    assert!(matches(p.clone(), json!({"path": "dir/sub/b.png"})));
    assert!(!matches(p.clone(), json!({"path": "dir/a.jpg"})));
    assert!(!matches(p, json!({"path": "other/a.png"})));
    let p = json!({"x": [{"wildcard": "a*b*c"}]});
    assert!(matches(p.clone(), json!({"x": "abc"})));
    assert!(matches(p.clone(), json!({"x": "aXbYbZc"})));
    assert!(!matches(p, json!({"x": "acb"})));
    // Escapes: \* is a literal star.
    let p = json!({"x": [{"wildcard": "a\\*b"}]});
    assert!(matches(p.clone(), json!({"x": "a*b"})));
    assert!(!matches(p, json!({"x": "aXb"})));
    assert!(refused(json!({"x": [{"wildcard": "abc**def"}]}))
        .ends_with("Consecutive wildcard characters at pos 4"));
    assert!(refused(json!({"x": [{"wildcard": "a\\d"}]}))
        .ends_with("Invalid escape character at pos 2"));
    assert!(refused(json!({"x": [{"wildcard": "*a*b*c*d*e*"}]})).contains("Rule is too complex"));
    assert!(refused(json!({"x": [{"wildcard": 5}]}))
        .ends_with("wildcard match pattern must be a string"));
}

#[test]
fn anything_but_in_every_form() {
    let p = json!({"state": [{"anything-but": "initializing"}]});
    assert!(matches(p.clone(), json!({"state": "running"})));
    assert!(!matches(p.clone(), json!({"state": "initializing"})));
    // Absent fields match no anything-but.
    assert!(!matches(p.clone(), json!({})));
    // Arrays: any element outside the excluded set matches.
    assert!(matches(p, json!({"state": ["initializing", "running"]})));
    let p = json!({"state": [{"anything-but": ["stopped", "overloaded"]}]});
    assert!(matches(p.clone(), json!({"state": "running"})));
    assert!(!matches(p, json!({"state": "stopped"})));
    let p = json!({"n": [{"anything-but": [100, 200]}]});
    assert!(matches(p.clone(), json!({"n": 150})));
    assert!(!matches(p, json!({"n": 2e2})));
    let p = json!({"n": [{"anything-but": 5}]});
    assert!(!matches(p.clone(), json!({"n": 5})));
    assert!(matches(p, json!({"n": 6})));
    let p = json!({"r": [{"anything-but": {"prefix": "us-"}}]});
    assert!(matches(p.clone(), json!({"r": "eu-west-1"})));
    assert!(!matches(p, json!({"r": "us-east-1"})));
    let p = json!({"f": [{"anything-but": {"suffix": ".png"}}]});
    assert!(matches(p.clone(), json!({"f": "a.jpg"})));
    assert!(!matches(p, json!({"f": "a.png"})));
    let p = json!({"s": [{"anything-but": {"equals-ignore-case": ["Stopped", "x"]}}]});
    assert!(!matches(p.clone(), json!({"s": "STOPPED"})));
    assert!(matches(p, json!({"s": "running"})));
    let p = json!({"p": [{"anything-but": {"wildcard": "*/lib/*"}}]});
    assert!(matches(p.clone(), json!({"p": "/usr/bin/x"})));
    assert!(!matches(p, json!({"p": "/usr/lib/x"})));
}

#[test]
fn anything_but_refusals() {
    assert!(
        refused(json!({"a": [{"anything-but": ["a", 1]}]})).contains("mixed type is not supported")
    );
    assert!(refused(json!({"a": [{"anything-but": [null]}]})).contains("start|null|boolean"));
    assert!(refused(json!({"a": [{"anything-but": true}]}))
        .ends_with("Value of anything-but must be an array or single string/number value."));
    assert!(
        refused(json!({"a": [{"anything-but": {"numeric": [">", 1]}}]}))
            .ends_with("Unsupported anything-but pattern: numeric")
    );
    assert!(refused(json!({"a": [{"anything-but": {"prefix": ""}}]}))
        .ends_with("Null prefix/suffix not allowed"));
    assert!(refused(json!({"a": [{"anything-but": {"prefix": 1}}]}))
        .ends_with("prefix/suffix match pattern must be a string"));
}

#[test]
fn numeric_ranges() {
    let p = json!({"c": [{"numeric": [">", 0, "<=", 5]}]});
    assert!(matches(p.clone(), json!({"c": 5})));
    assert!(matches(p.clone(), json!({"c": 0.5})));
    assert!(!matches(p.clone(), json!({"c": 0})));
    assert!(!matches(p.clone(), json!({"c": 5.01})));
    assert!(!matches(p.clone(), json!({"c": "3"})));
    assert!(matches(p, json!({"c": [9, 3]})));
    assert!(matches(
        json!({"c": [{"numeric": ["=", 3.018e2]}]}),
        json!({"c": 301.8})
    ));
    assert!(matches(
        json!({"c": [{"numeric": ["<", 10]}]}),
        json!({"c": -4})
    ));
    assert!(!matches(
        json!({"c": [{"numeric": [">=", 10]}]}),
        json!({"c": 9.99})
    ));
    assert!(matches(
        json!({"c": [{"numeric": [">=", 10, "<", 20]}]}),
        json!({"c": 10})
    ));
    assert!(!matches(
        json!({"c": [{"numeric": [">=", 10, "<", 20]}]}),
        json!({"c": 20})
    ));
}

#[test]
fn numeric_refusals() {
    let reason = |p: Value| {
        refused(p)
            .strip_prefix("Event pattern is not valid. Reason: ")
            .map(str::to_string)
            .unwrap_or_default()
    };
    assert_eq!(
        reason(json!({"c": [{"numeric": 5}]})),
        "Value of numeric must be an array."
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": ["!", 5]}]})),
        "Unrecognized numeric range operator: !"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": ["=", "x"]}]})),
        "Value of equals must be numeric"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": ["<", 5, ">", 1]}]})),
        "Too many elements in numeric expression"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": [">", 5, ">", 1]}]})),
        "Bad numeric range operator: >"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": [">", 5, "<", 1]}]})),
        "Bottom must be less than top"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": [">", 1, "<", 5, 6]}]})),
        "Too many terms in numeric range expression"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": [">", 6e9]}]})),
        "Value must be between -5.0E9 and 5.0E9, inclusive"
    );
    assert_eq!(
        reason(json!({"c": [{"numeric": []}]})),
        "Invalid member in numeric match: ]"
    );
}

#[test]
fn cidr_ipv4_and_ipv6() {
    let p = json!({"ip": [{"cidr": "10.0.0.0/24"}]});
    assert!(matches(p.clone(), json!({"ip": "10.0.0.255"})));
    assert!(!matches(p.clone(), json!({"ip": "10.0.1.0"})));
    assert!(!matches(p.clone(), json!({"ip": "not an ip"})));
    assert!(!matches(p, json!({"ip": "::1"})));
    let p = json!({"ip": [{"cidr": "2001:db8::/32"}]});
    assert!(matches(p.clone(), json!({"ip": "2001:db8:1::5"})));
    assert!(!matches(p, json!({"ip": "2001:db9::1"})));
    assert!(matches(
        json!({"ip": [{"cidr": "0.0.0.0/0"}]}),
        json!({"ip": "8.8.8.8"})
    ));
    assert!(matches(
        json!({"ip": [{"cidr": "::/0"}]}),
        json!({"ip": "::1"})
    ));
    // A plain IP value matches other spellings of the same address.
    assert!(matches(
        json!({"ip": ["::1"]}),
        json!({"ip": "0:0:0:0:0:0:0:1"})
    ));
    assert!(refused(json!({"ip": [{"cidr": "10.0.0.0"}]}))
        .ends_with("Malformed CIDR, one '/' required"));
    assert!(
        refused(json!({"ip": [{"cidr": "10.0.0.0/x"}]})).ends_with("mask bits must be an integer")
    );
    assert!(
        refused(json!({"ip": [{"cidr": "10.0.0/8"}]})).ends_with("Nonstandard IP address: 10.0.0")
    );
    assert!(refused(json!({"ip": [{"cidr": "10.0.0.0/33"}]})).contains("mask bits"));
}

#[test]
fn exists_true_and_false() {
    let present = json!({"detail": {"c": [{"exists": true}]}});
    let absent = json!({"detail": {"c": [{"exists": false}]}});
    assert!(matches(present.clone(), json!({"detail": {"c": 0}})));
    assert!(matches(present.clone(), json!({"detail": {"c": null}})));
    assert!(!matches(present.clone(), json!({"detail": {}})));
    // Only leaves exist: an object or an empty array holds no value.
    assert!(!matches(
        present.clone(),
        json!({"detail": {"c": {"d": 1}}})
    ));
    assert!(!matches(present, json!({"detail": {"c": []}})));
    assert!(matches(absent.clone(), json!({"detail": {}})));
    assert!(matches(absent.clone(), json!({"source": "x"})));
    assert!(!matches(absent, json!({"detail": {"c": "x"}})));
    assert!(refused(json!({"c": [{"exists": "yes"}]}))
        .ends_with("exists match pattern must be either true or false."));
}

#[test]
fn or_alternatives() {
    let p = json!({
        "source": ["aws.cloudwatch"],
        "$or": [
            {"metricName": ["CPUUtilization"]},
            {"namespace": ["AWS/EC2"], "metricType": ["MetricType"]}
        ]
    });
    assert!(matches(
        p.clone(),
        json!({"source": "aws.cloudwatch", "metricName": "CPUUtilization"})
    ));
    assert!(matches(
        p.clone(),
        json!({"source": "aws.cloudwatch", "namespace": "AWS/EC2", "metricType": "MetricType"})
    ));
    assert!(!matches(
        p.clone(),
        json!({"source": "aws.cloudwatch", "namespace": "AWS/EC2"})
    ));
    assert!(!matches(
        p,
        json!({"source": "aws.s3", "metricName": "CPUUtilization"})
    ));
    let nested = json!({"detail": {"$or": [{"c": [{"numeric": [">", 0]}]}, {"d": [{"numeric": ["<", 10]}]}]}});
    assert!(matches(nested.clone(), json!({"detail": {"d": 3}})));
    assert!(!matches(nested, json!({"detail": {"d": 30}})));
    assert!(refused(json!({"$or": [{"a": ["x"]}]}))
        .ends_with("There must have at least 2 Objects in $or relationship."));
    assert!(
        refused(json!({"$or": {"a": ["x"]}})).ends_with("It must be an Array followed with $or.")
    );
    assert!(refused(json!({"$or": [{"a": ["x"]}, "b"]}))
        .ends_with("Only JSON object is allowed in array of $or relationship."));
    assert!(refused(json!({"$or": [{"a": ["x"]}, {"numeric": ["b"]}]}))
        .ends_with("numeric is Ruler reserved fieldName which cannot be used inside $or."));
}

#[test]
fn structural_refusals() {
    let reason = |text: &str| Pattern::parse(text).unwrap_err().to_string();
    assert_eq!(
        reason("[1]"),
        "Event pattern is not valid. Reason: Filter is not an object"
    );
    assert!(reason("{").starts_with("Event pattern is not valid. Reason: Filter is not valid JSON"));
    assert!(reason("{}").ends_with("Empty objects are not allowed"));
    assert!(reason(r#"{"a": {}}"#).ends_with("Empty objects are not allowed"));
    assert!(reason(r#"{"a": []}"#).ends_with("Empty arrays are not allowed"));
    assert!(reason(r#"{"a": "x"}"#).ends_with("\"a\" must be an object or an array"));
    assert!(reason(r#"{"a": [[1]]}"#)
        .ends_with("Match value must be String, number, true, false, or null"));
    assert!(reason(r#"{"a": [{}]}"#).ends_with("Match expression name not found"));
    assert!(reason(r#"{"a": [{"regex": "x"}]}"#).ends_with("Unrecognized match type regex"));
    assert!(reason(r#"{"a": [{"prefix": "x", "suffix": "y"}]}"#)
        .ends_with("Only one key allowed in match expression"));
    assert!(reason(r#"{"a": [{"prefix": 1}]}"#).ends_with("prefix match pattern must be a string"));
    assert!(reason(r#"{"a": [{"suffix": {"x": "y"}}]}"#).ends_with("Unsupported suffix pattern: x"));
    assert!(reason(r#"{"a": [{"equals-ignore-case": 1}]}"#)
        .ends_with("equals-ignore-case match pattern must be a string"));
}

/// A JSON value from a small vocabulary that reaches the parser's branches.
fn json_value() -> impl Strategy<Value = Value> {
    let names = prop_oneof![
        Just("prefix"),
        Just("suffix"),
        Just("anything-but"),
        Just("numeric"),
        Just("exists"),
        Just("cidr"),
        Just("wildcard"),
        Just("equals-ignore-case"),
        Just("$or"),
        Just("a"),
        Just("b"),
        Just("<"),
        Just(">="),
        Just("="),
    ]
    .prop_map(str::to_string);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
        "[a-z*\\\\./:0-9]{0,8}".prop_map(Value::String),
        names.clone().prop_map(Value::String),
        Just(json!("10.0.0.0/8")),
        Just(json!("::1")),
    ];
    leaf.prop_recursive(5, 48, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((names.clone(), inner), 0..4)
                .prop_map(|kvs| Value::Object(kvs.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(testkit::fuzz::config(testkit::fuzz::DEFAULT_CASES))]

    /// Random patterns and events: parsing and matching never panic.
    #[test]
    fn random_patterns_and_events_never_panic(p in json_value(), event in json_value()) {
        if let Ok(parsed) = Pattern::from_value(&p) {
            let _ = parsed.matches(&event);
        }
        let _ = Pattern::parse(&p.to_string());
    }

    /// Random text never panics the parser.
    #[test]
    fn random_text_never_panics(text in "[\\[\\]{}\",:a-z0-9*\\\\ .<>=-]{0,64}") {
        let _ = Pattern::parse(&text);
    }
}
