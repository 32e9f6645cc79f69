package web

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"aduan/flows"
)

// chromium finds a headless-capable browser; the test skips without one,
// unless REQUIRE_BROWSER is set (as .ci/run does).
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	if os.Getenv("REQUIRE_BROWSER") != "" {
		t.Fatal("no chromium found, and REQUIRE_BROWSER is set: install Debian's chromium package")
	}
	t.Skip("no chromium found: install Debian's chromium package (apt-get install chromium) to run the browser test; .ci/run does")
	return ""
}

// TestBrowserEndToEnd files a complaint with a photo in the citizen page,
// answers it in the console, and sees the answer appear in the citizen's
// page without a reload, in a real headless browser at a phone's size.
func TestBrowserEndToEnd(t *testing.T) {
	exe := chromium(t)
	f := mustFixture(t, func(_ *flows.Config, wc *Config) { wc.MaxPhoto = 10 << 20 })
	photo := filepath.Join(t.TempDir(), "jalan.png")
	if err := os.WriteFile(photo, pngBytes(t, 640, 480), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.NoSandbox, chromedp.DisableGPU, chromedp.WindowSize(390, 844),
		chromedp.Flag("headless", "new"))
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancelAlloc()
	ctx, cancel := context.WithTimeout(alloc, 90*time.Second)
	defer cancel()
	citizen, cancelCitizen := chromedp.NewContext(ctx)
	defer cancelCitizen()
	// Start the browser and the tab on their own context: a step's
	// timeout must not end them.
	if err := chromedp.Do(citizen); err != nil {
		t.Fatalf("start %s: %v", exe, err)
	}

	msg := func(text string) chromedp.Search {
		return chromedp.Search(`//div[contains(@class,"msg") and contains(@class,"bot")]//p[contains(., "` + text + `")]`)
	}
	choice := func(label string) chromedp.Search {
		return chromedp.Search(`//button[contains(@class,"choice") and contains(., "` + label + `")]`)
	}
	typed := func(text string) chromedp.Action[chromedp.Void] {
		return chromedp.Steps(chromedp.SendKeys(chromedp.ID("text"), text), chromedp.Click(chromedp.ID("send")))
	}
	phone := chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2))
	run(t, citizen, "file a complaint",
		phone,
		chromedp.Navigate(f.srv.URL+"/"),
		chromedp.WaitVisible(msg("Selamat datang")),
		chromedp.Click(choice("Buat aduan")),
		chromedp.WaitVisible(msg("Pilih kategori")),
		chromedp.Click(choice("Jalan")),
		chromedp.WaitVisible(msg("uraian")),
		typed("Jalan berlubang besar di depan Pasar Klaten."),
		chromedp.WaitVisible(msg("Di mana lokasinya?")),
		chromedp.WaitVisible(chromedp.ID("loc")), // the browser's location button is offered
	)
	screenshot(t, citizen, "citizen-location.png")
	run(t, citizen, "go on with the complaint",
		typed("Jl. Pemuda depan SD 2, Klaten Tengah"),
		chromedp.WaitVisible(msg("Kirim foto")),
		chromedp.SetUploadFiles(chromedp.ID("photo"), []string{photo}),
		chromedp.WaitVisible(msg("Foto diterima (1)")),
		chromedp.WaitVisible(chromedp.Search(`//div[contains(@class,"mine")]//img`)),
		chromedp.Click(chromedp.Search(`//button[contains(@class,"answer") and contains(., "lanjut")]`)), // the quick answer
		chromedp.WaitVisible(msg("Kirim aduan ini?")),
		chromedp.Click(choice("Kirim")),
		chromedp.WaitVisible(msg("tercatat dengan nomor")),
	)
	submitted := text(t, citizen, msg("tercatat dengan nomor"))
	ticket := f.cfg.TicketIn(submitted)
	if ticket == "" {
		t.Fatalf("no ticket in %q", submitted)
	}
	screenshot(t, citizen, "citizen.png")

	console, cancelConsole := chromedp.NewContext(citizen) // a second tab
	defer cancelConsole()
	if err := chromedp.Do(console); err != nil {
		t.Fatalf("open a second tab: %v", err)
	}
	run(t, console, "open the console",
		phone,
		chromedp.Navigate(f.srv.URL+"/konsol"),
		chromedp.WaitVisible(chromedp.Search(`//a[contains(., "`+ticket+`")]`)),
	)
	screenshot(t, console, "console-list.png")
	run(t, console, "answer in the console",
		chromedp.Click(chromedp.Search(`//a[contains(., "`+ticket+`")]`)),
		chromedp.WaitVisible(chromedp.Search(`//p[contains(@class,"desc") and contains(., "Pasar Klaten")]`)),
		chromedp.WaitVisible(chromedp.Search(`//img[contains(@class,"photo")]`)),
		chromedp.SendKeys(chromedp.ID("balas"), "Besok pagi kami tambal."),
		chromedp.Click(chromedp.Search(`//button[contains(., "Kirim balasan")]`)),
		chromedp.WaitVisible(chromedp.CSS(".result")),
	)
	result := text(t, console, chromedp.CSS(".result"))
	if !strings.Contains(result, "dikirim ke warga") {
		t.Errorf("console result: %q", result)
	}
	screenshot(t, console, "console.png")

	// The citizen's page was not reloaded: the answer arrives live.
	run(t, citizen, "see the answer",
		chromedp.WaitVisible(msg("Besok pagi kami tambal.")),
	)
	screenshot(t, citizen, "citizen-answered.png")
}

// run runs steps one by one, each within 20 s; on a failure it keeps a
// screenshot and shows the page.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for i, step := range steps {
		stepCtx, cancel := context.WithTimeout(ctx, 20*time.Second)
		err := chromedp.Do(stepCtx, step)
		cancel()
		if err != nil {
			screenshot(t, ctx, "failed.png")
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(chromedp.CSS("body")))
			t.Fatalf("%s, step %d: %v\npage:\n%s", what, i+1, err, html)
		}
	}
}

func text[S chromedp.Selectable](t *testing.T, ctx context.Context, sel S) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Text(sel))
	if err != nil {
		t.Fatalf("text of %v: %v", sel, err)
	}
	return s
}

// screenshot keeps a picture of the page, in $SCREENSHOT_DIR when set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Errorf("screenshot %s: %v", name, err)
		return
	}
	if err := os.WriteFile(filepath.Join(dir, name), png, 0o600); err != nil {
		t.Error(err)
	}
}
