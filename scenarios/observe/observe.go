package observe

import (
	"fmt"
	"log/slog"
	"net/netip"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon"
	"github.com/gokeepalived/gokeepalived/pkg/config"
)

// Kind says what an Observation is about. The driver's report kinds keep
// the names of daemon.ReportKind; the others are ground truth the world
// reads or events it caused.
type Kind string

// What the gokeepalived driver reported (daemon.Report).
const (
	KindState              Kind = "state"                // an instance changed state: From, To, Priority, Reason (the cause's name), Text (the cause in words)
	KindGroupState         Kind = "group-state"          // a sync group changed state: Instance (the group), From, To
	KindPriority           Kind = "priority"             // effective priority changed: Priority (new), Text "old -> new"
	KindAdvertSent         Kind = "advert-sent"          // one advert sent: Addr (destination), Priority
	KindAdvertRecv         Kind = "advert-recv"          // one advert handed to the engine: Addr (source), Priority
	KindReject             Kind = "reject"               // an advert discarded: Reason (vrrp.RejectReason name), Addr (source)
	KindGARP               Kind = "garp"                 // gratuitous ARPs / NAs sent: Addr, Text "N on IFACE"
	KindVIPAdd             Kind = "vip-add"              // the daemon says it added Addr (see KindAddrAdd for the truth)
	KindVIPDel             Kind = "vip-del"              // the daemon says it removed Addr
	KindTracker            Kind = "tracker"              // a tracker changed status: Instance (the tracker), Text
	KindError              Kind = "error"                // a platform operation failed: Text
	KindSplitBrainDetected Kind = "split-brain-detected" // a MASTER saw another node claim its VIP: Addr, Text

	// The checker driver's reports (daemon/checker): Instance is the
	// virtual server ("[10.0.0.1]:tcp:80"), Addr the real server, To "UP"
	// or "DOWN", Text keepalived's log line (or the IPVS operation).
	KindRealServer Kind = "realserver" // a real server entered or left the pool
	KindQuorum     Kind = "quorum"     // a virtual server gained or lost quorum
	KindChecker    Kind = "checker"    // a checker's verdict
	KindIPVS       Kind = "ipvs"       // one change made to the IPVS table
)

// Ground truth and world events.
const (
	// KindAddrAdd / KindAddrDel: an address appeared on or left a node's
	// interface (Iface, Prefix, Label), whoever did it: the daemon, an
	// operator, the topology at boot. In the namespace lab this comes from
	// the kernel (netlink), not from the daemon's reports.
	KindAddrAdd Kind = "addr-add"
	KindAddrDel Kind = "addr-del"
	// KindNotify: a notify script ran with Argv; Exit is its status,
	// Failed is set when it failed (Text: the first line of its stderr).
	KindNotify Kind = "notify"
	// KindDaemon: the daemon process started, stopped, was killed, paused,
	// resumed or reloaded (Text says which, as an operator would).
	KindDaemon Kind = "daemon"
	// KindConfig: a diagnostic of the configuration the daemon loaded:
	// Code, Level ("warning" or "error"), File, Line, Col, Keyword, Text.
	KindConfig Kind = "config"
	// KindLog: a line the daemon logged (Level, Text). Worlds record
	// warnings and errors; Info lines only when asked to.
	KindLog Kind = "log"
	// KindLink: an interface's carrier changed (Text: "IFACE up|down").
	KindLink Kind = "link"
	// Faults and changes the world made (Text says what): the network
	// (loss, partitions...), files, clocks, service processes, captures.
	KindNet     Kind = "net"
	KindFile    Kind = "file"
	KindClock   Kind = "clock"
	KindProcess Kind = "process"
	KindCapture Kind = "pcap"
)

// Log and diagnostic levels.
const (
	LevelInfo    = "info"
	LevelWarning = "warning"
	LevelError   = "error"
)

