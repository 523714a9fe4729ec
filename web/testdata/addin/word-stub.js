// word-stub.js: a stand-in for Office.js in Word, injected before the task pane's scripts run.
// The document is a list of paragraphs, each with runs; window.__word records what the page did.
// Like Office, values and isNullObject can only be read after load() and context.sync(), and a
// batch left unsynced at the end of Word.run is reported.
(() => {
  const paragraph = (text) => ({
    text, styleBuiltIn: undefined, font: {}, runs: [],
    insertParagraph(t, where) { return insertAfter(this, t, where); },
    insertText(t, where) {
      if (where !== 'End') throw new Error('stub: insertText at ' + where);
      rec.ops++;
      const run = {
        text: t, font: {}, comments: [],
        insertComment(c) { rec.ops++; this.comments.push(c); return {}; },
      };
      this.runs.push(run);
      return run;
    },
  });
  const rec = window.__word = {
    paragraphs: [paragraph('已有的正文。')],
    calls: [],
    ops: 0,
    unsynced: false,
    cursorInTable: true,
    table: [
      ['指标', '数值', '单位', '上期'],
      ['门诊诊疗人次', '52.3', '万人次', '48.6'],
      ['家庭医生签约率', '68.5%', '', ''],
      ['', '', '', ''],
      ['新建标准化村卫生室', '9', '个', ''],
    ],
  };
  function insertAfter(anchor, text, where) {
    if (where !== 'After') throw new Error('stub: insertParagraph at ' + where);
    rec.ops++;
    const p = paragraph(text);
    rec.paragraphs.splice(rec.paragraphs.indexOf(anchor) + 1, 0, p);
    return p;
  }
  let pending = [];
  const tableObject = (values) => {
    const t = {
      loaded: false,
      load() { pending.push(t); return t; },
      get isNullObject() { if (!t.loaded) throw new Error('stub: isNullObject read before sync'); return !values; },
      get values() { if (!t.loaded) throw new Error('stub: values read before sync'); return values; },
    };
    return t;
  };
  const selection = {
    insertParagraph(t, where) { return insertAfter(rec.paragraphs[0], t, where); },
    get parentTableOrNullObject() { return tableObject(rec.cursorInTable ? rec.table : null); },
    tables: { getFirstOrNullObject() { return tableObject(rec.cursorInTable ? null : rec.table); } },
  };
  window.Office = {
    HostType: { Word: 'Word' },
    onReady() { rec.calls.push('onReady'); return Promise.resolve({ host: 'Word', platform: 'PC' }); },
    context: { requirements: { isSetSupported: (set, v) => set === 'WordApi' && Number(v) <= 1.4 } },
  };
  window.Word = {
    async run(fn) {
      rec.calls.push('run');
      let synced = 0;
      const ctx = {
        document: { getSelection: () => selection },
        async sync() { for (const t of pending) t.loaded = true; pending = []; synced = rec.ops; },
      };
      const before = rec.ops;
      const out = await fn(ctx);
      if (rec.ops > before && synced !== rec.ops) rec.unsynced = true;
      return out;
    },
  };
  // dump is the document as JSON for the test.
  rec.dump = () => JSON.stringify(rec.paragraphs.map((p) => ({
    text: p.text, style: p.styleBuiltIn || '',
    runs: p.runs.map((r) => ({ text: r.text, highlight: r.font.highlightColor === undefined ? 'unset' : r.font.highlightColor, comments: r.comments })),
  })));
})();
