package retrieval

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseHeading(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		ok       bool
		kind     MarkerKind
		num      int
		marker   string
		title    string
		repaired bool
	}{
		{"一、 starts a heading", "一、主要工作", true, MarkerCN, 1, "一、", "主要工作", false},
		{"一. with an ASCII point", "二. 存在问题", true, MarkerCN, 2, "二.", "存在问题", false},
		{"full-width brackets", "（三）加强队伍建设", true, MarkerParenCN, 3, "（三）", "加强队伍建设", false},
		{"ASCII brackets are written full width", "(二)加强队伍建设", true, MarkerParenCN, 2, "（二）", "加强队伍建设", false},
		{"a lost opening bracket is restored", "二)加强队伍建设", true, MarkerParenCN, 2, "（二）", "加强队伍建设", true},
		{"a lost full-width opening bracket is restored", "十二）推进改革", true, MarkerParenCN, 12, "（十二）", "推进改革", true},
		{"a lost closing bracket is restored", "(二加强队伍建设", true, MarkerParenCN, 2, "（二）", "加强队伍建设", true},
		{"1、 starts a heading", "1、新建学校", true, MarkerNum, 1, "1、", "新建学校", false},
		{"1. with a space after it", "3. 改造校舍", true, MarkerNum, 3, "3.", "改造校舍", false},
		{"full-width digits", "１２．完善制度", true, MarkerNum, 12, "１２．", "完善制度", false},
		{"（1） is an inner level", "（1）城区学校", true, MarkerParenNum, 1, "（1）", "城区学校", false},
		{"2) lost its opening bracket", "2)农村学校", true, MarkerParenNum, 2, "（2）", "农村学校", true},
		{"⑴ is （1）", "⑵农村学校", true, MarkerParenNum, 2, "（2）", "农村学校", false},
		{"① starts a heading", "① 经费不足", true, MarkerCircled, 1, "①", "经费不足", false},
		{"第一部分 with its space", "第一部分 总体情况", true, MarkerChapter, 1, "第一部分", "总体情况", false},
		{"第三章 with a colon", "第三章：主要任务", true, MarkerChapter, 3, "第三章", "主要任务", false},
		{"leading spaces are skipped", "　　二、存在问题", true, MarkerCN, 2, "二、", "存在问题", false},
		{"the title ends at its first sentence end", "（二）队伍建设。招聘教师80名。", true, MarkerParenCN, 2, "（二）", "队伍建设", false},
		{"the title ends before an enumeration", "（一）项目建设一是新建学校3所。", true, MarkerParenCN, 1, "（一）", "项目建设", false},
		{"the title ends before a bracketed subheading", "二、存在的问题（一）人员不足。", true, MarkerCN, 2, "二、", "存在的问题", false},
		{"the title ends before a glued first sentence", "一、近期工作动态近年来，全市上下合力推进。", true, MarkerCN, 1, "一、", "近期工作动态", false},
		{"the title ends before a date", "一、舆情概述3月5日，网上出现相关帖子。", true, MarkerCN, 1, "一、", "舆情概述", false},
		{"a marker alone has an empty title", "一、", true, MarkerCN, 1, "一、", "", false},
		{"1.5万 is a figure", "1.5万亩高标准农田", false, 0, 0, "", "", false},
		{"1、2月 is a figure", "1、2月完成拨付", false, 0, 0, "", "", false},
		{"三、四级 is a list of numbers", "三、四级手术占比提高", false, 0, 0, "", "", false},
		{"一、是 is no heading", "一、是加强领导", false, 0, 0, "", "", false},
		{"20% is a figure", "20%的乡镇", false, 0, 0, "", "", false},
		{"2023年 is a year", "2023年工作总结", false, 0, 0, "", "", false},
		{"（一次… is a phrase", "（一次政治学习、一次座谈）", false, 0, 0, "", "", false},
		{"第一产业 is no chapter", "第一产业增加值增长3%", false, 0, 0, "", "", false},
		{"第一， is an enumeration", "第一，加强领导", false, 0, 0, "", "", false},
		{"一是 is an enumeration", "一是加强领导", false, 0, 0, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, ok := ParseHeading(tt.line)
			if ok != tt.ok {
				t.Fatalf("ParseHeading(%q) ok = %v, want %v (%+v)", tt.line, ok, tt.ok, h)
			}
			if !ok {
				return
			}
			if h.Kind != tt.kind || h.Num != tt.num || h.Marker != tt.marker || h.Title != tt.title || h.Repaired != tt.repaired {
				t.Errorf("ParseHeading(%q) = kind %d num %d marker %q title %q repaired %v; want kind %d num %d marker %q title %q repaired %v",
					tt.line, h.Kind, h.Num, h.Marker, h.Title, h.Repaired, tt.kind, tt.num, tt.marker, tt.title, tt.repaired)
			}
			if h.Level != int(h.Kind)+1 {
				t.Errorf("level = %d, want %d", h.Level, int(h.Kind)+1)
			}
			lead := len(tt.line) - len(strings.TrimLeft(tt.line, " \u3000"))
			if h.Start != lead || h.End <= h.Start || h.End > len(tt.line) {
				t.Errorf("marker span = [%d,%d) in %q", h.Start, h.End, tt.line)
			}
		})
	}
}

