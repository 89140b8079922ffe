// Command nrm is the National Referral Mechanism's shared record: one
// binary for the server, the demo and every operator task. See `nrm help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/nrm-org/nrm/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
