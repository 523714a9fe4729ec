package retrieval

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// fuzzSeeds are inputs that exercise every cleaning rule and heading style.
var fuzzSeeds = []string{
	"",
	"\ufeff\r\n\u3000\u3000一、总体情况\r\n",
	"1、" + strings.Repeat("全年统筹推进各项工作，", 8) + "投入\n2、资金3200万元。\n- 3 -\n第3页 共9页\n4、完成。",
	"（一）项目建设 ……此处隐藏120个字……。二是加强队伍建设。",
	"目录\n1.甲局2022年工作总结……2\n2.乙局2022年工作总结……5\n甲局2022年工作总结\n全年完成任务。",
	"首页 > 范文\n客服QQ：123\n- 关 键 词:\n- 甲 乙 丙\n限制150内",
	"一、主要工作。全年成效明显。二、存在的问题（一）人员不足。（二）经费紧张。三、下一步打算一是加强领导。",
	"“未闭合的引号。" + strings.Repeat("字", 300) + "。",
	"xx万元、20xx年、x-x月、___、××、○○、XX县、X光、3x4",
	"首页 | 工作总结 | 工作计划 | 述职报告\n甲局2022年工作总结\n二、下一步打算1.提升质量。2.加强建设；（1）线上。（2）线下。增长2.5%。",
	"内部事项甲局文件甲〔2024〕3号签发人：XXX甲局关于2023年工作情况的报告县政府：全年完成任务，—2—成效明显。（此件不公开发布。）分发：各单位。",
	"索引号：001\n发布机构：甲局\n名称：甲局2023年工作总结\n" + strings.Repeat("机构概况\n", 9) + "2021年\n2020年\n2019年\n客服QQ：10000001\n售价：¥9.9\n局长?王某<U+00A0>某",
	"一、若干问题（一）关于建设现就以下几点说明：一、提高质量。设计要负责。二、加强指导。监理要到位。（二）关于生产。名词解释1.“两网”：管网。2.“一策”：方案。\n附件1\n清单",
}

func FuzzClean(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	for _, name := range []string{"member_site.txt", "run_on.txt", "compilation.txt", "template.txt"} {
		f.Add(readFixture(f, name))
	}
	f.Fuzz(func(t *testing.T, raw string) {
		cleaned, rep := Clean(raw)
		if !utf8.ValidString(cleaned) {
			t.Fatalf("cleaned text is not valid UTF-8")
		}
		// Removing what the report lists from the input leaves the cleaned text, up to whitespace.
		checkCleanContract(t, raw, cleaned, rep)
		n := strings.Count(cleaned, "\n") + 1
		for _, g := range rep.Gaps {
			if g < 1 || g > n+1 {
				t.Fatalf("gap at line %d of %d", g, n)
			}
		}
	})
}

func FuzzSegment(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s, 40)
	}
	f.Add(readFixture(f, "run_on.txt"), 60)
	f.Fuzz(func(t *testing.T, text string, maxRunes int) {
		maxRunes = maxRunes%1000 + 1
		if maxRunes < 1 {
			maxRunes += 1000
		}
		// Every passage is a non-empty substring of the text, under the cap unless one sentence.
		checkPassages(t, text, Segment(text, maxRunes), maxRunes)

		docs, _, err := Prepare("fuzz.txt", text, "")
		if err != nil && ErrorCode(err) != EEMPTY {
			t.Fatalf("Prepare: %v", err)
		}
		for _, d := range docs {
			if len(d.Passages) == 0 {
				t.Fatalf("document %q has no passages", d.Key)
			}
			checkPassages(t, d.Text, d.Passages, DefaultPassageRunes)
		}
	})
}
