//! What the policy tables share: CSV text with `#` comments, a fixed header, kind names and a
//! province field where `*` means any province.

use crate::division::{Division, Level};

/// The province (or kind) field meaning "any".
pub(crate) const ANY: &str = "*";
/// The longest kind name accepted, in bytes.
const MAX_KIND_LEN: usize = 64;

/// Whether `kind` is a well-formed kind name: dot-separated segments of lowercase ASCII letters,
/// digits, `_` and `-`, e.g. `identification.village`.
pub(crate) fn is_valid_kind(kind: &str) -> bool {
    kind.len() <= MAX_KIND_LEN
        && kind.split('.').all(|segment| {
            !segment.is_empty()
                && segment.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

/// Parses a province field: `Some(None)` for `*`, `Some(Some(code))` for a 2-digit province code,
/// `None` for anything else.
pub(crate) fn parse_province(text: &str) -> Option<Option<Division>> {
    if text == ANY {
        return Some(None);
    }
    Division::parse(text).ok().filter(|d| d.level() == Level::Province).map(Some)
}

/// Opens CSV text with `#` comments and trimmed fields, checking the header row.
pub(crate) fn open_csv<'a>(text: &'a str, header: &[&str]) -> Result<csv::Reader<&'a [u8]>, TableProblem> {
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).trim(csv::Trim::All).from_reader(text.as_bytes());
    let headers = reader.headers().map_err(|e| TableProblem::Csv(e.to_string()))?;
    if headers != header {
        return Err(TableProblem::Header);
    }
    Ok(reader)
}

/// A parsing failure common to both tables, converted into each table's own error type.
pub(crate) enum TableProblem {
    Csv(String),
    Header,
}
