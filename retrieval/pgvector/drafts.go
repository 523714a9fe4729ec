package pgvector

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/retrieval"
)

// Every write to a draft starts by updating its drafts row, which locks that row until the
// transaction ends: writes to one draft run one after another, always locking the draft before
// its sections, so they cannot deadlock, and a SaveSection never loses another's sentences.

var _ draft.Store = (*Store)(nil)

// now returns the current time in UTC, to the microsecond that timestamptz keeps.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

const insertDraft = `INSERT INTO drafts (id, title, organization, period, status, model, prompt_version, input,
    prompt_tokens, completion_tokens, created_at, created_by, updated_at, workspace)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)`

var sectionColumns = []string{
	"draft_id", "idx", "heading", "status", "error", "attempts", "sources", "dropped",
	"prompt_tokens", "completion_tokens", "updated_at",
}

// CreateDraft stores d with its sections and their sentences in one transaction. A zero
// d.CreatedAt is set to now and a zero d.UpdatedAt to d.CreatedAt. It returns EINVALID for a
// draft without an ID, ECONFLICT when the ID is taken or two sections share an index and
// ENOTFOUND when there is no workspace d.Workspace ("" is the default one, and d.Workspace is set so).
func (s *Store) CreateDraft(ctx context.Context, d *draft.Draft) error {
	if err := newDraft(d); err != nil {
		return fmt.Errorf("pgvector: create draft: %w", err)
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error { return insertDraftTx(ctx, tx, d) })
	if err != nil {
		return fmt.Errorf("pgvector: create draft: %w", mapErr(err))
	}
	return nil
}

// newDraft checks that d has an ID (EINVALID) and sets its defaults: the default workspace,
// CreatedAt now and UpdatedAt CreatedAt.
func newDraft(d *draft.Draft) error {
	if d.ID == "" {
		return retrieval.Errorf(retrieval.EINVALID, "a draft needs an ID")
	}
	if d.Workspace == "" {
		d.Workspace = retrieval.DefaultWorkspace
	}
	if d.CreatedAt.IsZero() {
		d.CreatedAt = now()
	}
	if d.UpdatedAt.IsZero() {
		d.UpdatedAt = d.CreatedAt
	}
	return nil
}

var sentenceColumns = []string{
	"draft_id", "section_idx", "ord", "id", "text", "generated", "added", "figures", "unbound_numbers",
	"sources", "claims", "risk", "reasons", "review_decision", "reviewer", "review_at", "history", "version",
}

// copySentences writes the sentences of secs, numbered in order; the sections have none stored.
// Each is stored at version versions[its section's index], 1 when absent.
func copySentences(ctx context.Context, tx pgx.Tx, id string, secs []draft.Section, versions map[int]int) error {
	var rows [][]any
	for _, sec := range secs {
		v := max(versions[sec.Index], 1)
		for ord, x := range sec.Sentences {
			rows = append(rows, []any{id, sec.Index, ord, x.ID, x.Text, x.Generated, x.Added,
				nonNil(x.Figures), nonNil(x.UnboundNumbers), nonNil(x.Sources), nonNil(x.Claims), x.Risk,
				nonNil(x.Reasons), x.Review.Decision, x.Review.By, x.Review.At, nonNil(x.History), v})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"draft_sentences"}, sentenceColumns, pgx.CopyFromRows(rows))
	return err
}

// conflict turns a unique violation of constraint into an ECONFLICT error saying msg.
func conflict(err error, constraint, msg string) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == constraint {
		return retrieval.Errorf(retrieval.ECONFLICT, "%s", msg)
	}
	return err
}

// touchDraft is the first statement of every write to a draft's sentences: it takes the draft's
// row lock and issues the next sentence version. Versions are counted per draft, so a sentence
// written gets a version no sentence of the draft ever had: one drafted again can never be
// mistaken for the text a reviewer saw, even when its section was emptied in between.
const touchDraft = `UPDATE drafts SET updated_at = $2, version = version + 1 WHERE id = $1 RETURNING version`

