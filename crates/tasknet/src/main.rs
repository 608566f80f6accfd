//! `tasknet`: Amazon ECS on Fargate task networking on one machine.

mod serve;

use clap::{Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;

#[derive(Parser)]
#[command(name = "tasknet", version, about = "Amazon ECS on Fargate task networking, emulated on one machine")]
struct Cli {
    /// Log format: text for people, json for machines.
    #[arg(long, global = true, env = "TASKNET_LOG_FORMAT", default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the AWS APIs (EC2, ECS, IAM, STS) over HTTP.
    Serve(ServeArgs),
}

#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "TASKNET_LISTEN", default_value = "127.0.0.1:4566")]
    pub listen: SocketAddr,
    /// Directory for the durable state (SQLite).
    #[arg(long, env = "TASKNET_DATA_DIR", default_value = "./tasknet-data")]
    pub data_dir: PathBuf,
    /// The emulated AWS account id.
    #[arg(long, env = "TASKNET_ACCOUNT_ID", default_value = "123456789012")]
    pub account_id: String,
    /// Region for requests that carry no SigV4 credential scope.
    #[arg(long, env = "TASKNET_REGION", default_value = "us-east-1")]
    pub region: String,
}

fn init_logging(format: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TASKNET_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let b = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if format == "json" {
        b.json().init();
    } else {
        b.init();
    }
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    init_logging(&cli.log_format);
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("tasknet: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
