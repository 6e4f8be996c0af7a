//! Reading the service's policy CSVs: `#` comment lines, a fixed header, trimmed fields.

/// The records of `text` under exactly `header`, each with its 1-based line number.
pub fn records(text: &str, header: &[&str]) -> Result<Vec<(u64, Vec<String>)>, String> {
    let mut reader = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .has_headers(true)
        .from_reader(text.as_bytes());
    let found = reader.headers().map_err(|e| e.to_string())?.clone();
    if found.iter().collect::<Vec<_>>() != header {
        return Err(format!("the header must be {}", header.join(",")));
    }
    let mut out = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| e.to_string())?;
        let line = record.position().map_or(0, |p| p.line());
        out.push((line, record.iter().map(str::to_owned).collect()));
    }
    Ok(out)
}

/// A whole number within `range`, or why not (naming the column).
pub fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    line: u64,
    column: &str,
    text: &str,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, String> {
    match text.parse::<T>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!("line {line}: {column} must be a whole number from {} to {}", range.start(), range.end())),
    }
}