// touch sets draft id's updated time, locking its row, and returns the version the sentences
// written next are stored at; retrieval.ErrNotFound if there is no draft id.
func touch(ctx context.Context, tx pgx.Tx, id string, at time.Time) (int, error) {
	var v int
	err := tx.QueryRow(ctx, touchDraft, id, at).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, retrieval.ErrNotFound
	}
	return v, err
}

const (
	updateSection = `UPDATE draft_sections SET heading = $3, status = $4, error = $5, attempts = $6, sources = $7,
    dropped = $8, prompt_tokens = $9, completion_tokens = $10, updated_at = $11
WHERE draft_id = $1 AND idx = $2`
	deleteSentences = `DELETE FROM draft_sentences WHERE draft_id = $1 AND section_idx = ANY($2)`
)

// replaceSentences deletes the sentences of the sections secs and writes theirs at version v (from touch).
func replaceSentences(ctx context.Context, tx pgx.Tx, id string, secs []draft.Section, v int) error {
	idxs := make([]int, len(secs))
	versions := make(map[int]int, len(secs))
	for i, sec := range secs {
		idxs[i], versions[sec.Index] = sec.Index, v
	}
	if _, err := tx.Exec(ctx, deleteSentences, id, idxs); err != nil {
		return err
	}
	return copySentences(ctx, tx, id, secs, versions)
}

// SaveSection replaces section sec.Index of draft id, its sentences and dropped figures included,
// and sets the draft's updated time to now. It returns retrieval.ErrNotFound when there is no
// draft id and an ENOTFOUND error when the draft has no section sec.Index.
func (s *Store) SaveSection(ctx context.Context, id string, sec draft.Section) error {
	at := now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		v, err := touch(ctx, tx, id, at)
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, updateSection, id, sec.Index, sec.Heading, sec.Status, sec.Error, sec.Attempts,
			nonNil(sec.Sources), nonNil(sec.Dropped), sec.Usage.PromptTokens, sec.Usage.CompletionTokens, at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noSection(id, sec.Index)
		}
		return replaceSentences(ctx, tx, id, []draft.Section{sec}, v)
	})
	if err != nil {
		return fmt.Errorf("pgvector: save section of %s: %w", id, mapErr(err))
	}
	return nil
}

// noSection is the error for a section index draft id lacks.
func noSection(id string, idx int) error {
	return retrieval.Errorf(retrieval.ENOTFOUND, "稿件 %s 没有第 %d 部分", id, idx)
}

const setStatus = `UPDATE drafts SET status = $2, prompt_tokens = $3, completion_tokens = $4, updated_at = $5 WHERE id = $1`

