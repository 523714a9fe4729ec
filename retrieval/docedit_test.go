package retrieval

import (
	"strings"
	"testing"
)

func TestDocumentChangeNormalize(t *testing.T) {
	s := func(v string) *string { return &v }
	tests := []struct {
		name    string
		change  DocumentChange
		message string // part of the error's message; "" for none
	}{
		{"a title is trimmed and accepted", DocumentChange{Title: s("  青禾县卫生健康局2024年工作总结 ")}, ""},
		{"an empty kind clears it", DocumentChange{Kind: s("")}, ""},
		{"a blank title is refused", DocumentChange{Title: s(" \u3000")}, "标题不能为空"},
		{"a blank collection is refused", DocumentChange{Collection: s("")}, "文档集不能为空"},
		{"a title with a line break is refused", DocumentChange{Title: s("第一行\n第二行")}, "换行"},
		{"a long period is refused with its length", DocumentChange{Period: s(strings.Repeat("上半年", 8))}, "24个字"},
		{"a change of nothing is refused", DocumentChange{}, "没有要修改的字段"},
		{"a kind of document search knows is accepted", DocumentChange{Kind: s(" 计划 ")}, ""},
		{"an organisation kind search knows is accepted", DocumentChange{OrgKind: s("医疗保障")}, ""},
		{"a kind search does not know is refused with the choices", DocumentChange{Kind: s("总结报告")}, "文种“总结报告”无法识别，只能是：总结、计划"},
		{"an organisation kind search does not know is refused with the choices", DocumentChange{OrgKind: s("卫健委")}, "单位类型“卫健委”无法识别，只能是：医疗保障、卫生健康"},
		{"an empty organisation kind clears it", DocumentChange{OrgKind: s(" ")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.change.Normalize()
			if tt.message == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if ErrorCode(err) != EINVALID || !strings.Contains(ErrorMessage(err), tt.message) {
				t.Fatalf("err = %v, want %s with %q", err, EINVALID, tt.message)
			}
		})
	}
	t.Run("edits list the fields that change, old and new, and skip the same value", func(t *testing.T) {
		info := DocumentInfo{ID: "d", Title: "旧", Collection: "main", Meta: Meta{Kind: "总结"}}
		es := DocumentChange{Title: s("新"), Collection: s("main"), OrgKind: s("卫生健康")}.Edits(&info)
		if len(es) != 2 || es[0] != (DocumentEdit{DocumentID: "d", Field: "title", Old: "旧", New: "新"}) ||
			es[1] != (DocumentEdit{DocumentID: "d", Field: "org_kind", Old: "", New: "卫生健康"}) {
			t.Fatalf("edits %+v", es)
		}
		if info.Title != "新" || info.Meta.OrgKind != "卫生健康" || info.Meta.Kind != "总结" {
			t.Fatalf("info %+v", info)
		}
	})
}
