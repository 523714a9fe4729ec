package extract

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/draftd/draftd/retrieval"
)

// Limits on the external tools. Variables so tests can lower them.
var (
	toolTimeout         = 30 * time.Second
	maxToolOutput int64 = 32 << 20
)

// maxToolStderr is how much of a tool's error output is kept for messages.
const maxToolStderr = 8 << 10

// readPDF reads a PDF's text layer with poppler's pdftotext, undoing its line wraps and
// the spaces it puts around CJK characters (see unwrapPDF).
func readPDF(ctx context.Context, data []byte) (Result, error) {
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	if !bytes.Contains(head, []byte("%PDF-")) {
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "这个文件不是 PDF：没有 %%PDF 文件头")
	}
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		return Result{}, retrieval.Errorf(retrieval.EMISSINGDEPENDENCY,
			"读取 PDF 文件需要 pdftotext，服务器上没有安装：请安装 Debian 软件包 poppler-utils")
	}
	out, stderr, err := runTool(ctx, bin, ".pdf", data, func(file string) []string {
		return []string{"-enc", "UTF-8", file, "-"}
	})
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		switch {
		case exit.ExitCode() == 3:
			return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "这个 PDF 的权限设置禁止复制文字")
		case strings.Contains(strings.ToLower(stderr), "password"):
			return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "这个 PDF 设有密码，请去掉密码后重新上传")
		}
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "无法读取这个 PDF（文件可能已损坏）：%s", firstLine(stderr))
	case err != nil:
		return Result{}, err
	}
	return Result{Text: unwrapPDF(out), Encoding: encUTF8}, nil
}

// readDOC reads a legacy Word 97–2003 document with antiword, falling back
// to catdoc (which also reads Word 6/95 and RTF) when antiword is missing or fails.
func readDOC(ctx context.Context, data []byte) (Result, error) {
	ole := bytes.HasPrefix(data, []byte("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1"))
	if ole && bytes.Contains(data, utf16le("EncryptedPackage")) {
		return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE,
			"这个 Word 文档设有密码，请去掉密码后重新上传")
	}
	if !ole && !bytes.HasPrefix(data, []byte(`{\rtf`)) {
		// Sites hand out plain text named .doc; the tools would garble it.
		text, enc, warnings, err := decodeText(data)
		if err != nil {
			return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE, "这个 .doc 文件不是 Word 文档")
		}
		warnings = append([]string{"这个 .doc 文件是纯文本，不是 Word 文档，已按文本读取"}, warnings...)
		return Result{Text: text, Format: FormatTXT, Encoding: enc, Warnings: warnings}, nil
	}
	antiword, aerr := exec.LookPath("antiword")
	catdoc, cerr := exec.LookPath("catdoc")
	if aerr != nil && cerr != nil {
		return Result{}, retrieval.Errorf(retrieval.EMISSINGDEPENDENCY,
			"读取 .doc 文件需要 antiword 或 catdoc，服务器上都没有安装：请安装 Debian 软件包 antiword（或 catdoc），或把文件另存为 .docx")
	}
	var failure string
	if aerr == nil {
		out, stderr, err := runTool(ctx, antiword, ".doc", data, func(file string) []string {
			return []string{"-m", "UTF-8.txt", "-w", "0", file}
		})
		var exit *exec.ExitError
		switch {
		case err == nil:
			return Result{Text: out, Encoding: encUTF8}, nil
		case !errors.As(err, &exit):
			return Result{}, err // cancelled, timed out or too much output: catdoc would fare no better
		}
		failure = firstLine(stderr)
	}
	if cerr == nil {
		out, stderr, err := runTool(ctx, catdoc, ".doc", data, func(file string) []string {
			return []string{"-d", "utf-8", "-w", file}
		})
		var exit *exec.ExitError
		switch {
		case err == nil:
			return Result{Text: out, Encoding: encUTF8}, nil
		case !errors.As(err, &exit):
			return Result{}, err
		}
		if failure == "" {
			failure = firstLine(stderr)
		}
	}
	return Result{}, retrieval.Errorf(retrieval.EUNDECODABLE,
		"无法读取这个 .doc 文件（文件可能已损坏，或不是 Word 97–2003 文档）：%s", failure)
}

// runTool runs bin on data written to a temporary file (named with ext),
// with args built from the file's path, under toolTimeout and with stdout
// capped at maxToolOutput. It returns stdout as UTF-8 and the start of
// stderr. A tool that fails returns an *exec.ExitError; a timeout or too much
// output is ETOOLARGE; a cancelled ctx is returned wrapped.
func runTool(ctx context.Context, bin, ext string, data []byte, args func(file string) []string) (stdout, stderr string, err error) {
	f, err := os.CreateTemp("", "draftd-extract-*"+ext)
	if err != nil {
		return "", "", fmt.Errorf("extract: temp file: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return "", "", fmt.Errorf("extract: temp file: %w", err)
	}
	if err := f.Close(); err != nil {
		return "", "", fmt.Errorf("extract: temp file: %w", err)
	}

	tctx, cancel := context.WithTimeout(ctx, toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(tctx, bin, args(f.Name())...)
	out := &capBuffer{max: maxToolOutput}
	errOut := &capBuffer{max: maxToolStderr, truncate: true}
	cmd.Stdout, cmd.Stderr = out, errOut
	cmd.WaitDelay = 2 * time.Second
	runErr := cmd.Run()

	tool := bin[strings.LastIndex(bin, "/")+1:]
	switch {
	case ctx.Err() != nil:
		return "", "", fmt.Errorf("extract: %s: %w", tool, ctx.Err())
	case tctx.Err() != nil:
		return "", "", retrieval.Errorf(retrieval.ETOOLARGE,
			"%s 未能在 %s 内读完文件：文件太大或太复杂", tool, toolTimeout)
	case out.over:
		return "", "", retrieval.Errorf(retrieval.ETOOLARGE,
			"文件中的文字超过 %d MiB，文件太大", maxToolOutput>>20)
	}
	var exit *exec.ExitError
	if runErr != nil && !errors.As(runErr, &exit) {
		return "", "", fmt.Errorf("extract: run %s: %w", tool, runErr)
	}
	return strings.ToValidUTF8(out.b.String(), "\uFFFD"), errOut.b.String(), runErr
}

// capBuffer collects output up to max bytes. Past that it either drops the
// rest (truncate) or fails the write, which ends the tool early.
type capBuffer struct {
	b        bytes.Buffer
	max      int64
	truncate bool
	over     bool
}

// Write implements io.Writer.
func (c *capBuffer) Write(p []byte) (int, error) {
	room := c.max - int64(c.b.Len())
	if int64(len(p)) > room {
		c.over = true
		if room > 0 {
			c.b.Write(p[:room])
		}
		if c.truncate {
			return len(p), nil
		}
		return 0, errTooLarge
	}
	return c.b.Write(p)
}

// firstLine returns the first non-empty line of a tool's error output, or a stand-in.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			if !utf8.ValidString(l) {
				l = strings.ToValidUTF8(l, "?")
			}
			return l
		}
	}
	return "no error message"
}

// utf16le encodes an ASCII string as UTF-16LE, as OLE directory entries are named.
func utf16le(s string) []byte {
	b := make([]byte, 0, 2*len(s))
	for i := 0; i < len(s); i++ {
		b = append(b, s[i], 0)
	}
	return b
}
