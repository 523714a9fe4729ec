package storetest

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// KeyStore is a store of API keys and idempotency records.
type KeyStore interface {
	auth.Store
	auth.IdempotencyStore
}

// RunKeys runs the conformance suite for auth.Store and auth.IdempotencyStore against stores made
// by open; each call of open returns a new, empty store (cleaned up via t.Cleanup by the opener).
//
// Beyond the comments on the interfaces, the suite holds stores to these: times come back in UTC,
// equal to the millisecond at least; Keys of an empty store is empty, not nil.
func RunKeys(t *testing.T, open func(t *testing.T) KeyStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s KeyStore)
	}{
		{"CreateKey then KeyByHash round-trips every field", testKeyRoundTrip},
		{"KeyByHash of an unknown hash is not found", testKeyNotFound},
		{"CreateKey with a taken ID or token conflicts", testKeyConflict},
		{"Keys lists every key oldest first, revoked ones included", testKeys},
		{"RevokeKey keeps the first revocation and is not found for an unknown ID", testRevokeKey},
		{"TouchKey records the last use and never moves it back", testTouchKey},
		{"ClaimIdempotency claims a key once per scope", testClaimOnce},
		{"SetIdempotencyDraft records the draft a later claim sees", testIdempotencyDraft},
		{"ReleaseIdempotency frees a claim without a draft and keeps one with a draft", testReleaseIdempotency},
		{"ClaimIdempotency replaces and deletes records older than since", testIdempotencyExpiry},
		{"Concurrent claims of one key let exactly one through", testClaimConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

// testKey returns a key named name whose token is "token-"+id, created at created.
func testKey(id, name string, role auth.Role, created time.Time) *auth.Key {
	h := sha256.Sum256([]byte("token-" + id))
	return &auth.Key{ID: id, Name: name, Role: role, Prefix: "dk_" + id[:4], Hash: h[:], CreatedAt: created}
}

func createKey(t *testing.T, s KeyStore, k *auth.Key) {
	t.Helper()
	if err := s.CreateKey(t.Context(), k); err != nil {
		t.Fatalf("CreateKey %s: %v", k.ID, err)
	}
}

func keyByHash(t *testing.T, s KeyStore, hash []byte) *auth.Key {
	t.Helper()
	k, err := s.KeyByHash(t.Context(), hash)
	if err != nil {
		t.Fatalf("KeyByHash: %v", err)
	}
	return k
}

// sameTime reports whether got is want, in UTC, to the millisecond.
func sameTime(got, want *time.Time) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return got.Location() == time.UTC && got.Truncate(time.Millisecond).Equal(want.Truncate(time.Millisecond))
}

// sameKey reports how got differs from want.
func sameKey(t *testing.T, what string, got, want *auth.Key) {
	t.Helper()
	if !sameTime(&got.CreatedAt, &want.CreatedAt) || !sameTime(got.LastUsedAt, want.LastUsedAt) || !sameTime(got.RevokedAt, want.RevokedAt) {
		t.Errorf("%s: times created %v, used %v, revoked %v; want %v, %v, %v in UTC", what,
			got.CreatedAt, got.LastUsedAt, got.RevokedAt, want.CreatedAt, want.LastUsedAt, want.RevokedAt)
	}
	g, w := *got, *want
	g.CreatedAt, g.LastUsedAt, g.RevokedAt = time.Time{}, nil, nil
	w.CreatedAt, w.LastUsedAt, w.RevokedAt = time.Time{}, nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s\n got  %+v\n want %+v", what, g, w)
	}
}

