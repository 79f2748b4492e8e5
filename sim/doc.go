// Package sim is gokeepalived's deterministic simulator: a discrete-event
// world with a virtual clock, one seeded random source and an ordered event
// queue, in which every node runs the real daemon driver (daemon/) over a
// simulated Platform.
//
// The world has L2 segments with multicast and unicast delivery and
// per-path faults (loss, delay and jitter, duplication, symmetric and
// one-way partitions, isolation, Jepsen's bridge), interfaces that go down
// and up, clocks that run fast or slow, and daemons that are stopped,
// killed (-9), paused (SIGSTOP) and restarted. Each node has a private
// filesystem; scripts from keepalived.conf run as written through a pure-Go
// shell interpreter whose file operations see only that node's files.
//
// Observers record state transitions, VIP changes, adverts sent, received
// and rejected, gratuitous ARPs, notify calls and split-brain intervals,
// and a readable trace. The same seed and the same steps give a
// byte-identical trace.
//
// Nothing inside a World runs on another goroutine, reads the real clock
// or uses a random source other than the world's; the package must never
// open a socket or touch the kernel.
package sim
