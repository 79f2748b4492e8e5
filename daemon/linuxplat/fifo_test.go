package linuxplat

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gokeepalived/gokeepalived/daemon/nslab"
)

// keepalived.conf(5) vrrp_notify_fifo: the FIFO is created, its
// vrrp_notify_fifo_script is started with the FIFO's name as last
// parameter, and every state change is a line `INSTANCE "VI_1" MASTER
// 100`.
func TestNotifyFIFO(t *testing.T) {
	l := nslab.New(t, 1)
	dir := t.TempDir()
	fifo, out := filepath.Join(dir, "vrrp.fifo"), filepath.Join(dir, "events")
	glob := "\tvrrp_notify_fifo " + fifo + "\n\tvrrp_notify_fifo_script \"/usr/bin/sh -c 'cat $0 >> " + out + "'\"\n"
	a := start(t, l.Nodes[0], conf(glob, instance{name: "VI_1", vrid: 91, prio: 120, vips: []string{"192.0.2.91/32"}}))
	nslab.WaitFor(t, 5*time.Second, "the MASTER line from the FIFO script", func() bool {
		b, _ := os.ReadFile(out)
		return strings.Contains(string(b), "INSTANCE \"VI_1\" BACKUP 120\nINSTANCE \"VI_1\" MASTER 120\n")
	})
	if st, err := os.Stat(fifo); err != nil || st.Mode()&os.ModeNamedPipe == 0 {
		t.Fatalf("fifo: %v %v", st, err)
	}
	a.stop()
	if _, err := os.Stat(fifo); !os.IsNotExist(err) {
		t.Fatal("the FIFO the daemon created is still there after stop")
	}
}
