//! Progress on long work, drawn on stderr, and only when stderr is a terminal: a script or a
//! test that captures the output sees nothing of it.

use std::borrow::Cow;
use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

const TICK: Duration = Duration::from_millis(120);

/// A bar, or a hidden one when stderr is not a terminal.
fn new_bar(len: Option<u64>) -> ProgressBar {
    if std::io::stderr().is_terminal() {
        ProgressBar::with_draw_target(len, ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    }
}

/// A spinner with `message`, for work whose length is unknown. Clear it with
/// [`ProgressBar::finish_and_clear`] before printing the result.
pub(crate) fn spinner(message: impl Into<Cow<'static, str>>) -> ProgressBar {
    let bar = new_bar(None);
    if let Ok(style) = ProgressStyle::with_template("{spinner} {wide_msg} ({elapsed})") {
        bar.set_style(style);
    }
    bar.set_message(message);
    bar.enable_steady_tick(TICK);
    bar
}

/// A bar of `len` steps, with a message on its right.
pub(crate) fn bar(len: u64) -> ProgressBar {
    let bar = new_bar(Some(len));
    if let Ok(style) =
        ProgressStyle::with_template("[{elapsed_precise}] {bar:30} {pos}/{len} {wide_msg}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.enable_steady_tick(TICK);
    bar
}
