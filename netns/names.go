package netns

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
)

// Prefix starts every name the lab gives a host-wide object: the named
// network namespaces in /run/netns and the run directories under RunBase.
// The stale sweep removes only objects whose name starts with it.
const Prefix = "gkl-lab-"

// RunBase holds one run directory per lab (RunBase/<run id>): the owner
// file, the holder pid files, each node's private directories and logs.
const RunBase = "/run/gkl-lab"

// NetnsDir is where named network namespaces live (iproute2's
// NETNS_RUN_DIR), so `ip netns exec gkl-lab-…-node-lvs1 ip addr` works on
// a running lab.
const NetnsDir = "/run/netns"

// NodeLabDir is the lab's own directory inside every node (under the
// node's private /run): the keepalived wrapper config, the notify FIFOs,
// the notify wrapper script and the service executables live there.
const NodeLabDir = "/run/gkl-lab"

// NotifyScript is the path, inside every node, of the notify wrapper the
// lab installs: a keepalived `notify` (or notify_master, …) line pointing
// at it makes every call an EventNotify with its argv. Given a script
// path as its first argument (`notify "/run/gkl-lab/notify
// /etc/keepalived/n.sh"`), it records the call and then runs that script
// with the remaining arguments.
const NotifyScript = NodeLabDir + "/notify"

// maxIfName is IFNAMSIZ-1: the kernel refuses longer interface names.
const maxIfName = 15

var (
	nameRE  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$`)
	runIDRE = regexp.MustCompile(`^[a-z0-9]{1,12}$`)
)

// newRunID returns 8 random hex digits.
func newRunID() (string, error) {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("netns: run id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// names derives every host-visible name of one run from its run id.
type names struct{ runID string }

func (n names) prefix() string               { return Prefix + n.runID + "-" }
func (n names) runDir() string               { return filepath.Join(RunBase, n.runID) }
func (n names) nodeNetns(node string) string { return n.prefix() + "node-" + node }
func (n names) switchNetns(seg string) string {
	return n.prefix() + "sw-" + seg
}
func (n names) netnsPath(name string) string { return filepath.Join(NetnsDir, name) }

// runIDOfNetns returns the run id of a lab namespace name, or "" when name
// is not one of the lab's.
func runIDOfNetns(name string) string {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "-")
	if !ok || !runIDRE.MatchString(id) {
		return ""
	}
	return id
}

func checkName(kind, s string) error {
	if !nameRE.MatchString(s) {
		return fmt.Errorf("netns: %s name %q: want 1-32 of [A-Za-z0-9_-], starting with a letter or digit", kind, s)
	}
	return nil
}

func checkIfName(s string) error {
	if s == "" || len(s) > maxIfName || s == "lo" || strings.ContainsAny(s, "/: \t\n") {
		return fmt.Errorf("netns: interface name %q: want 1-%d bytes, no '/', ':' or blanks, not lo", s, maxIfName)
	}
	return nil
}

// portName names the switch-side end of a node's veth: "node.iface" when
// it fits in IFNAMSIZ, else "p<N>". It lives only in the switch's own
// namespace, so it needs no run prefix.
func portName(node, iface string, n int) string {
	if s := node + "." + iface; len(s) <= maxIfName {
		return s
	}
	return fmt.Sprintf("p%d", n)
}
