package embedded_test

import (
	"testing"

	"github.com/draftd/draftd/retrieval/embedded"
	"github.com/draftd/draftd/retrieval/storetest"
)

func TestUsers(t *testing.T) {
	storetest.RunUsers(t, func(t *testing.T) storetest.UserStore { return open(t, 0).(*embedded.Store) })
}
