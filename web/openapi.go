package web

import (
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net/http"

	"github.com/labstack/echo/v4"
)

// openAPIDocument is the OpenAPI 3 description of every API route; openapi_test.go keeps it
// equal to the routes Handler registers and checks real requests and answers against it.
//
//go:embed openapi.json
var openAPIDocument []byte

// openAPIETag lets office tools and API clients revalidate the document cheaply.
var openAPIETag = func() string {
	sum := sha256.Sum256(openAPIDocument)
	return `"` + hex.EncodeToString(sum[:8]) + `"`
}()

// openAPI serves the OpenAPI document at GET /api/v1/openapi.json.
func (s *Server) openAPI(c echo.Context) error {
	h := c.Response().Header()
	h.Set("ETag", openAPIETag)
	h.Set(echo.HeaderCacheControl, "no-cache")
	if match := c.Request().Header.Get("If-None-Match"); match != "" && etagMatches(match, openAPIETag) {
		return c.NoContent(http.StatusNotModified)
	}
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, openAPIDocument)
}
