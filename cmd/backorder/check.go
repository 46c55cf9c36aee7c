package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/backorder/backorder"
)

func runCheck(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	db, err := openFromArgs(ctx, "check", args, getenv, stderr)
	if err != nil {
		return err
	}
	defer db.close()
	svc := backorder.NewService(backorder.Config{Store: db.store})
	defer svc.Close()
	rep, err := svc.Check(ctx)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	if !rep.OK {
		return fmt.Errorf("%d invariant violations", len(rep.Violations))
	}
	return nil
}
