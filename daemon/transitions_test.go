package daemon

import (
	"context"
	"log/slog"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// logLines is a slog handler that keeps every message, in order.
type logLines struct{ msgs *[]string }

func (h logLines) Enabled(context.Context, slog.Level) bool { return true }
func (h logLines) Handle(_ context.Context, r slog.Record) error {
	*h.msgs = append(*h.msgs, r.Message)
	return nil
}
func (h logLines) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h logLines) WithGroup(string) slog.Handler      { return h }

// syncPairConfig is two instances on eth0 in sync group G, each with one VIP.
func syncPairConfig() *config.Config {
	cfg := e1(100, "BACKUP")
	cfg.Scripts = nil
	vi1 := cfg.Instances[0]
	vi1.TrackScripts, vi1.TrackInterfaces = nil, nil
	vi1.Notify, vi1.NotifyMaster = config.Notify{}, config.Notify{}
	vi2 := vi1
	vi2.Name, vi2.VRID = "VI_2", 200
	vi2.VIPs = []config.VIP{{Prefix: netip.MustParsePrefix("172.20.0.101/32"), Dev: "eth0"}}
	cfg.Instances = []config.VRRPInstance{vi1, vi2}
	cfg.SyncGroups = []config.SyncGroup{{Name: "G", Group: []string{"VI_1", "VI_2"}}}
	return cfg
}

// keepalived prints a sync group's move one member at a time: the member
// whose Master_Down_Timer expired is MASTER with its VIPs set before
// vrrp_sync_master logs "VRRP_Group(G) Syncing instances to MASTER state"
// (once) and moves the next (vrrp_scheduler.c, vrrp_sync.c). The driver
// used to announce every transition of a step before performing any, and
// logged the group line a second time as "(G) Syncing instances…".
func TestSyncGroupLogOrder(t *testing.T) {
	var msgs []string
	f := newFake(t)
	d, err := New(syncPairConfig(), f, slog.New(logLines{&msgs}))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	msgs = nil
	f.advance(4 * time.Second)
	want := []string{
		"(VI_1) Receive advertisement timeout",
		"(VI_2) Receive advertisement timeout",
		"(VI_2) Entering MASTER STATE",
		"(VI_2) setting VIPs.",
		"(VI_2) Sending/queueing gratuitous ARPs on eth0 for 172.20.0.101",
		"VRRP_Group(G) Syncing instances to MASTER state",
		"(VI_1) Entering MASTER STATE",
		"(VI_1) setting VIPs.",
		"(VI_1) Sending/queueing gratuitous ARPs on eth0 for 172.20.0.100",
	}
	if !slices.Equal(msgs, want) {
		t.Fatalf("log lines:\n got %q\nwant %q", msgs, want)
	}
}

// SIGTERM with two instances: each instance's stop is logged and done
// before the next one's (keepalived vrrp_shutdown walks the instances).
func TestStopLogOrder(t *testing.T) {
	var msgs []string
	cfg := syncPairConfig()
	cfg.SyncGroups = nil
	cfg.Instances[1].Priority = 90
	f := newFake(t)
	d, err := New(cfg, f, slog.New(logLines{&msgs}))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	f.advance(4 * time.Second) // both MASTER: nobody else advertises
	msgs = nil
	d.Stop()
	want := []string{
		"(VI_1) Stopped", "(VI_1) sent 0 priority", "(VI_1) removing VIPs.",
		"(VI_2) Stopped", "(VI_2) sent 0 priority", "(VI_2) removing VIPs.",
		"Stopped",
	}
	if !slices.Equal(msgs, want) {
		t.Fatalf("log lines:\n got %q\nwant %q", msgs, want)
	}
}
