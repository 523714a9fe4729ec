package guard

import (
	"reflect"
	"strings"
	"testing"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"splits at 。！？ and ；", "一是加强领导；二是压实责任。成效明显！还有问题吗？", []string{"一是加强领导；", "二是压实责任。", "成效明显！", "还有问题吗？"}},
		{"keeps a quotation whole", "提出“健康优先。预防为主。”的思路。下一句。", []string{"提出“健康优先。预防为主。”的思路。", "下一句。"}},
		{"keeps a closing quote with its terminator", "他说“完成了。”然后离开。", []string{"他说“完成了。”然后离开。"}},
		{"line ends split", "第一行\n第二行。", []string{"第一行", "第二行。"}},
		{"a broken quote does not swallow the rest", "“未闭合的引号\n下一行。再一句。", []string{"“未闭合的引号", "下一行。", "再一句。"}},
		{"text without a terminator is one sentence", "全年工作顺利", []string{"全年工作顺利"}},
		{"blank text has no sentences", " \n ", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, offs := SplitSentences(tt.in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i, s := range got {
				if !strings.HasPrefix(tt.in[offs[i]:], s) {
					t.Fatalf("offset %d of %q is wrong", offs[i], s)
				}
			}
		})
	}
}

func FuzzSplitSentences(f *testing.F) {
	f.Add("一是加强领导；二是“压实。责任”。\n成效明显！")
	f.Add("达到72‰；\xbd达到67573‰。\xbd")
	f.Fuzz(func(t *testing.T, s string) {
		got, offs := SplitSentences(s)
		for i, x := range got {
			if x == "" || !strings.HasPrefix(s[offs[i]:], x) {
				t.Fatalf("sentence %d %q not at its offset", i, x)
			}
			if i > 0 && offs[i] < offs[i-1]+len(got[i-1]) {
				t.Fatalf("sentences overlap")
			}
		}
	})
}
