package config

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden/")

// TestGolden pins what `gokeepalived -t -d` prints for every config of the
// corpus (seeds, valid and invalid): the diagnostics, then the canonical
// dump. A refactoring of the parser must leave both byte-identical; a
// deliberate change is reviewed in the diff of testdata/golden/ after
// `go test ./pkg/config -run TestGolden -update`.
func TestGolden(t *testing.T) {
	var files []string
	for _, dir := range []string{"seeds", "valid", "invalid"} {
		m, err := filepath.Glob(filepath.Join("testdata", dir, "*.conf"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	if len(files) < 80 {
		t.Fatalf("only %d corpus files", len(files))
	}
	for _, f := range files {
		dir := filepath.Base(filepath.Dir(f))
		golden := filepath.Join("testdata", "golden", dir, filepath.Base(f)+".golden")
		t.Run(dir+"/"+filepath.Base(f), func(t *testing.T) {
			cfg, ds, _ := Load(f, Options{})
			var b bytes.Buffer
			b.WriteString("# diagnostics\n")
			b.WriteString(ds.String())
			b.WriteString("# dump\n")
			if err := Dump(&b, cfg); err != nil {
				t.Fatal(err)
			}
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("output differs from %s (diff it after -update):\n%s", golden, b.String())
			}
		})
	}
}