// SetStatus sets draft id's status and usage and its updated time to now; retrieval.ErrNotFound
// if there is no draft id.
func (s *Store) SetStatus(ctx context.Context, id string, st draft.Status, u draft.Usage) error {
	tag, err := s.pool.Exec(ctx, setStatus, id, st, u.PromptTokens, u.CompletionTokens, now())
	if err != nil {
		return fmt.Errorf("pgvector: set status of %s: %w", id, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgvector: set status of %s: %w", id, retrieval.ErrNotFound)
	}
	return nil
}

const (
	setReviewStatus = `UPDATE drafts SET status = $2, updated_at = $3 WHERE id = $1`
	// reviewSections sets the dropped figures ($3, a JSON array per index in $2) and the updated time
	// of the given sections, and returns the indexes it found.
	reviewSections = `UPDATE draft_sections AS s SET dropped = v.dropped, updated_at = $4
FROM unnest($2::int[], $3::jsonb[]) AS v (idx, dropped)
WHERE s.draft_id = $1 AND s.idx = v.idx
RETURNING s.idx`
)

var auditColumns = []string{
	"draft_id", "sentence_id", "figure_id", "decision", "reviewer", "at", "before_text", "after_text", "reason",
}

// SaveReview replaces the sentences and dropped figures of the given sections (their headings,
// statuses and sources are left alone), appends entries to the audit trail in order and sets the
// draft's status, in one transaction. It returns retrieval.ErrNotFound when there is no draft id,
// an ENOTFOUND error for a section the draft lacks and EINVALID when a section is given twice.
func (s *Store) SaveReview(ctx context.Context, id string, secs []draft.Section, entries []draft.AuditEntry, st draft.Status) error {
	idxs := make([]int, 0, len(secs))
	dropped := make([]string, 0, len(secs))
	given := make(map[int]bool, len(secs))
	for _, sec := range secs {
		if given[sec.Index] {
			return fmt.Errorf("pgvector: save review of %s: %w",
				id, retrieval.Errorf(retrieval.EINVALID, "section %d is given twice", sec.Index))
		}
		given[sec.Index] = true
		idxs = append(idxs, sec.Index)
		b, err := json.Marshal(nonNil(sec.Dropped))
		if err != nil {
			return fmt.Errorf("pgvector: save review of %s: section %d: %w", id, sec.Index, err)
		}
		dropped = append(dropped, string(b))
	}
	at := now()
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		v, err := touch(ctx, tx, id, at)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, setReviewStatus, id, st, at); err != nil {
			return err
		}
		if len(secs) > 0 {
			rows, _ := tx.Query(ctx, reviewSections, id, idxs, dropped, at)
			found, err := pgx.CollectRows(rows, pgx.RowTo[int])
			if err != nil {
				return err
			}
			if len(found) < len(idxs) {
				for _, f := range found {
					delete(given, f)
				}
				for _, idx := range idxs {
					if given[idx] {
						return noSection(id, idx)
					}
				}
			}
			if err := replaceSentences(ctx, tx, id, secs, v); err != nil {
				return err
			}
		}
		if len(entries) == 0 {
			return nil
		}
		// COPY assigns seq in row order, so the trail keeps the entries' order.
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"draft_audit"}, auditColumns,
			pgx.CopyFromSlice(len(entries), func(i int) ([]any, error) {
				e := &entries[i]
				return []any{id, e.SentenceID, e.FigureID, e.Decision, e.By, e.At, e.Before, e.After, e.Reason}, nil
			}))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgvector: save review of %s: %w", id, mapErr(err))
	}
	return nil
}

const (
	// selectDraft reads draft $1 if it is of workspace $3 or $2 (every workspace) is true.
	selectDraft = `SELECT id, workspace, title, organization, period, status, model, prompt_version, input,
    prompt_tokens, completion_tokens, created_at, created_by, updated_at
FROM drafts WHERE id = $1 AND ($2::bool OR workspace = $3)`
	// lockDraft is selectDraft taking the draft's row lock, as every write to the draft does first.
	lockDraft      = selectDraft + ` FOR UPDATE`
	selectSections = `SELECT idx, heading, status, error, attempts, sources, dropped, prompt_tokens, completion_tokens
FROM draft_sections WHERE draft_id = $1 ORDER BY idx`
	selectSentences = `SELECT section_idx, id, text, generated, added, figures, unbound_numbers, sources, claims,
    risk, reasons, review_decision, reviewer, review_at, history, version
FROM draft_sentences WHERE draft_id = $1 ORDER BY section_idx, ord`
	selectAudit = `SELECT sentence_id, figure_id, decision, reviewer, at, before_text, after_text, reason
FROM draft_audit WHERE draft_id = $1 ORDER BY seq`
)

// draftRow is a drafts row as selectDraft reads it.
type draftRow struct {
	ID               string
	Workspace        string
	Title            string
	Organization     string
	Period           string
	Status           draft.Status
	Model            string
	PromptVersion    string
	Input            *draft.Figures
	PromptTokens     int
	CompletionTokens int
	CreatedAt        time.Time
	CreatedBy        string
	UpdatedAt        time.Time
}

// sectionRow is a draft_sections row as selectSections reads it.
type sectionRow struct {
	Idx              int
	Heading          string
	Status           draft.Status
	Error            string
	Attempts         int
	Sources          []draft.Source
	Dropped          []draft.DroppedFigure
	PromptTokens     int
	CompletionTokens int
}

