package pgvector

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	pgv "github.com/pgvector/pgvector-go"

	"github.com/draftd/draftd/retrieval"
)

// Put serialises writers of one (workspace, collection, key) with an advisory lock, so
// two concurrent Puts of a new document cannot both insert it.
const (
	lockDocumentKey = `SELECT pg_advisory_xact_lock(hashtextextended($1::text || E'\x1f' || $2::text || E'\x1f' || $3::text, 0))`
	selectByKey     = `SELECT id, hash FROM documents WHERE workspace = $1 AND collection = $2 AND key = $3`
	deleteDocument  = `DELETE FROM documents WHERE id = $1`
	insertDocument  = `INSERT INTO documents (id, workspace, collection, key, title, hash, org_kind, years, period, kind, text, warnings, passages, created_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce($14, now()))
RETURNING created_at`
	// selectAnyDim finds the dimension of stored vectors when no embedder is recorded.
	selectAnyDim = `SELECT vector_dims(embedding) FROM passages WHERE embedding IS NOT NULL LIMIT 1`
)

var passageColumns = []string{
	"id", "document_id", "ordinal", "heading_path", "text", "role", "placeholders",
	"workspace", "collection", "kind", "years", "tokens", "n_tokens", "embedding",
}

// Put stores doc and its passages in one transaction: unchanged when a
// document with the same workspace, collection, key and hash exists, replacing it when
// the hash differs. It sets doc.CreatedAt when it was zero and doc.Workspace when it was "".
// It returns EINVALID for a malformed document or an embedding of the wrong
// dimension (nothing is written), ECONFLICT when an id is taken by another document.
func (s *Store) Put(ctx context.Context, doc *retrieval.Document) (retrieval.PutStatus, error) {
	dim := 0
	if spec := s.recorded(); spec != nil {
		dim = spec.Dim
	}
	if err := validateDocument(doc, dim); err != nil {
		return "", fmt.Errorf("pgvector: put: %w", err)
	}
	if doc.Workspace == "" {
		doc.Workspace = retrieval.DefaultWorkspace
	}
	status := retrieval.PutCreated
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, lockDocumentKey, doc.Workspace, doc.Collection, doc.Key); err != nil {
			return err
		}
		var oldID, oldHash string
		err := tx.QueryRow(ctx, selectByKey, doc.Workspace, doc.Collection, doc.Key).Scan(&oldID, &oldHash)
		switch {
		case errors.Is(err, pgx.ErrNoRows):
		case err != nil:
			return err
		case oldHash == doc.Hash:
			status = retrieval.PutUnchanged
			return nil
		default:
			status = retrieval.PutReplaced
			if _, err := tx.Exec(ctx, deleteDocument, oldID); err != nil {
				return err
			}
		}
		if dim == 0 && len(doc.Passages) > 0 {
			var stored int
			err := tx.QueryRow(ctx, selectAnyDim).Scan(&stored)
			if err == nil && stored != len(doc.Passages[0].Embedding) {
				return retrieval.Errorf(retrieval.EINVALID, "passage embeddings have dimension %d; the store holds vectors of dimension %d",
					len(doc.Passages[0].Embedding), stored)
			}
			if err != nil && !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		var createdAt *time.Time
		if !doc.CreatedAt.IsZero() {
			createdAt = &doc.CreatedAt
		}
		m := doc.Meta
		err = tx.QueryRow(ctx, insertDocument, doc.ID, doc.Workspace, doc.Collection, doc.Key, doc.Title, doc.Hash,
			m.OrgKind, nonNil(m.Years), m.Period, m.Kind, doc.Text, nonNil(doc.Warnings), len(doc.Passages), createdAt,
		).Scan(&doc.CreatedAt)
		if err != nil {
			return err
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"passages"}, passageColumns, pgx.CopyFromSlice(len(doc.Passages), func(i int) ([]any, error) {
			p := &doc.Passages[i]
			toks := retrieval.PassageTokens(*p)
			return []any{
				p.ID, doc.ID, p.Ordinal, nonNil(p.HeadingPath), p.Text, p.Role, nonNil(p.Placeholders),
				doc.Workspace, doc.Collection, m.Kind, nonNil(m.Years), lexemes(toks), len(toks), pgv.NewVector(p.Embedding),
			}, nil
		}))
		return err
	})
	if err != nil {
		return "", fmt.Errorf("pgvector: put: %w", mapErr(missingWorkspace(s.orChanged(ctx, err), doc.Workspace)))
	}
	return status, nil
}

