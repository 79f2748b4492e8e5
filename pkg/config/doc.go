// Package config reads keepalived.conf (keepalived 2.2.7 syntax) into a typed
// model with keepalived's defaults filled in, and reports every problem the
// way a compiler does: file:line:col, severity, keyword, message.
//
// The pipeline is:
//
//   - pre-processing (pre.go): include globs, @ID / @^ID conditional lines,
//     $NAME=value parameters and ${NAME} use, ~SEQ / ~LST line replication,
//     comments, Unicode spaces;
//   - tokenising into a tree of statements and blocks (lex.go, tree.go);
//   - building the model from the tree with one keyword switch per block
//     (parse_*.go), unknown keywords being warnings as in keepalived;
//   - defaults and derived values (defaults.go) and the semantic checks
//     keepalived makes at load time (validate.go).
//
// The package never touches the network, never reads the clock and keeps no
// package-level mutable state. The only I/O is reading the configuration
// files themselves (Load, or includes through Options.FS) and, when
// Options.CheckScripts is set, stat(2) on script paths for the config test.
// It must never panic whatever the input: FuzzParse checks that.
//
// Dump writes a model back in canonical keepalived syntax with every default
// spelled out; parsing that text yields the same model.
package config
