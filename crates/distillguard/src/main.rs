//! The `distillguard` command: parses arguments and wires the library crates together.
//! No detection logic lives here.

mod cli;
mod commands;
mod config_check;
mod explain;
mod interrupt;
mod live;
mod memory;
mod progress;
mod recorded;

use clap::Parser;

fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_chain(&e));
            std::process::ExitCode::from(2)
        }
    }
}

/// The error and its causes, each cause only when the text so far does not already say it
/// (library errors name their cause in their own message).
fn error_chain(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::error_chain;

    #[test]
    fn causes_already_in_the_message_are_not_repeated() {
        let io = std::io::Error::other("No space left on device");
        let e = anyhow::Error::new(io).context("cannot write v.jsonl: No space left on device");
        assert_eq!(
            error_chain(&e),
            "cannot write v.jsonl: No space left on device"
        );
        let e = anyhow::anyhow!("disk full").context("replay failed");
        assert_eq!(error_chain(&e), "replay failed: disk full");
    }
}
