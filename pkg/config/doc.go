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
//   - building the model from the tree with one keyword table per block
//     (keywords.go; the tables are in parse_*.go), keepalived's
//     install_keyword tree: a plain keyword (number, timer, boolean, word,
//     address) is one row giving its kind, range, model field, default,
//     global_defs fallback and dump rule, which parsing, the "was it set"
//     tracking, the defaults and Dump all read; compound keywords name
//     their hand-written parser and dump in their row. Unknown keywords
//     are warnings as in keepalived;
//   - defaults and derived values (defaults.go) and the semantic checks
//     keepalived makes at load time (validate.go). The model handed out is
//     fully resolved: every default, every global_defs → instance
//     inheritance, every tracked object's weight; consumers copy it and
//     apply no default of their own.
//
// Every diagnostic carries a stable Code (codes.go) next to its message.
//
// The package never touches the network, never reads the clock and keeps no
// package-level mutable state (the keyword tables are built when the package
// is initialised and only read afterwards). The only I/O is reading the configuration
// files themselves (Load, or includes through Options.FS) and, when
// Options.CheckScripts is set, stat(2) on script paths for the config test.
// It must never panic whatever the input: FuzzParse checks that.
//
// Dump writes a model back in canonical keepalived syntax with every default
// spelled out; parsing that text yields the same model.
package config
