package storetest

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// UserStore is a store of users and their sessions.
type UserStore interface {
	auth.UserStore
	auth.SessionStore
}

// RunUsers runs the conformance suite for auth.UserStore and auth.SessionStore against stores
// made by open; each call of open returns a new, empty store (cleaned up via t.Cleanup by the opener).
//
// Beyond the comments on the interfaces, the suite holds stores to these: times come back in UTC,
// equal to the millisecond at least; a user without a password comes back with a nil hash; Users
// of an empty store is empty, not nil.
func RunUsers(t *testing.T, open func(t *testing.T) UserStore) {
	tests := []struct {
		name string
		run  func(t *testing.T, s UserStore)
	}{
		{"CreateUser then User, UserByName and UserBySubject round-trip every field", testUserRoundTrip},
		{"an unknown user is not found by ID, name or subject", testUserNotFound},
		{"CreateUser with a taken ID, name or subject conflicts", testUserConflict},
		{"Users lists every user oldest first, disabled ones included", testUsers},
		{"UpdateUser changes role, password and disabled time, nothing else", testUpdateUser},
		{"CreateSession then SessionByHash round-trips and DeleteSession signs out", testSessionRoundTrip},
		{"CreateSession for an unknown user is not found", testSessionUnknownUser},
		{"CreateSession with a taken hash conflicts", testSessionConflict},
		{"CreateSession deletes expired sessions, and only those", testSessionExpiry},
		{"DeleteUserSessions signs a user out everywhere, and no one else", testDeleteUserSessions},
		{"Concurrent creations of one name let exactly one through", testCreateUserConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open(t)) })
	}
}

// testUser returns a user called name with password hash "hash-"+id, created at created.
func testUser(id, name string, role auth.Role, created time.Time) *auth.User {
	return &auth.User{ID: id, Name: name, Role: role, PasswordHash: []byte("$2a$12$hash-" + id), CreatedAt: created}
}

func createUser(t *testing.T, s UserStore, u *auth.User) {
	t.Helper()
	if err := s.CreateUser(t.Context(), u); err != nil {
		t.Fatalf("CreateUser %s: %v", u.Name, err)
	}
}

// sameUser reports how got differs from want.
func sameUser(t *testing.T, what string, got, want *auth.User) {
	t.Helper()
	if !sameTime(&got.CreatedAt, &want.CreatedAt) || !sameTime(got.DisabledAt, want.DisabledAt) {
		t.Errorf("%s: times created %v, disabled %v; want %v, %v in UTC", what, got.CreatedAt, got.DisabledAt, want.CreatedAt, want.DisabledAt)
	}
	g, w := *got, *want
	g.CreatedAt, g.DisabledAt = time.Time{}, nil
	w.CreatedAt, w.DisabledAt = time.Time{}, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("%s\n got  %+v\n want %+v", what, g, w)
	}
}

func testUserRoundTrip(t *testing.T, s UserStore) {
	u, err := auth.NewUser("审核组王科长", auth.RoleReviewer, "")
	if err != nil {
		t.Fatal(err)
	}
	u.PasswordHash = []byte("$2a$12$not-really-a-hash")
	createUser(t, s, u)
	for what, get := range map[string]func() (*auth.User, error){
		"User":       func() (*auth.User, error) { return s.User(t.Context(), u.ID) },
		"UserByName": func() (*auth.User, error) { return s.UserByName(t.Context(), "审核组王科长") },
	} {
		got, err := get()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		sameUser(t, what+" of a new user", got, u)
	}

	disabled := at(time.August, 3, 9, 7)
	sso := &auth.User{ID: "a1b2c3d4e5f6", Name: "李四", Role: auth.RoleWriter, Subject: "https://sso.example.gov.cn 248289761001",
		CreatedAt: at(time.August, 1, 9, 1), DisabledAt: &disabled}
	createUser(t, s, sso)
	got, err := s.UserBySubject(t.Context(), sso.Subject)
	if err != nil {
		t.Fatalf("UserBySubject: %v", err)
	}
	sameUser(t, "UserBySubject of a disabled user without a password", got, sso)
}

