//! `cargo xtask bench`: start-up time, idle memory and throughput of the release server, printed as numbers
//! for `docs/benchmarks.md`. Uses `wrk` (Debian package) as the load generator on loopback.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

const PASSWORD: &str = "benchmark pass phrase";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// One HTTP/1.0 exchange on loopback; returns the raw response.
fn http(address: &str, request: &str) -> Result<String> {
    let mut stream = TcpStream::connect(address)?;
    stream.write_all(request.as_bytes())?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    Ok(response)
}

fn cookie(response: &str, name: &str) -> Option<String> {
    response
        .lines()
        .filter_map(|line| line.strip_prefix("set-cookie: "))
        .find(|value| value.starts_with(&format!("{name}=")))
        .and_then(|value| value.split(';').next())
        .map(str::to_owned)
}

fn rss_kib(pid: u32) -> Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let line = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .context("no VmRSS")?;
    Ok(line
        .split_whitespace()
        .nth(1)
        .context("VmRSS value")?
        .parse()?)
}

fn wrk(url: &str, header: Option<&str>) -> Result<String> {
    let mut command = Command::new("wrk");
    command.args(["-t2", "-c32", "-d10s", "--latency"]);
    if let Some(header) = header {
        command.args(["-H", header]);
    }
    let output = command
        .arg(url)
        .output()
        .context("running wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let pick = |prefix: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(prefix))
            .map(|l| l.trim().to_owned())
            .unwrap_or_default()
    };
    Ok(format!(
        "{} | {} | p99 {}",
        pick("Requests/sec"),
        pick("Latency"),
        pick("99%")
    ))
}

pub fn bench(root: &Path) -> Result<()> {
    let binary = crate::cargo_target_dir(root).join("release/rampart");
    if !binary.is_file() {
        bail!(
            "build the release server first: cargo xtask run (or cargo build --release -p server)"
        );
    }
    let data = std::env::temp_dir().join(format!("rampart-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    let (port, content_port) = (free_port()?, free_port()?);
    let address = format!("127.0.0.1:{port}");
    let started = Instant::now();
    let mut server = Server(
        Command::new(&binary)
            .arg("serve")
            .env("RAMPART_DATA_DIR", &data)
            .env("RAMPART_LISTEN", &address)
            .env(
                "RAMPART_CONTENT_LISTEN",
                format!("127.0.0.1:{content_port}"),
            )
            .env("RAMPART_PUBLIC_URL", format!("http://{address}"))
            .env(
                "RAMPART_CONTENT_URL",
                format!("http://localhost:{content_port}"),
            )
            .env("RAMPART_SITE_DIR", root.join("target/site"))
            .env("RAMPART_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    loop {
        if let Ok(response) = http(&address, "GET /readyz HTTP/1.0\r\n\r\n")
            && (response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200"))
        {
            break;
        }
        if started.elapsed() > Duration::from_secs(30) {
            bail!("the server did not become ready");
        }
        if let Some(status) = server.0.try_wait()? {
            bail!("the server exited: {status}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let ready_ms = started.elapsed().as_millis();
    std::thread::sleep(Duration::from_secs(2));
    let idle_rss = rss_kib(server.0.id())?;

    // Set up the admin through the real form, as a browser would, and keep its session cookie.
    let page = http(&address, "GET /setup HTTP/1.0\r\nAccept: text/html\r\n\r\n")?;
    let csrf_cookie = cookie(&page, "rampart_csrf").context("CSRF cookie")?;
    let marker = "name=\"csrf_token\" value=\"";
    let token = page
        .split(marker)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("CSRF token")?;
    let body = format!(
        "csrf_token={token}&display_name=Bench+Admin&email=bench%40nhs.example&password={}",
        PASSWORD.replace(' ', "+")
    );
    let reply = http(
        &address,
        &format!(
            "POST /api/complete_setup HTTP/1.0\r\nCookie: {csrf_cookie}\r\nAccept: text/html\r\nReferer: http://{address}/setup\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )?;
    let session = cookie(&reply, "rampart_session").context("no session cookie after setup")?;
    let cookie_header = format!("Cookie: {csrf_cookie}; {session}");

    println!("server ready after {ready_ms} ms (spawn to first 200 from /readyz)");
    println!("RSS at idle: {} MiB", idle_rss / 1024);
    println!(
        "/healthz: {}",
        wrk(&format!("http://{address}/healthz"), None)?
    );
    println!(
        "/dashboard (signed in): {}",
        wrk(&format!("http://{address}/dashboard"), Some(&cookie_header))?
    );
    println!("RSS after load: {} MiB", rss_kib(server.0.id())? / 1024);
    drop(server);
    let _ = std::fs::remove_dir_all(&data);
    Ok(())
}
