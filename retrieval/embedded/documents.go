package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/draftd/draftd/retrieval"
)

// Put stores doc and its passages in one transaction. A document with the same
// Workspace, Collection, Key and Hash is left alone (PutUnchanged); one with another Hash is
// replaced (PutReplaced). It returns an EINVALID error for missing IDs or
// embeddings of the wrong dimension, ECONFLICT when an ID is already taken and ENOTFOUND when
// there is no workspace doc.Workspace. A zero doc.CreatedAt is set to now, an empty
// doc.Workspace to the default one.
func (s *Store) Put(ctx context.Context, doc *retrieval.Document) (retrieval.PutStatus, error) {
	if err := validate(doc); err != nil {
		return "", fmt.Errorf("embedded: put: %w", err)
	}
	if doc.Workspace == "" {
		doc.Workspace = retrieval.DefaultWorkspace
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()

	s.mu.RLock()
	dim := s.ix.dim
	switch {
	case s.spec != nil:
		dim = s.spec.Dim
	case s.ix.len() == 0 && len(doc.Passages) > 0:
		dim = len(doc.Passages[0].Embedding)
	}
	s.mu.RUnlock()
	for _, p := range doc.Passages {
		if len(p.Embedding) != dim {
			return "", fmt.Errorf("embedded: put: %w", retrieval.Errorf(retrieval.EINVALID,
				"passage %s has an embedding of dimension %d; this store holds dimension %d", p.ID, len(p.Embedding), dim))
		}
	}

	const existing = `SELECT id, hash FROM documents WHERE workspace = ? AND collection = ? AND key = ?`
	var oldID, oldHash string
	err := s.wr.QueryRowContext(ctx, existing, doc.Workspace, doc.Collection, doc.Key).Scan(&oldID, &oldHash)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return "", fmt.Errorf("embedded: put: %w", err)
	case oldHash == doc.Hash:
		return retrieval.PutUnchanged, nil
	}
	status := retrieval.PutCreated
	if oldID != "" {
		status = retrieval.PutReplaced
	}
	if doc.CreatedAt.IsZero() {
		doc.CreatedAt = time.Now().UTC()
	}

	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return "", fmt.Errorf("embedded: put: %w", err)
	}
	defer tx.Rollback()
	if oldID != "" {
		// Its passages go by ON DELETE CASCADE.
		if _, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?`, oldID); err != nil {
			return "", fmt.Errorf("embedded: put: %w", err)
		}
	}
	passages, err := insertDocument(ctx, tx, doc)
	if err != nil {
		return "", fmt.Errorf("embedded: put: %w", missingWorkspace(conflict(err), doc.Workspace))
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return "", fmt.Errorf("embedded: put: %w", err)
	}
	if oldID != "" {
		s.ix.remove(oldID)
	}
	if err := s.ix.add(entryOf(doc), passages); err != nil {
		return "", fmt.Errorf("embedded: put: %w", err) // cannot happen: dimensions were checked above
	}
	return status, nil
}

// validate checks what Put needs the caller to have filled in.
func validate(doc *retrieval.Document) error {
	if doc.ID == "" || doc.Key == "" {
		return retrieval.Errorf(retrieval.EINVALID, "document needs an ID and a key")
	}
	for i, p := range doc.Passages {
		if p.ID == "" || p.DocumentID != doc.ID {
			return retrieval.Errorf(retrieval.EINVALID, "passage %d of document %s needs an ID and the document's ID", i, doc.ID)
		}
		if len(p.Embedding) == 0 {
			return retrieval.Errorf(retrieval.EINVALID, "passage %s has no embedding", p.ID)
		}
	}
	return nil
}

func entryOf(doc *retrieval.Document) docEntry {
	return docEntry{id: doc.ID, workspace: doc.Workspace, collection: doc.Collection, kind: doc.Meta.Kind, years: doc.Meta.Years,
		title: doc.Title, orgKind: doc.Meta.OrgKind}
}

// insertDocument writes doc and its passages and returns the passages as the index takes them.
func insertDocument(ctx context.Context, tx *sql.Tx, doc *retrieval.Document) ([]indexedPassage, error) {
	const insertDoc = `INSERT INTO documents (id, workspace, collection, key, title, hash, meta, text, warnings, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`
	const insertPassage = `INSERT INTO passages (id, document_id, ordinal, heading_path, text, role, placeholders, embedding)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`

	if _, err := tx.ExecContext(ctx, insertDoc, doc.ID, doc.Workspace, doc.Collection, doc.Key, doc.Title, doc.Hash,
		jsonText(doc.Meta), doc.Text, jsonText(doc.Warnings), doc.CreatedAt.UnixNano()); err != nil {
		return nil, err
	}
	ps, err := tx.PrepareContext(ctx, insertPassage)
	if err != nil {
		return nil, err
	}
	defer ps.Close()

	out := make([]indexedPassage, 0, len(doc.Passages))
	for _, p := range doc.Passages {
		res, err := ps.ExecContext(ctx, p.ID, doc.ID, p.Ordinal, jsonText(p.HeadingPath), p.Text, p.Role,
			jsonText(p.Placeholders), encodeVector(p.Embedding))
		if err != nil {
			return nil, err
		}
		seq, err := res.LastInsertId()
		if err != nil {
			return nil, err
		}
		out = append(out, indexedPassage{seq: seq, role: p.Role, vec: p.Embedding, tokens: retrieval.PassageTokens(p)})
	}
	return out, nil
}

// conflict turns a unique-constraint violation into an ECONFLICT error.
func conflict(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return retrieval.Errorf(retrieval.ECONFLICT, "a document or passage with this ID already exists")
		}
	}
	return err
}

// readable is true for a row d of documents that scope parameters ?2 (every workspace) and ?3
// (the workspace) may read: the workspace's own, or of a collection its workspace shares.
const readable = `(?2 OR d.workspace = ?3 OR EXISTS (
		SELECT 1 FROM shared_collections c WHERE c.workspace = d.workspace AND c.collection = d.collection))`

// Document returns the document with id that sc may read and its passages in order, without
// embeddings; ErrNotFound if there is none.
func (s *Store) Document(ctx context.Context, sc retrieval.Scope, id string) (*retrieval.Document, error) {
	const docQuery = `SELECT id, workspace, collection, key, title, hash, meta, text, warnings, created_at
		FROM documents d WHERE id = ?1 AND ` + readable
	const passagesQuery = `SELECT id, document_id, ordinal, heading_path, text, role, placeholders
		FROM passages WHERE document_id = ? ORDER BY ordinal, seq`

	// One read transaction, so the document and its passages are one snapshot.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("embedded: document: %w", err)
	}
	defer tx.Rollback()

	var d retrieval.Document
	var meta, warnings string
	var created int64
	err = tx.QueryRowContext(ctx, docQuery, id, sc.All(), sc.Workspace()).Scan(&d.ID, &d.Workspace, &d.Collection, &d.Key, &d.Title, &d.Hash,
		&meta, &d.Text, &warnings, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("embedded: document %s: %w", id, retrieval.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: document: %w", err)
	}
	if err := errors.Join(json.Unmarshal([]byte(meta), &d.Meta), json.Unmarshal([]byte(warnings), &d.Warnings)); err != nil {
		return nil, fmt.Errorf("embedded: document: %w", err)
	}
	d.CreatedAt = time.Unix(0, created).UTC()

	rows, err := tx.QueryContext(ctx, passagesQuery, id)
	if err != nil {
		return nil, fmt.Errorf("embedded: document: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		p, err := scanPassage(rows)
		if err != nil {
			return nil, fmt.Errorf("embedded: document: %w", err)
		}
		d.Passages = append(d.Passages, p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: document: %w", err)
	}
	return &d, nil
}

// scanPassage reads id, document_id, ordinal, heading_path, text, role,
// placeholders, followed by dest, from one row.
func scanPassage(rows *sql.Rows, dest ...any) (retrieval.Passage, error) {
	var p retrieval.Passage
	var heading, placeholders string
	dest = append([]any{&p.ID, &p.DocumentID, &p.Ordinal, &heading, &p.Text, &p.Role, &placeholders}, dest...)
	if err := rows.Scan(dest...); err != nil {
		return p, err
	}
	err := errors.Join(decodeStrings(heading, &p.HeadingPath), decodeStrings(placeholders, &p.Placeholders))
	return p, err
}

// decodeStrings decodes the JSON array of strings raw into dst as json.Unmarshal does, without its
// reflection for the usual arrays of plain strings: search reads two of them for every hit.
func decodeStrings(raw string, dst *[]string) error {
	if raw == "[]" {
		*dst = []string{}
		return nil
	}
	n := len(raw)
	if n < 4 || raw[:2] != `["` || raw[n-2:] != `"]` || !utf8.ValidString(raw) {
		return json.Unmarshal([]byte(raw), dst)
	}
	for i := range n {
		if c := raw[i]; c == '\\' || c < 0x20 {
			return json.Unmarshal([]byte(raw), dst) // escapes
		}
	}
	// No escapes, so every quote delimits an element: the elements are what lies between ",".
	out := strings.Split(raw[2:n-2], `","`)
	for _, x := range out {
		if strings.IndexByte(x, '"') >= 0 {
			return json.Unmarshal([]byte(raw), dst) // not one array of strings
		}
	}
	*dst = out
	return nil
}

// Documents lists the documents of collection ("" for all) that sc may read, newest first: its
// workspace's, through documents_workspace_created_at, and those of the collections other
// workspaces share.
func (s *Store) Documents(ctx context.Context, sc retrieval.Scope, collection string) ([]retrieval.DocumentInfo, error) {
	const columns = `d.id, d.workspace, d.collection, d.key, d.title, d.meta, d.warnings, d.created_at,
			(SELECT count(*) FROM passages p WHERE p.document_id = d.id), d.rowid`
	const query = `SELECT ` + columns + ` FROM documents d
		WHERE d.workspace = ?2 AND (?1 = '' OR d.collection = ?1)
		UNION ALL
		SELECT ` + columns + ` FROM shared_collections c JOIN documents d ON d.workspace = c.workspace AND d.collection = c.collection
		WHERE c.workspace <> ?2 AND (?1 = '' OR c.collection = ?1)
		ORDER BY 8 DESC, 10 DESC`
	const all = `SELECT ` + columns + ` FROM documents d
		WHERE ?1 = '' OR d.collection = ?1
		ORDER BY d.created_at DESC, d.rowid DESC`

	var rows *sql.Rows
	var err error
	if sc.All() {
		rows, err = s.db.QueryContext(ctx, all, collection)
	} else {
		rows, err = s.db.QueryContext(ctx, query, collection, sc.Workspace())
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: documents: %w", err)
	}
	defer rows.Close()
	infos := []retrieval.DocumentInfo{}
	for rows.Next() {
		var d retrieval.DocumentInfo
		var meta, warnings string
		var created, rowid int64
		if err := rows.Scan(&d.ID, &d.Workspace, &d.Collection, &d.Key, &d.Title, &meta, &warnings, &created, &d.Passages, &rowid); err != nil {
			return nil, fmt.Errorf("embedded: documents: %w", err)
		}
		if err := errors.Join(json.Unmarshal([]byte(meta), &d.Meta), json.Unmarshal([]byte(warnings), &d.Warnings)); err != nil {
			return nil, fmt.Errorf("embedded: documents: %w", err)
		}
		d.CreatedAt = time.Unix(0, created).UTC()
		infos = append(infos, d)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("embedded: documents: %w", err)
	}
	return infos, nil
}

// Delete removes the document with id of sc's workspace and its passages; ErrNotFound if there
// is none.
func (s *Store) Delete(ctx context.Context, sc retrieval.Scope, id string) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()

	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("embedded: delete: %w", err)
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `DELETE FROM documents WHERE id = ?1 AND (?2 OR workspace = ?3)`, id, sc.All(), sc.Workspace())
	if err != nil {
		return fmt.Errorf("embedded: delete: %w", err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("embedded: delete: %w", err)
	} else if n == 0 {
		return fmt.Errorf("embedded: delete %s: %w", id, retrieval.ErrNotFound)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("embedded: delete: %w", err)
	}
	s.ix.remove(id)
	return nil
}

// jsonText encodes v, which is always encodable, as JSON text.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("embedded: encode %T: %v", v, err))
	}
	return string(b)
}

// UpdateDocument applies ch to the document with id of sc's workspace and records its edits by
// who, in one transaction; the index's copy of the title, collection, kind and organisation kind
// follows. See
// retrieval.Store.
func (s *Store) UpdateDocument(ctx context.Context, sc retrieval.Scope, id string, ch retrieval.DocumentChange, by string) (retrieval.DocumentInfo, error) {
	const selectOwn = `SELECT d.id, d.workspace, d.collection, d.key, d.title, d.meta, d.warnings, d.created_at,
			(SELECT count(*) FROM passages p WHERE p.document_id = d.id)
		FROM documents d WHERE d.id = ?1 AND (?2 OR d.workspace = ?3)`
	const update = `UPDATE documents SET title = ?, collection = ?, meta = ? WHERE id = ?`
	const insertEdit = `INSERT INTO document_edits (workspace, document_id, field, old_value, new_value, edited_by, edited_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`

	s.wmu.Lock()
	defer s.wmu.Unlock()
	tx, err := s.wr.BeginTx(ctx, nil)
	if err != nil {
		return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document: %w", err)
	}
	defer tx.Rollback()
	var info retrieval.DocumentInfo
	var meta, warnings string
	var created int64
	err = tx.QueryRowContext(ctx, selectOwn, id, sc.All(), sc.Workspace()).Scan(&info.ID, &info.Workspace, &info.Collection, &info.Key,
		&info.Title, &meta, &warnings, &created, &info.Passages)
	if errors.Is(err, sql.ErrNoRows) {
		return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document %s: %w", id, retrieval.ErrNotFound)
	}
	if err != nil {
		return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document: %w", err)
	}
	if err := errors.Join(json.Unmarshal([]byte(meta), &info.Meta), json.Unmarshal([]byte(warnings), &info.Warnings)); err != nil {
		return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document: %w", err)
	}
	info.CreatedAt = time.Unix(0, created).UTC()
	edits := ch.Edits(&info)
	if len(edits) == 0 {
		return info, nil
	}
	if _, err := tx.ExecContext(ctx, update, info.Title, info.Collection, jsonText(info.Meta), id); err != nil {
		if retrieval.ErrorCode(conflict(err)) == retrieval.ECONFLICT {
			err = retrieval.Errorf(retrieval.ECONFLICT, "文档集“%s”中已有同名文档，不能移入", info.Collection)
		}
		return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document: %w", err)
	}
	at := time.Now().UTC()
	for _, e := range edits {
		if _, err := tx.ExecContext(ctx, insertEdit, info.Workspace, id, e.Field, e.Old, e.New, by, at.UnixNano()); err != nil {
			return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document: %w", err)
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if err := tx.Commit(); err != nil {
		return retrieval.DocumentInfo{}, fmt.Errorf("embedded: update document: %w", err)
	}
	if slot, ok := s.ix.docSlot[id]; ok {
		d := &s.ix.docs[slot]
		d.title, d.collection, d.kind, d.orgKind = info.Title, info.Collection, info.Meta.Kind, info.Meta.OrgKind
	}
	return info, nil
}

// DocumentEdits lists the recorded edits of the document with id that sc may read, oldest first.
func (s *Store) DocumentEdits(ctx context.Context, sc retrieval.Scope, id string) ([]retrieval.DocumentEdit, error) {
	const readableDoc = `SELECT d.id FROM documents d WHERE d.id = ?1 AND ` + readable
	const query = `SELECT document_id, field, old_value, new_value, edited_by, edited_at
		FROM document_edits WHERE document_id = ? ORDER BY id`
	var found string
	if err := s.db.QueryRowContext(ctx, readableDoc, id, sc.All(), sc.Workspace()).Scan(&found); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			err = retrieval.ErrNotFound
		}
		return nil, fmt.Errorf("embedded: document edits: %w", err)
	}
	out, err := collect(ctx, s.db, query, []any{id}, func(rows *sql.Rows) (retrieval.DocumentEdit, error) {
		var e retrieval.DocumentEdit
		var at int64
		err := rows.Scan(&e.DocumentID, &e.Field, &e.Old, &e.New, &e.By, &at)
		e.At = time.Unix(0, at).UTC()
		return e, err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: document edits: %w", err)
	}
	return out, nil
}

// DocumentEdges returns the opening and ending of at most limit documents of collection in sc's
// own workspace, newest first, except those keyed except; see retrieval.Store. SQLite's substr
// and length count characters, so the ends are EdgeRunes runes.
func (s *Store) DocumentEdges(ctx context.Context, sc retrieval.Scope, collection string, except []string, limit int) ([]retrieval.DocumentEdge, error) {
	const query = `SELECT id, key, substr(text, 1, ?4), CASE WHEN length(text) > ?4 THEN substr(text, -?4) ELSE '' END
		FROM documents
		WHERE workspace = ?1 AND collection = ?2 AND key NOT IN (SELECT value FROM json_each(?3))
		ORDER BY created_at DESC, rowid DESC
		LIMIT ?5`
	if sc.All() || limit < 1 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "embedded: document edges: one workspace and a limit of at least 1")
	}
	if except == nil {
		except = []string{}
	}
	out, err := collect(ctx, s.db, query, []any{sc.Workspace(), collection, jsonText(except), retrieval.EdgeRunes, limit},
		func(rows *sql.Rows) (retrieval.DocumentEdge, error) {
			var e retrieval.DocumentEdge
			err := rows.Scan(&e.ID, &e.Key, &e.Head, &e.Tail)
			return e, err
		})
	if err != nil {
		return nil, fmt.Errorf("embedded: document edges: %w", err)
	}
	return out, nil
}
