//! Whole-system tests: the chain on random ports, its own NATS server, fresh databases
//! (SQLite, or PostgreSQL with `CHAIN_TEST_DB=postgres`). Nothing is mocked.

mod adjustment;
mod audit;
mod bad_input;
mod bus;
mod card;
mod contract;
mod duplicates;
mod engine;
mod events;
mod funding;
mod gateway;
mod idempotency;
mod identification;
mod identity;
mod imports;
mod monitoring;
mod plans;
mod privacy;
mod projects;
mod queries;
mod quotas;
mod refusals;
mod sizes;
mod story;
mod teams;
mod throttle;
