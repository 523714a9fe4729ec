package retrieval

import (
	"errors"
	"fmt"
)

// Error codes shared by draftd's packages; web maps them to HTTP statuses in one place.
const (
	ECONFLICT          = "conflict"
	EINTERNAL          = "internal"
	EINVALID           = "invalid"
	ENOTFOUND          = "not_found"
	ETOOLARGE          = "too_large"
	EUNSUPPORTED       = "unsupported_format"
	EEMPTY             = "empty_document"
	EUNDECODABLE       = "undecodable_text"
	EEMBEDDERMISMATCH  = "embedder_mismatch"
	EUNAVAILABLE       = "unavailable"
	EMISSINGDEPENDENCY = "missing_dependency"
)

// Error is an error meant for the user: a machine code and a human message.
type Error struct {
	Code    string
	Message string
	Detail  any // optional structured detail, e.g. an ingest report
}

// Error implements the error interface.
func (e *Error) Error() string { return fmt.Sprintf("%s: %s", e.Code, e.Message) }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error in err's chain, or EINTERNAL.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	if err == nil {
		return ""
	}
	return EINTERNAL
}

// ErrorMessage returns the message of the first *Error in err's chain, or "服务器内部错误" (internal error).
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "服务器内部错误"
}

// ErrNotFound is returned when a document or passage does not exist.
var ErrNotFound = &Error{Code: ENOTFOUND, Message: "未找到"}
