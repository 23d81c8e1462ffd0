//! The one rule of the store: given the mode, what the store holds for a
//! result and whether its chapter is being re-run, use the stored result,
//! run the program, or refuse. A pure function, so the whole rule is the
//! table in its test.

use crate::config::Mode;

/// What the store holds for one result, against its current key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    Missing,
    /// A file that cannot be trusted (damaged, another format).
    Corrupt,
    /// A result whose key no longer matches its inputs.
    Stale,
    Current,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Show the stored result.
    Use,
    /// Run the program; store and show its result.
    Run,
    /// Run the program and compare with the stored result; store nothing.
    Verify,
    /// Show nothing (mode `off`, nothing usable stored).
    Skip,
    /// Fail the build: this mode may not run it.
    Refuse,
}

/// `rerun`: the mode re-runs this result's chapter (`Mode::Rerun`).
pub fn decide(mode: &Mode, held: Held, rerun: bool) -> Decision {
    use Decision::*;
    use Held::*;
    match (mode, held) {
        (Mode::Off, Current | Stale) => Use,
        (Mode::Off, Missing | Corrupt) => Skip,
        (Mode::Frozen, Current) => Use,
        (Mode::Frozen, _) => Refuse,
        (Mode::Verify, Current) => Verify,
        (Mode::Verify, _) => Refuse,
        (Mode::Force, _) => Run,
        (Mode::Auto | Mode::Rerun(_), Current) if !rerun => Use,
        (Mode::Auto | Mode::Rerun(_), _) => Run,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Decision::*;
    use Held::*;

    #[test]
    fn the_whole_rule() {
        let rerun = Mode::Rerun("a.md".into());
        #[rustfmt::skip]
        let table = [
            // mode          held     chapter re-run?  decision
            (&Mode::Auto,    Current, false, Use),
            (&Mode::Auto,    Stale,   false, Run),
            (&Mode::Auto,    Missing, false, Run),
            (&Mode::Auto,    Corrupt, false, Run),
            (&rerun,         Current, false, Use),
            (&rerun,         Current, true,  Run),
            (&rerun,         Stale,   false, Run),
            (&Mode::Force,   Current, false, Run),
            (&Mode::Force,   Corrupt, false, Run),
            (&Mode::Frozen,  Current, false, Use),
            (&Mode::Frozen,  Stale,   false, Refuse),
            (&Mode::Frozen,  Missing, false, Refuse),
            (&Mode::Frozen,  Corrupt, false, Refuse),
            (&Mode::Verify,  Current, false, Verify),
            (&Mode::Verify,  Stale,   false, Refuse),
            (&Mode::Verify,  Missing, false, Refuse),
            (&Mode::Off,     Current, false, Use),
            (&Mode::Off,     Stale,   false, Use),
            (&Mode::Off,     Missing, false, Skip),
            (&Mode::Off,     Corrupt, false, Skip),
        ];
        for (mode, held, rerun, expected) in table {
            assert_eq!(
                decide(mode, held, rerun),
                expected,
                "{mode:?} {held:?} {rerun}"
            );
        }
    }
}
