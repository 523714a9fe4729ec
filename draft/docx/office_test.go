package docx

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/draftd/draftd/draft"
)

// office returns the path of a tool the office test needs, skipping the test without it unless
// DRAFTD_REQUIRE_OFFICE=1 (CI), where a missing tool fails it.
func office(t *testing.T, names []string, pkg string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	msg := names[0] + " is not installed (Debian package " + pkg + ")"
	if os.Getenv("DRAFTD_REQUIRE_OFFICE") == "1" {
		t.Fatal(msg + "; DRAFTD_REQUIRE_OFFICE=1 requires it")
	}
	t.Skip(msg + "; set DRAFTD_REQUIRE_OFFICE=1 to make this a failure")
	return ""
}

// squash removes all white space, which PDF text extraction adds at line ends.
func squash(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s)
}

// TestOffice opens the exported files in LibreOffice: they must convert to A4 PDFs that hold all
// the draft's text, with the light risk shading visible on the marked copies, none on the clean
// one, and no saturated highlight on any; the clean one reads title, body, 落款.
func TestOffice(t *testing.T) {
	if testing.Short() && os.Getenv("DRAFTD_REQUIRE_OFFICE") != "1" {
		t.Skip("converting with LibreOffice takes a while; skipped with -short")
	}
	soffice := office(t, []string{"libreoffice", "soffice"}, "libreoffice-writer")
	pdftotext := office(t, []string{"pdftotext"}, "poppler-utils")
	pdftoppm := office(t, []string{"pdftoppm"}, "poppler-utils")
	pdfinfo := office(t, []string{"pdfinfo"}, "poppler-utils")

	dir := t.TempDir()
	artifacts := os.Getenv("DRAFTD_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	docs := []struct {
		name string
		d    *draft.Draft
		opt  Options
	}{
		{"marked", loadDraft(t), Options{Date: exportDate}},
		{"tracked", loadDraft(t), Options{Tracked: true, Date: exportDate}},
		{"clean", approvedDraft(t), Options{Clean: true, Date: exportDate}},
	}
	var files []string
	for _, doc := range docs {
		var b bytes.Buffer
		if err := Write(&b, doc.d, doc.opt); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, doc.name+".docx")
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}

	// A fresh profile per run: LibreOffice's first start is slow, and a shared one can be locked.
	profile := filepath.Join(t.TempDir(), "profile")
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--norestore", "-env:UserInstallation=file://" + profile, "--convert-to", "pdf", "--outdir", artifacts}, files...)
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}

	t.Run("LibreOffice reads every comment and tracked insertion of the tracked copy", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, soffice, "--headless", "--norestore", "-env:UserInstallation=file://"+profile, "--convert-to", "fodt", "--outdir", dir, filepath.Join(dir, "tracked.docx"))
		cmd.Env = append(os.Environ(), "HOME="+dir)
		cmd.WaitDelay = 5 * time.Second
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("libreoffice: %v\n%s", err, out)
		}
		odt, err := os.ReadFile(filepath.Join(dir, "tracked.fodt"))
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(odt), "<office:annotation>") + strings.Count(string(odt), "<office:annotation "); n != len(pending) {
			t.Errorf("%d comments, want %d", n, len(pending))
		}
		if n := strings.Count(string(odt), "<text:changed-region "); n != len(pending) {
			t.Errorf("%d tracked changes, want %d", n, len(pending))
		}
	})
	t.Run("the clean copy reads title, body, then organisation and date", func(t *testing.T) {
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", filepath.Join(artifacts, "clean.pdf"), "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		got := squash(string(out))
		d := docs[2].d
		last := d.Sections[2].Sentences[0].Text
		at := 0
		for _, w := range []string{d.Title, "一、粮食生产", d.Sections[0].Sentences[0].Text, "三、下一步工作打算", last, d.Organization, "2025年7月1日"} {
			i := strings.Index(got[at:], squash(w))
			if i < 0 {
				t.Fatalf("%q missing or out of order in the PDF text:\n%s", w, out)
			}
			at += i + len(squash(w))
		}
		if rest := got[at:]; !regexp.MustCompile(`^(—\d+—)*$`).MatchString(rest) { // page numbers may follow
			t.Errorf("the PDF goes on after the date: %q", rest)
		}
	})
	for _, doc := range docs {
		t.Run("the "+doc.name+" copy opens in LibreOffice with all its text on A4 pages", func(t *testing.T) {
			pdf := filepath.Join(artifacts, doc.name+".pdf")
			info, err := exec.Command(pdfinfo, pdf).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, info)
			}
			if !strings.Contains(string(info), "(A4)") {
				t.Errorf("not A4:\n%s", info)
			}
			out, err := exec.Command(pdftotext, "-enc", "UTF-8", pdf, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			got := squash(string(out))
			want := []string{doc.d.Title, "一、粮食生产", "二、农村人居环境整治", "三、下一步工作打算"}
			for _, s := range doc.d.Sections {
				if s.Status == draft.StatusFailed {
					want = append(want, "本部分生成失败："+s.Error)
					continue
				}
				for _, x := range s.Sentences {
					if x.Review.Decision != draft.DecisionRejected {
						want = append(want, strip(x.Text))
					}
				}
			}
			for _, w := range want {
				if !strings.Contains(got, squash(w)) {
					t.Errorf("PDF text lacks %q", w)
				}
			}
			if strings.Contains(got, "位居全市第一") {
				t.Error("rejected sentence in the PDF")
			}
		})
		t.Run("page one of the "+doc.name+" copy shows light shading only when marked, and no highlight", func(t *testing.T) {
			prefix := filepath.Join(artifacts, doc.name+"-page")
			if out, err := exec.Command(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", filepath.Join(artifacts, doc.name+".pdf"), prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			f, err := os.Open(prefix + ".png")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("page 1 rendered to %s", prefix+".png")
			n := colours(img)
			for _, set := range []struct {
				name    string
				colours map[draft.Risk]string
				want    bool
			}{
				{"highlight", highlightRGB, false},
				{"shading", shades, !doc.opt.Clean},
			} {
				for risk, c := range set.colours {
					if got := n[c]; set.want && got < 100 || !set.want && got > 0 {
						t.Errorf("%d pixels of the %s risk %s (%s), want any: %v", got, risk, set.name, c, set.want)
					}
				}
			}
		})
	}
}

