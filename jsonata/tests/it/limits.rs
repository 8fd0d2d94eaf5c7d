//! Depth and time limits: hostile expressions end in an error, never a stack overflow or a hang.
//! Each runs on a thread with 2 MiB of stack, what test and async runtime threads have.

use std::time::Duration;

use jsonata::{Bindings, Expression, Limits, Options};
use serde_json::json;

fn on_small_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(f)
        .expect("thread")
        .join()
        .expect("no stack overflow")
}

fn outcome(src: String, limits: Limits) -> Result<Option<serde_json::Value>, jsonata::Error> {
    on_small_stack(move || {
        let e = Expression::parse(&src)?;
        e.evaluate_with(
            Some(&json!({"a": 1})),
            &Bindings::default(),
            &Options {
                limits,
                ..Options::default()
            },
        )
    })
}

#[test]
fn deep_brackets_are_a_parse_error() {
    for (open, close) in [
        ("(", ")"),
        ("[", "]"),
        ("{\"a\":", "}"),
        ("-", ""),
        ("$f(", ")"),
    ] {
        let src = format!("{}1{}", open.repeat(20_000), close.repeat(20_000));
        let e = outcome(src, Limits::default()).expect_err("too deep");
        assert_eq!(e.code, "U1001", "{open}: {e}");
    }
}

#[test]
fn long_operator_chains_are_a_parse_error() {
    for op in ["+", ".", " and ", "&", "~>$f", "[0]", "^(a)"] {
        let src = format!("1{}", format!("{op}1").repeat(50_000));
        let r = outcome(src, Limits::default());
        assert!(r.is_err(), "{op}: {r:?}");
    }
}

#[test]
fn moderate_nesting_evaluates() {
    let src = format!("{}1{}", "(".repeat(100), ")".repeat(100));
    assert_eq!(
        outcome(src, Limits::default()).expect("fine"),
        Some(json!(1))
    );
    let src = format!("0{}", "+1".repeat(200));
    assert_eq!(
        outcome(src, Limits::default()).expect("fine"),
        Some(json!(200))
    );
}

#[test]
fn unbounded_recursion_is_u1001() {
    let e = outcome(
        "($f := function($x){ 1 + $f($x) }; $f(1))".into(),
        Limits::default(),
    )
    .expect_err("recursion");
    assert_eq!(e.code, "U1001");
    let e = outcome(
        "($f := function($x){ [$f($x)] }; $f(1))".into(),
        Limits::default(),
    )
    .expect_err("recursion");
    assert_eq!(e.code, "U1001");
}

#[test]
fn infinite_tail_recursion_hits_the_time_limit() {
    let limits = Limits {
        max_time: Duration::from_millis(300),
        ..Limits::default()
    };
    let start = std::time::Instant::now();
    let e = outcome("($f := function($x){ $f($x + 1) }; $f(1))".into(), limits).expect_err("loop");
    assert_eq!(e.code, "U1001");
    assert!(start.elapsed() < Duration::from_secs(5));
}

#[test]
fn large_ranges_are_bounded() {
    let e = outcome("[1..100000000]".into(), Limits::default()).expect_err("too large");
    assert_eq!(e.code, "D2014");
}

#[test]
fn deep_tail_recursion_runs_in_constant_stack() {
    let src = "($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, $acc + 1) }; $f(100000, 0))"
        .to_string();
    assert_eq!(
        outcome(src, Limits::default()).expect("tail calls"),
        Some(json!(100000))
    );
}

#[test]
fn huge_requests_are_refused_not_attempted() {
    for src in ["$formatInteger(1e18, 'I')", "$pad('x', 1e12)"] {
        let e = outcome(src.into(), Limits::default()).expect_err("too large");
        assert_eq!(e.code, "U1001", "{src}");
    }
    let r = outcome("$fromMillis(0, '[Y,999999999]')".into(), Limits::default())
        .expect("bounded width");
    assert!(r
        .and_then(|v| v.as_str().map(str::len))
        .is_some_and(|n| n <= 64));
}

#[test]
fn values_cannot_nest_without_bound() {
    for src in [
        "$reduce([1..100000], function($a, $b){ {'x': $a} }, 0)",
        "$reduce([1..100000], function($a, $b){ [[$a]] }, 0)",
        "$reduce([1..100000], function($a, $b){ $zip($a) }, [0])",
    ] {
        let e = outcome(src.into(), Limits::default()).expect_err("too deep");
        assert_eq!(e.code, "U1001", "{src}");
    }
    let ok = outcome(
        "$reduce([1..100], function($a, $b){ {'x': $a} }, 0) ~> $type()".into(),
        Limits::default(),
    );
    assert_eq!(ok.expect("fine"), Some(json!("object")));
}

#[test]
fn catastrophic_regular_expressions_end_quickly_or_are_refused() {
    // Nested quantifiers that backtracking engines take exponential time on: a linear-time
    // answer here.
    let text = format!("{}b", "a".repeat(40));
    let src = format!("$match(\"{text}\", /(a+)+$/)");
    assert_eq!(outcome(src, Limits::default()).unwrap(), None);
    let src = format!("$contains(\"{}b\", /^(a|aa)+$/)", "a".repeat(100_000));
    assert_eq!(outcome(src, Limits::default()).unwrap(), Some(json!(false)));
    // A counted repetition whose program would take gigabytes is a parse error.
    let refused = Expression::parse("$match(\"a\", /a{10000}{10000}/)").unwrap_err();
    assert_eq!(refused.code, "S0303", "{refused}");
    assert!(refused.to_string().contains("size limit"), "{refused}");
}
