// Package klog is gokeepalived's log output: slog records written where
// keepalived 2.2.7 writes its lines — syslog with the configured facility
// and the process's ident (Keepalived, Keepalived_vrrp), the console with
// -l, a file with -g — in keepalived's text form ("Sun Nov 29 15:05:58
// 2026: (VI_1) Entering MASTER STATE" on the console and in files, the
// bare message in syslog), or as JSON lines (--log-json). -D (detail)
// adds debug records and the records' attributes.
//
// The message text is the driver's: keepalived's well-known phrases are
// owned there (daemon/transitions.go and friends); this package only
// formats and routes. It keeps no package-level state.
package klog