// sentenceRow is a draft_sentences row as selectSentences reads it.
type sentenceRow struct {
	SectionIdx     int
	ID             string
	Text           string
	Generated      bool
	Added          bool
	Figures        []string
	UnboundNumbers []string
	Sources        []draft.Source
	Claims         []draft.Claim
	Risk           draft.Risk
	Reasons        []string
	ReviewDecision string
	Reviewer       string
	ReviewAt       *time.Time
	History        []draft.Revision
	Version        int
}

func (r sentenceRow) sentence() draft.Sentence {
	x := draft.Sentence{
		ID: r.ID, Text: r.Text, Generated: r.Generated, Added: r.Added,
		Figures: nonNil(r.Figures), UnboundNumbers: nonNil(r.UnboundNumbers), Sources: nonNil(r.Sources),
		Claims: nonNil(r.Claims), Risk: r.Risk, Reasons: nonNil(r.Reasons), History: nonNil(r.History),
		Review: draft.Review{Decision: r.ReviewDecision, By: r.Reviewer}, Version: r.Version,
	}
	if r.ReviewAt != nil {
		at := r.ReviewAt.UTC()
		x.Review.At = &at
	}
	for i := range x.History {
		x.History[i].At = x.History[i].At.UTC()
	}
	return x
}

// auditRow is a draft_audit row as selectAudit reads it.
type auditRow struct {
	SentenceID string
	FigureID   string
	Decision   string
	Reviewer   string
	At         time.Time
	BeforeText string
	AfterText  string
	Reason     string
}

// Draft returns draft id of sc's workspace with its sections in index order, their sentences in
// order and the audit trail oldest first, read in one snapshot; retrieval.ErrNotFound if there is
// none. Lists are empty, never nil; times are in UTC.
func (s *Store) Draft(ctx context.Context, sc retrieval.Scope, id string) (*draft.Draft, error) {
	var d *draft.Draft
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		d, err = readDraft(ctx, tx, selectDraft, sc, id)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgvector: draft %s: %w", id, mapErr(err))
	}
	return d, nil
}

// readDraft reads draft id of sc's workspace in tx, its row read by query (selectDraft or lockDraft).
func readDraft(ctx context.Context, tx pgx.Tx, query string, sc retrieval.Scope, id string) (*draft.Draft, error) {
	var d *draft.Draft
	err := func() error {
		rows, _ := tx.Query(ctx, query, id, sc.All(), sc.Workspace())
		r, err := pgx.CollectExactlyOneRow(rows, pgx.RowToStructByName[draftRow])
		if errors.Is(err, pgx.ErrNoRows) {
			return retrieval.ErrNotFound
		}
		if err != nil {
			return err
		}
		d = &draft.Draft{
			ID: r.ID, Workspace: r.Workspace, Title: r.Title, Organization: r.Organization, Period: r.Period, Status: r.Status,
			Model: r.Model, PromptVersion: r.PromptVersion, Input: r.Input,
			Usage:     draft.Usage{PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens},
			CreatedAt: r.CreatedAt.UTC(), CreatedBy: r.CreatedBy, UpdatedAt: r.UpdatedAt.UTC(),
		}

		rows, _ = tx.Query(ctx, selectSections, id)
		secs, err := pgx.CollectRows(rows, pgx.RowToStructByName[sectionRow])
		if err != nil {
			return fmt.Errorf("sections: %w", err)
		}
		d.Sections = make([]draft.Section, len(secs))
		pos := make(map[int]int, len(secs)) // section index → position in d.Sections
		for i, sec := range secs {
			d.Sections[i] = draft.Section{
				Index: sec.Idx, Heading: sec.Heading, Status: sec.Status, Error: sec.Error, Attempts: sec.Attempts,
				Sentences: []draft.Sentence{}, Sources: nonNil(sec.Sources), Dropped: nonNil(sec.Dropped),
				Usage: draft.Usage{PromptTokens: sec.PromptTokens, CompletionTokens: sec.CompletionTokens},
			}
			for j := range d.Sections[i].Dropped {
				d.Sections[i].Dropped[j].At = d.Sections[i].Dropped[j].At.UTC()
			}
			pos[sec.Idx] = i
		}

		rows, _ = tx.Query(ctx, selectSentences, id)
		xs, err := pgx.CollectRows(rows, pgx.RowToStructByName[sentenceRow])
		if err != nil {
			return fmt.Errorf("sentences: %w", err)
		}
		for _, x := range xs {
			sec := &d.Sections[pos[x.SectionIdx]] // the foreign key guarantees the section
			sec.Sentences = append(sec.Sentences, x.sentence())
		}

		rows, _ = tx.Query(ctx, selectAudit, id)
		es, err := pgx.CollectRows(rows, pgx.RowToStructByName[auditRow])
		if err != nil {
			return fmt.Errorf("audit: %w", err)
		}
		d.Audit = make([]draft.AuditEntry, len(es))
		for i, e := range es {
			d.Audit[i] = draft.AuditEntry{SentenceID: e.SentenceID, FigureID: e.FigureID, Decision: e.Decision, By: e.Reviewer,
				At: e.At.UTC(), Before: e.BeforeText, After: e.AfterText, Reason: e.Reason}
		}
		return nil
	}()
	return d, err
}

