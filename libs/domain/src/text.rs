//! Free text people type — names, reasons, notes, remarks — as the system keeps it: trimmed, in
//! Unicode normalisation form C, and without the characters that make text lie about itself on a
//! screen or in a report: control characters (NUL, ANSI escapes, …), bidirectional overrides and
//! isolates (which display `exe.txt` for `txt.exe`), and zero-width characters (which make two
//! names that look the same differ). Prose (reasons, notes) may hold line breaks; names may not.
//!
//! And CSV cells the system writes: a cell starting with `=`, `+`, `-`, `@`, a tab or a carriage
//! return is a formula to a spreadsheet, so [`csv_cell`] puts a `'` before it.

use std::borrow::Cow;

use unicode_normalization::UnicodeNormalization;

use crate::Invalid;

/// What the text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A name or a short label: one line.
    Name,
    /// A reason, note or remark: line breaks allowed.
    Prose,
}

/// Why text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A control character (or a line break in a name).
    #[error("must not contain control characters (found U+{0:04X})")]
    Control(u32),
    /// A bidirectional override, embedding, isolate or mark.
    #[error("must not contain bidirectional formatting characters (found U+{0:04X})")]
    Bidi(u32),
    /// A zero-width character.
    #[error("must not contain zero-width characters (found U+{0:04X})")]
    ZeroWidth(u32),
}

/// Why `c` may not appear in text of `kind`, if it may not.
pub fn refusal(c: char, kind: Kind) -> Option<TextError> {
    let u = c as u32;
    match c {
        '\n' if kind == Kind::Prose => None,
        '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{180E}' => Some(TextError::ZeroWidth(u)),
        '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}' => {
            Some(TextError::Bidi(u))
        }
        c if c.is_control() => Some(TextError::Control(u)),
        // Line and paragraph separators break lines like a control character does.
        '\u{2028}' | '\u{2029}' => Some(TextError::Control(u)),
        _ => None,
    }
}

/// `text` trimmed and in NFC, or why it is refused.
pub fn clean(text: &str, kind: Kind) -> Result<String, TextError> {
    let nfc: String = text.trim().nfc().collect();
    match nfc.chars().find_map(|c| refusal(c, kind)) {
        Some(e) => Err(e),
        None => Ok(nfc),
    }
}

/// [`clean`], with a refusal recorded against `field` in `bad` (the text is then returned
/// trimmed and normalised all the same, for the other checks).
pub fn field(text: &str, kind: Kind, field: &str, bad: &mut Invalid) -> String {
    match clean(text, kind) {
        Ok(t) => t,
        Err(e) => {
            bad.push(field, e.to_string());
            text.trim().nfc().collect()
        }
    }
}

/// A cell of a CSV file the system writes, made inert for spreadsheets: a leading `=`, `+`,
/// `-`, `@`, tab or carriage return gets a `'` before it.
pub fn csv_cell(cell: &str) -> Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => Cow::Owned(format!("'{cell}")),
        _ => Cow::Borrowed(cell),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_trimmed_and_normalised_to_nfc() {
        // "é" as e + combining acute becomes the one precomposed character.
        assert_eq!(clean(" Jose\u{301} ", Kind::Name).unwrap(), "Jos\u{e9}");
        assert_eq!(clean("张三", Kind::Name).unwrap(), "张三");
        assert_eq!(clean("first line\nsecond", Kind::Prose).unwrap(), "first line\nsecond");
    }

    #[test]
    fn controls_bidi_and_zero_width_characters_are_refused() {
        assert_eq!(clean("a\u{0}b", Kind::Name), Err(TextError::Control(0)));
        assert_eq!(clean("\u{1b}[31mred", Kind::Prose), Err(TextError::Control(0x1b)));
        assert_eq!(clean("a\nb", Kind::Name), Err(TextError::Control(0x0a)));
        assert_eq!(clean("a\rb", Kind::Prose), Err(TextError::Control(0x0d)));
        assert_eq!(clean("a\u{2028}b", Kind::Prose), Err(TextError::Control(0x2028)));
        assert_eq!(clean("王\u{202E}五", Kind::Name), Err(TextError::Bidi(0x202e)));
        assert_eq!(clean("\u{2066}x\u{2069}", Kind::Prose), Err(TextError::Bidi(0x2066)));
        assert_eq!(clean("a\u{200F}", Kind::Name), Err(TextError::Bidi(0x200f)));
        assert_eq!(clean("李\u{200B}四", Kind::Name), Err(TextError::ZeroWidth(0x200b)));
        assert_eq!(clean("\u{FEFF}x", Kind::Name), Err(TextError::ZeroWidth(0xfeff)));
        assert_eq!(clean("a\u{2060}b", Kind::Prose), Err(TextError::ZeroWidth(0x2060)));
        assert!(clean("<script>", Kind::Name).is_ok(), "markup is escaped where it is shown, not refused");
    }

    #[test]
    fn a_refusal_names_its_field() {
        let mut bad = Invalid::new();
        assert_eq!(field(" 王\u{202E}五 ", Kind::Name, "members/0/name", &mut bad), "王\u{202E}五");
        assert_eq!(bad.0[0].field, "members/0/name");
        assert!(bad.0[0].message.contains("U+202E"), "{}", bad.0[0].message);
        let mut fine = Invalid::new();
        assert_eq!(field("王五", Kind::Name, "name", &mut fine), "王五");
        assert!(fine.is_empty());
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_are_neutralised() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(csv_cell(formula), format!("'{formula}"));
        }
        assert_eq!(csv_cell("household 3"), "household 3");
        assert_eq!(csv_cell(""), "");
        assert_eq!(csv_cell("a=b"), "a=b");
    }
}
