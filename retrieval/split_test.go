package retrieval

import (
	"strings"
	"testing"
)

func partTitles(parts []Part) (titles []string, hidden []bool) {
	for _, p := range parts {
		titles = append(titles, p.Title)
		hidden = append(hidden, p.Hidden)
	}
	return titles, hidden
}

func TestSplitDocumentsSamples(t *testing.T) {
	t.Run("the compilation gives one part per listed document, the hidden ones empty", func(t *testing.T) {
		cleaned, rep := Clean(readSample(t, sampleCompilation))
		parts := SplitDocuments(cleaned, rep)
		titles, hidden := partTitles(parts)
		wantTitles := []string{
			"区卫生健康局2023年工作总结和2024年工作计划",
			"区卫生健康局2023年工作总结及2024年工作计划",
			"县卫生健康局2023年度依法行政工作总结",
			"县卫生健康局2023年工作总结和2024年工作思路",
			"县卫生健康局2023年工作总结及2024年工作思路",
		}
		if strings.Join(titles, "|") != strings.Join(wantTitles, "|") {
			t.Errorf("titles = %q, want %q", titles, wantTitles)
		}
		if want := []bool{false, true, true, true, false}; len(hidden) != 5 || hidden[0] != want[0] || hidden[1] != want[1] || hidden[2] != want[2] || hidden[3] != want[3] || hidden[4] != want[4] {
			t.Errorf("hidden = %v, want %v", hidden, want)
		}
		// The visible text is split between the first and last documents, the 目录 is gone.
		if got := parts[0].Text + "\n" + parts[4].Text; stripSpace(got) != stripSpace(strings.SplitN(cleaned, "\n", 2)[1]) {
			t.Errorf("the two visible parts do not make up the cleaned text after the title")
		}
		for _, p := range parts {
			for _, title := range wantTitles {
				if strings.Contains(p.Text, title) {
					t.Errorf("part %q contains the title %q", p.Title, title)
				}
			}
		}
	})
	for _, file := range []string{sampleHealthBureau, sampleKeyWork} {
		t.Run("a single summary is one part titled by its title line: "+file, func(t *testing.T) {
			cleaned, rep := Clean(readSample(t, file))
			parts := SplitDocuments(cleaned, rep)
			if len(parts) != 1 {
				t.Fatalf("got %d parts, want 1", len(parts))
			}
			first, rest, _ := strings.Cut(cleaned, "\n")
			if parts[0].Title != titleText(first) || parts[0].Text != rest {
				t.Errorf("part title %q, want %q; text is the cleaned text after the title: %v", parts[0].Title, titleText(first), parts[0].Text == rest)
			}
			if strings.HasSuffix(parts[0].Title, "范文") {
				t.Errorf("title %q keeps the site's 范文", parts[0].Title)
			}
		})
	}
}

