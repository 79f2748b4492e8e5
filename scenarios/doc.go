// Package scenarios is gokeepalived's scenario language and runner: one
// readable file per experiment holding the topology (segments, nodes,
// addresses), each node's keepalived.conf verbatim, extra files (scripts),
// and the steps — start/stop/kill a daemon, take a link down, lose packets,
// partition the network, touch a file — interleaved with expectations that
// poll against a deadline ("vip 172.20.0.100 on lvs2 within 4s").
//
// The runner talks to a Backend: the deterministic simulator (sim.World,
// wrapped by SimBackend) today, the namespace lab later, so the same file
// runs in both. Expectations the chosen backend cannot check (IPVS tables,
// client requests in the simulator) are rejected up front with file:line,
// never silently skipped.
//
// The package also holds the scenario files themselves (*.scn), the
// packet-loss sweep and the rapid property tests that generate topologies
// and fault schedules and check VRRP's invariants in the simulator.
//
// This package must never touch the host network or run as root: it only
// drives a Backend. See docs/scenarios.md for the language reference.
package scenarios
