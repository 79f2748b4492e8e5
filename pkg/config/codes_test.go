package config

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// invalidCodes is the code of the diagnostic each invalid-corpus file is
// about (the one its "# want:" header names).
var invalidCodes = map[string]Code{
	"01-vrid-zero.conf": CodeValueRange, "02-vrid-256.conf": CodeValueRange, "03-vrid-text.conf": CodeInvalidValue,
	"04-vrid-missing.conf": CodeMissingRequired, "05-priority-zero.conf": CodeValueRange,
	"06-priority-256.conf": CodeValueRange, "07-priority-negative.conf": CodeValueRange,
	"08-advert-zero.conf": CodeValueRange, "09-advert-text.conf": CodeInvalidValue, "10-advert-huge.conf": CodeValueRange,
	"11-state-bogus.conf": CodeInvalidValue, "12-vip-bad-address.conf": CodeInvalidValue,
	"13-vip-bad-prefix.conf": CodeInvalidValue, "14-vip-bad-scope.conf": CodeInvalidValue,
	"15-vip-unknown-option.conf": CodeUnknownOption, "16-vip-label-prefix.conf": CodeSuspicious,
	"17-vip-family-mix.conf": CodeConflict, "18-vip-missing-value.conf": CodeMissingValue,
	"19-duplicate-vrid.conf": CodeDuplicate, "20-duplicate-instance.conf": CodeDuplicate,
	"21-nopreempt-master.conf": CodeValueAdjusted, "22-preempt-delay-range.conf": CodeValueRange,
	"23-auth-type-bogus.conf": CodeInvalidValue, "24-auth-pass-missing.conf": CodeValueAdjusted,
	"25-unknown-keyword.conf": CodeUnknownKeyword, "26-unknown-top-level.conf": CodeUnknownKeyword,
	"27-missing-close-brace.conf": CodeUnbalancedBrace, "28-extra-close-brace.conf": CodeUnbalancedBrace,
	"29-unterminated-quote.conf": CodeUnterminatedQuote, "30-track-script-undefined.conf": CodeUndefinedReference,
	"31-track-weight-range.conf": CodeValueRange, "32-script-rise-zero.conf": CodeValueRange,
	"33-script-no-command.conf": CodeMissingRequired, "34-sync-group-missing-member.conf": CodeUndefinedReference,
	"35-mcast-group-not-multicast.conf": CodeInvalidValue, "36-vrrp-version-4.conf": CodeValueRange,
	"37-garp-repeat-zero.conf": CodeValueRange, "38-unicast-peer-bad.conf": CodeInvalidValue,
	"39-unicast-peer-family.conf": CodeConflict, "40-vs-bad-scheduler.conf": CodeInvalidValue,
	"41-vs-bad-kind.conf": CodeInvalidValue, "42-vs-bad-protocol.conf": CodeInvalidValue,
	"43-vs-bad-port.conf": CodeValueRange, "44-rs-bad-address.conf": CodeInvalidValue,
	"45-rs-weight-negative.conf": CodeValueRange, "46-rs-family-mix.conf": CodeIgnored,
	"47-rs-duplicate.conf": CodeDuplicate, "48-checker-timeout-text.conf": CodeInvalidValue,
	"49-checker-port-range.conf": CodeValueRange, "50-http-status-bogus.conf": CodeInvalidValue,
	"51-http-url-no-path.conf": CodeIgnored, "52-vs-group-missing.conf": CodeUndefinedReference,
	"53-vs-duplicate-merged.conf": CodeDuplicate, "54-vs-no-protocol.conf": CodeValueAdjusted,
	"55-persistence-negative.conf": CodeValueRange, "56-bool-bogus.conf": CodeInvalidValue,
	"57-include-missing.conf": CodeIncludeMissing, "58-strict-no-vip.conf": CodeMissingRequired,
	"59-no-interface.conf": CodeMissingRequired, "60-v3-with-auth.conf": CodeValueAdjusted,
	"61-strict-unicast.conf": CodeConflict, "62-nopreempt-owner.conf": CodeValueAdjusted,
	"63-preempt-delay-master.conf": CodeValueAdjusted, "64-v3-no-vip.conf": CodeMissingRequired,
	"65-advert-int-rounded.conf": CodeValueAdjusted, "66-sync-group-twice.conf": CodeDuplicate,
	"67-sync-group-weight.conf": CodeIgnored, "68-misc-check-connect-port.conf": CodeUnknownKeyword,
	"69-track-own-interface.conf": CodeIgnored,
	"70-tun-gue-no-port.conf":     CodeConflict, "71-tun-unknown-type.conf": CodeInvalidValue,
	"72-tun-ipip-csum.conf": CodeConflict, "73-tun-gre-remcsum.conf": CodeConflict,
}

// Each invalid-corpus file's diagnostic carries its code, and every
// diagnostic of the whole corpus carries a documented one.
func TestDiagnosticCodes(t *testing.T) {
	files, _ := filepath.Glob("testdata/invalid/*.conf")
	if len(files) == 0 {
		t.Fatal("no invalid corpus")
	}
	for _, f := range files {
		base := filepath.Base(f)
		want, ok := invalidCodes[base]
		if !ok {
			t.Errorf("%s: no expected code in invalidCodes", base)
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		first, _, _ := strings.Cut(string(src), "\n")
		var sev, kw string
		var line int
		if _, err := fmt.Sscanf(first, "# want: %s %d %s", &sev, &line, &kw); err != nil {
			t.Fatalf("%s: %v", base, err)
		}
		_, ds, _ := Load(f, Options{})
		found := false
		for _, d := range ds {
			if d.Pos.Line == line && (kw == "-" || d.Keyword == kw) && d.Code == want {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: want code %s at line %d keyword %s, got:\n%s", base, want, line, kw, withCodes(ds))
		}
	}
	more, _ := filepath.Glob("testdata/seeds/*.conf")
	valid, _ := filepath.Glob("testdata/valid/*.conf")
	for _, f := range append(append(more, valid...), files...) {
		_, ds, _ := Load(f, Options{CheckScripts: true})
		for _, d := range ds {
			if !slices.Contains(Codes(), d.Code) {
				t.Errorf("%s: diagnostic without a documented code: %s [%q]", f, d, d.Code)
			}
		}
	}
}

func withCodes(ds Diagnostics) string {
	var b strings.Builder
	for _, d := range ds {
		fmt.Fprintf(&b, "%s [%s]\n", d, d.Code)
	}
	return b.String()
}

// docs/config-reference.md documents every code, each once, and no other.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/config-reference.md")
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(doc), "## Diagnostic codes")
	if !ok {
		t.Fatal("docs/config-reference.md has no '## Diagnostic codes' section")
	}
	table, _, _ = strings.Cut(table, "\n## ")
	var listed []Code
	for _, l := range strings.Split(table, "\n") {
		if rest, ok := strings.CutPrefix(l, "| `"); ok {
			c, _, _ := strings.Cut(rest, "`")
			listed = append(listed, Code(c))
		}
	}
	if !slices.Equal(Codes(), listed) {
		t.Errorf("the table of codes in docs/config-reference.md lists\n%v\nwant Codes():\n%v", listed, Codes())
	}
	seen := map[Code]bool{}
	for _, c := range Codes() {
		if seen[c] {
			t.Errorf("code %s twice in Codes()", c)
		}
		seen[c] = true
	}
}