func TestSplitDocuments(t *testing.T) {
	docA := "甲县林业局2022年工作总结\n2022年，县林业局完成人工造林1.2万亩，森林覆盖率达到68.3%，全年未发生重大森林火灾。一、主要工作（一）国土绿化。完成义务植树32万株，新建城郊森林公园2个，村庄绿化覆盖率提高到41%。（二）资源保护。查处涉林案件27起。"
	docB := "甲县林业局2023年工作计划\n2023年，县林业局将围绕生态保护修复，计划完成人工造林1.5万亩，新建森林防火通道40公里，争创省级森林城市。"
	tests := []struct {
		name       string
		raw        string
		wantTitles []string
		wantFirst  string // start of the first part's text
	}{
		{
			name:       "the documents of a compilation listed in a 目录 become parts",
			raw:        readFixture(t, "compilation.txt"),
			wantTitles: []string{"松溪县农业农村局2022年工作总结", "松溪县水利局2022年工作总结", "松溪县应急管理局2022年工作总结"},
			wantFirst:  "2022年，县农业农村局",
		},
		{
			name:       "title lines heading bodies split a file without a 目录",
			raw:        docA + "\n" + docB,
			wantTitles: []string{"甲县林业局2022年工作总结", "甲县林业局2023年工作计划"},
			wantFirst:  "2022年，县林业局",
		},
		{
			name:       "a single document is one part titled by its title line",
			raw:        docA,
			wantTitles: []string{"甲县林业局2022年工作总结"},
			wantFirst:  "2022年，县林业局",
		},
		{
			name:       "a document without a title line is one untitled part",
			raw:        "全年完成人工造林1.2万亩。\n森林覆盖率达到68.3%。",
			wantTitles: []string{""},
			wantFirst:  "全年完成人工造林",
		},
		{
			name:       "a table of contents listing sections does not split",
			raw:        "甲县林业局2022年工作总结\n目录\n一、主要工作……1\n二、存在问题……3\n三、下一步打算……4\n一、主要工作\n全年完成人工造林1.2万亩。\n二、存在问题\n管护资金不足。\n三、下一步打算\n加强森林防火。",
			wantTitles: []string{"甲县林业局2022年工作总结"},
			wantFirst:  "一、主要工作",
		},
		{
			name:       "a title repeated in the body does not split",
			raw:        docA + "\n" + docA[strings.Index(docA, "\n")+1:] + "\n甲县林业局2022年工作总结\n" + docA[strings.Index(docA, "\n")+1:],
			wantTitles: []string{"甲县林业局2022年工作总结"},
			wantFirst:  "2022年，县林业局",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleaned, rep := Clean(tt.raw)
			parts := SplitDocuments(cleaned, rep)
			titles, _ := partTitles(parts)
			if strings.Join(titles, "|") != strings.Join(tt.wantTitles, "|") {
				t.Errorf("titles = %q, want %q", titles, tt.wantTitles)
			}
			if len(parts) > 0 && !strings.HasPrefix(parts[0].Text, tt.wantFirst) {
				t.Errorf("first part starts %.30q, want %q", parts[0].Text, tt.wantFirst)
			}
			for _, p := range parts {
				if p.Hidden || p.Text == "" {
					t.Errorf("part %q is hidden or empty", p.Title)
				}
			}
		})
	}
}

// checkPassages checks what Segment promises for text.
func checkPassages(t testing.TB, text string, ps []Passage, maxRunes int) {
	t.Helper()
	for i, p := range ps {
		if strings.TrimSpace(p.Text) == "" {
			t.Fatalf("passage %d is empty", i)
		}
		if !strings.Contains(text, p.Text) {
			t.Fatalf("passage %d is not a substring of the text: %.40q", i, p.Text)
		}
		if p.Ordinal != i {
			t.Fatalf("passage %d has ordinal %d", i, p.Ordinal)
		}
		if n := runeLen(p.Text); n > maxRunes && len(sentenceSpans(p.Text)) > 1 {
			t.Fatalf("passage %d has %d runes (cap %d) and more than one sentence", i, n, maxRunes)
		}
	}
}

// checkCoverage checks that every sentence of text is in a passage or is a heading.
func checkCoverage(t *testing.T, text string, ps []Passage) {
	t.Helper()
	var all strings.Builder
	for _, p := range ps {
		all.WriteString(stripSpace(p.Text))
	}
	flat := all.String()
	hs := findHeadings(text)
	covered := func(a, b int) bool {
		for _, h := range hs {
			if a >= h.Start && b <= h.body {
				return true
			}
		}
		return false
	}
	for _, sp := range sentenceSpans(text) {
		s := stripSpace(text[sp[0]:sp[1]])
		if strings.Contains(flat, s) {
			continue
		}
		// A sentence holding headings: what lies between the headings must be in a passage.
		rest := text[sp[0]:sp[1]]
		for _, h := range hs {
			if h.Start >= sp[0] && h.Start < sp[1] {
				rest = strings.Replace(rest, text[h.Start:min(h.body, sp[1])], "\n", 1)
			}
		}
		for _, piece := range strings.Split(rest, "\n") {
			if p := stripSpace(piece); p != "" && !strings.Contains(flat, p) && !covered(sp[0], sp[1]) {
				t.Errorf("sentence piece %q is in no passage", p)
			}
		}
	}
}

