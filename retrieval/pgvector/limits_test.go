package pgvector

import (
	"testing"

	"github.com/draftd/draftd/retrieval/storetest"
)

// TestLimits runs the limits suite on two stores on one schema, as two replicas on one database.
func TestLimits(t *testing.T) {
	testURL(t)
	storetest.RunLimits(t, func(t *testing.T) (storetest.LimitStore, storetest.LimitStore) {
		a, schema := openTestSchema(t, Options{MaxConns: 4})
		b, err := Open(t.Context(), testURL(t), Options{Schema: schema, MaxConns: 4})
		if err != nil {
			t.Fatalf("Open of a second store on the schema: %v", err)
		}
		t.Cleanup(func() { b.Close() })
		return a, b
	})
}
