//! Headless Chromium driven through chromedriver's WebDriver protocol (JSON over HTTP).
//!
//! The protocol needs a handful of endpoints, so this speaks it over `TcpStream` rather than
//! pulling an async WebDriver crate and its runtime into the build. chromedriver runs in its
//! own process group with the Chromium it starts, and dropping [`Browser`] ends that whole
//! group, whatever happened before. Being its own group, it does not get the terminal's
//! Ctrl-C, so while it runs, SIGINT, SIGTERM and SIGHUP end the group before ending us.

use anyhow::{Context, Result, anyhow, bail};
use serde_json::{Value, json};
use std::io::{Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};

/// How long one WebDriver command may take; page loads are bounded below this by the
/// session's own `pageLoad` timeout, so a hung page is an error, not a hung test.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(60);
const PAGE_LOAD_TIMEOUT_MS: u64 = 30_000;
const SCRIPT_TIMEOUT_MS: u64 = 30_000;
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(20);

/// Window size of every page the test looks at (and of its screenshots).
pub const WINDOW: (u32, u32) = (1280, 1000);

/// What the test needs installed, named in every "not found" error.
pub const PACKAGES_HINT: &str = "install Debian's `chromium` and `chromium-driver` packages (apt-get install chromium chromium-driver), \
     or set CHROMIUM and CHROMEDRIVER to the binaries";

/// The process group of the running chromedriver (0: none), for the signal handler.
static DRIVER_GROUP: AtomicI32 = AtomicI32::new(0);

/// Kills chromedriver's group, then dies of `signal` as if this handler were not there.
/// Uses only async-signal-safe calls: an atomic load, kill, signal and raise.
extern "C" fn end_driver_then_die(signal: libc::c_int) {
    let group = DRIVER_GROUP.load(Ordering::SeqCst);
    // SAFETY: kill, signal and raise are async-signal-safe and touch no Rust state.
    unsafe {
        if group > 0 {
            libc::kill(-group, libc::SIGKILL);
        }
        libc::signal(signal, libc::SIG_DFL);
        libc::raise(signal);
    }
}

fn end_driver_on_signals(group: u32) {
    DRIVER_GROUP.store(group as i32, Ordering::SeqCst);
    let handler = end_driver_then_die as extern "C" fn(libc::c_int);
    for signal in [libc::SIGINT, libc::SIGTERM, libc::SIGHUP] {
        // SAFETY: installs a handler that only makes async-signal-safe calls.
        unsafe {
            libc::signal(signal, handler as libc::sighandler_t);
        }
    }
}

/// One log entry of the browser console.
#[derive(Debug)]
pub struct LogEntry {
    pub level: String,
    pub message: String,
}

pub struct Browser {
    driver: Child,
    port: u16,
    session: Option<String>,
    // Removed when the browser is dropped, after Chromium has ended.
    _profile: tempfile::TempDir,
}

impl Browser {
    /// Starts chromedriver on a free loopback port, waits until it answers, and opens a
    /// headless session with the browser console logged. `log` receives chromedriver's output.
    pub fn launch(log: &Path) -> Result<Browser> {
        let chromium = find_binary(
            "CHROMIUM",
            &["chromium", "chromium-browser", "google-chrome"],
        )?;
        let chromedriver = find_binary("CHROMEDRIVER", &["chromedriver"])?;
        let port = free_port()?;
        let log_file =
            std::fs::File::create(log).with_context(|| format!("creating {}", log.display()))?;
        let driver = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(log_file.try_clone()?)
            .stderr(log_file)
            .process_group(0)
            .spawn()
            .with_context(|| format!("starting {}", chromedriver.display()))?;
        end_driver_on_signals(driver.id());
        let profile = tempfile::Builder::new()
            .prefix("browser-test-profile")
            .tempdir()?;
        let mut browser = Browser {
            driver,
            port,
            session: None,
            _profile: profile,
        };
        browser.wait_until_ready()?;
        browser.open_session(&chromium)?;
        Ok(browser)
    }

