package retrieval

import (
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// DocumentChange corrects what ingestion derived about a stored document: its title, collection,
// kind, period and organisation kind. Nil fields are left as they are. A change re-derives
// nothing else: the text, passages, roles and years stay as ingested.
type DocumentChange struct {
	Title      *string `json:"title,omitempty"`
	Collection *string `json:"collection,omitempty"`
	Kind       *string `json:"kind,omitempty"`
	Period     *string `json:"period,omitempty"`
	OrgKind    *string `json:"org_kind,omitempty"`
}

// Limits on a DocumentChange's fields, in characters.
const (
	MaxTitleRunes      = 200
	MaxCollectionRunes = 64
	MaxMetaRunes       = 20 // kind, period, organisation kind
)

// DocumentEdit is one field of a document changed by a DocumentChange, as the audit trail keeps
// it: who changed it, when, and from what to what.
type DocumentEdit struct {
	DocumentID string    `json:"document_id"`
	Field      string    `json:"field"` // title, collection, kind, period or org_kind
	Old        string    `json:"old"`
	New        string    `json:"new"`
	By         string    `json:"by"`
	At         time.Time `json:"at"`
}

// Normalize trims the change's fields and checks them: a title and a collection cannot be empty,
// kind, period and organisation kind may be (unknown), none may hold line breaks or control
// characters or be longer than its limit, a kind is one of Kinds and an organisation kind one of
// OrgKinds (search filters and prefers by them, so another word would match nothing), and a
// change must change something. It returns an EINVALID *Error with a Chinese message naming the
// field (and, for a kind, the choices).
func (ch *DocumentChange) Normalize() error {
	fields := []struct {
		v        *string
		name     string
		max      int
		required bool
		choices  []string // the values allowed besides ""; nil for any
	}{
		{ch.Title, "标题", MaxTitleRunes, true, nil},
		{ch.Collection, "文档集", MaxCollectionRunes, true, nil},
		{ch.Kind, "文种", MaxMetaRunes, false, Kinds()},
		{ch.Period, "时期", MaxMetaRunes, false, nil},
		{ch.OrgKind, "单位类型", MaxMetaRunes, false, OrgKinds()},
	}
	any := false
	for _, f := range fields {
		if f.v == nil {
			continue
		}
		any = true
		*f.v = strings.TrimSpace(*f.v)
		switch n := utf8.RuneCountInString(*f.v); {
		case f.required && n == 0:
			return Errorf(EINVALID, "%s不能为空", f.name)
		case n > f.max:
			return Errorf(EINVALID, "%s太长（%d个字），最多%d个字", f.name, n, f.max)
		case strings.IndexFunc(*f.v, unicode.IsControl) >= 0:
			return Errorf(EINVALID, "%s不能包含换行或控制字符", f.name)
		case n > 0 && f.choices != nil && !slices.Contains(f.choices, *f.v):
			return Errorf(EINVALID, "%s“%s”无法识别，只能是：%s（留空表示未知）", f.name, *f.v, strings.Join(f.choices, "、"))
		}
	}
	if !any {
		return Errorf(EINVALID, "没有要修改的字段：可修改 title、collection、kind、period、org_kind")
	}
	return nil
}

// Edits applies the change to a document described by info and returns the fields it changes,
// old and new, in the order title, collection, kind, period, org_kind; fields set to their
// current value are not edits. info is changed in place. By and At are left to the store.
func (ch DocumentChange) Edits(info *DocumentInfo) []DocumentEdit {
	var out []DocumentEdit
	set := func(field string, v *string, cur *string) {
		if v != nil && *v != *cur {
			out = append(out, DocumentEdit{DocumentID: info.ID, Field: field, Old: *cur, New: *v})
			*cur = *v
		}
	}
	set("title", ch.Title, &info.Title)
	set("collection", ch.Collection, &info.Collection)
	set("kind", ch.Kind, &info.Meta.Kind)
	set("period", ch.Period, &info.Meta.Period)
	set("org_kind", ch.OrgKind, &info.Meta.OrgKind)
	return out
}
