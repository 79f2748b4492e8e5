package lvs_test

import (
	"errors"
	"net/netip"
	"slices"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
	"github.com/gokeepalived/gokeepalived/pkg/lvs/memipvs"
)

// A small pool of keys so that desired, actual and owned overlap often.
var keyPool = func() []lvs.ServiceKey {
	var ks []lvs.ServiceKey
	for i := range 4 {
		a := netip.AddrFrom4([4]byte{10, 0, 0, byte(1 + i)})
		ks = append(ks, lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: a, Port: 80})
		ks = append(ks, lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.UDP, Addr: a, Port: 53})
	}
	ks = append(ks, lvs.ServiceKey{Family: lvs.Inet, FWMark: 8}, lvs.ServiceKey{Family: lvs.Inet6, FWMark: 8},
		lvs.ServiceKey{Family: lvs.Inet6, Protocol: lvs.TCP, Addr: netip.MustParseAddr("2001:db8::1"), Port: 443})
	return ks
}()

func genService(k lvs.ServiceKey) *rapid.Generator[lvs.Service] {
	return rapid.Custom(func(t *rapid.T) lvs.Service {
		s := lvs.Service{Key: k, Scheduler: rapid.SampledFrom([]string{"rr", "wrr", "wlc", "sh", "mh"}).Draw(t, "sched"), Netmask: 0xffffffff}
		if k.Family == lvs.Inet6 {
			s.Netmask = 128
		}
		if rapid.Bool().Draw(t, "persistent") {
			s.Flags |= lvs.FlagPersistent
			s.Timeout = rapid.Uint32Range(1, 3600).Draw(t, "timeout")
			if k.Family == lvs.Inet {
				s.Netmask = rapid.SampledFrom([]uint32{0xffffffff, 0xffffff00}).Draw(t, "mask")
			}
		}
		s.Flags |= rapid.SampledFrom([]uint32{0, lvs.FlagSched1, lvs.FlagSched2}).Draw(t, "flags")
		return s
	})
}

func genDests(k lvs.ServiceKey) *rapid.Generator[[]lvs.Destination] {
	return rapid.Custom(func(t *rapid.T) []lvs.Destination {
		n := rapid.IntRange(0, 4).Draw(t, "ndest")
		seen := map[lvs.DestKey]bool{}
		var ds []lvs.Destination
		for range n {
			var a netip.Addr
			if k.Family == lvs.Inet6 {
				a = netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, 15: byte(rapid.IntRange(2, 6).Draw(t, "a6"))})
			} else {
				a = netip.AddrFrom4([4]byte{10, 0, 1, byte(rapid.IntRange(1, 5).Draw(t, "a4"))})
			}
			dk := lvs.DestKey{Addr: a, Port: uint16(rapid.SampledFrom([]int{0, 80, 8080}).Draw(t, "port"))}
			if seen[dk] {
				continue
			}
			seen[dk] = true
			ds = append(ds, lvs.Destination{
				Key:     dk,
				Forward: rapid.SampledFrom([]lvs.Forward{lvs.Masq, lvs.Route, lvs.Tunnel}).Draw(t, "fwd"),
				Weight:  rapid.Int32Range(0, 5).Draw(t, "w"),
			})
		}
		return ds
	})
}

// genTable draws a table over a random subset of the key pool.
func genTable(label string) *rapid.Generator[*lvs.Table] {
	return rapid.Custom(func(t *rapid.T) *lvs.Table {
		tb := &lvs.Table{}
		for i, k := range keyPool {
			if rapid.Bool().Draw(t, label+"has"+string(rune('a'+i))) {
				tb.Entries = append(tb.Entries, lvs.Entry{Service: genService(k).Draw(t, label+"svc"), Dests: genDests(k).Draw(t, label+"dests")})
			}
		}
		tb.Sort()
		return tb
	})
}

// sameDests compares destination lists, nil and empty alike.
func sameDests(t require.TestingT, want, got []lvs.Destination, msg ...any) {
	if len(want) == 0 && len(got) == 0 {
		return
	}
	require.Equal(t, want, got, msg...)
}

