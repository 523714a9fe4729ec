// main.js: draftd 起草助手 in WPS 文字. ribbon.xml calls these functions; the button opens the task
// pane, the same page the Word add-in shows, served by draftd at /addin/taskpane.html.
(function () {
  'use strict';

  var paneKey = 'draftd.taskpane';

  // base is the draftd server: config.js names it, and a page served by draftd knows it anyway.
  function base() {
    if (window.DRAFTD_BASE) return String(window.DRAFTD_BASE).replace(/\/+$/, '');
    if (/^https?:$/.test(location.protocol)) return location.href.replace(/\/addin\/wps\/.*$/, '');
    return '';
  }

  function taskpaneURL() {
    return base() + '/addin/taskpane.html?host=wps';
  }

  // togglePane shows the task pane, creating it the first time, or hides it when it is open.
  function togglePane() {
    var id = wps.PluginStorage.getItem(paneKey);
    var pane = id ? wps.GetTaskPane(id) : null;
    if (!pane) {
      pane = wps.CreateTaskPane(taskpaneURL(), 'draftd 起草助手');
      wps.PluginStorage.setItem(paneKey, pane.ID);
      pane.Visible = true;
      return pane;
    }
    pane.Visible = !pane.Visible;
    return pane;
  }

  window.ribbon = {
    OnAddinLoad: function (ribbonUI) {
      if (typeof wps.ribbonUI !== 'object') wps.ribbonUI = ribbonUI;
      return true;
    },
    OnAction: function (control) {
      if (control.Id === 'draftdTaskpane') {
        if (!base()) {
          alert('未配置 draftd 服务器地址：请从 draftd 重新下载加载项（/addin/draftd-wps.zip）。');
          return true;
        }
        togglePane();
      }
      return true;
    },
    GetImage: function () {
      return 'images/draftd.svg';
    },
  };
})();
