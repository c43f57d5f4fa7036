package issues

import "database/sql"

// execer is what the write helpers need of a transaction: *sql.Tx, or a
// stmtTx that reuses prepared statements across a batch.
type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
	QueryRow(query string, args ...any) *sql.Row
}

// stmtTx prepares each statement text once per transaction, so a batch
// of envelopes does not parse the same SQL hundreds of times.
type stmtTx struct {
	tx    *sql.Tx
	stmts map[string]*sql.Stmt
}

func newStmtTx(tx *sql.Tx) *stmtTx { return &stmtTx{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (w *stmtTx) stmt(q string) (*sql.Stmt, error) {
	if st, ok := w.stmts[q]; ok {
		return st, nil
	}
	st, err := w.tx.Prepare(q)
	if err != nil {
		return nil, err
	}
	w.stmts[q] = st
	return st, nil
}

// Exec runs a statement, prepared once per transaction.
func (w *stmtTx) Exec(q string, args ...any) (sql.Result, error) {
	st, err := w.stmt(q)
	if err != nil {
		return nil, err
	}
	return st.Exec(args...)
}

// QueryRow runs a one-row query, prepared once per transaction.
func (w *stmtTx) QueryRow(q string, args ...any) *sql.Row {
	st, err := w.stmt(q)
	if err != nil {
		return w.tx.QueryRow(q, args...)
	}
	return st.QueryRow(args...)
}

func (w *stmtTx) close() {
	for _, st := range w.stmts {
		st.Close()
	}
}
