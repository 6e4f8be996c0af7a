//! Reading a county's registry file row by row, never holding it in memory: CSV through the
//! `csv` crate's record reader, `.xlsx` through calamine's lazy cell reader (only the workbook's
//! shared-string table is held).

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use calamine::{Data, DataRef, Reader, Xlsx};
use chain_api::imports::FileKind;

/// A source of rows: the file's 1-based row number and its cells as text.
pub trait Rows {
    /// The next non-empty row, or `None` at the end of the file.
    fn next_row(&mut self) -> Result<Option<(i64, Vec<String>)>, String>;
}

/// Opens the file as the kind says.
pub fn open(path: &Path, kind: FileKind, mut f: impl FnMut(&mut dyn Rows) -> Result<(), String>) -> Result<(), String> {
    match kind {
        FileKind::Csv => {
            let file = File::open(path).map_err(|e| format!("cannot open the upload: {e}"))?;
            let mut rows = CsvRows {
                reader: csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(BufReader::new(file)),
                record: csv::StringRecord::new(),
                row: 0,
            };
            f(&mut rows)
        }
        FileKind::Xlsx => {
            let mut book: Xlsx<_> =
                calamine::open_workbook(path).map_err(|e| format!("not a readable .xlsx workbook: {e}"))?;
            let sheet = book.sheet_names().first().cloned().ok_or("the workbook has no sheet")?;
            let cells = book.worksheet_cells_reader(&sheet).map_err(|e| format!("cannot read sheet {sheet}: {e}"))?;
            let mut rows = XlsxRows { cells, pending: None, done: false };
            f(&mut rows)
        }
    }
}

struct CsvRows<R: std::io::Read> {
    reader: csv::Reader<R>,
    record: csv::StringRecord,
    row: i64,
}

impl<R: std::io::Read> Rows for CsvRows<R> {
    fn next_row(&mut self) -> Result<Option<(i64, Vec<String>)>, String> {
        loop {
            let more = self.reader.read_record(&mut self.record).map_err(|e| match e.kind() {
                csv::ErrorKind::Utf8 { .. } => format!("row {}: the file is not UTF-8", self.row + 1),
                _ => format!("row {}: {e}", self.row + 1),
            })?;
            if !more {
                return Ok(None);
            }
            self.row += 1;
            if self.record.iter().all(|c| c.trim().is_empty()) {
                continue;
            }
            let mut cells: Vec<String> = self.record.iter().map(str::to_owned).collect();
            if self.row == 1
                && let Some(first) = cells.first_mut()
            {
                *first = first.trim_start_matches('\u{feff}').to_owned();
            }
            return Ok(Some((self.row, cells)));
        }
    }
}

struct XlsxRows<'a, RS: std::io::Read + std::io::Seek> {
    cells: calamine::XlsxCellReader<'a, RS>,
    /// A cell read past the end of the previous row: (row, column, text).
    pending: Option<(u32, u32, String)>,
    done: bool,
}

impl<RS: std::io::Read + std::io::Seek> Rows for XlsxRows<'_, RS> {
    fn next_row(&mut self) -> Result<Option<(i64, Vec<String>)>, String> {
        loop {
            let mut current: Option<(u32, Vec<String>)> = None;
            let place = |row: u32, col: u32, text: String, current: &mut Option<(u32, Vec<String>)>| {
                let (_, cells) = current.get_or_insert_with(|| (row, vec![]));
                let col = col as usize;
                if cells.len() <= col {
                    cells.resize(col + 1, String::new());
                }
                cells[col] = text;
            };
            if let Some((row, col, text)) = self.pending.take() {
                place(row, col, text, &mut current);
            }
            while !self.done {
                match self.cells.next_cell().map_err(|e| format!("cannot read the sheet: {e}"))? {
                    None => self.done = true,
                    Some(cell) => {
                        let (row, col) = cell.get_position();
                        let text = text_of(cell.get_value());
                        if let Some((at, _)) = &current
                            && *at != row
                        {
                            self.pending = Some((row, col, text));
                            break;
                        }
                        place(row, col, text, &mut current);
                    }
                }
            }
            match current {
                None => return Ok(None),
                Some((_, cells)) if cells.iter().all(|c| c.trim().is_empty()) => continue,
                Some((row, cells)) => return Ok(Some((i64::from(row) + 1, cells))),
            }
        }
    }
}

fn text_of(v: &DataRef<'_>) -> String {
    match v {
        DataRef::Int(i) => i.to_string(),
        // Whole numbers typed into Excel arrive as floats; write them without a fraction.
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        // Beyond 15 digits a spreadsheet number has lost digits; show it as the spreadsheet does.
        DataRef::Float(f) if f.abs() >= 1e15 => format!("{f:E}"),
        DataRef::Float(f) => f.to_string(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::Empty => String::new(),
        other => Data::from(other.clone()).to_string(),
    }
}

/// Whether a cell held a number too long for a spreadsheet to keep exactly (shown as
/// `5.20624198001011E17`): an 18-digit ID typed into a number-formatted column.
pub fn is_rounded_number(text: &str) -> bool {
    text.contains('E') && text.parse::<f64>().is_ok_and(|f| f.abs() >= 1e15)
}
