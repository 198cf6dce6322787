use std::process::ExitCode;

use ajpgate::cli::{Cli, Command, decode};
use clap::Parser;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Decode {
            file,
            max_packet_size,
        } => {
            let stdout = std::io::stdout();
            match decode::run(
                file.as_deref(),
                max_packet_size as usize,
                &mut stdout.lock(),
            ) {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    eprintln!("ajpgate decode: {err}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
