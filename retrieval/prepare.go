package retrieval

import (
	"fmt"
	"strings"
)

// Notice is a warning of ingestion: a stable code for programs and a message in Chinese for
// people. Reports carry notices beside the messages alone (Warnings).
type Notice struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Notice codes.
const (
	WBoilerplate      = "boilerplate_dropped"  // lines of a site's furniture were removed
	WHiddenText       = "hidden_text"          // the site hid part of the text
	WTruncated        = "truncated_text"       // the text ends mid-sentence
	WPlaceholders     = "figure_placeholders"  // figures written as xx: not real data
	WNamePlaceholders = "name_placeholders"    // names written as XX
	WNoBody           = "no_body"              // a document of the file had no body and was not stored
	WHiddenDocuments  = "hidden_documents"     // the table of contents lists documents the site hid
	WFileNameTitle    = "title_from_file_name" // no title in the text: the file name stands for it
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
	Notices        []Notice           `json:"notices,omitempty"` // the warnings with their codes
}

// PreparedDocument summarises one document Prepare produced.
type PreparedDocument struct {
	Key          string   `json:"key"`
	Title        string   `json:"title"`
	Meta         Meta     `json:"meta"`
	Passages     int      `json:"passages"`
	Placeholders []string `json:"placeholders,omitempty"`
	Warnings     []string `json:"warnings,omitempty"`
	Notices      []Notice `json:"notices,omitempty"` // the warnings with their codes
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
	return PrepareWith(name, text, collection, nil)
}

// PrepareWith is Prepare with what the other files of the same site or batch say about
// lines (see CleanWith; ev may be nil).
func PrepareWith(name, text, collection string, ev *Evidence) ([]*Document, PrepareReport, error) {
	if collection == "" {
		collection = DefaultCollection
	}
	cleaned, crep := CleanWith(text, ev)
	rep := PrepareReport{
		Name:         name,
		Rules:        crep.Rules,
		DroppedLines: crep.DroppedLines,
		Dropped:      crep.Dropped,
		HiddenChars:  crep.HiddenChars,
		Contents:     crep.Contents,
		Documents:    []PreparedDocument{},
		Warnings:     append([]string{}, crep.Warnings...),
		Notices:      append([]Notice{}, crep.Notices...),
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
		if title == "" && len(parts) == 1 {
			title = crep.SiteTitle
		}
		if title == "" {
			title = titleFromText(p.Text)
		}
		// A file named better than its title line ("政府工作报告") gives the title.
		base := baseName(name)
		if title == "" || titleLike(base) && len(base) > len(title) && strings.Contains(compact(base), compact(title)) {
			if title == "" {
				rep.notice(WFileNameTitle, fmt.Sprintf("%s：正文中没有找到标题，以文件名作标题", name))
			}
			title = base
		}
		key := name
		if len(parts) > 1 {
			key = fmt.Sprintf("%s#%d", name, i+1)
		}
		meta := detectMeta(title, p.Text, crep.Issuer)
		fallback := RoleAchievements
		if meta.Kind == "计划" || meta.Kind == "要点" {
			fallback = RolePlans
		}
		passages := segment(p.Text, DefaultPassageRunes, fallback, meta.Years)
		if len(passages) == 0 {
			rep.notice(WNoBody, fmt.Sprintf("%s：没有正文，未入库", title))
			continue
		}
		warnings := append([]string{}, crep.Warnings...)
		notices := append([]Notice{}, crep.Notices...)
		ph := FindPlaceholders(p.Text)
		if code, w := placeholderWarning(ph); w != "" {
			warnings = append(warnings, w)
			notices = append(notices, Notice{Code: code, Message: w})
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
			Key: key, Title: title, Meta: meta, Passages: len(passages), Placeholders: ph, Warnings: warnings, Notices: notices,
		})
		rep.Passages += len(passages)
	}
	rep.DocumentsFound = len(docs)
	if len(rep.Hidden) > 0 {
		rep.notice(WHiddenDocuments, fmt.Sprintf("目录列出 %d 篇文档，其中 %d 篇被网页隐藏：%s",
			len(parts), len(rep.Hidden), strings.Join(rep.Hidden, "；")))
	}
	if len(docs) == 0 {
		return nil, rep, &Error{Code: EEMPTY, Message: fmt.Sprintf("%s：去掉网页模板文字后没有剩下正文", name), Detail: rep}
	}
	return docs, rep, nil
}

// notice adds a warning of the whole file: its message to Warnings, with its code to Notices.
func (r *PrepareReport) notice(code, msg string) {
	r.Warnings = append(r.Warnings, msg)
	r.Notices = append(r.Notices, Notice{Code: code, Message: msg})
}

