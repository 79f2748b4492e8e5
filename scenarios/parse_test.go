package scenarios

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"
)

const tinyScenario = "# A tiny pair\n" +
	"node a eth0@lan 10.0.0.1/24\n" +
	"node b eth0@lan 10.0.0.2/24 eth1@hb 192.168.9.2/24\n" +
	"node a2 eth0@lan 10.0.0.4/24\n" +
	"config a <<EOF\n" +
	"vrrp_instance VI_1 {\u00a0# non-breaking space kept\n" +
	"  priority 100\n" +
	"}\n" +
	"EOF\n" +
	"write b /etc/keepalived/notify.sh mode 0755 <<END\n" +
	"#!/bin/sh\n" +
	"END\n" +
	"start a b\n" +
	"vip 10.0.0.3 on a within 4s\n" +
	"mark m\n" +
	"kill -9 a\n" +
	"expect state b VI_1 MASTER at 3.609375s since m\n" +
	"loss a <-> b 30%\n" +
	"delay a -> b 20ms jitter 5ms\n" +
	"partition a | b\n" +
	"partition a -> b\n" +
	"isolate b\n" +
	"bridge a | b | a2\n" +
	"clock b 1.01\n" +
	"clock b jump -2s\n" +
	"drop-vrrp a -> b\n" +
	"reload a\n" +
	"service a nginx stop\n" +
	"ip b addr add 10.0.0.3/32 dev eth0 label eth0:1\n" +
	"heal\n" +
	"link b eth1 down\n" +
	"touch a /etc/keepalived/down\n" +
	"rm a /etc/keepalived/down\n" +
	"wait 1.5s\n" +
	"no split-brain since m\n" +
	"no split-brain for 10s\n" +
	"split-brain on 10.0.0.3 within 5s\n" +
	"transitions b VI_1 == 1 since m\n" +
	`notify b /etc/keepalived/notify.sh INSTANCE VI_1 MASTER "*" within 2s` + "\n" +
	"vip 10.0.0.3 on nobody between 1s and 2s\n" +
	"rejects b auth_failure > 0 since m\n" +
	`curl 10.0.0.3 gets "this is 91 page" | "this is 92 page"` + "\n" +
	"ipvs a has 10.0.0.3:80 -> 10.0.0.91:80 route 1\n"

// The scenario language: every command parses into the step it names, and
// heredoc bodies are kept byte for byte (seed 000's configs carry U+00A0).
func TestParseAllCommands(t *testing.T) {
	sc, err := Parse("tiny.scn", []byte(tinyScenario))
	if err != nil {
		t.Fatal(err)
	}
	if sc.Title != "A tiny pair" {
		t.Errorf("title %q", sc.Title)
	}
	if len(sc.Nodes) != 3 || len(sc.Segments) != 2 || len(sc.Nodes[1].Ifaces) != 2 {
		t.Fatalf("topology: %+v %+v", sc.Nodes, sc.Segments)
	}
	if got := sc.Nodes[1].Ifaces[1].Addrs[0]; got != netip.MustParsePrefix("192.168.9.2/24") {
		t.Errorf("eth1 addr %v", got)
	}
	cfg := sc.Steps[0].(FileStep)
	if !cfg.Config || !strings.Contains(string(cfg.Data), "{\u00a0# non-breaking") || cfg.Path != "/etc/keepalived/keepalived.conf" {
		t.Errorf("config step %+v", cfg)
	}
	if w := sc.Steps[1].(FileStep); w.Mode != 0o755 || string(w.Data) != "#!/bin/sh\n" {
		t.Errorf("write step %+v", w)
	}
	var at ExpectStep
	for _, s := range sc.Steps {
		if e, ok := s.(ExpectStep); ok && e.Timing.Mode == At {
			at = e
		}
	}
	if at.Timing.D != 3609375*time.Microsecond || at.Timing.Since != "m" {
		t.Errorf("at timing %+v", at.Timing)
	}
	if st := at.Cond.(StateCond); st.State != "MASTER" || st.Node != "b" {
		t.Errorf("state cond %+v", st)
	}
	kinds := map[string]int{}
	for _, s := range sc.Steps {
		kinds[strings.TrimPrefix(strings.SplitN(s.String(), " ", 2)[0], "expect")]++
	}
	for _, k := range []string{"start", "kill", "loss", "delay", "partition", "isolate", "bridge", "clock", "drop-vrrp", "reload", "service", "ip", "heal", "link", "touch", "rm", "wait", "mark", "no", "split-brain", "transitions", "notify", "rejects", "vip", "curl", "ipvs"} {
		if kinds[k] == 0 {
			t.Errorf("no %s step parsed (%v)", k, kinds)
		}
	}
}

