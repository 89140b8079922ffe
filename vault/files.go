package vault

import (
	"os"
	"path/filepath"
)

// writeFileAtomic writes data to dir/name with mode 0600 through a temporary
// file in the same directory, fsync and rename, so readers see either the old
// or the new content, never a partial file.
func writeFileAtomic(dir, name string, data []byte) (err error) {
	f, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if err = f.Chmod(0o600); err != nil {
		return err
	}
	if _, err = f.Write(data); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp, filepath.Join(dir, name)); err != nil {
		return err
	}
	syncDir(dir)
	return nil
}

// syncDir makes a rename durable. Errors are ignored: not every platform
// supports fsync on directories.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil { // #nosec G304 -- the key directory, to fsync it
		_ = d.Sync()
		d.Close()
	}
}
