package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"
)

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
}

// FuzzLex: the pre-processor and lexer never panic and every token has a
// position.
func FuzzLex(f *testing.F) {
	addSeedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		d := &diags{}
		pp := newPre(d, Options{FS: fstest.MapFS{}})
		pp.file("fuzz.conf", src)
		for _, tk := range lex(pp.out, d) {
			if tk.pos().Line < 1 || tk.pos().Col < 1 {
				t.Fatalf("token %q without position", tk.text)
			}
		}
	})
}

// FuzzParse: Parse never panics, errors come with diagnostics, and a
// configuration that loads without errors dumps to text that loads too.
func FuzzParse(f *testing.F) {
	addSeedCorpus(f)
	f.Fuzz(func(t *testing.T, src []byte) {
		fsys := fstest.MapFS{"inc.conf": {Data: []byte("global_defs {\n router_id x\n}\n")}}
		cfg, ds, err := Parse("fuzz.conf", src, Options{FS: fsys, ConfigID: "h"})
		if cfg == nil {
			t.Fatal("nil config")
		}
		if err != nil && !ds.HasErrors() {
			t.Fatalf("error without error diagnostics: %v", err)
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
