//! Reading the books: a division's accounts (the centre's only for the central layer), and the
//! recount of the whole ledger (the central layer only).

use chain_api::funding::{Account, AccountQuery, LedgerCheck};
use chain_api::{Principal, Problem};
use chain_domain::{Division, Jurisdiction, registry};
use serde::Deserialize;

use crate::State;
use crate::error::Result;
use crate::ledger::{self, CENTRE};

fn hidden() -> Problem {
    Problem::not_found("account")
}

/// Reads a division's accounts; an account outside the caller's jurisdiction, or of a division
/// the registry does not know, is not found.
pub async fn get(s: State, p: Principal, req: AccountQuery) -> Result<Account> {
    let key = if req.division == CENTRE {
        if p.jurisdiction != Jurisdiction::National {
            return Err(hidden().into());
        }
        CENTRE.to_owned()
    } else {
        let division = Division::parse(&req.division).map_err(|_| hidden())?;
        if !p.covers(&division) || !registry().exists(&division) {
            return Err(hidden().into());
        }
        division.to_string()
    };
    Ok(ledger::account(&s.db, &key).await?)
}

/// The body of `ledger.check`, which takes no input: an empty JSON object.
#[derive(Debug, Clone, Copy, Default, Deserialize)]
pub struct Empty {}

/// Checks that the whole ledger balances to the fen, recounted from its entries.
pub async fn check_ledger(s: State, p: Principal, _req: Empty) -> Result<LedgerCheck> {
    if p.jurisdiction != Jurisdiction::National {
        return Err(Problem::forbidden("only the central layer may check the whole ledger").into());
    }
    Ok(ledger::recount(&s.db).await?)
}
