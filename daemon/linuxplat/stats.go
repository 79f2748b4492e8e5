package linuxplat

import (
	"os"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

// InstanceStats are keepalived's per-instance counters (vrrp.h
// vrrp_stats, printed by vrrp_print.c vrrp_print_stats on SIGUSR2).
type InstanceStats struct {
	AdvertRcvd, AdvertSent        uint64
	BecomeMaster, ReleaseMaster   uint64
	PacketLenErr, IPTTLErr        uint64
	InvalidTypeRcvd, AdvertIntErr uint64
	AddrListErr, InvalidAuthType  uint64
	AuthTypeMismatch, AuthFailure uint64
	PriZeroRcvd, PriZeroSent      uint64
	Rejected                      map[string]uint64 // by vrrp.RejectReason name
	State                         vrrp.State
	LastTransition                time.Time
}

// Stats are the platform's counters: per instance (keepalived's), and
// for every datagram by typed reject reason, instance or not.
type Stats struct {
	Instances map[string]*InstanceStats
	// Rejected counts every rejected datagram by reason (vrrp.RejectReason
	// names), including those for no instance (unknown VRID, malformed).
	Rejected map[string]uint64
	// Datagrams is how many datagrams reached the driver's receive path.
	Datagrams uint64
	// SendErrors counts adverts the kernel refused.
	SendErrors uint64
	// NotifySkipped counts notify scripts not run (MaxNotify running).
	NotifySkipped uint64
	// SplitBrain counts split-brain reports.
	SplitBrain uint64
	// FileEvents counts track_file changes inotify pushed to the driver.
	FileEvents uint64
}

func (s *Stats) init() {
	s.Instances = map[string]*InstanceStats{}
	s.Rejected = map[string]uint64{}
}

func (s *Stats) inst(name string) *InstanceStats {
	st := s.Instances[name]
	if st == nil {
		st = &InstanceStats{Rejected: map[string]uint64{}}
		s.Instances[name] = st
	}
	return st
}

func (s *Stats) record(r daemon.Report, now time.Time) {
	switch r.Kind {
	case daemon.ReportAdvertRecv:
		st := s.inst(r.Instance)
		st.AdvertRcvd++
		if r.Priority == 0 {
			st.PriZeroRcvd++
		}
	case daemon.ReportAdvertSent:
		st := s.inst(r.Instance)
		st.AdvertSent++
		if r.Priority == 0 {
			st.PriZeroSent++
		}
	case daemon.ReportState:
		st := s.inst(r.Instance)
		st.State = r.To
		st.LastTransition = now
		st.LastTransition = now
		if r.To == vrrp.StateMaster {
			st.BecomeMaster++
		}
		if r.From == vrrp.StateMaster {
			st.ReleaseMaster++
		}
	case daemon.ReportReject:
		s.Rejected[r.Reason.String()]++
		if r.Instance == "" {
			return
		}
		st := s.inst(r.Instance)
		st.Rejected[r.Reason.String()]++
		switch r.Reason {
		case vrrp.RejectTruncated, vrrp.RejectBadLength:
			st.PacketLenErr++
		case vrrp.RejectTTL:
			st.IPTTLErr++
		case vrrp.RejectType:
			st.InvalidTypeRcvd++
		case vrrp.RejectAdvertInt:
			st.AdvertIntErr++
		case vrrp.RejectAddrCount, vrrp.RejectAddrMismatch:
			st.AddrListErr++
		case vrrp.RejectAuthType, vrrp.RejectAHMismatch:
			st.AuthTypeMismatch++
		case vrrp.RejectAuthData:
			st.AuthFailure++
		}
	case daemon.ReportSplitBrain:
		s.SplitBrain++
	}
}

// Report counts the driver's report and passes it to Options.OnReport.
func (p *Platform) Report(r daemon.Report) {
	p.stats.record(r, p.Now())
	p.writeFIFO(r)
	if p.opt.OnReport != nil {
		p.opt.OnReport(r)
	}
}

// Stats returns the counters (reactor goroutine; the maps are the
// platform's: copy what you keep).
func (p *Platform) Stats() *Stats { return &p.stats }
