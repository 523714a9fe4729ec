package retrieval

import (
	"reflect"
	"testing"
)

func TestTokenize(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"han runs become overlapping bigrams", "卫生健康", []string{"卫生", "生健", "健康"}},
		{"a lone han character stands alone", "县，乡", []string{"县", "乡"}},
		{"punctuation splits runs", "卫生。健康", []string{"卫生", "健康"}},
		{"digits and latin are words", "完成GDP 5.2%", []string{"完成", "gdp", "5", "2"}},
		{"full-width digits fold", "２０２５年", []string{"2025", "年"}},
		{"empty text has no tokens", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Tokenize(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Tokenize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestQueryTokensAreDistinct(t *testing.T) {
	got := QueryTokens("卫生卫生")
	want := []string{"卫生", "生卫"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("QueryTokens = %q, want %q", got, want)
	}
}
