#![expect(clippy::unwrap_used, reason = "measuring tools: a failed setup step should stop the run where it happens")]

//! Drivers for measuring Qunli from the outside: real server processes on loopback
//! (`loadgen`) and the group-buy rush (`teamrush`: members, a team, everyone joining at once).
//! Used by `bench/` scripts and by the server's multi-process tests; the shipped binary carries
//! none of it.

pub mod loadgen;
pub mod teamrush;
