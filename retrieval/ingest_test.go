package retrieval

import (
	"context"
	"errors"
	"testing"
)

func TestAssignIDs(t *testing.T) {
	mk := func(collection, key, text string) *Document {
		d := &Document{Collection: collection, Key: key, Title: "t", Text: text, Passages: []Passage{{Text: "a"}, {Text: "b"}}}
		AssignIDs(d)
		return d
	}
	a := mk("c1", "k", "x")
	t.Run("a document keeps its ID when its content changes", func(t *testing.T) {
		b := mk("c1", "k", "y")
		if a.ID != b.ID || a.Hash == b.Hash || a.Passages[0].ID == b.Passages[0].ID {
			t.Fatalf("a=%s/%s/%s b=%s/%s/%s", a.ID, a.Hash, a.Passages[0].ID, b.ID, b.Hash, b.Passages[0].ID)
		}
	})
	t.Run("the same content in two collections gets distinct IDs", func(t *testing.T) {
		b := mk("c2", "k", "x")
		if a.ID == b.ID || a.Passages[0].ID == b.Passages[0].ID {
			t.Fatal("IDs collide across collections")
		}
	})
	t.Run("passages get distinct IDs, their document's ID and their ordinal", func(t *testing.T) {
		if a.Passages[0].ID == a.Passages[1].ID || a.Passages[1].DocumentID != a.ID || a.Passages[1].Ordinal != 1 {
			t.Fatalf("%+v", a.Passages)
		}
	})
}

// refusingStore fails the test if anything is stored.
type refusingStore struct {
	Store
	t *testing.T
}

func (s refusingStore) Put(context.Context, *Document) (PutStatus, error) {
	s.t.Fatal("Put called although embedding failed")
	return "", nil
}

func TestIngesterStoresNothingWhenEmbeddingFails(t *testing.T) {
	in := &Ingester{
		Store: refusingStore{t: t},
		Embed: func(context.Context, []string) ([][]float32, error) { return nil, errors.New("endpoint down") },
	}
	text := "青山县卫生健康局2024年工作总结\n一、主要工作\n全年完成疫苗接种1.2万剂次。\n二、存在问题\n人才不足。\n"
	if _, _, err := in.Ingest(context.Background(), Scope{}, "a.txt", text, ""); err == nil {
		t.Fatal("want the embedder's error")
	}
}

// countStore is a BulkLoader holding n passages.
type countStore struct {
	Store
	n   int
	err error
}

func (s *countStore) PassageCount(context.Context) (int, error)                   { return s.n, s.err }
func (s *countStore) SuspendIndexes(context.Context) error                        { return nil }
func (s *countStore) RestoreIndexes(context.Context, func(done, total int)) error { return nil }

// plainStore is a Store without a bulk mode.
type plainStore struct{ Store }

func TestBulkFor(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		store    Store
		incoming int
		want     bool
	}{
		{"a large load into an empty store is bulk", &countStore{}, BulkMinPassages, true},
		{"a load of a quarter of the store is bulk", &countStore{n: 40_000}, 10_000, true},
		{"a small load is not", &countStore{}, BulkMinPassages - 1, false},
		{"a load small against the store is not: the rebuild would redo it all", &countStore{n: 100_000}, 20_000, false},
		{"a store without a bulk mode never is", plainStore{}, 50_000, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, err := BulkFor(ctx, tc.store, tc.incoming)
			if err != nil || (b != nil) != tc.want {
				t.Fatalf("BulkFor = %v, %v; want bulk %v", b, err, tc.want)
			}
		})
	}
	t.Run("a failing count is an error", func(t *testing.T) {
		if _, err := BulkFor(ctx, &countStore{err: errors.New("down")}, 5000); err == nil {
			t.Fatal("want the count's error")
		}
	})
}
