// config.js: the draftd server this WPS add-in talks to. draftd writes its own address here when
// it serves the file, so a copy installed offline (in the jsaddons folder) still finds it.
window.DRAFTD_BASE = {{js .Base}};
