package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"aduan/flows"
)

// mustWrite writes a config file into a temp dir and returns its path.
func mustWrite(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func shipped(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestShippedConfig(t *testing.T) {
	cfg, err := loadConfig("../../config.yaml")
	if err != nil {
		t.Fatalf("shipped config.yaml: %v", err)
	}
	f := cfg.Flows
	for _, id := range []string{"dpupr", "disdik", "dinkes", "rsd", "disdukcapil", "diskominfo"} {
		o, ok := f.Office(id)
		if !ok {
			t.Errorf("office %s missing", id)
		}
		if len(o.Chats) != 0 {
			t.Errorf("office %s has its own chat in the shipped config", id)
		}
	}
	if f.Coordinator != "diskominfo" || len(f.Categories) < 6 || f.TicketPrefix != "ADU" {
		t.Errorf("shipped config: coordinator %q, %d categories, prefix %q", f.Coordinator, len(f.Categories), f.TicketPrefix)
	}
	root, _ := filepath.Abs("../..")
	if cfg.DataDir != filepath.Join(root, "data") || cfg.Telegram.APIURL != "https://api.telegram.org" || cfg.Location.String() != "Asia/Jakarta" {
		t.Errorf("defaults: data_dir %q, api_url %q, tz %s", cfg.DataDir, cfg.Telegram.APIURL, cfg.Location)
	}
	if !strings.Contains(f.Texts.Submitted, "1×24 jam") {
		t.Errorf("texts.submitted from the file not applied: %q", f.Texts.Submitted)
	}
}

func TestEnvironmentOverrides(t *testing.T) {
	t.Setenv("ADUAN_DATA_DIR", "/var/lib/aduan")
	t.Setenv("ADUAN_TELEGRAM_TOKEN", "42:secret")
	t.Setenv("ADUAN_TELEGRAM_API_URL", "http://127.0.0.1:8081")
	t.Setenv("ADUAN_TELEGRAM_ADMIN_CHAT_ID", "-1001234567890")
	t.Setenv("ADUAN_TELEGRAM_ADMIN_USER_IDS", "11,22")
	t.Setenv("ADUAN_TICKET_PREFIX", "KLT")
	t.Setenv("ADUAN_DESCRIPTION_MIN_CHARS", "20")
	t.Setenv("ADUAN_WEB_PUBLIC_URL", "https://aduan.klatenkab.go.id/")
	cfg, err := loadConfig(mustWrite(t, shipped(t)))
	if err != nil {
		t.Fatal(err)
	}
	f := cfg.Flows
	switch {
	case cfg.DataDir != "/var/lib/aduan":
		t.Errorf("data_dir = %q", cfg.DataDir)
	case cfg.Telegram.Token != "42:secret":
		t.Errorf("token = %q", cfg.Telegram.Token)
	case cfg.Telegram.APIURL != "http://127.0.0.1:8081":
		t.Errorf("api_url = %q", cfg.Telegram.APIURL)
	case len(f.CoordinatorChats) != 1 || f.CoordinatorChats[0].ID != "-1001234567890":
		t.Errorf("admin chat = %v", f.CoordinatorChats)
	case !f.AdminUsers["telegram:11"] || !f.AdminUsers["telegram:22"] || len(f.AdminUsers) != 2:
		t.Errorf("admin users = %v", f.AdminUsers)
	case f.TicketPrefix != "KLT" || f.DescriptionMin != 20:
		t.Errorf("prefix %q, min %d", f.TicketPrefix, f.DescriptionMin)
	case f.ConsoleURL != "https://aduan.klatenkab.go.id":
		t.Errorf("console url %q", f.ConsoleURL)
	}
}

// A relative data_dir is the config file's folder's, wherever aduan is
// started from.
func TestRelativeDataDirFollowsConfigFile(t *testing.T) {
	path := mustWrite(t, shipped(t))
	t.Chdir(t.TempDir())
	cfg, err := loadConfig(path)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(filepath.Dir(path), "data"); cfg.DataDir != want {
		t.Errorf("data_dir = %q, want %q", cfg.DataDir, want)
	}
}

func TestBadConfigNamesTheKey(t *testing.T) {
	replace := func(old, new string) func(string) string {
		return func(c string) string { return strings.Replace(c, old, new, 1) }
	}
	prepend := func(head string) func(string) string {
		return func(c string) string { return head + c }
	}
	tests := []struct {
		name string
		edit func(shipped string) string // nil keeps the shipped file
		env  map[string]string
		want string
	}{
		{"unknown key", replace("  poll_timeout: 30s", "  tokn: x\n  poll_timeout: 30s"), nil, "telegram.tokn: unknown key (did you mean telegram.token?)"},
		{"misspelled key in a list", replace("  - id: disdik\n    name:", "  - id: disdik\n    nam:"), nil, "offices[1].nam: unknown key (did you mean offices[1].name?)"},
		{"bad value from the environment", nil, map[string]string{"ADUAN_MAX_PHOTOS": "banyak"}, `environment variable ADUAN_MAX_PHOTOS="banyak": max_photos: "banyak" is not a whole number`},
		{"bad flag from the environment", nil, map[string]string{"ADUAN_WEB_ENABLED": "mungkin"}, `ADUAN_WEB_ENABLED="mungkin": web.enabled: "mungkin" must be true or false`},
		{"bad duration from the environment", nil, map[string]string{"ADUAN_DEADLINES_FIRST_RESPONSE": "1 hari"}, `ADUAN_DEADLINES_FIRST_RESPONSE="1 hari": deadlines.first_response: not a duration such as 30s`},
		{"list for a number in file", replace("\nmax_photos: 5\n", "\nmax_photos: [1]\n"), nil, "max_photos: [1] is not a whole number"},
		{"secret not echoed", nil, map[string]string{"ADUAN_TELEGRAM_TOKEN": "nocolon"}, "ADUAN_TELEGRAM_TOKEN=(hidden): telegram.token"},
		{"open console on the network", nil, map[string]string{"ADUAN_HTTP_ADDR": "0.0.0.0:8080"}, "web.console_users"},
		{"bad http_addr", nil, map[string]string{"ADUAN_HTTP_ADDR": "8080"}, "http_addr"},
		{"console user without hash", replace("  console_users: []\n", "  console_users:\n    - name: sari\n      password_hash: rahasia\n"), nil, "web.console_users[0].password_hash: not a bcrypt hash"},
		{"console user of no office", replace("  console_users: []\n", "  console_users:\n    - name: sari\n      password_hash: \""+testHash+"\"\n      offices: [pupr]\n"), nil, "web.console_users[0].offices"},
		{"bad admin user id", nil, map[string]string{"ADUAN_TELEGRAM_ADMIN_USER_IDS": "11,budi"}, "telegram.admin_user_ids"},
		{"unknown top key", prepend("colour: blue\n"), nil, "colour"},
		{"bad chat id", nil, map[string]string{"ADUAN_TELEGRAM_ADMIN_CHAT_ID": "abc"}, "telegram.admin_chat_id"},
		{"bad number in file", replace("\nmax_photos: 5\n", "\nmax_photos: banyak\n"), nil, `max_photos: "banyak" is not a whole number`},
		{"bad timezone", replace("\ntimezone: Asia/Jakarta\n", "\ntimezone: Mars/Olympus\n"), nil, `timezone: "Mars/Olympus" is not a time zone`},
		{"bad url", nil, map[string]string{"ADUAN_TELEGRAM_API_URL": "api.telegram.org"}, "telegram.api_url"},
		{"public url without scheme", nil, map[string]string{"ADUAN_WEB_PUBLIC_URL": "aduan.klatenkab.go.id"}, `web.public_url: "aduan.klatenkab.go.id" must be the address`},
		{"bad token", nil, map[string]string{"ADUAN_TELEGRAM_TOKEN": "nocolon"}, "telegram.token"},
		{"unknown text", replace("\ntexts:\n", "\ntexts:\n  salam: halo\n"), nil, "texts.salam"},
		{"unknown office", replace("office: dpupr", "office: pupr"), nil, "categories[0].office"},
		{"bad yaml", func(string) string { return "offices: [\n" }, nil, "config.yaml"},
		{"text without its ticket", replace("\ntexts:\n", "\ntexts:\n  citizen_reply: \"Ada balasan: {pesan}\"\n"), nil, "texts.citizen_reply: must contain {tiket}"},
		{"bad followup interval", nil, map[string]string{"ADUAN_FOLLOWUP_INTERVAL": "-1m"}, "followup_interval"},
		{"bad thread limit", replace("thread_limit: 100", "thread_limit: 3"), nil, "thread_limit: 3 must be between"},
		{"bad poll timeout", nil, map[string]string{"ADUAN_TELEGRAM_POLL_TIMEOUT": "10h"}, "telegram.poll_timeout"},
		{"first response of no time", nil, map[string]string{"ADUAN_DEADLINES_FIRST_RESPONSE": "0s"}, `ADUAN_DEADLINES_FIRST_RESPONSE="0s": deadlines.first_response`},
		{"reminder after the deadline", nil, map[string]string{"ADUAN_DEADLINES_REMIND_BEFORE": "25h"}, "deadlines.remind_before"},
		{"bad working day", nil, map[string]string{"ADUAN_DEADLINES_WORKING_DAYS": "senin,libur"}, `deadlines.working_days: "libur" is not a day`},
		{"bad holiday", nil, map[string]string{"ADUAN_DEADLINES_HOLIDAYS": "25-12-2026"}, `deadlines.holidays: "25-12-2026"`},
		{"bad whatsapp group", nil, map[string]string{"ADUAN_WHATSAPP_ADMIN_GROUP": "6281234@s.whatsapp.net"}, "whatsapp.admin_group"},
		{"whatsapp too fast", nil, map[string]string{"ADUAN_WHATSAPP_PER_MINUTE": "600"}, "whatsapp.per_minute"},
		{"webhook over http to Telegram", nil, map[string]string{"ADUAN_TELEGRAM_TOKEN": "1:x", "ADUAN_TELEGRAM_WEBHOOK_URL": "http://aduan.example.go.id/tg"}, "telegram.webhook_url: \"http://aduan.example.go.id/tg\": Telegram pushes only to https"},
		{"webhook at the root", nil, map[string]string{"ADUAN_TELEGRAM_TOKEN": "1:x", "ADUAN_TELEGRAM_WEBHOOK_URL": "https://aduan.example.go.id/"}, "telegram.webhook_url: telegram: webhook URL \"https://aduan.example.go.id/\": give it a path of its own"},
		{"webhook without token", nil, map[string]string{"ADUAN_TELEGRAM_WEBHOOK_URL": "https://aduan.example.go.id/tg"}, "telegram.webhook_url: set telegram.token too"},
		{"bad webhook secret", nil, map[string]string{"ADUAN_TELEGRAM_WEBHOOK_SECRET": "rahasia sekali"}, "ADUAN_TELEGRAM_WEBHOOK_SECRET=(hidden): telegram.webhook_secret: use 1 to 256"},
		{"inbound keys forgotten too soon", nil, map[string]string{"ADUAN_PRUNE_INBOUND_KEYS": "1h"}, "prune.inbound_keys: 1h0m0s must be at least 24h"},
		{"negative post links", nil, map[string]string{"ADUAN_PRUNE_POST_LINKS": "-1h"}, "prune.post_links"},
		{"backups too often", nil, map[string]string{"ADUAN_BACKUP_DIR": "/srv/cadangan", "ADUAN_BACKUP_EVERY": "0s"}, "backup.every: 0s must be at least 1s"},
		{"no backup kept", nil, map[string]string{"ADUAN_BACKUP_DIR": "/srv/cadangan", "ADUAN_BACKUP_KEEP": "0"}, "backup.keep: 0 must be at least 1"},
		{"backups into data_dir", nil, map[string]string{"ADUAN_BACKUP_DIR": "./data/"}, "backup.dir: must not be data_dir itself"},
		{"unknown category kind", replace("kind: konsultasi", "kind: tanya"), nil, `categories[6].kind: "tanya"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			content := shipped(t)
			if tt.edit != nil {
				edited := tt.edit(content)
				if edited == content {
					t.Fatal("the edit changed nothing in the shipped config")
				}
				content = edited
			}
			_, err := loadConfig(mustWrite(t, content))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want one naming %q", err, tt.want)
			}
		})
	}
}

func TestRunExitCodes(t *testing.T) {
	for _, k := range []string{"ADUAN_TELEGRAM_TOKEN", "ADUAN_TELEGRAM_ADMIN_CHAT_ID", "ADUAN_CONFIG"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	t.Setenv("ADUAN_DATA_DIR", t.TempDir())
	path := mustWrite(t, shipped(t))
	notDir := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"check without any credentials", []string{"-config", path, "-check"}, nil, 0, "channels: web chat, console"},
		{"check with telegram", []string{"-check"}, map[string]string{"ADUAN_CONFIG": path, "ADUAN_TELEGRAM_TOKEN": "1:x"}, 0, "channels: telegram, web chat, console"},
		{"data_dir not writable", []string{"-config", path, "-check"}, map[string]string{"ADUAN_DATA_DIR": filepath.Join(notDir, "data")}, exitConfig, "data_dir"},
		{"unknown variable", []string{"-config", path, "-check"}, map[string]string{"ADUAN_TELEGRAM_TOKN": "1:x"}, exitConfig, "ADUAN_TELEGRAM_TOKN names no config key (did you mean ADUAN_TELEGRAM_TOKEN?)"},
		{"missing file", []string{"-config", filepath.Join(t.TempDir(), "nope.yaml")}, nil, exitConfig, "nope.yaml"},
		{"bad flag", []string{"-nope"}, nil, exitConfig, "flag provided but not defined"},
		{"stray argument", []string{"-config", path, "start"}, nil, exitConfig, `unexpected argument "start"`},
		{"help", []string{"-h"}, nil, 0, "hash-password"},
		{"help names the variables", []string{"-h"}, nil, 0, "ADUAN_TELEGRAM_TOKEN"},
		{"version", []string{"version"}, nil, 0, "aduan "},
		{"version flag", []string{"--version"}, nil, 0, "commit "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			var out bytes.Buffer
			if code := run(tt.args, os.Stdin, &out, &out); code != tt.code || !strings.Contains(out.String(), tt.want) {
				t.Errorf("run(%v) = %d, %q; want %d and %q", tt.args, code, out.String(), tt.code, tt.want)
			}
		})
	}
}

// testHash is a bcrypt hash of "rahasia-sekali".
const testHash = "$2a$04$TLQxuwWSOXCO0gjTVCv7YOwwh5PcPIdbarVoyPd7bIDD37mfscpRm"

func TestHashPassword(t *testing.T) {
	tests := []struct {
		input string
		code  int
		want  string
	}{
		{"rahasia-sekali\n", 0, "$2a$"},
		{"pendek\n", exitConfig, "at least 10 characters"},
	}
	for _, tt := range tests {
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		w.WriteString(tt.input)
		w.Close()
		var out, errOut bytes.Buffer
		code := run([]string{"hash-password"}, r, &out, &errOut)
		r.Close()
		if code != tt.code || !strings.Contains(out.String()+errOut.String(), tt.want) {
			t.Errorf("hash-password %q = %d, %q %q; want %d and %q", tt.input, code, out.String(), errOut.String(), tt.code, tt.want)
			continue
		}
		if code == 0 {
			hash := strings.TrimSpace(out.String())
			if err := bcrypt.CompareHashAndPassword([]byte(hash), []byte("rahasia-sekali")); err != nil {
				t.Errorf("the printed hash does not match the password: %v", err)
			}
		}
	}
}

// Secrets may come from files named by ADUAN_<KEY>_FILE (Docker and
// systemd mount them so).
func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	token := write("token", "42:from-a-file\n")
	t.Setenv("ADUAN_TELEGRAM_TOKEN_FILE", token)
	cfg, err := loadConfig(mustWrite(t, shipped(t)))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Telegram.Token != "42:from-a-file" {
		t.Errorf("token = %q", cfg.Telegram.Token)
	}
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"both ways", map[string]string{"ADUAN_TELEGRAM_TOKEN": "1:x"}, "ADUAN_TELEGRAM_TOKEN and ADUAN_TELEGRAM_TOKEN_FILE are both set"},
		{"missing file", map[string]string{"ADUAN_TELEGRAM_TOKEN_FILE": filepath.Join(dir, "nope")}, "ADUAN_TELEGRAM_TOKEN_FILE"},
		{"bad value in a file", map[string]string{"ADUAN_MAX_PHOTOS_FILE": write("photos", "banyak")}, "environment variable ADUAN_MAX_PHOTOS_FILE (the file "},
		{"bad log format", map[string]string{"ADUAN_LOG_FORMAT": "xml"}, "log_format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			if _, err := loadConfig(mustWrite(t, shipped(t))); err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDeadlinesConfig(t *testing.T) {
	t.Setenv("ADUAN_DEADLINES_FIRST_RESPONSE", "30s")
	t.Setenv("ADUAN_DEADLINES_REMIND_BEFORE", "10s")
	t.Setenv("ADUAN_DEADLINES_WORKING_DAYS", "senin,selasa,rabu,kamis,jumat,sabtu")
	cfg, err := loadConfig(mustWrite(t, shipped(t)))
	if err != nil {
		t.Fatal(err)
	}
	d := cfg.Flows.Deadlines
	if d.FirstResponse != 30*time.Second || d.RemindBefore != 10*time.Second || d.ResolutionDays != 5 || !d.WorkingDays[time.Saturday] || d.WorkingDays[time.Sunday] {
		t.Errorf("deadlines: %+v", d)
	}
	if d.Holidays["2026-12-25"] != true {
		t.Errorf("holidays from the file: %v", d.Holidays)
	}
	if k, _ := cfg.Flows.Category("rsud"); k.FirstResponse != time.Hour {
		t.Errorf("category's own first response: %s", k.FirstResponse)
	}
	if k, _ := cfg.Flows.Category("tanya_dokter"); k.Kind != "konsultasi" || k.Staff != "Dokter jaga" {
		t.Errorf("consultation from the file: %+v", k)
	}
	if e := cfg.Flows.Emergency; !e.IsEmergency("Ada KEBAKARAN di pasar") || len(e.Numbers) != 3 {
		t.Errorf("emergency from the file: %+v", e)
	}
}

func TestAdminUserIDsFromFile(t *testing.T) {
	content := strings.Replace(shipped(t), "admin_user_ids: []", "admin_user_ids: [111, 222]", 1)
	cfg, err := loadConfig(mustWrite(t, content))
	if err != nil {
		t.Fatal(err)
	}
	if u := cfg.Flows.AdminUsers; len(u) != 2 || !u["telegram:111"] || !u["telegram:222"] {
		t.Errorf("admin users = %v", u)
	}
}

func TestReadmeListsEveryText(t *testing.T) {
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range flows.TextKeys() {
		if !strings.Contains(string(data), k+",") && !strings.Contains(string(data), k+".") {
			t.Errorf("README.md does not list texts.%s", k)
		}
	}
}
