//! The responsibility-chain engine against a real database: SQLite by default, PostgreSQL when
//! `CHAIN_TEST_DB=postgres` (a database per test under `CHAIN_TEST_PG_URL`, default
//! `postgres://postgres@127.0.0.1:5432`). Every test builds the engine directly and calls it with
//! hand-made officials; nothing else runs.

mod concurrency;
mod deadlines;
mod decompose;
mod jurisdiction;
mod nationwide;
mod notices;
mod properties;
mod schedules;
mod sign_offs;
mod support;
mod validation;
