//! Other tools' exports, read into what an import plans with (`docs/import-formats.md`). Each
//! format is a module of its own; none reads files, the network or the environment.

pub mod dotenv;
pub mod names;
