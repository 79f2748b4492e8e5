package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios"
)

func cmdSweep(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("sweep", flag.ContinueOnError)
	fl.SetOutput(stderr)
	seed := fl.Int64("seed", 1, "first simulator seed (run i uses seed+i)")
	runs := fl.Int("runs", 3, "runs per loss rate and direction")
	dur := fl.Duration("duration", 10*time.Minute, "virtual time under loss per run")
	delay := fl.Duration("delay", 0, "one-way delay between the directors (both ways)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if fl.NArg() != 0 || *runs <= 0 || *dur <= 0 {
		fmt.Fprint(stderr, "usage: vrrplab sweep [--seed N] [--runs N] [--duration D] [--delay D]\n")
		return 2
	}
	opt := scenarios.SweepOptions{Seed: *seed, Runs: *runs, Duration: *dur, Delay: *delay}
	if err := opt.Validate(); err != nil {
		fmt.Fprintf(stderr, "vrrplab %v\n", err)
		return 2
	}
	start := time.Now()
	rows, err := scenarios.Sweep(ctx, opt)
	if err != nil {
		fmt.Fprintf(stderr, "vrrplab sweep: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "packet loss between lb01 (priority 150, MASTER) and lb02 (100), advert_int 1, VRRPv2, one-way delay %v;\n"+
		"%v under loss per run, %d runs per cell (seeds %d..%d); %s wall clock\n\n",
		*delay, *dur, *runs, *seed, *seed+int64(*runs)-1, time.Since(start).Round(time.Millisecond))
	scenarios.WriteSweep(stdout, rows)
	return 0
}
