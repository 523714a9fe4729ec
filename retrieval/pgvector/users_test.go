package pgvector

import (
	"testing"

	"github.com/draftd/draftd/retrieval/storetest"
)

func TestUsers(t *testing.T) {
	testURL(t)
	storetest.RunUsers(t, func(t *testing.T) storetest.UserStore { return openTest(t) })
}
