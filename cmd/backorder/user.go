package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/backorder/backorder"
)

// runUser manages dashboard users: `user add --email E [--name N]
// [--password P]`. Without --password the password is the first line of
// standard input, so it stays out of the shell history.
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		return fmt.Errorf("usage: backorder user add --email ops@example.com [--name Name] [--password P | password on stdin]")
	}
	fs := newFlagSet("user add", stderr)
	dsn := dbFlag(fs)
	email := fs.String("email", "", "the user's email (required)")
	name := fs.String("name", "", "the user's name (default: the email)")
	password := fs.String("password", "", "the password; read from standard input when empty")
	if err := parse(fs, args[1:], func(k string) string {
		if k == "BACKORDER_PASSWORD" {
			return "" // never from the environment by accident
		}
		return getenv(k)
	}); err != nil {
		return err
	}
	pw := *password
	if pw == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read password: %w", err)
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	db, err := openDatabase(ctx, *dsn)
	if err != nil {
		return err
	}
	defer db.close()
	svc := backorder.NewService(backorder.Config{Store: db.store, Writers: db.writers})
	defer svc.Close()
	u, err := svc.CreateUser(ctx, &backorder.UserRequest{Email: *email, Name: *name, Password: pw}, nil)
	if err != nil {
		e := backorder.AsError(err)
		if e.Field != "" {
			return fmt.Errorf("%s: %s", e.Field, e.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "user %d added: %s\n", u.ID, u.Email)
	return nil
}