// highlightRGB are the colours of Word's highlighter (green, yellow, red), which no copy uses.
var highlightRGB = map[draft.Risk]string{draft.RiskLow: "00FF00", draft.RiskMedium: "FFFF00", draft.RiskHigh: "FF0000"}

// colours counts the pixels of img by colour, as RRGGBB; antialiased edges count as their own colours.
func colours(img image.Image) map[string]int {
	n := map[string]int{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			n[fmt.Sprintf("%02X%02X%02X", r>>8, g>>8, bl>>8)]++
		}
	}
	return n
}

// TestOfficeShowsClaimMarks opens a sentence with unsupported claims in LibreOffice: the claims'
// stronger shading shows on the page, in the highlighted and the tracked copy alike, and the
// sentence's text reads as one whatever its runs.
func TestOfficeShowsClaimMarks(t *testing.T) {
	if testing.Short() && os.Getenv("DRAFTD_REQUIRE_OFFICE") != "1" {
		t.Skip("converting with LibreOffice takes a while; skipped with -short")
	}
	soffice := office(t, []string{"libreoffice", "soffice"}, "libreoffice-writer")
	pdftotext := office(t, []string{"pdftotext"}, "poppler-utils")
	pdftoppm := office(t, []string{"pdftoppm"}, "poppler-utils")
	dir := t.TempDir()
	var files []string
	for name, opt := range map[string]Options{"claims-marked": {Date: exportDate}, "claims-tracked": {Tracked: true, Date: exportDate}} {
		var b bytes.Buffer
		if err := Write(&b, claimsDraft(), opt); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(dir, name+".docx")
		if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	args := append([]string{"--headless", "--norestore", "-env:UserInstallation=file://" + filepath.Join(t.TempDir(), "profile"), "--convert-to", "pdf", "--outdir", dir}, files...)
	cmd := exec.CommandContext(ctx, soffice, args...)
	cmd.Env = append(os.Environ(), "HOME="+dir)
	cmd.WaitDelay = 5 * time.Second
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("libreoffice: %v\n%s", err, out)
	}
	for _, name := range []string{"claims-marked", "claims-tracked"} {
		t.Run("the "+name+" copy shows the claims' shading and the whole sentence", func(t *testing.T) {
			pdf := filepath.Join(dir, name+".pdf")
			out, err := exec.Command(pdftotext, "-enc", "UTF-8", pdf, "-").Output()
			if err != nil {
				t.Fatalf("pdftotext: %v", err)
			}
			if s := claimsDraft().Sections[0].Sentences[0].Text; !strings.Contains(squash(string(out)), s) {
				t.Errorf("PDF text lacks %q:\n%s", s, out)
			}
			prefix := filepath.Join(dir, name+"-page")
			if out, err := exec.Command(pdftoppm, "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", pdf, prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			f, err := os.Open(prefix + ".png")
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			img, err := png.Decode(f)
			if err != nil {
				t.Fatal(err)
			}
			n := colours(img)
			for risk, c := range claimShades {
				if n[c] < 100 {
					t.Errorf("%d pixels of the %s claim shading %s, want at least 100", n[c], risk, c)
				}
			}
		})
	}
}
