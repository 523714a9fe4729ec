package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/metrics"
)

// telemetryConfig says where serve's metrics and traces go.
type telemetryConfig struct {
	// MetricsAddr (DRAFTD_METRICS_ADDR) is the listen address of /metrics, apart from the API's so
	// that scrapers need no API key and the metrics are not reachable wherever the API is; empty:
	// counted but not served.
	MetricsAddr string
	// Tracing exports spans over OTLP/HTTP: on with DRAFTD_OTEL=on or an OTLP endpoint set
	// (OTEL_EXPORTER_OTLP_ENDPOINT or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT), off with DRAFTD_OTEL=off
	// or OTEL_SDK_DISABLED=true. The exporter reads the other OTEL_* variables itself (headers,
	// TLS, timeout), and the SDK reads the sampler's (OTEL_TRACES_SAMPLER).
	Tracing  bool
	Endpoint string // the OTLP endpoint, for the log
}

// loadTelemetryConfig reads telemetryConfig from getenv, naming every bad variable at once.
func loadTelemetryConfig(getenv func(string) string) (telemetryConfig, error) {
	tc := telemetryConfig{MetricsAddr: strings.TrimSpace(getenv("DRAFTD_METRICS_ADDR"))}
	var errs []error
	if tc.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(tc.MetricsAddr); err != nil {
			errs = append(errs, fmt.Errorf("DRAFTD_METRICS_ADDR: must be HOST:PORT (e.g. :9464), got %q", tc.MetricsAddr))
		}
	}
	tc.Endpoint = or(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"), getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	tc.Tracing = tc.Endpoint != ""
	if v := getenv("DRAFTD_OTEL"); v != "" {
		on, err := parseOnOff(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("DRAFTD_OTEL: %w", err))
		}
		tc.Tracing = on
	}
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		tc.Tracing = false
	}
	if err := errors.Join(errs...); err != nil {
		return telemetryConfig{}, fmt.Errorf("configuration:\n%w", err)
	}
	return tc, nil
}

// newSpanExporter makes the OTLP/HTTP exporter, configured by the OTEL_EXPORTER_OTLP_* variables
// (default http://localhost:4318/v1/traces); tests put an in-memory exporter in its place.
var newSpanExporter = func(ctx context.Context) (sdktrace.SpanExporter, error) {
	return otlptracehttp.New(ctx)
}

// telemetry is what startTelemetry started.
type telemetry struct {
	metricsAddr string // where /metrics listens; empty when it is not served
	stop        func() // stops serving /metrics and flushes the spans not yet exported
}

// startTelemetry counts the calls of writers' models (wrapping each in place), serves /metrics on
// DRAFTD_METRICS_ADDR when set, and installs an OTLP tracer provider when tracing is on.
func (m *Main) startTelemetry(ctx context.Context, log *slog.Logger, writers map[string]draft.Writer) (*telemetry, error) {
	tc, err := loadTelemetryConfig(m.Getenv)
	if err != nil {
		return nil, err
	}
	for name, w := range writers {
		writers[name] = metrics.Writer(name, w)
	}
	t := &telemetry{}
	var stops []func(context.Context) error
	t.stop = func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		for _, stop := range stops {
			if err := stop(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Warn("stopping telemetry", "err", err)
			}
		}
	}
	if tc.Tracing {
		exp, err := newSpanExporter(ctx)
		if err != nil {
			return nil, fmt.Errorf("OpenTelemetry exporter: %w", err)
		}
		res, err := resource.New(ctx, resource.WithAttributes(attribute.String("service.name", "draftd"),
			attribute.String("service.version", version())), resource.WithFromEnv())
		if err != nil {
			return nil, fmt.Errorf("OpenTelemetry resource: %w", err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		otel.SetTracerProvider(tp)
		otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
		stops = append(stops, tp.Shutdown)
		endpoint := "(OTLP default)"
		if tc.Endpoint != "" {
			endpoint = redactURL(tc.Endpoint)
		}
		log.Info("OpenTelemetry tracing", "exporter", "otlp/http", "endpoint", endpoint)
	}
	if tc.MetricsAddr != "" {
		ln, err := net.Listen("tcp", tc.MetricsAddr)
		if err != nil {
			t.stop()
			return nil, fmt.Errorf("DRAFTD_METRICS_ADDR: %w", err)
		}
		mux := http.NewServeMux()
		mux.Handle("GET /metrics", metrics.Handler())
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, WriteTimeout: 30 * time.Second}
		go hs.Serve(ln)
		stops = append([]func(context.Context) error{hs.Shutdown}, stops...)
		t.metricsAddr = ln.Addr().String()
		log.Info("Prometheus metrics", "addr", "http://"+t.metricsAddr+"/metrics")
	}
	return t, nil
}
