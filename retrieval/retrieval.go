// Package retrieval holds draftd's corpus: historical summaries cleaned into
// documents and passages, the Store that keeps them, and hybrid search.
package retrieval

import (
	"context"
	"time"
)

// Document is one historical summary after cleaning, with its passages.
type Document struct {
	ID         string    `json:"id"`
	Workspace  string    `json:"workspace"` // whose it is; "" is DefaultWorkspace
	Collection string    `json:"collection"`
	Key        string    `json:"key"` // identity within the collection: file name or title
	Title      string    `json:"title"`
	Hash       string    `json:"hash"` // sha256 of the cleaned text; same hash, same document
	Meta       Meta      `json:"meta"`
	Text       string    `json:"text"`
	Warnings   []string  `json:"warnings"`
	Passages   []Passage `json:"passages"`
	CreatedAt  time.Time `json:"created_at"`
}

// Meta describes a document or a passage for filtering.
type Meta struct {
	OrgKind string `json:"org_kind,omitempty"` // e.g. 卫生健康, 政府
	Years   []int  `json:"years,omitempty"`
	Period  string `json:"period,omitempty"` // 上半年, 全年, 第一季度…
	Kind    string `json:"kind,omitempty"`   // 总结, 计划, 汇报, 报告
}

// Section roles a passage can have.
const (
	RoleOverview     = "overview"
	RoleAchievements = "achievements"
	RoleProblems     = "problems"
	RolePlans        = "plans"
)

// Passage is a section-sized piece of a document, the unit of retrieval.
type Passage struct {
	ID           string    `json:"id"`
	DocumentID   string    `json:"document_id"`
	Ordinal      int       `json:"ordinal"`
	HeadingPath  []string  `json:"heading_path"`
	Text         string    `json:"text"`
	Role         string    `json:"role,omitempty"`
	Placeholders []string  `json:"placeholders,omitempty"` // placeholder strings found (xx, XXX, ___…)
	Embedding    []float32 `json:"-"`
}

// HasPlaceholders reports whether the passage is a style template whose numbers are not facts:
// it has a blanked figure (xx万元, x.xx, 20xx年, ___). A blanked name alone (XX县) does not count.
func (p Passage) HasPlaceholders() bool {
	for _, ph := range p.Placeholders {
		if IsFigurePlaceholder(ph) {
			return true
		}
	}
	return false
}

// DocumentInfo is a document's summary as listed, without its text.
type DocumentInfo struct {
	ID         string    `json:"id"`
	Workspace  string    `json:"workspace"`
	Collection string    `json:"collection"`
	Key        string    `json:"key"`
	Title      string    `json:"title"`
	Meta       Meta      `json:"meta"`
	Passages   int       `json:"passages"`
	Warnings   []string  `json:"warnings"`
	CreatedAt  time.Time `json:"created_at"`
}

// Filter narrows a search. Zero values do not filter, except Scope: a search sees its scope's
// passages and those of shared collections, never another workspace's.
type Filter struct {
	Scope      Scope    `json:"-"` // set by the caller from who asks, never from a request's body
	Collection string   `json:"collection,omitempty"`
	Kinds      []string `json:"kinds,omitempty"`
	YearFrom   int      `json:"year_from,omitempty"`
	YearTo     int      `json:"year_to,omitempty"`
	Roles      []string `json:"roles,omitempty"`
	// OrgKinds keeps passages of documents of these organisation kinds (OrgKinds(): 卫生健康,
	// 教育, 政府…): the kind stored with the document (as ingested or corrected), else the one
	// its title names. Searcher.Search applies it to what the stores found.
	OrgKinds []string `json:"org_kinds,omitempty"`
}

// Hit is one passage found by one search method, ranked from 1.
type Hit struct {
	Passage       Passage
	DocumentTitle string
	// DocumentOrgKind and DocumentKind are the document's stored organisation kind and kind (as
	// ingested, or as corrected since); "" when none is stored.
	DocumentOrgKind string
	DocumentKind    string
	Rank            int
	Score           float64 // cosine similarity for vector hits, text rank for keyword hits
}

// PutStatus says what Put did with a document.
type PutStatus string

// Put outcomes.
const (
	PutCreated   PutStatus = "created"
	PutUnchanged PutStatus = "unchanged"
	PutReplaced  PutStatus = "replaced"
)

