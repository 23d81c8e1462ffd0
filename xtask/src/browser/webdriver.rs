//! Headless Chromium driven through chromedriver's WebDriver protocol (JSON over HTTP).
//!
//! The test needs a handful of endpoints, and Rust's WebDriver clients are async, so this
//! sends them with ureq (blocking HTTP) and serde_json. chromedriver runs in its
//! own process group with the Chromium it starts, and dropping [`Browser`] ends that whole
//! group, whatever happened before. Being its own group, it does not get the terminal's
//! Ctrl-C, so while it runs, SIGINT, SIGTERM and SIGHUP end the group before ending us.

use anyhow::{Context, Result, anyhow, bail};
use base64::Engine;
use serde_json::{Value, json};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::time::{Duration, Instant};
use ureq::http::{Method, Request};
use ureq::{Agent, AsSendBody, RequestExt};

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
    /// `http://127.0.0.1:PORT`, chromedriver's address.
    base: String,
    agent: Agent,
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
        let agent = Agent::new_with_config(
            Agent::config_builder()
                // WebDriver explains an error status in the body: read it, do not fail on it.
                .http_status_as_error(false)
                // chromedriver is on loopback: never through a proxy from the environment.
                .proxy(None)
                .build(),
        );
        let mut browser = Browser {
            driver,
            base: format!("http://127.0.0.1:{port}"),
            agent,
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
            if let Ok((_, body)) =
                self.request(Method::GET, "/status", None, Duration::from_secs(2))
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
        let value = self.command(Method::POST, "/session", Some(&capabilities))?;
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
    fn command(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let (status, mut answer) = self
            .request(method.clone(), path, body, COMMAND_TIMEOUT)
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

    /// One HTTP request to chromedriver, with `body` as JSON; returns the status and the JSON
    /// answer (null if empty).
    fn request(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
        timeout: Duration,
    ) -> Result<(u16, Value)> {
        let request = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base));
        let mut response = match body {
            Some(body) => self.send(
                request
                    .header("Content-Type", "application/json; charset=utf-8")
                    .body(body.to_string())?,
                timeout,
            )?,
            None => self.send(request.body(())?, timeout)?,
        };
        // No cap: ureq's plain readers stop at 10 MB, which a full-page screenshot (up to
        // 1280 x 16000 px, base64) may pass.
        let bytes = response.body_mut().with_config().read_to_vec()?;
        let value = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)?
        };
        Ok((response.status().as_u16(), value))
    }

    fn send(
        &self,
        request: Request<impl AsSendBody>,
        timeout: Duration,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        request
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(timeout))
            .build()
            .run()
    }

    /// Loads `url` and returns once its `load` event fired.
    pub fn goto(&self, url: &str) -> Result<()> {
        self.command(
            Method::POST,
            &self.session_path("/url")?,
            Some(&json!({ "url": url })),
        )?;
        Ok(())
    }

    /// Runs `script` as the body of a function called with `args`; returns what it returns.
    pub fn execute(&self, script: &str, args: Value) -> Result<Value> {
        let body = json!({ "script": script, "args": args });
        self.command(
            Method::POST,
            &self.session_path("/execute/sync")?,
            Some(&body),
        )
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
        let value = self.command(Method::GET, &self.session_path("/screenshot")?, None)?;
        save_png(value.as_str().unwrap_or(""), path)
    }

    /// The browser console's entries since the last call (chromedriver empties its buffer).
    pub fn console_log(&self) -> Result<Vec<LogEntry>> {
        let value = self.command(
            Method::POST,
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
            Method::POST,
            &self.session_path("/goog/cdp/execute")?,
            Some(&body),
        )
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        if let Ok(path) = self.session_path("") {
            // Ends Chromium cleanly; the group kill below covers a driver that does not answer.
            let _ = self.request(Method::DELETE, &path, None, Duration::from_secs(10));
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
    let png = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .context("screenshot is not base64")?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn save_png_writes_only_a_base64_png() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shot.png");
        // The 8-byte PNG signature, base64-encoded.
        save_png("iVBORw0KGgo=", &path).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"\x89PNG\r\n\x1a\n");
        assert!(save_png("not base64!", &path).is_err());
        assert!(save_png("R0lGODlh", &path).is_err(), "a GIF is not a PNG");
    }
}
