// Command bitwobbly monitors websites and services, publishes status pages
// and receives errors from Sentry SDKs, all in one process.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/bitwobbly/bitwobbly/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	cmd, err := app.ParseCommand(os.Args[1:], os.Getenv, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bitwobbly:", err)
		os.Exit(2)
	}
	if err := app.Run(ctx, cmd, os.Stdout, os.Stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintln(os.Stderr, "bitwobbly:", err)
		os.Exit(1)
	}
}
