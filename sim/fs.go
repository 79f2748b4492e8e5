package sim

import (
	"errors"
	"io/fs"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// memFS is one node's private filesystem: a map from clean absolute path
// to file. Directories exist implicitly above every file, or explicitly
// (mkdir).
//
// The simulator itself is single-threaded, but the shell interpreter runs
// the sides of a pipeline on goroutines, so access is locked.
type memFS struct {
	mu    sync.Mutex
	files map[string]*memFile
	dirs  map[string]bool
}

type memFile struct {
	data []byte
	mode fs.FileMode
}

func newMemFS() *memFS {
	return &memFS{files: map[string]*memFile{}, dirs: map[string]bool{"/": true}}
}

func cleanPath(p string) (string, error) {
	if !strings.HasPrefix(p, "/") {
		return "", errors.New("path must be absolute")
	}
	return path.Clean(p), nil
}

func (m *memFS) write(p string, data []byte, mode fs.FileMode) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := cleanPath(p)
	if err != nil {
		return err
	}
	if m.dirs[p] {
		return errors.New("is a directory")
	}
	m.files[p] = &memFile{data: slices.Clone(data), mode: mode}
	for d := path.Dir(p); d != "/"; d = path.Dir(d) {
		m.dirs[d] = true
	}
	return nil
}

func (m *memFS) read(p string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := cleanPath(p)
	if err != nil {
		return nil, err
	}
	f, ok := m.files[p]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return slices.Clone(f.data), nil
}

func (m *memFS) remove(p string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	p, err := cleanPath(p)
	if err != nil {
		return false
	}
	_, ok := m.files[p]
	delete(m.files, p)
	return ok
}

func (m *memFS) isDir(p string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.dirs[p]
}

// mkdirAll creates p and its parents.
func (m *memFS) mkdirAll(p string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for d := path.Clean(p); d != "/" && d != "."; d = path.Dir(d) {
		m.dirs[d] = true
	}
}

// stat returns file info for p, or fs.ErrNotExist.
func (m *memFS) stat(p string) (fs.FileInfo, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.statLocked(p)
}

func (m *memFS) statLocked(p string) (fs.FileInfo, error) {
	p, err := cleanPath(p)
	if err != nil {
		return nil, err
	}
	if f, ok := m.files[p]; ok {
		return memInfo{name: path.Base(p), size: int64(len(f.data)), mode: f.mode}, nil
	}
	if m.dirs[p] {
		return memInfo{name: path.Base(p), mode: fs.ModeDir | 0o755}, nil
	}
	return nil, fs.ErrNotExist
}

// list returns the entries directly under dir, sorted.
func (m *memFS) list(dir string) ([]fs.DirEntry, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	dir, err := cleanPath(dir)
	if err != nil {
		return nil, err
	}
	if !m.dirs[dir] {
		return nil, fs.ErrNotExist
	}
	var out []fs.DirEntry
	for p := range m.files {
		if path.Dir(p) == dir {
			fi, _ := m.statLocked(p)
			out = append(out, fs.FileInfoToDirEntry(fi))
		}
	}
	for p := range m.dirs {
		if p != dir && path.Dir(p) == dir {
			fi, _ := m.statLocked(p)
			out = append(out, fs.FileInfoToDirEntry(fi))
		}
	}
	slices.SortFunc(out, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return out, nil
}

type memInfo struct {
	name string
	size int64
	mode fs.FileMode
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return i.mode }
func (i memInfo) ModTime() time.Time { return Epoch() }
func (i memInfo) IsDir() bool        { return i.mode.IsDir() }
func (i memInfo) Sys() any           { return nil }
