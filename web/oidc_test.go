package web

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// fakeProvider is an OpenID Connect provider in the test: discovery, its RSA key as a JWKS, an
// authorization endpoint that signs anyone in at once and sends the browser back with a code, and a
// token endpoint that answers a code with an ID token for the next account and nonce.
type fakeProvider struct {
	*httptest.Server
	key *rsa.PrivateKey

	mu         sync.Mutex
	claims     map[string]any // of the next ID token; sub, name, role…
	nonce      string         // of the next ID token
	verifier   string         // the PKCE verifier the last token request sent
	challenge  string         // the PKCE S256 challenge the last authorization request sent; "" checks none
	authorized []url.Values   // the query of every authorization request
	audience   string         // of the next ID token; "" is the client ID
	badNonce   bool           // the next ID token carries another nonce
}

func newFakeProvider(t *testing.T) *fakeProvider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeProvider{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": f.URL, "authorization_endpoint": f.URL + "/authorize", "token_endpoint": f.URL + "/token",
			"jwks_uri": f.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	// The browser's stop at the provider: the account is signed in already, so it goes straight
	// back to the client's redirect_uri with a code and the state it brought.
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		back, err := url.Parse(q.Get("redirect_uri"))
		if err != nil || !back.IsAbs() || q.Get("client_id") != "draftd" || q.Get("response_type") != "code" ||
			q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
			http.Error(w, "bad authorization request: "+q.Encode(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.authorized = append(f.authorized, q)
		f.nonce, f.challenge = q.Get("nonce"), q.Get("code_challenge")
		f.mu.Unlock()
		back.RawQuery = url.Values{"code": {"good-code"}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back.String(), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		id, secret, ok := r.BasicAuth()
		if !ok {
			id, secret = r.Form.Get("client_id"), r.Form.Get("client_secret")
		}
		f.mu.Lock()
		defer f.mu.Unlock()
		sum := sha256.Sum256([]byte(r.Form.Get("code_verifier")))
		pkce := f.challenge == "" || base64.RawURLEncoding.EncodeToString(sum[:]) == f.challenge
		if r.Form.Get("code") != "good-code" || id != "draftd" || secret != "s3cret" || !pkce {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		}
		f.verifier = r.Form.Get("code_verifier")
		claims := map[string]any{"iss": f.URL, "aud": "draftd", "exp": time.Now().Add(5 * time.Minute).Unix(),
			"iat": time.Now().Unix(), "nonce": f.nonce}
		if f.audience != "" {
			claims["aud"] = f.audience
		}
		if f.badNonce {
			claims["nonce"] = "replayed"
		}
		for k, v := range f.claims {
			claims[k] = v
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 300, "id_token": f.sign(t, claims)})
	})
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

// sign returns claims as a JWT signed with the provider's key.
func (f *fakeProvider) sign(t *testing.T, claims map[string]any) string {
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: f.key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	obj, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := obj.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// noRedirects is a client that hands back redirects instead of following them.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// oidcSignIn walks the browser's part of a sign-in: login, the provider (played by the test,
// which issues an ID token with claims), the callback with code and state. It returns the
// callback's answer.
func oidcSignIn(t *testing.T, env *authEnv, f *fakeProvider, claims map[string]any, tamper func(q url.Values)) *http.Response {
	t.Helper()
	resp, err := noRedirects.Get(env.srv.URL + "/api/v1/oidc/login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusFound || err != nil || !strings.HasPrefix(loc.String(), f.URL+"/authorize") {
		t.Fatalf("login: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	q := loc.Query()
	if q.Get("client_id") != "draftd" || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" ||
		q.Get("redirect_uri") != "http://draftd.test/api/v1/oidc/callback" {
		t.Fatalf("authorize request: %v", q)
	}
	f.mu.Lock()
	f.claims, f.nonce = claims, q.Get("nonce")
	f.mu.Unlock()
	back := url.Values{"code": {"good-code"}, "state": {q.Get("state")}}
	if tamper != nil {
		tamper(back)
	}
	req, _ := http.NewRequest("GET", env.srv.URL+"/api/v1/oidc/callback?"+back.Encode(), nil)
	for _, c := range resp.Cookies() {
		req.AddCookie(c)
	}
	cb, err := noRedirects.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(cb.Body)
	cb.Body.Close()
	t.Logf("callback: %d %s", cb.StatusCode, body)
	return cb
}

// sessionOf returns the session cookie an answer sets, as headers for send.
func sessionOf(t *testing.T, resp *http.Response) []string {
	t.Helper()
	for _, c := range resp.Cookies() {
		if c.Name == sessionCookie && c.Value != "" {
			return []string{"Cookie", c.Name + "=" + c.Value}
		}
	}
	t.Fatalf("no session cookie: status %d, Set-Cookie %q", resp.StatusCode, resp.Header.Values("Set-Cookie"))
	return nil
}

func TestOIDCSignIn(t *testing.T) {
	f := newFakeProvider(t)
	env := newAuthServer(t, true, func(s *Server) {
		s.OIDC = &OIDC{Issuer: f.URL, ClientID: "draftd", ClientSecret: "s3cret", RedirectURL: "http://draftd.test/api/v1/oidc/callback",
			RoleClaim: "draftd_roles", Client: f.Client()}
	})
	reviewer := map[string]any{"sub": "248289761001", "name": "审核员孙莉", "draftd_roles": []any{"staff", "reviewer"}}

	t.Run("a sign-in at the provider starts the same session as a password", func(t *testing.T) {
		cb := oidcSignIn(t, env, f, reviewer, nil)
		if cb.StatusCode != http.StatusFound || cb.Header.Get("Location") != "/#/drafts" {
			t.Fatalf("callback: %d, Location %q", cb.StatusCode, cb.Header.Get("Location"))
		}
		if f.verifier == "" {
			t.Fatal("the token request sent no PKCE verifier")
		}
		r := env.send(t, "GET", "/api/v1/session", "", "", sessionOf(t, cb)...)
		if r.status != 200 || r.body["name"] != "审核员孙莉" || r.body["role"] != "reviewer" || r.body["method"] != "oidc" || r.body["csrf_token"] == "" {
			t.Fatalf("session: %d %v", r.status, r.body)
		}
	})
	t.Run("the same account signs in as the same user, with the role the claim gives now", func(t *testing.T) {
		promoted := map[string]any{"sub": "248289761001", "name": "审核员孙莉", "draftd_roles": "admin"}
		cb := oidcSignIn(t, env, f, promoted, nil)
		if r := env.send(t, "GET", "/api/v1/session", "", "", sessionOf(t, cb)...); r.body["role"] != "admin" {
			t.Fatalf("session: %v", r.body)
		}
		users, _ := env.store.Users(context.Background(), retrieval.Scope{})
		if len(users) != 1 || users[0].Subject != f.URL+" 248289761001" || users[0].PasswordHash != nil {
			t.Fatalf("users = %+v", users)
		}
	})
	refused := []struct {
		name   string
		claims map[string]any
		tamper func(q url.Values)
		setup  func()
		want   int
	}{
		{"a callback with another state is refused", reviewer, func(q url.Values) { q.Set("state", "forged") }, nil, 401},
		{"a code the provider does not know is refused", reviewer, func(q url.Values) { q.Set("code", "stolen") }, nil, 401},
		{"an ID token for another client is refused", reviewer, nil, func() { f.audience = "someone-else" }, 401},
		{"an ID token for another sign-in (nonce) is refused", reviewer, nil, func() { f.badNonce = true }, 401},
		{"an account with no role and no default role is refused", map[string]any{"sub": "1", "name": "访客"}, nil, nil, 403},
		{"the provider's refusal is passed on", reviewer, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") }, nil, 401},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			f.audience, f.badNonce = "", false
			if tt.setup != nil {
				tt.setup()
			}
			cb := oidcSignIn(t, env, f, tt.claims, tt.tamper)
			if cb.StatusCode != tt.want {
				t.Fatalf("callback: %d, want %d", cb.StatusCode, tt.want)
			}
			for _, c := range cb.Cookies() {
				if c.Name == sessionCookie && c.Value != "" {
					t.Fatal("a refused sign-in set a session cookie")
				}
			}
		})
	}
	f.audience, f.badNonce = "", false
	t.Run("a disabled user cannot sign in through the provider", func(t *testing.T) {
		u, err := env.store.UserBySubject(context.Background(), f.URL+" 248289761001")
		if err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		u.DisabledAt = &now
		if err := env.store.UpdateUser(context.Background(), u); err != nil {
			t.Fatal(err)
		}
		if cb := oidcSignIn(t, env, f, reviewer, nil); cb.StatusCode != 401 {
			t.Fatalf("callback: %d", cb.StatusCode)
		}
	})
	t.Run("a default role admits accounts the claim gives none", func(t *testing.T) {
		env.s.OIDC.DefaultRole = auth.RoleWriter
		env.clock.advance(time.Hour) // the refusals above are forgotten
		cb := oidcSignIn(t, env, f, map[string]any{"sub": "77", "preferred_username": "zhangsan"}, nil)
		if r := env.send(t, "GET", "/api/v1/session", "", "", sessionOf(t, cb)...); r.body["name"] != "zhangsan" || r.body["role"] != "writer" {
			t.Fatalf("session: %v", r.body)
		}
	})
	t.Run("a 401 tells the app that the organisation's sign-in is offered", func(t *testing.T) {
		r := env.send(t, "GET", "/api/v1/drafts", "", "")
		if detail, _ := r.body["error"].(map[string]any)["detail"].(map[string]any); r.status != 401 || detail["oidc"] != true {
			t.Fatalf("status %d %v", r.status, r.body)
		}
	})
}

func TestOIDCIsOffWithoutConfiguration(t *testing.T) {
	env := newAuthServer(t, true, nil)
	for _, p := range []string{"/api/v1/oidc/login", "/api/v1/oidc/callback?code=x&state=y"} {
		if r := env.send(t, "GET", p, "", ""); r.status != 404 {
			t.Errorf("%s: status %d, want 404", p, r.status)
		}
	}
}
