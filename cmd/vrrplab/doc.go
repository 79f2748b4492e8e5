// Command vrrplab runs gokeepalived scenario files in the deterministic
// simulator and prints a timeline with a verdict per expectation.
//
//	vrrplab run [--seed N] [--runs N] [--trace] [--summary] [--quiet] [--log] [--pcap DIR] FILE|DIR|DIR/... ...
//	vrrplab sweep [--seed N] [--runs N] [--duration D] [--delay D]
//
// Exit status: 0 every expectation passed, 1 some failed, 2 usage or parse
// error (including expectations the simulator cannot check yet).
//
// It only drives the simulator (no root, no network); see docs/scenarios.md.
package main