    fn wait_until_ready(&mut self) -> Result<()> {
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if let Some(status) = self.driver.try_wait()? {
                bail!("chromedriver exited at start ({status}); see its log");
            }
            if let Ok((_, body)) = http(self.port, "GET", "/status", None, Duration::from_secs(2))
                && body["value"]["ready"] == json!(true)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                bail!("chromedriver did not answer /status within {DRIVER_START_TIMEOUT:?}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn open_session(&mut self, chromium: &Path) -> Result<()> {
        let profile = self._profile.path().display();
        let args = [
            "--headless".to_string(),
            // Chromium refuses its sandbox as root (containers, CI images); the pages are ours.
            "--no-sandbox".to_string(),
            "--disable-gpu".to_string(),
            "--disable-dev-shm-usage".to_string(),
            "--disable-quic".to_string(),
            "--no-first-run".to_string(),
            "--disable-background-networking".to_string(),
            "--disable-component-update".to_string(),
            "--disable-sync".to_string(),
            // The book must work offline: every name but the loopback server's fails to
            // resolve, so a page that reaches out to the network shows it as a console error
            // here and in CI alike.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1".to_string(),
            "--hide-scrollbars".to_string(),
            "--force-device-scale-factor=1".to_string(),
            format!("--window-size={},{}", WINDOW.0, WINDOW.1),
            format!("--user-data-dir={profile}"),
        ];
        let capabilities = json!({
            "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": { "binary": chromium, "args": args },
                "goog:loggingPrefs": { "browser": "ALL" },
                "timeouts": { "pageLoad": PAGE_LOAD_TIMEOUT_MS, "script": SCRIPT_TIMEOUT_MS },
            }}
        });
        let value = self.command("POST", "/session", Some(&capabilities))?;
        let id = value["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("new session answer has no sessionId: {value}"))?;
        self.session = Some(id.to_string());
        Ok(())
    }

    fn session_path(&self, tail: &str) -> Result<String> {
        let id = self
            .session
            .as_deref()
            .ok_or_else(|| anyhow!("no WebDriver session"))?;
        Ok(format!("/session/{id}{tail}"))
    }

