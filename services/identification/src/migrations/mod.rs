//! The identification database's schema: the tables every service has, then the households and
//! their members, the file card, dynamic adjustment, scale control, monitoring, bulk imports and helpers.
//! Each migration's name is its file's name, as deployed databases record it.

chain_kit::schema!(
    m0100_households,
    m0110_file_cards,
    m0130_adjustments,
    m0200_quotas,
    m0200_monitoring,
    m0130_imports,
    m0140_import_keys,
    m0150_import_leases,
    m0160_helpers,
);

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, Statement};
    use sea_orm_migration::prelude::*;

    use super::*;

    #[tokio::test]
    async fn the_helper_histories_kept_as_json_move_into_their_table() {
        let db = chain_store::connect("sqlite::memory:").await.unwrap();
        let before = <u32 as std::convert::TryFrom<usize>>::try_from(Migrator::migrations().len() - 1).unwrap();
        Migrator::up(&db, Some(before)).await.unwrap();
        let history = r#"[{"name":"王芳","unit":"思南县农业农村局","since":"2016-03-01","until":"2016-12-31",
            "assigned_by":"county","recorded_at":"2016-03-01T08:00:00Z"},
            {"name":"李强","unit":"思南县教育局","since":"2017-01-01","assigned_by":"county",
            "recorded_at":"2017-01-01T08:00:00Z"}]"#;
        let insert = "INSERT INTO households (id, village, year, kind, main_cause, other_causes, \
            per_capita_income_fen, status, version, created_by, created_at, updated_at, helpers) VALUES \
            ($2, '520624101201', 2016, 'ordinary', 'illness', '[]', \
            210000, 'identified', 3, 'village', '2016-01-01T00:00:00Z', '2016-01-01T00:00:00Z', $1)";
        let backend = db.get_database_backend();
        let id = uuid::Uuid::now_v7();
        db.execute_raw(Statement::from_sql_and_values(backend, insert, [history.into(), id.into()])).await.unwrap();
        Migrator::up(&db, None).await.unwrap();
        let moved = crate::store::helpers::history(&db, id).await.unwrap();
        let names: Vec<(&str, Option<chrono::NaiveDate>)> = moved.iter().map(|h| (h.name.as_str(), h.until)).collect();
        assert_eq!(names, [("王芳", chrono::NaiveDate::from_ymd_opt(2016, 12, 31)), ("李强", None)]);
        assert_eq!((moved[1].position, moved[1].phone_index.as_deref()), (1, None));
    }

    #[test]
    fn the_migrations_keep_the_names_deployed_databases_recorded() {
        let names: Vec<String> = Migrator::migrations().iter().map(|m| m.name().to_owned()).collect();
        assert_eq!(
            names[chain_kit::schema::migrations(Vec::new()).len()..],
            [
                "m0100_households",
                "m0110_file_cards",
                "m0130_adjustments",
                "m0200_quotas",
                "m0200_monitoring",
                "m0130_imports",
                "m0140_import_keys",
                "m0150_import_leases",
                "m0160_helpers",
            ]
        );
    }
}
