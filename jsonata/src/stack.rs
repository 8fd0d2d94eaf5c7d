//! Room on the stack for recursion: the parser and the evaluator recurse once per nesting
//! level, and a thread's stack (2 MiB for tests and async workers) would otherwise bound how
//! deep an expression can go, differently in each build profile.

/// Below this much stack left, a new segment is allocated before recursing.
const RED_ZONE: usize = 128 * 1024;
/// The size of each new segment.
const SEGMENT: usize = 2 * 1024 * 1024;

/// Runs `f` with at least [`RED_ZONE`] of stack available.
pub(crate) fn grown<T>(f: impl FnOnce() -> T) -> T {
    stacker::maybe_grow(RED_ZONE, SEGMENT, f)
}
