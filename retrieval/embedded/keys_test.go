package embedded_test

import (
	"testing"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/storetest"
)

func TestKeys(t *testing.T) {
	storetest.RunKeys(t, func(t *testing.T) storetest.KeyStore { return open(t, 0).(*embedded.Store) })
}

func TestKeySurvivesReopen(t *testing.T) {
	dir := t.TempDir()
	s, err := embedded.Open(t.Context(), dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	k, token, err := auth.NewKey("办公室", auth.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateKey(t.Context(), k); err != nil {
		t.Fatalf("CreateKey: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := reopen(t, dir).KeyByHash(t.Context(), auth.HashToken(token))
	if err != nil {
		t.Fatalf("KeyByHash after reopening: %v", err)
	}
	if got.ID != k.ID || !got.CreatedAt.Equal(k.CreatedAt) {
		t.Errorf("key after reopening = %+v, want %+v", got, k)
	}
}