// validateDocument checks what the schema cannot say in a useful way; dim is 0 when no embedder is recorded.
func validateDocument(doc *retrieval.Document, dim int) error {
	switch {
	case doc.ID == "":
		return retrieval.Errorf(retrieval.EINVALID, "document has no id")
	case doc.Key == "":
		return retrieval.Errorf(retrieval.EINVALID, "document %s has no key", doc.ID)
	}
	ids := make(map[string]bool, len(doc.Passages))
	for i, p := range doc.Passages {
		switch {
		case p.ID == "":
			return retrieval.Errorf(retrieval.EINVALID, "passage %d of document %s has no id", i, doc.ID)
		case ids[p.ID]:
			return retrieval.Errorf(retrieval.EINVALID, "passage id %s appears twice in document %s", p.ID, doc.ID)
		case p.DocumentID != doc.ID:
			return retrieval.Errorf(retrieval.EINVALID, "passage %s belongs to document %q, not %q", p.ID, p.DocumentID, doc.ID)
		case len(p.Embedding) == 0:
			return retrieval.Errorf(retrieval.EINVALID, "passage %s has no embedding", p.ID)
		case dim != 0 && len(p.Embedding) != dim:
			return retrieval.Errorf(retrieval.EINVALID, "passage %s has an embedding of dimension %d; the store's embedder has dimension %d",
				p.ID, len(p.Embedding), dim)
		case len(p.Embedding) != len(doc.Passages[0].Embedding):
			return retrieval.Errorf(retrieval.EINVALID, "passages of document %s have embeddings of different dimensions", doc.ID)
		}
		ids[p.ID] = true
	}
	return nil
}

// maxLexeme is PostgreSQL's limit on a lexeme's length in bytes.
const maxLexeme = 2046

// lexemes turns tokens into a tsvector of distinct lexemes without positions,
// as array_to_tsvector would: no text search parser, so both stores match the
// same tokens. Keyword ranking needs only which tokens a passage has.
func lexemes(tokens []string) pgtype.TSVector {
	seen := make(map[string]bool, len(tokens))
	lex := make([]pgtype.TSVectorLexeme, 0, len(tokens)/2)
	for _, t := range tokens {
		if !seen[t] && t != "" && len(t) <= maxLexeme {
			seen[t] = true
			lex = append(lex, pgtype.TSVectorLexeme{Word: t})
		}
	}
	return pgtype.TSVector{Lexemes: lex, Valid: true}
}

// nonNil turns a nil slice into an empty one: the array columns are NOT NULL.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// emptyNil turns an empty slice read back from an array column into nil, as it was put.
func emptyNil[T any](s []T) []T {
	if len(s) == 0 {
		return nil
	}
	return s
}

// readable is true for a row d of documents or passages that scope parameters $2 (every
// workspace) and $3 (the workspace) may read: the workspace's own, or of a collection its
// workspace shares. The custom plan (see Open) folds $2 away.
const readable = `($2::bool OR d.workspace = $3 OR EXISTS (
        SELECT FROM shared_collections c WHERE c.workspace = d.workspace AND c.collection = d.collection))`

const selectDocument = `SELECT id, workspace, collection, key, title, hash, org_kind, years, period, kind, text, warnings, created_at
FROM documents d WHERE id = $1 AND ` + readable

const selectPassages = `SELECT id, document_id, ordinal, heading_path, text, role, placeholders
FROM passages WHERE document_id = $1 ORDER BY ordinal, id`

// documentRow is a documents row as selectDocument reads it.
type documentRow struct {
	ID         string
	Workspace  string
	Collection string
	Key        string
	Title      string
	Hash       string
	OrgKind    string
	Years      []int
	Period     string
	Kind       string
	Text       string
	Warnings   []string
	CreatedAt  time.Time
}

// passageRow is a passages row without its tokens and embedding.
type passageRow struct {
	ID           string
	DocumentID   string
	Ordinal      int
	HeadingPath  []string
	Text         string
	Role         string
	Placeholders []string
}

func (r passageRow) passage() retrieval.Passage {
	return retrieval.Passage{
		ID: r.ID, DocumentID: r.DocumentID, Ordinal: r.Ordinal, HeadingPath: emptyNil(r.HeadingPath),
		Text: r.Text, Role: r.Role, Placeholders: emptyNil(r.Placeholders),
	}
}

// Document returns the document with id that sc may read and its passages in order, without
// embeddings; retrieval.ErrNotFound if there is none.
func (s *Store) Document(ctx context.Context, sc retrieval.Scope, id string) (*retrieval.Document, error) {
	var doc *retrieval.Document
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, selectDocument, id, sc.All(), sc.Workspace())
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[documentRow])
		if errors.Is(err, pgx.ErrNoRows) {
			return retrieval.ErrNotFound
		}
		if err != nil {
			return err
		}
		rows, _ = tx.Query(ctx, selectPassages, id)
		ps, err := pgx.CollectRows(rows, pgx.RowToStructByName[passageRow])
		if err != nil {
			return err
		}
		doc = &retrieval.Document{
			ID: d.ID, Workspace: d.Workspace, Collection: d.Collection, Key: d.Key, Title: d.Title, Hash: d.Hash,
			Meta: retrieval.Meta{OrgKind: d.OrgKind, Years: emptyNil(d.Years), Period: d.Period, Kind: d.Kind},
			Text: d.Text, Warnings: emptyNil(d.Warnings), CreatedAt: d.CreatedAt,
			Passages: make([]retrieval.Passage, len(ps)),
		}
		for i, p := range ps {
			doc.Passages[i] = p.passage()
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgvector: document: %w", mapErr(err))
	}
	return doc, nil
}