func TestSegmentSamples(t *testing.T) {
	tests := []struct {
		name      string
		file      string
		part      int
		passages  int
		roles     map[string]int
		pathDepth int // every passage under a heading has a path this deep, 0 to skip
	}{
		{name: "the page-numbered summary", file: sampleHealthBureau, passages: 7, roles: map[string]int{RoleOverview: 1, RoleAchievements: 6}},
		{name: "the key-work report", file: sampleKeyWork, passages: 10, roles: map[string]int{RoleAchievements: 10}, pathDepth: 2},
		{name: "the compilation's first document", file: sampleCompilation, passages: 9, roles: map[string]int{RoleOverview: 1, RoleAchievements: 7, RolePlans: 1}},
		{name: "the compilation's last document", file: sampleCompilation, part: 4, passages: 8, roles: map[string]int{RoleOverview: 1, RoleAchievements: 5, RolePlans: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleaned, rep := Clean(readSample(t, tt.file))
			text := SplitDocuments(cleaned, rep)[tt.part].Text
			ps := Segment(text, 0)
			checkPassages(t, text, ps, DefaultPassageRunes)
			checkCoverage(t, text, ps)
			if len(ps) != tt.passages {
				t.Errorf("got %d passages, want %d", len(ps), tt.passages)
			}
			roles := map[string]int{}
			for _, p := range ps {
				roles[p.Role]++
				if tt.pathDepth > 0 && len(p.HeadingPath) != tt.pathDepth {
					t.Errorf("passage %d has heading path %q", p.Ordinal, p.HeadingPath)
				}
			}
			if len(roles) != len(tt.roles) {
				t.Errorf("roles = %v, want %v", roles, tt.roles)
			}
			for r, n := range tt.roles {
				if roles[r] != n {
					t.Errorf("roles = %v, want %v", roles, tt.roles)
					break
				}
			}
		})
	}
	t.Run("the key-work report's passages carry their heading path", func(t *testing.T) {
		cleaned, rep := Clean(readSample(t, sampleKeyWork))
		ps := Segment(SplitDocuments(cleaned, rep)[0].Text, 0)
		want := []string{"一、2020年上半年重点工作完成情况", "（三）健康扶贫工作成效显著"}
		found := false
		for _, p := range ps {
			if strings.Join(p.HeadingPath, "|") == strings.Join(want, "|") {
				found = true
			}
		}
		if !found {
			t.Errorf("no passage has heading path %q", want)
		}
	})
}

