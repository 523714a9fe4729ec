package pgvector

import (
	"testing"

	"github.com/draftd/draftd/retrieval/storetest"
)

func TestJobsConformance(t *testing.T) {
	storetest.RunJobs(t, func(t *testing.T) storetest.JobStore { return openTest(t) })
}
