//! The supervisor process, and the build's side of it.
//!
//! The build may have other threads, so between `fork` and `exec` only
//! async-signal-safe calls are allowed: the supervisor's code uses raw
//! system calls on memory prepared before the fork ([`Prepared`]), never
//! allocates, locks or unwinds, and ends with `_exit` or `execve`.
//!
//! Protocol: the build holds the write end of the control pipe. A byte
//! [`KILL`] asks the supervisor to kill everything and report; end of file
//! means the build is gone, and the supervisor kills everything, removes
//! the temporary working directory and exits. The supervisor writes fixed
//! size [`Report`]s on the report pipe: one if the program could not start,
//! then one when it has ended and nothing it started is left.

use super::capture::Capped;
use super::{Ended, Leftover, Outcome, Spawn, interrupt};
use crate::store::Run;
use std::ffi::{CString, c_char, c_int};
use std::io::{self, Read};
use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::{Duration, Instant};

/// Asks the supervisor to kill the program and everything it started.
const KILL: u8 = b'k';
/// Leftover processes named in a report (all are counted and killed).
const NAMED: usize = 3;
/// How long the build waits for the supervisor to report after asking it to
/// kill, before it kills the supervisor itself.
const KILL_PATIENCE: Duration = Duration::from_secs(10);
/// How long the output may stay open after the supervisor's last report.
const CLOSE_PATIENCE: Duration = Duration::from_secs(2);
/// How long what a program started may take to end after the program has
/// ended on its own, before it counts as left behind: helpers that exit
/// when their parent does (Python's forkserver and resource tracker) end a
/// few milliseconds after it.
const LINGER_NS: u64 = 500_000_000;

#[repr(C)]
#[derive(Clone, Copy)]
struct Report {
    kind: u32,
    /// For `EXEC_FAILED`: why.
    errno: c_int,
    /// The program's wait status, or -1 if it was never reaped.
    status: c_int,
    /// From just before the program started to its end.
    elapsed_ns: u64,
    /// Processes still running after the program ended.
    leftovers: u32,
    /// 1: the program ended on its own, before any kill.
    on_its_own: u32,
    pids: [c_int; NAMED],
    names: [[u8; 16]; NAMED],
}

const EXEC_FAILED: u32 = 1;
const ENDED: u32 = 2;
/// The program was forked; `pids[0]` is its pid (and its process group).
const STARTED: u32 = 3;

impl Report {
    const SIZE: usize = std::mem::size_of::<Report>();

    fn new(kind: u32) -> Report {
        Report {
            kind,
            errno: 0,
            status: -1,
            elapsed_ns: 0,
            leftovers: 0,
            on_its_own: 0,
            pids: [0; NAMED],
            names: [[0; 16]; NAMED],
        }
    }
}

/// Everything the supervisor and the program need, made before the fork.
struct Prepared {
    program: CString,
    /// Owns what `argv_ptrs` points into.
    _argv: Vec<CString>,
    argv_ptrs: Vec<*const c_char>,
    /// Owns what `env_ptrs` points into.
    _env: Vec<CString>,
    env_ptrs: Vec<*const c_char>,
    cwd: CString,
    /// `rm -rf -- CWD`, run by a supervisor whose build died, when the
    /// working directory is a temporary one.
    remove: Option<(CString, Vec<CString>, Vec<*const c_char>)>,
    build_pid: libc::pid_t,
    devnull: RawFd,
    out: RawFd,
    err: RawFd,
    control: RawFd,
    report: RawFd,
}

fn c_string(bytes: &[u8]) -> io::Result<CString> {
    CString::new(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "a NUL byte"))
}

fn pointers(strings: &[CString]) -> Vec<*const c_char> {
    strings
        .iter()
        .map(|s| s.as_ptr())
        .chain(std::iter::once(std::ptr::null()))
        .collect()
}

