//! One module per subcommand; each answers the process's exit status.

pub mod audit;
pub mod import;
pub mod nats;
pub mod run;
pub mod token;
pub mod watch;
