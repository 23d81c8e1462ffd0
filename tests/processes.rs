//! Runs the process chapters' examples (chapters 4, 6, 8, 18–22) as separate
//! processes, never forking inside the test harness. Each test checks what
//! the example prints (exactly, with PIDs masked and their relations checked)
//! and that it cleans up after itself: no child left behind (`leftovers`)
//! and no descriptor still open when any of its processes exits (`fd_audit`).

mod common;

use common::run_example;
use regex::Regex;

/// Replaces each PID in `text` (a number after "pid ", "pid is ", "parent ",
/// "parent is ", "PID is ", "child ", "child: " or "Pid(") by `N`; returns
/// the masked text and the PIDs in order, so a test can check which ones must
/// be equal.
fn mask_pids(text: &str) -> (String, Vec<u32>) {
    let pid = Regex::new(r"((?:pid|parent|PID)(?: is)? |child:? |Pid\()(\d+)").unwrap();
    let pids = pid
        .captures_iter(text)
        .map(|c| c[2].parse().unwrap())
        .collect();
    (pid.replace_all(text, "${1}N").into_owned(), pids)
}

/// Runs a fork example, checks it succeeded and left no child, and (on Linux)
/// that its `processes` processes exited holding only inherited descriptors.
#[cfg_attr(not(target_os = "linux"), allow(unused_variables))]
fn run_clean(name: &str, processes: usize) -> common::Output {
    let run = run_example(name, &[]);
    run.assert_success();
    #[cfg(target_os = "linux")]
    fd_audit::assert_clean_exit(name, &[], processes);
    run
}

#[test]
fn spawn_self_runs_work_in_a_new_process() {
    let run = run_clean("spawn_self", 2);
    let (text, pids) = mask_pids(&run.stdout);
    assert_eq!(
        text,
        "parent pid N starts child\n\
         child  pid N (parent N) runs work(): 10! = 3628800\n\
         child exited: exit status: 0\n"
    );
    let [parent, child, childs_parent] = pids[..] else {
        panic!("{pids:?}")
    };
    assert_eq!(parent, childs_parent);
    assert_ne!(parent, child);
}

#[test]
fn spawn_self_rejects_an_unknown_argument() {
    let run = run_example("spawn_self", &["bogus"]);
    assert_eq!(run.exit_code, 2, "{run:?}");
    assert!(run.leftovers.is_empty(), "{run:?}");
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(r#"unknown argument "bogus""#),
        "{run:?}"
    );
}

#[test]
fn fork_worker_reports_the_exit_status() {
    let run = run_clean("fork_worker", 2);
    let (text, pids) = mask_pids(&run.stdout);
    assert_eq!(
        text,
        "child N: worker running\n\
         parent: child N exited with status 25: 25 primes below 100\n"
    );
    assert_eq!(
        pids[0], pids[1],
        "the PID waitpid reports is the child's own"
    );
}

#[test]
fn fork_with_lock_child_blocks_and_is_killed() {
    let run = run_example("fork_with_lock", &[]);
    run.assert_success();
    let (text, _) = mask_pids(&run.stdout);
    assert_eq!(
        text,
        "holder thread: took the lock\n\
         main thread: fork while the holder thread has the lock\n\
         child: calling LOCK.lock()\n\
         parent: child still blocked after 1 s: killed\n\
         parent: reaped the child: Signaled(Pid(N), SIGKILL, false)\n\
         main thread: the holder released the lock; joined it\n"
    );
}

#[cfg(target_os = "linux")]
#[test]
fn fork_with_lock_parent_exits_with_no_open_pipe() {
    // The child dies by SIGKILL, which may skip its exit stop: audit the parent.
    let (inherited, exits) = fd_audit::exits("fork_with_lock", &[]);
    assert!(!exits.is_empty(), "the parent's exit was not seen");
    for exit in exits {
        assert!(exit.fds.iter().all(|fd| inherited.contains(fd)), "{exit:?}");
    }
}

