// Package checker is the checker side of the gokeepalived daemon: the LVS
// counterpart of daemon.Driver (the VRRP side), written once for every
// world. A Driver turns a configuration's virtual_server blocks into
// pkg/lvs's Engine and one pkg/check Machine and Probe per checker,
// schedules the checkers on the platform's clock, runs the probes off the
// reactor through the world's Prober (its dialer and script runner), feeds
// their verdicts to the Engine, performs what the Engine asks (notify_up /
// notify_down / quorum scripts, keepalived's log lines, lvs_flush,
// ha_suspend) and keeps the world's IPVS table in line with the Engine's
// desired table through daemon/ipvs's Reconciler: at once after every
// change, and every healing interval (the smallest delay_loop) against
// drift.
//
// Like daemon.Driver it is a single-threaded reactor: every method, and
// every callback it hands the platform (timers, probe and script
// completions), runs on the platform's one reactor goroutine, and the
// platform defers callbacks (never calls them from inside a Platform
// method). The Linux daemon hosts it in its checker process with
// daemon/ipvs's Kernel, check.NetDialer and GoProber; the simulator with
// memipvs, a simulated dialer and probes that take virtual time.
//
// The package must never touch the kernel, a socket or a clock directly
// (only through Platform), start a goroutine other than GoProber's probe
// runs, or keep package-level mutable state.
package checker
