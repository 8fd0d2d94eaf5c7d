//! The public API and the AWS function set.

use std::sync::Arc;

use jsonata::{Bindings, Error, Expression, Limits, Options};
use serde_json::{json, Value};

fn aws() -> Options {
    Options {
        aws_functions: true,
        ..Options::default()
    }
}

fn eval(src: &str, input: Value) -> Result<Option<Value>, Error> {
    Expression::parse(src)?.evaluate(&input, &Bindings::default())
}

fn eval_aws(src: &str) -> Result<Option<Value>, Error> {
    Expression::parse(src)?.evaluate_with(None, &Bindings::default(), &aws())
}

#[test]
fn expressions_are_shareable() {
    fn assert_traits<T: Clone + Send + Sync + std::fmt::Debug + 'static>() {}
    assert_traits::<Expression>();
    let e = Arc::new(Expression::parse("a + 1").expect("parses"));
    let handles: Vec<_> = (0..4)
        .map(|i| {
            let e = e.clone();
            std::thread::spawn(move || {
                e.evaluate(&json!({"a": i}), &Bindings::default())
                    .expect("evaluates")
            })
        })
        .collect();
    let results: Vec<_> = handles
        .into_iter()
        .map(|h| h.join().expect("thread"))
        .collect();
    assert_eq!(
        results,
        vec![
            Some(json!(1)),
            Some(json!(2)),
            Some(json!(3)),
            Some(json!(4))
        ]
    );
}

#[test]
fn undefined_is_none_and_numbers_are_integers_when_integral() {
    assert_eq!(eval("nothing", json!({})).expect("ok"), None);
    assert_eq!(eval("2 * 3", json!(null)).expect("ok"), Some(json!(6)));
    assert_eq!(eval("7 / 2", json!(null)).expect("ok"), Some(json!(3.5)));
    assert_eq!(
        eval("[1, nothing, 2]", json!({})).expect("ok"),
        Some(json!([1, 2]))
    );
    assert_eq!(
        eval("{'a': nothing, 'b': 1}", json!({})).expect("ok"),
        Some(json!({"b": 1}))
    );
}

#[test]
fn bindings_and_host_functions() {
    let e = Expression::parse("$greet($name) & '!'").expect("parses");
    let mut b = Bindings::default();
    b.insert("name", json!("Ada"));
    b.insert_function(
        "greet",
        Some("<s:s>"),
        Arc::new(|args: &[Value]| {
            Ok(Some(json!(format!(
                "hello {}",
                args[0].as_str().unwrap_or_default()
            ))))
        }),
    );
    assert_eq!(
        e.evaluate(&json!(null), &b).expect("ok"),
        Some(json!("hello Ada!"))
    );
    b.insert("name", json!(3));
    assert_eq!(
        e.evaluate(&json!(null), &b).expect_err("signature").code,
        "T0410"
    );
}

#[test]
fn errors_carry_code_and_position() {
    let e = Expression::parse("1 +").expect_err("incomplete");
    assert_eq!(e.code, "S0207");
    let e = Expression::parse("a ! b").expect_err("unknown operator");
    assert_eq!(e.code, "S0204");
    assert!(e.position.is_some());
    let e = eval("'a' + 1", json!(null)).expect_err("type");
    assert_eq!(e.code, "T2001");
    assert!(e.to_string().starts_with("T2001: "));
}

#[test]
fn free_variables_exclude_locals_and_functions() {
    let e = Expression::parse("($x := $states.input.a; $map($list, function($v){ $v + $x + $y }))")
        .expect("parses");
    assert_eq!(
        e.variables(),
        vec!["list".to_string(), "states".to_string(), "y".to_string()]
    );
}

#[test]
fn limits_apply() {
    let e = Expression::parse("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(50))")
        .expect("parses");
    let tight = Limits {
        max_depth: 20,
        ..Limits::default()
    };
    assert_eq!(
        e.evaluate_with_limits(&json!(null), &Bindings::default(), &tight)
            .expect_err("too deep")
            .code,
        "U1001"
    );
    assert_eq!(
        e.evaluate(&json!(null), &Bindings::default())
            .expect("fine"),
        Some(json!(50))
    );
}

#[test]
fn aws_partition_and_range() {
    assert_eq!(
        eval_aws("$partition([1,2,3,4,5,6,7,8,9], 3)").expect("ok"),
        Some(json!([[1, 2, 3], [4, 5, 6], [7, 8, 9]]))
    );
    assert_eq!(
        eval_aws("$partition([0], 2)").expect("ok"),
        Some(json!([[0]]))
    );
    assert_eq!(
        eval_aws("$partition([0,1,2], 2)").expect("ok"),
        Some(json!([[0, 1], [2]]))
    );
    assert_eq!(
        eval_aws("$range(0, 10, 2)").expect("ok"),
        Some(json!([0, 2, 4, 6, 8, 10]))
    );
    assert_eq!(eval_aws("$range(1, 9, 9)").expect("ok"), Some(json!(1)));
    assert_eq!(
        eval_aws("$range(5, 1, -2)").expect("ok"),
        Some(json!([5, 3, 1]))
    );
}

