package web

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/draft/queue"
	"github.com/draftd/draftd/retrieval"
)

// openStream opens draft id's event stream and reads it up to the snapshot; the body is left open.
func openStream(t *testing.T, base, id string) *bufio.Scanner {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", base+"/api/v1/drafts/"+id+"/events", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("events: status %d", resp.StatusCode)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		if sc.Text() == "event: snapshot" {
			return sc
		}
	}
	t.Fatalf("the stream ended before its snapshot: %v", sc.Err())
	return nil
}

func TestCloseEndsStreamsAndWaits(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := serverOn(t, open(t))
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			s.Writers["gated"] = gatedWriter{w: offline.Writer{}, release: release}
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(srv.Close)

			st, d := call(t, "POST", srv.URL+"/api/v1/drafts?model=gated", "application/json", strings.NewReader(figuresJSON))
			if st != http.StatusAccepted {
				t.Fatalf("create: %d %v", st, d)
			}
			id := d["id"].(string)
			stream := openStream(t, srv.URL, id)
			type answer struct {
				status int
				body   map[string]any
			}
			waited := make(chan answer, 1)
			go func() {
				st, d := call(t, "POST", srv.URL+"/api/v1/drafts?model=gated&wait=true", "application/json", strings.NewReader(figuresJSON))
				waited <- answer{st, d}
			}()
			// The waiting request has made its draft once the store lists two.
			for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
				if ds, err := s.DraftStore.Drafts(t.Context(), retrieval.AllWorkspaces()); err == nil && len(ds) == 2 {
					break
				}
				if time.Now().After(deadline) {
					t.Fatal("the ?wait=true request made no draft")
				}
			}

			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			var rest []string
			for stream.Scan() {
				rest = append(rest, stream.Text())
			}
			if err := stream.Err(); err != nil {
				t.Errorf("the stream did not end when the server closed: %v (read %q)", err, rest)
			}
			for _, line := range rest {
				if strings.HasPrefix(line, "event: draft_") {
					t.Errorf("the stream ended with %q, but the draft is still being written", line)
				}
			}
			a := <-waited
			if a.status != http.StatusOK || a.body["status"] == "ready" || a.body["id"] == "" {
				t.Errorf("the request waiting for its draft: %d %v; want 200 with the draft still being written", a.status, a.body)
			}
			if st, d := call(t, "GET", srv.URL+"/api/v1/drafts/"+id+"/events", "", nil); st != http.StatusServiceUnavailable {
				t.Errorf("a stream opened after Close: %d %v; want 503", st, d)
			}
			if err := s.Close(); err != nil {
				t.Errorf("a second Close: %v", err)
			}
		})
	}
}

// countingLog is an event log that counts the listeners following it.
type countingLog struct {
	queue.EventLog
	listening atomic.Int32
	started   chan struct{}
}

func (l *countingLog) ListenEvents(ctx context.Context, notify func(string)) error {
	if l.listening.Add(1) == 1 {
		close(l.started)
	}
	defer l.listening.Add(-1)
	return l.EventLog.ListenEvents(ctx, notify)
}

func TestCloseStopsFollowingTheEventLog(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			store := open(t)
			s := serverOn(t, store)
			log := &countingLog{EventLog: store, started: make(chan struct{})}
			q, err := store.NewQueue(t.Context(), queue.Config{})
			if err != nil {
				t.Fatal(err)
			}
			s.Queue, s.Events = q, log
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(srv.Close)
			if st, d := call(t, "GET", srv.URL+"/api/v1/drafts/none/events", "", nil); st != http.StatusNotFound {
				t.Fatalf("events of no draft: %d %v", st, d)
			}
			select {
			case <-log.started:
			case <-time.After(20 * time.Second):
				t.Fatal("the server never followed the event log")
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			if n := log.listening.Load(); n != 0 {
				t.Errorf("%d listeners still follow the event log after Close", n)
			}
		})
	}
}

// TestLongAnswersOutlastWriteTimeout serves with a WriteTimeout shorter than a draft takes, as
// draftd serve's 5 minutes are shorter than draftTimeout: a ?wait=true answer and an event
// stream still reach the client whole.
func TestLongAnswersOutlastWriteTimeout(t *testing.T) {
	s, _ := testServer(t)
	s.Writers["slow"] = slowWriter{w: offline.Writer{}, pause: 1500 * time.Millisecond}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.Config.WriteTimeout = 500 * time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)

	t.Run("a request waiting for its draft gets it", func(t *testing.T) {
		st, d := call(t, "POST", srv.URL+"/api/v1/drafts?model=slow&wait=true", "application/json", strings.NewReader(figuresJSON))
		if st != http.StatusOK || d["status"] != string(draft.StatusReady) {
			t.Fatalf("?wait=true past the WriteTimeout: %d %v; want 200 and the ready draft", st, d)
		}
	})
	t.Run("an event stream goes on to the draft's end", func(t *testing.T) {
		st, d := call(t, "POST", srv.URL+"/api/v1/drafts?model=slow", "application/json", strings.NewReader(figuresJSON))
		if st != http.StatusAccepted {
			t.Fatalf("create: %d %v", st, d)
		}
		evs := readEvents(t, srv.URL, d["id"].(string), "")
		if len(evs) == 0 || evs[len(evs)-1].typ != draft.EventDraftDone {
			t.Fatalf("events past the WriteTimeout: %s; want them to end with draft_done", types(evs))
		}
		var last draft.Event
		if err := json.Unmarshal([]byte(evs[len(evs)-1].data), &last); err != nil || last.Status != draft.StatusReady {
			t.Errorf("the last event: %s, %v", evs[len(evs)-1].data, err)
		}
	})
}
