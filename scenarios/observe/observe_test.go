package observe

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// equal fails the test when got differs from want.
func equal(t *testing.T, got, want any, what ...any) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got %#v\nwant %#v", fmt.Sprint(what...), got, want)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var (
	vip  = netip.MustParseAddr("10.0.0.3")
	vip6 = netip.MustParsePrefix("fe80::3/64")
)

// One observation of every kind, as worlds produce them.
func everyKind() []Observation {
	at := 3609375 * time.Microsecond
	return []Observation{
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportState, Instance: "VI_1", From: vrrp.StateBackup,
			To: vrrp.StateMaster, Priority: 100, Text: "master down timer expired", Cause: vrrp.CauseMasterDown}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportGroupState, Instance: "VG1", From: vrrp.StateBackup, To: vrrp.StateMaster}),
		FromReport(at, "lb01", daemon.Report{Kind: daemon.ReportPriority, Instance: "VI_1", Priority: 98, Text: "100 -> 98"}),
		FromReport(at, "lb01", daemon.Report{Kind: daemon.ReportAdvertSent, Instance: "VI_1", Addr: netip.MustParseAddr("224.0.0.18"), Priority: 150}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportAdvertRecv, Instance: "VI_1", Addr: netip.MustParseAddr("10.0.0.5"), Priority: 150}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportReject, Instance: "VI_1", Reason: vrrp.RejectAuthData,
			Addr: netip.MustParseAddr("10.0.0.5"), Text: "(VI_1) bad auth"}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportGARP, Instance: "VI_1", Addr: vip, Text: "5 on eth0"}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportVIPAdd, Instance: "VI_1", Addr: vip, Text: "10.0.0.3/32 dev eth0"}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportVIPDel, Instance: "VI_1", Addr: vip, Text: "10.0.0.3/32 dev eth0"}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportTracker, Instance: "chk_down", Text: "script ok=false exit=1"}),
		FromReport(at, "lb02", daemon.Report{Kind: daemon.ReportError, Instance: "VI_1", Addr: vip, Text: "file exists"}),
		FromReport(at, "lb01", daemon.Report{Kind: daemon.ReportSplitBrain, Instance: "VI_1", Addr: vip, Text: "split brain"}),
		{At: at, Node: "lb02", Kind: KindAddrAdd, Iface: "eth0", Prefix: netip.MustParsePrefix("10.0.0.3/32"), Label: "eth0:1"},
		{At: at, Node: "lb02", Kind: KindAddrDel, Iface: "eth1", Prefix: vip6},
		{At: at, Node: "lb02", Kind: KindNotify, Argv: []string{"/etc/keepalived/notify.sh", "INSTANCE", "VI_1", "MASTER", "100"}},
		{At: at, Node: "lb02", Kind: KindNotify, Argv: []string{"/bin/false"}, Exit: 1, Failed: true, Text: "no"},
		{At: 0, Node: "lb02", Kind: KindDaemon, Text: "start"},
		FromDiagnostic(0, "lb02", config.Diagnostic{Pos: config.Pos{File: "lb02", Line: 3, Col: 1}, Severity: config.Warning,
			Keyword: "enable_script_security", Msg: "SECURITY VIOLATION"}),
		{At: at, Node: "lb02", Kind: KindLog, Level: LevelWarning, Text: "Warning - script chk is not used"},
		{At: at, Node: "lb02", Kind: KindLink, Text: "eth0 down"},
		{At: at, Kind: KindNet, Text: "loss lb01->lb02 30%"},
	}
}

// A state change carries the engine's typed cause by its stable name
// (vrrp.CauseKind), and the words in Text for the timeline; a reject its
// reason's name. Readers branch on Reason, never on Text.
func TestFromReportCause(t *testing.T) {
	for _, c := range []struct {
		cause vrrp.Cause
		want  string
	}{
		{vrrp.Cause{Kind: vrrp.CauseMasterDown}, "master_down"},
		{vrrp.Cause{Kind: vrrp.CauseHigherAddress}, "higher_address"},
		{vrrp.Cause{Kind: vrrp.CauseFault, Init: true, Faults: []vrrp.Fault{{Kind: vrrp.FaultNoAddress, Value: 4}}}, "fault"},
		{vrrp.Cause{Kind: vrrp.CauseSyncGroup, Group: "G"}, "sync_group"},
	} {
		r := daemon.Report{Kind: daemon.ReportState, Instance: "VI_1", From: vrrp.StateBackup, To: vrrp.StateFault,
			Priority: 100, Text: c.cause.String(), Cause: c.cause.Kind}
		o := FromReport(time.Second, "lb01", r)
		if o.Reason != c.want || o.Text != c.cause.String() {
			t.Errorf("%v: reason %q text %q, want %q and %q", c.cause, o.Reason, o.Text, c.want, c.cause.String())
		}
		if _, text := Format(o); text != "BACKUP -> FAULT prio 100 ("+c.cause.String()+")" {
			t.Errorf("timeline text %q", text)
		}
	}
	o := FromReport(time.Second, "lb01", daemon.Report{Kind: daemon.ReportReject, Reason: vrrp.RejectUnicastSrc, Text: "(VI_1) x"})
	if o.Reason != "unicast_src" {
		t.Errorf("reject reason %q", o.Reason)
	}
}

