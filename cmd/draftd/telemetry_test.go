package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// serveWith runs draftd serve with env until the returned stop is called, which waits for it to end.
func serveWith(t *testing.T, env map[string]string) (addr string, stop func()) {
	t.Helper()
	m, _, stderr := testMain(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	m.Ready = func(addr string) { ready <- addr }
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, []string{"serve"}) }()
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve exited: %v\n%s", err, stderr)
	case <-time.After(60 * time.Second):
		cancel()
		t.Fatal("serve did not start")
	}
	return addr, func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
}

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return string(b)
}

// freeAddr returns a loopback address nothing listens on, for DRAFTD_METRICS_ADDR.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// keepSpans keeps the exported spans when the provider shuts down (the in-memory exporter drops them).
type keepSpans struct{ *tracetest.InMemoryExporter }

func (keepSpans) Shutdown(context.Context) error { return nil }

func TestTelemetry(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	orig := newSpanExporter
	newSpanExporter = func(context.Context) (sdktrace.SpanExporter, error) { return keepSpans{exp}, nil }
	t.Cleanup(func() { newSpanExporter = orig })

	t.Run("off unless configured: no spans, no metrics listener", func(t *testing.T) {
		exp.Reset()
		addr, stop := serveWith(t, nil)
		get(t, "http://"+addr+"/api/v1/config")
		stop()
		if spans := exp.GetSpans(); len(spans) != 0 {
			t.Errorf("%d spans exported with tracing off, first %q", len(spans), spans[0].Name)
		}
	})
	t.Run("with DRAFTD_OTEL=on each API request is a server span named after its route", func(t *testing.T) {
		exp.Reset()
		addr, stop := serveWith(t, map[string]string{"DRAFTD_OTEL": "on"})
		get(t, "http://"+addr+"/api/v1/config")
		get(t, "http://"+addr+"/healthz")
		stop() // flushes the batch
		var names []string
		for _, s := range exp.GetSpans() {
			names = append(names, s.Name)
			if s.Name == "GET /api/v1/config" && s.SpanKind != trace.SpanKindServer {
				t.Errorf("span kind %v", s.SpanKind)
			}
		}
		if strings.Join(names, ",") != "GET /api/v1/config" {
			t.Errorf("spans %q, want the API request's only (probes are not traced)", names)
		}
	})
	t.Run("DRAFTD_METRICS_ADDR serves /metrics apart from the API", func(t *testing.T) {
		maddr := freeAddr(t)
		addr, stop := serveWith(t, map[string]string{"DRAFTD_METRICS_ADDR": maddr})
		defer stop()
		get(t, "http://"+addr+"/api/v1/config")
		body := get(t, "http://"+maddr+"/metrics")
		if !strings.Contains(body, `draftd_http_requests_total{method="GET",route="/api/v1/config",status="200"}`) {
			t.Errorf("/metrics lacks the request:\n%s", body)
		}
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			t.Error("the API's address serves /metrics too")
		}
	})
}

func TestTelemetryConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		env     map[string]string
		tracing bool
		bad     string
	}{
		{"nothing set: off", nil, false, ""},
		{"an OTLP endpoint turns tracing on", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"}, true, ""},
		{"DRAFTD_OTEL=off wins over an endpoint", map[string]string{"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "DRAFTD_OTEL": "off"}, false, ""},
		{"OTEL_SDK_DISABLED wins", map[string]string{"DRAFTD_OTEL": "on", "OTEL_SDK_DISABLED": "true"}, false, ""},
		{"bad values are named together", map[string]string{"DRAFTD_OTEL": "yes", "DRAFTD_METRICS_ADDR": "9464"}, false, "DRAFTD_OTEL,DRAFTD_METRICS_ADDR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := loadTelemetryConfig(func(k string) string { return tc.env[k] })
			if tc.bad != "" {
				for _, name := range strings.Split(tc.bad, ",") {
					if err == nil || !strings.Contains(err.Error(), name) {
						t.Errorf("error %v does not name %s", err, name)
					}
				}
				return
			}
			if err != nil || got.Tracing != tc.tracing {
				t.Errorf("tracing %v, %v; want %v", got.Tracing, err, tc.tracing)
			}
		})
	}
}

// TestKubernetesExample checks that every variable deploy/k8s sets for draftd is one draftd reads,
// so that a misspelt name in the example cannot silently do nothing.
func TestKubernetesExample(t *testing.T) {
	read := map[string]bool{}
	getenv := func(k string) string { read[k] = true; return "" }
	LoadConfig(getenv)
	loadTelemetryConfig(getenv)
	nameRE := regexp.MustCompile(`(?m)(?:name: |^\s+)((?:DRAFTD|OPENAI)_[A-Z_]+)\b`)
	var set []string
	for _, f := range []string{"deployment.yaml", "secret.yaml"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "deploy", "k8s", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range nameRE.FindAllStringSubmatch(string(b), -1) {
			set = append(set, m[1])
		}
	}
	if len(set) < 4 {
		t.Fatalf("found only %v in deploy/k8s", set)
	}
	for _, name := range set {
		if !read[name] {
			t.Errorf("deploy/k8s sets %s, which draftd never reads", name)
		}
	}
}
