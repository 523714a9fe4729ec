package web

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/draft/auth"
	"github.com/draftd/draftd/retrieval"
)

// Admins manage users and API keys here, as draftd users and draftd keys do on the command line.

// userJSON is a user as the admin routes show it: never the password's hash, only whether it has one.
type userJSON struct {
	*auth.User
	Password bool `json:"password"` // whether the user can sign in with a password
}

func userOut(u *auth.User) userJSON { return userJSON{User: u, Password: len(u.PasswordHash) > 0} }

// An admin manages the users and keys of their own workspace: those of others are not found.

// listUsers lists the users of the admin's workspace, disabled ones included, oldest first.
func (s *Server) listUsers(c echo.Context) error {
	users, err := s.Keys.Users(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	out := make([]userJSON, len(users))
	for i := range users {
		out[i] = userOut(&users[i])
	}
	return c.JSON(http.StatusOK, out)
}

// createUserRequest is the body of POST /api/v1/users.
type createUserRequest struct {
	Name     string    `json:"name"`
	Role     auth.Role `json:"role"`
	Password string    `json:"password"`
}

// createUser adds a user who signs in with a name and password; the first user turns
// single-user mode off.
func (s *Server) createUser(c echo.Context) error {
	var req createUserRequest
	if err := c.Bind(&req); err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "请求体应为 JSON：{\"name\":…,\"role\":…,\"password\":…}")
	}
	if req.Password == "" {
		return retrieval.Errorf(retrieval.EINVALID, "用户密码至少需要 %d 个字符", auth.MinPasswordLen)
	}
	u, err := auth.NewUser(req.Name, req.Role, req.Password)
	if err != nil {
		return err
	}
	u.Workspace = scopeOf(c).Workspace()
	if err := s.Keys.CreateUser(c.Request().Context(), u); err != nil {
		return err
	}
	s.gate.requireAuth()
	s.Logger.Info("user created", "user_id", u.ID, "role", u.Role, "by", principalOf(c).keyID, "request_id", requestID(c))
	return c.JSON(http.StatusCreated, userOut(u))
}

// updateUserRequest is the body of PATCH /api/v1/users/{id}: each field left out is kept.
type updateUserRequest struct {
	Role     *auth.Role `json:"role"`
	Password *string    `json:"password"` // a new password: the user's sessions end
	Disabled *bool      `json:"disabled"` // true: the user can no longer sign in and is signed out
}

// updateUser changes a user's role, resets their password, or disables or enables them. A new
// password or disabling signs the user out everywhere. An admin cannot disable themselves or
// take away their own admin role, so that there is always someone to undo a mistake.
func (s *Server) updateUser(c echo.Context) error {
	var req updateUserRequest
	if err := c.Bind(&req); err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "请求体应为 JSON：{\"role\":…,\"password\":…,\"disabled\":…}")
	}
	ctx := c.Request().Context()
	u, err := s.Keys.User(ctx, c.Param("id"))
	if err == nil && !scopeOf(c).Owns(u.Workspace) {
		err = retrieval.ErrNotFound
	}
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "用户 %s 不存在", c.Param("id"))
	}
	if err != nil {
		return err
	}
	self := principalOf(c).userID == u.ID
	signOut := false
	if req.Role != nil {
		if _, err := auth.ParseRole(string(*req.Role)); err != nil {
			return err
		}
		if self && *req.Role != auth.RoleAdmin {
			return retrieval.Errorf(retrieval.EINVALID, "不能取消自己的管理员角色，请由其他管理员操作")
		}
		u.Role = *req.Role
	}
	if req.Password != nil {
		if u.PasswordHash, err = auth.HashPassword(*req.Password); err != nil {
			return err
		}
		signOut = true
	}
	if req.Disabled != nil {
		switch {
		case *req.Disabled && self:
			return retrieval.Errorf(retrieval.EINVALID, "不能停用自己的账号，请由其他管理员操作")
		case *req.Disabled && !u.Disabled():
			now := s.gate.now().UTC()
			u.DisabledAt, signOut = &now, true
		case !*req.Disabled:
			u.DisabledAt = nil
		}
	}
	if err := s.Keys.UpdateUser(ctx, u); err != nil {
		return err
	}
	if signOut && !self {
		if err := s.Keys.DeleteUserSessions(ctx, u.ID); err != nil {
			return fmt.Errorf("web: update user: %w", err)
		}
	}
	s.Logger.Info("user updated", "user_id", u.ID, "role", u.Role, "password_reset", req.Password != nil, "disabled", u.Disabled(),
		"by", principalOf(c).keyID, "request_id", requestID(c))
	return c.JSON(http.StatusOK, userOut(u))
}

// listKeys lists the API keys of the admin's workspace, revoked ones included, oldest first; never a token.
func (s *Server) listKeys(c echo.Context) error {
	keys, err := s.Keys.Keys(c.Request().Context(), scopeOf(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, keys)
}

// createKeyRequest is the body of POST /api/v1/keys.
type createKeyRequest struct {
	Name string    `json:"name"`
	Role auth.Role `json:"role"`
}

// createdKey is the answer of POST /api/v1/keys: the key, and its token, shown this once.
type createdKey struct {
	Key   *auth.Key `json:"key"`
	Token string    `json:"token"`
}

// createKey makes an API key, as draftd keys create does; the first key turns single-user mode off.
func (s *Server) createKey(c echo.Context) error {
	var req createKeyRequest
	if err := c.Bind(&req); err != nil {
		return retrieval.Errorf(retrieval.EINVALID, "请求体应为 JSON：{\"name\":…,\"role\":…}")
	}
	k, token, err := auth.NewKey(req.Name, req.Role)
	if err != nil {
		return err
	}
	k.Workspace = scopeOf(c).Workspace()
	if err := s.Keys.CreateKey(c.Request().Context(), k); err != nil {
		return err
	}
	s.gate.requireAuth()
	s.Logger.Info("key created", "new_key_id", k.ID, "role", k.Role, "by", principalOf(c).keyID, "request_id", requestID(c))
	return c.JSON(http.StatusCreated, createdKey{Key: k, Token: token})
}

// revokeKey revokes an API key at once; the key stays listed. Revoking a revoked key keeps the
// first time and is not an error.
func (s *Server) revokeKey(c echo.Context) error {
	err := s.Keys.RevokeKey(c.Request().Context(), scopeOf(c), c.Param("id"), s.gate.now().UTC().Truncate(time.Microsecond))
	if errors.Is(err, retrieval.ErrNotFound) {
		return retrieval.Errorf(retrieval.ENOTFOUND, "API 密钥 %s 不存在", c.Param("id"))
	}
	if err != nil {
		return err
	}
	s.Logger.Info("key revoked", "revoked_key_id", c.Param("id"), "by", principalOf(c).keyID, "request_id", requestID(c))
	return c.NoContent(http.StatusNoContent)
}
