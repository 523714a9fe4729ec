package draft

// PrintedHeadings returns the heading every export prints for each of d's sections, in order, and
// whether the first section is the document's opening paragraph (see opening), printed after the
// title with no heading of its own: its heading here is "". The others are numbered once, 一、二、…
// by place (see Heading), or, in a draft from a template, as the template's tree renumbered by
// level (see TreeHeadings). Parts, and through it every export, prints these; Draft.MarshalJSON
// gives them to the web app, so the preview cannot number headings another way.
func (d *Draft) PrintedHeadings() (headings []string, lead bool) {
	headings = make([]string, len(d.Sections))
	lead = len(d.Sections) > 0 && opening(d.Sections[0].Heading)
	var tree []string
	if d.Input != nil && d.Input.Template != "" {
		raw := make([]string, len(d.Sections))
		for i, s := range d.Sections {
			raw[i] = s.Heading
		}
		tree = TreeHeadings(raw)
	}
	n := 0 // numbered headings so far
	for i, s := range d.Sections {
		switch {
		case i == 0 && lead:
		case tree != nil:
			headings[i] = tree[i]
		default:
			n++
			headings[i] = Heading(n, s.Heading)
		}
	}
	return headings, lead
}