// Errors name file:line and say what was expected; every error in a file
// is reported, not just the first.
func TestParseErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"start x\n", "x.scn:1: unknown node \"x\""},
		{"node a eth0@lan 10.0.0.1/24\nvip 10.0.0.3 on a within soon\n", "x.scn:2: within: duration \"soon\""},
		{"node a eth0@lan 10.0.0.1/24\nconfig a <<EOF\nfoo\n", "x.scn:2: heredoc <<EOF is never closed"},
		{"frobnicate\n", "x.scn:1: unknown command \"frobnicate\""},
		{"node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\nloss a -> b 130%\n", "x.scn:3: loss \"130%\""},
		{"node a eth0@lan 10.0.0.1/24\nstate a VI_1 SLEEPING\n", "x.scn:2: state \"SLEEPING\""},
		{"node a eth0@lan 10.0.0.1/24\ntransitions a VI_1 == 1 since nowhere\n", "x.scn:2: since nowhere: no earlier `mark nowhere`"},
		{"node a eth0@lan 10.0.0.1/24\nlink a eth7 down\n", "x.scn:2: node a has no interface eth7"},
		{"node a 10.0.0.1/24\n", "x.scn:1: \"10.0.0.1/24\" comes before any IFACE@SEGMENT"},
		{"node a eth0@lan 10.0.0.1/24\nstart a\nnode b eth0@lan 10.0.0.2/24\n", "x.scn:3: node declarations must come before the first start"},
		{"node a eth0@lan 10.0.0.1/24\nvip 10.0.0.3 on a between 3s and 1s\n", "the second bound is earlier"},
		{"node a eth0@lan 10.0.0.1/24\nstart a \"unterminated\n", "x.scn:2: unterminated \" quote"},
		{"node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\nbridge a | b\n", "x.scn:3: usage: bridge"},
		{"node a eth0@lan 10.0.0.1/24\nclock a -1\n", "x.scn:2: clock rate \"-1\""},
		{"node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\npartition a | a b\n", "x.scn:3: node a is in two groups"},
		{"node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\nbridge a | b | a\n", "x.scn:3: node a is named twice"},
		{"node a eth0@lan 10.0.0.1/24\npartition a | zz\n", "x.scn:2: unknown node \"zz\""},
		{"node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\ndrop-vrrp a => b\n", "x.scn:3: usage: drop-vrrp A ->|<-> B"},
		{"node a eth0@lan 10.0.0.1/24\nnode b eth0@lan 10.0.0.2/24\nloss a <- b 10%\n", "x.scn:3: usage: loss NODE ->|<-> NODE PERCENT%"},
	}
	for _, c := range cases {
		_, err := Parse("x.scn", []byte(c.src))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Parse(%q) = %v, want error containing %q", c.src, err, c.want)
		}
		var pe *ParseError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("Parse(%q): error %T is not a *ParseError", c.src, err)
		}
	}
	_, err := Parse("x.scn", []byte("bogus1\nbogus2\n"))
	if err == nil || !strings.Contains(err.Error(), "x.scn:1") || !strings.Contains(err.Error(), "x.scn:2") {
		t.Errorf("want both errors, got %v", err)
	}
}

