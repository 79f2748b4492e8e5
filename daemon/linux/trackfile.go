package linux

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// trackFileMask is what keepalived watches on a tracked file's directory
// (track_file.c init_track_files): a file written and closed, deleted, or
// moved in or out. Creating a file without writing it (a hard link) is not
// seen, as in keepalived; `touch` is (it opens the file for writing).
const trackFileMask = unix.IN_CLOSE_WRITE | unix.IN_DELETE | unix.IN_MOVE

// FileEvent says a tracked file may have a new value.
type FileEvent struct {
	// Path is the tracked file, resolved as FileWatcher.Paths lists it.
	Path string
	// Removed: deleted or moved away (keepalived then counts the value as
	// 0). Otherwise the file was written, created or moved in: read it.
	Removed bool
	// Rescan: the kernel's inotify queue overflowed; read every file.
	Rescan bool
}

// FileWatcher follows track_file files by inotify on their directories.
type FileWatcher struct {
	f     *os.File
	rc    syscall.RawConn
	paths []string
	dirs  map[int32]string            // wd -> directory
	files map[int32]map[string]string // wd -> file name -> path
	ovfl  atomic.Uint64
}

// WatchFiles resolves each path as keepalived does — the real path of an
// existing file, else the real path of its directory plus the file name
// (the directory must exist) — and watches the directories.
func WatchFiles(paths []string) (*FileWatcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("track_file: inotify: %w", err)
	}
	w := &FileWatcher{f: os.NewFile(uintptr(fd), "inotify"), dirs: map[int32]string{}, files: map[int32]map[string]string{}}
	if w.rc, err = w.f.SyscallConn(); err != nil {
		w.f.Close()
		return nil, fmt.Errorf("track_file: %w", err)
	}
	for _, p := range paths {
		rp, err := resolveTrackFile(p)
		if err != nil {
			w.f.Close()
			return nil, fmt.Errorf("track_file %s: %w", p, err)
		}
		dir, name := filepath.Split(rp)
		dir = filepath.Clean(dir)
		wd, err := unix.InotifyAddWatch(fd, dir, trackFileMask)
		if err != nil {
			w.f.Close()
			return nil, fmt.Errorf("track_file %s: watch %s: %w", p, dir, err)
		}
		w.dirs[int32(wd)] = dir
		if w.files[int32(wd)] == nil {
			w.files[int32(wd)] = map[string]string{}
		}
		w.files[int32(wd)][name] = rp
		w.paths = append(w.paths, rp)
	}
	return w, nil
}

func resolveTrackFile(p string) (string, error) {
	if rp, err := filepath.EvalSymlinks(p); err == nil {
		return filepath.Abs(rp)
	} else if !errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("not accessible: %w", err)
	}
	dir, name := filepath.Split(p)
	if dir == "" {
		dir = "."
	}
	rd, err := filepath.EvalSymlinks(dir)
	if err == nil {
		rd, err = filepath.Abs(rd)
	}
	if err != nil {
		return "", fmt.Errorf("directory does not exist: %w", err)
	}
	if st, err := os.Stat(rd); err != nil || !st.IsDir() {
		return "", fmt.Errorf("%s is not a directory", rd)
	}
	return filepath.Join(rd, name), nil
}

// Paths are the resolved tracked files, in the order given.
func (w *FileWatcher) Paths() []string { return append([]string(nil), w.paths...) }

// Overflows counts inotify queue overflows (each reported as Rescan).
func (w *FileWatcher) Overflows() uint64 { return w.ovfl.Load() }

// Close stops watching; a Run in progress returns.
func (w *FileWatcher) Close() error { return w.f.Close() }

// Run reports file events to fn, on the calling goroutine, until ctx is
// done or the watcher is closed (it then returns nil). A watched
// directory that is removed reports its files removed; they are not
// watched any more.
func (w *FileWatcher) Run(ctx context.Context, fn func(FileEvent)) error {
	stop := context.AfterFunc(ctx, func() { _ = w.f.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		var n int
		var rerr error
		err := w.rc.Read(func(fd uintptr) bool {
			n, rerr = unix.Read(int(fd), buf)
			return rerr != unix.EAGAIN && rerr != unix.EINTR
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, os.ErrClosed) {
				return nil
			}
			return fmt.Errorf("track_file: inotify read: %w", err)
		}
		w.dispatch(buf[:n], fn)
	}
}

func (w *FileWatcher) dispatch(b []byte, fn func(FileEvent)) {
	ne := binary.NativeEndian
	for len(b) >= unix.SizeofInotifyEvent {
		wd := int32(ne.Uint32(b[0:]))
		mask := ne.Uint32(b[4:])
		nameLen := int(ne.Uint32(b[12:]))
		end := unix.SizeofInotifyEvent + nameLen
		if end > len(b) {
			return
		}
		name, _, _ := bytes.Cut(b[unix.SizeofInotifyEvent:end], []byte{0})
		b = b[end:]
		switch {
		case mask&unix.IN_Q_OVERFLOW != 0:
			w.ovfl.Add(1)
			for _, p := range w.paths {
				fn(FileEvent{Path: p, Rescan: true})
			}
		case mask&unix.IN_IGNORED != 0:
			// The directory is gone (or unmounted): so are its files.
			for _, p := range w.files[wd] {
				fn(FileEvent{Path: p, Removed: true})
			}
			delete(w.files, wd)
			delete(w.dirs, wd)
		case mask&unix.IN_ISDIR != 0:
		default:
			p, ok := w.files[wd][string(name)]
			if !ok {
				continue
			}
			fn(FileEvent{Path: p, Removed: mask&(unix.IN_DELETE|unix.IN_MOVED_FROM) != 0})
		}
	}
}
