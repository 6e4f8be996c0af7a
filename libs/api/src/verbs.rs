//! The NATS verbs of each service (`chain.<service>.<verb>`), declared once: the gateway sends
//! them and the service's verb table answers them. Every service also answers the workflow verbs
//! in [`crate::workflow::verbs`].

/// The identification service's verbs.
pub mod identification {
    /// The service's name on the bus.
    pub const SERVICE: &str = "identification";
    /// `household.register`.
    pub const HOUSEHOLD_REGISTER: &str = "household.register";
    /// `household.get`.
    pub const HOUSEHOLD_GET: &str = "household.get";
    /// `household.appraise`.
    pub const HOUSEHOLD_APPRAISE: &str = "household.appraise";
    /// `household.match`.
    pub const HOUSEHOLD_MATCH: &str = "household.match";
    /// `household.verify`.
    pub const HOUSEHOLD_VERIFY: &str = "household.verify";
    /// `household.review`.
    pub const HOUSEHOLD_REVIEW: &str = "household.review";
    /// `household.approve`.
    pub const HOUSEHOLD_APPROVE: &str = "household.approve";
    /// `household.reject`.
    pub const HOUSEHOLD_REJECT: &str = "household.reject";
    /// `household.assign-helper`.
    pub const HOUSEHOLD_ASSIGN_HELPER: &str = "household.assign-helper";
    /// `household.adjudicate`.
    pub const HOUSEHOLD_ADJUDICATE: &str = "household.adjudicate";
    /// `household.add-member`.
    pub const HOUSEHOLD_ADD_MEMBER: &str = "household.add-member";
    /// `household.propose-removal`.
    pub const HOUSEHOLD_PROPOSE_REMOVAL: &str = "household.propose-removal";
    /// `household.review-removal`.
    pub const HOUSEHOLD_REVIEW_REMOVAL: &str = "household.review-removal";
    /// `household.approve-removal`.
    pub const HOUSEHOLD_APPROVE_REMOVAL: &str = "household.approve-removal";
    /// `household.withdraw-removal`.
    pub const HOUSEHOLD_WITHDRAW_REMOVAL: &str = "household.withdraw-removal";
    /// `household.list`.
    pub const HOUSEHOLD_LIST: &str = "household.list";
    /// `household.counts`.
    pub const HOUSEHOLD_COUNTS: &str = "household.counts";
    /// `household.import-batch`.
    pub const HOUSEHOLD_IMPORT_BATCH: &str = "household.import-batch";
    /// `board.list`.
    pub const BOARD_LIST: &str = "board.list";
    /// `quota.get`.
    pub const QUOTA_GET: &str = "quota.get";
    /// `quota.set`.
    pub const QUOTA_SET: &str = "quota.set";
    /// `quota.allot`.
    pub const QUOTA_ALLOT: &str = "quota.allot";
    /// `import.start`.
    pub const IMPORT_START: &str = "import.start";
    /// `import.finish`.
    pub const IMPORT_FINISH: &str = "import.finish";
    /// `import.get`.
    pub const IMPORT_GET: &str = "import.get";
    /// `import.errors`.
    pub const IMPORT_ERRORS: &str = "import.errors";
    /// `monitoring.open`.
    pub const MONITORING_OPEN: &str = "monitoring.open";
    /// `monitoring.get`.
    pub const MONITORING_GET: &str = "monitoring.get";
    /// `monitoring.list`.
    pub const MONITORING_LIST: &str = "monitoring.list";
    /// `monitoring.visit`.
    pub const MONITORING_VISIT: &str = "monitoring.visit";
    /// `monitoring.consent`.
    pub const MONITORING_CONSENT: &str = "monitoring.consent";
    /// `monitoring.match`.
    pub const MONITORING_MATCH: &str = "monitoring.match";
    /// `monitoring.appraise`.
    pub const MONITORING_APPRAISE: &str = "monitoring.appraise";
    /// `monitoring.post-notice`.
    pub const MONITORING_POST_NOTICE: &str = "monitoring.post-notice";
    /// `monitoring.review`.
    pub const MONITORING_REVIEW: &str = "monitoring.review";
    /// `monitoring.decide`.
    pub const MONITORING_DECIDE: &str = "monitoring.decide";
    /// `monitoring.add-measure`.
    pub const MONITORING_ADD_MEASURE: &str = "monitoring.add-measure";
    /// `monitoring.remove-risk`.
    pub const MONITORING_REMOVE_RISK: &str = "monitoring.remove-risk";
    /// `monitoring.reinstate`.
    pub const MONITORING_REINSTATE: &str = "monitoring.reinstate";
}

/// The planning service's verbs.
pub mod planning {
    /// The service's name on the bus.
    pub const SERVICE: &str = "planning";
    /// `plan.create`.
    pub const PLAN_CREATE: &str = "plan.create";
    /// `plan.get`.
    pub const PLAN_GET: &str = "plan.get";
    /// `plan.approve`.
    pub const PLAN_APPROVE: &str = "plan.approve";
}

/// The funding service's verbs.
pub mod funding {
    /// The service's name on the bus.
    pub const SERVICE: &str = "funding";
    /// `allocation.create`.
    pub const ALLOCATION_CREATE: &str = "allocation.create";
    /// `disbursement.create`.
    pub const DISBURSEMENT_CREATE: &str = "disbursement.create";
    /// `account.get`.
    pub const ACCOUNT_GET: &str = "account.get";
    /// `ledger.check`.
    pub const LEDGER_CHECK: &str = "ledger.check";
}

/// The exit service's verbs.
pub mod exit {
    /// The service's name on the bus.
    pub const SERVICE: &str = "exit";
    /// `case.propose`.
    pub const CASE_PROPOSE: &str = "case.propose";
    /// `case.get`.
    pub const CASE_GET: &str = "case.get";
    /// `case.acknowledge`.
    pub const CASE_ACKNOWLEDGE: &str = "case.acknowledge";
    /// `case.approve`.
    pub const CASE_APPROVE: &str = "case.approve";
}
