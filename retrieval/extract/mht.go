package extract

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"

	"github.com/draftd/draftd/retrieval"
)

// isMHT reports whether data is a MIME web archive (.mht), which Word writes
// for "single file web page" and which sites often hand out named .doc.
func isMHT(data []byte) bool {
	head := data
	if len(head) > 2048 {
		head = head[:2048]
	}
	head = bytes.ToLower(head)
	return bytes.Contains(head, []byte("mime-version:")) && bytes.Contains(head, []byte("multipart/related"))
}

// readMHT reads the HTML page inside a MIME web archive.
func readMHT(data []byte) (Result, error) {
	bad := func(why string) (Result, error) {
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "无法读取这个网页存档（MHT）：%s", why)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return bad(err.Error())
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || !strings.HasPrefix(mediaType, "multipart/") || params["boundary"] == "" {
		return bad("不是 multipart 格式的邮件")
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			return bad("其中没有 HTML 网页")
		}
		if err != nil {
			return bad(err.Error())
		}
		mt, ps, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil || mt != "text/html" {
			continue
		}
		var body io.Reader = part
		switch strings.ToLower(strings.TrimSpace(part.Header.Get("Content-Transfer-Encoding"))) {
		case "quoted-printable":
			body = quotedprintable.NewReader(part)
		case "base64":
			body = base64.NewDecoder(base64.StdEncoding, part) // it skips MIME's line breaks
		}
		page, err := io.ReadAll(body)
		if err != nil {
			return bad(err.Error())
		}
		return readHTMLIn(page, ps["charset"])
	}
}
