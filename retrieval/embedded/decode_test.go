package embedded

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestDecodeStringsAgreesWithUnmarshal(t *testing.T) {
	tests := []struct{ name, raw string }{
		{"an empty array", `[]`},
		{"null", `null`},
		{"one heading", `["一、主要工作"]`},
		{"a heading path", `["一、主要工作","（二）农田建设"]`},
		{"an empty string", `[""]`},
		{"two empty strings", `["",""]`},
		{"an escaped quote", `["说\"好\"","二"]`},
		{"an escaped angle bracket", `["\u003c注\u003e"]`},
		{"spaces between elements", `["a" , "b"]`},
		{"a number among strings", `["a",1,"b"]`},
		{"invalid UTF-8", "[\"\xff\"]"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" decodes as json.Unmarshal does", func(t *testing.T) {
			var got, want []string
			gotErr := decodeStrings(tt.raw, &got)
			wantErr := json.Unmarshal([]byte(tt.raw), &want)
			if (gotErr == nil) != (wantErr == nil) || !reflect.DeepEqual(got, want) {
				t.Errorf("decodeStrings(%q) = %#v, %v; json.Unmarshal gives %#v, %v", tt.raw, got, gotErr, want, wantErr)
			}
		})
	}
}