func TestSegment(t *testing.T) {
	long := strings.Repeat("全年完成各项目标任务，群众满意度持续提升。", 20) // 21 runes a sentence
	tests := []struct {
		name     string
		text     string
		max      int
		want     int      // passages
		wantPath []string // of the last passage
		wantRole string   // of the last passage
	}{
		{name: "a section under the cap is one passage", text: "一、主要工作\n全年完成投资4.2亿元。新增就业1200人。", max: 100, want: 1, wantPath: []string{"一、主要工作"}, wantRole: RoleAchievements},
		{name: "a long section splits at sentence ends under the cap", text: "一、主要工作\n" + long, max: 100, want: 5, wantPath: []string{"一、主要工作"}, wantRole: RoleAchievements},
		{name: "a sentence longer than the cap is a passage of its own", text: "（一）项目建设\n" + strings.Repeat("全年新建项目", 30) + "。短句。", max: 50, want: 2, wantPath: []string{"（一）项目建设"}, wantRole: RoleAchievements},
		{name: "text before the first heading is the overview", text: "今年以来工作稳步推进。\n一、存在的问题\n人员不足。", max: 100, want: 2, wantPath: []string{"一、存在的问题"}, wantRole: RoleProblems},
		{name: "a document without headings is one section", text: "全年完成投资4.2亿元。", max: 100, want: 1, wantPath: []string{}, wantRole: RoleAchievements},
		{name: "a heading with nothing under it is a passage of its own", text: "二、存在的问题\n（一）人员不足。\n（二）经费紧张。", max: 100, want: 2, wantPath: []string{"二、存在的问题", "（二）经费紧张"}, wantRole: RoleProblems},
		{name: "plans are found under 下一步 headings", text: "三、下一步工作打算\n（一）稳投资\n确保完成投资5亿元。", max: 100, want: 1, wantPath: []string{"三、下一步工作打算", "（一）稳投资"}, wantRole: RolePlans},
		{name: "whitespace alone gives no passage", text: " \n \n", max: 100, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Segment(tt.text, tt.max)
			checkPassages(t, tt.text, ps, tt.max)
			if len(ps) != tt.want {
				t.Fatalf("got %d passages, want %d: %+v", len(ps), tt.want, ps)
			}
			if tt.want == 0 {
				return
			}
			last := ps[len(ps)-1]
			if strings.Join(last.HeadingPath, "|") != strings.Join(tt.wantPath, "|") || last.Role != tt.wantRole {
				t.Errorf("last passage has path %q and role %s, want %q and %s", last.HeadingPath, last.Role, tt.wantPath, tt.wantRole)
			}
		})
	}
}

func TestSegmentAppendices(t *testing.T) {
	body := strings.Repeat("全年新建污水管网12公里，处理率达到96%。", 10)
	tests := []struct {
		name string
		text string
		want map[string]string // words of a passage or of its heading → its role
	}{
		{
			name: "a glossary on a line of its own is a glossary to the end",
			text: "一、主要工作\n" + body + "\n二、下一步打算\n推进“两网”建设。\n名词解释\n1.“两网”：供水管网和污水管网。\n2.“一厂一策”：一个工厂一套方案。",
			want: map[string]string{"全年新建": RoleAchievements, "推进“两网”": RolePlans, "供水管网": RoleGlossary, "一个工厂": RoleGlossary},
		},
		{
			name: "a glossary glued to its first item in a run-on text",
			text: "一、主要工作" + body + "二、下一步打算推进“两网”建设。名词解释1.“两网”：供水管网和污水管网。2.“一厂一策”：一个工厂一套方案。",
			want: map[string]string{"全年新建": RoleAchievements, "推进“两网”": RolePlans, "供水管网": RoleGlossary},
		},
		{
			name: "a document that is an annex sent on its own is no annex of itself",
			text: "附件2\n青石县2023年河道整治工作总结\n一、主要工作\n" + body,
			want: map[string]string{"全年新建": RoleAchievements},
		},
		{
			name: "an annex after the body",
			text: "一、主要工作\n" + body + "\n附件1\n重点项目清单：城东污水厂扩建。",
			want: map[string]string{"全年新建": RoleAchievements, "重点项目清单": RoleAnnex},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := Segment(tt.text, 0)
			for prefix, role := range tt.want {
				found := false
				for _, p := range ps {
					if !found && (strings.Contains(p.Text, prefix) || strings.Contains(strings.Join(p.HeadingPath, ""), prefix)) {
						found = true
						if p.Role != role {
							t.Errorf("passage %q (path %q): role %q, want %q", p.Text, p.HeadingPath, p.Role, role)
						}
					}
				}
				if !found {
					t.Errorf("no passage holds %q in %+v", prefix, ps)
				}
			}
			for i, p := range ps {
				if p.Ordinal != i {
					t.Errorf("passage %d has ordinal %d", i, p.Ordinal)
				}
			}
		})
	}
}

