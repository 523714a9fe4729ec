package extract

import (
	"strconv"
	"strings"
	"unicode"
)

// Word's automatic numbering (ECMA-376 §17.9): a paragraph points, directly
// or through its style, at a numbering instance (w:num, by numId) and a
// level (ilvl); the instance points at an abstract definition whose levels
// say how to count (w:start, w:numFmt, w:lvlRestart) and what to show
// (w:lvlText, e.g. "%1、" or "（%1）"). Word keeps one set of counters per
// abstract definition, shared by every instance that points at it, and an
// instance's w:startOverride restarts the count where that instance is first used.

// xVal is an element whose value is its w:val attribute.
type xVal struct {
	Val string `xml:"val,attr"`
}

// xNumPr is a numbering property: w:numPr.
type xNumPr struct {
	Ilvl  *xVal `xml:"ilvl"`
	NumID *xVal `xml:"numId"`
}

// xLvl is a numbering level: w:lvl.
type xLvl struct {
	Ilvl       string `xml:"ilvl,attr"`
	Start      *xVal  `xml:"start"`
	NumFmt     *xVal  `xml:"numFmt"`
	LvlText    *xVal  `xml:"lvlText"`
	LvlRestart *xVal  `xml:"lvlRestart"`
	PStyle     *xVal  `xml:"pStyle"`
	IsLgl      *xVal  `xml:"isLgl"`
	Suff       *xVal  `xml:"suff"`
	// Word 2010+ writes some formats as a custom format with the classic one as the fallback.
	Alt *struct {
		Fallback struct {
			NumFmt *xVal `xml:"numFmt"`
		} `xml:"Fallback"`
	} `xml:"AlternateContent"`
}

// xNumbering is the numbering part, word/numbering.xml.
type xNumbering struct {
	Abstracts []struct {
		ID           string `xml:"abstractNumId,attr"`
		Levels       []xLvl `xml:"lvl"`
		NumStyleLink *xVal  `xml:"numStyleLink"`
	} `xml:"abstractNum"`
	Nums []struct {
		ID        string `xml:"numId,attr"`
		Abstract  xVal   `xml:"abstractNumId"`
		Overrides []struct {
			Ilvl  string `xml:"ilvl,attr"`
			Start *xVal  `xml:"startOverride"`
			Lvl   *xLvl  `xml:"lvl"`
		} `xml:"lvlOverride"`
	} `xml:"num"`
}

// xStyles is the styles part, word/styles.xml.
type xStyles struct {
	Styles []struct {
		Type    string  `xml:"type,attr"`
		ID      string  `xml:"styleId,attr"`
		Default string  `xml:"default,attr"`
		BasedOn *xVal   `xml:"basedOn"`
		NumPr   *xNumPr `xml:"pPr>numPr"`
	} `xml:"style"`
}

// level is one numbering level, resolved.
type level struct {
	start   int
	format  string
	text    string
	restart int // -1: after any earlier level; 0: never; n: after levels before n (1-based)
	suffix  string
	legal   bool
	style   string
}

// abstractNum is an abstract numbering definition.
type abstractNum struct {
	id        string
	levels    [9]*level
	styleLink string // w:numStyleLink: the real definition is the one this numbering style uses
}

// numInstance is a numbering instance (w:num).
type numInstance struct {
	abstract string
	starts   map[int]int    // w:startOverride and overriding levels' w:start
	levels   map[int]*level // overriding levels
}

// numberingDefs holds a document's numbering definitions.
type numberingDefs struct {
	abstracts map[string]*abstractNum
	nums      map[string]*numInstance
}

// numbering reads the numbering part; a document without one has no automatic numbering.
func (p *docxPackage) numbering(name string) (*numberingDefs, error) {
	var x xNumbering
	if _, err := p.decode(name, &x); err != nil {
		return nil, err
	}
	defs := &numberingDefs{abstracts: map[string]*abstractNum{}, nums: map[string]*numInstance{}}
	for _, a := range x.Abstracts {
		an := &abstractNum{id: a.ID}
		if a.NumStyleLink != nil {
			an.styleLink = a.NumStyleLink.Val
		}
		for i := range a.Levels {
			if l, il := parseLevel(&a.Levels[i]); l != nil {
				an.levels[il] = l
			}
		}
		defs.abstracts[a.ID] = an
	}
	for _, n := range x.Nums {
		ni := &numInstance{abstract: n.Abstract.Val, starts: map[int]int{}, levels: map[int]*level{}}
		for _, o := range n.Overrides {
			il, err := strconv.Atoi(o.Ilvl)
			if err != nil || il < 0 || il > 8 {
				continue
			}
			if o.Lvl != nil {
				if l, _ := parseLevel(o.Lvl); l != nil {
					ni.levels[il] = l
					if o.Lvl.Start != nil {
						ni.starts[il] = l.start
					}
				}
			}
			if o.Start != nil {
				if s, err := strconv.Atoi(o.Start.Val); err == nil {
					ni.starts[il] = s
				}
			}
		}
		defs.nums[n.ID] = ni
	}
	return defs, nil
}

