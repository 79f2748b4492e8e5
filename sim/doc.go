// Package sim is gokeepalived's deterministic simulator: a discrete-event
// world with a virtual clock, one seeded random source and an ordered event
// queue, in which every node runs the real daemon driver (daemon/) over a
// simulated Platform.
//
// The world has L2 segments with multicast and unicast delivery and
// per-path faults (loss, delay and jitter, duplication, symmetric and
// one-way partitions, isolation, Jepsen's bridge, a firewall dropping only
// VRRP), interfaces that go down and up, clocks that run fast or slow, and
// daemons that are stopped, killed (-9), paused (SIGSTOP), reloaded
// (SIGHUP) and restarted. Each node has a private filesystem; scripts from
// keepalived.conf run as written through a pure-Go shell interpreter
// (mvdan.cc/sh) whose file operations see only that node's files.
//
// The world records one stream of raw observations (package
// scenarios/observe, World.Observations): the drivers' reports with node
// and virtual time, addresses appearing on and leaving interfaces, notify
// runs, daemon process events, daemon warnings, config diagnostics and the
// faults injected. It derives nothing from them: transitions, split
// brains, reject counts and the readable timeline are folded from the
// stream by observe.History and the scenario runner, the same way for
// every world. The same seed and the same steps give a byte-identical
// stream. Virtual time stops at MaxElapsed, and node clocks stay within
// MinClockRate..MaxClockRate and MaxClockOffset, so no input makes time
// wrap around.
//
// A typical use:
//
//	w := sim.NewWorld(sim.Options{Seed: 1, Trace: os.Stdout})
//	w.AddSegment("lan")
//	w.AddNode("lvs1", sim.Iface{Name: "eth0", Segment: "lan", Addrs: []netip.Prefix{netip.MustParsePrefix("10.0.0.50/24")}})
//	w.WriteFile("lvs1", sim.ConfigPath, conf)
//	w.StartDaemon("lvs1")
//	w.RunUntil(5*time.Second, func() bool { return len(w.VIPHolders(vip)) == 1 })
//
// Each node's daemon runs a DaemonModel (model.go): start latency, stop
// duration, timer lateness and receive latency, each a distribution drawn
// from the world's random source. Options.Model sets every node's (zero:
// Ideal, everything exact), SetDaemonModel one node's; Keepalived227 is
// keepalived 2.2.7 as measured in namespaces (the scenario runner's
// default), GoKeepalived gokeepalived's own (keepalived's figures until
// measured). With it, starts race, equal timers race, and a kill lands
// anywhere in the advert cycle, as on real hosts (race_test.go).
//
// Modelling choices (differences from a real host): a packet arrives the
// model's receive latency after it is sent (Ideal: at the instant), in
// order per path, plus any configured delay and jitter; an address appears
// the instant a daemon adds it; scripts take
// Options.ScriptRuntime plus any `sleep` they run (a script still looping
// after 10,000 commands counts as timed out); besides executable files in
// the node's filesystem only a few utilities exist (touch, rm, cat, sleep,
// mkdir, logger, grep, wc, and ps, pidof, pgrep, killall, pkill, systemctl,
// service over a per-node process table set by StartProcess/StopProcess;
// stopping keepalived from a script stops the node's daemon);
// track_file is polled every second.
//
// LVS (lvs.go, services.go, dial.go, curl.go): every node has an IPVS
// table (pkg/lvs/memipvs, with the kernel's schedulers) that outlives its
// daemons, and a loopback for a DR real server's VIPs; a daemon whose
// configuration has virtual servers runs the checker driver
// (daemon/checker) beside the VRRP driver; network services (AddService)
// answer probes and clients (Curl) over the simulated segments, and a
// client's request follows the VIP holder's IPVS table. docs/lvs.md has
// the model.
//
// Speed (go test -run '^$' -bench . -benchtime 3x ./sim/, 2 cores shared
// with other jobs, so ranges): 3 nodes × 1 VRID run one simulated hour in
// 8–22 ms (≈ 2–5 × 10⁵ × real time); 50 nodes × 255 VRIDs (12,750
// instances, ~12,500 advert deliveries per simulated second) run one
// simulated minute in 2.0–4.0 s (15–30 × real time).
//
// Nothing inside a World runs on another goroutine (except the sides of a
// shell pipeline, inside one script run), reads the real clock or uses a
// random source other than the world's; the package must never open a
// socket or touch the kernel. One exception, a safety net only: a script
// run is cut off after 5 s of wall-clock time (scriptWallCap), so that a
// script looping without running commands (the 10,000-command cap catches
// the rest) cannot hang the simulator. A run that hits it is reported as a
// script failure and is not reproducible; no script in the seeds comes near.
package sim