// A backend in another process writes the stream as JSON lines: every
// kind of observation survives the trip unchanged.
func TestJSONRoundTrip(t *testing.T) {
	for _, o := range everyKind() {
		b, err := json.Marshal(o)
		noErr(t, err)
		var back Observation
		noErr(t, json.Unmarshal(b, &back))
		equal(t, back, o, string(b))
	}
	b, err := json.Marshal(Observation{At: time.Second, Node: "lb01", Kind: KindDaemon, Text: "kill -9"})
	noErr(t, err)
	// Unset fields stay out of the JSON form.
	equal(t, string(b), `{"at":1000000000,"node":"lb01","kind":"daemon","text":"kill -9"}`)
}

// The readable timeline's text for each kind (docs/scenarios.md,
// "Reading the timeline").
func TestFormat(t *testing.T) {
	want := map[Kind][2]string{
		KindState:              {"state", "BACKUP -> MASTER prio 100 (master down timer expired)"},
		KindGroupState:         {"group-state", "BACKUP -> MASTER"},
		KindPriority:           {"priority", "100 -> 98"},
		KindReject:             {"reject", "auth_failure from 10.0.0.5: (VI_1) bad auth"},
		KindGARP:               {"garp", "10.0.0.3 x5 on eth0"},
		KindSplitBrainDetected: {"split-brain-detected", "split brain"},
		KindAddrAdd:            {"vip", "add 10.0.0.3/32 dev eth0 label eth0:1"},
		KindAddrDel:            {"vip", "del fe80::3/64 dev eth1"},
		KindConfig:             {"warning", "lb02:3:1: warning: enable_script_security: SECURITY VIOLATION"},
		KindLog:                {"warning", "Warning - script chk is not used"},
		KindLink:               {"link", "eth0 down"},
	}
	seen := map[Kind]bool{}
	for _, o := range everyKind() {
		w, ok := want[o.Kind]
		if !ok || seen[o.Kind] {
			continue
		}
		seen[o.Kind] = true
		label, text := Format(o)
		equal(t, [2]string{label, text}, w, "kind ", o.Kind)
	}
	equal(t, len(seen), len(want), "kinds checked")
	_, text := Format(Observation{Kind: KindNotify, Argv: []string{"/bin/false", "x"}, Exit: 1, Failed: true, Text: "no"})
	equal(t, text, "/bin/false x (exit 1: no)")
}

func addr(at time.Duration, node string, add bool, p string) Observation {
	k := KindAddrDel
	if add {
		k = KindAddrAdd
	}
	return Observation{At: at, Node: node, Kind: k, Iface: "eth0", Prefix: netip.MustParsePrefix(p)}
}

// Split brains come from the addresses alone: more than one holder for
// longer than an instant.
func TestHistorySplitBrains(t *testing.T) {
	s := time.Second
	var h History
	h.Add(
		// A hand-over inside one instant: lb02 adds, lb01 removes.
		addr(1*s, "lb01", true, "10.0.0.3/32"),
		addr(2*s, "lb02", true, "10.0.0.3/32"),
		addr(2*s, "lb01", false, "10.0.0.3/32"),
		// A real one, widened by a third node, ended at 6 s.
		addr(3*s, "lb01", true, "10.0.0.3/32"),
		addr(4*s, "lb03", true, "10.0.0.3/32"),
		addr(5*s, "lb02", false, "10.0.0.3/32"),
		addr(6*s, "lb03", false, "10.0.0.3/32"),
		// An owner holds its own address twice (/24 and the VIP /32): it
		// still holds it when the /32 goes.
		addr(7*s, "lb02", true, "10.0.0.3/24"),
		addr(7*s, "lb02", true, "10.0.0.3/32"),
		addr(8*s, "lb02", false, "10.0.0.3/32"),
	)
	equal(t, h.Len(), 10, "observations folded")
	equal(t, h.SplitBrains(9*s), []SplitBrain{
		{VIP: vip, Nodes: []string{"lb01", "lb02", "lb03"}, Start: 3 * s, End: 6 * s},
		// Open intervals end at now.
		{VIP: vip, Nodes: []string{"lb01", "lb02"}, Start: 7 * s, End: 9 * s, Open: true},
	}, "split brains")
	equal(t, h.Holders(vip), []string{"lb01", "lb02"}, "holders")
	// The instant hand-over is kept as a raw interval.
	equal(t, len(h.Intervals()), 3, "intervals")
	i, open := h.OpenInterval(vip)
	equal(t, [2]any{i, open}, [2]any{2, true}, "open interval")
}

// Transitions, rejects, notify runs and detections, with their place in
// the stream.
func TestHistoryFacts(t *testing.T) {
	var h History
	obs := everyKind()
	h.Add(obs[:5]...)
	h.Add(obs[5:]...)
	equal(t, h.Transitions(), []Transition{{At: 3609375 * time.Microsecond, Node: "lb02", Instance: "VI_1", From: "BACKUP",
		To: "MASTER", Priority: 100, Seq: 0}}, "transitions")
	equal(t, h.Rejects("lb02"), map[string]int{"auth_failure": 1}, "rejects")
	equal(t, h.Rejects("nobody"), map[string]int{}, "rejects of a quiet node")
	equal(t, len(h.Notifies()), 2, "notify runs")
	equal(t, h.Notifies()[0].Seq, 14, "the first notify's place in the stream")
	equal(t, len(h.Detections()), 1, "detections")
	equal(t, h.Detections()[0].Node, "lb01", "detected by")
	// The daemon's claims (vip-add) are not ground truth: only the
	// address observations count.
	equal(t, len(h.AddrChanges()), 2, "address changes")
	if !slices.Equal(h.Holders(vip), []string{"lb02"}) {
		t.Errorf("holders %v", h.Holders(vip))
	}
}
