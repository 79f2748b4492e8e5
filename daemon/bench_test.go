package daemon

import (
	"io"
	"log/slog"
	"net/netip"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// benchDriver is a started driver on the fake platform, reports counted.
func benchDriver(b *testing.B, cfg *config.Config) (*Driver, *fakePlatform) {
	f := newFake(nil)
	f.countOnly = true
	d, err := New(cfg, f, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	if err := d.Start(); err != nil {
		b.Fatal(err)
	}
	return d, f
}

// BenchmarkReceiveBackup: the whole receive path for a BACKUP hearing its
// master (decode the IPv4 datagram, demultiplex, checksum, engine checks,
// Master_Down_Timer pushed back).
func BenchmarkReceiveBackup(b *testing.B) {
	d, f := benchDriver(b, e1(100, "BACKUP"))
	a := advert(199, 150)
	dg, err := a.MarshalIPv4(mustAddr("10.0.0.51"), mustAddr("224.0.0.18"), vrrp.IPv4Params{ID: 1}, vrrp.MarshalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		f.now = f.now.Add(time.Second)
		d.Receive("eth0", dg)
	}
}

// BenchmarkReceiveBadChecksumMaster: a MASTER hearing datagrams for its
// VRID with a bad checksum (a forged flood): decode, demultiplex,
// checksum, then the engine (vrrp.EvDiscarded: the reject and the
// re-phased Adver_Timer) and the rate-limited log.
func BenchmarkReceiveBadChecksumMaster(b *testing.B) {
	d, f := benchDriver(b, e1(100, "MASTER"))
	f.advance(4 * time.Second)
	if st, _ := d.Status("VI_1"); st.State != vrrp.StateMaster {
		b.Fatalf("state %v", st.State)
	}
	a := advert(199, 150)
	dg, err := a.MarshalIPv4(mustAddr("10.0.0.51"), mustAddr("224.0.0.18"), vrrp.IPv4Params{ID: 1}, vrrp.MarshalOptions{})
	if err != nil {
		b.Fatal(err)
	}
	dg[20+6] ^= 0xff
	b.ReportAllocs()
	for b.Loop() {
		f.now = f.now.Add(time.Millisecond)
		d.Receive("eth0", dg)
	}
}

// BenchmarkReceiveBackupAH: the same with auth_type AH (HMAC-MD5 per
// packet); each datagram carries the next sequence number.
func BenchmarkReceiveBackupAH(b *testing.B) {
	d, f := benchDriver(b, ahConfig())
	a := ahAdvert(199, 150)
	p := vrrp.IPv4Params{ID: 1, AH: &vrrp.AHParams{Key: vrrp.PassKey("secret")}}
	var dg []byte
	b.ReportAllocs()
	for b.Loop() {
		p.AH.Seq++
		var err error
		dg, err = a.AppendMarshalIPv4(dg[:0], mustAddr("10.0.0.51"), mustAddr("224.0.0.18"), p, vrrp.MarshalOptions{})
		if err != nil {
			b.Fatal(err)
		}
		f.now = f.now.Add(time.Second)
		d.Receive("eth0", dg)
	}
}

// BenchmarkSend: the send path for one advert (IPv4 header with the
// instance's IP id, VRRP message and checksum into the reused buffer,
// Transport) and, AH, sealed with HMAC-MD5.
func BenchmarkSend(b *testing.B) {
	for _, c := range []struct {
		name string
		cfg  *config.Config
		adv  vrrp.Advert
	}{{"pass", e1(100, "MASTER"), advert(199, 100)}, {"ah", ahConfig(), ahAdvert(199, 100)}} {
		b.Run(c.name, func(b *testing.B) {
			d, f := benchDriver(b, c.cfg)
			f.keepNone = true
			act := vrrp.ActSendAdvert{Instance: "VI_1", Advert: c.adv}
			b.ReportAllocs()
			for b.Loop() {
				act.AHSeq++
				d.sendAdvert(act)
			}
		})
	}
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
