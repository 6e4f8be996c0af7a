//! The planning database's migrations: the tables every service has, then planning's own, one
//! file per table group, each named as deployed databases record it in `seaql_migrations`.

chain_kit::schema!(m0100_plans, m0101_plan_records, m0110_work_teams, m0120_helpers, m0130_member_phones);

#[cfg(test)]
mod tests {
    use sea_orm_migration::prelude::*;

    use super::*;

    #[test]
    fn planning_s_own_migrations_keep_their_recorded_names() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names[chain_kit::schema::migrations(Vec::new()).len()..],
            ["m0100_plans", "m0101_plan_records", "m0110_work_teams", "m0120_helpers", "m0130_member_phones"]
        );
    }
}
