// Package evalset builds what draftd's retrieval evaluation and benchmarks
// run on from the public sample corpus (../shared/corpus, never committed):
// the reports as files to ingest, labelled queries with a rule that judges
// passages relevant, and a deterministic 100k-passage corpus recombined from
// real sentences.
package evalset

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/draftd/draftd/retrieval/evalset/corpus"
	"github.com/draftd/draftd/retrieval/extract"
)

// Corpus file names inside the corpus directory.
const (
	ReportsFile    = "government_work_reports.jsonl"
	ProvincialFile = "provincial_reports_2025_docx.zip"
)

// ErrNoCorpus is returned by Dir when the sample corpus is not next to the repository.
var ErrNoCorpus = corpus.ErrNoCorpus

// Dir returns the corpus directory, ../shared/corpus beside the repository
// root (see corpus.Dir). It returns ErrNoCorpus when there is no such
// directory or it holds no ReportsFile.
func Dir() (string, error) {
	dir, err := corpus.Dir()
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, ReportsFile)); err != nil {
		return "", ErrNoCorpus
	}
	return dir, nil
}

// File is one corpus file as draftd would receive it: a name and its text.
type File struct {
	Name string
	Text string
}

// Report is one record of government_work_reports.jsonl.
type Report struct {
	Title   string `json:"title"`
	URL     string `json:"url"`
	Content string `json:"content"`
	Year    any    `json:"year"` // a string, or null for the NPC resolutions
}

// Reports reads the State Council reports and NPC resolutions from dir, in file order.
func Reports(dir string) ([]Report, error) {
	f, err := os.Open(filepath.Join(dir, ReportsFile))
	if err != nil {
		return nil, fmt.Errorf("evalset: reports: %w", err)
	}
	defer f.Close()
	var out []Report
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	for sc.Scan() {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Report
		if err := json.Unmarshal(line, &r); err != nil {
			return nil, fmt.Errorf("evalset: reports: record %d: %w", len(out)+1, err)
		}
		out = append(out, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("evalset: reports: %w", err)
	}
	return out, nil
}

// SampleReports reads the reports of the corpus that Dir finds; ErrNoCorpus when it is absent.
func SampleReports() ([]Report, error) {
	dir, err := Dir()
	if err != nil {
		return nil, err
	}
	return Reports(dir)
}

// Files returns every report of the corpus as a file to ingest: the 31
// provincial 2025 reports read from their .docx with extract.Text, then the
// State Council reports and resolutions as .txt, sorted by name.
func Files(ctx context.Context, dir string) ([]File, error) {
	prov, err := provincial(ctx, filepath.Join(dir, ProvincialFile))
	if err != nil {
		return nil, err
	}
	reps, err := Reports(dir)
	if err != nil {
		return nil, err
	}
	var state []File
	for _, r := range reps {
		if strings.TrimSpace(r.Content) == "" {
			continue
		}
		state = append(state, File{Name: r.Title + ".txt", Text: r.Content})
	}
	sort.Slice(state, func(i, j int) bool { return state[i].Name < state[j].Name })
	return append(prov, state...), nil
}

// provincial reads the .docx reports from the zip; their names are GBK bytes without the UTF-8 flag.
func provincial(ctx context.Context, path string) ([]File, error) {
	z, err := zip.OpenReader(path)
	if err != nil {
		return nil, fmt.Errorf("evalset: provincial: %w", err)
	}
	defer z.Close()
	var out []File
	for _, f := range z.File {
		name := f.Name
		if f.NonUTF8 {
			if b, err := simplifiedchinese.GBK.NewDecoder().String(name); err == nil {
				name = b
			}
		}
		if !strings.EqualFold(filepath.Ext(name), ".docx") {
			continue
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("evalset: provincial: %s: %w", name, err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			return nil, fmt.Errorf("evalset: provincial: %s: %w", name, err)
		}
		res, err := extract.Text(ctx, filepath.Base(name), data)
		if err != nil {
			return nil, fmt.Errorf("evalset: provincial: %s: %w", name, err)
		}
		out = append(out, File{Name: filepath.Base(name), Text: res.Text})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
