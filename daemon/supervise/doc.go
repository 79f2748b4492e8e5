// Package supervise is gokeepalived's process model: a small supervisor
// process and its worker processes (the VRRP worker now; a slot for the
// LVS checker worker of issue 12), arranged so that the kill -9 of any
// one of them leaves a VIP without a holder for at most Skew_Time +
// 100 ms and never with two holders for longer than one advert interval.
//
// The argument (docs/operations.md has it in full, with measurements):
//
//   - The kernel keeps the VIPs when a worker dies. The supervisor learns
//     of the death at once (it waits on the child; Go waits on a pidfd)
//     and starts a new worker within milliseconds. The worker has told
//     the supervisor, before touching any address, which instances it is
//     MASTER of (one line on a pipe per transition; what is in the pipe
//     survives the writer), so the new worker resumes them
//     (daemon.Driver.StartResume): it keeps the VIPs and sends an advert
//     at once, long before a peer's Master_Down_Timer (3 × advert_int +
//     Skew_Time) can fire. No gap, no second holder.
//   - A worker that keeps dying (CrashLimit deaths within CrashWindow)
//     is not resumed again: the supervisor sends the priority-0 adverts
//     for its MASTER instances and removes their VIPs itself (it has the
//     configuration and the driver's encoder: Spec.Release), so the peer
//     takes over after Skew_Time; then it restarts a fresh worker after a
//     back-off (1 s doubling to 60 s, as keepalived), which rejoins in
//     BACKUP. A clean failover instead of a flap.
//   - The supervisor's death ends the workers cleanly: each holds the
//     read end of a lifeline pipe whose only write end is the
//     supervisor's; end of file means the supervisor is gone, and the
//     worker stops as on SIGTERM (priority 0, VIPs removed), as
//     keepalived's children end with their parent through
//     PR_SET_PDEATHSIG. The peer takes over after Skew_Time.
//
// Pid files are locked (flock) for the life of their process, so a
// second daemon with the same pid file refuses to start, naming the pid
// that holds it.
//
// This package starts processes and waits on them; it never touches the
// network itself (Spec.Release does, through the Linux platform).
package supervise
