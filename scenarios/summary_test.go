package scenarios

import (
	"bytes"
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// splitRows is the "split brains" table of a summary, one line per row.
func splitRows(t *testing.T, r *Result) []string {
	t.Helper()
	var buf bytes.Buffer
	WriteSummary(&buf, r)
	out := buf.String()
	i := strings.Index(out, "\nsplit brains\n")
	if i < 0 {
		t.Fatalf("no split brain in the summary:\n%s", out)
	}
	var rows []string
	for _, l := range strings.Split(out[i+len("\nsplit brains\n"):], "\n")[1:] {
		if strings.TrimSpace(l) == "" {
			break
		}
		rows = append(rows, l)
	}
	return rows
}

// regress_auth_ah.scn ends with `stop lb03`, which ends its split brain
// in the run's last instant: the summary names that step, it does not say
// the split brain lasted to the end.
func TestSummarySplitEndedAtLastInstant(t *testing.T) {
	res, err := Run(context.Background(), "regress_auth_ah.scn", Options{Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	rows := splitRows(t, res)
	if len(rows) != 1 {
		t.Fatalf("split brain rows %q, want one", rows)
	}
	if strings.Contains(rows[0], "(still at the end)") || !strings.Contains(rows[0], "stop lb03") {
		t.Errorf("row %q: want it ended by stop lb03", rows[0])
	}
}

// A split brain that really lasts to the end (its span is the last one)
// is still reported as such.
func TestSummarySplitStillAtEnd(t *testing.T) {
	vip := netip.MustParseAddr("10.0.0.3")
	r := &Result{End: 10 * time.Second,
		Actions: []Action{{At: 0, Text: "start a b"}, {At: 4 * time.Second, Text: "partition a | b"}},
		VIPs: []VIPHistory{{Addr: vip, Spans: []HolderSpan{
			{From: 0, To: 3 * time.Second, Holders: []string{"a"}},
			{From: 5 * time.Second, To: 10 * time.Second, Holders: []string{"a", "b"}},
		}}}}
	rows := splitRows(t, r)
	if len(rows) != 1 || !strings.Contains(rows[0], "(still at the end)") || !strings.Contains(rows[0], "partition a | b") {
		t.Fatalf("rows %q", rows)
	}
}
