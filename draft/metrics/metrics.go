// Package metrics keeps draftd's Prometheus metrics on one registry, Registry,
// served by Handler: HTTP requests, drafting progress (from draft.Event),
// model calls and their tokens (through Writer), and the job queue's depth.
//
// The collectors are package-level, as Prometheus's are by convention, so that
// web, the drafting wiring and the job queue count into the same series
// without passing a handle through every constructor; the functions here are
// the only way to change them. Labels take only values from a fixed set (route
// templates, event types, risk levels, configured model names), never ids or
// text, so the number of series stays bounded.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/draftd/draftd/draft"
)

// Registry holds every draftd metric, and the Go runtime's and the process's.
var Registry = prometheus.NewRegistry()

// latencyBuckets span a fast API answer (5 ms) to a slow model call (2 min), in seconds.
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "draftd_http_requests_total",
		Help: "HTTP requests answered, by method, route template and status code.",
	}, []string{"method", "route", "status"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "draftd_http_request_duration_seconds",
		Help:    "Time to answer an HTTP request, by method and route template (an event stream counts until it closes).",
		Buckets: latencyBuckets,
	}, []string{"method", "route"})

	sections = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "draftd_sections_total",
		Help: "Sections that reached a state: started, done or failed (started minus the others: in progress).",
	}, []string{"state"})
	sectionRetries = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "draftd_section_retries_total",
		Help: "Calls of the writer after a section's first: retries after a failed or rejected answer.",
	})
	drafts = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "draftd_drafts_total",
		Help: "Drafts that finished, by state: done or failed.",
	}, []string{"state"})
	sentences = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "draftd_sentences_total",
		Help: "Drafted sentences by the risk level the guard gave them: low, medium or high.",
	}, []string{"risk"})

	modelCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "draftd_model_calls_total",
		Help: "Calls of a writer (one per section attempt), by model and outcome: ok or the error code.",
	}, []string{"model", "outcome"})
	modelTokens = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "draftd_model_tokens_total",
		Help: "Tokens the models reported, by model and kind: prompt or completion.",
	}, []string{"model", "kind"})
	modelDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "draftd_model_call_duration_seconds",
		Help:    "Time a writer took to answer, by model, failures included.",
		Buckets: latencyBuckets,
	}, []string{"model"})

	queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Name: "draftd_queue_jobs",
		Help: "Drafting jobs not finished, on every replica, by state (waiting: to run or to be tried again; running), as last counted.",
	}, []string{"state"})
)

func init() {
	Registry.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		httpRequests, httpDuration,
		sections, sectionRetries, drafts, sentences,
		modelCalls, modelTokens, modelDuration,
		queueDepth,
	)
}

// Handler serves Registry in Prometheus's text format (or OpenMetrics when the scraper asks for it).
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{EnableOpenMetrics: true, Registry: Registry})
}

// ObserveRequest counts an answered HTTP request. route is the route template
// (/api/v1/drafts/:id), never the path, which would make a series per id.
func ObserveRequest(method, route string, status int, d time.Duration) {
	httpRequests.WithLabelValues(method, route, strconv.Itoa(status)).Inc()
	httpDuration.WithLabelValues(method, route).Observe(d.Seconds())
}

// ObserveEvent counts a drafting event: sections started, done and failed,
// retries, finished drafts and the risk of each drafted sentence. Call it
// once for every event the drafter emits, in the process that drafts.
func ObserveEvent(e draft.Event) {
	switch e.Type {
	case draft.EventSectionStarted:
		sections.WithLabelValues("started").Inc()
	case draft.EventSectionAttempt:
		if e.Attempt > 1 {
			sectionRetries.Inc()
		}
	case draft.EventSentence:
		if e.Sentence != nil && e.Sentence.Risk != "" {
			sentences.WithLabelValues(string(e.Sentence.Risk)).Inc()
		}
	case draft.EventSectionDone:
		sections.WithLabelValues("done").Inc()
	case draft.EventSectionFailed:
		sections.WithLabelValues("failed").Inc()
	case draft.EventDraftDone:
		drafts.WithLabelValues("done").Inc()
	case draft.EventDraftFailed:
		drafts.WithLabelValues("failed").Inc()
	}
}

// SetQueueJobs sets how many drafting jobs the queue holds in state; the
// queue calls it for each state it counts, every few seconds.
func SetQueueJobs(state string, n int) {
	queueDepth.WithLabelValues(state).Set(float64(n))
}
