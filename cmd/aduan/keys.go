package main

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
	"go.yaml.in/yaml/v3"
)

// envName is the environment variable that overrides a config key.
func envName(key string) string {
	return "ADUAN_" + strings.ToUpper(strings.ReplaceAll(key, ".", "_"))
}

// secretKey reports whether a key's value must not be echoed in errors.
func secretKey(key string) bool {
	return strings.Contains(key, "token") || strings.Contains(key, "password") || strings.Contains(key, "secret")
}

// checkEnvironment refuses ADUAN_ variables that name no key: a typo there
// would silently leave the default in place.
func checkEnvironment() error {
	known := map[string]bool{"ADUAN_CONFIG": true}
	var names []string
	for k := range defaults {
		known[envName(k)], known[envName(k)+"_FILE"] = true, true
		names = append(names, envName(k))
	}
	var unknown []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "ADUAN_") && !known[name] {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	msg := fmt.Sprintf("environment variable %s names no config key", unknown[0])
	if near := nearest(unknown[0], names); near != "" {
		msg += fmt.Sprintf(" (did you mean %s?)", near)
	}
	return fmt.Errorf("%s; the variables are ADUAN_ and a key with dots as underscores, see aduan -h", msg)
}

// plainDecodeError says in the config's words what the decoder could not
// read: "max_photos: "banyak" is not a whole number" instead of
// "'max_photos' cannot parse value as 'int': strconv.ParseInt: invalid
// syntax". An error it does not know is kept as it is.
func plainDecodeError(err error) error {
	var parts []string
	var walk func(error)
	walk = func(err error) {
		if joined, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range joined.Unwrap() {
				walk(e)
			}
			return
		}
		var de *mapstructure.DecodeError
		if !errors.As(err, &de) {
			if next := errors.Unwrap(err); next != nil {
				walk(next) // the decoder's "decoding failed due to …" heading
				return
			}
			parts = append(parts, err.Error())
			return
		}
		parts = append(parts, de.Name()+": "+decodeProblem(de.Unwrap()))
	}
	walk(err)
	if len(parts) == 0 {
		return err
	}
	return errors.New(strings.Join(parts, "; "))
}

// decodeProblem words one value the decoder refused.
func decodeProblem(err error) string {
	var pe *mapstructure.ParseError
	var ue *mapstructure.UnconvertibleTypeError
	switch {
	case errors.As(err, &pe):
		return fmt.Sprintf("%s %s", shownValue(pe.Value), wanted(pe.Expected.Kind()))
	case errors.As(err, &ue):
		return fmt.Sprintf("%s %s", shownValue(ue.Value), wanted(ue.Expected.Kind()))
	case strings.HasPrefix(err.Error(), "time: "):
		return "not a duration such as 30s, 15m or 24h (" + err.Error() + ")"
	}
	return err.Error()
}

func shownValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(v)
}

func wanted(k reflect.Kind) string {
	switch k {
	case reflect.Bool:
		return "must be true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "is not a whole number"
	case reflect.Float32, reflect.Float64:
		return "is not a number"
	case reflect.Slice:
		return "is not a list"
	case reflect.Map, reflect.Struct:
		return "is not a section of keys"
	}
	return "is not a " + k.String()
}

// blameEnvironment names the environment variable, and its value, behind
// a config error when the key at fault was set from the environment.
func blameEnvironment(err error) (error, bool) {
	msg := err.Error()
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	// Longer keys first: "web.max_photo_mb" before a shorter key it contains.
	sort.Slice(keys, func(i, j int) bool { return len(keys[i]) > len(keys[j]) })
	for _, k := range keys {
		if !strings.HasPrefix(msg, k+":") && !strings.Contains(msg, "'"+k+"'") && !strings.Contains(msg, " "+k+":") {
			continue
		}
		if val, set := os.LookupEnv(envName(k)); set {
			shown := strconv.Quote(val)
			if secretKey(k) {
				shown = "(hidden)"
			}
			return fmt.Errorf("environment variable %s=%s: %w", envName(k), shown, err), true
		}
		if path, set := os.LookupEnv(envName(k) + "_FILE"); set {
			return fmt.Errorf("environment variable %s_FILE (the file %s): %w", envName(k), path, err), true
		}
	}
	return err, false
}

// checkFileKeys refuses a key in the config file that aduan does not know,
// with its full path and the nearest valid key.
func checkFileKeys(data []byte) error {
	var doc map[string]any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil // the parser proper reports it
	}
	return walkKeys(doc, reflect.TypeOf(fileConfig{}), "")
}

func walkKeys(m map[string]any, t reflect.Type, path string) error {
	fields := map[string]reflect.Type{}
	for i := range t.NumField() {
		if tag := t.Field(i).Tag.Get("mapstructure"); tag != "" {
			fields[tag] = t.Field(i).Type
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		full := join(path, k)
		ft, ok := fields[strings.ToLower(k)]
		if !ok {
			names := make([]string, 0, len(fields))
			for f := range fields {
				names = append(names, f)
			}
			msg := fmt.Sprintf("%s: unknown key", full)
			if near := nearest(k, names); near != "" {
				msg += fmt.Sprintf(" (did you mean %s?)", join(path, near))
			}
			return fmt.Errorf("%s", msg)
		}
		switch v := m[k].(type) {
		case map[string]any:
			if ft.Kind() == reflect.Struct {
				if err := walkKeys(v, ft, full); err != nil {
					return err
				}
			}
		case []any:
			if ft.Kind() == reflect.Slice && ft.Elem().Kind() == reflect.Struct {
				for i, item := range v {
					if im, ok := item.(map[string]any); ok {
						if err := walkKeys(im, ft.Elem(), full+"["+strconv.Itoa(i)+"]"); err != nil {
							return err
						}
					}
				}
			}
		}
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// nearest returns the candidate closest to s, if one is close enough to
// be a typo of it.
func nearest(s string, candidates []string) string {
	best, bestD := "", len(s)/3+2
	for _, c := range candidates {
		if d := distance(strings.ToLower(s), strings.ToLower(c)); d < bestD || d == bestD && c < best {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between two strings.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}

// secretFiles reads ADUAN_<KEY>_FILE variables: the key's value is the
// file's content (a secret mounted by Docker or systemd), without its last
// line break. A key set both ways is refused.
func secretFiles(v *viper.Viper) error {
	keys := make([]string, 0, len(defaults))
	for k := range defaults {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		path, ok := os.LookupEnv(envName(k) + "_FILE")
		if !ok {
			continue
		}
		if _, both := os.LookupEnv(envName(k)); both {
			return fmt.Errorf("environment variables %s and %s_FILE are both set; keep one", envName(k), envName(k))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("environment variable %s_FILE: %w", envName(k), err)
		}
		v.Set(k, strings.TrimRight(string(data), "\r\n"))
	}
	return nil
}
