package vm

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// QemuBinary is the emulator the VM tier runs.
const QemuBinary = "qemu-system-x86_64"

// Boot says how to boot.
type Boot struct {
	Vmlinuz string
	Initrd  string
	// MemoryMB defaults to 512.
	MemoryMB int
	// Append is added to the kernel command line.
	Append string
}

// Result is what came back from the VM.
type Result struct {
	// Output is the command's output, markers removed, one line each.
	Output []string
	// ExitCode is the command's exit status (-1 if the VM never said).
	ExitCode int
	// Console is the whole serial console (kernel messages included).
	Console string
	// Wall is the qemu process's run time (boot, command, power-off).
	Wall time.Duration
}

// Args is qemu's command line: software emulation always (KVM guests hang
// on these machines), serial console on stdout, no reboot.
func (b Boot) Args() []string {
	mem := b.MemoryMB
	if mem == 0 {
		mem = 512
	}
	appendLine := "console=ttyS0 quiet panic=-1"
	if b.Append != "" {
		appendLine += " " + b.Append
	}
	return []string{"-accel", "tcg", "-m", strconv.Itoa(mem), "-kernel", b.Vmlinuz, "-initrd", b.Initrd,
		"-append", appendLine, "-nographic", "-no-reboot"}
}

// Run boots the VM and waits for it to power off (or ctx to end: the qemu
// process is then killed). A VM that powers off without the exit marker is
// an error (the command hung up the guest, or the kernel panicked).
func Run(ctx context.Context, b Boot) (Result, error) {
	res := Result{ExitCode: -1}
	cmd := exec.CommandContext(ctx, QemuBinary, b.Args()...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, fmt.Errorf("vm: %w", err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return res, fmt.Errorf("vm: start %s: %w", QemuBinary, err)
	}
	console, perr := parseConsole(stdout, &res)
	werr := cmd.Wait()
	res.Wall = time.Since(start)
	res.Console = console
	switch {
	case ctx.Err() != nil:
		return res, fmt.Errorf("vm: %w after %v (console so far:\n%s)", ctx.Err(), res.Wall.Round(time.Millisecond), tail(console, 30))
	case werr != nil:
		return res, fmt.Errorf("vm: %s: %w: %s", QemuBinary, werr, strings.TrimSpace(stderr.String()))
	case perr != nil:
		return res, perr
	case res.ExitCode < 0:
		return res, fmt.Errorf("vm: the guest powered off without an exit status; console:\n%s", tail(console, 30))
	}
	return res, nil
}

// parseConsole reads the serial console, collecting marked lines. Lines
// are bounded (bufio.Scanner's 1 MiB) and so is the console kept (4 MiB).
func parseConsole(r io.Reader, res *Result) (string, error) {
	const keep = 4 << 20
	var console strings.Builder
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), "\r")
		if console.Len() < keep {
			console.WriteString(line)
			console.WriteByte('\n')
		}
		if i := strings.Index(line, OutputPrefix); i >= 0 {
			res.Output = append(res.Output, line[i+len(OutputPrefix):])
			continue
		}
		if i := strings.Index(line, ExitMarker); i >= 0 {
			n, err := strconv.Atoi(strings.TrimSpace(line[i+len(ExitMarker):]))
			if err == nil {
				res.ExitCode = n
			}
		}
	}
	if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
		_, _ = io.Copy(io.Discard, r)
		return console.String(), fmt.Errorf("vm: console: %w", err)
	}
	return console.String(), nil
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
