//! One HTTP client per calling thread, so that a call keeps to connections its own runtime drives.
//!
//! A pooled connection is driven by a task on the runtime of the thread that opened it. actix runs
//! one runtime per worker thread (and the process another for its start), so with one shared
//! client a worker's call often goes over a connection another thread drives: the request and the
//! answer each cross threads, two wake-ups a call, which on an idle two-core machine cost more than
//! everything else the server does for a get beyond its storage call (BENCHMARKS.md, "Caches and
//! the storage floor"). Each thread here gets a client of its own, built the same way, on its
//! first call.

use std::time::Duration;

use thread_local::ThreadLocal;

/// The clients, one per thread that has called, all with the same settings.
pub(crate) struct Clients {
    connect_timeout: Duration,
    /// Built at once, so that a client that cannot be built fails at configuration; also what a
    /// thread uses if its own cannot be built (never seen: same settings, same TLS backend).
    first: reqwest::Client,
    per_thread: ThreadLocal<reqwest::Client>,
}

impl Clients {
    pub(crate) fn new(connect_timeout: Duration) -> Result<Self, reqwest::Error> {
        let first = build(connect_timeout)?;
        // The building thread calls with the first client: a cold function, which builds its
        // store and answers on one thread, builds one client, not two.
        let per_thread = ThreadLocal::new();
        per_thread.get_or(|| first.clone());
        Ok(Self {
            connect_timeout,
            first,
            per_thread,
        })
    }

    /// This thread's client.
    pub(crate) fn get(&self) -> &reqwest::Client {
        self.per_thread
            .get_or(|| build(self.connect_timeout).unwrap_or_else(|_| self.first.clone()))
    }
}

fn build(connect_timeout: Duration) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .connect_timeout(connect_timeout)
        .build()
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    /// A keep-alive HTTP/1.1 server on loopback that answers every request 200 and counts the
    /// connections it accepted.
    fn counting_server() -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/", listener.local_addr().expect("address"));
        let accepted = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&accepted);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                counted.fetch_add(1, Ordering::SeqCst);
                std::thread::spawn(move || serve(stream));
            }
        });
        (url, accepted)
    }

    fn serve(stream: std::net::TcpStream) {
        let mut reader = BufReader::new(stream.try_clone().expect("clone"));
        let mut writer = stream;
        loop {
            let mut length = 0;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 {
                    return;
                }
                if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = value.trim().parse().unwrap_or(0);
                }
                if line == "\r\n" {
                    break;
                }
            }
            let mut body = vec![0; length];
            if reader.read_exact(&mut body).is_err()
                || writer
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                    .is_err()
            {
                return;
            }
        }
    }

    /// A thread with a runtime of its own, as an actix worker is: it calls `url` twice, says so
    /// on `called`, and keeps its runtime running (driving its connections) until `finish`.
    fn worker(
        clients: &Arc<Clients>,
        url: &str,
        called: std::sync::mpsc::Sender<(u16, u16, bool)>,
        finish: tokio::sync::oneshot::Receiver<()>,
    ) -> std::thread::JoinHandle<()> {
        let clients = Arc::clone(clients);
        let url = url.to_owned();
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async {
                let client = clients.get();
                let first = client.get(&url).send().await.expect("first call").status();
                let second = client.get(&url).send().await.expect("second call").status();
                let kept = std::ptr::eq(client, clients.get());
                called
                    .send((first.as_u16(), second.as_u16(), kept))
                    .expect("the test waits");
                finish.await.ok();
            });
        })
    }

    #[test]
    fn each_thread_calls_over_connections_of_its_own() {
        let (url, accepted) = counting_server();
        let clients = Arc::new(Clients::new(Duration::from_secs(5)).expect("clients"));
        let (called, calls) = std::sync::mpsc::channel();
        let (finish_a, a_finishes) = tokio::sync::oneshot::channel();
        let a = worker(&clients, &url, called.clone(), a_finishes);
        assert_eq!(calls.recv().expect("a called"), (200, 200, true));
        // The first thread's connection is idle in its pool, its runtime still running: one
        // shared client would hand it to the second thread (one connection in all).
        let (finish_b, b_finishes) = tokio::sync::oneshot::channel();
        let b = worker(&clients, &url, called, b_finishes);
        assert_eq!(calls.recv().expect("b called"), (200, 200, true));
        assert_eq!(
            accepted.load(Ordering::SeqCst),
            2,
            "one connection per thread"
        );
        for (finish, thread) in [(finish_a, a), (finish_b, b)] {
            finish.send(()).expect("the thread waits");
            thread.join().expect("the thread");
        }
    }
}
