//! Paging of List operations by offset: one page of a list and where the next one starts,
//! and the opaque tokens that carry that offset (`nextToken`, `NextToken`). Each service keeps
//! its own token prefix and its own error for a token that is not one of its own.

use base64::Engine as _;

use crate::error::{AwsError, AwsResult};

/// The items from `start` on, at most `size` of them, and the offset of the next page when
/// the list goes on.
pub fn page<T>(items: Vec<T>, start: usize, size: usize) -> (Vec<T>, Option<usize>) {
    let total = items.len();
    let end = start.saturating_add(size).min(total);
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    (page, (end < total).then_some(end))
}

/// Tokens that stand for an offset: base64 of `<prefix><offset>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OffsetToken(pub &'static str);

impl OffsetToken {
    /// The token for `offset`.
    pub fn encode(self, offset: usize) -> String {
        base64::engine::general_purpose::STANDARD.encode(format!("{}{offset}", self.0))
    }

    /// The offset a token stands for, or `None` when it is not one of these tokens.
    pub fn decode(self, token: &str) -> Option<usize> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(token)
            .ok()?;
        String::from_utf8(bytes)
            .ok()?
            .strip_prefix(self.0)?
            .parse()
            .ok()
    }

    /// One page of `items`: from the offset `token` stands for (the start without one), at
    /// most `size` of them, and the token of the next page when the list goes on. A token
    /// that is not one of these is refused with the service's own error, `refused(token)`.
    pub fn page<T>(
        self,
        items: Vec<T>,
        token: Option<&str>,
        size: usize,
        refused: impl FnOnce(&str) -> AwsError,
    ) -> AwsResult<(Vec<T>, Option<String>)> {
        let start = match token {
            None => 0,
            Some(token) => self.decode(token).ok_or_else(|| refused(token))?,
        };
        let (page, next) = page(items, start, size);
        Ok((page, next.map(|offset| self.encode(offset))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_end_where_the_list_does() {
        assert_eq!(page(vec![1, 2, 3], 0, 2), (vec![1, 2], Some(2)));
        assert_eq!(page(vec![1, 2, 3], 2, 2), (vec![3], None));
        assert_eq!(page(vec![1, 2, 3], 9, 2), (vec![], None));
        assert_eq!(page(vec![1], 0, usize::MAX), (vec![1], None));
    }

    #[test]
    fn tokens_round_trip_and_strangers_are_refused() {
        let tokens = OffsetToken("p:");
        assert_eq!(tokens.decode(&tokens.encode(42)), Some(42));
        assert_eq!(OffsetToken("q:").decode(&tokens.encode(42)), None);
        assert_eq!(tokens.decode("not base64!"), None);
    }

    #[test]
    fn a_page_hands_on_a_token_and_refuses_a_stranger_with_the_services_error() {
        let tokens = OffsetToken("p:");
        let refused = |t: &str| AwsError::new("Bad", format!("no {t}"));
        let (first, next) = tokens.page(vec![1, 2, 3], None, 2, refused).unwrap();
        assert_eq!(first, vec![1, 2]);
        let (rest, end) = tokens
            .page(vec![1, 2, 3], next.as_deref(), 2, refused)
            .unwrap();
        assert_eq!((rest, end), (vec![3], None));
        let err = tokens.page(vec![1], Some("x"), 2, refused).unwrap_err();
        assert_eq!((err.code.as_str(), err.message.as_str()), ("Bad", "no x"));
    }
}
