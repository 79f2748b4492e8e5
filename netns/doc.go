// Package netns is the namespace lab: the second world of the scenario
// files (the simulator in sim/ is the first). It builds a topology out of
// Linux network namespaces, runs real daemons in it (keepalived 2.2.7
// today; gokeepalived once its Linux platform exists), injects faults
// with the kernel and reports what happens as timestamped events read
// from ground truth. It is a library with its own API; a thin
// scenarios.Backend adapter is meant to wrap it.
//
// It needs root. It must never touch a namespace, link, mount or process
// it did not create, and never send a packet outside the namespaces it
// built.
//
// # Topology
//
// New builds, for a Topology:
//
//   - per segment, a switch: a named network namespace
//     (/run/netns/gkl-lab-<run>-sw-<segment>) holding a Linux bridge br0,
//     multicast snooping off, STP off (ports forward at once);
//   - per node, a named network namespace (gkl-lab-<run>-node-<node>)
//     with lo up and, per interface, the node end of a veth pair created
//     in the switch namespace with its peer placed directly in the node
//     under its final name (eth0…), a MAC that names node and interface
//     (02:6b:61:NN:NN:II), the topology's addresses (the first IPv4 one
//     primary; IPv6 without DAD) and the switch end (node.iface, or pN
//     when that passes 15 bytes) enslaved to br0;
//   - per node, a holder (see below) giving the node private mount, pid
//     and UTS namespaces: its own /etc/keepalived, /run and /tmp
//     (Node.PrivateDirs), its own /proc and /sys, hostname = node name.
//
// Nothing is added to the host's root network namespace. Host-visible
// names carry Prefix + the run id: the namespaces in NetnsDir and the run
// directory RunBase/<run id> (owner file, holder pid files, the nodes'
// private directories, logs unless Config.LogDir).
//
// # How processes enter a node
//
// A node's holder is bash, started with CLONE_NEWNS|CLONE_NEWPID|
// CLONE_NEWUTS (exec.Cmd's Cloneflags) through `nsenter --net=<node
// netns>`, so it is PID 1 of the node. It makes its mounts private,
// mounts /proc and /sys afresh, bind-mounts the private directories over
// the same paths (the way `ip netns exec` binds /etc/netns/NAME/*), sets
// the hostname, then waits and reaps orphans. Every other process of the
// node (the daemon, Exec, services) runs as `nsenter --target <holder>
// --net --mount --uts --pid -- ARGV`: util-linux nsenter is
// single-threaded C and can join a mount namespace, which a Go process
// (multi-threaded) cannot; it forks once into the pid namespace. No
// goroutine of the caller ever changes namespace. The few things the lab
// does inside a namespace from Go (creating a namespace, opening the
// capture socket, writing a sysctl) run on a locked OS thread of a
// goroutine that is retired (ends locked) if it cannot return to the
// original namespace.
//
// So a seed's check `[[ -f /etc/keepalived/down ]]` sees the node's own
// file, `touch /etc/keepalived/down` in lvs1 (Exec) or WriteFile affects
// lvs1 only, and `pidof nginx`, `pgrep`, `ps -ef | grep` in a node see
// that node's processes only (StartService makes one named as asked).
//
// # Cleanup
//
// Close (and cancelling the context given to New, e.g. a
// signal.NotifyContext for Ctrl-C) kills every holder, which makes the
// kernel kill every process of its node, waits for the nsenter processes,
// stops the observers, deletes the namespaces (and with them the veths
// and bridges) and the run directory, then checks that none of it is left
// (namespaces with the run's prefix, the nodes' processes by pid and
// start time, the run directory) and says what is if anything is. A
// failed New cleans up the same way.
//
// If the owning process dies without closing (even by SIGKILL), its
// nodes' processes die at once: every holder reads a pipe whose write end
// only the lab's process holds, and exits at end of file. (Go's
// SysProcAttr.Pdeathsig cannot do this: Go's child code kills itself at
// once when getppid() differs from the parent's pid, and in a new pid
// namespace getppid() is 0.) The namespaces and the run directory stay;
// Sweep, which New runs first unless Config.NoSweep, removes them: it
// acts only on run directories whose owner (pid and start time) is gone,
// kills their holders by pid file (when pid and start time still match),
// unmounts and removes their namespaces and directory, and removes
// namespaces with the lab's prefix whose run directory is gone.
//
// # Daemons
//
// StartDaemon runs a Daemon (argv, pid files by Role, files to write
// first) in the foreground in a node, its stdout and stderr going to
// <log dir>/<node>.log and to KindLog events. Keepalived(binary) is the
// keepalived 2.2.7 preset: `keepalived -n -l -D` on a wrapper config
// that adds `notify_fifo` (the lab reads it: KindState events) and
// includes the node's KeepalivedConfig as written; pid files -p, -r, -c
// in the node's /run. Operations: Stop (SIGTERM, wait, SIGKILL after the
// daemon's StopTimeout), Restart, Reload (SIGHUP), Kill (kill -9 of
// every daemon process: all are SIGSTOPped first so none sees another
// die), KillRole (kill -9 of the parent only, or of the VRRP child
// only), Signal, Pause/Resume (SIGSTOP/SIGCONT of every daemon process),
// DaemonPIDs (host pids from the pid files, translated out of the node's
// pid namespace). Exec runs a command in a node; StartService and
// StopService run a process check scripts can see.
//
// keepalived 2.2.7 runs a vrrp_script with execve, without a shell: the
// seed's `script "[[ -f /etc/keepalived/down ]]&& exit 1 ||exit 0"` is
// refused ("Cannot find script [[ in path - disabling"), so with 2.2.7
// the seed's E1 never moves the VIP on touch. The tests wrap it in
// `/bin/bash -c '…'`.
//
// # Faults
//
// Network faults are nftables rules in the switches, rewritten as one
// transaction per change (faults.go says why there and not in the
// nodes): SetLoss and SetDuplicate per direction (`numgen random`, 0.01 %
// steps), Partition, PartitionOneWay, DropVRRP (IP protocol 112 only;
// ARP passes), Isolate, Bridge (Jepsen's), Heal. SetLink sets a node
// interface down as `ip link set` would; SetCarrier pulls its cable (the
// switch port goes down). AddAddress/DelAddress change addresses behind
// the daemon's back. Delay, jitter and clocks are not supported (no
// netem; a node cannot have its own clock): Check(op) says so with an
// *UnsupportedError before a run starts, and SetDelay, JumpClock and
// SetClockRate fail with it.
//
// # Observation
//
// Every observation is an Event (JSON-serialisable, At = time since New
// started) in one append-only log: Events(i) returns it from index i, and
// Await(ctx, cond) re-evaluates cond after every event, so waiting for
// "VIP on lvs2" needs no polling interval. Sources:
//
//   - addresses and links: a netlink subscription per node namespace
//     (KindAddrAdd/Del with label, KindLink with IFF_UP/IFF_RUNNING);
//     Holders(addr) is the placement as the kernels hold it, and
//     VIPSpans replays a log into spans of constant holders (outages,
//     split brains);
//   - the wire: an AF_PACKET socket per switch, on every port in both
//     directions, kernel-timestamped: KindAdvert (decoded by pkg/vrrp)
//     and KindGARP for what each node sent, Counters for frames sent and
//     delivered per port, and Config.PcapDir/<segment>.pcap (Ethernet,
//     nanosecond pcap: Wireshark, tcpdump -r, vrrpdump);
//   - the daemon: its notify FIFO (KindState; State(node, instance)), the
//     NotifyScript wrapper a config may call (KindNotify with argv and
//     the wrapper's own time), its log lines (KindLog), its processes
//     (KindStart/KindExit);
//   - the lab itself: KindAction, stamped just before each change, is the
//     origin for every "time from fault to …" figure; KindWarning when an
//     observer lost something.
//
// keepalived's state is thus derived from the kernel (VIPs), the wire
// (adverts, priority 0 on release) and its notify FIFO, never from what
// a daemon claims alone.
package netns