func install(t require.TestingT, x lvs.IPVS, tb *lvs.Table) {
	_, err := lvs.Apply(x, lvs.Diff(tb, &lvs.Table{}, nil))
	require.NoError(t, err)
}

// Applying Diff(desired, actual) to any actual table yields desired for
// every desired service, removes the owned services no longer desired, and
// never touches a foreign one; a second Diff is empty.
func TestDiffConvergesAndSparesForeign(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		actual := genTable("actual").Draw(t, "actual")
		desired := genTable("desired").Draw(t, "desired")
		owned := map[lvs.ServiceKey]bool{}
		for i, k := range keyPool {
			if rapid.Bool().Draw(t, "owned"+string(rune('a'+i))) {
				owned[k] = true
			}
		}
		for _, e := range desired.Entries {
			owned[e.Service.Key] = true
		}
		owns := func(k lvs.ServiceKey) bool { return owned[k] }

		x := memipvs.New(memipvs.Options{})
		install(t, x, actual)
		before, err := lvs.Read(x)
		require.NoError(t, err)
		require.Equal(t, actual.String(), before.String())

		ops := lvs.Diff(desired, before, owns)
		_, err = lvs.Apply(x, ops)
		require.NoError(t, err, "ops %v", ops)
		after, err := lvs.Read(x)
		require.NoError(t, err)

		for _, e := range after.Entries {
			k := e.Service.Key
			if d := desired.Find(k); d != nil {
				require.Equal(t, d.Service, e.Service)
				sameDests(t, d.Dests, e.Dests)
				continue
			}
			require.False(t, owned[k], "owned service %s not desired but kept", k)
			b := before.Find(k)
			require.NotNil(t, b, "service %s appeared from nowhere", k)
			require.Equal(t, b.Service, e.Service, "foreign service changed")
			sameDests(t, b.Dests, e.Dests, "foreign destinations changed")
		}
		for _, d := range desired.Entries {
			require.NotNil(t, after.Find(d.Service.Key), "desired %s missing", d.Service.Key)
		}
		for _, op := range ops {
			if op.Kind != lvs.OpAddService && !owned[op.Service.Key] {
				t.Fatalf("op %s touches a foreign service", op)
			}
		}
		require.Empty(t, lvs.Diff(desired, after, owns), "second diff")
	})
}

