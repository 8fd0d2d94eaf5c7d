//! `maxResults` / `nextToken` paging, shared by every List operation and GetExecutionHistory.
//! A token is the opaque position of the next item; a token that is not one of ours is
//! `InvalidToken`, and one from a shorter list simply ends the listing.

use serde_json::{json, Value};

use crate::error::{AwsError, AwsResult};
use crate::protocol::pagination::OffsetToken;
use crate::protocol::validation::{constraint, rule};

/// Step Functions' page tokens.
const TOKENS: OffsetToken = OffsetToken("sfn-page:");

/// The largest page any Step Functions List operation returns.
pub const MAX_PAGE: usize = 1000;

/// The page size a request asks for: `maxResults` absent or 0 means `default`; above
/// [`MAX_PAGE`] (or negative) is a ValidationException.
pub fn page_size(max_results: Option<i64>, default: usize) -> AwsResult<usize> {
    match max_results {
        None | Some(0) => Ok(default),
        Some(n) if (1..=MAX_PAGE as i64).contains(&n) => Ok(n as usize),
        Some(n) => Err(constraint(
            "maxResults",
            &n.to_string(),
            &if n < 0 {
                rule::min_value(0)
            } else {
                rule::max_value(MAX_PAGE)
            },
        )),
    }
}

/// The position a `nextToken` stands for (0 without one).
pub fn position(next_token: Option<&str>) -> AwsResult<usize> {
    let Some(token) = next_token else {
        return Ok(0);
    };
    TOKENS.decode(token).ok_or_else(|| invalid_token(token))
}

/// `InvalidToken`: a `nextToken` that is not one of ours.
fn invalid_token(token: &str) -> AwsError {
    AwsError::new("InvalidToken", format!("Invalid Token: '{token}'"))
}

/// The token for position `n`.
pub fn token(n: usize) -> String {
    TOKENS.encode(n)
}

/// One page of `items`: the items from the token's position, at most `size` of them, and the
/// token of the next page when there is more.
pub fn page<T>(
    items: Vec<T>,
    size: usize,
    next_token: Option<&str>,
) -> AwsResult<(Vec<T>, Option<String>)> {
    TOKENS.page(items, next_token, size, invalid_token)
}

/// A List operation's reply: the [`page`] of `items` under `member`, with the next page's
/// `nextToken` when there is more.
pub fn reply(
    items: Vec<Value>,
    size: usize,
    next_token: Option<&str>,
    member: &str,
) -> AwsResult<Value> {
    let (items, next) = page(items, size, next_token)?;
    let mut reply = json!({ member: items });
    if let Some(token) = next {
        reply["nextToken"] = json!(token);
    }
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_tokens_to_the_end() {
        let items: Vec<u32> = (0..25).collect();
        let (first, next) = page(items.clone(), 10, None).unwrap();
        assert_eq!(first, (0..10).collect::<Vec<_>>());
        let (second, next) = page(items.clone(), 10, next.as_deref()).unwrap();
        assert_eq!(second[0], 10);
        let (third, next) = page(items, 10, next.as_deref()).unwrap();
        assert_eq!(third.len(), 5);
        assert_eq!(next, None);
    }

    #[test]
    fn bad_sizes_and_tokens_are_refused_like_aws() {
        assert_eq!(page_size(None, 100).unwrap(), 100);
        assert_eq!(page_size(Some(0), 100).unwrap(), 100);
        assert_eq!(page_size(Some(1000), 100).unwrap(), 1000);
        assert_eq!(
            page_size(Some(1001), 100).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(
            page_size(Some(-1), 100).unwrap_err().code,
            "ValidationException"
        );
        assert_eq!(position(Some("garbage!")).unwrap_err().code, "InvalidToken");
        assert_eq!(position(Some(&token(7))).unwrap(), 7);
    }
}
