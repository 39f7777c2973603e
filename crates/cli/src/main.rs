//! `kafka-sim`: the native command-line front end to the simulation core.
// Doc comments double as clap's help text, which shows `KEY<TAB>PARTITION` as typed.
#![allow(rustdoc::invalid_html_tags)]

mod assign_cmd;
mod partition_cmd;
mod run_cmd;
mod sweep_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Simulate an Apache Kafka cluster deterministically, or ask it how Kafka would route keys.
#[derive(Parser)]
#[command(name = "kafka-sim", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print the partition the Java producer picks for each key: KEY<TAB>PARTITION.
    Partition(partition_cmd::PartitionArgs),
    /// Assign one consumer group's partitions (JSON on stdin) as the group leader would.
    Assign(assign_cmd::AssignArgs),
    /// Run a scenario file headless and print a JSON report.
    Run(run_cmd::RunArgs),
    /// Run many seeds of random operations with faults and check every invariant (exit 1 if a
    /// seed fails).
    Sweep(sweep_cmd::SweepArgs),
}

/// Writes `text` and a newline to stdout. A closed pipe (`kafka-sim run … | head`) is not an
/// error worth a panic: the reader has what it wanted.
pub(crate) fn print_line(text: &str) -> Result<(), String> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write to stdout: {e}"))
        }
        _ => Ok(()),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // Help and version go to stdout with success; real usage errors exit 2 (clap's own code).
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    // Ok(false): the command ran and found a failure (a sweep seed failed): exit 1.
    let result = match cli.command {
        Command::Partition(args) => partition_cmd::run(&args).map(|()| true),
        Command::Assign(args) => assign_cmd::run(&args).map(|()| true),
        Command::Run(args) => run_cmd::run(&args).map(|()| true),
        Command::Sweep(args) => sweep_cmd::run(&args),
    };
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(message) => {
            eprintln!("kafka-sim: {message}");
            ExitCode::from(2)
        }
    }
}
