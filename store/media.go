package store

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"image"
	_ "image/gif"  // photos sent as files
	_ "image/jpeg" // what Telegram and WhatsApp send
	_ "image/png"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrTooLarge means a media file is over the size allowed.
var ErrTooLarge = errors.New("media file too large")

// ErrNotImage means a file meant as a photo is empty or not an image this
// desk can read (JPEG, PNG or GIF).
var ErrNotImage = errors.New("not a readable image")

// Media keeps photos under a directory by the SHA-256 of their content, so
// they outlive the platform's file expiry and can be sent to any channel.
type Media struct {
	dir string
}

// OpenMedia uses (and creates) dir for media files.
func OpenMedia(dir string) (*Media, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create media dir: %w", err)
	}
	return &Media{dir: dir}, nil
}

// Put stores what r yields, up to max bytes, and returns its hash.
func (m *Media) Put(r io.Reader, max int64) (string, error) {
	return m.put(r, max, nil)
}

// PutImage is Put for a photo: what is empty or not a readable image is
// refused with ErrNotImage.
func (m *Media) PutImage(r io.Reader, max int64) (string, error) {
	return m.put(r, max, func(f *os.File) error {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
		if _, _, err := image.DecodeConfig(f); err != nil {
			return fmt.Errorf("%w: %v", ErrNotImage, err)
		}
		return nil
	})
}

// put stores what r yields, after check (if any) accepts the file.
func (m *Media) put(r io.Reader, max int64, check func(*os.File) error) (string, error) {
	tmp, err := os.CreateTemp(m.dir, ".incoming-*")
	if err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, max+1))
	if err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	if n > max {
		return "", ErrTooLarge
	}
	if n == 0 {
		return "", fmt.Errorf("store media: %w: empty file", ErrNotImage)
	}
	if check != nil {
		if err := check(tmp); err != nil {
			return "", err
		}
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	hash := hex.EncodeToString(h.Sum(nil))
	path := m.path(hash)
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return "", fmt.Errorf("store media: %w", err)
	}
	return hash, nil
}

func (m *Media) path(hash string) string {
	return filepath.Join(m.dir, hash[:2], hash)
}

// Open opens a stored media file by its hash.
func (m *Media) Open(hash string) (*os.File, error) {
	if !validHash(hash) {
		return nil, fmt.Errorf("open media: bad hash %q", hash)
	}
	f, err := os.Open(m.path(hash))
	if err != nil {
		return nil, fmt.Errorf("open media: %w", err)
	}
	return f, nil
}

// Delete removes a stored media file; one already gone is no error.
func (m *Media) Delete(hash string) error {
	if !validHash(hash) {
		return fmt.Errorf("delete media: bad hash %q", hash)
	}
	if err := os.Remove(m.path(hash)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("delete media: %w", err)
	}
	return nil
}

func validHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	_, err := hex.DecodeString(h)
	return err == nil
}

// Mirror makes dst hold the same media files as m: files missing there
// are copied (content-addressed files never change, so one present is
// current), files m no longer has (erased with their complaint) are
// removed, so a backup keeps no more than the desk does.
func (m *Media) Mirror(dst string) (copied, removed int, err error) {
	if err := os.MkdirAll(dst, 0o700); err != nil {
		return 0, 0, fmt.Errorf("mirror media to %s: %w", dst, err)
	}
	want := map[string]bool{}
	err = filepath.WalkDir(m.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !validHash(d.Name()) {
			return nil
		}
		want[d.Name()] = true
		to := filepath.Join(dst, d.Name()[:2], d.Name())
		if _, err := os.Stat(to); err == nil {
			return nil
		}
		if err := copyFile(path, to); err != nil {
			return err
		}
		copied++
		return nil
	})
	if err != nil {
		return copied, 0, fmt.Errorf("mirror media to %s: %w", dst, err)
	}
	err = filepath.WalkDir(dst, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !validHash(d.Name()) || want[d.Name()] {
			return nil
		}
		removed++
		return os.Remove(path)
	})
	if err != nil {
		return copied, removed, fmt.Errorf("mirror media to %s: %w", dst, err)
	}
	return copied, removed, nil
}

// copyFile copies a file whole, through a temporary file renamed into
// place, so a half copy never looks like a file.
func copyFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o700); err != nil {
		return err
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	tmp, err := os.CreateTemp(filepath.Dir(to), ".copy-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := io.Copy(tmp, in); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), to)
}