/// Runs `spawn` in `cwd` under a supervisor; `temporary`: `cwd` is the
/// build's own and is removed if the build dies.
pub fn run(spawn: &Spawn, cwd: &Path, temporary: bool) -> io::Result<Ended> {
    let devnull = std::fs::File::open("/dev/null")?;
    let (out_r, out_w) = std::io::pipe()?;
    let (err_r, err_w) = std::io::pipe()?;
    let (control_r, control_w) = std::io::pipe()?;
    let (report_r, report_w) = std::io::pipe()?;
    let (out_w, err_w, control_r, report_w): (OwnedFd, OwnedFd, OwnedFd, OwnedFd) = (
        out_w.into(),
        err_w.into(),
        control_r.into(),
        report_w.into(),
    );

    let program = c_string(spawn.program.as_os_str().as_bytes())?;
    let mut argv = vec![program.clone()];
    for arg in spawn.args {
        argv.push(c_string(arg.as_bytes())?);
    }
    let env = spawn
        .env
        .iter()
        .map(|(k, v)| c_string(format!("{k}={v}").as_bytes()))
        .collect::<io::Result<Vec<_>>>()?;
    let remove = match ["/bin/rm", "/usr/bin/rm"]
        .into_iter()
        .find(|p| Path::new(p).exists())
    {
        Some(rm) if temporary => {
            let words = vec![
                c_string(b"rm")?,
                c_string(b"-rf")?,
                c_string(b"--")?,
                c_string(cwd.as_os_str().as_bytes())?,
            ];
            let ptrs = pointers(&words);
            Some((c_string(rm.as_bytes())?, words, ptrs))
        }
        _ => None,
    };
    let prepared = Prepared {
        argv_ptrs: pointers(&argv),
        _argv: argv,
        env_ptrs: pointers(&env),
        _env: env,
        program,
        cwd: c_string(cwd.as_os_str().as_bytes())?,
        remove,
        // SAFETY: getpid cannot fail.
        build_pid: unsafe { libc::getpid() },
        devnull: devnull.as_raw_fd(),
        out: out_w.as_raw_fd(),
        err: err_w.as_raw_fd(),
        control: control_r.as_raw_fd(),
        report: report_w.as_raw_fd(),
    };

    // SAFETY: the child runs only `supervise`, which makes async-signal-safe
    // calls on memory prepared above and never returns.
    let supervisor = unsafe { libc::fork() };
    if supervisor < 0 {
        return Err(io::Error::last_os_error());
    }
    if supervisor == 0 {
        // SAFETY: see above.
        unsafe { supervise(&prepared) }
    }
    drop((out_w, err_w, control_r, report_w, devnull));
    let mut control = std::fs::File::from(OwnedFd::from(control_w));
    watch(
        supervisor,
        &mut control,
        [out_r.into(), err_r.into(), report_r.into()],
        Instant::now() + spawn.limit,
    )
}

/// Why the build asked the supervisor to kill.
#[derive(Clone, Copy, PartialEq)]
enum Stop {
    TimedOut,
    Interrupted,
}

