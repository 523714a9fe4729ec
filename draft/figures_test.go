package draft

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

func readFigureFixture(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "figures", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func problemsOf(t *testing.T, err error) []Problem {
	t.Helper()
	var ve *ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a *ValidationError", err)
	}
	return ve.Problems
}

func TestParseFiguresJSON(t *testing.T) {
	t.Run("a valid file parses and validates with every value kept as written", func(t *testing.T) {
		f, err := ParseFiguresJSON(readFigureFixture(t, "valid.json"))
		if err != nil {
			t.Fatal(err)
		}
		if err := f.Validate(); err != nil {
			t.Fatalf("Validate: %v", err)
		}
		if f.Title != "青禾县卫生健康局2025年上半年工作总结" || f.Organization != "青禾县卫生健康局" || f.Period != "2025年上半年" {
			t.Errorf("meta = %q %q %q", f.Title, f.Organization, f.Period)
		}
		if len(f.Sections) != 2 || f.Sections[0].Notes != "重点写家庭医生签约和大病报销" {
			t.Fatalf("sections = %+v", f.Sections)
		}
		want := Figure{ID: "f3", Label: "健康扶贫专项资金", Value: "226.7", Unit: "万元", Target: "200"}
		if got := f.Sections[0].Figures[2]; got != want {
			t.Errorf("figure from a JSON number = %+v, want %+v", got, want)
		}
		texts := []string{}
		for _, sec := range f.Sections {
			for _, fig := range sec.Figures {
				texts = append(texts, fig.Text())
			}
		}
		if want := []string{"36239人", "90%", "226.7万元", "98.65%"}; !reflect.DeepEqual(texts, want) {
			t.Errorf("texts = %q, want %q", texts, want)
		}
	})

	t.Run("a JSON number keeps its literal digits", func(t *testing.T) {
		f, err := ParseFiguresJSON(strings.NewReader(`{"title":"t","sections":[{"heading":"h","figures":[{"id":"a","label":"l","value":226.70,"previous":36239}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if fig := f.Sections[0].Figures[0]; fig.Value != "226.70" || fig.Previous != "36239" {
			t.Errorf("value, previous = %q, %q; want 226.70, 36239", fig.Value, fig.Previous)
		}
	})

	t.Run("strings are trimmed and a UTF-8 BOM is ignored", func(t *testing.T) {
		f, err := ParseFiguresJSON(strings.NewReader("\ufeff" + `{"title":" 标题 ","sections":[{"heading":"h","figures":[{"id":"a","label":"l","value":" 90 "}]}]}`))
		if err != nil {
			t.Fatal(err)
		}
		if f.Title != "标题" || f.Sections[0].Figures[0].Value != "90" {
			t.Errorf("title, value = %q, %q", f.Title, f.Sections[0].Figures[0].Value)
		}
	})

	tests := []struct {
		name, in string
		want     []Problem
	}{
		{
			name: "every unknown field is named with where it is",
			in:   `{"title":"t","author":"x","sections":[{"heading":"h","figures":[{"id":"a","label":"l","value":"1","valu":"2","units":"人"}]}]}`,
			want: []Problem{
				{Field: "author"},
				{Section: 1, Row: 1, Field: "units"},
				{Section: 1, Row: 1, Field: "valu"},
			},
		},
		{
			name: "fields of the wrong type are reported",
			in:   `{"title":3,"sections":[{"heading":"h","figures":[{"id":"a","label":["l"],"value":true}]}, 5]}`,
			want: []Problem{
				{Field: "title"},
				{Section: 1, Row: 1, Field: "label"},
				{Section: 1, Row: 1, Field: "value"},
				{Section: 2},
			},
		},
		{
			name: "sections that are not an array are reported",
			in:   `{"title":"t","sections":{"heading":"h"}}`,
			want: []Problem{{Field: "sections"}},
		},
		{
			name: "a syntax error gives its line",
			in:   "{\n\"title\": \"t\",\n\"sections\": [,]\n}",
			want: []Problem{{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFiguresJSON(strings.NewReader(tt.in))
			got := problemsOf(t, err)
			if len(got) != len(tt.want) {
				t.Fatalf("problems = %+v, want %d", got, len(tt.want))
			}
			for i, p := range got {
				if p.Section != tt.want[i].Section || p.Row != tt.want[i].Row || p.Field != tt.want[i].Field || p.Message == "" {
					t.Errorf("problem %d = %+v, want location %+v and a message", i, p, tt.want[i])
				}
			}
		})
	}

	t.Run("the unknown field message names the field", func(t *testing.T) {
		_, err := ParseFiguresJSON(strings.NewReader(`{"title":"t","sections":[],"autor":"x"}`))
		if ps := problemsOf(t, err); !strings.Contains(ps[0].Message, "autor") {
			t.Errorf("message = %q, want it to name autor", ps[0].Message)
		}
	})

	t.Run("a syntax error message says the line", func(t *testing.T) {
		_, err := ParseFiguresJSON(strings.NewReader("{\n\"title\": \"t\",\n\"sections\": [,]\n}"))
		if ps := problemsOf(t, err); !strings.Contains(ps[0].Message, "第3行") {
			t.Errorf("message = %q, want 第3行", ps[0].Message)
		}
	})

	t.Run("input over the size limit is too large", func(t *testing.T) {
		big := `{"title":"` + strings.Repeat("x", MaxFiguresBytes) + `"}`
		_, err := ParseFiguresJSON(strings.NewReader(big))
		if retrieval.ErrorCode(err) != retrieval.ETOOLARGE {
			t.Errorf("code = %q, want too_large", retrieval.ErrorCode(err))
		}
	})
}

func TestValidate(t *testing.T) {
	t.Run("the invalid fixture reports every problem with its location", func(t *testing.T) {
		f, err := ParseFiguresJSON(readFigureFixture(t, "invalid.json"))
		if err != nil {
			t.Fatal(err)
		}
		got := problemsOf(t, f.Validate())
		want := []struct {
			p       Problem
			message string
		}{
			{Problem{Field: "title"}, "缺少标题"},
			{Problem{Section: 1, Field: "heading"}, "不能为空"},
			{Problem{Section: 1, Row: 1, Field: "value"}, "约"},
			{Problem{Section: 1, Row: 2, Field: "id"}, "与第1部分第1项重复"},
			{Problem{Section: 1, Row: 2, Field: "label"}, "不能为空"},
			{Problem{Section: 1, Row: 2, Field: "value"}, "数值写 90，单位写 %"},
			{Problem{Section: 1, Row: 2, Field: "previous"}, "半角数字：写作 85"},
			{Problem{Section: 1, Row: 3, Field: "id"}, "只能由英文字母"},
			{Problem{Section: 1, Row: 3, Field: "value"}, "不能为空"},
			{Problem{Section: 1, Row: 3, Field: "target"}, "千位分隔符：写作 1200"},
			{Problem{Section: 1, Row: 4, Field: "unit"}, "太长"},
		}
		if len(got) != len(want) {
			t.Fatalf("got %d problems, want %d:\n%+v", len(got), len(want), got)
		}
		for i, w := range want {
			msg := got[i].Message
			got[i].Message = ""
			if got[i] != w.p || !strings.Contains(msg, w.message) {
				t.Errorf("problem %d = %+v %q, want %+v containing %q", i, got[i], msg, w.p, w.message)
			}
		}
	})

	valid := func() *Figures {
		return &Figures{Title: "t", Sections: []SectionInput{{Heading: "h", Figures: []Figure{{ID: "a", Label: "l", Value: "1"}}}}}
	}
	tests := []struct {
		name   string
		change func(f *Figures)
		want   Problem
	}{
		{"no sections is a problem", func(f *Figures) { f.Sections = nil }, Problem{Field: "sections"}},
		{"a duplicate id in another section is a problem", func(f *Figures) {
			f.Sections = append(f.Sections, SectionInput{Heading: "h2", Figures: []Figure{{ID: "a", Label: "l", Value: "2"}}})
		}, Problem{Section: 2, Row: 1, Field: "id"}},
		{"an id longer than 32 characters is a problem", func(f *Figures) { f.Sections[0].Figures[0].ID = strings.Repeat("a", 33) }, Problem{Section: 1, Row: 1, Field: "id"}},
		{"an id with a dot is a problem, dots are for derived figures", func(f *Figures) { f.Sections[0].Figures[0].ID = "f1.change" }, Problem{Section: 1, Row: 1, Field: "id"}},
		{"an empty id is a problem", func(f *Figures) { f.Sections[0].Figures[0].ID = "" }, Problem{Section: 1, Row: 1, Field: "id"}},
		{"a derived figure is not input", func(f *Figures) { f.Sections[0].Figures[0].Derived = true }, Problem{Section: 1, Row: 1, Field: "derived"}},
		{"a target that is not a number is a problem", func(f *Figures) { f.Sections[0].Figures[0].Target = "三十" }, Problem{Section: 1, Row: 1, Field: "target"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := valid()
			tt.change(f)
			got := problemsOf(t, f.Validate())
			if len(got) != 1 {
				t.Fatalf("problems = %+v, want one", got)
			}
			got[0].Message = ""
			if got[0] != tt.want {
				t.Errorf("problem = %+v, want %+v", got[0], tt.want)
			}
		})
	}

	t.Run("a 32-character id with - and _ and a 10-rune unit are fine", func(t *testing.T) {
		f := valid()
		f.Sections[0].Figures[0].ID = "A-b_" + strings.Repeat("9", 28)
		f.Sections[0].Figures[0].Unit = "万元（其中中央资金）"
		if err := f.Validate(); err != nil {
			t.Errorf("Validate: %v", err)
		}
	})
}

func TestCheckNumber(t *testing.T) {
	tests := []struct {
		in, unit string
		want     string // "" for accepted, else a part of the message
	}{
		{"36239", "人", ""},
		{"226.7", "万元", ""},
		{"-3", "", ""},
		{"0.05", "", ""},
		{"3.6万", "人", "数值写 3.6，单位写 万人"},
		{"约3万", "人", "约"},
		{"3万余", "人", "余"},
		{"90%", "", "单位写 %"},
		{"90％", "", "单位写 %"},
		{"36,239", "", "写作 36239"},
		{"３６２３９", "", "写作 36239"},
		{"２２６．７", "", "写作 226.7"},
		{"+5", "", "写作 5"},
		{".5", "", "写作 0.5"},
		{"5.", "", "写作 5"},
		{"1e3", "", "科学计数法"},
		{"1.2.3", "", "不是数字"},
		{"三十", "", "不是数字"},
		{"- 3", "", "不是数字"},
	}
	for _, tt := range tests {
		name := tt.in + " is accepted"
		if tt.want != "" {
			name = tt.in + " is rejected with a hint"
		}
		t.Run(name, func(t *testing.T) {
			got := checkFigureNumber(tt.in, tt.unit)
			if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
				t.Errorf("checkFigureNumber(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestValidationError(t *testing.T) {
	err := error(&ValidationError{Problems: []Problem{
		{Section: 1, Row: 2, Field: "value", Message: "数值不能为空"},
		{Field: "title", Message: "缺少标题"},
	}})

	t.Run("the web layer sees it as a coded error carrying the problems", func(t *testing.T) {
		if got := retrieval.ErrorCode(fmt.Errorf("web: draft: %w", err)); got != "invalid_figures" {
			t.Errorf("code = %q, want invalid_figures", got)
		}
		var re *retrieval.Error
		if !errors.As(fmt.Errorf("web: draft: %w", err), &re) {
			t.Fatal("errors.As to *retrieval.Error failed")
		}
		if !strings.Contains(re.Message, "2处问题") || !strings.Contains(re.Message, "第1部分第2项") {
			t.Errorf("message = %q", re.Message)
		}
		b, _ := json.Marshal(re.Detail)
		want := `{"problems":[{"section":1,"row":2,"field":"value","message":"数值不能为空"},{"field":"title","message":"缺少标题"}]}`
		if string(b) != want {
			t.Errorf("detail JSON = %s\nwant %s", b, want)
		}
	})

	t.Run("its text names each problem's location", func(t *testing.T) {
		want := "invalid_figures: 第1部分第2项 value: 数值不能为空; title: 缺少标题"
		if err.Error() != want {
			t.Errorf("Error() = %q, want %q", err.Error(), want)
		}
	})

	t.Run("a spreadsheet problem is located by row and column", func(t *testing.T) {
		p := Problem{Row: 7, Column: "D", Field: "value"}
		if p.Where() != "第7行D列" {
			t.Errorf("Where() = %q", p.Where())
		}
	})
}
