// Package check is gokeepalived's real-server health checking, the
// checker half of keepalived 2.2.7's checker process.
//
// A Machine is one checker's retry state as a pure state machine: the
// caller owns the timer and feeds times in (Start for the first run after
// BOOTSTRAP_DELAY plus a random part of warmup drawn from the caller's
// seeded RNG; Fire when the timer expires; Done with the probe's result).
// Done says when the checker is due again and whether keepalived would
// call update_svr_checker_state — which becomes lvs.EvVerdict for the LVS
// core. Each checker kind keeps keepalived's own retry policy (TCP_CHECK
// retries even while down, UDP/PING only while up, SMTP counts retries
// across rounds, HTTP checks one URL per round), with retry,
// delay_before_retry, delay_loop, alpha, warmup and fast_recovery as in
// keepalived's check_*.c. keepalived's checkers have no rise/fall (those
// are vrrp_script keywords): a success counts at once, a failure after
// retry+1 attempts.
//
// A Probe performs one check: TCP_CHECK, HTTP_GET and SSL_GET (keepalived's
// request bytes, status_code ranges, genhash MD5 digest, virtualhost, SNI,
// regex with Go's RE2 syntax), SMTP_CHECK, DNS_CHECK, UDP_CHECK,
// PING_CHECK and MISC_CHECK (misc_dynamic weights). FILE_CHECK is the pure
// FileVerdict. Probes reach servers only through the Dialer and run
// scripts only through the ScriptRunner of the world they run in
// (NetDialer on a host; the simulator brings its own), with bounded reads.
//
// The Machine must never read a clock, sleep or start a goroutine; probes
// must never open a socket except through their Dialer, nor keep
// package-level mutable state.
package check
