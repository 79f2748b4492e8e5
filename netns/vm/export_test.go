package vm

import (
	"context"
	"os/exec"
	"strings"
)

// RunFake parses the console of a shell script standing in for qemu.
func RunFake(ctx context.Context, script string) (Result, error) {
	res := Result{ExitCode: -1}
	cmd := exec.CommandContext(ctx, "sh", "-c", script)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return res, err
	}
	if err := cmd.Start(); err != nil {
		return res, err
	}
	console, perr := parseConsole(stdout, &res)
	if err := cmd.Wait(); err != nil {
		return res, err
	}
	res.Console = console
	if perr != nil {
		return res, perr
	}
	if res.ExitCode < 0 {
		return res, errNoExit(console)
	}
	return res, nil
}

func errNoExit(console string) error {
	return &noExitError{strings.TrimSpace(console)}
}

type noExitError struct{ console string }

func (e *noExitError) Error() string {
	return "vm: the guest powered off without an exit status; console:\n" + e.console
}
