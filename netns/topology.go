package netns

import (
	"fmt"
	"net/netip"
	"os"
	"path"
	"slices"
	"strings"
)

// Topology is what a lab builds: L2 segments (a bridge each) and nodes
// with interfaces on them.
type Topology struct {
	// Segments may be left empty: every segment an interface names is
	// created. Listing one that no interface uses creates an empty switch.
	Segments []string
	Nodes    []Node
}

// Node is one machine: its own network, mount, pid and UTS namespaces
// (hostname = Name).
type Node struct {
	Name   string
	Ifaces []Iface
	// PrivateDirs are bind-mounted, inside the node's mount namespace,
	// over directories of the same path from the node's own directory in
	// the lab's run directory: writes there are the node's alone. Each
	// must exist on the host (the lab creates no directory outside its run
	// directory). Nil means DefaultPrivateDirs. /run is always private.
	PrivateDirs []string
}

// Iface is one interface of a node, the node end of a veth pair whose
// other end is a port of the segment's bridge.
type Iface struct {
	Name    string // inside the node, e.g. "eth0" (≤ 15 bytes)
	Segment string
	// Addrs are added in order: the first IPv4 address is the primary one
	// (keepalived's advert source).
	Addrs []netip.Prefix
}

// DefaultPrivateDirs returns the directories every node has to itself
// unless Node.PrivateDirs says otherwise: keepalived's configuration
// directory (so the seeds' `[[ -f /etc/keepalived/down ]]` checks the
// node's own file), /run (pid files, the lab's FIFOs) and /tmp
// (keepalived's state dumps).
func DefaultPrivateDirs() []string { return []string{"/etc/keepalived", "/run", "/tmp"} }

// privateDirs returns n's private directories, cleaned, /run included,
// ordered for mounting: parents before children, and /run (which hides
// the host's /run, where the mount sources live) last.
func (n *Node) privateDirs() ([]string, error) {
	dirs := n.PrivateDirs
	if dirs == nil {
		dirs = DefaultPrivateDirs()
	}
	seen := map[string]bool{}
	var out []string
	for _, d := range append(slices.Clone(dirs), "/run") {
		c := path.Clean(d)
		if !path.IsAbs(c) || c == "/" || strings.HasPrefix(c, "/proc") || strings.HasPrefix(c, "/sys") || strings.HasPrefix(c, "/dev") {
			return nil, fmt.Errorf("netns: node %s: private dir %q: want an absolute path below /, not in /proc, /sys or /dev", n.Name, d)
		}
		if strings.HasPrefix(c+"/", "/run/") && c != "/run" {
			return nil, fmt.Errorf("netns: node %s: private dir %q: /run is private as a whole already", n.Name, d)
		}
		if seen[c] {
			continue
		}
		seen[c] = true
		st, err := os.Stat(c)
		if err != nil || !st.IsDir() {
			return nil, fmt.Errorf("netns: node %s: private dir %s must exist on the host as a directory", n.Name, c)
		}
		out = append(out, c)
	}
	slices.SortFunc(out, func(a, b string) int {
		if (a == "/run") != (b == "/run") {
			if a == "/run" {
				return 1
			}
			return -1
		}
		return strings.Compare(a, b) // a parent sorts before its children
	})
	return out, nil
}

// validate checks names and references and returns the segments in
// order of first use.
func (t *Topology) validate() ([]string, error) {
	if len(t.Nodes) == 0 {
		return nil, fmt.Errorf("netns: topology has no node")
	}
	segs := []string{}
	seenSeg := map[string]bool{}
	addSeg := func(s string) error {
		if err := checkName("segment", s); err != nil {
			return err
		}
		if !seenSeg[s] {
			seenSeg[s] = true
			segs = append(segs, s)
		}
		return nil
	}
	for _, s := range t.Segments {
		if err := addSeg(s); err != nil {
			return nil, err
		}
	}
	seenNode := map[string]bool{}
	for _, n := range t.Nodes {
		if err := checkName("node", n.Name); err != nil {
			return nil, err
		}
		if seenNode[n.Name] {
			return nil, fmt.Errorf("netns: node %s defined twice", n.Name)
		}
		seenNode[n.Name] = true
		seenIf := map[string]bool{}
		for _, i := range n.Ifaces {
			if err := checkIfName(i.Name); err != nil {
				return nil, fmt.Errorf("netns: node %s: %w", n.Name, err)
			}
			if seenIf[i.Name] {
				return nil, fmt.Errorf("netns: node %s: interface %s defined twice", n.Name, i.Name)
			}
			seenIf[i.Name] = true
			if err := addSeg(i.Segment); err != nil {
				return nil, fmt.Errorf("netns: node %s interface %s: %w", n.Name, i.Name, err)
			}
			for _, a := range i.Addrs {
				if !a.IsValid() {
					return nil, fmt.Errorf("netns: node %s interface %s: invalid address", n.Name, i.Name)
				}
			}
		}
		if _, err := n.privateDirs(); err != nil {
			return nil, err
		}
	}
	return segs, nil
}
