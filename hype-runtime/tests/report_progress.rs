//! Progress bars draw nothing when stderr is not a terminal, or when asked not to.

use hype_runtime::report::{progress_visible, Progress};
use std::process::{Command, Stdio};

const CHILD: &str = "HYPE_PROGRESS_TEST_CHILD";

/// Run by the test below in a child process whose stderr is a pipe.
#[test]
fn child_ticks_a_bar() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    let p = Progress::new(1000, "child", true);
    assert!(p.is_hidden());
    for _ in 0..1000 {
        p.inc(1);
        p.set_message("loss 1.0");
    }
    p.finish();
    assert_eq!(p.position(), 1000);
    eprint!("child done");
}

#[test]
fn bar_is_silent_when_stderr_is_a_pipe() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(exe)
        .args([
            "child_ticks_a_bar",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env_remove("HYPE_QUIET")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    // The child's own message arrives, nothing else does (no bar, no escape codes).
    assert_eq!(err.trim(), "child done", "stderr: {err:?}");
}

#[test]
fn quiet_requests_hide_the_bar() {
    assert!(!progress_visible(false));
    let p = Progress::new(10, "quiet", false);
    assert!(p.is_hidden());
    p.inc(3);
    assert_eq!(p.position(), 3);
}
