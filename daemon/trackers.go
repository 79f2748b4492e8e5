package daemon

import (
	"bytes"
	"fmt"
	"math"
	"time"

	"github.com/gokeepalived/gokeepalived/pkg/config"
	"github.com/gokeepalived/gokeepalived/pkg/vrrp"
)

// The engine's identities of the driver's trackers.
func scriptID(name string) vrrp.TrackerID { return vrrp.TrackerID{Kind: vrrp.TrackScript, Name: name} }
func fileID(name string) vrrp.TrackerID   { return vrrp.TrackerID{Kind: vrrp.TrackFile, Name: name} }
func ifaceID(name string) vrrp.TrackerID {
	return vrrp.TrackerID{Kind: vrrp.TrackInterface, Name: name}
}

// scriptState is one vrrp_script's schedule and rise/fall counter.
//
// keepalived 2.2.7 (vrrp_scheduler.c:1385-1410): the counter `result` lives
// in [0, rise+fall-1] and the script is OK when result >= rise. A success
// increments it until rise-1, then jumps to rise+fall-1; a failure
// decrements it until rise, then jumps to 0. A script that has not
// reported yet is in the "init" state: its first result decides at once.
type scriptState struct {
	def     *config.VRRPScript
	result  int
	init    bool // no result yet (and not init_fail)
	ok      bool // last verdict reported to the engine
	running bool
	cancel  func() // next run
}

func newScriptState(def *config.VRRPScript) *scriptState {
	s := &scriptState{def: def, init: !def.InitFail}
	return s
}

// rise, fall, interval and timeout are the script's resolved values
// (pkg/config: rise/fall 1, interval 1s, timeout = interval by default).
func (s *scriptState) rise() int               { return s.def.Rise }
func (s *scriptState) fall() int               { return s.def.Fall }
func (s *scriptState) interval() time.Duration { return s.def.Interval }
func (s *scriptState) timeout() time.Duration  { return s.def.Timeout }

// record applies one run's outcome and reports whether the verdict
// changed (always true for the first result).
func (s *scriptState) record(success bool) (changed bool) {
	rise, fall := s.rise(), s.fall()
	top := rise + fall - 1
	if s.init {
		s.init = false
		if success {
			s.result = top
		} else {
			s.result = 0
		}
		s.ok = success
		return true
	}
	if success {
		if s.result < rise-1 {
			s.result++
		} else {
			s.result = top
		}
	} else {
		if s.result > rise {
			s.result--
		} else {
			s.result = 0
		}
	}
	ok := s.result >= rise
	changed = ok != s.ok
	s.ok = ok
	return changed
}

// runScript starts one run of s (unless the previous one is still
// running, which keepalived skips) and schedules the next interval later.
func (d *Driver) runScript(s *scriptState) {
	if !d.running {
		return
	}
	next := d.now().Add(s.interval())
	s.cancel = d.p.AfterFunc(next, func() {
		s.cancel = nil
		d.runScript(s)
	})
	if s.running {
		d.log.Info(fmt.Sprintf("Track script %s is already running, expect idle - skipping run", s.def.Name))
		return
	}
	s.running = true
	d.p.RunScript(ScriptRequest{Kind: ScriptCheck, Name: s.def.Name, Cmd: s.def.Script, Timeout: s.timeout(), User: s.def.User},
		func(r ScriptResult) {
			s.running = false
			if !d.running {
				return
			}
			d.scriptDone(s, r)
		})
}

func (d *Driver) scriptDone(s *scriptState, r ScriptResult) {
	name := s.def.Name
	switch {
	case r.Err != nil:
		d.log.Warn(fmt.Sprintf("Cannot run script %s: %v", name, r.Err))
	case r.TimedOut:
		d.log.Info(fmt.Sprintf("Process [%s] timed out", name))
	}
	was, wasInit := s.ok, s.init
	changed := s.record(r.OK())
	if wasInit || d.initWait[name] {
		defer func() {
			delete(d.initWait, name)
			if len(d.initWait) == 0 {
				d.begin()
			}
		}()
	}
	if !changed {
		return
	}
	switch {
	case s.ok:
		d.log.Info(fmt.Sprintf("Script `%s` now returning 0", name))
	case r.TimedOut || r.Err != nil:
		d.log.Info(fmt.Sprintf("Script `%s` now returning failure", name))
	default:
		d.log.Info(fmt.Sprintf("Script `%s` now returning %d", name, r.ExitCode))
	}
	if !s.ok && (wasInit || was) {
		switch {
		case r.TimedOut:
			d.log.Info(fmt.Sprintf("VRRP_Script(%s) timed_out", name))
		case r.Err != nil:
			d.log.Info(fmt.Sprintf("VRRP_Script(%s) failed", name))
		default:
			d.log.Info(fmt.Sprintf("VRRP_Script(%s) failed (exited with status %d)", name, r.ExitCode))
		}
	} else if s.ok {
		d.log.Info(fmt.Sprintf("VRRP_Script(%s) succeeded", name))
	}
	d.p.Report(Report{Kind: ReportTracker, Instance: name, Text: fmt.Sprintf("script ok=%v exit=%d", s.ok, r.ExitCode)})
	d.step(vrrp.EvTracker{ID: scriptID(name), OK: s.ok})
}

