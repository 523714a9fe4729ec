package retrieval

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"
)

func hit(id, text string, score float64) Hit {
	return Hit{Passage: Passage{ID: id, DocumentID: "d-" + id, Text: text}, DocumentTitle: "T" + id, Score: score}
}

func ids(rs []Result) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.PassageID)
	}
	return out
}

func TestFuse(t *testing.T) {
	t.Run("a passage found by both methods outranks one found by one", func(t *testing.T) {
		vec := []Hit{hit("a", "甲甲甲甲", .9), hit("b", "乙乙乙乙", .8)}
		kw := []Hit{hit("c", "丙丙丙丙", 3), hit("b", "乙乙乙乙", 2)}
		got := Fuse(vec, kw, 3)
		if len(got) != 3 || got[0].PassageID != "b" {
			t.Fatalf("order = %v, want b first", ids(got))
		}
		if got[0].VectorRank != 2 || got[0].KeywordRank != 2 || got[0].VectorScore != .8 || got[0].KeywordScore != 2 {
			t.Fatalf("score parts = %+v", got[0])
		}
		if want := 2.0 / 62; got[0].Score != want {
			t.Fatalf("score = %v, want %v", got[0].Score, want)
		}
	})
	t.Run("near-duplicate passages from two sites are returned once", func(t *testing.T) {
		text := "全面落实健康扶贫政策，贫困人口住院费用实际报销比例达到百分之九十，群众满意度明显提升。"
		vec := []Hit{hit("a", text, .9), hit("b", text+"（来源：某网站）", .89), hit("c", "推进高标准农田建设，粮食产量稳定增长。", .5)}
		got := Fuse(vec, nil, 3)
		if len(got) != 2 || got[0].PassageID != "a" || got[1].PassageID != "c" {
			t.Fatalf("got %v, want [a c]", ids(got))
		}
	})
	t.Run("copies differing only in punctuation width and spacing are one passage", func(t *testing.T) {
		text := "一是完善签约服务，组建家庭医生团队12个；二是开展慢病随访，全年随访高血压患者3400人次，糖尿病患者1200人次，规范管理率达到75%。"
		site2 := strings.NewReplacer("，", ",", "；", ";", "。", ". ", "%", "％").Replace(text)
		got := Fuse([]Hit{hit("a", text, .9), hit("b", site2, .89)}, nil, 3)
		if len(got) != 1 || got[0].PassageID != "a" {
			t.Fatalf("got %v, want [a]", ids(got))
		}
	})
	t.Run("k caps the number of results", func(t *testing.T) {
		vec := []Hit{hit("a", "一二三四五", 1), hit("b", "六七八九十", 1), hit("c", "甲乙丙丁戊", 1)}
		if got := Fuse(vec, nil, 2); len(got) != 2 {
			t.Fatalf("len = %d", len(got))
		}
	})
}

func TestQueryValidate(t *testing.T) {
	tests := []struct {
		name    string
		q       Query
		wantErr bool
		wantK   int
	}{
		{"an empty query is invalid", Query{Text: "  "}, true, 0},
		{"k defaults to ten", Query{Text: "卫生"}, false, DefaultK},
		{"k above the maximum is invalid", Query{Text: "卫生", K: MaxK + 1}, true, 0},
		{"a negative k is invalid", Query{Text: "卫生", K: -1}, true, 0},
		{"an inverted year range is invalid", Query{Text: "卫生", Filter: Filter{YearFrom: 2024, YearTo: 2020}}, true, 0},
		{"a known role and kind are valid", Query{Text: "卫生", Filter: Filter{Roles: []string{RolePlans}, Kinds: []string{"总结"}}}, false, DefaultK},
		{"a misspelt role is invalid, not an empty result", Query{Text: "卫生", Filter: Filter{Roles: []string{"plan"}}}, true, 0},
		{"an unknown kind is invalid", Query{Text: "卫生", Filter: Filter{Kinds: []string{"foo"}}}, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.q.Validate()
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code = %s", ErrorCode(err))
			}
			if !tt.wantErr && tt.q.K != tt.wantK {
				t.Fatalf("k = %d, want %d", tt.q.K, tt.wantK)
			}
		})
	}
}

// legStore answers vector searches only once a keyword search has started, so a Searcher that ran
// the legs one after the other would never finish; kwErr fails the keyword leg.
type legStore struct {
	Store
	kwStarted chan struct{}
	kwErr     error
}

