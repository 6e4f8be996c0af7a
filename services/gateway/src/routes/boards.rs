//! `GET /v1/notices?village=`: a village's public notice board — the identification procedure's
//! notices about its households, showing only what a posted notice shows (head's name, village,
//! household size, main cause), never resident IDs, phones, bank accounts or health data. The
//! board is public by nature, but the API stays authenticated: any official whose jurisdiction
//! covers the village may read it.

use axum::extract::State;
use chain_api::queries::{BoardNotice, BoardQuery};
use chain_api::verbs::identification::{BOARD_LIST, SERVICE};

use crate::AppState;
use crate::auth::Auth;
use crate::problem::{ApiProblem, Query};
use crate::rest::Problems;

/// The village's board: the notices up now (`state=open`, the default), or recent ones (`passed`, `all`), newest first.
#[utoipa::path(get, path = "/v1/notices", operation_id = "board_list", tag = "notices", params(BoardQuery),
    responses((status = 200, description = "Notices on the board", body = Vec<BoardNotice>), Problems),
    security(("bearer" = [])))]
pub async fn board(
    State(s): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<BoardQuery>,
) -> Result<axum::Json<Vec<BoardNotice>>, ApiProblem> {
    Ok(axum::Json(s.bus.request(SERVICE, BOARD_LIST, &p, &q).await?))
}
