//! The function binary ends cleanly when its host goes away after the answer, as the Netlify
//! CLI's functions proxy does after every invocation: it closes the function's output pipes and
//! stops serving the runtime API. (Before, the failed log line was reported on the closed
//! standard error, which panicked: status 101 after every answer.)

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const EVENT: &str =
    r#"{"path":"/api/health","httpMethod":"GET","headers":{},"multiValueHeaders":{}}"#;

/// One HTTP/1.1 request read from `reader`: its request line and body; `None` at the end of
/// the connection.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<(String, Vec<u8>)> {
    let mut line = String::new();
    if reader.read_line(&mut line).ok()? == 0 {
        return None;
    }
    let mut length = 0;
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).ok()?;
        if header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some((line.trim().to_owned(), body))
}

/// A runtime API that hands out one invocation, takes its answer, then goes away: returns the
/// answer the function posted.
fn serve_one_invocation(listener: TcpListener) -> Vec<u8> {
    loop {
        let (stream, _) = listener.accept().expect("the function connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        let mut writer = stream.try_clone().expect("clone");
        let mut reader = BufReader::new(stream);
        while let Some((line, body)) = read_request(&mut reader) {
            if line.starts_with("GET /2018-06-01/runtime/invocation/next") {
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                     lambda-runtime-aws-request-id: req-1\r\n\
                     lambda-runtime-deadline-ms: 32503680000000\r\n\
                     lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:1:function:health\r\n\
                     content-length: {}\r\n\r\n",
                    EVENT.len()
                );
                writer.write_all(head.as_bytes()).expect("written");
                writer.write_all(EVENT.as_bytes()).expect("written");
            } else if line.starts_with("POST /2018-06-01/runtime/invocation/req-1/response") {
                writer
                    .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
                    .expect("written");
                // The host goes away: this connection and the listener close here.
                return body;
            } else {
                panic!("unexpected request to the runtime API: {line}");
            }
        }
    }
}

#[test]
fn the_function_ends_cleanly_when_its_host_closes_its_pipes_and_goes_away() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a port");
    let api = listener.local_addr().expect("address").to_string();
    let data = std::env::temp_dir().join(format!("persona-clean-exit-{}", std::process::id()));
    let mut child = Command::new(env!("CARGO_BIN_EXE_health"))
        .env_clear()
        .env("AWS_LAMBDA_RUNTIME_API", &api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "health")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "1")
        .env("USE_MOCK_DATA", "true")
        .env("PERSONA_DATA_DIR", &data)
        .env("RUST_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the function starts");
    // Nobody reads the function's output: every line it logs meets a broken pipe.
    drop(child.stdout.take());
    drop(child.stderr.take());
    let answer = serve_one_invocation(listener);
    let answer = String::from_utf8(answer).expect("text");
    assert!(answer.contains(r#""statusCode":200"#), "{answer}");
    // A guard against a hang, not a timing: the function has long ended by then.
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waited") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            child.kill().expect("killed");
            panic!("the function did not end once its host went away");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let _ = std::fs::remove_dir_all(&data);
    assert!(status.success(), "the function ended with {status}");
}
