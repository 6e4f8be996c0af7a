//! Tables of bulk imports: the operation (polled from any gateway replica), its error report, and
//! the resident IDs seen so far in the file (to find one person listed in two households).

/// The `imports` table.
pub mod import {
    use sea_orm::entity::prelude::*;

    /// An import operation.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "imports")]
    pub struct Model {
        /// Public id.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        /// `running`, `succeeded` or `failed`.
        pub status: String,
        /// The file's name as uploaded.
        pub file_name: String,
        /// Its size in bytes.
        pub file_size: i64,
        /// `csv` or `xlsx`.
        pub kind: String,
        /// The importing official.
        pub created_by: String,
        /// Their jurisdiction: who may poll the import (it and the layers above).
        pub jurisdiction: String,
        /// Data rows read.
        pub rows_read: i64,
        /// Households registered (`applied`).
        pub households_registered: i64,
        /// Households filed as suspected duplicates.
        pub households_suspected_duplicate: i64,
        /// Households refused.
        pub households_invalid: i64,
        /// Rows of refused households.
        pub rows_invalid: i64,
        /// Batches applied (each applied once, in order).
        pub batches: i64,
        /// Why it failed.
        pub failure: Option<String>,
        /// Accepted.
        pub started_at: DateTimeUtc,
        /// Finished.
        pub finished_at: Option<DateTimeUtc>,
        /// The upload's `Idempotency-Key`, unique per importing official.
        pub idempotency_key: Option<String>,
        /// When the import last showed life (started, resumed, a batch), by the engine's clock.
        pub last_active_at: Option<DateTimeUtc>,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `import_errors` table: the error report, one line per refused row (or field of it).
pub mod import_error {
    use sea_orm::entity::prelude::*;

    /// One line of the report.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_errors")]
    pub struct Model {
        /// Internal key; orders the report and pages it.
        #[sea_orm(primary_key)]
        pub id: i64,
        /// The import.
        pub import_id: Uuid,
        /// File row.
        pub row: i64,
        /// The row's household reference.
        pub household_ref: String,
        /// Column at fault (empty: refused with its household).
        pub field: String,
        /// What is wrong.
        pub message: String,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `import_ids` table: the blind index of every resident ID of a household the import
/// registered, with its row; emptied when the import finishes.
pub mod import_id {
    use sea_orm::entity::prelude::*;

    /// A resident ID seen in the file.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_ids")]
    pub struct Model {
        /// The import.
        #[sea_orm(primary_key, auto_increment = false)]
        pub import_id: Uuid,
        /// Blind index of the ID.
        #[sea_orm(primary_key, auto_increment = false)]
        pub id_index: String,
        /// The row listing it.
        pub row: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

/// The `import_refs` table: each household reference of the file with its first row, so a
/// reference that comes back after other households is caught; emptied when the import finishes.
pub mod import_ref {
    use sea_orm::entity::prelude::*;

    /// A household reference seen in the file.
    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "import_refs")]
    pub struct Model {
        /// The import.
        #[sea_orm(primary_key, auto_increment = false)]
        pub import_id: Uuid,
        /// The reference.
        #[sea_orm(primary_key, auto_increment = false)]
        pub household_ref: String,
        /// Its household's first row.
        pub row: i64,
    }

    /// No relations.
    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}