// selectDocuments lists the documents of collection $1 ("" for all) of workspace $2 and of the
// collections other workspaces share, each part through its own index; selectAllDocuments lists
// every workspace's.
const (
	documentInfoColumns = `d.id, d.workspace, d.collection, d.key, d.title, d.org_kind, d.years, d.period, d.kind, d.passages, d.warnings, d.created_at`
	selectDocuments     = `SELECT ` + documentInfoColumns + `
FROM documents d WHERE d.workspace = $2 AND ($1::text = '' OR d.collection = $1)
UNION ALL
SELECT ` + documentInfoColumns + `
FROM shared_collections c JOIN documents d ON d.workspace = c.workspace AND d.collection = c.collection
WHERE c.workspace <> $2 AND ($1::text = '' OR c.collection = $1)
ORDER BY created_at DESC, id`
	selectAllDocuments = `SELECT ` + documentInfoColumns + `
FROM documents d WHERE ($1::text = '' OR d.collection = $1)
ORDER BY created_at DESC, id`
)

// documentInfoRow is a documents row as selectDocuments reads it.
type documentInfoRow struct {
	ID         string
	Workspace  string
	Collection string
	Key        string
	Title      string
	OrgKind    string
	Years      []int
	Period     string
	Kind       string
	Passages   int
	Warnings   []string
	CreatedAt  time.Time
}

// Documents lists the documents of collection ("" for all) that sc may read, newest first.
func (s *Store) Documents(ctx context.Context, sc retrieval.Scope, collection string) ([]retrieval.DocumentInfo, error) {
	var rows pgx.Rows
	if sc.All() {
		rows, _ = s.pool.Query(ctx, selectAllDocuments, collection)
	} else {
		rows, _ = s.pool.Query(ctx, selectDocuments, collection, sc.Workspace())
	}
	ds, err := pgx.CollectRows(rows, pgx.RowToStructByName[documentInfoRow])
	if err != nil {
		return nil, fmt.Errorf("pgvector: documents: %w", mapErr(err))
	}
	out := make([]retrieval.DocumentInfo, len(ds))
	for i, d := range ds {
		out[i] = d.info()
	}
	return out, nil
}

func (d documentInfoRow) info() retrieval.DocumentInfo {
	return retrieval.DocumentInfo{
		ID: d.ID, Workspace: d.Workspace, Collection: d.Collection, Key: d.Key, Title: d.Title,
		Meta:     retrieval.Meta{OrgKind: d.OrgKind, Years: emptyNil(d.Years), Period: d.Period, Kind: d.Kind},
		Passages: d.Passages, Warnings: emptyNil(d.Warnings), CreatedAt: d.CreatedAt,
	}
}

// deleteScoped deletes document $1 if it is of workspace $3 or $2 (every workspace) is true.
const deleteScoped = `DELETE FROM documents WHERE id = $1 AND ($2::bool OR workspace = $3)`