// Observation is one thing a world saw happen, at At since the start of
// the run (virtual time in the simulator, wall-clock time in real worlds;
// nanoseconds in JSON). Which fields are set depends on Kind (see the Kind
// constants); the rest are zero and left out of the JSON form. A world
// appends observations in the order things happened; readers rely on that
// order (a hand-over inside one instant, the place of a mark).
type Observation struct {
	At   time.Duration `json:"at"`
	Node string        `json:"node,omitempty"` // "" for the world itself (network faults)
	Kind Kind          `json:"kind"`
	// Instance is the VRRP instance, or the sync group (group-state), or
	// the tracker (tracker).
	Instance string `json:"instance,omitempty"`
	// From and To are VRRP states as keepalived names them: INIT, BACKUP,
	// MASTER, FAULT, STOP.
	From     string `json:"from,omitempty"`
	To       string `json:"to,omitempty"`
	Priority int    `json:"priority,omitempty"`
	// Reason is a stable name: a state change's cause (vrrp.CauseKind:
	// master_down, higher_priority, fault, leave_fault, ...) or a rejected
	// advert's reason (vrrp.RejectReason: auth_failure, advert_interval,
	// ...). The prose goes in Text.
	Reason string     `json:"reason,omitempty"`
	Addr   netip.Addr `json:"addr,omitzero"`
	// Iface, Prefix and Label describe an address change.
	Iface  string       `json:"iface,omitempty"`
	Prefix netip.Prefix `json:"prefix,omitzero"`
	Label  string       `json:"label,omitempty"`
	// Argv, Exit and Failed describe a notify script run.
	Argv   []string `json:"argv,omitempty"`
	Exit   int      `json:"exit,omitempty"`
	Failed bool     `json:"failed,omitempty"`
	// Level, Code, File, Line, Col and Keyword describe a log line or a
	// config diagnostic.
	Level   string `json:"level,omitempty"`
	Code    string `json:"code,omitempty"`
	File    string `json:"file,omitempty"`
	Line    int    `json:"line,omitempty"`
	Col     int    `json:"col,omitempty"`
	Keyword string `json:"keyword,omitempty"`
	Text    string `json:"text,omitempty"`
}

var reportKinds = map[daemon.ReportKind]Kind{
	daemon.ReportState:      KindState,
	daemon.ReportGroupState: KindGroupState,
	daemon.ReportPriority:   KindPriority,
	daemon.ReportAdvertSent: KindAdvertSent,
	daemon.ReportAdvertRecv: KindAdvertRecv,
	daemon.ReportReject:     KindReject,
	daemon.ReportGARP:       KindGARP,
	daemon.ReportVIPAdd:     KindVIPAdd,
	daemon.ReportVIPDel:     KindVIPDel,
	daemon.ReportTracker:    KindTracker,
	daemon.ReportError:      KindError,
	daemon.ReportSplitBrain: KindSplitBrainDetected,
	daemon.ReportRealServer: KindRealServer,
	daemon.ReportQuorum:     KindQuorum,
	daemon.ReportChecker:    KindChecker,
	daemon.ReportIPVS:       KindIPVS,
}

// IsAdvert reports whether r is one of the per-packet reports (an advert
// sent or received): a world may leave those out of its stream, since a
// busy cluster sends millions.
func IsAdvert(r daemon.Report) bool {
	return r.Kind == daemon.ReportAdvertSent || r.Kind == daemon.ReportAdvertRecv
}

// FromReport translates one of the driver's reports, made on node at at.
// It is the only place that knows how a daemon.Report maps to the stream.
func FromReport(at time.Duration, node string, r daemon.Report) Observation {
	k, ok := reportKinds[r.Kind]
	if !ok {
		k = Kind(r.Kind.String())
	}
	o := Observation{At: at, Node: node, Kind: k, Instance: r.Instance, Addr: r.Addr, Text: r.Text}
	switch r.Kind {
	case daemon.ReportState:
		o.From, o.To, o.Priority = r.From.String(), r.To.String(), int(r.Priority)
		// The engine's typed cause by its stable name; Text keeps it in
		// words (with the faults, the sync group), for the timeline.
		o.Reason = r.Cause.String()
	case daemon.ReportGroupState:
		o.From, o.To = r.From.String(), r.To.String()
	case daemon.ReportPriority, daemon.ReportAdvertSent, daemon.ReportAdvertRecv:
		o.Priority = int(r.Priority)
	case daemon.ReportReject:
		o.Reason = r.Reason.String()
	case daemon.ReportRealServer, daemon.ReportQuorum, daemon.ReportChecker:
		o.To = "DOWN"
		if r.Up {
			o.To = "UP"
		}
	}
	return o
}

