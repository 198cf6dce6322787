//! Why a jk-status command failed. Scripts and operators read these messages on the result line, so
//! each one is worded exactly as mod_jk 1.2.48 words it.

/// The first reason a command failed; its `Display` is the result message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("NULL or EMPTY worker param")]
    NoWorker,
    #[error("EMPTY sub worker param")]
    EmptySubWorker,
    #[error("wildcard not allowed in sub worker for this command")]
    WildcardNotAllowed,
    #[error("worker type has no sub workers")]
    NoSubWorkers,
    #[error("could not find sub worker")]
    SubWorkerNotFound,
    #[error("Could not find given worker")]
    WorkerNotFound,
    #[error("Update failed")]
    UpdateFailed,
    /// A route, redirect, domain or host name over mod_jk's length limit. mod_jk says "sub worker"
    /// here for standalone ajp workers too.
    #[error(
        "Update failed (at least partially): new {what} '{value}' too long for sub worker '{name}', see log file for details."
    )]
    TooLong {
        what: &'static str,
        value: String,
        name: String,
    },
    #[error(
        "Update failed (at least partially): could not resolve address '{host}:{port}' for sub worker '{name}'."
    )]
    Unresolved {
        host: String,
        port: u16,
        name: String,
    },
    #[error("Update failed (at least partially): worker '{name}' is not running.")]
    NotRunning { name: String },
    /// A wildcard update stops at the first member that fails.
    #[error("{0} Aborting further wildcard updates.")]
    WildcardAborted(Box<CommandError>),
    #[error("Reset failed")]
    ResetFailed,
    #[error("Marking worker for recovery failed")]
    RecoverFailed,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_mod_jks() {
        let too_long = CommandError::TooLong {
            what: "route",
            value: "r".into(),
            name: "node1".into(),
        };
        assert_eq!(
            too_long.to_string(),
            "Update failed (at least partially): new route 'r' too long for sub worker 'node1', see log file for details."
        );
        let unresolved = CommandError::Unresolved {
            host: "nowhere".into(),
            port: 8009,
            name: "node1".into(),
        };
        assert_eq!(
            CommandError::WildcardAborted(Box::new(unresolved)).to_string(),
            "Update failed (at least partially): could not resolve address 'nowhere:8009' for sub worker 'node1'. Aborting further wildcard updates."
        );
        assert_eq!(
            CommandError::NoWorker.to_string(),
            "NULL or EMPTY worker param"
        );
    }
}
