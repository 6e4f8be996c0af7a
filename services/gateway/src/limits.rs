//! The limits the services enforce, stated in the document: each row names a schema property or
//! an operation's parameter and the [`chain_api::limits`] constant that bounds it. The validators
//! check against the same constants, so the document cannot promise more or less than they accept.
//! (A derive attribute such as `#[schema(max_length = …)]` takes only a literal, hence the table.)

use chain_api::limits::{self as l, page};
use utoipa::Number;
use utoipa::openapi::schema::{ArrayItems, Schema};
use utoipa::openapi::{OpenApi, RefOr};

/// A bound on a value.
#[derive(Debug, Clone, Copy)]
pub enum Bound {
    /// A string of `min..=max` characters.
    Chars(usize, usize),
    /// A list of `min..=max` items.
    Items(usize, usize),
    /// A list of `min..=max` distinct items.
    Distinct(usize, usize),
    /// An integer of at least `min` (and at most `max`).
    Int(i64, Option<i64>),
    /// Any JSON of at most `bytes` bytes as compact JSON, nested at most `depth` deep (JSON Schema
    /// has no keyword for either, so the bound is stated in the description).
    Json { bytes: usize, depth: usize },
}

/// `(schema, property, bound)`: the bounded properties of request bodies.
pub const PROPERTIES: &[(&str, &str, Bound)] = &[
    ("RegisterHousehold", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("RegisterHousehold", "members", Bound::Items(1, l::MAX_MEMBERS)),
    // Fen counts no rule caps are bounded by what a 64-bit count holds.
    ("RegisterHousehold", "per_capita_income_fen", Bound::Int(0, Some(i64::MAX))),
    ("Income", "wages_fen", Bound::Int(0, Some(l::MAX_INCOME_FEN))),
    ("Income", "business_fen", Bound::Int(0, Some(l::MAX_INCOME_FEN))),
    ("Income", "transfers_fen", Bound::Int(0, Some(l::MAX_INCOME_FEN))),
    ("Income", "property_fen", Bound::Int(0, Some(l::MAX_INCOME_FEN))),
    ("Income", "production_costs_fen", Bound::Int(0, Some(l::MAX_INCOME_FEN))),
    ("OpenMonitoringCase", "per_capita_income_fen", Bound::Int(0, Some(i64::MAX))),
    ("OpenMonitoringCase", "previous_income_fen", Bound::Int(0, Some(i64::MAX))),
    ("OpenMonitoringCase", "rigid_spending_fen", Bound::Int(0, Some(i64::MAX))),
    ("ProposeExit", "per_capita_income_fen", Bound::Int(0, Some(i64::MAX))),
    ("RemoveRisk", "per_capita_income_fen", Bound::Int(0, Some(i64::MAX))),
    ("RegisterHousehold", "other_causes", Bound::Distinct(0, chain_domain::cause::MAX_OTHERS)),
    ("MemberInput", "name", Bound::Chars(1, l::NAME_CHARS)),
    ("MemberDetails", "ethnicity", Bound::Chars(1, l::ETHNICITY_CHARS)),
    ("MemberDetails", "migrant_work_months", Bound::Int(0, Some(l::MONTHS))),
    ("Housing", "area_m2", Bound::Int(1, Some(l::MAX_AREA_M2))),
    ("Housing", "built_year", Bound::Int(l::FIRST_BUILT_YEAR, None)),
    ("CardInput", "distance_to_market_km", Bound::Int(0, Some(l::MAX_MARKET_KM))),
    ("BankAccountInput", "bank", Bound::Chars(1, l::UNIT_CHARS)),
    ("BankAccountInput", "number", Bound::Chars(l::BANK_NUMBER_MIN_DIGITS, l::BANK_NUMBER_MAX_DIGITS)),
    ("AssignHelper", "name", Bound::Chars(1, l::NAME_CHARS)),
    ("AssignHelper", "unit", Bound::Chars(1, l::UNIT_CHARS)),
    ("AssignHelper", "phone", Bound::Chars(l::PHONE_MIN_CHARS, l::PHONE_MAX_CHARS)),
    ("ProposeRemoval", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("Rejection", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("Adjudicate", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("DataMatch", "note", Bound::Chars(0, l::REMARK_CHARS)),
    ("SetCountyQuota", "total", Bound::Int(0, Some(l::MAX_PLACES))),
    ("SetCountyQuota", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("SetVillageQuotas", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("OpenMonitoringCase", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("OpenMonitoringCase", "head_name", Bound::Chars(1, l::NAME_CHARS)),
    ("HomeVisit", "note", Bound::Chars(0, l::REMARK_CHARS)),
    ("Consent", "note", Bound::Chars(0, l::REMARK_CHARS)),
    ("MonitoringDecision", "note", Bound::Chars(0, l::REMARK_CHARS)),
    ("RemoveRisk", "note", Bound::Chars(0, l::REMARK_CHARS)),
    ("NewMeasure", "description", Bound::Chars(1, l::MEASURE_CHARS)),
    ("Reason", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("CreatePlan", "wishes", Bound::Chars(1, l::REMARK_CHARS)),
    ("CreatePlan", "measures", Bound::Items(1, l::PLAN_MEASURES)),
    ("CreatePlan", "justification", Bound::Chars(1, l::REMARK_CHARS)),
    ("RevisePlan", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("RevisePlan", "wishes", Bound::Chars(1, l::REMARK_CHARS)),
    ("RevisePlan", "measures", Bound::Items(1, l::PLAN_MEASURES)),
    ("RevisePlan", "justification", Bound::Chars(1, l::REMARK_CHARS)),
    ("MeasureDraft", "description", Bound::Chars(1, l::MEASURE_CHARS)),
    ("MeasureDraft", "responsible", Bound::Chars(1, l::NAME_CHARS)),
    ("MeasureDraft", "budget_fen", Bound::Int(0, Some(l::MAX_AMOUNT_FEN))),
    ("MeasureDraft", "expected_income_fen", Bound::Int(0, Some(l::MAX_INCOME_FEN))),
    ("MeasureDraft", "milestones", Bound::Items(1, l::PLAN_MILESTONES)),
    ("MilestoneDraft", "what", Bound::Chars(1, l::MILESTONE_CHARS)),
    ("AcknowledgePlan", "by", Bound::Chars(1, l::NAME_CHARS)),
    ("ReportMilestone", "note", Bound::Chars(1, l::REMARK_CHARS)),
    ("CreateAllocation", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("CreateAllocation", "amount_fen", Bound::Int(1, Some(l::MAX_AMOUNT_FEN))),
    ("CreateAllocation", "fund", Bound::Chars(1, l::FUND_CHARS)),
    ("CreateAllocation", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("CreateAllocationPlan", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("CreateAllocationPlan", "total_fen", Bound::Int(1, Some(l::MAX_AMOUNT_FEN))),
    ("CreateAllocationPlan", "fund", Bound::Chars(1, l::FUND_CHARS)),
    ("CreateAllocationPlan", "hand_set", Bound::Items(0, l::HAND_SET_LINES)),
    ("HandSet", "amount_fen", Bound::Int(0, Some(l::MAX_AMOUNT_FEN))),
    ("HandSet", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("CreateDisbursement", "amount_fen", Bound::Int(1, Some(l::MAX_AMOUNT_FEN))),
    ("CreateDisbursement", "purpose", Bound::Chars(1, l::PURPOSE_CHARS)),
    ("Acknowledge", "acknowledged_by", Bound::Chars(1, l::NAME_CHARS)),
    ("IssueDirective", "kind", Bound::Chars(1, l::KIND_CHARS)),
    ("IssueDirective", "title", Bound::Chars(1, l::TITLE_CHARS)),
    ("IssueDirective", "body", Bound::Json { bytes: l::BODY_BYTES, depth: l::BODY_DEPTH }),
    ("IssueDirective", "notice_kind", Bound::Chars(1, l::KIND_CHARS)),
    ("Targets", "divisions", Bound::Items(1, l::TARGET_DIVISIONS)),
    ("StepNote", "reason", Bound::Chars(0, l::REMARK_CHARS)),
    ("LodgeObjection", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("LodgeObjection", "lodged_for", Bound::Chars(1, l::ON_BEHALF_CHARS)),
    ("ResolveObjection", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("NewSchedule", "kind", Bound::Chars(1, l::KIND_CHARS)),
    ("NewSchedule", "title", Bound::Chars(1, l::SCHEDULE_TITLE_CHARS)),
    ("NewSchedule", "due_days", Bound::Int(1, Some(l::MAX_DUE_DAYS as i64))),
    ("IssueDirective", "required_approvals", Bound::Int(1, Some(l::MAX_APPROVALS as i64))),
    ("AssignMember", "name", Bound::Chars(1, l::NAME_CHARS)),
    ("AssignMember", "unit", Bound::Chars(1, l::UNIT_CHARS)),
    ("AssignMember", "phone", Bound::Chars(l::PHONE_MIN_CHARS, l::PHONE_MAX_CHARS)),
    ("EndMember", "reason", Bound::Chars(1, l::REMARK_CHARS)),
    ("RecordPresence", "month", Bound::Chars(l::MONTH_CHARS, l::MONTH_CHARS)),
    ("RecordPresence", "days", Bound::Int(0, Some(l::MONTH_DAYS as i64))),
    ("RecordPresence", "note", Bound::Chars(0, l::REMARK_CHARS)),
    ("ProposeProject", "name", Bound::Chars(1, l::PROJECT_NAME_CHARS)),
    ("ProposeProject", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("ProposeProject", "villages", Bound::Distinct(1, l::PROJECT_VILLAGES)),
    ("ProposeProject", "tasks", Bound::Chars(1, l::PROJECT_TEXT_CHARS)),
    ("ProposeProject", "subsidy_standard", Bound::Chars(1, l::PROJECT_TEXT_CHARS)),
    ("ProposeProject", "fund_sources", Bound::Distinct(1, l::PROJECT_FUNDS)),
    ("ProposeProject", "implementer", Bound::Chars(1, l::PROJECT_NAME_CHARS)),
    ("ProposeProject", "responsible_person", Bound::Chars(1, l::PROJECT_NAME_CHARS)),
    ("ProposeProject", "budget_fen", Bound::Int(1, Some(l::MAX_AMOUNT_FEN))),
    ("ProposeProject", "management_fee_fen", Bound::Int(0, Some(l::MAX_AMOUNT_FEN))),
    ("ProposeProject", "performance_targets", Bound::Chars(1, l::PROJECT_TEXT_CHARS)),
    ("ProposeProject", "households", Bound::Distinct(0, l::PROJECT_HOUSEHOLDS)),
    ("ProposeProject", "beneficiaries", Bound::Int(1, Some(l::PROJECT_BENEFICIARIES as i64))),
    ("Evaluation", "summary", Bound::Chars(1, l::PROJECT_TEXT_CHARS)),
    ("PayProject", "tranche", Bound::Chars(1, l::TRANCHE_CHARS)),
    ("PayProject", "amount_fen", Bound::Int(1, Some(l::MAX_AMOUNT_FEN))),
    ("PayProject", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("PayProject", "fund", Bound::Chars(1, l::FUND_CHARS)),
];

/// `(operation id, parameter, bound)`: the bounded parameters, page sizes first.
pub const PARAMETERS: &[(&str, &str, Bound)] = &[
    ("task_list", "limit", Bound::Int(1, Some(page::TASKS as i64))),
    ("task_tree", "limit", Bound::Int(1, Some(page::TREE as i64))),
    ("household_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
    ("board_list", "limit", Bound::Int(1, Some(page::BOARD as i64))),
    ("audit_entry_list", "limit", Bound::Int(1, Some(page::RECORDS as i64))),
    ("accountability_record_list", "limit", Bound::Int(1, Some(page::RECORDS as i64))),
    ("team_uncovered_list", "limit", Bound::Int(1, Some(page::TEAMS as i64))),
    ("presence_flag_list", "limit", Bound::Int(1, Some(page::TEAMS as i64))),
    ("team_presence_list", "month", Bound::Chars(l::MONTH_CHARS, l::MONTH_CHARS)),
    ("county_quota_get", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("county_quota_set", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("county_quota_allot", "year", Bound::Int(l::FIRST_YEAR as i64, None)),
    ("plan_rules_get", "year", Bound::Int(l::FIRST_YEAR as i64, Some(2100))),
    ("plan_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
    ("plan_coverage_list", "limit", Bound::Int(1, Some(page::TREE as i64))),
    ("allocation_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
    ("allocation_plan_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
    ("transfer_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
    ("disbursement_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
    ("ledger_entries", "limit", Bound::Int(1, Some(page::RECORDS as i64))),
    ("project_list", "limit", Bound::Int(1, Some(page::HOUSEHOLDS as i64))),
];

fn number(n: i64) -> Number {
    Number::Int(n as isize)
}

/// The header every POST accepts, bounded wherever it is taken ([`crate::idempotency`]).
pub const IDEMPOTENCY_KEY: (&str, Bound) = ("Idempotency-Key", Bound::Chars(1, l::IDEMPOTENCY_KEY_CHARS));

/// Puts `bound` on `schema`; false when the schema is not one a bound of its kind applies to.
fn bound(schema: &mut RefOr<Schema>, bound: Bound) -> bool {
    match (schema, bound) {
        (RefOr::T(Schema::Object(o)), Bound::Chars(min, max)) => {
            o.min_length = (min > 0).then_some(min);
            o.max_length = Some(max);
            true
        }
        (RefOr::T(Schema::Object(o)), Bound::Int(min, max)) => {
            o.minimum = Some(number(min));
            o.maximum = max.map(number);
            true
        }
        (RefOr::T(Schema::Array(a)), Bound::Items(min, max) | Bound::Distinct(min, max))
            if !matches!(a.items, ArrayItems::False) =>
        {
            a.min_items = Some(min);
            a.max_items = Some(max);
            a.unique_items = matches!(bound, Bound::Distinct(..));
            true
        }
        (RefOr::T(Schema::Object(o)), Bound::Json { bytes, depth }) => {
            let stated = format!("At most {bytes} bytes as compact JSON, nested at most {depth} deep.");
            o.description = Some(match o.description.take() {
                Some(d) => format!("{d} {stated}"),
                None => stated,
            });
            true
        }
        _ => false,
    }
}

/// The schema of `property` in an object schema, or in an object among the parts of an `allOf`
/// (a struct with a flattened field).
fn property_of<'s>(schema: &'s mut RefOr<Schema>, property: &str) -> Option<&'s mut RefOr<Schema>> {
    match schema {
        RefOr::T(Schema::Object(o)) => o.properties.get_mut(property),
        RefOr::T(Schema::AllOf(all)) => all.items.iter_mut().find_map(|part| property_of(part, property)),
        _ => None,
    }
}

/// Writes every row of [`PROPERTIES`] and [`PARAMETERS`] into `doc`; the rows that name nothing
/// in it (a renamed schema, property, operation or parameter) are returned.
pub fn apply(doc: &mut OpenApi) -> Vec<String> {
    let mut missing = Vec::new();
    let schemas = doc.components.as_mut().map(|c| &mut c.schemas);
    let mut schemas = schemas;
    for &(name, property, b) in PROPERTIES {
        let target = schemas.as_mut().and_then(|s| s.get_mut(name)).and_then(|s| property_of(s, property));
        if !target.is_some_and(|t| bound(t, b)) {
            missing.push(format!("{name}.{property}"));
        }
    }
    let (key, key_bound) = IDEMPOTENCY_KEY;
    for op in doc.paths.paths.values_mut().flat_map(|item| [&mut item.post, &mut item.put].into_iter().flatten()) {
        for p in op.parameters.iter_mut().flatten() {
            if let RefOr::T(p) = p
                && p.name == key
                && let Some(s) = p.schema.as_mut()
            {
                bound(s, key_bound);
            }
        }
    }
    for &(operation, parameter, b) in PARAMETERS {
        let found = doc
            .paths
            .paths
            .values_mut()
            .flat_map(|item| {
                [&mut item.get, &mut item.put, &mut item.post, &mut item.delete, &mut item.patch].into_iter().flatten()
            })
            .filter(|op| op.operation_id.as_deref() == Some(operation))
            .flat_map(|op| op.parameters.iter_mut().flatten())
            .filter_map(|p| match p {
                RefOr::T(p) if p.name == parameter => p.schema.as_mut(),
                _ => None,
            })
            .any(|s| bound(s, b));
        if !found {
            missing.push(format!("{operation}({parameter})"));
        }
    }
    missing
}
