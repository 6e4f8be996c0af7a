//! Accounts: reading a division's account in the ledger (the centre's only for the central layer).

use chain_api::funding::{Account, AccountQuery};
use chain_api::{Principal, Problem};
use chain_domain::{Division, Jurisdiction, registry};

use crate::State;
use crate::error::Result;
use crate::ledger::{self, CENTRE};

fn hidden() -> Problem {
    Problem::not_found("account")
}

/// Reads a division's account; an account outside the caller's jurisdiction, or of a division the
/// registry does not know, is not found.
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
