//! SIGINT / SIGTERM during `replay`: the first signal raises the run's stop flag (the replay
//! drains, keeps whole lines, prints its summary and the process exits 128 + the signal
//! number: 130 for SIGINT, 143 for SIGTERM); a second signal exits at once with that code.

use anyhow::Context;
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;

/// The stop flag and the signal that raised it.
#[derive(Clone)]
pub struct Interrupt {
    /// Raised by the first signal.
    pub flag: Arc<AtomicBool>,
    signal: Arc<AtomicI32>,
}

impl Interrupt {
    /// The exit code for the signal received (None when none was).
    pub fn exit_code(&self) -> Option<u8> {
        match self.signal.load(Ordering::SeqCst) {
            0 => None,
            n => Some(128u8.saturating_add(n as u8)),
        }
    }
}

const SIGINT: i32 = 2;
const SIGTERM: i32 = 15;

/// Install the handlers (on a thread of their own); returns once they are in place, so a
/// signal arriving after this call is never the default action.
pub fn watch() -> anyhow::Result<Interrupt> {
    let it = Interrupt {
        flag: Arc::new(AtomicBool::new(false)),
        signal: Arc::new(AtomicI32::new(0)),
    };
    let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<()>>();
    let theirs = it.clone();
    std::thread::Builder::new()
        .name("distillguard-signals".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = ready_tx.send(Err(e));
                    return;
                }
            };
            rt.block_on(async move {
                use tokio::signal::unix::{signal, SignalKind};
                let (mut int, mut term) = match (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) {
                    (Ok(i), Ok(t)) => (i, t),
                    (Err(e), _) | (_, Err(e)) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                loop {
                    let n = tokio::select! {
                        _ = int.recv() => SIGINT,
                        _ = term.recv() => SIGTERM,
                    };
                    if theirs.flag.swap(true, Ordering::SeqCst) {
                        std::process::exit(128 + n);
                    }
                    theirs.signal.store(n, Ordering::SeqCst);
                    eprintln!("signal {n}: stopping after the current batch (again to exit now)");
                }
            });
        })
        .context("starting the signal thread")?;
    ready_rx
        .recv()
        .context("the signal thread ended")?
        .context("installing SIGINT/SIGTERM handlers")?;
    Ok(it)
}
