// commands.js: the function file of the Word add-in. Word loads it hidden; the ribbon button opens
// the task pane itself, so all this page does is start Office.js.
(function () {
  'use strict';
  if (window.Office) {
    Office.onReady();
    return;
  }
  const s = document.createElement('script');
  s.src = 'https://appsforoffice.microsoft.com/lib/1/hosted/office.js';
  s.onload = () => Office.onReady();
  document.head.append(s);
})();