// The engine's desired table is always accepted by a kernel (memipvs),
// whatever the sequence of verdicts and weights, and the reconciled table
// equals it: a real server without inhibit_on_failure is in the table
// exactly while it is alive and the sorry server is not in use.
func TestEngineTablesApply(t *testing.T) {
	cfg := load(t, `
virtual_server 10.0.0.1 80 {
    lb_algo wrr
    lb_kind DR
    protocol TCP
    quorum 3
    hysteresis 1
    sorry_server 10.0.9.9 80
    real_server 10.0.1.1 80 {
        weight 2
        TCP_CHECK {
        }
        MISC_CHECK {
            misc_path /bin/true
            misc_dynamic
        }
    }
    real_server 10.0.1.2 80 {
        weight 1
        inhibit_on_failure
        TCP_CHECK {
        }
    }
    real_server 10.0.1.3 80 {
        alpha
        TCP_CHECK {
        }
    }
}
virtual_server fwmark 5 {
    lb_algo rr
    lb_kind NAT
    real_server 10.0.2.1 8080 {
        TCP_CHECK {
        }
    }
}
`)
	rapid.Check(t, func(t *rapid.T) {
		e := lvs.NewEngine(cfg)
		x := memipvs.New(memipvs.Options{})
		foreign := lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.9.9.9"), Port: 22}, Scheduler: "rr", Netmask: 0xffffffff}
		require.NoError(t, x.AddService(foreign))
		e.Step(lvs.EvStart{})
		ids := []lvs.CheckerID{{0, 0, 0}, {0, 0, 1}, {0, 1, 0}, {0, 2, 0}, {1, 0, 0}}
		var want lvs.Table
		for i := range rapid.IntRange(1, 30).Draw(t, "steps") {
			id := rapid.SampledFrom(ids).Draw(t, "id")
			if id == (lvs.CheckerID{0, 0, 1}) && rapid.Bool().Draw(t, "weight") {
				e.Step(lvs.EvWeight{ID: id, Delta: rapid.Int64Range(-5, 10).Draw(t, "delta")})
			} else {
				e.Step(lvs.EvVerdict{ID: id, Up: rapid.Bool().Draw(t, "up")})
			}
			e.Desired(&want)
			cur, err := lvs.Read(x)
			require.NoError(t, err)
			_, err = lvs.Apply(x, lvs.Diff(&want, cur, e.Owns))
			require.NoError(t, err, "step %d", i)
			got, err := lvs.Read(x)
			require.NoError(t, err)
			require.NotNil(t, got.Find(foreign.Key), "foreign service removed")
			for _, ent := range want.Entries {
				g := got.Find(ent.Service.Key)
				require.NotNil(t, g)
				sameDests(t, ent.Dests, g.Dests)
			}
			// Invariant for the non-inhibited servers of VS 0.
			ent := got.Find(lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.1"), Port: 80})
			for _, rs := range []int{0, 2} {
				addr := cfg.VirtualServers[0].RealServers[rs].Addr
				in := slices.ContainsFunc(ent.Dests, func(d lvs.Destination) bool { return d.Key.Addr == addr })
				require.Equal(t, e.Alive(0, rs) && !e.SorryActive(0), in, "rs %d", rs)
			}
		}
	})
}

// The kernel's rejections, as memipvs reproduces them (include/uapi and
// net/netfilter/ipvs/ip_vs_ctl.c: ip_vs_genl_set_cmd, ip_vs_add_service,
// ip_vs_add_dest, ip_vs_new_dest).
func TestMemIPVSRejections(t *testing.T) {
	svc := lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.1"), Port: 80}, Scheduler: "rr", Netmask: 0xffffffff}
	d := lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("10.0.1.1"), Port: 80}, Forward: lvs.Route, Weight: 1}
	unroutable := func(a netip.Addr) bool { return a != netip.MustParseAddr("10.0.1.99") }
	cases := []struct {
		name string
		do   func(x *memipvs.IPVS) error
		want syscall.Errno
	}{
		{"duplicate service", func(x *memipvs.IPVS) error { return x.AddService(svc) }, syscall.EEXIST},
		{"unknown scheduler", func(x *memipvs.IPVS) error {
			s := svc
			s.Key.Port = 81
			s.Scheduler = "nope"
			return x.AddService(s)
		}, syscall.ENOENT},
		{"unknown persistence engine", func(x *memipvs.IPVS) error {
			s := svc
			s.Key.Port = 81
			s.PEName = "nope"
			return x.AddService(s)
		}, syscall.ENOENT},
		{"IPv6 netmask out of range", func(x *memipvs.IPVS) error {
			return x.AddService(lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet6, FWMark: 1}, Scheduler: "rr", Netmask: 0xffffffff})
		}, syscall.EINVAL},
		{"update missing service", func(x *memipvs.IPVS) error {
			s := svc
			s.Key.Port = 99
			return x.UpdateService(s)
		}, syscall.ESRCH},
		{"delete missing service", func(x *memipvs.IPVS) error { return x.DelService(lvs.ServiceKey{Family: lvs.Inet, FWMark: 3}) }, syscall.ESRCH},
		{"duplicate destination", func(x *memipvs.IPVS) error { return x.AddDest(svc.Key, d) }, syscall.EEXIST},
		{"unroutable destination", func(x *memipvs.IPVS) error {
			d2 := d
			d2.Key.Addr = netip.MustParseAddr("10.0.1.99")
			return x.AddDest(svc.Key, d2)
		}, syscall.EINVAL},
		{"multicast destination", func(x *memipvs.IPVS) error {
			d2 := d
			d2.Key.Addr = netip.MustParseAddr("224.0.0.18")
			return x.AddDest(svc.Key, d2)
		}, syscall.EINVAL},
		{"mixed family without tunnel", func(x *memipvs.IPVS) error {
			d2 := d
			d2.Key.Addr = netip.MustParseAddr("2001:db8::5")
			return x.AddDest(svc.Key, d2)
		}, syscall.EINVAL},
		{"thresholds", func(x *memipvs.IPVS) error {
			d2 := d
			d2.Key.Port = 81
			d2.LThreshold, d2.UThreshold = 10, 5
			return x.AddDest(svc.Key, d2)
		}, syscall.ERANGE},
		{"GUE without port", func(x *memipvs.IPVS) error {
			d2 := d
			d2.Key.Port = 82
			d2.Forward, d2.TunType = lvs.Tunnel, lvs.TunGUE
			return x.AddDest(svc.Key, d2)
		}, syscall.EINVAL},
		{"destination of a missing service", func(x *memipvs.IPVS) error { return x.AddDest(lvs.ServiceKey{Family: lvs.Inet, FWMark: 3}, d) }, syscall.ESRCH},
		{"update missing destination", func(x *memipvs.IPVS) error {
			d2 := d
			d2.Key.Port = 83
			return x.UpdateDest(svc.Key, d2)
		}, syscall.ENOENT},
		{"delete missing destination", func(x *memipvs.IPVS) error {
			return x.DelDest(svc.Key, lvs.DestKey{Addr: d.Key.Addr, Port: 84})
		}, syscall.ENOENT},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			x := memipvs.New(memipvs.Options{Routable: unroutable})
			require.NoError(t, x.AddService(svc))
			require.NoError(t, x.AddDest(svc.Key, d))
			n := x.Ops()
			err := c.do(x)
			require.True(t, errors.Is(err, c.want), "got %v, want %v", err, c.want)
			require.Equal(t, n, x.Ops(), "a rejected op changes nothing")
		})
	}
	// Read-back: the kernel sets HASHED on every service; Read drops it.
	x := memipvs.New(memipvs.Options{})
	require.NoError(t, x.AddService(svc))
	raw, _ := x.Services()
	require.Equal(t, lvs.FlagHashed, raw[0].Flags&lvs.FlagHashed)
	tb, err := lvs.Read(x)
	require.NoError(t, err)
	require.Equal(t, svc, tb.Entries[0].Service)
}