/// The build's side: reads the output until the supervisor's report and
/// the end of both streams, asking for a kill at `deadline` or on SIGINT /
/// SIGTERM.
fn watch(
    supervisor: libc::pid_t,
    control: &mut std::fs::File,
    [out, err, report]: [OwnedFd; 3],
    deadline: Instant,
) -> io::Result<Ended> {
    use std::io::Write;
    let mut streams = [
        (out, Capped::default(), true),
        (err, Capped::default(), true),
    ];
    let mut report_pipe = std::fs::File::from(report);
    let mut report_open = true;
    let mut ended: Option<Report> = None;
    let mut exec_failed: Option<c_int> = None;
    let mut program: Option<libc::pid_t> = None;
    let mut stop: Option<(Stop, Instant)> = None;
    let mut closing: Option<Instant> = None;
    for fd in [
        streams[0].0.as_raw_fd(),
        streams[1].0.as_raw_fd(),
        report_pipe.as_raw_fd(),
    ] {
        set_nonblocking(fd)?;
    }
    loop {
        let now = Instant::now();
        let open = streams.iter().any(|s| s.2);
        if ended.is_some() || !report_open {
            let since = *closing.get_or_insert(now);
            if !open || now >= since + CLOSE_PATIENCE {
                break;
            }
        }
        if stop.is_none() {
            let why = if interrupt::happened() {
                Some(Stop::Interrupted)
            } else if now >= deadline {
                Some(Stop::TimedOut)
            } else {
                None
            };
            if let Some(why) = why {
                // A supervisor already gone makes this fail; its report says why.
                let _ = control.write_all(&[KILL]);
                stop = Some((why, now));
            }
        }
        if let Some((_, asked)) = stop
            && ended.is_none()
            && now >= asked + KILL_PATIENCE
        {
            // SAFETY: kill only sends a signal, to our own unreaped child.
            unsafe { libc::kill(supervisor, libc::SIGKILL) };
            break;
        }
        let mut fds: Vec<libc::pollfd> = streams
            .iter()
            .filter(|s| s.2)
            .map(|s| s.0.as_raw_fd())
            .chain(report_open.then(|| report_pipe.as_raw_fd()))
            .map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            })
            .collect();
        let wait = if stop.is_none() {
            deadline.saturating_duration_since(now)
        } else {
            Duration::from_millis(50)
        };
        let timeout = wait.min(Duration::from_millis(50)).as_millis() as c_int;
        // SAFETY: `fds` is a valid array of pollfd of the given length.
        unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, timeout) };
        for (fd, kept, open) in streams.iter_mut().filter(|s| s.2) {
            *open = drain(fd.as_raw_fd(), kept);
        }
        if report_open {
            let mut bytes = [0u8; Report::SIZE];
            match report_pipe.read(&mut bytes) {
                Ok(0) => report_open = false,
                Ok(n) if n == Report::SIZE => {
                    // SAFETY: Report is plain data written whole by the supervisor
                    // (writes under PIPE_BUF are atomic).
                    let message: Report =
                        unsafe { std::ptr::read_unaligned(bytes.as_ptr().cast()) };
                    match message.kind {
                        EXEC_FAILED => exec_failed = Some(message.errno),
                        STARTED => program = Some(message.pids[0]),
                        _ => ended = Some(message),
                    }
                }
                Ok(_) => report_open = false,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => report_open = false,
            }
        }
    }
    let mut status = 0;
    // SAFETY: waits for our own child, which has exited or been killed.
    unsafe { libc::waitpid(supervisor, &mut status, 0) };

    if let Some(errno) = exec_failed {
        return Err(io::Error::from_raw_os_error(errno));
    }
    if matches!(stop, Some((Stop::Interrupted, _))) {
        return Ok(Ended::Interrupted);
    }
    let Some(report) = ended else {
        if let Some(program) = program {
            // SAFETY: signals the program's own group (program > 0).
            unsafe { libc::killpg(program, libc::SIGKILL) };
        }
        return Err(io::Error::other(format!(
            "its supervisor (pid {supervisor}) was killed before the program ended, by the \
             program itself or from outside; the program's process group was killed, but a \
             process that left it may still be running"
        )));
    };
    let [(_, out, _), (_, err, _)] = streams;
    let (exit_code, signal) = decode(report.status);
    let outcome = Outcome {
        run: Run {
            stdout: out.finish(),
            stderr: err.finish(),
            exit_code,
            signal,
            duration_secs: (report.elapsed_ns as f64 / 1e6).round() / 1000.0,
        },
        leftovers: (0..(report.leftovers as usize).min(NAMED))
            .map(|i| Leftover {
                pid: report.pids[i],
                name: String::from_utf8_lossy(&report.names[i])
                    .trim_end_matches('\0')
                    .trim()
                    .to_string(),
            })
            .chain((NAMED..report.leftovers as usize).map(|_| Leftover {
                pid: 0,
                name: String::new(),
            }))
            .collect(),
    };
    Ok(match stop {
        // A program that ended before the limit, whose leftovers the limit
        // caught while the supervisor waited for them, exited.
        Some((Stop::TimedOut, _)) if report.on_its_own == 0 => Ended::TimedOut(outcome),
        _ => Ended::Exited(outcome),
    })
}

