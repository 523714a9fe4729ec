package embedded

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Drafts do not touch the in-memory index, so their writes need neither wmu nor mu: they are
// group-committed (commit.go) on the single writer connection, and a long reindex does not hold
// them up.

var _ draft.Store = (*Store)(nil)

// draftWrites are the statements draft writes run, prepared once by prepareWrites.
var draftWrites = []string{insertDraft, insertSection, insertSentence, reviewSection, clearSentences,
	touchDraft, updateSection, setStatus, setReviewStatus, insertAudit, deleteDraft, updateSentence, appendSentence}

const insertDraft = `INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
		prompt_tokens, completion_tokens, created_at, created_by, updated_at, workspace)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// CreateDraft stores d with its sections and their sentences in one transaction. A zero
// d.CreatedAt is set to now, a zero d.UpdatedAt to d.CreatedAt and an empty d.Workspace to the
// default one. It returns an EINVALID error for a draft without an ID, ECONFLICT when the ID, or
// a section index, is taken and ENOTFOUND when there is no workspace d.Workspace.
func (s *Store) CreateDraft(ctx context.Context, d *draft.Draft) error {
	rows, err := newDraftRows(d)
	if err == nil {
		err = s.write(ctx, func(ctx context.Context, tx *sql.Tx) error { return rows.insert(ctx, s, tx) })
	}
	if err != nil {
		return fmt.Errorf("embedded: create draft: %w", err)
	}
	return nil
}

// draftRows is a new draft encoded for its insert: everything is encoded before the write, by the
// caller, because the committer runs writes in turn.
type draftRows struct {
	d         *draft.Draft
	draft     []any
	sections  [][]any
	sentences [][][]any
}

// newDraftRows sets d's defaults (CreatedAt now, UpdatedAt CreatedAt, the default workspace) and
// encodes it; EINVALID for a draft without an ID.
func newDraftRows(d *draft.Draft) (draftRows, error) {
	if d.ID == "" {
		return draftRows{}, retrieval.Errorf(retrieval.EINVALID, "a draft needs an ID")
	}
	if d.Workspace == "" {
		d.Workspace = retrieval.DefaultWorkspace
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = time.Now().UTC()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	r := draftRows{d: d, sections: make([][]any, len(d.Sections)), sentences: make([][][]any, len(d.Sections)),
		draft: []any{d.ID, d.Title, d.Organization, d.Period, d.Status, d.Model, d.PromptVersion, jsonText(d.Input),
			d.Usage.PromptTokens, d.Usage.CompletionTokens, d.CreatedAt.UnixNano(), d.CreatedBy, d.UpdatedAt.UnixNano(), d.Workspace}}
	for i, sec := range d.Sections {
		r.sections[i] = []any{d.ID, sec.Index, sec.Heading, sec.Status, sec.Error, sec.Attempts, jsonList(sec.Sources),
			jsonList(sec.Dropped), sec.Usage.PromptTokens, sec.Usage.CompletionTokens, d.UpdatedAt.UnixNano()}
		r.sentences[i] = sentenceRows(d.ID, sec, 1)
	}
	return r, nil
}

// insert stores the draft with its sections and sentences in tx: ECONFLICT when its ID or a
// section index is taken, ENOTFOUND when its workspace is not there.
func (r draftRows) insert(ctx context.Context, s *Store, tx *sql.Tx) error {
	d := r.d
	if _, err := s.exec(ctx, tx, insertDraft, r.draft...); err != nil {
		return missingWorkspace(draftConflict(err, "a draft with ID "+d.ID+" already exists"), d.Workspace)
	}
	for i, sec := range d.Sections {
		if _, err := s.exec(ctx, tx, insertSection, r.sections[i]...); err != nil {
			return draftConflict(err, fmt.Sprintf("draft %s has two sections with index %d", d.ID, sec.Index))
		}
		if err := s.execRows(ctx, tx, insertSentence, r.sentences[i]); err != nil {
			return err
		}
	}
	return nil
}

const insertSection = `INSERT INTO draft_sections (draft_id, idx, heading, status, error, attempts, sources,
		dropped, prompt_tokens, completion_tokens, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

const insertSentence = `INSERT INTO draft_sentences (draft_id, section_idx, ord, id, text, generated, added, figures,
		unbound_numbers, sources, claims, risk, reasons, review_decision, reviewer, review_at, history, version)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`

// sentenceRows returns the insertSentence arguments of sec's sentences, numbered in order, each at
// version version; the version argument is last, so a caller may change it.
func sentenceRows(id string, sec draft.Section, version int) [][]any {
	rows := make([][]any, len(sec.Sentences))
	for ord, x := range sec.Sentences {
		var at sql.NullInt64
		if x.Review.At != nil {
			at = sql.NullInt64{Int64: x.Review.At.UnixNano(), Valid: true}
		}
		rows[ord] = []any{id, sec.Index, ord, x.ID, x.Text, x.Generated, x.Added, jsonList(x.Figures),
			jsonList(x.UnboundNumbers), jsonList(x.Sources), jsonList(x.Claims), x.Risk, jsonList(x.Reasons),
			x.Review.Decision, x.Review.By, at, jsonList(x.History), version}
	}
	return rows
}

// nextVersion issues draft ?1's next sentence version. Versions are counted per draft, so a
// sentence written gets a version no sentence of the draft ever had: one drafted again can never be
// mistaken for the text a reviewer saw, even when its section was emptied in between.
const nextVersion = `UPDATE drafts SET version = version + 1 WHERE id = ? RETURNING version`

// issueVersion returns draft id's next sentence version; ErrNotFound if there is no draft id.
func issueVersion(ctx context.Context, tx *sql.Tx, id string) (int, error) {
	var v int
	err := tx.QueryRowContext(ctx, nextVersion, id).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, retrieval.ErrNotFound
	}
	return v, err
}