// Apply goes on past a failing op and reports it with the op named.
func TestApplyReportsEveryFailure(t *testing.T) {
	x := memipvs.New(memipvs.Options{Routable: func(a netip.Addr) bool { return a.As4()[3] != 2 }})
	want := &lvs.Table{Entries: []lvs.Entry{{
		Service: lvs.Service{Key: lvs.ServiceKey{Family: lvs.Inet, Protocol: lvs.TCP, Addr: netip.MustParseAddr("10.0.0.1"), Port: 80}, Scheduler: "rr", Netmask: 0xffffffff},
		Dests: []lvs.Destination{
			{Key: lvs.DestKey{Addr: netip.MustParseAddr("10.0.1.1"), Port: 80}, Forward: lvs.Route, Weight: 1},
			{Key: lvs.DestKey{Addr: netip.MustParseAddr("10.0.1.2"), Port: 80}, Forward: lvs.Route, Weight: 1},
			{Key: lvs.DestKey{Addr: netip.MustParseAddr("10.0.1.3"), Port: 80}, Forward: lvs.Route, Weight: 1},
		},
	}}}
	n, err := lvs.Apply(x, lvs.Diff(want, &lvs.Table{}, nil))
	require.Equal(t, 3, n)
	require.ErrorIs(t, err, syscall.EINVAL)
	require.ErrorContains(t, err, "ipvs add-dest [10.0.0.1]:tcp:80 -> 10.0.1.2:80 Route 1: add destination: invalid argument")
}
