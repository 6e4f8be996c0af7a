//! What officials write with a step: a required reason, an optional note, and the democratic
//! appraisal's votes.

use chain_api::identification::Appraisal;
use chain_domain::Invalid;
use chain_domain::text::{self, Kind};

/// Most characters a reason or a note may have.
pub const MAX_CHARS: usize = chain_api::limits::REMARK_CHARS;

/// A required reason, trimmed and normalised (see [`chain_domain::text`]): 1 to 2000 characters.
pub fn reason(given: &str) -> Result<String, Invalid> {
    let reason = text::clean(given, Kind::Prose).map_err(|e| Invalid::field("reason", e.to_string()))?;
    if reason.is_empty() || reason.chars().count() > MAX_CHARS {
        return Err(Invalid::field("reason", "1–2000 characters"));
    }
    Ok(reason)
}

/// An optional note, trimmed and normalised; `None` when empty, refused above 2000 characters.
pub fn note(given: Option<&str>) -> Result<Option<String>, Invalid> {
    let note = match given {
        Some(n) => text::clean(n, Kind::Prose).map_err(|e| Invalid::field("note", e.to_string()))?,
        None => return Ok(None),
    };
    if note.chars().count() > MAX_CHARS {
        return Err(Invalid::field("note", "at most 2000 characters"));
    }
    Ok(Some(note).filter(|n| !n.is_empty()))
}

/// `"; note"` after a step's own account, when a note was given.
pub fn suffix(note: Option<&str>) -> String {
    note.map(str::trim).filter(|n| !n.is_empty()).map(|n| format!("; {n}")).unwrap_or_default()
}

/// Whether the democratic appraisal put the household on the list (a majority of the votes cast),
/// once 1 to 10,000 votes were cast.
pub fn appraisal(a: &Appraisal) -> Result<bool, Invalid> {
    let cast = a.votes_for.saturating_add(a.votes_against);
    if cast == 0 || cast > 10_000 {
        return Err(Invalid::field("votes_for", "the votes cast (for + against) number 1 to 10000"));
    }
    Ok(a.votes_for > a.votes_against)
}

/// The appraisal's account in the audit chain, with the remark given.
pub fn appraisal_note(a: &Appraisal, remark: Option<&str>) -> String {
    format!("democratic appraisal: {} for, {} against{}", a.votes_for, a.votes_against, suffix(remark))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reason_is_required_and_a_note_is_bounded() {
        assert_eq!(reason("  found a job  ").unwrap(), "found a job");
        assert_eq!(reason(" ").unwrap_err().0[0].field, "reason");
        assert_eq!(note(Some("  ")).unwrap(), None);
        assert_eq!(note(Some(&"n".repeat(2001))).unwrap_err().0[0].field, "note");
        assert_eq!(reason("Jose\u{301}").unwrap(), "Jos\u{e9}");
        assert_eq!(reason("moved \u{202E}away").unwrap_err().0[0].field, "reason");
        assert_eq!(note(Some("a\u{200B}b")).unwrap_err().0[0].field, "note");
        assert_eq!(note(Some("line one\nline two")).unwrap().as_deref(), Some("line one\nline two"));
    }

    #[test]
    fn an_appraisal_passes_on_a_majority_of_the_votes_cast() {
        let votes = |f, a| Appraisal { votes_for: f, votes_against: a, note: None };
        assert!(appraisal(&votes(23, 2)).unwrap());
        assert!(!appraisal(&votes(2, 2)).unwrap());
        assert!(appraisal(&votes(0, 0)).is_err());
        assert_eq!(appraisal_note(&votes(23, 2), Some(" ok ")), "democratic appraisal: 23 for, 2 against; ok");
    }
}
