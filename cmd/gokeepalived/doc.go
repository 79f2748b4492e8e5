// Command gokeepalived is the keepalived-compatible daemon. For now it
// implements the configuration test (keepalived -t):
//
//	gokeepalived -t [-f FILE] [-d] [--dump-json] [-i CONFIG_ID]
//
// It loads the configuration with pkg/config, prints every diagnostic as
// file:line:col: severity: keyword: message [code] on stderr, optionally the
// effective configuration (-d, canonical keepalived syntax with defaults
// filled in) or its JSON model (--dump-json) on stdout, and exits with
// keepalived 2.2.7's config-test codes (see exitCode).
package main
