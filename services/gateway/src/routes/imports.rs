//! `/v1/imports`: bulk import of households from a county's registry file, as a long-running
//! operation. The upload is streamed to a temporary file (never buffered), answered `202` with
//! the operation, and read in the background; the operation is polled and its error report
//! downloaded as CSV. The file format is documented in [`crate::imports::households`].

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chain_api::imports::{FileKind, ImportErrorPage, ImportOperation, ReadImport, ReadImportErrors, StartImport};
use chain_api::verbs::identification::{IMPORT_ERRORS, IMPORT_GET, IMPORT_START, SERVICE};
use chain_api::{Problem, ProblemKind, Role};
use futures::StreamExt;
use tokio::io::AsyncWriteExt;

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Path, Query};
use crate::rest::{Problems, parse_id};

/// The media type of an Excel workbook.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
/// Largest file accepted: a million rows of a generous width.
const MAX_FILE: u64 = 2 * 1024 * 1024 * 1024;

/// An uploaded file: its bytes, as sent.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct UploadedFile(pub Vec<u8>);

/// How to read the upload.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
pub struct UploadParams {
    /// `csv` or `xlsx`; by default taken from the `Content-Type`.
    pub kind: Option<FileKind>,
    /// The file's name, for the operation and the audit trail (default `upload.csv` / `upload.xlsx`).
    pub file_name: Option<String>,
    /// The dynamic-adjustment campaign task every household of the file enters in (with `entry`).
    pub campaign_task_id: Option<uuid::Uuid>,
    /// Why the households enter the campaign: `new` or `returned_to_poverty`.
    pub entry: Option<chain_api::identification::Entry>,
    /// An `interrupted` import to continue: send the same file (same name, size and kind, and
    /// the same campaign parameters); reading resumes after the batches already applied.
    pub resume: Option<uuid::Uuid>,
}

/// Import households from a registry file (operator). One row per member; consecutive rows with
/// the same `household_ref` form one household; columns `household_ref, village, year, kind,
/// main_cause, other_causes, per_capita_income_fen, name, resident_id, relation` and optional
/// member details and household card columns. Each household is validated and registered exactly
/// like `POST /v1/households`; invalid households are reported per row.
#[utoipa::path(post, path = "/v1/imports", operation_id = "import_upload", tag = "identification",
    request_body(description = "The file: UTF-8 CSV (optional BOM) or an .xlsx workbook (first sheet)",
        content((UploadedFile = "text/csv"), (UploadedFile = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    params(UploadParams,
        ("Idempotency-Key" = Option<String>, Header, description = "A retried upload with the same key answers the first import")),
    responses((status = 202, description = "Accepted and `running`; poll `Location`", body = ImportOperation,
        headers(("Location" = String, description = "`/v1/imports/{id}`"))), Problems),
    security(("bearer" = [])))]
pub async fn upload(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<UploadParams>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiProblem> {
    if !p.has(Role::Operator) {
        return Err(Problem::forbidden("importing households needs the operator role").into());
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let kind = match (q.kind, content_type.split(';').next().unwrap_or_default().trim()) {
        (Some(k), _) => k,
        (None, "text/csv") => FileKind::Csv,
        (None, XLSX) => FileKind::Xlsx,
        _ => {
            return Err(Problem::new(
                ProblemKind::UnsupportedMediaType,
                format!("send text/csv or {XLSX}, or say ?kind=csv|xlsx"),
            )
            .into());
        }
    };
    let campaign = match (q.campaign_task_id, q.entry) {
        (Some(campaign_task_id), Some(entry)) => {
            Some(chain_api::identification::CampaignEntry { campaign_task_id, entry })
        }
        (None, None) => None,
        _ => return Err(Problem::invalid("entry", "a campaign import names both campaign_task_id and entry").into()),
    };
    let file_name = q
        .file_name
        .unwrap_or_else(|| if kind == FileKind::Csv { "upload.csv".to_owned() } else { "upload.xlsx".to_owned() });
    let path = std::env::temp_dir().join(format!("chain-import-{}", uuid::Uuid::now_v7()));
    let size = match save(body, &path).await {
        Ok(size) => size,
        Err(problem) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(problem.into());
        }
    };
    let idempotency_key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let start = StartImport { file_name, file_size: size as i64, kind, idempotency_key, resume: q.resume, campaign };
    let op: ImportOperation = match s.bus.request(SERVICE, IMPORT_START, &p, &start).await {
        Ok(op) => op,
        Err(problem) => {
            let _ = tokio::fs::remove_file(&path).await;
            return Err(problem.into());
        }
    };
    let mut resp = (StatusCode::ACCEPTED, axum::Json(&op)).into_response();
    if op.replayed {
        // A retry of an upload already accepted: the first import runs (or ran); nothing new starts.
        let _ = tokio::fs::remove_file(&path).await;
        resp.headers_mut().insert("idempotent-replayed", HeaderValue::from_static("true"));
    } else {
        let from = crate::imports::Position { rows: op.rows_read, batches: op.batches };
        // The import's batches belong to the flow of the upload that started it.
        let run = crate::imports::run(s.bus.clone(), p, op.id, path, kind, campaign, from);
        tokio::spawn(chain_bus::flow::caused_by(chain_bus::flow::current(), run));
    }
    if let Ok(location) = HeaderValue::from_str(&format!("/v1/imports/{}", op.id)) {
        resp.headers_mut().insert(header::LOCATION, location);
    }
    Ok(resp)
}

/// Streams the body to `path`, chunk by chunk.
async fn save(body: Body, path: &std::path::Path) -> Result<u64, Problem> {
    let mut file = tokio::fs::File::create(path).await.map_err(|e| {
        tracing::error!(error = %e, "cannot create the import's temporary file");
        Problem::internal()
    })?;
    let mut stream = body.into_data_stream();
    let mut size = 0u64;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| Problem::new(ProblemKind::BadRequest, "the upload was interrupted"))?;
        size += chunk.len() as u64;
        if size > MAX_FILE {
            return Err(Problem::invalid("body", "files up to 2 GiB are accepted"));
        }
        file.write_all(&chunk).await.map_err(|e| {
            tracing::error!(error = %e, "cannot write the import's temporary file");
            Problem::internal()
        })?;
    }
    file.flush().await.map_err(|_| Problem::internal())?;
    if size == 0 {
        return Err(Problem::invalid("body", "the file is empty"));
    }
    Ok(size)
}