func TestSegmentKeepsQuotesWhole(t *testing.T) {
	quote := "会议强调：“要坚持人民至上。要守牢安全底线。要推动高质量发展。”"
	text := "一、主要工作\n" + strings.Repeat(quote+"全年各项工作稳步推进。", 4)
	for _, p := range Segment(text, 40) {
		if strings.Count(p.Text, "“") != strings.Count(p.Text, "”") {
			t.Errorf("passage splits a quotation: %q", p.Text)
		}
	}
}

func TestSentenceSpans(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{"sentences end at 。！？；", "甲。乙！丙？丁；戊", []string{"甲。", "乙！", "丙？", "丁；", "戊"}},
		{"line ends end sentences", "甲\n乙", []string{"甲", "乙"}},
		{"closing quotes stay with their sentence", "他说：“好。”然后走了。", []string{"他说：“好。”", "然后走了。"}},
		{"brackets are not split", "（一是加强领导。二是完善机制。）全面推进。", []string{"（一是加强领导。二是完善机制。）", "全面推进。"}},
		{"book titles are not split", "印发《关于加强监管。的通知》。", []string{"印发《关于加强监管。的通知》。"}},
		{"an unclosed bracket does not swallow the line", "（" + strings.Repeat("字", 250) + "。尾句。", []string{"（" + strings.Repeat("字", 250) + "。", "尾句。"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, sp := range sentenceSpans(tt.text) {
				got = append(got, tt.text[sp[0]:sp[1]])
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("sentences = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRole(t *testing.T) {
	tests := []struct {
		name string
		path []string
		want string
	}{
		{"存在问题 means problems", []string{"二、存在的问题"}, RoleProblems},
		{"不足 under a summary means problems", []string{"一、工作总结", "（八）存在的不足"}, RoleProblems},
		{"下一步 means plans", []string{"三、下一步工作打算"}, RolePlans},
		{"a later year's 工作思路 means plans", []string{"二、2024年工作思路", "（一）强化党建"}, RolePlans},
		{"完成情况 means achievements", []string{"一、2020年上半年重点工作完成情况", "（三）健康扶贫工作成效显著"}, RoleAchievements},
		{"the outer heading wins over a plan word deeper down", []string{"一、主要工作", "（二）创新工作思路"}, RoleAchievements},
		{"计划生育 is not a plan", []string{"（五）计划生育服务管理"}, "fallback"},
		{"基本情况 means overview", []string{"一、基本情况"}, RoleOverview},
		{"a topical heading takes the fallback", []string{"（二）坚守安全底线"}, "fallback"},
		{"总体要求 and 重点任务 mean plans", []string{"二、2025年工作总体要求和重点任务"}, RolePlans},
		{"目标任务 means plans", []string{"二、2025年工作总体要求和目标任务"}, RolePlans},
		{"工作回顾 means achievements", []string{"一、2024年工作回顾"}, RoleAchievements},
		{"完成情况 wins over a plan word", []string{"一、2024年重点任务完成情况"}, RoleAchievements},
		{"工作情况 means achievements", []string{"一、2024年工作情况"}, RoleAchievements},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Role(tt.path, "fallback"); got != tt.want {
				t.Errorf("Role(%q) = %s, want %s", tt.path, got, tt.want)
			}
		})
	}
}

func TestSegmentRoles(t *testing.T) {
	body := "全年新建项目12个。"
	tests := []struct {
		name  string
		text  string
		years []int             // the document's Meta.Years
		want  map[string]string // heading (last of the path) → role
	}{
		{
			name:  "a report that reviews 2024 plans 2025 under 总体要求 and 重点工作 headings",
			text:  "一、2024年工作回顾\n" + body + "\n二、2025年工作总体要求和重点任务\n" + body + "\n三、2025年重点工作\n（一）稳定投资\n" + body,
			years: []int{2025},
			want:  map[string]string{"一、2024年工作回顾": RoleAchievements, "二、2025年工作总体要求和重点任务": RolePlans, "（一）稳定投资": RolePlans},
		},
		{
			name:  "a summary of 2024 names its plans by their year",
			text:  "一、主要工作\n" + body + "\n二、2025年重点工作\n" + body + "\n三、2025年主要目标\n" + body,
			years: []int{2024},
			want:  map[string]string{"一、主要工作": RoleAchievements, "二、2025年重点工作": RolePlans, "三、2025年主要目标": RolePlans},
		},
		{
			name:  "the reviewed year's own 重点工作 stays achievements",
			text:  "一、2021年上半年重点工作\n" + body + "\n二、下半年工作打算\n" + body,
			years: []int{2021},
			want:  map[string]string{"一、2021年上半年重点工作": "fallback", "二、下半年工作打算": RolePlans},
		},
		{
			name: "items numbered again after a plans heading are plans",
			text: "一、2024年工作开展情况\n" + body + "\n二、2025年工作安排\n一、为老年人提供助餐服务\n" + body +
				"\n二、推动养老服务取得新进展\n" + body + "\n三、存在的问题\n" + body,
			years: []int{2024},
			want: map[string]string{"一、2024年工作开展情况": RoleAchievements, "一、为老年人提供助餐服务": RolePlans,
				"二、推动养老服务取得新进展": RolePlans, "三、存在的问题": RoleProblems},
		},
		{
			name:  "items numbered again after a plan's title on a line of its own are plans",
			text:  "一、强化队伍建设\n" + body + "\n下半年工作计划\n一、稳定投资\n" + body + "\n二、优化服务\n" + body,
			years: []int{2023},
			want:  map[string]string{"一、强化队伍建设": "fallback", "一、稳定投资": RolePlans, "二、优化服务": RolePlans},
		},
		{
			name:  "a plan's title on a line of its own after subsections still heads the items after it",
			text:  "一、强化队伍建设\n（一）培训干部\n" + body + "\n下半年工作打算\n一、稳定投资\n" + body,
			years: []int{2023},
			want:  map[string]string{"（一）培训干部": "fallback", "一、稳定投资": RolePlans},
		},
		{
			name:  "items numbered again after a review heading are achievements, in a plan too",
			text:  "一、2024年工作回顾\n一、经济运行稳中有进\n" + body + "\n二、改革开放纵深推进\n" + body + "\n二、2025年工作安排\n一、扩大有效投资\n" + body,
			years: []int{2025},
			want:  map[string]string{"一、经济运行稳中有进": RoleAchievements, "二、改革开放纵深推进": RoleAchievements, "一、扩大有效投资": RolePlans},
		},
		{
			name:  "sections after a plans heading are plans until one says otherwise",
			text:  "一、2014年工作回顾\n" + body + "\n二、2015年工作总体部署\n" + body + "\n三、把改革开放扎实推向纵深\n" + body + "\n四、2014年财政预算执行情况\n" + body,
			years: []int{2015},
			want:  map[string]string{"三、把改革开放扎实推向纵深": RolePlans, "四、2014年财政预算执行情况": RoleAchievements},
		},
		{
			name:  "a plans word in the first heading does not make the rest plans",
			text:  "一、创新工作思路\n" + body + "\n二、狠抓工作落实\n" + body,
			years: []int{2023},
			want:  map[string]string{"一、创新工作思路": RolePlans, "二、狠抓工作落实": "fallback"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, p := range segment(tt.text, 0, "fallback", tt.years) {
				if len(p.HeadingPath) > 0 {
					got[p.HeadingPath[len(p.HeadingPath)-1]] = p.Role
				}
			}
			for h, want := range tt.want {
				if got[h] != want {
					t.Errorf("role of %s = %q, want %q (all: %v)", h, got[h], want, got)
				}
			}
		})
	}
}