    /// Sends one command and returns its `value`, or the WebDriver error as an error.
    fn command(&self, method: &str, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, mut answer) = http(self.port, method, path, body, COMMAND_TIMEOUT)
            .with_context(|| format!("WebDriver {method} {path}"))?;
        let value = answer["value"].take();
        if status != 200 {
            let error = value["error"].as_str().unwrap_or("unknown error");
            let message = value["message"].as_str().unwrap_or("");
            let first_line = message.lines().next().unwrap_or("");
            bail!("WebDriver {method} {path}: HTTP {status}, {error}: {first_line}");
        }
        Ok(value)
    }

    /// Loads `url` and returns once its `load` event fired.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.command(
            "POST",
            &self.session_path("/url")?,
            Some(&json!({ "url": url })),
        )?;
        Ok(())
    }

    /// Runs `script` as the body of a function called with `args`; returns what it returns.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        self.command("POST", &self.session_path("/execute/sync")?, Some(&body))
    }

    /// Polls `condition` (a script body returning true when done) until true or `timeout`.
    /// Returns whether it became true.
    pub fn wait_for(&self, condition: &str, timeout: Duration) -> Result<bool> {
        let deadline = Instant::now() + timeout;
        loop {
            if self.execute(condition, json!([]))? == json!(true) {
                return Ok(true);
            }
            if Instant::now() > deadline {
                return Ok(false);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves a PNG of the viewport.
    pub fn screenshot(&self, path: &Path) -> Result<()> {
        let value = self.command("GET", &self.session_path("/screenshot")?, None)?;
        save_png(value.as_str().unwrap_or(""), path)
    }

    /// The browser console's entries since the last call (chromedriver empties its buffer).
    pub fn console_log(&self) -> Result<Vec<LogEntry>> {
        let value = self.command(
            "POST",
            &self.session_path("/se/log")?,
            Some(&json!({ "type": "browser" })),
        )?;
        let entries = value
            .as_array()
            .ok_or_else(|| anyhow!("console log is not a list: {value}"))?;
        Ok(entries
            .iter()
            .map(|entry| LogEntry {
                level: entry["level"].as_str().unwrap_or("").to_string(),
                message: entry["message"].as_str().unwrap_or("").to_string(),
            })
            .collect())
    }

    /// A Chrome DevTools Protocol command, for what WebDriver has no endpoint for (print media).
    pub fn devtools(&self, cmd: &str, params: Value) -> Result<Value> {
        let body = json!({ "cmd": cmd, "params": params });
        self.command(
            "POST",
            &self.session_path("/goog/cdp/execute")?,
            Some(&body),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(path) = self.session_path("") {
            // Ends Chromium cleanly; the group kill below covers a driver that does not answer.
            let _ = http(self.port, "DELETE", &path, None, Duration::from_secs(10));
        }
        let group = self.driver.id() as libc::pid_t;
        // SAFETY: kill(2) with a negative pid signals the process group chromedriver leads
        // (process_group(0) above); it touches no memory of ours.
        unsafe {
            libc::kill(-group, libc::SIGTERM);
        }
        let deadline = Instant::now() + Duration::from_secs(3);
        while matches!(self.driver.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        // SAFETY: as above; SIGKILL for whatever ignored SIGTERM, chromedriver's children included.
        unsafe {
            libc::kill(-group, libc::SIGKILL);
        }
        let _ = self.driver.wait();
        DRIVER_GROUP.store(0, Ordering::SeqCst);
    }
}

/// Writes a base64-encoded PNG (what WebDriver and DevTools screenshots are) to `path`.
pub fn save_png(encoded: &str, path: &Path) -> Result<()> {
    let png = base64_decode(encoded).ok_or_else(|| anyhow!("screenshot is not base64"))?;
    if !png.starts_with(b"\x89PNG") {
        bail!("screenshot is not a PNG");
    }
    std::fs::write(path, png).with_context(|| format!("writing {}", path.display()))
}

/// `$VAR` if set, else the first of `names` on PATH.
fn find_binary(var: &str, names: &[&str]) -> Result<PathBuf> {
    if let Some(path) = std::env::var_os(var) {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    names
        .iter()
        .flat_map(|name| std::env::split_paths(&path).map(move |dir| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| anyhow!("none of {names:?} found on PATH: {PACKAGES_HINT}"))
}

fn free_port() -> Result<u16> {
    // The port is free when asked; chromedriver binds it a moment later. A clash fails loudly
    // at /status, not silently.
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

/// One HTTP/1.1 request with `Connection: close`; returns the status and the JSON body.
fn http(
    port: u16,
    method: &str,
    path: &str,
    body: Option<&Value>,
    timeout: Duration,
) -> Result<(u16, Value)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\
         Content-Type: application/json; charset=utf-8\r\nContent-Length: {}\r\n\r\n{payload}",
        payload.len()
    )?;
    // chromedriver keeps the connection open whatever the request says, so the response
    // ends where its length says, not at EOF.
    let mut response = Vec::new();
    let mut buffer = [0; 64 * 1024];
    let (status, body) = loop {
        let read = stream.read(&mut buffer)?;
        if read == 0 {
            bail!("connection closed before the end of the response");
        }
        response.extend_from_slice(&buffer[..read]);
        if let Some(complete) = parse_response(&response)? {
            break complete;
        }
    };
    let value = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)?
    };
    Ok((status, value))
}

/// Splits an HTTP/1.1 response into its status code and body, undoing chunked transfer
/// encoding; `None` while the bytes so far are not a complete response.
fn parse_response(response: &[u8]) -> Result<Option<(u16, Vec<u8>)>> {
    let Some(split) = response.windows(4).position(|w| w == b"\r\n\r\n") else {
        return Ok(None);
    };
    let head = std::str::from_utf8(&response[..split])?;
    let body = &response[split + 4..];
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            anyhow!(
                "bad HTTP status line: {}",
                head.lines().next().unwrap_or("")
            )
        })?;
    let header = |name: &str| {
        head.lines().skip(1).find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim()
                .eq_ignore_ascii_case(name)
                .then(|| value.trim().to_ascii_lowercase())
        })
    };
    if header("transfer-encoding").is_some_and(|coding| coding.contains("chunked")) {
        return Ok(dechunk(body)?.map(|body| (status, body)));
    }
    let length: usize = match header("content-length") {
        Some(length) => length
            .parse()
            .with_context(|| format!("Content-Length {length:?}"))?,
        None => bail!("HTTP response with neither Content-Length nor chunked encoding"),
    };
    Ok(body.get(..length).map(|body| (status, body.to_vec())))
}

