//! Runs the process chapters' examples (chapters 4, 6, 8, 18–22) as separate
//! processes and checks what they print and that they clean up after
//! themselves: every child reaped, no descriptor left open.

mod common;

use common::run_example;

#[test]
fn fork_pipe_prints_the_message() {
    let run = run_example("fork_pipe", &[]);
    run.assert_success();
    assert_eq!(run.stdout, "Parent received: Hello from child!\nChild exited with status 0\n");
    #[cfg(target_os = "linux")]
    fd_audit::assert_clean_exit("fork_pipe", &[], 2);
}

/// An honest check for leaked descriptors: the test traces the example and
/// every process it forks with ptrace, stops each one at the moment it exits
/// (PTRACE_EVENT_EXIT: still alive, descriptors not yet closed by the kernel)
/// and lists `/proc/PID/fd`. A process that followed the rules holds only
/// stdin, stdout and stderr by then: it dropped every pipe end it owned.
#[cfg(target_os = "linux")]
mod fd_audit {
    use std::collections::BTreeSet;
    use std::io;
    use std::os::unix::process::CommandExt;
    use std::process::{Command, Stdio};

    /// One process of the example, stopped as it exits.
    #[derive(Debug)]
    pub struct Exit {
        pub pid: i32,
        /// Descriptor number and what it points to, e.g. `(3, "pipe:[123]")`.
        pub fds: Vec<(i32, String)>,
    }

    /// Traces `name` and its forked children; returns the descriptors the
    /// example started with (inherited from this test) and each process's
    /// open descriptors at its exit, in the order the processes exited.
    pub fn exits(name: &str, args: &[&str]) -> (Vec<(i32, String)>, Vec<Exit>) {
        let mut command = Command::new(super::common::example_path(name));
        command
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0);
        // SAFETY: ptrace(PTRACE_TRACEME) is a single async-signal-safe system
        // call; it makes this test thread the tracer of the example.
        unsafe {
            command.pre_exec(|| {
                let null = std::ptr::null_mut::<libc::c_void>();
                if libc::ptrace(libc::PTRACE_TRACEME, 0, null, null) == -1 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let leader = command.spawn().expect("start traced example").id() as i32;
        let options = libc::PTRACE_O_TRACEFORK
            | libc::PTRACE_O_TRACEVFORK
            | libc::PTRACE_O_TRACEEXIT
            | libc::PTRACE_O_EXITKILL;
        let mut live = BTreeSet::from([leader]);
        let mut seen = Vec::new();
        let mut inherited = None;
        while !live.is_empty() {
            let mut status = 0;
            // __WNOTHREAD: only this thread's children and tracees, never the
            // children that other tests running in parallel are waiting for.
            let pid = unsafe { libc::waitpid(-1, &mut status, libc::__WALL | libc::__WNOTHREAD) };
            if pid == -1 {
                let e = io::Error::last_os_error();
                assert_eq!(e.raw_os_error(), Some(libc::EINTR), "waitpid: {e}");
                continue;
            }
            if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
                live.remove(&pid);
                continue;
            }
            let event = status >> 16;
            let signal = libc::WSTOPSIG(status);
            let mut inject = 0;
            if inherited.is_none() && pid == leader {
                // The SIGTRAP right after exec: note what the example was given,
                // then start following its forks.
                inherited = Some(open_fds(pid));
                ptrace(libc::PTRACE_SETOPTIONS, pid, options as usize);
            } else if event == libc::PTRACE_EVENT_EXIT {
                seen.push(Exit { pid, fds: open_fds(pid) });
            } else if event == libc::PTRACE_EVENT_FORK || event == libc::PTRACE_EVENT_VFORK {
                let mut child: libc::c_ulong = 0;
                ptrace(libc::PTRACE_GETEVENTMSG, pid, &mut child as *mut _ as usize);
                live.insert(child as i32);
            } else if event == 0 && signal != libc::SIGSTOP && signal != libc::SIGTRAP {
                inject = signal; // an ordinary signal: deliver it
            }
            // A tracee that vanished (killed meanwhile) gives ESRCH: ignore.
            unsafe { libc::ptrace(libc::PTRACE_CONT, pid, 0usize, inject as usize) };
        }
        (inherited.expect("example was traced"), seen)
    }

    fn ptrace(request: libc::c_uint, pid: i32, data: usize) {
        let done = unsafe { libc::ptrace(request, pid, 0usize, data) };
        assert_ne!(done, -1, "ptrace: {}", io::Error::last_os_error());
    }

    fn open_fds(pid: i32) -> Vec<(i32, String)> {
        let mut fds: Vec<_> = std::fs::read_dir(format!("/proc/{pid}/fd"))
            .expect("list /proc/PID/fd")
            .filter_map(|entry| {
                let entry = entry.ok()?;
                let fd = entry.file_name().to_str()?.parse().ok()?;
                let target = std::fs::read_link(entry.path()).ok()?;
                Some((fd, target.display().to_string()))
            })
            .collect();
        fds.sort();
        fds
    }

    /// Asserts that `processes` processes of the example exited and that each
    /// held nothing but what the example inherited when it did.
    pub fn assert_clean_exit(name: &str, args: &[&str], processes: usize) {
        let (inherited, exits) = exits(name, args);
        assert_eq!(exits.len(), processes, "{name}: processes seen exiting: {exits:?}");
        for exit in &exits {
            let extra: Vec<_> = exit.fds.iter().filter(|fd| !inherited.contains(fd)).collect();
            assert!(extra.is_empty(), "{name}: pid {} exited holding {extra:?}", exit.pid);
        }
    }
}
