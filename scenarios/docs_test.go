package scenarios

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// docs/scenarios.md stays true to the code: it has a row for every
// scenario file ("The scenario files") and for every reject reason a
// `rejects` expectation can name.
func TestDocsListEveryScenarioAndRejectReason(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "docs", "scenarios.md"))
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	files, err := filepath.Glob("*.scn")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scenario files: %v", err)
	}
	for _, f := range files {
		if !strings.Contains(doc, "| `"+f+"` |") {
			t.Errorf("docs/scenarios.md has no row for %s", f)
		}
	}
	for r := vrrp.RejectNone + 1; r.String() != "unknown"; r++ {
		if !strings.Contains(doc, "| `"+r.String()+"` |") {
			t.Errorf("docs/scenarios.md has no row for the reject reason %s", r)
		}
	}
}
