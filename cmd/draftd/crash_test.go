package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/openai/openaitest"
)

// The crash tests run draftd serve as child processes (this test binary, re-run as TestServeChild),
// kill one with SIGKILL in the middle of drafting and check that every draft the service
// acknowledged is drafted to the end, no section twice, and that the event streams miss nothing.

// crashChildEnv marks a child process: TestServeChild then runs draftd serve with these arguments
// (space-separated) and reports its address on standard output.
const crashChildEnv = "DRAFTD_CRASH_CHILD"

// TestServeChild is not a test: it is the child process of the crash tests.
func TestServeChild(t *testing.T) {
	args := os.Getenv(crashChildEnv)
	if args == "" {
		t.Skip("the child process of the crash tests")
	}
	m := &Main{Getenv: os.Getenv, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
		Ready: func(addr string) { fmt.Printf("READY %s\n", addr) }}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	if err := m.Run(ctx, strings.Fields(args)); err != nil {
		fmt.Fprintln(os.Stderr, "draftd:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// child is a draftd serve process.
type child struct {
	cmd  *exec.Cmd
	addr string
	log  *bytes.Buffer
}

// startChild starts draftd serve with env added and waits until it listens.
func startChild(t *testing.T, name string, env []string) *child {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), append(env, crashChildEnv+"=serve")...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	c := &child{cmd: cmd, log: &bytes.Buffer{}}
	cmd.Stderr = &lockedWriter{w: c.log}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("%s's log:\n%s", name, c.log)
		}
	})
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if a, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- a
			}
		}
	}()
	select {
	case c.addr = <-ready:
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not start:\n%s", name, c.log)
	}
	return c
}

type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// crashFigures returns the figures of draft n: sections sections of two figures each.
func crashFigures(n, sections int) []byte {
	in := draft.Figures{Title: fmt.Sprintf("松岭县第%d号工作总结", n), Organization: "松岭县农业农村局", Period: "2025年"}
	for s := range sections {
		in.Sections = append(in.Sections, draft.SectionInput{Heading: fmt.Sprintf("第%d项工作", s+1), Figures: []draft.Figure{
			{ID: fmt.Sprintf("f%d", 2*s+1), Label: "建成高标准农田", Value: strconv.Itoa(1000 + 10*n + s), Unit: "亩"},
			{ID: fmt.Sprintf("f%d", 2*s+2), Label: "培训农民", Value: strconv.Itoa(200 + n + s), Unit: "人次"},
		}})
	}
	b, _ := json.Marshal(in)
	return b
}