// fileState is one track_file. keepalived watches the file with inotify;
// the driver polls it every trackFilePoll (documented difference).
type fileState struct {
	def   *config.TrackFileDef
	value int
	known bool
}

// trackFilePoll is how often track_file files are re-read.
const trackFilePoll = time.Second

func (d *Driver) scheduleFilePoll() {
	d.filePoll = d.p.AfterFunc(d.now().Add(trackFilePoll), func() {
		d.filePoll = nil
		if !d.running {
			return
		}
		for _, f := range d.files {
			d.readTrackFile(f, false)
		}
		d.scheduleFilePoll()
	})
}

// readTrackFile reads the file's value as keepalived 2.2.7 does
// (track_file.c process_track_file: strtol on the first 127 bytes, see
// trackFileValue; a missing, unreadable or empty file counts as 0) and
// reports a change. A number keepalived refuses is logged ("Invalid number
// %ld read from %s - ignoring") and the previous value stays.
func (d *Driver) readTrackFile(f *fileState, initial bool) {
	var v int64
	if b, err := d.p.ReadFile(f.def.File); err == nil && len(b) > 0 {
		n, ok := trackFileValue(b)
		if !ok {
			d.log.Info(fmt.Sprintf("Invalid number %d read from %s - ignoring", n, f.def.File))
			if f.known {
				return
			}
			n = 0 // keepalived's last_status starts at 0
		}
		v = n
	}
	if f.known && int64(f.value) == v {
		return
	}
	f.known, f.value = true, int(v)
	if !initial {
		d.log.Info(fmt.Sprintf("tracked file %s now has value %d", f.def.Name, v))
	}
	d.p.Report(Report{Kind: ReportTracker, Instance: f.def.Name, Text: fmt.Sprintf("file value=%d", v)})
	d.step(vrrp.EvTracker{ID: fileID(f.def.Name), OK: v == 0, Value: int(v)})
}

// trackFileRead is how much of a track_file keepalived reads (a 128-byte
// buffer with its terminating NUL).
const trackFileRead = 127

// trackFileValue is keepalived 2.2.7's reading of a track_file's
// contents (track_file.c process_track_file): glibc's strtol(buf, NULL,
// 0) of the first 127 bytes, up to a NUL: leading white space, an
// optional sign, then hexadecimal after 0x or 0X, octal after a leading
// 0, decimal otherwise, up to the first character that is no digit of the
// base ("10abc" is 10, "0x10" 16, "010" 8, "08" 0, no digits 0). ok is
// false where keepalived ignores the value: beyond a long (ERANGE, n then
// saturated as strtol returns it) or outside [INT32_MIN, INT32_MAX + 1].
func trackFileValue(b []byte) (n int64, ok bool) {
	b = b[:min(len(b), trackFileRead)]
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	base := uint64(10)
	switch {
	case i+2 < len(b) && b[i] == '0' && (b[i+1]|0x20) == 'x' && digit(b[i+2]) < 16:
		base, i = 16, i+2
	case i < len(b) && b[i] == '0':
		base = 8
	}
	// Accumulate the magnitude; past what a long holds, strtol returns
	// LONG_MAX or LONG_MIN with ERANGE.
	const limit = uint64(math.MaxInt64) + 1
	var u uint64
	overflow := false
	for ; i < len(b); i++ {
		dg := uint64(digit(b[i]))
		if dg >= base {
			break
		}
		if u > (limit-dg)/base {
			overflow = true
			continue
		}
		u = u*base + dg
	}
	switch {
	case overflow || (!neg && u > math.MaxInt64):
		if neg {
			return math.MinInt64, false
		}
		return math.MaxInt64, false
	case neg:
		n = -int64(u-1) - 1 // u may be 2^63
	default:
		n = int64(u)
	}
	return n, n >= math.MinInt32 && n <= math.MaxInt32+1
}

// digit is c's value as a digit of any base up to 36 (255 if none).
func digit(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c|0x20 >= 'a' && c|0x20 <= 'z':
		return c | 0x20 - 'a' + 10
	}
	return 255
}
