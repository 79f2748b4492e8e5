package main

import (
	"context"
	"fmt"
	"io"
)

func cmdSweep(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "vrrplab sweep: not yet")
	return 2
}