fn set_nonblocking(fd: RawFd) -> io::Result<()> {
    // SAFETY: fcntl on a descriptor we own.
    unsafe {
        let flags = libc::fcntl(fd, libc::F_GETFL);
        if flags < 0 || libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) < 0 {
            return Err(io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Reads what `fd` has now into `kept`; false once it is closed.
fn drain(fd: RawFd, kept: &mut Capped) -> bool {
    let mut buf = [0u8; 16 * 1024];
    loop {
        // SAFETY: reads into a buffer of the given length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        match n {
            0 => return false,
            n if n > 0 => kept.push(&buf[..n as usize]),
            _ => {
                let e = io::Error::last_os_error();
                return match e.kind() {
                    io::ErrorKind::Interrupted => continue,
                    io::ErrorKind::WouldBlock => true,
                    _ => false,
                };
            }
        }
    }
}

/// The exit code as a shell reports it: 128+N for a death by signal N.
fn decode(status: c_int) -> (i32, Option<i32>) {
    if status == -1 {
        (-1, None)
    } else if libc::WIFEXITED(status) {
        (libc::WEXITSTATUS(status), None)
    } else if libc::WIFSIGNALED(status) {
        let signal = libc::WTERMSIG(status);
        (128 + signal, Some(signal))
    } else {
        (-1, None)
    }
}

// ---------------------------------------------------------------------------
// From here on: code that runs in forked children. Raw system calls only.

extern "C" fn on_child(_: c_int) {}

fn errno() -> c_int {
    // Reads errno; allocates nothing.
    io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn now_ns() -> u64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given.
    unsafe { libc::clock_gettime(libc::CLOCK_MONOTONIC, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

fn send(fd: RawFd, report: &Report) {
    // SAFETY: writes a plain-data struct; under PIPE_BUF, so atomic.
    unsafe { libc::write(fd, (report as *const Report).cast(), Report::SIZE) };
}

/// Closes every descriptor but those in `keep` (sorted, ascending).
unsafe fn close_others(keep: &[RawFd]) {
    let mut first: RawFd = 0;
    for &fd in keep.iter().chain(std::iter::once(&RawFd::MAX)) {
        if fd > first {
            let last = if fd == RawFd::MAX {
                u32::MAX
            } else {
                (fd - 1) as u32
            };
            close_range(first as u32, last);
        }
        first = fd.saturating_add(1);
    }
}

/// Closes descriptors `first..=last`.
fn close_range(first: u32, last: u32) {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: close_range only closes descriptors.
        let rc = unsafe { libc::syscall(libc::SYS_close_range, first, last, 0) };
        if rc == 0 {
            return;
        }
    }
    // Without close_range: close up to the highest descriptor allowed.
    // SAFETY: sysconf and close have no memory effects.
    let max = unsafe { libc::sysconf(libc::_SC_OPEN_MAX) }.clamp(256, 65_536) as u32;
    for fd in first..=last.min(max) {
        unsafe { libc::close(fd as c_int) };
    }
}

/// The supervisor's life: start the program, wait, clean up, report.
unsafe fn supervise(p: &Prepared) -> ! {
    unsafe {
        libc::setsid();
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
        for signal in [
            libc::SIGINT,
            libc::SIGTERM,
            libc::SIGHUP,
            libc::SIGQUIT,
            libc::SIGPIPE,
            libc::SIGTSTP,
            libc::SIGTTIN,
            libc::SIGTTOU,
        ] {
            libc::signal(signal, libc::SIG_IGN);
        }
        // A handler without SA_RESTART: a child's death interrupts poll.
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_child as *const () as libc::sighandler_t;
        libc::sigaction(libc::SIGCHLD, &action, std::ptr::null_mut());
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());

        // The supervisor is a copy of the build, environment included, and
        // the program may read its parent's /proc/PID/environ: wipe it.
        #[cfg(target_os = "linux")]
        forget_environment();
        libc::dup2(p.devnull, 0);
        libc::dup2(p.devnull, 1);
        let mut keep = [0, 1, 2, p.devnull, p.out, p.err, p.control, p.report];
        keep.sort_unstable();
        close_others(&keep);
        if libc::getppid() != p.build_pid {
            orphaned(p, 0);
        }

        let me = libc::getpid();
        let started = now_ns();
        let program = libc::fork();
        if program == 0 {
            start_program(p, me);
        }
        libc::close(p.out);
        libc::close(p.err);
        libc::close(p.devnull);
        if program > 0 {
            let mut started = Report::new(STARTED);
            started.pids[0] = program;
            send(p.report, &started);
        }
        if program < 0 {
            let mut report = Report::new(EXEC_FAILED);
            report.errno = errno();
            send(p.report, &report);
            libc::_exit(1);
        }

        let mut status: Option<c_int> = None;
        let mut ended_at = 0;
        loop {
            reap(program, &mut status);
            if status.is_some() {
                ended_at = now_ns();
                break;
            }
            if wait_for_control(p, program, 20) == Control::Kill {
                break;
            }
        }
        let mut report = Report::new(ENDED);
        if status.is_some() {
            report.on_its_own = 1;
            linger(p, program, &mut status, ended_at);
        }
        kill_all(program, &mut status, &mut report);
        if ended_at == 0 {
            ended_at = now_ns();
        }
        report.status = status.unwrap_or(-1);
        report.elapsed_ns = ended_at.saturating_sub(started);
        send(p.report, &report);
        libc::_exit(0);
    }
}

/// What the build asked for while the supervisor waited.
#[derive(PartialEq)]
enum Control {
    Nothing,
    Kill,
}

/// Waits up to `ms` for a byte from the build; if the build is gone, kills
/// everything and exits ([`orphaned`]).
unsafe fn wait_for_control(p: &Prepared, program: libc::pid_t, ms: c_int) -> Control {
    unsafe {
        let mut control = libc::pollfd {
            fd: p.control,
            events: libc::POLLIN,
            revents: 0,
        };
        if libc::poll(&mut control, 1, ms) > 0 {
            let mut byte = 0u8;
            let n = libc::read(p.control, (&mut byte as *mut u8).cast(), 1);
            if n == 1 && byte == KILL {
                return Control::Kill;
            }
            if n == 0 {
                orphaned(p, program);
            }
        }
        Control::Nothing
    }
}

/// After the program ended on its own: waits up to [`LINGER_NS`] for what
/// it started to end too, reaping it; stops early when nothing is left or
/// the build asks to kill.
unsafe fn linger(p: &Prepared, program: libc::pid_t, status: &mut Option<c_int>, ended_at: u64) {
    unsafe {
        while reap(program, status) && now_ns().saturating_sub(ended_at) < LINGER_NS {
            if wait_for_control(p, program, 5) == Control::Kill {
                return;
            }
        }
    }
}

/// The build is gone: kill everything, remove the working directory, exit.
unsafe fn orphaned(p: &Prepared, program: libc::pid_t) -> ! {
    unsafe {
        let mut status = None;
        kill_all(program, &mut status, &mut Report::new(ENDED));
        if let Some((rm, _, argv)) = &p.remove {
            libc::execve(rm.as_ptr(), argv.as_ptr(), std::ptr::null());
        }
        libc::_exit(0);
    }
}

/// Kills the program's process group and every process the supervisor has
/// inherited, until none is left; the program's wait status goes to
/// `status`, the others are counted and named in `report`.
#[cfg(target_os = "linux")]
unsafe fn kill_all(program: libc::pid_t, status: &mut Option<c_int>, report: &mut Report) {
    let mut pids = [0 as libc::pid_t; 512];
    // Every descendant left is a child of this subreaper, or below one that
    // is. Killing the children only (not their groups) makes theirs orphans,
    // inherited here by the next round: so every process is seen, counted
    // and named before it dies, parents first.
    for _ in 0..100_000 {
        if !reap(program, status) {
            break;
        }
        let found = children(&mut pids);
        for &pid in &pids[..found] {
            // Each round lists only processes not seen before: those of the
            // last round were reaped below.
            if pid != program {
                let index = report.leftovers as usize;
                if index < NAMED {
                    report.pids[index] = pid;
                    comm(pid, &mut report.names[index]);
                }
                report.leftovers += 1;
            }
            // SAFETY: signals our own child.
            unsafe { libc::kill(pid, libc::SIGKILL) };
        }
        // Reaps those just killed, so that the next round lists only the
        // orphans they left: a process killed but not yet dead is never
        // listed (and counted) twice.
        for &pid in &pids[..found] {
            let mut s = 0;
            // SAFETY: waits for our own child, which has been sent SIGKILL.
            while unsafe { libc::waitpid(pid, &mut s, 0) } < 0 && errno() == libc::EINTR {}
            if pid == program {
                *status = Some(s);
            }
        }
        let pause = libc::timespec {
            tv_sec: 0,
            tv_nsec: 1_000_000,
        };
        // SAFETY: sleeps; no memory effects.
        unsafe { libc::nanosleep(&pause, std::ptr::null_mut()) };
    }
    if program > 0 {
        // SAFETY: signals the program's own group (never ours: program > 0),
        // in case anything of it is still there.
        unsafe { libc::killpg(program, libc::SIGKILL) };
    }
}

/// Without a subreaper only the program's process group can be found: a
/// group still alive after the program ended counts as one leftover.
#[cfg(not(target_os = "linux"))]
unsafe fn kill_all(program: libc::pid_t, status: &mut Option<c_int>, report: &mut Report) {
    if program <= 0 {
        return;
    }
    reap(program, status);
    // SAFETY: signals the program's own group (never ours: program > 0).
    unsafe {
        if status.is_some() && libc::killpg(program, 0) == 0 {
            report.leftovers += 1;
        }
        libc::killpg(program, libc::SIGKILL);
        if status.is_none() {
            let mut s = 0;
            libc::waitpid(program, &mut s, 0);
            *status = Some(s);
        }
    }
}

/// Reaps every child that has ended (the program's status into `status`);
/// whether any is still running.
fn reap(program: libc::pid_t, status: &mut Option<c_int>) -> bool {
    loop {
        let mut s = 0;
        // SAFETY: waits for our own children without blocking.
        let pid = unsafe { libc::waitpid(-1, &mut s, libc::WNOHANG) };
        if pid > 0 {
            if pid == program {
                *status = Some(s);
            }
        } else if pid == 0 {
            return true;
        } else if errno() != libc::EINTR {
            return false;
        }
    }
}

/// This process's children, from `/proc/thread-self/children`; their count.
#[cfg(target_os = "linux")]
fn children(pids: &mut [libc::pid_t]) -> usize {
    {
        let mut buf = [0u8; 8192];
        let n = read_file(c"/proc/thread-self/children".as_ptr(), &mut buf);
        let mut count = 0;
        let mut value: libc::pid_t = 0;
        let mut digits = false;
        for &b in &buf[..n] {
            if b.is_ascii_digit() {
                value = value * 10 + (b - b'0') as libc::pid_t;
                digits = true;
            } else if digits {
                if count < pids.len() {
                    pids[count] = value;
                    count += 1;
                }
                value = 0;
                digits = false;
            }
        }
        if digits && count < pids.len() {
            pids[count] = value;
            count += 1;
        }
        count
    }
}

/// Zeroes this process's environment block (what `/proc/self/environ`
/// shows), found from fields 50 and 51 of `/proc/self/stat`, and makes the
/// process undumpable (other users' programs cannot read its memory).
#[cfg(target_os = "linux")]
fn forget_environment() {
    let mut stat = [0u8; 2048];
    let n = read_file(c"/proc/self/stat".as_ptr(), &mut stat);
    // Fields after the command name, which ends at the last `)`: field 3 first.
    let Some(close) = stat[..n].iter().rposition(|b| *b == b')') else {
        return;
    };
    let mut fields = stat[close + 1..n]
        .split(|b| *b == b' ')
        .filter(|f| !f.is_empty());
    let mut number = |skip: usize| -> Option<usize> {
        let field = fields.nth(skip)?;
        let mut value = 0usize;
        for &b in field {
            if !b.is_ascii_digit() {
                return None;
            }
            value = value.checked_mul(10)?.checked_add((b - b'0') as usize)?;
        }
        Some(value)
    };
    // Field 50 is the 48th after field 2; field 51 follows it.
    let (Some(start), Some(end)) = (number(47), number(0)) else {
        return;
    };
    if start == 0 || end <= start || end - start > 1 << 20 {
        return;
    }
    // SAFETY: [start, end) is this process's own environment block, which
    // the kernel reports and nothing reads after the fork; zeroing it is a
    // plain write to mapped memory.
    unsafe {
        libc::memset(start as *mut libc::c_void, 0, end - start);
        libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
    }
}

/// Reads a small file into `buf`; how many bytes.
#[cfg(target_os = "linux")]
fn read_file(path: *const c_char, buf: &mut [u8]) -> usize {
    // SAFETY: path is NUL-terminated; reads at most buf.len() bytes.
    unsafe {
        let fd = libc::open(path, libc::O_RDONLY | libc::O_CLOEXEC);
        if fd < 0 {
            return 0;
        }
        let mut total = 0;
        while total < buf.len() {
            let n = libc::read(fd, buf[total..].as_mut_ptr().cast(), buf.len() - total);
            if n <= 0 {
                break;
            }
            total += n as usize;
        }
        libc::close(fd);
        total
    }
}

/// `/proc/PID/comm` into `name`, without its newline.
#[cfg(target_os = "linux")]
fn comm(pid: libc::pid_t, name: &mut [u8; 16]) {
    let mut path = [0u8; 32];
    let mut at = 0;
    for &b in b"/proc/" {
        path[at] = b;
        at += 1;
    }
    let mut digits = [0u8; 12];
    let mut n = pid.unsigned_abs();
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for i in (0..len).rev() {
        path[at] = digits[i];
        at += 1;
    }
    for &b in b"/comm" {
        path[at] = b;
        at += 1;
    }
    let n = read_file(path.as_ptr().cast(), name);
    for b in &mut name[n..] {
        *b = 0;
    }
    if let Some(newline) = name.iter().position(|b| *b == b'\n') {
        name[newline] = 0;
    }
}

/// The program's side of the fork: its own group, the standard streams,
/// nothing else open, default signals, then `execve`.
unsafe fn start_program(p: &Prepared, supervisor: libc::pid_t) -> ! {
    unsafe {
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL, 0, 0, 0);
        if libc::getppid() != supervisor {
            libc::_exit(1);
        }
        libc::setpgid(0, 0);
        libc::dup2(p.devnull, 0);
        libc::dup2(p.out, 1);
        libc::dup2(p.err, 2);
        // The report pipe closes on exec; it carries a failed exec's errno.
        let mut keep = [0, 1, 2, p.report];
        keep.sort_unstable();
        close_others(&keep);
        for signal in 1..32 {
            libc::signal(signal, libc::SIG_DFL);
        }
        let mut none: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut none);
        libc::pthread_sigmask(libc::SIG_SETMASK, &none, std::ptr::null_mut());
        if libc::chdir(p.cwd.as_ptr()) == 0 {
            libc::execve(
                p.program.as_ptr(),
                p.argv_ptrs.as_ptr(),
                p.env_ptrs.as_ptr(),
            );
        }
        let mut report = Report::new(EXEC_FAILED);
        report.errno = errno();
        send(p.report, &report);
        libc::_exit(127);
    }
}
