//! What list and count verbs share: the division prefix a caller may read, the range of 12-digit
//! village codes under a prefix, and the page size.

use chain_api::{Principal, Problem};
use chain_domain::Division;

/// The village codes under `prefix`, inclusive: `prefix` padded with zeros and with nines to 12
/// digits.
pub fn range(prefix: &str) -> (String, String) {
    let pad = 12usize.saturating_sub(prefix.len());
    (format!("{prefix}{}", "0".repeat(pad)), format!("{prefix}{}", "9".repeat(pad)))
}

/// The prefix to read: the requested division intersected with the caller's jurisdiction, or
/// `None` when they do not overlap (the answer is then empty, revealing nothing).
pub fn scope(p: &Principal, division: Option<&str>) -> Result<Option<String>, Problem> {
    let asked = match division {
        Some(d) => Some(Division::parse(d).map_err(|e| Problem::invalid("division", e.to_string()))?),
        None => None,
    };
    let own = p.jurisdiction.division();
    Ok(match (own, asked) {
        (None, None) => Some(String::new()),
        (None, Some(a)) => Some(a.to_string()),
        (Some(j), None) => Some(j.to_string()),
        (Some(j), Some(a)) if j.contains(&a) => Some(a.to_string()),
        (Some(j), Some(a)) if a.contains(j) => Some(j.to_string()),
        _ => None,
    })
}

/// The page size: `default` when none is asked, else 1 to `max`.
pub fn limit(asked: Option<u64>, default: u64, max: u64) -> Result<u64, Problem> {
    match asked {
        None => Ok(default),
        Some(l) if (1..=max).contains(&l) => Ok(l),
        Some(_) => Err(Problem::invalid("limit", format!("must be between 1 and {max}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_prefix_covers_its_villages() {
        assert_eq!(range("520624"), ("520624000000".to_owned(), "520624999999".to_owned()));
        assert_eq!(range(""), ("000000000000".to_owned(), "999999999999".to_owned()));
    }
}
