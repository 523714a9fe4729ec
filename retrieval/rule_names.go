package retrieval

// ruleNames are the Chinese names of the clean rules, for people reading what cleaning dropped
// (the web app's upload report). Every Rule constant has one (TestEveryRuleHasAName).
var ruleNames = map[string]string{
	RuleDownload:       "下载、打印按钮",
	RuleMembership:     "会员提示",
	RuleCopyright:      "版权声明",
	RuleNavigation:     "导航与相关链接",
	RulePromo:          "网站推介语",
	RuleMeta:           "发布信息（时间、编辑、阅读数）",
	RuleContact:        "联系方式",
	RuleRating:         "评分",
	RuleKeywords:       "关键词",
	RuleFieldLabel:     "页脚字段",
	RuleDocSharing:     "文档分享网站提示",
	RuleHidden:         "隐藏文字提示",
	RulePageNumber:     "页码",
	RuleTOC:            "目录",
	RuleFileName:       "文件名",
	RuleDuplicateTitle: "重复的标题",
	RuleOrphan:         "网页模板间的零碎文字",
	RuleFragment:       "截断留下的标点",
	RuleDecoration:     "装饰符号",
	RulePrice:          "价格",
	RuleMenu:           "网站菜单",
	RuleFields:         "网页信息表（索引号、发布机构等）",
	RuleTerms:          "网站词条列表",
	RuleRepeated:       "各网页重复的行",
	RulePageTail:       "页眉页脚残片",
}

// RuleName returns the Chinese name of a clean rule (RuleCopyright: 版权声明), or the code
// itself for a code it does not know.
func RuleName(rule string) string {
	if n, ok := ruleNames[rule]; ok {
		return n
	}
	return rule
}

// RuleNames returns the Chinese name of every rule rules counts removals for.
func RuleNames(rules map[string]int) map[string]string {
	names := make(map[string]string, len(rules))
	for r := range rules {
		names[r] = RuleName(r)
	}
	return names
}