// titleSearchRunes is how much of a document's opening titleFromText reads.
const titleSearchRunes = 600

var (
	// issuedTitleRe is the document a notice issues: 关于印发《2021年…工作安排》的通知.
	issuedTitleRe = re(`关于(印发|转发|下发|发布)《([^《》]{4,80})》`)
	// officialTitleRe is an official document's title: 关于…的报告.
	officialTitleRe = re(`关于[^。：:；;！？!?\s]{2,80}?的(报告|汇报|通知|意见|请示|总结|方案|决定|通报|批复|说明|函)`)
	// reportOpeningRe is how a government work report opens: 我代表某某人民政府，向大会报告…
	reportOpeningRe = re(`我代表([^，。、；\s]{0,20}?(人民政府|政府|管理委员会|管委会|国务院))[，,]?\s*向大会(作|报告)`)
	// bulletinRe is an issue of a bulletin: 内部情况通报第46期.
	bulletinRe = re(`\p{Han}{2,4}(通报|简报|动态|快报|专报|信息)第[0-9一二三四五六七八九十百]+期`)
	// signatureRe is an organisation signing a document on a line of its own at its end.
	signatureOrgRe = re(`^[\p{Han}（）()]{2,30}(人民政府|政府|委员会|管委会|办公室|办公厅|局|厅|部|院|中心|公司|党委|党组|工委)$`)
	// congressOrgRe is the government a report to a congress (各位代表) is given for.
	congressOrgRe = re(`\p{Han}{0,2}(人民政府|管理委员会|管委会)`)
)

// signatureLines is how many lines at a document's end may hold its signature.
const signatureLines = 4

// titleFromText finds a document's title in its text when no line of its own holds one: the
// document a notice issues (关于印发《…》的通知), an official title (关于…的报告), the
// organisation a work report is given for (我代表某某人民政府向大会报告… gives
// 某某人民政府工作报告), a bulletin's issue (情况通报第46期), the organisation that signs a
// report (…报告如下：… 某某局), the government a report to a congress (各位代表) names most,
// or a short first line with no sentence in it. It returns "" if none.
func titleFromText(text string) string {
	opening := text
	if rs := []rune(text); len(rs) > titleSearchRunes {
		opening = string(rs[:titleSearchRunes])
	}
	if m := issuedTitleRe.FindStringSubmatch(opening); m != nil {
		return titleText(m[2])
	}
	if m := officialTitleRe.FindString(opening); m != "" {
		return titleText(m)
	}
	if m := reportOpeningRe.FindStringSubmatch(opening); m != nil {
		org := m[1]
		if org == "国务院" {
			return "国务院政府工作报告"
		}
		return org + "工作报告"
	}
	if m := bulletinRe.FindString(opening); m != "" {
		return m
	}
	lines := strings.Split(strings.TrimSpace(text), "\n")
	for i := len(lines) - 1; i >= 0 && i >= len(lines)-signatureLines; i-- {
		if l := strings.TrimSpace(lines[i]); signatureOrgRe.MatchString(l) {
			// "现将有关情况报告如下：… 深圳市某区人民政府": a report signed by its author.
			if strings.Contains(opening, "汇报如下") {
				return l + "工作汇报"
			}
			if strings.Contains(opening, "报告如下") || strings.Contains(opening, "特此报告") {
				return l + "报告"
			}
		}
	}
	if strings.Contains(opening, "各位代表") {
		// A report to a congress whose opening was lost: named for the government it speaks for.
		counts := map[string]int{}
		best := ""
		for _, m := range congressOrgRe.FindAllString(text, -1) {
			if counts[m]++; counts[m] > counts[best] {
				best = m
			}
		}
		if best != "" {
			return best + "工作报告"
		}
	}
	first := strings.TrimSpace(strings.SplitN(opening, "\n", 2)[0])
	if n := runeLen(first); n >= 4 && n <= maxHeadingRunes && !hasSentenceEnd(first) && !hasHeadingMarker(first) &&
		!strings.HasSuffix(first, "：") && !strings.HasSuffix(first, ":") && strings.ContainsFunc(first, isHan) {
		return titleText(first)
	}
	return ""
}

// placeholderWarning describes the placeholders of a document with its code, "" if it has none.
func placeholderWarning(ph []string) (code, msg string) {
	if len(ph) == 0 {
		return "", ""
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
		return WPlaceholders, fmt.Sprintf("文档含有占位符（%s）：这样写的数据不是实际数据", examples(figures))
	}
	return WNamePlaceholders, fmt.Sprintf("文档含有名称占位符（%s）", examples(ph))
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
