package web

import (
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// cors allows the add-in origins of CORSOrigins, never a wildcard.
func (s *Server) cors() echo.MiddlewareFunc {
	var origins []string
	for _, o := range s.CORSOrigins {
		if o = strings.TrimSpace(o); o != "" && !strings.Contains(o, "*") {
			origins = append(origins, o)
		}
	}
	if len(origins) == 0 {
		return func(next echo.HandlerFunc) echo.HandlerFunc { return next } // Echo would read none as "*"
	}
	return middleware.CORSWithConfig(middleware.CORSConfig{
		AllowOrigins:  origins,
		AllowMethods:  []string{"GET", "POST", "DELETE"},
		AllowHeaders:  []string{echo.HeaderAuthorization, echo.HeaderContentType, headerIdempotencyKey},
		ExposeHeaders: []string{"Retry-After", echo.HeaderXRequestID, echo.HeaderContentDisposition, headerReplayed},
		MaxAge:        600,
	})
}