// atVersion sets the version of rows (of sentenceRows) to v.
func atVersion(rows [][]any, v int) {
	for _, r := range rows {
		r[len(r)-1] = v
	}
}

const reviewSection = `UPDATE draft_sections SET dropped = ?, updated_at = ? WHERE draft_id = ? AND idx = ?`
const clearSentences = `DELETE FROM draft_sentences WHERE draft_id = ? AND section_idx = ?`

// replaceSentences replaces the sentences of section idx of draft id with rows (of sentenceRows)
// and its dropped figures with dropped (a JSON array), after checking the section exists and
// setting its updated_at; ErrNotFound-coded if it does not.
func (s *Store) replaceSentences(ctx context.Context, tx *sql.Tx, id string, idx int, dropped string, rows [][]any, now time.Time) error {
	if err := affected(s.exec(ctx, tx, reviewSection, dropped, now.UnixNano(), id, idx)); err != nil {
		return noSection(err, id, idx)
	}
	v, err := issueVersion(ctx, tx, id)
	if err != nil {
		return err
	}
	atVersion(rows, v)
	if _, err := s.exec(ctx, tx, clearSentences, id, idx); err != nil {
		return err
	}
	return s.execRows(ctx, tx, insertSentence, rows)
}

const touchDraft = `UPDATE drafts SET updated_at = ? WHERE id = ?`
const updateSection = `UPDATE draft_sections SET heading = ?, status = ?, error = ?, attempts = ?, sources = ?,
		dropped = ?, prompt_tokens = ?, completion_tokens = ?, updated_at = ?
	WHERE draft_id = ? AND idx = ?`

