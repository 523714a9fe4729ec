package retrieval

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
)

// embedBatch is how many passages go to the embedder at once.
const embedBatch = 64

// Ingester prepares, embeds and stores documents.
type Ingester struct {
	Store Store
	Embed Embedder
}

// IngestResult is what happened to one document of an ingested file.
type IngestResult struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Key      string    `json:"key"`
	Status   PutStatus `json:"status"`
	Passages int       `json:"passages"`
	Warnings []string  `json:"warnings"`
}

// Prepared is a file's text prepared for storage but not yet embedded or stored.
type Prepared struct {
	Documents []*Document
	Report    PrepareReport
}

// PrepareFile cleans and splits text read from the file called name, and assigns IDs.
// It stores nothing; errors are *Error (EEMPTY with the report as Detail, EINVALID).
func PrepareFile(name, text, collection string) (*Prepared, error) {
	return PrepareFileWith(name, text, collection, nil)
}

// PrepareFileWith is PrepareFile with what the other files of the same batch say about
// lines (see NewEvidence; ev may be nil).
func PrepareFileWith(name, text, collection string, ev *Evidence) (*Prepared, error) {
	if collection == "" {
		collection = DefaultCollection
	}
	docs, report, err := PrepareWith(name, text, collection, ev)
	if err != nil {
		return nil, err
	}
	for _, d := range docs {
		AssignIDs(d)
	}
	return &Prepared{Documents: docs, Report: report}, nil
}

// Save embeds the prepared documents' passages and stores each document in its own transaction,
// in sc's workspace (their IDs assigned again for it). Embedding happens first, so an embedder
// failure stores nothing. sc must not be AllWorkspaces (EINVALID).
func (in *Ingester) Save(ctx context.Context, sc Scope, p *Prepared) ([]IngestResult, error) {
	if sc.All() {
		return nil, Errorf(EINVALID, "入库：文档只能存入一个工作区")
	}
	var all []*Passage
	for _, d := range p.Documents {
		d.Workspace = sc.Workspace()
		AssignIDs(d)
		for i := range d.Passages {
			all = append(all, &d.Passages[i])
		}
	}
	for i := 0; i < len(all); i += embedBatch {
		batch := all[i:min(i+embedBatch, len(all))]
		texts := make([]string, len(batch))
		for j, ps := range batch {
			texts[j] = EmbedText(*ps)
		}
		vs, err := in.Embed(ctx, texts)
		if err != nil {
			return nil, fmt.Errorf("ingest: embed: %w", err)
		}
		if len(vs) != len(batch) {
			return nil, fmt.Errorf("ingest: embedder returned %d vectors for %d texts", len(vs), len(batch))
		}
		for j, ps := range batch {
			ps.Embedding = vs[j]
		}
	}
	var out []IngestResult
	for _, d := range p.Documents {
		st, err := in.Store.Put(ctx, d)
		if err != nil {
			return out, fmt.Errorf("ingest: store %q: %w", d.Title, err)
		}
		out = append(out, IngestResult{ID: d.ID, Title: d.Title, Key: d.Key, Status: st, Passages: len(d.Passages), Warnings: d.Warnings})
	}
	return out, nil
}

// Ingest prepares, embeds and stores the text of one file in sc's workspace.
func (in *Ingester) Ingest(ctx context.Context, sc Scope, name, text, collection string) ([]IngestResult, *Prepared, error) {
	p, err := PrepareFile(name, text, collection)
	if err != nil {
		return nil, nil, err
	}
	res, err := in.Save(ctx, sc, p)
	return res, p, err
}

// AssignIDs sets a document's Hash, its ID (stable for its workspace, collection and key)
// and its passages' IDs (new whenever the content changes). The default workspace's IDs are
// those of the time before workspaces, so that a file ingested again keeps its ID.
func AssignIDs(d *Document) {
	h := sha256.Sum256([]byte(d.Title + "\x00" + d.Text))
	d.Hash = hex.EncodeToString(h[:])
	identity := d.Collection + "\x00" + d.Key
	if d.Workspace != "" && d.Workspace != DefaultWorkspace {
		identity = d.Workspace + "\x00" + identity
	}
	id := sha256.Sum256([]byte(identity))
	d.ID = hex.EncodeToString(id[:8])
	for i := range d.Passages {
		p := &d.Passages[i]
		p.DocumentID = d.ID
		p.Ordinal = i
		ph := sha256.Sum256([]byte(d.ID + "\x00" + d.Hash + "\x00" + strconv.Itoa(i)))
		p.ID = hex.EncodeToString(ph[:8])
	}
}

// BulkMinPassages is the fewest incoming passages worth a bulk load.
const BulkMinPassages = 2000

// BulkFor returns s as a BulkLoader when loading incoming passages into it is
// faster with its indexes suspended and rebuilt than maintained row by row:
// s is a BulkLoader, incoming is at least BulkMinPassages and at least a
// quarter of the passages s holds (a rebuild costs about a tenth of a
// row-by-row insert per passage, and it redoes the whole store); else nil.
func BulkFor(ctx context.Context, s Store, incoming int) (BulkLoader, error) {
	b, ok := s.(BulkLoader)
	if !ok || incoming < BulkMinPassages {
		return nil, nil
	}
	held, err := b.PassageCount(ctx)
	if err != nil {
		return nil, err
	}
	if incoming*4 < held {
		return nil, nil
	}
	return b, nil
}
