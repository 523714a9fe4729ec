package retrieval

import (
	"fmt"
	"strings"
)

// PrepareReport says what Prepare did with one file. It is JSON-friendly and is the Detail
// of the EEMPTY error Prepare returns when nothing is left to index.
type PrepareReport struct {
	Name           string             `json:"name"`
	Rules          map[string]int     `json:"rules"`         // removals per cleaning rule
	DroppedLines   int                `json:"dropped_lines"` // whole lines removed
	Dropped        []DroppedLine      `json:"dropped"`
	HiddenChars    int                `json:"hidden_chars,omitempty"`
	Contents       []string           `json:"contents,omitempty"` // titles listed by the file's table of contents
	Hidden         []string           `json:"hidden,omitempty"`   // listed documents whose text the site hid
	DocumentsFound int                `json:"documents_found"`
	Documents      []PreparedDocument `json:"documents"`
	Passages       int                `json:"passages"`
	Warnings       []string           `json:"warnings"`
}

// PreparedDocument summarises one document Prepare produced.
type PreparedDocument struct {
	Key          string   `json:"key"`
	Title        string   `json:"title"`
	Meta         Meta     `json:"meta"`
	Passages     int      `json:"passages"`
	Placeholders []string `json:"placeholders,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
}

// DefaultCollection is the collection of documents given none.
const DefaultCollection = "default"

// Prepare turns a file's decoded text into documents ready to embed: Clean, then
// SplitDocuments, then for each document its title (the file name without extension when
// none was found), key (name, or name#N for the Nth document a compilation lists), collection
// (DefaultCollection if ""), Meta, cleaned text, passages (Segment; plans rather than
// achievements by default in a 计划 or 要点) and warnings. ID, Hash and embeddings are left
// to the caller. When no text is left to index it returns an *Error with code EEMPTY whose
// Detail is the PrepareReport.
func Prepare(name, text, collection string) ([]*Document, PrepareReport, error) {
	if collection == "" {
		collection = DefaultCollection
	}
	cleaned, crep := Clean(text)
	rep := PrepareReport{
		Name:         name,
		Rules:        crep.Rules,
		DroppedLines: crep.DroppedLines,
		Dropped:      crep.Dropped,
		HiddenChars:  crep.HiddenChars,
		Contents:     crep.Contents,
		Documents:    []PreparedDocument{},
		Warnings:     append([]string{}, crep.Warnings...),
	}
	if rep.Dropped == nil {
		rep.Dropped = []DroppedLine{}
	}
	if strings.TrimSpace(cleaned) == "" {
		return nil, rep, &Error{Code: EEMPTY, Message: fmt.Sprintf("%s：去掉网页模板文字后没有剩下任何文字", name), Detail: rep}
	}
	parts := SplitDocuments(cleaned, crep)
	var docs []*Document
	for i, p := range parts {
		if p.Hidden {
			rep.Hidden = append(rep.Hidden, p.Title)
			continue
		}
		title := p.Title
		// A file named better than its title line ("政府工作报告") gives the title.
		if base := baseName(name); title == "" || titleLike(base) && len(base) > len(title) && strings.Contains(compact(base), compact(title)) {
			title = base
		}
		key := name
		if len(parts) > 1 {
			key = fmt.Sprintf("%s#%d", name, i+1)
		}
		meta := DetectMeta(title, p.Text)
		fallback := RoleAchievements
		if meta.Kind == "计划" || meta.Kind == "要点" {
			fallback = RolePlans
		}
		passages := segment(p.Text, DefaultPassageRunes, fallback, meta.Years)
		if len(passages) == 0 {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s：没有正文，未入库", title))
			continue
		}
		warnings := append([]string{}, crep.Warnings...)
		ph := FindPlaceholders(p.Text)
		if w := placeholderWarning(ph); w != "" {
			warnings = append(warnings, w)
		}
		docs = append(docs, &Document{
			Collection: collection,
			Key:        key,
			Title:      title,
			Meta:       meta,
			Text:       p.Text,
			Warnings:   warnings,
			Passages:   passages,
		})
		rep.Documents = append(rep.Documents, PreparedDocument{
			Key: key, Title: title, Meta: meta, Passages: len(passages), Placeholders: ph, Warnings: warnings,
		})
		rep.Passages += len(passages)
	}
	rep.DocumentsFound = len(docs)
	if len(rep.Hidden) > 0 {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("目录列出 %d 篇文档，其中 %d 篇被网页隐藏：%s",
			len(parts), len(rep.Hidden), strings.Join(rep.Hidden, "；")))
	}
	if len(docs) == 0 {
		return nil, rep, &Error{Code: EEMPTY, Message: fmt.Sprintf("%s：去掉网页模板文字后没有剩下正文", name), Detail: rep}
	}
	return docs, rep, nil
}

// placeholderWarning describes the placeholders of a document, "" if it has none.
func placeholderWarning(ph []string) string {
	if len(ph) == 0 {
		return ""
	}
	var figures []string
	for _, p := range ph {
		if IsFigurePlaceholder(p) {
			figures = append(figures, p)
		}
	}
	examples := func(ss []string) string {
		if len(ss) > 5 {
			ss = ss[:5]
		}
		return strings.Join(ss, "、")
	}
	if len(figures) > 0 {
		return fmt.Sprintf("文档含有占位符（%s）：这样写的数据不是实际数据", examples(figures))
	}
	return fmt.Sprintf("文档含有名称占位符（%s）", examples(ph))
}

// baseName returns a file name without its directories and extension.
func baseName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		name = name[:i]
	}
	return name
}