func TestTrimMarker(t *testing.T) {
	for in, want := range map[string]string{
		"一、健康扶贫":       "健康扶贫",
		"(2) 公共卫生":     "公共卫生",
		"二)公共卫生":       "公共卫生",
		"第二章　主要成效":     "主要成效",
		"第一部分：总体情况":    "总体情况",
		"（一）、项目建设":     "项目建设",
		"第四，下一步打算":     "下一步打算",
		"1.5万亩高标准农田建设": "1.5万亩高标准农田建设",
		"第一产业发展":       "第一产业发展",
		"三、四级医院建设":     "三、四级医院建设",
		"  健康扶贫 ":      "健康扶贫",
		"二、存在的问题。一是人员": "存在的问题。一是人员",
	} {
		if got := TrimMarker(in); got != want {
			t.Errorf("TrimMarker(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRoleOf(t *testing.T) {
	tests := []struct {
		heading, want string
	}{
		// Headings the two classifiers that were (ingestion's and drafting's) disagreed on.
		{"三、工作展望", RolePlans},
		{"2025年工作展望", RolePlans},
		{"二、总体要求和目标任务", RolePlans},
		{"（三）明年工作安排", RolePlans},
		{"（四）困难群众救助", ""},
		{"（二）解决群众急难愁盼问题", ""},
		{"（五）计划生育服务管理", ""},
		{"一、2024年重点任务完成情况", RoleAchievements},
		{"一、工作回顾", RoleAchievements},
		{"一、基本情况", RoleOverview},
		// Headings they agreed on.
		{"二、存在的问题", RoleProblems},
		{"(三)存在的不足", RoleProblems},
		{"问题与不足", RoleProblems},
		{"三、主要问题", RoleProblems},
		{"四、存在问题及下一步打算", RoleProblems},
		{"工作中的短板", RoleProblems},
		{"三、下一步工作打算", RolePlans},
		{"（一）工作思路", RolePlans},
		{"2025年工作计划", RolePlans},
		{"一、主要工作及成效", RoleAchievements},
		{"（二）坚守安全底线", ""},
		// Parts appended after the body.
		{"名词解释", RoleGlossary},
		{"名词、术语注释", RoleGlossary},
		{"附件2", RoleAnnex},
		{"附表：重点项目清单", RoleAnnex},
		{"（三）加强名词规范", ""},
		{"（三）附件管理", ""},
	}
	for _, tt := range tests {
		t.Run(tt.heading, func(t *testing.T) {
			if got := RoleOf(tt.heading); got != tt.want {
				t.Errorf("RoleOf(%q) = %q, want %q", tt.heading, got, tt.want)
			}
			// Storing (Role over a path) says the same of a heading alone.
			want := tt.want
			if want == "" {
				want = RoleAchievements
			}
			if got := Role([]string{tt.heading}, RoleAchievements); got != want {
				t.Errorf("Role([%q]) = %q, want %q", tt.heading, got, want)
			}
		})
	}
}

// shape lists a tree's headings as "depth marker title" lines, and the roles Segment gives
// the passages under each heading path.
func shape(text string) (outline []string, roles map[string]string) {
	var walk func(s *Section)
	walk = func(s *Section) {
		if s.Level > 0 {
			h, _ := ParseHeading(s.Heading)
			outline = append(outline, fmt.Sprintf("%s%s %s", strings.Repeat("  ", s.Level-1), h.Marker, h.Title))
		}
		for _, c := range s.Sections {
			walk(c)
		}
	}
	walk(Structure(text))
	roles = map[string]string{}
	for _, p := range Segment(text, 0) {
		var path []string
		for _, h := range p.HeadingPath {
			m, _ := ParseHeading(h)
			path = append(path, m.Marker)
		}
		roles[strings.Join(path, "")] = p.Role
	}
	return outline, roles
}

// runOn joins a text's lines, as a page does that lost its line breaks.
func runOn(text string) string { return strings.ReplaceAll(text, "\n", "") }

// asciiBrackets writes full-width brackets ASCII, and drops the opening bracket of every
// second bracketed heading number, as some sites do.
func asciiBrackets(text string) string {
	text = strings.NewReplacer("（", "(", "）", ")").Replace(text)
	var b strings.Builder
	n := 0
	for i := 0; i < len(text); {
		if text[i] == '(' {
			if h, ok := parseMarker(text[i:], false); ok && h.Kind == MarkerParenCN && !h.Repaired {
				if n++; n%2 == 0 {
					i++ // "(二)加强…" → "二)加强…"
					continue
				}
			}
		}
		b.WriteByte(text[i])
		i++
	}
	return b.String()
}

func TestStructureWithoutLineBreaks(t *testing.T) {
	files, err := filepath.Glob("testdata/structure/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	variants := []struct {
		name string
		edit func(string) string
	}{
		{"without line breaks", runOn},
		{"without line breaks, with ASCII brackets and lost opening brackets", func(s string) string { return runOn(asciiBrackets(s)) }},
		{"with ASCII brackets and lost opening brackets", asciiBrackets},
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		want, wantRoles := shape(text)
		if len(want) < 8 {
			t.Fatalf("%s: only %d headings with line breaks: %q", f, len(want), want)
		}
		seen := map[string]bool{}
		for _, r := range wantRoles {
			seen[r] = true
		}
		if !seen[RoleProblems] || !seen[RolePlans] {
			t.Fatalf("%s: fixture should have problems and plans sections: %v", f, wantRoles)
		}
		for _, v := range variants {
			t.Run(filepath.Base(f)+" "+v.name+" has the same headings and roles", func(t *testing.T) {
				got, gotRoles := shape(v.edit(text))
				if len(got) != len(want) {
					t.Fatalf("outline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
				}
				for i := range want {
					// A title glued to its first sentence may keep some of it; its own words come first.
					if !strings.HasPrefix(got[i], want[i]) {
						t.Errorf("heading %d = %q, want %q", i, got[i], want[i])
					}
				}
				for path, r := range wantRoles {
					if gotRoles[path] != r {
						t.Errorf("role under %s = %q, want %q", path, gotRoles[path], r)
					}
				}
			})
		}
	}
}

func TestStructureRecoversGluedHeadings(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			name: "headings after a colon, with lost brackets and glued to the sentence before",
			text: "现将有关情况报告如下：一、主要工作(一)统计调查。完成入户登记3.2万户二)统计服务。编印年鉴500册二、存在的问题（一）人员不足。（二经费紧张。三、下一步打算一是加强队伍建设。",
			want: []string{"一、主要工作", "  （一）统计调查", "  （二）统计服务", "二、存在的问题", "  （一）人员不足", "  （二）经费紧张", "三、下一步打算"},
		},
		{
			name: "a second report in the same text starts its numbering again after 如下",
			text: "一、基本情况。全年运行平稳。二、主要做法。加强调度。现将有关情况汇报如下。一、舆情概述。网上出现帖子。二、处置情况。及时回应。",
			want: []string{"一、基本情况", "二、主要做法", "一、舆情概述", "二、处置情况"},
		},
		{
			name: "a chapter runs on after the last heading of the chapter before",
			text: "第一部分 工作回顾一、兜底保障更加有力。全年发放资金2.3亿元。二、信息共享不畅第二部分 重点任务一、提高救助标准。",
			want: []string{"第一部分 工作回顾", "  一、兜底保障更加有力", "  二、信息共享不畅", "第二部分 重点任务", "  一、提高救助标准"},
		},
		{
			name: "numbers in a list of figures stay in the body",
			text: "一、主要工作。实现一、二、三产业融合发展，三、四级医院达到5家，其二、其三也已完成。（三）也不是标题。",
			want: []string{"一、主要工作"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := outline(Structure(tt.text))
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("outline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestIngestionUsesOneGrammar runs the fixtures through the cleaner, the splitter and
// Segment: the cleaner keeps every heading line, the splitter's part holds the same tree,
// and every passage's heading path is a path of that tree with the role Role gives it.
func TestIngestionUsesOneGrammar(t *testing.T) {
	files, _ := filepath.Glob("testdata/structure/*.txt")
	for _, f := range files {
		t.Run(filepath.Base(f)+" keeps its headings through cleaning and splitting", func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			text := string(b)
			want := outline(Structure(text))
			for _, l := range strings.Split(text, "\n") {
				if _, ok := ParseHeading(l); ok != hasHeadingMarker(l) {
					t.Errorf("cleaner and ParseHeading disagree on %q", l)
				}
			}
			cleaned, rep := Clean(text)
			parts := SplitDocuments(cleaned, rep)
			if len(parts) != 1 {
				t.Fatalf("got %d parts", len(parts))
			}
			if got := outline(Structure(parts[0].Text)); strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("outline after cleaning =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, p := range Segment(parts[0].Text, 0) {
				for _, h := range p.HeadingPath {
					if _, ok := ParseHeading(h); !ok {
						t.Errorf("heading %q of a passage does not parse", h)
					}
				}
				if r := Role(p.HeadingPath, RoleAchievements); p.Role != r && p.Role != RoleOverview {
					// Segment may carry a plan's role to the untold sections after it.
					if !(p.Role == RolePlans && RoleOf(p.HeadingPath[len(p.HeadingPath)-1]) == "") {
						t.Errorf("passage under %q has role %s, Role says %s", p.HeadingPath, p.Role, r)
					}
				}
			}
		})
	}
}
