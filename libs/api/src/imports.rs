//! Bulk import of households from a county's registry file (CSV or .xlsx): the long-running
//! operation, its per-row error report, and the messages between the gateway (which reads the
//! file) and the identification service (which registers the households).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::identification::RegisterHousehold;

/// The kind of file delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    /// UTF-8 CSV with a header row (a byte-order mark is allowed).
    Csv,
    /// An Excel workbook; the first sheet is read.
    Xlsx,
}

/// Where an import is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// The file is being read and its households registered.
    Running,
    /// Every row was read; the counts are final (some households may still have been invalid).
    Succeeded,
    /// The file could not be read to the end (unreadable, no header, a missing column); the
    /// households of the batches already sent stay registered.
    Failed,
    /// No batch arrived for ten minutes: whoever was reading the file stopped (a gateway
    /// restart). The batches already applied stay; uploading the same file with
    /// `?resume=<id>` continues after them.
    Interrupted,
}

/// An import, polled until it is no longer `running`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ImportOperation {
    /// Public id.
    pub id: Uuid,
    /// Where it is.
    pub status: ImportStatus,
    /// The file's name as uploaded.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// Its kind.
    pub kind: FileKind,
    /// Data rows read so far (the header not counted).
    pub rows_read: i64,
    /// Households registered and in the identification procedure (`applied`).
    pub households_registered: i64,
    /// Households registered as suspected duplicates, filed for adjudication.
    pub households_suspected_duplicate: i64,
    /// Households refused; nothing of them was stored.
    pub households_invalid: i64,
    /// Rows of the refused households.
    pub rows_invalid: i64,
    /// Batches applied so far; a resumed import continues after them, at data row `rows_read + 1`.
    #[serde(default)]
    pub batches: i64,
    /// Why the import failed or was interrupted, if it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<String>,
    /// When the upload was accepted.
    pub started_at: DateTime<Utc>,
    /// When the last row was processed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<DateTime<Utc>>,
    /// True when this answer is an earlier import with the same `Idempotency-Key`, not a new one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replayed: bool,
}

/// One line of an import's error report. Never echoes a resident ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// 1-based line of the file (the header is row 1, so data starts at row 2).
    pub row: i64,
    /// The row's `household_ref`.
    pub household_ref: String,
    /// The column at fault; empty when the row is refused only because its household is.
    pub field: String,
    /// What is wrong.
    pub message: String,
}

/// `import.start`: the gateway has the file and begins reading it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartImport {
    /// The file's name.
    pub file_name: String,
    /// Its size in bytes.
    pub file_size: i64,
    /// Its kind.
    pub kind: FileKind,
    /// The upload's `Idempotency-Key`: a retry with the same key answers the first import.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
    /// An interrupted import of the same file to continue, instead of starting a new one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resume: Option<Uuid>,
    /// The dynamic-adjustment campaign every household of the file enters: checked before the
    /// import starts, so that an import into a campaign the caller cannot enter never runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<crate::identification::CampaignEntry>,
}

/// One household as read from the file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportedHousehold {
    /// The file's reference for it.
    pub household_ref: String,
    /// The file row of each member, in order (the first is the household's first row).
    pub rows: Vec<i64>,
    /// The application the rows make, when they could be read.
    pub household: Option<RegisterHousehold>,
    /// Cells that could not be read at all (a number that is not one, an unknown code).
    #[serde(default)]
    pub errors: Vec<RowError>,
}

/// `household.import-batch`: the next consecutive households of an import.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportBatch {
    /// The import.
    pub import_id: Uuid,
    /// 1, 2, 3, … — a batch is applied once, so a retried request changes nothing.
    pub seq: i64,
    /// Data rows this batch covers.
    pub rows: i64,
    /// The households.
    pub households: Vec<ImportedHousehold>,
}

/// `import.finish`: the file was read to its end, or could not be.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinishImport {
    /// The import.
    pub import_id: Uuid,
    /// Why reading stopped early, if it did.
    pub failure: Option<String>,
}

/// `import.get`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadImport {
    /// The import.
    pub id: Uuid,
}

/// `import.errors`: one page of the error report, in row order.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReadImportErrors {
    /// The import.
    pub id: Uuid,
    /// Continue after this cursor (from the previous page).
    pub after: Option<i64>,
    /// At most this many lines.
    pub limit: u32,
}

/// A page of the error report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImportErrorPage {
    /// The lines.
    pub errors: Vec<RowError>,
    /// Cursor of the next page, if there is one.
    pub next: Option<i64>,
}