func testUserNotFound(t *testing.T, s UserStore) {
	createUser(t, s, testUser("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1)))
	_, err := s.User(t.Context(), "000000000000")
	wantCode(t, err, retrieval.ENOTFOUND, "User of an unknown ID")
	_, err = s.UserByName(t.Context(), "无此人")
	wantCode(t, err, retrieval.ENOTFOUND, "UserByName of an unknown name")
	_, err = s.UserBySubject(t.Context(), "")
	wantCode(t, err, retrieval.ENOTFOUND, "UserBySubject of the empty subject a password user has")
	u := testUser("000000000000", "无此人", auth.RoleAdmin, at(time.August, 1, 9, 1))
	wantCode(t, s.UpdateUser(t.Context(), u), retrieval.ENOTFOUND, "UpdateUser of an unknown ID")
}

func testUserConflict(t *testing.T, s UserStore) {
	first := testUser("a1b2c3d4e5f6", "办公室", auth.RoleAdmin, at(time.August, 1, 9, 1))
	first.Subject = "https://sso.example.gov.cn 1"
	createUser(t, s, first)
	for _, tt := range []struct {
		what string
		u    *auth.User
	}{
		{"a taken ID", testUser("a1b2c3d4e5f6", "另一人", auth.RoleWriter, at(time.August, 1, 10, 1))},
		{"a taken name", testUser("b1b2c3d4e5f6", "办公室", auth.RoleWriter, at(time.August, 1, 10, 1))},
		{"a taken subject", &auth.User{ID: "c1b2c3d4e5f6", Name: "第三人", Role: auth.RoleWriter, Subject: first.Subject, CreatedAt: at(time.August, 1, 10, 1)}},
	} {
		wantCode(t, s.CreateUser(t.Context(), tt.u), retrieval.ECONFLICT, "CreateUser with "+tt.what)
	}
	// Users without a subject do not conflict with one another.
	createUser(t, s, testUser("d1b2c3d4e5f6", "第四人", auth.RoleWriter, at(time.August, 1, 11, 1)))
	createUser(t, s, testUser("e1b2c3d4e5f6", "第五人", auth.RoleWriter, at(time.August, 1, 12, 1)))
	if users, err := s.Users(t.Context(), retrieval.Scope{}); err != nil || len(users) != 3 {
		t.Fatalf("Users after the conflicts = %d users, %v; want 3", len(users), err)
	}
}

func testUsers(t *testing.T, s UserStore) {
	users, err := s.Users(t.Context(), retrieval.Scope{})
	if err != nil || users == nil || len(users) != 0 {
		t.Fatalf("Users of an empty store = %#v, %v; want an empty list", users, err)
	}
	disabled := at(time.August, 5, 9, 0)
	second := testUser("bbbbbbbbbbbb", "乙", auth.RoleWriter, at(time.August, 2, 9, 0))
	second.DisabledAt = &disabled
	want := []*auth.User{
		testUser("cccccccccccc", "甲", auth.RoleAdmin, at(time.August, 1, 9, 0)),
		second,
		testUser("aaaaaaaaaaaa", "丙", auth.RoleReviewer, at(time.August, 3, 9, 0)),
	}
	for _, i := range []int{2, 0, 1} {
		createUser(t, s, want[i])
	}
	users, err = s.Users(t.Context(), retrieval.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != len(want) {
		t.Fatalf("Users = %d users, want %d", len(users), len(want))
	}
	for i := range want {
		sameUser(t, "Users", &users[i], want[i])
	}
}

func testUpdateUser(t *testing.T, s UserStore) {
	u := testUser("a1b2c3d4e5f6", "张三", auth.RoleWriter, at(time.August, 1, 9, 1))
	u.Subject = "https://sso.example.gov.cn 7"
	createUser(t, s, u)
	disabled := at(time.August, 9, 9, 9)
	changed := *u
	changed.Role, changed.PasswordHash, changed.DisabledAt = auth.RoleReviewer, []byte("$2a$12$new"), &disabled
	changed.Name, changed.Subject, changed.CreatedAt = "改名", "other", at(time.August, 9, 1, 1) // never written
	if err := s.UpdateUser(t.Context(), &changed); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err := s.User(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	want := *u
	want.Role, want.PasswordHash, want.DisabledAt = auth.RoleReviewer, []byte("$2a$12$new"), &disabled
	sameUser(t, "User after UpdateUser", got, &want)

	// Enabled again, with no password: an OpenID Connect user.
	want.DisabledAt, want.PasswordHash = nil, nil
	if err := s.UpdateUser(t.Context(), &want); err != nil {
		t.Fatalf("UpdateUser: %v", err)
	}
	got, err = s.User(t.Context(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	sameUser(t, "User after enabling it again without a password", got, &want)
}

// testSession returns a session of user id with token "session-"+token, created at created.
func testSession(token, userID string, created time.Time) *auth.Session {
	return &auth.Session{Hash: auth.HashToken("session-" + token), UserID: userID, CreatedAt: created, ExpiresAt: created.Add(auth.SessionTTL)}
}

// sameSession reports how got differs from want.
func sameSession(t *testing.T, what string, got, want *auth.Session) {
	t.Helper()
	if !sameTime(&got.CreatedAt, &want.CreatedAt) || !sameTime(&got.ExpiresAt, &want.ExpiresAt) ||
		string(got.Hash) != string(want.Hash) || got.UserID != want.UserID {
		t.Errorf("%s\n got  %+v\n want %+v", what, got, want)
	}
}

func testSessionRoundTrip(t *testing.T, s UserStore) {
	u := testUser("a1b2c3d4e5f6", "张三", auth.RoleWriter, at(time.August, 1, 9, 1))
	createUser(t, s, u)
	sess, token, err := auth.NewSession(u.ID, at(time.August, 2, 9, 0))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CreateSession(t.Context(), sess); err != nil {
		t.Fatalf("CreateSession: %v", err)
	}
	got, err := s.SessionByHash(t.Context(), auth.HashToken(token))
	if err != nil {
		t.Fatalf("SessionByHash: %v", err)
	}
	sameSession(t, "SessionByHash", got, sess)
	if err := s.DeleteSession(t.Context(), sess.Hash); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	_, err = s.SessionByHash(t.Context(), sess.Hash)
	wantCode(t, err, retrieval.ENOTFOUND, "SessionByHash after DeleteSession")
	if err := s.DeleteSession(t.Context(), sess.Hash); err != nil {
		t.Fatalf("DeleteSession of a deleted session: %v, want nil", err)
	}
}

func testSessionUnknownUser(t *testing.T, s UserStore) {
	err := s.CreateSession(t.Context(), testSession("x", "000000000000", at(time.August, 2, 9, 0)))
	wantCode(t, err, retrieval.ENOTFOUND, "CreateSession for an unknown user")
}

func testSessionConflict(t *testing.T, s UserStore) {
	createUser(t, s, testUser("a1b2c3d4e5f6", "张三", auth.RoleWriter, at(time.August, 1, 9, 1)))
	createSession := func(sess *auth.Session) error { return s.CreateSession(t.Context(), sess) }
	if err := createSession(testSession("x", "a1b2c3d4e5f6", at(time.August, 2, 9, 0))); err != nil {
		t.Fatal(err)
	}
	wantCode(t, createSession(testSession("x", "a1b2c3d4e5f6", at(time.August, 2, 10, 0))), retrieval.ECONFLICT, "CreateSession with a taken hash")
}

func testSessionExpiry(t *testing.T, s UserStore) {
	createUser(t, s, testUser("a1b2c3d4e5f6", "张三", auth.RoleWriter, at(time.August, 1, 9, 1)))
	old := testSession("old", "a1b2c3d4e5f6", at(time.August, 1, 9, 0))     // expires at 21:30:15.000
	late := testSession("late", "a1b2c3d4e5f6", at(time.August, 1, 9, 600)) // expires at 21:30:15.600
	live := testSession("live", "a1b2c3d4e5f6", at(time.August, 1, 20, 0))  // expires the next morning
	for _, sess := range []*auth.Session{old, late, live} {
		if err := s.CreateSession(t.Context(), sess); err != nil {
			t.Fatal(err)
		}
	}
	// A session expired but not yet deleted is still returned: the caller checks ExpiresAt.
	if _, err := s.SessionByHash(t.Context(), old.Hash); err != nil {
		t.Fatalf("SessionByHash of an expired session before any deletion: %v", err)
	}
	if err := s.CreateSession(t.Context(), testSession("new", "a1b2c3d4e5f6", at(time.August, 1, 21, 300))); err != nil {
		t.Fatal(err)
	}
	_, err := s.SessionByHash(t.Context(), old.Hash)
	wantCode(t, err, retrieval.ENOTFOUND, "SessionByHash of a session expired before a later one was created")
	for _, sess := range []*auth.Session{late, live} {
		if _, err := s.SessionByHash(t.Context(), sess.Hash); err != nil {
			t.Errorf("SessionByHash of a session not yet expired at the creation: %v", err)
		}
	}
}

func testDeleteUserSessions(t *testing.T, s UserStore) {
	createUser(t, s, testUser("a1b2c3d4e5f6", "张三", auth.RoleWriter, at(time.August, 1, 9, 1)))
	createUser(t, s, testUser("b1b2c3d4e5f6", "李四", auth.RoleWriter, at(time.August, 1, 9, 2)))
	mine := []*auth.Session{testSession("1", "a1b2c3d4e5f6", at(time.August, 2, 9, 0)), testSession("2", "a1b2c3d4e5f6", at(time.August, 2, 9, 1))}
	theirs := testSession("3", "b1b2c3d4e5f6", at(time.August, 2, 9, 2))
	for _, sess := range append(mine, theirs) {
		if err := s.CreateSession(t.Context(), sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeleteUserSessions(t.Context(), "a1b2c3d4e5f6"); err != nil {
		t.Fatalf("DeleteUserSessions: %v", err)
	}
	for _, sess := range mine {
		_, err := s.SessionByHash(t.Context(), sess.Hash)
		wantCode(t, err, retrieval.ENOTFOUND, "SessionByHash of a session of the signed-out user")
	}
	if _, err := s.SessionByHash(t.Context(), theirs.Hash); err != nil {
		t.Fatalf("another user's session: %v", err)
	}
	if err := s.DeleteUserSessions(t.Context(), "000000000000"); err != nil {
		t.Fatalf("DeleteUserSessions of an unknown user: %v, want nil", err)
	}
}

func testCreateUserConcurrent(t *testing.T, s UserStore) {
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			u, err := auth.NewUser("同名", auth.RoleWriter, "")
			if err == nil {
				err = s.CreateUser(t.Context(), u)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	created := 0
	for _, err := range errs {
		switch {
		case err == nil:
			created++
		case retrieval.ErrorCode(err) != retrieval.ECONFLICT:
			t.Errorf("CreateUser: %v, want nil or a conflict", err)
		}
	}
	if created != 1 {
		t.Fatalf("%d of %d concurrent creations succeeded, want 1", created, n)
	}
}