#[test]
fn aws_hash() {
    let cases = [
        ("MD5", "900150983cd24fb0d6963f7d28e17f72"),
        ("SHA-1", "a9993e364706816aba3e25717850c26c9cd0d89d"),
        ("SHA-256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("SHA-384", "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"),
        (
            "SHA-512",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
    ];
    for (algo, digest) in cases {
        assert_eq!(
            eval_aws(&format!("$hash('abc', '{algo}')")).expect("ok"),
            Some(json!(digest)),
            "{algo}"
        );
    }
    let long = "x".repeat(200);
    assert_eq!(
        eval_aws(&format!("$hash('{long}', 'SHA-256')"))
            .expect("ok")
            .map(|v| v.as_str().map(str::len)),
        Some(Some(64))
    );
}

#[test]
fn aws_random_uuid_parse() {
    let a = eval_aws("$random(42)").expect("ok");
    assert_eq!(a, eval_aws("$random(42)").expect("ok"));
    let n = a.and_then(|v| v.as_f64()).expect("number");
    assert!((0.0..1.0).contains(&n));
    let u = eval_aws("$uuid()").expect("ok").expect("string");
    let u = u.as_str().expect("string");
    assert_eq!(u.len(), 36);
    assert_eq!(&u[14..15], "4");
    assert_eq!(
        eval_aws("$parse('{\"a\": [1, 2]}')").expect("ok"),
        Some(json!({"a": [1, 2]}))
    );
    assert_eq!(eval_aws("$parse('-0')").expect("ok"), Some(json!(0)));
    assert!(eval_aws("$parse('{')").is_err());
}

#[test]
fn eval_is_unavailable_in_the_aws_set() {
    assert_eq!(
        eval_aws("$eval('1 + 1')").expect_err("no $eval").code,
        "T1006"
    );
    assert_eq!(
        eval("$eval('1 + 1')", json!(null)).expect("standard set"),
        Some(json!(2))
    );
    // The AWS additions are not in the standard set.
    assert_eq!(
        eval("$partition([1], 1)", json!(null))
            .expect_err("not standard")
            .code,
        "T1006"
    );
}

#[test]
fn conformance_expressions_parse() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/conformance/cases");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        println!(
            "conformance expressions: skipped: {} not found",
            dir.display()
        );
        return;
    };
    fn walk(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::String(s) => {
                let t = s.trim();
                if t.len() >= 4 && t.starts_with("{%") && t.ends_with("%}") {
                    out.push(t[2..t.len() - 2].to_string());
                }
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
            Value::Object(o) => o.values().for_each(|x| walk(x, out)),
            _ => {}
        }
    }
    let mut exprs = Vec::new();
    for e in entries.flatten() {
        let text = std::fs::read_to_string(e.path()).unwrap_or_default();
        if let Ok(v) = serde_json::from_str::<Value>(&text) {
            walk(&v["definition"], &mut exprs);
        }
    }
    exprs.sort();
    exprs.dedup();
    let failed: Vec<_> = exprs
        .iter()
        .filter(|e| Expression::parse(e).is_err())
        .collect();
    println!(
        "conformance expressions: {}/{} parse",
        exprs.len() - failed.len(),
        exprs.len()
    );
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn recursive_functions_do_not_leak() {
    // A recursive closure is held by the frame it captures; evaluation clears such frames.
    struct Probe(Arc<()>);
    let probe = Probe(Arc::new(()));
    let weak = Arc::downgrade(&probe.0);
    let mut b = Bindings::default();
    let held = probe.0.clone();
    b.insert_function(
        "probe",
        None,
        Arc::new(move |_: &[Value]| Ok(Some(json!(Arc::strong_count(&held))))),
    );
    drop(probe);
    // `$p` lives in the block's frame, which the recursive `$f` captures: a cycle until cleared.
    let e = Expression::parse(
        "($p := $probe; $f := function($n){ $n = 0 ? $p() : $f($n - 1) }; $f(3))",
    )
    .expect("parses");
    assert!(e.evaluate(&json!(null), &b).expect("ok").is_some());
    drop(b);
    assert!(weak.upgrade().is_none(), "the bindings' function was freed");
}

#[test]
fn aws_grammar_is_jsonata_2_0() {
    assert!(Expression::parse("a ?? 1").is_ok());
    assert!(Expression::parse("a ?: 1").is_ok());
    for src in ["a ?? 1", "a ?: 1"] {
        assert_eq!(
            Expression::parse_with(src, &aws())
                .expect_err("2.1 syntax")
                .code,
            "S0211",
            "{src}"
        );
    }
    assert!(Expression::parse_with("a ? b : c", &aws()).is_ok());
}
