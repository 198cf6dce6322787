//! What an update asks for (the value of each update code) and the first failure it meets, shared by
//! the lb member and the ajp settings of an update.

use super::error::CommandError;

/// Answers an update code with the value requested for it.
pub(super) type Edits<'p> = dyn Fn(&str) -> Option<&'p str> + Send + Sync + 'p;

/// The longest route, redirect, domain or host name mod_jk accepts (`jk_check_attribute_length`).
const MAX_STRING: usize = 60;

/// A new value for one of mod_jk's length-limited names: `Ok(None)` if not asked for or unchanged,
/// `Err(value)` if too long.
pub(super) fn changed_text<'p>(
    edits: &Edits<'p>,
    code: &str,
    current: &str,
) -> Result<Option<&'p str>, &'p str> {
    match edits(code) {
        Some(value) if value.len() > MAX_STRING => Err(value),
        Some(value) if value != current => Ok(Some(value)),
        _ => Ok(None),
    }
}

pub(super) fn too_long(what: &'static str, value: &str, name: &str) -> CommandError {
    CommandError::TooLong {
        what,
        value: value.to_string(),
        name: name.to_string(),
    }
}

/// The first failure of an update, as mod_jk words it; the other changes still apply, as in mod_jk.
#[derive(Debug, Default)]
pub(super) struct Failures(Option<CommandError>);

impl Failures {
    pub(super) fn add(&mut self, error: CommandError) {
        self.0.get_or_insert(error);
    }

    pub(super) fn into_result(self) -> Result<(), CommandError> {
        self.0.map_or(Ok(()), Err)
    }
}