// submit posts draft n to addr with an Idempotency-Key; it returns the draft's ID, whether the
// answer was a replay, and the status.
func submit(addr string, n, sections int) (string, bool, int, error) {
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/api/v1/drafts", bytes.NewReader(crashFigures(n, sections)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", fmt.Sprintf("crash-%d", n))
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		return "", false, 0, err
	}
	defer resp.Body.Close()
	var out struct {
		ID string `json:"id"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	return out.ID, resp.Header.Get("Idempotent-Replayed") == "true", resp.StatusCode, nil
}

// seen is what an event stream received for one draft.
type seen struct {
	mu      sync.Mutex
	seqs    []int64
	done    map[int]int // section_done per section
	ended   bool
	lastSeq int64
}

// follow reads draft id's event stream from addr (with Last-Event-ID after, unless it is negative)
// into s until the stream ends; it returns false when the stream broke before draft_done.
func follow(ctx context.Context, addr, id string, after int64, s *seen) bool {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+"/api/v1/drafts/"+id+"/events", nil)
	if after >= 0 {
		req.Header.Set("Last-Event-ID", strconv.FormatInt(after, 10))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var seq int64
	var typ string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "id: "):
			seq, _ = strconv.ParseInt(strings.TrimPrefix(line, "id: "), 10, 64)
		case strings.HasPrefix(line, "event: "):
			typ = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			var e draft.Event
			json.Unmarshal([]byte(strings.TrimPrefix(line, "data: ")), &e)
			s.mu.Lock()
			if seq > 0 {
				s.seqs = append(s.seqs, seq)
				s.lastSeq = seq
			}
			if typ == draft.EventSectionDone {
				s.done[e.Section]++
			}
			if typ == draft.EventDraftDone || typ == draft.EventDraftFailed {
				s.ended = true
			}
			s.mu.Unlock()
			seq, typ = 0, ""
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.ended
}

// listDrafts returns the drafts addr lists, by ID.
func listDrafts(t *testing.T, addr string) map[string]draft.Status {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/drafts")
	if err != nil {
		t.Fatalf("list drafts: %v", err)
	}
	defer resp.Body.Close()
	var out struct {
		Drafts []draft.DraftInfo `json:"drafts"`
	}
	json.NewDecoder(resp.Body).Decode(&out)
	got := map[string]draft.Status{}
	for _, d := range out.Drafts {
		got[d.ID] = d.Status
	}
	return got
}

// getFullDraft reads draft id from addr.
func getFullDraft(t *testing.T, addr, id string) draft.Draft {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/api/v1/drafts/" + id)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d draft.Draft
	json.NewDecoder(resp.Body).Decode(&d)
	return d
}

// crashEnv is the environment of the children: the fake model at latency, fast job timings.
func crashEnv(model *openaitest.Server) []string {
	return []string{
		"DRAFTD_CHAT_MODEL=fake-model", "OPENAI_BASE_URL=" + model.URL(), "OPENAI_API_KEY=sk-crash-test",
		"DRAFTD_EMBEDDER=local", "DRAFTD_DEMO=false", "DRAFTD_ADDR=127.0.0.1:0",
		"DRAFTD_RATE_PER_MIN=0", "DRAFTD_WORKERS=4",
		"DRAFTD_JOB_TIMEOUT_S=10", "DRAFTD_JOB_RESCUE_S=12", "DRAFTD_JOB_ATTEMPTS=3",
	}
}

// TestCrashTwoReplicas runs two replicas on one PostgreSQL schema, submits drafts across both,
// kills one with SIGKILL mid-way and checks that the survivor finishes every acknowledged draft,
// none twice, and that streams on either replica (one resumed on the survivor with Last-Event-ID)
// see every event.
func TestCrashTwoReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts two draftd processes")
	}
	base := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if base == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("DRAFTD_TEST_DATABASE_URL is not set")
		}
		t.Skip("DRAFTD_TEST_DATABASE_URL is not set")
	}
	// 40 drafts keep CI short; DRAFTD_CRASH_DRAFTS=200 runs the scale.
	drafts := 40
	if n, err := strconv.Atoi(os.Getenv("DRAFTD_CRASH_DRAFTS")); err == nil && n > 0 {
		drafts = n
	}
	const sections, latency = 3, 500 * time.Millisecond
	ctx := context.Background()
	dbURL, conn, schema := freshSchema(t, base)
	model := openaitest.New(t, openaitest.Default(openaitest.Slow(latency)))
	env := append(crashEnv(model), "DRAFTD_DATABASE_URL="+dbURL)
	a := startChild(t, "replica A", env)
	bb := startChild(t, "replica B", env)

	// Submit across both replicas; follow every draft on both (B's streams resume on A).
	ids := make([]string, drafts)
	var onA, onB []*seen
	var streams sync.WaitGroup
	sctx, stopStreams := context.WithTimeout(ctx, 3*time.Minute)
	defer stopStreams()
	acknowledged := 0
	for n := range drafts {
		addr := a.addr
		if n%2 == 1 {
			addr = bb.addr
		}
		id, _, status, err := submit(addr, n, sections)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("submit %d to %s: %d, %v", n, addr, status, err)
		}
		acknowledged++
		ids[n] = id
		sa := &seen{done: map[int]int{}}
		sb := &seen{done: map[int]int{}}
		onA, onB = append(onA, sa), append(onB, sb)
		streams.Add(2)
		go func() { defer streams.Done(); follow(sctx, a.addr, id, -1, sa) }()
		go func() {
			defer streams.Done()
			if !follow(sctx, bb.addr, id, -1, sb) { // B died: resume on A after the last event seen
				sb.mu.Lock()
				last := sb.lastSeq
				sb.mu.Unlock()
				for !follow(sctx, a.addr, id, last, sb) && sctx.Err() == nil {
					time.Sleep(200 * time.Millisecond)
				}
			}
		}()
	}
	// Kill B while the queue is about half done.
	time.Sleep(time.Duration(drafts*sections) * latency / 8 / 2)
	if err := bb.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	bb.cmd.Wait()
	t.Logf("killed replica B after %d chat calls", model.ChatCalls())

	// A retry of every request reaches the survivor: the same draft, never a second one.
	for n := range drafts {
		id, replayed, status, err := submit(a.addr, n, sections)
		if err != nil || status != http.StatusAccepted || id != ids[n] || !replayed {
			t.Errorf("retry of draft %d on A: %s (replayed %v), %d, %v; want %s replayed", n, id, replayed, status, err, ids[n])
		}
	}

	deadline := time.Now().Add(100*time.Second + time.Duration(drafts*sections)*latency/4)
	for {
		got := listDrafts(t, a.addr)
		ready := 0
		for _, id := range ids {
			if got[id] == draft.StatusReady {
				ready++
			}
		}
		if ready == drafts || time.Now().After(deadline) {
			break
		}
		time.Sleep(time.Second)
	}
	streams.Wait()

	completed, duplicated := 0, 0
	for n, id := range ids {
		d := getFullDraft(t, a.addr, id)
		ok := d.Status == draft.StatusReady && len(d.Sections) == sections
		for _, s := range d.Sections {
			ok = ok && s.Status == draft.StatusReady && len(s.Sentences) > 0
		}
		if ok {
			completed++
		} else {
			t.Errorf("draft %d (%s) is %s: %+v", n, id, d.Status, d.Sections)
		}
		for name, s := range map[string]*seen{"A": onA[n], "B then A": onB[n]} {
			if !s.ended {
				t.Errorf("draft %d: the stream on %s never saw draft_done", n, name)
			}
			for i, seq := range s.seqs {
				if seq != int64(i+1) {
					t.Errorf("draft %d: the stream on %s saw events %v, want 1, 2, 3… without a gap", n, name, s.seqs)
					break
				}
			}
			for sec := range sections {
				if s.done[sec] != 1 {
					t.Errorf("draft %d: the stream on %s saw section %d done %d times, want once", n, name, sec, s.done[sec])
				}
			}
		}
	}
	var dup int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+schema+`.draft_events WHERE type = 'section_done'
	    GROUP BY draft_id, payload->>'section' HAVING count(*) > 1) d`).Scan(&dup); err != nil {
		t.Fatal(err)
	}
	duplicated = dup
	if duplicated > 0 {
		t.Errorf("%d sections were drafted to the end twice", duplicated)
	}
	if completed != acknowledged {
		t.Errorf("%d of %d acknowledged drafts completed", completed, acknowledged)
	}
	t.Logf("acknowledged %d, completed %d, duplicated %d; %d chat calls for %d sections (the surplus: sections cut off by the kill, drafted again)",
		acknowledged, completed, duplicated, model.ChatCalls(), drafts*sections)
}

// freshSchema makes a schema of its own in the database at base, dropped when the test ends, and
// returns the URL that selects it, a connection and its name.
func freshSchema(t *testing.T, base string) (string, *pgx.Conn, string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "draftd_crash_" + hex.EncodeToString(b)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('draftd.create_extension'));
CREATE EXTENSION IF NOT EXISTS vector SCHEMA public`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn.Exec(context.Background(), "DROP SCHEMA "+schema+" CASCADE")
		conn.Close(context.Background())
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema+",public")
	u.RawQuery = q.Encode()
	return u.String(), conn, schema
}

