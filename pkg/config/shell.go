package config

// IsShellSyntax reports whether w, the first word of a script command
// line, is shell syntax rather than a program ("[[", "if", a word with
// "|&;<>()$`"): the documented exception that gokeepalived runs through
// a shell where keepalived 2.2.7 would disable the script (see
// docs/config-reference.md). The Linux platform asks it so that one
// configuration behaves alike in the simulator and on a host.
func IsShellSyntax(w string) bool { return isShellSyntax(w) }
