//! A progress bar on stderr, only when stderr is a terminal.

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

/// A bar counting records, or nothing when stderr is not a terminal.
pub fn bar(unit: &str) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let b = ProgressBar::new_spinner();
    let style = ProgressStyle::with_template(&format!(
        "{{spinner}} {{human_pos}} {unit} ({{per_sec}}) {{elapsed}}"
    ))
    .unwrap_or_else(|_| ProgressStyle::default_spinner());
    b.set_style(style);
    Some(b)
}
