//! What is kept of a stream: the start and the end, with the middle cut, so
//! a page never swallows megabytes and a failure still shows its last lines.

use std::collections::VecDeque;

/// Bytes of each stream kept.
const KEEP_HEAD: usize = 48 * 1024;
const KEEP_TAIL: usize = 16 * 1024;

/// The head and tail of a stream, and how much of the middle was cut.
#[derive(Default)]
pub struct Capped {
    head: Vec<u8>,
    tail: VecDeque<u8>,
    cut: usize,
}

impl Capped {
    pub fn push(&mut self, mut bytes: &[u8]) {
        let room = KEEP_HEAD - self.head.len();
        let take = room.min(bytes.len());
        self.head.extend_from_slice(&bytes[..take]);
        bytes = &bytes[take..];
        self.tail.extend(bytes);
        let excess = self.tail.len().saturating_sub(KEEP_TAIL);
        self.tail.drain(..excess);
        self.cut += excess;
    }

    pub fn finish(self) -> String {
        let mut text = String::from_utf8_lossy(&self.head).into_owned();
        if self.cut > 0 {
            text.push_str(&format!("\n[… {} bytes cut]\n", self.cut));
        }
        text.push_str(&String::from_utf8_lossy(&Vec::from(self.tail)));
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn huge_output_keeps_its_head_and_tail() {
        let mut capped = Capped::default();
        capped.push(b"first line\n");
        for _ in 0..100 {
            capped.push(&[b'x'; 1024]);
        }
        capped.push(b"\nlast line\n");
        let text = capped.finish();
        let total = 11 + 100 * 1024 + 11;
        let cut = total - KEEP_HEAD - KEEP_TAIL;
        assert!(text.starts_with("first line\n"));
        assert!(text.ends_with("\nlast line\n"));
        assert!(
            text.contains(&format!("[… {cut} bytes cut]")),
            "cut marker missing"
        );
    }
}
