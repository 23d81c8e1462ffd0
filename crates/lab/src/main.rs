//! `lab NAME [--samples N] [--full]`: runs one experiment and prints its
//! [`lab::Record`] as one line of JSON on stdout (progress goes to stderr).
//! `lab --list` lists the experiments. Bad usage exits with status 2.
//! A record measured while other programs took a noticeable share of the CPU
//! gets a note saying so.

use lab::contention::Contention;
use lab::experiments::{self, Args, EXPERIMENTS};
use std::process::ExitCode;

const USAGE: &str = "usage: lab NAME [--samples N] [--full]\n       lab --list";

enum Command {
    List,
    Run(String, Args),
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Command, String> {
    let mut name = None;
    let mut parsed = Args::default();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--list" | "-l" => return Ok(Command::List),
            "--full" => parsed.full = true,
            "--samples" => {
                let n = args.next().ok_or("--samples needs a number")?;
                match n.parse::<usize>() {
                    Ok(n) if n > 0 => parsed.samples = Some(n),
                    _ => return Err(format!("--samples needs a positive number, not {n:?}")),
                }
            }
            flag if flag.starts_with('-') => return Err(format!("unknown option {flag:?}")),
            _ if name.is_some() => return Err(format!("unexpected argument {arg:?}")),
            _ => name = Some(arg),
        }
    }
    let name = name.ok_or("no experiment named")?;
    if experiments::find(&name).is_none() {
        return Err(format!(
            "unknown experiment {name:?} (lab --list shows them)"
        ));
    }
    Ok(Command::Run(name, parsed))
}

fn main() -> ExitCode {
    let (name, args) = match parse(std::env::args().skip(1)) {
        Ok(Command::List) => {
            for experiment in EXPERIMENTS {
                println!("{:<18} {}", experiment.name, experiment.about);
            }
            return ExitCode::SUCCESS;
        }
        Ok(Command::Run(name, args)) => (name, args),
        Err(message) => {
            eprintln!("lab: {message}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let run = experiments::find(&name).expect("parse checked the name");
    eprintln!("lab: running {name}");
    let contention = Contention::start();
    let mut record = match run(&args) {
        Ok(record) => record,
        Err(message) => {
            eprintln!("lab: {name} failed: {message}");
            return ExitCode::FAILURE;
        }
    };
    // Every record says when other programs competed for the CPU.
    record.notes.extend(contention.note());
    match serde_json::to_string(&record) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("lab: cannot write the record of {name} as JSON: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_line(line: &str) -> Result<Command, String> {
        parse(line.split_whitespace().map(String::from))
    }

    #[test]
    fn reads_name_samples_and_full() {
        let Ok(Command::Run(name, args)) = parse_line("two_tasks --samples 7 --full") else {
            panic!("two_tasks should parse");
        };
        assert_eq!(name, "two_tasks");
        assert_eq!(
            args,
            Args {
                samples: Some(7),
                full: true
            }
        );
        assert!(matches!(parse_line("--list"), Ok(Command::List)));
    }

    #[test]
    fn rejects_bad_usage() {
        for (line, message) in [
            ("", "no experiment"),
            ("nope", "unknown experiment"),
            ("two_tasks --samples", "needs a number"),
            ("two_tasks --samples 0", "positive"),
            ("two_tasks --samples x", "positive"),
            ("two_tasks --fast", "unknown option"),
            ("two_tasks two_tasks", "unexpected argument"),
        ] {
            match parse_line(line) {
                Err(e) => assert!(e.contains(message), "{line:?}: {e}"),
                Ok(_) => panic!("{line:?} should be rejected"),
            }
        }
    }
}
