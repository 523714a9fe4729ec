package web

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"text/template"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/draftd/draftd/retrieval"
)

// addinFiles is the office add-in: the Word manifest, the task pane that Word and WPS both show,
// and the WPS add-in (ribbon and loader) under wps/.
//
//go:embed addin
var addinFiles embed.FS

// addinContentSecurityPolicy is the app's policy loosened for /addin/ pages, and only there:
//   - script-src allows Microsoft's CDN, because Word add-ins must load Office.js (and the host
//     scripts it loads in turn) from appsforoffice.microsoft.com;
//   - style-src allows inline styles, which Office.js sets in Office on the web; scripts stay
//     restricted, so no markup can run;
//   - frame-ancestors allows the Office on the web hosts, because Word on the web shows the task
//     pane in an iframe under its own pages (desktop Word and WPS load it as a top-level page).
const addinContentSecurityPolicy = "default-src 'self'; script-src 'self' https://appsforoffice.microsoft.com; " +
	"style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; " +
	"frame-ancestors 'self' https://*.officeapps.live.com https://onedrive.live.com https://*.office.com " +
	"https://*.office365.com https://*.microsoft365.com https://*.cloud.microsoft https://*.sharepoint.com; " +
	"base-uri 'none'; form-action 'self'"

// addinTemplates are the add-in files that name draftd's own address, rendered per request so a
// user downloads files that point at the draftd they came from.
var addinTemplates = map[string]bool{
	"manifest.xml":      true,
	"wps/publish.xml":   true,
	"wps/jsplugins.xml": true,
	"wps/config.js":     true,
}

// addinAttachments are offered as downloads rather than shown.
var addinAttachments = map[string]string{
	"manifest.xml":      "draftd-manifest.xml",
	"wps/publish.xml":   "publish.xml",
	"wps/jsplugins.xml": "jsplugins.xml",
	addinWPSZip:         addinWPSZip,
}

// addinWPSZip is the WPS add-in as a package to unpack into WPS's jsaddons folder.
const addinWPSZip = "draftd-wps.zip"

// addinTypes extends the app's content types with the add-in's.
var addinTypes = map[string]string{
	".xml": "application/xml; charset=utf-8",
	".png": "image/png",
	".md":  "text/plain; charset=utf-8",
	".zip": "application/zip",
}

// addinData fills the templates: Base is draftd's address without a trailing slash.
type addinData struct {
	Base string
}

// addin holds the add-in's files: static ones as assets, the others as templates.
type addin struct {
	static    map[string]asset
	templates *template.Template
}

// loadAddin reads the embedded add-in once and parses its templates.
func loadAddin() (*addin, error) {
	a := &addin{static: map[string]asset{}, templates: template.New("").Funcs(template.FuncMap{
		"xml": func(s string) (string, error) {
			var b strings.Builder
			err := xml.EscapeText(&b, []byte(s))
			return b.String(), err
		},
		"js": func(s string) (string, error) {
			b, err := json.Marshal(s) // escapes <, > and & too
			return string(b), err
		},
	})}
	err := fs.WalkDir(addinFiles, "addin", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := addinFiles.ReadFile(p)
		if err != nil {
			return err
		}
		name := strings.TrimPrefix(p, "addin/")
		if addinTemplates[name] {
			_, err := a.templates.New(name).Parse(string(b))
			return err
		}
		a.static[name] = newAsset(name, b)
		return nil
	})
	return a, err
}

