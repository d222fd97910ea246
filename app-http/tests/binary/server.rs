//! [`Server`]: the `persona-server` binary as a child process on a free port.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running `persona-server`; dropping it kills the process.
pub struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Starts the binary in `cwd` with `vars`, on a free port, and waits until health answers.
    /// The port is picked here and handed over, so another process may take it first: a start
    /// whose process exits early is tried again on a new port.
    pub async fn start(cwd: &Path, vars: &[(&str, &str)]) -> Self {
        for _ in 0..3 {
            let port = TcpListener::bind("127.0.0.1:0")
                .expect("bind")
                .local_addr()
                .expect("addr")
                .port();
            let mut command = Command::new(env!("CARGO_BIN_EXE_persona-server"));
            command
                .current_dir(cwd)
                .env_clear()
                .env("PORT", port.to_string())
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            for (k, v) in vars {
                command.env(k, v);
            }
            let child = command.spawn().expect("persona-server starts");
            let mut server = Self {
                child,
                base: format!("http://127.0.0.1:{port}"),
            };
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                if reqwest::get(server.url("/api/health")).await.is_ok() {
                    return server;
                }
                if server.child.try_wait().expect("process status").is_some() {
                    break;
                }
                assert!(
                    Instant::now() < deadline,
                    "persona-server did not answer within 30 s"
                );
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!("persona-server exited at start three times");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Sends SIGTERM and returns whether the process exited successfully.
    pub fn terminate(mut self) -> bool {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill runs");
        assert!(sent.success());
        self.child.wait().expect("waited").success()
    }

    /// Kills the process with SIGKILL (what `Child::kill` sends on Unix), as a crash or an
    /// out-of-memory kill would: no handler runs, no task finishes, nothing is flushed.
    pub fn kill(mut self) {
        self.child.kill().expect("SIGKILL sent");
        let status = self.child.wait().expect("waited");
        assert!(!status.success(), "a killed process does not exit cleanly");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
