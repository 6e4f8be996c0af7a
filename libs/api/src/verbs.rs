//! The NATS verbs of each service (`chain.<service>.<verb>`), declared once: the gateway sends
//! them and the service's verb table answers them. Each says what it is sent and what it answers
//! with (types of this crate's module of the same name, [`crate::queries`], [`crate::quotas`],
//! [`crate::imports`], [`crate::card`] and [`crate::step`]); a step on an existing record is sent
//! as [`crate::step::Step`]: its id, the version from `If-Match`, the step's body. Every service
//! also answers the workflow verbs in [`crate::workflow::verbs`].

/// The identification service's verbs.
pub mod identification {
    /// The service's name on the bus.
    pub const SERVICE: &str = "identification";
    /// `household.register`: `RegisterHousehold` → `Household` (`applied`, or `suspected_duplicate`).
    pub const HOUSEHOLD_REGISTER: &str = "household.register";
    /// `household.get`: `ReadHousehold` → `Household`.
    pub const HOUSEHOLD_GET: &str = "household.get";
    /// `household.appraise`: `Step<Appraisal>` → `Household`.
    pub const HOUSEHOLD_APPRAISE: &str = "household.appraise";
    /// `household.match`: `Step<DataMatch>` → `Household`.
    pub const HOUSEHOLD_MATCH: &str = "household.match";
    /// `household.verify`: `Step<Decision>` → `Household`.
    pub const HOUSEHOLD_VERIFY: &str = "household.verify";
    /// `household.review`: `Step<Decision>` → `Household`.
    pub const HOUSEHOLD_REVIEW: &str = "household.review";
    /// `household.approve`: `Step<Decision>` → `Household`.
    pub const HOUSEHOLD_APPROVE: &str = "household.approve";
    /// `household.reject`: `Step<Rejection>` → `Household`.
    pub const HOUSEHOLD_REJECT: &str = "household.reject";
    /// `household.assign-helper`: `Step<AssignHelper>` → `Household`.
    pub const HOUSEHOLD_ASSIGN_HELPER: &str = "household.assign-helper";
    /// `household.adjudicate`: `Step<Adjudicate>` (the suspected duplicate's id) → `Household`.
    pub const HOUSEHOLD_ADJUDICATE: &str = "household.adjudicate";
    /// `household.add-member`: `Step<MemberInput>` → `Household`.
    pub const HOUSEHOLD_ADD_MEMBER: &str = "household.add-member";
    /// `household.propose-removal`: `Step<ProposeRemoval>` → `Household`.
    pub const HOUSEHOLD_PROPOSE_REMOVAL: &str = "household.propose-removal";
    /// `household.review-removal`: `Step<Decision>` → `Household`.
    pub const HOUSEHOLD_REVIEW_REMOVAL: &str = "household.review-removal";
    /// `household.approve-removal`: `Step<Decision>` → `Household`.
    pub const HOUSEHOLD_APPROVE_REMOVAL: &str = "household.approve-removal";
    /// `household.withdraw-removal`: `Step<Decision>` → `Household`.
    pub const HOUSEHOLD_WITHDRAW_REMOVAL: &str = "household.withdraw-removal";
    /// `household.list`: `HouseholdQuery` → `HouseholdPage`.
    pub const HOUSEHOLD_LIST: &str = "household.list";
    /// `household.counts`: `CountsQuery` → `Vec<DivisionCounts>`.
    pub const HOUSEHOLD_COUNTS: &str = "household.counts";
    /// `household.import-batch`: `ImportBatch` → `ImportOperation`: one numbered batch of an import.
    pub const HOUSEHOLD_IMPORT_BATCH: &str = "household.import-batch";
    /// `board.list`: `BoardQuery` → `Vec<BoardNotice>`: a village's notice board.
    pub const BOARD_LIST: &str = "board.list";
    /// `quota.get`: `QuotaRequest<()>` → `Quota`.
    pub const QUOTA_GET: &str = "quota.get";
    /// `quota.set`: `QuotaRequest<SetCountyQuota>` → `Quota`.
    pub const QUOTA_SET: &str = "quota.set";
    /// `quota.allot`: `QuotaRequest<SetVillageQuotas>` → `Quota`.
    pub const QUOTA_ALLOT: &str = "quota.allot";
    /// `import.start`: `StartImport` → `ImportOperation`.
    pub const IMPORT_START: &str = "import.start";
    /// `import.finish`: `FinishImport` → `ImportOperation`.
    pub const IMPORT_FINISH: &str = "import.finish";
    /// `import.get`: `ReadImport` → `ImportOperation`.
    pub const IMPORT_GET: &str = "import.get";
    /// `import.errors`: `ReadImportErrors` → `ImportErrorPage`.
    pub const IMPORT_ERRORS: &str = "import.errors";
    /// `monitoring.open`: `OpenMonitoringCase` → `MonitoringCase`.
    pub const MONITORING_OPEN: &str = "monitoring.open";
    /// `monitoring.get`: `ById` → `MonitoringCase`.
    pub const MONITORING_GET: &str = "monitoring.get";
    /// `monitoring.list`: `MonitoringQuery` → `Vec<MonitoringCase>`.
    pub const MONITORING_LIST: &str = "monitoring.list";
    /// `monitoring.visit`: `Step<HomeVisit>` → `MonitoringCase`.
    pub const MONITORING_VISIT: &str = "monitoring.visit";
    /// `monitoring.consent`: `Step<Consent>` → `MonitoringCase`.
    pub const MONITORING_CONSENT: &str = "monitoring.consent";
    /// `monitoring.match`: `Step<DataMatch>` → `MonitoringCase`.
    pub const MONITORING_MATCH: &str = "monitoring.match";
    /// `monitoring.appraise`: `Step<Appraisal>` → `MonitoringCase`.
    pub const MONITORING_APPRAISE: &str = "monitoring.appraise";
    /// `monitoring.post-notice`: `Step<Decision>` → `MonitoringCase`.
    pub const MONITORING_POST_NOTICE: &str = "monitoring.post-notice";
    /// `monitoring.review`: `Step<Decision>` → `MonitoringCase`.
    pub const MONITORING_REVIEW: &str = "monitoring.review";
    /// `monitoring.decide`: `Step<MonitoringDecision>` → `MonitoringCase`.
    pub const MONITORING_DECIDE: &str = "monitoring.decide";
    /// `monitoring.add-measure`: `Step<NewMeasure>` → `MonitoringCase`.
    pub const MONITORING_ADD_MEASURE: &str = "monitoring.add-measure";
    /// `monitoring.remove-risk`: `Step<RemoveRisk>` → `MonitoringCase`.
    pub const MONITORING_REMOVE_RISK: &str = "monitoring.remove-risk";
    /// `monitoring.reinstate`: `Step<Reason>` → `MonitoringCase`.
    pub const MONITORING_REINSTATE: &str = "monitoring.reinstate";
}

