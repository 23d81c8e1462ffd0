//! What the GIL experiments (`convoy`, `gil_timeline`) share about the
//! CPython versions they set beside the model. Finding and running an
//! interpreter is [`crate::python`]'s.

/// The minor versions of CPython 3 whose `Python/ceval_gil.c` the model
/// follows; `--full` looks for each of them.
pub const MODELLED_MINORS: [u32; 3] = [11, 12, 13];

/// The prefix of a version's values in a record: `cpython3_12` for "3.12.1".
pub fn value_key(version: &str) -> String {
    let minor: Vec<&str> = version.split('.').take(2).collect();
    format!("cpython{}", minor.join("_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_keys_name_the_minor_version() {
        assert_eq!(value_key("3.12.1"), "cpython3_12");
        assert_eq!(value_key("3.13.0rc1"), "cpython3_13");
    }
}
