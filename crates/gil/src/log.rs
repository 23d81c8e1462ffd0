//! The optional event log: who held the GIL, from when to when — the data of
//! the book's Gantt charts.

use std::time::{Duration, Instant};

/// One hold of the GIL by one thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The thread's name, or `thread N` for an unnamed thread.
    pub thread: String,
    /// The thread-state id of the [`Gil::attach`](crate::Gil::attach) call.
    pub id: u64,
    /// When the thread took the GIL, from the start of the log.
    pub from: Duration,
    /// When it dropped it.
    pub to: Duration,
}

/// Spans recorded under the GIL's own mutex, so their order is the order of
/// the holds.
pub(crate) struct EventLog {
    start: Instant,
    spans: Vec<Span>,
    /// The current holder's span, until it drops the GIL.
    open: Option<Span>,
}

impl EventLog {
    pub(crate) fn starting_now() -> EventLog {
        EventLog {
            start: Instant::now(),
            spans: Vec::new(),
            open: None,
        }
    }

    pub(crate) fn taken(&mut self, id: u64, thread: &str) {
        let now = self.start.elapsed();
        self.open = Some(Span {
            thread: thread.to_string(),
            id,
            from: now,
            to: now,
        });
    }

    /// Closes the holder's span; a hold that began before the log started
    /// has no span and is skipped.
    pub(crate) fn dropped(&mut self, id: u64) {
        if let Some(mut span) = self.open.take().filter(|span| span.id == id) {
            span.to = self.start.elapsed();
            self.spans.push(span);
        }
    }

    pub(crate) fn spans(&self) -> &[Span] {
        &self.spans
    }
}

/// The name a span shows for thread-state `id`.
pub(crate) fn thread_name(id: u64) -> String {
    std::thread::current()
        .name()
        .map_or_else(|| format!("thread {id}"), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_close_in_order_and_foreign_drops_are_ignored() {
        let mut log = EventLog::starting_now();
        log.dropped(9); // held before the log started
        log.taken(1, "a");
        log.dropped(1);
        log.taken(2, "b");
        log.dropped(2);
        let spans = log.spans();
        assert_eq!(spans.len(), 2);
        assert_eq!((spans[0].thread.as_str(), spans[1].id), ("a", 2));
        assert!(spans[0].from <= spans[0].to && spans[0].to <= spans[1].from);
    }
}