/// The planning service's verbs.
pub mod planning {
    /// The service's name on the bus.
    pub const SERVICE: &str = "planning";
    /// `plan.create`: `CreatePlan` → `Plan`.
    pub const PLAN_CREATE: &str = "plan.create";
    /// `plan.get`: `ById` → `Plan`.
    pub const PLAN_GET: &str = "plan.get";
    /// `plan.approve`: `Step<Decision>` → `Plan`.
    pub const PLAN_APPROVE: &str = "plan.approve";
    /// `plan.acknowledge`: `Step<AcknowledgePlan>` → `Plan`.
    pub const PLAN_ACKNOWLEDGE: &str = "plan.acknowledge";
    /// `plan.revise`: `Step<RevisePlan>` → `Plan`.
    pub const PLAN_REVISE: &str = "plan.revise";
    /// `plan.submit`: `Step<Decision>` → `Plan`.
    pub const PLAN_SUBMIT: &str = "plan.submit";
    /// `plan.return`: `Step<Reason>` → `Plan`.
    pub const PLAN_RETURN: &str = "plan.return";
    /// `plan.report-milestone`: `Step<ReportMilestone>` → `Plan`.
    pub const PLAN_REPORT_MILESTONE: &str = "plan.report-milestone";
    /// `plan.revision`: `RevisionRef` → `Plan` (an earlier revision, as it was).
    pub const PLAN_REVISION: &str = "plan.revision";
    /// `plan.rules`: `RulesQuery` → `PlanRules`.
    pub const PLAN_RULES: &str = "plan.rules";
    /// `plan.list`: `PlanQuery` → `PlanPage`.
    pub const PLAN_LIST: &str = "plan.list";
    /// `plan.coverage`: `PlanCoverageQuery` → `CoveragePage`.
    pub const PLAN_COVERAGE: &str = "plan.coverage";
    /// `team.create`: `CreateTeam` → `Team`.
    pub const TEAM_CREATE: &str = "team.create";
    /// `team.get`: `ReadTeam` → `Team`.
    pub const TEAM_GET: &str = "team.get";
    /// `team.assign-member`: `Step<AssignMember>` → `Team`.
    pub const TEAM_ASSIGN_MEMBER: &str = "team.assign-member";
    /// `team.end-member`: `Step<EndMember>` → `Team`.
    pub const TEAM_END_MEMBER: &str = "team.end-member";
    /// `team.record-presence`: `Step<RecordPresence>` → `Team`.
    pub const TEAM_RECORD_PRESENCE: &str = "team.record-presence";
    /// `team.presence`: `ReadPresence` → `Vec<PresenceRecord>`.
    pub const TEAM_PRESENCE: &str = "team.presence";
    /// `team.uncovered`: `CoverageQuery` → `UncoveredPage`.
    pub const TEAM_UNCOVERED: &str = "team.uncovered";
    /// `team.flags`: `FlagQuery` → `FlagPage`.
    pub const TEAM_FLAGS: &str = "team.flags";
}