// IPVS and client expectations parse today but the simulator refuses them
// up front, naming the line, instead of skipping them silently.
func TestUnsupportedInSimulator(t *testing.T) {
	sc, err := Parse("x.scn", []byte("node a eth0@lan 10.0.0.1/24\n"+
		"ipvs a has 10.0.0.3:80 -> 10.0.0.91:80 route 1\n"+
		"curl 10.0.0.3 gets \"this is 91 page\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	err = checkSupported(sc, fakeBackend{})
	if err == nil || !strings.Contains(err.Error(), "x.scn:2: ipvs expectations are not supported in the simulator yet") ||
		!strings.Contains(err.Error(), "x.scn:3: curl expectations are not supported in the simulator yet") {
		t.Fatalf("got %v", err)
	}
}

// Parse never panics, whatever the input.
func FuzzParse(f *testing.F) {
	f.Add([]byte(tinyScenario))
	f.Add([]byte("node a eth0@lan 10.0.0.1/24\nvip 1.2.3.4 on a at 3s ± 1ms since\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, _ = Parse("fuzz.scn", data)
	})
}

type fakeBackend struct{ Backend }

func (fakeBackend) Name() string          { return "sim" }
func (fakeBackend) Supports(Feature) bool { return false }

// Fuzz inputs are kept small and short so that each runs in about a
// millisecond: the engine then explores (and minimises what it finds)
// instead of waiting on one slow input. Whole scenario files, 40 s of
// simulated time with check scripts, managed about one execution a second.
const (
	fuzzMaxBytes = 4 << 10
	fuzzMaxNodes = 3
	fuzzMaxTime  = 20 * time.Second
)

// fuzzSeeds are short scenarios that between them use every step and
// expectation the simulator runs.
var fuzzSeeds = []string{
	limitPair + `config a <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 150
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass 1111
    }
    virtual_ipaddress {
        10.0.0.3/24 dev eth0 label eth0:1
    }
}
EOF
config b <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.3/24 dev eth0 label eth0:1
    }
}
EOF
start a b
vip 10.0.0.3 on a within 4s
mark m
kill -9 a
vip 10.0.0.3 on a b at 3.609375s since m
rejects b auth_failure > 0 since m
restart a
split-brain detected within 1s
pause b
resume b
partition a | b
loss a <-> b 30%
duplicate a -> b 10%
delay a -> b 20ms jitter 5ms
heal
clock a 0.5
clock b jump -2s
no split-brain for 2s
transitions b VI_1 >= 1 since m
`,
	limitPair + "node c eth0@lan 10.0.0.4/24\n" + `write a /etc/keepalived/notify.sh mode 0755 <<EOF
#!/bin/sh
echo "$@" >> /tmp/notify.log
EOF
config a <<EOF
vrrp_script chk {
    script "[[ -f /etc/keepalived/down ]] && exit 1 || exit 0"
    interval 1
    weight -60
}
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 150
    advert_int 1
    track_script {
        chk
    }
    notify /etc/keepalived/notify.sh
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
config b <<EOF
vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 9
    priority 100
    advert_int 1
    virtual_ipaddress {
        10.0.0.3
    }
}
EOF
start a b
state a VI_1 MASTER within 4s
touch a /etc/keepalived/down
vip 10.0.0.3 on b within 5s
notify a /etc/keepalived/notify.sh INSTANCE VI_1 BACKUP "*" within 1s
rm a /etc/keepalived/down
service a nginx start
link b eth0 down
state b VI_1 FAULT
link b eth0 up
ip b addr add 10.0.0.9/32 dev eth0 label eth0:9
ip b addr del 10.0.0.9/32 dev eth0
reload a
drop-vrrp a -> b
isolate b
bridge a | c | b
stop a
vip 10.0.0.3 on b between 0s and 1s
no notify b /bin/true
`,
}

// Running any scenario that parses never panics, whatever its steps (a
// resume of a daemon that is not paused, an address deleted twice...):
// they end as step errors or failed expectations.
func FuzzRun(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > fuzzMaxBytes {
			return
		}
		sc, err := Parse("fuzz.scn", data)
		if err != nil || len(sc.Nodes) > fuzzMaxNodes || fuzzTime(sc) > fuzzMaxTime {
			return
		}
		_, _ = RunScenario(context.Background(), sc, Options{Seed: 1})
	})
}

// fuzzTime is the most simulated time sc may ask for.
func fuzzTime(sc *Scenario) time.Duration {
	var total time.Duration
	for _, st := range sc.Steps {
		total += runBound(st)
	}
	return total
}

// The fuzz seeds parse, run without step errors and stay within the fuzz
// bounds (or FuzzRun would skip them and explore nothing).
func TestFuzzSeeds(t *testing.T) {
	for i, s := range fuzzSeeds {
		sc, err := Parse(fmt.Sprintf("seed%d.scn", i), []byte(s))
		if err != nil {
			t.Fatal(err)
		}
		if len(s) > fuzzMaxBytes || len(sc.Nodes) > fuzzMaxNodes || fuzzTime(sc) > fuzzMaxTime {
			t.Errorf("seed %d: %d bytes, %d nodes, %v of simulated time: outside the fuzz bounds", i, len(s), len(sc.Nodes), fuzzTime(sc))
		}
		res, err := RunScenario(context.Background(), sc, Options{Seed: 1})
		if err != nil {
			t.Fatalf("seed %d: %v", i, err)
		}
		if len(res.StepErrors) > 0 || len(res.Verdicts) < 5 {
			t.Errorf("seed %d: %d verdicts, step errors %v", i, len(res.Verdicts), res.StepErrors)
		}
	}
}
