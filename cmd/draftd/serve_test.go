package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServeStopsWithAnOpenStream stops serve while a client follows a draft that is still being
// written: http.Server.Shutdown cancels no request, so the stream must be ended by serve, not
// waited for until the grace period runs out.
func TestServeStopsWithAnOpenStream(t *testing.T) {
	// The chat model answers nothing until the test is done with it: the draft stays generating.
	release := make(chan struct{})
	model := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
		http.Error(w, `{"error":{"message":"stopped"}}`, http.StatusServiceUnavailable)
	}))
	defer model.Close()
	m, _, stderr := testMain(t, map[string]string{"DRAFTD_CHAT_MODEL": "fictional-chat", "OPENAI_BASE_URL": model.URL + "/v1",
		"OPENAI_API_KEY": "test", "DRAFTD_DEMO": "false"})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("serve exited: %v\n%s", err, stderr)
	case <-time.After(60 * time.Second):
		t.Fatal("serve did not start")
	}
	figures := `{"title":"青禾县水利局2025年上半年工作总结","sections":[{"heading":"农田水利","figures":[{"id":"f1","label":"新建泵站","value":"3","unit":"座"}]}]}`
	resp, err := http.Post("http://"+addr+"/api/v1/drafts", "application/json", strings.NewReader(figures))
	if err != nil {
		t.Fatal(err)
	}
	var created struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&created)
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted || created.ID == "" {
		t.Fatalf("create: %d %+v", resp.StatusCode, created)
	}
	sctx, scancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer scancel()
	req, _ := http.NewRequestWithContext(sctx, "GET", "http://"+addr+"/api/v1/drafts/"+created.ID+"/events", nil)
	stream, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Body.Close()
	sc := bufio.NewScanner(stream.Body)
	for sc.Scan() && sc.Text() != "event: snapshot" {
	}

	stopped := time.Now()
	cancel()
	close(release)
	if err := <-done; err != nil {
		t.Errorf("serve stopped with %v; want a clean stop\n%s", err, stderr)
	}
	// The stream ends at once; the rest is the drafting job's model call ending (jobs.Stop).
	t.Logf("serve stopped %v after its context ended, with an event stream open", time.Since(stopped).Round(time.Millisecond))
	for sc.Scan() {
	}
	if err := sc.Err(); err != nil {
		t.Errorf("the event stream did not end when serve stopped: %v", err)
	}
	if strings.Contains(stderr.String(), "grace period") {
		t.Errorf("the open stream held the shutdown for its whole grace period:\n%s", stderr)
	}
}