/// Poll an import.
#[utoipa::path(get, path = "/v1/imports/{id}", operation_id = "import_get", tag = "identification",
    params(("id" = uuid::Uuid, Path, description = "Import id")),
    responses((status = 200, description = "The operation", body = ImportOperation), Problems),
    security(("bearer" = [])))]
pub async fn get(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "import")?;
    let op: ImportOperation = s.bus.request(SERVICE, IMPORT_GET, &p, &ReadImport { id }).await?;
    Ok(axum::Json(op).into_response())
}

/// Download an import's error report as CSV (`row,household_ref,field,message`, in file order;
/// resident IDs are never echoed).
#[utoipa::path(get, path = "/v1/imports/{id}/errors", operation_id = "import_errors", tag = "identification",
    params(("id" = uuid::Uuid, Path, description = "Import id")),
    responses((status = 200, description = "The report", body = String, content_type = "text/csv",
        headers(("Content-Disposition" = String, description = "`attachment; filename=\"errors.csv\"`"))), Problems),
    security(("bearer" = [])))]
pub async fn errors(State(s): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> Result<Response, ApiProblem> {
    let id = parse_id(&id, "import")?;
    // The first page is fetched before answering so a hidden import is a 404, not a broken stream.
    let first = page(&s, &p, id, None).await?;
    let header = csv_lines(&[["row", "household_ref", "field", "message"].map(str::to_owned)]);
    let rest = futures::stream::unfold(Some(first), move |state| {
        let (s, p) = (s.clone(), p.clone());
        async move {
            let current = state?;
            let lines = csv_lines(
                &current
                    .errors
                    .iter()
                    .map(|e| [e.row.to_string(), e.household_ref.clone(), e.field.clone(), e.message.clone()])
                    .collect::<Vec<_>>(),
            );
            let next = match current.next {
                Some(after) => match page(&s, &p, id, Some(after)).await {
                    Ok(next) => Some(next),
                    Err(problem) => {
                        tracing::error!(%problem, "an import's error report broke off");
                        None
                    }
                },
                None => None,
            };
            Some((Ok::<_, std::io::Error>(lines), next))
        }
    });
    let body = futures::stream::once(async move { Ok(header) }).chain(rest);
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
            (header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"errors.csv\"")),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

async fn page(
    s: &AppState,
    p: &chain_api::Principal,
    id: uuid::Uuid,
    after: Option<i64>,
) -> Result<ImportErrorPage, Problem> {
    s.bus.request(SERVICE, IMPORT_ERRORS, p, &ReadImportErrors { id, after, limit: 2000 }).await
}

/// CSV lines, each cell made inert for spreadsheets ([`chain_domain::csv_cell`]: a
/// `household_ref` from the county's file may start with `=`).
fn csv_lines(rows: &[[String; 4]]) -> Vec<u8> {
    let mut w = csv::Writer::from_writer(vec![]);
    for r in rows {
        let _ = w.write_record(r.iter().map(|cell| chain_domain::csv_cell(cell).into_owned()));
    }
    w.into_inner().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn report_cells_a_spreadsheet_would_run_are_neutralised() {
        let row = ["3", "=HYPERLINK(\"http://x\")", "name", "@cmd"].map(str::to_owned);
        let out = String::from_utf8(super::csv_lines(&[row])).unwrap();
        assert_eq!(out, "3,\"'=HYPERLINK(\"\"http://x\"\")\",name,'@cmd\n");
    }
}
