package scenarios

import (
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/netip"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios/observe"
	"github.com/gokeepalived/gokeepalived/sim"
)

// SimBackend runs scenarios in the deterministic simulator (sim.World).
type SimBackend struct {
	W *sim.World
}

// NewSimBackend returns a simulator backend with a fresh world in which
// every node runs keepalived 2.2.7's daemon model (sim.Keepalived227:
// measured start latency, stop duration, timer lateness and receive
// latency) until a `daemon` line says otherwise.
func NewSimBackend(seed int64, logger *slog.Logger) *SimBackend {
	return &SimBackend{W: sim.NewWorld(sim.Options{Seed: seed, Logger: logger, Model: sim.Keepalived227})}
}

// SetDaemonModel implements DaemonModeler.
func (b *SimBackend) SetDaemonModel(node, model string) error {
	m, ok := sim.LookupDaemonModel(model)
	if !ok {
		return fmt.Errorf("sim: no daemon model %q", model)
	}
	return b.W.SetDaemonModel(node, m)
}

var _ Backend = (*SimBackend)(nil)

// Name implements Backend.
func (b *SimBackend) Name() string { return "sim" }

// Supports implements Backend: the simulator runs everything (IPVS
// tables, clients and services: simlvs.go).
func (b *SimBackend) Supports(f Feature) bool {
	return f == FeatureIPVS || f == FeatureCurl || f == FeatureServices
}

// AddSegment implements Backend.
func (b *SimBackend) AddSegment(name string) error { return b.W.AddSegment(name) }

// AddNode implements Backend.
func (b *SimBackend) AddNode(name string, ifaces []Iface) error {
	var ifs []sim.Iface
	for _, i := range ifaces {
		ifs = append(ifs, sim.Iface{Name: i.Name, Segment: i.Segment, Addrs: i.Addrs})
	}
	return b.W.AddNode(name, ifs...)
}

// WriteFile implements Backend.
func (b *SimBackend) WriteFile(node, path string, data []byte, mode fs.FileMode) error {
	if mode&0o111 != 0 {
		return b.W.WriteExecutable(node, path, data)
	}
	return b.W.WriteFile(node, path, data)
}

// RemoveFile implements Backend.
func (b *SimBackend) RemoveFile(node, path string) error { return b.W.RemoveFile(node, path) }

// Daemon implements Backend.
func (b *SimBackend) Daemon(node string, op DaemonOp) error {
	switch op {
	case OpStart:
		return b.W.StartDaemon(node)
	case OpStop:
		return b.W.StopDaemon(node)
	case OpKill:
		return b.W.KillDaemon(node)
	case OpKillWorker:
		// The simulated daemon is one process: killing its VRRP worker
		// kills all of it (no clean-up, the VIPs stay), as keepalived's
		// parent would find its VRRP child gone. A separate worker, and
		// the parent restarting it, come with the daemon's process model.
		return b.W.KillDaemon(node)
	case OpKillParent:
		// The simulated daemon is one process; a parent-only kill -9 ends
		// the way an orderly stop does (keepalived-2.2.7-behaviour.md §3.1).
		return b.W.StopDaemon(node)
	case OpPause:
		return b.W.PauseDaemon(node)
	case OpResume:
		return b.W.ResumeDaemon(node)
	case OpRestart:
		return b.W.RestartDaemon(node)
	case OpReload:
		return b.W.ReloadDaemon(node)
	}
	return fmt.Errorf("unknown daemon operation %q", op)
}

// SetLink implements Backend.
func (b *SimBackend) SetLink(node, iface string, up bool) error { return b.W.SetLink(node, iface, up) }

// SetLoss implements Backend.
func (b *SimBackend) SetLoss(from, to string, pct float64) error { return b.W.SetLoss(from, to, pct) }

// SetDuplicate implements Backend.
func (b *SimBackend) SetDuplicate(from, to string, pct float64) error {
	return b.W.SetDuplicate(from, to, pct)
}

// SetDelay implements Backend.
func (b *SimBackend) SetDelay(from, to string, delay, jitter time.Duration) error {
	return b.W.SetDelay(from, to, delay, jitter)
}

// Partition implements Backend.
func (b *SimBackend) Partition(groups [][]string) error { return b.W.Partition(groups...) }

// PartitionOneWay implements Backend.
func (b *SimBackend) PartitionOneWay(from, to string) error { return b.W.PartitionOneWay(from, to) }

// Bridge implements Backend.
func (b *SimBackend) Bridge(left []string, middle string, right []string) error {
	return b.W.Bridge(left, middle, right)
}

// DropVRRP implements Backend.
func (b *SimBackend) DropVRRP(from, to string) error { return b.W.DropVRRP(from, to) }

// AddAddress implements Backend.
func (b *SimBackend) AddAddress(node, iface string, addr netip.Prefix, label string) error {
	return b.W.AddAddress(node, iface, addr, label)
}

// DelAddress implements Backend.
func (b *SimBackend) DelAddress(node, iface string, addr netip.Prefix) error {
	return b.W.DelAddress(node, iface, addr)
}

// SetService implements Backend.
func (b *SimBackend) SetService(node, name string, running bool) error {
	if running {
		return b.W.StartProcess(node, name)
	}
	return b.W.StopProcess(node, name)
}

// BumpClock implements Backend.
func (b *SimBackend) BumpClock(node string, d time.Duration) error { return b.W.BumpClock(node, d) }

// SetClockRate implements Backend.
func (b *SimBackend) SetClockRate(node string, rate float64) error {
	return b.W.SetClockRate(node, rate)
}

// Heal implements Backend: partitions and link faults both go.
func (b *SimBackend) Heal() error {
	b.W.ClearFaults()
	return nil
}

// Elapsed implements Backend.
func (b *SimBackend) Elapsed() time.Duration { return b.W.Elapsed() }

// RunFor implements Backend.
func (b *SimBackend) RunFor(d time.Duration) error {
	if err := b.checkRun(d); err != nil {
		return err
	}
	b.W.RunFor(d)
	return nil
}

// RunUntil implements Backend.
func (b *SimBackend) RunUntil(limit time.Duration, cond func() bool) (bool, error) {
	if err := b.checkRun(limit); err != nil {
		return false, err
	}
	return b.W.RunUntil(limit, cond), nil
}

// checkRun refuses a negative duration and one that would take the world
// past the simulator's ceiling (sim.MaxElapsed).
func (b *SimBackend) checkRun(d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("sim: cannot run for a negative time (%v)", d)
	}
	if d > sim.MaxElapsed-b.W.Elapsed() {
		return fmt.Errorf("sim: running %v more would pass the simulator's ceiling of %v", d, sim.MaxElapsed)
	}
	return nil
}

// Observations implements Backend.
func (b *SimBackend) Observations(from int) []observe.Observation { return b.W.Observations(from) }

// VIPHolders implements Backend.
func (b *SimBackend) VIPHolders(addr netip.Addr) []string { return b.W.VIPHolders(addr) }

// State implements Backend.
func (b *SimBackend) State(node, inst string) (string, bool) {
	st, ok := b.W.State(node, inst)
	if !ok {
		return "", false
	}
	return st.String(), true
}

// CaptureSegment implements Capturer.
func (b *SimBackend) CaptureSegment(segment string, out io.Writer) error {
	return b.W.CaptureSegment(segment, out)
}

// Close implements Backend.
func (b *SimBackend) Close() error { return nil }
