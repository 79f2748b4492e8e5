package config

// Code is the stable name of a kind of diagnostic. Messages follow
// keepalived's wording and may be reworded; codes do not change, so
// callers (the -t exit status, scenario tooling, tests) compare codes and
// never message text. docs/config-reference.md lists them.
type Code string

// Reading the files (pre-processor).
const (
	// CodeNotRegularFile: the main file or an include is a directory, a
	// device, a FIFO or a socket; it is not read (keepalived reads only
	// regular files).
	CodeNotRegularFile Code = "not-regular-file"
	// CodeFileTooLarge: a file is larger than MaxFileBytes; it is not read.
	CodeFileTooLarge Code = "file-too-large"
	// CodeIncludeMissing: an include glob matches no file.
	CodeIncludeMissing Code = "include-missing"
	// CodeIncludeError: an include without a name, a bad glob, or a file
	// that cannot be read.
	CodeIncludeError Code = "include-error"
	// CodeIncludeLoop: a file includes itself (directly or not).
	CodeIncludeLoop Code = "include-loop"
	// CodeBudgetExceeded: the load went past one of its total limits
	// (MaxLoadLines, MaxExpandedLines, MaxExpandedBytes, MaxLoadFiles,
	// MaxReadBytes, MaxReplicated, MaxGlobEntries); the pre-processing
	// stops there and drops what it produced.
	CodeBudgetExceeded Code = "budget-exceeded"
	// CodeLineTooLong: a line, as read or after parameter substitution, is
	// longer than MaxLineBytes.
	CodeLineTooLong Code = "line-too-long"
	// CodeNestingTooDeep: includes, parameters, line replication or blocks
	// nested deeper than their limit.
	CodeNestingTooDeep Code = "nesting-too-deep"
	// CodeUnicodeSpace: a Unicode space read as a plain space (once per file).
	CodeUnicodeSpace Code = "unicode-space"
	// CodeTooManyDiagnostics: the load found more than MaxDiagnostics
	// problems; this one counts those not shown.
	CodeTooManyDiagnostics Code = "too-many-diagnostics"
)

// Syntax.
const (
	// CodeSyntax: a malformed construct (~SEQ/~LST, a '{' with no keyword).
	CodeSyntax Code = "syntax"
	// CodeUnterminatedQuote: a double quote with no closing quote.
	CodeUnterminatedQuote Code = "unterminated-quote"
	// CodeUnbalancedBrace: a '}' with no open block, or a block never closed.
	CodeUnbalancedBrace Code = "unbalanced-brace"
	// CodeUnexpectedBlock: a block after a keyword or line that takes none.
	CodeUnexpectedBlock Code = "unexpected-block"
	// CodeMissingBlock: a keyword that needs a block has none.
	CodeMissingBlock Code = "missing-block"
	// CodeExtraText: words that are ignored (after '}', after a quoted
	// command, before a block, an extra argument).
	CodeExtraText Code = "extra-text"
)

// Keywords.
const (
	// CodeUnknownKeyword: keepalived 2.2.7 does not know this keyword in
	// this block ("Unknown keyword").
	CodeUnknownKeyword Code = "unknown-keyword"
	// CodeUnknownOption: an unknown word inside a line (a VIP option, a
	// unicast_peer option, a track entry option, an lvs_timeouts kind).
	CodeUnknownOption Code = "unknown-option"
	// CodeNotImplemented: a keepalived keyword gokeepalived accepts and
	// keeps but does not act upon.
	CodeNotImplemented Code = "not-implemented"
	// CodeDeprecated: a deprecated keyword or usage.
	CodeDeprecated Code = "deprecated"
)

// Values.
const (
	// CodeMissingValue: a keyword or option without its value.
	CodeMissingValue Code = "missing-value"
	// CodeInvalidValue: a value of the wrong kind (not a number, not an
	// address, not one of the allowed words, NaN or Inf).
	CodeInvalidValue Code = "invalid-value"
	// CodeValueRange: a number or time outside the keyword's range.
	CodeValueRange Code = "value-range"
	// CodeTooManyValues: a keyword that takes one value was given more
	// than MaxExtraWords words after it.
	CodeTooManyValues Code = "too-many-values"
	// CodeValueAdjusted: keepalived corrects a value and says so
	// ("resetting", "clearing", "rounding", "defaulting", "truncating").
	CodeValueAdjusted Code = "value-adjusted"
)

// The configuration as a whole.
const (
	// CodeMissingRequired: something required is missing (an instance's
	// VRID, interface or VIP, a script's command, a track_file's file).
	CodeMissingRequired Code = "missing-required"
	// CodeDuplicate: a name, VRID, service or real server defined twice.
	CodeDuplicate Code = "duplicate"
	// CodeUndefinedReference: a name that refers to nothing (track_script,
	// sync group member, virtual_server_group).
	CodeUndefinedReference Code = "undefined-reference"
	// CodeConflict: settings that cannot go together (address families,
	// strict mode with unicast peers, AH with IPv6).
	CodeConflict Code = "conflict"
	// CodeIgnored: keepalived drops an element and says so (an empty sync
	// group, a real server of the other family, a service with no real
	// servers, a checker without url, an untracked route).
	CodeIgnored Code = "ignored"
	// CodeSuspicious: a legal setting that is probably a mistake (a sync
	// group of one instance, a VIP label not starting with its device).
	CodeSuspicious Code = "suspicious"
)

// Scripts.
const (
	// CodeScriptSecurity: scripts are configured without
	// enable_script_security (keepalived's "SECURITY VIOLATION"; -t exits 6).
	CodeScriptSecurity Code = "script-security"
	// CodeScriptNotFound: a script's program does not exist (config test).
	CodeScriptNotFound Code = "script-not-found"
	// CodeScriptNotExecutable: a script's program is not executable.
	CodeScriptNotExecutable Code = "script-not-executable"
	// CodeScriptInsecure: a script run as root that others could replace.
	CodeScriptInsecure Code = "script-insecure"
	// CodeScriptUser: no user to run scripts as.
	CodeScriptUser Code = "script-user"
	// CodeShellSyntax: a script command line that is shell syntax.
	CodeShellSyntax Code = "shell-syntax"
	// CodeTypographicQuote: a path contains a typographic quote.
	CodeTypographicQuote Code = "typographic-quote"
)

// Codes returns every diagnostic code, in the order of the documentation.
func Codes() []Code {
	return []Code{
		CodeNotRegularFile, CodeFileTooLarge, CodeIncludeMissing, CodeIncludeError, CodeIncludeLoop,
		CodeBudgetExceeded, CodeLineTooLong, CodeNestingTooDeep, CodeUnicodeSpace, CodeTooManyDiagnostics,
		CodeSyntax, CodeUnterminatedQuote, CodeUnbalancedBrace, CodeUnexpectedBlock, CodeMissingBlock, CodeExtraText,
		CodeUnknownKeyword, CodeUnknownOption, CodeNotImplemented, CodeDeprecated,
		CodeMissingValue, CodeInvalidValue, CodeValueRange, CodeTooManyValues, CodeValueAdjusted,
		CodeMissingRequired, CodeDuplicate, CodeUndefinedReference, CodeConflict, CodeIgnored, CodeSuspicious,
		CodeScriptSecurity, CodeScriptNotFound, CodeScriptNotExecutable, CodeScriptInsecure, CodeScriptUser,
		CodeShellSyntax, CodeTypographicQuote,
	}
}
