//! `kafka-sim partition --partitions N [KEY ...]`: which partition the Java producer's default
//! partitioner picks for each UTF-8 key (`toPositive(murmur2(key)) % N`).

use std::io::{BufRead, Write};

use clap::Args;
use kafka_sim::murmur2::partition_for_key;

/// Arguments of `kafka-sim partition`.
#[derive(Args)]
pub struct PartitionArgs {
    /// Number of partitions of the topic (at least 1).
    #[arg(long, short = 'p')]
    partitions: u32,
    /// Keys to route; with none, one key per line is read from stdin.
    keys: Vec<String>,
}

/// Prints `KEY<TAB>PARTITION` per key.
pub fn run(args: &PartitionArgs) -> Result<(), String> {
    match route(args) {
        // The reader closed the pipe (`… | head`): it has what it wanted.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        Err(e) => Err(e.to_string()),
        Ok(()) => Ok(()),
    }
}

fn route(args: &PartitionArgs) -> std::io::Result<()> {
    use std::io::{Error, ErrorKind};
    if args.partitions == 0 {
        let message = "--partitions must be at least 1 (a topic has at least one partition)";
        return Err(Error::new(ErrorKind::InvalidInput, message));
    }
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut emit = |key: &str| -> std::io::Result<()> {
        let partition = partition_for_key(key.as_bytes(), args.partitions);
        writeln!(out, "{key}\t{partition}")
    };
    if args.keys.is_empty() {
        for (number, line) in std::io::stdin().lock().lines().enumerate() {
            let line = line.map_err(|e| {
                let message = format!("stdin line {}: {e} (keys must be UTF-8)", number + 1);
                Error::new(ErrorKind::InvalidData, message)
            })?;
            emit(&line)?;
        }
    } else {
        for key in &args.keys {
            emit(key)?;
        }
    }
    out.flush()
}