// parseLevel resolves a w:lvl and returns it with its index, or -1 for a bad index.
func parseLevel(x *xLvl) (*level, int) {
	il, err := strconv.Atoi(x.Ilvl)
	if err != nil || il < 0 || il > 8 {
		return nil, -1
	}
	l := &level{start: 1, format: "decimal", restart: -1, suffix: "tab"}
	if x.Start != nil {
		if s, err := strconv.Atoi(x.Start.Val); err == nil {
			l.start = s
		}
	}
	switch {
	case x.NumFmt != nil:
		l.format = x.NumFmt.Val
	case x.Alt != nil && x.Alt.Fallback.NumFmt != nil:
		l.format = x.Alt.Fallback.NumFmt.Val
	}
	if x.LvlText != nil {
		l.text = x.LvlText.Val
	}
	if x.LvlRestart != nil {
		if r, err := strconv.Atoi(x.LvlRestart.Val); err == nil && r >= 0 && r <= il {
			l.restart = r // a value past this level is ignored, as the standard says
		}
	}
	if x.PStyle != nil {
		l.style = x.PStyle.Val
	}
	if x.IsLgl != nil {
		v := x.IsLgl.Val
		l.legal = !(v == "0" || v == "false" || v == "off")
	}
	if x.Suff != nil {
		l.suffix = x.Suff.Val
	}
	return l, il
}

// styleDef is a paragraph style's numbering and parent.
type styleDef struct {
	basedOn  string
	numID    string
	hasNumID bool
	ilvl     int
	hasIlvl  bool
}

// styleSheet holds the paragraph styles that matter for numbering.
type styleSheet struct {
	styles       map[string]*styleDef
	defaultStyle string
}

// styles reads the styles part; a document without one has plain paragraphs.
func (p *docxPackage) styles(name string) (*styleSheet, error) {
	var x xStyles
	ss := &styleSheet{styles: map[string]*styleDef{}}
	if _, err := p.decode(name, &x); err != nil {
		return ss, err
	}
	for _, s := range x.Styles {
		if s.Type != "" && s.Type != "paragraph" && s.Type != "numbering" {
			continue
		}
		d := &styleDef{}
		if s.BasedOn != nil {
			d.basedOn = s.BasedOn.Val
		}
		if s.NumPr != nil {
			if s.NumPr.NumID != nil {
				d.numID, d.hasNumID = s.NumPr.NumID.Val, true
			}
			if s.NumPr.Ilvl != nil {
				if i, err := strconv.Atoi(s.NumPr.Ilvl.Val); err == nil && i >= 0 && i < 9 {
					d.ilvl, d.hasIlvl = i, true
				}
			}
		}
		ss.styles[s.ID] = d
		if (s.Type == "" || s.Type == "paragraph") && (s.Default == "1" || s.Default == "true") {
			ss.defaultStyle = s.ID
		}
	}
	return ss, nil
}

// listRef says which list and level a paragraph belongs to.
type listRef struct {
	numID string
	ilvl  int
	style string // the paragraph's style, for levels tied to a style (w:pStyle)
	fixed bool   // ilvl was given, directly or by a style
}

// numbering returns the list a paragraph belongs to: its own w:numPr over its
// style's (and the style's ancestors'); numId 0 means none.
func (ss *styleSheet) numbering(p *docxPara) listRef {
	ref := listRef{numID: p.numID, ilvl: p.ilvl, fixed: p.hasIlvl}
	style := p.style
	if style == "" && ss != nil {
		style = ss.defaultStyle
	}
	ref.style = style
	haveID := p.hasNumID
	if ss != nil {
		for i, id := 0, style; id != "" && i < 16 && (!haveID || !ref.fixed); i++ {
			d := ss.styles[id]
			if d == nil {
				break
			}
			if !haveID && d.hasNumID {
				ref.numID, haveID = d.numID, true
			}
			if !ref.fixed && d.hasIlvl {
				ref.ilvl, ref.fixed = d.ilvl, true
			}
			id = d.basedOn
		}
	}
	if !haveID || ref.numID == "0" {
		ref.numID = ""
	}
	return ref
}

