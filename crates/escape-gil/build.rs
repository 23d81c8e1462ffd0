//! macOS links a shared library only when every symbol is defined; an
//! extension module's Python symbols come from the interpreter that loads it,
//! so the linker is told to look them up then (`-undefined dynamic_lookup`).
//! Elsewhere this adds nothing.

fn main() {
    pyo3_build_config::add_extension_module_link_args();
}
