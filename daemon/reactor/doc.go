// Package reactor is the single-threaded event loop every gokeepalived
// platform runs the driver on: callbacks run one at a time, never
// concurrently, so the driver (package daemon) needs no locks.
//
// A Reactor has two ways in: Post, safe from any goroutine (a socket
// reader, a netlink listener, a process waiter hands its event over), and
// AfterFunc, the timer facility behind daemon.Clock. It has two ways to
// be driven:
//
//   - the real world: Run loops on the calling goroutine, sleeping until
//     the next deadline or the next Post, on the system clock;
//   - virtual time: a discrete-event host (the simulator) passes a Host
//     to NewVirtual, is told of every armed timer and of posted work, and
//     calls Fire and Drain from its own event loop at the virtual instant
//     they are due, so the run stays deterministic.
//
// Timers run in (deadline, arming order) order; a cancelled timer never
// runs; Close drops everything pending (a killed process's callbacks
// vanish). The package must never touch a socket, a file or the kernel.
package reactor
