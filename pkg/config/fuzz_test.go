package config

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// fuzzLimits is the load budget scaled down for fuzzing: the same code
// paths stop a thousand times sooner, so an input that would expand to the
// real budget still runs in about a millisecond.
var fuzzLimits = limits{readBytes: 1 << 20, inclusions: 64, lines: 4000, expandedLines: 2000,
	expandedBytes: 64 << 10, replicated: 4000, globEntries: 256}

func addSeedCorpus(f *testing.F) {
	for _, dir := range []string{"testdata/seeds", "testdata/invalid"} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.conf"))
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add([]byte("$A=x ${A}\n~SEQ(i, 1, 3) vrrp_instance V$i {\n}\n@h global_defs {\n}\n"))
	f.Add([]byte("include a.conf\n\"unterminated\n{{{}}}}\n"))
	// The hostile shapes of TestBudgets, small.
	f.Add([]byte("include *.conf\ninclude inc.conf\ninclude inc.conf\n"))
	f.Add([]byte("$A=xxxxxxxxxx\n$B=$A$A$A$A\n~SEQ(i, 1, 100000) x $B$B$B$B ${i}\n"))
	f.Add([]byte("~SEQ(a, 1, 100) ~SEQ(b, 1, 100) ~LST(c, x, y) $a$b$c\n"))
	f.Add([]byte("~SEQ(a, 1, 9223372036854775807) @no x\ninclude {a,b}{c,d}/*\n"))
}

// fuzzFS is a small file tree whose files are the fuzz input cut at 0x00
// bytes: the main file can include, glob and re-include them.
func fuzzFS(src []byte) (fstest.MapFS, []byte) {
	parts := bytes.SplitN(src, []byte{0}, 4)
	names := []string{"inc.conf", "a.conf", "sub/b.conf"}
	fsys := fstest.MapFS{}
	for i, p := range parts[1:] {
		fsys[names[i]] = &fstest.MapFile{Data: p}
	}
	fsys["fuzz.conf"] = &fstest.MapFile{Data: parts[0]}
	return fsys, parts[0]
}

// FuzzLex: the pre-processor and lexer never panic and every token has a
// position.
func FuzzLex(f *testing.F) {
	addSeedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		d := &diags{}
		pp := newPre(d, Options{FS: fstest.MapFS{}})
		pp.lim = fuzzLimits
		pp.file("fuzz.conf", src)
		for _, tk := range lex(pp.out, d) {
			if tk.pos().Line < 1 || tk.pos().Col < 1 {
				t.Fatalf("token %q without position", tk.text)
			}
		}
	})
}

// FuzzPreprocess (issue 8): whatever the input and the files it includes,
// the pre-processor finishes within its budget, or stops with exactly one
// budget-exceeded error and keeps nothing; no line is longer than
// MaxLineBytes.
func FuzzPreprocess(f *testing.F) {
	addSeedCorpus(f)
	f.Add([]byte("include inc.conf\ninclude inc.conf\x00include a.conf\ninclude a.conf\x00include sub/*.conf\n~SEQ(i,1,50) x$i\x00include ../*.conf\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys, main := fuzzFS(src)
		d := &diags{}
		p := newPre(d, Options{FS: fsys, ConfigID: "h"})
		p.lim = fuzzLimits
		p.main("fuzz.conf", main)
		u, l := p.used, p.lim
		budget := 0
		for _, dg := range d.list {
			if dg.Code == CodeBudgetExceeded {
				budget++
			}
		}
		if p.stopped {
			if budget != 1 || len(p.out) != 0 {
				t.Fatalf("stopped with %d budget errors and %d lines kept", budget, len(p.out))
			}
		} else if budget != 0 || u.lines > l.lines || u.expandedLines > l.expandedLines || u.inclusions > l.inclusions ||
			u.replicated > l.replicated || u.globEntries > l.globEntries || u.readBytes > l.readBytes ||
			u.expandedBytes > l.expandedBytes {
			t.Fatalf("not stopped but over budget: used %+v limits %+v (%d budget errors)", u, l, budget)
		}
		if u.lines > l.lines+1 || u.inclusions > l.inclusions+1 || u.replicated > l.replicated+1 ||
			u.globEntries > l.globEntries+256 {
			t.Fatalf("budget overrun: used %+v limits %+v", u, l)
		}
		for _, ln := range p.out {
			if len(ln.text) > MaxLineBytes {
				t.Fatalf("line of %d bytes", len(ln.text))
			}
		}
		if len(d.list) > MaxDiagnostics {
			t.Fatalf("%d diagnostics", len(d.list))
		}
	})
}

// FuzzParse: Parse never panics, errors come with diagnostics, and a
// configuration that loads without errors dumps to text that loads too.
func FuzzParse(f *testing.F) {
	addSeedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys, main := fuzzFS(src)
		cfg, ds, err := parse("fuzz.conf", main, Options{FS: fsys, ConfigID: "h"}, fuzzLimits)
		if cfg == nil {
			t.Fatal("nil config")
		}
		if err != nil && !ds.HasErrors() {
			t.Fatalf("error without error diagnostics: %v", err)
		}
		for _, d := range ds {
			if d.Code == "" {
				t.Fatalf("diagnostic without code: %s", d)
			}
		}
		if err != nil {
			return
		}
		var b bytes.Buffer
		if err := Dump(&b, cfg); err != nil {
			t.Fatal(err)
		}
		if _, ds2, err := Parse("dump", b.Bytes(), Options{}); err != nil {
			t.Fatalf("dump of a valid config does not load: %v\n%s\n%s", err, ds2, b.String())
		}
	})
}

// FuzzSplitCommand: SplitCommand never panics, gives no empty argument
// list without an error and no NUL inside an argument, and is stable: the
// arguments written back in keepalived's quoting split to themselves.
func FuzzSplitCommand(f *testing.F) {
	for _, tc := range splitCases {
		f.Add(strings.Trim(tc.line, `"`))
	}
	f.Add(`/bin/x 'a b' \x41\101 \\ \' 'q\n' \cA`)
	f.Fuzz(func(t *testing.T, cmd string) {
		args, err := SplitCommand(cmd)
		if err != nil {
			return
		}
		if len(args) == 0 {
			t.Fatal("no argument and no error")
		}
		var words []string
		for _, a := range args {
			if strings.IndexByte(a, 0) >= 0 {
				t.Fatalf("NUL in argument %q", a)
			}
			words = append(words, requote(a))
		}
		again, err := SplitCommand(strings.Join(words, " "))
		if err != nil || !slices.Equal(again, args) {
			t.Fatalf("%q → %q → %q (%v)", cmd, args, again, err)
		}
	})
}

// requote writes an argument so that both of keepalived's passes give it
// back: every byte as an octal escape, its backslash doubled for the first
// pass.
func requote(a string) string {
	if a == "" {
		return "''"
	}
	var b strings.Builder
	for i := 0; i < len(a); i++ {
		fmt.Fprintf(&b, `\\%03o`, a[i])
	}
	return b.String()
}
