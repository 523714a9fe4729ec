package retrieval

import (
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestEveryRuleHasAName reads the Rule constants from clean.go, so that a rule added there
// without a Chinese name fails here rather than showing its code to users.
func TestEveryRuleHasAName(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "clean.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	rules := map[string]bool{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			v := s.(*ast.ValueSpec)
			for i, n := range v.Names {
				if !strings.HasPrefix(n.Name, "Rule") || i >= len(v.Values) {
					continue
				}
				if lit, ok := v.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					code, _ := strconv.Unquote(lit.Value)
					rules[code] = true
				}
			}
		}
	}
	if len(rules) < 20 {
		t.Fatalf("found %d Rule constants in clean.go; the parse missed them", len(rules))
	}
	names := map[string]string{}
	for code := range rules {
		name := RuleName(code)
		if name == code || name == "" {
			t.Errorf("rule %q has no Chinese name in ruleNames", code)
		}
		if other, dup := names[name]; dup {
			t.Errorf("rules %q and %q share the name %q", code, other, name)
		}
		names[name] = code
	}
	for code := range ruleNames {
		if !rules[code] {
			t.Errorf("ruleNames names %q, which is no Rule constant of clean.go", code)
		}
	}
}

func TestRuleName(t *testing.T) {
	if got := RuleName(RuleCopyright); got != "版权声明" {
		t.Errorf("RuleName(copyright) = %q", got)
	}
	if got := RuleName("no_such_rule"); got != "no_such_rule" {
		t.Errorf("an unknown rule is named %q, want its code", got)
	}
	got := RuleNames(map[string]int{RuleContact: 2, RuleMenu: 1})
	if len(got) != 2 || got[RuleContact] != "联系方式" || got[RuleMenu] != "网站菜单" {
		t.Errorf("RuleNames = %v", got)
	}
}
