//! The error report of an import: a refused household's refusals placed on the file's rows and
//! columns, and the rest of its rows refused with it.

use chain_api::Problem;
use chain_api::identification::Relation;
use chain_api::imports::{ImportedHousehold, RowError};
use chain_domain::Invalid;

use crate::error::{Error, Result};

/// A refusal of one household, to report on its rows; any other failure fails the whole batch.
pub fn refusal(e: Error) -> Result<Problem> {
    match e {
        Error::Refused(problem) if problem.status < 500 => Ok(problem),
        e => Err(e),
    }
}

/// Places a refusal's field errors (or, without any, its detail) on the file's rows and columns.
pub fn located(h: &ImportedHousehold, problem: &Problem) -> Vec<RowError> {
    if problem.errors.is_empty() {
        return vec![at(h, 0, "", problem.detail.as_deref().unwrap_or(&problem.title))];
    }
    problem.errors.iter().map(|e| locate(h, &e.field, &e.message)).collect()
}

/// Places the fields of an application that break the rules on the file's rows and columns.
pub fn located_fields(h: &ImportedHousehold, bad: &Invalid) -> Vec<RowError> {
    bad.0.iter().map(|v| locate(h, &v.field, &v.message)).collect()
}

fn locate(h: &ImportedHousehold, field: &str, message: &str) -> RowError {
    let parts: Vec<&str> = field.split('/').collect();
    let column = parts.iter().rev().find(|p| p.parse::<usize>().is_err()).copied().unwrap_or_default();
    match parts.as_slice() {
        ["members", i, ..] if i.parse::<usize>().is_ok() => at(h, i.parse().unwrap_or(0), column, message),
        ["members"] if message.contains("head") => at(h, 0, "relation", message),
        ["card", ..] => {
            let head = h
                .household
                .as_ref()
                .and_then(|r| r.members.iter().position(|m| m.relation == Relation::Head))
                .unwrap_or(0);
            at(h, head, column, message)
        }
        _ => at(h, 0, column, message),
    }
}

/// A report line on the row of the household's `member`-th member (its first row when there is
/// no such member).
pub fn at(h: &ImportedHousehold, member: usize, field: &str, message: &str) -> RowError {
    RowError {
        row: h.rows.get(member).or(h.rows.first()).copied().unwrap_or_default(),
        household_ref: h.household_ref.clone(),
        field: field.to_owned(),
        message: message.to_owned(),
    }
}

/// The report lines of a refused household: its errors, then every other row of it, refused
/// with the household.
pub fn refused(h: &ImportedHousehold, mut errors: Vec<RowError>) -> Vec<RowError> {
    let bad: Vec<i64> = {
        let mut b: Vec<i64> = errors.iter().map(|e| e.row).collect();
        b.sort_unstable();
        b.dedup();
        b
    };
    let listed = bad.iter().map(i64::to_string).collect::<Vec<_>>().join(", ");
    for row in h.rows.iter().filter(|r| !bad.contains(r)) {
        errors.push(RowError {
            row: *row,
            household_ref: h.household_ref.clone(),
            field: String::new(),
            message: format!("not registered: its household has errors in row {listed}"),
        });
    }
    errors.sort_by_key(|e| e.row);
    errors
}
