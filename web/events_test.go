package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/offline"
)

func TestEventsOfADeletedDraftEnd(t *testing.T) {
	for name, open := range stores(t) {
		t.Run(name, func(t *testing.T) {
			s := serverOn(t, open(t))
			release := make(chan struct{})
			t.Cleanup(func() { close(release) })
			s.Writers["gated"] = gatedWriter{w: offline.Writer{}, release: release}
			srv := httptest.NewServer(s.Handler())
			t.Cleanup(srv.Close)
			t.Cleanup(func() { s.Close() })

			st, d := call(t, "POST", srv.URL+"/api/v1/drafts?model=gated", "application/json", strings.NewReader(figuresJSON))
			if st != http.StatusAccepted {
				t.Fatalf("create: %d %v", st, d)
			}
			id := d["id"].(string)
			stream := openStream(t, srv.URL, id) // the draft is generating: the stream follows it
			if st, d := call(t, "DELETE", srv.URL+"/api/v1/drafts/"+id, "", nil); st != http.StatusNoContent && st != http.StatusOK {
				t.Fatalf("delete: %d %v", st, d)
			}
			// The stream ends (within a poll or two), its last event a draft_failed of the draft.
			ended := make(chan []string, 1)
			go func() {
				var lines []string
				for stream.Scan() {
					lines = append(lines, stream.Text())
				}
				ended <- lines
			}()
			var lines []string
			select {
			case lines = <-ended:
			case <-time.After(3*pollEvery + 5*time.Second):
				t.Fatal("the stream of a deleted draft did not end")
			}
			var typ, data string
			for _, l := range lines {
				if v, ok := strings.CutPrefix(l, "event: "); ok {
					typ = v
				}
				if v, ok := strings.CutPrefix(l, "data: "); ok {
					data = v
				}
			}
			var e draft.Event
			if err := json.Unmarshal([]byte(data), &e); err != nil || typ != draft.EventDraftFailed || e.DraftID != id || e.Status != draft.StatusFailed || e.Error == "" {
				t.Errorf("the stream's last event: %s %s (%v); want draft_failed of %s with a message", typ, data, err, id)
			}
		})
	}
}
