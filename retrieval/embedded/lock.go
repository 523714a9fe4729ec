package embedded

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/gofrs/flock"

	"github.com/draftd/draftd/retrieval"
)

// LockName is the file of a data directory that one process at a time holds while it keeps the
// store's state in memory and acts for the whole directory: serve (its search indexes, and the
// drafts it marks failed at start), ingest and reindex (passages a running server would never see).
const LockName = "draftd.lock"

// Lock takes the process lock of data directory dir and returns the function that releases it.
// Another process holding it is an ECONFLICT error that names its PID and what to do instead. The
// lock is an advisory file lock (flock on Unix, LockFileEx on Windows) that the system drops when the
// process dies, so a crash never leaves the directory locked.
func Lock(dir string) (func(), error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("embedded: lock: %w", err)
	}
	path := filepath.Join(dir, LockName)
	l := flock.New(path)
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("embedded: lock %s: %w", path, err)
	}
	if !ok {
		holder := "未知"
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				holder = strconv.Itoa(pid)
			}
		}
		return nil, retrieval.Errorf(retrieval.ECONFLICT,
			"数据目录 %s 正由另一个 draftd 进程（PID %s）使用：同一数据目录同时只能运行一个 draftd serve、ingest 或 reindex。"+
				"请先停止那个进程；服务运行时请在网页“语料库”中上传，或调用 POST /api/v1/documents 导入文件", dir, holder)
	}
	// The PID is for the message above; the lock itself is the flock, not the file's content.
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		l.Unlock()
		return nil, fmt.Errorf("embedded: lock %s: %w", path, err)
	}
	return func() {
		if err := l.Unlock(); err != nil && !errors.Is(err, os.ErrClosed) {
			fmt.Fprintf(os.Stderr, "embedded: unlock %s: %v\n", path, err)
		}
	}, nil
}
