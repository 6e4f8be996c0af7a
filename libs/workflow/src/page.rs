//! Pages cut by size: a listing answers at most [`PAGE_BYTES`] of items on the bus, however many
//! its `limit` asked for, so that no answer nears the bus's payload.

use chain_api::limits::PAGE_BYTES;
use serde::Serialize;

/// How many of `items`, from the first, fit in a page of [`PAGE_BYTES`] as a JSON list; always at
/// least one, so a page that has items is never empty.
pub fn fitting<T: Serialize>(items: &[T]) -> usize {
    fitting_in(items, PAGE_BYTES)
}

fn fitting_in<T: Serialize>(items: &[T], budget: usize) -> usize {
    let mut used = 2;
    for (i, item) in items.iter().enumerate() {
        let len = serde_json::to_vec(item).map(|b| b.len()).unwrap_or(budget);
        used += len + 1;
        if used > budget && i > 0 {
            return i;
        }
    }
    items.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_stops_before_the_item_that_would_overflow_it() {
        let items = vec!["a".repeat(10); 10];
        // Each item is 12 bytes and a comma; the list's brackets take two.
        assert_eq!(fitting_in(&items, 2 + 13 * 3), 3);
        assert_eq!(fitting_in(&items, 2 + 13 * 3 - 1), 2);
        assert_eq!(fitting_in(&items, 10_000), 10);
        assert_eq!(fitting_in(&items, 1), 1, "never empty");
        assert_eq!(fitting_in::<String>(&[], 1), 0);
    }
}