// Delete removes the document with id of sc's workspace and, by cascade, its passages;
// retrieval.ErrNotFound if there is none.
func (s *Store) Delete(ctx context.Context, sc retrieval.Scope, id string) error {
	tag, err := s.pool.Exec(ctx, deleteScoped, id, sc.All(), sc.Workspace())
	if err != nil {
		return fmt.Errorf("pgvector: delete: %w", mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgvector: delete: %w", retrieval.ErrNotFound)
	}
	return nil
}

const (
	// selectOwnDocument locks document $1 of workspace $3 (or any, $2) for an update.
	selectOwnDocument = `SELECT ` + documentInfoColumns + `
FROM documents d WHERE d.id = $1 AND ($2::bool OR d.workspace = $3) FOR UPDATE`
	updateDocumentRow = `UPDATE documents SET title = $2, collection = $3, kind = $4, period = $5, org_kind = $6 WHERE id = $1`
	// Passages carry the collection and kind as filters (see 0001_init.sql).
	updatePassageFilters = `UPDATE passages SET collection = $2, kind = $3 WHERE document_id = $1`
	insertDocumentEdit   = `INSERT INTO document_edits (workspace, document_id, field, old_value, new_value, edited_by, edited_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)`
)

// UpdateDocument applies ch to the document with id of sc's workspace and records its edits by
// who, in one transaction; see retrieval.Store.
func (s *Store) UpdateDocument(ctx context.Context, sc retrieval.Scope, id string, ch retrieval.DocumentChange, by string) (retrieval.DocumentInfo, error) {
	var info retrieval.DocumentInfo
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		rows, _ := tx.Query(ctx, selectOwnDocument, id, sc.All(), sc.Workspace())
		d, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[documentInfoRow])
		if errors.Is(err, pgx.ErrNoRows) {
			return retrieval.ErrNotFound
		}
		if err != nil {
			return err
		}
		info = d.info()
		oldCollection, oldKind := info.Collection, info.Meta.Kind
		edits := ch.Edits(&info)
		if len(edits) == 0 {
			return nil
		}
		m := info.Meta
		if _, err := tx.Exec(ctx, updateDocumentRow, id, info.Title, info.Collection, m.Kind, m.Period, m.OrgKind); err != nil {
			return err
		}
		if info.Collection != oldCollection || m.Kind != oldKind {
			if _, err := tx.Exec(ctx, updatePassageFilters, id, info.Collection, m.Kind); err != nil {
				return err
			}
		}
		at := time.Now().UTC()
		for _, e := range edits {
			if _, err := tx.Exec(ctx, insertDocumentEdit, info.Workspace, id, e.Field, e.Old, e.New, by, at); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		var re *retrieval.Error
		if errors.As(mapErr(err), &re) && re.Code == retrieval.ECONFLICT {
			err = retrieval.Errorf(retrieval.ECONFLICT, "文档集“%s”中已有同名文档，不能移入", info.Collection)
		}
		return retrieval.DocumentInfo{}, fmt.Errorf("pgvector: update document: %w", mapErr(err))
	}
	return info, nil
}

const (
	selectReadableDocument = `SELECT d.id FROM documents d WHERE d.id = $1 AND ` + readable
	selectDocumentEdits    = `SELECT document_id, field, old_value AS old, new_value AS new, edited_by AS by, edited_at AS at
FROM document_edits WHERE document_id = $1 ORDER BY id`
)

// documentEditRow is a document_edits row as selectDocumentEdits reads it.
type documentEditRow struct {
	DocumentID string
	Field      string
	Old        string
	New        string
	By         string
	At         time.Time
}

// DocumentEdits lists the recorded edits of the document with id that sc may read, oldest first.
func (s *Store) DocumentEdits(ctx context.Context, sc retrieval.Scope, id string) ([]retrieval.DocumentEdit, error) {
	var found string
	if err := s.pool.QueryRow(ctx, selectReadableDocument, id, sc.All(), sc.Workspace()).Scan(&found); err != nil {
		if errors.Is(err, pgx.ErrNoRows) {
			err = retrieval.ErrNotFound
		}
		return nil, fmt.Errorf("pgvector: document edits: %w", mapErr(err))
	}
	rows, _ := s.pool.Query(ctx, selectDocumentEdits, id)
	es, err := pgx.CollectRows(rows, pgx.RowToStructByName[documentEditRow])
	if err != nil {
		return nil, fmt.Errorf("pgvector: document edits: %w", mapErr(err))
	}
	out := make([]retrieval.DocumentEdit, len(es))
	for i, e := range es {
		out[i] = retrieval.DocumentEdit{DocumentID: e.DocumentID, Field: e.Field, Old: e.Old, New: e.New, By: e.By, At: e.At.UTC()}
	}
	return out, nil
}

// selectDocumentEdges reads the two ends ($4 characters each) of the $5 documents of workspace
// $1 and collection $2 stored last, except those keyed $3, through documents_workspace_created_at.
const selectDocumentEdges = `SELECT id, key, left(text, $4) AS head,
       CASE WHEN char_length(text) > $4 THEN right(text, $4) ELSE '' END AS tail
FROM documents
WHERE workspace = $1 AND collection = $2 AND NOT (key = ANY ($3::text[]))
ORDER BY created_at DESC, id
LIMIT $5`

// DocumentEdges returns the opening and ending of at most limit documents of collection in sc's
// own workspace, newest first, except those keyed except; see retrieval.Store.
func (s *Store) DocumentEdges(ctx context.Context, sc retrieval.Scope, collection string, except []string, limit int) ([]retrieval.DocumentEdge, error) {
	if sc.All() || limit < 1 {
		return nil, retrieval.Errorf(retrieval.EINVALID, "pgvector: document edges: one workspace and a limit of at least 1")
	}
	rows, _ := s.pool.Query(ctx, selectDocumentEdges, sc.Workspace(), collection, nonNil(except), retrieval.EdgeRunes, limit)
	out, err := pgx.CollectRows(rows, pgx.RowToStructByName[retrieval.DocumentEdge])
	if err != nil {
		return nil, fmt.Errorf("pgvector: document edges: %w", mapErr(err))
	}
	return out, nil
}
