package checker

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/gokeepalived/gokeepalived/daemon/reactor"
	"github.com/gokeepalived/gokeepalived/pkg/check"
)

type probeFunc func(ctx context.Context, url int) check.Result

func (f probeFunc) Check(ctx context.Context, url int) check.Result { return f(ctx, url) }

// GoProber runs the probe off the reactor and hands the result back on
// it; a cancelled run never calls done; the context ends with the
// timeout's bound.
func TestGoProber(t *testing.T) {
	r := reactor.New(reactor.SystemClock{})
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	go func() { _ = r.Run(ctx) }()
	g := GoProber{Post: r.Post}

	var got atomic.Int32
	g.RunProbe(probeFunc(func(context.Context, int) check.Result { return check.Result{OK: true} }), 0, time.Second,
		func(res check.Result) {
			if res.OK {
				got.Add(1)
			}
		})
	deadline := time.Now().Add(5 * time.Second)
	for got.Load() == 0 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.Equal(t, int32(1), got.Load())

	// Cancelled while running: the probe sees its context end, done is
	// not called.
	release := make(chan struct{})
	var called atomic.Bool
	var sawCancel atomic.Bool
	cancel := g.RunProbe(probeFunc(func(ctx context.Context, _ int) check.Result {
		<-release
		<-ctx.Done()
		sawCancel.Store(true)
		return check.Result{}
	}), 0, time.Minute, func(check.Result) { called.Store(true) })
	cancel()
	close(release)
	deadline = time.Now().Add(5 * time.Second)
	for !sawCancel.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.True(t, sawCancel.Load())
	// The cancelled run returned with its context cancelled, which never
	// posts; let the reactor run another probe's done before looking.
	var after atomic.Bool
	g.RunProbe(probeFunc(func(context.Context, int) check.Result { return check.Result{} }), 0, 0, func(check.Result) { after.Store(true) })
	deadline = time.Now().Add(5 * time.Second)
	for !after.Load() && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	require.True(t, after.Load())
	require.False(t, called.Load(), "a cancelled probe's done ran")
}
