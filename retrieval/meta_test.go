package retrieval

import (
	"fmt"
	"testing"
)

func TestDetectMeta(t *testing.T) {
	tests := []struct {
		name  string
		title string
		text  string
		want  Meta
	}{
		{"a half-year summary", "卫生局关于2021年上半年工作总结", "", Meta{OrgKind: "卫生健康", Years: []int{2021}, Period: "上半年", Kind: "总结"}},
		{"a summary with next year's plan", "区卫生健康局2023年工作总结和2024年工作计划", "", Meta{OrgKind: "卫生健康", Years: []int{2023, 2024}, Period: "全年", Kind: "总结"}},
		{"a report whose period is in its opening", "卫生健康系统2020年重点工作汇报材料", "一、2020年上半年重点工作完成情况", Meta{OrgKind: "卫生健康", Years: []int{2020}, Period: "上半年", Kind: "汇报"}},
		{"a yearly report", "县教育局2023年度依法行政工作报告", "", Meta{OrgKind: "教育", Years: []int{2023}, Period: "全年", Kind: "报告"}},
		{"a government work report", "2024年国务院政府工作报告", "", Meta{OrgKind: "政府", Years: []int{2024}, Period: "全年", Kind: "报告"}},
		{"a town government is not the civil affairs bureau", "××镇人民政府20xx年第一季度工作总结", "", Meta{OrgKind: "政府", Period: "第一季度", Kind: "总结"}},
		{"a civil affairs bureau", "县民政局2022年工作要点", "", Meta{OrgKind: "民政", Years: []int{2022}, Period: "全年", Kind: "要点"}},
		{"months in figures", "市场监管局1-9月工作总结", "", Meta{OrgKind: "市场监管", Period: "前三季度", Kind: "总结"}},
		{"a month range that is no quarter", "1-5月工作情况汇报", "", Meta{Period: "1-5月", Kind: "汇报"}},
		{"a monthly plan", "3月份工作计划", "", Meta{Period: "3月", Kind: "计划"}},
		{"a year range", "2021-2025年卫生健康事业发展规划", "", Meta{OrgKind: "卫生健康", Years: []int{2021, 2025}, Kind: "计划"}},
		{"an untitled text falls back on its opening", "", "2022年，县水利局完成水利投资4.8亿元。全年工作总结如下。", Meta{OrgKind: "水利", Years: []int{2022}, Period: "全年", Kind: "总结"}},
		{"full-width digits", "水务局２０２３年工作总结", "", Meta{OrgKind: "水利", Years: []int{2023}, Period: "全年", Kind: "总结"}},
		{"years out of range are ignored", "1900年与2200年", "", Meta{}},
		{"an official title's ending is its kind", "关于《青石县河长制实施方案》落实情况的汇报", "", Meta{Kind: "汇报"}},
		{"a notice that issues a plan is a plan", "关于印发2024年计量工作安排的通知", "", Meta{Years: []int{2024}, Period: "全年", Kind: "计划"}},
		{"a youth league committee is a mass organisation", "共青团青石县委关于规范团费收缴工作的通知", "", Meta{OrgKind: "群团", Kind: "通知"}},
		{"a government's report is by the government, whatever topics it counts", "", "各位代表：\n现在，我代表青石县人民政府向大会报告工作。\n全县农业增产，农村改厕1.2万户，农业农村发展迈上新台阶，乡村振兴有力推进。",
			Meta{OrgKind: "政府", Kind: "报告"}},
		{"an official document's issuer names its kind", "", "青石县教育局文件\n青教〔2024〕3号\n关于2023年工作情况的报告\n卫生健康，卫生健康，卫生健康。",
			Meta{OrgKind: "教育", Years: []int{2023}, Kind: "报告"}},
		{"a signature names the author", "", "现将有关情况报告如下：\n全年完成农业项目12个，农村道路38公里。\n特此报告。\n青石县审计局\n2024年1月5日",
			Meta{OrgKind: "审计", Years: []int{2024}, Period: "全年", Kind: "报告"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := DetectMeta(tt.title, tt.text)
			if fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", tt.want) {
				t.Errorf("DetectMeta(%q) = %+v, want %+v", tt.title, got, tt.want)
			}
		})
	}
}