func (s *legStore) SearchVector(ctx context.Context, _ []float32, _ int, _ Filter) ([]Hit, error) {
	select {
	case <-s.kwStarted:
		return []Hit{hit("v", "甲乙丙丁", 1)}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (s *legStore) SearchKeyword(context.Context, []string, int, Filter) ([]Hit, error) {
	close(s.kwStarted)
	return []Hit{hit("k", "戊己庚辛", 1)}, s.kwErr
}

func TestSearchRunsBothLegsAtOnce(t *testing.T) {
	embed := NewLocalEmbedder(16).Embed
	t.Run("the vector leg can wait on the keyword leg", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		s := &Searcher{Store: &legStore{kwStarted: make(chan struct{})}, Embed: embed}
		res, err := s.Search(ctx, Query{Text: "卫生健康", K: 5})
		if err != nil || len(res) != 2 {
			t.Fatalf("res %v err %v", ids(res), err)
		}
	})
	t.Run("a failing leg fails the search with its error", func(t *testing.T) {
		s := &Searcher{Store: &legStore{kwStarted: make(chan struct{}), kwErr: Errorf(EUNAVAILABLE, "down")}, Embed: embed}
		if _, err := s.Search(context.Background(), Query{Text: "卫生健康"}); ErrorCode(err) != EUNAVAILABLE {
			t.Fatalf("err = %v", err)
		}
	})
}

// candidateStore records which vector search a Searcher called.
type candidateStore struct {
	Store
	called []string
	mu     sync.Mutex
}

func (s *candidateStore) note(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.called = append(s.called, name)
}

func (s *candidateStore) SearchVector(context.Context, []float32, int, Filter) ([]Hit, error) {
	s.note("SearchVector")
	return []Hit{hit("v", "甲乙丙丁", 1)}, nil
}

func (s *candidateStore) SearchVectorCandidates(context.Context, []float32, int, Filter) ([]Hit, error) {
	s.note("SearchVectorCandidates")
	return []Hit{hit("c", "戊己庚辛", 1)}, nil
}

func (s *candidateStore) SearchKeyword(context.Context, []string, int, Filter) ([]Hit, error) {
	return nil, nil
}

func TestSearchUsesCandidateSearchOnlyForFusion(t *testing.T) {
	embed := NewLocalEmbedder(16).Embed
	for _, tc := range []struct {
		name string
		mode Mode
		want string
	}{
		{"hybrid search asks for fusion candidates", Hybrid, "SearchVectorCandidates"},
		{"vector-only search asks for the full-recall search", VectorOnly, "SearchVector"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := &candidateStore{}
			s := &Searcher{Store: st, Embed: embed, Mode: tc.mode}
			if _, err := s.Search(context.Background(), Query{Text: "卫生健康"}); err != nil {
				t.Fatal(err)
			}
			if len(st.called) != 1 || st.called[0] != tc.want {
				t.Fatalf("called %v, want [%s]", st.called, tc.want)
			}
		})
	}
}

func TestSearchPrefersAndFiltersByKind(t *testing.T) {
	hits := []Hit{
		hit("gov", "全省深入实施健康中国行动，基层医疗服务能力持续提升。", .9),
		hit("edu", "全县教育系统扎实推进健康校园建设，学生体质健康水平提升。", .89),
		hit("health", "全县基层医疗服务能力持续提升，家庭医生签约服务扎实推进。", .88),
	}
	titles := map[string]string{"gov": "某省2025年政府工作报告", "edu": "某县教育局2024年工作总结", "health": "某县卫生健康局2024年工作总结"}
	for i := range hits {
		hits[i].DocumentTitle = titles[hits[i].Passage.ID]
	}
	s := &Searcher{Store: fixedStore{hits: hits}, Mode: KeywordOnly}
	t.Run("a preferred organisation and document kind rank first among passages found about as well", func(t *testing.T) {
		res, err := s.Search(context.Background(), Query{Text: "基层医疗", K: 3, Prefer: Preference{OrgKinds: []string{"卫生健康"}, Kinds: []string{"总结"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 3 || res[0].PassageID != "health" {
			t.Fatalf("results %+v", res)
		}
	})
	t.Run("an organisation kind filter keeps only its documents", func(t *testing.T) {
		res, err := s.Search(context.Background(), Query{Text: "基层医疗", K: 3, Filter: Filter{OrgKinds: []string{"教育"}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res) != 1 || res[0].PassageID != "edu" {
			t.Fatalf("results %+v", res)
		}
	})
	t.Run("an unknown organisation kind is refused", func(t *testing.T) {
		_, err := s.Search(context.Background(), Query{Text: "基层医疗", Filter: Filter{OrgKinds: []string{"火星"}}})
		if ErrorCode(err) != EINVALID {
			t.Fatalf("err %v", err)
		}
	})
}

// fixedStore answers every keyword search with its hits.
type fixedStore struct {
	Store
	hits []Hit
}

func (s fixedStore) SearchKeyword(context.Context, []string, int, Filter) ([]Hit, error) {
	return s.hits, nil
}