// SaveSection replaces section s.Index of draft id, its sentences and dropped figures included,
// and sets the draft's updated time to now. It returns ErrNotFound when there is no draft id and
// an ENOTFOUND error when the draft has no section s.Index.
func (s *Store) SaveSection(ctx context.Context, id string, sec draft.Section) error {
	sources, dropped, rows := jsonList(sec.Sources), jsonList(sec.Dropped), sentenceRows(id, sec, 1)
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := time.Now().UTC().UnixNano()
		if err := affected(s.exec(ctx, tx, touchDraft, now, id)); err != nil {
			return fmt.Errorf("draft %s: %w", id, err)
		}
		if err := affected(s.exec(ctx, tx, updateSection, sec.Heading, sec.Status, sec.Error, sec.Attempts,
			sources, dropped, sec.Usage.PromptTokens, sec.Usage.CompletionTokens, now, id, sec.Index)); err != nil {
			return noSection(err, id, sec.Index)
		}
		v, err := issueVersion(ctx, tx, id)
		if err != nil {
			return err
		}
		atVersion(rows, v)
		if _, err := s.exec(ctx, tx, clearSentences, id, sec.Index); err != nil {
			return err
		}
		return s.execRows(ctx, tx, insertSentence, rows)
	})
	if err != nil {
		return fmt.Errorf("embedded: save section: %w", err)
	}
	return nil
}

const setStatus = `UPDATE drafts SET status = ?, prompt_tokens = ?, completion_tokens = ?, updated_at = ? WHERE id = ?`

// SetStatus sets draft id's status and usage and its updated time to now; ErrNotFound if there is no draft id.
func (s *Store) SetStatus(ctx context.Context, id string, st draft.Status, u draft.Usage) error {
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affected(s.exec(ctx, tx, setStatus, st, u.PromptTokens, u.CompletionTokens, time.Now().UTC().UnixNano(), id))
	})
	if err != nil {
		return fmt.Errorf("embedded: set status of %s: %w", id, err)
	}
	return nil
}

const setReviewStatus = `UPDATE drafts SET status = ?, updated_at = ? WHERE id = ?`
const insertAudit = `INSERT INTO draft_audit (draft_id, sentence_id, figure_id, decision, reviewer, at, before_text,
		after_text, reason)
	VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`

// SaveReview replaces the sentences and dropped figures of the given sections (their headings,
// statuses and sources are left alone), appends entries to the audit trail and sets the draft's
// status, in one transaction. It returns ErrNotFound when there is no draft id and an ENOTFOUND
// error for a section it lacks.
func (s *Store) SaveReview(ctx context.Context, id string, secs []draft.Section, entries []draft.AuditEntry, st draft.Status) error {
	rows, dropped := make([][][]any, len(secs)), make([]string, len(secs))
	for i, sec := range secs {
		rows[i], dropped[i] = sentenceRows(id, sec, 1), jsonList(sec.Dropped)
	}
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now := time.Now().UTC()
		if err := affected(s.exec(ctx, tx, setReviewStatus, st, now.UnixNano(), id)); err != nil {
			return fmt.Errorf("draft %s: %w", id, err)
		}
		for i, sec := range secs {
			if err := s.replaceSentences(ctx, tx, id, sec.Index, dropped[i], rows[i], now); err != nil {
				return err
			}
		}
		for _, e := range entries {
			_, err := s.exec(ctx, tx, insertAudit, id, e.SentenceID, e.FigureID, e.Decision, e.By, e.At.UnixNano(),
				e.Before, e.After, e.Reason)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("embedded: save review: %w", err)
	}
	return nil
}

// deleteDraft removes a draft; its sections, sentences and audit trail go by ON DELETE CASCADE
// (foreign keys are on for every connection: see Open).
const deleteDraft = `DELETE FROM drafts WHERE id = ?1 AND (?2 OR workspace = ?3)`

// DeleteDraft removes draft id of sc's workspace with its sections, sentences and audit trail in
// one transaction; ErrNotFound if there is no such draft.
func (s *Store) DeleteDraft(ctx context.Context, sc retrieval.Scope, id string) error {
	all, ws := sc.All(), sc.Workspace()
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		return affected(s.exec(ctx, tx, deleteDraft, id, all, ws))
	})
	if err != nil {
		return fmt.Errorf("embedded: delete draft %s: %w", id, err)
	}
	return nil
}

// Draft returns draft id of sc's workspace with its sections in index order, their sentences in
// order and the audit trail oldest first; ErrNotFound if there is none. Lists are empty, never nil.
func (s *Store) Draft(ctx context.Context, sc retrieval.Scope, id string) (*draft.Draft, error) {
	// One read transaction, so the draft, its sections and their sentences are one snapshot.
	tx, err := s.db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("embedded: draft: %w", err)
	}
	defer tx.Rollback()
	return readDraft(ctx, tx, sc, id)
}

