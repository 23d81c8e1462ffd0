//! A tiny static file server for the built book, on a free loopback port.
//!
//! The browser must load the book over HTTP, not `file://`: mdBook's sidebar, search and
//! theme code behave differently on `file://` (no shared origin), and a reader never sees that.
//! One thread accepts; each connection gets its own short-lived thread and one response,
//! because Chromium opens speculative connections that may never send a request.
//!
//! Not tiny_http (0.12): its pool of connection threads can leave a new connection unserved
//! while its threads wait on idle ones, and Chromium's first page then waited for three
//! stylesheets until its 30 s load timeout (measured: their request sat unread in the
//! socket). Requests are decoded by percent-encoding and typed by mime_guess.

use std::io::{self, BufRead, BufReader, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// The server stops, and its port closes, when this is dropped.
pub struct Server {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    accepter: Option<JoinHandle<()>>,
}

impl Server {
    pub fn start(root: &Path) -> io::Result<Server> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let stopping = Arc::clone(&stop);
        let accepter = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let root = root.clone();
                // A failed connection (the browser hung up) only affects that one request.
                std::thread::spawn(move || {
                    let _ = handle(stream, &root);
                });
            }
        });
        Ok(Server {
            addr,
            stop,
            accepter: Some(accepter),
        })
    }

    /// `http://127.0.0.1:PORT/` — page paths are appended to it.
    pub fn base_url(&self) -> String {
        format!("http://{}/", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accepter) = self.accepter.take() {
            let _ = accepter.join();
        }
    }
}

fn handle(stream: TcpStream, root: &Path) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // Headers are not needed; read them so the browser sees a well-behaved peer.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let mut stream = stream;
    if method != "GET" && method != "HEAD" {
        return respond(
            &mut stream,
            "405 Method Not Allowed",
            "text/plain",
            b"",
            false,
        );
    }
    let found = sanitize(target)
        .map(|relative| root.join(relative))
        .map(|path| {
            if path.is_dir() {
                path.join("index.html")
            } else {
                path
            }
        })
        .and_then(|path| {
            std::fs::read(&path)
                .ok()
                .map(|body| (content_type(&path), body))
        });
    match found {
        Some((mime, body)) => respond(&mut stream, "200 OK", &mime, &body, method == "HEAD"),
        None => respond(
            &mut stream,
            "404 Not Found",
            "text/plain",
            b"not found\n",
            method == "HEAD",
        ),
    }
}

fn respond(
    stream: &mut TcpStream,
    status: &str,
    mime: &str,
    body: &[u8],
    head: bool,
) -> io::Result<()> {
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {mime}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

/// The file a request target names, relative to the served root, or `None` for anything that
/// could leave the root (`..`, an absolute path after decoding, a NUL byte, a backslash).
/// The query and fragment are ignored; `%XX` escapes are decoded (a `%` without two hex
/// digits after it stays a `%`).
pub fn sanitize(target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_encoding::percent_decode_str(path)
        .decode_utf8()
        .ok()?;
    if decoded.contains('\0') || decoded.contains('\\') {
        return None;
    }
    let mut relative = PathBuf::new();
    for component in Path::new(decoded.trim_start_matches('/')).components() {
        match component {
            Component::Normal(part) => relative.push(part),
            Component::CurDir => {}
            Component::ParentDir | Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(relative)
}

/// The Content-Type for a file of the book, by its extension; browsers refuse a stylesheet or
/// a module served with the wrong type, so this is part of what the test checks.
pub fn content_type(path: &Path) -> String {
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    // mdBook writes UTF-8; say so, as mdBook's own server does, rather than let the
    // browser guess a stylesheet's or a script's encoding.
    if mime.type_() == mime_guess::mime::TEXT {
        format!("{mime}; charset=utf-8")
    } else {
        mime.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_keeps_paths_inside_the_root() {
        assert_eq!(sanitize("/"), Some(PathBuf::new()));
        assert_eq!(
            sanitize("/css/general.css?v=1#x"),
            Some(PathBuf::from("css/general.css"))
        );
        assert_eq!(sanitize("/./a/./b.html"), Some(PathBuf::from("a/b.html")));
        assert_eq!(sanitize("/a%20b.html"), Some(PathBuf::from("a b.html")));
        assert_eq!(sanitize("//etc/passwd"), Some(PathBuf::from("etc/passwd")));
        assert_eq!(sanitize("/%zz"), Some(PathBuf::from("%zz")));
    }

    #[test]
    fn sanitize_refuses_escapes() {
        for target in [
            "/../secret",
            "/a/../../b",
            "/%2e%2e/secret",
            "/a%2f..%2f..%2fb",
            "/a%00",
            "/a\\b",
            "/%e2%28",
        ] {
            assert_eq!(sanitize(target), None, "{target}");
        }
    }

    #[test]
    fn content_types_of_book_files() {
        for (name, mime) in [
            ("index.html", "text/html; charset=utf-8"),
            ("css/chrome.css", "text/css; charset=utf-8"),
            ("mermaid-eefea253.min.js", "text/javascript; charset=utf-8"),
            ("favicon.svg", "image/svg+xml"),
            ("favicon.PNG", "image/png"),
            ("fonts/open-sans.woff2", "font/woff2"),
            ("searchindex.json", "application/json"),
            ("LICENSE", "application/octet-stream"),
        ] {
            assert_eq!(content_type(Path::new(name)), mime, "{name}");
        }
    }

    #[test]
    fn serves_files_indexes_and_404s() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("sub")).unwrap();
        std::fs::write(root.path().join("index.html"), "<p>home</p>").unwrap();
        std::fs::write(root.path().join("sub/style.css"), "p{}").unwrap();
        let server = Server::start(root.path()).unwrap();
        let agent = ureq::Agent::new_with_config(
            ureq::Agent::config_builder()
                .http_status_as_error(false)
                .proxy(None)
                .build(),
        );
        let get = |target: &str| {
            let mut response = agent
                .get(format!("http://{}{target}", server.addr))
                .call()
                .unwrap();
            let mime = response
                .headers()
                .get("content-type")
                .map(|v| v.to_str().unwrap().to_string());
            let body = response.body_mut().read_to_string().unwrap();
            (response.status().as_u16(), mime, body)
        };

        let home = get("/");
        assert_eq!(home.0, 200);
        assert_eq!(home.1.as_deref(), Some("text/html; charset=utf-8"));
        assert_eq!(home.2, "<p>home</p>");
        let css = get("/sub/style.css");
        assert_eq!((css.0, css.2.as_str()), (200, "p{}"));
        assert_eq!(css.1.as_deref(), Some("text/css; charset=utf-8"));
        assert_eq!(get("/missing.html").0, 404);
        assert_eq!(get("/%2e%2e/index.html").0, 404);
        let post = agent
            .post(format!("http://{}/", server.addr))
            .send("x")
            .unwrap();
        assert_eq!(post.status().as_u16(), 405);
    }
}