// TestMeasureReplicas measures, for the README and asserting nothing, drafts a second with one and
// with two replicas on one PostgreSQL (4 workers each) against the fake model at 500 ms a call,
// and the median time from a submit to the draft's first event. DRAFTD_MEASURE=1 runs it.
func TestMeasureReplicas(t *testing.T) {
	base := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if os.Getenv("DRAFTD_MEASURE") != "1" || base == "" {
		t.Skip("DRAFTD_MEASURE=1 and DRAFTD_TEST_DATABASE_URL measure")
	}
	const drafts, sections = 60, 3
	for _, latency := range []time.Duration{500 * time.Millisecond, 0} {
		for _, replicas := range []int{1, 2} {
			dbURL, _, _ := freshSchema(t, base)
			model := openaitest.New(t, openaitest.Default(openaitest.Slow(latency)))
			env := append(crashEnv(model), "DRAFTD_DATABASE_URL="+dbURL)
			var addrs []string
			for i := range replicas {
				addrs = append(addrs, startChild(t, fmt.Sprintf("replica %d", i), env).addr)
			}
			firsts := make([]time.Duration, drafts)
			ids := make([]string, drafts)
			var wg sync.WaitGroup
			start := time.Now()
			for n := range drafts {
				addr := addrs[n%replicas]
				t0 := time.Now()
				id, _, status, err := submit(addr, n, sections)
				if err != nil || status != http.StatusAccepted {
					t.Fatalf("submit: %d %v", status, err)
				}
				ids[n] = id
				wg.Go(func() {
					s := &seen{done: map[int]int{}}
					ctx, cancel := context.WithCancel(context.Background())
					defer cancel()
					go func() {
						for {
							s.mu.Lock()
							got := len(s.seqs)
							s.mu.Unlock()
							if got > 0 {
								firsts[n] = time.Since(t0)
								cancel()
								return
							}
							select {
							case <-ctx.Done():
								return
							case <-time.After(5 * time.Millisecond):
							}
						}
					}()
					follow(ctx, addr, id, -1, s)
				})
			}
			for {
				ready := 0
				got := listDrafts(t, addrs[0])
				for _, id := range ids {
					if got[id] == draft.StatusReady {
						ready++
					}
				}
				if ready == drafts {
					break
				}
				if time.Since(start) > 5*time.Minute {
					t.Fatalf("%d of %d drafts ready after 5 minutes", ready, drafts)
				}
				time.Sleep(50 * time.Millisecond)
			}
			elapsed := time.Since(start)
			wg.Wait()
			slices.Sort(firsts)
			t.Logf("model %v a call, %d replica(s) × 4 workers: %d drafts of %d sections in %.1f s = %.2f drafts/s (%.0f ms a section a worker); first event p50 %v",
				latency, replicas, drafts, sections, elapsed.Seconds(), float64(drafts)/elapsed.Seconds(),
				float64(elapsed.Milliseconds())*float64(4*replicas)/float64(drafts*sections), firsts[drafts/2].Round(time.Millisecond))
		}
	}
}

