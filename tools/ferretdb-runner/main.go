// Command ferretdb-runner runs an embedded FerretDB (MongoDB wire protocol)
// with the SQLite backend until it receives SIGTERM or SIGINT.
//
// It wraps the embeddable package github.com/FerretDB/FerretDB/ferretdb
// because a plain `go install .../cmd/ferretdb` from the module proxy panics
// at start (build/version/version.txt is not part of the module zip).
//
// Flags (each falls back to an environment variable, then a default):
//
//	-listen-addr  FERRETDB_LISTEN_ADDR  TCP address to listen on (127.0.0.1:27017)
//	-sqlite-dir   FERRETDB_SQLITE_DIR   directory for SQLite database files (./ferretdb-data); created if missing
//	-log-level    FERRETDB_LOG_LEVEL    debug, info, warn or error (info)
//	-sqlite-synchronous FERRETDB_SQLITE_SYNCHRONOUS  SQLite synchronous mode: normal (default) or full
//
// FERRETDB_ID_LOOKUP_INDEX=off turns off the index that makes lookups by _id a B-tree search
// (idindex.go).
//
// With WAL (FerretDB's default journal mode), synchronous=NORMAL syncs at checkpoints instead of
// at every commit: a crash of the process loses nothing, a power loss may lose the last commits.
// That matches MongoDB's default write concern (acknowledged before the journal is flushed) and
// spares every insert an fsync; `full` syncs each commit.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	err := l.UnmarshalText([]byte(strings.ToUpper(s)))
	return l, err
}

func run() error {
	listenAddr := flag.String("listen-addr", envOr("FERRETDB_LISTEN_ADDR", "127.0.0.1:27017"), "TCP listen address (env FERRETDB_LISTEN_ADDR)")
	sqliteDir := flag.String("sqlite-dir", envOr("FERRETDB_SQLITE_DIR", "ferretdb-data"), "SQLite data directory (env FERRETDB_SQLITE_DIR)")
	logLevel := flag.String("log-level", envOr("FERRETDB_LOG_LEVEL", "info"), "log level: debug, info, warn, error (env FERRETDB_LOG_LEVEL)")
	synchronous := flag.String("sqlite-synchronous", envOr("FERRETDB_SQLITE_SYNCHRONOUS", "normal"), "SQLite synchronous mode: normal or full (env FERRETDB_SQLITE_SYNCHRONOUS)")
	flag.Parse()

	if *synchronous != "normal" && *synchronous != "full" {
		return fmt.Errorf("invalid -sqlite-synchronous %q: expected normal or full", *synchronous)
	}

	if flag.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %q", flag.Args())
	}

	level, err := parseLevel(*logLevel)
	if err != nil {
		return fmt.Errorf("invalid -log-level %q: %w", *logLevel, err)
	}

	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	dir, err := filepath.Abs(*sqliteDir)
	if err != nil {
		return fmt.Errorf("resolving -sqlite-dir: %w", err)
	}
	if err = os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("creating -sqlite-dir: %w", err)
	}

	// file:///abs/dir/ – FerretDB requires an existing directory and a trailing slash.
	query := url.Values{"_pragma": {fmt.Sprintf("synchronous(%s)", strings.ToUpper(*synchronous))}}
	sqliteURL := (&url.URL{Scheme: "file", Path: filepath.ToSlash(dir) + "/", RawQuery: query.Encode()}).String()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener: ferretdb.ListenerConfig{
			TCP: *listenAddr,
		},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	logger.Info("ferretdb-runner starting", "listen", *listenAddr, "sqlite", sqliteURL, "pid", os.Getpid())

	done := make(chan error, 1)
	go func() { done <- f.Run(ctx) }()
	if idIndexEnabled() {
		go indexIDLookups(ctx, dir, time.Second, logger)
	}

	select {
	case err = <-done:
		// Run returned without a signal: the listener failed (e.g. port in use).
		if err == nil {
			err = errors.New("ferretdb stopped unexpectedly")
		}
		return err
	case <-ctx.Done():
	}

	logger.Info("ferretdb-runner: signal received, shutting down")
	stop() // a second signal now terminates the process immediately

	select {
	case err = <-done:
	case <-time.After(15 * time.Second):
		return errors.New("timed out waiting for ferretdb to shut down")
	}
	if err != nil {
		return err
	}
	logger.Info("ferretdb-runner stopped")
	return nil
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintf(os.Stderr, "ferretdb-runner: %v\n", err)
		os.Exit(1)
	}
}
