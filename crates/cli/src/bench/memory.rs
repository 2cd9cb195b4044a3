//! Memory of a process, from Linux's `/proc/PID/status`: the one reader the benchmarks and the
//! batch summary share.

/// A `/proc/PID/status` memory figure in KiB (`VmRSS:` now, `VmHWM:` the peak); `None` where
/// the file or the field cannot be read (not Linux, or the process is gone).
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

/// The peak resident memory of process `pid`, in KiB.
pub fn peak_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmHWM:")
}

/// The resident memory of process `pid` now, in KiB.
pub fn resident_kib(pid: u32) -> Option<u64> {
    status_kib(pid, "VmRSS:")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_a_resident_and_a_peak_memory_and_the_peak_is_not_below_it() {
        let pid = std::process::id();
        let (now, peak) = (resident_kib(pid), peak_kib(pid));
        assert!(now.is_some_and(|kib| kib > 0), "{now:?}");
        assert!(peak >= now, "{peak:?} {now:?}");
        assert_eq!(status_kib(pid, "NoSuchField:"), None);
    }
}
