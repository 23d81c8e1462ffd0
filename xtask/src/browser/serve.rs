//! A tiny static file server for the built book, on a free loopback port.
//!
//! The browser must load the book over HTTP, not `file://`: mdBook's sidebar, search and
//! theme code behave differently on `file://` (no shared origin), and a reader never sees that.
//! One thread accepts; each connection gets its own short-lived thread, because Chromium
//! opens speculative connections that may never send a request.

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
            method == "HEAD",
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
        Some((mime, body)) => respond(&mut stream, "200 OK", mime, &body, method == "HEAD"),
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
/// The query and fragment are ignored; `%XX` escapes are decoded.
pub fn sanitize(target: &str) -> Option<PathBuf> {
    let path = target.split(['?', '#']).next()?;
    let decoded = percent_decode(path)?;
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

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The Content-Type for what an mdBook build contains; browsers refuse a stylesheet or a
/// module served with the wrong type, so this is part of what the test checks.
pub fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|e| e.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

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
            "/%zz",
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

    fn get(server: &Server, target: &str) -> String {
        let mut stream = TcpStream::connect(server.addr).unwrap();
        write!(stream, "GET {target} HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        response
    }

    #[test]
    fn serves_files_indexes_and_404s() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir(root.path().join("sub")).unwrap();
        std::fs::write(root.path().join("index.html"), "<p>home</p>").unwrap();
        std::fs::write(root.path().join("sub/style.css"), "p{}").unwrap();
        let server = Server::start(root.path()).unwrap();

        let home = get(&server, "/");
        assert!(home.starts_with("HTTP/1.1 200 OK\r\n"), "{home}");
        assert!(home.contains("Content-Type: text/html") && home.ends_with("<p>home</p>"));
        let css = get(&server, "/sub/style.css");
        assert!(
            css.contains("Content-Type: text/css") && css.ends_with("p{}"),
            "{css}"
        );
        assert!(get(&server, "/missing.html").starts_with("HTTP/1.1 404"));
        assert!(get(&server, "/../index.html").starts_with("HTTP/1.1 404"));
    }
}