func testKeyRoundTrip(t *testing.T, s KeyStore) {
	k, token, err := auth.NewKey("审核组王科长", auth.RoleReviewer)
	if err != nil {
		t.Fatal(err)
	}
	createKey(t, s, k)
	sameKey(t, "KeyByHash of a new key", keyByHash(t, s, auth.HashToken(token)), k)

	used, revoked := at(time.August, 2, 9, 5), at(time.August, 3, 9, 7)
	full := testKey("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1))
	full.LastUsedAt, full.RevokedAt = &used, &revoked
	createKey(t, s, full)
	sameKey(t, "KeyByHash of a used, revoked key", keyByHash(t, s, full.Hash), full)
}

func testKeyNotFound(t *testing.T, s KeyStore) {
	createKey(t, s, testKey("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1)))
	_, err := s.KeyByHash(t.Context(), auth.HashToken("dk_not-a-token"))
	wantCode(t, err, retrieval.ENOTFOUND, "KeyByHash of an unknown hash")
}

func testKeyConflict(t *testing.T, s KeyStore) {
	first := testKey("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1))
	createKey(t, s, first)
	sameID := testKey("a1b2c3d4e5f6", "另一人", auth.RoleWriter, at(time.August, 1, 10, 1))
	sameID.Hash = auth.HashToken("another token")
	wantCode(t, s.CreateKey(t.Context(), sameID), retrieval.ECONFLICT, "CreateKey with a taken ID")
	sameHash := testKey("ffffffffffff", "另一人", auth.RoleWriter, at(time.August, 1, 10, 1))
	sameHash.Hash = first.Hash
	wantCode(t, s.CreateKey(t.Context(), sameHash), retrieval.ECONFLICT, "CreateKey with a taken token")
	sameKey(t, "KeyByHash after the conflicts", keyByHash(t, s, first.Hash), first)
}

func testKeys(t *testing.T, s KeyStore) {
	keys, err := s.Keys(t.Context(), retrieval.Scope{})
	if err != nil || keys == nil || len(keys) != 0 {
		t.Fatalf("Keys of an empty store = %#v, %v; want [] and no error", keys, err)
	}
	newer := testKey("bbbbbbbbbbbb", "撰稿人小李", auth.RoleWriter, at(time.August, 2, 9, 0))
	older := testKey("cccccccccccc", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 0))
	createKey(t, s, newer)
	createKey(t, s, older)
	if err := s.RevokeKey(t.Context(), retrieval.Scope{}, older.ID, at(time.August, 3, 9, 0)); err != nil {
		t.Fatal(err)
	}
	keys, err = s.Keys(t.Context(), retrieval.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0].ID != older.ID || keys[1].ID != newer.ID {
		t.Fatalf("Keys = %+v; want %s then %s", keys, older.ID, newer.ID)
	}
	if !keys[0].Revoked() || keys[1].Revoked() {
		t.Errorf("Keys revoked = %v, %v; want true, false", keys[0].Revoked(), keys[1].Revoked())
	}
	sameKey(t, "Keys[1]", &keys[1], newer)
}

func testRevokeKey(t *testing.T, s KeyStore) {
	k := testKey("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1))
	createKey(t, s, k)
	first, later := at(time.August, 5, 9, 0), at(time.August, 6, 9, 0)
	for _, when := range []time.Time{first, later} {
		if err := s.RevokeKey(t.Context(), retrieval.Scope{}, k.ID, when); err != nil {
			t.Fatalf("RevokeKey at %v: %v", when, err)
		}
	}
	got := keyByHash(t, s, k.Hash)
	if !sameTime(got.RevokedAt, &first) {
		t.Errorf("RevokedAt = %v, want the first revocation %v", got.RevokedAt, first)
	}
	wantCode(t, s.RevokeKey(t.Context(), retrieval.Scope{}, "000000000000", later), retrieval.ENOTFOUND, "RevokeKey of an unknown ID")
}

func testTouchKey(t *testing.T, s KeyStore) {
	k := testKey("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1))
	createKey(t, s, k)
	first, second, earlier := at(time.August, 2, 9, 0), at(time.August, 2, 10, 0), at(time.August, 1, 12, 0)
	steps := []struct {
		touch, want time.Time
	}{{first, first}, {second, second}, {earlier, second}}
	for _, st := range steps {
		if err := s.TouchKey(t.Context(), k.ID, st.touch); err != nil {
			t.Fatalf("TouchKey at %v: %v", st.touch, err)
		}
		if got := keyByHash(t, s, k.Hash); !sameTime(got.LastUsedAt, &st.want) {
			t.Errorf("after TouchKey at %v, LastUsedAt = %v; want %v", st.touch, got.LastUsedAt, st.want)
		}
	}
	if err := s.TouchKey(t.Context(), "000000000000", second); err != nil {
		t.Errorf("TouchKey of an unknown ID = %v, want no error", err)
	}
}

// record returns an unfinished idempotency record of scope and key for a request body.
func record(scope, key, body string, created time.Time) auth.Idempotency {
	h := sha256.Sum256([]byte(body))
	return auth.Idempotency{Scope: scope, Key: key, BodyHash: h[:], CreatedAt: created}
}

func claim(t *testing.T, s KeyStore, r auth.Idempotency, since time.Time) (auth.Idempotency, bool) {
	t.Helper()
	got, ok, err := s.ClaimIdempotency(t.Context(), r, since)
	if err != nil {
		t.Fatalf("ClaimIdempotency %s/%s: %v", r.Scope, r.Key, err)
	}
	return got, ok
}

// sameRecord reports how got differs from want.
func sameRecord(t *testing.T, what string, got, want auth.Idempotency) {
	t.Helper()
	if got.Scope != want.Scope || got.Key != want.Key || !bytes.Equal(got.BodyHash, want.BodyHash) ||
		got.DraftID != want.DraftID || !sameTime(&got.CreatedAt, &want.CreatedAt) {
		t.Errorf("%s\n got  %+v\n want %+v", what, got, want)
	}
}

func testClaimOnce(t *testing.T, s KeyStore) {
	since := at(time.August, 1, 0, 0)
	first := record("key-a", "retry-1", `{"title":"一"}`, at(time.August, 1, 9, 1))
	got, ok := claim(t, s, first, since)
	if !ok {
		t.Fatal("the first claim was refused")
	}
	sameRecord(t, "the first claim", got, first)
	again := record("key-a", "retry-1", `{"title":"二"}`, at(time.August, 1, 9, 2))
	got, ok = claim(t, s, again, since)
	if ok {
		t.Fatal("a second claim of the same key was let through")
	}
	sameRecord(t, "the second claim returns the first record", got, first)
	other := record("key-b", "retry-1", `{"title":"二"}`, at(time.August, 1, 9, 3))
	if _, ok := claim(t, s, other, since); !ok {
		t.Error("the same key in another scope was refused")
	}
}

func testIdempotencyDraft(t *testing.T, s KeyStore) {
	since := at(time.August, 1, 0, 0)
	r := record("local", "retry-1", "{}", at(time.August, 1, 9, 1))
	claim(t, s, r, since)
	if err := s.SetIdempotencyDraft(t.Context(), "local", "retry-1", "d-42"); err != nil {
		t.Fatal(err)
	}
	got, ok := claim(t, s, record("local", "retry-1", "{}", at(time.August, 1, 9, 5)), since)
	r.DraftID = "d-42"
	if ok {
		t.Fatal("a claim after the draft was recorded was let through")
	}
	sameRecord(t, "the record after SetIdempotencyDraft", got, r)
	wantCode(t, s.SetIdempotencyDraft(t.Context(), "local", "never-claimed", "d-43"), retrieval.ENOTFOUND, "SetIdempotencyDraft of an unclaimed key")
}

func testReleaseIdempotency(t *testing.T, s KeyStore) {
	since := at(time.August, 1, 0, 0)
	claim(t, s, record("local", "failed", "{}", at(time.August, 1, 9, 1)), since)
	claim(t, s, record("local", "done", "{}", at(time.August, 1, 9, 1)), since)
	if err := s.SetIdempotencyDraft(t.Context(), "local", "done", "d-1"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"failed", "done", "never-claimed"} {
		if err := s.ReleaseIdempotency(t.Context(), "local", key); err != nil {
			t.Fatalf("ReleaseIdempotency %s: %v", key, err)
		}
	}
	if _, ok := claim(t, s, record("local", "failed", "{}", at(time.August, 1, 9, 2)), since); !ok {
		t.Error("a released claim could not be claimed again")
	}
	if got, ok := claim(t, s, record("local", "done", "{}", at(time.August, 1, 9, 2)), since); ok || got.DraftID != "d-1" {
		t.Errorf("after releasing a claim with a draft: claimed %v, draft %q; want the record kept with d-1", ok, got.DraftID)
	}
}

func testIdempotencyExpiry(t *testing.T, s KeyStore) {
	old := record("local", "retry-1", `{"old":true}`, at(time.August, 1, 9, 0))
	claim(t, s, old, at(time.August, 1, 0, 0))
	if err := s.SetIdempotencyDraft(t.Context(), "local", "retry-1", "d-old"); err != nil {
		t.Fatal(err)
	}
	claim(t, s, record("local", "other", "{}", at(time.August, 1, 9, 0)), at(time.August, 1, 0, 0))

	since := at(time.August, 2, 10, 0)
	fresh := record("local", "retry-1", `{"new":true}`, at(time.August, 3, 9, 0))
	got, ok := claim(t, s, fresh, since)
	if !ok {
		t.Fatalf("a key older than since was not claimed again: %+v", got)
	}
	sameRecord(t, "the claim replacing an old record", got, fresh)
	// The old record of "other" is gone too, so claiming it with the earliest since succeeds.
	if _, ok := claim(t, s, record("local", "other", "{}", at(time.August, 3, 9, 0)), at(time.January, 1, 0, 0)); !ok {
		t.Error("an old record of another key was not deleted")
	}
}

func testClaimConcurrent(t *testing.T, s KeyStore) {
	since := at(time.August, 1, 0, 0)
	const n = 8
	var wg sync.WaitGroup
	results := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := record("local", "retry", fmt.Sprintf(`{"n":%d}`, i), at(time.August, 1, 9, i))
			_, results[i], errs[i] = s.ClaimIdempotency(t.Context(), r, since)
		}()
	}
	wg.Wait()
	claimed := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("claim %d: %v", i, errs[i])
		}
		if results[i] {
			claimed++
		}
	}
	if claimed != 1 {
		t.Errorf("%d of %d concurrent claims were let through, want exactly 1", claimed, n)
	}
}
