package main

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the SQLite driver FerretDB itself uses
)

// FerretDB 1.24's SQLite backend answers a filter of exactly {_id: <string|ObjectID>} with
//
//	WHERE _ferretdb_sjson->'$._id' = ?
//
// but the unique index it creates for _id is on the expression _ferretdb_sjson->"_id", which
// SQLite does not match to that WHERE clause: every lookup by _id scans the whole table
// (about 14 ms at 5,000 documents, linear in the collection's size). indexIDLookups gives each
// collection table an index on exactly the expression the lookup uses, so it is a B-tree search
// (about 0.05 ms). The index is an ordinary SQLite index: FerretDB's metadata does not list it,
// and it is dropped with its table.
//
// FerretDB creates tables at any time (a collection is created by its first insert), so the
// databases are checked every interval; a table is indexed within that interval of its creation.
func indexIDLookups(ctx context.Context, dir string, every time.Duration, logger *slog.Logger) {
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	for {
		files, _ := filepath.Glob(filepath.Join(dir, "*.sqlite"))
		for _, file := range files {
			if err := indexFile(ctx, file); err != nil && ctx.Err() == nil {
				logger.Debug("ferretdb-runner: _id lookup index check failed", "file", file, "error", err)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
	}
}

// indexFile indexes the tables of one database file that have no _id lookup index yet.
func indexFile(ctx context.Context, file string) error {
	// mode=rw: never creates a database file that FerretDB has just dropped
	dsn := (&url.URL{Scheme: "file", Path: file, RawQuery: url.Values{"mode": {"rw"}, "_pragma": {"busy_timeout(5000)"}}.Encode()}).String()
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)

	rows, err := db.QueryContext(ctx, `SELECT c.table_name FROM _ferretdb_collections c
		WHERE NOT EXISTS (SELECT 1 FROM sqlite_master m WHERE m.type = 'index' AND m.name = c.table_name || '_id_lookup')`)
	if err != nil {
		return err
	}
	var tables []string
	for rows.Next() {
		var table string
		if err := rows.Scan(&table); err != nil {
			rows.Close()
			return err
		}
		tables = append(tables, table)
	}
	rows.Close()

	for _, table := range tables {
		q := fmt.Sprintf(`CREATE INDEX IF NOT EXISTS %q ON %q (_ferretdb_sjson->'$._id')`, table+"_id_lookup", table)
		if _, err := db.ExecContext(ctx, q); err != nil && !strings.Contains(err.Error(), "no such table") {
			return err // (a table dropped in the meantime is no error)
		}
	}
	return nil
}

// idIndexEnabled: FERRETDB_ID_LOOKUP_INDEX=off leaves FerretDB's tables as FerretDB made them.
func idIndexEnabled() bool {
	return os.Getenv("FERRETDB_ID_LOOKUP_INDEX") != "off"
}
