"""Rust: Cargo.lock and the dependency list cargo-auditable embeds in executables."""
