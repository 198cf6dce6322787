//! The `ajpgate` command line. `main.rs` parses arguments with clap and calls one function per subcommand.

pub mod decode;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::ajp::codes::DEFAULT_MAX_PACKET_SIZE;

#[derive(Debug, Parser)]
#[command(
    name = "ajpgate",
    version,
    about = "HTTP front end for Tomcat over AJP13, a drop-in for httpd + mod_jk"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the AJP13 packets of a one-direction capture as JSON lines.
    ///
    /// Reads FILE (standard input when absent): the raw bytes one side of an AJP connection sent. The
    /// direction comes from the first magic (12 34: to the container, 41 42: from it). Malformed input
    /// prints the packets decoded so far, then the error with its byte offset, and exits with status 1.
    Decode {
        /// Capture file; standard input when absent.
        file: Option<PathBuf>,
        /// The max_packet_size both sides were configured with (8192 to 65536).
        #[arg(long, default_value_t = DEFAULT_MAX_PACKET_SIZE as u32,
              value_parser = clap::value_parser!(u32).range(8192..=65536))]
        max_packet_size: u32,
    },
}