/// The funding service's verbs.
pub mod funding {
    /// The service's name on the bus.
    pub const SERVICE: &str = "funding";
    /// `allocation.create`: `CreateAllocation` → `Allocation`.
    pub const ALLOCATION_CREATE: &str = "allocation.create";
    /// `disbursement.create`: `CreateDisbursement` → `Disbursement`.
    pub const DISBURSEMENT_CREATE: &str = "disbursement.create";
    /// `disbursement.get`: `ById` → `Disbursement`.
    pub const DISBURSEMENT_GET: &str = "disbursement.get";
    /// `disbursement.list`: `DisbursementQuery` → `DisbursementPage`.
    pub const DISBURSEMENT_LIST: &str = "disbursement.list";
    /// `account.get`: `AccountQuery` → `Account`.
    pub const ACCOUNT_GET: &str = "account.get";
    /// `ledger.check`: `{}` → `LedgerCheck`.
    pub const LEDGER_CHECK: &str = "ledger.check";
    /// `ledger.entries`: `EntryQuery` → `EntryPage`.
    pub const LEDGER_ENTRIES: &str = "ledger.entries";
    /// `allocation.list`: `AllocationQuery` → `AllocationPage`.
    pub const ALLOCATION_LIST: &str = "allocation.list";
    /// `allocation-plan.create`: `CreateAllocationPlan` → `AllocationPlan` (the preview).
    pub const ALLOCATION_PLAN_CREATE: &str = "allocation-plan.create";
    /// `allocation-plan.get`: `ById` → `AllocationPlan`.
    pub const ALLOCATION_PLAN_GET: &str = "allocation-plan.get";
    /// `allocation-plan.approve`: `Step<Decision>` → `AllocationPlan` (committed).
    pub const ALLOCATION_PLAN_APPROVE: &str = "allocation-plan.approve";
    /// `allocation-plan.list`: `AllocationPlanQuery` → `AllocationPlanPage`.
    pub const ALLOCATION_PLAN_LIST: &str = "allocation-plan.list";
    /// `transfer.get`: `ById` → `Transfer`.
    pub const TRANSFER_GET: &str = "transfer.get";
    /// `transfer.list`: `TransferQuery` → `TransferPage`.
    pub const TRANSFER_LIST: &str = "transfer.list";
    /// `transfer.post`: `Step<Decision>` → `Transfer` (a pending transfer, posted).
    pub const TRANSFER_POST: &str = "transfer.post";
    /// `transfer.void`: `Step<Decision>` → `Transfer` (a pending transfer, voided).
    pub const TRANSFER_VOID: &str = "transfer.void";
    /// `transfer.trace`: `ById` → `Trace` (back to the source, forward to what it paid).
    pub const TRANSFER_TRACE: &str = "transfer.trace";
    /// `project.propose`: `ProposeProject` → `Project`.
    pub const PROJECT_PROPOSE: &str = "project.propose";
    /// `project.get`: `ById` → `Project`.
    pub const PROJECT_GET: &str = "project.get";
    /// `project.list`: `ProjectQuery` → `ProjectPage`.
    pub const PROJECT_LIST: &str = "project.list";
    /// `project.admit`: `Step<Decision>` → `Project` (into the county's library).
    pub const PROJECT_ADMIT: &str = "project.admit";
    /// `project.reject`: `Step<Decision>` → `Project`.
    pub const PROJECT_REJECT: &str = "project.reject";
    /// `project.disclose`: `Step<Decision>` → `Project` (its plan posted on the village boards).
    pub const PROJECT_DISCLOSE: &str = "project.disclose";
    /// `project.approve`: `Step<Decision>` → `Project`.
    pub const PROJECT_APPROVE: &str = "project.approve";
    /// `project.start`: `Step<Decision>` → `Project` (implementation begins).
    pub const PROJECT_START: &str = "project.start";
    /// `project.accept`: `Step<Decision>` → `Project` (验收).
    pub const PROJECT_ACCEPT: &str = "project.accept";
    /// `project.close`: `Step<Evaluation>` → `Project`.
    pub const PROJECT_CLOSE: &str = "project.close";
    /// `project.pay`: `Step<PayProject>` → `ProjectPayment`.
    pub const PROJECT_PAY: &str = "project.pay";
}

/// The exit service's verbs.
pub mod exit {
    /// The service's name on the bus.
    pub const SERVICE: &str = "exit";
    /// `case.propose`: `ProposeExit` → `ExitCase`.
    pub const CASE_PROPOSE: &str = "case.propose";
    /// `case.get`: `ById` → `ExitCase`.
    pub const CASE_GET: &str = "case.get";
    /// `case.acknowledge`: `Step<Acknowledge>` → `ExitCase`.
    pub const CASE_ACKNOWLEDGE: &str = "case.acknowledge";
    /// `case.approve`: `Step<Decision>` → `ExitCase`.
    pub const CASE_APPROVE: &str = "case.approve";
}
