package config

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func words(t *testing.T, src string, opt Options) [][]string {
	t.Helper()
	d := &diags{}
	pp := newPre(d, opt)
	pp.file("t.conf", []byte(src))
	var out [][]string
	var cur []string
	for _, tk := range lex(pp.out, d) {
		switch tk.kind {
		case tEOL:
			out = append(out, cur)
			cur = nil
		default:
			cur = append(cur, tk.text)
		}
	}
	return out
}

// Lexing as keepalived 2.2.7 does it, each case measured with keepalived -t
// (see docs/config-reference.md "Syntax").
func TestLexKeepalived227(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      [][]string
	}{
		{"comment bang mid-word", "virtual_router_id 5!1\n", [][]string{{"virtual_router_id", "5"}}},
		{"comment hash mid-word", "virtual_router_id 5#1\n", [][]string{{"virtual_router_id", "5"}}},
		{"comment after value", "priority 100 # master\n", [][]string{{"priority", "100"}}},
		{"comment inside quotes kept", "auth_pass \"ab!cd#e\"\n", [][]string{{"auth_pass", "ab!cd#e"}}},
		{"quote ends a word", "virtual_router_id 5\"x\"\n", [][]string{{"virtual_router_id", "5", "x"}}},
		{"quoted text is literal", "script \"\\x35\"\n", [][]string{{"script", "\\x35"}}},
		{"single quote is a character", "virtual_router_id '5'\n", [][]string{{"virtual_router_id", "'5'"}}},
		{"braces are tokens", "virtual_ipaddress {10.0.0.3}\n", [][]string{{"virtual_ipaddress", "{", "10.0.0.3", "}"}}},
		{"keyword brace", "vrrp_instance VI_1{\n", [][]string{{"vrrp_instance", "VI_1", "{"}}},
		{"punctuation in values", "auth_pass fsaf..7&f\n", [][]string{{"auth_pass", "fsaf..7&f"}}},
		{"quoted script", `script "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0"` + "\n",
			[][]string{{"script", "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0"}}},
		{"nbsp is a space", "priority\u00a0100\n", [][]string{{"priority", "100"}}},
		{"crlf", "priority 100\r\n", [][]string{{"priority", "100"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := words(t, tc.src, Options{}); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// keepalived.conf(5) "ADVANCED CONFIGURATION": @ID lines, $NAME parameters,
// ~SEQ / ~LST replication.
func TestPreprocessor(t *testing.T) {
	for _, tc := range []struct {
		name, src, id string
		want          [][]string
	}{
		{"@ID for us", "@lb01 router_id one\n@lb02 router_id two\n", "lb01", [][]string{{"router_id", "one"}}},
		{"@^ID not for us", "@^lb01 router_id other\n", "lb02", [][]string{{"router_id", "other"}}},
		{"@^ID for us is dropped", "@^lb01 router_id other\n", "lb01", nil},
		{"param", "$PRIO=150\npriority $PRIO\n", "", [][]string{{"priority", "150"}}},
		{"param braces", "$IF=eth1\ninterface ${IF}\n", "", [][]string{{"interface", "eth1"}}},
		{"param recursive", "$A=$B\n$B=7\nvirtual_router_id $A\n", "", [][]string{{"virtual_router_id", "7"}}},
		{"param undefined left alone", "notify \"/bin/x $1\"\n", "", [][]string{{"notify", "/bin/x $1"}}},
		{"param block", "$B=track_file f { \\\n file /tmp/x \\\n}\n$B\n", "", [][]string{{"track_file", "f", "{"}, {"file", "/tmp/x"}, {"}"}}},
		{"seq defaults", "~SEQ(i, 3) n$i\n~SEQ(j, -2) m$j\n", "", [][]string{{"n1"}, {"n2"}, {"n3"}, {"m-1"}, {"m-2"}}},
		{"seq hex args", "~SEQx(i, 0x90, 0x10, 0xb0) fe80::$i\n", "", [][]string{{"fe80::90"}, {"fe80::a0"}, {"fe80::b0"}}},
		{"seq", "~SEQ(i, 1, 3) 10.0.0.$i\n", "", [][]string{{"10.0.0.1"}, {"10.0.0.2"}, {"10.0.0.3"}}},
		{"seq step", "~SEQ(i, 10, -5, 0) x$i\n", "", [][]string{{"x10"}, {"x5"}, {"x0"}}},
		{"seq hex", "~SEQx(i, 9, 1, 11) x$i\n", "", [][]string{{"x9"}, {"xa"}, {"xb"}}},
		{"seq descending default step", "~SEQ(i, 3, 1) x$i\n", "", [][]string{{"x3"}, {"x2"}, {"x1"}}},
		{"lst", "~LST(n, a, b) name_$n\n", "", [][]string{{"name_a"}, {"name_b"}}},
		{"nested", "~SEQ(i, 1, 2) ~LST(j, x, y) ${i}${j}\n", "", [][]string{{"1x"}, {"1y"}, {"2x"}, {"2y"}}},
		{"bare name runs to a blank", "$n=3\n~SEQ(i, 1, 1) 10.0.0.$n/24 10.0.0.${n}/24 10.0.0.$n\n", "", [][]string{{"10.0.0.$n/24", "10.0.0.3/24", "10.0.0.3"}}},
		{"@ID before a definition", "@^other $R=x\n@other $R=y\nrouter_id $R\n", "me", [][]string{{"router_id", "x"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := words(t, tc.src, Options{ConfigID: tc.id}); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// keepalived.conf(5) "include": globs relative to the including file, in
// sorted order; diagnostics name the included file.
func TestIncludeFS(t *testing.T) {
	fsys := fstest.MapFS{
		"etc/keepalived/keepalived.conf":  {Data: []byte("include conf.d/*.conf\ninclude /etc/keepalived/{a,b}.inc\n")},
		"etc/keepalived/conf.d/10-g.conf": {Data: []byte("global_defs {\n router_id r1\n}\n")},
		"etc/keepalived/conf.d/20-i.conf": {Data: []byte("vrrp_instance VI_1 {\n interface eth0\n virtual_router_id 9\n virtual_ipaddress {\n 10.0.0.9\n }\n bogus_kw\n}\n")},
		"etc/keepalived/a.inc":            {Data: []byte("vrrp_script a {\n script /bin/true\n}\n")},
		"etc/keepalived/b.inc":            {Data: []byte("vrrp_script b {\n script /bin/true\n}\n")},
	}
	cfg, ds, err := Load("/etc/keepalived/keepalived.conf", Options{FS: fsys})
	if err != nil {
		t.Fatalf("%v\n%s", err, ds)
	}
	if cfg.Global.RouterID != "r1" || len(cfg.Instances) != 1 || len(cfg.Scripts) != 2 || cfg.Scripts[0].Name != "a" {
		t.Errorf("cfg: %+v", cfg)
	}
	if len(cfg.Files) != 5 {
		t.Errorf("files %v", cfg.Files)
	}
	named := false
	for _, d := range ds {
		named = named || (d.Keyword == "bogus_kw" && d.Pos.Line == 7 && strings.HasSuffix(d.Pos.File, "conf.d/20-i.conf"))
	}
	if !named {
		t.Errorf("unknown keyword must name the included file:\n%s", ds)
	}
	// An include loop is an error, not a hang.
	loop := fstest.MapFS{"k.conf": {Data: []byte("include k.conf\n")}}
	if _, ds, err := Load("k.conf", Options{FS: loop}); err == nil {
		t.Errorf("include loop accepted:\n%s", ds)
	}
}
