package daemon

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// FuzzReceive: no datagram panics the one receive path, for a PASS, an AH
// and a unicast VRRPv3 instance, in BACKUP and in MASTER; the driver keeps
// running and its per-sender state stays bounded.
func FuzzReceive(f *testing.F) {
	f.Add(datagram(f, "10.0.0.51", "224.0.0.18", 255, advert(199, 150)), uint8(0))
	f.Add(ahDatagram(f, "secret", 3, ahAdvert(199, 150)), uint8(1))
	a := v3Advert(150)
	if b, err := a.MarshalIPv4(mustAddr("10.0.0.51"), mustAddr("10.0.0.50"), vrrp.IPv4Params{ID: 1}, vrrp.MarshalOptions{OldUnicastChecksum: true}); err == nil {
		f.Add(b, uint8(2))
	}
	f.Add([]byte{0x45, 0, 0, 20}, uint8(3))
	f.Add([]byte{0x60}, uint8(4))
	f.Fuzz(func(t *testing.T, dg []byte, mode uint8) {
		cfgs := []func() *config.Config{func() *config.Config { return e1(100, "MASTER") }, ahConfig, v3Unicast}
		fp := newFake(t)
		fp.countOnly = true
		d, err := New(cfgs[int(mode)%len(cfgs)](), fp, slog.New(slog.NewTextHandler(io.Discard, nil)))
		if err != nil {
			t.Fatal(err)
		}
		if err := d.Start(); err != nil {
			t.Fatal(err)
		}
		if mode&4 != 0 {
			fp.advance(4 * time.Second) // MASTER
		}
		for range 3 {
			d.Receive("eth0", dg)
			d.Receive("eth1", dg)
		}
		fp.advance(10 * time.Second)
		if len(d.splitSeen) > splitSeenMax {
			t.Fatalf("split-brain table %d entries", len(d.splitSeen))
		}
		d.Stop()
	})
}
