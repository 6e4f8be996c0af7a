//! What the policy tables share: CSV text with `#` comments, a fixed header, kind names, a
//! province field where `*` means any province, and whole numbers within a range.

use std::ops::RangeInclusive;

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

/// The data rows of a policy table: CSV text with `#` comments and trimmed fields under exactly
/// `header`, each row with its 1-based line in the text.
pub(crate) fn rows<'a>(
    text: &'a str,
    header: &[&str],
) -> Result<impl Iterator<Item = Result<(u64, csv::StringRecord), TableProblem>> + 'a, TableProblem> {
    Ok(open_csv(text, header)?.into_records().map(|record| {
        let record = record.map_err(|e| TableProblem::Csv(e.to_string()))?;
        Ok((record.position().map_or(0, |p| p.line()), record))
    }))
}

/// Parses a whole number within `range`; `None` for anything else.
pub(crate) fn whole_number(text: &str, range: RangeInclusive<u32>) -> Option<u32> {
    text.parse::<u32>().ok().filter(|n| range.contains(n))
}

/// A parsing failure common to both tables, converted into each table's own error type.
pub(crate) enum TableProblem {
    Csv(String),
    Header,
}
