package evalset

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/draftd/draftd/retrieval"
)

func TestJudge(t *testing.T) {
	tests := []struct {
		name string
		p    retrieval.Passage
		want []string
	}{
		{
			name: "a paragraph with a run-in heading on jobs is about jobs",
			p:    retrieval.Passage{Text: "着力稳定和扩大就业。青溪县今年新增就业岗位1200个，开展招聘会8场。"},
			want: []string{"就业"},
		},
		{
			name: "a run-in heading alone is not enough without the topic's terms in its paragraph",
			p:    retrieval.Passage{Text: "全力保就业。全年完成各项目标任务，干部作风明显改进，群众满意度持续提升。"},
			want: nil,
		},
		{
			name: "a dense paragraph without a heading is about its densest topic",
			p: retrieval.Passage{Text: "一是完善基层医疗服务网络，乡镇卫生院和村卫生室全部达标，县医院新增病床120张，" +
				"医保报销比例提高到70%，家庭医生签约覆盖慢性疾病患者。"},
			want: []string{"医疗卫生"},
		},
		{
			name: "a passage with paragraphs on two topics is about both",
			p: retrieval.Passage{Text: "提升医疗服务能力。新建县医院一所，乡镇卫生院医生培训300人次，医保结算实现一站式。\n" +
				"稳定和扩大就业。新增城镇就业2100人，高校毕业生就业率达到93%，开展职业技能培训450人次。"},
			want: []string{"医疗卫生", "就业"},
		},
		{
			name: "a deepest heading on housing counts when the text talks about housing",
			p: retrieval.Passage{
				HeadingPath: []string{"二、今年工作安排", "（三）推进保障性住房建设"},
				Text:        "年内筹集租赁住房500套，改造老旧小区12个，群众居住条件持续改善。",
			},
			want: []string{"住房"},
		},
		{
			name: "a deepest heading that promises a topic the text does not treat counts for nothing",
			p: retrieval.Passage{
				HeadingPath: []string{"四、推动经济稳定增长和结构优化"},
				Text:        "支持企业开展基础研究，建设两个工程技术中心，引进博士12名。",
			},
			want: nil,
		},
		{
			name: "an outer heading does not label a passage",
			p: retrieval.Passage{
				HeadingPath: []string{"（九）加强普惠性民生建设，做好就业、养老和医疗工作", "3．文化惠民"},
				Text:        "举办文艺演出60场，建成农家书屋20个，群众文化生活更加丰富。",
			},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Judge(tt.p); !slices.Equal(got, tt.want) {
				t.Errorf("Judge = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestQueriesAndTopics(t *testing.T) {
	t.Run("every query names a known topic and every topic has at least three queries", func(t *testing.T) {
		n := map[string]int{}
		for _, q := range Queries {
			n[q.Topic]++
		}
		for _, tp := range Topics {
			if n[tp.Name] < 3 {
				t.Errorf("topic %s has %d queries", tp.Name, n[tp.Name])
			}
			delete(n, tp.Name)
		}
		for name := range n {
			t.Errorf("queries name unknown topic %s", name)
		}
	})
}

func TestMetrics(t *testing.T) {
	tests := []struct {
		name       string
		relevant   []bool
		total      int
		recall, rr float64
	}{
		{"a perfect ranking scores one", []bool{true, true, true, true, true, false}, 200, 1, 1},
		{"a first hit at rank three scores a third", []bool{false, false, true, false, false}, 200, 0.2, 1.0 / 3},
		{"recall is capped by the number of relevant passages", []bool{true, false, true, false, false}, 2, 1, 1},
		{"no relevant results score zero", []bool{false, false}, 10, 0, 0},
		{"a hit beyond rank ten does not count", append(make([]bool, 10), true), 10, 0, 0},
		{"a topic without relevant passages scores zero", []bool{true}, 0, 0, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RecallAt(tt.relevant, 5, tt.total); math.Abs(got-tt.recall) > 1e-9 {
				t.Errorf("RecallAt = %v, want %v", got, tt.recall)
			}
			if got := ReciprocalRank(tt.relevant, 10); math.Abs(got-tt.rr) > 1e-9 {
				t.Errorf("ReciprocalRank = %v, want %v", got, tt.rr)
			}
		})
	}
}

// invented is a made-up report in the corpus's shape: a title, a speaker line, paragraphs, a footer.
var invented = []Report{{
	Title: "青溪县政府工作报告",
	Content: "政府工作报告\n\n县长　王某\n\n" +
		"过去一年，全县地区生产总值增长百分之六，一般公共预算收入完成十二亿元。新建学校三所，新增学位一千八百个。改造农村公路八十公里，群众出行更加便利。\n" +
		"今年要稳定粮食生产，建设高标准农田两万亩。推进县医院新院区建设，提升基层医疗服务能力。新增城镇就业三千人，开展技能培训五千人次！\n" +
		"本作品属于公有领域。\n",
}}

func TestSynth(t *testing.T) {
	t.Run("paragraphs skip titles, speaker lines and footers", func(t *testing.T) {
		if got := Paragraphs(invented[0].Content); len(got) != 2 {
			t.Errorf("Paragraphs = %q, want the two body paragraphs", got)
		}
	})
	t.Run("sentences split after full stops and keep their marks", func(t *testing.T) {
		got := Sentences("今年要稳定粮食生产，建设高标准农田两万亩。推进县医院新院区建设！短句。")
		want := []string{"今年要稳定粮食生产，建设高标准农田两万亩。", "推进县医院新院区建设！"}
		if !slices.Equal(got, want) {
			t.Errorf("Sentences = %q, want %q", got, want)
		}
	})
	t.Run("the same seed builds the same corpus", func(t *testing.T) {
		a, b := NewSynth(invented, 45, 20, 5, 7), NewSynth(invented, 45, 20, 5, 7)
		if len(a.Documents) != 3 || len(a.Passages()) != 45 || len(a.Queries) != 5 {
			t.Fatalf("got %d documents, %d passages, %d queries; want 3, 45, 5", len(a.Documents), len(a.Passages()), len(a.Queries))
		}
		for i, p := range a.Passages() {
			q := b.Passages()[i]
			if p.ID != q.ID || p.Text != q.Text || !slices.Equal(p.HeadingPath, q.HeadingPath) {
				t.Fatalf("passage %d differs: %q vs %q", i, p.Text, q.Text)
			}
		}
		if !slices.Equal(a.Queries, b.Queries) {
			t.Errorf("queries differ: %q vs %q", a.Queries, b.Queries)
		}
	})
	t.Run("recombined passages are made of the reports' sentences", func(t *testing.T) {
		var known []string
		for _, p := range Paragraphs(invented[0].Content) {
			known = append(known, Sentences(p)...)
		}
		for _, p := range NewSynth(invented, 30, 10, 0, 3).Passages() {
			rest := p.Text
			for rest != "" {
				i := slices.IndexFunc(known, func(s string) bool { return strings.HasPrefix(rest, s) })
				if i < 0 {
					t.Fatalf("passage %s has text from nowhere: %q", p.ID, rest)
				}
				rest = rest[len(known[i]):]
			}
		}
	})
	t.Run("clip cuts long text at a clause mark and drops trailing punctuation", func(t *testing.T) {
		if got, want := clip("今年要稳定粮食生产，建设高标准农田两万亩。", 14), "今年要稳定粮食生产"; got != want {
			t.Errorf("clip = %q, want %q", got, want)
		}
	})
}

func TestSampleReports(t *testing.T) {
	got, err := SampleReports()
	if errors.Is(err, ErrNoCorpus) {
		t.Skip("the sample corpus ../shared/corpus is absent: skipping (it holds public reports the repository must not contain)")
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Run("it reads every report of the corpus beside the repository, in file order", func(t *testing.T) {
		dir, err := Dir()
		if err != nil {
			t.Fatal(err)
		}
		want, err := Reports(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 || len(got) != len(want) {
			t.Fatalf("SampleReports() read %d reports, Reports(%q) %d", len(got), dir, len(want))
		}
		for i := range got {
			if got[i].Title != want[i].Title {
				t.Fatalf("report %d is %q, want %q", i, got[i].Title, want[i].Title)
			}
		}
	})
}
