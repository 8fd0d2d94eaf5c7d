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
