package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/draftd/draftd/draft"
)

func TestTemplate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "songxi.txt")
	os.WriteFile(file, []byte(fixture), 0o644)
	skeleton := filepath.Join(dir, "skeleton.json")
	m, _, errb := testMain(t, nil)
	ctx := context.Background()

	if err := m.Run(ctx, []string{"template", file, "-o", skeleton}); err != nil {
		t.Fatalf("template: %v\n%s", err, errb)
	}
	read := func(t *testing.T, path string) *draft.Figures {
		t.Helper()
		fh, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		f, err := draft.ParseFiguresJSON(fh)
		if err != nil {
			t.Fatal(err)
		}
		return f
	}
	f := read(t, skeleton)

	t.Run("a file not stored yet is ingested and its skeleton names it", func(t *testing.T) {
		if f.Template == "" || !strings.Contains(errb.String(), "created") {
			t.Fatalf("template %q, stderr %s", f.Template, errb)
		}
		if f.Organization != "松溪县卫生健康局" || f.Period != "2023年" || len(f.Sections) == 0 {
			t.Fatalf("skeleton %+v", f)
		}
		var prev []string
		for _, sec := range f.Sections {
			for _, fig := range sec.Figures {
				prev = append(prev, fig.Previous+fig.Unit)
			}
		}
		if !strings.Contains(strings.Join(prev, " "), "71.2%") || !strings.Contains(strings.Join(prev, " "), "3.1万剂") {
			t.Fatalf("previous values %q", prev)
		}
	})
	t.Run("the stored document's ID gives the same skeleton", func(t *testing.T) {
		m2, out, _ := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		if err := m2.Run(ctx, []string{"template", f.Template}); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(skeleton)
		if out.String() != string(got) {
			t.Fatalf("stdout\n%s\nfile\n%s", out, got)
		}
	})
	t.Run("the filled skeleton drafts offline", func(t *testing.T) {
		for s := range f.Sections {
			for r := range f.Sections[s].Figures {
				f.Sections[s].Figures[r].Value = "1"
			}
		}
		filled := filepath.Join(dir, "filled.json")
		data, err := json.Marshal(f)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filled, data, 0o644)
		m2, _, errb := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		if err := m2.Run(ctx, []string{"draft", "--figures", filled, "--model", "offline", "-o", filepath.Join(dir, "draft.json")}); err != nil {
			t.Fatalf("draft: %v\n%s", err, errb)
		}
	})
	t.Run("an unknown ID that is no file is refused", func(t *testing.T) {
		m2, _, _ := testMain(t, map[string]string{"DRAFTD_DATA_DIR": m.Getenv("DRAFTD_DATA_DIR")})
		if err := m2.Run(ctx, []string{"template", "nope"}); err == nil || !strings.Contains(err.Error(), "neither a file") {
			t.Fatalf("err = %v", err)
		}
	})
}