/// The body of a chunked response, or `None` while its last chunk has not arrived.
fn dechunk(mut body: &[u8]) -> Result<Option<Vec<u8>>> {
    let mut out = Vec::new();
    loop {
        let Some(line_end) = body.windows(2).position(|w| w == b"\r\n") else {
            return Ok(None);
        };
        let size_text = std::str::from_utf8(&body[..line_end])?;
        let size_text = size_text.split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_text, 16)
            .with_context(|| format!("chunk size {size_text:?}"))?;
        body = &body[line_end + 2..];
        if size == 0 {
            return Ok(Some(out));
        }
        let (Some(chunk), Some(rest)) = (body.get(..size), body.get(size + 2..)) else {
            return Ok(None);
        };
        out.extend_from_slice(chunk);
        body = rest;
    }
}

/// Standard base64 (what WebDriver screenshots are), padding optional; `None` if malformed.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let sextet = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let clean: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    let data = clean
        .strip_suffix(b"==")
        .or_else(|| clean.strip_suffix(b"="))
        .unwrap_or(&clean);
    if data.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    for group in data.chunks(4) {
        let mut bits = 0u32;
        for &c in group {
            bits = bits << 6 | sextet(c)?;
        }
        bits <<= 6 * (4 - group.len() as u32);
        let bytes = bits.to_be_bytes();
        out.extend_from_slice(&bytes[1..group.len()]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes_with_and_without_padding() {
        assert_eq!(base64_decode("").unwrap(), b"");
        assert_eq!(base64_decode("TWFu").unwrap(), b"Man");
        assert_eq!(base64_decode("TWE=").unwrap(), b"Ma");
        assert_eq!(base64_decode("TQ==").unwrap(), b"M");
        assert_eq!(base64_decode("TQ").unwrap(), b"M");
        assert_eq!(base64_decode("iVBO\nRw0K").unwrap(), b"\x89PNG\r\n");
        assert_eq!(base64_decode("T*=="), None);
        assert_eq!(base64_decode("TWFuT"), None);
    }

    #[test]
    fn parses_plain_and_chunked_responses() {
        let plain = b"HTTP/1.1 200 OK\r\nContent-Length:2\r\n\r\n{}";
        assert_eq!(parse_response(plain).unwrap(), Some((200, b"{}".to_vec())));
        let chunked = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n\
                        4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\n\r\n";
        assert_eq!(
            parse_response(chunked).unwrap(),
            Some((404, b"{\"a\":1}".to_vec()))
        );
    }

    #[test]
    fn incomplete_responses_wait_for_more() {
        assert_eq!(parse_response(b"HTTP/1.1 200 OK\r\n").unwrap(), None);
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}").unwrap(),
            None
        );
        let partial = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab";
        assert_eq!(parse_response(partial).unwrap(), None);
    }

    #[test]
    fn malformed_responses_are_errors() {
        assert!(parse_response(b"HTTP/1.1 OK\r\n\r\n").is_err());
        assert!(parse_response(b"HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n").is_err());
        assert!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n").is_err()
        );
    }
}
