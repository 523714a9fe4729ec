package embedded_test

import (
	"testing"

	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/storetest"
)

func TestJobsConformance(t *testing.T) {
	storetest.RunJobs(t, func(t *testing.T) storetest.JobStore { return open(t, 0).(*embedded.Store) })
}