// readDraft reads draft id of sc's workspace in tx.
func readDraft(ctx context.Context, tx *sql.Tx, sc retrieval.Scope, id string) (*draft.Draft, error) {
	const draftQuery = `SELECT id, workspace, title, organization, period, status, model, prompt_version, input,
			prompt_tokens, completion_tokens, created_at, created_by, updated_at
		FROM drafts WHERE id = ?1 AND (?2 OR workspace = ?3)`
	const sectionsQuery = `SELECT idx, heading, status, error, attempts, sources, dropped, prompt_tokens,
			completion_tokens
		FROM draft_sections WHERE draft_id = ? ORDER BY idx`
	const sentencesQuery = `SELECT section_idx, id, text, generated, added, figures, unbound_numbers, sources, claims,
			risk, reasons, review_decision, reviewer, review_at, history, version
		FROM draft_sentences WHERE draft_id = ? ORDER BY section_idx, ord`
	const auditQuery = `SELECT sentence_id, figure_id, decision, reviewer, at, before_text, after_text, reason
		FROM draft_audit WHERE draft_id = ? ORDER BY seq`

	d := &draft.Draft{Sections: []draft.Section{}, Audit: []draft.AuditEntry{}}
	var input string
	var created, updated int64
	err := tx.QueryRowContext(ctx, draftQuery, id, sc.All(), sc.Workspace()).Scan(&d.ID, &d.Workspace, &d.Title, &d.Organization, &d.Period, &d.Status,
		&d.Model, &d.PromptVersion, &input, &d.Usage.PromptTokens, &d.Usage.CompletionTokens, &created, &d.CreatedBy,
		&updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("embedded: draft %s: %w", id, retrieval.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("embedded: draft: %w", err)
	}
	if err := json.Unmarshal([]byte(input), &d.Input); err != nil {
		return nil, fmt.Errorf("embedded: draft %s: input: %w", id, err)
	}
	d.CreatedAt, d.UpdatedAt = fromNanos(created), fromNanos(updated)

	err = eachRow(ctx, tx, sectionsQuery, id, func(rows *sql.Rows) error {
		sec := draft.Section{Sentences: []draft.Sentence{}}
		var sources, dropped string
		if err := rows.Scan(&sec.Index, &sec.Heading, &sec.Status, &sec.Error, &sec.Attempts, &sources, &dropped,
			&sec.Usage.PromptTokens, &sec.Usage.CompletionTokens); err != nil {
			return err
		}
		if err := errors.Join(decodeList(sources, &sec.Sources), decodeList(dropped, &sec.Dropped)); err != nil {
			return fmt.Errorf("section %d: %w", sec.Index, err)
		}
		for i := range sec.Dropped {
			sec.Dropped[i].At = sec.Dropped[i].At.UTC()
		}
		d.Sections = append(d.Sections, sec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: draft %s: sections: %w", id, err)
	}

	at := make(map[int]int, len(d.Sections)) // section index → position in d.Sections
	for i, sec := range d.Sections {
		at[sec.Index] = i
	}
	err = eachRow(ctx, tx, sentencesQuery, id, func(rows *sql.Rows) error {
		var x draft.Sentence
		var idx int
		var figures, unbound, sources, claims, reasons, history string
		var reviewed sql.NullInt64
		if err := rows.Scan(&idx, &x.ID, &x.Text, &x.Generated, &x.Added, &figures, &unbound, &sources, &claims,
			&x.Risk, &reasons, &x.Review.Decision, &x.Review.By, &reviewed, &history, &x.Version); err != nil {
			return err
		}
		if err := errors.Join(decodeList(figures, &x.Figures), decodeList(unbound, &x.UnboundNumbers),
			decodeList(sources, &x.Sources), decodeList(claims, &x.Claims), decodeList(reasons, &x.Reasons),
			decodeList(history, &x.History)); err != nil {
			return fmt.Errorf("sentence %s: %w", x.ID, err)
		}
		if reviewed.Valid {
			t := fromNanos(reviewed.Int64)
			x.Review.At = &t
		}
		for i := range x.History {
			x.History[i].At = x.History[i].At.UTC()
		}
		sec := &d.Sections[at[idx]] // the foreign key guarantees the section
		sec.Sentences = append(sec.Sentences, x)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: draft %s: sentences: %w", id, err)
	}

	err = eachRow(ctx, tx, auditQuery, id, func(rows *sql.Rows) error {
		var e draft.AuditEntry
		var when int64
		err := rows.Scan(&e.SentenceID, &e.FigureID, &e.Decision, &e.By, &when, &e.Before, &e.After, &e.Reason)
		if err != nil {
			return err
		}
		e.At = fromNanos(when)
		d.Audit = append(d.Audit, e)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: draft %s: audit: %w", id, err)
	}
	return d, nil
}

const (
	// updateSentence writes sentence ?3 of section ?2 of draft ?1 at version ?18 if it is at version ?17.
	updateSentence = `UPDATE draft_sentences SET text = ?4, generated = ?5, added = ?6, figures = ?7, unbound_numbers = ?8,
		sources = ?9, claims = ?10, risk = ?11, reasons = ?12, review_decision = ?13, reviewer = ?14, review_at = ?15,
		history = ?16, version = ?18
	WHERE draft_id = ?1 AND section_idx = ?2 AND id = ?3 AND version = ?17`
	selectSentenceVersion = `SELECT version FROM draft_sentences WHERE draft_id = ? AND section_idx = ? AND id = ?`
	// appendSentence adds a sentence at version ?17 after the last of section ?2.
	appendSentence = `INSERT INTO draft_sentences (draft_id, section_idx, ord, id, text, generated, added, figures,
		unbound_numbers, sources, claims, risk, reasons, review_decision, reviewer, review_at, history, version)
	SELECT ?1, ?2, coalesce(max(ord), -1) + 1, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17
	FROM draft_sentences WHERE draft_id = ?1 AND section_idx = ?2`
)

// Review reads draft id of sc's workspace and calls decide with it, then writes what decide
// returns, all in one write transaction: the store's single writer (and, between processes,
// SQLite's write lock, taken at BEGIN IMMEDIATE) is the draft's lock. Only the sentences named are
// written, each if it is still at the version decide saw (ESTALE otherwise) and then at the draft's
// next version (see nextVersion), with the dropped figures of the sections named, the audit
// entries and the status. It returns ErrNotFound when there is no such draft, an ENOTFOUND error
// for a section the draft lacks and decide's error as it is.
func (s *Store) Review(ctx context.Context, sc retrieval.Scope, id string, decide func(d *draft.Draft) (draft.ReviewWrite, error)) error {
	var decided error
	err := s.write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		decided = nil
		d, err := readDraft(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		w, err := decide(d)
		if err != nil {
			decided = err
			return err
		}
		return s.writeReview(ctx, tx, id, w)
	})
	if decided != nil {
		return decided
	}
	if err != nil {
		return fmt.Errorf("embedded: review %s: %w", id, err)
	}
	return nil
}

// writeReview writes w to draft id in tx.
func (s *Store) writeReview(ctx context.Context, tx *sql.Tx, id string, w draft.ReviewWrite) error {
	now := time.Now().UTC()
	v, err := issueVersion(ctx, tx, id)
	if err != nil {
		return err
	}
	touched := map[int]bool{}
	for _, sw := range w.Sentences {
		if !touched[sw.Section] {
			if err := affected(tx.ExecContext(ctx, `UPDATE draft_sections SET updated_at = ? WHERE draft_id = ? AND idx = ?`,
				now.UnixNano(), id, sw.Section)); err != nil {
				return noSection(err, id, sw.Section)
			}
			touched[sw.Section] = true
		}
		x := sw.Sentence
		var at sql.NullInt64
		if x.Review.At != nil {
			at = sql.NullInt64{Int64: x.Review.At.UnixNano(), Valid: true}
		}
		args := []any{id, sw.Section, x.ID, x.Text, x.Generated, x.Added, jsonList(x.Figures), jsonList(x.UnboundNumbers),
			jsonList(x.Sources), jsonList(x.Claims), x.Risk, jsonList(x.Reasons), x.Review.Decision, x.Review.By, at,
			jsonList(x.History)}
		err := affected(s.exec(ctx, tx, updateSentence, append(args, x.Version, v)...))
		if err == nil {
			continue
		}
		if !errors.Is(err, retrieval.ErrNotFound) {
			return err
		}
		var stored int
		err = tx.QueryRowContext(ctx, selectSentenceVersion, id, sw.Section, x.ID).Scan(&stored)
		if err == nil {
			return draft.StaleError(x.ID, x.Version, stored)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if _, err := s.exec(ctx, tx, appendSentence, append(args, v)...); err != nil {
			return err
		}
	}
	for idx, dropped := range w.Dropped {
		if err := affected(s.exec(ctx, tx, reviewSection, jsonList(dropped), now.UnixNano(), id, idx)); err != nil {
			return noSection(err, id, idx)
		}
	}
	if err := affected(s.exec(ctx, tx, setReviewStatus, w.Status, now.UnixNano(), id)); err != nil {
		return err
	}
	for _, e := range w.Entries {
		if _, err := s.exec(ctx, tx, insertAudit, id, e.SentenceID, e.FigureID, e.Decision, e.By, e.At.UnixNano(),
			e.Before, e.After, e.Reason); err != nil {
			return err
		}
	}
	return nil
}

// Drafts lists the drafts of sc's workspace, through drafts_workspace_created_at, newest first.
func (s *Store) Drafts(ctx context.Context, sc retrieval.Scope) ([]draft.DraftInfo, error) {
	const query = `SELECT id, title, status, model, created_at FROM drafts WHERE workspace = ? ORDER BY created_at DESC, rowid DESC`
	const all = `SELECT id, title, status, model, created_at FROM drafts ORDER BY created_at DESC, rowid DESC`

	q, args := query, []any{sc.Workspace()}
	if sc.All() {
		q, args = all, nil
	}
	infos, err := collect(ctx, s.db, q, args, func(r *sql.Rows) (draft.DraftInfo, error) {
		var d draft.DraftInfo
		var created int64
		err := r.Scan(&d.ID, &d.Title, &d.Status, &d.Model, &created)
		d.CreatedAt = fromNanos(created)
		return d, err
	})
	if err != nil {
		return nil, fmt.Errorf("embedded: drafts: %w", err)
	}
	return infos, nil
}

// eachRow runs query with arg in tx and calls f on every row.
func eachRow(ctx context.Context, tx *sql.Tx, query string, arg any, f func(*sql.Rows) error) error {
	rows, err := tx.QueryContext(ctx, query, arg)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := f(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// affected returns ErrNotFound when an update changed no row.
func affected(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return retrieval.ErrNotFound
	}
	return nil
}

// noSection says which section was not found when err is ErrNotFound.
func noSection(err error, id string, idx int) error {
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有第 %d 部分", id, idx)
	}
	return err
}

// draftConflict turns a primary-key violation into an ECONFLICT error with msg.
func draftConflict(err error, msg string) error {
	var se *sqlite.Error
	if errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY {
		return retrieval.Errorf(retrieval.ECONFLICT, "%s", msg)
	}
	return err
}

// jsonList encodes s as a JSON array, [] when it is nil.
func jsonList[T any](s []T) string {
	if s == nil {
		return "[]"
	}
	return jsonText(s)
}

// decodeList decodes the JSON array raw into dst, leaving an empty slice rather than nil.
func decodeList[T any](raw string, dst *[]T) error {
	if err := json.Unmarshal([]byte(raw), dst); err != nil {
		return err
	}
	if *dst == nil {
		*dst = []T{}
	}
	return nil
}

func fromNanos(n int64) time.Time { return time.Unix(0, n).UTC() }