// EmbedderSpec names the embedder a store's vectors were made with.
type EmbedderSpec struct {
	Name string `json:"name"` // e.g. "local-v2", "openai:text-embedding-3-small"
	Dim  int    `json:"dim"`
}

// Embedder turns texts into vectors of the spec's dimension, one per text, in order.
type Embedder func(ctx context.Context, texts []string) ([][]float32, error)

// Store keeps documents and passages and answers vector and keyword searches.
// Both the embedded store and the pgvector store implement it and pass storetest.
type Store interface {
	// Put stores doc with all its passages (embeddings filled in) atomically, in workspace
	// doc.Workspace ("" is DefaultWorkspace, and Put sets it so).
	// A document with the same Workspace, Collection and Key and Hash is left alone (PutUnchanged);
	// one with the same Workspace, Collection and Key and another Hash replaces the old one and its passages.
	// doc.ID, passage IDs and DocumentID must be set by the caller (see AssignIDs).
	Put(ctx context.Context, doc *Document) (PutStatus, error)
	// Document returns a document of sc's workspace or of a shared collection with its passages
	// (without embeddings); ErrNotFound if absent or another workspace's.
	Document(ctx context.Context, sc Scope, id string) (*Document, error)
	// Documents lists the documents sc may read, of a collection ("" for all), newest first.
	Documents(ctx context.Context, sc Scope, collection string) ([]DocumentInfo, error)
	// Delete removes a document of sc's workspace and its passages; ErrNotFound if absent or
	// another workspace's, shared or not.
	Delete(ctx context.Context, sc Scope, id string) error
	// UpdateDocument applies ch (already Normalized) to a document of sc's workspace, copies the
	// collection and kind to its passages' filters, and records one DocumentEdit per changed
	// field by who, all in one transaction; it returns the document as it now is. ErrNotFound if
	// absent or another workspace's, shared or not; ECONFLICT when the new collection already
	// holds a document with its key.
	UpdateDocument(ctx context.Context, sc Scope, id string, ch DocumentChange, by string) (DocumentInfo, error)
	// DocumentEdits lists the recorded edits of a document sc may read, oldest first;
	// ErrNotFound if sc may not read the document.
	DocumentEdits(ctx context.Context, sc Scope, id string) ([]DocumentEdit, error)
	// DocumentEdges returns the opening and the ending (EdgeRunes runes each) of at most limit
	// documents of collection in sc's own workspace, the most recently stored first, leaving out
	// those whose key is in except: what cleaning a new file of the collection learns from (see
	// GatherEvidence). EINVALID for AllWorkspaces or limit < 1.
	DocumentEdges(ctx context.Context, sc Scope, collection string, except []string, limit int) ([]DocumentEdge, error)
	// SearchVector returns up to k passages nearest to vec by cosine distance, best first, under f
	// (f.Scope's workspace and the shared collections).
	// It returns k hits whenever at least k passages match f.
	SearchVector(ctx context.Context, vec []float32, k int, f Filter) ([]Hit, error)
	// SearchKeyword returns up to k passages that contain any of tokens, best first, under f.
	SearchKeyword(ctx context.Context, tokens []string, k int, f Filter) ([]Hit, error)
	// CheckEmbedder records spec on an empty store, accepts the recorded one, and
	// returns an error with code ErrEmbedderMismatch for any other.
	CheckEmbedder(ctx context.Context, spec EmbedderSpec) error
	// Reindex re-embeds every passage with embed and records spec, reporting progress.
	Reindex(ctx context.Context, spec EmbedderSpec, embed Embedder, progress func(done, total int)) error
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
	// Close releases the store's resources.
	Close() error
}

// BulkLoader is a Store that loads many documents faster with its search
// indexes set aside. Between SuspendIndexes and RestoreIndexes, Put skips
// index maintenance and searches stay correct but scan every passage; a store
// opened after a load that never restored its indexes builds them again.
type BulkLoader interface {
	Store
	// PassageCount reports how many passages the store holds.
	PassageCount(ctx context.Context) (int, error)
	// SuspendIndexes drops the search indexes.
	SuspendIndexes(ctx context.Context) error
	// RestoreIndexes builds the search indexes that are missing, calling
	// progress (when not nil) with the passages indexed so far and the total.
	RestoreIndexes(ctx context.Context, progress func(done, total int)) error
}
