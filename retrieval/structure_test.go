package retrieval

import (
	"strings"
	"testing"
)

// outline lists a tree's headings, indented two spaces per level below the first.
func outline(s *Section) []string {
	var out []string
	var walk func(s *Section)
	walk = func(s *Section) {
		if s.Level > 0 {
			out = append(out, strings.Repeat("  ", s.Level-1)+s.Heading)
		}
		for _, c := range s.Sections {
			walk(c)
		}
	}
	walk(s)
	return out
}

func TestStructure(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			name: "headings of every numbering style nest in order",
			text: "第一部分 总体情况\n一、主要成效\n（一）项目建设\n1.新建学校\n全年新建学校3所。\n（1）城区学校\n新建2所。\n（2）农村学校\n新建1所。\n2、改造校舍\n改造校舍12处。\n（二）队伍建设。招聘教师80名。\n二、存在问题\n① 经费不足\n第二部分 下一步打算",
			want: []string{"第一部分 总体情况", "  一、主要成效", "    （一）项目建设", "      1.新建学校", "        （1）城区学校", "        （2）农村学校", "      2、改造校舍", "    （二）队伍建设", "  二、存在问题", "    ①经费不足", "第二部分 下一步打算"},
		},
		{
			name: "a skipped level nests under the nearest outer heading",
			text: "一、工作成效\n1、完成投资4.2亿元。\n2、新增就业1200人。\n二、工作打算\n（一）稳投资。",
			want: []string{"一、工作成效", "  1、完成投资4.2亿元", "  2、新增就业1200人", "二、工作打算", "  （一）稳投资"},
		},
		{
			name: "half-width brackets are written full width",
			text: "(一)医疗服务\n(1)门诊量增长\n(二)公共卫生",
			want: []string{"（一）医疗服务", "  （1）门诊量增长", "（二）公共卫生"},
		},
		{
			name: "enumerations with 一是 stay in the body and end the heading",
			text: "（一）项目建设一是新建学校3所。二是改造校舍12处。\n（二）队伍建设。一是招聘教师80名。",
			want: []string{"（一）项目建设", "（二）队伍建设"},
		},
		{
			name: "month ranges, decimals and 三、四级 are not headings",
			text: "1-6月，全区新登记市场主体4127户。\n2.5万户市场主体完成年报。\n三、四级手术占比提高到46%。\n12月，召开总结大会。",
			want: nil,
		},
		{
			name: "headings run on after a sentence end when the numbering continues",
			text: "一、主要工作。全年各项工作取得明显成效。二、存在的问题（一）人员不足。基层人员缺口较大。（二）经费紧张。三、下一步打算一是加强队伍建设。",
			want: []string{"一、主要工作", "二、存在的问题", "  （一）人员不足", "  （二）经费紧张", "三、下一步打算"},
		},
		{
			name: "a number inside a line that breaks the numbering is not a heading",
			text: "一、主要工作\n全年完成任务。三、加强监管不是标题。（二）也不是。",
			want: []string{"一、主要工作"},
		},
		{
			name: "a heading with a long first sentence is cut at a comma",
			text: "三、深入推进基层医疗卫生服务能力提升工程以推进全县医疗服务均等化进程为总体目标，以提升服务品质为核心，开展能力建设。",
			want: []string{"三、深入推进基层医疗卫生服务能力提升工程以推进全县医疗服务均等化进程为总体目标"},
		},
		{
			name: "a heading ends at a colon",
			text: "一、主要做法：一是强化领导。",
			want: []string{"一、主要做法"},
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

func TestStructureBodies(t *testing.T) {
	text := "今年以来，各项工作稳步推进。\n三、深入推进能力提升工程以推进全县医疗服务均等化进程为总体目标并且持续开展多项活动，以提升服务品质为核心。一是开展培训。\n四、其他工作。完成上级交办任务。"
	root := Structure(text)
	if root.Body != "今年以来，各项工作稳步推进。" {
		t.Errorf("root body = %q", root.Body)
	}
	if len(root.Sections) != 2 {
		t.Fatalf("got %d sections, want 2", len(root.Sections))
	}
	if b := root.Sections[0].Body; !strings.HasPrefix(b, "深入推进能力提升工程") || !strings.HasSuffix(b, "一是开展培训。") {
		t.Errorf("a heading cut at a comma keeps its whole sentence in the body; body = %q", b)
	}
	if b := root.Sections[1].Body; b != "完成上级交办任务。" {
		t.Errorf("body after a heading ending in 。 = %q, want the text after it", b)
	}
	for _, s := range root.Sections {
		if !strings.Contains(text, s.Body) {
			t.Errorf("body %q is not a substring of the text", s.Body)
		}
	}
}

func TestStructureSamples(t *testing.T) {
	tests := []struct {
		name string
		file string
		part int // index of the document in the file
		want []string
	}{
		{
			name: "the page-numbered summary, one long line after rejoining, has its five run-on headings", file: sampleHealthBureau,
			want: []string{
				"一、大力推进区属医疗机构提档升级",
				"二、大力推进医疗资源结构优化和布局调整",
				"三、深入推进医疗服务软件提升工程以推进全市医疗服务国际化进程为目标",
				"四、重大传染病防控工作得到加强",
				"五、进一步加强妇幼保健工作",
			},
		},
		{
			name: "the key-work report has one section of nine", file: sampleKeyWork,
			want: []string{
				"一、2020年上半年重点工作完成情况",
				"  （一）稳步推进健康XX行动",
				"  （二）扎实开展爱国卫生运动",
				"  （三）健康扶贫工作成效显著",
				"  （四）新冠肺炎疫情防控工作开展有力有序",
				"  （五）医药卫生体制改革持续深化",
				"  （六）重大疾病防控工作扎实有效开展",
				"  （七）医疗服务水平显著提升",
				"  （八）中蒙医药振兴行动不断加力",
				"  （九）重点人群健康服务全面推进",
			},
		},
		{
			name: "the compilation's first document stops where the site hid the rest", file: sampleCompilation,
			want: []string{
				"一、工作总结",
				"  （一）医院建设全面提速提效",
				"  （二）医疗综合实力大幅提升",
				"  （三）中医药事业传承创新发展",
				"  （四）社区健康服务扩容提质",
				"  （五）公卫服务能力明显加强",
				"  （六）党风廉政建设固本培元",
				"  （七）全生命周期健康保障更加有力",
				"二、2024年工作计划",
				"  （一）全速推进优质医疗资源硬件改",
			},
		},
		{
			name: "the compilation's last document starts mid-section", file: sampleCompilation, part: 4,
			want: []string{"（二）坚守安全底线", "（三）推动高效发展", "（四）抓实民生工程", "二、2024年工作思路"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cleaned, rep := Clean(readSample(t, tt.file))
			parts := SplitDocuments(cleaned, rep)
			root := Structure(parts[tt.part].Text)
			got := outline(root)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("outline =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			var walk func(s *Section)
			walk = func(s *Section) {
				for _, c := range s.Sections {
					if strings.Contains(c.Heading, "一是") || strings.Contains(c.Heading, "二是") {
						t.Errorf("heading %q holds an enumeration", c.Heading)
					}
					if n := runeLen(c.Heading); n > maxHeadingRunes+8 {
						t.Errorf("heading %q is %d runes long", c.Heading, n)
					}
					walk(c)
				}
			}
			walk(root)
		})
	}
}

func TestCNValue(t *testing.T) {
	for s, want := range map[string]int{"一": 1, "九": 9, "十": 10, "十二": 12, "二十": 20, "二十三": 23, "一百零五": 105, "甲": 0} {
		if got := cnValue(s); got != want {
			t.Errorf("cnValue(%q) = %d, want %d", s, got, want)
		}
	}
}

func TestStructureRecoversRunOnHeadings(t *testing.T) {
	tests := []struct {
		name string
		text string
		want []string
	}{
		{
			name: "numbered items after a heading's short title and after sentence ends start headings",
			text: "2023年，我局扎实开展各项工作。一、主要工作（一）统计调查。完成入户登记3.2万户。（二）统计服务。编印年鉴500册。二、下一步打算1.提升数据质量。建立核查机制。2.加强队伍建设。组织培训6期。（1）线上培训。开展3期。（2）线下培训。开展3期。",
			want: []string{"一、主要工作", "  （一）统计调查", "  （二）统计服务", "二、下一步打算", "  1.提升数据质量", "  2.加强队伍建设", "    （1）线上培训", "    （2）线下培训"},
		},
		{
			name: "a bracketed item after a sentence end continues the numbering",
			text: "2.提升防汛能力。（1）完善监测站网。新建雨量站20个。（2）加强队伍建设。组建抢险队3支；（3）储备物资。",
			want: []string{"2.提升防汛能力", "  （1）完善监测站网", "  （2）加强队伍建设", "  （3）储备物资"},
		},
		{
			name: "numbers inside sentences are not headings",
			text: "一、主要工作\n全年增长2.5%。1.24万人次参加培训。人均收入增加（1）成以上。经费共3项；1、2月完成拨付。",
			want: []string{"一、主要工作"},
		},
		{
			name: "a first item needs an outer heading before it",
			text: "全年完成三项工作。1.修订制度。2.开展培训。",
			want: nil,
		},
		{
			name: "an item that breaks the numbering is not a heading",
			text: "一、主要工作\n1.修订制度。全年修订3项。3.开展培训。",
			want: []string{"一、主要工作", "  1.修订制度"},
		},
		{
			name: "a first item after a colon whose title runs into its first sentence is confirmed by the next item",
			text: "二、2026年工作安排\n重点做好以下工作：（一）稳住农业基本盘持续提升粮食产能，新建高标准农田2万亩，推广良种8个品种，建成智慧农场3个，培育家庭农场60家。全年粮食产量保持稳定。（二）加快建设现代产业体系。培育规上企业12家。",
			want: []string{"二、2026年工作安排", "  （一）稳住农业基本盘持续提升粮食产能", "  （二）加快建设现代产业体系"},
		},
		{
			name: "numbering that starts again after an unnumbered heading is confirmed by its next number",
			text: "（一）经济运行稳中有进。全年增长5%。（二）民生保障有力。新增就业1200人。加强政府自身建设新形势对政府工作提出了新要求。（一）树牢正确政绩观。坚持实干。（二）清正廉洁守底线。严守纪律。",
			want: []string{"（一）经济运行稳中有进", "（二）民生保障有力", "（一）树牢正确政绩观", "（二）清正廉洁守底线"},
		},
		{
			name: "a glossary's items glued to its heading run on under the last section",
			text: "一、重点任务\n推进示范区建设。名词解释1.“三通”：通水、通电、通路。2.“两新”：设备更新和以旧换新。3．10种作物：稻、麦等。4.“一网通办”：政务服务一个入口。5.“两证”：许可证和合格证。",
			want: []string{"一、重点任务", "  1.“三通”", "  2.“两新”", "  4.“一网通办”", "  5.“两证”"},
		},
		{
			name: "a numbering of an outer kind that starts again under a deeper heading is a list under it",
			text: "一、若干问题\n（一）关于建设问题\n现就以下几点说明：\n一、提高设计质量。设计单位要负责。\n二、加强施工指导。监理要到位。\n（二）关于生产问题\n全年增长3%。\n二、下一步打算",
			want: []string{"一、若干问题", "  （一）关于建设问题", "    一、提高设计质量", "    二、加强施工指导", "  （二）关于生产问题", "二、下一步打算"},
		},
		{
			name: "the same list loses its line breaks and keeps its levels",
			text: "一、若干问题（一）关于建设问题现就以下几点说明：一、提高设计质量。设计单位要负责。二、加强施工指导。监理要到位。（二）关于生产问题全年增长3%。二、下一步打算",
			want: []string{"一、若干问题", "  （一）关于建设问题现就以下几点说明", "    一、提高设计质量", "    二、加强施工指导", "  （二）关于生产问题全年增长3%", "二、下一步打算"},
		},
		{
			name: "a list of 一、 items after a colon that lost its line breaks is a list of headings under its section",
			text: "一、若干问题（一）关于建设问题。今后要做好以下工作：一、提高设计质量，减少返工；二、加强施工指导，严格按图施工；三、各方协同配合。（二）关于生产问题。全年增长3%。二、下一步打算",
			want: []string{"一、若干问题", "  （一）关于建设问题", "    一、提高设计质量，减少返工", "    二、加强施工指导，严格按图施工", "    三、各方协同配合", "  （二）关于生产问题", "二、下一步打算"},
		},
		{
			name: "the numbering a list of headings interrupted goes on after it",
			text: "一、修订制度\n全年修订3项。\n二、开展培训\n改造从三方面进行：一、降低消耗；二、改进产品；三、利用资源。全年完成改造8项。三、加强督查。组织检查4次。",
			want: []string{"一、修订制度", "二、开展培训", "一、降低消耗", "二、改进产品", "三、利用资源", "三、加强督查"},
		},
		{
			name: "a table of contents in a paragraph announces the headings and is not one",
			text: "我讲三个问题：一、三年来的工作；二、今年的任务；三、加强自身建设。一、三年来的工作。全年增长5%。二、今年的任务。稳增长。三、加强自身建设。转作风。",
			want: []string{"一、三年来的工作", "二、今年的任务", "三、加强自身建设"},
		},
		{
			name: "lists of inner kinds and list items with a sentence inside stay in the body",
			text: "一、财政收支\n支出情况如下：（一）工业支出为8.5亿元；（二）农业支出为2.1亿元；（三）其他支出为0.4亿元。全年收支平衡。",
			want: []string{"一、财政收支"},
		},
		{
			name: "a numbering goes on past a list that started again under a deeper heading",
			text: "一、回顾\n二、任务\n（一）稳增长\n做好以下几点：\n一、控制规模。\n二、优化结构。\n三、调整布局。\n四、提高效益。\n全年完成投资3亿元。三、改革。深化改革。",
			want: []string{"一、回顾", "二、任务", "  （一）稳增长", "    一、控制规模", "    二、优化结构", "    三、调整布局", "    四、提高效益", "三、改革"},
		},
		{
			name: "circled numbers inside a line start headings after a full sentence",
			text: "一、防汛能力\n1.加强监测。全年新建站点20个。①雨量站。新建12个。②水位站。新建8个。2.储备物资。",
			want: []string{"一、防汛能力", "  1.加强监测", "    ①雨量站", "    ②水位站", "  2.储备物资"},
		},
		{
			name: "circled numbers listed in a paragraph stay in the body",
			text: "一、存在问题\n主要有：①资金不足；②人员短缺；③设备老化。全年办好十件实事。①新建站点12个。②改造泵站8座，新增排涝能力5立方米每秒。③培训人员300人次。",
			want: []string{"一、存在问题"},
		},
		{
			name: "a document that puts its kinds in an order of its own nests them in that order",
			text: "1.工作回顾\n（一）农业\n增长3%。\n（二）工业\n增长5%。\n2.工作打算\n（一）扩大投资\n新增10亿元。",
			want: []string{"1.工作回顾", "  （一）农业", "  （二）工业", "2.工作打算", "  （一）扩大投资"},
		},
		{
			name: "the same document without line breaks keeps that order",
			text: "1.工作回顾\n全年平稳。（一）农业。增长3%。（二）工业。增长5%。2.工作打算。稳中求进。（一）扩大投资。新增10亿元。",
			want: []string{"1.工作回顾", "  （一）农业", "  （二）工业", "2.工作打算", "  （一）扩大投资"},
		},
		{
			name: "（一） under （二） in a report that numbers its parts （一） and its items 一、",
			text: "（一）形势\n全年平稳。\n（二）方针\n今后要做好以下工作。\n一、发展农业\n二、发展工业\n（三）前景\n前景广阔。",
			want: []string{"（一）形势", "（二）方针", "  一、发展农业", "  二、发展工业", "（三）前景"},
		},
		{
			name: "a stray first heading of an inner kind leaves the usual order",
			text: "（一）说明\n本文为年度总结。\n一、工作回顾\n（一）农业\n（二）工业\n二、工作打算\n（一）投资",
			want: []string{"（一）说明", "一、工作回顾", "  （一）农业", "  （二）工业", "二、工作打算", "  （一）投资"},
		},
		{
			name: "a numeral that does not continue the number starts a title",
			text: "一、三年来的主要工作\n二、三、四级医院建设",
			want: []string{"一、三年来的主要工作"},
		},
		{
			name: "a heading's title with a figure is not cut at it",
			text: "一、实施10项民生工程\n二、完成1.2万户改造\n三、落实1、2号文件",
			want: []string{"一、实施10项民生工程", "二、完成1.2万户改造", "三、落实1、2号文件"},
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

// BenchmarkStructureRunOnNumbers parses 60 kB of numbers with no sentence end between them,
// the worst case for a title's search (it reads at most titleScanRunes runes per number;
// reading to the end of the text took 30 s here before).
func BenchmarkStructureRunOnNumbers(b *testing.B) {
	text := strings.Repeat("一、甲乙丙", 4000)
	for b.Loop() {
		Structure(text)
	}
}

// BenchmarkStructureRunOnLists parses lists after colons with no sentence end anywhere: a
// list of headings is looked for from every first item, over at most titleScanRunes runes
// an item.
func BenchmarkStructureRunOnLists(b *testing.B) {
	text := strings.Repeat("要求如下：一、甲乙；二、丙丁；三、戊己；", 3000)
	for b.Loop() {
		Structure(text)
	}
}
