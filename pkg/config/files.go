package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
)

// fileSystem is where a load reads files: the operating system's, or
// Options.FS. Names are paths as the configuration writes them.
type fileSystem interface {
	// stat follows symbolic links, like stat(2).
	stat(name string) (fs.FileInfo, error)
	// open opens for reading without blocking on a FIFO.
	open(name string) (fs.File, error)
}

type osFS struct{}

func (osFS) stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

func (osFS) open(name string) (fs.File, error) {
	// O_NONBLOCK: a FIFO swapped in after the stat must not block the
	// open (the fstat after it refuses the FIFO).
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// fsFS reads from an fs.FS: absolute names are taken relative to its root.
type fsFS struct{ fsys fs.FS }

func (f fsFS) clean(name string) string {
	name = path.Clean("/" + filepath.ToSlash(name))
	if name == "/" {
		return "."
	}
	return name[1:]
}

func (f fsFS) stat(name string) (fs.FileInfo, error) { return fs.Stat(f.fsys, f.clean(name)) }
func (f fsFS) open(name string) (fs.File, error)     { return f.fsys.Open(f.clean(name)) }

func newFileSystem(opt Options) fileSystem {
	if opt.FS != nil {
		return fsFS{opt.FS}
	}
	return osFS{}
}

// fileError is a file refused before or while reading it, with its code.
type fileError struct {
	code Code
	msg  string
}

func (e *fileError) Error() string { return e.msg }

// fileKind names what a non-regular file is.
func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	}
	return "not a regular file"
}

func checkRegular(name string, fi fs.FileInfo) error {
	if !fi.Mode().IsRegular() {
		// keepalived lib/parser.c check_glob_file: "Configuration file
		// '%s' is not a regular non-executable file - skipping".
		return &fileError{CodeNotRegularFile, fmt.Sprintf("Configuration file '%s' is %s, not a regular file - skipping (not read)", name, fileKind(fi.Mode()))}
	}
	if fi.Size() > MaxFileBytes {
		return &fileError{CodeFileTooLarge, fmt.Sprintf("Configuration file '%s' has %d bytes, more than the %d a configuration file may have - skipping (not read)", name, fi.Size(), MaxFileBytes)}
	}
	return nil
}

// readConfigFile reads a configuration file as keepalived does, only if it
// is a regular file: a directory, device, FIFO or socket is refused
// without being opened (stat), and without blocking or reading if it was
// swapped in since (open non-blocking, then fstat). A file larger than
// MaxFileBytes is refused before it is read, and reading stops there
// whatever its size claimed (/proc files say 0).
func readConfigFile(fsys fileSystem, name string) ([]byte, error) {
	fi, err := fsys.stat(name)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(name, fi); err != nil {
		return nil, err
	}
	f, err := fsys.open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, err
	}
	if err := checkRegular(name, fi); err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileBytes+1))
	if err != nil {
		return nil, err
	}
	if len(b) > MaxFileBytes {
		return nil, &fileError{CodeFileTooLarge, fmt.Sprintf("Configuration file '%s' is longer than the %d bytes a configuration file may have - skipping", name, MaxFileBytes)}
	}
	return b, nil
}

// errGlobBudget: a glob went past the load's directory entries budget.
var errGlobBudget = errors.New("glob budget")

// glob is filepath.Glob (and fs.Glob) with two differences: directory
// entries examined count against the load's MaxGlobEntries, read in
// batches so a huge directory is not read whole, and results are cached
// for the load (a glob repeated by includes costs nothing more).
func (p *pre) glob(pattern string) ([]string, error) {
	if m, ok := p.globs[pattern]; ok {
		return m, nil
	}
	if _, err := filepath.Match(pattern, ""); err != nil {
		return nil, err
	}
	m, err := p.globRec(pattern)
	if err != nil {
		return nil, err
	}
	p.globs[pattern] = m
	return m, nil
}

func (p *pre) globRec(pattern string) ([]string, error) {
	if !hasMeta(pattern) {
		if _, err := p.fs.stat(pattern); err != nil {
			return nil, nil
		}
		return []string{pattern}, nil
	}
	dir, file := filepath.Split(pattern)
	dir = cleanGlobDir(dir)
	if !hasMeta(dir) {
		return p.globDir(dir, file, nil)
	}
	if dir == pattern {
		return nil, filepath.ErrBadPattern
	}
	dirs, err := p.globRec(dir)
	if err != nil {
		return nil, err
	}
	var m []string
	for _, d := range dirs {
		if m, err = p.globDir(d, file, m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// globDir appends the names in dir matching pattern, sorted.
func (p *pre) globDir(dir, pattern string, matches []string) ([]string, error) {
	fi, err := p.fs.stat(dir)
	if err != nil || !fi.IsDir() {
		return matches, nil
	}
	f, err := p.fs.open(dir)
	if err != nil {
		return matches, nil
	}
	defer f.Close()
	rd, ok := f.(fs.ReadDirFile)
	if !ok {
		return matches, nil
	}
	var names []string
	for {
		ents, err := rd.ReadDir(256)
		p.used.globEntries += len(ents)
		if p.used.globEntries > p.lim.globEntries {
			return nil, errGlobBudget
		}
		for _, e := range ents {
			if ok, _ := filepath.Match(pattern, e.Name()); ok {
				names = append(names, e.Name())
			}
		}
		if err != nil || len(ents) == 0 {
			break
		}
	}
	sort.Strings(names)
	for _, n := range names {
		matches = append(matches, filepath.Join(dir, n))
	}
	return matches, nil
}

func cleanGlobDir(dir string) string {
	switch dir {
	case "":
		return "."
	case "/":
		return dir
	}
	return dir[:len(dir)-1]
}

func hasMeta(s string) bool { return strings.ContainsAny(s, `*?[\`) }
