package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v4"
)

// staticFiles is the web app: index.html, CSS and JavaScript modules, all plain files with no build step.
//
//go:embed static
var staticFiles embed.FS

// contentSecurityPolicy allows only this server's own scripts, styles and requests: document and
// model text can never run, even if some of it were rendered as markup by mistake.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// securityHeaders sets the Content-Security-Policy and related headers on every response,
// errors included.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		return next(c)
	}
}

// asset is one embedded file ready to serve.
type asset struct {
	body        []byte
	contentType string
	etag        string
}

// contentTypes names the types of the app's files; the system's MIME table is not consulted,
// so a file is served the same way on every machine.
var contentTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".json": "application/json",
}

// loadAssets reads every embedded file once, with its content type and a content-hash ETag.
func loadAssets() (map[string]asset, error) {
	assets := map[string]asset{}
	err := fs.WalkDir(staticFiles, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFiles.ReadFile(p)
		if err != nil {
			return err
		}
		ct := contentTypes[path.Ext(p)]
		if ct == "" {
			ct = "application/octet-stream"
		}
		sum := sha256.Sum256(b)
		assets["/"+p] = asset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	return assets, err
}

// registerUI serves the web app: index.html at / and its files under /static/, and sets the
// security headers on every response.
func (s *Server) registerUI(e *echo.Echo) {
	e.Use(securityHeaders)
	assets, err := loadAssets()
	if err != nil {
		// The files are compiled in; failing to read them is a build defect.
		panic("web: load embedded app: " + err.Error())
	}
	index := assets["/static/index.html"]
	e.GET("/", index.serve)
	e.HEAD("/", index.serve)
	file := func(c echo.Context) error {
		a, ok := assets[c.Request().URL.Path]
		if !ok {
			return echo.ErrNotFound
		}
		return a.serve(c)
	}
	e.GET("/static/*", file)
	e.HEAD("/static/*", file)
}

// serve answers with the file, or 304 when the request's If-None-Match names its ETag.
func (a asset) serve(c echo.Context) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, a.contentType)
	h.Set("ETag", a.etag)
	// Files keep their names across releases, so browsers revalidate every time; the ETag
	// makes that a 304 when nothing changed.
	h.Set(echo.HeaderCacheControl, "no-cache")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, a.etag) {
		return c.NoContent(http.StatusNotModified)
	}
	if c.Request().Method == http.MethodHead {
		return c.NoContent(http.StatusOK)
	}
	return c.Blob(http.StatusOK, a.contentType, a.body)
}

// etagMatches reports whether an If-None-Match header names etag.
func etagMatches(header, etag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == etag {
			return true
		}
	}
	return false
}
