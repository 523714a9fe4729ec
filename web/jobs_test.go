package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// sseEvent is one server-sent event as a client reads it.
type sseEvent struct {
	id   int64
	typ  string
	data string
}

// readEvents reads the event stream of draft id from base, sending Last-Event-ID when lastID is
// not empty, until the stream ends or 20 s pass.
func readEvents(t *testing.T, base, id, lastID string) []sseEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/drafts/"+id+"/events", nil)
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: status %d", resp.StatusCode)
	}
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			cur.id, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "event: "):
			cur.typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		case line == "" && cur.typ != "":
			out = append(out, cur)
			cur = sseEvent{}
		}
	}
	return out
}

func types(evs []sseEvent) string {
	var ts []string
	for _, e := range evs {
		ts = append(ts, e.typ)
	}
	return strings.Join(ts, ",")
}

func TestEventsReplayFromTheStore(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(serverOn(t, open(t)).Handler())
			t.Cleanup(srv.Close)
			st, d := call(t, "POST", srv.URL+"/api/v1/drafts?wait=true", "application/json", strings.NewReader(figuresJSON))
			if st != http.StatusOK || d["status"] != "ready" {
				t.Fatalf("create: %d %v", st, d)
			}
			id := d["id"].(string)
			all := readEvents(t, srv.URL, id, "0")
			t.Run("Last-Event-ID 0 replays every event of the draft, numbered from 1, without a snapshot", func(t *testing.T) {
				if len(all) < 6 || all[0].typ != draft.EventSectionStarted || all[len(all)-1].typ != draft.EventDraftDone {
					t.Fatalf("events %s", types(all))
				}
				done := 0
				for i, e := range all {
					if e.id != int64(i+1) {
						t.Fatalf("event %d has id %d: %s", i, e.id, types(all))
					}
					if e.typ == draft.EventSectionDone {
						done++
					}
					var ev draft.Event
					if err := json.Unmarshal([]byte(e.data), &ev); err != nil || ev.DraftID != id || ev.Type != e.typ {
						t.Errorf("event %d's data %s (%v)", i, e.data, err)
					}
				}
				if done != 2 {
					t.Errorf("%d section_done events for 2 sections: %s", done, types(all))
				}
			})
			t.Run("a client that saw some events gets the rest", func(t *testing.T) {
				n := len(all)
				rest := readEvents(t, srv.URL, id, strconv.Itoa(n-2))
				if len(rest) != 2 || rest[0].id != int64(n-1) || rest[1].typ != draft.EventDraftDone {
					t.Errorf("after %d: %v", n-2, rest)
				}
			})
			t.Run("a client that saw the end is told the end again", func(t *testing.T) {
				if rest := readEvents(t, srv.URL, id, strconv.Itoa(len(all))); types(rest) != draft.EventDraftDone {
					t.Errorf("after the last event: %s", types(rest))
				}
			})
			t.Run("a regeneration streams only its own run", func(t *testing.T) {
				if st, d := call(t, "POST", srv.URL+"/api/v1/drafts/"+id+"/sections/1/regenerate?wait=true", "", nil); st != http.StatusOK || d["status"] != "ready" {
					t.Fatalf("regenerate: %d %v", st, d)
				}
				again := readEvents(t, srv.URL, id, strconv.Itoa(len(all)))
				if got := types(again); !strings.HasPrefix(got, "section_started,") || !strings.HasSuffix(got, ",section_done,draft_done") {
					t.Errorf("the regeneration's events: %s", got)
				}
				for _, e := range again {
					if e.typ == draft.EventSectionStarted && !strings.Contains(e.data, `"section":1`) {
						t.Errorf("the regeneration of section 1 started another: %s", e.data)
					}
				}
			})
		})
	}
}

func TestIdempotencyKeyUnderConcurrentRetries(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			srv := httptest.NewServer(serverOn(t, store).Handler())
			t.Cleanup(srv.Close)
			const n = 6
			ids := make([]string, n)
			replayed := make([]bool, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					req, _ := http.NewRequest("POST", srv.URL+"/api/v1/drafts", strings.NewReader(figuresJSON))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", "batch-7")
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						t.Error(err)
						return
					}
					defer resp.Body.Close()
					var out map[string]any
					json.NewDecoder(resp.Body).Decode(&out)
					if resp.StatusCode != http.StatusAccepted {
						t.Errorf("request %d: %d %v", i, resp.StatusCode, out)
						return
					}
					ids[i], _ = out["id"].(string)
					replayed[i] = resp.Header.Get("Idempotent-Replayed") == "true"
				})
			}
			wg.Wait()
			firsts := 0
			for i := range n {
				if ids[i] != ids[0] {
					t.Errorf("answers name drafts %v, want one", ids)
					break
				}
				if !replayed[i] {
					firsts++
				}
			}
			if firsts != 1 {
				t.Errorf("%d answers were not replays, want 1", firsts)
			}
			if ds, err := store.Drafts(context.Background(), retrieval.AllWorkspaces()); err != nil || len(ds) != 1 {
				t.Errorf("%d drafts stored (%v), want 1", len(ds), err)
			}
		})
	}
}

// TestEventsReachAnotherReplica runs two servers on one PostgreSQL schema: a stream on one hears
// the drafting the other does.
func TestEventsReachAnotherReplica(t *testing.T) {
	open, ok := stores(t)["pgvector"]
	if !ok {
		t.Skip("needs PostgreSQL (DRAFTD_TEST_DATABASE_URL)")
	}
	store := open(t)
	drafting := serverOn(t, store)
	a := httptest.NewServer(drafting.Handler())
	t.Cleanup(a.Close)
	// The other replica only serves the API: it has a queue with no workers of its own.
	other := serverOn(t, store)
	q, err := store.NewQueue(context.Background(), queue.Config{})
	if err != nil {
		t.Fatal(err)
	}
	other.Queue = q
	b := httptest.NewServer(other.Handler())
	t.Cleanup(b.Close)

	// A's workers must exist before the draft is made on B.
	if _, _, err := drafting.drafting(); err != nil {
		t.Fatal(err)
	}
	st, d := call(t, "POST", b.URL+"/api/v1/drafts", "application/json", strings.NewReader(figuresJSON))
	if st != http.StatusAccepted {
		t.Fatalf("create on B: %d %v", st, d)
	}
	id := d["id"].(string)
	evs := readEvents(t, b.URL, id, "")
	if got := types(evs); !strings.HasPrefix(got, "snapshot,") || !strings.HasSuffix(got, ",draft_done") || !strings.Contains(got, "sentence") {
		t.Fatalf("B's stream of a draft A drafts: %s", got)
	}
	if final := getDraft(t, b.URL, id); final.Status != draft.StatusReady {
		t.Errorf("the draft is %s", final.Status)
	}
}
