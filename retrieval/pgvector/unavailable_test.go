package pgvector

import (
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

// proxy forwards connections on a local port to addr until closed; close also cuts the
// connections it carries, as a database server that goes away does.
type proxy struct {
	ln    net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, addr string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", addr)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, s)
			p.mu.Unlock()
			go func() { io.Copy(s, c); s.Close() }()
			go func() { io.Copy(c, s); c.Close() }()
		}
	}()
	t.Cleanup(p.close)
	return p
}

func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

// TestUnavailableDatabaseNamesNoHost stops the database under a store (its connections cut, new
// ones refused): every call is EUNAVAILABLE with a message that names neither the server's host
// nor its port, while the error itself keeps the cause for the log.
func TestUnavailableDatabaseNamesNoHost(t *testing.T) {
	dbURL := testURL(t)
	_, schema := openTestSchema(t, Options{MaxConns: 2}) // the schema, migrated
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	via := *u
	via.Host = p.ln.Addr().String()
	s, err := Open(t.Context(), via.String(), Options{Schema: schema, MaxConns: 2})
	if err != nil {
		t.Fatalf("Open through the proxy: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Drafts(t.Context(), retrieval.Scope{}); err != nil {
		t.Fatalf("Drafts before the database went away: %v", err)
	}
	_, port, _ := net.SplitHostPort(p.ln.Addr().String())
	_, realPort, _ := net.SplitHostPort(u.Host)
	p.close()
	for name, call := range map[string]func() error{
		"a query on a cut connection": func() error { _, err := s.Drafts(t.Context(), retrieval.Scope{}); return err },
		"a query needing a new connection": func() error {
			_, err := s.Draft(t.Context(), retrieval.Scope{}, "d-any")
			return err
		},
		"a ping": func() error { return s.Ping(t.Context()) },
	} {
		err := call()
		if code := retrieval.ErrorCode(err); code != retrieval.EUNAVAILABLE {
			t.Errorf("%s: %v (code %s), want %s", name, err, code, retrieval.EUNAVAILABLE)
			continue
		}
		msg := retrieval.ErrorMessage(err)
		for _, leak := range []string{"127.0.0.1", "localhost", ":" + port, port, realPort, "dial", "tcp"} {
			if strings.Contains(msg, leak) {
				t.Errorf("%s: message %q names %q", name, msg, leak)
			}
		}
		if msg != unavailableMessage {
			t.Errorf("%s: message %q, want %q", name, msg, unavailableMessage)
		}
	}
}