/// A timed-out cell is killed with its whole process group. Kill
/// `fork_with_lock` while its child is blocked and check that no process of
/// the group is left alive: the blocked child goes with its parent.
#[cfg(target_os = "linux")]
#[test]
fn killing_an_example_mid_run_leaves_no_process_behind() {
    use std::time::{Duration, Instant};
    let mut example = common::start_example("fork_with_lock", &[]);
    let group = example.id();
    let deadline = Instant::now() + Duration::from_secs(30);
    while live_members(group) < 2 {
        assert!(Instant::now() < deadline, "fork_with_lock never forked");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(common::kill_group(&example));
    example.wait().expect("reap the killed example");
    // The orphaned child is reaped by init; until then it is a zombie, which
    // `live_members` does not count.
    while live_members(group) > 0 {
        assert!(Instant::now() < deadline, "a process of the group survived");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Processes in process group `group` that are alive (not zombies), from /proc.
#[cfg(target_os = "linux")]
fn live_members(group: u32) -> usize {
    let stats = std::fs::read_dir("/proc")
        .expect("list /proc")
        .filter_map(|entry| {
            let name = entry.ok()?.file_name();
            name.to_str()?.parse::<u32>().ok()?;
            std::fs::read_to_string(format!("/proc/{}/stat", name.to_str()?)).ok()
        });
    stats
        .filter(|stat| {
            // "pid (comm) state ppid pgrp ...": comm may hold spaces, so
            // split after its closing parenthesis.
            let fields: Vec<_> = stat[stat.rfind(')').unwrap() + 1..]
                .split_whitespace()
                .collect();
            fields[0] != "Z" && fields[2] == group.to_string()
        })
        .count()
}

#[test]
fn fork_basics_parent_prints_after_child() {
    let run = run_clean("fork_basics", 2);
    let (text, pids) = mask_pids(&run.stdout);
    assert_eq!(
        text,
        "before fork: one process, pid N\n\
         child:  fork returned Child; my pid is N, my parent is N\n\
         parent: fork returned Parent { child: N }; my pid is N\n"
    );
    let [parent, child, childs_parent, reported_child, parent_again] = pids[..] else {
        panic!("{pids:?}")
    };
    assert_ne!(parent, child);
    assert_eq!([childs_parent, parent_again], [parent, parent]);
    assert_eq!(reported_child, child);
}

#[test]
fn fork_pipe_prints_the_message() {
    let run = run_clean("fork_pipe", 2);
    assert_eq!(
        run.stdout,
        "Parent received: Hello from child!\nChild exited with status 0\n"
    );
}

#[test]
fn pipe_no_eof_times_out_then_sees_eof() {
    let run = run_clean("pipe_no_eof", 2);
    let (text, _) = mask_pids(&run.stdout);
    assert_eq!(
        text,
        "parent: no EOF after 500 ms: the parent itself still holds the write end\n\
         parent: dropped its write end, and the read reached EOF\n\
         parent: received \"Hello from child!\"\n\
         parent: reaped the child: Exited(Pid(N), 0)\n"
    );
}

#[test]
fn pipe_two_way_prints_in_pipe_order() {
    let run = run_clean("pipe_two_way", 2);
    assert_eq!(
        run.stdout,
        "parent: started, waiting 200 ms before sending\n\
         child:  got \"Hello child!\"\n\
         parent: got \"Message received!\"\n"
    );
}

#[test]
fn fork_call_function_parent_waits() {
    let run = run_clean("fork_call_function", 2);
    let (text, pids) = mask_pids(&run.stdout);
    assert_eq!(
        text,
        "child: my_func(x = 10, y = 20) returns 30\n\
         parent: child PID is N; waitpid says Exited(Pid(N), 0)\n"
    );
    assert_eq!(pids[0], pids[1]);
}

#[test]
fn fork_double_flush_shows_the_duplicate() {
    let run = run_clean("fork_double_flush", 3);
    assert_eq!(
        run.stdout,
        "[written before fork] [written before fork] <- the child left with std::process::exit\n\
         [written before fork] <- the child left with libc::_exit\n"
    );
}

#[test]
fn fork_globals_parent_keeps_its_values() {
    let run = run_clean("fork_globals", 2);
    assert_eq!(
        run.stdout,
        "child:  GLOBAL_VAR = 99, shared_list = [1, 2, 3, 4]\n\
         parent: GLOBAL_VAR = 42, shared_list = [1, 2, 3]\n"
    );
}

#[test]
fn shared_counter_mmap_keeps_both_processes_additions() {
    let run = run_clean("shared_counter_mmap", 2);
    assert_eq!(
        run.stdout,
        "parent and child each added 1000000\n\
         the shared counter holds 2000000\n"
    );
}

#[test]
fn process_queue_delivers_every_message_without_deadlock() {
    // The producers send more than the pipe holds, so the example only
    // finishes (within the test's time limit) if it reads before it waits.
    let run = run_clean("process_queue", 5);
    let own = common::assert_queue_delivered_everything(&run.stdout);
    let re = Regex::new(r"^they took (\d+) bytes; the pipe holds (\d+) at a time$").unwrap();
    let [line] = own[..] else {
        panic!("{}", run.stdout)
    };
    let c = re.captures(line).unwrap_or_else(|| panic!("{line}"));
    let (sent, capacity): (u64, u64) = (c[1].parse().unwrap(), c[2].parse().unwrap());
    assert!(sent > capacity, "{line}");
}

#[test]
fn fork_cow_faults_one_fault_per_page() {
    let run = run_clean("fork_cow_faults", 2);
    let pattern = Regex::new(concat!(
        r"^transparent huge pages: (.+)\n",
        r"child:  wrote to (\d+) pages of (\d+) bytes: (\d+) minor page faults\n",
        r"child:  faults per page written: \d+\.\d\d\n",
        r"parent: my buffer still holds only 1s: true\n$",
    ))
    .unwrap();
    let c = pattern
        .captures(&run.stdout)
        .unwrap_or_else(|| panic!("{}", run.stdout));
    let (pages, page_size, faults): (f64, usize, f64) = (
        c[2].parse().unwrap(),
        c[3].parse().unwrap(),
        c[4].parse().unwrap(),
    );
    assert_eq!(pages as usize * page_size, 64 << 20);
    let ratio = faults / pages;
    // One copy per page written, plus a few faults of the child's own. With
    // huge pages always on, one fault may copy or split a whole 2 MiB page.
    let lowest = if c[1].contains("[always]") {
        1.0 / 512.0
    } else {
        0.9
    };
    assert!(
        (lowest..=1.5).contains(&ratio),
        "faults per page {ratio}\n{}",
        run.stdout
    );
}

/// An honest check for leaked descriptors: the test traces the example and
/// every process it forks with ptrace, stops each one at the moment it exits
/// (PTRACE_EVENT_EXIT: still alive, descriptors not yet closed by the kernel)
/// and lists `/proc/PID/fd`. A process that followed the rules holds only
/// what the example inherited by then (stdin, stdout, stderr and whatever the
/// test harness passed down): it dropped every pipe end it created.
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
        let leader = match command.spawn() {
            Ok(child) => child.id() as i32,
            Err(e) => {
                panic!("cannot start {name} under ptrace ({e}): the descriptor audit needs ptrace")
            }
        };
        let options = libc::PTRACE_O_TRACEFORK
            | libc::PTRACE_O_TRACEVFORK
            | libc::PTRACE_O_TRACEEXIT
            | libc::PTRACE_O_EXITKILL;
        // Processes seen starting and seen ending: a child's exit can be
        // reported before its parent's fork event, so keep both sets.
        let mut started = BTreeSet::from([leader]);
        let mut ended = BTreeSet::new();
        let mut seen = Vec::new();
        let mut inherited = None;
        while !started.is_subset(&ended) {
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
                ended.insert(pid);
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
                seen.push(Exit {
                    pid,
                    fds: open_fds(pid),
                });
            } else if event == libc::PTRACE_EVENT_FORK || event == libc::PTRACE_EVENT_VFORK {
                let mut child: libc::c_ulong = 0;
                ptrace(libc::PTRACE_GETEVENTMSG, pid, &mut child as *mut _ as usize);
                started.insert(child as i32);
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
        assert_eq!(
            exits.len(),
            processes,
            "{name}: processes seen exiting: {exits:?}"
        );
        for exit in &exits {
            let extra: Vec<_> = exit
                .fds
                .iter()
                .filter(|fd| !inherited.contains(fd))
                .collect();
            assert!(
                extra.is_empty(),
                "{name}: pid {} exited holding {extra:?}",
                exit.pid
            );
        }
    }
}
