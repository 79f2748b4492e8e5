package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gokeepalived/gokeepalived/scenarios"
)

const usage = `usage:
  vrrplab run [--seed N] [--runs N] [--trace] [--summary] [--quiet] [--log] [--pcap DIR] [--backend sim] FILE|DIR|DIR/... ...
  vrrplab sweep [--seed N] [--runs N] [--duration D] [--delay D]

run      runs scenario files (*.scn) in the simulator: a timeline, a verdict
         per expectation, and with --summary who held each VIP when and how
         long each failover took.
sweep    the packet-loss sweep: 0/10/30/60/100 % loss between two directors,
         one way and both ways; prints flaps and split-brain time.

exit status: 0 all expectations passed, 1 some failed, 2 usage or parse error.
`

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(ctx, args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "vrrplab: unknown command %q\n%s", args[0], usage)
	return 2
}

func cmdRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("run", flag.ContinueOnError)
	fl.SetOutput(stderr)
	seed := fl.Int64("seed", 1, "simulator seed (loss, jitter)")
	trace := fl.Bool("trace", false, "print every event of the world (adverts, rejections, logs), not just state and VIP changes")
	summary := fl.Bool("summary", false, "print who held each VIP when and how long each failover took")
	quiet := fl.Bool("quiet", false, "print only verdicts that failed and one line per file")
	logs := fl.Bool("log", false, "print the daemons' logs (slog text) to stderr")
	backend := fl.String("backend", "sim", "the world to run in: sim (the namespace lab, netns, is not available yet)")
	pcapDir := fl.String("pcap", "", "write each segment's traffic to DIR/FILE-SEGMENT.pcap (Wireshark, vrrpdump)")
	runs := fl.Int("runs", 1, "run each file with seeds seed, seed+1, ... seed+runs-1 (implies --quiet when > 1)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	if *runs < 1 {
		fmt.Fprint(stderr, "vrrplab run: --runs must be at least 1\n")
		return 2
	}
	if *runs > 1 {
		*quiet = true
	}
	if *backend != "sim" {
		fmt.Fprintf(stderr, "vrrplab: backend %q is not available yet; only --backend sim runs today\n", *backend)
		return 2
	}
	files, err := expand(fl.Args())
	if err != nil {
		fmt.Fprintf(stderr, "vrrplab: %v\n", err)
		return 2
	}
	if len(files) == 0 {
		fmt.Fprint(stderr, "vrrplab run: no scenario files given\n")
		return 2
	}
	var logger *slog.Logger
	if *logs {
		logger = slog.New(slog.NewTextHandler(stderr, nil))
	}
	status := 0
	var failed []string
	type job struct {
		file string
		seed int64
	}
	var jobs []job
	for _, f := range files {
		for i := range *runs {
			jobs = append(jobs, job{f, *seed + int64(i)})
		}
	}
	for _, j := range jobs {
		f := j.file
		name := f
		if *runs > 1 {
			name = fmt.Sprintf("%s (seed %d)", f, j.seed)
		}
		opt := scenarios.Options{Seed: j.seed, Verbose: *trace, Logger: logger}
		var pcaps []*os.File
		if *pcapDir != "" {
			base := strings.TrimSuffix(filepath.Base(f), ".scn")
			opt.Capture = func(seg string) (io.Writer, error) {
				fh, err := os.Create(filepath.Join(*pcapDir, base+"-"+seg+".pcap"))
				if err != nil {
					return nil, fmt.Errorf("pcap: %w", err)
				}
				pcaps = append(pcaps, fh)
				return fh, nil
			}
		}
		if !*quiet {
			opt.Trace = stdout
			fmt.Fprintf(stdout, "=== %s (seed %d)\n", f, j.seed)
		}
		start := time.Now()
		res, err := scenarios.Run(ctx, f, opt)
		for _, fh := range pcaps {
			if cerr := fh.Close(); cerr != nil && err == nil {
				err = fmt.Errorf("pcap: %w", cerr)
			}
		}
		if err != nil {
			fmt.Fprintf(stderr, "%v\n", err)
			status = 2
			continue
		}
		wall := time.Since(start)
		if res.Skipped != "" {
			fmt.Fprintf(stdout, "--- SKIP %s: %s\n", name, res.Skipped)
			continue
		}
		if *summary && !*quiet {
			scenarios.WriteSummary(stdout, res)
		}
		verdict := "PASS"
		if !res.Passed() {
			verdict = "FAIL"
			failed = append(failed, name)
			if status == 0 {
				status = 1
			}
			if *quiet {
				for _, v := range res.Failed() {
					fmt.Fprintf(stdout, "%s: %s\n", v.Pos, v)
				}
				for _, e := range res.StepErrors {
					fmt.Fprintln(stdout, e)
				}
			}
		}
		known := ""
		xf := 0
		for _, v := range res.Verdicts {
			if v.Kind() == "XFAIL" {
				xf++
			}
		}
		if xf > 0 {
			known = fmt.Sprintf(", %d known bugs (xfail)", xf)
		}
		fmt.Fprintf(stdout, "--- %s %s: %d expectations%s, %s simulated in %s\n", verdict, name, len(res.Verdicts), known,
			res.End.Round(time.Millisecond), wall.Round(time.Millisecond))
	}
	if len(jobs) > 1 {
		if len(failed) > 0 {
			fmt.Fprintf(stdout, "FAIL: %d of %d runs: %s\n", len(failed), len(jobs), strings.Join(failed, ", "))
		} else if status == 0 {
			fmt.Fprintf(stdout, "PASS: %d scenario files, %d runs\n", len(files), len(jobs))
		}
	}
	return status
}

// expand turns arguments into scenario files: a file as is, a directory's
// *.scn files, and DIR/... every *.scn below DIR.
func expand(args []string) ([]string, error) {
	var out []string
	for _, a := range args {
		if dir, ok := strings.CutSuffix(a, "/..."); ok || a == "..." {
			if a == "..." {
				dir = "."
			}
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if !d.IsDir() && strings.HasSuffix(p, ".scn") {
					out = append(out, p)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("walk %s: %w", dir, err)
			}
			continue
		}
		st, err := os.Stat(a)
		if err != nil {
			return nil, fmt.Errorf("scenario %s: %w", a, errors.Unwrap(err))
		}
		if st.IsDir() {
			m, err := filepath.Glob(filepath.Join(a, "*.scn"))
			if err != nil {
				return nil, fmt.Errorf("glob %s: %w", a, err)
			}
			out = append(out, m...)
			continue
		}
		out = append(out, a)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
