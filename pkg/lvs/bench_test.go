package lvs_test

import (
	"net/netip"
	"testing"

	"github.com/gokeepalived/gokeepalived/pkg/lvs"
)

// benchConfig is nVS virtual servers (TCP, wrr, DR) with nRS real servers
// each, one TCP_CHECK per real server.
func benchConfig(nVS, nRS int) lvs.Config {
	var c lvs.Config
	for i := range nVS {
		addr := netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)})
		v := lvs.VirtualServer{
			Name:    "vs",
			Service: lvs.Service{Scheduler: "wrr"},
			Keys:    []lvs.ServiceKey{{Family: lvs.Inet, Protocol: lvs.TCP, Addr: addr, Port: 80}},
			Quorum:  1,
		}
		for j := range nRS {
			v.RealServers = append(v.RealServers, lvs.RealServer{
				Name:     "rs",
				Addr:     netip.AddrFrom4([4]byte{10, 2, byte(i >> 4), byte(j + 16*(i&15))}),
				Port:     80,
				Forward:  lvs.Route,
				Weight:   1,
				Checkers: []lvs.CheckerRef{{Kind: "TCP_CHECK"}},
			})
		}
		c.VirtualServers = append(c.VirtualServers, v)
	}
	return c
}

// BenchmarkDesired1000x10: the desired table of 1,000 virtual servers × 10
// real servers, computed into a reused table.
func BenchmarkDesired1000x10(b *testing.B) {
	e := lvs.NewEngine(benchConfig(1000, 10))
	e.Step(lvs.EvStart{})
	var t lvs.Table
	e.Desired(&t)
	b.ReportAllocs()
	for b.Loop() {
		e.Desired(&t)
	}
}

// BenchmarkDiffConverged1000x10: the reconciler's steady state, a diff of
// equal tables (no operation).
func BenchmarkDiffConverged1000x10(b *testing.B) {
	e := lvs.NewEngine(benchConfig(1000, 10))
	e.Step(lvs.EvStart{})
	want := e.Desired(nil)
	actual := want.Clone()
	var ops []lvs.Op
	b.ReportAllocs()
	for b.Loop() {
		ops = lvs.AppendDiff(ops[:0], want, actual, e.Owns)
	}
	if len(ops) != 0 {
		b.Fatalf("%d ops", len(ops))
	}
}

// BenchmarkVerdictDesiredDiff1000x10: one real server fails; the engine
// steps, recomputes the table and diffs it against the previous one (one
// delete-destination op).
func BenchmarkVerdictDesiredDiff1000x10(b *testing.B) {
	e := lvs.NewEngine(benchConfig(1000, 10))
	e.Step(lvs.EvStart{})
	actual := e.Desired(nil)
	var want lvs.Table
	var ops []lvs.Op
	up := false
	b.ReportAllocs()
	for b.Loop() {
		e.Step(lvs.EvVerdict{ID: lvs.CheckerID{VS: 500, RS: 3}, Up: up})
		up = !up
		e.Desired(&want)
		ops = lvs.AppendDiff(ops[:0], &want, actual, e.Owns)
	}
	_ = ops
}

// BenchmarkDiffFromEmpty1000x10: the ops that install everything at start
// (11,000 ops).
func BenchmarkDiffFromEmpty1000x10(b *testing.B) {
	e := lvs.NewEngine(benchConfig(1000, 10))
	e.Step(lvs.EvStart{})
	want := e.Desired(nil)
	var ops []lvs.Op
	b.ReportAllocs()
	for b.Loop() {
		ops = lvs.AppendDiff(ops[:0], want, &lvs.Table{}, e.Owns)
	}
	if len(ops) != 11000 {
		b.Fatalf("%d ops", len(ops))
	}
}
