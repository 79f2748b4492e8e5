package scenarios

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const limitPair = "node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\n"

// finishes fails the test if fn has not returned within a generous
// wall-clock deadline: these inputs used to hang.
func finishes(t *testing.T, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("%s did not return within 20s", what)
	}
}

// Every number in a scenario is range checked when the file is parsed,
// naming file:line: non-numbers, clock rates and jumps the simulator
// cannot represent, delays longer than a minute, and runs asking for more
// simulated time than the ceiling (docs/scenarios.md, "Limits").
func TestParseLimits(t *testing.T) {
	cases := []struct{ src, want string }{
		{"loss a -> b NaN%\n", `x.scn:3: loss "NaN%": want a percentage 0..100`},
		{"duplicate a <-> b nan\n", `x.scn:3: duplicate "nan": want a percentage`},
		{"loss a -> b Inf%\n", `x.scn:3: loss "Inf%"`},
		{"loss a -> b 1e400%\n", `x.scn:3: loss "1e400%"`},
		{"clock a 1e-300\n", `x.scn:3: clock rate "1e-300": want a number in [0.01, 100]`},
		{"clock a NaN\n", `x.scn:3: clock rate "NaN"`},
		{"clock a +Inf\n", `x.scn:3: clock rate "+Inf"`},
		{"clock a 1e400\n", `x.scn:3: clock rate "1e400"`},
		{"clock a 1000\n", `x.scn:3: clock rate "1000"`},
		{"clock a jump 1000000h\n", `x.scn:3: clock jump "1000000h": want a duration such as 2s or -500ms, at most 24h0m0s either way`},
		{"clock a jump -25h\n", `x.scn:3: clock jump "-25h"`},
		{"delay a -> b 2h\n", `x.scn:3: delay: duration "2h" is longer than 1m0s`},
		{"delay a -> b 1ms jitter 61s\n", `x.scn:3: jitter: duration "61s" is longer than 1m0s`},
		{"wait 25h\n", `x.scn:3: wait: duration "25h" is longer than a run may be (24h0m0s)`},
		{"vip 10.0.0.3 on a within 2540400h\n", `x.scn:3: within: duration "2540400h" is longer than a run may be`},
		{"vip 10.0.0.3 on a at 1s ± 25h\n", `x.scn:3: tolerance: duration "25h" is longer`},
		{"wait 20h\nwait 3h\nvip 10.0.0.3 on a for 2h\nwait 1s\n",
			"x.scn:5: the run could last 25h0m0s by this line, more than the ceiling of 24h0m0s of simulated time"},
	}
	for _, c := range cases {
		_, err := Parse("x.scn", []byte(limitPair+c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", c.src, err, c.want)
		}
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("Parse(%q): error %T is not a *ParseError", c.src, err)
		}
	}
	// The limits themselves are fine.
	ok := "clock a 0.01\nclock b 100\nclock a jump -24h\ndelay a <-> b 1m jitter 1m\nloss a -> b 100%\n" +
		"wait 12h\nvip 10.0.0.3 on a within 6h\nvip 10.0.0.3 on a between 1h and 5h\nvip 10.0.0.3 on a at 59m ± 1s\n"
	if _, err := Parse("x.scn", []byte(limitPair+ok)); err != nil {
		t.Errorf("limits refused: %v", err)
	}
}

// A scenario built in code passes the same checks before anything runs:
// a clock rate of 1e-300 used to livelock the simulator, a month-long wait
// to run for hours.
func TestRunChecksBounds(t *testing.T) {
	sc, err := Parse("x.scn", []byte(pairScenario))
	if err != nil {
		t.Fatal(err)
	}
	pos := Pos{File: "x.scn", Line: 99}
	cases := []struct {
		step Step
		want string
	}{
		{ClockStep{Pos: pos, Node: "a", Rate: 1e-300}, "x.scn:99: clock rate 1e-300"},
		{WaitStep{Pos: pos, D: -time.Second}, "x.scn:99: wait: duration -1s is negative"},
		{WaitStep{Pos: pos, D: 30 * 24 * time.Hour}, "x.scn:99: wait: duration 720h0m0s is longer than a run may be"},
		{NetStep{Pos: pos, Fault: FaultDuplicate, From: "a", To: "b", Percent: 1000}, "x.scn:99: duplicate 1000%"},
		{ClockJumpStep{Pos: pos, Node: "a", D: 100 * 365 * 24 * time.Hour}, "x.scn:99: clock jump"},
	}
	for _, c := range cases {
		bad := *sc
		bad.Steps = append(append([]Step{}, sc.Steps...), c.step, WaitStep{Pos: pos, D: 10 * time.Second})
		finishes(t, c.want, func() {
			_, err := RunScenario(context.Background(), &bad, Options{Seed: 1})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%T: got %v, want an error containing %q", c.step, err, c.want)
			}
		})
	}
}

const pairScenario = limitPair + `config a <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 150
    advert_int 1
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
start a
vip 10.0.0.3 on a within 4s
`

// ParseFile reads regular files only, and only up to MaxFileSize: a FIFO
// used to block until a writer came, a device to be read without end.
func TestParseFileRegularOnly(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.scn")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big.scn")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxFileSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	f.Close()
	cases := []struct{ path, want string }{
		{fifo, "not a regular file (a FIFO)"},
		{dir, "not a regular file (a directory)"},
		{os.DevNull, "not a regular file (a device)"},
		{big, "more than the 8388608 a scenario file may have"},
	}
	for _, c := range cases {
		finishes(t, "ParseFile("+c.path+")", func() {
			_, err := ParseFile(c.path)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("ParseFile(%s) = %v, want an error containing %q", c.path, err, c.want)
			}
		})
	}
	// Unblock a reader the old code left waiting on the FIFO.
	if w, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
		w.Close()
	}
}
