// wps-stub.js: a stand-in for the WPS JS API, injected before the page's scripts run. The document
// is one string and the selection a [Start, End) span of it; window.__wps records what the page did.
// Adding a comment moves the cursor to the start of the document, as a comment pane taking the
// focus might: the page must put it back.
(() => {
  const rec = window.__wps = {
    text: '已有正文。选中的字',
    typed: [], highlights: [], comments: [], styles: [], bold: [], panes: [],
    storage: {},
  };
  const range = (s, e) => ({
    Start: s, End: e,
    get Text() { return rec.text.slice(s, e); },
    set HighlightColorIndex(v) { rec.highlights.push({ text: rec.text.slice(s, e), value: v }); },
    Font: {
      set Bold(v) { rec.bold.push(rec.text.slice(s, e)); },
      set Italic(v) {},
    },
    Select() { sel.Start = s; sel.End = e; },
  });
  const sel = {
    Start: 5, End: 9, // "选中的字" is selected
    TypeText(t) {
      rec.text = rec.text.slice(0, this.Start) + t + rec.text.slice(this.End);
      this.Start += t.length;
      this.End = this.Start;
      rec.typed.push(t);
    },
    TypeParagraph() { this.TypeText('\n'); },
    Collapse(direction) { if (direction === 0) this.Start = this.End; else this.End = this.Start; },
    set Style(v) { rec.styles.push(typeof v === 'object' ? v.id : v); },
    Tables: {
      Count: 1,
      Item(i) {
        const cells = [['项目', '完成数', '单位'], ['开展健康讲座', '126', '场'], ['建立居民健康档案', '4.2万', '']];
        return {
          Rows: { Count: cells.length },
          Columns: { Count: 3 },
          Cell(r, c) { return { Range: { Text: cells[r - 1][c - 1] + '\r\u0007' } }; },
        };
      },
    },
  };
  const doc = {
    Range: range,
    Styles: { Item: (id) => ({ id }) },
    Comments: {
      Add(r, text) {
        rec.comments.push({ range: r.Text, text });
        sel.Start = sel.End = 0;
        return {};
      },
    },
  };
  const app = { ActiveDocument: doc, Selection: sel };
  const panes = {};
  window.wps = {
    WpsApplication: () => app,
    PluginStorage: { getItem: (k) => rec.storage[k] || null, setItem: (k, v) => { rec.storage[k] = v; } },
    CreateTaskPane(url, title) {
      const pane = { ID: 'pane' + (rec.panes.length + 1), Visible: false, url, title };
      rec.panes.push(pane);
      panes[pane.ID] = pane;
      return pane;
    },
    GetTaskPane: (id) => panes[id] || null,
  };
})();
