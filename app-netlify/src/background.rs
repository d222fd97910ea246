//! The functions' [`JobRunner`]: a job is handed to the background function
//! `process-persona-background` by an HTTP call to the site's own
//! `/.netlify/functions/process-persona-background`. Netlify answers that call 202 at once and
//! runs the function for up to 15 minutes; it claims the job and writes its progress and result
//! to the record store, where get-job reads them.
//!
//! A synchronous function is frozen once it has answered, so the call is made (and its 202
//! awaited) before process-persona answers its own 202.

use std::time::Duration;

use persona_api::{JobRunner, Operation, RunnerBusy};
use tracing::warn;

/// The longest the hand-over may take: Netlify answers a background function's call at once.
const HAND_OVER_TIMEOUT: Duration = Duration::from_secs(10);

/// What a client is told to wait when the background function could not be reached.
const RETRY_AFTER: Duration = Duration::from_secs(5);

/// Where the background function is reached on the site at `site` (`DEPLOY_URL` or `URL`).
pub fn background_url(site: &str) -> String {
    format!(
        "{}/.netlify/functions/{}",
        site.trim_end_matches('/'),
        Operation::RunJob.name()
    )
}

/// A runner posting each job's id to the background function at `url`.
///
/// # Panics
///
/// When the HTTP client cannot be built (no TLS roots): the function cannot start.
pub fn background_runner(url: String) -> JobRunner {
    let client = reqwest::Client::builder()
        .timeout(HAND_OVER_TIMEOUT)
        .build()
        .expect("an HTTP client builds");
    JobRunner::elsewhere(move |work| {
        let call = client
            .post(&url)
            .json(&serde_json::json!({ "id": work.id.as_str() }))
            .send();
        Box::pin(async move {
            match call.await {
                Ok(answer) if answer.status().is_success() => Ok(()),
                Ok(answer) => {
                    warn!(
                        status = answer.status().as_u16(),
                        "the background function refused a job"
                    );
                    Err(RunnerBusy {
                        retry_after: RETRY_AFTER,
                    })
                }
                Err(error) => {
                    warn!(error = %error.without_url(), "the background function could not be reached");
                    Err(RunnerBusy {
                        retry_after: RETRY_AFTER,
                    })
                }
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use persona_api::JobWork;
    use persona_ports::JobId;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;

    use super::*;

    /// A server answering one request with `status`, returning what it received.
    async fn one_answer(status: u16) -> (String, tokio::task::JoinHandle<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let site = format!("http://{}", listener.local_addr().expect("addr"));
        let served = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("a call");
            let mut received = Vec::new();
            let mut buffer = [0_u8; 4096];
            loop {
                let n = socket.read(&mut buffer).await.expect("read");
                received.extend_from_slice(&buffer[..n]);
                let text = String::from_utf8_lossy(&received);
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(str::to_owned)
                        })
                        .and_then(|v| v.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            let reply =
                format!("HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n");
            socket.write_all(reply.as_bytes()).await.expect("write");
            String::from_utf8_lossy(&received).into_owned()
        });
        (site, served)
    }

    fn work(id: &JobId) -> JobWork {
        JobWork {
            id: id.clone(),
            run: Box::pin(async { panic!("a job handed elsewhere never runs here") }),
        }
    }

    #[tokio::test]
    async fn a_job_is_posted_by_id_to_the_background_function() {
        let (site, served) = one_answer(202).await;
        let id = JobId::fresh();
        background_runner(background_url(&format!("{site}/")))
            .submit(work(&id))
            .await
            .expect("handed over");
        let received = served.await.expect("served");
        assert!(
            received.starts_with("POST /.netlify/functions/process-persona-background HTTP/1.1"),
            "{received}"
        );
        assert!(
            received
                .to_ascii_lowercase()
                .contains("content-type: application/json")
        );
        assert!(
            received.ends_with(&format!("{{\"id\":\"{}\"}}", id.as_str())),
            "{received}"
        );
    }

    #[tokio::test]
    async fn a_refusal_or_no_answer_is_busy_with_a_wait() {
        let (site, served) = one_answer(500).await;
        let busy = background_runner(background_url(&site))
            .submit(work(&JobId::fresh()))
            .await
            .expect_err("refused");
        assert_eq!(busy.retry_after, RETRY_AFTER);
        served.await.expect("served");
        let unreachable = background_runner(background_url("http://127.0.0.1:9"))
            .submit(work(&JobId::fresh()))
            .await;
        assert!(unreachable.is_err());
    }
}
