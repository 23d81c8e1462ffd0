//! A queue between processes, the counterpart of `multiprocessing.Queue`:
//! several producers (forked children) send framed messages into one pipe,
//! and one consumer (the parent) reads them all, then waits for them.

use std::error::Error;
use std::fs::File;
use std::io::{BufReader, ErrorKind, Read, Write};
use std::os::fd::OwnedFd;

use nix::fcntl::{FcntlArg, fcntl};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork, pipe};

const PRODUCERS: usize = 4;
const MESSAGES: usize = 10_000;

fn main() -> Result<(), Box<dyn Error>> {
    let (read_end, write_end) = pipe()?;
    let capacity = fcntl(&read_end, FcntlArg::F_GETPIPE_SZ)?;

    let mut producers = Vec::new();
    for id in 0..PRODUCERS {
        // SAFETY: this program has one thread, so the child may run any code.
        match unsafe { fork() }? {
            ForkResult::Child => {
                drop(read_end);
                produce(id, write_end);
            }
            ForkResult::Parent { child } => producers.push(child),
        }
    }
    drop(write_end); // now only the producers hold it: EOF when all are done
    println!("{PRODUCERS} producers send {MESSAGES} messages each through one pipe");

    // Read everything first, wait after. The messages are more than the pipe
    // holds: a producer blocks on the full pipe until the consumer reads, so
    // a consumer that waited for the producers first would wait forever.
    let mut pipe = BufReader::new(File::from(read_end));
    let mut next = [0; PRODUCERS]; // the message number expected from each
    let (mut received, mut bytes) = (0, 0);
    while let Some(message) = receive(&mut pipe)? {
        bytes += 4 + message.len();
        let text = String::from_utf8(message)?;
        let (id, number) = parse(&text).ok_or(format!("malformed message {text:?}"))?;
        if number != next[id] {
            return Err(
                format!("producer {id}: got message {number}, expected {}", next[id]).into(),
            );
        }
        next[id] += 1;
        received += 1;
    }
    println!("received {received} messages");
    println!("they took {bytes} bytes; the pipe holds {capacity} at a time");
    for (id, count) in next.iter().enumerate() {
        println!("producer {id}: {count} messages, in the order sent");
    }
    for child in producers {
        match waitpid(child, None)? {
            WaitStatus::Exited(_, 0) => {}
            status => return Err(format!("a producer ended with {status:?}").into()),
        }
    }
    println!("every producer exited with status 0");
    Ok(())
}

/// One producer's life: send its messages, then leave. Each message goes
/// out as one frame (its length, then its bytes) in a single `write`, and a
/// pipe never splits a write of at most PIPE_BUF bytes, so frames from
/// different producers never interleave.
fn produce(id: usize, write_end: OwnedFd) -> ! {
    let mut pipe = File::from(write_end);
    let mut code = 0;
    for number in 0..MESSAGES {
        let text = format!("producer {id} message {number}");
        let mut frame = (text.len() as u32).to_be_bytes().to_vec();
        frame.extend_from_slice(text.as_bytes());
        assert!(
            frame.len() <= libc::PIPE_BUF,
            "a frame must be written whole"
        );
        if let Err(e) = pipe.write_all(&frame) {
            eprintln!("producer {id}: write failed: {e}");
            code = 1;
            break;
        }
    }
    drop(pipe);
    // SAFETY: leaves at once, without the parent's exit-time cleanup.
    unsafe { libc::_exit(code) }
}

/// The next frame's bytes, or `None` at end-of-file between frames.
fn receive(pipe: &mut impl Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut length = [0; 4];
    match pipe.read_exact(&mut length) {
        Ok(()) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let mut message = vec![0; u32::from_be_bytes(length) as usize];
    pipe.read_exact(&mut message)?;
    Ok(Some(message))
}

/// "producer 2 message 17" -> (2, 17).
fn parse(text: &str) -> Option<(usize, usize)> {
    match text.split(' ').collect::<Vec<_>>()[..] {
        ["producer", id, "message", number] => {
            let id: usize = id.parse().ok()?;
            (id < PRODUCERS).then_some((id, number.parse().ok()?))
        }
        _ => None,
    }
}