// listCounter keeps Word's list counters while the paragraphs go by.
type listCounter struct {
	defs   *numberingDefs
	styles *styleSheet
	count  map[string]*[9]int  // by abstract definition
	active map[string]*[9]bool // whether a level has counted since its last restart
	seen   map[string]bool     // numbering instances used so far
}

// newListCounter returns counters for a document's definitions (nil: no numbering).
func newListCounter(defs *numberingDefs, styles *styleSheet) *listCounter {
	return &listCounter{defs: defs, styles: styles,
		count: map[string]*[9]int{}, active: map[string]*[9]bool{}, seen: map[string]bool{}}
}

// resolve follows an instance to its abstract definition, through numbering-style links.
func (c *listCounter) resolve(inst *numInstance) *abstractNum {
	a := c.defs.abstracts[inst.abstract]
	for i := 0; a != nil && a.styleLink != "" && i < 4; i++ {
		if c.styles == nil {
			break
		}
		d := c.styles.styles[a.styleLink]
		if d == nil || !d.hasNumID {
			break
		}
		linked := c.defs.nums[d.numID]
		if linked == nil {
			break
		}
		next := c.defs.abstracts[linked.abstract]
		if next == nil || next == a {
			break
		}
		a = next
	}
	return a
}

// level returns level il of an instance: its override, else its definition's.
func levelOf(inst *numInstance, a *abstractNum, il int) *level {
	if l := inst.levels[il]; l != nil {
		return l
	}
	return a.levels[il]
}

// startOf returns where level il of an instance starts counting.
func startOf(inst *numInstance, a *abstractNum, il int) int {
	if s, ok := inst.starts[il]; ok {
		return s
	}
	if l := levelOf(inst, a, il); l != nil {
		return l.start
	}
	return 1
}

// label counts a paragraph of list ref and returns the number text to put
// before it, with its separator; "" for a paragraph outside any list.
func (c *listCounter) label(ref listRef) string {
	if c.defs == nil || ref.numID == "" {
		return ""
	}
	inst := c.defs.nums[ref.numID]
	if inst == nil {
		return ""
	}
	a := c.resolve(inst)
	if a == nil {
		return ""
	}
	il := ref.ilvl
	if !ref.fixed {
		for i, l := range a.levels {
			if l != nil && l.style != "" && l.style == ref.style {
				il = i
				break
			}
		}
	}
	lvl := levelOf(inst, a, il)
	if lvl == nil {
		return ""
	}

	count, active := c.count[a.id], c.active[a.id]
	if count == nil {
		count, active = new([9]int), new([9]bool)
		c.count[a.id], c.active[a.id] = count, active
	}
	if !c.seen[ref.numID] {
		c.seen[ref.numID] = true
		for l := range inst.starts {
			active[l] = false // a restarted instance counts from its own start
		}
	}
	if active[il] {
		count[il]++
	} else {
		count[il], active[il] = startOf(inst, a, il), true
	}
	for k := il + 1; k < 9; k++ {
		lk := levelOf(inst, a, k)
		restart := k // by default a level restarts after any earlier level
		if lk != nil && lk.restart >= 0 {
			restart = lk.restart
		}
		if il < restart {
			active[k] = false
		}
	}

	if lvl.format == "bullet" {
		return bullet(lvl.text) + " "
	}
	var b strings.Builder
	text := []rune(lvl.text)
	for i := 0; i < len(text); i++ {
		if text[i] == '%' && i+1 < len(text) && text[i+1] >= '1' && text[i+1] <= '9' {
			j := int(text[i+1] - '1')
			i++
			n := startOf(inst, a, j)
			if active[j] {
				n = count[j]
			}
			format := "decimal"
			if lj := levelOf(inst, a, j); lj != nil {
				format = lj.format
			}
			if lvl.legal && format != "none" {
				format = "decimal"
			}
			b.WriteString(formatNumber(n, format))
			continue
		}
		b.WriteRune(text[i])
	}
	s := b.String()
	if s == "" {
		return ""
	}
	switch lvl.suffix {
	case "nothing":
		return s
	case "space":
		return s + " "
	}
	// A tab: after a mark ending in a Chinese or other non-ASCII character
	// ("一、", "（一）", "①") the text follows directly, as a writer types it;
	// after "1." or "(a)" a space reads better.
	if s[len(s)-1] >= 0x80 {
		return s
	}
	return s + " "
}

// bullet returns a bullet's character, or "•" for one drawn from a symbol font's private-use area.
func bullet(text string) string {
	r := []rune(strings.TrimSpace(text))
	if len(r) == 0 || unicode.Is(unicode.Co, r[0]) {
		return "•"
	}
	return string(r)
}
