#!/usr/bin/env bash
# Runs the thread chapters' examples under Valgrind's Helgrind race detector.
#
#   scripts/valgrind-threads.sh        (needs valgrind; about 10 s after the build)
#
# Expected results, one line per example:
#   clean  - race-free examples: Helgrind must report 0 errors;
#   racy   - race_lost_updates: Helgrind must report races on its counter;
#   blind  - race-free, but their shared data is guarded by std::sync::Mutex,
#            which valgrind cannot see (below): every report must be in the
#            example's own code, at the guarded access, and nowhere else;
#   skip   - not run, with the reason.
# Exits non-zero if any example gives another result.
#
# Why suppressions: Helgrind and DRD learn that one thread's writes happen
# before another thread's reads from the pthread calls they intercept
# (pthread_create/join, pthread_mutex_*, ...); LOCK-prefixed instructions
# such as fetch_add's `lock inc` are not reported as racing with each other.
# Rust's std on Linux synchronises with atomics and raw futex system calls
# instead (Mutex, Condvar, Barrier, mpsc, stdout's lock, the stack-overflow
# handler's spin lock), so the tools report std's own internals as racing.
# The suppressions below hide reports with one of those std modules on the
# stack; an access in the example's own code is still reported, unless std
# calls it (a value formatted inside println!). Plain atomic loads and
# stores compile to ordinary moves on x86-64, so Helgrind cannot tell a
# Relaxed atomic from a plain variable:
# that is why it flags race_lost_updates (a race in the program's logic, not
# undefined behaviour: the C++/Rust memory model calls it no data race).
set -euo pipefail
cd "$(dirname "$0")/.."

clean=(thread_worker thread_lifecycle thread_local_names scoped_squares
       shared_counter_static per_thread_counter counter_fetch_add)
racy=(race_lost_updates)
blind=(counter_mutex shared_counter_arc)
declare -A skip=(
  [threads_overlap]="CPU-bound (4 x 1.5e9 countdown steps): minutes under valgrind; it shares only what join returns"
  [pool_squares]="rayon's deques and latches synchronise through atomics and fences, which valgrind does not model: it reports rayon-core's and crossbeam's own hand-offs, so it cannot judge the example"
  [pool_squares_four]="as pool_squares"
)

command -v valgrind >/dev/null || { echo "valgrind not found" >&2; exit 2; }
build_args=()
for e in "${clean[@]}" "${racy[@]}" "${blind[@]}"; do build_args+=(--example "$e"); done
cargo build --quiet --release "${build_args[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
supp=$work/rust-std.supp
for pattern in '*stack_overflow*' '*3std4sync*' '*3std3sys4sync*' '*3std2io5stdio*'; do
  # std is mangled in the v0 scheme: _RNv...3std4sync7barrier... and so on.
  printf '{\n   rust-std-internals\n   Helgrind:Race\n   ...\n   fun:%s\n}\n' "$pattern"
done >"$supp"

# Runs one example under Helgrind; sets `contexts` (distinct reports) and
# `log` (Helgrind's output).
helgrind() {
  log=$work/$1.log
  valgrind --tool=helgrind --suppressions="$supp" "target/release/examples/$1" \
    >/dev/null 2>"$log" || { echo "$1: FAILED to run under valgrind (see below)"; cat "$log"; exit 1; }
  contexts=$(sed -n 's/.*ERROR SUMMARY: [0-9]* errors from \([0-9]*\) contexts.*/\1/p' "$log")
}

# The first frame (`at ...`) of every race Helgrind reports.
race_sites() {
  awk '/Possible data race/ { want = 1; next } want && /    at / { sub(/^==[0-9]*== *at 0x[0-9A-F]*: /, ""); print; want = 0 }' "$log"
}

# The first line of example $1's own source in every race report.
own_lines() {
  awk -v file="($1.rs:" '/Possible data race/ { want = 1; next }
    want && index($0, file) { match($0, /\([a-z_]+\.rs:[0-9]+\)/); print substr($0, RSTART + 1, RLENGTH - 2); want = 0 }' "$log" | sort -u | tr '\n' ' '
}

failed=0
for e in "${clean[@]}"; do
  helgrind "$e"
  if [[ $contexts == 0 ]]; then echo "ok    $e: clean, 0 errors"
  else echo "FAIL  $e: expected no errors, Helgrind reported $contexts:"; race_sites | sort | uniq -c; failed=1; fi
done
for e in "${racy[@]}"; do
  helgrind "$e"
  if [[ $contexts -gt 0 ]] && grep -q "($e.rs:" "$log"; then
    echo "ok    $e: flagged as expected, $contexts reports at $(own_lines "$e")"
  else echo "FAIL  $e: expected races reported in $e.rs, got $contexts reports"; failed=1; fi
done
for e in "${blind[@]}"; do
  helgrind "$e"
  elsewhere=$(race_sites | grep -cv "($e.rs:" || true)
  if [[ $contexts -gt 0 && $elsewhere == 0 && $(race_sites | wc -l) == "$contexts" ]]; then
    echo "ok    $e: $contexts reports, all at the Mutex-guarded access $(own_lines "$e")(futex Mutex invisible to valgrind)"
  elif [[ $contexts == 0 ]]; then echo "ok    $e: clean, 0 errors (this valgrind sees std's Mutex)"
  else echo "FAIL  $e: $contexts reports, $elsewhere outside the guarded access:"; race_sites | sort | uniq -c; failed=1; fi
done
for e in $(printf '%s\n' "${!skip[@]}" | sort); do echo "skip  $e: ${skip[$e]}"; done
exit $failed
