package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/draftd/draftd/draft"
	"github.com/draftd/draftd/draft/docx"
	"github.com/draftd/draftd/draft/offline"
	"github.com/draftd/draftd/draft/openai"
	"github.com/draftd/draftd/prompts"
	"github.com/draftd/draftd/retrieval"
)

// drafting is the wiring for drafting: a template Drafter and the writers by model name.
type drafting struct {
	drafter      *draft.Drafter
	writers      map[string]draft.Writer
	defaultModel string
}

// newDrafting wires the drafter over store: offline always, the chat model when configured (and then
// by default), and the chat model's claim check when DRAFTD_CLAIM_CHECK is on, for drafts the chat
// model writes: an offline draft calls no model.
func newDrafting(cfg Config, store Store, emb embedder) (drafting, error) {
	searcher := &retrieval.Searcher{Store: store, Embed: emb.embed}
	w := drafting{
		drafter: &draft.Drafter{Search: searcher.Search, Store: store, PromptVersion: prompts.Version,
			Concurrency: cfg.SectionConcurrency, Size: cfg.Size()},
		writers:      map[string]draft.Writer{offline.Model: offline.Writer{}},
		defaultModel: offline.Model,
	}
	if cfg.ChatModel != "" {
		client := openai.New(openai.Config{BaseURL: cfg.OpenAIBaseURL, APIKey: cfg.OpenAIAPIKey, Model: cfg.ChatModel,
			Timeout: cfg.ChatTimeout, IdleTimeout: cfg.ChatIdleTimeout, MaxTokens: cfg.ChatMaxTokens})
		w.writers[cfg.ChatModel] = &openai.Writer{Complete: client.Complete, Model: cfg.ChatModel}
		w.defaultModel = cfg.ChatModel
		if cfg.ClaimCheck {
			check := (&openai.ClaimChecker{Complete: client.Complete}).Check
			w.drafter.ClaimChecker = func(ctx context.Context, req draft.ClaimCheckRequest) ([]draft.CheckedClaim, draft.Usage, error) {
				if req.Model == offline.Model {
					return nil, draft.Usage{}, nil
				}
				return check(ctx, req)
			}
		}
	}
	return w, nil
}

