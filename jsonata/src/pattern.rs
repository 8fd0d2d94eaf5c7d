//! Every regular expression the evaluator compiles goes through here, with bounds on what it
//! may cost. The `regex` crate matches in time linear in the text (no backtracking, so no
//! catastrophic patterns); what is left to bound is the size of the compiled program, which a
//! counted repetition like `a{10000}{10000}` multiplies.

use regex::{Regex, RegexBuilder};

/// The most heap a compiled pattern may take (the crate's default is 10 MiB).
const PROGRAM_BYTES: usize = 1 << 20;
/// The most heap the lazy DFA may cache while matching one pattern.
const DFA_BYTES: usize = 1 << 20;

/// Compiles `pattern` within the bounds; a pattern too big fails like an invalid one.
pub(crate) fn compile(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern)
        .size_limit(PROGRAM_BYTES)
        .dfa_size_limit(DFA_BYTES)
        .build()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_counted_repetitions_are_refused_and_nested_quantifiers_match_in_linear_time() {
        let refused = compile("a{10000}{10000}").unwrap_err();
        assert!(
            matches!(refused, regex::Error::CompiledTooBig(_)),
            "{refused}"
        );
        let nested = compile("(a+)+$").unwrap();
        let text = format!("{}b", "a".repeat(40));
        assert!(!nested.is_match(&text));
        let long = format!("{}b", "a".repeat(100_000));
        assert!(!nested.is_match(&long));
    }
}