// FromDiagnostic translates a diagnostic of the configuration node loaded
// at at.
func FromDiagnostic(at time.Duration, node string, d config.Diagnostic) Observation {
	return Observation{At: at, Node: node, Kind: KindConfig, Code: string(d.Code), Level: d.Severity.String(),
		File: d.Pos.File, Line: d.Pos.Line, Col: d.Pos.Col, Keyword: d.Keyword, Text: d.Msg}
}

// Diagnostic is a config observation as pkg/config's type, for printing it
// the way pkg/config does.
func (o Observation) Diagnostic() config.Diagnostic {
	sev := config.Warning
	if o.Level == LevelError {
		sev = config.Error
	}
	return config.Diagnostic{Pos: config.Pos{File: o.File, Line: o.Line, Col: o.Col}, Severity: sev,
		Code: config.Code(o.Code), Keyword: o.Keyword, Msg: o.Text}
}

// LogLevel names a slog level as the stream does.
func LogLevel(l slog.Level) string {
	switch {
	case l >= slog.LevelError:
		return LevelError
	case l >= slog.LevelWarn:
		return LevelWarning
	}
	return LevelInfo
}

// Format is the observation's line in the readable timeline: the label
// of its kind column and its text. Warnings (config diagnostics, daemon
// warnings) share the label "warning"; addresses are "vip" lines.
func Format(o Observation) (label, text string) {
	switch o.Kind {
	case KindState:
		text = fmt.Sprintf("%s -> %s prio %d", o.From, o.To, o.Priority)
		if o.Text != "" {
			text += " (" + o.Text + ")"
		}
		return string(o.Kind), text
	case KindGroupState:
		return string(o.Kind), fmt.Sprintf("%s -> %s", o.From, o.To)
	case KindReject:
		return string(o.Kind), fmt.Sprintf("%s from %s: %s", o.Reason, o.Addr, o.Text)
	case KindGARP:
		return string(o.Kind), fmt.Sprintf("%s x%s", o.Addr, o.Text)
	case KindAdvertSent, KindAdvertRecv:
		return string(o.Kind), fmt.Sprintf("%s prio %d", o.Addr, o.Priority)
	case KindVIPAdd, KindVIPDel:
		return string(o.Kind), fmt.Sprintf("%s (%s)", o.Addr, o.Text)
	case KindAddrAdd, KindAddrDel:
		verb := "del"
		if o.Kind == KindAddrAdd {
			verb = "add"
		}
		text = fmt.Sprintf("%s %s dev %s", verb, o.Prefix, o.Iface)
		if o.Label != "" {
			text += " label " + o.Label
		}
		return "vip", text
	case KindNotify:
		text = strings.Join(o.Argv, " ")
		if o.Failed {
			text += fmt.Sprintf(" (exit %d: %s)", o.Exit, o.Text)
		}
		return string(o.Kind), text
	case KindRealServer, KindQuorum, KindChecker:
		return string(o.Kind), strings.TrimSpace(o.To + " " + o.Text)
	case KindConfig:
		return "warning", o.Diagnostic().String()
	case KindLog:
		if o.Level == LevelWarning || o.Level == LevelError {
			return "warning", o.Text
		}
		return string(o.Kind), o.Text
	}
	return string(o.Kind), o.Text
}

// String is the observation as one timeline line: time, node, instance,
// kind column and text.
func (o Observation) String() string {
	label, text := Format(o)
	return fmt.Sprintf("%12.6fs %-8s %-8s %-12s %s", o.At.Seconds(), orDash(o.Node), orDash(o.Instance), label, text)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
