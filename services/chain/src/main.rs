//! `chain`: run the whole system (`chain up`), one service (`chain serve`), or an operator command.

mod cli;
mod commands;

use clap::Parser;
use cli::{AuditCommand, Cli, Command, NatsCommand, TasksCommand};
use commands::{audit, import, nats, run, token, watch};

/// Runs the command; an error is printed with its causes, `chain: what failed: why`, and exits 1.
#[tokio::main]
async fn main() {
    let code = match run(Cli::parse()).await {
        Ok(code) => code,
        Err(e) => {
            eprintln!("chain: {e:#}");
            1
        }
    };
    std::process::exit(code);
}

/// Dispatches to the command; answers the exit status.
async fn run(cli: Cli) -> anyhow::Result<i32> {
    let data = cli.data_dir;
    let code = match cli.command {
        Command::Openapi => {
            print!("{}", chain_gateway::openapi::document_json());
            0
        }
        Command::Import(a) => import::run(&a.file, &a.client.gateway, &a.client.token, a.resume).await?,
        Command::Tasks { command: TasksCommand::Watch { id, after, client } } => tokio::select! {
            code = watch::run(&client.gateway, &client.token, id, after) => code?,
            _ = tokio::signal::ctrl_c() => 0,
        },
        Command::Audit { command: AuditCommand::Verify { database_urls, checkpoint, checkpoints } } => {
            audit::verify(&data, &database_urls, checkpoint, &checkpoints).await
        }
        Command::Audit { command: AuditCommand::Checkpoints { service, checkpoints } } => {
            audit::checkpoints(&data, service.as_deref(), &checkpoints).await?
        }
        Command::Nats { command: NatsCommand::Authorization { credentials } } => {
            let dir = credentials.unwrap_or_else(|| data.join("nats").join("credentials"));
            print!("{}", nats::authorization(&dir)?);
            0
        }
        Command::Token(args) => token::run(&data, args)?,
        Command::Up(args) => {
            let telemetry = chain_telemetry::init("chain")?;
            let result = run::up(&data, args).await;
            let _ = telemetry.shutdown().await;
            result?
        }
        Command::Serve(args) => {
            let telemetry = chain_telemetry::init(&format!("chain-{}", args.service.as_str()))?;
            let result = run::serve(&data, *args).await;
            let _ = telemetry.shutdown().await;
            result?
        }
    };
    Ok(code)
}