// TestMeasureInProcess measures, for comparison with TestMeasureReplicas, today's in-process
// path (Drafter.Run, as draftd draft does) on one PostgreSQL: 60 drafts of 3 sections, 4 sections
// drafted at once, with the fake model at 500 ms and at 0 a call. DRAFTD_MEASURE=1 runs it.
func TestMeasureInProcess(t *testing.T) {
	base := os.Getenv("DRAFTD_TEST_DATABASE_URL")
	if os.Getenv("DRAFTD_MEASURE") != "1" || base == "" {
		t.Skip("DRAFTD_MEASURE=1 and DRAFTD_TEST_DATABASE_URL measure")
	}
	const drafts, sections, workers = 60, 3, 4
	for _, latency := range []time.Duration{500 * time.Millisecond, 0} {
		dbURL, _, _ := freshSchema(t, base)
		model := openaitest.New(t, openaitest.Default(openaitest.Slow(latency)))
		env := map[string]string{"DRAFTD_DATABASE_URL": dbURL}
		for _, kv := range crashEnv(model) {
			k, v, _ := strings.Cut(kv, "=")
			env[k] = v
		}
		cfg, err := LoadConfig(func(k string) string { return env[k] })
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		store, emb, err := openChecked(ctx, cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer store.Close()
		wiring, err := newDrafting(cfg, store, emb)
		if err != nil {
			t.Fatal(err)
		}
		sem := make(chan struct{}, workers)
		var wg sync.WaitGroup
		start := time.Now()
		for n := range drafts {
			var in draft.Figures
			json.Unmarshal(crashFigures(n, sections), &in)
			d := *wiring.drafter
			d.Writer, d.Model, d.Concurrency = wiring.writers["fake-model"], "fake-model", 1
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				dr, err := d.Create(ctx, &in)
				if err == nil {
					err = d.Run(ctx, dr, nil)
				}
				if err != nil {
					t.Errorf("draft %d: %v", n, err)
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		t.Logf("in-process, model %v a call, %d sections at once: %d drafts of %d sections in %.1f s = %.2f drafts/s (%.0f ms a section a worker)",
			latency, workers, drafts, sections, elapsed.Seconds(), float64(drafts)/elapsed.Seconds(),
			float64(elapsed.Milliseconds())*workers/float64(drafts*sections))
	}
}

// TestCrashEmbeddedRestart kills the one process of an embedded store mid-way and starts it again
// on the same data directory: every acknowledged draft is finished, no section twice.
func TestCrashEmbeddedRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("starts draftd processes")
	}
	const drafts, sections, latency = 12, 3, 500 * time.Millisecond
	model := openaitest.New(t, openaitest.Default(openaitest.Slow(latency)))
	env := append(crashEnv(model), "DRAFTD_DATABASE_URL=", "DRAFTD_DATA_DIR="+t.TempDir())
	first := startChild(t, "first process", env)
	ids := make([]string, drafts)
	for n := range drafts {
		id, _, status, err := submit(first.addr, n, sections)
		if err != nil || status != http.StatusAccepted {
			t.Fatalf("submit %d: %d, %v", n, status, err)
		}
		ids[n] = id
	}
	time.Sleep(drafts * sections * latency / 4 / 2)
	first.cmd.Process.Signal(syscall.SIGKILL)
	first.cmd.Wait()
	killedAt := model.ChatCalls()

	second := startChild(t, "second process", env)
	for n := range drafts {
		if id, replayed, status, err := submit(second.addr, n, sections); err != nil || id != ids[n] || !replayed {
			t.Errorf("retry of draft %d after the restart: %s (replayed %v), %d, %v; want %s", n, id, replayed, status, err, ids[n])
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	completed := 0
	for time.Now().Before(deadline) {
		completed = 0
		for _, id := range ids {
			if d := getFullDraft(t, second.addr, id); d.Status == draft.StatusReady {
				completed++
			}
		}
		if completed == drafts {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	duplicated := 0
	for n, id := range ids {
		s := &seen{done: map[int]int{}}
		// A stream opened with Last-Event-ID 0 replays the draft's every event from the store.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		follow(ctx, second.addr, id, 0, s)
		cancel()
		if s.lastSeq == 0 || !s.ended {
			t.Errorf("draft %d: the events replayed after Last-Event-ID 0 were %v, ended %v", n, s.seqs, s.ended)
		}
		for sec := range sections {
			if s.done[sec] > 1 {
				duplicated++
			}
			if s.done[sec] == 0 {
				t.Errorf("draft %d: section %d never reported done", n, sec)
			}
		}
	}
	if completed != drafts || duplicated > 0 {
		t.Errorf("acknowledged %d, completed %d, duplicated %d", drafts, completed, duplicated)
	}
	t.Logf("acknowledged %d, completed %d, duplicated %d; killed after %d chat calls, %d in all for %d sections",
		drafts, completed, duplicated, killedAt, model.ChatCalls(), drafts*sections)
}
