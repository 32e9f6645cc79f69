package flows

import "strings"

// Caps says what a channel can show and how people write on it. Texts
// that tell a citizen what to do ("tekan tombol", "balas dengan angka",
// "/batal" or "batal") are phrased by them, never by the channel's name.
type Caps struct {
	// Buttons: choices show as buttons to tap. Without them a channel
	// shows a numbered list and the citizen answers with a number.
	Buttons bool
	// LocationButton: a button shares the device's location. Without it
	// the citizen shares a location pin with the app's own menu.
	LocationButton bool
	// Slash: commands are written with a slash ("/batal"); without it, as
	// plain words ("batal"). Both are understood everywhere.
	Slash bool
}

// DefaultCaps are the capabilities of a channel that Config.Channels does
// not name: buttons, a location button and slash commands, as Telegram.
var DefaultCaps = Caps{Buttons: true, LocationButton: true, Slash: true}

// CapsOf returns a channel's capabilities.
func (c *Config) CapsOf(channel string) Caps {
	if caps, ok := c.Channels[channel]; ok {
		return caps
	}
	return DefaultCaps
}

// citizenCommands are the commands a citizen's texts may name, as
// "{/batal}"; each channel writes them its own way.
var citizenCommands = []string{"aduan", "batal", "bantuan", "status", "privasi", "hapus"}

// phrase returns the texts with the placeholders that depend on a
// channel's capabilities filled in: {cara_pilih}, {cara_lokasi} and the
// commands ({/aduan}, {/batal}, {/bantuan}, {/status}).
func (t Texts) phrase(caps Caps) Texts {
	pairs := make([]string, 0, 12)
	how := t.ChooseNumbers
	if caps.Buttons {
		how = t.ChooseButtons
	}
	where := t.LocationByPin
	if caps.LocationButton {
		where = t.LocationByButton
	}
	pairs = append(pairs, "{cara_pilih}", how, "{cara_lokasi}", where)
	for _, c := range citizenCommands {
		written := c
		if caps.Slash {
			written = "/" + c
		}
		pairs = append(pairs, "{/"+c+"}", written)
	}
	r := strings.NewReplacer(pairs...)
	out := t
	for _, f := range out.fields() {
		*f = r.Replace(*f)
	}
	return out
}

// texts returns the texts phrased for a channel.
func (c *Config) texts(channel string) *Texts {
	if t, ok := c.phrased[channel]; ok {
		return t
	}
	if _, named := c.Channels[channel]; !named {
		if t, ok := c.phrased[""]; ok {
			return t
		}
	}
	t := c.Texts.phrase(c.CapsOf(channel)) // a config Validate did not prepare
	return &t
}

// prepare phrases the texts once for each channel the config names, and
// once for the others (key ""), so a message does not pay for it.
func (c *Config) prepare() {
	c.phrased = make(map[string]*Texts, len(c.Channels)+1)
	def := c.Texts.phrase(DefaultCaps)
	c.phrased[""] = &def
	for name, caps := range c.Channels {
		t := c.Texts.phrase(caps)
		c.phrased[name] = &t
	}
}