func newAsset(name string, b []byte) asset {
	ext := path.Ext(name)
	ct := contentTypes[ext]
	if ct == "" {
		ct = addinTypes[ext]
	}
	if ct == "" {
		ct = "application/octet-stream"
	}
	sum := sha256.Sum256(b)
	return asset{body: b, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
}

// render returns a templated file for base.
func (a *addin) render(name, base string) (asset, error) {
	var buf bytes.Buffer
	if err := a.templates.ExecuteTemplate(&buf, name, addinData{Base: base}); err != nil {
		return asset{}, fmt.Errorf("web: render %s: %w", name, err)
	}
	return newAsset(name, buf.Bytes()), nil
}

// wpsZip packs the WPS add-in (wps/ without the install files) with its config.js for base.
func (a *addin) wpsZip(base string) (asset, error) {
	var buf bytes.Buffer
	z := zip.NewWriter(&buf)
	add := func(name string, body []byte) error {
		w, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			return err
		}
		_, err = w.Write(body)
		return err
	}
	cfg, err := a.render("wps/config.js", base)
	if err != nil {
		return asset{}, err
	}
	if err := add("config.js", cfg.body); err != nil {
		return asset{}, fmt.Errorf("web: pack wps add-in: %w", err)
	}
	for _, name := range []string{"wps/index.html", "wps/main.js", "wps/ribbon.xml", "wps/images/draftd.svg"} {
		if err := add(strings.TrimPrefix(name, "wps/"), a.static[name].body); err != nil {
			return asset{}, fmt.Errorf("web: pack wps add-in: %w", err)
		}
	}
	if err := z.Close(); err != nil {
		return asset{}, fmt.Errorf("web: pack wps add-in: %w", err)
	}
	return newAsset(addinWPSZip, buf.Bytes()), nil
}

// addinBase is the address the add-in's files name: ?base= when given (draftd behind a proxy
// that changes its address), else the scheme and host the request came to.
func addinBase(c echo.Context) (string, error) {
	if b := c.QueryParam("base"); b != "" {
		u, err := url.Parse(b)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return "", retrieval.Errorf(retrieval.EINVALID, "base 应为 http(s) 地址，例如 https://draftd.example.gov.cn，收到的是 %q", b)
		}
		return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), nil
	}
	return c.Scheme() + "://" + c.Request().Host, nil
}

// addinHeaders gives /addin/ responses the add-in's Content-Security-Policy. The app's
// securityHeaders middleware sets the strict policy on every response first; this one replaces it
// just before the headers are written, so it wins whatever order the middleware run in.
func addinHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() { res.Header().Set("Content-Security-Policy", addinContentSecurityPolicy) })
		return next(c)
	}
}

// registerAddin serves the office add-in under /addin/: the task pane at /addin/taskpane.html
// (and /addin/), the Word manifest at /addin/manifest.xml, the WPS add-in under /addin/wps/ and
// packed at /addin/draftd-wps.zip. Install steps are in web/addin/README.md.
func (s *Server) registerAddin(e *echo.Echo) {
	a, err := loadAddin()
	if err != nil {
		// The files are compiled in; failing to read them is a build defect.
		panic("web: load embedded add-in: " + err.Error())
	}
	serve := func(c echo.Context) error {
		name := strings.TrimPrefix(c.Request().URL.Path, "/addin/")
		switch {
		case name == "":
			name = "taskpane.html"
		case strings.HasSuffix(name, "/"):
			name += "index.html"
		}
		var f asset
		switch {
		case addinTemplates[name] || name == addinWPSZip:
			base, err := addinBase(c)
			if err != nil {
				return err
			}
			if name == addinWPSZip {
				f, err = a.wpsZip(base)
			} else {
				f, err = a.render(name, base)
			}
			if err != nil {
				return err
			}
			// The body depends on the address asked for, which caches must not mix up.
			c.Response().Header().Add(echo.HeaderVary, "Host, X-Forwarded-Proto")
		default:
			var ok bool
			if f, ok = a.static[name]; !ok {
				return echo.ErrNotFound
			}
		}
		if file, ok := addinAttachments[name]; ok {
			c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+file+`"`)
		}
		return f.serve(c)
	}
	// Route middleware, not Group.Use: Use would also register catch-all "not found" routes.
	g := e.Group("/addin")
	g.GET("/*", serve, addinHeaders)
	g.HEAD("/*", serve, addinHeaders)
	e.GET("/addin", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/addin/") }, addinHeaders)
}