const (
	// updateSentence writes sentence $3 of section $2 of draft $1 at version $18 if it is at version $17.
	updateSentence = `UPDATE draft_sentences SET text = $4, generated = $5, added = $6, figures = $7, unbound_numbers = $8,
    sources = $9, claims = $10, risk = $11, reasons = $12, review_decision = $13, reviewer = $14, review_at = $15,
    history = $16, version = $18
WHERE draft_id = $1 AND section_idx = $2 AND id = $3 AND version = $17`
	selectSentenceVersion = `SELECT version FROM draft_sentences WHERE draft_id = $1 AND section_idx = $2 AND id = $3`
	// appendSentence adds a sentence at version $17 after the last of section $2.
	appendSentence = `INSERT INTO draft_sentences (draft_id, section_idx, ord, id, text, generated, added, figures,
    unbound_numbers, sources, claims, risk, reasons, review_decision, reviewer, review_at, history, version)
SELECT $1, $2, coalesce(max(ord), -1) + 1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17
FROM draft_sentences WHERE draft_id = $1 AND section_idx = $2`
	touchSection  = `UPDATE draft_sections SET updated_at = $3 WHERE draft_id = $1 AND idx = $2`
	updateDropped = `UPDATE draft_sections SET dropped = $3, updated_at = $4 WHERE draft_id = $1 AND idx = $2`
)

// Review reads draft id of sc's workspace with its row locked (lockDraft: every write to a draft
// takes that lock first), calls decide and writes what it returns in the same transaction: only
// the sentences named, each if it is still at the version decide saw (ESTALE otherwise) and then
// at the draft's next version (see touchDraft), the
// dropped figures of the sections named, the audit entries and the status. It returns
// retrieval.ErrNotFound when there is no such draft, an ENOTFOUND error for a section the draft
// lacks and decide's error as it is.
func (s *Store) Review(ctx context.Context, sc retrieval.Scope, id string, decide func(d *draft.Draft) (draft.ReviewWrite, error)) error {
	var decided error
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		d, err := readDraft(ctx, tx, lockDraft, sc, id)
		if err != nil {
			return err
		}
		w, err := decide(d)
		if err != nil {
			decided = err
			return err
		}
		return writeReview(ctx, tx, id, w)
	})
	if decided != nil {
		return decided
	}
	if err != nil {
		return fmt.Errorf("pgvector: review %s: %w", id, mapErr(err))
	}
	return nil
}