func (m *Main) draft(ctx context.Context, args []string) error {
	var figuresPath, format, outPath, model, title, org, period, workspace string
	var claimCheck *bool // set when --claim-check is given
	cfg, _, err := m.config("draft", args, func(fs *flag.FlagSet) {
		fs.StringVar(&figuresPath, "figures", "", "figures file: .json, .xlsx or .csv (required)")
		fs.StringVar(&format, "format", "json", "output format: json, md, html, txt or docx (docx needs -o)")
		fs.StringVar(&outPath, "o", "", "write the draft to this file instead of standard output")
		fs.StringVar(&model, "model", "", "offline, or the configured chat model (default: the chat model when configured)")
		fs.StringVar(&title, "title", "", "title (for .xlsx/.csv figures)")
		fs.StringVar(&org, "organization", "", "organisation (for .xlsx/.csv figures)")
		fs.StringVar(&period, "period", "", "period, e.g. 2025年上半年 (for .xlsx/.csv figures)")
		workspaceFlag(fs, &workspace)
		fs.Func("claim-check", "on or off: the chat model checks each section's claims in one more call (overrides DRAFTD_CLAIM_CHECK)", func(v string) error {
			on, err := parseOnOff(v)
			claimCheck = &on
			return err
		})
	})
	if err != nil {
		return err
	}
	if claimCheck != nil {
		cfg.ClaimCheck = *claimCheck
		if err := cfg.Validate(); err != nil {
			return fmt.Errorf("configuration:\n%w", err)
		}
	}
	if figuresPath == "" {
		return fmt.Errorf("draft: --figures FILE is required (.json, .xlsx or .csv)")
	}
	if format == "docx" && outPath == "" {
		return fmt.Errorf("draft: --format docx writes a file: give -o FILE.docx")
	}
	render, ok := renderers[format]
	if !ok {
		return fmt.Errorf("draft: --format must be json, md, html, txt or docx, got %q", format)
	}
	f, err := os.Open(figuresPath)
	if err != nil {
		return err
	}
	in, err := draft.ImportFigures(filepath.Base(figuresPath), f, draft.Meta{Title: title, Organization: org, Period: period})
	f.Close()
	if err != nil {
		return fmt.Errorf("%s: %w", figuresPath, describeValidation(err))
	}
	store, emb, err := openChecked(ctx, cfg)
	if err != nil {
		return err
	}
	defer store.Close()
	wiring, err := newDrafting(cfg, store, emb)
	if err != nil {
		return err
	}
	if model == "" {
		model = wiring.defaultModel
	}
	w, ok := wiring.writers[model]
	if !ok {
		return fmt.Errorf("draft: unknown model %q (offline, or set DRAFTD_CHAT_MODEL)", model)
	}
	sc, err := inWorkspace(ctx, store, workspace)
	if err != nil {
		return fmt.Errorf("draft: --workspace: %w", err)
	}
	d := wiring.drafter.InWorkspace(sc)
	d.Writer, d.Model = w, model
	dr, err := d.Create(ctx, in)
	if err != nil {
		return describeValidation(err)
	}
	runErr := d.Run(ctx, dr, m.draftProgress(len(dr.Sections)))
	saved, err := store.Draft(context.WithoutCancel(ctx), sc, dr.ID)
	if err != nil {
		return err
	}
	out, err := render(saved)
	if err != nil {
		return err
	}
	if outPath != "" {
		if err := os.WriteFile(outPath, out, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(m.Stderr, "draft %s written to %s\n", saved.ID, outPath)
	} else if _, err := m.Stdout.Write(out); err != nil {
		return err
	}
	if runErr != nil {
		return fmt.Errorf("draft %s: %s", saved.ID, userMessage(runErr))
	}
	return nil
}

// renderers turn a stored draft into an output format.
var renderers = map[string]func(*draft.Draft) ([]byte, error){
	"json": func(d *draft.Draft) ([]byte, error) {
		d.ReviewProgress = d.Progress() // as GET /api/v1/drafts/{id} serves it
		b, err := json.MarshalIndent(d, "", "  ")
		return append(b, '\n'), err
	},
	"md":   func(d *draft.Draft) ([]byte, error) { return draft.Markdown(d), nil },
	"html": draft.HTML,
	"txt":  func(d *draft.Draft) ([]byte, error) { return draft.Text(d), nil },
	"docx": func(d *draft.Draft) ([]byte, error) {
		var b bytes.Buffer
		err := docx.Write(&b, d, docx.Options{})
		return b.Bytes(), err
	},
}

// draftProgress reports drafting per section: a bar on a terminal, plain lines otherwise.
func (m *Main) draftProgress(sections int) func(draft.Event) {
	bar := newBar(m.Stderr, sections, "draft")
	return func(e draft.Event) {
		switch e.Type {
		case draft.EventSectionStarted:
			if bar != nil {
				bar.Describe(fmt.Sprintf("draft: section %d", e.Section+1))
			} else {
				fmt.Fprintf(m.Stderr, "section %d: drafting\n", e.Section+1)
			}
		case draft.EventSectionDone, draft.EventSectionFailed:
			if bar != nil {
				bar.Add(1)
			}
			if e.Type == draft.EventSectionFailed {
				if bar != nil {
					bar.Clear()
				}
				fmt.Fprintf(m.Stderr, "section %d: failed: %s\n", e.Section+1, e.Error)
			} else if bar == nil {
				fmt.Fprintf(m.Stderr, "section %d: done\n", e.Section+1)
			}
		}
	}
}

// describeValidation spells out every problem of invalid figures, one per line.
func describeValidation(err error) error {
	var ve *draft.ValidationError
	if errors.As(err, &ve) {
		msg := "invalid figures:"
		for _, p := range ve.Problems {
			msg += "\n  " + p.Where() + ": " + p.Message
		}
		return fmt.Errorf("%s", msg)
	}
	return err
}
