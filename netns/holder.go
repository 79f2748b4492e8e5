package netns

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// How processes enter a node
//
// Each node has a holder: /bin/bash started by the lab with
// CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWUTS (exec.Cmd's Cloneflags), whose
// first act is `nsenter --net=/run/netns/<node ns>` (nsenter runs before
// bash, as PID 1 of the new pid namespace). The holder makes its mount
// namespace private, mounts a fresh /proc (so ps, pidof and pgrep inside
// the node list the node's processes only) and a fresh /sys (the node's
// interfaces), bind-mounts the node's private directories, sets the
// hostname and then waits forever, reaping orphans as PID 1 must.
//
// Every other process of the node is started as
// `nsenter --target <holder> --net --mount --uts --pid -- ARGV`: util-linux
// nsenter is single-threaded C, so it can setns into a mount namespace
// (a Go process cannot: it is multi-threaded) and it forks once to enter
// the pid namespace. The calling goroutine never changes namespace.
//
// Killing the holder (PID 1) makes the kernel kill everything in the
// node's pid namespace. The holder also gets, as fd 3, the read end of a
// pipe whose write end only the lab's process holds (close-on-exec, so no
// other child inherits it): when the lab closes, or its process dies even
// by SIGKILL, the pipe reports end of file and the holder exits, taking
// the node's processes with it. (PR_SET_PDEATHSIG cannot do this: Go's
// fork kills a child with Pdeathsig at once when it is in a new pid
// namespace, whose getppid() is 0.)

// holderScript runs as PID 1 of a node. $1 is the hostname, then pairs
// of (source, target) directories to bind.
const holderScript = `set -eu
host=$1; shift
mount --make-rprivate /
mount -t proc proc /proc
umount -l /sys 2>/dev/null || true
mount -t sysfs sysfs /sys
while [ $# -ge 2 ]; do mount --bind "$1" "$2"; shift 2; done
hostname "$host"
echo ready
exec >/dev/null 2>&1 </dev/null
set +e
trap 'exit 0' TERM
( read -r -u 3 _; kill -TERM 1 ) &
exec 3<&-
while :; do sleep infinity & wait $!; done
`

// nodeEnv is the environment of every process the lab starts in a node.
func nodeEnv() []string {
	return []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root",
		"LANG=C.UTF-8",
	}
}

// holderTimeout bounds a holder's start (a few milliseconds normally).
const holderTimeout = 10 * time.Second

// holder is a node's PID 1.
type holder struct {
	cmd   *exec.Cmd
	pid   int    // on the host
	pidns uint64 // inode of its pid namespace
	done  chan struct{}
	err   error // cmd.Wait's, valid after done
}

// startHolder starts node's holder and waits until its mounts are done.
// binds are (host source, node target) pairs.
func (l *Lab) startHolder(ctx context.Context, n *node, binds [][2]string) (*holder, error) {
	args := []string{"--net=" + l.names.netnsPath(n.netns), "--", l.bin.bash, "-c", holderScript, "gkl-lab-holder", n.name}
	for _, b := range binds {
		args = append(args, b[0], b[1])
	}
	cmd := exec.Command(l.bin.nsenter, args...)
	cmd.Env = nodeEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Cloneflags: unix.CLONE_NEWNS | unix.CLONE_NEWPID | unix.CLONE_NEWUTS}
	cmd.ExtraFiles = []*os.File{l.lifelineR} // fd 3
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("netns: node %s: holder: %w", n.name, err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("netns: node %s: start holder: %w", n.name, err)
	}
	h := &holder{cmd: cmd, pid: cmd.Process.Pid, done: make(chan struct{})}
	if st, err := procStartTime(h.pid); err == nil {
		rec := fmt.Sprintf("%d %d\n", h.pid, st)
		if err := os.WriteFile(filepath.Join(l.names.runDir(), "holders", n.name), []byte(rec), 0o644); err != nil {
			l.log.Warn("holder pid file", "node", n.name, "err", err)
		}
	}
	ready := make(chan error, 1)
	readDone := make(chan struct{})
	go func() {
		defer close(readDone)
		line, err := bufio.NewReader(out).ReadString('\n')
		if err == nil && line != "ready\n" {
			err = fmt.Errorf("unexpected %q", line)
		}
		ready <- err
	}()
	go func() {
		<-readDone // Wait closes the pipe: the line must be read first
		h.err = cmd.Wait()
		close(h.done)
	}()
	var rerr error
	select {
	case rerr = <-ready:
	case <-ctx.Done():
		rerr = context.Cause(ctx)
	case <-time.After(holderTimeout):
		rerr = fmt.Errorf("no word after %v", holderTimeout)
	}
	if rerr != nil {
		_ = signalPID(h.pid, unix.SIGKILL)
		<-h.done
		return nil, fmt.Errorf("netns: node %s: holder did not come up: %v: %s", n.name, rerr, strings.TrimSpace(stderr.String()))
	}
	ino, err := nsInode(h.pid, "pid")
	if err != nil {
		_ = signalPID(h.pid, unix.SIGKILL)
		<-h.done
		return nil, fmt.Errorf("netns: node %s: holder pid namespace: %w", n.name, err)
	}
	h.pidns = ino
	return h, nil
}

// stop kills the holder and with it every process of the node.
func (h *holder) stop(timeout time.Duration) error {
	if err := signalPID(h.pid, unix.SIGKILL); err != nil {
		return err
	}
	select {
	case <-h.done:
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("netns: holder %d did not exit within %v", h.pid, timeout)
	}
}

// nodeCommand returns a command that runs argv inside node n (all its
// namespaces). The command's own process is nsenter on the host side;
// argv runs as its child (see childPID).
func (l *Lab) nodeCommand(n *node, argv ...string) *exec.Cmd {
	args := append([]string{"--target", strconv.Itoa(n.holder.pid), "--net", "--mount", "--uts", "--pid", "--"}, argv...)
	cmd := exec.Command(l.bin.nsenter, args...)
	cmd.Env = nodeEnv()
	return cmd
}

// childPID waits (up to timeout) for nsenter pid to fork the process it
// runs inside the node and returns that process's host pid.
func childPID(pid int, timeout time.Duration) (int, error) {
	deadline := time.Now().Add(timeout)
	for delay := 100 * time.Microsecond; ; delay = min(2*delay, 20*time.Millisecond) {
		kids, err := childrenOf(pid)
		if err == nil && len(kids) > 0 {
			return kids[0], nil
		}
		if errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("netns: nsenter %d exited before starting its command", pid)
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("netns: nsenter %d started no command within %v", pid, timeout)
		}
		time.Sleep(delay) // polling /proc with a deadline: the kernel offers no event for a fork of another process
	}
}