// writeReview writes w to draft id, whose row tx has locked.
func writeReview(ctx context.Context, tx pgx.Tx, id string, w draft.ReviewWrite) error {
	at := now()
	v, err := touch(ctx, tx, id, at)
	if err != nil {
		return err
	}
	touched := map[int]bool{}
	for _, sw := range w.Sentences {
		if !touched[sw.Section] {
			tag, err := tx.Exec(ctx, touchSection, id, sw.Section, at)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return noSection(id, sw.Section)
			}
			touched[sw.Section] = true
		}
		x := sw.Sentence
		tag, err := tx.Exec(ctx, updateSentence, id, sw.Section, x.ID, x.Text, x.Generated, x.Added, nonNil(x.Figures),
			nonNil(x.UnboundNumbers), nonNil(x.Sources), nonNil(x.Claims), x.Risk, nonNil(x.Reasons), x.Review.Decision,
			x.Review.By, x.Review.At, nonNil(x.History), x.Version, v)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 1 {
			continue
		}
		var stored int
		err = tx.QueryRow(ctx, selectSentenceVersion, id, sw.Section, x.ID).Scan(&stored)
		if err == nil {
			return draft.StaleError(x.ID, x.Version, stored)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if _, err := tx.Exec(ctx, appendSentence, id, sw.Section, x.ID, x.Text, x.Generated, x.Added, nonNil(x.Figures),
			nonNil(x.UnboundNumbers), nonNil(x.Sources), nonNil(x.Claims), x.Risk, nonNil(x.Reasons), x.Review.Decision,
			x.Review.By, x.Review.At, nonNil(x.History), v); err != nil {
			return err
		}
	}
	for idx, dropped := range w.Dropped {
		tag, err := tx.Exec(ctx, updateDropped, id, idx, nonNil(dropped), at)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			return noSection(id, idx)
		}
	}
	if _, err := tx.Exec(ctx, setReviewStatus, id, w.Status, at); err != nil {
		return err
	}
	if len(w.Entries) == 0 {
		return nil
	}
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"draft_audit"}, auditColumns,
		pgx.CopyFromSlice(len(w.Entries), func(i int) ([]any, error) {
			e := &w.Entries[i]
			return []any{id, e.SentenceID, e.FigureID, e.Decision, e.By, e.At, e.Before, e.After, e.Reason}, nil
		}))
	return err
}

// deleteDraft removes a draft; its sections, sentences and audit trail go by ON DELETE CASCADE.
const deleteDraft = `DELETE FROM drafts WHERE id = $1 AND ($2::bool OR workspace = $3)`

// DeleteDraft removes draft id of sc's workspace with its sections, sentences and audit trail in
// one statement, so one transaction; retrieval.ErrNotFound if there is no such draft.
func (s *Store) DeleteDraft(ctx context.Context, sc retrieval.Scope, id string) error {
	tag, err := s.pool.Exec(ctx, deleteDraft, id, sc.All(), sc.Workspace())
	if err != nil {
		return fmt.Errorf("pgvector: delete draft %s: %w", id, mapErr(err))
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("pgvector: delete draft %s: %w", id, retrieval.ErrNotFound)
	}
	return nil
}

// selectDrafts lists the drafts of workspace $1 through drafts_workspace_created_at; selectAllDrafts every workspace's.
const (
	selectDrafts    = `SELECT id, title, status, model, created_at FROM drafts WHERE workspace = $1 ORDER BY created_at DESC, id DESC`
	selectAllDrafts = `SELECT id, title, status, model, created_at FROM drafts ORDER BY created_at DESC, id DESC`
)

// Drafts lists the drafts of sc's workspace, newest first.
func (s *Store) Drafts(ctx context.Context, sc retrieval.Scope) ([]draft.DraftInfo, error) {
	var rows pgx.Rows
	if sc.All() {
		rows, _ = s.pool.Query(ctx, selectAllDrafts)
	} else {
		rows, _ = s.pool.Query(ctx, selectDrafts, sc.Workspace())
	}
	infos, err := pgx.CollectRows(rows, pgx.RowToStructByName[draft.DraftInfo])
	if err != nil {
		return nil, fmt.Errorf("pgvector: drafts: %w", mapErr(err))
	}
	for i := range infos {
		infos[i].CreatedAt = infos[i].CreatedAt.UTC()
	}
	return nonNil(infos), nil
}
